// The read API's JSON, as docs/design.md ("Read API") writes it. Every nullable member is
// `null` when Route 53 has none; fields the API may add later are simply ignored.

export interface AliasTarget {
  hosted_zone_id: string;
  dns_name: string;
  evaluate_target_health: boolean;
}

export interface GeoLocation {
  continent_code: string | null;
  country_code: string | null;
  subdivision_code: string | null;
}

export interface GeoproximityLocation {
  aws_region?: string | null;
  local_zone_group?: string | null;
  coordinates?: { latitude: string; longitude: string } | null;
  bias?: number | null;
}

export interface CidrRouting {
  collection_id: string;
  location_name: string;
}

export interface Routing {
  weight: number | null;
  region: string | null;
  failover: string | null;
  geo_location: GeoLocation | null;
  geoproximity_location: GeoproximityLocation | null;
  cidr_routing: CidrRouting | null;
  multivalue_answer: boolean | null;
  health_check_id: string | null;
  traffic_policy_instance_id: string | null;
}

export interface DnsRecord {
  id: number;
  zone_id: string;
  zone_name: string;
  private_zone: boolean;
  name: string;
  type: string;
  set_identifier: string | null;
  ttl: number | null;
  values: string[];
  alias_target: AliasTarget | null;
  routing: Routing | null;
  first_seen_at: string;
  observed_at: string;
  deleted_at: string | null;
}

/** The part of a record that a history entry's `before`/`after` carries. */
export type RecordState = Partial<DnsRecord>;

export type ChangeAction = "create" | "update" | "delete";
export type ChangeSource = "event" | "sweep" | "reconcile";

export interface HistoryEntry {
  id: number;
  action: ChangeAction;
  source: ChangeSource;
  actor: string | null;
  /** For an assumed-role session, the role that issued it (when the API knows it). */
  actor_role?: string | null;
  event_id: string | null;
  observed_at: string;
  before: RecordState | null;
  after: RecordState | null;
}

/** A change feed item: a history entry plus the record's identity (each may be missing). */
export interface ChangeItem extends HistoryEntry {
  record_id?: number | null;
  zone_id?: string | null;
  zone_name?: string | null;
  name?: string | null;
  type?: string | null;
  set_identifier?: string | null;
}

export interface Page<T> {
  items: T[];
  next_cursor: string | null;
}

export interface Zone {
  zone_id: string;
  zone_name: string;
  private_zone: boolean;
  records: number | null;
  by_type: Record<string, number>;
}

export interface Stats {
  zones: Zone[];
  by_type: Record<string, number>;
  total_records: number | null;
  last_sweep_at: string | null;
  last_event_at: string | null;
  last_change_at: string | null;
  freshness_lag_seconds: number | null;
}

export interface RuntimeConfig {
  apiBase: string;
  auth: AuthConfig | null;
}

export interface AuthConfig {
  authority: string;
  clientId: string;
  domain: string;
  scopes: string[];
}
