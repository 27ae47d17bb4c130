// The dashboard's whole state lives in the query string, so every view is a link an
// on-call engineer can paste into a ticket. Query parameter names are the API's own,
// so the records filter *is* the `/api/records` and `/api/records.csv` query.

export type View = "records" | "changes" | "zones";
export const VIEWS: readonly View[] = ["records", "changes", "zones"];

export interface RecordFilters {
  /** An AWS account id (12 digits), or "" for every account. */
  account: string;
  zone: string;
  type: string;
  name: string;
  q: string;
  value: string;
  include_deleted: boolean;
}

export interface UrlState extends RecordFilters {
  view: View;
  /** Record id shown in the drawer, if any. */
  record: number | null;
}

export const EMPTY_FILTERS: RecordFilters = {
  account: "",
  zone: "",
  type: "",
  name: "",
  q: "",
  value: "",
  include_deleted: false,
};

export const DEFAULT_STATE: UrlState = { ...EMPTY_FILTERS, view: "records", record: null };

const TEXT_KEYS = ["zone", "type", "name", "q", "value"] as const;

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
    account: parseAccount(p.get("account")),
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
  return p;
}

/** The dashboard URL's query string (with a leading `?`, or "" for the default view). */
export function serializeUrlState(s: UrlState): string {
  const p = new URLSearchParams();
  if (s.view !== "records") p.set("view", s.view);
  for (const [k, v] of filterParams(s)) p.set(k, v);
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
  };
}

/** A stable key that changes exactly when the records query changes. */
export function filterKey(f: RecordFilters): string {
  return filterParams(f).toString();
}

export function hasFilters(f: RecordFilters): boolean {
  return filterKey(f) !== "";
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
