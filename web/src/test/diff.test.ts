import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { diffRecords } from "../lib/diff.ts";
import type { RecordContent, Routing } from "../lib/schemas.ts";

const NONE: Routing = {
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

const blue: RecordContent = {
  name: "www.example.com.",
  type: "A",
  set_identifier: "blue",
  ttl: 300,
  values: ["192.0.2.10"],
  alias_target: null,
  routing: { ...NONE, weight: 50 },
};

describe("record diff", () => {
  it("shows an update as the fields that changed", () => {
    const after = {
      ...blue,
      ttl: 60,
      values: ["192.0.2.10", "192.0.2.11"],
      routing: { ...NONE, weight: 70 },
    };
    assert.deepEqual(diffRecords(blue, after), [
      { kind: "scalar", field: "ttl", before: "300", after: "60" },
      { kind: "set", field: "values", added: ["192.0.2.11"], removed: [], kept: ["192.0.2.10"] },
      { kind: "scalar", field: "weight", before: "50", after: "70" },
    ]);
  });

  it("treats values as a set: reordering is no change", () => {
    const a = { ...blue, values: ["b", "a"] };
    const b = { ...blue, values: ["a", "b"] };
    assert.deepEqual(diffRecords(a, b), []);
  });

  it("lists everything a create adds and a delete removes", () => {
    const created = diffRecords(null, blue);
    assert.deepEqual(
      created.map((c) => c.field),
      ["ttl", "values", "weight"],
    );
    assert.deepEqual(created[1], {
      kind: "set",
      field: "values",
      added: ["192.0.2.10"],
      removed: [],
      kept: [],
    });
    const deleted = diffRecords(blue, null);
    assert.deepEqual(deleted[0], { kind: "scalar", field: "ttl", before: "300", after: null });
    assert.deepEqual(deleted[1], {
      kind: "set",
      field: "values",
      added: [],
      removed: ["192.0.2.10"],
      kept: [],
    });
  });

  it("shows alias retargeting and routing members in Route 53's terms", () => {
    const a: RecordContent = {
      ...blue,
      ttl: null,
      values: [],
      alias_target: {
        hosted_zone_id: "Z35SXDOTRQ7X7K",
        dns_name: "old-lb.elb.amazonaws.com.",
        evaluate_target_health: false,
      },
      routing: {
        ...NONE,
        geo_location: { continent_code: "EU", country_code: null, subdivision_code: null },
      },
    };
    const b: RecordContent = {
      ...a,
      alias_target: {
        hosted_zone_id: "Z35SXDOTRQ7X7K",
        dns_name: "new-lb.elb.amazonaws.com.",
        evaluate_target_health: true,
      },
      routing: {
        ...NONE,
        geo_location: { continent_code: null, country_code: "DE", subdivision_code: null },
        health_check_id: "hc-1",
      },
    };
    assert.deepEqual(diffRecords(a, b), [
      {
        kind: "scalar",
        field: "alias",
        before: "old-lb.elb.amazonaws.com.",
        after: "new-lb.elb.amazonaws.com. (eval health)",
      },
      { kind: "scalar", field: "geo", before: "EU", after: "DE" },
      { kind: "scalar", field: "health check", before: null, after: "hc-1" },
    ]);
  });

  it("reports an identity change, which should never happen, rather than hide it", () => {
    const d = diffRecords(blue, { ...blue, set_identifier: "green" });
    assert.deepEqual(d, [
      { kind: "scalar", field: "set identifier", before: "blue", after: "green" },
    ]);
  });
});
