/**
 * The CloudWatch metrics the Rust functions emit as Embedded Metric Format (EMF) lines on
 * stdout (writer/src/metrics.rs, ingest/src/metrics.rs), and that the alarms and the dashboard
 * read. An alarm matches a metric only when namespace, name and dimensions all match, so both
 * sides use these exactly: namespace `zonetrail`, one dimension `Stage` (`writer`, `ingest`
 * or `notify`). docs/deploy.md carries the same table.
 *
 * | metric              | Stage  | unit    | one value per                                       |
 * |---------------------|--------|---------|-----------------------------------------------------|
 * | FreshnessLagSeconds | writer | Seconds | applied message: apply time minus its `observed_at` |
 * | RecordsUpserted     | writer | Count   | batch: record sets created or updated               |
 * | RecordsTombstoned   | writer | Count   | batch: record sets marked deleted                   |
 * | MessagesFailed      | writer | Count   | batch: messages reported back for a retry           |
 * | NotifyErrors        | writer | Count   | failed publishing: the outbox could not be read     |
 * | NotifySent          | notify | Count   | publishing pass: events the bus took                |
 * | NotifyFailed        | notify | Count   | publishing pass: events refused (retried later)     |
 * | NotifyFiltered      | notify | Count   | publishing pass: changes left out by the filter     |
 * | ZonesSwept          | ingest | Count   | sweep run: zones read to the end                    |
 * | ZonesFailed         | ingest | Count   | sweep run: zones whose sweep gave up                |
 * | RecordSetsSwept     | ingest | Count   | sweep run: record sets read                         |
 * | Route53Calls        | ingest | Count   | sweep run: Route 53 requests                        |
 * | Route53Retries      | ingest | Count   | sweep run: requests retried (throttling)            |
 * | MessagesSent        | ingest | Count   | sweep run: messages queued                          |
 * | ResourceListingsFailed | ingest | Count | resource sweep: listings that failed (findings undecided) |
 */
export const METRIC_NAMESPACE = 'zonetrail';

/** The one EMF dimension: which function emitted the metric. */
export const STAGE_DIMENSION = 'Stage';

export const WriterMetric = {
  freshnessLagSeconds: 'FreshnessLagSeconds',
  recordsUpserted: 'RecordsUpserted',
  recordsTombstoned: 'RecordsTombstoned',
  messagesFailed: 'MessagesFailed',
  notifyErrors: 'NotifyErrors',
} as const;

/** The notifications publisher's (notify/src/publisher.rs), `Stage=notify`. */
export const NotifyMetric = {
  sent: 'NotifySent',
  failed: 'NotifyFailed',
  filtered: 'NotifyFiltered',
} as const;

export const IngestMetric = {
  zonesSwept: 'ZonesSwept',
  zonesFailed: 'ZonesFailed',
  recordSetsSwept: 'RecordSetsSwept',
  route53Calls: 'Route53Calls',
  route53Retries: 'Route53Retries',
  messagesSent: 'MessagesSent',
  /** Findings' resource sweep (ingest/src/resources): listings that could not be read. */
  resourceListingsFailed: 'ResourceListingsFailed',
} as const;

export type WriterMetric = (typeof WriterMetric)[keyof typeof WriterMetric];
export type IngestMetric = (typeof IngestMetric)[keyof typeof IngestMetric];
export type NotifyMetric = (typeof NotifyMetric)[keyof typeof NotifyMetric];
