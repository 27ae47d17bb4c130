import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { DEFAULT_CONFIG, parseConfig } from "../lib/config.ts";

describe("config.json", () => {
  it("means same origin and no sign-in when empty or without auth", () => {
    assert.deepEqual(parseConfig(null), DEFAULT_CONFIG);
    assert.deepEqual(parseConfig({ apiBase: "", auth: null }), { apiBase: "", auth: null });
    assert.equal(
      parseConfig({ apiBase: "https://api.example.com/" }).apiBase,
      "https://api.example.com",
    );
  });

  it("reads the issuer, the client and Cognito's logout override", () => {
    const cfg = parseConfig({
      apiBase: "https://x.execute-api.eu-west-1.amazonaws.com",
      auth: {
        authority: "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_pool",
        clientId: "client123",
        scopes: ["openid", "email"],
        endSessionEndpoint: "https://zt.auth.eu-west-1.amazoncognito.com/logout",
      },
    });
    assert.deepEqual(cfg.auth, {
      authority: "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_pool",
      clientId: "client123",
      scopes: ["openid", "email"],
      endSessionEndpoint: "https://zt.auth.eu-west-1.amazoncognito.com/logout",
    });
  });

  it("asks for openid always, and takes the issuer's own end-session endpoint by default", () => {
    const cfg = parseConfig({
      auth: { authority: "https://login.example.com/realms/ops", clientId: "c", scopes: ["email"] },
    });
    assert.deepEqual(cfg.auth?.scopes, ["openid", "email"]);
    assert.equal(cfg.auth?.endSessionEndpoint, null);
  });

  it("rejects an auth block it cannot sign in with, saying why", () => {
    assert.throws(
      () => parseConfig({ auth: { clientId: "c" } }),
      /auth needs at least `authority`/,
    );
    assert.throws(
      () => parseConfig({ auth: { authority: "cognito-idp/pool", clientId: "c" } }),
      /auth\.authority must be an http\(s\) URL/,
    );
    assert.throws(
      () =>
        parseConfig({
          auth: {
            authority: "https://i.example",
            clientId: "c",
            endSessionEndpoint: "javascript:alert(1)",
          },
        }),
      /auth\.endSessionEndpoint must be an http\(s\) URL/,
    );
  });
});
