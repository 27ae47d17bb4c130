/**
 * The two kinds of configuration in this app, each declared in one place:
 *
 * - `RustEnv` and the `*Environment` builders: every environment variable a zonetrail Rust
 *   binary reads, as listed in docs/contracts.md. Nothing else in cdk/ names one of them.
 * - `readConfig`: the context parameters (`cdk deploy -c name=value` or cdk.json), with their
 *   defaults. docs/deploy.md has the table.
 */
import type { Node } from 'constructs';

/** Every environment variable the Rust binaries read (docs/contracts.md, "Environment variables"). */
export const RustEnv = {
  databaseUrl: 'DATABASE_URL',
  dbSecretArn: 'ZONETRAIL_DB_SECRET_ARN',
  dbHost: 'ZONETRAIL_DB_HOST',
  dbName: 'ZONETRAIL_DB_NAME',
  dbMaxConnections: 'ZONETRAIL_DB_MAX_CONNECTIONS',
  queueUrl: 'ZONETRAIL_QUEUE_URL',
  sweepQueueUrl: 'ZONETRAIL_SWEEP_QUEUE_URL',
  route53Rps: 'ZONETRAIL_ROUTE53_RPS',
  maxMessageBytes: 'ZONETRAIL_MAX_MESSAGE_BYTES',
  corsOrigin: 'ZONETRAIL_CORS_ORIGIN',
  editorClaim: 'ZONETRAIL_EDITOR_CLAIM',
  editorValue: 'ZONETRAIL_EDITOR_VALUE',
  webDir: 'ZONETRAIL_WEB_DIR',
  accountId: 'ZONETRAIL_ACCOUNT_ID',
  accounts: 'ZONETRAIL_ACCOUNTS',
  accountsExclude: 'ZONETRAIL_ACCOUNTS_EXCLUDE',
  ous: 'ZONETRAIL_OUS',
  roleName: 'ZONETRAIL_ROLE_NAME',
  externalId: 'ZONETRAIL_EXTERNAL_ID',
  sweepConcurrency: 'ZONETRAIL_SWEEP_CONCURRENCY',
  cloudtrailRps: 'ZONETRAIL_CLOUDTRAIL_RPS',
  writerFunction: 'ZONETRAIL_WRITER_FUNCTION',
  notify: 'ZONETRAIL_NOTIFY',
  eventBus: 'ZONETRAIL_EVENT_BUS',
  notifyZones: 'ZONETRAIL_NOTIFY_ZONES',
  notifyIgnoreActors: 'ZONETRAIL_NOTIFY_IGNORE_ACTORS',
  notifySources: 'ZONETRAIL_NOTIFY_SOURCES',
  notifyBackfill: 'ZONETRAIL_NOTIFY_BACKFILL',
  findings: 'ZONETRAIL_FINDINGS',
  findingsQueueUrl: 'ZONETRAIL_FINDINGS_QUEUE_URL',
  regions: 'ZONETRAIL_REGIONS',
  ipRangesUrl: 'ZONETRAIL_IP_RANGES_URL',
  rustLog: 'RUST_LOG',
} as const;

/**
 * Read by `lambda_http` inside `api-lambda`, not by our code: API Gateway stage names must not
 * reach the axum router. (The `$default` stage has none, so this is belt and braces.)
 */
export const LAMBDA_HTTP_IGNORE_STAGE_IN_PATH = 'AWS_LAMBDA_HTTP_IGNORE_STAGE_IN_PATH';

/** Database name created in the cluster and passed as `ZONETRAIL_DB_NAME`. */
export const DATABASE_NAME = 'zonetrail';

/**
 * Largest queue message body. Kept at SQS's historical 256 KiB even though SQS now takes 1 MiB:
 * a batch of ten 1 MiB messages would not fit Lambda's 6 MB synchronous payload.
 */
export const MAX_MESSAGE_BYTES = 262_144;

/** How the Lambdas reach the database. */
export interface DatabaseEnvironment {
  /** Secrets Manager secret in RDS's JSON form. */
  readonly secretArn: string;
  /** The RDS Proxy endpoint, or the cluster endpoint when the proxy is turned off. */
  readonly host: string;
  readonly name: string;
}

function common(rustLog: string): Record<string, string> {
  return { [RustEnv.rustLog]: rustLog };
}

function database(db: DatabaseEnvironment): Record<string, string> {
  return {
    [RustEnv.dbSecretArn]: db.secretArn,
    [RustEnv.dbHost]: db.host,
    [RustEnv.dbName]: db.name,
  };
}

/**
 * Which accounts ingest sweeps, for `ingest-lambda`. Nothing in `self` mode: the binary's
 * defaults are today's single-account behaviour.
 */
function accountsEnvironment(o: OrganizationsConfig): Record<string, string> {
  if (o.accounts === 'self') return {};
  const env: Record<string, string> = {
    [RustEnv.accounts]: o.accounts === 'org' ? 'org' : o.accounts.join(','),
    [RustEnv.roleName]: o.roleName,
    [RustEnv.sweepConcurrency]: String(o.sweepConcurrency),
  };
  if (o.accountsExclude) env[RustEnv.accountsExclude] = o.accountsExclude.join(',');
  if (o.ous) env[RustEnv.ous] = o.ous.join(',');
  if (o.externalId) env[RustEnv.externalId] = o.externalId;
  return env;
}

/**
 * `writerFunction`: the writer's name. The ingest has no database access, so a backfill asks
 * the writer for the windows already read (docs/contracts.md, "Backfill").
 */
export function ingestEnvironment(p: {
  queueUrl: string;
  sweepQueueUrl: string;
  route53Rps: number;
  cloudtrailRps: number;
  writerFunction: string;
  organizations: OrganizationsConfig;
  rustLog: string;
}): Record<string, string> {
  return {
    ...common(p.rustLog),
    [RustEnv.queueUrl]: p.queueUrl,
    [RustEnv.sweepQueueUrl]: p.sweepQueueUrl,
    [RustEnv.route53Rps]: String(p.route53Rps),
    [RustEnv.cloudtrailRps]: String(p.cloudtrailRps),
    [RustEnv.writerFunction]: p.writerFunction,
    [RustEnv.maxMessageBytes]: String(MAX_MESSAGE_BYTES),
    ...accountsEnvironment(p.organizations),
  };
}

/** `accountId`: the deploying account; messages and old zones without an account are its own. */
export function writerEnvironment(p: {
  db: DatabaseEnvironment;
  maxConnections: number;
  accountId: string;
  rustLog: string;
}): Record<string, string> {
  return {
    ...common(p.rustLog),
    ...database(p.db),
    [RustEnv.dbMaxConnections]: String(p.maxConnections),
    [RustEnv.accountId]: p.accountId,
  };
}

/**
 * Notifications on the writer: every committed change published to `bus` (docs/contracts.md,
 * "Notifications"). The rules on the bus filter by zone, actor and source; the writer itself
 * leaves out only backfilled history, unless `backfill`.
 */
export function notifyEnvironment(p: { bus: string; backfill: boolean }): Record<string, string> {
  return {
    [RustEnv.notify]: 'eventbridge',
    [RustEnv.eventBus]: p.bus,
    [RustEnv.notifyBackfill]: String(p.backfill),
  };
}

/**
 * Findings (issue 20) on the ingest: where the resource sweep fetches AWS's published address
 * ranges (`off`: the copy shipped in the binary), and the regions it reads (unset: the
 * account's enabled regions, from `ec2:DescribeRegions`).
 */
export function ingestFindingsEnvironment(f: FindingsConfig): Record<string, string> {
  if (!f.enabled) return {};
  const env: Record<string, string> = { [RustEnv.ipRangesUrl]: f.ipRangesUrl };
  if (f.regions) env[RustEnv.regions] = f.regions.join(',');
  return env;
}

/**
 * The values of `ZONETRAIL_FINDINGS` (docs/contracts.md). `on` (evaluate after each batch, in
 * the writer) is for local use; the stack uses the other three.
 */
export const FindingsMode = {
  off: 'off',
  inline: 'on',
  /** The writer hands each batch's findings work to the findings queue. */
  queue: 'queue',
  /** The findings evaluator: evaluates the queue's work, and `{"findings": {}}`. */
  evaluator: 'evaluator',
} as const;

/**
 * Findings on the writer: with the findings queue (`queueUrl`, findings on), `queue` hands each
 * batch's work to it instead of evaluating; without it, `off`.
 */
export function writerFindingsEnvironment(queueUrl: string | undefined): Record<string, string> {
  if (queueUrl === undefined) return { [RustEnv.findings]: FindingsMode.off };
  return { [RustEnv.findings]: FindingsMode.queue, [RustEnv.findingsQueueUrl]: queueUrl };
}

/** The findings evaluator: the writer's binary, evaluating what the findings queue carries. */
export function evaluatorFindingsEnvironment(): Record<string, string> {
  return { [RustEnv.findings]: FindingsMode.evaluator };
}

/**
 * `editor`: who may write annotations (issue 21). The api lets a request write only when the
 * verified token's claim `editor.claim` holds `editor.value`; always set, so that the function's
 * configuration says who the editors are.
 */
export function apiEnvironment(p: {
  db: DatabaseEnvironment;
  maxConnections: number;
  corsOrigin: string;
  editor: EditorConfig;
  rustLog: string;
}): Record<string, string> {
  return {
    ...common(p.rustLog),
    ...database(p.db),
    [RustEnv.dbMaxConnections]: String(p.maxConnections),
    [RustEnv.corsOrigin]: p.corsOrigin,
    [RustEnv.editorClaim]: p.editor.claim,
    [RustEnv.editorValue]: p.editor.value,
    [LAMBDA_HTTP_IGNORE_STAGE_IN_PATH]: 'true',
  };
}

export function migrateEnvironment(p: {
  db: DatabaseEnvironment;
  accountId: string;
  rustLog: string;
}): Record<string, string> {
  return { ...common(p.rustLog), ...database(p.db), [RustEnv.accountId]: p.accountId };
}

// ---------------------------------------------------------------------------------------------
// Context parameters

/** Where the Lambda code comes from: the Rust workspace, or a stub for synth-only checks. */
export type LambdaCodeSource = 'rust' | 'placeholder';

export interface OidcConfig {
  readonly issuer: string;
  readonly audience: string[];
  readonly clientId: string;
  /** Origin of the provider's sign-in and token endpoints, when not the issuer's (the dashboard's CSP allows it). */
  readonly domain: string;
  readonly scopes: string[];
  /** `auth.endSessionEndpoint` in config.json: only for a provider whose discovery document has none. */
  readonly endSessionEndpoint?: string;
}

/**
 * Who may edit annotations (docs/deploy.md, "Editors"): the api allows a write when the token's
 * claim `claim` holds `value` (the whole string, or one item of a list claim, which API Gateway
 * passes as `[a b c]`). With the Cognito user pool: the members of its `zonetrail-editors` group.
 */
export interface EditorConfig {
  /** `editorClaim` (with `oidcIssuer` only); `cognito:groups` by default. */
  readonly claim: string;
  /** `editorValue` (with `oidcIssuer` only); `zonetrail-editors` by default. */
  readonly value: string;
}

/** The Cognito user pool's group of editors, and the api's default `ZONETRAIL_EDITOR_VALUE`. */
export const EDITOR_GROUP = 'zonetrail-editors';
/** The claim Cognito lists a user's groups in (ID and access tokens). */
export const DEFAULT_EDITOR_CLAIM = 'cognito:groups';

/**
 * Several accounts (docs/deploy.md, "Several accounts"): which ones ingest sweeps, and how it
 * reaches them. `accounts: 'self'` (the default) is the single-account deployment.
 */
export interface OrganizationsConfig {
  /** `self`, `org` (every account of the organization), or explicit account ids. */
  readonly accounts: 'self' | 'org' | string[];
  /** `o-...`; required unless `accounts` is `self` (the central bus admits its accounts). */
  readonly organizationId?: string;
  /** The read-only role ingest assumes in each member account. */
  readonly roleName: string;
  readonly externalId?: string;
  /** Account ids and OU ids (`ou-...`) left out. */
  readonly accountsExclude?: string[];
  /** With `org`: only accounts under these OUs. */
  readonly ous?: string[];
  /** Accounts swept at once. */
  readonly sweepConcurrency: number;
}

/**
 * Notifications (docs/deploy.md, "Notifications"): the `zonetrail` bus is always there; the
 * targets and their filters come from context.
 */
export interface NotifyConfig {
  /** The bus's name (`notifyBusName`, default `zonetrail`). */
  readonly busName: string;
  /** `notifyEmails`: an SNS topic with these e-mail subscriptions. */
  readonly emails?: string[];
  /** `notifyWebhookUrl`: an EventBridge API destination (HTTPS), Slack-compatible text. */
  readonly webhookUrl?: string;
  /** `notifyWebhookSecretName`: the Secrets Manager secret holding the webhook's API key. */
  readonly webhookSecretName?: string;
  /** `notifyWebhookHeader`: the header that carries the API key (default `Authorization`). */
  readonly webhookHeader: string;
  /** `notifyZones`: only changes in these hosted zones (bare ids). */
  readonly zones?: string[];
  /** `notifyIgnoreActors`: not changes whose actor or actor role is one of these ARNs. */
  readonly ignoreActors?: string[];
  /** `notifySources`: only these change sources (`event`, `sweep`, `reconcile`). */
  readonly sources?: string[];
  /** `notifyBackfill`: also publish history a backfill adds (off: old news stays quiet). */
  readonly backfill: boolean;
  /** `notifyRetryMinutes`: how often the writer is asked to publish what batches left. */
  readonly retryMinutes: number;
}

/**
 * Findings (docs/deploy.md, "Findings"): dangling records and DNS hygiene. On by default.
 */
export interface FindingsConfig {
  /** `findings`: `false` deploys none of it, and the writer gets `ZONETRAIL_FINDINGS=off`. */
  readonly enabled: boolean;
  /**
   * `regions`: the regions the resource sweep reads and whose resource events are forwarded
   * (a forwarder stack in each). Unset: the sweep reads every enabled region, and events are
   * caught live in the main region and us-east-1 only.
   */
  readonly regions?: string[];
  /** `resourceSweepMinutes`: how often the resource sweep runs (a divisor of 60, or whole hours dividing 24). */
  readonly resourceSweepMinutes: number;
  /** `ipRangesUrl`: where ip-ranges.json is fetched; `off`: the shipped copy. */
  readonly ipRangesUrl: string;
}

/** AWS's published address ranges. */
export const AWS_IP_RANGES_URL = 'https://ip-ranges.amazonaws.com/ip-ranges.json';
export const DEFAULT_RESOURCE_SWEEP_MINUTES = 60;

export const DEFAULT_EVENT_BUS_NAME = 'zonetrail';
export const CHANGE_SOURCES = ['event', 'sweep', 'reconcile'] as const;

export const DEFAULT_MEMBER_ROLE_NAME = 'zonetrail-readonly';
export const DEFAULT_SWEEP_CONCURRENCY = 8;

export interface ZonetrailConfig {
  readonly account: string;
  readonly region: string;
  readonly stackName: string;
  readonly lambdaCode: LambdaCodeSource;
  /** Explicit AZs for the VPC; default: the first two of the region, resolved at deploy. */
  readonly availabilityZones?: string[];
  /** `undefined`: create a trail; otherwise the account already has one (its name, or "true"). */
  readonly existingTrail?: string;
  readonly oidc?: OidcConfig;
  /** Who may edit annotations: Cognito's `zonetrail-editors` group, or `editorClaim`/`editorValue`. */
  readonly editor: EditorConfig;
  readonly authDomainPrefix: string;
  readonly siteDomainName?: string;
  readonly siteCertificateArn?: string;
  readonly alarmEmail?: string;
  readonly dbMinCapacity: number;
  readonly dbMaxCapacity: number;
  readonly dbProxy: boolean;
  readonly deletionProtection: boolean;
  readonly writerMaxConcurrency: number;
  readonly route53Rps: number;
  /** CloudTrail `LookupEvents` requests per second of one account's backfill. */
  readonly cloudtrailRps: number;
  /** Run the first backfill once, when the stack is created (docs/deploy.md, "Backfill"). */
  readonly backfillOnDeploy: boolean;
  /** How far back that backfill reads: `90d`, `36h`, `2w` ago, or an RFC 3339 time. */
  readonly backfillSince: string;
  readonly freshnessLagAlarmSeconds: number;
  readonly logRetentionDays: number;
  readonly rustLog: string;
  readonly organizations: OrganizationsConfig;
  readonly notify: NotifyConfig;
  readonly findings: FindingsConfig;
}

/** Used only when neither context nor the CLI's profile names an account: synth stays offline. */
export const OFFLINE_ACCOUNT = '111111111111';
export const OFFLINE_REGION = 'us-east-1';

class ContextReader {
  constructor(private readonly node: Node) {}

  string(key: string): string | undefined {
    const v = this.node.tryGetContext(key);
    if (v === undefined || v === null || v === '') return undefined;
    return String(v).trim();
  }

  bool(key: string, fallback: boolean): boolean {
    const v = this.node.tryGetContext(key);
    if (v === undefined || v === null || v === '') return fallback;
    if (typeof v === 'boolean') return v;
    const s = String(v).toLowerCase();
    if (['true', '1', 'yes', 'on'].includes(s)) return true;
    if (['false', '0', 'no', 'off'].includes(s)) return false;
    throw new Error(`context ${key}: expected true or false, got ${JSON.stringify(v)}`);
  }

  number(key: string, fallback: number, min: number, max: number): number {
    const v = this.node.tryGetContext(key);
    if (v === undefined || v === null || v === '') return fallback;
    const n = Number(v);
    if (!Number.isFinite(n) || n < min || n > max) {
      throw new Error(
        `context ${key}: expected a number from ${min} to ${max}, got ${JSON.stringify(v)}`,
      );
    }
    return n;
  }

  list(key: string): string[] | undefined {
    const v = this.node.tryGetContext(key);
    if (v === undefined || v === null || v === '') return undefined;
    const items = Array.isArray(v) ? v.map(String) : String(v).split(',');
    const cleaned = items.map((s) => s.trim()).filter((s) => s.length > 0);
    return cleaned.length > 0 ? cleaned : undefined;
  }
}

/** The retention periods CloudWatch Logs accepts. */
const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288,
  3653,
];

function logRetention(days: number): number {
  if (!LOG_RETENTION_DAYS.includes(days)) {
    throw new Error(
      `context logRetentionDays: CloudWatch Logs accepts one of ${LOG_RETENTION_DAYS.join(', ')}; got ${days}`,
    );
  }
  return days;
}

/** CloudTrail's event history, which LookupEvents reads, keeps this many days. */
export const CLOUDTRAIL_HISTORY_DAYS = 90;

const RELATIVE_TIME = /^([1-9]\d*)(h|d|w)$/;
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/i;
const HOURS_PER_UNIT = { h: 1, d: 24, w: 168 } as const;

/**
 * `backfillSince`: a duration ago (`90d`, `36h`, `2w`) within CloudTrail's 90 days, or an RFC
 * 3339 time. Checked here so that a typo fails the synth rather than the deploy-time backfill;
 * an RFC 3339 time older than 90 days at deploy is clamped by the ingest, with a warning.
 */
function backfillSince(raw: string | undefined): string {
  if (raw === undefined) return `${CLOUDTRAIL_HISTORY_DAYS}d`;
  const relative = RELATIVE_TIME.exec(raw);
  if (relative) {
    const hours = Number(relative[1]) * HOURS_PER_UNIT[relative[2] as keyof typeof HOURS_PER_UNIT];
    if (hours > CLOUDTRAIL_HISTORY_DAYS * 24) {
      throw new Error(
        `context backfillSince: ${JSON.stringify(raw)} is older than CloudTrail's ${CLOUDTRAIL_HISTORY_DAYS} days of event history; older history comes from a trail's S3 logs (docs/deploy.md, "Backfill")`,
      );
    }
    return raw;
  }
  if (RFC3339.test(raw) && !Number.isNaN(Date.parse(raw))) return raw;
  throw new Error(
    `context backfillSince: expected a duration ago (90d, 36h, 2w) or an RFC 3339 time (2026-09-01T00:00:00Z), got ${JSON.stringify(raw)}`,
  );
}

const ACCOUNT_ID = /^\d{12}$/;
const OU_ID = /^ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}$/;
const ORGANIZATION_ID = /^o-[a-z0-9]{10,32}$/;
/** IAM's role-name characters and length. */
const ROLE_NAME = /^[\w+=,.@-]{1,64}$/;
/** STS's ExternalId characters and length. */
const EXTERNAL_ID = /^[\w+=,.@:/-]{2,1224}$/;

function readOrganizations(ctx: ContextReader): OrganizationsConfig {
  const raw = ctx.list('accounts');
  const single = raw?.length === 1 ? raw[0].toLowerCase() : undefined;
  let accounts: OrganizationsConfig['accounts'];
  if (!raw || single === 'self') accounts = 'self';
  else if (single === 'org') accounts = 'org';
  else {
    for (const id of raw) {
      if (!ACCOUNT_ID.test(id)) {
        throw new Error(
          `context accounts: ${JSON.stringify(id)} is not a 12-digit AWS account id (expected "self", "org", or comma-separated account ids)`,
        );
      }
    }
    accounts = [...new Set(raw)];
  }

  const accountsExclude = ctx.list('accountsExclude');
  for (const id of accountsExclude ?? []) {
    if (!ACCOUNT_ID.test(id) && !OU_ID.test(id)) {
      throw new Error(
        `context accountsExclude: ${JSON.stringify(id)} is neither a 12-digit account id nor an OU id (ou-xxxx-xxxxxxxx)`,
      );
    }
    if (OU_ID.test(id) && accounts !== 'org') {
      throw new Error(
        `context accountsExclude: OU ${id} can only be excluded when accounts is "org"`,
      );
    }
  }
  const ous = ctx.list('ous');
  for (const id of ous ?? []) {
    if (!OU_ID.test(id)) {
      throw new Error(
        `context ous: ${JSON.stringify(id)} is not an OU id (ou- then 4 to 32 of [0-9a-z], a dash, 8 to 32 of [a-z0-9])`,
      );
    }
  }
  if (ous && accounts !== 'org') throw new Error('context ous: only with accounts=org');

  const organizationId = ctx.string('organizationId');
  if (organizationId !== undefined && !ORGANIZATION_ID.test(organizationId)) {
    throw new Error(
      `context organizationId: ${JSON.stringify(organizationId)} is not an organization id (o- then 10 to 32 of [a-z0-9])`,
    );
  }
  const roleName = ctx.string('roleName');
  if (roleName !== undefined && !ROLE_NAME.test(roleName)) {
    throw new Error(
      `context roleName: ${JSON.stringify(roleName)} is not an IAM role name (1 to 64 of letters, digits and +=,.@_-)`,
    );
  }
  const externalId = ctx.string('externalId');
  if (externalId !== undefined && !EXTERNAL_ID.test(externalId)) {
    throw new Error(
      'context externalId: expected 2 to 1224 of letters, digits and +=,.@:/_- (the value is not shown)',
    );
  }
  const sweepConcurrency = ctx.number('sweepConcurrency', DEFAULT_SWEEP_CONCURRENCY, 1, 64);
  if (!Number.isInteger(sweepConcurrency)) {
    throw new Error(`context sweepConcurrency: expected a whole number, got ${sweepConcurrency}`);
  }

  if (accounts === 'self') {
    const stray = [
      'organizationId',
      'roleName',
      'externalId',
      'accountsExclude',
      'sweepConcurrency',
    ].filter((k) => ctx.string(k) !== undefined);
    if (stray.length > 0) {
      throw new Error(
        `context ${stray.join(', ')}: only with accounts=org or a list of accounts (accounts is "self")`,
      );
    }
  } else if (!organizationId) {
    throw new Error(
      'context accounts: several accounts need organizationId (o-...), the organization whose accounts may send events to the central bus',
    );
  }

  return {
    accounts,
    organizationId,
    roleName: roleName ?? DEFAULT_MEMBER_ROLE_NAME,
    externalId,
    accountsExclude,
    ous,
    sweepConcurrency,
  };
}

/**
 * The api refuses (at start) a claim name or value longer than this many bytes, or with
 * whitespace or control characters in it.
 */
const CLAIM_MAX_BYTES = 128;
/** A JWT claim name: visible ASCII, no spaces (`cognito:groups`, `groups`, `https://example.com/roles`). */
const CLAIM_NAME = /^[\x21-\x7e]+$/;
/**
 * A claim value the api can match: no whitespace, commas, brackets or control characters,
 * because API Gateway passes a list claim as one string, `[a b c]`, which the api splits.
 */
const CLAIM_VALUE = /^[^\s,[\]\p{Cc}]+$/u;

/**
 * `editorClaim` and `editorValue`: with `oidcIssuer` only. The Cognito user pool's editors are
 * the members of its group, named in the token's `cognito:groups`.
 */
function readEditor(ctx: ContextReader, oidc: OidcConfig | undefined): EditorConfig {
  const claim = ctx.string('editorClaim');
  const value = ctx.string('editorValue');
  if (!oidc) {
    const stray = ['editorClaim', 'editorValue'].filter((k) => ctx.string(k) !== undefined);
    if (stray.length > 0) {
      throw new Error(
        `context ${stray.join(', ')}: only with oidcIssuer; with the Cognito user pool the editors are the members of its ${EDITOR_GROUP} group (docs/deploy.md, "Editors")`,
      );
    }
  }
  const fits = (v: string) => Buffer.byteLength(v, 'utf8') <= CLAIM_MAX_BYTES;
  if (claim !== undefined && !(CLAIM_NAME.test(claim) && fits(claim))) {
    throw new Error(
      `context editorClaim: ${JSON.stringify(claim)} is not a claim name (1 to ${CLAIM_MAX_BYTES} visible ASCII characters, no spaces; e.g. groups or cognito:groups)`,
    );
  }
  if (value !== undefined && !(CLAIM_VALUE.test(value) && fits(value))) {
    throw new Error(
      `context editorValue: ${JSON.stringify(value)} cannot be matched in a list claim (1 to ${CLAIM_MAX_BYTES} bytes without spaces, commas, brackets or control characters: API Gateway passes a list as "[a b c]")`,
    );
  }
  return { claim: claim ?? DEFAULT_EDITOR_CLAIM, value: value ?? EDITOR_GROUP };
}

const EMAIL = /^[^@\s]+@[^@\s]+\.[^@\s]+$/;
const ZONE_ID = /^[A-Z0-9]{1,32}$/;
/** EventBridge's bus-name characters and length. */
const BUS_NAME = /^[\w.-]{1,256}$/;
/** Secrets Manager's secret-name characters. */
const SECRET_NAME = /^[\w/+=.@-]{1,512}$/;
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,256}$/;

function retryMinutes(ctx: ContextReader): number {
  const n = ctx.number('notifyRetryMinutes', 1, 1, 1440);
  if (!Number.isInteger(n)) {
    throw new Error(`context notifyRetryMinutes: expected a whole number, got ${n}`);
  }
  return n;
}

function readNotify(ctx: ContextReader): NotifyConfig {
  const busName = ctx.string('notifyBusName') ?? DEFAULT_EVENT_BUS_NAME;
  if (!BUS_NAME.test(busName) || busName === 'default') {
    throw new Error(
      `context notifyBusName: ${JSON.stringify(busName)} is not a custom event bus name (1 to 256 of letters, digits and ._-, not "default")`,
    );
  }
  const emails = ctx.list('notifyEmails');
  for (const e of emails ?? []) {
    if (!EMAIL.test(e)) {
      throw new Error(`context notifyEmails: ${JSON.stringify(e)} is not an e-mail address`);
    }
  }
  const webhookUrl = ctx.string('notifyWebhookUrl');
  if (webhookUrl !== undefined) {
    let url: URL | undefined;
    try {
      url = new URL(webhookUrl);
    } catch {
      url = undefined;
    }
    if (url?.protocol !== 'https:') {
      throw new Error(
        `context notifyWebhookUrl: ${JSON.stringify(webhookUrl)} is not an https URL (EventBridge API destinations call HTTPS endpoints only)`,
      );
    }
  }
  const webhookSecretName = ctx.string('notifyWebhookSecretName');
  if (webhookSecretName !== undefined && !SECRET_NAME.test(webhookSecretName)) {
    throw new Error(
      `context notifyWebhookSecretName: ${JSON.stringify(webhookSecretName)} is not a Secrets Manager secret name`,
    );
  }
  const webhookHeader = ctx.string('notifyWebhookHeader') ?? 'Authorization';
  if (!HEADER_NAME.test(webhookHeader)) {
    throw new Error(
      `context notifyWebhookHeader: ${JSON.stringify(webhookHeader)} is not an HTTP header name`,
    );
  }
  if (!webhookUrl) {
    const stray = ['notifyWebhookSecretName', 'notifyWebhookHeader'].filter(
      (k) => ctx.string(k) !== undefined,
    );
    if (stray.length > 0) {
      throw new Error(`context ${stray.join(', ')}: only with notifyWebhookUrl`);
    }
  }
  const zones = ctx.list('notifyZones')?.map((z) => z.replace(/^\/?hostedzone\//, ''));
  for (const z of zones ?? []) {
    if (!ZONE_ID.test(z)) {
      throw new Error(
        `context notifyZones: ${JSON.stringify(z)} is not a hosted zone id (Z0123456789ABC)`,
      );
    }
  }
  const ignoreActors = ctx.list('notifyIgnoreActors');
  for (const a of ignoreActors ?? []) {
    if (!/^arn:aws[\w-]*:(iam|sts)::\d{12}:\S+$/.test(a)) {
      throw new Error(
        `context notifyIgnoreActors: ${JSON.stringify(a)} is not an IAM or STS ARN (a role, arn:aws:iam::123456789012:role/iac, or a user or session)`,
      );
    }
  }
  const sources = ctx.list('notifySources');
  for (const s of sources ?? []) {
    if (!(CHANGE_SOURCES as readonly string[]).includes(s)) {
      throw new Error(
        `context notifySources: ${JSON.stringify(s)} is not a change source (${CHANGE_SOURCES.join(', ')})`,
      );
    }
  }
  return {
    busName,
    emails: emails ? [...new Set(emails)] : undefined,
    webhookUrl,
    webhookSecretName,
    webhookHeader,
    zones: zones ? [...new Set(zones)] : undefined,
    ignoreActors: ignoreActors ? [...new Set(ignoreActors)] : undefined,
    sources: sources ? [...new Set(sources)] : undefined,
    backfill: ctx.bool('notifyBackfill', false),
    retryMinutes: retryMinutes(ctx),
  };
}

/** A region name: `eu-west-1`, `us-gov-west-1`, `ap-southeast-5`. */
const REGION = /^[a-z]{2}(-[a-z]+)+-\d{1,2}$/;

/** Sweep intervals a schedule can keep at fixed minutes of the hour (the findings run after). */
function resourceSweepMinutes(ctx: ContextReader): number {
  const n = ctx.number('resourceSweepMinutes', DEFAULT_RESOURCE_SWEEP_MINUTES, 5, 1440);
  const fits = n < 60 ? 60 % n === 0 : n % 60 === 0 && 24 % (n / 60) === 0;
  if (!Number.isInteger(n) || !fits) {
    throw new Error(
      `context resourceSweepMinutes: expected 5, 10, 15, 20 or 30, or whole hours that divide a day (60, 120, 180, 240, 360, 480, 720, 1440); got ${n}`,
    );
  }
  return n;
}

function readFindings(ctx: ContextReader): FindingsConfig {
  const enabled = ctx.bool('findings', true);
  const regions = ctx.list('regions');
  for (const r of regions ?? []) {
    if (!REGION.test(r)) {
      throw new Error(
        `context regions: ${JSON.stringify(r)} is not an AWS region name (e.g. eu-west-1)`,
      );
    }
  }
  const ipRangesUrl = ctx.string('ipRangesUrl') ?? AWS_IP_RANGES_URL;
  if (ipRangesUrl !== 'off') {
    let url: URL | undefined;
    try {
      url = new URL(ipRangesUrl);
    } catch {
      url = undefined;
    }
    if (url?.protocol !== 'https:') {
      throw new Error(
        `context ipRangesUrl: ${JSON.stringify(ipRangesUrl)} is neither an https URL nor "off"`,
      );
    }
  }
  const sweepMinutes = resourceSweepMinutes(ctx);
  if (!enabled) {
    const stray = ['regions', 'resourceSweepMinutes', 'ipRangesUrl'].filter(
      (k) => ctx.string(k) !== undefined,
    );
    if (stray.length > 0) {
      throw new Error(`context ${stray.join(', ')}: only with findings on (findings is false)`);
    }
  }
  return {
    enabled,
    regions: regions ? [...new Set(regions)] : undefined,
    resourceSweepMinutes: sweepMinutes,
    ipRangesUrl,
  };
}

export function readConfig(node: Node, env: NodeJS.ProcessEnv = process.env): ZonetrailConfig {
  const ctx = new ContextReader(node);
  const account = ctx.string('account') ?? env.CDK_DEFAULT_ACCOUNT ?? OFFLINE_ACCOUNT;
  const region = ctx.string('region') ?? env.CDK_DEFAULT_REGION ?? OFFLINE_REGION;

  const lambdaCode = ctx.string('lambdaCode') ?? 'rust';
  if (lambdaCode !== 'rust' && lambdaCode !== 'placeholder') {
    throw new Error(
      `context lambdaCode: expected "rust" or "placeholder", got ${JSON.stringify(lambdaCode)}`,
    );
  }

  const existingTrail = ctx.string('existingTrail');
  const issuer = ctx.string('oidcIssuer');
  let oidc: OidcConfig | undefined;
  if (issuer) {
    const audience = ctx.list('oidcAudience');
    if (!audience)
      throw new Error(
        'context oidcIssuer needs oidcAudience (the client id(s) tokens are issued to)',
      );
    oidc = {
      issuer: issuer.replace(/\/+$/, ''),
      audience,
      clientId: ctx.string('oidcClientId') ?? audience[0],
      domain: (ctx.string('oidcDomain') ?? issuer).replace(/\/+$/, ''),
      scopes: ctx.list('oidcScopes') ?? ['openid', 'email'],
      endSessionEndpoint: ctx.string('oidcEndSessionEndpoint'),
    };
  }

  const siteDomainName = ctx.string('siteDomainName');
  const siteCertificateArn = ctx.string('siteCertificateArn');
  if (Boolean(siteDomainName) !== Boolean(siteCertificateArn)) {
    throw new Error(
      'context siteDomainName and siteCertificateArn go together (an ACM certificate in us-east-1)',
    );
  }

  const dbMinCapacity = ctx.number('dbMinCapacity', 0.5, 0, 256);
  const dbMaxCapacity = ctx.number('dbMaxCapacity', 4, 1, 256);
  if (dbMaxCapacity < dbMinCapacity)
    throw new Error('context dbMaxCapacity must be at least dbMinCapacity');

  return {
    account,
    region,
    stackName: ctx.string('stackName') ?? 'Zonetrail',
    lambdaCode,
    availabilityZones: ctx.list('availabilityZones'),
    existingTrail:
      existingTrail && existingTrail.toLowerCase() !== 'false' ? existingTrail : undefined,
    oidc,
    editor: readEditor(ctx, oidc),
    authDomainPrefix: ctx.string('authDomainPrefix') ?? `zonetrail-${account}`,
    siteDomainName,
    siteCertificateArn,
    alarmEmail: ctx.string('alarmEmail'),
    dbMinCapacity,
    dbMaxCapacity,
    dbProxy: ctx.bool('dbProxy', true),
    deletionProtection: ctx.bool('deletionProtection', true),
    // The event source mapping's floor is 2.
    writerMaxConcurrency: ctx.number('writerMaxConcurrency', 5, 2, 1000),
    // Route 53 allows 5 requests per second per account, shared with everything else.
    route53Rps: ctx.number('route53Rps', 4, 0.1, 5),
    // CloudTrail allows LookupEvents 2 requests per second per account and region.
    cloudtrailRps: ctx.number('cloudtrailRps', 2, 0.1, 2),
    backfillOnDeploy: ctx.bool('backfillOnDeploy', true),
    backfillSince: backfillSince(ctx.string('backfillSince')),
    freshnessLagAlarmSeconds: ctx.number('freshnessLagAlarmSeconds', 900, 60, 86_400),
    logRetentionDays: logRetention(ctx.number('logRetentionDays', 365, 1, 3653)),
    rustLog: ctx.string('rustLog') ?? 'info',
    organizations: readOrganizations(ctx),
    notify: readNotify(ctx),
    findings: readFindings(ctx),
  };
}
