import type { Live, Navigate } from "../hooks.ts";
import { backfillProgress, historyDetail, historyLine } from "../lib/history.ts";
import type { AccountView } from "../lib/schemas.ts";
import { formatDuration, formatUtc, sweepFreshness, timeAgo } from "../lib/time.ts";
import type { UrlState } from "../lib/urlState.ts";
import { AccountAlert } from "./Accounts.tsx";

/**
 * "swept 12 min ago · last change 3 s ago", coloured by how old the last sweep is; and, in red
 * beside it, the accounts the last sweep could not read (their data is stale).
 */
export function Freshness(props: {
  live: Live;
  now: number;
  accounts: AccountView[];
  url: UrlState;
  navigate: Navigate;
}) {
  return (
    <div class="freshness-area">
      <FreshnessPill live={props.live} now={props.now} />
      <HistorySince live={props.live} />
      <AccountAlert accounts={props.accounts} url={props.url} navigate={props.navigate} />
    </div>
  );
}

/**
 * "History complete since 2026-10-13 09:30:00 UTC": changes before it are not known. With a
 * CloudTrail backfill running, how far back it has read.
 */
function HistorySince({ live }: { live: Live }) {
  const s = live.stats;
  if (!s) return null;
  const progress = backfillProgress(s.history);
  return (
    <div class="history-since" data-testid="history-since" title={historyDetail(s.history)}>
      <span class="history-line">
        {historyLine(s.history)}
        <span class="info" aria-hidden="true">
          {" ⓘ"}
        </span>
      </span>
      {progress && (
        <span class="backfill-progress muted small" data-testid="backfill-progress">
          {progress}
        </span>
      )}
    </div>
  );
}

function FreshnessPill({ live, now }: { live: Live; now: number }) {
  const s = live.stats;
  const lastChange = s?.last_change_at ?? live.newestChangeAt;
  let level = sweepFreshness(s?.last_sweep_at ?? null, now);
  if (live.error) level = "old";

  const detail = [
    `Last sweep: ${formatUtc(s?.last_sweep_at)}`,
    `Last CloudTrail event: ${formatUtc(s?.last_event_at)}`,
    `Last change: ${formatUtc(lastChange)}`,
    s?.freshness_lag_seconds != null
      ? `Since the last sweep: ${formatDuration(s.freshness_lag_seconds)}`
      : null,
    live.error
      ? `Polling failed: ${live.error}`
      : live.polledAt
        ? `Checked ${timeAgo(new Date(live.polledAt).toISOString(), now)}`
        : null,
  ]
    .filter(Boolean)
    .join("\n");

  return (
    <div class={`freshness level-${level}`} data-testid="freshness" title={detail} aria-live="off">
      <span class="dot" aria-hidden="true" />
      {!s && !live.error ? (
        <span>connecting…</span>
      ) : live.error && !s ? (
        <span>API unreachable</span>
      ) : (
        <span>
          {s?.last_sweep_at ? <>swept {timeAgo(s.last_sweep_at, now)}</> : <>never swept</>}
          <span class="sep" aria-hidden="true">
            {" · "}
          </span>
          {lastChange ? <>last change {timeAgo(lastChange, now)}</> : <>no changes yet</>}
          {s?.freshness_lag_seconds != null && s.freshness_lag_seconds >= 60 && (
            <>
              <span class="sep" aria-hidden="true">
                {" · "}
              </span>
              lag {formatDuration(s.freshness_lag_seconds)}
            </>
          )}
          {live.error && <span class="warn"> · polling failed</span>}
        </span>
      )}
    </div>
  );
}
