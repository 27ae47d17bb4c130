// The zones the dashboard lists: `/api/zones` names them (fetched again only when the number
// of zones changes), `/api/stats` counts their records (polled every few seconds).
import type { Annotation, ZoneStats, ZoneView } from "./schemas.ts";

/** A zone as the dashboard lists it: its live counts, its account and its annotation. */
export type ZoneRow = ZoneStats & {
  account_id: string | null;
  account_name: string | null;
  /** The zone's own annotation (issue 21); `null` for none or not listed yet. */
  annotation?: Annotation | null;
};

/**
 * Each listed zone with the live counts of the stats where they have it, and each zone only
 * the stats know of yet (the list not loaded, or a zone created since), by name.
 */
export function mergeZones(listed: ZoneView[], fromStats: ZoneStats[]): ZoneRow[] {
  const counted = new Map(fromStats.map((z) => [z.zone_id, z]));
  const merged: ZoneRow[] = listed.map((z) => {
    const live = counted.get(z.zone_id);
    counted.delete(z.zone_id);
    return {
      zone_id: z.zone_id,
      zone_name: z.zone_name,
      private_zone: z.private_zone,
      records: live?.records ?? z.records,
      by_type: live?.by_type ?? {},
      account_id: z.account_id,
      account_name: z.account_name,
      annotation: z.annotation ?? null,
    };
  });
  for (const z of counted.values()) {
    // A zone the list does not have yet: its account, if the stats name it.
    const a = z as Partial<ZoneRow>;
    merged.push({ ...z, account_id: a.account_id ?? null, account_name: a.account_name ?? null });
  }
  return merged.sort((a, b) => zoneLabel(a).localeCompare(zoneLabel(b)));
}

/** A zone's name, or its id while the zone itself has not been observed. */
export function zoneLabel(z: Pick<ZoneStats, "zone_id" | "zone_name">): string {
  return z.zone_name ?? z.zone_id;
}

/**
 * A zone's name for a list of several accounts' zones: with its account when another zone
 * has the same name (two accounts may each hold `internal.example.com.`).
 */
export function zoneLabelAmong(z: ZoneRow, zones: ZoneRow[]): string {
  const label = zoneLabel(z);
  const twin = zones.some((o) => o.zone_id !== z.zone_id && zoneLabel(o) === label);
  return twin ? `${label} · ${z.account_name || z.account_id || "no account"}` : label;
}
