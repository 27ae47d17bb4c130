import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  accountLabel,
  accountShort,
  briefReason,
  groupByAccount,
  isUnreadable,
  truncate,
  unreadableSummary,
} from "../lib/accounts.ts";
import type { AccountView } from "../lib/schemas.ts";

const account = (
  account_id: string,
  name: string | null,
  status: AccountView["status"] = "ok",
  last_error: string | null = null,
): AccountView => ({
  account_id,
  name,
  zones: 0,
  records: 0,
  status,
  last_success_at: "2026-11-20T10:00:00.000000Z",
  last_attempt_at: "2026-11-22T10:00:00.000000Z",
  last_error,
  last_error_at: last_error ? "2026-11-22T10:00:00.000000Z" : null,
  history_complete_since: "2026-11-20T10:00:00.000000Z",
  backfill: null,
});

const DENIED =
  "AccessDenied: User: arn:aws:sts::123456789012:assumed-role/zonetrail-ingest/sweep is not authorized to perform: sts:AssumeRole";

describe("accounts", () => {
  it("labels an account by name and id, or by id alone", () => {
    assert.equal(
      accountLabel(account("123456789012", "network-prod")),
      "network-prod (123456789012)",
    );
    assert.equal(accountLabel(account("123456789012", null)), "123456789012");
    assert.equal(accountShort("123456789012", "network-prod"), "network-prod");
    assert.equal(accountShort("123456789012", null), "123456789012");
    assert.equal(accountShort(null, null), "no account");
  });

  it("counts access_denied and error as unreadable, but not an old error after a success", () => {
    assert.equal(isUnreadable(account("1", null, "access_denied")), true);
    assert.equal(isUnreadable(account("1", null, "error")), true);
    assert.equal(isUnreadable(account("1", null, "ok", "Throttling: rate exceeded")), false);
    assert.equal(isUnreadable(account("1", null, null)), false);
  });

  it("sums up the accounts that cannot be read, concisely, for the top bar", () => {
    assert.equal(unreadableSummary([account("123456789012", "a")]), null);
    const one = unreadableSummary([
      account("123456789012", "ok-account"),
      account("210987654321", "network-prod", "access_denied", DENIED),
    ]);
    assert.ok(one);
    assert.equal(one.count, 1);
    assert.equal(one.only?.account_id, "210987654321");
    assert.equal(one.short, "1 account cannot be read: network-prod (210…): AccessDenied …");
    assert.ok(one.full.includes(DENIED), "the tooltip has the whole reason");

    const two = unreadableSummary([
      account("210987654321", "network-prod", "access_denied", DENIED),
      account("345678901234", null, "error", null),
    ]);
    assert.ok(two);
    assert.equal(two.only, null);
    assert.equal(two.short, "2 accounts cannot be read: network-prod (210…), 345678901234");
    assert.match(two.full, /345678901234: error/);
  });

  it("gives an AWS error's code at a glance, or the reason cut short", () => {
    assert.equal(briefReason(DENIED), "AccessDenied …");
    assert.equal(briefReason("ThrottlingException: Rate exceeded"), "ThrottlingException …");
    assert.equal(briefReason("dispatch failure", 48), "dispatch failure");
    assert.equal(
      briefReason("connection reset by peer while listing zones", 20),
      "connection reset by…",
    );
    assert.equal(
      briefReason("https://sts.amazonaws.com: timed out", 48),
      "https://sts.amazonaws.com: timed out",
    );
  });

  it("truncates on a character budget, whitespace folded", () => {
    assert.equal(truncate("a  b\nc", 10), "a b c");
    assert.equal(truncate("abcdefghij", 5), "abcd…");
  });

  it("groups zones by account: unreadable first, then by name, unnamed and unknown last", () => {
    const z = (zone_id: string, zone_name: string, account_id: string | null) => ({
      zone_id,
      zone_name,
      account_id,
    });
    const groups = groupByAccount(
      [
        z("Z1", "b.example.", "111111111111"),
        z("Z2", "internal.example.", "222222222222"),
        z("Z3", "a.example.", "111111111111"),
        z("Z4", "internal.example.", "111111111111"),
        z("Z5", "old.example.", null),
        z("Z6", "x.example.", "999999999999"),
      ],
      [
        account("111111111111", "network-prod"),
        account("222222222222", "payments", "access_denied", DENIED),
        account("333333333333", null),
        account("444444444444", "empty"),
      ],
    );
    assert.deepEqual(
      groups.map((g) => [g.account_id, g.zones.map((x) => x.zone_id)]),
      [
        ["222222222222", ["Z2"]],
        ["444444444444", []],
        ["111111111111", ["Z3", "Z1", "Z4"]],
        ["333333333333", []],
        ["999999999999", ["Z6"]],
        [null, ["Z5"]],
      ],
    );
    assert.equal(groups[0]?.account?.status, "access_denied");
    assert.equal(groups[4]?.account, null, "an account only a zone names");
  });
});
