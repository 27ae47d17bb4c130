// Canned inventory for the fixture server, in the read API's shapes (src/lib/openapi.json; the
// server checks every answer against it: e2e/contract.mjs).
// It holds what the seeded database of the real e2e holds — zone `example.com.` with the
// weighted A records `www.example.com.` `blue` (weight 70) and `green` (weight 30), and a
// record with history — plus enough around it to page, filter and chart.
// Timestamps are relative to `now` so "swept 12 min ago" reads true whenever it runs.
//
// Three AWS accounts (issue 16): network-prod holds the zones above; workload-payments, whose
// role the last sweep was refused (access_denied: its inventory is kept, stale), holds a
// second private `internal.example.com.` — two zones with one name — and payments.example.com.;
// 345678901234, with no name (an account listed by id), holds sandbox.example.org.

const ROUTING_NONE = {
  weight: null,
  region: null,
  failover: null,
  geo_location: null,
  geoproximity_location: null,
  cidr_routing: null,
  multivalue_answer: null,
  health_check_id: null,
  traffic_policy_instance_id: null,
};

export const NETWORK = "123456789012";
export const PAYMENTS = "210987654321";
export const SANDBOX = "345678901234";

/** The accounts in scope; their status times are set by buildData, relative to `now`. */
export const ACCOUNTS = [
  { account_id: NETWORK, name: "network-prod" },
  { account_id: PAYMENTS, name: "workload-payments" },
  { account_id: SANDBOX, name: null },
];

const accountName = (id) => ACCOUNTS.find((a) => a.account_id === id)?.name ?? null;

export const ZONES = [
  {
    zone_id: "Z0123456789ABC",
    zone_name: "example.com.",
    account_id: NETWORK,
    private_zone: false,
    comment: null,
    vpcs: [],
  },
  {
    zone_id: "Z04INTERNAL7Q2",
    zone_name: "internal.example.com.",
    account_id: NETWORK,
    private_zone: true,
    comment: "service discovery",
    vpcs: [{ region: "us-east-1", id: "vpc-0a1b2c3d4e5f67890" }],
  },
  {
    zone_id: "Z3EXAMPLENET55",
    zone_name: "example.net.",
    account_id: NETWORK,
    private_zone: false,
    comment: null,
    vpcs: [],
  },
  {
    zone_id: "Z07PAYINTERNAL",
    zone_name: "internal.example.com.",
    account_id: PAYMENTS,
    private_zone: true,
    comment: "payments service discovery",
    vpcs: [{ region: "eu-west-1", id: "vpc-0f9e8d7c6b5a43210" }],
  },
  {
    zone_id: "Z09PAYMENTSAPI",
    zone_name: "payments.example.com.",
    account_id: PAYMENTS,
    private_zone: false,
    comment: null,
    vpcs: [],
  },
  {
    zone_id: "Z0SANDBOXORG11",
    zone_name: "sandbox.example.org.",
    account_id: SANDBOX,
    private_zone: false,
    comment: null,
    vpcs: [],
  },
].map((z) => ({ ...z, account_name: accountName(z.account_id) }));

/** The members of a record set's content: what a change's `before` and `after` hold. */
const CONTENT = ["name", "type", "set_identifier", "ttl", "values", "alias_target", "routing"];

const ACTOR_ALICE =
  "arn:aws:sts::123456789012:assumed-role/AWSReservedSSO_OpsAdmin_0123456789abcdef/alice@example.com";
const ACTOR_DEPLOY = "arn:aws:sts::123456789012:assumed-role/github-deploy/GitHubActions-8812";
const ACTOR_BOB = "arn:aws:iam::123456789012:user/bob";

/** For an assumed-role session, the role that issued it, as the API reports it. */
export function actorRole(actor) {
  const m = /^arn:aws:sts::(\d+):assumed-role\/([^/]+)\//.exec(actor ?? "");
  return m ? `arn:aws:iam::${m[1]}:role/${m[2]}` : null;
}

/** RFC 3339 with microseconds, as the API writes it. */
export function iso(ms) {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, ".$1000Z");
}

/** Build the whole data set, with times relative to `now` (epoch ms). */
export function buildData(now) {
  const min = 60_000;
  const hour = 60 * min;
  const day = 24 * hour;
  const sweepAt = now - 12 * min;
  const records = [];
  const changes = [];
  let nextId = 1;
  let nextChange = 1;

  const zoneOf = (zoneId) => ZONES.find((z) => z.zone_id === zoneId);
  const add = (zoneId, name, type, opts = {}) => {
    const z = zoneOf(zoneId);
    const r = {
      id: nextId++,
      zone_id: z.zone_id,
      zone_name: z.zone_name,
      private_zone: z.private_zone,
      account_id: z.account_id,
      account_name: z.account_name,
      name,
      type,
      set_identifier: opts.set ?? null,
      ttl: opts.alias ? null : (opts.ttl ?? 300),
      values: opts.alias ? [] : (opts.values ?? []),
      alias_target: opts.alias ?? null,
      routing: { ...ROUTING_NONE, ...(opts.routing ?? {}) },
      first_seen_at: iso(opts.firstSeen ?? now - 40 * day),
      observed_at: iso(opts.observed ?? sweepAt),
      deleted_at: opts.deleted ? iso(opts.deleted) : null,
      findings: [],
      // The server puts the record's effective annotation here when it answers (issue 21).
      annotation: null,
      attribution: opts.attribution ?? null,
    };
    records.push(r);
    return r;
  };
  const state = (r, patch = {}) => {
    const s = { ...r, ...patch };
    return Object.fromEntries(CONTENT.map((k) => [k, s[k]]));
  };
  const change = (r, action, source, at, before, after, actor = null, mark = {}) => {
    const c = {
      id: 0,
      action,
      source,
      actor,
      actor_role: actorRole(actor),
      event_id:
        source === "event"
          ? `${(0x5e1d0000 + nextChange).toString(16)}-7c1b-4d2a-9f3e-0b8c${String(nextChange).padStart(8, "0")}`
          : null,
      observed_at: iso(at),
      before,
      after,
      via: mark.via ?? null,
      before_unknown: mark.before_unknown ?? false,
      comment: mark.comment ?? null,
      annotation_before: null,
      annotation_after: null,
      record_id: r.id,
      zone_id: r.zone_id,
      zone_name: r.zone_name,
      account_id: r.account_id,
      account_name: r.account_name,
      name: r.name,
      type: r.type,
      set_identifier: r.set_identifier,
    };
    nextChange++;
    changes.push(c);
    return c;
  };

  const EX = "Z0123456789ABC";
  const INT = "Z04INTERNAL7Q2";
  const NET = "Z3EXAMPLENET55";
  const PAY_INT = "Z07PAYINTERNAL";
  const PAY = "Z09PAYMENTSAPI";
  const SBX = "Z0SANDBOXORG11";
  // workload-payments was last read two days ago; its records are as they were then.
  const paymentsReadAt = now - 2 * day - 3 * hour;

  // --- example.com. -------------------------------------------------------
  add(EX, "example.com.", "NS", {
    ttl: 172800,
    values: [
      "ns-1536.awsdns-00.co.uk.",
      "ns-0.awsdns-00.com.",
      "ns-1024.awsdns-00.org.",
      "ns-512.awsdns-00.net.",
    ],
  });
  add(EX, "example.com.", "SOA", {
    ttl: 900,
    values: ["ns-1536.awsdns-00.co.uk. awsdns-hostmaster.amazon.com. 1 7200 900 1209600 86400"],
  });
  add(EX, "example.com.", "A", {
    alias: {
      hosted_zone_id: "Z35SXDOTRQ7X7K",
      dns_name: "dualstack.web-prod-1234567890.us-east-1.elb.amazonaws.com.",
      evaluate_target_health: true,
    },
  });
  add(EX, "example.com.", "MX", {
    ttl: 3600,
    values: ["10 mx1.example.com.", "20 mx2.example.com."],
  });
  add(EX, "example.com.", "TXT", {
    ttl: 3600,
    values: [
      '"v=spf1 include:_spf.example.com ~all"',
      '"google-site-verification=q1w2e3r4t5y6u7i8o9p0"',
    ],
  });
  add(EX, "_dmarc.example.com.", "TXT", {
    ttl: 3600,
    values: ['"v=DMARC1; p=reject; rua=mailto:dmarc@example.com"'],
  });
  add(EX, "example.com.", "CAA", {
    ttl: 3600,
    values: ['0 issue "amazon.com"', '0 iodef "mailto:security@example.com"'],
  });

  const blue = add(EX, "www.example.com.", "A", {
    set: "blue",
    ttl: 60,
    values: ["192.0.2.10", "192.0.2.11"],
    routing: { weight: 70 },
    firstSeen: now - 9 * day,
    observed: now - 2 * hour,
  });
  const green = add(EX, "www.example.com.", "A", {
    set: "green",
    ttl: 60,
    values: ["192.0.2.20"],
    routing: { weight: 30 },
    firstSeen: now - 2 * hour,
    observed: now - 2 * hour,
  });
  add(EX, "www.example.com.", "AAAA", { ttl: 60, values: ["2001:db8::10"] });
  const api = add(EX, "api.example.com.", "CNAME", {
    ttl: 60,
    values: ["api-prod-nlb-0a1b2c3d4e.elb.us-east-1.amazonaws.com."],
    observed: now - 3_000,
  });
  add(EX, "app.example.com.", "A", {
    set: "us-east-1",
    ttl: 60,
    values: ["198.51.100.10"],
    routing: { region: "us-east-1" },
  });
  add(EX, "app.example.com.", "A", {
    set: "eu-west-1",
    ttl: 60,
    values: ["198.51.100.20"],
    routing: { region: "eu-west-1" },
  });
  const statusPrimary = add(EX, "status.example.com.", "A", {
    firstSeen: now - 55 * day,
    set: "primary",
    ttl: 30,
    values: ["203.0.113.5"],
    routing: { failover: "PRIMARY", health_check_id: "0a1b2c3d-4e5f-6789-abcd-ef0123456789" },
  });
  const statusSecondary = add(EX, "status.example.com.", "A", {
    set: "secondary",
    ttl: 30,
    values: ["203.0.113.6"],
    routing: { failover: "SECONDARY" },
  });
  add(EX, "geo.example.com.", "A", {
    set: "europe",
    values: ["198.51.100.30"],
    routing: { geo_location: { continent_code: "EU", country_code: null, subdivision_code: null } },
  });
  add(EX, "geo.example.com.", "A", {
    set: "default",
    values: ["198.51.100.31"],
    routing: { geo_location: { continent_code: null, country_code: "*", subdivision_code: null } },
  });
  add(EX, "*.example.com.", "A", { ttl: 300, values: ["192.0.2.50"] });
  // Managed by external-dns (issue 21): the registry TXT record guards shop's A record.
  add(EX, "shop.example.com.", "A", {
    ttl: 60,
    values: ["192.0.2.60"],
    attribution: {
      source: "external-dns",
      owner: "prod",
      resource: "ingress/shop/web",
      txt_name: "a-shop.example.com.",
      summary: "managed by external-dns (owner prod, resource ingress/shop/web)",
    },
  });
  add(EX, "a-shop.example.com.", "TXT", {
    ttl: 300,
    values: [
      '"heritage=external-dns,external-dns/owner=prod,external-dns/resource=ingress/shop/web"',
    ],
  });
  add(EX, "_sip._tcp.example.com.", "SRV", { ttl: 300, values: ["10 60 5060 sip.example.com."] });
  const old = add(EX, "old.example.com.", "CNAME", {
    ttl: 300,
    values: ["legacy.example.net."],
    firstSeen: now - 30 * day,
    observed: sweepAt,
    deleted: sweepAt,
  });
  // Enough hosts that the table pages (the default page is 100 rows).
  for (let i = 1; i <= 140; i++) {
    const n = String(i).padStart(3, "0");
    add(EX, `host-${n}.svc.prod.example.com.`, "A", {
      ttl: 300,
      values: [`198.51.100.${(i % 250) + 1}`],
    });
  }

  // --- internal.example.com. (private) -----------------------------------
  add(INT, "internal.example.com.", "NS", {
    ttl: 172800,
    values: ["ns-0.awsdns-00.com.", "ns-512.awsdns-00.net."],
  });
  add(INT, "internal.example.com.", "SOA", {
    ttl: 900,
    values: ["ns-1536.awsdns-00.co.uk. awsdns-hostmaster.amazon.com. 1 7200 900 1209600 86400"],
  });
  add(INT, "db.internal.example.com.", "CNAME", {
    ttl: 30,
    values: ["prod-db.cluster-c9xyz.us-east-1.rds.amazonaws.com."],
  });
  add(INT, "cache.internal.example.com.", "A", {
    ttl: 60,
    values: ["10.20.1.15", "10.20.2.15", "10.20.3.15", "10.20.4.15"],
    routing: { multivalue_answer: true },
    set: "cache-a",
  });
  add(INT, "queue.internal.example.com.", "A", { ttl: 60, values: ["10.20.5.7"] });

  // --- example.net. -------------------------------------------------------
  add(NET, "example.net.", "NS", {
    ttl: 172800,
    values: ["ns-1024.awsdns-00.org.", "ns-0.awsdns-00.com."],
  });
  add(NET, "example.net.", "SOA", {
    ttl: 900,
    values: ["ns-1024.awsdns-00.org. awsdns-hostmaster.amazon.com. 1 7200 900 1209600 86400"],
  });
  add(NET, "legacy.example.net.", "A", { ttl: 300, values: ["192.0.2.10"] });
  const cdnNet = add(NET, "cdn.example.net.", "CNAME", {
    ttl: 300,
    values: ["d111111abcdef8.cloudfront.net."],
  });

  // --- internal.example.com. of workload-payments (private; last read 2 days ago) ---
  add(PAY_INT, "internal.example.com.", "NS", {
    ttl: 172800,
    values: ["ns-0.awsdns-00.com.", "ns-512.awsdns-00.net."],
    observed: paymentsReadAt,
  });
  add(PAY_INT, "internal.example.com.", "SOA", {
    ttl: 900,
    values: ["ns-1536.awsdns-00.co.uk. awsdns-hostmaster.amazon.com. 1 7200 900 1209600 86400"],
    observed: paymentsReadAt,
  });
  add(PAY_INT, "ledger.internal.example.com.", "A", {
    ttl: 60,
    values: ["10.40.1.20"],
    observed: paymentsReadAt,
  });

  // --- payments.example.com. (workload-payments) ------------------------
  add(PAY, "payments.example.com.", "NS", {
    ttl: 172800,
    values: ["ns-2048.awsdns-00.co.uk.", "ns-700.awsdns-00.net."],
    observed: paymentsReadAt,
  });
  add(PAY, "payments.example.com.", "SOA", {
    ttl: 900,
    values: ["ns-2048.awsdns-00.co.uk. awsdns-hostmaster.amazon.com. 1 7200 900 1209600 86400"],
    observed: paymentsReadAt,
  });
  add(PAY, "checkout.payments.example.com.", "CNAME", {
    ttl: 60,
    values: ["checkout-prod-alb-55667788.eu-west-1.elb.amazonaws.com."],
    observed: paymentsReadAt,
  });

  // --- sandbox.example.org. (345678901234, no name) ---------------------
  add(SBX, "sandbox.example.org.", "NS", {
    ttl: 172800,
    values: ["ns-300.awsdns-00.com.", "ns-1300.awsdns-00.org."],
  });
  add(SBX, "sandbox.example.org.", "SOA", {
    ttl: 900,
    values: ["ns-300.awsdns-00.com. awsdns-hostmaster.amazon.com. 1 7200 900 1209600 86400"],
  });
  const trySandbox = add(SBX, "try.sandbox.example.org.", "A", {
    ttl: 300,
    values: ["203.0.113.77"],
  });

  // --- history --------------------------------------------------------------
  // www blue: created by hand days ago, then re-weighted and given a second address.
  const blueV1 = state(blue, {
    ttl: 300,
    values: ["192.0.2.10"],
    routing: { ...ROUTING_NONE, weight: 100 },
  });
  const blueV2 = state(blue, {
    ttl: 300,
    values: ["192.0.2.10"],
    routing: { ...ROUTING_NONE, weight: 50 },
  });
  change(blue, "create", "event", now - 9 * day, null, blueV1, ACTOR_ALICE);
  change(blue, "update", "sweep", now - 2 * day, blueV1, blueV2, null);
  change(blue, "update", "event", now - 2 * hour, blueV2, state(blue), ACTOR_DEPLOY, {
    comment: "deploy www: blue 70 / green 30 <i>",
  });
  change(green, "create", "event", now - 2 * hour, null, state(green), ACTOR_DEPLOY);
  change(old, "create", "sweep", now - 30 * day, null, state(old), null);
  change(old, "delete", "reconcile", sweepAt, state(old), null, null);
  const apiBefore = state(api, {
    ttl: 300,
    values: ["api-prod-alb-99887766.us-east-1.elb.amazonaws.com."],
  });
  change(api, "create", "event", now - 20 * day, null, apiBefore, ACTOR_BOB);
  change(api, "update", "event", now - 3_000, apiBefore, state(api), ACTOR_ALICE);

  // status primary: first known from a Route 53 UPSERT read by the CloudTrail backfill (the
  // state before it is unknown), then re-pointed, also read by the backfill.
  const statusV1 = state(statusPrimary, { values: ["203.0.113.4"] });
  change(statusPrimary, "update", "event", now - 55 * day, null, statusV1, ACTOR_BOB, {
    via: "backfill",
    before_unknown: true,
  });
  change(
    statusPrimary,
    "update",
    "event",
    now - 50 * day,
    statusV1,
    state(statusPrimary),
    ACTOR_ALICE,
    { via: "backfill" },
  );

  // Newest first, ids in time order.
  changes.sort((a, b) => a.observed_at.localeCompare(b.observed_at));
  changes.forEach((c, i) => {
    c.id = i + 1;
  });

  // How the last sweep of each account went.
  // Each account's first sweep ended 40 days ago (sandbox: 10), and its CloudTrail backfill:
  // network-prod's still running (read back to 60 days ago), workload-payments' done (90
  // days back), none for sandbox. So the inventory's history is complete since 10 days ago.
  const backfill = (state, readUntil) => ({
    state,
    since: iso(now - 90 * day),
    until: iso(now - 40 * day),
    read_until: iso(readUntil),
    events: 12_400,
    applied: 310,
    failed_calls: 0,
    incomplete: 2,
    malformed: 0,
    pages: 248,
    updated_at: iso(now - 2 * min),
  });
  const accounts = ACCOUNTS.map((a) => ({
    ...a,
    first_seen_at: iso(now - (a.account_id === SANDBOX ? 10 : 40) * day),
    backfill:
      a.account_id === NETWORK
        ? backfill("running", now - 60 * day)
        : a.account_id === PAYMENTS
          ? backfill("done", now - 90 * day)
          : null,
    status: "ok",
    last_success_at: iso(sweepAt),
    last_attempt_at: iso(sweepAt),
    last_error: null,
    last_error_at: null,
  }));
  Object.assign(
    accounts.find((a) => a.account_id === PAYMENTS),
    {
      status: "access_denied",
      last_success_at: iso(paymentsReadAt),
      last_error:
        "AccessDenied: User: arn:aws:sts::123456789012:assumed-role/zonetrail-ingest-us-east-1/sweep is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::210987654321:role/zonetrail-readonly",
      last_error_at: iso(sweepAt),
    },
  );

  // --- findings (issue 20) -------------------------------------------------
  const accountIds = ACCOUNTS.map((a) => a.account_id);
  const findings = [];
  const finding = (r, kind, severity, subject, evidence, summary, opts = {}) => {
    const f = {
      id: findings.length + 1,
      kind,
      severity,
      status: opts.status ?? "open",
      summary,
      subject,
      evidence,
      record: {
        id: r.id,
        zone_id: r.zone_id,
        zone_name: r.zone_name,
        name: r.name,
        type: r.type,
        set_identifier: r.set_identifier,
      },
      account_id: r.account_id,
      account_name: r.account_name,
      first_seen_at: iso(opts.firstSeen ?? now - 2 * day),
      last_seen_at: iso(opts.lastSeen ?? sweepAt),
      resolved_at: opts.resolved ? iso(opts.resolved) : null,
      resolved_reason: opts.reason ?? null,
      suppression: opts.suppression ?? null,
    };
    findings.push(f);
    if (f.status === "open") r.findings.push({ id: f.id, kind, severity, summary });
    return f;
  };
  const ipEvidence = (ip, range) => ({
    ip,
    range,
    range_region: "us-east-1",
    accounts_checked: accountIds,
    regions_checked: ["eu-west-1", "us-east-1"],
  });
  finding(
    statusSecondary,
    "dangling_ip",
    "high",
    "203.0.113.6",
    ipEvidence("203.0.113.6", "203.0.113.0/24"),
    `points at 203.0.113.6, an AWS address (203.0.113.0/24, us-east-1) that none of your ${accountIds.length} accounts holds`,
    {
      status: "resolved",
      firstSeen: now - 9 * day,
      lastSeen: now - 8 * day,
      resolved: now - 8 * day,
      reason: "resource exists",
    },
  );
  finding(
    trySandbox,
    "dangling_ip",
    "high",
    "203.0.113.77",
    ipEvidence("203.0.113.77", "203.0.113.0/24"),
    `points at 203.0.113.77, an AWS address (203.0.113.0/24, us-east-1) that none of your ${accountIds.length} accounts holds`,
    {
      status: "suppressed",
      suppression: {
        reason: "a partner's address, on purpose",
        created_by: "alice@example.com",
        created_at: iso(now - day),
      },
    },
  );
  finding(
    cdnNet,
    "dangling_cloudfront",
    "high",
    "d111111abcdef8.cloudfront.net",
    {
      domain: "d111111abcdef8.cloudfront.net",
      distributions_checked: 4,
      accounts_checked: accountIds,
    },
    `points at d111111abcdef8.cloudfront.net, which is none of the 4 CloudFront distributions of your ${accountIds.length} accounts`,
  );
  finding(
    statusPrimary,
    "health_check_missing",
    "medium",
    "0a1b2c3d-4e5f-6789-abcd-ef0123456789",
    { health_check_id: "0a1b2c3d-4e5f-6789-abcd-ef0123456789", accounts_checked: accountIds },
    "uses health check 0a1b2c3d-4e5f-6789-abcd-ef0123456789, which no longer exists",
  );
  finding(
    statusPrimary,
    "dangling_ip",
    "high",
    "203.0.113.5",
    ipEvidence("203.0.113.5", "203.0.113.0/24"),
    // A summary is text, never markup: the e2e checks this one shows as typed.
    `points at 203.0.113.5, an AWS address (203.0.113.0/24, us-east-1) that none of your ${accountIds.length} accounts holds <b>`,
  );

  // --- annotations (issue 21) ----------------------------------------------
  // By record key (zone, name, type, set identifier; a zone's own has name and type ""):
  // example.net.'s zone annotation, which its records inherit, and api.example.com.'s own.
  const annotations = new Map();
  const annotationEdits = [];
  const annotate = (key, fields, by, at) => {
    annotations.set(key, { ...fields, version: 1, updated_by: by, updated_at: iso(at) });
    annotationEdits.push({
      id: annotationEdits.length + 1,
      key,
      actor: by,
      observed_at: iso(at),
      annotation_before: null,
      annotation_after: fields,
    });
  };
  annotate(
    annotationKey(NET),
    { owner: "netops@example.com", team: "network", ticket: null, notes: null },
    "alice@example.com",
    now - 5 * day,
  );
  annotate(
    annotationKey(EX, api.name, api.type, api.set_identifier),
    {
      owner: "api-team@example.com",
      team: "platform",
      ticket: "https://tickets.example.com/OPS-1234",
      notes: "Public API entry point.\n  Keep the TTL low: <b>failover</b> relies on it.",
    },
    "alice@example.com",
    now - 3 * day,
  );

  return {
    records,
    changes,
    accounts,
    findings,
    annotations,
    annotationEdits,
    sweepAt,
    lastEventAt: now - 3_000,
  };
}

/** The key an annotation is kept by: a record's (zone, name, type, set id), or a zone's own. */
export function annotationKey(zoneId, name = "", type = "", setIdentifier = null) {
  return JSON.stringify([zoneId, name, type, setIdentifier ?? ""]);
}

/**
 * An account's history window, as the API computes it (api/src/coverage.rs): the start of
 * its backfill's covered interval ([since, until] when done, [read_until, until] running)
 * when that interval reaches its first sweep, else the first sweep.
 */
export function completeSince(account) {
  const b = account.backfill;
  if (!b) return account.first_seen_at;
  const start = b.state === "done" ? b.since : b.read_until;
  return start <= account.first_seen_at && account.first_seen_at <= b.until
    ? start
    : account.first_seen_at;
}
