import { useCallback, useEffect, useRef, useState } from "preact/hooks";
import { useApi } from "../hooks.ts";
import { isAbort } from "../lib/api.ts";
import { KIND_LABELS, kindLabel, kindsByCount } from "../lib/findings.ts";
import type { FindingCounts, FindingItem, RecordFinding } from "../lib/schemas.ts";
import { formatUtc } from "../lib/time.ts";
import { FINDING_SEVERITIES, FINDING_STATUSES, type UrlState } from "../lib/urlState.ts";
import { Empty, ErrorBox, Spinner, TimeAgo, TypeBadge } from "./common.tsx";
import { recordHref } from "./RecordsTable.tsx";

const PAGE = 50;

/** A finding's severity as a badge: `high` in red, `medium` in amber. */
export function SeverityBadge({ severity }: { severity: string }) {
  return (
    <span class={`badge severity-${severity}`} title={`Severity: ${severity}`}>
      {severity}
    </span>
  );
}

/** The badge on a record's row: how many open findings it has, the worst severity's colour. */
export function FindingsBadge({ findings }: { findings: RecordFinding[] }) {
  if (!findings.length) return null;
  const high = findings.some((f) => f.severity === "high");
  const title = findings.map((f) => `${kindLabel(f.kind)}: ${f.summary}`).join("\n");
  return (
    <span
      class={`badge finding-badge severity-${high ? "high" : "medium"}`}
      title={title}
      data-testid="finding-badge"
    >
      {findings.length === 1 ? "1 finding" : `${findings.length} findings`}
    </span>
  );
}

/** The drawer's section: the record's open findings, each kind, severity and summary. */
export function RecordFindings({ findings }: { findings: RecordFinding[] }) {
  if (!findings.length) return null;
  return (
    <section class="record-findings" data-testid="drawer-findings">
      <h3>Findings</h3>
      <ul class="finding-list compact">
        {findings.map((f) => (
          <li key={f.id} class={`finding severity-${f.severity}`}>
            <div class="finding-title">
              <SeverityBadge severity={f.severity} />
              <strong>{kindLabel(f.kind)}</strong>
            </div>
            <div class="finding-summary">{f.summary}</div>
          </li>
        ))}
      </ul>
    </section>
  );
}

interface State {
  items: FindingItem[];
  cursor: string | null;
  status: "loading" | "ready" | "error";
  error: string | null;
  loadingMore: boolean;
  moreError: string | null;
}

const INITIAL: State = {
  items: [],
  cursor: null,
  status: "loading",
  error: null,
  loadingMore: false,
  moreError: null,
};

function Counts({ counts }: { counts: FindingCounts | null }) {
  if (!counts) return null;
  return (
    <div class="finding-counts" data-testid="finding-counts">
      <div class="cards">
        <div class="card">
          <span class="card-k">Open</span>
          <span class="card-v">{counts.open}</span>
        </div>
        <div class="card">
          <span class="card-k">High severity</span>
          <span class="card-v severity-high-text">{counts.by_severity.high}</span>
        </div>
        <div class="card">
          <span class="card-k">Medium severity</span>
          <span class="card-v severity-medium-text">{counts.by_severity.medium}</span>
        </div>
        <div class="card">
          <span class="card-k">Suppressed</span>
          <span class="card-v">{counts.suppressed}</span>
        </div>
      </div>
      <ul class="finding-kinds small" aria-label="Open findings by kind">
        {kindsByCount(counts.by_kind).map(([kind, n]) => (
          <li key={kind}>
            <span class="mono">{n}</span> {kindLabel(kind)}
          </li>
        ))}
      </ul>
    </div>
  );
}

function Finding({
  f,
  now,
  onOpen,
}: {
  f: FindingItem;
  now: number;
  onOpen: (id: number) => void;
}) {
  const r = f.record;
  return (
    <li class={`finding severity-${f.severity} status-${f.status}`} data-finding-id={f.id}>
      <div class="finding-title">
        <SeverityBadge severity={f.severity} />
        <strong>{kindLabel(f.kind)}</strong>
        {f.status !== "open" && <span class={`badge status-${f.status}`}>{f.status}</span>}
        <a
          class="finding-record mono"
          href={recordHref(r.id)}
          title={`${r.name} ${r.type} in zone ${r.zone_name ?? r.zone_id} (${r.zone_id}) — open the record`}
          onClick={(e) => {
            if (e.metaKey || e.ctrlKey || e.shiftKey || e.button !== 0) return;
            e.preventDefault();
            onOpen(r.id);
          }}
        >
          {r.name}
        </a>
        <TypeBadge type={r.type} />
        {r.set_identifier && <span class="mono setid">{r.set_identifier}</span>}
        <span class="muted small">{r.zone_name ?? r.zone_id}</span>
        {f.account_id && (
          <span class="muted small" title={`Account ${f.account_id}`}>
            {f.account_name ?? f.account_id}
          </span>
        )}
      </div>
      <div class="finding-summary">{f.summary}</div>
      <div class="finding-meta small muted">
        first seen <TimeAgo ts={f.first_seen_at} now={now} /> · last seen{" "}
        <TimeAgo ts={f.last_seen_at} now={now} />
        {f.status === "resolved" && f.resolved_at && (
          <span class="finding-resolved">
            {" "}
            · resolved <TimeAgo ts={f.resolved_at} now={now} /> ({formatUtc(f.resolved_at)})
            {f.resolved_reason ? `: ${f.resolved_reason}` : ""}
          </span>
        )}
        {f.suppression && (
          <span class="finding-suppression">
            {" "}
            · suppressed by {f.suppression.created_by}
            {" ("}
            <TimeAgo ts={f.suppression.created_at} now={now} />
            {`): ${f.suppression.reason}`}
          </span>
        )}
      </div>
    </li>
  );
}

function Select({
  id,
  label,
  value,
  options,
  onChange,
}: {
  id: string;
  label: string;
  value: string;
  options: Array<[string, string]>;
  onChange: (v: string) => void;
}) {
  return (
    <div class="field">
      <label for={id}>{label}</label>
      <select id={id} value={value} onChange={(e) => onChange(e.currentTarget.value)}>
        {options.map(([v, text]) => (
          <option key={v} value={v}>
            {text}
          </option>
        ))}
      </select>
    </div>
  );
}

/**
 * The findings view: the counts of open findings by kind and severity, then the findings,
 * newest first, filtered by status, kind and severity; *Load more* follows `next_cursor`.
 * Everything from the API is shown as text.
 */
export function FindingsView(props: {
  url: UrlState;
  counts: FindingCounts | null;
  marker: number | null;
  now: number;
  navigate: (patch: Partial<UrlState>) => void;
  onOpen: (id: number) => void;
}) {
  const { url, navigate } = props;
  const api = useApi();
  const [st, setSt] = useState<State>(INITIAL);
  const stRef = useRef(st);
  stRef.current = st;
  const filters = {
    status: url.status,
    kind: url.kind,
    severity: url.severity,
    account: url.account,
  };
  const key = `${filters.status}|${filters.kind}|${filters.severity}|${filters.account}`;

  const load = useCallback(
    (signal: AbortSignal, quiet: boolean) => {
      if (!quiet) setSt(INITIAL);
      api.findings(filters, null, signal, PAGE).then(
        (page) =>
          setSt({
            ...INITIAL,
            items: page.items,
            cursor: page.next_cursor,
            status: "ready",
          }),
        (e) => {
          if (isAbort(e) || quiet) return;
          setSt({ ...INITIAL, status: "error", error: (e as Error).message });
        },
      );
    },
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [api, key],
  );

  // The first page; again, quietly, when a change arrives (with only the first page loaded).
  const loadedKey = useRef<string | null>(null);
  useEffect(() => {
    const c = new AbortController();
    const quiet = loadedKey.current === key && stRef.current.status === "ready";
    if (quiet && stRef.current.items.length > PAGE) return () => c.abort();
    loadedKey.current = key;
    load(c.signal, quiet);
    return () => c.abort();
  }, [load, key, props.marker]);

  const loadMore = () => {
    const s = stRef.current;
    if (!s.cursor || s.loadingMore) return;
    setSt({ ...s, loadingMore: true, moreError: null });
    api.findings(filters, s.cursor, undefined, PAGE).then(
      (page) =>
        setSt((cur) => {
          const known = new Set(cur.items.map((f) => f.id));
          return {
            ...cur,
            items: [...cur.items, ...page.items.filter((f) => !known.has(f.id))],
            cursor: page.next_cursor,
            loadingMore: false,
          };
        }),
      (e) => setSt((cur) => ({ ...cur, loadingMore: false, moreError: (e as Error).message })),
    );
  };

  const statusOptions: Array<[string, string]> = [
    ["", "Any status"],
    ...FINDING_STATUSES.map((s): [string, string] => [s, s]),
  ];
  const kindOptions: Array<[string, string]> = [["", "Any kind"], ...Object.entries(KIND_LABELS)];
  if (url.kind && !(url.kind in KIND_LABELS)) kindOptions.push([url.kind, url.kind]);
  const severityOptions: Array<[string, string]> = [
    ["", "Any severity"],
    ...FINDING_SEVERITIES.map((s): [string, string] => [s, s]),
  ];

  return (
    <section class="feed findings" aria-labelledby="findings-heading">
      <div class="table-head">
        <h2 id="findings-heading">Findings</h2>
        <span class="count muted">dangling records and DNS hygiene · newest first</span>
      </div>
      <Counts counts={props.counts} />
      <div class="filters finding-filters">
        <Select
          id="finding-status"
          label="Status"
          value={url.status}
          options={statusOptions}
          onChange={(status) => navigate({ status })}
        />
        <Select
          id="finding-kind"
          label="Kind"
          value={url.kind}
          options={kindOptions}
          onChange={(kind) => navigate({ kind })}
        />
        <Select
          id="finding-severity"
          label="Severity"
          value={url.severity}
          options={severityOptions}
          onChange={(severity) => navigate({ severity })}
        />
      </div>
      {st.status === "loading" ? (
        <Spinner label="Loading findings" />
      ) : st.status === "error" && st.error ? (
        <ErrorBox message={st.error} onRetry={() => load(new AbortController().signal, false)} />
      ) : st.items.length === 0 ? (
        <Empty>
          <strong>No findings.</strong>{" "}
          {url.status || url.kind || url.severity
            ? "Nothing matches these filters."
            : "No record points at something missing."}
        </Empty>
      ) : (
        <ol class="finding-list" data-testid="finding-list">
          {st.items.map((f) => (
            <Finding key={f.id} f={f} now={props.now} onOpen={props.onOpen} />
          ))}
        </ol>
      )}
      {st.status === "ready" && st.items.length > 0 && (
        <div class="table-foot">
          {st.moreError && <ErrorBox message={st.moreError} onRetry={loadMore} />}
          {st.cursor ? (
            <button
              type="button"
              class="btn"
              onClick={loadMore}
              disabled={st.loadingMore}
              data-testid="findings-more"
            >
              {st.loadingMore && <Spinner label="Loading more" />} More findings
            </button>
          ) : (
            <span class="muted">End of findings</span>
          )}
        </div>
      )}
    </section>
  );
}
