// The records view in the past (issue 18): the "As of" control, the banner that says the
// inventory shown is of a past time (with the way back to now), and "Restore to this point":
// the change batches and the exact commands that put a zone back as it was.
import { useEffect, useId, useState } from "preact/hooks";
import type { Navigate } from "../hooks.ts";
import { useApi } from "../hooks.ts";
import { isAbort } from "../lib/api.ts";
import {
  batchFileName,
  batchJson,
  commandsScript,
  fromInputValue,
  isFuture,
  type RestoreView,
  summaryLine,
  toInputValue,
  zoneFileName,
} from "../lib/timetravel.ts";
import { formatUtc } from "../lib/time.ts";
import { CopyTextButton, downloadText, ErrorBox, Spinner } from "./common.tsx";

/**
 * The "As of" control: a date and time (UTC, to the second) that puts the records view in
 * the past. Submitting sets `?as_of=`; "Now" takes it away.
 */
export function AsOfControl({ asOf, navigate }: { asOf: string; navigate: Navigate }) {
  const [value, setValue] = useState(toInputValue(asOf));
  const [error, setError] = useState<string | null>(null);
  // Back/Forward and "Back to now" change the URL under the input.
  useEffect(() => {
    setValue(toInputValue(asOf));
    setError(null);
  }, [asOf]);
  const submit = (e: Event) => {
    e.preventDefault();
    const ts = fromInputValue(value);
    if (!ts) {
      setError("Enter a date and time (UTC).");
      return;
    }
    if (isFuture(ts, Date.now())) {
      setError("That time is in the future: the inventory is only known up to now.");
      return;
    }
    setError(null);
    navigate({ as_of: ts, record: null });
  };
  return (
    <form class="asof-control" onSubmit={submit} aria-label="Time travel">
      <label for="f-as-of">As of (UTC)</label>
      <input
        id="f-as-of"
        type="datetime-local"
        step={1}
        value={value}
        onInput={(e) => setValue(e.currentTarget.value)}
        aria-describedby={error ? "f-as-of-error" : undefined}
        aria-invalid={error ? true : undefined}
      />
      <button type="submit" class="btn small">
        View as of
      </button>
      {asOf && (
        <button
          type="button"
          class="btn ghost small"
          onClick={() => navigate({ as_of: "", record: null })}
        >
          Now
        </button>
      )}
      {error && (
        <span id="f-as-of-error" class="error-message small" role="alert">
          {error}
        </span>
      )}
    </form>
  );
}

/** The zone's master file, now or as of a time; fetched with the token when signed in. */
export function ZoneFileLink({
  zone,
  zoneName,
  asOf,
  withToken,
}: {
  zone: string;
  zoneName: string | null;
  asOf: string;
  withToken: boolean;
}) {
  const api = useApi();
  const url = api.zoneFileUrl(zone, asOf);
  const name = zoneFileName(zoneName, zone);
  return (
    <a
      class="btn small"
      href={url}
      download={name}
      data-testid="zonefile-link"
      onClick={
        withToken
          ? (e) => {
              e.preventDefault();
              api
                .download(url, name, "text/plain")
                .catch((err: Error) => alert(`Zone file download failed: ${err.message}`));
            }
          : undefined
      }
    >
      Download zone file
    </a>
  );
}

/** Says that the records shown are of a past time, with the way back and what to do next. */
export function AsOfBanner(props: {
  asOf: string;
  zone: string;
  zoneName: string | null;
  navigate: Navigate;
  withToken: boolean;
}) {
  const { asOf, zone, navigate } = props;
  const [restoring, setRestoring] = useState(false);
  const titleId = useId();
  // Another zone or time: the panel is of the old one.
  useEffect(() => setRestoring(false), [asOf, zone]);
  return (
    <section class="asof-banner" aria-labelledby={titleId} data-testid="asof-banner">
      <div class="asof-line">
        <div role="status">
          <h2 id={titleId}>
            Viewing the inventory as of <time dateTime={asOf}>{formatUtc(asOf)}</time>
          </h2>
        </div>
        <div class="asof-actions">
          <button
            type="button"
            class="btn small primary"
            onClick={() => navigate({ as_of: "", record: null })}
          >
            Back to now
          </button>
          <a
            class="btn small"
            href={`?${new URLSearchParams({ view: "diff", from: asOf, ...(zone ? { zone } : {}) })}`}
            onClick={(e) => {
              if (e.metaKey || e.ctrlKey || e.shiftKey) return;
              e.preventDefault();
              navigate({ view: "diff", from: asOf, to: "", record: null });
            }}
          >
            Compare with now
          </a>
          {zone ? (
            <>
              <button
                type="button"
                class="btn small"
                aria-expanded={restoring}
                aria-controls="restore-panel"
                onClick={() => setRestoring((r) => !r)}
              >
                Restore to this point
              </button>
              <ZoneFileLink
                zone={zone}
                zoneName={props.zoneName}
                asOf={asOf}
                withToken={props.withToken}
              />
            </>
          ) : (
            <span class="muted small">
              Pick a zone to restore it to this point or download its zone file.
            </span>
          )}
        </div>
      </div>
      <p class="muted small">
        Records, zones and the CSV export show each record set as it was then; live updates are
        paused.
      </p>
      {restoring && zone && (
        <RestorePanel zone={zone} to={asOf} onClose={() => setRestoring(false)} />
      )}
    </section>
  );
}

type Restore =
  | { status: "loading" }
  | { status: "error"; error: string }
  | { status: "ready"; view: RestoreView };

/** What `/api/zones/{id}/restore?to=` answers: the summary, each batch, the commands. */
export function RestorePanel({
  zone,
  to,
  onClose,
}: {
  zone: string;
  to: string;
  onClose: () => void;
}) {
  const api = useApi();
  const [st, setSt] = useState<Restore>({ status: "loading" });
  const [epoch, setEpoch] = useState(0);
  useEffect(() => {
    const c = new AbortController();
    setSt({ status: "loading" });
    api.restore(zone, to, c.signal).then(
      (view) => setSt({ status: "ready", view }),
      (e) => {
        if (!isAbort(e)) setSt({ status: "error", error: (e as Error).message });
      },
    );
    return () => c.abort();
  }, [api, zone, to, epoch]);

  return (
    <section
      id="restore-panel"
      class="restore-panel panel"
      aria-labelledby="restore-title"
      data-testid="restore-panel"
    >
      <div class="restore-head">
        <h3 id="restore-title">
          Restore{" "}
          {st.status === "ready" ? <span class="mono">{st.view.zone_name}</span> : "the zone"} to{" "}
          {formatUtc(to)}
        </h3>
        <button type="button" class="btn ghost small" onClick={onClose}>
          Close restore
        </button>
      </div>
      {st.status === "loading" && <Spinner label="Planning the restore" />}
      {st.status === "error" && (
        <ErrorBox message={st.error} onRetry={() => setEpoch((n) => n + 1)} />
      )}
      {st.status === "ready" && <RestoreBody view={st.view} />}
    </section>
  );
}

function RestoreBody({ view }: { view: RestoreView }) {
  const { summary, batches, commands, skipped } = view;
  const downloadAll = () => {
    batches.forEach((b, i) => {
      // One download per batch; a short pause so the browser does not merge them.
      setTimeout(() => downloadText(batchFileName(i), batchJson(b)), i * 250);
    });
  };
  return (
    <>
      <p class="restore-summary" data-testid="restore-summary">
        <strong>{summaryLine(summary)}</strong>
        <span class="muted small">
          {" "}
          (from the zone now back to its state at {formatUtc(view.to)}; the apex SOA and NS are
          never touched)
        </span>
      </p>
      <dl class="restore-counts">
        <div>
          <dt>Creates</dt>
          <dd data-testid="restore-creates">{summary.creates}</dd>
        </div>
        <div>
          <dt>Deletes</dt>
          <dd data-testid="restore-deletes">{summary.deletes}</dd>
        </div>
        <div>
          <dt>Upserts</dt>
          <dd data-testid="restore-upserts">{summary.upserts}</dd>
        </div>
        <div>
          <dt>Batches</dt>
          <dd data-testid="restore-batches">{summary.batches}</dd>
        </div>
      </dl>
      {skipped.length > 0 && (
        <div class="restore-skipped">
          <h4>Not restored ({skipped.length})</h4>
          <ul>
            {skipped.map((s) => (
              <li key={`${s.name} ${s.type} ${s.set_identifier ?? ""}`}>
                <span class="mono">{s.name}</span> {s.type}
                {s.set_identifier && <span class="mono setid"> {s.set_identifier}</span>}:{" "}
                {s.reason}
              </li>
            ))}
          </ul>
        </div>
      )}
      {batches.length > 0 && (
        <>
          <div class="restore-commands">
            <h4>Commands</h4>
            <p class="muted small">
              Save each batch under its file name, then run these in that directory, in order:
            </p>
            <pre class="mono" data-testid="restore-commands">
              {commandsScript(commands)}
            </pre>
            <div class="restore-buttons">
              <CopyTextButton text={commandsScript(commands)}>Copy commands</CopyTextButton>
              <button type="button" class="btn small" onClick={downloadAll}>
                Download {batches.length === 1 ? "the batch" : `all ${batches.length} batches`}
              </button>
            </div>
          </div>
          <ol class="restore-batches">
            {batches.map((b, i) => {
              const file = batchFileName(i);
              const json = batchJson(b);
              return (
                <li key={file} data-testid="restore-batch">
                  <div class="batch-head">
                    <h4>
                      Batch {i + 1} of {batches.length}{" "}
                      <span class="muted mono small">
                        {file} · {b.Changes.length} change{b.Changes.length === 1 ? "" : "s"}
                      </span>
                    </h4>
                    <CopyTextButton text={json} label={`Copy batch ${i + 1} JSON`}>
                      Copy JSON
                    </CopyTextButton>
                    <button
                      type="button"
                      class="btn small"
                      onClick={() => downloadText(file, json)}
                    >
                      Download {file}
                    </button>
                    <CopyTextButton text={commands[i] ?? ""} label={`Copy batch ${i + 1} command`}>
                      Copy command
                    </CopyTextButton>
                  </div>
                  <section class="batch-json" aria-label={`${file} contents`}>
                    <pre class="mono">{json}</pre>
                  </section>
                </li>
              );
            })}
          </ol>
        </>
      )}
    </>
  );
}
