// The history window (issue 17): since when changes are known, and how the CloudTrail
// backfill that extends it back is going. Pure, so that the wording is unit-tested.
import type { BackfillView, ChangeView, HistoryWindow } from "./schemas.ts";
import { formatUtc } from "./time.ts";

/** Why the line is there, for its tooltip. */
export const HISTORY_EXPLANATION =
  "Changes before this time are not known: live history starts with each account's first sweep, " +
  "and older history comes from a CloudTrail backfill (90 days at most).";

/** "12,400": a count, grouped the same way in every locale. */
export function formatCount(n: number): string {
  return String(Math.trunc(n)).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
}

/**
 * The running backfills of these accounts, as one: events summed, and the read point of the
 * one that has furthest to go (the latest `read_until`). `null` when none is running.
 */
export function runningBackfill(
  history: HistoryWindow | null | undefined,
): { events: number; readUntil: string; accounts: number } | null {
  const running = (history?.accounts ?? [])
    .map((a) => a.backfill)
    .filter((b): b is BackfillView => b?.state === "running");
  if (!running.length) return null;
  return {
    events: running.reduce((n, b) => n + b.events, 0),
    // RFC 3339 in UTC with microseconds: compares as text.
    readUntil: running
      .map((b) => b.read_until)
      .sort()
      .at(-1) as string,
    accounts: running.length,
  };
}

/** "backfill running: 12,400 events read, back to 2026-10-04 12:00:00 UTC". */
export function backfillProgress(history: HistoryWindow | null | undefined): string | null {
  const r = runningBackfill(history);
  if (!r) return null;
  const who = r.accounts > 1 ? ` (${r.accounts} accounts)` : "";
  return `backfill running${who}: ${formatCount(r.events)} events read, back to ${formatSeconds(r.readUntil)}`;
}

/** A time to the second: "2026-10-04 12:00:00 UTC" (the line needs no microseconds). */
export function formatSeconds(ts: string | null | undefined): string {
  return formatUtc(ts?.replace(/\.\d+/, ""));
}

/** "History complete since 2026-10-04 12:00:00 UTC", or why there is no such time yet. */
export function historyLine(history: HistoryWindow | null | undefined): string {
  return history?.complete_since
    ? `History complete since ${formatSeconds(history.complete_since)}`
    : "History: no account swept yet";
}

/** The tooltip: the explanation, then each account's window and backfill. */
export function historyDetail(history: HistoryWindow | null | undefined): string {
  const lines = [HISTORY_EXPLANATION];
  for (const a of history?.accounts ?? []) {
    const b = a.backfill;
    const backfill = b
      ? `backfill ${b.state}, ${formatCount(b.events)} events read back to ${formatUtc(b.read_until)}`
      : "no backfill";
    lines.push(`${a.account_id}: complete since ${formatUtc(a.complete_since)} (${backfill})`);
  }
  return lines.join("\n");
}

/**
 * How a history entry reads: its action, except for an update whose state before is unknown
 * (a record first known from a Route 53 UPSERT), which is not a creation.
 */
export function entryHeadline(
  entry: Pick<ChangeView, "action" | "before_unknown" | "observed_at">,
): {
  label: string;
  note: string | null;
} {
  if (entry.before_unknown)
    return {
      label: "changed",
      note: `changed; the state before ${formatUtc(entry.observed_at)} is unknown`,
    };
  return { label: entry.action, note: null };
}

/** The tooltip of the `backfill` badge. */
export const BACKFILL_TITLE = "From CloudTrail event history: read by the backfill, not seen live";
