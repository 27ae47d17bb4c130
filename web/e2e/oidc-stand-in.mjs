// A local OpenID Connect issuer for the sign-in e2e test, and the dashboard's origin in front
// of an API that checks its tokens as API Gateway's JWT authorizer does.
//
//   issuer (its own origin, CORS open):
//     /.well-known/openid-configuration  discovery, WITHOUT end_session_endpoint (as Cognito's was)
//     /authorize   checks client, redirect URI, PKCE S256 challenge, state and nonce; answers
//                  at once with a code (no login page)
//     /token       authorization_code (checks the PKCE verifier) and refresh_token grants;
//                  RS256 ID and access tokens with short lives
//     /jwks        the signing key
//     /logout      Cognito's non-standard logout: needs client_id and logout_uri
//   site:
//     /config.json the dashboard's auth settings, pointing at the issuer, with the logout override
//     /api/...     verifies the bearer ID token (signature, issuer, audience, expiry), records
//                  every Authorization header, answers 401 to a bad one, else proxies to `api`
//     anything else is proxied to `api` too (the fixture server also serves web/dist)
//
// Used in-process by e2e/signin.e2e.test.mjs (startOidcStandIn), or by hand:
//   node e2e/oidc-stand-in.mjs --api http://127.0.0.1:PORT [--access-ttl 15] [--id-ttl 10]
import { createHash, generateKeyPairSync, randomBytes, sign, verify } from "node:crypto";
import { createServer, request } from "node:http";
import { fileURLToPath } from "node:url";

export const CLIENT_ID = "dashboard-client";
/** A non-ASCII name: the dashboard must decode the ID token's claims as UTF-8. */
export const USER = { sub: "user-0001", name: "Zoë Ångström", email: "zoe@example.com" };

const b64url = (v) =>
  Buffer.from(typeof v === "string" ? v : JSON.stringify(v)).toString("base64url");

function listen(server) {
  return new Promise((resolve) =>
    server.listen(0, "127.0.0.1", () => resolve(`http://127.0.0.1:${server.address().port}`)),
  );
}

async function readBody(req) {
  const chunks = [];
  for await (const c of req) chunks.push(c);
  return Buffer.concat(chunks).toString("utf8");
}

function sendJson(res, status, body, headers = {}) {
  res.writeHead(status, {
    "Content-Type": "application/json; charset=utf-8",
    "Cache-Control": "no-store",
    ...headers,
  });
  res.end(JSON.stringify(body));
}

/**
 * Start the issuer and the site. `log` holds what they saw; `failRefresh` and `wrongNonce`
 * switch failures on for a test.
 */
export async function startOidcStandIn({ api, accessTtl = 15, idTtl = 10 }) {
  const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const kid = randomBytes(6).toString("hex");
  const codes = new Map();
  /** refresh token → when the user authenticated (a renewed ID token keeps auth_time). */
  const refreshTokens = new Map();
  const state = {
    issuer: "",
    site: "",
    failRefresh: false,
    wrongNonce: false,
    log: { authorize: [], token: [], logout: [], api: [] },
  };
  let serial = 0;

  const jwt = (claims) => {
    const head = b64url({ alg: "RS256", typ: "JWT", kid });
    const body = b64url(claims);
    return `${head}.${body}.${sign("sha256", Buffer.from(`${head}.${body}`), privateKey).toString("base64url")}`;
  };

  const issue = (nonce, authTime) => {
    const iat = Math.floor(Date.now() / 1000);
    const jti = `t${++serial}`;
    const id_token = jwt({
      iss: state.issuer,
      aud: CLIENT_ID,
      iat,
      exp: iat + idTtl,
      auth_time: authTime,
      jti,
      token_use: "id",
      ...USER,
      ...(nonce ? { nonce } : {}),
    });
    const access_token = jwt({
      iss: state.issuer,
      client_id: CLIENT_ID,
      sub: USER.sub,
      iat,
      exp: iat + accessTtl,
      jti: `${jti}-access`,
      scope: "openid email",
      token_use: "access",
    });
    return { jti, body: { id_token, access_token, expires_in: accessTtl, token_type: "Bearer" } };
  };

  const cors = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Allow-Headers": "*",
    "Access-Control-Allow-Methods": "GET, POST",
  };
  const issuer = createServer(async (req, res) => {
    const url = new URL(req.url ?? "/", state.issuer);
    const p = url.searchParams;
    try {
      if (req.method === "OPTIONS") {
        res.writeHead(204, cors);
        return res.end();
      }
      if (url.pathname === "/.well-known/openid-configuration") {
        return sendJson(
          res,
          200,
          {
            issuer: state.issuer,
            authorization_endpoint: `${state.issuer}/authorize`,
            token_endpoint: `${state.issuer}/token`,
            jwks_uri: `${state.issuer}/jwks`,
            response_types_supported: ["code"],
            grant_types_supported: ["authorization_code", "refresh_token"],
            code_challenge_methods_supported: ["S256"],
            subject_types_supported: ["public"],
            id_token_signing_alg_values_supported: ["RS256"],
            scopes_supported: ["openid", "email", "profile"],
          },
          cors,
        );
      }
      if (url.pathname === "/jwks") {
        return sendJson(
          res,
          200,
          { keys: [{ ...publicKey.export({ format: "jwk" }), kid, use: "sig", alg: "RS256" }] },
          cors,
        );
      }
      if (url.pathname === "/authorize" && req.method === "GET") {
        const params = Object.fromEntries(p);
        state.log.authorize.push(params);
        const problem =
          (params.client_id !== CLIENT_ID && "unknown client_id") ||
          (params.response_type !== "code" && "response_type must be code") ||
          (params.redirect_uri !== `${state.site}/` &&
            `redirect_uri ${params.redirect_uri} is not registered`) ||
          (!(params.scope ?? "").split(" ").includes("openid") && "scope must include openid") ||
          (params.code_challenge_method !== "S256" && "code_challenge_method must be S256") ||
          (!params.code_challenge && "code_challenge is missing") ||
          (!params.state && "state is missing") ||
          (!params.nonce && "nonce is missing");
        if (problem) {
          res.writeHead(400, { "Content-Type": "text/plain; charset=utf-8" });
          return res.end(`stand-in issuer: ${problem}`);
        }
        const code = randomBytes(12).toString("hex");
        codes.set(code, {
          challenge: params.code_challenge,
          redirect_uri: params.redirect_uri,
          nonce: state.wrongNonce ? "not-the-nonce-sent" : params.nonce,
        });
        const back = new URL(params.redirect_uri);
        back.searchParams.set("code", code);
        back.searchParams.set("state", params.state);
        res.writeHead(302, { Location: back.href });
        return res.end();
      }
      if (url.pathname === "/token" && req.method === "POST") {
        const form = new URLSearchParams(await readBody(req));
        const grant = form.get("grant_type");
        const entry = { grant, at: Date.now() };
        state.log.token.push(entry);
        if (form.get("client_id") !== CLIENT_ID)
          return sendJson(res, 401, { error: "invalid_client" }, cors);
        if (grant === "authorization_code") {
          const pending = codes.get(form.get("code") ?? "");
          codes.delete(form.get("code") ?? "");
          const challenge = createHash("sha256")
            .update(form.get("code_verifier") ?? "")
            .digest("base64url");
          if (
            !pending ||
            pending.challenge !== challenge ||
            pending.redirect_uri !== form.get("redirect_uri")
          ) {
            return sendJson(
              res,
              400,
              {
                error: "invalid_grant",
                error_description: "code, PKCE verifier or redirect_uri does not match",
              },
              cors,
            );
          }
          const authTime = Math.floor(Date.now() / 1000);
          const { jti, body } = issue(pending.nonce, authTime);
          const refresh_token = randomBytes(16).toString("hex");
          refreshTokens.set(refresh_token, authTime);
          Object.assign(entry, { jti, nonce: pending.nonce });
          return sendJson(res, 200, { ...body, refresh_token }, cors);
        }
        if (grant === "refresh_token") {
          if (state.failRefresh || !refreshTokens.has(form.get("refresh_token") ?? "")) {
            entry.refused = true;
            return sendJson(
              res,
              400,
              { error: "invalid_grant", error_description: "refresh token refused" },
              cors,
            );
          }
          // Like Cognito: new ID and access tokens, the same refresh token (not returned).
          const { jti, body } = issue(null, refreshTokens.get(form.get("refresh_token")));
          entry.jti = jti;
          return sendJson(res, 200, body, cors);
        }
        return sendJson(res, 400, { error: "unsupported_grant_type" }, cors);
      }
      if (url.pathname === "/logout" && req.method === "GET") {
        state.log.logout.push(Object.fromEntries(p));
        if (p.get("client_id") !== CLIENT_ID || !p.get("logout_uri")) {
          res.writeHead(400, { "Content-Type": "text/plain; charset=utf-8" });
          return res.end(
            "stand-in issuer: /logout needs client_id and logout_uri (Cognito's parameters)",
          );
        }
        res.writeHead(302, { Location: p.get("logout_uri") });
        return res.end();
      }
      return sendJson(res, 404, { error: `no such endpoint: ${url.pathname}` }, cors);
    } catch (e) {
      console.error(e);
      return sendJson(res, 500, { error: "stand-in issuer error" }, cors);
    }
  });

  /** What API Gateway's JWT authorizer checks: signature, issuer, audience, expiry. */
  const checkBearer = (header) => {
    const token = /^Bearer (\S+)$/.exec(header ?? "")?.[1];
    if (!token) return { ok: false, reason: "no bearer token" };
    const [h, b, s] = token.split(".");
    if (!s || !verify("sha256", Buffer.from(`${h}.${b}`), publicKey, Buffer.from(s, "base64url"))) {
      return { ok: false, reason: "bad signature" };
    }
    const claims = JSON.parse(Buffer.from(b, "base64url").toString("utf8"));
    const now = Date.now() / 1000;
    if (claims.iss !== state.issuer) return { ok: false, reason: "wrong issuer", claims };
    if (claims.aud !== CLIENT_ID) return { ok: false, reason: "wrong audience", claims };
    if (!(claims.exp > now)) return { ok: false, reason: "expired", claims };
    return { ok: true, claims };
  };

  const proxy = (req, res, body) => {
    const target = new URL(req.url ?? "/", api);
    const headers = { ...req.headers, host: target.host };
    delete headers.authorization;
    const up = request(target, { method: req.method, headers }, (r) => {
      res.writeHead(r.statusCode ?? 502, r.headers);
      r.pipe(res);
    });
    up.on("error", (e) => sendJson(res, 502, { error: `upstream: ${e.message}` }));
    up.end(body);
  };

  const site = createServer(async (req, res) => {
    const url = new URL(req.url ?? "/", state.site);
    try {
      if (url.pathname === "/config.json") {
        return sendJson(res, 200, {
          apiBase: "",
          auth: {
            authority: state.issuer,
            clientId: CLIENT_ID,
            scopes: ["openid", "email"],
            endSessionEndpoint: `${state.issuer}/logout`,
          },
        });
      }
      const body = req.method === "GET" || req.method === "HEAD" ? undefined : await readBody(req);
      if (url.pathname.startsWith("/api/")) {
        const check = checkBearer(req.headers.authorization);
        state.log.api.push({
          at: Date.now(),
          path: url.pathname,
          ok: check.ok,
          reason: check.reason,
          jti: check.claims?.jti,
          exp: check.claims?.exp,
        });
        if (!check.ok) return sendJson(res, 401, { error: `Unauthorized (${check.reason})` });
      }
      return proxy(req, res, body);
    } catch (e) {
      console.error(e);
      return sendJson(res, 500, { error: "stand-in site error" });
    }
  });

  state.issuer = await listen(issuer);
  state.site = await listen(site);
  state.close = () =>
    Promise.all(
      [issuer, site].map(
        (s) =>
          new Promise((r) => {
            s.closeAllConnections();
            s.close(r);
          }),
      ),
    );
  return state;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const arg = (name, dflt) => {
    const i = process.argv.indexOf(name);
    return i > 0 ? process.argv[i + 1] : dflt;
  };
  const api = arg("--api");
  if (!api) {
    console.error(
      "usage: node e2e/oidc-stand-in.mjs --api http://127.0.0.1:PORT [--access-ttl 15] [--id-ttl 10]",
    );
    process.exit(2);
  }
  const s = await startOidcStandIn({
    api,
    accessTtl: Number(arg("--access-ttl", 15)),
    idTtl: Number(arg("--id-ttl", 10)),
  });
  console.log(`oidc stand-in: dashboard on ${s.site}/ (issuer ${s.issuer}, user ${USER.name})`);
  for (const sig of ["SIGINT", "SIGTERM"])
    process.on(sig, () => s.close().then(() => process.exit(0)));
}
