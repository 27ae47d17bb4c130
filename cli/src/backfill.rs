//! `zonetrail backfill`: record history from CloudTrail's event history (docs/design.md,
//! "Backfill"). The ingest's runner reads, decodes and paces; this command chooses where the
//! finished windows are read from, draws the progress bar and prints the summary.

use anyhow::Context;
use indicatif::{HumanCount, ProgressBar, ProgressDrawTarget, ProgressStyle};
use sea_orm::DatabaseConnection;
use std::future::Future;
use std::io::IsTerminal;
use std::pin::Pin;
use std::process::ExitCode;
use std::sync::Mutex;
use std::time::{Duration, Instant};
use zonetrail_ingest::backfill::{
    BackfillEvent, BackfillObserver, BackfillReport, BackfillRequest, BackfillStore,
    NoStoredWindows, backfill_all, parse_time_arg,
};
use zonetrail_model::{AccountId, AccountState, BackfillProgress};

use crate::commands::Pipeline;
use crate::config::{DbArgs, QueueArgs, Route53Args};
use crate::progress::accounts_part;

/// The exit status of input that names no valid window, as clap's own for a malformed flag.
const USAGE_ERROR: u8 = 2;

/// A `--since`/`--until` value as given: checked when the command line is read (so a
/// malformed time stops the command before it touches anything), turned into a time against
/// one `now` when the command starts.
#[derive(Clone, Debug)]
pub struct TimeArg(String);

impl TimeArg {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// clap's value parser: a duration ago or an RFC 3339 time, by the ingest's own rules.
pub fn parse_time(raw: &str) -> Result<TimeArg, String> {
    parse_time_arg(raw, chrono::Utc::now())?;
    Ok(TimeArg(raw.to_owned()))
}

pub struct BackfillOptions {
    pub since: TimeArg,
    pub until: Option<TimeArg>,
    pub cloudtrail_rps: Option<String>,
    pub db: DbArgs,
    /// The database was named (flag or `DATABASE_URL`) rather than left to its default.
    pub database_given: bool,
    pub queue: QueueArgs,
    pub route53: Route53Args,
}

type StoreFuture<'a> =
    Pin<Box<dyn Future<Output = Result<Vec<BackfillProgress>, String>> + Send + 'a>>;

/// The windows stored in the database the writer applies to.
pub(crate) struct DbStore(pub(crate) DatabaseConnection);

impl BackfillStore for DbStore {
    fn windows<'a>(&'a self, account: &'a AccountId) -> StoreFuture<'a> {
        Box::pin(async move {
            zonetrail_writer::backfill::windows(&self.0, account).await.map_err(|e| e.to_string())
        })
    }
}

pub async fn backfill(o: BackfillOptions) -> anyhow::Result<ExitCode> {
    // The window first: input that names none stops here, before any connection is made.
    let now = chrono::Utc::now();
    let request = BackfillRequest::parse(&o.since.0, o.until.as_ref().map(|u| u.0.as_str()), now);
    let (request, warning) = match request {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: no window to backfill: {e}");
            return Ok(ExitCode::from(USAGE_ERROR));
        }
    };
    if let Some(warning) = warning {
        tracing::warn!("{warning}");
    }
    let mut config = o.route53.ingest_config(&o.queue)?;
    if let Some(rps) = &o.cloudtrail_rps {
        // The ingest's own rules for the value, and its error naming the variable.
        config.cloudtrail_rps = zonetrail_ingest::IngestConfig::from_lookup(|var| {
            (var == "ZONETRAIL_CLOUDTRAIL_RPS").then(|| rps.clone())
        })?
        .cloudtrail_rps;
    }
    let pipeline = Pipeline::start_with(&o.db, config, &o.route53, None).await?;
    let store: Box<dyn BackfillStore> = match (&pipeline.db, &o.queue.queue_url) {
        // In process: the database the local writer applies to.
        (Some(conn), _) => Box::new(DbStore(conn.clone())),
        (None, Some(_)) if o.database_given => Box::new(DbStore(o.db.connect().await?)),
        (None, _) => {
            tracing::warn!(
                "no database given (--database-url or DATABASE_URL): the windows already backfilled cannot be read, so they are read again (the writer ignores what it already has)"
            );
            Box::new(NoStoredWindows)
        }
    };

    let started = Instant::now();
    let bar = BackfillBar::new(std::io::stderr().is_terminal());
    let result = backfill_all(&pipeline.ingest, &request, store.as_ref(), &bar).await;
    bar.finish();
    let written = pipeline.finish().await?;
    let report = result.context("backfill")?;

    let mut line = summary(&report, started.elapsed());
    match (&written, &o.queue.queue_url) {
        (Some(w), _) if w.failed > 0 => {
            line.push_str(&format!("; {} messages FAILED to apply", HumanCount(w.failed)))
        }
        (None, Some(url)) => line.push_str(&format!("; enqueued on {url}")),
        _ => {}
    }
    println!("{line}");
    if report.accounts.len() > 1 {
        for account in &report.accounts {
            println!(
                "account {} {}: {} · {} events, {} pages{}",
                account.account_id,
                account
                    .account_name
                    .as_deref()
                    .map_or_else(|| "-".to_owned(), |n| format!("({n})")),
                account.status.as_str(),
                HumanCount(account.counts.events),
                HumanCount(account.pages),
                account.error.as_deref().map_or_else(String::new, |e| format!(" · {e}")),
            );
        }
    }
    for account in report.failed_accounts() {
        eprintln!(
            "error: account {} ({}): {}",
            account.account_id,
            account.status.as_str(),
            account.error.as_deref().unwrap_or("")
        );
    }
    let failed = report.failed_accounts().next().is_some() || written.is_some_and(|w| w.failed > 0);
    Ok(if failed { ExitCode::FAILURE } else { ExitCode::SUCCESS })
}

/// `backfilled 3 accounts: 10,000 events read (9,812 applied, 120 failed calls skipped,
/// 3 incomplete, 1 malformed, 64 ignored), 201 pages, 2 windows already done, in 1m41s`.
pub(crate) fn summary(report: &BackfillReport, elapsed: Duration) -> String {
    let c = &report.counts;
    let n = report.accounts.len() as u64;
    let mut line = format!(
        "backfilled {} {}: {} events read ({} applied, {} failed {} skipped, {} incomplete, {} malformed, {} ignored), {} {}, {} {} already done",
        HumanCount(n),
        plural(n, "account", "accounts"),
        HumanCount(c.events),
        HumanCount(c.applied),
        HumanCount(c.failed_calls),
        plural(c.failed_calls, "call", "calls"),
        HumanCount(c.incomplete),
        HumanCount(c.malformed),
        HumanCount(c.ignored),
        HumanCount(report.pages),
        plural(report.pages, "page", "pages"),
        HumanCount(report.windows_skipped),
        plural(report.windows_skipped, "window", "windows"),
    );
    if report.throttled > 0 {
        line.push_str(&format!(
            ", {} {} retried",
            HumanCount(report.throttled),
            plural(report.throttled, "call", "calls")
        ));
    }
    line.push_str(&format!(", in {}", short_duration(elapsed)));
    let failed = report.failed_accounts().count();
    if failed > 0 {
        line.push_str(&format!(
            "; {failed} {} FAILED",
            plural(failed as u64, "account", "accounts")
        ));
    }
    line
}

fn plural(n: u64, one: &'static str, many: &'static str) -> &'static str {
    if n == 1 { one } else { many }
}

/// "12.4s", "1m41s", "1h02m".
fn short_duration(d: Duration) -> String {
    let secs = d.as_secs();
    if secs < 60 {
        format!("{:.1}s", d.as_secs_f64())
    } else if secs < 3600 {
        format!("{}m{:02}s", secs / 60, secs % 60)
    } else {
        format!("{}h{:02}m", secs / 3600, secs % 3600 / 60)
    }
}

/// The backfill's progress bar: days of event history covered (of every account's windows
/// together), events read, pages, accounts; on stderr.
struct BackfillBar {
    bar: ProgressBar,
    started: Instant,
    counts: Mutex<BarCounts>,
}

#[derive(Default)]
struct BarCounts {
    accounts: u64,
    accounts_done: u64,
    accounts_failed: u64,
    /// Seconds of event history to read, over the accounts planned so far.
    seconds: u64,
    covered: u64,
    events: u64,
    pages: u64,
    skipped: u64,
}

const DAY: f64 = 86_400.0;

impl BackfillBar {
    /// A bar on stderr when it is a terminal; hidden otherwise (logs still say what happens).
    fn new(visible: bool) -> Self {
        let target =
            if visible { ProgressDrawTarget::stderr() } else { ProgressDrawTarget::hidden() };
        let bar = ProgressBar::with_draw_target(Some(0), target);
        bar.set_style(
            ProgressStyle::with_template("{spinner} [{elapsed_precise}] {wide_bar} {msg}")
                .expect("valid template")
                .progress_chars("=> "),
        );
        bar.enable_steady_tick(Duration::from_millis(200));
        Self { bar, started: Instant::now(), counts: Mutex::new(BarCounts::default()) }
    }

    fn finish(&self) {
        self.bar.finish_and_clear();
    }

    fn redraw(&self, c: &BarCounts) {
        let secs = self.started.elapsed().as_secs_f64().max(0.001);
        self.bar.set_length(c.seconds.max(c.covered));
        self.bar.set_position(c.covered);
        let accounts = accounts_part(c.accounts, c.accounts_done, c.accounts_failed);
        let skipped = if c.skipped > 0 {
            format!(" · {} {} already done", c.skipped, plural(c.skipped, "window", "windows"))
        } else {
            String::new()
        };
        self.bar.set_message(format!(
            "{accounts}{:.1}/{:.1} days · {} events · {} pages · {:.0} events/s{skipped}",
            c.covered as f64 / DAY,
            c.seconds.max(c.covered) as f64 / DAY,
            HumanCount(c.events),
            HumanCount(c.pages),
            c.events as f64 / secs,
        ));
    }
}

impl BackfillObserver for BackfillBar {
    fn report(&self, event: BackfillEvent) {
        let mut c = self.counts.lock().unwrap_or_else(|e| e.into_inner());
        match event {
            BackfillEvent::AccountsListed { accounts } => c.accounts = accounts,
            BackfillEvent::AccountPlanned { seconds, skipped, .. } => {
                c.seconds += seconds;
                c.skipped += skipped;
            }
            BackfillEvent::WindowStarted { .. } => {}
            BackfillEvent::Page { events, seconds, .. } => {
                c.pages += 1;
                c.events += events;
                c.covered += seconds;
            }
            BackfillEvent::WindowFinished { .. } => {}
            BackfillEvent::AccountFinished { account_id, status, error } => {
                c.accounts_done += 1;
                if status != AccountState::Ok {
                    c.accounts_failed += 1;
                    self.bar.suspend(|| tracing::error!(account = %account_id, status = status.as_str(), error = error.as_deref().unwrap_or(""), "account not backfilled completely"));
                }
            }
        }
        self.redraw(&c);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_are_short() {
        assert_eq!(short_duration(Duration::from_millis(12_400)), "12.4s");
        assert_eq!(short_duration(Duration::from_secs(101)), "1m41s");
        assert_eq!(short_duration(Duration::from_secs(3_720)), "1h02m");
    }
}
