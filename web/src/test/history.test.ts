import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  backfillProgress,
  entryHeadline,
  formatCount,
  historyDetail,
  historyLine,
  runningBackfill,
} from "../lib/history.ts";
import type { BackfillView, HistoryWindow } from "../lib/schemas.ts";

const backfill = (state: "running" | "done", readUntil: string, events: number): BackfillView => ({
  state,
  since: "2026-08-24T00:00:00.000000Z",
  until: "2026-10-13T00:00:00.000000Z",
  read_until: readUntil,
  events,
  applied: 10,
  failed_calls: 0,
  incomplete: 0,
  malformed: 0,
  pages: 3,
  updated_at: "2026-11-22T15:28:00.000000Z",
});

describe("history window", () => {
  it("says since when history is complete", () => {
    const h: HistoryWindow = { complete_since: "2026-10-13T09:30:00.000000Z", accounts: [] };
    assert.equal(historyLine(h), "History complete since 2026-10-13 09:30:00 UTC");
    assert.equal(
      historyLine({ complete_since: null, accounts: [] }),
      "History: no account swept yet",
    );
    assert.equal(historyLine(undefined), "History: no account swept yet");
  });

  it("shows a running backfill's progress, none when every backfill is done", () => {
    const h: HistoryWindow = {
      complete_since: "2026-10-13T00:00:00.000000Z",
      accounts: [
        {
          account_id: "111122223333",
          complete_since: "2026-09-01T00:00:00.000000Z",
          backfill: backfill("running", "2026-09-01T00:00:00.000000Z", 12_000),
        },
        {
          account_id: "444455556666",
          complete_since: "2026-10-13T00:00:00.000000Z",
          backfill: backfill("done", "2026-08-24T00:00:00.000000Z", 99),
        },
      ],
    };
    assert.equal(
      backfillProgress(h),
      "backfill running: 12,000 events read, back to 2026-09-01 00:00:00 UTC",
    );
    const second = {
      account_id: "777788889999",
      complete_since: null,
      backfill: backfill("running", "2026-09-20T00:00:00.000000Z", 400),
    };
    const two = { ...h, accounts: [...h.accounts, second] };
    assert.deepEqual(runningBackfill(two), {
      events: 12_400,
      readUntil: "2026-09-20T00:00:00.000000Z",
      accounts: 2,
    });
    assert.equal(
      backfillProgress(two),
      "backfill running (2 accounts): 12,400 events read, back to 2026-09-20 00:00:00 UTC",
    );
    assert.equal(backfillProgress({ ...h, accounts: h.accounts.slice(1) }), null);
    assert.match(historyDetail(h), /90 days at most/);
    assert.match(
      historyDetail(h),
      /111122223333: complete since 2026-09-01 00:00:00 UTC \(backfill running, 12,000 events/,
    );
  });

  it("groups counts", () => {
    assert.equal(formatCount(0), "0");
    assert.equal(formatCount(999), "999");
    assert.equal(formatCount(12_400), "12,400");
    assert.equal(formatCount(1_234_567), "1,234,567");
  });

  it("reads an update whose state before is unknown as a change, not a creation", () => {
    const at = "2026-10-01T08:00:00.000000Z";
    assert.deepEqual(entryHeadline({ action: "update", before_unknown: true, observed_at: at }), {
      label: "changed",
      note: "changed; the state before 2026-10-01 08:00:00 UTC is unknown",
    });
    assert.deepEqual(entryHeadline({ action: "create", before_unknown: false, observed_at: at }), {
      label: "create",
      note: null,
    });
  });
});
