// Short, readable text for Route 53 fields. Each function has a full-length counterpart in
// a tooltip where it shortens.
import type {
  AliasTarget,
  CidrRouting,
  GeoLocation,
  GeoProximityLocation,
  RecordContent,
  Routing,
} from "./schemas.ts";

export function formatGeo(g: GeoLocation): string {
  if (g.country_code === "*") return "default";
  return [g.continent_code, g.country_code, g.subdivision_code].filter(Boolean).join("/") || "—";
}

export function formatGeoproximity(g: GeoProximityLocation): string {
  const where =
    g.aws_region ??
    g.local_zone_group ??
    (g.coordinates ? `${g.coordinates.latitude},${g.coordinates.longitude}` : null) ??
    "?";
  return g.bias ? `${where} bias ${g.bias}` : where;
}

export function formatCidr(c: CidrRouting): string {
  return `${c.collection_id}/${c.location_name}`;
}

/** Each routing member that is set, as [label, value], in the order Route 53 documents them. */
export function routingParts(r: Routing | null | undefined): Array<[string, string]> {
  if (!r) return [];
  const out: Array<[string, string]> = [];
  if (r.weight !== null && r.weight !== undefined) out.push(["weight", String(r.weight)]);
  if (r.region) out.push(["region", r.region]);
  if (r.failover) out.push(["failover", r.failover]);
  if (r.geo_location) out.push(["geo", formatGeo(r.geo_location)]);
  if (r.geoproximity_location)
    out.push(["geoproximity", formatGeoproximity(r.geoproximity_location)]);
  if (r.cidr_routing) out.push(["cidr", formatCidr(r.cidr_routing)]);
  if (r.multivalue_answer) out.push(["multivalue", "yes"]);
  if (r.health_check_id) out.push(["health check", r.health_check_id]);
  if (r.traffic_policy_instance_id) out.push(["traffic policy", r.traffic_policy_instance_id]);
  return out;
}

/** The routing policy's name for a record: "weighted", "latency", ... or "simple". */
export function routingPolicy(r: Routing | null | undefined): string {
  if (!r) return "simple";
  if (r.weight !== null && r.weight !== undefined) return "weighted";
  if (r.region) return "latency";
  if (r.failover) return "failover";
  if (r.geo_location) return "geolocation";
  if (r.geoproximity_location) return "geoproximity";
  if (r.cidr_routing) return "ip-based";
  if (r.multivalue_answer) return "multivalue";
  return "simple";
}

export function formatAlias(a: AliasTarget): string {
  return `${a.dns_name}${a.evaluate_target_health ? " (eval health)" : ""}`;
}

/** The answer a record gives: its values, or its alias target. */
export function recordAnswers(r: RecordContent): string[] {
  if (r.alias_target) return [`ALIAS ${formatAlias(r.alias_target)}`];
  return r.values;
}

/**
 * An IAM/STS ARN shortened to who it is:
 * `arn:aws:sts::123456789012:assumed-role/OpsAdmin/alice@example.com` → `OpsAdmin/alice@example.com`,
 * `…:assumed-role/AWSReservedSSO_OpsAdmin_0123456789abcdef/alice` → `OpsAdmin/alice`,
 * `arn:aws:iam::123456789012:user/deploy-bot` → `user/deploy-bot`,
 * `arn:aws:iam::123456789012:root` → `root (123456789012)`.
 * Anything else is returned as it is.
 */
export function shortActor(actor: string | null | undefined): string {
  if (!actor) return "";
  const m = /^arn:aws[\w-]*:(iam|sts)::(\d*):(.+)$/.exec(actor);
  if (!m) return actor;
  const [, , account, resource = ""] = m;
  if (resource === "root") return `root (${account})`;
  if (resource.startsWith("assumed-role/")) {
    // IAM Identity Center roles read AWSReservedSSO_<permission set>_<hash>: keep the set.
    const [role = "", ...session] = resource.slice("assumed-role/".length).split("/");
    const sso = /^AWSReservedSSO_(.+)_[0-9a-f]{16}$/.exec(role);
    return [sso ? sso[1] : role, ...session].join("/");
  }
  if (resource.startsWith("federated-user/")) return resource.slice("federated-user/".length);
  return resource;
}

/** Who made a change, for a history entry without an actor (sweeps and reconciliation). */
export function actorLabel(actor: string | null | undefined, source: string): string {
  const s = shortActor(actor);
  if (s) return s;
  if (source === "sweep") return "seen by sweep";
  if (source === "reconcile") return "missing from sweep";
  return "unknown";
}

/** Route 53 names with the trailing dot; a display that drops the zone suffix when asked. */
export function relativeName(name: string, zoneName: string | null | undefined): string {
  if (!zoneName || name === zoneName) return name;
  return name.endsWith(`.${zoneName}`) ? name.slice(0, -zoneName.length - 1) : name;
}

export function formatCount(n: number | null | undefined): string {
  if (n === null || n === undefined) return "—";
  return n.toLocaleString("en-US");
}
