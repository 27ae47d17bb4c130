import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  accountParams,
  DEFAULT_STATE,
  filterKey,
  filterParams,
  hasFilters,
  isAccountId,
  parseAccount,
  parseTime,
  parseUrlState,
  serializeUrlState,
  shouldReplace,
  type UrlState,
} from "../lib/urlState.ts";

describe("url state", () => {
  it("parses an empty query to the default view", () => {
    assert.deepEqual(parseUrlState(""), DEFAULT_STATE);
  });

  it("round-trips every filter through the query string", () => {
    const s = {
      view: "records" as const,
      account: "123456789012",
      zone: "Z0123456789ABC",
      type: "A",
      name: "*.prod.example.com",
      q: "www",
      value: "192.0.2.10",
      include_deleted: true,
      owner: "alice@example.com",
      unowned: true,
      as_of: "2026-12-01T09:00:00.123456Z",
      record: 42,
      from: "",
      to: "",
      status: "",
      kind: "",
      severity: "",
    };
    const qs = serializeUrlState(s);
    assert.equal(
      qs,
      "?account=123456789012&zone=Z0123456789ABC&type=A&name=*.prod.example.com&q=www&value=192.0.2.10&owner=alice%40example.com&include_deleted=true&unowned=true&as_of=2026-12-01T09%3A00%3A00.123456Z&record=42",
    );
    assert.deepEqual(parseUrlState(qs), s);
  });

  it("keeps the owner and unowned filters in the URL and the API query (issue 21)", () => {
    const s = parseUrlState("?owner=%20Alice%40Example.com%20&unowned=true");
    assert.equal(s.owner, "Alice@Example.com", "trimmed; the API matches any case");
    assert.equal(s.unowned, true);
    assert.equal(filterParams(s).toString(), "owner=Alice%40Example.com&unowned=true");
    assert.equal(parseUrlState("?unowned=false").unowned, false);
    assert.equal(parseUrlState("?unowned=1").unowned, true);
    assert.equal(parseUrlState("?owner=").owner, "");
    assert.equal(serializeUrlState({ ...DEFAULT_STATE, unowned: false, owner: "" }), "");
    assert.equal(serializeUrlState({ ...DEFAULT_STATE, unowned: true }), "?unowned=true");
    assert.ok(hasFilters({ ...DEFAULT_STATE, owner: "alice" }), "owner narrows the records");
    assert.ok(hasFilters({ ...DEFAULT_STATE, unowned: true }), "so does unowned");
    assert.notEqual(
      filterKey({ ...DEFAULT_STATE, owner: "alice" }),
      filterKey(DEFAULT_STATE),
      "a new owner is a new query",
    );
  });

  it("leaves defaults out of the URL", () => {
    assert.equal(serializeUrlState(DEFAULT_STATE), "");
    assert.equal(serializeUrlState({ ...DEFAULT_STATE, view: "changes" }), "?view=changes");
  });

  it("normalises what a person types into a URL", () => {
    const s = parseUrlState("?type=aaaa&q=%20api%20&view=nonsense&record=-3&include_deleted=1");
    assert.equal(s.type, "AAAA");
    assert.equal(s.q, "api");
    assert.equal(s.view, "records");
    assert.equal(s.record, null);
    assert.equal(s.include_deleted, true);
    assert.equal(parseUrlState("?include_deleted=false").include_deleted, false);
  });

  it("gives API parameters with the API's names, without empty ones", () => {
    const p = filterParams({
      account: "",
      zone: "",
      type: "A",
      name: " www.example.com ",
      q: "",
      value: "",
      include_deleted: false,
      owner: "",
      unowned: false,
      as_of: "",
    });
    assert.equal(p.toString(), "type=A&name=www.example.com");
  });

  it("takes an account id of exactly twelve digits, and ignores anything else", () => {
    assert.equal(parseUrlState("?account=123456789012").account, "123456789012");
    assert.equal(parseUrlState("?account=%20123456789012%20").account, "123456789012");
    for (const bad of [
      "12345678901",
      "1234567890123",
      "12345678901a",
      "123456789012;--",
      "-12345678901",
      "１２３４５６７８９０１２",
      "",
    ]) {
      const s = parseUrlState(`?account=${encodeURIComponent(bad)}&type=A`);
      assert.equal(s.account, "", `account=${bad} is ignored`);
      assert.equal(s.type, "A", "the other filters stand");
      assert.equal(filterParams(s).has("account"), false, `account=${bad} is not sent`);
      assert.equal(serializeUrlState(s), "?type=A", `account=${bad} leaves the URL`);
    }
    assert.equal(isAccountId("123456789012"), true);
    assert.equal(isAccountId("12345678901"), false);
    assert.equal(parseAccount(null), "");
  });

  it("sends the account alone to the endpoints that filter by nothing else", () => {
    assert.equal(accountParams("123456789012").toString(), "account=123456789012");
    assert.equal(accountParams("").toString(), "");
    assert.equal(accountParams("not-an-id").toString(), "");
    const s = parseUrlState("?account=210987654321&type=MX&name=www");
    assert.equal(filterParams(s).toString(), "account=210987654321&type=MX&name=www");
    assert.equal(hasFilters(parseUrlState("?account=210987654321")), true);
    assert.notEqual(
      filterKey(parseUrlState("?account=210987654321")),
      filterKey(parseUrlState("?account=123456789012")),
    );
  });

  it("keys the query by its filters only", () => {
    const a = parseUrlState("?type=A&record=1");
    const b = parseUrlState("?type=A&record=2&view=zones");
    assert.equal(filterKey(a), filterKey(b));
    assert.notEqual(filterKey(a), filterKey(parseUrlState("?type=MX")));
    assert.equal(hasFilters(parseUrlState("?record=3")), false);
    assert.equal(hasFilters(a), true);
  });

  it("takes as_of as an RFC 3339 time in UTC, sends it with the records query, and drops anything else", () => {
    const s = parseUrlState("?as_of=2026-12-01T09:00:00Z&type=A");
    assert.equal(s.as_of, "2026-12-01T09:00:00Z");
    assert.equal(filterParams(s).toString(), "type=A&as_of=2026-12-01T09%3A00%3A00Z");
    assert.equal(serializeUrlState(s), "?type=A&as_of=2026-12-01T09%3A00%3A00Z");
    // A time is not a filter: Clear has nothing to clear, but the query changes with it.
    assert.equal(hasFilters(parseUrlState("?as_of=2026-12-01T09:00:00Z")), false);
    assert.notEqual(filterKey(s), filterKey(parseUrlState("?type=A")));
    // Kept to the microsecond; an offset or a missing second is written in UTC.
    assert.equal(parseTime("2026-12-01T09:00:00.123456Z"), "2026-12-01T09:00:00.123456Z");
    assert.equal(parseTime("2026-12-01T10:30:00+01:30"), "2026-12-01T09:00:00Z");
    assert.equal(parseTime("2026-12-01t09:00z"), "2026-12-01T09:00:00Z");
    for (const bad of [
      "yesterday",
      "2026-12-01",
      "2026-02-31T00:00:00Z",
      "2026-12-01T24:00:00Z",
      "2026-12-01T09:00:00",
      "1733043600",
      "",
    ]) {
      const p = parseUrlState(`?as_of=${encodeURIComponent(bad)}&type=A`);
      assert.equal(p.as_of, "", `as_of=${bad} is ignored`);
      assert.equal(serializeUrlState(p), "?type=A", `as_of=${bad} leaves the URL`);
    }
  });

  it("deep-links the diff view: from, to and the zone", () => {
    const s = parseUrlState("?view=diff&from=2026-12-01T09:00:00Z&to=2026-12-02T09:00:00Z&zone=Z1");
    assert.equal(s.view, "diff");
    assert.equal(s.from, "2026-12-01T09:00:00Z");
    assert.equal(s.to, "2026-12-02T09:00:00Z");
    assert.equal(s.zone, "Z1");
    assert.equal(
      serializeUrlState(s),
      "?view=diff&zone=Z1&from=2026-12-01T09%3A00%3A00Z&to=2026-12-02T09%3A00%3A00Z",
    );
    assert.deepEqual(parseUrlState(serializeUrlState(s)), s);
    // Other views leave the diff's times out of the URL.
    assert.equal(serializeUrlState({ ...s, view: "records" }), "?zone=Z1");
    assert.equal(parseUrlState("?view=diff&from=nope").from, "");
  });

  it("collapses a burst of typing in one field into one history entry", () => {
    assert.equal(shouldReplace({ field: "q", at: 1000 }, "q", 1500), true);
    assert.equal(shouldReplace({ field: "q", at: 1000 }, "q", 3000), false);
    assert.equal(shouldReplace({ field: "q", at: 1000 }, "name", 1200), false);
    assert.equal(shouldReplace({ field: null, at: 1000 }, null, 1200), false);
  });

  it("keeps the findings filters in the findings view's URL, checked", () => {
    const s: UrlState = {
      ...DEFAULT_STATE,
      view: "findings",
      status: "resolved",
      kind: "dangling_ip",
      severity: "high",
    };
    const qs = serializeUrlState(s);
    assert.equal(qs, "?view=findings&status=resolved&kind=dangling_ip&severity=high");
    assert.deepEqual(parseUrlState(qs), s);
    // Other views leave them out; a bad value is dropped, never sent on.
    assert.equal(serializeUrlState({ ...s, view: "records" }), "");
    const bad = parseUrlState("?view=findings&status=closed&severity=low&kind=a%20b");
    assert.deepEqual([bad.status, bad.severity, bad.kind], ["", "", ""]);
    assert.equal(parseUrlState("?view=findings&status=OPEN").status, "open");
  });
});
