//! The blob in which, from migration `m20261201_000006` to `m20261202_000007`, a message's
//! origin kept the record observations it made (`observation_origins.observed`). The writer no
//! longer writes it: migration 7 turns every blob back into `record_observations` rows, and
//! migration 6's `down` does the same. Kept here for those two and their tests.
//!
//! One entry per record the message observed, sorted by record id so one can be found by
//! binary search. An entry also names the origin of the record's previous blob-kept
//! observation, so a record's observations are a chain: `record_sets.observation_origin_id`
//! names the newest, each entry the one before it (0 ends the chain).
//!
//! Layout: a format byte (1), then entries of [`ENTRY_LEN`] bytes: record id (i64 LE),
//! previous origin id (i64 LE, 0 for none), flags (bit 0: the observation starts a run of
//! equal state; bit 1: it saw the record absent), SHA-256 content hash (32 bytes; zeros when
//! absent).

use sea_orm_migration::prelude::*;

const FORMAT: u8 = 1;
pub const ENTRY_LEN: usize = 8 + 8 + 1 + 32;
const STARTS_RUN: u8 = 1;
const DELETED: u8 = 2;

/// One record observation kept in an origin's blob.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObservedEntry {
    pub record_id: i64,
    /// The origin of the record's previous blob-kept observation.
    pub prev_origin_id: Option<i64>,
    pub starts_run: bool,
    /// The content hash (64 hex digits) the observation saw; `None`: the record was absent.
    pub content_hash: Option<String>,
}

#[derive(Debug, PartialEq, Eq)]
pub enum ObservedError {
    Format(u8),
    Length(usize),
    Hash(String),
    Unsorted,
}

impl std::fmt::Display for ObservedError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Format(v) => write!(f, "observation blob has format {v}, not {FORMAT}"),
            Self::Length(n) => {
                write!(f, "observation blob of {n} bytes is not a whole number of entries")
            }
            Self::Hash(h) => {
                write!(f, "observation blob holds a content hash that is not 64 hex digits: {h:?}")
            }
            Self::Unsorted => write!(f, "observation blob is not sorted by record id"),
        }
    }
}

impl std::error::Error for ObservedError {}

/// Encode entries (any order; sorted here). Fails only on a malformed content hash.
pub fn encode(mut entries: Vec<ObservedEntry>) -> Result<Vec<u8>, ObservedError> {
    entries.sort_by_key(|e| e.record_id);
    let mut out = Vec::with_capacity(1 + entries.len() * ENTRY_LEN);
    out.push(FORMAT);
    for e in &entries {
        out.extend_from_slice(&e.record_id.to_le_bytes());
        out.extend_from_slice(&e.prev_origin_id.unwrap_or(0).to_le_bytes());
        let mut flags = 0;
        if e.starts_run {
            flags |= STARTS_RUN;
        }
        let mut hash = [0u8; 32];
        match &e.content_hash {
            Some(h) => {
                hex::decode_to_slice(h, &mut hash).map_err(|_| ObservedError::Hash(h.clone()))?
            }
            None => flags |= DELETED,
        }
        out.push(flags);
        out.extend_from_slice(&hash);
    }
    Ok(out)
}

/// A decoded view of a blob: checked once, then entries are read in place.
#[derive(Debug, Clone, Copy)]
pub struct Observed<'a> {
    entries: &'a [u8],
}

impl<'a> Observed<'a> {
    pub fn parse(blob: &'a [u8]) -> Result<Self, ObservedError> {
        let Some((&format, entries)) = blob.split_first() else {
            return Ok(Self { entries: &[] });
        };
        if format != FORMAT {
            return Err(ObservedError::Format(format));
        }
        if !entries.len().is_multiple_of(ENTRY_LEN) {
            return Err(ObservedError::Length(blob.len()));
        }
        let view = Self { entries };
        if (1..view.len()).any(|i| view.id_at(i - 1) >= view.id_at(i)) {
            return Err(ObservedError::Unsorted);
        }
        Ok(view)
    }

    pub fn len(&self) -> usize {
        self.entries.len() / ENTRY_LEN
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    fn id_at(&self, i: usize) -> i64 {
        i64::from_le_bytes(
            self.entries[i * ENTRY_LEN..i * ENTRY_LEN + 8].try_into().expect("8 bytes"),
        )
    }

    fn entry_at(&self, i: usize) -> ObservedEntry {
        let e = &self.entries[i * ENTRY_LEN..(i + 1) * ENTRY_LEN];
        let prev = i64::from_le_bytes(e[8..16].try_into().expect("8 bytes"));
        let flags = e[16];
        ObservedEntry {
            record_id: i64::from_le_bytes(e[..8].try_into().expect("8 bytes")),
            prev_origin_id: (prev != 0).then_some(prev),
            starts_run: flags & STARTS_RUN != 0,
            content_hash: (flags & DELETED == 0).then(|| hex::encode(&e[17..])),
        }
    }

    /// The entry of this record, if the blob has one.
    pub fn find(&self, record_id: i64) -> Option<ObservedEntry> {
        let (mut lo, mut hi) = (0, self.len());
        while lo < hi {
            let mid = (lo + hi) / 2;
            match self.id_at(mid).cmp(&record_id) {
                std::cmp::Ordering::Less => lo = mid + 1,
                std::cmp::Ordering::Greater => hi = mid,
                std::cmp::Ordering::Equal => return Some(self.entry_at(mid)),
            }
        }
        None
    }

    pub fn iter(&self) -> impl Iterator<Item = ObservedEntry> + '_ {
        (0..self.len()).map(|i| self.entry_at(i))
    }
}

/// Write every blob-kept observation as a `record_observations` row with its run flag, one
/// origin at a time. Where the record has a row from the same origin already (a rebuild wrote
/// the entry as a row, with the run flag as it is now; the blob's may be older), the row stays.
pub(crate) async fn materialize(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    use sea_orm_migration::sea_orm::{ConnectionTrait, Statement};
    let db = manager.get_connection();
    let backend = db.get_database_backend();
    let ids = db
        .query_all_raw(Statement::from_string(
            backend,
            "SELECT id FROM observation_origins WHERE observed IS NOT NULL",
        ))
        .await?;
    for row in ids {
        let id: i64 = row.try_get_by_index(0)?;
        let Some(origin) = db
            .query_one_raw(Statement::from_sql_and_values(
                backend,
                "SELECT observed_at, observed FROM observation_origins WHERE id = ?",
                [id.into()],
            ))
            .await?
        else {
            continue;
        };
        let at: zonetrail_model::Timestamp = origin.try_get_by_index(0)?;
        let blob: Vec<u8> = origin.try_get_by_index(1)?;
        let view = Observed::parse(&blob)
            .map_err(|e| DbErr::Custom(format!("observation_origins {id}: {e}")))?;
        let entries: Vec<_> = view.iter().collect();
        for chunk in entries.chunks(500) {
            let mut q = Query::insert()
                .into_table(Alias::new("record_observations"))
                .columns(
                    [
                        "record_id",
                        "origin_id",
                        "observed_at",
                        "deleted",
                        "content_hash",
                        "starts_run",
                    ]
                    .map(Alias::new),
                )
                .to_owned();
            for e in chunk {
                q.values_panic([
                    e.record_id.into(),
                    id.into(),
                    at.into(),
                    e.content_hash.is_none().into(),
                    e.content_hash.clone().into(),
                    e.starts_run.into(),
                ]);
            }
            q.on_conflict(
                OnConflict::columns([Alias::new("record_id"), Alias::new("origin_id")])
                    .do_nothing_on([Alias::new("record_id")])
                    .to_owned(),
            );
            db.execute(&q).await?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(id: i64, prev: Option<i64>, starts_run: bool, hash: Option<u8>) -> ObservedEntry {
        ObservedEntry {
            record_id: id,
            prev_origin_id: prev,
            starts_run,
            content_hash: hash.map(|b| hex::encode([b; 32])),
        }
    }

    #[test]
    fn entries_round_trip_and_are_found_by_record() {
        let entries = vec![
            entry(42, Some(7), true, Some(0xab)),
            entry(3, None, false, None),
            entry(9_000_000_000, Some(1), false, Some(0)),
        ];
        let blob = encode(entries.clone()).unwrap();
        assert_eq!(blob.len(), 1 + 3 * ENTRY_LEN);
        let view = Observed::parse(&blob).unwrap();
        assert_eq!(view.len(), 3);
        for e in &entries {
            assert_eq!(view.find(e.record_id).as_ref(), Some(e));
        }
        assert_eq!(view.find(4), None);
        assert_eq!(
            view.iter().map(|e| e.record_id).collect::<Vec<_>>(),
            vec![3, 42, 9_000_000_000]
        );
        assert!(Observed::parse(&[]).unwrap().is_empty());
    }

    #[test]
    fn malformed_blobs_are_errors() {
        assert_eq!(Observed::parse(&[2]).unwrap_err(), ObservedError::Format(2));
        assert_eq!(Observed::parse(&[1, 0, 0]).unwrap_err(), ObservedError::Length(3));
        let mut blob =
            encode(vec![entry(1, None, false, None), entry(2, None, false, None)]).unwrap();
        blob[1] = 5; // the first entry's id is now 5 > 2
        assert_eq!(Observed::parse(&blob).unwrap_err(), ObservedError::Unsorted);
        assert!(matches!(
            encode(vec![ObservedEntry {
                content_hash: Some("zz".into()),
                ..entry(1, None, false, None)
            }]),
            Err(ObservedError::Hash(_))
        ));
    }
}
