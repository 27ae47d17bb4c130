//! The sweep loop: zones one after another, listing hosted zones a page at a time.

use chrono::Utc;
use zonetrail_model::{HostedZone, Message, Origin, ZoneChange, ZoneId, ZoneMessage, to_micros};

use super::task::{Remaining, SweepTask, ZoneProgress};
use super::{
    Deadline, Progress, ProgressEvent, SweepError, SweepOutcome, SweepReport, ZoneFailure,
};
use crate::State;
use crate::queue::Queue;
use crate::route53::{CallError, Route53, convert};

pub(super) struct Sweeper<'a> {
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
        deadline: Option<Deadline>,
        progress: &'a dyn Progress,
        sweep_id: &str,
    ) -> Self {
        let settings = &state.config.sweep;
        Self {
            r53: Route53::new(state.route53.clone(), settings),
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
        let span = tracing::info_span!("sweep", sweep_id = %task.sweep_id);
        let _enter = span.enter();
        loop {
            if let Some(current) = task.current.take()
                && let ZoneEnd::Paused(progress) =
                    self.continue_zone(&task.sweep_id, current).await?
            {
                task.current = Some(progress);
                return Ok(self.paused(task));
            }
            match std::mem::replace(&mut task.then, Remaining::Nothing) {
                Remaining::Nothing => return Ok(SweepOutcome::Finished(self.finish_report())),
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
    ) -> Result<Option<SweepOutcome>, SweepError> {
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
        self.listed += zones.len() as u64;
        self.progress.report(ProgressEvent::ZonesListed {
            listed: self.listed,
            more: next_marker.is_some(),
        });
        task.then = next_marker
            .clone()
            .map_or(Remaining::Nothing, |m| Remaining::Listing { marker: Some(m) });

        for (i, listed) in zones.iter().enumerate() {
            let rest = zones.get(i + 1).map(|z| bare_id(z.id())).or_else(|| next_marker.clone());
            task.then = rest.map_or(Remaining::Nothing, |m| Remaining::Listing { marker: Some(m) });
            if self.out_of_time() {
                // Resume the listing at this zone: nothing of it has been sent yet.
                task.then = Remaining::Listing { marker: Some(bare_id(listed.id())) };
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
            account_id: None,
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

    fn paused(&mut self, rest: SweepTask) -> SweepOutcome {
        tracing::info!(sweep_id = %rest.sweep_id, "out of time; handing the rest of the sweep to a continuation");
        SweepOutcome::Paused { report: self.finish_report(), rest }
    }
}

/// `/hostedzone/Z123` → `Z123`, the form `Marker` takes.
fn bare_id(id: &str) -> String {
    id.trim_start_matches("/hostedzone/").to_owned()
}
