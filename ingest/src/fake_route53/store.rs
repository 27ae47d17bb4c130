//! The fake's hosted zones and record sets, kept in Route 53's listing order.

use std::collections::BTreeMap;
use zonetrail_model::{RecordSet, Vpc};

/// Route 53 lists record sets by name with its labels reversed (`com.example.www`), then by
/// type, then by set identifier.
pub type SortKey = (Vec<Vec<u8>>, String, String);

pub struct Zone {
    pub id: String,
    pub labels: Vec<Vec<u8>>,
    pub caller_reference: String,
    pub comment: Option<String>,
    pub private: bool,
    pub vpcs: Vec<Vpc>,
    pub records: BTreeMap<SortKey, Stored>,
}

pub struct Stored {
    /// The name's labels, leftmost first.
    pub labels: Vec<Vec<u8>>,
    pub record: RecordSet,
}

pub fn sort_key(labels: &[Vec<u8>], rtype: &str, set_identifier: Option<&str>) -> SortKey {
    let mut reversed = labels.to_vec();
    reversed.reverse();
    (reversed, rtype.to_ascii_uppercase(), set_identifier.unwrap_or("").to_owned())
}

#[derive(Default)]
pub struct Store {
    pub zones: BTreeMap<String, Zone>,
}
