//! The sweep's progress bar: zones, pages, record sets and rate, on stderr.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::sync::Mutex;
use std::time::{Duration, Instant};
use zonetrail_ingest::{Progress, ProgressEvent};

pub struct SweepBar {
    bar: ProgressBar,
    started: Instant,
    counts: Mutex<Counts>,
}

#[derive(Default)]
struct Counts {
    accounts: u64,
    accounts_done: u64,
    accounts_failed: u64,
    zones_listed: u64,
    listing_done: bool,
    zones_done: u64,
    zones_failed: u64,
    pages: u64,
    record_sets: u64,
    /// Route 53's own count of the record sets in the zones started so far.
    expected: u64,
}

impl SweepBar {
    /// A bar on stderr when it is a terminal; hidden otherwise (logs still say what happens).
    pub fn new(visible: bool) -> Self {
        let target =
            if visible { ProgressDrawTarget::stderr() } else { ProgressDrawTarget::hidden() };
        let bar = ProgressBar::with_draw_target(Some(0), target);
        bar.set_style(
            ProgressStyle::with_template(
                "{spinner} [{elapsed_precise}] {wide_bar} {pos}/{len} record sets · {msg}",
            )
            .expect("valid template")
            .progress_chars("=> "),
        );
        bar.enable_steady_tick(Duration::from_millis(200));
        Self { bar, started: Instant::now(), counts: Mutex::new(Counts::default()) }
    }

    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }

    fn redraw(&self, c: &Counts) {
        let secs = self.started.elapsed().as_secs_f64().max(0.001);
        let total_zones = if c.listing_done {
            c.zones_listed.to_string()
        } else {
            format!("{}+", c.zones_listed)
        };
        self.bar.set_length(c.expected.max(c.record_sets));
        self.bar.set_position(c.record_sets);
        let accounts = accounts_part(c.accounts, c.accounts_done, c.accounts_failed);
        self.bar.set_message(format!(
            "{accounts}zones {}/{}{} · pages {} · {:.0} record sets/s",
            c.zones_done,
            total_zones,
            if c.zones_failed > 0 {
                format!(" ({} failed)", c.zones_failed)
            } else {
                String::new()
            },
            c.pages,
            c.record_sets as f64 / secs
        ));
    }
}

impl Progress for SweepBar {
    fn report(&self, event: ProgressEvent) {
        let mut c = self.counts.lock().expect("progress lock");
        match event {
            ProgressEvent::AccountsListed { accounts } => c.accounts = accounts,
            ProgressEvent::AccountFinished { account_id, status, error } => {
                c.accounts_done += 1;
                c.listing_done = c.accounts_done >= c.accounts;
                if status != zonetrail_model::AccountState::Ok {
                    c.accounts_failed += 1;
                    self.bar.suspend(|| tracing::error!(account = %account_id, status = status.as_str(), error = error.as_deref().unwrap_or(""), "account not swept completely"));
                }
            }
            ProgressEvent::ZonesListed { page, .. } => {
                // Accounts list at once, each counting its own: add up the pages.
                c.zones_listed += page;
            }
            ProgressEvent::ZoneStarted { zone } => {
                c.expected += zone.record_count.unwrap_or(0).max(0) as u64
            }
            ProgressEvent::Page { record_sets, .. } => {
                c.pages += 1;
                c.record_sets += record_sets as u64;
            }
            ProgressEvent::ZoneFinished { .. } | ProgressEvent::ZoneVanished { .. } => {
                c.zones_done += 1
            }
            ProgressEvent::ZoneFailed { zone_id, error } => {
                c.zones_done += 1;
                c.zones_failed += 1;
                self.bar.suspend(|| tracing::error!(zone = %zone_id, %error, "zone sweep failed"));
            }
        }
        self.redraw(&c);
    }
}

/// The bar's account part, `accounts 2/3 (1 failed) · `, shown only with more than one account.
pub(crate) fn accounts_part(accounts: u64, done: u64, failed: u64) -> String {
    if accounts <= 1 {
        return String::new();
    }
    let failed = if failed > 0 { format!(" ({failed} failed)") } else { String::new() };
    format!("accounts {done}/{accounts}{failed} · ")
}
