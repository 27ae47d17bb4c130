// Sign-in end to end, in Debian's Chromium: the dashboard's OIDC client (oidc-client-ts)
// against a local issuer (e2e/oidc-stand-in.mjs) whose tokens live seconds, in front of its own
// fixture server (e2e/fixture-server.mjs) for the API. Always the fixture, whatever
// ZONETRAIL_E2E_URL is: this tests the dashboard's own code, not the API.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";
import { CLIENT_ID, startOidcStandIn, USER } from "./oidc-stand-in.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const ROWS = '[data-testid="records-table"] tbody tr.row';
// The ID token (the one sent) lives 10 s, the access token 15 s: the dashboard must go by the
// earlier of the two.
const ID_TTL = 10;
const ACCESS_TTL = 15;

async function until(what, cond, timeoutMs = 30_000) {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await cond();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe("sign-in with an OpenID Connect issuer (oidc-client-ts)", () => {
  let fixture;
  let oidc;
  let browser;
  let page;
  const visited = [];

  const authorizeCount = () => oidc.log.authorize.length;
  const apiCallsSince = (t) => oidc.log.api.filter((c) => c.at > t);
  const codeGrants = () => oidc.log.token.filter((t) => t.grant === "authorization_code" && t.jti);

  before(async () => {
    fixture = spawn(process.execPath, [join(here, "fixture-server.mjs"), "--port", "0"], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    const api = await new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error("the fixture server did not start")), 10_000);
      fixture.stdout.on("data", (d) => {
        const m = /listening on (http:\/\/\S+)/.exec(String(d));
        if (m) {
          clearTimeout(t);
          resolve(m[1]);
        }
      });
      fixture.on("exit", (code) => reject(new Error(`the fixture server exited with ${code}`)));
    });
    oidc = await startOidcStandIn({ api, accessTtl: ACCESS_TTL, idTtl: ID_TTL });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    });
    const context = await browser.newContext({
      viewport: { width: 1440, height: 900 },
      acceptDownloads: true,
    });
    page = await context.newPage();
    page.errors = [];
    page.on("pageerror", (e) => page.errors.push(e.message));
    page.on(
      "request",
      (r) => r.isNavigationRequest() && r.frame() === page.mainFrame() && visited.push(r.url()),
    );
  });

  after(async () => {
    await browser?.close();
    await oidc?.close();
    fixture?.kill("SIGTERM");
  });

  it("signs in with PKCE, state and nonce, and shows the user's UTF-8 name", async () => {
    await page.goto(`${oidc.site}/?type=A&name=www.example.com`);
    await page.waitForSelector(ROWS);
    assert.match((await page.locator(ROWS).first().textContent()) ?? "", /www\.example\.com\./);

    assert.equal(authorizeCount(), 1);
    const authz = oidc.log.authorize[0];
    assert.equal(authz.code_challenge_method, "S256");
    assert.equal(authz.scope, "openid email");
    assert.equal(authz.redirect_uri, `${oidc.site}/`);
    assert.ok(authz.state, "a state is sent");
    assert.ok(authz.nonce && authz.nonce.length >= 16, "a nonce is sent");
    // The stand-in only answers a matching PKCE verifier, and puts the nonce in the ID token.
    assert.equal(codeGrants().length, 1);
    assert.equal(codeGrants()[0].nonce, authz.nonce, "the nonce comes back in the ID token");

    const final = new URL(page.url());
    assert.equal(final.searchParams.get("type"), "A", "the filter survives the sign-in round trip");
    assert.ok(
      !final.searchParams.has("code") && !final.searchParams.has("state"),
      "the code and state leave the URL",
    );
    assert.equal(
      await page.locator(".user").getByText(USER.name).count(),
      1,
      "the header shows the name, decoded as UTF-8",
    );

    assert.ok(oidc.log.api.length > 0);
    assert.deepEqual(
      oidc.log.api.filter((c) => !c.ok),
      [],
      "every API call carries a valid token",
    );
    assert.ok(
      await page.evaluate(
        (key) => sessionStorage.getItem(key) !== null,
        `oidc.user:${oidc.issuer}:${CLIENT_ID}`,
      ),
      "tokens are kept in sessionStorage",
    );

    const [download] = await Promise.all([
      page.waitForEvent("download"),
      page.getByTestId("csv-export").click(),
    ]);
    assert.match(readFileSync(await download.path(), "utf8"), /www\.example\.com\..*blue/);
    const csv = oidc.log.api.filter((c) => c.path === "/api/records.csv");
    assert.ok(csv.length === 1 && csv[0].ok, "the CSV export sends the token");

    // A reload reuses the stored tokens: no second trip to the issuer.
    await page.reload();
    await page.waitForSelector(ROWS);
    assert.equal(authorizeCount(), 1);
    assert.deepEqual(page.errors, []);
  });

  it("renews the token with the refresh token before it expires, and never sends an expired one", async () => {
    const first = oidc.log.api.find((c) => c.ok);
    // Both first tokens (ID and access) have expired by then.
    const expiredAt = Math.max(first.exp * 1000, codeGrants()[0].at + ACCESS_TTL * 1000);
    // The dashboard polls every 5 s: wait for calls well after that.
    await until(
      "API calls after the first tokens expired",
      () => apiCallsSince(expiredAt + 1000).length >= 2,
      30_000,
    );

    const later = apiCallsSince(expiredAt);
    assert.ok(
      later.every((c) => c.jti !== first.jti),
      "calls after its expiry carry a new token",
    );
    const refreshes = oidc.log.token.filter((t) => t.grant === "refresh_token");
    assert.ok(
      refreshes.length > 0 && refreshes.every((t) => !t.refused),
      "renewed with the refresh token",
    );
    assert.ok(
      later.every((c) => refreshes.some((r) => r.jti === c.jti)),
      `the new tokens are the renewed ones: ${JSON.stringify({ later, tokens: oidc.log.token })}`,
    );
    assert.deepEqual(
      oidc.log.api.filter((c) => !c.ok),
      [],
      "no call carried an expired or invalid token",
    );
    assert.equal(authorizeCount(), 1, "still signed in: no trip to the sign-in page");
    assert.equal(await page.locator(".user").getByText(USER.name).count(), 1);
    assert.ok((await page.locator(ROWS).count()) > 0);
  });

  it("signs in again when the renewal is refused, still without sending an expired token", async () => {
    const before = authorizeCount();
    oidc.failRefresh = true;
    try {
      await until(
        "a new sign-in after the refused renewal",
        () => authorizeCount() > before,
        30_000,
      );
    } finally {
      oidc.failRefresh = false;
    }
    assert.ok(
      oidc.log.token.some((t) => t.refused),
      "the renewal was tried and refused",
    );
    const signedIn = await until(
      "the new code grant",
      () => codeGrants().length > 1 && codeGrants().at(-1),
    );
    await until("an API call with the new sign-in's token", () =>
      oidc.log.api.some((c) => c.jti === signedIn.jti),
    );
    await page.waitForSelector(ROWS);
    assert.deepEqual(
      oidc.log.api.filter((c) => !c.ok),
      [],
      "no call carried an expired or invalid token",
    );
    assert.equal(new URL(page.url()).searchParams.get("type"), "A", "the filter survives");
  });

  it("signs out through the configured logout URL with Cognito's parameters", async () => {
    const before = authorizeCount();
    await page.getByRole("button", { name: "Sign out" }).click();
    await until("the issuer's logout", () => oidc.log.logout.length === 1);
    const out = oidc.log.logout[0];
    assert.equal(out.client_id, CLIENT_ID);
    assert.equal(out.logout_uri, `${oidc.site}/`);
    assert.equal(
      out.post_logout_redirect_uri,
      `${oidc.site}/`,
      "the standard parameter is sent too",
    );
    assert.ok(out.id_token_hint, "the standard id_token_hint is sent too");
    assert.ok(
      visited.some((u) => u.startsWith(`${oidc.issuer}/logout?`)),
      "the browser went to the override, not discovery's (it has none)",
    );
    // Back on the dashboard with no tokens: it starts a new sign-in.
    await until("a new sign-in after the logout", () => authorizeCount() > before);
    await page.waitForSelector(ROWS);
    assert.deepEqual(page.errors, []);
  });

  it("refuses an ID token that does not carry the nonce it sent", async () => {
    const context = await browser.newContext();
    const other = await context.newPage();
    const calls = oidc.log.api.length;
    oidc.wrongNonce = true;
    try {
      await other.goto(`${oidc.site}/`);
      await other.locator(".fatal").waitFor();
    } finally {
      oidc.wrongNonce = false;
    }
    assert.match((await other.locator(".fatal").textContent()) ?? "", /sign-in failed: nonce/);
    assert.equal(
      new URL(other.url()).search,
      "",
      "the spent code leaves the URL: a reload starts afresh",
    );
    assert.equal(oidc.log.api.length, calls, "no API call without a valid sign-in");
    await context.close();
  });
});
