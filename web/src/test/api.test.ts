import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Api, errorMessage } from "../lib/api.ts";
import { parseUrlState } from "../lib/urlState.ts";

describe("api errors", () => {
  it("shows the API's error message", async () => {
    assert.equal(
      await errorMessage(new Response('{"error":"invalid cursor"}', { status: 400 })),
      "invalid cursor",
    );
    assert.equal(
      await errorMessage(
        new Response("<html>bad gateway</html>", { status: 502, statusText: "Bad Gateway" }),
      ),
      "502 Bad Gateway",
    );
    assert.equal(
      await errorMessage(new Response("plain words", { status: 418, statusText: "Teapot" })),
      "418 Teapot: plain words",
    );
  });
});

describe("api requests", () => {
  it("sends the account filter to every endpoint that takes it, and nowhere else", async () => {
    const seen: string[] = [];
    const realFetch = globalThis.fetch;
    globalThis.fetch = (async (input: RequestInfo | URL) => {
      seen.push(String(input));
      return new Response('{"items":[],"next_cursor":null}', { status: 200 });
    }) as typeof fetch;
    try {
      const api = new Api({ apiBase: "https://zt.example/", token: () => null });
      const f = { ...parseUrlState("?account=210987654321&type=A"), zone: "" };
      await api.records(f, null);
      await api.zones(undefined, "210987654321");
      await api.changes(null, 1, undefined, "210987654321");
      await api.stats(undefined, "210987654321");
      await api.accounts();
      await api.zones(undefined, "");
      await api.stats(undefined, "not-an-account");
      assert.deepEqual(seen, [
        "https://zt.example/api/records?account=210987654321&type=A&limit=100",
        "https://zt.example/api/zones?account=210987654321",
        "https://zt.example/api/changes?account=210987654321&limit=1",
        "https://zt.example/api/stats?account=210987654321",
        "https://zt.example/api/accounts",
        "https://zt.example/api/zones",
        "https://zt.example/api/stats",
      ]);
      assert.equal(api.csvUrl(f), "https://zt.example/api/records.csv?account=210987654321&type=A");
    } finally {
      globalThis.fetch = realFetch;
    }
  });
});
