import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { adaptStats, adaptZones, mergeZones } from "../lib/adapters.ts";
import { errorMessage, normalizePage } from "../lib/api.ts";

describe("stats adapter", () => {
  it("reads the documented shape", () => {
    const s = adaptStats({
      zones: [{ zone_id: "Z1", zone_name: "example.com.", private_zone: false, records: 3, by_type: { A: 2, NS: 1 } }],
      by_type: { A: 2, NS: 1 },
      total_records: 3,
      last_sweep_at: "2026-11-22T15:00:00.000000Z",
      last_event_at: null,
      last_change_at: "2026-11-22T15:29:00.000000Z",
      freshness_lag_seconds: 2,
    });
    assert.equal(s.total_records, 3);
    assert.deepEqual(s.by_type, { A: 2, NS: 1 });
    assert.equal(s.zones[0]?.zone_name, "example.com.");
    assert.equal(s.last_event_at, null);
    assert.equal(s.freshness_lag_seconds, 2);
  });

  it("derives what is missing and survives junk", () => {
    const s = adaptStats({ zones: [{ id: "/hostedzone/Z1", name: "a.", records: 2, by_type: [{ type: "A", count: 2 }] }, { zone_id: "Z2", zone_name: "b.", record_count: "5" }] });
    assert.equal(s.zones[0]?.zone_id, "Z1");
    assert.equal(s.zones[1]?.records, 5);
    assert.deepEqual(s.by_type, { A: 2 });
    assert.equal(s.total_records, 7);
    assert.equal(s.last_sweep_at, null);
    assert.deepEqual(adaptStats(null).zones, []);
    assert.deepEqual(adaptStats("nope").by_type, {});
  });
});

describe("zones adapter", () => {
  it("accepts a list answer or a bare array, and merges stats counts", () => {
    const listed = adaptZones({ items: [{ zone_id: "Z2", zone_name: "b." }, { zone_id: "Z1", zone_name: "a.", private_zone: true }], next_cursor: null });
    assert.equal(adaptZones([{ zone_id: "Z9", zone_name: "z." }]).length, 1);
    const merged = mergeZones(listed, adaptZones([{ zone_id: "Z1", zone_name: "a.", records: 4, by_type: { A: 4 } }, { zone_id: "Z3", zone_name: "c.", records: 1 }]));
    assert.deepEqual(
      merged.map((z) => [z.zone_name, z.records, z.private_zone]),
      [
        ["a.", 4, true],
        ["b.", null, false],
        ["c.", 1, false],
      ],
    );
  });
});

describe("api helpers", () => {
  it("normalises list answers", () => {
    assert.deepEqual(normalizePage({ items: [1], next_cursor: "x" }), { items: [1], next_cursor: "x" });
    assert.deepEqual(normalizePage([1, 2]), { items: [1, 2], next_cursor: null });
    assert.deepEqual(normalizePage({ items: [] } as never), { items: [], next_cursor: null });
  });

  it("shows the API's error message", async () => {
    assert.equal(await errorMessage(new Response('{"error":"invalid cursor"}', { status: 400 })), "invalid cursor");
    assert.equal(await errorMessage(new Response("<html>bad gateway</html>", { status: 502, statusText: "Bad Gateway" })), "502 Bad Gateway");
    assert.equal(await errorMessage(new Response("plain words", { status: 418, statusText: "Teapot" })), "418 Teapot: plain words");
  });
});
