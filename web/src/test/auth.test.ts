import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { authorizeUrl, base64url, codeChallenge, isUsable, logoutUrl, randomString, tokensFromResponse } from "../lib/auth.ts";

const cfg = {
  authority: "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_pool",
  clientId: "client123",
  domain: "https://zonetrail.auth.us-east-1.amazoncognito.com/",
  scopes: ["openid", "email"],
};

describe("PKCE", () => {
  it("derives the S256 challenge of RFC 7636's example", async () => {
    assert.equal(await codeChallenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"), "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
  });

  it("makes URL-safe random verifiers of the allowed length", () => {
    const v = randomString(32);
    assert.match(v, /^[A-Za-z0-9_-]{43}$/);
    assert.notEqual(v, randomString(32));
    assert.equal(base64url(new Uint8Array([251, 255, 191])), "-_-_");
  });

  it("builds the hosted UI's authorize and logout URLs", () => {
    const u = new URL(authorizeUrl(cfg, "https://dash.example.com/", "st", "ch"));
    assert.equal(u.origin + u.pathname, "https://zonetrail.auth.us-east-1.amazoncognito.com/oauth2/authorize");
    assert.deepEqual(Object.fromEntries(u.searchParams), {
      response_type: "code",
      client_id: "client123",
      redirect_uri: "https://dash.example.com/",
      scope: "openid email",
      state: "st",
      code_challenge: "ch",
      code_challenge_method: "S256",
    });
    assert.equal(
      logoutUrl(cfg, "https://dash.example.com/"),
      "https://zonetrail.auth.us-east-1.amazoncognito.com/logout?client_id=client123&logout_uri=https%3A%2F%2Fdash.example.com%2F",
    );
  });
});

describe("tokens", () => {
  it("stores the token endpoint's answer with an expiry", () => {
    const t = tokensFromResponse({ id_token: "i", access_token: "a", refresh_token: "r", expires_in: 3600 }, 1000);
    assert.deepEqual(t, { id_token: "i", access_token: "a", refresh_token: "r", expires_at: 3_601_000 });
    const refreshed = tokensFromResponse({ id_token: "i2", access_token: "a2", expires_in: 60 }, 0, "r");
    assert.equal(refreshed.refresh_token, "r");
    assert.throws(() => tokensFromResponse({ access_token: "a" }, 0), /id_token/);
  });

  it("stops using tokens a minute before they expire", () => {
    const t = { id_token: "i", access_token: "a", refresh_token: null, expires_at: 100_000 };
    assert.equal(isUsable(t, 30_000), true);
    assert.equal(isUsable(t, 50_000), false);
    assert.equal(isUsable(null, 0), false);
  });
});
