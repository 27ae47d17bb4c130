#!/usr/bin/env node
// A stand-in for `zonetrail serve`: the built dashboard (web/dist) at `/` and canned
// read-API answers under `/api/...`. Every JSON answer is checked against the API's OpenAPI
// document (src/lib/openapi.json, by e2e/contract.mjs): one that differs is a 500 naming the
// difference. It lets the dashboard's e2e run without the Rust API.
//
//   node e2e/fixture-server.mjs [--port 0] [--host 127.0.0.1] [--dist ../dist] [--delay-ms 0]
//                               [--readonly]
//
// The caller edits annotations as `local` (as a loopback client of `zonetrail up` does);
// with --readonly, /api/me says it may not and the writes are a 403.
// Prints `fixture listening on http://HOST:PORT` when ready.
// Sign-in is tested against e2e/oidc-stand-in.mjs, which serves the dashboard in front of
// this server.
// Test hooks (fixture only): POST /__fixture/change adds a record and its create change,
// so a test can watch a change arrive live.
import { randomBytes } from "node:crypto";
import { createReadStream, existsSync, statSync } from "node:fs";
import { createServer } from "node:http";
import { dirname, extname, join, normalize, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { answerErrors, DOCUMENT } from "./contract.mjs";
import { actorRole, annotationKey, buildData, completeSince, iso, ZONES } from "./fixture-data.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : dflt;
};
const PORT = Number(opt("port", process.env.PORT ?? "0"));
const HOST = opt("host", "127.0.0.1");
const DIST = resolve(opt("dist", join(here, "..", "dist")));
const DELAY_MS = Number(opt("delay-ms", "0"));
const READONLY = args.includes("--readonly");

// The `type` filter's values, as the document lists them.
const RECORD_TYPES = new Set(
  DOCUMENT.paths["/api/records"].get.parameters
    .find((p) => p.name === "type")
    .schema.enum.filter(Boolean),
);
const data = buildData(Date.now());

// ------------------------------------------------------------------ helpers
class BadRequest extends Error {
  constructor(message, status = 400) {
    super(message);
    this.status = status;
  }
}

/** A JSON answer of the API at `route` (its documented path), checked against the document. */
function answer(res, route, status, body, method = "get") {
  const errors = answerErrors(route, status, body, DOCUMENT, method);
  if (errors.length) {
    console.error(`fixture answer differs from src/lib/openapi.json:\n  ${errors.join("\n  ")}`);
    return sendJson(res, 500, {
      error: `fixture answer differs from the OpenAPI document: ${errors.slice(0, 3).join("; ")}`,
    });
  }
  return sendJson(res, status, body);
}

function sendJson(res, status, body, headers = {}) {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    "Content-Type": "application/json",
    "Cache-Control": "no-store",
    ...headers,
  });
  res.end(text);
}

/** As the API: from 1, default 100; more than 1000 is capped to 1000. */
function parseLimit(p) {
  const raw = p.get("limit");
  if (raw === null) return 100;
  if (!/^\d+$/.test(raw) || /^0+$/.test(raw))
    throw new BadRequest(`limit must be a whole number from 1 to 1000, got ${JSON.stringify(raw)}`);
  return Math.min(Number(raw), 1000);
}

const encodeCursor = (id) => Buffer.from(JSON.stringify({ after: id })).toString("base64url");
function decodeCursor(raw) {
  if (raw === null || raw === "") return null;
  try {
    const v = JSON.parse(Buffer.from(raw, "base64url").toString("utf8"));
    if (typeof v?.after === "number") return v.after;
  } catch {
    // fall through
  }
  throw new BadRequest("invalid cursor");
}

/** Keyset paging over an already ordered list by item id. */
function pageOf(list, p) {
  const limit = parseLimit(p);
  const after = decodeCursor(p.get("cursor"));
  let start = 0;
  if (after !== null) {
    const i = list.findIndex((x) => x.id === after);
    if (i < 0) throw new BadRequest("invalid cursor");
    start = i + 1;
  }
  const items = list.slice(start, start + limit);
  const more = start + limit < list.length;
  return {
    items,
    next_cursor: more && items.length ? encodeCursor(items[items.length - 1].id) : null,
  };
}

/**
 * A `q` search as the API does it: each request scans at most SCAN_NAMES names, so a page
 * can hold fewer than `limit` items — even none — and still have a `next_cursor`.
 */
const SCAN_NAMES = 60;
function scanPage(list, q, p) {
  const limit = parseLimit(p);
  let pos = 0;
  const raw = p.get("cursor");
  if (raw) {
    try {
      pos = JSON.parse(Buffer.from(raw, "base64url").toString("utf8")).pos;
    } catch {
      pos = undefined;
    }
    if (!Number.isInteger(pos) || pos < 0) throw new BadRequest("invalid cursor");
  }
  const items = [];
  let i = pos;
  for (; i < list.length && i < pos + SCAN_NAMES && items.length < limit; i++) {
    if (list[i].name.includes(q)) items.push(list[i]);
  }
  const next_cursor =
    i < list.length ? Buffer.from(JSON.stringify({ pos: i })).toString("base64url") : null;
  return { items, next_cursor };
}

/** As the API: `true` or `false`; absent means false. */
function flag(p, name) {
  const v = p.get(name);
  if (v === null || v === "false") return false;
  if (v === "true") return true;
  throw new BadRequest(`${name} must be true or false, got ${JSON.stringify(v)}`);
}
const withDot = (s) => (s.endsWith(".") ? s : `${s}.`);

/** `account`, as the API reads it: twelve digits, or empty for every account. */
function parseAccount(p) {
  const raw = p.get("account");
  const v = (raw ?? "").trim();
  if (!v) return null;
  if (!/^[0-9]{12}$/.test(v))
    throw new BadRequest(`account: not an AWS account id (twelve digits): ${JSON.stringify(raw)}`);
  return v;
}

/** The zone ids of an account (every zone when `account` is null). */
function zonesOf(account) {
  return new Set(ZONES.filter((z) => !account || z.account_id === account).map((z) => z.zone_id));
}

/** The `/api/records` filters, as the API reads them (as of `as_of` when given). */
function filterRecords(p, { withoutQ = false } = {}) {
  const account0 = parseAccount(p);
  const at = parseAsOf(p, "as_of", account0);
  const rawZone = p.get("zone")?.trim() ?? "";
  const type = p.get("type") ?? "";
  const name = (p.get("name") ?? "").trim().toLowerCase();
  const q = (p.get("q") ?? "").trim().toLowerCase();
  const value = (p.get("value") ?? "").trim().toLowerCase();
  if (type && !RECORD_TYPES.has(type))
    throw new BadRequest(`type: ${JSON.stringify(type)} is not a Route 53 record type`);
  if (rawZone && !/^(\/?hostedzone\/)?[A-Za-z0-9]{1,32}$/.test(rawZone))
    throw new BadRequest(`zone: not a hosted zone id: ${JSON.stringify(rawZone)}`);
  const zone = rawZone.replace(/^\/?hostedzone\//, "").toUpperCase();
  const includeDeleted = flag(p, "include_deleted");
  const account = parseAccount(p);
  const owners = ownerFilter(p);
  if (at !== null)
    for (const [k, set] of Object.entries(owners))
      if (set)
        throw new BadRequest(
          `${k}: not available with as_of (annotations are of now, not of a past time)`,
        );
  return (at === null ? data.records.map(withAnnotation) : recordsAt(at))
    .filter((r) => matchesOwners(r, owners))
    .filter((r) => includeDeleted || r.deleted_at === null)
    .filter((r) => !account || r.account_id === account)
    .filter((r) => !zone || r.zone_id === zone)
    .filter((r) => !type || r.type === type)
    .filter((r) => {
      if (!name) return true;
      // As the API: `*.prod.example.com` is every name below prod.example.com, `api-*` a
      // prefix, anything else one exact name (trailing dot optional).
      if (name.startsWith("*.")) return r.name.endsWith(withDot(name.slice(1)));
      if (name.endsWith("*")) return r.name.startsWith(name.slice(0, -1));
      return r.name === withDot(name);
    })
    .filter((r) => withoutQ || !q || r.name.includes(q))
    .filter((r) => {
      if (!value) return true;
      const v = withDot(value);
      const hit = (s) => {
        const l = s.toLowerCase();
        const last = l.split(/\s+/).pop() ?? "";
        return l === value || l === v || last === value || last === v;
      };
      return r.values.some(hit) || (r.alias_target && hit(r.alias_target.dns_name));
    })
    .sort(
      (a, b) =>
        a.zone_name.localeCompare(b.zone_name) ||
        a.name.localeCompare(b.name) ||
        a.type.localeCompare(b.type) ||
        (a.set_identifier ?? "").localeCompare(b.set_identifier ?? "") ||
        a.id - b.id,
    );
}

// ------------------------------------------------------------------ annotations (issue 21)
const keyOfRecord = (r) => annotationKey(r.zone_id, r.name, r.type, r.set_identifier);

/** A record's effective annotation: its own, else its zone's (`inherited`), else null. */
function effectiveAnnotation(r) {
  const own = data.annotations.get(keyOfRecord(r));
  if (own) return { ...own, inherited: false };
  const zone = data.annotations.get(annotationKey(r.zone_id));
  return zone ? { ...zone, inherited: true } : null;
}

/** The record as the API answers it now: with its effective annotation. */
const withAnnotation = (r) => ({ ...r, annotation: effectiveAnnotation(r) });

/** `owner`, `team` (case-insensitive, exact) and `unowned`, as the API reads them. */
function ownerFilter(p) {
  const text = (name, max) => {
    const raw = p.get(name) ?? "";
    if ([...raw].length > max)
      throw new BadRequest(`${name}: at most ${max} characters, got ${[...raw].length}`);
    return raw.trim().toLowerCase();
  };
  return { owner: text("owner", 200), team: text("team", 200), unowned: flag(p, "unowned") };
}

function matchesOwners(r, f) {
  const a = r.annotation;
  if (f.owner && (a?.owner ?? "").toLowerCase() !== f.owner) return false;
  if (f.team && (a?.team ?? "").toLowerCase() !== f.team) return false;
  if (f.unowned && (a?.owner || a?.team || r.attribution)) return false;
  return true;
}

/** The limits of the PUT body's members, from the document (the API's own): the part of its
 * `allOf` that lists them. */
const INPUT_BODY =
  DOCUMENT.paths["/api/records/{id}/annotation"].put.requestBody.content["application/json"].schema;
const INPUT_SCHEMA = (INPUT_BODY.allOf ?? [INPUT_BODY]).find((part) => part.properties);
const INPUT_MEMBERS = Object.keys(INPUT_SCHEMA.properties);

// Control characters (Cc) are refused; notes keep tabs and line breaks.
// biome-ignore lint/suspicious/noControlCharactersInRegex: the API refuses exactly these
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
// biome-ignore lint/suspicious/noControlCharactersInRegex: the API refuses exactly these
const CONTROL_MULTILINE = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/;

/** A PUT body, checked as the API checks it (api/src/annotations/mod.rs, from_body). */
function annotationInput(text) {
  let body;
  try {
    body = JSON.parse(text);
  } catch (e) {
    throw new BadRequest(`body: not JSON (${e.message}); send an object like {"owner": "alice"}`);
  }
  if (!body || typeof body !== "object" || Array.isArray(body))
    throw new BadRequest("body: must be a JSON object with owner, team, ticket and notes");
  const out = { owner: null, team: null, ticket: null, notes: null };
  for (const [name, value] of Object.entries(body)) {
    if (!INPUT_MEMBERS.includes(name))
      throw new BadRequest(
        `${name.slice(0, 64)}: unknown field; an annotation has owner, team, ticket and notes`,
      );
    if (value === null) continue;
    if (typeof value !== "string")
      throw new BadRequest(`${name}: must be a string or null, got ${typeof value}`);
    const max = INPUT_SCHEMA.properties[name].maxLength;
    const count = [...value].length;
    if (count > max) throw new BadRequest(`${name}: at most ${max} characters, got ${count}`);
    const bad = (name === "notes" ? CONTROL_MULTILINE : CONTROL).exec(value);
    if (bad)
      throw new BadRequest(
        `${name}: control character U+${bad[0].codePointAt(0).toString(16).toUpperCase().padStart(4, "0")} is not allowed${name === "notes" ? " (line breaks and tabs are)" : ""}`,
      );
    out[name] = value.trim() || null;
  }
  // Nothing set: the caller clears the annotation, as DELETE does.
  return Object.values(out).every((v) => v === null) ? null : out;
}

const fieldsOf = (a) =>
  a ? { owner: a.owner, team: a.team, ticket: a.ticket, notes: a.notes } : null;
const versions = new Map();

/** Set (`fields`) or clear (`null`) the annotation of `key`, keeping the edit as the API does. */
function editAnnotation(key, fields) {
  const before = fieldsOf(data.annotations.get(key));
  if (JSON.stringify(before) === JSON.stringify(fields)) return data.annotations.get(key) ?? null;
  const version = (versions.get(key) ?? data.annotations.get(key)?.version ?? 0) + 1;
  versions.set(key, version);
  const at = iso(Date.now());
  const saved = fields ? { ...fields, version, updated_by: "local", updated_at: at } : null;
  if (saved) data.annotations.set(key, saved);
  else data.annotations.delete(key);
  data.annotationEdits.push({
    id: data.annotationEdits.length + 1,
    key,
    actor: "local",
    observed_at: at,
    annotation_before: before,
    annotation_after: fields,
  });
  return saved;
}

/** `PUT`/`DELETE /api/{records,zones}/{id}/annotation`. */
async function annotationRoute(req, res, kind, rawId) {
  const route = `/api/${kind}/{id}/annotation`;
  const method = req.method.toLowerCase();
  const text = await new Promise((ok) => {
    let b = "";
    req.setEncoding("utf8");
    req.on("data", (c) => {
      b += c;
    });
    req.on("end", () => ok(b));
  });
  const fail = (status, error) => answer(res, route, status, { error }, method);
  if (READONLY)
    return fail(403, "annotations are edited by editors only: this fixture runs --readonly");
  let key;
  if (kind === "records") {
    const id = /^\d+$/.test(rawId) ? Number(rawId) : 0;
    if (id < 1)
      return fail(400, `record id must be a positive whole number, got ${JSON.stringify(rawId)}`);
    const r = data.records.find((x) => x.id === id);
    if (!r) return fail(404, `no record set has id ${id}`);
    key = keyOfRecord(r);
  } else {
    const zone = zoneById(rawId);
    if (!zone) return fail(404, `no hosted zone ${rawId}`);
    key = annotationKey(zone.zone_id);
  }
  let fields = null;
  if (method !== "delete") {
    try {
      fields = annotationInput(text);
    } catch (e) {
      if (e instanceof BadRequest) return fail(400, e.message);
      throw e;
    }
  }
  if (fields === null) {
    // DELETE, or a PUT with nothing set.
    editAnnotation(key, null);
    res.writeHead(204, { "Cache-Control": "no-store" });
    return res.end();
  }
  return answer(res, route, 200, editAnnotation(key, fields), method);
}

/** A record's annotation edits, as its history's `annotation` entries. */
function annotationEntries(r) {
  const key = keyOfRecord(r);
  return data.annotationEdits
    .filter((e) => e.key === key)
    .map((e) => ({
      id: e.id,
      action: "annotation",
      source: "edit",
      actor: e.actor,
      actor_role: null,
      event_id: null,
      observed_at: e.observed_at,
      before: null,
      after: null,
      via: null,
      before_unknown: false,
      comment: null,
      annotation_before: e.annotation_before,
      annotation_after: e.annotation_after,
    }));
}

/** Paging by position (a record's history mixes two id sequences). */
function pageByPos(list, p) {
  const limit = parseLimit(p);
  const raw = p.get("cursor");
  let start = 0;
  if (raw) {
    try {
      start = JSON.parse(Buffer.from(raw, "base64url").toString("utf8")).pos;
    } catch {
      start = undefined;
    }
    if (!Number.isInteger(start) || start < 0) throw new BadRequest("invalid cursor");
  }
  const items = list.slice(start, start + limit);
  const more = start + limit < list.length;
  return {
    items,
    next_cursor: more
      ? Buffer.from(JSON.stringify({ pos: start + limit })).toString("base64url")
      : null,
  };
}

// ------------------------------------------------------------------ time travel (issue 18)
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/i;

/** A time parameter as the API reads it (epoch ms), or null when absent. */
function parseTimeParam(p, name) {
  const raw = p.get(name);
  if (raw === null) return null;
  const ms = RFC3339.test(raw.trim()) ? Date.parse(raw.trim()) : Number.NaN;
  if (Number.isNaN(ms))
    throw new BadRequest(
      `${name} must be an RFC 3339 time such as 2026-11-22T09:00:00Z, got ${JSON.stringify(raw)}`,
    );
  return ms;
}

/** As the API's check_as_of: not in the future, not before the history window. */
function checkTime(name, ms, account) {
  const now = Date.now();
  if (ms > now)
    throw new BadRequest(
      `${name} ${iso(ms)} is in the future (now is ${iso(now)}); the inventory as of the future is not known`,
    );
  const start = stats(account).history.complete_since;
  if (start && ms < Date.parse(start))
    throw new BadRequest(
      `${name} ${iso(ms)} is before the history window, which starts at ${start}: zonetrail's history is complete only since then (a backfill can extend it up to 90 days back)`,
    );
  return ms;
}

function parseAsOf(p, name, account) {
  const ms = parseTimeParam(p, name);
  return ms === null ? null : checkTime(name, ms, account);
}

const CONTENT_KEYS = ["name", "type", "set_identifier", "ttl", "values", "alias_target", "routing"];
const contentOf = (r) => Object.fromEntries(CONTENT_KEYS.map((k) => [k, r[k]]));

/**
 * A record set as it was at `ms`, replaying its history: the state after its last entry at or
 * before then (a delete: listed with `deleted_at`), or, before its first entry, the state that
 * entry started from. `null` when it did not exist yet.
 */
function recordAt(r, ms) {
  const hist = data.changes
    .filter((c) => c.record_id === r.id)
    .sort((a, b) => a.observed_at.localeCompare(b.observed_at) || a.id - b.id);
  const upto = hist.filter((c) => Date.parse(c.observed_at) <= ms);
  const last = upto.at(-1);
  if (last?.action === "delete")
    return { ...r, ...last.before, observed_at: last.observed_at, deleted_at: last.observed_at };
  if (last) return { ...r, ...last.after, observed_at: last.observed_at, deleted_at: null };
  if (Date.parse(r.first_seen_at) > ms) return null;
  const first = hist[0];
  if (first && !first.before) return null;
  return { ...r, ...(first?.before ?? {}), observed_at: r.first_seen_at, deleted_at: null };
}

/** Every record set as of `ms` (tombstones of the ones deleted by then included). */
function recordsAt(ms) {
  // As the API: a record shown as of a past time carries no findings (they are of now).
  return data.records
    .map((r) => recordAt(r, ms))
    .filter(Boolean)
    .map((r) => ({ ...r, findings: [], annotation: null }));
}

/** The zone of a `{id}` path segment (with or without `/hostedzone/`), or null. */
function zoneById(raw) {
  const id = decodeURIComponent(raw)
    .replace(/^\/?hostedzone\//, "")
    .toUpperCase();
  return ZONES.find((z) => z.zone_id === id) ?? null;
}

const sameContent = (a, b) => JSON.stringify(contentOf(a)) === JSON.stringify(contentOf(b));

/** `/api/diff`: each record set whose state differs between `from` and `to`. */
function diff(p) {
  const account = parseAccount(p);
  const from = parseTimeParam(p, "from");
  if (from === null) throw new BadRequest("from is required: the time to compare from");
  const toRaw = parseTimeParam(p, "to");
  const to = toRaw ?? Date.now();
  checkTime("from", from, account);
  if (toRaw !== null) checkTime("to", to, account);
  if (from > to)
    throw new BadRequest(`from ${iso(from)} is after to ${iso(to)}: nothing can be compared`);
  // The record filters (zone, name, type, account), of every record set ever known.
  const q = new URLSearchParams(p);
  q.delete("as_of");
  q.delete("q");
  q.set("include_deleted", "true");
  const items = [];
  for (const r of filterRecords(q)) {
    const a = recordAt(r, from);
    const b = recordAt(r, to);
    const before = a && a.deleted_at === null ? contentOf(a) : null;
    const after = b && b.deleted_at === null ? contentOf(b) : null;
    if (!before && !after) continue;
    if (before && after && sameContent(before, after)) continue;
    items.push({
      id: r.id,
      zone_id: r.zone_id,
      zone_name: r.zone_name,
      account_id: r.account_id,
      account_name: r.account_name,
      name: r.name,
      type: r.type,
      set_identifier: r.set_identifier,
      kind: before && after ? "changed" : after ? "added" : "removed",
      before,
      after,
    });
  }
  return { ...pageOf(items, p), from: iso(from), to: iso(to) };
}

/** A record set's content as Route 53's ResourceRecordSet. */
function resourceRecordSet(c) {
  const o = { Name: c.name, Type: c.type };
  if (c.set_identifier) o.SetIdentifier = c.set_identifier;
  const r = c.routing;
  if (r.weight !== null) o.Weight = r.weight;
  if (r.region !== null) o.Region = r.region;
  if (r.failover !== null) o.Failover = r.failover;
  if (r.geo_location) {
    const g = r.geo_location;
    o.GeoLocation = Object.fromEntries(
      [
        ["ContinentCode", g.continent_code],
        ["CountryCode", g.country_code],
        ["SubdivisionCode", g.subdivision_code],
      ].filter(([, v]) => v !== null),
    );
  }
  if (r.multivalue_answer) o.MultiValueAnswer = true;
  if (r.health_check_id !== null) o.HealthCheckId = r.health_check_id;
  if (c.alias_target)
    o.AliasTarget = {
      HostedZoneId: c.alias_target.hosted_zone_id,
      DNSName: c.alias_target.dns_name,
      EvaluateTargetHealth: c.alias_target.evaluate_target_health,
    };
  else {
    o.TTL = c.ttl;
    o.ResourceRecords = c.values.map((Value) => ({ Value }));
  }
  return o;
}

/** `/api/zones/{id}/restore?to=`: the batches that take the zone from now back to `to`. */
function restore(zone, p) {
  const to = parseTimeParam(p, "to");
  if (to === null) throw new BadRequest("to is required: the time to restore the zone to");
  checkTime("to", to, zone.account_id);
  const now = Date.now();
  const changes = [];
  const summary = { creates: 0, deletes: 0, upserts: 0, batches: 0 };
  for (const r of data.records.filter((x) => x.zone_id === zone.zone_id)) {
    // The apex SOA and NS are Route 53's own: never touched.
    if (r.name === zone.zone_name && (r.type === "SOA" || r.type === "NS")) continue;
    const cur = recordAt(r, now);
    const then = recordAt(r, to);
    const current = cur && cur.deleted_at === null ? contentOf(cur) : null;
    const target = then && then.deleted_at === null ? contentOf(then) : null;
    if (current && !target) {
      changes.push({ Action: "DELETE", ResourceRecordSet: resourceRecordSet(current) });
      summary.deletes++;
    } else if (!current && target) {
      changes.push({ Action: "CREATE", ResourceRecordSet: resourceRecordSet(target) });
      summary.creates++;
    } else if (current && target && !sameContent(current, target)) {
      changes.push({ Action: "UPSERT", ResourceRecordSet: resourceRecordSet(target) });
      summary.upserts++;
    }
  }
  const batches = changes.length
    ? [{ Comment: `zonetrail restore of ${zone.zone_name} to ${iso(to)} (1/1)`, Changes: changes }]
    : [];
  summary.batches = batches.length;
  return {
    zone_id: zone.zone_id,
    zone_name: zone.zone_name,
    to: iso(to),
    summary,
    batches,
    commands: batches.map(
      (_, i) =>
        `aws route53 change-resource-record-sets --hosted-zone-id ${zone.zone_id} --change-batch file://batch-${i + 1}.json`,
    ),
    skipped: [],
  };
}

/** The zone's RFC 1035 master file (now or as of `ms`); routing and aliases as comments. */
function zoneFile(zone, ms) {
  const rel = (name) =>
    name === zone.zone_name
      ? "@"
      : name.endsWith(`.${zone.zone_name}`)
        ? name.slice(0, -zone.zone_name.length - 1)
        : name;
  const lines = [`$ORIGIN ${zone.zone_name}`, "$TTL 300"];
  const rows = (ms === null ? data.records : recordsAt(ms))
    .filter((r) => r.zone_id === zone.zone_id && r.deleted_at === null)
    .sort((a, b) => a.name.localeCompare(b.name) || a.type.localeCompare(b.type));
  for (const r of rows) {
    const routed = r.set_identifier !== null;
    if (r.alias_target || routed) {
      const what = r.alias_target
        ? `alias to ${r.alias_target.dns_name}`
        : `${r.values.join(", ")} (set ${r.set_identifier})`;
      lines.push(`; ${rel(r.name)} ${r.type}: ${what}; not expressible in a zone file`);
      continue;
    }
    for (const v of r.values) lines.push(`${rel(r.name)} ${r.ttl} IN ${r.type} ${v}`);
  }
  return `${lines.join("\n")}\n`;
}

function csvCell(v) {
  const s = v === null || v === undefined ? "" : String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

function recordsCsv(rows) {
  const head = [
    "id",
    "account_id",
    "zone_id",
    "zone_name",
    "name",
    "type",
    "set_identifier",
    "ttl",
    "values",
    "alias_target",
    "routing",
    "observed_at",
    "deleted_at",
    "findings",
    "owner",
    "team",
    "ticket",
    "managed_by",
  ];
  const lines = [head.join(",")];
  for (const r of rows) {
    const routing = Object.entries(r.routing ?? {})
      .filter(([, v]) => v !== null)
      .map(([k, v]) => `${k}=${typeof v === "object" ? JSON.stringify(v) : v}`)
      .join(";");
    const a = r.alias_target;
    const alias = a
      ? `${a.dns_name} (${a.hosted_zone_id}${a.evaluate_target_health ? ", evaluates target health" : ""})`
      : null;
    lines.push(
      [
        r.id,
        r.account_id,
        r.zone_id,
        r.zone_name,
        r.name,
        r.type,
        r.set_identifier,
        r.ttl,
        r.values.join("; "),
        alias,
        routing,
        r.observed_at,
        r.deleted_at,
        (r.findings ?? []).map((f) => f.kind).join(" "),
        r.annotation?.owner,
        r.annotation?.team,
        r.annotation?.ticket,
        r.attribution?.summary,
      ]
        .map(csvCell)
        .join(","),
    );
  }
  return `${lines.join("\n")}\n`;
}

function stats(account = null) {
  const live = data.records.filter(
    (r) => r.deleted_at === null && (!account || r.account_id === account),
  );
  const byType = {};
  const zones = ZONES.filter((z) => !account || z.account_id === account).map((z) => ({
    zone_id: z.zone_id,
    zone_name: z.zone_name,
    private_zone: z.private_zone,
    records: 0,
    by_type: {},
  }));
  for (const r of live) {
    byType[r.type] = (byType[r.type] ?? 0) + 1;
    const z = zones.find((x) => x.zone_id === r.zone_id);
    z.records++;
    z.by_type[r.type] = (z.by_type[r.type] ?? 0) + 1;
  }
  const ids = zonesOf(account);
  const newest = data.changes
    .filter((c) => ids.has(c.zone_id))
    // biome-ignore lint/complexity/useMathMinMax: these are RFC 3339 strings, which compare as text; Math.max would make them NaN
    .reduce((m, c) => (c.observed_at > m ? c.observed_at : m), "");
  // With `account`: that account's summary, and when a sweep of it last completed.
  const listed = data.accounts.filter((a) => !account || a.account_id === account);
  const count = (status) => listed.filter((a) => a.status === status).length;
  const newestEvent = data.changes
    .filter((c) => ids.has(c.zone_id) && c.source === "event")
    // biome-ignore lint/complexity/useMathMinMax: RFC 3339 strings compare as text
    .reduce((m, c) => (c.observed_at > m ? c.observed_at : m), "");
  const windows = listed
    .map((a) => ({
      account_id: a.account_id,
      complete_since: completeSince(a),
      backfill: a.backfill,
    }))
    .sort((a, b) => a.account_id.localeCompare(b.account_id));
  const history = {
    // RFC 3339 strings in UTC compare as text: the latest sorts last.
    complete_since:
      windows
        .map((w) => w.complete_since)
        .filter(Boolean)
        .sort()
        .at(-1) ?? null,
    accounts: windows,
  };
  return {
    zones,
    by_type: byType,
    total_records: live.length,
    accounts: {
      total: listed.length,
      ok: count("ok"),
      access_denied: count("access_denied"),
      error: count("error"),
    },
    last_sweep_at: account ? (listed[0]?.last_success_at ?? null) : iso(data.sweepAt),
    last_event_at: account ? newestEvent || null : iso(data.lastEventAt),
    last_change_at: newest || null,
    freshness_lag_seconds: 2,
    history_complete_since: history.complete_since,
    history,
    findings: findingCounts(account),
  };
}

/** `/api/stats`' `findings`: open and suppressed, and the open ones by kind and severity. */
function findingCounts(account) {
  const ids = zonesOf(account);
  const live = data.findings.filter((f) => ids.has(f.record.zone_id));
  const open = live.filter((f) => f.status === "open");
  const byKind = {};
  for (const f of open) byKind[f.kind] = (byKind[f.kind] ?? 0) + 1;
  return {
    open: open.length,
    suppressed: live.filter((f) => f.status === "suppressed").length,
    by_kind: byKind,
    by_severity: {
      high: open.filter((f) => f.severity === "high").length,
      medium: open.filter((f) => f.severity === "medium").length,
    },
  };
}

const FINDING_PARAMS = {
  status: ["open", "suppressed", "resolved"],
  severity: ["high", "medium"],
  kind: DOCUMENT.paths["/api/findings"].get.parameters
    .find((x) => x.name === "kind")
    .schema.enum.filter(Boolean),
};

/** `/api/findings`: newest first, filtered as the API filters (bad values are a 400). */
function listFindings(p) {
  const want = {};
  for (const [name, allowed] of Object.entries(FINDING_PARAMS)) {
    const v = (p.get(name) ?? "").trim();
    if (v && !allowed.includes(v))
      throw new BadRequest(
        `${name} must be one of ${allowed.join(", ")}, got ${JSON.stringify(v)}`,
      );
    want[name] = v;
  }
  const ids = zonesOf(parseAccount(p));
  const rawZone = (p.get("zone") ?? "")
    .trim()
    .replace(/^\/?hostedzone\//, "")
    .toUpperCase();
  const record = (p.get("record") ?? "").trim();
  if (record && !/^[1-9][0-9]*$/.test(record))
    throw new BadRequest(`record must be a positive whole number, got ${JSON.stringify(record)}`);
  const list = data.findings
    .filter((f) => ids.has(f.record.zone_id))
    .filter((f) => !rawZone || f.record.zone_id === rawZone)
    .filter((f) => !record || f.record.id === Number(record))
    .filter((f) => Object.entries(want).every(([k, v]) => !v || f[k] === v))
    .sort((a, b) => b.id - a.id);
  return pageOf(list, p);
}

function changesNewestFirst(account = null) {
  const ids = zonesOf(account);
  return data.changes
    .filter((c) => ids.has(c.zone_id))
    .sort((a, b) => b.observed_at.localeCompare(a.observed_at) || b.id - a.id);
}

/** `/api/accounts`: every account, by name (unnamed last), then id, with its live counts. */
function accounts() {
  const live = data.records.filter((r) => r.deleted_at === null);
  return data.accounts
    .map((a) => ({
      account_id: a.account_id,
      name: a.name,
      zones: ZONES.filter((z) => z.account_id === a.account_id).length,
      records: live.filter((r) => r.account_id === a.account_id).length,
      status: a.status,
      last_success_at: a.last_success_at,
      last_attempt_at: a.last_attempt_at,
      last_error: a.last_error,
      last_error_at: a.last_error_at,
      history_complete_since: completeSince(a),
      backfill: a.backfill,
    }))
    .sort(
      (a, b) =>
        Number(a.name === null) - Number(b.name === null) ||
        (a.name ?? "").localeCompare(b.name ?? "") ||
        a.account_id.localeCompare(b.account_id),
    );
}

// ------------------------------------------------------------------ API
function api(req, res, url) {
  const p = url.searchParams;
  const path = url.pathname;
  const am = /^\/api\/(records|zones)\/([^/]+)\/annotation$/.exec(path);
  if (am && (req.method === "PUT" || req.method === "DELETE"))
    return annotationRoute(req, res, am[1], decodeURIComponent(am[2]));
  if (req.method !== "GET")
    return sendJson(res, 405, {
      error: `${req.method} is not allowed on ${path}; the API's only writes are annotations (PUT, DELETE)`,
    });
  if (path === "/api/me")
    return answer(
      res,
      path,
      200,
      READONLY
        ? {
            can_edit: false,
            who: null,
            reason: "this fixture runs --readonly: annotations are edited by editors only",
          }
        : { can_edit: true, who: "local", reason: null },
    );
  if (path === "/api/stats") return answer(res, path, 200, stats(parseAccount(p)));
  if (path === "/api/accounts") return answer(res, path, 200, { items: accounts() });
  if (path === "/api/zones") {
    const account = parseAccount(p);
    const at = parseAsOf(p, "as_of", account);
    const counted = stats().zones;
    const present = at === null ? null : recordsAt(at).filter((r) => r.deleted_at === null);
    const items = ZONES.filter((z) => !account || z.account_id === account).map((z) => ({
      ...z,
      record_count: null,
      records:
        present === null
          ? (counted.find((c) => c.zone_id === z.zone_id)?.records ?? 0)
          : present.filter((r) => r.zone_id === z.zone_id).length,
      observed_at: iso(data.sweepAt),
      deleted_at: null,
      annotation: data.annotations.get(annotationKey(z.zone_id)) ?? null,
    }));
    return answer(res, path, 200, { items, next_cursor: null });
  }
  if (path === "/api/records") {
    const q = (p.get("q") ?? "").trim().toLowerCase();
    if (q) return answer(res, path, 200, scanPage(filterRecords(p, { withoutQ: true }), q, p));
    return answer(res, path, 200, pageOf(filterRecords(p), p));
  }
  if (path === "/api/records.csv") {
    const rows = filterRecords(p);
    res.writeHead(200, {
      "Content-Type": "text/csv; charset=utf-8",
      "Content-Disposition": 'attachment; filename="zonetrail-records.csv"',
    });
    return res.end(recordsCsv(rows));
  }
  if (path === "/api/diff") return answer(res, path, 200, diff(p));
  if (path === "/api/findings") return answer(res, path, 200, listFindings(p));
  const zm = /^\/api\/zones\/([^/]+)\/(restore|zonefile)$/.exec(path);
  if (zm) {
    const route = `/api/zones/{id}/${zm[2]}`;
    const zone = zoneById(zm[1]);
    if (!zone) return answer(res, route, 404, { error: `no hosted zone has id ${zm[1]}` });
    if (zm[2] === "restore") return answer(res, route, 200, restore(zone, p));
    const at = parseAsOf(p, "as_of", zone.account_id);
    res.writeHead(200, {
      "Content-Type": "text/plain; charset=utf-8",
      "Content-Disposition": `attachment; filename="${zone.zone_name.replace(/\.$/, "")}.zone"`,
    });
    return res.end(zoneFile(zone, at));
  }
  if (path === "/api/changes")
    return answer(res, path, 200, pageOf(changesNewestFirst(parseAccount(p)), p));
  const m = /^\/api\/records\/([^/]+)(\/history)?$/.exec(path);
  if (m) {
    const route = m[2] ? "/api/records/{id}/history" : "/api/records/{id}";
    if (!/^\d+$/.test(m[1]) || Number(m[1]) < 1)
      return answer(res, route, 400, {
        error: `record id must be a positive whole number, got ${JSON.stringify(m[1])}`,
      });
    const id = Number(m[1]);
    const r = data.records.find((x) => x.id === id);
    if (!r) return answer(res, route, 404, { error: `no record set has id ${id}` });
    if (!m[2]) return answer(res, route, 200, withAnnotation(r));
    const changes = changesNewestFirst()
      .filter((c) => c.record_id === id)
      .map(
        ({
          id: cid,
          action,
          source,
          actor,
          actor_role,
          event_id,
          observed_at,
          before,
          after,
          via,
          before_unknown,
          comment,
          annotation_before,
          annotation_after,
        }) => ({
          id: cid,
          action,
          source,
          actor,
          actor_role,
          event_id,
          observed_at,
          before,
          after,
          via,
          before_unknown,
          comment,
          annotation_before,
          annotation_after,
        }),
      );
    // Newest first, the record's changes and its annotation's edits together.
    const hist = [...changes, ...annotationEntries(r)].sort(
      (a, b) => b.observed_at.localeCompare(a.observed_at) || b.id - a.id,
    );
    return answer(res, route, 200, pageByPos(hist, p));
  }
  return sendJson(res, 404, { error: `no API route ${path}` });
}

/** Test hook: a new record appears through a CloudTrail event, now. */
function addLiveChange(res) {
  const now = Date.now();
  const zone = ZONES[0];
  const id = Math.max(...data.records.map((r) => r.id)) + 1;
  const n = data.records.filter((r) => r.name.startsWith("live-")).length + 1;
  const r = {
    id,
    zone_id: zone.zone_id,
    zone_name: zone.zone_name,
    private_zone: false,
    account_id: zone.account_id,
    account_name: zone.account_name,
    name: `live-${n}.example.com.`,
    type: "A",
    set_identifier: null,
    ttl: 60,
    values: [`203.0.113.${100 + n}`],
    alias_target: null,
    routing: {
      weight: null,
      region: null,
      failover: null,
      geo_location: null,
      geoproximity_location: null,
      cidr_routing: null,
      multivalue_answer: null,
      health_check_id: null,
      traffic_policy_instance_id: null,
    },
    first_seen_at: iso(now),
    observed_at: iso(now),
    deleted_at: null,
    findings: [],
    annotation: null,
    attribution: null,
  };
  data.records.push(r);
  const {
    id: _i,
    zone_id: _z,
    zone_name: _n,
    private_zone: _p,
    account_id: _a,
    account_name: _an,
    first_seen_at: _f,
    observed_at: _o,
    deleted_at: _d,
    findings: _fi,
    annotation: _an2,
    attribution: _at,
    ...after
  } = r;
  const actor =
    "arn:aws:sts::123456789012:assumed-role/AWSReservedSSO_OpsAdmin_0123456789abcdef/alice@example.com";
  const c = {
    id: Math.max(...data.changes.map((x) => x.id)) + 1,
    action: "create",
    source: "event",
    actor,
    actor_role: actorRole(actor),
    event_id: randomBytes(16).toString("hex"),
    observed_at: iso(now),
    before: null,
    after,
    via: null,
    before_unknown: false,
    comment: null,
    annotation_before: null,
    annotation_after: null,
    record_id: r.id,
    zone_id: r.zone_id,
    zone_name: r.zone_name,
    account_id: r.account_id,
    account_name: r.account_name,
    name: r.name,
    type: r.type,
    set_identifier: null,
  };
  data.changes.push(c);
  data.lastEventAt = now;
  sendJson(res, 201, { record: r, change: c });
}

// ------------------------------------------------------------------ static files
const MIME = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
};

function serveStatic(_req, res, url) {
  let file = normalize(join(DIST, decodeURIComponent(url.pathname)));
  if (!file.startsWith(DIST)) return sendJson(res, 403, { error: "forbidden" });
  if (!existsSync(file) || statSync(file).isDirectory()) {
    // Unknown paths fall back to the app; a missing asset is a 404.
    if (extname(url.pathname)) return sendJson(res, 404, { error: `not found: ${url.pathname}` });
    file = join(DIST, "index.html");
  }
  if (!existsSync(file))
    return sendJson(res, 500, { error: `web/dist is not built (${DIST}); run npm run build` });
  res.writeHead(200, {
    "Content-Type": MIME[extname(file)] ?? "application/octet-stream",
    "Cache-Control": file.includes(`${join(DIST, "assets")}`)
      ? "public, max-age=31536000, immutable"
      : "no-cache",
  });
  createReadStream(file).pipe(res);
}

// ------------------------------------------------------------------ server
const server = createServer(async (req, res) => {
  const url = new URL(req.url ?? "/", `http://${req.headers.host ?? "localhost"}`);
  try {
    if (DELAY_MS && url.pathname.startsWith("/api/"))
      await new Promise((r) => setTimeout(r, DELAY_MS));
    if (url.pathname === "/healthz")
      return answer(res, "/healthz", 200, { status: "ok", name_index: "ready" });
    if (url.pathname === "/__fixture/change" && req.method === "POST") return addLiveChange(res);
    if (url.pathname === "/api" || url.pathname.startsWith("/api/"))
      return await api(req, res, url);
    return serveStatic(req, res, url);
  } catch (e) {
    if (e instanceof BadRequest) return sendJson(res, e.status, { error: e.message });
    console.error(e);
    return sendJson(res, 500, { error: "fixture server error" });
  }
});

server.listen(PORT, HOST, () => {
  const { port } = server.address();
  console.log(`fixture listening on http://${HOST}:${port}`);
});
for (const sig of ["SIGINT", "SIGTERM"]) process.on(sig, () => server.close(() => process.exit(0)));
