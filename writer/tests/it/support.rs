//! Test databases, message builders and a snapshot of what a user sees of a zone.

use chrono::{DateTime, TimeZone, Utc};
use migration::MigratorTrait;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicU64, Ordering};
use zonetrail_model::entity::{hosted_zones, record_changes, record_sets, record_values};
use zonetrail_model::message::DeletedKey;
use zonetrail_model::testing::{Backend, TestDb, database};
use zonetrail_model::{
    AccountId, AccountState, AccountStatus, HostedZone, Message, Origin, RecordName, RecordSet,
    RecordType, RecordsMessage, Routing, SweepDone, Timestamp, ZoneChange, ZoneId, ZoneMessage,
    ZonesListed,
};
use zonetrail_writer::{Applied, ApplyError, ApplyOptions, apply, apply_with};

/// Run a test body once per backend, as two tests.
#[macro_export]
macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {
        $(
            mod $name {
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn sqlite() {
                    super::$name(zonetrail_model::testing::Backend::Sqlite).await
                }
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn mysql() {
                    super::$name(zonetrail_model::testing::Backend::MySql).await
                }
            }
        )*
    };
}

/// A fresh database with the schema.
pub async fn migrated(backend: Backend) -> TestDb {
    let db = database(backend).await;
    migration::Migrator::up(&db.conn, None).await.expect("migrations apply");
    db
}

/// A zone id no other test uses.
pub fn fresh_zone() -> ZoneId {
    static N: AtomicU64 = AtomicU64::new(0);
    let n = N.fetch_add(1, Ordering::Relaxed);
    ZoneId::parse(&format!("ZT{}X{n}", std::process::id())).unwrap()
}

/// Seconds after a fixed, recent instant (observations must not be in the future).
pub fn t(seconds: i64) -> Timestamp {
    Utc.with_ymd_and_hms(2026, 11, 1, 12, 0, 0).unwrap() + chrono::Duration::seconds(seconds)
}

pub fn t_micros(micros: i64) -> Timestamp {
    Utc.with_ymd_and_hms(2026, 11, 1, 12, 0, 0).unwrap() + chrono::Duration::microseconds(micros)
}

/// A record set: `name` in example.com, type A, optional weighted set identifier.
pub fn rec(name: &str, set: Option<&str>, value: &str) -> RecordSet {
    RecordSet {
        name: RecordName::parse(&format!("{name}.example.com.")).unwrap(),
        rtype: RecordType::A,
        set_identifier: set.map(str::to_owned),
        ttl: Some(300),
        values: vec![value.to_owned()],
        alias_target: None,
        routing: Routing { weight: set.map(|_| 10), ..Routing::default() },
    }
}

pub fn del(name: &str, set: Option<&str>) -> DeletedKey {
    DeletedKey {
        name: RecordName::parse(&format!("{name}.example.com.")).unwrap(),
        rtype: RecordType::A,
        set_identifier: set.map(str::to_owned),
    }
}

pub const ACTOR: &str = "arn:aws:iam::111122223333:user/alice";

pub fn event(
    zone: &ZoneId,
    at: Timestamp,
    id: &str,
    upserts: Vec<RecordSet>,
    deletes: Vec<DeletedKey>,
) -> Message {
    Message::Records(RecordsMessage {
        before_unknown: false,
        account_id: None,
        zone_id: zone.clone(),
        observed_at: at,
        origin: Origin::Event {
            backfill: false,
            event_id: id.into(),
            event_name: "ChangeResourceRecordSets".into(),
            actor: Some(ACTOR.into()),
            actor_role: None,
            comment: None,
        },
        upserts,
        deletes,
    })
}

pub fn page(
    zone: &ZoneId,
    at: Timestamp,
    sweep: &str,
    page: u32,
    upserts: Vec<RecordSet>,
) -> Message {
    Message::Records(RecordsMessage {
        before_unknown: false,
        account_id: None,
        zone_id: zone.clone(),
        observed_at: at,
        origin: Origin::Sweep { sweep_id: sweep.into(), page },
        upserts,
        deletes: vec![],
    })
}

pub fn done(
    zone: &ZoneId,
    sweep: &str,
    started: Timestamp,
    finished: Timestamp,
    pages: u32,
    record_sets: u64,
) -> Message {
    Message::SweepDone(SweepDone {
        account_id: None,
        zone_id: zone.clone(),
        sweep_id: sweep.into(),
        started_at: started,
        observed_at: finished,
        pages,
        record_sets,
    })
}

pub fn zone_present(zone: &ZoneId, at: Timestamp, comment: &str) -> Message {
    Message::Zone(ZoneMessage {
        account_id: None,
        zone_id: zone.clone(),
        observed_at: at,
        origin: Origin::Sweep { sweep_id: "zones".into(), page: 0 },
        change: ZoneChange::Present(HostedZone {
            id: zone.clone(),
            name: RecordName::parse("example.com.").unwrap(),
            private: false,
            comment: Some(comment.into()),
            vpcs: vec![],
            record_count: None,
        }),
    })
}

pub fn zone_deleted(zone: &ZoneId, at: Timestamp, id: &str) -> Message {
    Message::Zone(ZoneMessage {
        account_id: None,
        zone_id: zone.clone(),
        observed_at: at,
        origin: Origin::Event {
            backfill: false,
            event_id: id.into(),
            event_name: "DeleteHostedZone".into(),
            actor: Some(ACTOR.into()),
            actor_role: None,
            comment: None,
        },
        change: ZoneChange::Deleted,
    })
}

/// Apply and expect success.
pub async fn ok(db: &DatabaseConnection, m: &Message) -> Applied {
    apply(db, m).await.unwrap_or_else(|e| panic!("applying {} failed: {e}", m.kind()))
}

/// Deliver like SQS: in the given order; a message that fails retryably comes back after the
/// others. Anything else fails the test.
pub async fn deliver(
    db: &DatabaseConnection,
    messages: &[Message],
    options: &ApplyOptions,
) -> Result<(), String> {
    let mut queue: std::collections::VecDeque<&Message> = messages.iter().collect();
    let mut budget = messages.len() * 4 + 8;
    while let Some(m) = queue.pop_front() {
        budget =
            budget.checked_sub(1).ok_or("messages keep failing: delivery does not converge")?;
        match apply_with(db, m, options).await {
            Ok(_) => {}
            Err(e @ ApplyError::SweepIncomplete { .. }) => {
                let _ = e;
                queue.push_back(m);
            }
            Err(e) => return Err(format!("{} failed: {e}", m.to_json())),
        }
    }
    Ok(())
}

/// One history entry as the API shows it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Change {
    pub observed_at: DateTime<Utc>,
    pub action: String,
    pub source: String,
    pub actor: Option<String>,
    pub event_id: Option<String>,
    pub sweep_id: Option<String>,
    pub before: Option<String>,
    pub after: Option<String>,
}

/// One record as the API shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    pub content: Option<String>,
    pub content_hash: Option<String>,
    pub observed_at: DateTime<Utc>,
    pub first_seen_at: Option<DateTime<Utc>>,
    pub last_seen_at: Option<DateTime<Utc>>,
    pub deleted_at: Option<DateTime<Utc>>,
    pub last_sweep_id: Option<String>,
    pub values: BTreeSet<String>,
    pub history: Vec<Change>,
}

pub type Key = (String, String, String);

/// The zone row: name, comment, observed_at, first_seen_at, deleted_at.
pub type ZoneRow = (String, Option<String>, DateTime<Utc>, DateTime<Utc>, Option<DateTime<Utc>>);

/// Everything a user can see of a zone, independent of row ids and of the zone id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Snapshot {
    pub records: BTreeMap<Key, Record>,
    pub zone: Option<ZoneRow>,
}

impl Snapshot {
    pub fn record(&self, name: &str, set: Option<&str>) -> &Record {
        let key = (format!("{name}.example.com."), "A".to_string(), set.unwrap_or("").to_string());
        self.records.get(&key).unwrap_or_else(|| {
            panic!("no record {key:?}; have {:?}", self.records.keys().collect::<Vec<_>>())
        })
    }

    pub fn history_len(&self) -> usize {
        self.records.values().map(|r| r.history.len()).sum()
    }
}

pub async fn snapshot(db: &DatabaseConnection, zone: &ZoneId) -> Snapshot {
    let rows = record_sets::Entity::find()
        .filter(record_sets::Column::ZoneId.eq(zone.as_str()))
        .all(db)
        .await
        .unwrap();
    let mut records = BTreeMap::new();
    for row in rows {
        let values = record_values::Entity::find()
            .filter(record_values::Column::RecordId.eq(row.id))
            .all(db)
            .await
            .unwrap()
            .into_iter()
            .map(|v| v.value)
            .collect();
        let mut history: Vec<Change> = record_changes::Entity::find()
            .filter(record_changes::Column::RecordId.eq(row.id))
            .order_by_asc(record_changes::Column::ObservedAt)
            .all(db)
            .await
            .unwrap()
            .into_iter()
            .map(|c| {
                assert_eq!(c.zone_id, zone.as_str());
                Change {
                    observed_at: c.observed_at,
                    action: c.action,
                    source: c.source,
                    actor: c.actor,
                    event_id: c.event_id,
                    sweep_id: c.sweep_id,
                    before: c.before_state,
                    after: c.after_state,
                }
            })
            .collect();
        history.sort();
        records.insert(
            (row.name, row.record_type, row.set_identifier),
            Record {
                content: row.content,
                content_hash: row.content_hash,
                observed_at: row.observed_at,
                first_seen_at: row.first_seen_at,
                last_seen_at: row.last_seen_at,
                deleted_at: row.deleted_at,
                last_sweep_id: row.last_sweep_id,
                values,
                history,
            },
        );
    }
    // Named columns: the migration tests take snapshots at older schemas too.
    use hosted_zones::Column as Z;
    let zone_row: Option<ZoneRow> = hosted_zones::Entity::find_by_id(zone.as_str().to_owned())
        .select_only()
        .columns([Z::Name, Z::Comment, Z::ObservedAt, Z::FirstSeenAt, Z::DeletedAt])
        .into_tuple()
        .one(db)
        .await
        .unwrap();
    Snapshot { records, zone: zone_row }
}

/// An account id no other test uses.
pub fn fresh_account() -> AccountId {
    static N: AtomicU64 = AtomicU64::new(0);
    let n = N.fetch_add(1, Ordering::Relaxed);
    let pid = u64::from(std::process::id()) % 1_000_000;
    AccountId::parse(&format!("{:06}{:06}", pid, n % 1_000_000)).unwrap()
}

/// The message with this account (zone-scoped kinds; the account-wide kinds have their own).
pub fn with_account(m: Message, account: &AccountId) -> Message {
    let mut m = m;
    match &mut m {
        Message::Records(r) => r.account_id = Some(account.clone()),
        Message::Zone(z) => z.account_id = Some(account.clone()),
        Message::SweepDone(d) => d.account_id = Some(account.clone()),
        Message::ZonesListed(l) => l.account_id = account.clone(),
        Message::AccountStatus(s) => s.account_id = account.clone(),
        Message::BackfillProgress(p) => p.account_id = account.clone(),
        Message::Resources(r) => r.account_id = account.clone(),
        Message::IpRanges(_) => {}
    }
    m
}

pub fn listed(
    account: &AccountId,
    sweep: &str,
    started: Timestamp,
    finished: Timestamp,
    zones: &[&ZoneId],
) -> Message {
    Message::ZonesListed(ZonesListed {
        account_id: account.clone(),
        sweep_id: sweep.into(),
        started_at: started,
        observed_at: finished,
        zone_ids: zones.iter().map(|z| (*z).clone()).collect(),
    })
}

pub fn status(
    account: &AccountId,
    sweep: &str,
    at: Timestamp,
    state: AccountState,
    name: Option<&str>,
    error: Option<&str>,
) -> Message {
    Message::AccountStatus(AccountStatus {
        account_id: account.clone(),
        account_name: name.map(str::to_owned),
        sweep_id: sweep.into(),
        observed_at: at,
        status: state,
        error: error.map(str::to_owned),
    })
}

/// The zone's stored account.
pub async fn zone_account(db: &DatabaseConnection, zone: &ZoneId) -> Option<String> {
    hosted_zones::Entity::find_by_id(zone.as_str().to_owned())
        .one(db)
        .await
        .unwrap()
        .and_then(|z| z.account_id)
}
