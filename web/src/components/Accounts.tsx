import type { Navigate } from "../hooks.ts";
import {
  accountLabel,
  isUnreadable,
  reasonOf,
  statusText,
  unreadableSummary,
} from "../lib/accounts.ts";
import { formatCount } from "../lib/format.ts";
import type { AccountView } from "../lib/schemas.ts";
import { formatUtc, timeAgo } from "../lib/time.ts";
import { serializeUrlState, type UrlState } from "../lib/urlState.ts";

/**
 * The account filter: every account `/api/accounts` lists, as "name (id)". Shown when there is
 * more than one account to choose from, or when the URL names one.
 */
export function AccountSelect(props: {
  id: string;
  accounts: AccountView[];
  value: string;
  onChange: (account: string) => void;
  compact?: boolean;
}) {
  const { accounts, value } = props;
  if (accounts.length < 2 && !value) return null;
  const known = !value || accounts.some((a) => a.account_id === value);
  const select = (
    <select
      id={props.id}
      value={value}
      onChange={(e) => props.onChange(e.currentTarget.value)}
      data-testid={props.id}
    >
      <option value="">All accounts</option>
      {!known && <option value={value}>{value}</option>}
      {accounts.map((a) => (
        <option value={a.account_id} key={a.account_id}>
          {accountLabel(a)}
          {isUnreadable(a) ? ` — ${statusText(a.status)}` : ""}
        </option>
      ))}
    </select>
  );
  return props.compact ? (
    <span class="inline-field">
      <label for={props.id}>Account</label>
      {select}
    </span>
  ) : (
    <div class="field">
      <label for={props.id}>Account</label>
      {select}
    </div>
  );
}

/** An account's status as a badge: red when its last sweep could not read it. */
export function AccountStatusBadge({ account }: { account: AccountView | null }) {
  if (!account) return null;
  const bad = isUnreadable(account);
  return (
    <span
      class={`badge account-status status-${account.status ?? "none"}`}
      title={
        account.last_attempt_at
          ? `Last sweep attempt: ${formatUtc(account.last_attempt_at)}`
          : "No sweep has reported on this account yet"
      }
    >
      {bad ? "cannot be read" : statusText(account.status)}
    </span>
  );
}

/** Why an account's data is stale, and since when: for the Zones view's account heading. */
export function AccountProblem({ account, now }: { account: AccountView; now: number }) {
  if (!isUnreadable(account)) return null;
  return (
    <div class="account-problem" data-testid="account-problem">
      <strong>{statusText(account.status)}:</strong>{" "}
      <span class="mono reason">{reasonOf(account)}</span>
      <span class="when">
        {account.last_error_at && (
          <>
            {" · "}
            <time dateTime={account.last_error_at} title={formatUtc(account.last_error_at)}>
              {timeAgo(account.last_error_at, now)}
            </time>
          </>
        )}
        {" · "}
        {account.last_success_at ? (
          <>
            last read{" "}
            <time dateTime={account.last_success_at} title={formatUtc(account.last_success_at)}>
              {timeAgo(account.last_success_at, now)}
            </time>
            : its zones and records are as they were then
          </>
        ) : (
          <>never read</>
        )}
      </span>
    </div>
  );
}

/**
 * The freshness area's red item when an account cannot be read: "1 account cannot be read:
 * network-prod (123…): AccessDenied …", a link to that account on the Zones view.
 */
export function AccountAlert({
  accounts,
  url,
  navigate,
}: {
  accounts: AccountView[];
  url: UrlState;
  navigate: Navigate;
}) {
  const s = unreadableSummary(accounts);
  if (!s) return null;
  const patch: Partial<UrlState> = {
    view: "zones",
    account: s.only?.account_id ?? "",
    zone: "",
    record: null,
  };
  return (
    <a
      class="account-alert"
      data-testid="account-alert"
      href={serializeUrlState({ ...url, ...patch }) || "?"}
      title={`${s.full}\n\nTheir inventory is kept as last read, but no longer refreshed.`}
      onClick={(e) => {
        if (e.metaKey || e.ctrlKey || e.shiftKey) return;
        e.preventDefault();
        navigate(patch);
      }}
    >
      <span class="dot" aria-hidden="true" />
      <span class="text">{s.short}</span>
    </a>
  );
}

/** "3 zones · 41 records". */
export function countsText(zones: number, records: number): string {
  return `${formatCount(zones)} zone${zones === 1 ? "" : "s"} · ${formatCount(records)} record${records === 1 ? "" : "s"}`;
}
