// Time shown the way an on-call engineer reads it: "3 s ago" at a glance, the exact UTC
// instant in a tooltip.

export function parseTime(ts: string | null | undefined): number | null {
  if (!ts) return null;
  const ms = Date.parse(ts);
  return Number.isNaN(ms) ? null : ms;
}

/** "3 s ago", "12 min ago", "5 h ago", "4 d ago"; clock skew into the future reads "just now". */
export function timeAgo(ts: string | null | undefined, now: number): string {
  const ms = parseTime(ts);
  if (ms === null) return "never";
  const s = Math.floor((now - ms) / 1000);
  if (s < 1) return "just now";
  if (s < 60) return `${s} s ago`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ago`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h} h ago`;
  const d = Math.floor(h / 24);
  if (d < 60) return `${d} d ago`;
  return formatDate(ms);
}

/** Seconds since `ts`, or null. */
export function ageSeconds(ts: string | null | undefined, now: number): number | null {
  const ms = parseTime(ts);
  return ms === null ? null : Math.max(0, (now - ms) / 1000);
}

function pad(n: number, w = 2): string {
  return String(n).padStart(w, "0");
}

function formatDate(ms: number): string {
  const d = new Date(ms);
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
}

/** "2026-11-22 15:24:03 UTC" (with ".123456" when the API gave sub-second precision). */
export function formatUtc(ts: string | null | undefined): string {
  const ms = parseTime(ts);
  if (ms === null || !ts) return "—";
  const d = new Date(ms);
  const frac = /\.(\d+)/.exec(ts.slice(19))?.[1];
  const secs = `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
  return `${formatDate(ms)} ${secs}${frac && /[1-9]/.test(frac) ? `.${frac}` : ""} UTC`;
}

/** "2 s", "4 min", "3 h 5 min": a duration in seconds, short. */
export function formatDuration(seconds: number): string {
  const s = Math.round(seconds);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min`;
  const h = Math.floor(m / 60);
  const rm = m % 60;
  if (h < 48) return rm ? `${h} h ${rm} min` : `${h} h`;
  return `${Math.floor(h / 24)} d`;
}

/** How fresh the inventory is, from its last sweep (scheduled every 3 h). */
export type Freshness = "fresh" | "stale" | "old" | "unknown";

export function sweepFreshness(
  lastSweepAt: string | null,
  now: number,
  intervalSeconds = 3 * 3600,
): Freshness {
  const age = ageSeconds(lastSweepAt, now);
  if (age === null) return "unknown";
  if (age <= intervalSeconds * 1.25) return "fresh";
  if (age <= intervalSeconds * 2.5) return "stale";
  return "old";
}
