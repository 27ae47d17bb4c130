import { useCallback, useEffect, useRef, useState } from "preact/hooks";
import { useApi } from "../hooks.ts";
import { accountShort } from "../lib/accounts.ts";
import { isAbort } from "../lib/api.ts";
import type { AccountView, FeedItem } from "../lib/schemas.ts";
import { AccountSelect } from "./Accounts.tsx";
import { formatUtc } from "../lib/time.ts";
import { Empty, ErrorBox, Spinner, TimeAgo } from "./common.tsx";
import { ChangeTitle, Diff, EntryHead } from "./History.tsx";
import { recordHref } from "./RecordsTable.tsx";

const FEED_PAGE = 50;

interface FeedState {
  items: FeedItem[];
  cursor: string | null;
  status: "loading" | "ready" | "error";
  error: string | null;
  loadingMore: boolean;
}

/**
 * The change feed of every account (or of one: `account`), newest first; new changes slide in
 * at the top as they arrive. Give it a `key` of the account, so another account starts afresh.
 */
export function ChangeFeed(props: {
  marker: number | null;
  now: number;
  onOpen: (id: number) => void;
  account: string;
  accounts: AccountView[];
  onAccount: (account: string) => void;
}) {
  const { account } = props;
  const api = useApi();
  const [st, setSt] = useState<FeedState>({
    items: [],
    cursor: null,
    status: "loading",
    error: null,
    loadingMore: false,
  });
  const [fresh, setFresh] = useState<Set<number>>(new Set());
  const stRef = useRef(st);
  stRef.current = st;

  const load = useCallback(
    (signal: AbortSignal, merge: boolean) => {
      api.changes(null, FEED_PAGE, signal, account).then(
        (page) => {
          const cur = stRef.current;
          if (merge && cur.status === "ready" && cur.items.length) {
            const known = new Set(cur.items.map((c) => c.id));
            const added = page.items.filter((c) => !known.has(c.id));
            if (!added.length) return;
            setFresh(new Set(added.map((c) => c.id)));
            setTimeout(() => setFresh(new Set()), 2500);
            setSt({ ...cur, items: [...added, ...cur.items] });
          } else {
            setSt({
              items: page.items,
              cursor: page.next_cursor,
              status: "ready",
              error: null,
              loadingMore: false,
            });
          }
        },
        (e) => {
          if (isAbort(e) || merge) return;
          setSt((s) => ({ ...s, status: "error", error: (e as Error).message }));
        },
      );
    },
    [api, account],
  );

  const first = useRef(true);
  useEffect(() => {
    const c = new AbortController();
    load(c.signal, !first.current);
    first.current = false;
    return () => c.abort();
  }, [load, props.marker]);

  const loadMore = () => {
    const s = stRef.current;
    if (!s.cursor || s.loadingMore) return;
    setSt({ ...s, loadingMore: true });
    api.changes(s.cursor, FEED_PAGE, undefined, account).then(
      (page) =>
        setSt((cur) => {
          const known = new Set(cur.items.map((c) => c.id));
          return {
            ...cur,
            items: [...cur.items, ...page.items.filter((c) => !known.has(c.id))],
            cursor: page.next_cursor,
            loadingMore: false,
          };
        }),
      (e) => setSt((cur) => ({ ...cur, loadingMore: false, error: (e as Error).message })),
    );
  };

  return (
    <section class="feed" aria-labelledby="feed-heading">
      <div class="table-head">
        <h2 id="feed-heading">Change feed</h2>
        <span class="count muted">newest first · live</span>
        <span class="table-head-end">
          <AccountSelect
            id="feed-account"
            accounts={props.accounts}
            value={account}
            onChange={props.onAccount}
            compact
          />
        </span>
      </div>
      {st.status === "loading" ? (
        <Spinner label="Loading changes" />
      ) : st.status === "error" && st.error ? (
        <ErrorBox message={st.error} onRetry={() => load(new AbortController().signal, false)} />
      ) : st.items.length === 0 ? (
        <Empty>
          <strong>No changes yet.</strong> Changes appear here as CloudTrail events and sweeps
          record them.
        </Empty>
      ) : (
        <ol class="feed-list" data-testid="change-feed">
          {st.items.map((c) => {
            const id = c.record_id;
            return (
              <li
                key={c.id}
                class={`feed-item action-${c.action}${fresh.has(c.id) ? " flash" : ""}`}
              >
                <div class="feed-when">
                  <TimeAgo ts={c.observed_at} now={props.now} />
                  <span class="small muted">
                    {formatUtc(c.observed_at).replace(/\.\d+/, "").replace(" UTC", "")}
                  </span>
                </div>
                <div class="feed-body">
                  <div class="feed-title">
                    <a
                      href={recordHref(id)}
                      onClick={(e) => {
                        if (e.metaKey || e.ctrlKey || e.shiftKey) return;
                        e.preventDefault();
                        props.onOpen(id);
                      }}
                    >
                      <ChangeTitle c={c} />
                    </a>
                    {props.accounts.length > 1 && !account && (
                      <span
                        class="feed-account muted small"
                        title={`Account ${c.account_name ? `${c.account_name} (${c.account_id})` : (c.account_id ?? "not known")}`}
                      >
                        {accountShort(c.account_id, c.account_name)}
                      </span>
                    )}
                  </div>
                  <EntryHead entry={c} now={props.now} compact />
                  <Diff entry={c} />
                </div>
              </li>
            );
          })}
        </ol>
      )}
      {st.status === "ready" && st.items.length > 0 && (
        <div class="table-foot">
          {st.cursor ? (
            <button type="button" class="btn" onClick={loadMore} disabled={st.loadingMore}>
              {st.loadingMore && <Spinner label="Loading more" />} Older changes
            </button>
          ) : (
            <span class="muted">Beginning of history</span>
          )}
        </div>
      )}
    </section>
  );
}
