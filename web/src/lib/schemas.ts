// The read API's JSON, by name: aliases into api-types.ts, which openapi-typescript generates
// from the API's OpenAPI document (scripts/gen-api-types.sh). No shape is written by hand:
// when the API changes, regenerate, and tsc shows what the dashboard must follow.
import type { components, paths } from "./api-types.ts";

type Schemas = components["schemas"];

/** A record set as `/api/records` and `/api/records/{id}` answer it. */
export type RecordView = Schemas["RecordView"];
/** A record set's Route 53 content: what a history entry's `before` and `after` hold. */
export type RecordContent = Schemas["RecordContent"];
export type Routing = Schemas["RoutingView"];
export type AliasTarget = Schemas["AliasTargetView"];
export type GeoLocation = Schemas["GeoLocationView"];
export type GeoProximityLocation = Schemas["GeoProximityLocationView"];
export type CidrRouting = Schemas["CidrRoutingView"];

/** One change of a record set (`/api/records/{id}/history`). */
export type ChangeView = Schemas["ChangeView"];
/** A change in the account-wide feed (`/api/changes`): the change and its record set. */
export type FeedItem = Schemas["FeedItem"];

export type RecordList = Schemas["RecordList"];
export type HistoryList = Schemas["HistoryList"];
export type FeedList = Schemas["FeedList"];

/** A zone of `/api/zones`. */
export type ZoneView = Schemas["ZoneView"];
/** A zone's live counts in `/api/stats`. */
export type ZoneStats = Schemas["ZoneStats"];
export type Stats = Schemas["Stats"];

/** An account of `/api/accounts`: its counts and whether the last sweep could read it. */
export type AccountView = Schemas["AccountView"];
/** The accounts' states in one line (`/api/stats`). */
export type AccountSummary = Schemas["AccountSummary"];

/** Since when the history is complete, per account (`/api/stats`' `history`). */
export type HistoryWindow = Schemas["HistoryWindow"];
/** An account's latest CloudTrail backfill window. */
export type BackfillView = Schemas["BackfillView"];

/** A record set whose state differs between two times (`/api/diff`), and a page of them. */
export type DiffItem = Schemas["DiffItem"];
export type DiffList = Schemas["DiffList"];
/** The restore of a zone to a past time (`/api/zones/{id}/restore`). */
export type RestoreView = Schemas["RestoreView"];
export type RestoreSummary = Schemas["RestoreSummaryView"];
/** One Route 53 `ChangeResourceRecordSets` body, exactly the AWS CLI's `--change-batch` JSON. */
export type ChangeBatch = Schemas["ChangeBatch"];

/** A finding of `/api/findings` (issue 20): kind, severity, status, summary, record, evidence. */
export type FindingItem = Schemas["FindingItem"];
export type FindingList = Schemas["FindingList"];
/** An open finding as a record's JSON carries it (`findings` of `RecordView`). */
export type RecordFinding = Schemas["RecordFinding"];
/** The findings counts of `/api/stats`. */
export type FindingCounts = Schemas["FindingCounts"];

/** The findings view's filters: `/api/findings`' own parameter names; "" for any. */
export interface FindingFilters {
  status: string;
  kind: string;
  severity: string;
  account: string;
}

/** Ownership (issue 21): what an editor sets on a record set or a zone. */
export type AnnotationFields = Schemas["AnnotationFields"];
/** An annotation as stored: its fields, version, last editor and time (a zone's, a PUT's answer). */
export type Annotation = Schemas["Annotation"];
/** A record's annotation: its own, or its zone's (`inherited`). */
export type RecordAnnotation = Schemas["RecordAnnotation"];
/** Who manages a record, as external-dns's registry says. */
export type Attribution = Schemas["Attribution"];
/** `/api/me`: who is asking and whether they may edit. */
export type Me = Schemas["Me"];

/** The body of every error answer. */
export type ErrorBody = Schemas["ErrorBody"];

/** The record types the `type` filter accepts. */
export type RecordType = Exclude<
  NonNullable<paths["/api/records"]["get"]["parameters"]["query"]>["type"],
  "" | undefined
>;
