//! The blob in which a message's origin keeps the record observations it made
//! (`observation_origins.observed`, migration `m20261201_000006`).
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

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ObservedError {
    #[error("observation blob has format {0}, not {FORMAT}")]
    Format(u8),
    #[error("observation blob of {0} bytes is not a whole number of entries")]
    Length(usize),
    #[error("observation blob holds a content hash that is not 64 hex digits: {0:?}")]
    Hash(String),
    #[error("observation blob is not sorted by record id")]
    Unsorted,
}

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
