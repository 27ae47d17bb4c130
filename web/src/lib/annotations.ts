// Ownership (issue 21): annotations editors set on a record set or a zone, and the attribution
// read from external-dns's registry. Pure, so that validation, the request body, the history's
// before → after and what the table shows are unit-tested. Nothing here is ever HTML: every
// value is shown as text, and a ticket is a link only when it is an http(s) URL.
import type { AnnotationFields, RecordAnnotation, RecordView } from "./schemas.ts";

export const ANNOTATION_FIELDS = ["owner", "team", "ticket", "notes"] as const;
export type AnnotationField = (typeof ANNOTATION_FIELDS)[number];

/** The API's limits, in characters (Unicode scalar values, as the API counts them). */
export const ANNOTATION_LIMITS: Record<AnnotationField, number> = {
  owner: 200,
  team: 200,
  ticket: 500,
  notes: 2000,
};

export const FIELD_LABELS: Record<AnnotationField, string> = {
  owner: "Owner",
  team: "Team",
  ticket: "Ticket",
  notes: "Notes",
};

/** What the form holds: text for each field ("" for not set). */
export type AnnotationForm = Record<AnnotationField, string>;

export const EMPTY_FORM: AnnotationForm = { owner: "", team: "", ticket: "", notes: "" };

/** The form for an annotation (an inherited one is not the record's own: an empty form). */
export function formOf(a: Partial<AnnotationFields> | null | undefined): AnnotationForm {
  return {
    owner: a?.owner ?? "",
    team: a?.team ?? "",
    ticket: a?.ticket ?? "",
    notes: a?.notes ?? "",
  };
}

/** A field's length as the API counts it: characters, not UTF-16 units. */
export function charCount(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}

// Control characters (Unicode Cc); notes keep tabs and line breaks.
// biome-ignore lint/suspicious/noControlCharactersInRegex: these are exactly what is refused
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
// biome-ignore lint/suspicious/noControlCharactersInRegex: these are exactly what is refused
const CONTROL_MULTILINE = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/;

export interface FieldError {
  /** The field the message is about; `null` for the form as a whole. */
  field: AnnotationField | null;
  message: string;
}

/**
 * What the API would refuse, as messages next to the fields: too long, a control character,
 * or nothing set at all. Empty when the form can be saved.
 */
export function validateAnnotation(form: AnnotationForm): FieldError[] {
  const errors: FieldError[] = [];
  for (const f of ANNOTATION_FIELDS) {
    const v = form[f];
    const n = charCount(v);
    const max = ANNOTATION_LIMITS[f];
    if (n > max)
      errors.push({
        field: f,
        message: `${FIELD_LABELS[f]}: at most ${max} characters, got ${n}`,
      });
    const control = (f === "notes" ? CONTROL_MULTILINE : CONTROL).exec(v);
    if (control) {
      const code = (control[0].codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, "0");
      errors.push({
        field: f,
        message: `${FIELD_LABELS[f]}: control character U+${code} is not allowed${f === "notes" ? " (line breaks and tabs are)" : ""}`,
      });
    }
  }
  if (ANNOTATION_FIELDS.every((f) => !form[f].trim()))
    errors.push({
      field: null,
      message: "Set at least one of owner, team, ticket and notes (Clear removes the annotation)",
    });
  return errors;
}

/** The PUT body: each field trimmed, blank as `null`. */
export function annotationBody(form: AnnotationForm): AnnotationFields {
  const v = (s: string) => s.trim() || null;
  return { owner: v(form.owner), team: v(form.team), ticket: v(form.ticket), notes: v(form.notes) };
}

/** The field an API error message is about (it starts with the field's name), if any. */
export function errorField(message: string): AnnotationField | null {
  const m = /^(owner|team|ticket|notes):/.exec(message);
  return m ? (m[1] as AnnotationField) : null;
}

/**
 * The ticket as a link's address: only an absolute http or https URL (never `javascript:`,
 * `data:` or anything else), else `null` and the ticket is shown as text.
 */
export function ticketHref(ticket: string | null | undefined): string | null {
  const t = (ticket ?? "").trim();
  if (!/^https?:\/\//i.test(t)) return null;
  try {
    const u = new URL(t);
    return u.protocol === "http:" || u.protocol === "https:" ? u.href : null;
  } catch {
    return null;
  }
}

export interface AnnotationChange {
  field: AnnotationField;
  before: string | null;
  after: string | null;
}

/** The fields an edit changed (`null` before: none; `null` after: cleared). */
export function annotationChanges(
  before: AnnotationFields | null | undefined,
  after: AnnotationFields | null | undefined,
): AnnotationChange[] {
  return ANNOTATION_FIELDS.map((field) => ({
    field,
    before: before?.[field] ?? null,
    after: after?.[field] ?? null,
  })).filter((c) => c.before !== c.after);
}

export interface OwnerCell {
  /** What the Owner column shows: the owner, else the team, else the attribution's source. */
  text: string;
  /** Inherited from the zone, or only an attribution: shown muted. */
  muted: boolean;
  /** The tooltip. */
  title: string;
}

/** The records table's Owner cell, or `null` when nobody owns the record. */
export function ownerCell(r: Pick<RecordView, "annotation" | "attribution">): OwnerCell | null {
  const a = r.annotation;
  const who = a?.owner || a?.team;
  if (a && who) {
    const parts = [a.owner && `owner ${a.owner}`, a.team && `team ${a.team}`].filter(Boolean);
    return {
      text: who,
      muted: a.inherited,
      title: `${parts.join(", ")}${a.inherited ? " (inherited from the zone)" : ""}`,
    };
  }
  if (r.attribution)
    return { text: r.attribution.source, muted: true, title: r.attribution.summary };
  return null;
}

/**
 * The record with an annotation saved (optimistically: before the API has answered): its own,
 * never inherited; version and time are the best guess until the answer replaces them.
 */
export function withAnnotation<R extends Pick<RecordView, "annotation">>(
  r: R,
  fields: AnnotationFields | null,
  who: string,
  nowIso: string,
): R {
  if (!fields) return { ...r, annotation: null };
  const prev: RecordAnnotation | null = r.annotation;
  return {
    ...r,
    annotation: {
      ...fields,
      version: (prev && !prev.inherited ? prev.version : 0) + 1,
      updated_by: who,
      updated_at: nowIso,
      inherited: false,
    },
  };
}
