import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  appBaseUrl,
  displayName,
  EXPIRY_MARGIN_MS,
  idTokenExpiresAt,
  isSigninCallback,
  returnPath,
  usableUntil,
} from "../lib/auth.ts";

describe("sign-in URLs", () => {
  it("redirects back to the dashboard's own URL, without its filters", () => {
    assert.equal(
      appBaseUrl("https://dash.example.com/?type=A&name=www#x"),
      "https://dash.example.com/",
    );
    assert.equal(
      appBaseUrl("https://dash.example.com/ops/index.html?view=changes"),
      "https://dash.example.com/ops/",
    );
  });

  it("knows the issuer's answer from the dashboard's own query", () => {
    assert.equal(isSigninCallback("https://d.example/?code=c&state=s"), true);
    assert.equal(isSigninCallback("https://d.example/?error=access_denied&state=s"), true);
    assert.equal(isSigninCallback("https://d.example/?view=records&name=code"), false);
    assert.equal(isSigninCallback("https://d.example/?code=c"), false);
  });

  it("goes back only to a path of this origin", () => {
    assert.equal(returnPath("/?type=A", "https://d.example/"), "/?type=A");
    assert.equal(returnPath("//evil.example/", "https://d.example/"), "https://d.example/");
    assert.equal(returnPath("https://evil.example/", "https://d.example/"), "https://d.example/");
    assert.equal(returnPath(undefined, "https://d.example/"), "https://d.example/");
  });
});

describe("claims", () => {
  it("shows the name, else the e-mail, else the user name", () => {
    assert.equal(
      displayName({ name: "Zoë Ångström", email: "zoe@example.com", sub: "1" }),
      "Zoë Ångström",
    );
    assert.equal(
      displayName({ email: "oncall@example.com", "cognito:username": "u", sub: "1" }),
      "oncall@example.com",
    );
    assert.equal(displayName({ "cognito:username": "oncall", sub: "1" }), "oncall");
    assert.equal(displayName({ name: " ", sub: "abc" }), "abc");
    assert.equal(displayName(undefined), null);
  });
});

describe("token expiry", () => {
  it("counts the ID token's lifetime from when it was received, whatever the issuer's clock says", () => {
    // Issued by a clock an hour ahead of ours: still 600 s to live from receipt.
    assert.equal(idTokenExpiresAt({ iat: 10_000, exp: 10_600 }, 1_000), 601_000);
    assert.equal(idTokenExpiresAt({ exp: 10_600 }, 1_000), null);
  });

  it("stops sending a token before the earlier of its two expiries", () => {
    assert.equal(usableUntil(3_600, null), 3_600_000 - EXPIRY_MARGIN_MS);
    assert.equal(usableUntil(3_600, 1_800_000), 1_800_000 - EXPIRY_MARGIN_MS);
    assert.equal(usableUntil(undefined, 1_800_000), 1_800_000 - EXPIRY_MARGIN_MS);
    assert.equal(usableUntil(undefined, null), Number.POSITIVE_INFINITY);
  });
});
