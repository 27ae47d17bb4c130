//! The sweep loop: zones one after another, listing hosted zones a page at a time.

use chrono::Utc;
use zonetrail_model::{
    AccountId, AccountState, AccountStatus, HostedZone, Message, Origin, ZoneChange, ZoneId,
    ZoneMessage, ZonesListed, to_micros,
};

use super::task::{ListingProgress, Remaining, SweepTask, ZoneProgress};
use super::{
    Deadline, Progress, ProgressEvent, SweepError, SweepOutcome, SweepReport, ZoneFailure,
};
use crate::State;
use crate::queue::Queue;
use crate::route53::{CallError, Route53, convert};

pub(super) struct Sweeper<'a> {
    /// The account swept: every message names it.
    pub(super) account: AccountId,
    /// This account's own client and token bucket: accounts swept at once never share one.
    pub(super) r53: Route53,
    pub(super) queue: &'a dyn Queue,
    pub(super) record_page_size: i32,
    zone_page_size: i32,
    deadline: Option<Deadline>,
    pub(super) progress: &'a dyn Progress,
    pub(super) report: SweepReport,
    /// Hosted zones listed so far.
    listed: u64,
}

/// How one zone's part of the sweep ended.
pub(super) enum ZoneEnd {
    Done,
    Failed,
    Vanished,
    Paused(ZoneProgress),
}

impl<'a> Sweeper<'a> {
    pub(super) fn new(
        state: &'a State,
        account: AccountId,
        deadline: Option<Deadline>,
        progress: &'a dyn Progress,
        sweep_id: &str,
    ) -> Self {
        let settings = &state.config.sweep;
        Self {
            r53: Route53::new(state.route53_for(&account), settings),
            account,
            queue: state.queue.as_ref(),
            record_page_size: settings.record_page_size.clamp(1, 300),
            zone_page_size: settings.zone_page_size.clamp(1, 100),
            deadline,
            progress,
            report: SweepReport { sweep_id: sweep_id.to_owned(), ..SweepReport::default() },
            listed: 0,
        }
    }

    pub(super) fn out_of_time(&self) -> bool {
        self.deadline.is_some_and(|d| d.is_near())
    }

    pub(super) async fn run(mut self, mut task: SweepTask) -> Result<SweepOutcome, SweepError> {
        let span =
            tracing::info_span!("sweep", sweep_id = %task.sweep_id, account_id = %self.account);
        let _enter = span.enter();
        let full = task.is_full();
        if full && task.listing.is_none() {
            // Before the first ListHostedZones call: the writer spares every zone observed
            // after this instant, so earlier is the safe side.
            let now = to_micros(Utc::now());
            task.listing = Some(ListingProgress {
                started_at: now,
                observed_at: now,
                listed: Vec::new(),
                failed_zones: 0,
                first_failure: None,
            });
        }
        let account_name = task.account_name.clone();
        let sweep_id = task.sweep_id.clone();
        match self.run_task(task).await {
            Ok(SweepOutcome::Finished((report, listing))) if full => {
                self.account_done(&sweep_id, account_name, listing, report).await
            }
            Ok(SweepOutcome::Finished((report, _))) => Ok(SweepOutcome::Finished(report)),
            Ok(SweepOutcome::Paused { report, rest }) => Ok(SweepOutcome::Paused { report, rest }),
            Err(e) => {
                if full && !matches!(e, SweepError::Queue { .. }) {
                    let (status, reason) = match &e {
                        SweepError::ListZones { source, .. }
                            if crate::accounts::is_access_denied(source) =>
                        {
                            (AccountState::AccessDenied, source.to_string())
                        }
                        other => (AccountState::Error, other.to_string()),
                    };
                    tracing::error!(account_id = %self.account, status = status.as_str(), reason = %reason, "account not swept; its inventory is left as it was");
                    println!("{}", crate::metrics::account_failed_emf(&self.account, status));
                    // Best effort: the sweep's own error is what the caller needs to see.
                    if let Err(send) =
                        self.send_status(&sweep_id, account_name, status, Some(reason)).await
                    {
                        tracing::error!(error = %send, "the account_status could not be queued");
                    }
                }
                Err(e)
            }
        }
    }

    /// A full sweep ran to its end: the account's complete list of zones, then how it went.
    async fn account_done(
        &mut self,
        sweep_id: &str,
        account_name: Option<String>,
        listing: Option<ListingProgress>,
        report: SweepReport,
    ) -> Result<SweepOutcome, SweepError> {
        let Some(listing) = listing else {
            return Ok(SweepOutcome::Finished(report));
        };
        let total = listing.listed.len();
        let listed = Message::ZonesListed(ZonesListed {
            account_id: self.account.clone(),
            sweep_id: sweep_id.to_owned(),
            started_at: listing.started_at,
            observed_at: listing.observed_at,
            zone_ids: listing.listed,
        });
        self.queue
            .send(vec![listed])
            .await
            .map_err(|source| SweepError::Queue { sweep_id: sweep_id.to_owned(), source })?;
        let (status, error) = match listing.failed_zones {
            0 => (AccountState::Ok, None),
            n => (
                AccountState::Error,
                Some(format!(
                    "{n} of {total} zones failed: {}",
                    listing.first_failure.unwrap_or_default()
                )),
            ),
        };
        if let Some(reason) = &error {
            tracing::error!(account_id = %self.account, reason = %reason, "account swept with failed zones");
            println!("{}", crate::metrics::account_failed_emf(&self.account, status));
        }
        self.send_status(sweep_id, account_name, status, error)
            .await
            .map_err(|source| SweepError::Queue { sweep_id: sweep_id.to_owned(), source })?;
        Ok(SweepOutcome::Finished(report))
    }

    async fn send_status(
        &self,
        sweep_id: &str,
        account_name: Option<String>,
        status: AccountState,
        error: Option<String>,
    ) -> Result<(), crate::QueueError> {
        let message = Message::AccountStatus(AccountStatus {
            account_id: self.account.clone(),
            account_name,
            sweep_id: sweep_id.to_owned(),
            observed_at: to_micros(Utc::now()),
            status,
            error,
        });
        self.queue.send(vec![message]).await
    }

    async fn run_task(
        &mut self,
        mut task: SweepTask,
    ) -> Result<SweepOutcome<(SweepReport, Option<ListingProgress>)>, SweepError> {
        loop {
            if let Some(current) = task.current.take()
                && let ZoneEnd::Paused(progress) =
                    self.continue_zone(&task.sweep_id, current).await?
            {
                task.current = Some(progress);
                return Ok(self.paused(task));
            }
            match std::mem::replace(&mut task.then, Remaining::Nothing) {
                Remaining::Nothing => {
                    let report = self.finish_report();
                    let listing = task.listing.take().map(|l| self.note_failures(l, &report));
                    return Ok(SweepOutcome::Finished((report, listing)));
                }
                Remaining::Zone { zone_id } => {
                    if self.out_of_time() {
                        task.then = Remaining::Zone { zone_id };
                        return Ok(self.paused(task));
                    }
                    if let Some(zone) = self.read_zone(&zone_id).await {
                        task.current = Some(self.start_zone(&task.sweep_id, zone.0, zone.1).await?);
                    }
                }
                Remaining::Listing { marker } => {
                    if self.out_of_time() {
                        task.then = Remaining::Listing { marker };
                        return Ok(self.paused(task));
                    }
                    if let Some(paused) = self.sweep_listing_page(&mut task, marker).await? {
                        return Ok(paused);
                    }
                }
            }
        }
    }

    /// List one page of hosted zones and sweep each; `task.then` ends up at the next page.
    async fn sweep_listing_page(
        &mut self,
        task: &mut SweepTask,
        marker: Option<String>,
    ) -> Result<Option<SweepOutcome<(SweepReport, Option<ListingProgress>)>>, SweepError> {
        let page_size = self.zone_page_size;
        let out = self
            .r53
            .call("ListHostedZones", |c| {
                c.list_hosted_zones().max_items(page_size).set_marker(marker.clone()).send()
            })
            .await
            .map_err(|source| SweepError::ListZones {
                sweep_id: task.sweep_id.clone(),
                zones_swept: self.report.zones_swept,
                source,
            })?;
        let listed_at = to_micros(Utc::now());
        let next_marker = out.next_marker().filter(|_| out.is_truncated()).map(str::to_owned);
        if next_marker.is_some() && next_marker == marker {
            return Err(SweepError::ListingStuck {
                sweep_id: task.sweep_id.clone(),
                marker: marker.unwrap_or_default(),
            });
        }
        let zones = out.hosted_zones();
        if let Some(listing) = task.listing.as_mut() {
            listing.observed_at = listed_at;
            for zone in zones {
                // A zone id that does not parse fails the sweep below (BadZone).
                if let Ok(id) = ZoneId::parse(zone.id()) {
                    listing.listed.push(id);
                }
            }
        }
        self.listed += zones.len() as u64;
        self.progress.report(ProgressEvent::ZonesListed {
            listed: self.listed,
            page: zones.len() as u64,
            more: next_marker.is_some(),
        });
        task.then = next_marker
            .clone()
            .map_or(Remaining::Nothing, |m| Remaining::Listing { marker: Some(m) });

        for (i, listed) in zones.iter().enumerate() {
            let rest = zones.get(i + 1).map(|z| bare_id(z.id())).or_else(|| next_marker.clone());
            task.then = rest.map_or(Remaining::Nothing, |m| Remaining::Listing { marker: Some(m) });
            if self.out_of_time() {
                // Resume the listing at this zone: nothing of it has been sent yet. The next
                // invocation lists it (and the rest of this page) again.
                task.then = Remaining::Listing { marker: Some(bare_id(listed.id())) };
                unlist(task, zones.len() - i);
                return Ok(Some(self.paused(task.clone())));
            }
            let zone = match convert::hosted_zone(listed, &[]) {
                Ok(zone) => zone,
                Err(e) => {
                    return Err(SweepError::BadZone {
                        sweep_id: task.sweep_id.clone(),
                        id: listed.id().to_owned(),
                        reason: e.to_string(),
                    });
                }
            };
            // ListHostedZones does not say which VPCs a private zone serves; GetHostedZone does.
            let (zone, observed_at) = if zone.private {
                match self.read_zone(&zone.id).await {
                    Some(read) => read,
                    None => continue,
                }
            } else {
                (zone, listed_at)
            };
            let started = self.start_zone(&task.sweep_id, zone, observed_at).await?;
            if let ZoneEnd::Paused(progress) = self.continue_zone(&task.sweep_id, started).await? {
                task.current = Some(progress);
                // The listing resumes at the next zone, which it lists again.
                if task.then != Remaining::Nothing {
                    unlist(task, zones.len() - i - 1);
                }
                return Ok(Some(self.paused(task.clone())));
            }
        }
        Ok(None)
    }

    /// GetHostedZone: the zone with its VPCs, and when it was read. `None` when the zone is
    /// gone or cannot be read (recorded in the report).
    async fn read_zone(
        &mut self,
        zone_id: &ZoneId,
    ) -> Option<(HostedZone, zonetrail_model::Timestamp)> {
        let id = zone_id.to_string();
        match self.r53.call("GetHostedZone", |c| c.get_hosted_zone().id(id.clone()).send()).await {
            Ok(out) => {
                let observed_at = to_micros(Utc::now());
                let Some(zone) = out.hosted_zone() else {
                    self.fail_zone(zone_id, "GetHostedZone returned no hosted zone".into());
                    return None;
                };
                match convert::hosted_zone(zone, out.vpcs()) {
                    Ok(zone) => Some((zone, observed_at)),
                    Err(e) => {
                        self.fail_zone(zone_id, e.to_string());
                        None
                    }
                }
            }
            Err(CallError::NotFound { .. }) => {
                self.vanished(zone_id);
                None
            }
            Err(e) => {
                self.fail_zone(zone_id, e.to_string());
                None
            }
        }
    }

    /// Send the zone's `zone` message and open its sweep.
    async fn start_zone(
        &mut self,
        sweep_id: &str,
        zone: HostedZone,
        observed_at: zonetrail_model::Timestamp,
    ) -> Result<ZoneProgress, SweepError> {
        let zone_id = zone.id.clone();
        self.progress.report(ProgressEvent::ZoneStarted { zone: zone.clone() });
        let message = Message::Zone(ZoneMessage {
            account_id: Some(self.account.clone()),
            zone_id: zone_id.clone(),
            observed_at,
            origin: Origin::Sweep { sweep_id: sweep_id.to_owned(), page: 0 },
            change: ZoneChange::Present(zone),
        });
        self.queue
            .send(vec![message])
            .await
            .map_err(|source| SweepError::Queue { sweep_id: sweep_id.to_owned(), source })?;
        // Taken before the first ListResourceRecordSets call: reconciliation only tombstones
        // records last observed before this instant, so earlier is the safe side.
        Ok(ZoneProgress {
            zone_id,
            started_at: to_micros(Utc::now()),
            cursor: None,
            pages: 0,
            route53_pages: 0,
            record_sets: 0,
            last_observed_at: None,
        })
    }

    pub(super) fn fail_zone(&mut self, zone_id: &ZoneId, error: String) {
        tracing::error!(zone_id = %zone_id, error = %error, "zone sweep failed");
        self.progress
            .report(ProgressEvent::ZoneFailed { zone_id: zone_id.clone(), error: error.clone() });
        self.report.failures.push(ZoneFailure { zone_id: zone_id.clone(), error });
    }

    pub(super) fn vanished(&mut self, zone_id: &ZoneId) {
        tracing::warn!(zone_id = %zone_id, "hosted zone was deleted during the sweep; skipping it");
        self.progress.report(ProgressEvent::ZoneVanished { zone_id: zone_id.clone() });
        self.report.zones_vanished += 1;
    }

    fn finish_report(&mut self) -> SweepReport {
        self.report.route53_calls = self.r53.calls();
        self.report.route53_retries = self.r53.retries();
        std::mem::take(&mut self.report)
    }

    fn paused<T>(&mut self, mut rest: SweepTask) -> SweepOutcome<T> {
        tracing::info!(sweep_id = %rest.sweep_id, "out of time; handing the rest of the sweep to a continuation");
        let report = self.finish_report();
        rest.listing = rest.listing.take().map(|l| self.note_failures(l, &report));
        if rest.account_id.is_none() {
            rest.account_id = Some(self.account.clone());
        }
        SweepOutcome::Paused { report, rest }
    }

    /// Carry this run's failed zones into the listing's tally.
    fn note_failures(&self, mut listing: ListingProgress, report: &SweepReport) -> ListingProgress {
        listing.failed_zones += report.failures.len() as u32;
        if listing.first_failure.is_none() {
            listing.first_failure =
                report.failures.first().map(|f| format!("{}: {}", f.zone_id, f.error));
        }
        listing
    }
}

/// Take the last `n` listed ids back off: the resumed listing lists those zones again.
fn unlist(task: &mut SweepTask, n: usize) {
    if let Some(listing) = task.listing.as_mut() {
        let keep = listing.listed.len().saturating_sub(n);
        listing.listed.truncate(keep);
    }
}

/// `/hostedzone/Z123` → `Z123`, the form `Marker` takes.
fn bare_id(id: &str) -> String {
    id.trim_start_matches("/hostedzone/").to_owned()
}
