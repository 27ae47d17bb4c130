//! What a sweep tells its caller while it runs (the CLI draws a progress bar from it).

use zonetrail_model::{AccountId, AccountState, HostedZone, ZoneId};

#[derive(Debug, Clone)]
pub enum ProgressEvent {
    /// The accounts in scope are known: `accounts` of them will be swept.
    AccountsListed {
        accounts: u64,
    },
    /// One account's sweep ended (`ok`, `access_denied` or `error`).
    AccountFinished {
        account_id: AccountId,
        status: AccountState,
        error: Option<String>,
    },
    /// Another page of hosted zones was listed; `listed` counts all so far (of one account:
    /// accounts swept at once each report their own count).
    ZonesListed {
        listed: u64,
        /// Zones on this page.
        page: u64,
        more: bool,
    },
    /// A zone's sweep began; `record_count` is Route 53's count of its record sets.
    ZoneStarted {
        zone: HostedZone,
    },
    /// A page of record sets was read and queued.
    Page {
        zone_id: ZoneId,
        record_sets: usize,
        zone_record_sets: u64,
    },
    ZoneFinished {
        zone_id: ZoneId,
        pages: u32,
        record_sets: u64,
    },
    ZoneFailed {
        zone_id: ZoneId,
        error: String,
    },
    /// The zone was deleted while the sweep ran.
    ZoneVanished {
        zone_id: ZoneId,
    },
}

pub trait Progress: Send + Sync {
    fn report(&self, event: ProgressEvent);
}

impl<F: Fn(ProgressEvent) + Send + Sync> Progress for F {
    fn report(&self, event: ProgressEvent) {
        self(event)
    }
}

/// For callers that do not show progress.
pub struct NoProgress;

impl Progress for NoProgress {
    fn report(&self, _event: ProgressEvent) {}
}
