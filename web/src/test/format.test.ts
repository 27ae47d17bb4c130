import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  actorLabel,
  recordAnswers,
  relativeName,
  routingParts,
  routingPolicy,
  shortActor,
} from "../lib/format.ts";
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

describe("actor", () => {
  it("shortens ARNs to who it was", () => {
    assert.equal(
      shortActor("arn:aws:sts::123456789012:assumed-role/OpsAdmin/alice@example.com"),
      "OpsAdmin/alice@example.com",
    );
    assert.equal(
      shortActor(
        "arn:aws:sts::123456789012:assumed-role/AWSReservedSSO_OpsAdmin_0123456789abcdef/alice@example.com",
      ),
      "OpsAdmin/alice@example.com",
    );
    assert.equal(shortActor("arn:aws:iam::123456789012:user/bob"), "user/bob");
    assert.equal(shortActor("arn:aws:iam::123456789012:root"), "root (123456789012)");
    assert.equal(
      shortActor("arn:aws-us-gov:sts::123456789012:assumed-role/Deploy/ci"),
      "Deploy/ci",
    );
    assert.equal(shortActor("route53.amazonaws.com"), "route53.amazonaws.com");
    assert.equal(shortActor(null), "");
  });

  it("names the path when there is no actor", () => {
    assert.equal(actorLabel(null, "sweep"), "seen by sweep");
    assert.equal(actorLabel(null, "reconcile"), "missing from sweep");
    assert.equal(actorLabel(null, "event"), "unknown");
    assert.equal(actorLabel("arn:aws:iam::1:user/x", "event"), "user/x");
  });
});

describe("routing", () => {
  it("summarises each routing policy", () => {
    assert.deepEqual(routingParts({ ...NONE, weight: 70 }), [["weight", "70"]]);
    assert.deepEqual(routingParts({ ...NONE, weight: 0 }), [["weight", "0"]]);
    assert.deepEqual(routingParts({ ...NONE, region: "eu-west-1" }), [["region", "eu-west-1"]]);
    assert.deepEqual(routingParts({ ...NONE, failover: "PRIMARY", health_check_id: "abc" }), [
      ["failover", "PRIMARY"],
      ["health check", "abc"],
    ]);
    assert.deepEqual(
      routingParts({
        ...NONE,
        geo_location: { continent_code: null, country_code: "US", subdivision_code: "WA" },
      }),
      [["geo", "US/WA"]],
    );
    assert.deepEqual(
      routingParts({
        ...NONE,
        geo_location: { continent_code: null, country_code: "*", subdivision_code: null },
      }),
      [["geo", "default"]],
    );
    assert.deepEqual(
      routingParts({ ...NONE, cidr_routing: { collection_id: "c-1", location_name: "office" } }),
      [["cidr", "c-1/office"]],
    );
    assert.deepEqual(
      routingParts({
        ...NONE,
        geoproximity_location: {
          aws_region: "us-east-1",
          local_zone_group: null,
          coordinates: null,
          bias: 10,
        },
      }),
      [["geoproximity", "us-east-1 bias 10"]],
    );
    assert.deepEqual(routingParts(null), []);
  });

  it("names the policy", () => {
    assert.equal(routingPolicy(null), "simple");
    assert.equal(routingPolicy({ ...NONE, weight: 0 }), "weighted");
    assert.equal(routingPolicy({ ...NONE, multivalue_answer: true }), "multivalue");
    assert.equal(routingPolicy({ ...NONE, health_check_id: "x" }), "simple");
  });
});

describe("names and answers", () => {
  it("drops the zone suffix for display", () => {
    assert.equal(relativeName("www.example.com.", "example.com."), "www");
    assert.equal(relativeName("example.com.", "example.com."), "example.com.");
    assert.equal(relativeName("www.example.net.", "example.com."), "www.example.net.");
    assert.equal(relativeName("notexample.com.", "example.com."), "notexample.com.");
  });

  it("answers with values or the alias target", () => {
    const a: RecordContent = {
      name: "a.example.",
      type: "A",
      set_identifier: null,
      ttl: 60,
      values: ["1.2.3.4"],
      alias_target: null,
      routing: NONE,
    };
    assert.deepEqual(recordAnswers(a), ["1.2.3.4"]);
    assert.deepEqual(
      recordAnswers({
        ...a,
        ttl: null,
        values: [],
        alias_target: {
          hosted_zone_id: "Z",
          dns_name: "lb.example.",
          evaluate_target_health: false,
        },
      }),
      ["ALIAS lb.example."],
    );
  });
});
