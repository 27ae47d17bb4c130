//! Findings (issue 20): records that point at something no account in scope owns any more
//! (a subdomain takeover waiting to happen), and DNS hygiene. See docs/design.md, "Findings".
//!
//! - [`ranges`]: AWS's published EC2 address ranges (`ip-ranges.json`), with a shipped copy.
//! - [`targets`]: what a record points at that a finding depends on (pure; no database).
//! - [`resources`]: the resource side, applied by the writer inside its transaction
//!   (`resources` and `ip_ranges` queue messages).
//! - [`evaluate`]: findings of a set of records, raised, refreshed and resolved.
//! - [`suppress`]: suppressions (kind + record key, with a reason and who).
//! - [`describe`]: a finding's evidence in plain words.
//!
//! The writer applies the resource messages in its transaction and returns the work
//! ([`Work`]) each message leaves: the records it changed and the targets whose resources
//! changed. After the commit, its caller hands that work to [`Findings::evaluate`] (batched:
//! the writer Lambda once per SQS batch, `zonetrail up` from a worker). The whole inventory is
//! evaluated again by [`Findings::evaluate_all`] (`zonetrail findings evaluate`, `zonetrail up`
//! after each resource sweep, the writer Lambda's `{"findings": {}}` schedule).

pub mod describe;
pub mod evaluate;
pub mod kind;
pub mod ranges;
pub mod resources;
pub mod suppress;
pub mod targets;

use std::sync::Arc;

use sea_orm::{ConnectionTrait, DbErr, TransactionTrait};

pub use kind::{Kind, Severity, Status};
pub use ranges::{IpRanges, RangesError};

/// What the writer's messages leave for the findings to look at after the commit.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Work {
    /// Records whose state changed (created, updated, tombstoned).
    pub record_ids: Vec<i64>,
    /// Targets (in [`targets::Target::key`] form: `ip:203.0.113.7`, `s3:bucket`,
    /// `zone:example.com.`, `name:Z123/www.example.com.` ...) whose resource side changed:
    /// the records that point at them are evaluated.
    pub targets: Vec<String>,
    /// The whole inventory: a new `ip_ranges` document was applied.
    #[serde(default)]
    pub all: bool,
}

impl Work {
    pub fn is_empty(&self) -> bool {
        self.record_ids.is_empty() && self.targets.is_empty() && !self.all
    }

    pub fn extend(&mut self, other: Work) {
        self.record_ids.extend(other.record_ids);
        self.targets.extend(other.targets);
        self.all |= other.all;
    }

    /// Sorted, without duplicates.
    pub fn dedup(&mut self) {
        self.record_ids.sort_unstable();
        self.record_ids.dedup();
        self.targets.sort_unstable();
        self.targets.dedup();
    }

    /// The work as findings-queue message bodies (`{"findings_work": {...}}`, see
    /// [`Work::from_message`]), each at most `max_bytes` long: one unless the work is large.
    pub fn to_messages(&self, max_bytes: usize) -> Vec<String> {
        // What a body costs besides its items, and each item at most (an id: 20 digits and a
        // comma; a target: its JSON string and a comma).
        const FRAME: usize = 64;
        let budget = max_bytes.saturating_sub(FRAME).max(1);
        let mut out = Vec::new();
        let mut current = Work { all: self.all, ..Work::default() };
        let mut used = 0;
        // `all` goes with the first body only (`take` leaves the next one without it).
        let flush = |current: &mut Work, used: &mut usize, out: &mut Vec<String>| {
            out.push(serde_json::json!({ "findings_work": std::mem::take(current) }).to_string());
            *used = 0;
        };
        for id in &self.record_ids {
            if used + 21 > budget && used > 0 {
                flush(&mut current, &mut used, &mut out);
            }
            current.record_ids.push(*id);
            used += 21;
        }
        for t in &self.targets {
            let cost = serde_json::to_string(t).map_or(t.len() * 6 + 2, |s| s.len()) + 1;
            if used + cost > budget && used > 0 {
                flush(&mut current, &mut used, &mut out);
            }
            current.targets.push(t.clone());
            used += cost;
        }
        if used > 0 || out.is_empty() {
            flush(&mut current, &mut used, &mut out);
        }
        out
    }

    /// A findings-queue message body (what [`Work::to_messages`] writes). The error says
    /// what is wrong with it.
    pub fn from_message(body: &str) -> Result<Work, String> {
        #[derive(serde::Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Envelope {
            findings_work: Work,
        }
        serde_json::from_str::<Envelope>(body).map(|e| e.findings_work).map_err(|e| {
            format!("not a findings work message ({{\"findings_work\": {{...}}}}): {e}")
        })
    }
}

/// What one evaluation did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct Report {
    /// Records evaluated.
    pub evaluated: u64,
    /// Findings raised.
    pub opened: u64,
    /// Findings resolved.
    pub resolved: u64,
    /// Checks that could not be decided (a listing that failed or never ran, an unknown
    /// region): the finding, if any, was left as it was.
    pub undecided: u64,
}

impl Report {
    /// Add another evaluation's counts.
    pub fn add(&mut self, other: Report) {
        self.evaluated += other.evaluated;
        self.opened += other.opened;
        self.resolved += other.resolved;
        self.undecided += other.undecided;
    }
}

/// Elastic Beanstalk's `CheckDNSAvailability`: whether `prefix` is free in `region`
/// (`Ok(true)`: anyone could create an environment with that CNAME).
pub trait DnsAvailability: Send + Sync + 'static {
    fn check<'a>(
        &'a self,
        prefix: &'a str,
        region: &'a str,
    ) -> futures::future::BoxFuture<'a, Result<bool, String>>;
}

/// The findings engine: the IP ranges in use (cached; the newest `ip_ranges` row, else the
/// shipped copy) and the optional Elastic Beanstalk checker. Cheap to clone.
#[derive(Clone)]
pub struct Findings {
    inner: Arc<Inner>,
}

struct Inner {
    dns_availability: Option<Arc<dyn DnsAvailability>>,
    /// Notifications are on: each raise and resolve adds a `finding_outbox` row.
    outbox: bool,
    ranges: tokio::sync::RwLock<Option<Arc<IpRanges>>>,
}

impl std::fmt::Debug for Findings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Findings")
            .field("dns_availability", &self.inner.dns_availability.is_some())
            .finish_non_exhaustive()
    }
}

impl Findings {
    pub fn new(dns_availability: Option<Arc<dyn DnsAvailability>>) -> Self {
        Self {
            inner: Arc::new(Inner {
                dns_availability,
                outbox: false,
                ranges: tokio::sync::RwLock::new(None),
            }),
        }
    }

    /// With `outbox`, each raise and resolve also adds a `finding_outbox` row in the same
    /// transaction, for the notifications publisher (`Finding Opened` / `Finding Resolved`).
    pub fn with_outbox(self, outbox: bool) -> Self {
        let inner = Arc::try_unwrap(self.inner).unwrap_or_else(|shared| Inner {
            dns_availability: shared.dns_availability.clone(),
            outbox: shared.outbox,
            ranges: tokio::sync::RwLock::new(None),
        });
        Self { inner: Arc::new(Inner { outbox, ..inner }) }
    }

    pub fn outbox(&self) -> bool {
        self.inner.outbox
    }

    /// Evaluate what `work` names, after the writer's commit. Never fails the write it
    /// follows: the caller logs an error and the next evaluation puts it right.
    pub async fn evaluate<C>(&self, db: &C, work: &Work) -> Result<Report, DbErr>
    where
        C: ConnectionTrait + TransactionTrait,
    {
        evaluate::evaluate_work(self, db, work).await
    }

    /// Evaluate every live record (and resolve the findings of records no longer live).
    pub async fn evaluate_all<C>(&self, db: &C) -> Result<Report, DbErr>
    where
        C: ConnectionTrait + TransactionTrait,
    {
        evaluate::evaluate_all(self, db).await
    }

    /// The ranges in use: the newest `ip_ranges` row, else the shipped copy. Read again
    /// when the stored `sync_token` changes.
    pub async fn ranges<C: ConnectionTrait>(&self, db: &C) -> Result<Arc<IpRanges>, DbErr> {
        ranges::current(&self.inner.ranges, db).await
    }

    pub fn dns_availability(&self) -> Option<&Arc<dyn DnsAvailability>> {
        self.inner.dns_availability.as_ref()
    }
}

/// `CheckDNSAvailability` through the AWS SDK (feature `aws`).
#[cfg(feature = "aws")]
pub mod aws;
