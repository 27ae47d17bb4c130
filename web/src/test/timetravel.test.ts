import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  batchFileName,
  batchJson,
  type ChangeBatch,
  commandsScript,
  type DiffItem,
  diffParams,
  fromInputValue,
  groupDiff,
  isFuture,
  summaryLine,
  toInputValue,
  zoneFileName,
} from "../lib/timetravel.ts";

const ROUTING = {
  weight: null,
  region: null,
  failover: null,
  geo_location: null,
  geoproximity_location: null,
  cidr_routing: null,
  multivalue_answer: null,
  health_check_id: null,
  traffic_policy_instance_id: null,
};

function item(id: number, kind: DiffItem["kind"]): DiffItem {
  const content = {
    name: `r${id}.example.com.`,
    type: "A" as const,
    set_identifier: null,
    ttl: 300,
    values: ["192.0.2.1"],
    alias_target: null,
    routing: ROUTING,
  };
  return {
    id,
    zone_id: "Z1",
    zone_name: "example.com.",
    account_id: null,
    account_name: null,
    name: content.name,
    type: "A",
    set_identifier: null,
    kind,
    before: kind === "added" ? null : content,
    after: kind === "removed" ? null : { ...content, ttl: 60 },
  };
}

describe("time travel", () => {
  it("shows a time in the UTC date-time input to the second, and reads it back as UTC", () => {
    assert.equal(toInputValue("2026-12-01T09:05:07.123456Z"), "2026-12-01T09:05:07");
    assert.equal(toInputValue(""), "");
    assert.equal(toInputValue("nonsense"), "");
    assert.equal(fromInputValue("2026-12-01T09:05:07"), "2026-12-01T09:05:07Z");
    // Chromium leaves the seconds out when they are zero.
    assert.equal(fromInputValue("2026-12-01T09:05"), "2026-12-01T09:05:00Z");
    assert.equal(fromInputValue("2026-12-01T09:05:07.500"), "2026-12-01T09:05:07Z");
    assert.equal(fromInputValue(""), "");
    assert.equal(fromInputValue("2026-12-01"), "");
    assert.equal(fromInputValue(toInputValue("2026-12-01T09:05:07Z")), "2026-12-01T09:05:07Z");
  });

  it("knows a time in the future", () => {
    const now = Date.parse("2026-12-03T12:00:00Z");
    assert.equal(isFuture("2026-12-03T12:00:01Z", now), true);
    assert.equal(isFuture("2026-12-03T12:00:00Z", now), false);
    assert.equal(isFuture("2026-12-01T12:00:00Z", now), false);
  });

  it("groups the diff's items by kind, in the API's order", () => {
    const g = groupDiff([
      item(1, "changed"),
      item(2, "added"),
      item(3, "removed"),
      item(4, "added"),
    ]);
    assert.deepEqual(
      g.added.map((i) => i.id),
      [2, 4],
    );
    assert.deepEqual(
      g.removed.map((i) => i.id),
      [3],
    );
    assert.deepEqual(
      g.changed.map((i) => i.id),
      [1],
    );
    assert.deepEqual(groupDiff([]), { added: [], removed: [], changed: [] });
  });

  it("asks /api/diff with from, to when set, the zone when set, and the cursor", () => {
    assert.equal(
      diffParams("2026-12-01T09:00:00Z", "", "", null, 100).toString(),
      "from=2026-12-01T09%3A00%3A00Z&limit=100",
    );
    assert.equal(
      diffParams("2026-12-01T09:00:00Z", "2026-12-02T09:00:00Z", "Z1", "abc", 50).toString(),
      "from=2026-12-01T09%3A00%3A00Z&to=2026-12-02T09%3A00%3A00Z&zone=Z1&cursor=abc&limit=50",
    );
  });

  it("names the batch files as the commands do, and writes each as the CLI reads it", () => {
    assert.equal(batchFileName(0), "batch-1.json");
    assert.equal(batchFileName(2), "batch-3.json");
    const b: ChangeBatch = {
      Comment: "zonetrail restore to 2026-12-01T09:00:00Z",
      Changes: [
        {
          Action: "CREATE",
          ResourceRecordSet: {
            Name: "old.example.com.",
            Type: "CNAME",
            TTL: 300,
            ResourceRecords: [{ Value: "legacy.example.net." }],
          },
        },
      ],
    };
    const text = batchJson(b);
    assert.deepEqual(JSON.parse(text), b, "the file is exactly the batch");
    assert.ok(text.endsWith("\n"));
  });

  it("sums the restore up in words", () => {
    assert.equal(
      summaryLine({ creates: 1, deletes: 2, upserts: 0, batches: 1 }),
      "1 create · 2 deletes · 0 upserts in 1 batch",
    );
    assert.equal(
      summaryLine({ creates: 1500, deletes: 0, upserts: 1, batches: 2 }),
      "1500 creates · 0 deletes · 1 upsert in 2 batches",
    );
    assert.equal(
      summaryLine({ creates: 0, deletes: 0, upserts: 0, batches: 0 }),
      "Nothing to restore: the zone is as it was.",
    );
  });

  it("writes the commands as one script, one line each, in order", () => {
    const cmds = [
      "aws route53 change-resource-record-sets --hosted-zone-id Z1 --change-batch file://batch-1.json",
      "aws route53 change-resource-record-sets --hosted-zone-id Z1 --change-batch file://batch-2.json",
    ];
    assert.equal(commandsScript(cmds), `${cmds[0]}\n${cmds[1]}\n`);
    assert.equal(commandsScript([]), "");
  });

  it("names the zone file after the zone, without its trailing dot", () => {
    assert.equal(zoneFileName("example.com.", "Z1"), "example.com.zone");
    assert.equal(zoneFileName(null, "Z1"), "Z1.zone");
    assert.equal(zoneFileName(".", "Z1"), "Z1.zone");
  });
});
