// Time travel (issue 18): the inventory as of a past time, the diff between two times, and a
// restore to a point. Pure helpers, unit-tested: time input conversion, the diff's grouping,
// the restore's batch files, summary and commands.
import type { ChangeBatch, DiffItem, RestoreSummary } from "./schemas.ts";

export type { ChangeBatch, DiffItem, DiffList, RestoreSummary, RestoreView } from "./schemas.ts";

export type DiffKind = DiffItem["kind"];

function pad(n: number, w = 2): string {
  return String(n).padStart(w, "0");
}

/**
 * The value of a `datetime-local` input showing `ts` in UTC, to the second
 * ("2026-12-03T09:00:00"); "" for no time.
 */
export function toInputValue(ts: string): string {
  const ms = Date.parse(ts);
  if (!ts || Number.isNaN(ms)) return "";
  const d = new Date(ms);
  return (
    `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}` +
    `T${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`
  );
}

/**
 * A `datetime-local` input's value, read as UTC, as RFC 3339 ("2026-12-03T09:00:00Z"); "" when
 * empty or not a time. The control says UTC: the times the dashboard shows are UTC.
 */
export function fromInputValue(v: string): string {
  const m = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2})(:\d{2})?(\.\d+)?$/.exec(v.trim());
  if (!m) return "";
  const ts = `${m[1]}T${m[2]}${m[3] ?? ":00"}Z`;
  return Number.isNaN(Date.parse(ts)) ? "" : ts;
}

/** Whether `ts` is later than `now` (epoch ms): the API refuses a time in the future. */
export function isFuture(ts: string, now: number): boolean {
  const ms = Date.parse(ts);
  return !Number.isNaN(ms) && ms > now;
}

export const KIND_LABELS: Record<DiffKind, string> = {
  added: "Added",
  removed: "Removed",
  changed: "Changed",
};
export const KINDS: readonly DiffKind[] = ["added", "removed", "changed"];

/** The diff's items by kind (added, removed, changed), each group in the API's order. */
export function groupDiff(items: readonly DiffItem[]): Record<DiffKind, DiffItem[]> {
  const out: Record<DiffKind, DiffItem[]> = { added: [], removed: [], changed: [] };
  for (const it of items) out[it.kind]?.push(it);
  return out;
}

/** The file a batch is saved as, the name the API's commands refer to: batch-1.json, … */
export function batchFileName(index: number): string {
  return `batch-${index + 1}.json`;
}

/** A batch as the file `aws route53 change-resource-record-sets --change-batch` reads. */
export function batchJson(batch: ChangeBatch): string {
  return `${JSON.stringify(batch, null, 2)}\n`;
}

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** "2 creates · 1 delete · 3 upserts in 1 batch", or that nothing differs. */
export function summaryLine(s: RestoreSummary): string {
  if (!s.creates && !s.deletes && !s.upserts) return "Nothing to restore: the zone is as it was.";
  return (
    `${plural(s.creates, "create")} · ${plural(s.deletes, "delete")} · ` +
    `${plural(s.upserts, "upsert")} in ${plural(s.batches, "batch", "batches")}`
  );
}

/** The commands as one script to paste: one line each, in order. */
export function commandsScript(commands: readonly string[]): string {
  return commands.length ? `${commands.join("\n")}\n` : "";
}

/** The query of `/api/diff`: `from` (required), `to` when set (else now), the zone's id. */
export function diffParams(
  from: string,
  to: string,
  zone: string,
  cursor: string | null,
  limit: number,
): URLSearchParams {
  const p = new URLSearchParams({ from });
  if (to) p.set("to", to);
  if (zone) p.set("zone", zone);
  if (cursor) p.set("cursor", cursor);
  p.set("limit", String(limit));
  return p;
}

/** The zone's master file's name, as the API's Content-Disposition gives it: example.com.zone. */
export function zoneFileName(zoneName: string | null | undefined, zoneId: string): string {
  return `${(zoneName ?? "").replace(/\.$/, "") || zoneId}.zone`;
}
