// The zones the dashboard lists: `/api/zones` names them (fetched again only when the number
// of zones changes), `/api/stats` counts their records (polled every few seconds).
import type { ZoneStats, ZoneView } from "./schemas.ts";

/**
 * Each listed zone with the live counts of the stats where they have it, and each zone only
 * the stats know of yet (the list not loaded, or a zone created since), by name.
 */
export function mergeZones(listed: ZoneView[], fromStats: ZoneStats[]): ZoneStats[] {
  const counted = new Map(fromStats.map((z) => [z.zone_id, z]));
  const merged: ZoneStats[] = listed.map((z) => {
    const live = counted.get(z.zone_id);
    counted.delete(z.zone_id);
    return {
      zone_id: z.zone_id,
      zone_name: z.zone_name,
      private_zone: z.private_zone,
      records: live?.records ?? z.records,
      by_type: live?.by_type ?? {},
    };
  });
  merged.push(...counted.values());
  return merged.sort((a, b) => zoneLabel(a).localeCompare(zoneLabel(b)));
}

/** A zone's name, or its id while the zone itself has not been observed. */
export function zoneLabel(z: Pick<ZoneStats, "zone_id" | "zone_name">): string {
  return z.zone_name ?? z.zone_id;
}
