// AWS accounts as the dashboard shows them: `/api/accounts` lists them with how their last
// sweep went; zones and records carry their account's id and name. An account whose last
// sweep could not read it (`access_denied`, `error`) keeps its inventory, which is then stale:
// the dashboard says so in red wherever that account shows.
import type { AccountView } from "./schemas.ts";
import { zoneLabel } from "./zones.ts";

export type AccountStatus = AccountView["status"];

/** "network-prod (123456789012)", or the id alone when Organizations gives no name. */
export function accountLabel(a: { account_id: string; name?: string | null }): string {
  return a.name ? `${a.name} (${a.account_id})` : a.account_id;
}

/** The short form for tight places: the name, or the id. */
export function accountShort(id: string | null, name: string | null): string {
  return name || id || "no account";
}

/** Whether the account's latest sweep failed, so its inventory is no longer refreshed. */
export function isUnreadable(a: Pick<AccountView, "status">): boolean {
  return a.status === "access_denied" || a.status === "error";
}

/** "access denied", "error", "ok", or "not swept yet". */
export function statusText(status: AccountStatus): string {
  switch (status) {
    case "access_denied":
      return "access denied";
    case "error":
      return "error";
    case "ok":
      return "ok";
    default:
      return "not swept yet";
  }
}

/** At most `max` characters, an ellipsis marking the cut. */
export function truncate(s: string, max: number): string {
  const t = s.replace(/\s+/g, " ").trim();
  return t.length <= max ? t : `${t.slice(0, Math.max(0, max - 1)).trimEnd()}…`;
}

/** The reason an account cannot be read, in one line: its last error, or its status. */
export function reasonOf(a: AccountView): string {
  return a.last_error?.trim() || statusText(a.status);
}

/**
 * A reason at a glance: an AWS error's code ("AccessDenied …" for "AccessDenied: User: arn:…
 * is not authorized…"), or the reason cut to `max` characters.
 */
export function briefReason(reason: string, max = 48): string {
  const code = /^([A-Za-z][\w.]{1,39}):(?!\/\/)\s*\S/.exec(reason.trim());
  if (code?.[1]) return `${code[1]} …`;
  return truncate(reason, max);
}

/**
 * The freshness area's alert, or null when every account can be read:
 * "1 account cannot be read: network-prod (123…): AccessDenied: …". `full` is the whole text
 * (for a tooltip); `short` fits the top bar.
 */
export function unreadableSummary(
  accounts: AccountView[],
  maxReason = 48,
): { count: number; short: string; full: string; only: AccountView | null } | null {
  const bad = accounts.filter(isUnreadable);
  if (!bad.length) return null;
  const head = `${bad.length} account${bad.length === 1 ? "" : "s"} cannot be read`;
  const abbreviated = (a: AccountView) =>
    a.name ? `${a.name} (${a.account_id.slice(0, 3)}…)` : a.account_id;
  const only = bad.length === 1 ? (bad[0] ?? null) : null;
  const short = only
    ? `${head}: ${abbreviated(only)}: ${briefReason(reasonOf(only), maxReason)}`
    : `${head}: ${bad.map(abbreviated).join(", ")}`;
  const full = `${head}:\n${bad.map((a) => `${accountLabel(a)}: ${reasonOf(a)}`).join("\n")}`;
  return { count: bad.length, short, full, only };
}

/** A group of the Zones view: one account (or none) and its zones. */
export interface AccountGroup<Z> {
  /** `null` for zones whose account is not known. */
  account_id: string | null;
  name: string | null;
  /** The account as `/api/accounts` lists it, when it does. */
  account: AccountView | null;
  zones: Z[];
}

/**
 * The zones grouped by account: every account listed (an account with no zone shows too — one
 * that was never readable has none), then any account only a zone names, then the zones of
 * no known account. Accounts that cannot be read come first; the rest by name, then id.
 */
export function groupByAccount<
  Z extends { zone_id: string; zone_name: string | null; account_id: string | null },
>(
  zones: Z[],
  accounts: AccountView[],
  nameOf: (z: Z) => string | null = () => null,
): AccountGroup<Z>[] {
  const groups = new Map<string | null, AccountGroup<Z>>();
  for (const a of accounts)
    groups.set(a.account_id, { account_id: a.account_id, name: a.name, account: a, zones: [] });
  for (const z of zones) {
    const id = z.account_id ?? null;
    let g = groups.get(id);
    if (!g) {
      g = { account_id: id, name: nameOf(z), account: null, zones: [] };
      groups.set(id, g);
    }
    g.zones.push(z);
  }
  const rank = (g: AccountGroup<Z>) =>
    g.account_id === null ? 2 : g.account && isUnreadable(g.account) ? 0 : 1;
  const list = [...groups.values()];
  for (const g of list) g.zones.sort((a, b) => zoneLabel(a).localeCompare(zoneLabel(b)));
  return list.sort(
    (a, b) =>
      rank(a) - rank(b) ||
      (a.name === null ? 1 : 0) - (b.name === null ? 1 : 0) ||
      (a.name ?? "").localeCompare(b.name ?? "") ||
      (a.account_id ?? "").localeCompare(b.account_id ?? ""),
  );
}
