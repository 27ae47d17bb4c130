// The read API client: one place that knows the paths, the base URL, the bearer token
// and the error shape (`{"error": "..."}` with a 4xx status). Every answer's type is the
// OpenAPI document's own (api-types.ts, generated): nothing is guessed or adapted here.
import type { paths } from "./api-types.ts";
import { findingParams } from "./findings.ts";
import type {
  AccountView,
  Annotation,
  AnnotationFields,
  FindingFilters,
  Me,
  ZoneView,
} from "./schemas.ts";
import { diffParams } from "./timetravel.ts";
import { accountParams, filterParams, type RecordFilters } from "./urlState.ts";

/** The JSON a path answers with 200, as the API documents it. */
export type Ok<P extends keyof paths> = paths[P]["get"] extends {
  responses: { 200: { content: { "application/json": infer T } } };
}
  ? T
  : never;

export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
    this.name = "ApiError";
  }
}

export function isAbort(e: unknown): boolean {
  return e instanceof DOMException && e.name === "AbortError";
}

/** The message an error response carries, or a description of the status. */
export async function errorMessage(res: Response): Promise<string> {
  const text = await res.text().catch(() => "");
  try {
    const body = JSON.parse(text) as unknown;
    if (body && typeof body === "object" && "error" in body && typeof body.error === "string")
      return body.error;
  } catch {
    // not JSON: fall through
  }
  const snippet = text.trim().slice(0, 200);
  return `${res.status} ${res.statusText || "error"}${snippet && !snippet.startsWith("<") ? `: ${snippet}` : ""}`;
}

export interface ApiOptions {
  apiBase: string;
  /** The bearer token to send, if signed in (sign-in may renew it first). */
  token: () => string | null | Promise<string | null>;
  /** Called on 401, so the app can sign in again. */
  onUnauthorized?: () => void;
}

export const PAGE_SIZE = 100;

export class Api {
  constructor(private readonly opts: ApiOptions) {}

  url(path: string, params?: URLSearchParams): string {
    const base = this.opts.apiBase.replace(/\/+$/, "");
    const qs = params?.toString();
    return `${base}${path}${qs ? `?${qs}` : ""}`;
  }

  async headers(): Promise<Record<string, string>> {
    const h: Record<string, string> = { Accept: "application/json" };
    const t = await this.opts.token();
    if (t) h.Authorization = `Bearer ${t}`;
    return h;
  }

  async get<T>(path: string, params?: URLSearchParams, signal?: AbortSignal): Promise<T> {
    const headers = await this.headers();
    let res: Response;
    try {
      res = await fetch(this.url(path, params), { headers, signal });
    } catch (e) {
      if (isAbort(e)) throw e;
      throw new ApiError(`Cannot reach the API (${(e as Error).message})`, 0);
    }
    if (res.status === 401) this.opts.onUnauthorized?.();
    if (!res.ok) throw new ApiError(await errorMessage(res), res.status);
    try {
      return (await res.json()) as T;
    } catch {
      throw new ApiError(`The API answered ${path} with something that is not JSON`, res.status);
    }
  }

  /** A write (issue 21): JSON in, JSON (or nothing, 204) out; errors as `get`'s. */
  async send<T>(method: "PUT" | "DELETE", path: string, body?: unknown): Promise<T | null> {
    const headers = await this.headers();
    if (body !== undefined) headers["Content-Type"] = "application/json";
    let res: Response;
    try {
      res = await fetch(this.url(path), {
        method,
        headers,
        body: body === undefined ? null : JSON.stringify(body),
      });
    } catch (e) {
      throw new ApiError(`Cannot reach the API (${(e as Error).message})`, 0);
    }
    if (res.status === 401) this.opts.onUnauthorized?.();
    if (!res.ok) throw new ApiError(await errorMessage(res), res.status);
    if (res.status === 204) return null;
    try {
      return (await res.json()) as T;
    } catch {
      throw new ApiError(`The API answered ${path} with something that is not JSON`, res.status);
    }
  }

  /** Who is asking and whether they may edit annotations. */
  me(signal?: AbortSignal): Promise<Me> {
    return this.get<Ok<"/api/me">>("/api/me", undefined, signal);
  }

  /** Set a record set's (`kind` "records") or a zone's annotation: the whole of it. */
  async putAnnotation(
    kind: "records" | "zones",
    id: number | string,
    fields: AnnotationFields,
  ): Promise<Annotation> {
    const saved = await this.send<Annotation>(
      "PUT",
      `/api/${kind}/${encodeURIComponent(id)}/annotation`,
      fields,
    );
    if (!saved) throw new ApiError("The API answered the edit with no annotation", 204);
    return saved;
  }

  /** Clear a record set's or a zone's own annotation (204, also when there was none). */
  async deleteAnnotation(kind: "records" | "zones", id: number | string): Promise<void> {
    await this.send<never>("DELETE", `/api/${kind}/${encodeURIComponent(id)}/annotation`);
  }

  records(
    f: RecordFilters,
    cursor: string | null,
    signal?: AbortSignal,
    limit = PAGE_SIZE,
  ): Promise<Ok<"/api/records">> {
    const p = filterParams(f);
    p.set("limit", String(limit));
    if (cursor) p.set("cursor", cursor);
    return this.get<Ok<"/api/records">>("/api/records", p, signal);
  }

  /**
   * A page with at least one item, when there is one. A `q` search scans a bounded number of
   * names per request, so a page may come back empty with a `next_cursor`: follow it, a
   * bounded number of times, so the caller never shows "no match" while the scan goes on.
   */
  async recordsNonEmpty(
    f: RecordFilters,
    cursor: string | null,
    signal?: AbortSignal,
    maxHops = 20,
  ): Promise<Ok<"/api/records">> {
    let page = await this.records(f, cursor, signal);
    for (let hop = 1; hop < maxHops && page.items.length === 0 && page.next_cursor; hop++) {
      page = await this.records(f, page.next_cursor, signal);
    }
    return page;
  }

  record(id: number, signal?: AbortSignal): Promise<Ok<"/api/records/{id}">> {
    return this.get<Ok<"/api/records/{id}">>(
      `/api/records/${encodeURIComponent(id)}`,
      undefined,
      signal,
    );
  }

  history(id: number, signal?: AbortSignal): Promise<Ok<"/api/records/{id}/history">> {
    return this.get<Ok<"/api/records/{id}/history">>(
      `/api/records/${encodeURIComponent(id)}/history`,
      new URLSearchParams({ limit: "200" }),
      signal,
    );
  }

  /** The change feed, newest first; of one account when `account` is an account id. */
  changes(
    cursor: string | null,
    limit: number,
    signal?: AbortSignal,
    account = "",
  ): Promise<Ok<"/api/changes">> {
    const p = accountParams(account);
    p.set("limit", String(limit));
    if (cursor) p.set("cursor", cursor);
    return this.get<Ok<"/api/changes">>("/api/changes", p, signal);
  }

  /** Every zone (one page holds them all), or every zone of one account; as of a time. */
  async zones(signal?: AbortSignal, account = "", asOf = ""): Promise<ZoneView[]> {
    const p = accountParams(account);
    if (asOf) p.set("as_of", asOf);
    return (await this.get<Ok<"/api/zones">>("/api/zones", p, signal)).items;
  }

  /** What differs between two times (`to` "" is now), of one zone or of every zone. */
  diff(
    from: string,
    to: string,
    zone: string,
    cursor: string | null,
    signal?: AbortSignal,
    limit = PAGE_SIZE,
  ): Promise<Ok<"/api/diff">> {
    return this.get<Ok<"/api/diff">>(
      "/api/diff",
      diffParams(from, to, zone, cursor, limit),
      signal,
    );
  }

  /** The change batches that take a zone from now back to its state at `to`. */
  restore(zone: string, to: string, signal?: AbortSignal): Promise<Ok<"/api/zones/{id}/restore">> {
    return this.get<Ok<"/api/zones/{id}/restore">>(
      `/api/zones/${encodeURIComponent(zone)}/restore`,
      new URLSearchParams({ to }),
      signal,
    );
  }

  /** The zone's RFC 1035 master file, now or as of a time: a plain link. */
  zoneFileUrl(zone: string, asOf = ""): string {
    return this.url(
      `/api/zones/${encodeURIComponent(zone)}/zonefile`,
      asOf ? new URLSearchParams({ as_of: asOf }) : undefined,
    );
  }

  stats(signal?: AbortSignal, account = ""): Promise<Ok<"/api/stats">> {
    return this.get<Ok<"/api/stats">>("/api/stats", accountParams(account), signal);
  }

  /** Every account in scope, with its counts and whether the last sweep could read it. */
  async accounts(signal?: AbortSignal): Promise<AccountView[]> {
    return (await this.get<Ok<"/api/accounts">>("/api/accounts", undefined, signal)).items;
  }

  /** The CSV export of the current filter: a plain link, usable without JavaScript. */
  csvUrl(f: RecordFilters): string {
    return this.url("/api/records.csv", filterParams(f));
  }

  /** A page of findings, newest first (issue 20). */
  findings(
    f: FindingFilters,
    cursor: string | null,
    signal?: AbortSignal,
    limit = PAGE_SIZE,
  ): Promise<Ok<"/api/findings">> {
    return this.get<Ok<"/api/findings">>("/api/findings", findingParams(f, cursor, limit), signal);
  }

  /** Download through fetch, for when a bearer token must be sent (a link cannot send it). */
  async download(url: string, filename: string, accept = "text/csv"): Promise<void> {
    const res = await fetch(url, { headers: { ...(await this.headers()), Accept: accept } });
    if (!res.ok) throw new ApiError(await errorMessage(res), res.status);
    const blob = await res.blob();
    const a = document.createElement("a");
    a.href = URL.createObjectURL(blob);
    a.download = filename;
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
  }
}
