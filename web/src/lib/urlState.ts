// The dashboard's whole state lives in the query string, so every view is a link an
// on-call engineer can paste into a ticket. Query parameter names are the API's own,
// so the records filter *is* the `/api/records` and `/api/records.csv` query.

export type View = "records" | "changes" | "findings" | "zones" | "diff";
export const VIEWS: readonly View[] = ["records", "changes", "findings", "zones", "diff"];

export interface RecordFilters {
  /** An AWS account id (12 digits), or "" for every account. */
  account: string;
  zone: string;
  type: string;
  name: string;
  q: string;
  value: string;
  include_deleted: boolean;
  /** Only records whose owner is this (case-insensitive, exact; issue 21), or "" for any. */
  owner: string;
  /** Only records nobody owns: no owner or team, no external-dns attribution. */
  unowned: boolean;
  /** The inventory as it was at this time (RFC 3339, UTC), or "" for now (issue 18). */
  as_of: string;
}

export interface UrlState extends RecordFilters {
  view: View;
  /** Record id shown in the drawer, if any. */
  record: number | null;
  /** The diff view's times (RFC 3339, UTC); `to` "" is now. Its zone is `zone`. */
  from: string;
  to: string;
  /** The findings view's filters (issue 20), as `/api/findings` takes them; "" for any. */
  status: string;
  kind: string;
  severity: string;
}

export const EMPTY_FILTERS: RecordFilters = {
  account: "",
  zone: "",
  type: "",
  name: "",
  q: "",
  value: "",
  include_deleted: false,
  owner: "",
  unowned: false,
  as_of: "",
};

export const DEFAULT_STATE: UrlState = {
  ...EMPTY_FILTERS,
  view: "records",
  record: null,
  from: "",
  to: "",
  status: "",
  kind: "",
  severity: "",
};

const TEXT_KEYS = ["zone", "type", "name", "q", "value", "owner"] as const;

/** An AWS account id as the API takes it: exactly 12 digits. */
export function isAccountId(v: string): boolean {
  return /^\d{12}$/.test(v);
}

/** The `account` query parameter, or "" when absent or not an account id (never sent on). */
export function parseAccount(v: string | null): string {
  const t = (v ?? "").trim();
  return isAccountId(t) ? t : "";
}

/** Only the account, as the query of the endpoints that filter by nothing else. */
export function accountParams(account: string): URLSearchParams {
  const p = new URLSearchParams();
  if (isAccountId(account)) p.set("account", account);
  return p;
}

const RFC3339 =
  /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/i;

/**
 * A time as the API takes it (`as_of`, `from`, `to`): RFC 3339 in UTC, "" when absent or not a
 * time (never sent on). A time in UTC keeps its precision (the API's microseconds); one with an
 * offset or without seconds is written in UTC.
 */
export function parseTime(v: string | null | undefined): string {
  const m = RFC3339.exec((v ?? "").trim());
  if (!m) return "";
  const [, y = "", mo = "", d = "", h = "", mi = "", s = "00", frac = "", zone = "Z"] = m;
  if (+mo < 1 || +mo > 12 || +h > 23 || +mi > 59 || +s > 59) return "";
  // 2026-02-31 is not a day (Date would roll it over into March).
  if (+d < 1 || new Date(Date.UTC(+y, +mo - 1, +d)).getUTCDate() !== +d) return "";
  if (zone.toUpperCase() === "Z") return `${y}-${mo}-${d}T${h}:${mi}:${s}${frac}Z`;
  const ms = Date.parse(`${y}-${mo}-${d}T${h}:${mi}:${s}${frac.slice(0, 4)}${zone}`);
  return Number.isNaN(ms) ? "" : new Date(ms).toISOString().replace(".000Z", "Z");
}

export const FINDING_STATUSES = ["open", "suppressed", "resolved"] as const;
export const FINDING_SEVERITIES = ["high", "medium"] as const;

/**
 * A findings filter from the URL: one of `allowed` (any lower-case word when `null`: a kind,
 * which the API checks), else "" (never sent on).
 */
function pick(v: string | null, allowed: readonly string[] | null): string {
  const t = (v ?? "").trim().toLowerCase();
  if (allowed) return allowed.includes(t) ? t : "";
  return /^[a-z0-9_]{1,64}$/.test(t) ? t : "";
}

function truthy(v: string | null): boolean {
  return v !== null && ["1", "true", "yes", "on"].includes(v.toLowerCase());
}

export function parseUrlState(search: string): UrlState {
  const p = new URLSearchParams(search);
  const view = p.get("view");
  const record = Number(p.get("record"));
  const state: UrlState = {
    ...DEFAULT_STATE,
    view: VIEWS.includes(view as View) ? (view as View) : "records",
    record: Number.isSafeInteger(record) && record > 0 ? record : null,
    include_deleted: truthy(p.get("include_deleted")),
    unowned: truthy(p.get("unowned")),
    account: parseAccount(p.get("account")),
    as_of: parseTime(p.get("as_of")),
    from: parseTime(p.get("from")),
    to: parseTime(p.get("to")),
    status: pick(p.get("status"), FINDING_STATUSES),
    kind: pick(p.get("kind"), null),
    severity: pick(p.get("severity"), FINDING_SEVERITIES),
  };
  for (const k of TEXT_KEYS) state[k] = (p.get(k) ?? "").trim();
  state.type = state.type.toUpperCase();
  return state;
}

/** The records filter as API query parameters; empty filters are left out. */
export function filterParams(f: RecordFilters): URLSearchParams {
  const p = accountParams(f.account);
  for (const k of TEXT_KEYS) {
    const v = f[k].trim();
    if (v) p.set(k, v);
  }
  if (f.include_deleted) p.set("include_deleted", "true");
  if (f.unowned) p.set("unowned", "true");
  if (f.as_of) p.set("as_of", f.as_of);
  return p;
}

/** The dashboard URL's query string (with a leading `?`, or "" for the default view). */
export function serializeUrlState(s: UrlState): string {
  const p = new URLSearchParams();
  if (s.view !== "records") p.set("view", s.view);
  for (const [k, v] of filterParams(s)) p.set(k, v);
  if (s.view === "diff") {
    if (s.from) p.set("from", s.from);
    if (s.to) p.set("to", s.to);
  }
  if (s.view === "findings") {
    if (s.status) p.set("status", s.status);
    if (s.kind) p.set("kind", s.kind);
    if (s.severity) p.set("severity", s.severity);
  }
  if (s.record !== null) p.set("record", String(s.record));
  const q = p.toString();
  return q ? `?${q}` : "";
}

export function filtersOf(s: RecordFilters): RecordFilters {
  return {
    account: s.account,
    zone: s.zone,
    type: s.type,
    name: s.name,
    q: s.q,
    value: s.value,
    include_deleted: s.include_deleted,
    owner: s.owner,
    unowned: s.unowned,
    as_of: s.as_of,
  };
}

/** A stable key that changes exactly when the records query changes. */
export function filterKey(f: RecordFilters): string {
  return filterParams(f).toString();
}

/** Whether any filter narrows the records (the time they are shown at is not a filter). */
export function hasFilters(f: RecordFilters): boolean {
  return filterKey({ ...f, as_of: "" }) !== "";
}

/**
 * Whether a navigation should replace the current history entry rather than push one:
 * successive keystrokes in one text field collapse into one entry, so Back goes to the
 * state before the typing, not one character back.
 */
export function shouldReplace(
  prev: { field: string | null; at: number },
  field: string | null,
  now: number,
  windowMs = 1500,
): boolean {
  return field !== null && prev.field === field && now - prev.at < windowMs;
}
