import { useEffect, useMemo, useRef, useState } from "preact/hooks";
import { ChangeFeed } from "./components/ChangeFeed.tsx";
import { DiffView } from "./components/DiffView.tsx";
import { FilterBar } from "./components/FilterBar.tsx";
import { FindingsView } from "./components/Findings.tsx";
import { Freshness } from "./components/Freshness.tsx";
import { type AnnotationOverride, RecordDrawer } from "./components/RecordDrawer.tsx";
import { RecordsTable } from "./components/RecordsTable.tsx";
import { AsOfBanner, AsOfControl } from "./components/TimeTravel.tsx";
import { TypeChart, ZoneList, ZonesView } from "./components/Zones.tsx";
import { useAccounts, useApi, useLive, useMe, useNow, useUrlState } from "./hooks.ts";
import { accountShort, isUnreadable } from "./lib/accounts.ts";
import { isAbort } from "./lib/api.ts";
import type { Auth } from "./lib/auth.ts";
import type { ZoneView } from "./lib/schemas.ts";
import { filtersOf, serializeUrlState, type View } from "./lib/urlState.ts";
import { mergeZones, zoneLabel } from "./lib/zones.ts";

const TABS: Array<[View, string]> = [
  ["records", "Records"],
  ["changes", "Changes"],
  ["findings", "Findings"],
  ["zones", "Zones"],
  ["diff", "Diff"],
];

function isTyping(el: Element | null): boolean {
  return (
    !!el &&
    (el.tagName === "INPUT" ||
      el.tagName === "TEXTAREA" ||
      el.tagName === "SELECT" ||
      (el as HTMLElement).isContentEditable)
  );
}

export function App({ auth }: { auth: Auth | null }) {
  const api = useApi();
  const [url, navigate] = useUrlState();
  const live = useLive(api, url.account);
  const me = useMe(api);
  // Annotations edited in the drawer, for the table's rows until they load again.
  const [overrides, setOverrides] = useState<ReadonlyMap<number, AnnotationOverride>>(new Map());
  const onAnnotation = (id: number, o: AnnotationOverride) =>
    setOverrides((m) => new Map(m).set(id, o));
  // Every account, whatever the filter; fetched again when a sweep reports on one (the stats'
  // sweep time or account summary moves).
  const summary = live.stats?.accounts;
  const accounts = useAccounts(
    api,
    `${live.stats?.last_sweep_at ?? ""} ${summary ? Object.values(summary).join("/") : ""}`,
  );
  const unreadable = useMemo(
    () => new Set(accounts.items.filter(isUnreadable).map((a) => a.account_id)),
    [accounts.items],
  );
  const now = useNow(1000);
  const [listedZones, setListedZones] = useState<ZoneView[]>([]);
  const [zonesLoading, setZonesLoading] = useState(true);
  const [zonesError, setZonesError] = useState<string | null>(null);
  const [unseenChanges, setUnseenChanges] = useState(false);
  const searchRef = useRef<HTMLInputElement>(null);
  const feedMarker = useRef<number | null>(null);

  const filters = filtersOf(url);
  const zoneCount = live.stats?.zones.length ?? null;
  const [zonesEpoch, setZonesEpoch] = useState(0);
  const listedCount = useRef(0);
  listedCount.current = listedZones.length;

  // The zone list; fetched again when the stats start counting a different number of zones.
  // As of a past time, the list is of then: what the stats count now does not move it.
  const asOf = url.as_of;
  useEffect(() => {
    if (asOf) return;
    if (zoneCount !== null && !zonesLoading && zoneCount !== listedCount.current)
      setZonesEpoch((e) => e + 1);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [zoneCount]);
  useEffect(() => {
    const c = new AbortController();
    // The zones view and the diff view list the zones of now.
    const at = url.view === "records" ? asOf : "";
    api.zones(c.signal, url.account, at).then(
      (z) => {
        setListedZones(z);
        setZonesLoading(false);
        setZonesError(null);
      },
      (e) => {
        if (isAbort(e)) return;
        setZonesLoading(false);
        setZonesError((e as Error).message);
      },
    );
    return () => c.abort();
  }, [api, zonesEpoch, url.account, asOf, url.view === "records"]);

  // As of a past time, each zone's count is of then (the list's), not the stats' of now.
  const pastZones = url.view === "records" && !!asOf;
  const zones = useMemo(
    () => mergeZones(listedZones, pastZones ? [] : (live.stats?.zones ?? [])),
    [listedZones, live.stats, pastZones],
  );

  // Another account's feed has another head: no dot for that.
  useEffect(() => {
    feedMarker.current = null;
    setUnseenChanges(false);
  }, [url.account]);

  // A dot on the Changes tab when changes arrived while looking elsewhere.
  useEffect(() => {
    if (url.view === "changes") {
      feedMarker.current = live.marker;
      setUnseenChanges(false);
    } else if (feedMarker.current === null) {
      feedMarker.current = live.marker;
    } else if (live.marker !== null && live.marker !== feedMarker.current) {
      setUnseenChanges(true);
    }
  }, [live.marker, url.view]);

  // "/" jumps to search, like most dashboards.
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (
        e.key === "/" &&
        !e.ctrlKey &&
        !e.metaKey &&
        !e.altKey &&
        !isTyping(document.activeElement) &&
        url.record === null
      ) {
        e.preventDefault();
        if (url.view !== "records") navigate({ view: "records" });
        setTimeout(() => searchRef.current?.focus(), 0);
      }
    };
    addEventListener("keydown", onKey);
    return () => removeEventListener("keydown", onKey);
  }, [url.view, url.record, navigate]);

  useEffect(() => {
    const acct = accounts.items.find((a) => a.account_id === filters.account);
    const parts = [
      filters.account && accountShort(filters.account, acct?.name ?? null),
      filters.q && `“${filters.q}”`,
      filters.name,
      filters.value && `→ ${filters.value}`,
      filters.type,
      filters.owner && `owner ${filters.owner}`,
      filters.unowned && "unowned",
    ].filter(Boolean);
    if (url.view === "records" && url.as_of) parts.push(`as of ${url.as_of}`);
    const view = url.view === "records" ? parts.join(" ") : url.view;
    document.title = view ? `${view} · zonetrail` : "zonetrail — DNS inventory";
  }, [
    url.view,
    filters.account,
    filters.q,
    filters.name,
    filters.value,
    filters.type,
    filters.owner,
    filters.unowned,
    accounts.items,
    url.as_of,
  ]);

  const selectedZone = zones.find((z) => z.zone_id === url.zone);
  const chartCounts =
    selectedZone && Object.keys(selectedZone.by_type).length
      ? selectedZone.by_type
      : (live.stats?.by_type ?? {});
  const csvUrl = api.csvUrl(filters);

  const onCsvClick = auth
    ? (e: MouseEvent) => {
        e.preventDefault();
        api
          .download(csvUrl, "zonetrail-records.csv")
          .catch((err: Error) => alert(`CSV export failed: ${err.message}`));
      }
    : undefined;

  const openRecord = (id: number) => navigate({ record: id });
  const user = auth?.userName();

  return (
    <>
      <a class="skip-link" href="#main">
        Skip to content
      </a>
      <header class="topbar">
        <a
          class="brand"
          href="./"
          onClick={(e) => {
            e.preventDefault();
            navigate({
              view: "records",
              account: "",
              zone: "",
              type: "",
              name: "",
              q: "",
              value: "",
              include_deleted: false,
              owner: "",
              unowned: false,
              as_of: "",
              record: null,
            });
          }}
        >
          <svg viewBox="0 0 24 24" aria-hidden="true" class="logo">
            <circle cx="5" cy="12" r="2.6" />
            <circle cx="12" cy="6" r="2.6" />
            <circle cx="19" cy="12" r="2.6" />
            <circle cx="12" cy="18" r="2.6" opacity="0.5" />
            <path
              d="M5 12L12 6L19 12L12 18Z"
              fill="none"
              stroke="currentColor"
              stroke-width="1.2"
            />
          </svg>
          zonetrail
        </a>
        <nav aria-label="Views" class="tabs">
          {TABS.map(([v, label]) => (
            <a
              key={v}
              href={serializeUrlState({ ...url, view: v, record: null }) || "?"}
              aria-current={url.view === v ? "page" : undefined}
              onClick={(e) => {
                if (e.metaKey || e.ctrlKey || e.shiftKey) return;
                e.preventDefault();
                navigate({ view: v, record: null });
              }}
            >
              {label}
              {v === "changes" && unseenChanges && (
                <span class="new-dot" role="img" aria-label="new changes" />
              )}
              {v === "findings" && !!live.stats?.findings.open && (
                <span
                  class="badge severity-high tab-count"
                  title={`${live.stats.findings.open} open findings`}
                  data-testid="findings-tab-count"
                >
                  {live.stats.findings.open}
                </span>
              )}
            </a>
          ))}
        </nav>
        <div class="spacer" />
        <Freshness live={live} now={now} accounts={accounts.items} url={url} navigate={navigate} />
        {auth && (
          <div class="user">
            {user && <span class="muted small">{user}</span>}
            <button type="button" class="btn ghost small" onClick={() => auth.signOut()}>
              Sign out
            </button>
          </div>
        )}
      </header>
      <main id="main" tabIndex={-1}>
        {url.view === "records" && (
          <div class="layout">
            <aside class="sidebar" aria-label="Overview">
              <section class="panel">
                <h2>Zones</h2>
                {zonesError && !zones.length ? (
                  <p class="error-message small" role="alert">
                    {zonesError}
                  </p>
                ) : zonesLoading && !zones.length ? (
                  <p class="muted small">Loading…</p>
                ) : (
                  <ZoneList
                    zones={zones}
                    selected={url.zone}
                    total={pastZones ? null : (live.stats?.total_records ?? null)}
                    navigate={navigate}
                    filters={url}
                  />
                )}
              </section>
              <section class="panel">
                <h2>
                  By type
                  {selectedZone ? <span class="muted"> · {zoneLabel(selectedZone)}</span> : null}
                </h2>
                {pastZones ? (
                  <p class="muted small">
                    Counts by type are of now; the table shows the records as of the past time.
                  </p>
                ) : live.stats ? (
                  <TypeChart
                    byType={chartCounts}
                    selected={url.type}
                    navigate={navigate}
                    zone={url.zone}
                    account={url.account}
                  />
                ) : (
                  <p class="muted small">{live.error ? "Counts unavailable." : "Loading…"}</p>
                )}
              </section>
            </aside>
            <div class="content">
              <AsOfControl asOf={url.as_of} navigate={navigate} />
              {url.as_of && (
                <AsOfBanner
                  asOf={url.as_of}
                  zone={url.zone}
                  zoneName={selectedZone?.zone_name ?? null}
                  navigate={navigate}
                  withToken={!!auth}
                />
              )}
              <FilterBar
                filters={filters}
                zones={zones}
                accounts={accounts.items}
                byType={live.stats?.by_type ?? {}}
                navigate={navigate}
                searchRef={searchRef}
              />
              <RecordsTable
                filters={filters}
                marker={url.as_of ? null : live.marker}
                selected={url.record}
                now={now}
                onOpen={openRecord}
                totalRecords={url.as_of ? null : (live.stats?.total_records ?? null)}
                csvUrl={csvUrl}
                onCsvClick={onCsvClick}
                multiAccount={accounts.items.length > 1}
                unreadable={unreadable}
                overrides={overrides}
              />
            </div>
          </div>
        )}
        {url.view === "changes" && (
          <ChangeFeed
            key={url.account}
            marker={live.marker}
            now={now}
            onOpen={openRecord}
            account={url.account}
            accounts={accounts.items}
            onAccount={(account) => navigate({ account, zone: "", record: null })}
          />
        )}
        {url.view === "findings" && (
          <FindingsView
            url={url}
            counts={live.stats?.findings ?? null}
            marker={live.marker}
            now={now}
            navigate={navigate}
            onOpen={openRecord}
          />
        )}
        {url.view === "diff" && (
          <DiffView url={url} zones={zones} navigate={navigate} onOpen={openRecord} />
        )}
        {url.view === "zones" && (
          <ZonesView
            zones={zones}
            accounts={accounts.items}
            account={url.account}
            stats={live.stats}
            navigate={navigate}
            now={now}
            loading={zonesLoading}
          />
        )}
      </main>
      {url.record !== null && (
        <RecordDrawer
          id={url.record}
          marker={live.marker}
          now={now}
          onClose={() => navigate({ record: null })}
          accounts={accounts.items}
          canEdit={me.canEdit}
          who={me.who}
          onAnnotation={onAnnotation}
          onFindValue={(value) =>
            navigate({
              view: "records",
              account: "",
              zone: "",
              type: "",
              name: "",
              q: "",
              value,
              include_deleted: false,
              owner: "",
              unowned: false,
              as_of: "",
              record: null,
            })
          }
        />
      )}
    </>
  );
}
