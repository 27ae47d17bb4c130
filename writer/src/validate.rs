//! Checks a decoded message must pass before it touches the database. A message that fails
//! them is poison: applying it again cannot succeed, so it goes to the DLQ with the reason.

use chrono::Duration;
use std::collections::HashMap;
use std::sync::Arc;
use zonetrail_model::message::COMMENT_MAX_CHARS;
use zonetrail_model::{
    AccountStatus, BackfillProgress, Origin, RecordKey, RecordSet, RecordsMessage, SweepDone,
    Timestamp, ZoneMessage, ZonesListed,
};

use crate::error::ApplyError;
use crate::sequence::State;

/// A future observation would win over every real one until the clock caught up with it.
pub(crate) const MAX_CLOCK_SKEW: Duration = Duration::hours(1);

/// Column widths of the schema (first migration and `m20261122_000003`).
const SWEEP_ID_MAX: usize = 64;
const EVENT_ID_MAX: usize = 128;
const EVENT_NAME_MAX: usize = 128;
const SET_IDENTIFIER_MAX: usize = 128;
const NAME_MAX: usize = 1024;

/// A record set's content, canonical, with what the tables need of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Content {
    pub hash: String,
    pub json: String,
    pub lookup: Vec<String>,
}

impl Content {
    pub(crate) fn new(record: RecordSet) -> Self {
        use sha2::{Digest, Sha256};
        // The canonical JSON, serialised once: the hash is `RecordSet::content_hash` of it.
        let record = record.normalize();
        let json = serde_json::to_string(&record).expect("a RecordSet always serialises");
        let hash = hex::encode(Sha256::digest(json.as_bytes()));
        debug_assert_eq!(hash, record.content_hash());
        Self { hash, json, lookup: record.lookup_values() }
    }

    /// Content as stored in `record_sets.content` or a history row.
    pub(crate) fn from_json(json: &str) -> Result<Self, serde_json::Error> {
        Ok(Self::new(serde_json::from_str::<RecordSet>(json)?))
    }
}

/// One record observation of a records message.
#[derive(Debug, Clone)]
pub(crate) struct Incoming {
    pub key: RecordKey,
    pub state: State,
    pub content: Option<Arc<Content>>,
}

fn invalid(reason: impl Into<String>) -> ApplyError {
    ApplyError::Invalid(reason.into())
}

pub(crate) fn observed_at(at: Timestamp, now: Timestamp) -> Result<(), ApplyError> {
    if at > now + MAX_CLOCK_SKEW {
        return Err(invalid(format!(
            "observed_at {at} is in the future (now {now}); it would win over every real observation"
        )));
    }
    Ok(())
}

pub(crate) fn origin(origin: &Origin) -> Result<(), ApplyError> {
    match origin {
        Origin::Sweep { sweep_id, page } => {
            sweep_id_ok(sweep_id)?;
            if *page > i32::MAX as u32 {
                return Err(invalid(format!("page {page} is out of range")));
            }
        }
        Origin::Event { event_id, event_name, comment, .. } => {
            if event_id.is_empty() || event_id.len() > EVENT_ID_MAX {
                return Err(invalid(format!(
                    "event_id must have 1 to {EVENT_ID_MAX} characters, got {}",
                    event_id.len()
                )));
            }
            if event_name.len() > EVENT_NAME_MAX {
                return Err(invalid(format!(
                    "event_name is longer than {EVENT_NAME_MAX} characters"
                )));
            }
            if let Some(comment) = comment
                && comment.chars().count() > COMMENT_MAX_CHARS
            {
                return Err(invalid(format!(
                    "comment is longer than Route 53's {COMMENT_MAX_CHARS} characters"
                )));
            }
        }
    }
    Ok(())
}

fn sweep_id_ok(sweep_id: &str) -> Result<(), ApplyError> {
    if sweep_id.is_empty() || sweep_id.len() > SWEEP_ID_MAX {
        return Err(invalid(format!(
            "sweep_id must have 1 to {SWEEP_ID_MAX} characters, got {}",
            sweep_id.len()
        )));
    }
    Ok(())
}

fn key_ok(key: &RecordKey) -> Result<(), ApplyError> {
    if key.name.as_str().len() > NAME_MAX {
        return Err(invalid(format!(
            "record name {} is longer than {NAME_MAX} characters",
            key.name
        )));
    }
    if key.set_identifier_column().len() > SET_IDENTIFIER_MAX {
        return Err(invalid(format!(
            "set identifier of {} is longer than {SET_IDENTIFIER_MAX} characters",
            key.name
        )));
    }
    Ok(())
}

/// The observations of a records message, one per key. The same record set listed twice is
/// kept once; a key listed with two different contents, or both present and deleted, is
/// ambiguous and makes the message poison.
pub(crate) fn records(m: &RecordsMessage, now: Timestamp) -> Result<Vec<Incoming>, ApplyError> {
    observed_at(m.observed_at, now)?;
    origin(&m.origin)?;
    let mut out: Vec<Incoming> = Vec::with_capacity(m.upserts.len() + m.deletes.len());
    let mut seen: HashMap<RecordKey, usize> = HashMap::with_capacity(out.capacity());
    let mut push = |inc: Incoming, out: &mut Vec<Incoming>| -> Result<(), ApplyError> {
        key_ok(&inc.key)?;
        match seen.get(&inc.key) {
            Some(&i) if out[i].state == inc.state => Ok(()),
            Some(_) => Err(invalid(format!(
                "{} {} (set identifier {:?}) is listed twice with different states",
                inc.key.name,
                inc.key.rtype,
                inc.key.set_identifier_column()
            ))),
            None => {
                seen.insert(inc.key.clone(), out.len());
                out.push(inc);
                Ok(())
            }
        }
    };
    for record in &m.upserts {
        let record = record.clone().normalize();
        let key = record.key(&m.zone_id);
        let content = Arc::new(Content::new(record));
        push(
            Incoming { key, state: State::Present(content.hash.clone()), content: Some(content) },
            &mut out,
        )?;
    }
    for delete in &m.deletes {
        push(
            Incoming { key: delete.key(&m.zone_id), state: State::Deleted, content: None },
            &mut out,
        )?;
    }
    Ok(out)
}

pub(crate) fn sweep_done(d: &SweepDone, now: Timestamp) -> Result<(), ApplyError> {
    observed_at(d.observed_at, now)?;
    sweep_id_ok(&d.sweep_id)?;
    if d.started_at > d.observed_at {
        return Err(invalid(format!(
            "sweep {} started at {} after it finished at {}",
            d.sweep_id, d.started_at, d.observed_at
        )));
    }
    if d.pages > i32::MAX as u32 || d.record_sets > i64::MAX as u64 {
        return Err(invalid("page or record set count out of range"));
    }
    Ok(())
}

pub(crate) fn zone(m: &ZoneMessage, now: Timestamp) -> Result<(), ApplyError> {
    observed_at(m.observed_at, now)?;
    origin(&m.origin)?;
    if let zonetrail_model::ZoneChange::Present(zone) = &m.change
        && zone.id != m.zone_id
    {
        return Err(invalid(format!("zone message for {} describes zone {}", m.zone_id, zone.id)));
    }
    Ok(())
}

/// The width of `accounts.name`.
const ACCOUNT_NAME_MAX: usize = 255;

pub(crate) fn zones_listed(l: &ZonesListed, now: Timestamp) -> Result<(), ApplyError> {
    sweep_id_ok(&l.sweep_id)?;
    observed_at(l.observed_at, now)?;
    if l.started_at > l.observed_at {
        return Err(invalid(format!(
            "zones_listed started_at {} is after its observed_at {}",
            l.started_at, l.observed_at
        )));
    }
    Ok(())
}

pub(crate) fn account_status(s: &AccountStatus, now: Timestamp) -> Result<(), ApplyError> {
    sweep_id_ok(&s.sweep_id)?;
    observed_at(s.observed_at, now)?;
    if let Some(name) = &s.account_name
        && name.chars().count() > ACCOUNT_NAME_MAX
    {
        return Err(invalid(format!(
            "account_name must have at most {ACCOUNT_NAME_MAX} characters, got {}",
            name.chars().count()
        )));
    }
    Ok(())
}

pub(crate) fn backfill_progress(p: &BackfillProgress, now: Timestamp) -> Result<(), ApplyError> {
    if p.backfill_id.is_empty() || p.backfill_id.len() > SWEEP_ID_MAX {
        return Err(invalid(format!(
            "backfill_id must have 1 to {SWEEP_ID_MAX} characters, got {}",
            p.backfill_id.len()
        )));
    }
    observed_at(p.observed_at, now)?;
    if p.since > p.until {
        return Err(invalid(format!(
            "backfill window starts ({}) after it ends ({})",
            p.since, p.until
        )));
    }
    if p.read_until < p.since || p.read_until > p.until {
        return Err(invalid(format!(
            "read_until {} is outside the window [{}, {}]",
            p.read_until, p.since, p.until
        )));
    }
    if p.next_token.as_ref().is_some_and(|t| t.len() > NEXT_TOKEN_MAX) {
        return Err(invalid(format!("next_token is longer than {NEXT_TOKEN_MAX} bytes")));
    }
    Ok(())
}

/// LookupEvents' tokens are a few hundred bytes; anything this long is not one.
const NEXT_TOKEN_MAX: usize = 16 * 1024;
