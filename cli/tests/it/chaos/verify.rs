//! What must hold after the chaos, read straight from the database and the queues:
//! the inventory equals Route 53's truth by key and by field, history has exactly one entry
//! per real change, and the dead-letter queue holds the poison messages and nothing else.

use sea_orm::{DatabaseConnection, EntityTrait};
use std::collections::{BTreeMap, HashMap};
use zonetrail_model::entity::{hosted_zones, record_changes, record_sets};
use zonetrail_model::{HostedZone, RecordKey, RecordName, RecordSet, RecordType, Vpc, ZoneId};

/// Every difference found, one line each; empty when everything holds.
#[derive(Default)]
pub struct Findings(pub Vec<String>);

impl Findings {
    fn add(&mut self, line: String) {
        self.0.push(line);
    }

    /// At most `n` lines of one kind, then a count of the rest.
    fn add_capped(&mut self, what: &str, lines: Vec<String>, n: usize) {
        let total = lines.len();
        for line in lines.into_iter().take(n) {
            self.add(format!("{what}: {line}"));
        }
        if total > n {
            self.add(format!("{what}: ... and {} more", total - n));
        }
    }
}

pub async fn inventory(
    db: &DatabaseConnection,
    truth: &BTreeMap<RecordKey, RecordSet>,
    findings: &mut Findings,
) {
    let rows = record_sets::Entity::find().all(db).await.expect("read record_sets");
    let mut live: BTreeMap<RecordKey, RecordSet> = BTreeMap::new();
    let mut bad_rows = Vec::new();
    for row in &rows {
        if row.deleted_at.is_some() {
            continue;
        }
        let Some(content) = &row.content else {
            bad_rows.push(format!("row {} is live but has no content", row.id));
            continue;
        };
        let record: RecordSet = match serde_json::from_str(content) {
            Ok(r) => r,
            Err(e) => {
                bad_rows.push(format!("row {} content does not decode: {e}", row.id));
                continue;
            }
        };
        let key = key_of(row);
        if key != record.key(&key.zone_id) {
            bad_rows.push(format!(
                "row {} columns say {key:?} but its content is {:?}",
                row.id,
                record.key(&key.zone_id)
            ));
        }
        live.insert(key, record.normalize());
    }
    findings.add_capped("inconsistent row", bad_rows, 5);

    let missing: Vec<String> =
        truth.keys().filter(|k| !live.contains_key(k)).map(|k| format!("{k:?}")).collect();
    let extra: Vec<String> =
        live.keys().filter(|k| !truth.contains_key(k)).map(|k| format!("{k:?}")).collect();
    let differ: Vec<String> = truth
        .iter()
        .filter_map(|(k, want)| {
            live.get(k)
                .filter(|got| *got != want)
                .map(|got| format!("{k:?}\n      want {want:?}\n      got  {got:?}"))
        })
        .collect();
    findings.add_capped("missing from the inventory", missing, 10);
    findings.add_capped("live in the inventory but gone from Route 53", extra, 10);
    findings.add_capped("content differs", differ, 10);
}

pub async fn zones(db: &DatabaseConnection, truth: &[HostedZone], findings: &mut Findings) {
    let rows = hosted_zones::Entity::find().all(db).await.expect("read hosted_zones");
    let got: BTreeMap<String, (String, bool, Vec<Vpc>)> = rows
        .into_iter()
        .filter(|z| z.deleted_at.is_none())
        .map(|z| {
            let mut vpcs: Vec<Vpc> = serde_json::from_str(&z.vpcs).unwrap_or_default();
            vpcs.sort();
            (z.id, (z.name, z.private_zone, vpcs))
        })
        .collect();
    let want: BTreeMap<String, (String, bool, Vec<Vpc>)> = truth
        .iter()
        .map(|z| (z.id.to_string(), (z.name.to_string(), z.private, z.vpcs.clone())))
        .collect();
    if got != want {
        findings.add(format!("hosted zones differ:\n      want {want:?}\n      got  {got:?}"));
    }
}

/// `expected`: for every key that ever existed, the actions its history must hold, in order.
pub async fn history(
    db: &DatabaseConnection,
    expected: &BTreeMap<RecordKey, Vec<&'static str>>,
    findings: &mut Findings,
) {
    let rows = record_sets::Entity::find().all(db).await.expect("read record_sets");
    let keys: HashMap<i64, RecordKey> = rows.iter().map(|r| (r.id, key_of(r))).collect();
    let mut changes = record_changes::Entity::find().all(db).await.expect("read record_changes");
    changes.sort_by_key(|a| (a.observed_at, a.id));
    let mut got: BTreeMap<RecordKey, Vec<String>> = BTreeMap::new();
    let mut orphans = 0;
    for change in changes {
        match keys.get(&change.record_id) {
            Some(key) => got.entry(key.clone()).or_default().push(change.action),
            None => orphans += 1,
        }
    }
    if orphans > 0 {
        findings.add(format!("{orphans} history rows point at no record"));
    }
    let mut wrong = Vec::new();
    for (key, want) in expected {
        let have: Vec<&str> =
            got.get(key).map(|v| v.iter().map(String::as_str).collect()).unwrap_or_default();
        if have != *want {
            wrong.push(format!("{key:?}: want {want:?}, got {have:?}"));
        }
    }
    for (key, have) in &got {
        if !expected.contains_key(key) {
            wrong.push(format!("{key:?}: no change was made, got {have:?}"));
        }
    }
    findings.add_capped("history", wrong, 10);
}

fn key_of(row: &record_sets::Model) -> RecordKey {
    RecordKey {
        zone_id: ZoneId::parse(&row.zone_id).expect("stored zone ids are valid"),
        name: RecordName::parse(&row.name).expect("stored names are valid"),
        rtype: RecordType::parse(&row.record_type).expect("stored types are valid"),
        set_identifier: Some(row.set_identifier.clone()).filter(|s| !s.is_empty()),
    }
}

/// The DLQ must hold exactly the poison bodies, each once.
pub fn dead_letters(mut got: Vec<String>, mut poison: Vec<String>, findings: &mut Findings) {
    got.sort();
    poison.sort();
    if got != poison {
        let unexpected: Vec<String> =
            got.iter().filter(|b| !poison.contains(b)).map(|b| abbreviate(b)).collect();
        let absent: Vec<String> =
            poison.iter().filter(|b| !got.contains(b)).map(|b| abbreviate(b)).collect();
        findings.add(format!(
            "the DLQ holds {} messages, {} poison were sent",
            got.len(),
            poison.len()
        ));
        findings.add_capped("in the DLQ but not poison", unexpected, 5);
        findings.add_capped("poison but not in the DLQ (once)", absent, 5);
    }
}

fn abbreviate(body: &str) -> String {
    if body.len() > 300 {
        format!("{}… ({} bytes)", &body[..body.floor_char_boundary(300)], body.len())
    } else {
        body.to_owned()
    }
}
