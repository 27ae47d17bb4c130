import { useCallback, useEffect, useLayoutEffect, useRef, useState } from "preact/hooks";
import { useApi } from "../hooks.ts";
import { isAbort } from "../lib/api.ts";
import { accountShort } from "../lib/accounts.ts";
import { ownerCell } from "../lib/annotations.ts";
import { formatAlias, relativeName, routingParts, routingPolicy } from "../lib/format.ts";
import type { RecordView } from "../lib/schemas.ts";
import { filterKey, hasFilters, type RecordFilters } from "../lib/urlState.ts";
import { CopyButton, CsvLink, Empty, ErrorBox, Spinner, TimeAgo, TypeBadge } from "./common.tsx";
import { FindingsBadge } from "./Findings.tsx";
import type { AnnotationOverride } from "./RecordDrawer.tsx";

const MAX_VALUES_SHOWN = 3;
const FIRST_PAINT_ROWS = 30;

interface TableState {
  rows: RecordView[];
  cursor: string | null;
  pages: number;
  status: "loading" | "ready" | "error";
  error: string | null;
  loadingMore: boolean;
  moreError: string | null;
  /** When the first page's request left (epoch ms): an annotation edited later overrides it. */
  loadedAt: number;
}

const INITIAL: TableState = {
  loadedAt: 0,
  rows: [],
  cursor: null,
  pages: 0,
  status: "loading",
  error: null,
  loadingMore: false,
  moreError: null,
};

let firstRowsMarked = false;

export function recordHref(id: number): string {
  const p = new URLSearchParams(location.search);
  p.set("record", String(id));
  return `?${p}`;
}

// Cell renderers are plain functions, not components: cheaper for 100 rows at first render.
function name(r: RecordView) {
  const rel = relativeName(r.name, r.zone_name);
  const suffix = rel === r.name ? "" : r.name.slice(rel.length);
  return (
    <>
      <span class={rel.length <= 40 ? "name-rel short" : "name-rel"}>{rel}</span>
      {suffix && <span class="name-zone">{suffix}</span>}
    </>
  );
}

function answers(r: RecordView) {
  if (r.alias_target) {
    return (
      <div class="answers">
        <span class="alias-tag" title={`Alias to ${r.alias_target.hosted_zone_id}`}>
          alias
        </span>{" "}
        <span class="alias-name" title={formatAlias(r.alias_target)}>
          {r.alias_target.dns_name}
        </span>
        <CopyButton text={r.alias_target.dns_name} label="alias target" tabbable={false} />
      </div>
    );
  }
  const shown = r.values.slice(0, MAX_VALUES_SHOWN);
  const more = r.values.length - shown.length;
  return (
    <div class="answers">
      <ul class="values">
        {shown.map((v, i) => (
          <li key={i} title={v}>
            {v}
          </li>
        ))}
        {more > 0 && <li class="more">+{more} more</li>}
      </ul>
      {r.values.length > 0 && (
        <CopyButton text={r.values.join("\n")} label="values" tabbable={false} />
      )}
    </div>
  );
}

function routing(r: RecordView) {
  const parts = routingParts(r.routing);
  if (!parts.length) return <span class="routing-simple">simple</span>;
  return (
    <span class="routing" title={`${routingPolicy(r.routing)} routing`}>
      {parts.map(([k, v]) => (
        <span class="chip" key={k} title={`${k}: ${v}`}>
          <span class="chip-k">{k === "health check" ? "hc" : k}</span>{" "}
          {k === "health check" ? v.slice(0, 8) : v}
        </span>
      ))}
    </span>
  );
}

/** Who owns it: the annotation's owner (else team), muted when inherited or only attributed. */
function owner(r: RecordView) {
  const o = ownerCell(r);
  if (!o) return <td class="c-owner" data-testid="owner-cell" />;
  return (
    <td class="c-owner" title={o.title} data-testid="owner-cell">
      <span class={o.muted ? "owner-muted" : "owner"}>{o.text}</span>
    </td>
  );
}

/** The record's account: its name (or id), red when the last sweep could not read it. */
function account(r: RecordView, unreadable: ReadonlySet<string>) {
  const bad = r.account_id !== null && unreadable.has(r.account_id);
  const full = r.account_name ? `${r.account_name} (${r.account_id})` : (r.account_id ?? "unknown");
  return (
    <td
      class={`c-account${bad ? " bad" : ""}`}
      title={`Account ${full}${bad ? ": cannot be read, so this record may be stale" : ""}`}
    >
      {bad && <span class="visually-hidden">Account cannot be read: </span>}
      <span class="acct-name">{accountShort(r.account_id, r.account_name)}</span>
    </td>
  );
}

function moveBetweenRows(e: KeyboardEvent) {
  if (e.key !== "ArrowDown" && e.key !== "ArrowUp") return;
  const link = (e.target as HTMLElement).closest<HTMLElement>(".name-link");
  const row = link?.closest("tr");
  if (!row) return;
  const next = (
    e.key === "ArrowDown" ? row.nextElementSibling : row.previousElementSibling
  )?.querySelector<HTMLElement>(".name-link");
  if (next) {
    e.preventDefault();
    next.focus();
  }
}

export function RecordsTable(props: {
  filters: RecordFilters;
  marker: number | null;
  selected: number | null;
  now: number;
  onOpen: (id: number) => void;
  totalRecords: number | null;
  csvUrl: string;
  onCsvClick?: ((e: MouseEvent) => void) | undefined;
  /** Whether more than one account is in scope (then each row names its account). */
  multiAccount: boolean;
  /** The accounts the last sweep could not read. */
  unreadable: ReadonlySet<string>;
  /** Annotations edited in the drawer since the rows loaded, by record id. */
  overrides: ReadonlyMap<number, AnnotationOverride>;
}) {
  const api = useApi();
  const { filters, marker } = props;
  const key = filterKey(filters);
  const [st, setSt] = useState<TableState>(INITIAL);
  const [flash, setFlash] = useState<Set<number>>(new Set());
  const [pendingLive, setPendingLive] = useState(false);
  const ctrl = useRef<AbortController | null>(null);
  const seenMarker = useRef<number | null>(null);
  const stRef = useRef(st);
  stRef.current = st;

  const loadFirst = useCallback(
    (silent: boolean) => {
      ctrl.current?.abort();
      const c = new AbortController();
      ctrl.current = c;
      if (!silent) setSt((s) => ({ ...s, status: "loading", error: null, moreError: null }));
      setPendingLive(false);
      const started = Date.now();
      api.recordsNonEmpty(filters, null, c.signal).then(
        (page) => {
          if (c.signal.aborted) return;
          performance.mark("zt:records-response");
          if (silent) {
            const before = new Map(stRef.current.rows.map((r) => [r.id, r.observed_at]));
            const changed = page.items
              .filter((r) => before.get(r.id) !== r.observed_at)
              .map((r) => r.id);
            if (changed.length) {
              setFlash(new Set(changed));
              setTimeout(() => setFlash(new Set()), 2500);
            }
          }
          setSt({
            rows: page.items,
            cursor: page.next_cursor,
            pages: 1,
            status: "ready",
            error: null,
            loadingMore: false,
            moreError: null,
            loadedAt: started,
          });
        },
        (e) => {
          if (isAbort(e) || c.signal.aborted) return;
          if (silent) return; // a failed background refresh keeps what is shown
          setSt({ ...INITIAL, status: "error", error: (e as Error).message });
        },
      );
    },
    // `key` stands for `filters`: refetch exactly when the query changes.
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [api, key],
  );

  // A layout effect, not a passive one: the first query leaves before the first paint.
  useLayoutEffect(() => {
    loadFirst(false);
    return () => ctrl.current?.abort();
  }, [loadFirst]);

  // Live: when the change feed's head moves, refresh the first page in place; with more
  // pages loaded, offer the refresh instead of throwing away the user's scroll position.
  useEffect(() => {
    const prev = seenMarker.current;
    seenMarker.current = marker;
    if (prev === null || marker === null || marker === prev) return;
    const s = stRef.current;
    if (s.status === "ready" && s.pages <= 1 && !s.loadingMore) loadFirst(true);
    else setPendingLive(true);
  }, [marker, loadFirst]);

  const loadMore = () => {
    const s = stRef.current;
    if (!s.cursor || s.loadingMore) return;
    const c = ctrl.current ?? new AbortController();
    ctrl.current = c;
    setSt({ ...s, loadingMore: true, moreError: null });
    api.recordsNonEmpty(filters, s.cursor, c.signal).then(
      (page) => {
        if (c.signal.aborted) return;
        setSt((cur) => ({
          ...cur,
          rows: [...cur.rows, ...page.items],
          cursor: page.next_cursor,
          pages: cur.pages + 1,
          loadingMore: false,
        }));
      },
      (e) => {
        if (isAbort(e)) return;
        setSt((cur) => ({ ...cur, loadingMore: false, moreError: (e as Error).message }));
      },
    );
  };

  // The first render's finish line, for the e2e's timing: the frame after the one that
  // painted the first rows (two animation frames after the rows entered the DOM).
  useLayoutEffect(() => {
    if (!firstRowsMarked && st.status === "ready" && st.rows.length > 0) {
      firstRowsMarked = true;
      requestAnimationFrame(() =>
        requestAnimationFrame(() => performance.mark("zonetrail:rows-visible")),
      );
    }
  }, [st]);

  // A fresh page renders its first rows at once and the rest a frame later, so the
  // screenful a person looks at first is not held up by rows below the fold.
  const [shown, setShown] = useState(FIRST_PAINT_ROWS);
  useLayoutEffect(() => {
    if (st.rows.length <= shown) return;
    const raf = requestAnimationFrame(() => setShown(Infinity));
    return () => cancelAnimationFrame(raf);
  }, [st.rows.length, shown]);

  const filtered = hasFilters(filters);
  const first = st.rows[0];
  const showAccount = props.multiAccount || st.rows.some((r) => r.account_id !== first?.account_id);
  const columns = showAccount ? 9 : 8;
  const rowOf = (r: RecordView): RecordView => {
    const o = props.overrides.get(r.id);
    return o && o.at > st.loadedAt ? { ...r, annotation: o.annotation } : r;
  };
  const countText =
    st.status === "ready"
      ? `${st.rows.length.toLocaleString("en-US")}${st.cursor ? "+" : ""} record${st.rows.length === 1 && !st.cursor ? "" : "s"}` +
        (!filtered && props.totalRecords !== null && st.cursor
          ? ` of ${props.totalRecords.toLocaleString("en-US")}`
          : "")
      : "";

  return (
    <section class="records" aria-labelledby="records-heading" aria-busy={st.status === "loading"}>
      <div class="table-head">
        <h2 id="records-heading">Records</h2>
        <span class="count" data-testid="record-count" aria-live="polite">
          {st.status === "loading" ? <Spinner label="Loading records" /> : countText}
        </span>
        {pendingLive && (
          <button type="button" class="btn small live-btn" onClick={() => loadFirst(false)}>
            New changes · refresh
          </button>
        )}
        <CsvLink href={props.csvUrl} onClick={props.onCsvClick} />
      </div>
      {st.status === "error" && st.error ? (
        <ErrorBox message={st.error} onRetry={() => loadFirst(false)} />
      ) : st.status === "ready" && st.rows.length === 0 && st.cursor ? (
        <Empty>
          <strong>No match yet</strong> in the names searched so far.{" "}
          <button type="button" class="btn small" onClick={loadMore} disabled={st.loadingMore}>
            Keep searching
          </button>
        </Empty>
      ) : st.status === "ready" && st.rows.length === 0 ? (
        <Empty>
          <strong>No records match.</strong>
          {filtered
            ? " Loosen a filter, or include deleted records."
            : " The inventory is empty: has a sweep run yet?"}
        </Empty>
      ) : (
        <div class={`table-wrap${st.status === "loading" && st.rows.length ? " stale" : ""}`}>
          <table class="grid records-grid" data-testid="records-table">
            {/* Fixed layout: one layout pass for the page, and columns that do not jump as rows change. */}
            <colgroup>
              <col class="w-name" />
              {showAccount && <col class="w-account" />}
              <col class="w-type" />
              <col class="w-set" />
              <col class="w-routing" />
              <col class="w-ttl" />
              <col />
              <col class="w-owner" />
              <col class="w-time" />
            </colgroup>
            <thead>
              <tr>
                <th scope="col">Name</th>
                {showAccount && <th scope="col">Account</th>}
                <th scope="col">Type</th>
                <th scope="col">Set id</th>
                <th scope="col">Routing</th>
                <th scope="col" class="num">
                  TTL
                </th>
                <th scope="col">Values / alias target</th>
                <th scope="col">Owner</th>
                <th scope="col">Observed</th>
              </tr>
            </thead>
            {/* Tab moves from row to row (the row's copy buttons are for the mouse; the drawer
                has them all for the keyboard); the arrow keys move between rows too. */}
            <tbody onKeyDown={moveBetweenRows}>
              {st.status === "loading" && st.rows.length === 0
                ? Array.from({ length: 8 }, (_, i) => (
                    // biome-ignore lint/a11y/noAriaHiddenOnFocusable: a placeholder row holds nothing focusable (the tbody's key handler moves between real rows only); screen readers should skip it
                    <tr class="skeleton" key={`s${i}`} aria-hidden="true">
                      <td colSpan={columns}>
                        <span />
                      </td>
                    </tr>
                  ))
                : st.rows
                    .slice(0, shown)
                    .map(rowOf)
                    .map((r) => (
                      <tr
                        key={r.id}
                        data-record-id={r.id}
                        class={[
                          "row",
                          r.deleted_at ? "deleted" : "",
                          props.selected === r.id ? "selected" : "",
                          flash.has(r.id) ? "flash" : "",
                        ].join(" ")}
                        onClick={(e) => {
                          if ((e.target as HTMLElement).closest("a,button")) return;
                          props.onOpen(r.id);
                        }}
                      >
                        <td class="c-name mono">
                          <div class="cell-line">
                            <a
                              href={recordHref(r.id)}
                              class="name-link"
                              onClick={(e) => {
                                if (e.metaKey || e.ctrlKey || e.shiftKey || e.button !== 0) return;
                                e.preventDefault();
                                props.onOpen(r.id);
                              }}
                              title={`${r.name} in zone ${r.zone_name ?? r.zone_id} (${r.zone_id}${r.private_zone ? ", private" : ""}) — open history`}
                            >
                              {name(r)}
                            </a>
                            <CopyButton text={r.name} label="name" tabbable={false} />
                            {r.private_zone && (
                              <span class="badge private" title={`Private zone ${r.zone_name}`}>
                                private
                              </span>
                            )}
                            {r.deleted_at && (
                              <span class="badge deleted-badge" title={`Deleted ${r.deleted_at}`}>
                                deleted
                              </span>
                            )}
                            <FindingsBadge findings={r.findings} />
                          </div>
                        </td>
                        {showAccount && account(r, props.unreadable)}
                        <td>
                          <TypeBadge type={r.type} />
                        </td>
                        <td class="mono setid" title={r.set_identifier ?? undefined}>
                          {r.set_identifier ?? ""}
                        </td>
                        <td>{routing(r)}</td>
                        <td class="num mono">{r.ttl ?? <span class="muted">—</span>}</td>
                        <td class="c-values mono">{answers(r)}</td>
                        {owner(r)}
                        <td class="c-time">
                          {r.deleted_at ? (
                            <span class="deleted-time">
                              deleted <TimeAgo ts={r.deleted_at} now={props.now} />
                            </span>
                          ) : (
                            <TimeAgo ts={r.observed_at} now={props.now} />
                          )}
                        </td>
                      </tr>
                    ))}
            </tbody>
          </table>
        </div>
      )}
      {st.status === "ready" && st.rows.length > 0 && (
        <div class="table-foot">
          {st.moreError && <ErrorBox message={st.moreError} onRetry={loadMore} />}
          {st.cursor ? (
            <button
              type="button"
              class="btn"
              onClick={loadMore}
              disabled={st.loadingMore}
              data-testid="load-more"
            >
              {st.loadingMore ? <Spinner label="Loading more" /> : null} Load more
            </button>
          ) : (
            <span class="muted">End of results</span>
          )}
        </div>
      )}
    </section>
  );
}
