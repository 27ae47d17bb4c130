import type { Navigate } from "../hooks.ts";
import { type AccountGroup, accountLabel, groupByAccount, isUnreadable } from "../lib/accounts.ts";
import { formatCount } from "../lib/format.ts";
import type { AccountView, Stats } from "../lib/schemas.ts";
import { formatUtc } from "../lib/time.ts";
import { DEFAULT_STATE, serializeUrlState, type UrlState } from "../lib/urlState.ts";
import { type ZoneRow, zoneLabel, zoneLabelAmong } from "../lib/zones.ts";
import { AccountProblem, AccountSelect, AccountStatusBadge, countsText } from "./Accounts.tsx";
import { CopyButton, Empty, Spinner, TimeAgo } from "./common.tsx";
import { ZoneOwner } from "./Ownership.tsx";

function hrefFor(patch: Partial<UrlState>): string {
  return serializeUrlState({ ...DEFAULT_STATE, ...patch }) || "?";
}

function follow(navigate: Navigate, patch: Partial<UrlState>) {
  return (e: MouseEvent) => {
    if (e.metaKey || e.ctrlKey || e.shiftKey) return;
    e.preventDefault();
    navigate({ ...DEFAULT_STATE, ...patch });
  };
}

/** Records by type: an inline SVG bar chart whose bars are links that filter the table. */
export function TypeChart(props: {
  byType: Record<string, number>;
  selected: string;
  navigate: Navigate;
  zone?: string;
  account?: string;
  width?: number;
}) {
  const entries = Object.entries(props.byType)
    .filter(([, n]) => n > 0)
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  if (!entries.length) return <p class="muted small">No records counted yet.</p>;
  const W = props.width ?? 208;
  const labelW = 50;
  const countW = 44;
  const barH = 17;
  const gap = 6;
  const max = Math.max(...entries.map(([, n]) => n));
  const H = entries.length * (barH + gap);
  const total = entries.reduce((s, [, n]) => s + n, 0);
  return (
    <svg
      class="type-chart"
      viewBox={`0 0 ${W} ${H}`}
      width="100%"
      role="img"
      aria-label={`Records by type: ${entries.map(([t, n]) => `${t} ${n}`).join(", ")}`}
      data-testid="type-chart"
    >
      {entries.map(([type, n], i) => {
        const y = i * (barH + gap);
        const w = Math.max(2, ((W - labelW - countW) * n) / max);
        const active = props.selected === type;
        const patch = {
          type: active ? "" : type,
          zone: props.zone ?? "",
          account: props.account ?? "",
        };
        return (
          <a
            key={type}
            href={hrefFor(patch)}
            onClick={follow(props.navigate, patch)}
            class={`bar${active ? " active" : ""}`}
            aria-label={`${type}: ${n} records${active ? " (filtered; select to clear)" : ""}`}
          >
            <title>{`${type}: ${formatCount(n)} (${((100 * n) / total).toFixed(1)}%)`}</title>
            <rect class="bar-hit" x="0" y={y - gap / 2} width={W} height={barH + gap} />
            <text
              class="bar-label"
              x={labelW - 8}
              y={y + barH / 2}
              dominant-baseline="central"
              text-anchor="end"
            >
              {type}
            </text>
            <rect class="bar-fill" x={labelW} y={y} width={w} height={barH} rx="3" />
            <text class="bar-count" x={labelW + w + 6} y={y + barH / 2} dominant-baseline="central">
              {formatCount(n)}
            </text>
          </a>
        );
      })}
    </svg>
  );
}

/** The sidebar's zone list: each zone with its record count, a link that filters by it. */
export function ZoneList(props: {
  zones: ZoneRow[];
  selected: string;
  total: number | null;
  navigate: Navigate;
  filters: UrlState;
}) {
  const keep = {
    type: props.filters.type,
    include_deleted: props.filters.include_deleted,
    account: props.filters.account,
    as_of: props.filters.as_of,
  };
  return (
    <nav aria-label="Zones" class="zone-list">
      <ul>
        <li>
          <a
            href={hrefFor({ ...keep, zone: "" })}
            onClick={follow(props.navigate, { ...keep, zone: "" })}
            aria-current={props.selected === "" ? "true" : undefined}
          >
            <span class="zname">{props.filters.account ? "All its zones" : "All zones"}</span>
            <span class="zcount">{formatCount(props.total)}</span>
          </a>
        </li>
        {props.zones.map((z) => (
          <li key={z.zone_id}>
            <a
              href={hrefFor({ ...keep, zone: z.zone_id })}
              onClick={follow(props.navigate, { ...keep, zone: z.zone_id })}
              aria-current={props.selected === z.zone_id ? "true" : undefined}
              title={`${zoneLabel(z)} (${z.zone_id})${z.private_zone ? ", private" : ""}${z.account_id ? `, account ${z.account_name ? `${z.account_name} (${z.account_id})` : z.account_id}` : ""}`}
            >
              <span class="zname mono">{zoneLabelAmong(z, props.zones)}</span>
              {z.private_zone && (
                <span class="lock" role="img" aria-label="private zone" title="Private zone">
                  <svg viewBox="0 0 16 16" aria-hidden="true">
                    <rect x="3.5" y="7" width="9" height="6.5" rx="1.2" fill="currentColor" />
                    <path
                      d="M5.5 7V5.2a2.5 2.5 0 0 1 5 0V7"
                      fill="none"
                      stroke="currentColor"
                      stroke-width="1.4"
                    />
                  </svg>
                </span>
              )}
              <span class="zcount">{formatCount(z.records)}</span>
            </a>
          </li>
        ))}
      </ul>
    </nav>
  );
}

function TopTypes({ byType }: { byType: Record<string, number> }) {
  const e = Object.entries(byType).sort((a, b) => b[1] - a[1]);
  const total = e.reduce((s, [, n]) => s + n, 0);
  if (!total) return <span class="muted">—</span>;
  return (
    <span class="stack" title={e.map(([t, n]) => `${t} ${n}`).join(", ")}>
      <span class="stack-bar" aria-hidden="true">
        {e.map(([t, n]) => (
          <span key={t} class={`seg seg-${t}`} style={{ flexGrow: n }} />
        ))}
      </span>
      <span class="stack-text mono">
        {e
          .slice(0, 4)
          .map(([t, n]) => `${t} ${formatCount(n)}`)
          .join(" · ")}
        {e.length > 4 ? " …" : ""}
      </span>
    </span>
  );
}

function ZoneRowView(props: { z: ZoneRow; navigate: Navigate }) {
  const { z } = props;
  const patch = { zone: z.zone_id, account: z.account_id ?? "" };
  return (
    <tr>
      <td class="mono">
        <a href={hrefFor(patch)} onClick={follow(props.navigate, patch)}>
          {zoneLabel(z)}
        </a>
      </td>
      <td class="mono">
        {z.zone_id}
        <CopyButton text={z.zone_id} label="zone id" />
      </td>
      <td>
        {z.private_zone ? (
          <span class="badge private">private</span>
        ) : (
          <span class="muted">public</span>
        )}
      </td>
      <td class="num mono">{formatCount(z.records)}</td>
      <td>
        <TopTypes byType={z.by_type} />
      </td>
      <td data-testid="zone-owner">
        <ZoneOwner a={z.annotation} />
      </td>
    </tr>
  );
}

/** An account's heading row in the zones table: name, id, counts, status, and why it is stale. */
function AccountHead(props: {
  g: AccountGroup<ZoneRow>;
  navigate: Navigate;
  now: number;
  filtered: boolean;
}) {
  const { g } = props;
  const a = g.account;
  const zones = a?.zones ?? g.zones.length;
  const records = a?.records ?? g.zones.reduce((n, z) => n + z.records, 0);
  const id = g.account_id;
  const only: Partial<UrlState> = { view: "zones", account: id ?? "", record: null };
  return (
    <tr class="account-head">
      <th scope="rowgroup" colSpan={6}>
        <div class="account-line">
          {id === null ? (
            <span class="account-name">Zones of no known account</span>
          ) : (
            <>
              {props.filtered ? (
                <span class="account-name">{g.name ?? id}</span>
              ) : (
                <a
                  class="account-name"
                  href={serializeUrlState({
                    ...DEFAULT_STATE,
                    view: "zones",
                    account: id,
                  })}
                  onClick={(e) => {
                    if (e.metaKey || e.ctrlKey || e.shiftKey) return;
                    e.preventDefault();
                    props.navigate(only);
                  }}
                  title={`Only account ${accountLabel({ account_id: id, name: g.name })}`}
                >
                  {g.name ?? id}
                </a>
              )}
              {g.name && <span class="mono muted small">{id}</span>}
              <CopyButton text={id} label="account id" />
            </>
          )}
          <span class="muted small">{countsText(zones, records)}</span>
          <AccountStatusBadge account={a} />
          {a?.last_success_at && !isUnreadable(a) && (
            <span class="muted small">
              swept <TimeAgo ts={a.last_success_at} now={props.now} />
            </span>
          )}
        </div>
        {a && <AccountProblem account={a} now={props.now} />}
      </th>
    </tr>
  );
}

export function ZonesView(props: {
  zones: ZoneRow[];
  accounts: AccountView[];
  account: string;
  stats: Stats | null;
  navigate: Navigate;
  now: number;
  loading: boolean;
}) {
  const s = props.stats;
  // With an account filter, that account alone; otherwise every account, even one with no zone.
  const listed = props.account
    ? props.accounts.filter((a) => a.account_id === props.account)
    : props.accounts;
  const groups = groupByAccount(props.zones, listed, (z) => z.account_name);
  // One group of zones with no account (an API or inventory without accounts): no heading.
  const headings = !(groups.length === 1 && groups[0]?.account_id === null);
  const unreadable = props.accounts.filter(isUnreadable).length;
  return (
    <section class="zones-view" aria-labelledby="zones-heading">
      <div class={`cards${props.accounts.length ? " five" : ""}`}>
        <div class="card">
          <span class="card-k">Records</span>
          <span class="card-v">{formatCount(s?.total_records)}</span>
        </div>
        <div class="card">
          <span class="card-k">Hosted zones</span>
          <span class="card-v">{formatCount(props.zones.length)}</span>
        </div>
        {props.accounts.length > 0 && (
          <div class={`card${unreadable ? " card-bad" : ""}`} data-testid="accounts-card">
            <span class="card-k">AWS accounts</span>
            <span class="card-v">
              {formatCount(props.accounts.length)}
              {unreadable > 0 && <span class="card-note"> · {unreadable} cannot be read</span>}
            </span>
          </div>
        )}
        <div class="card">
          <span class="card-k">Last sweep</span>
          <span class="card-v small-v" title={formatUtc(s?.last_sweep_at)}>
            <TimeAgo ts={s?.last_sweep_at} now={props.now} />
          </span>
        </div>
        <div class="card">
          <span class="card-k">Last CloudTrail event</span>
          <span class="card-v small-v">
            <TimeAgo ts={s?.last_event_at} now={props.now} />
          </span>
        </div>
      </div>
      <div class="zones-grid">
        <div>
          <div class="table-head">
            <h2 id="zones-heading">Hosted zones</h2>
            {headings && (
              <span class="muted small">
                by account
                {props.account ? "" : ` · ${formatCount(groups.length)}`}
              </span>
            )}
            <span class="table-head-end">
              <AccountSelect
                id="zones-account"
                accounts={props.accounts}
                value={props.account}
                onChange={(account) => props.navigate({ account, zone: "", record: null })}
                compact
              />
            </span>
          </div>
          {props.loading && !props.zones.length ? (
            <Spinner label="Loading zones" />
          ) : !groups.length ? (
            <Empty>No hosted zones yet.</Empty>
          ) : (
            <div class="table-wrap">
              <table class="grid zones-table" data-testid="zones-table">
                <thead>
                  <tr>
                    <th scope="col">Zone</th>
                    <th scope="col">Id</th>
                    <th scope="col">Visibility</th>
                    <th scope="col" class="num">
                      Records
                    </th>
                    <th scope="col">By type</th>
                    <th scope="col">Owner</th>
                  </tr>
                </thead>
                {groups.map((g) => (
                  <tbody
                    key={g.account_id ?? "none"}
                    class={`account-group${g.account && isUnreadable(g.account) ? " unreadable" : ""}`}
                    data-account-id={g.account_id ?? ""}
                    data-testid="account-group"
                  >
                    {headings && (
                      <AccountHead
                        g={g}
                        navigate={props.navigate}
                        now={props.now}
                        filtered={!!props.account}
                      />
                    )}
                    {g.zones.length === 0 ? (
                      <tr>
                        <td colSpan={6} class="muted">
                          No hosted zones recorded for this account.
                        </td>
                      </tr>
                    ) : (
                      g.zones.map((z) => (
                        <ZoneRowView key={z.zone_id} z={z} navigate={props.navigate} />
                      ))
                    )}
                  </tbody>
                ))}
              </table>
            </div>
          )}
        </div>
        <div class="panel">
          <h2>Records by type</h2>
          {s ? (
            <TypeChart
              byType={s.by_type}
              selected=""
              navigate={props.navigate}
              width={340}
              account={props.account}
            />
          ) : (
            <Spinner />
          )}
        </div>
      </div>
    </section>
  );
}
