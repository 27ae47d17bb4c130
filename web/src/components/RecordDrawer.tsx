import { useEffect, useRef, useState } from "preact/hooks";
import { useApi } from "../hooks.ts";
import { withAnnotation } from "../lib/annotations.ts";
import { isAbort } from "../lib/api.ts";
import { routingParts, routingPolicy } from "../lib/format.ts";
import { isUnreadable, statusText } from "../lib/accounts.ts";
import { formatUtc, timeAgo } from "../lib/time.ts";
import type {
  AccountView,
  AnnotationFields,
  ChangeView,
  RecordAnnotation,
  RecordView,
} from "../lib/schemas.ts";
import { CopyButton, ErrorBox, Spinner, TimeAgo, TypeBadge } from "./common.tsx";
import { RecordFindings } from "./Findings.tsx";
import { Timeline } from "./History.tsx";
import { Ownership } from "./Ownership.tsx";

/** What the table shows for a record's annotation until it loads the record again. */
export interface AnnotationOverride {
  annotation: RecordAnnotation | null;
  /** When it was set (epoch ms): a page of the table loaded after this knows better. */
  at: number;
}

interface Loaded {
  record: RecordView | null;
  history: ChangeView[] | null;
  error: string | null;
  historyError: string | null;
}

const FOCUSABLE =
  'a[href],button:not([disabled]),input:not([disabled]),select,textarea,[tabindex]:not([tabindex="-1"])';

function byNewest(a: ChangeView, b: ChangeView): number {
  // Annotation edits count their ids in a sequence of their own: ties by time only.
  return (
    b.observed_at.localeCompare(a.observed_at) ||
    (a.action === b.action ? b.id - a.id : a.action === "annotation" ? -1 : 1)
  );
}

const SEARCH_ICON = (
  <svg viewBox="0 0 16 16" aria-hidden="true">
    <circle cx="7" cy="7" r="4.2" fill="none" stroke="currentColor" stroke-width="1.4" />
    <path d="M10.2 10.2L13.5 13.5" stroke="currentColor" stroke-width="1.4" />
  </svg>
);

/** "What else points at this?": the records table filtered by this value. */
function PointsHere({ value, onFind }: { value: string; onFind: (v: string) => void }) {
  // MX, SRV and friends carry the host last: "10 mx1.example.com." points at mx1.example.com.
  const target = value.split(/\s+/).pop() ?? value;
  const href = `?${new URLSearchParams({ value: target })}`;
  return (
    <a
      class="copy find"
      href={href}
      aria-label={`Find records that point at ${target}`}
      title={`Find records that point at ${target}`}
      onClick={(e) => {
        if (e.metaKey || e.ctrlKey || e.shiftKey) return;
        e.preventDefault();
        onFind(target);
      }}
    >
      {SEARCH_ICON}
    </a>
  );
}

function Details({
  r,
  now,
  onFind,
  accounts,
}: {
  r: RecordView;
  now: number;
  onFind: (v: string) => void;
  accounts: AccountView[];
}) {
  const routing = routingParts(r.routing);
  const acct = accounts.find((a) => a.account_id === r.account_id) ?? null;
  return (
    <dl class="details">
      <dt>Account</dt>
      <dd data-testid="drawer-account">
        {r.account_id ? (
          <>
            {r.account_name && <span>{r.account_name} </span>}
            <span class={r.account_name ? "mono muted" : "mono"}>{r.account_id}</span>
            <CopyButton text={r.account_id} label="account id" />
            {acct && isUnreadable(acct) && (
              <div class="account-problem small">
                This account cannot be read ({statusText(acct.status)}
                {acct.last_success_at ? `; last read ${timeAgo(acct.last_success_at, now)}` : ""}
                ): this record may be stale.
              </div>
            )}
          </>
        ) : (
          <span class="muted">not known</span>
        )}
      </dd>
      <dt>Zone</dt>
      <dd class="mono">
        {r.zone_name} <span class="muted">{r.zone_id}</span>
        <CopyButton text={r.zone_id} label="zone id" />
        {r.private_zone && <span class="badge private">private</span>}
      </dd>
      <dt>TTL</dt>
      <dd class="mono">{r.ttl ?? "—"}</dd>
      <dt>Routing</dt>
      <dd>
        {routingPolicy(r.routing)}
        {routing.map(([k, v]) => (
          <span class="chip" key={k}>
            <span class="chip-k">{k}</span> <span class="mono">{v}</span>
          </span>
        ))}
      </dd>
      {r.alias_target ? (
        <>
          <dt>Alias target</dt>
          <dd class="mono">
            {r.alias_target.dns_name}
            <CopyButton text={r.alias_target.dns_name} label="alias target" />
            <PointsHere value={r.alias_target.dns_name} onFind={onFind} />
            <div class="muted small">
              zone {r.alias_target.hosted_zone_id} · evaluate target health:{" "}
              {r.alias_target.evaluate_target_health ? "yes" : "no"}
            </div>
          </dd>
        </>
      ) : (
        <>
          <dt>Values</dt>
          <dd>
            <ul class="value-list mono">
              {r.values.map((v, i) => (
                <li key={i}>
                  <span>{v}</span>
                  <CopyButton text={v} label="value" />
                  <PointsHere value={v} onFind={onFind} />
                </li>
              ))}
            </ul>
          </dd>
        </>
      )}
      <dt>First seen</dt>
      <dd>
        <TimeAgo ts={r.first_seen_at} now={now} />{" "}
        <span class="muted small">{formatUtc(r.first_seen_at)}</span>
      </dd>
      <dt>Observed</dt>
      <dd>
        <TimeAgo ts={r.observed_at} now={now} />{" "}
        <span class="muted small">{formatUtc(r.observed_at)}</span>
      </dd>
      {r.deleted_at && (
        <>
          <dt>Deleted</dt>
          <dd class="deleted-time">
            <TimeAgo ts={r.deleted_at} now={now} />{" "}
            <span class="small">{formatUtc(r.deleted_at)}</span>
          </dd>
        </>
      )}
    </dl>
  );
}

export function RecordDrawer(props: {
  id: number;
  marker: number | null;
  now: number;
  onClose: () => void;
  onFindValue: (value: string) => void;
  accounts: AccountView[];
  /** Whether `/api/me` says this user may edit annotations (else no edit controls at all). */
  canEdit: boolean;
  /** Who edits are recorded as, for the optimistic "last edited by". */
  who: string | null;
  /** The table's row follows an edit at once (and back on an error). */
  onAnnotation: (id: number, o: AnnotationOverride) => void;
}) {
  const api = useApi();
  const { id, marker, onClose, onAnnotation } = props;
  const [reload, setReload] = useState(0);
  const [editing, setEditing] = useState(false);
  const [saving, setSaving] = useState(false);
  const [editError, setEditError] = useState<string | null>(null);
  // After an edit, the row takes the record's annotation as the API then reads it (a clear
  // shows the zone's again).
  const syncRow = useRef(false);
  const [data, setData] = useState<Loaded>({
    record: null,
    history: null,
    error: null,
    historyError: null,
  });
  const panel = useRef<HTMLDivElement>(null);
  const closeBtn = useRef<HTMLButtonElement>(null);
  const loadedId = useRef<number | null>(null);

  // Load the record and its history; again, quietly, when a change arrives.
  useEffect(() => {
    const c = new AbortController();
    if (loadedId.current !== id) {
      setData({ record: null, history: null, error: null, historyError: null });
      setEditing(false);
      setEditError(null);
    }
    loadedId.current = id;
    api.record(id, c.signal).then(
      (record) => {
        setData((d) => ({ ...d, record, error: null }));
        if (syncRow.current) {
          syncRow.current = false;
          onAnnotation(id, { annotation: record.annotation, at: Date.now() });
        }
      },
      (e) => !isAbort(e) && setData((d) => ({ ...d, error: (e as Error).message })),
    );
    api.history(id, c.signal).then(
      (page) =>
        setData((d) => ({ ...d, history: [...page.items].sort(byNewest), historyError: null })),
      (e) => !isAbort(e) && setData((d) => ({ ...d, historyError: (e as Error).message })),
    );
    return () => c.abort();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [api, id, marker, reload]);

  /**
   * Save (`fields`) or clear (`null`) the record's own annotation, optimistically: the drawer
   * and the table show it at once, and go back to what was there when the API refuses it.
   */
  const edit = (fields: AnnotationFields | null) => {
    const before = data.record;
    if (!before || saving) return;
    const shown = withAnnotation(before, fields, props.who ?? "you", new Date().toISOString());
    setData((d) => ({ ...d, record: shown }));
    onAnnotation(id, { annotation: shown.annotation, at: Date.now() });
    setSaving(true);
    setEditError(null);
    const done = fields
      ? api.putAnnotation("records", id, fields).then((a) => ({ ...a, inherited: false }))
      : api.deleteAnnotation("records", id).then(() => null);
    done.then(
      (annotation) => {
        setSaving(false);
        setEditing(false);
        setData((d) => (d.record?.id === id ? { ...d, record: { ...d.record, annotation } } : d));
        onAnnotation(id, { annotation, at: Date.now() });
        syncRow.current = true;
        setReload((n) => n + 1);
      },
      (e: Error) => {
        setSaving(false);
        setData((d) => (d.record?.id === id ? { ...d, record: before } : d));
        onAnnotation(id, { annotation: before.annotation, at: Date.now() });
        setEditError(e.message);
      },
    );
  };

  // Focus moves into the dialog when it opens and back to where it was when it closes.
  useEffect(() => {
    const opener = document.activeElement as HTMLElement | null;
    closeBtn.current?.focus();
    return () => {
      const row = document.querySelector<HTMLElement>(`tr[data-record-id="${id}"] .name-link`);
      const back = opener && document.contains(opener) && opener !== document.body ? opener : row;
      back?.focus();
    };
  }, [id]);

  const onKeyDown = (e: KeyboardEvent) => {
    if (e.key === "Escape") {
      e.preventDefault();
      onClose();
      return;
    }
    if (e.key !== "Tab" || !panel.current) return;
    const items = [...panel.current.querySelectorAll<HTMLElement>(FOCUSABLE)].filter(
      (el) => el.offsetParent !== null,
    );
    const first = items[0];
    const last = items[items.length - 1];
    if (!first || !last) return;
    if (e.shiftKey && document.activeElement === first) {
      e.preventDefault();
      last.focus();
    } else if (!e.shiftKey && document.activeElement === last) {
      e.preventDefault();
      first.focus();
    }
  };

  const r = data.record;
  return (
    // biome-ignore lint/a11y/noStaticElementInteractions: the layer only catches Esc and Tab wherever focus is in the drawer or its backdrop (the focus trap); the dialog inside it is the interactive element
    <div class="drawer-layer" onKeyDown={onKeyDown}>
      <div class="backdrop" onClick={onClose} aria-hidden="true" />
      <div
        class="drawer"
        role="dialog"
        aria-modal="true"
        aria-labelledby="drawer-title"
        ref={panel}
        data-testid="record-drawer"
      >
        <header class="drawer-head">
          <div class="drawer-title-wrap">
            <h2 id="drawer-title" class="mono">
              {r ? r.name : data.error ? "Record" : "Loading…"}
              {r && <CopyButton text={r.name} label="name" />}
            </h2>
            {r && (
              <div class="drawer-sub">
                <TypeBadge type={r.type} />
                {r.set_identifier && (
                  <span class="mono setid" title="Set identifier">
                    {r.set_identifier}
                  </span>
                )}
                {r.deleted_at && <span class="badge deleted-badge">deleted</span>}
                <span class="muted small">id {r.id}</span>
              </div>
            )}
          </div>
          <button
            type="button"
            class="icon-btn"
            ref={closeBtn}
            onClick={onClose}
            aria-label="Close record (Esc)"
            title="Close (Esc)"
          >
            <svg viewBox="0 0 16 16" aria-hidden="true">
              <path d="M4 4l8 8M12 4l-8 8" stroke="currentColor" stroke-width="1.6" />
            </svg>
          </button>
        </header>
        <div class="drawer-body">
          {data.error ? (
            <ErrorBox message={data.error} />
          ) : r ? (
            <>
              <RecordFindings findings={r.findings} />
              <Ownership
                annotation={r.annotation}
                attribution={r.attribution}
                now={props.now}
                canEdit={props.canEdit}
                editing={editing}
                saving={saving}
                error={editError}
                onEdit={(open) => {
                  setEditing(open);
                  setEditError(null);
                }}
                onSave={edit}
                onClear={() => edit(null)}
              />
              <Details r={r} now={props.now} onFind={props.onFindValue} accounts={props.accounts} />
            </>
          ) : (
            <Spinner label="Loading record" />
          )}
          <h3>History</h3>
          {data.historyError ? (
            <ErrorBox message={data.historyError} />
          ) : data.history === null ? (
            <Spinner label="Loading history" />
          ) : data.history.length === 0 ? (
            <p class="muted">No recorded changes.</p>
          ) : (
            <Timeline entries={data.history} now={props.now} />
          )}
        </div>
      </div>
    </div>
  );
}
