import type { Navigate } from "../hooks.ts";
import { formatCount } from "../lib/format.ts";
import type { Stats, ZoneStats } from "../lib/schemas.ts";
import { formatUtc } from "../lib/time.ts";
import { EMPTY_FILTERS, serializeUrlState, type UrlState } from "../lib/urlState.ts";
import { zoneLabel } from "../lib/zones.ts";
import { CopyButton, Empty, Spinner, TimeAgo } from "./common.tsx";

function hrefFor(patch: Partial<UrlState>): string {
  return serializeUrlState({ ...EMPTY_FILTERS, view: "records", record: null, ...patch }) || "?";
}

function follow(navigate: Navigate, patch: Partial<UrlState>) {
  return (e: MouseEvent) => {
    if (e.metaKey || e.ctrlKey || e.shiftKey) return;
    e.preventDefault();
    navigate({ ...EMPTY_FILTERS, view: "records", record: null, ...patch });
  };
}

/** Records by type: an inline SVG bar chart whose bars are links that filter the table. */
export function TypeChart(props: {
  byType: Record<string, number>;
  selected: string;
  navigate: Navigate;
  zone?: string;
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
        const patch = { type: active ? "" : type, zone: props.zone ?? "" };
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
  zones: ZoneStats[];
  selected: string;
  total: number | null;
  navigate: Navigate;
  filters: UrlState;
}) {
  const keep = { type: props.filters.type, include_deleted: props.filters.include_deleted };
  return (
    <nav aria-label="Zones" class="zone-list">
      <ul>
        <li>
          <a
            href={hrefFor({ ...keep, zone: "" })}
            onClick={follow(props.navigate, { ...keep, zone: "" })}
            aria-current={props.selected === "" ? "true" : undefined}
          >
            <span class="zname">All zones</span>
            <span class="zcount">{formatCount(props.total)}</span>
          </a>
        </li>
        {props.zones.map((z) => (
          <li key={z.zone_id}>
            <a
              href={hrefFor({ ...keep, zone: z.zone_id })}
              onClick={follow(props.navigate, { ...keep, zone: z.zone_id })}
              aria-current={props.selected === z.zone_id ? "true" : undefined}
              title={`${zoneLabel(z)} (${z.zone_id})${z.private_zone ? ", private" : ""}`}
            >
              <span class="zname mono">{zoneLabel(z)}</span>
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

export function ZonesView(props: {
  zones: ZoneStats[];
  stats: Stats | null;
  navigate: Navigate;
  now: number;
  loading: boolean;
}) {
  const s = props.stats;
  return (
    <section class="zones-view" aria-labelledby="zones-heading">
      <div class="cards">
        <div class="card">
          <span class="card-k">Records</span>
          <span class="card-v">{formatCount(s?.total_records)}</span>
        </div>
        <div class="card">
          <span class="card-k">Hosted zones</span>
          <span class="card-v">{formatCount(props.zones.length)}</span>
        </div>
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
          </div>
          {props.loading && !props.zones.length ? (
            <Spinner label="Loading zones" />
          ) : !props.zones.length ? (
            <Empty>No hosted zones yet.</Empty>
          ) : (
            <div class="table-wrap">
              <table class="grid" data-testid="zones-table">
                <thead>
                  <tr>
                    <th scope="col">Zone</th>
                    <th scope="col">Id</th>
                    <th scope="col">Visibility</th>
                    <th scope="col" class="num">
                      Records
                    </th>
                    <th scope="col">By type</th>
                  </tr>
                </thead>
                <tbody>
                  {props.zones.map((z) => (
                    <tr key={z.zone_id}>
                      <td class="mono">
                        <a
                          href={hrefFor({ zone: z.zone_id })}
                          onClick={follow(props.navigate, { zone: z.zone_id })}
                        >
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
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </div>
        <div class="panel">
          <h2>Records by type</h2>
          {s ? (
            <TypeChart byType={s.by_type} selected="" navigate={props.navigate} width={340} />
          ) : (
            <Spinner />
          )}
        </div>
      </div>
    </section>
  );
}
