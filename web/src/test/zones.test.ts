import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { ZoneStats, ZoneView } from "../lib/schemas.ts";
import { mergeZones, zoneLabel } from "../lib/zones.ts";

const listed = (
  zone_id: string,
  zone_name: string,
  records: number,
  private_zone = false,
): ZoneView => ({
  zone_id,
  zone_name,
  private_zone,
  comment: null,
  vpcs: [],
  record_count: null,
  records,
  observed_at: "2026-11-22T15:00:00.000000Z",
  deleted_at: null,
});

describe("zones", () => {
  it("lists /api/zones with the live counts of /api/stats, by name", () => {
    const counted: ZoneStats[] = [
      { zone_id: "Z1", zone_name: "a.", private_zone: true, records: 4, by_type: { A: 4 } },
      { zone_id: "Z3", zone_name: "c.", private_zone: false, records: 1, by_type: { TXT: 1 } },
    ];
    const merged = mergeZones([listed("Z2", "b.", 2), listed("Z1", "a.", 3, true)], counted);
    assert.deepEqual(
      merged.map((z) => [z.zone_name, z.records, z.private_zone, z.by_type]),
      [
        ["a.", 4, true, { A: 4 }],
        ["b.", 2, false, {}],
        ["c.", 1, false, { TXT: 1 }],
      ],
    );
  });

  it("names a zone not observed yet by its id", () => {
    const unseen: ZoneStats = {
      zone_id: "Z9",
      zone_name: null,
      private_zone: null,
      records: 2,
      by_type: { A: 2 },
    };
    assert.equal(zoneLabel(unseen), "Z9");
    assert.deepEqual(mergeZones([listed("Z1", "zz.", 1)], [unseen]).map(zoneLabel), ["Z9", "zz."]);
  });
});
