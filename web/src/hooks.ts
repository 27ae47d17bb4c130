import { createContext } from "preact";
import { useCallback, useContext, useEffect, useRef, useState } from "preact/hooks";
import { type Api, isAbort } from "./lib/api.ts";
import type { AccountView, Stats } from "./lib/schemas.ts";
import { parseUrlState, serializeUrlState, shouldReplace, type UrlState } from "./lib/urlState.ts";

export const ApiContext = createContext<Api | null>(null);

export function useApi(): Api {
  const api = useContext(ApiContext);
  if (!api) throw new Error("ApiContext missing");
  return api;
}

export type Navigate = (
  patch: Partial<UrlState>,
  opts?: { field?: string; replace?: boolean },
) => void;

/** The URL is the state: read it, write it with pushState, follow Back and Forward. */
export function useUrlState(): [UrlState, Navigate] {
  const [state, setState] = useState(() => parseUrlState(location.search));
  const last = useRef<{ field: string | null; at: number }>({ field: null, at: 0 });

  // A malformed `?account=` (not 12 digits) is ignored, and taken out of the address bar so
  // the link that is copied is the view that is shown.
  // So is a time (`as_of`, `from`, `to`) that is not RFC 3339; one with an offset is written
  // in UTC.
  useEffect(() => {
    const raw = new URLSearchParams(location.search);
    const parsed = parseUrlState(location.search);
    const account = raw.get("account");
    const times = (["as_of", "from", "to"] as const).some((k) => {
      const v = raw.get(k);
      return v !== null && v.trim() !== parsed[k];
    });
    if ((account !== null && account.trim() !== parsed.account) || times) {
      const qs = serializeUrlState(parseUrlState(location.search));
      history.replaceState(null, "", location.pathname + qs + location.hash);
    }
  }, []);

  useEffect(() => {
    const onPop = () => {
      last.current = { field: null, at: 0 };
      setState(parseUrlState(location.search));
    };
    addEventListener("popstate", onPop);
    return () => removeEventListener("popstate", onPop);
  }, []);

  const navigate = useCallback<Navigate>((patch, opts = {}) => {
    const next = { ...parseUrlState(location.search), ...patch };
    const qs = serializeUrlState(next);
    if (qs !== location.search) {
      const now = Date.now();
      const field = opts.field ?? null;
      const replace = opts.replace ?? shouldReplace(last.current, field, now);
      const url = location.pathname + qs + location.hash;
      if (replace) history.replaceState(null, "", url);
      else history.pushState(null, "", url);
      last.current = { field, at: now };
    }
    setState(parseUrlState(location.search));
  }, []);

  return [state, navigate];
}

/** The current time, ticking, so "3 s ago" stays true while the page is open. */
export function useNow(intervalMs = 1000): number {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), intervalMs);
    return () => clearInterval(t);
  }, [intervalMs]);
  return now;
}

export interface Live {
  stats: Stats | null;
  error: string | null;
  /** The newest change's id: it moves when a change arrives. */
  marker: number | null;
  newestChangeAt: string | null;
  /** When the last poll succeeded (epoch ms). */
  polledAt: number | null;
}

export const LIVE_POLL_MS = 5000;

/**
 * Poll `/api/stats` and the head of `/api/changes` every few seconds, while the tab is
 * visible. The head of the change feed is what tells the rest of the page that something
 * changed: it moves on every create, update or delete, whatever the stats report.
 */
export function useLive(api: Api, account = "", intervalMs = LIVE_POLL_MS): Live {
  const [live, setLive] = useState<Live>({
    stats: null,
    error: null,
    marker: null,
    newestChangeAt: null,
    polledAt: null,
  });

  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    let ctrl: AbortController | null = null;
    let stopped = false;

    const poll = async () => {
      clearTimeout(timer);
      ctrl?.abort();
      ctrl = new AbortController();
      // Each answer counts on its own: stats failing must not stop change detection.
      const signal = ctrl.signal;
      const [stats, head] = await Promise.allSettled([
        api.stats(signal, account),
        api.changes(null, 1, signal, account),
      ]);
      if (signal.aborted) return;
      const failed = [stats, head].find((r): r is PromiseRejectedResult => r.status === "rejected");
      if (failed && isAbort(failed.reason)) return;
      setLive((l) => {
        const top = head.status === "fulfilled" ? head.value.items[0] : undefined;
        return {
          stats: stats.status === "fulfilled" ? stats.value : l.stats,
          error: failed ? (failed.reason as Error).message : null,
          marker: head.status === "fulfilled" ? (top?.id ?? null) : l.marker,
          newestChangeAt:
            head.status === "fulfilled" ? (top?.observed_at ?? null) : l.newestChangeAt,
          polledAt: failed ? l.polledAt : Date.now(),
        };
      });
      if (!stopped && !document.hidden) timer = setTimeout(poll, intervalMs);
    };
    const onVisible = () => {
      if (!document.hidden) void poll();
      else clearTimeout(timer);
    };
    void poll();
    document.addEventListener("visibilitychange", onVisible);
    return () => {
      stopped = true;
      clearTimeout(timer);
      ctrl?.abort();
      document.removeEventListener("visibilitychange", onVisible);
    };
  }, [api, account, intervalMs]);

  return live;
}

export interface Accounts {
  items: AccountView[];
  /** Set when `/api/accounts` failed (an API without accounts answers 404). */
  error: string | null;
  loaded: boolean;
}

export const ACCOUNTS_POLL_MS = 60_000;

/**
 * `/api/accounts`, every account whatever the filter: on load, every minute, and at once when
 * `trigger` changes (the stats' sweep time and account summary: a sweep reported on an account).
 */
export function useAccounts(api: Api, trigger: string, intervalMs = ACCOUNTS_POLL_MS): Accounts {
  const [st, setSt] = useState<Accounts>({ items: [], error: null, loaded: false });
  useEffect(() => {
    const c = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const poll = () => {
      clearTimeout(timer);
      api.accounts(c.signal).then(
        (items) => setSt({ items, error: null, loaded: true }),
        (e) => {
          if (isAbort(e)) return;
          setSt((s) => ({ ...s, error: (e as Error).message, loaded: true }));
        },
      );
      timer = setTimeout(poll, intervalMs);
    };
    poll();
    return () => {
      clearTimeout(timer);
      c.abort();
    };
  }, [api, trigger, intervalMs]);
  return st;
}

/** A value that follows `value` after `ms` without change. */
export function useDebounced<T>(value: T, ms: number): T {
  const [v, setV] = useState(value);
  useEffect(() => {
    const t = setTimeout(() => setV(value), ms);
    return () => clearTimeout(t);
  }, [value, ms]);
  return v;
}

export interface MeState {
  canEdit: boolean;
  who: string | null;
}

/**
 * `/api/me`, once at start: whether this user may edit annotations (issue 21). Until it answers,
 * and when it fails (an API without it), nobody edits: no edit controls are shown.
 */
export function useMe(api: Api): MeState {
  const [me, setMe] = useState<MeState>({ canEdit: false, who: null });
  useEffect(() => {
    const c = new AbortController();
    api.me(c.signal).then(
      (m) => setMe({ canEdit: m.can_edit, who: m.who }),
      () => {},
    );
    return () => c.abort();
  }, [api]);
  return me;
}
