//! Domain types shared by every zonetrail stage.
//!
//! Parse at the edge, trust inside: [`ZoneId`], [`RecordName`], [`RecordType`] and
//! [`RecordKey`] can only hold values that follow Route 53's rules, so the ingest, the
//! writer and the API never re-check them.

mod account;
pub mod db;
pub mod emf;
pub mod entity;
pub mod message;
mod name;
mod record;
mod resource;
pub mod restore;
pub mod telemetry;
#[cfg(feature = "testing")]
pub mod testing;
mod zone;
pub mod zonefile;

pub use account::{AccountId, AccountIdError};
pub use message::{
    AccountState, AccountStatus, BackfillCounts, BackfillProgress, Envelope, Message, MessageError,
    Origin, RecordsMessage, SweepDone, ZoneChange, ZoneMessage, ZonesListed, split_records,
};
pub use name::{NameError, RecordName};
pub use record::{
    AliasTarget, CidrRouting, Coordinates, GeoLocation, GeoProximityLocation, RecordKey, RecordSet,
    RecordType, Routing, TypeError, lookup_key,
};
pub use resource::{
    IpPrefix, IpRangesMessage, ResourceItem, ResourceKind, ResourceListing, ResourcesMessage,
};
pub use zone::{HostedZone, Vpc, ZoneId, ZoneIdError};

/// Observation timestamps carry microseconds, as the schema does.
pub type Timestamp = chrono::DateTime<chrono::Utc>;

/// Truncate a timestamp to whole microseconds, the precision every database column keeps,
/// so that a value read back compares equal to the value written.
pub fn to_micros(t: Timestamp) -> Timestamp {
    use chrono::{SubsecRound, Timelike};
    let t = t.trunc_subsecs(6);
    debug_assert_eq!(t.nanosecond() % 1000, 0);
    t
}
