// The runtime configuration (`config.json` beside index.html): written by the CDK app at
// deploy, shipped with same-origin defaults for `zonetrail serve`. See docs/contracts.md.
import type { AuthConfig, RuntimeConfig } from "./types.ts";

export const DEFAULT_CONFIG: RuntimeConfig = { apiBase: "", auth: null };

export function parseConfig(raw: unknown): RuntimeConfig {
  if (!raw || typeof raw !== "object") return DEFAULT_CONFIG;
  const o = raw as Record<string, unknown>;
  const apiBase = typeof o.apiBase === "string" ? o.apiBase.replace(/\/+$/, "") : "";
  let auth: AuthConfig | null = null;
  if (o.auth && typeof o.auth === "object") {
    const a = o.auth as Record<string, unknown>;
    if (typeof a.domain !== "string" || typeof a.clientId !== "string" || !a.domain || !a.clientId) {
      throw new Error("config.json: auth needs at least `domain` and `clientId`");
    }
    auth = {
      authority: typeof a.authority === "string" ? a.authority : "",
      clientId: a.clientId,
      domain: a.domain,
      scopes: Array.isArray(a.scopes) ? a.scopes.filter((s): s is string => typeof s === "string") : ["openid"],
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
