// Ownership in the record drawer (issue 21): the annotation (own or the zone's), the
// external-dns attribution, and, for editors only, the form that edits it. Every value is
// text: notes keep their whitespace (CSS), a ticket is a link only when it is an http(s) URL.
import { useState } from "preact/hooks";
import {
  ANNOTATION_FIELDS,
  ANNOTATION_LIMITS,
  type AnnotationField,
  type AnnotationForm,
  annotationBody,
  EMPTY_FORM,
  errorField,
  FIELD_LABELS,
  type FieldError,
  formOf,
  ticketHref,
  validateAnnotation,
} from "../lib/annotations.ts";
import type { AnnotationFields, Attribution, RecordAnnotation } from "../lib/schemas.ts";
import { formatUtc, timeAgo } from "../lib/time.ts";

/** A ticket: a link (opened without a referrer or opener) when it is an http(s) URL, else text. */
export function Ticket({ ticket }: { ticket: string }) {
  const href = ticketHref(ticket);
  return href ? (
    <a href={href} target="_blank" rel="noopener noreferrer" data-testid="annotation-ticket">
      {ticket}
    </a>
  ) : (
    <span data-testid="annotation-ticket">{ticket}</span>
  );
}

function AnnotationView({ a, now }: { a: RecordAnnotation; now: number }) {
  return (
    <div data-testid="annotation">
      <dl class="details ownership-fields">
        {a.owner !== null && (
          <>
            <dt>Owner</dt>
            <dd data-testid="annotation-owner">{a.owner}</dd>
          </>
        )}
        {a.team !== null && (
          <>
            <dt>Team</dt>
            <dd data-testid="annotation-team">{a.team}</dd>
          </>
        )}
        {a.ticket !== null && (
          <>
            <dt>Ticket</dt>
            <dd>
              <Ticket ticket={a.ticket} />
            </dd>
          </>
        )}
        {a.notes !== null && (
          <>
            <dt>Notes</dt>
            <dd class="notes" data-testid="annotation-notes">
              {a.notes}
            </dd>
          </>
        )}
      </dl>
      <p class="muted small ownership-meta">
        {a.inherited && (
          <span class="badge inherited" data-testid="annotation-inherited">
            inherited from the zone
          </span>
        )}{" "}
        last edited by <span data-testid="annotation-editor">{a.updated_by}</span>,{" "}
        <time dateTime={a.updated_at} title={formatUtc(a.updated_at)}>
          {timeAgo(a.updated_at, now)}
        </time>
      </p>
    </div>
  );
}

function Field(props: {
  field: AnnotationField;
  value: string;
  error: string | undefined;
  onInput: (v: string) => void;
}) {
  const { field } = props;
  const id = `ann-${field}`;
  const common = {
    id,
    value: props.value,
    maxLength: ANNOTATION_LIMITS[field],
    "aria-invalid": props.error ? true : undefined,
    "aria-describedby": props.error ? `${id}-error` : undefined,
    onInput: (e: Event) => props.onInput((e.currentTarget as HTMLInputElement).value),
  };
  return (
    <div class="field ann-field">
      <label for={id}>
        {FIELD_LABELS[field]}{" "}
        <span class="muted small">(≤ {ANNOTATION_LIMITS[field].toLocaleString("en-US")})</span>
      </label>
      {field === "notes" ? (
        <textarea {...common} rows={4} />
      ) : (
        <input
          {...common}
          type="text"
          autocomplete="off"
          spellcheck={false}
          placeholder={field === "ticket" ? "OPS-1234 or https://…" : undefined}
        />
      )}
      {props.error && (
        <span id={`${id}-error`} class="field-error small">
          {props.error}
        </span>
      )}
    </div>
  );
}

/** The editor's form: labelled fields with the API's limits, Save, Cancel, and Clear. */
function EditForm(props: {
  initial: AnnotationForm;
  canClear: boolean;
  saving: boolean;
  apiError: string | null;
  onSave: (fields: AnnotationFields) => void;
  onClear: () => void;
  onCancel: () => void;
}) {
  const [form, setForm] = useState<AnnotationForm>(props.initial);
  const [errors, setErrors] = useState<FieldError[]>([]);
  const byField = new Map<AnnotationField | null, string>();
  for (const e of errors) if (!byField.has(e.field)) byField.set(e.field, e.message);
  const apiField = props.apiError ? errorField(props.apiError) : null;
  if (props.apiError && apiField && !byField.has(apiField)) byField.set(apiField, props.apiError);

  const submit = (e: Event) => {
    e.preventDefault();
    const found = validateAnnotation(form);
    setErrors(found);
    if (found.length) return;
    props.onSave(annotationBody(form));
  };
  const messages = [...errors.map((e) => e.message), ...(props.apiError ? [props.apiError] : [])];

  return (
    <form class="ownership-form" onSubmit={submit} noValidate data-testid="annotation-form">
      {ANNOTATION_FIELDS.map((f) => (
        <Field
          key={f}
          field={f}
          value={form[f]}
          error={byField.get(f)}
          onInput={(v) => setForm((cur) => ({ ...cur, [f]: v }))}
        />
      ))}
      {messages.length > 0 && (
        <div class="error-box small" role="alert" data-testid="annotation-error">
          {messages.map((m) => (
            <div key={m} class="error-message">
              {m}
            </div>
          ))}
        </div>
      )}
      <div class="form-actions">
        <button type="submit" class="btn primary small" disabled={props.saving}>
          {props.saving ? "Saving…" : "Save"}
        </button>
        <button type="button" class="btn ghost small" onClick={props.onCancel}>
          Cancel
        </button>
        {props.canClear && (
          <button
            type="button"
            class="btn ghost small danger"
            disabled={props.saving}
            onClick={props.onClear}
          >
            Clear
          </button>
        )}
      </div>
    </form>
  );
}

export function Ownership(props: {
  annotation: RecordAnnotation | null;
  attribution: Attribution | null;
  now: number;
  canEdit: boolean;
  editing: boolean;
  saving: boolean;
  error: string | null;
  onEdit: (open: boolean) => void;
  onSave: (fields: AnnotationFields) => void;
  onClear: () => void;
}) {
  const a = props.annotation;
  const own = a && !a.inherited ? a : null;
  return (
    <section class="ownership" aria-labelledby="ownership-heading" data-testid="ownership">
      <div class="ownership-head">
        <h3 id="ownership-heading">Ownership</h3>
        {props.canEdit && !props.editing && (
          <button
            type="button"
            class="btn small"
            onClick={() => props.onEdit(true)}
            data-testid="edit-ownership"
          >
            Edit ownership
          </button>
        )}
      </div>
      {a ? (
        <AnnotationView a={a} now={props.now} />
      ) : (
        !props.attribution && (
          <p class="muted small" data-testid="no-owner">
            No owner set.
          </p>
        )
      )}
      {props.attribution && (
        <p class="attribution small" data-testid="attribution" title={props.attribution.txt_name}>
          {props.attribution.summary}
        </p>
      )}
      {props.canEdit && props.editing && (
        <EditForm
          initial={own ? formOf(own) : EMPTY_FORM}
          canClear={!!own}
          saving={props.saving}
          apiError={props.error}
          onSave={props.onSave}
          onClear={props.onClear}
          onCancel={() => props.onEdit(false)}
        />
      )}
      {props.canEdit && !props.editing && props.error && (
        <div class="error-box small" role="alert" data-testid="annotation-error">
          <span class="error-message">{props.error}</span>
        </div>
      )}
    </section>
  );
}

/** A zone's annotation in one line (the zones view): owner, team, as text. */
export function ZoneOwner({ a }: { a: AnnotationFields | null | undefined }) {
  if (!a || (!a.owner && !a.team)) return <span class="muted">—</span>;
  return (
    <span
      class="zone-owner"
      title={[a.owner, a.team && `team ${a.team}`].filter(Boolean).join(", ")}
    >
      {a.owner ?? ""}
      {a.owner && a.team ? " · " : ""}
      {a.team && <span class="muted">{a.team}</span>}
    </span>
  );
}
