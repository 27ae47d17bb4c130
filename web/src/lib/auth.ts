// Sign-in with any OpenID Connect issuer through oidc-client-ts: the authorization code flow
// with PKCE, a nonce and a state (the library makes and checks all three), configured by
// discovery from `authority`. Tokens live in sessionStorage: they survive a reload, not the
// closing of the tab. The library renews them with the refresh token before they expire, so an
// open dashboard stays signed in; a token is never sent once it has expired: it is renewed
// first, and when that fails the user signs in again.
import { type User, UserManager, WebStorageStateStore } from "oidc-client-ts";
import type { AuthConfig } from "./config.ts";

/** A token is not sent in its last seconds: it could expire on the way to the API. */
export const EXPIRY_MARGIN_MS = 5_000;
const LAST_UNAUTHORIZED_KEY = "zonetrail.lastUnauthorized";
const ID_TOKEN_EXPIRY_KEY = "zonetrail.idTokenExpiry";

/** The dashboard's own URL, without query or fragment: the redirect and post-logout URI. */
export function appBaseUrl(href: string): string {
  return new URL("./", href).href;
}

/** 128 random bits, URL-safe: the sign-in request's nonce. */
export function randomNonce(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** The issuer sent the browser back with a code (or an error) for a sign-in we started. */
export function isSigninCallback(href: string): boolean {
  const p = new URL(href).searchParams;
  return p.has("state") && (p.has("code") || p.has("error"));
}

/** Where to go back to after sign-in: a path of this origin only. */
export function returnPath(state: unknown, fallback: string): string {
  return typeof state === "string" && state.startsWith("/") && !state.startsWith("//")
    ? state
    : fallback;
}

/** A display name from the ID token's claims (the library decodes them as UTF-8). */
export function displayName(claims: Record<string, unknown> | undefined): string | null {
  for (const key of ["name", "email", "preferred_username", "cognito:username", "sub"]) {
    const v = claims?.[key];
    if (typeof v === "string" && v.trim()) return v;
  }
  return null;
}

/**
 * When the ID token we send expires, on this browser's clock: the issuer's `exp - iat` from the
 * moment it was received (the two clocks need not agree). It may end before the access token,
 * whose `expires_in` is what the library's `expires_at` counts.
 */
export function idTokenExpiresAt(
  claims: Record<string, unknown> | undefined,
  receivedAt: number,
): number | null {
  const exp = claims?.exp;
  const iat = claims?.iat;
  return typeof exp === "number" && typeof iat === "number"
    ? receivedAt + (exp - iat) * 1000
    : null;
}

/** The token may be sent at `now`: it holds past the margin by both expiries we know of. */
export function usableUntil(
  accessExpiresAtS: number | undefined,
  idExpiresAtMs: number | null,
): number {
  const access =
    accessExpiresAtS === undefined ? Number.POSITIVE_INFINITY : accessExpiresAtS * 1000;
  return Math.min(access, idExpiresAtMs ?? Number.POSITIVE_INFINITY) - EXPIRY_MARGIN_MS;
}

/** One renewal at a time: the library's timer and an API call may both ask for one. */
class DashboardUserManager extends UserManager {
  private renewal: Promise<User | null> | null = null;

  override signinSilent(...args: Parameters<UserManager["signinSilent"]>): Promise<User | null> {
    this.renewal ??= super.signinSilent(...args).finally(() => {
      this.renewal = null;
    });
    return this.renewal;
  }
}

export class Auth {
  readonly manager: UserManager;
  private user: User | null = null;
  private readonly base: string;
  /** The browser is on its way to the issuer: API calls wait instead of starting another trip. */
  private leaving = false;

  constructor(
    readonly cfg: AuthConfig,
    private readonly loc: Location = location,
    private readonly store: Storage = sessionStorage,
  ) {
    this.base = appBaseUrl(loc.href);
    this.manager = new DashboardUserManager({
      authority: cfg.authority,
      client_id: cfg.clientId,
      redirect_uri: this.base,
      post_logout_redirect_uri: this.base,
      response_type: "code",
      scope: cfg.scopes.join(" "),
      // Cognito's discovery document names no standard end-session endpoint: config.json does.
      metadataSeed: cfg.endSessionEndpoint
        ? { end_session_endpoint: cfg.endSessionEndpoint }
        : undefined,
      userStore: new WebStorageStateStore({ store }),
      // Renew with the refresh token before the access token expires (never an iframe: no
      // silent_redirect_uri is set, so an issuer without refresh tokens signs in again).
      automaticSilentRenew: true,
      // The ID token's claims are enough; the userinfo endpoint would be one more origin.
      loadUserInfo: false,
      monitorSession: false,
    });
    this.manager.events.addUserLoaded((u) => this.loaded(u));
    this.manager.events.addUserUnloaded(() => {
      this.user = null;
    });
  }

  /** A new user from a sign-in or a renewal: note when its ID token expires on our clock. */
  private loaded(user: User): void {
    this.user = user;
    // A renewal without a new ID token keeps the old one, and the old one's expiry.
    if (this.idExpiresAt(user) !== null) return;
    const at = idTokenExpiresAt(user.profile, Date.now());
    if (at !== null)
      this.store.setItem(ID_TOKEN_EXPIRY_KEY, JSON.stringify({ token: user.id_token, at }));
  }

  private idExpiresAt(user: User): number | null {
    try {
      const saved = JSON.parse(this.store.getItem(ID_TOKEN_EXPIRY_KEY) ?? "null") as {
        token?: string;
        at?: number;
      } | null;
      return saved && saved.token === user.id_token && typeof saved.at === "number"
        ? saved.at
        : null;
    } catch {
      return null;
    }
  }

  private usable(user: User | null, now = Date.now()): user is User & { id_token: string } {
    return !!user?.id_token && usableUntil(user.expires_at, this.idExpiresAt(user)) > now;
  }

  /**
   * Make sure the user is signed in. Resolves true once a usable token is held; false when the
   * browser is being sent to the issuer's sign-in page (the page is about to unload).
   */
  async ensureSignedIn(): Promise<boolean> {
    if (isSigninCallback(this.loc.href)) {
      let user: User;
      try {
        // Checks the state against the one stored, the code with the PKCE verifier, the nonce.
        user = await this.manager.signinRedirectCallback(this.loc.href);
      } catch (e) {
        // A reload then starts afresh instead of replaying a spent code.
        history.replaceState(null, "", this.base);
        throw new Error(`sign-in failed: ${(e as Error).message}`);
      }
      this.user = user;
      history.replaceState(null, "", returnPath(user.state, this.base));
      if (!this.usable(user)) {
        throw new Error(
          "sign-in failed: the issuer's tokens expire within seconds of being issued",
        );
      }
      return true;
    }
    this.user = await this.manager.getUser();
    if (this.usable(this.user)) return true;
    if (this.user?.refresh_token && this.usable(await this.renew())) return true;
    await this.signIn();
    return false;
  }

  private async renew(): Promise<User | null> {
    try {
      return await this.manager.signinSilent();
    } catch {
      return null;
    }
  }

  /**
   * The token the API is sent: the ID token, whose audience is the client id (the API's
   * authorizer checks it). Never an expired one: it is renewed first, and when the renewal
   * fails the browser goes to sign in again (and this never resolves).
   */
  async bearer(): Promise<string> {
    if (this.leaving) return new Promise<string>(() => {});
    if (this.usable(this.user)) return this.user.id_token;
    const renewed = await this.renew();
    if (this.usable(renewed)) return renewed.id_token;
    await this.signIn();
    return new Promise<string>(() => {});
  }

  async signIn(): Promise<void> {
    this.leaving = true;
    try {
      // The library sends a nonce only when given one, and then checks the ID token carries it.
      await this.manager.signinRedirect({
        nonce: randomNonce(),
        state: this.loc.pathname + this.loc.search,
      });
    } catch (e) {
      this.leaving = false;
      throw e;
    }
  }

  /**
   * A 401: the token was refused; sign in afresh. Only once a minute, so an API that
   * refuses every token shows its error instead of bouncing the browser forever.
   */
  expired(now = Date.now()): boolean {
    const last = Number(this.store.getItem(LAST_UNAUTHORIZED_KEY) ?? 0);
    if (now - last < 60_000) return false;
    this.store.setItem(LAST_UNAUTHORIZED_KEY, String(now));
    // A failure to reach the issuer leaves the API's error on screen.
    void this.manager
      .removeUser()
      .then(() => this.signIn())
      .catch(() => {});
    return true;
  }

  /**
   * Sign out at the issuer too. The library sends the standard parameters (id_token_hint,
   * post_logout_redirect_uri); Cognito's /logout reads `client_id` and `logout_uri` instead,
   * so both are added (the library itself adds client_id only when it has no ID token).
   */
  async signOut(): Promise<void> {
    const user = await this.manager.getUser();
    const extraQueryParams: Record<string, string> = { logout_uri: this.base };
    if (user?.id_token) extraQueryParams.client_id = this.cfg.clientId;
    this.leaving = true;
    try {
      await this.manager.signoutRedirect({ extraQueryParams });
    } catch {
      // No end-session endpoint anywhere: the tokens are gone from this tab; start afresh.
      await this.manager.removeUser();
      this.loc.assign(this.base);
    }
  }

  /** Who is signed in, for the header: name, else e-mail, else user name. */
  userName(): string | null {
    return displayName(this.user?.profile);
  }
}
