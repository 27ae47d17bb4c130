import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { errorMessage } from "../lib/api.ts";

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
