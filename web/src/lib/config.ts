// The runtime configuration (`config.json` beside index.html): written by the CDK app at
// deploy, shipped with same-origin defaults for `zonetrail serve`. See docs/contracts.md.

/** Sign-in with an OpenID Connect issuer (discovery at `authority/.well-known/openid-configuration`). */
export interface AuthConfig {
  /** The issuer URL, e.g. `https://cognito-idp.REGION.amazonaws.com/POOL`. */
  authority: string;
  clientId: string;
  scopes: string[];
  /**
   * Where sign-out sends the browser, when the issuer's discovery document has no (standard)
   * `end_session_endpoint`: Cognito's `https://PREFIX.auth.REGION.amazoncognito.com/logout`.
   */
  endSessionEndpoint: string | null;
}

export interface RuntimeConfig {
  apiBase: string;
  auth: AuthConfig | null;
}

export const DEFAULT_CONFIG: RuntimeConfig = { apiBase: "", auth: null };

function httpUrl(value: unknown, key: string): string {
  let url: URL | null = null;
  try {
    url = typeof value === "string" ? new URL(value) : null;
  } catch {
    url = null;
  }
  if (!url || (url.protocol !== "https:" && url.protocol !== "http:")) {
    throw new Error(
      `config.json: auth.${key} must be an http(s) URL, got ${JSON.stringify(value)}`,
    );
  }
  return String(value);
}

export function parseConfig(raw: unknown): RuntimeConfig {
  if (!raw || typeof raw !== "object") return DEFAULT_CONFIG;
  const o = raw as Record<string, unknown>;
  const apiBase = typeof o.apiBase === "string" ? o.apiBase.replace(/\/+$/, "") : "";
  let auth: AuthConfig | null = null;
  if (o.auth && typeof o.auth === "object") {
    const a = o.auth as Record<string, unknown>;
    if (
      typeof a.authority !== "string" ||
      typeof a.clientId !== "string" ||
      !a.authority ||
      !a.clientId
    ) {
      throw new Error(
        "config.json: auth needs at least `authority` (the OIDC issuer URL) and `clientId`",
      );
    }
    const scopes = Array.isArray(a.scopes)
      ? a.scopes.filter((s): s is string => typeof s === "string" && s !== "")
      : [];
    auth = {
      authority: httpUrl(a.authority, "authority"),
      clientId: a.clientId,
      // Without `openid` the issuer sends no ID token: there would be nobody to show or send.
      scopes: scopes.includes("openid") ? scopes : ["openid", ...scopes],
      endSessionEndpoint:
        a.endSessionEndpoint == null || a.endSessionEndpoint === ""
          ? null
          : httpUrl(a.endSessionEndpoint, "endSessionEndpoint"),
    };
  }
  return { apiBase, auth };
}

/** Fetch config.json; a missing file means the local defaults (same origin, no sign-in). */
export async function loadConfig(url = "config.json"): Promise<RuntimeConfig> {
  // index.html preloads it, so this request is usually already answered.
  const res = await fetch(url);
  if (res.status === 404) return DEFAULT_CONFIG;
  if (!res.ok) throw new Error(`config.json: ${res.status} ${res.statusText}`);
  return parseConfig(await res.json());
}
