import { annotationChanges, FIELD_LABELS } from "../lib/annotations.ts";
import { diffRecords, type FieldChange } from "../lib/diff.ts";
import { actorLabel } from "../lib/format.ts";
import { BACKFILL_TITLE, entryHeadline } from "../lib/history.ts";
import type { ChangeView, FeedItem, RecordContent } from "../lib/schemas.ts";
import { ActionBadge, CopyButton, SourceBadge, TimeAgo, TypeBadge } from "./common.tsx";

/** The `backfill` badge: the entry was read from CloudTrail's event history, not seen live. */
export function ViaBadge({ via }: { via: string | null }) {
  if (via !== "backfill") return null;
  return (
    <span class="badge via-backfill" title={BACKFILL_TITLE} data-testid="via-backfill">
      backfill
    </span>
  );
}

/**
 * The entry's action; for an update whose state before is unknown (a record first known from a
 * Route 53 UPSERT), "changed" and not "created".
 */
function EntryAction({ entry }: { entry: ChangeView }) {
  const { label } = entryHeadline(entry);
  return entry.before_unknown ? (
    <span class="badge action-update" title="The state before this change is unknown">
      {label}
    </span>
  ) : (
    <ActionBadge action={entry.action} />
  );
}

function DiffRow({ c }: { c: FieldChange }) {
  if (c.kind === "set") {
    return (
      <tr>
        <th scope="row">{c.field}</th>
        <td>
          <ul class="set-diff">
            {c.removed.map((v) => (
              <li class="del" key={`-${v}`}>
                <span class="sign" role="img" aria-label="removed">
                  −
                </span>
                {v}
              </li>
            ))}
            {c.added.map((v) => (
              <li class="add" key={`+${v}`}>
                <span class="sign" role="img" aria-label="added">
                  +
                </span>
                {v}
              </li>
            ))}
            {c.kept.map((v) => (
              <li class="kept" key={`=${v}`}>
                <span class="sign" role="img" aria-label="unchanged">
                  ·
                </span>
                {v}
              </li>
            ))}
          </ul>
        </td>
      </tr>
    );
  }
  return (
    <tr>
      <th scope="row">{c.field}</th>
      <td>
        {c.before !== null && <span class={c.after === null ? "del gone" : "del"}>{c.before}</span>}
        {c.before !== null && c.after !== null && (
          <span class="arrow" role="img" aria-label="changed to">
            {" → "}
          </span>
        )}
        {c.after !== null && <span class="add">{c.after}</span>}
      </td>
    </tr>
  );
}

export function Diff({ entry }: { entry: ChangeView }) {
  return <FieldDiff before={entry.before} after={entry.after} />;
}

/** The fields that differ between two states of a record set (a change, or a diff's item). */
export function FieldDiff({
  before,
  after,
}: {
  before: RecordContent | null;
  after: RecordContent | null;
}) {
  const changes = diffRecords(before, after);
  if (!changes.length) return <p class="muted small">No field changed.</p>;
  return (
    <table class="diff mono" data-testid="diff">
      <caption class="visually-hidden">Fields changed, before and after</caption>
      <tbody>
        {changes.map((c) => (
          <DiffRow c={c} key={c.field} />
        ))}
      </tbody>
    </table>
  );
}

export function Who({ entry }: { entry: ChangeView }) {
  const label = actorLabel(entry.actor, entry.source);
  return (
    <span class="who">
      {entry.actor ? (
        <>
          by{" "}
          <span
            class="actor mono"
            title={entry.actor_role ? `${entry.actor}\nrole: ${entry.actor_role}` : entry.actor}
          >
            {label}
          </span>
          <CopyButton text={entry.actor} label="actor ARN" />
        </>
      ) : (
        <span class="muted">{label}</span>
      )}
    </span>
  );
}

export function EntryHead({
  entry,
  now,
  compact,
}: {
  entry: ChangeView;
  now: number;
  compact?: boolean;
}) {
  return (
    <div class="entry-head">
      {!compact && <EntryAction entry={entry} />}
      <SourceBadge source={entry.source} />
      <ViaBadge via={entry.via} />
      {!compact && <TimeAgo ts={entry.observed_at} now={now} />}
      <Who entry={entry} />
      {entry.event_id && (
        <span class="event-id mono" title={`CloudTrail event ${entry.event_id}`}>
          event {entry.event_id.slice(0, 8)}
          <CopyButton text={entry.event_id} label="event id" />
        </span>
      )}
    </div>
  );
}

/** The fields an ownership edit changed, before → after (as text). */
export function AnnotationDiff({ entry }: { entry: ChangeView }) {
  const changes = annotationChanges(entry.annotation_before, entry.annotation_after);
  if (!changes.length) return <p class="muted small">No field changed.</p>;
  return (
    <table class="diff mono ann-diff" data-testid="annotation-diff">
      <caption class="visually-hidden">Ownership fields changed, before and after</caption>
      <tbody>
        {changes.map((c) => (
          <tr key={c.field}>
            <th scope="row">{FIELD_LABELS[c.field].toLowerCase()}</th>
            <td>
              {c.before !== null && (
                <span class={c.after === null ? "del gone" : "del"}>{c.before}</span>
              )}
              {c.before !== null && c.after !== null && (
                <span class="arrow" role="img" aria-label="changed to">
                  {" → "}
                </span>
              )}
              {c.after !== null && <span class="add">{c.after}</span>}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** An ownership edit: "Ownership edited by alice@example.com", when, and what changed. */
function AnnotationEntry({ entry, now }: { entry: ChangeView; now: number }) {
  return (
    <>
      <div class="entry-head">
        <span class="badge action-annotation">ownership</span>
        <TimeAgo ts={entry.observed_at} now={now} />
        <span class="who" data-testid="annotation-entry-title">
          Ownership edited by <span class="actor mono">{entry.actor ?? "unknown"}</span>
        </span>
      </div>
      <AnnotationDiff entry={entry} />
    </>
  );
}

export function Timeline({ entries, now }: { entries: ChangeView[]; now: number }) {
  return (
    <ol class="timeline" data-testid="history">
      {entries.map((e) =>
        e.action === "annotation" ? (
          <li class="entry action-annotation annotation-entry" key={`${e.action}-${e.id}`}>
            <AnnotationEntry entry={e} now={now} />
          </li>
        ) : (
          <li
            class={`entry action-${e.action}${e.before_unknown ? " before-unknown" : ""}`}
            key={`${e.action}-${e.id}`}
          >
            <EntryHead entry={e} now={now} />
            {e.before_unknown && (
              <p class="muted small before-unknown-note" data-testid="before-unknown">
                {entryHeadline(e).note}
              </p>
            )}
            {e.comment && (
              <p
                class="entry-comment small"
                data-testid="change-comment"
                title="Change batch comment"
              >
                “{e.comment}”
              </p>
            )}
            <Diff entry={e} />
          </li>
        ),
      )}
    </ol>
  );
}

export function ChangeTitle({ c }: { c: FeedItem }) {
  return (
    <span class="change-title">
      <ActionBadge action={c.action} /> <span class="mono name">{c.name}</span>{" "}
      <TypeBadge type={c.type} />
      {c.set_identifier && <span class="mono setid"> {c.set_identifier}</span>}
      <span class="muted zone mono"> in {c.zone_name ?? c.zone_id}</span>
    </span>
  );
}
