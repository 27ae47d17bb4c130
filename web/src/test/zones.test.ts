import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { ZoneStats, ZoneView } from "../lib/schemas.ts";
import { mergeZones, zoneLabel, zoneLabelAmong } from "../lib/zones.ts";

const listed = (
  zone_id: string,
  zone_name: string,
  records: number,
  private_zone = false,
  account_id: string | null = "123456789012",
  account_name: string | null = "network-prod",
): ZoneView => ({
  zone_id,
  zone_name,
  account_id,
  account_name,
  private_zone,
  comment: null,
  vpcs: [],
  record_count: null,
  records,
  observed_at: "2026-11-22T15:00:00.000000Z",
  deleted_at: null,
  annotation: null,
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

  it("keeps each listed zone's account, and names the account where two zones share a name", () => {
    const zones = mergeZones(
      [
        listed("Z1", "internal.example.com.", 3, true),
        listed("Z2", "internal.example.com.", 2, true, "210987654321", "payments"),
        listed("Z3", "sandbox.example.org.", 1, false, "345678901234", null),
        listed("Z4", "other.example.", 1, false, "345678901234", null),
      ],
      [{ zone_id: "Z9", zone_name: "new.example.", private_zone: false, records: 1, by_type: {} }],
    );
    const byId = new Map(zones.map((z) => [z.zone_id, z]));
    const get = (id: string) => {
      const z = byId.get(id);
      assert.ok(z, id);
      return z;
    };
    assert.equal(byId.get("Z2")?.account_id, "210987654321");
    assert.equal(byId.get("Z9")?.account_id, null, "a zone only the stats know: account unknown");
    assert.equal(zoneLabelAmong(get("Z1"), zones), "internal.example.com. · network-prod");
    assert.equal(zoneLabelAmong(get("Z2"), zones), "internal.example.com. · payments");
    assert.equal(zoneLabelAmong(get("Z3"), zones), "sandbox.example.org.");
  });
});
