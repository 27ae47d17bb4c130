import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ageSeconds, formatDuration, formatUtc, sweepFreshness, timeAgo } from "../lib/time.ts";

const NOW = Date.parse("2026-11-22T15:30:00Z");
const ago = (s: number) => new Date(NOW - s * 1000).toISOString();

describe("time ago", () => {
  it("reads like a person says it", () => {
    assert.equal(timeAgo(ago(0.2), NOW), "just now");
    assert.equal(timeAgo(ago(3), NOW), "3 s ago");
    assert.equal(timeAgo(ago(59), NOW), "59 s ago");
    assert.equal(timeAgo(ago(60), NOW), "1 min ago");
    assert.equal(timeAgo(ago(12 * 60 + 30), NOW), "12 min ago");
    assert.equal(timeAgo(ago(3 * 3600), NOW), "3 h ago");
    assert.equal(timeAgo(ago(47 * 3600), NOW), "47 h ago");
    assert.equal(timeAgo(ago(3 * 86400), NOW), "3 d ago");
    assert.equal(timeAgo(ago(400 * 86400), NOW), "2025-10-18");
  });

  it("copes with missing, malformed and future times", () => {
    assert.equal(timeAgo(null, NOW), "never");
    assert.equal(timeAgo("not a time", NOW), "never");
    assert.equal(timeAgo(ago(-30), NOW), "just now");
    assert.equal(ageSeconds(undefined, NOW), null);
    assert.equal(ageSeconds(ago(-30), NOW), 0);
  });

  it("reads the API's microsecond timestamps", () => {
    assert.equal(timeAgo("2026-11-22T15:29:57.123456Z", NOW), "2 s ago");
    assert.equal(formatUtc("2026-11-22T15:29:57.123456Z"), "2026-11-22 15:29:57.123456 UTC");
    assert.equal(formatUtc("2026-11-22T15:29:57.000000Z"), "2026-11-22 15:29:57 UTC");
    assert.equal(formatUtc("2026-11-22T16:29:57+01:00"), "2026-11-22 15:29:57 UTC");
    assert.equal(formatUtc(null), "—");
  });

  it("formats durations", () => {
    assert.equal(formatDuration(2), "2 s");
    assert.equal(formatDuration(240), "4 min");
    assert.equal(formatDuration(3 * 3600 + 5 * 60), "3 h 5 min");
    assert.equal(formatDuration(7200), "2 h");
    assert.equal(formatDuration(5 * 86400), "5 d");
  });

  it("grades freshness against the 3-hour sweep", () => {
    assert.equal(sweepFreshness(ago(12 * 60), NOW), "fresh");
    assert.equal(sweepFreshness(ago(4 * 3600), NOW), "stale");
    assert.equal(sweepFreshness(ago(9 * 3600), NOW), "old");
    assert.equal(sweepFreshness(null, NOW), "unknown");
  });
});
