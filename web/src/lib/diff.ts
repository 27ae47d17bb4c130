// Field-level diff of two record states (a history entry's `before` and `after`), in the
// terms an operator thinks in: TTL 300 → 60, value added, weight 70 → 50, alias retargeted.
import { formatAlias, routingParts } from "./format.ts";
import type { RecordContent, Routing } from "./schemas.ts";

export type FieldChange =
  | { kind: "scalar"; field: string; before: string | null; after: string | null }
  | { kind: "set"; field: string; added: string[]; removed: string[]; kept: string[] };

const ROUTING_LABELS: Array<[keyof Routing, string]> = [
  ["weight", "weight"],
  ["region", "region"],
  ["failover", "failover"],
  ["geo_location", "geo"],
  ["geoproximity_location", "geoproximity"],
  ["cidr_routing", "cidr"],
  ["multivalue_answer", "multivalue"],
  ["health_check_id", "health check"],
  ["traffic_policy_instance_id", "traffic policy"],
];

function routingValue(
  r: Routing | null | undefined,
  key: keyof Routing,
  label: string,
): string | null {
  if (!r || r[key] === null || r[key] === undefined || r[key] === false) return null;
  // Reuse the display formatting of one member by asking for the parts of a routing
  // object holding only that member.
  const only = { [key]: r[key] } as unknown as Routing;
  return routingParts(only).find(([l]) => l === label)?.[1] ?? String(r[key]);
}

function scalar(
  field: string,
  before: string | null,
  after: string | null,
  out: FieldChange[],
): void {
  if (before !== after) out.push({ kind: "scalar", field, before, after });
}

function str(v: unknown): string | null {
  return v === null || v === undefined ? null : String(v);
}

/**
 * The fields that differ between `before` and `after`. Either side may be null (a create
 * has no before, a delete no after): then every field the other side has is listed.
 */
export function diffRecords(
  before: RecordContent | null,
  after: RecordContent | null,
): FieldChange[] {
  const b: Partial<RecordContent> = before ?? {};
  const a: Partial<RecordContent> = after ?? {};
  const out: FieldChange[] = [];

  // Identity normally never changes within one record's history; show it if it does.
  if (before && after) {
    scalar("name", str(b.name), str(a.name), out);
    scalar("type", str(b.type), str(a.type), out);
    scalar("set identifier", str(b.set_identifier), str(a.set_identifier), out);
  }

  scalar("ttl", str(b.ttl), str(a.ttl), out);

  const bv = b.values ?? [];
  const av = a.values ?? [];
  const bset = new Set(bv);
  const aset = new Set(av);
  const added = av.filter((v) => !bset.has(v));
  const removed = bv.filter((v) => !aset.has(v));
  if (added.length || removed.length) {
    out.push({ kind: "set", field: "values", added, removed, kept: av.filter((v) => bset.has(v)) });
  }

  scalar(
    "alias",
    b.alias_target ? formatAlias(b.alias_target) : null,
    a.alias_target ? formatAlias(a.alias_target) : null,
    out,
  );
  if (
    b.alias_target &&
    a.alias_target &&
    b.alias_target.hosted_zone_id !== a.alias_target.hosted_zone_id
  ) {
    scalar("alias zone", b.alias_target.hosted_zone_id, a.alias_target.hosted_zone_id, out);
  }

  for (const [key, label] of ROUTING_LABELS) {
    scalar(label, routingValue(b.routing, key, label), routingValue(a.routing, key, label), out);
  }
  return out;
}
