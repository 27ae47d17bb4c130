// What changed between two times (issue 18), of one zone or of every zone: the record sets
// added, removed and changed, each with the field diff the record drawer shows. Deep-linked:
// `?view=diff&from=…&to=…&zone=…` (`to` absent is now).
import { useEffect, useRef, useState } from "preact/hooks";
import type { Navigate } from "../hooks.ts";
import { useApi } from "../hooks.ts";
import { isAbort } from "../lib/api.ts";
import { formatUtc } from "../lib/time.ts";
import {
  type DiffItem,
  type DiffKind,
  fromInputValue,
  groupDiff,
  isFuture,
  KIND_LABELS,
  KINDS,
  toInputValue,
} from "../lib/timetravel.ts";
import type { UrlState } from "../lib/urlState.ts";
import { type ZoneRow, zoneLabelAmong } from "../lib/zones.ts";
import { Empty, ErrorBox, Spinner, TypeBadge } from "./common.tsx";
import { FieldDiff } from "./History.tsx";

interface DiffState {
  items: DiffItem[];
  cursor: string | null;
  status: "idle" | "loading" | "ready" | "error";
  error: string | null;
  from: string;
  to: string;
  loadingMore: boolean;
  moreError: string | null;
}

const INITIAL: DiffState = {
  items: [],
  cursor: null,
  status: "idle",
  error: null,
  from: "",
  to: "",
  loadingMore: false,
  moreError: null,
};

function DiffForm({
  url,
  zones,
  navigate,
}: {
  url: UrlState;
  zones: ZoneRow[];
  navigate: Navigate;
}) {
  const [from, setFrom] = useState(toInputValue(url.from));
  const [to, setTo] = useState(toInputValue(url.to));
  const [zone, setZone] = useState(url.zone);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    setFrom(toInputValue(url.from));
    setTo(toInputValue(url.to));
    setZone(url.zone);
    setError(null);
  }, [url.from, url.to, url.zone]);
  const submit = (e: Event) => {
    e.preventDefault();
    const f = fromInputValue(from);
    const t = to ? fromInputValue(to) : "";
    if (!f) return setError("Enter the time to compare from (UTC).");
    if (to && !t) return setError("Enter the time to compare to (UTC), or leave it empty for now.");
    if (isFuture(f, Date.now()) || (t && isFuture(t, Date.now())))
      return setError("That time is in the future: the inventory is only known up to now.");
    if (t && Date.parse(f) > Date.parse(t)) return setError("From must not be after To.");
    setError(null);
    navigate({ view: "diff", from: f, to: t, zone, record: null });
  };
  return (
    <form class="filters diff-form" onSubmit={submit} aria-label="Compare two times">
      <div class="field">
        <label for="d-from">From (UTC)</label>
        <input
          id="d-from"
          type="datetime-local"
          step={1}
          required
          value={from}
          onInput={(e) => setFrom(e.currentTarget.value)}
        />
      </div>
      <div class="field">
        <label for="d-to">To (UTC, empty for now)</label>
        <input
          id="d-to"
          type="datetime-local"
          step={1}
          value={to}
          onInput={(e) => setTo(e.currentTarget.value)}
        />
      </div>
      <div class="field">
        <label for="d-zone">Zone</label>
        <select id="d-zone" value={zone} onChange={(e) => setZone(e.currentTarget.value)}>
          <option value="">All zones</option>
          {zones.map((z) => (
            <option key={z.zone_id} value={z.zone_id}>
              {zoneLabelAmong(z, zones)}
            </option>
          ))}
        </select>
      </div>
      <button type="submit" class="btn primary small">
        Compare
      </button>
      {error && (
        <p class="error-message small" role="alert">
          {error}
        </p>
      )}
    </form>
  );
}

function DiffEntry({ item, onOpen }: { item: DiffItem; onOpen: (id: number) => void }) {
  return (
    <li class={`diff-item kind-${item.kind}`} data-kind={item.kind} data-testid="diff-item">
      <div class="entry-head">
        <span class={`badge kind-${item.kind}`}>{item.kind}</span>
        <a
          class="mono name diff-name"
          href={`?record=${item.id}`}
          onClick={(e) => {
            if (e.metaKey || e.ctrlKey || e.shiftKey) return;
            e.preventDefault();
            onOpen(item.id);
          }}
        >
          {item.name}
        </a>
        <TypeBadge type={item.type} />
        {item.set_identifier && <span class="mono setid">{item.set_identifier}</span>}
        <span class="muted small mono">in {item.zone_name ?? item.zone_id}</span>
      </div>
      <FieldDiff before={item.before} after={item.after} />
    </li>
  );
}

export function DiffView({
  url,
  zones,
  navigate,
  onOpen,
}: {
  url: UrlState;
  zones: ZoneRow[];
  navigate: Navigate;
  onOpen: (id: number) => void;
}) {
  const api = useApi();
  const [st, setSt] = useState<DiffState>(INITIAL);
  const ctrl = useRef<AbortController | null>(null);
  const { from, to, zone } = url;

  useEffect(() => {
    ctrl.current?.abort();
    if (!from) {
      setSt(INITIAL);
      return;
    }
    const c = new AbortController();
    ctrl.current = c;
    setSt({ ...INITIAL, status: "loading" });
    api.diff(from, to, zone, null, c.signal).then(
      (page) =>
        setSt({
          ...INITIAL,
          status: "ready",
          items: page.items,
          cursor: page.next_cursor,
          from: page.from,
          to: page.to,
        }),
      (e) => {
        if (!isAbort(e)) setSt({ ...INITIAL, status: "error", error: (e as Error).message });
      },
    );
    return () => c.abort();
  }, [api, from, to, zone]);

  const loadMore = () => {
    if (!st.cursor || st.loadingMore) return;
    const c = ctrl.current ?? new AbortController();
    setSt((s) => ({ ...s, loadingMore: true, moreError: null }));
    api.diff(from, to, zone, st.cursor, c.signal).then(
      (page) =>
        setSt((s) => ({
          ...s,
          items: [...s.items, ...page.items],
          cursor: page.next_cursor,
          loadingMore: false,
        })),
      (e) => {
        if (!isAbort(e))
          setSt((s) => ({ ...s, loadingMore: false, moreError: (e as Error).message }));
      },
    );
  };

  const groups = groupDiff(st.items);
  const zoneRow = zones.find((z) => z.zone_id === zone);
  return (
    <section class="diff-view" aria-labelledby="diff-title" data-testid="diff-view">
      <h1 id="diff-title" class="view-title">
        What changed between two times
      </h1>
      <DiffForm url={url} zones={zones} navigate={navigate} />
      {st.status === "idle" && (
        <Empty>Pick a time to compare from; the diff runs to now unless you set a To time.</Empty>
      )}
      {st.status === "loading" && <Spinner label="Comparing" />}
      {st.status === "error" && st.error && <ErrorBox message={st.error} />}
      {st.status === "ready" && (
        <>
          <p class="diff-range" data-testid="diff-range">
            {zoneRow ? (
              <>
                <span class="mono">{zoneLabelAmong(zoneRow, zones)}</span>:{" "}
              </>
            ) : zone ? (
              <>
                <span class="mono">{zone}</span>:{" "}
              </>
            ) : (
              "Every zone: "
            )}
            from <time dateTime={st.from}>{formatUtc(st.from)}</time> to{" "}
            <time dateTime={st.to}>{formatUtc(st.to)}</time>
            {" · "}
            {KINDS.map((k) => `${groups[k].length} ${k}`).join(", ")}
            {st.cursor ? " so far" : ""}
          </p>
          {st.items.length === 0 && !st.cursor && (
            <Empty>Nothing differs between these two times.</Empty>
          )}
          {KINDS.map((k: DiffKind) =>
            groups[k].length ? (
              <section
                key={k}
                class={`diff-group group-${k}`}
                aria-labelledby={`diff-${k}`}
                data-testid={`diff-${k}`}
              >
                <h2 id={`diff-${k}`}>
                  {KIND_LABELS[k]} <span class="muted">({groups[k].length})</span>
                </h2>
                <ul class="diff-items">
                  {groups[k].map((it) => (
                    <DiffEntry key={it.id} item={it} onOpen={onOpen} />
                  ))}
                </ul>
              </section>
            ) : null,
          )}
          {st.cursor && (
            <div class="more">
              <button
                type="button"
                class="btn"
                onClick={loadMore}
                disabled={st.loadingMore}
                aria-busy={st.loadingMore}
              >
                {st.loadingMore ? "Loading…" : "Load more"}
              </button>
              {st.moreError && <ErrorBox message={st.moreError} onRetry={loadMore} />}
            </div>
          )}
        </>
      )}
    </section>
  );
}
