// OAuth 2.0 authorization code flow with PKCE against the Cognito hosted UI, dependency-free.
// Tokens live in sessionStorage: they survive a reload, not the closing of the tab.
import type { AuthConfig } from "./types.ts";

const TOKENS_KEY = "zonetrail.tokens";
const PENDING_KEY = "zonetrail.pkce";
const LAST_SIGN_IN_KEY = "zonetrail.lastSignIn";

export interface Tokens {
  id_token: string;
  access_token: string;
  refresh_token: string | null;
  /** Epoch milliseconds. */
  expires_at: number;
}

interface Pending {
  state: string;
  verifier: string;
  /** The dashboard URL (path and query) to go back to after sign-in. */
  return_to: string;
}

export function base64url(bytes: Uint8Array): string {
  let s = "";
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

export function randomString(byteLength = 32): string {
  const bytes = new Uint8Array(byteLength);
  crypto.getRandomValues(bytes);
  return base64url(bytes);
}

/** RFC 7636 S256: BASE64URL(SHA256(ASCII(code_verifier))). */
export async function codeChallenge(verifier: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier));
  return base64url(new Uint8Array(digest));
}

function domainBase(cfg: AuthConfig): string {
  return cfg.domain.replace(/\/+$/, "");
}

export function authorizeUrl(cfg: AuthConfig, redirectUri: string, state: string, challenge: string): string {
  const p = new URLSearchParams({
    response_type: "code",
    client_id: cfg.clientId,
    redirect_uri: redirectUri,
    scope: (cfg.scopes.length ? cfg.scopes : ["openid"]).join(" "),
    state,
    code_challenge: challenge,
    code_challenge_method: "S256",
  });
  return `${domainBase(cfg)}/oauth2/authorize?${p}`;
}

export function logoutUrl(cfg: AuthConfig, redirectUri: string): string {
  const p = new URLSearchParams({ client_id: cfg.clientId, logout_uri: redirectUri });
  return `${domainBase(cfg)}/logout?${p}`;
}

/** The token endpoint's JSON turned into stored tokens; `now` in epoch ms. */
export function tokensFromResponse(body: unknown, now: number, previousRefresh: string | null = null): Tokens {
  const b = (body ?? {}) as Record<string, unknown>;
  if (typeof b.id_token !== "string" || typeof b.access_token !== "string") {
    throw new Error("the token endpoint answered without id_token/access_token");
  }
  const expiresIn = typeof b.expires_in === "number" ? b.expires_in : 3600;
  return {
    id_token: b.id_token,
    access_token: b.access_token,
    refresh_token: typeof b.refresh_token === "string" ? b.refresh_token : previousRefresh,
    expires_at: now + expiresIn * 1000,
  };
}

/** Tokens are used until a minute before they expire. */
export function isUsable(t: Tokens | null, now: number): boolean {
  return t !== null && t.expires_at - 60_000 > now;
}

export function loadTokens(store: Storage): Tokens | null {
  try {
    const t = JSON.parse(store.getItem(TOKENS_KEY) ?? "null") as Tokens | null;
    return t && typeof t.id_token === "string" ? t : null;
  } catch {
    return null;
  }
}

export function redirectUri(loc: Location): string {
  return `${loc.origin}${loc.pathname}`;
}

async function postToken(cfg: AuthConfig, form: Record<string, string>): Promise<unknown> {
  const res = await fetch(`${domainBase(cfg)}/oauth2/token`, {
    method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams(form),
  });
  const body = (await res.json().catch(() => ({}))) as Record<string, unknown>;
  if (!res.ok) {
    const why = typeof body.error_description === "string" ? body.error_description : body.error;
    throw new Error(`sign-in failed: ${String(why ?? res.status)}`);
  }
  return body;
}

export class Auth {
  private tokens: Tokens | null;

  constructor(
    readonly cfg: AuthConfig,
    private readonly store: Storage = sessionStorage,
  ) {
    this.tokens = loadTokens(store);
  }

  /** The token the API is sent: Cognito's id token (it carries the user's identity). */
  bearer(): string | null {
    return this.tokens?.id_token ?? null;
  }

  private save(t: Tokens | null): void {
    this.tokens = t;
    if (t) this.store.setItem(TOKENS_KEY, JSON.stringify(t));
    else this.store.removeItem(TOKENS_KEY);
  }

  /**
   * Make sure the user is signed in. Resolves true once usable tokens are held; false when
   * the browser is being sent to the hosted UI (the page is about to unload).
   */
  async ensureSignedIn(loc: Location = location, hist: History = history): Promise<boolean> {
    const params = new URLSearchParams(loc.search);
    const code = params.get("code");
    const state = params.get("state");
    const error = params.get("error");
    if (error) {
      this.store.removeItem(PENDING_KEY);
      throw new Error(`sign-in failed: ${params.get("error_description") ?? error}`);
    }
    if (code && state) {
      const pending = JSON.parse(this.store.getItem(PENDING_KEY) ?? "null") as Pending | null;
      this.store.removeItem(PENDING_KEY);
      if (!pending || pending.state !== state) throw new Error("sign-in failed: the state does not match; try again");
      const body = await postToken(this.cfg, {
        grant_type: "authorization_code",
        client_id: this.cfg.clientId,
        code,
        redirect_uri: redirectUri(loc),
        code_verifier: pending.verifier,
      });
      this.save(tokensFromResponse(body, Date.now()));
      hist.replaceState(null, "", pending.return_to);
      return true;
    }
    if (isUsable(this.tokens, Date.now())) return true;
    if (this.tokens?.refresh_token && (await this.refresh())) return true;
    await this.signIn(loc);
    return false;
  }

  async refresh(): Promise<boolean> {
    const rt = this.tokens?.refresh_token;
    if (!rt) return false;
    try {
      const body = await postToken(this.cfg, { grant_type: "refresh_token", client_id: this.cfg.clientId, refresh_token: rt });
      this.save(tokensFromResponse(body, Date.now(), rt));
      return true;
    } catch {
      this.save(null);
      return false;
    }
  }

  async signIn(loc: Location = location): Promise<void> {
    const pending: Pending = { state: randomString(16), verifier: randomString(32), return_to: loc.pathname + loc.search };
    this.store.setItem(PENDING_KEY, JSON.stringify(pending));
    loc.assign(authorizeUrl(this.cfg, redirectUri(loc), pending.state, await codeChallenge(pending.verifier)));
  }

  /**
   * A 401: the token was refused; sign in afresh. Only once a minute, so an API that
   * refuses every token shows its error instead of bouncing the browser forever.
   */
  expired(now = Date.now()): boolean {
    const last = Number(this.store.getItem(LAST_SIGN_IN_KEY) ?? 0);
    if (now - last < 60_000) return false;
    this.store.setItem(LAST_SIGN_IN_KEY, String(now));
    this.save(null);
    void this.signIn();
    return true;
  }

  signOut(loc: Location = location): void {
    this.save(null);
    loc.assign(logoutUrl(this.cfg, redirectUri(loc)));
  }

  /** A display name from the id token's claims (email, else username). */
  userName(): string | null {
    const t = this.tokens?.id_token;
    if (!t) return null;
    try {
      const part = t.split(".")[1] ?? "";
      const json = atob(part.replace(/-/g, "+").replace(/_/g, "/"));
      const claims = JSON.parse(json) as Record<string, unknown>;
      const n = claims.email ?? claims["cognito:username"] ?? claims.sub;
      return typeof n === "string" ? n : null;
    } catch {
      return null;
    }
  }
}
