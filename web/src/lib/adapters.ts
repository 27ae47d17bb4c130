// Typed adapters for the API answers whose exact shape is the least settled
// (`/api/stats`, `/api/zones`). If the API names a field differently, change the
// name here, in one line, and the rest of the dashboard follows.
import type { Stats, Zone } from "./types.ts";

/** Where each Stats field is read from in the `/api/stats` JSON. */
export const STATS_FIELDS = {
  zones: "zones",
  byType: "by_type",
  total: "total_records",
  lastSweepAt: "last_sweep_at",
  lastEventAt: "last_event_at",
  lastChangeAt: "last_change_at",
  lagSeconds: "freshness_lag_seconds",
} as const;

/** Where each Zone field is read from, in `/api/stats` zones and `/api/zones` items.
 *  Several names are tried in order, the first present wins. */
export const ZONE_FIELDS = {
  id: ["zone_id", "id", "hosted_zone_id"],
  name: ["zone_name", "name"],
  private: ["private_zone", "private"],
  records: ["records", "record_count", "records_count", "count"],
  byType: ["by_type"],
} as const;

type Json = Record<string, unknown>;

function isObject(v: unknown): v is Json {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function pick(o: Json, names: readonly string[]): unknown {
  for (const n of names) if (o[n] !== undefined) return o[n];
  return undefined;
}

function str(v: unknown): string | null {
  return typeof v === "string" && v !== "" ? v : null;
}

function num(v: unknown): number | null {
  if (typeof v === "number" && Number.isFinite(v)) return v;
  if (typeof v === "string" && v.trim() !== "" && Number.isFinite(Number(v))) return Number(v);
  return null;
}

function counts(v: unknown): Record<string, number> {
  const out: Record<string, number> = {};
  if (Array.isArray(v)) {
    // Also accept [{type, count}] lists.
    for (const e of v) {
      if (isObject(e)) {
        const t = str(e.type);
        const n = num(e.count ?? e.records);
        if (t && n !== null) out[t] = n;
      }
    }
  } else if (isObject(v)) {
    for (const [k, n] of Object.entries(v)) {
      const c = num(n);
      if (c !== null) out[k] = c;
    }
  }
  return out;
}

/** Strip Route 53's `/hostedzone/` prefix: the API stores ids without it. */
export function normalizeZoneId(id: string): string {
  return id.replace(/^\/?hostedzone\//, "");
}

export function adaptZone(raw: unknown): Zone | null {
  if (!isObject(raw)) return null;
  const id = str(pick(raw, ZONE_FIELDS.id));
  const name = str(pick(raw, ZONE_FIELDS.name));
  if (!id && !name) return null;
  return {
    zone_id: normalizeZoneId(id ?? name ?? ""),
    zone_name: name ?? id ?? "",
    private_zone: pick(raw, ZONE_FIELDS.private) === true,
    records: num(pick(raw, ZONE_FIELDS.records)),
    by_type: counts(pick(raw, ZONE_FIELDS.byType)),
  };
}

/** `/api/zones` answers a list (`{items, next_cursor}`); a bare array is accepted too. */
export function adaptZones(raw: unknown): Zone[] {
  const list = Array.isArray(raw) ? raw : isObject(raw) && Array.isArray(raw.items) ? raw.items : [];
  return list.map(adaptZone).filter((z): z is Zone => z !== null);
}

export function adaptStats(raw: unknown): Stats {
  const o = isObject(raw) ? raw : {};
  const zones = adaptZones(o[STATS_FIELDS.zones]);
  let byType = counts(o[STATS_FIELDS.byType]);
  if (Object.keys(byType).length === 0) {
    for (const z of zones) for (const [t, n] of Object.entries(z.by_type)) byType[t] = (byType[t] ?? 0) + n;
  }
  let total = num(o[STATS_FIELDS.total]);
  if (total === null && zones.length > 0 && zones.every((z) => z.records !== null)) {
    total = zones.reduce((s, z) => s + (z.records ?? 0), 0);
  }
  return {
    zones,
    by_type: byType,
    total_records: total,
    last_sweep_at: str(o[STATS_FIELDS.lastSweepAt]),
    last_event_at: str(o[STATS_FIELDS.lastEventAt]),
    last_change_at: str(o[STATS_FIELDS.lastChangeAt]),
    freshness_lag_seconds: num(o[STATS_FIELDS.lagSeconds]),
  };
}

/** Zones from `/api/zones`, with counts from `/api/stats` where the zone list has none. */
export function mergeZones(listed: Zone[], fromStats: Zone[]): Zone[] {
  const byId = new Map(fromStats.map((z) => [z.zone_id, z]));
  const merged = listed.map((z) => {
    const s = byId.get(z.zone_id);
    byId.delete(z.zone_id);
    if (!s) return z;
    return {
      ...z,
      records: z.records ?? s.records,
      by_type: Object.keys(z.by_type).length ? z.by_type : s.by_type,
    };
  });
  // A zone only stats knows of (the zone list not loaded yet) still shows.
  for (const z of byId.values()) merged.push(z);
  return merged.sort((a, b) => a.zone_name.localeCompare(b.zone_name));
}
