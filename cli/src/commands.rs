//! The one-shot commands: `sweep`, `ingest-event` and `drain` (and the pipeline `backfill`
//! shares with them).

use anyhow::{Context, bail};
use sea_orm::DatabaseConnection;
use std::io::{IsTerminal, Read};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;
use zonetrail_ingest::{IngestConfig, State, sweep_all};

use crate::config::{DbArgs, FindingsSwitch, QueueArgs, Route53Args, aws_sdk_config, build_queue};
use crate::findings_worker::{self, WorkerStats};
use crate::local_writer::{self, WriterStats};
use crate::progress::SweepBar;
use crate::sqs_consumer::{self, Until};

/// The ingest state and, for the in-process queue, the writer that applies it.
pub struct Pipeline {
    pub ingest: State,
    writer: Option<tokio::task::JoinHandle<WriterStats>>,
    /// The findings worker evaluating what the in-process writer applies.
    findings: Option<tokio::task::JoinHandle<WorkerStats>>,
    /// The database the in-process writer applies to (none when messages go to SQS).
    pub db: Option<DatabaseConnection>,
}

impl Pipeline {
    async fn start(
        db: &DbArgs,
        queue: &QueueArgs,
        route53: &Route53Args,
        findings: &FindingsSwitch,
    ) -> anyhow::Result<Self> {
        Self::start_with(db, route53.ingest_config(queue)?, route53, Some(findings)).await
    }

    /// With an ingest configuration the caller completed (the backfill's CloudTrail rate).
    /// With `findings` on, what the in-process writer applies is evaluated for findings.
    pub async fn start_with(
        db: &DbArgs,
        config: IngestConfig,
        route53: &Route53Args,
        findings: Option<&FindingsSwitch>,
    ) -> anyhow::Result<Self> {
        let sdk = aws_sdk_config().await;
        let accounts = route53.accounts(&sdk).await?;
        let (queue, receiver) = build_queue(&sdk, &config);
        let (writer, worker, conn) = match receiver {
            Some((_, receiver)) => {
                let conn = db.connect_and_migrate().await?;
                let own = accounts.self_account().clone();
                let (tx, worker) = match findings.filter(|f| f.on()) {
                    Some(_) => {
                        let engine = crate::findings::engine(&sdk, false);
                        let (tx, handle) = findings_worker::spawn(conn.clone(), engine, None);
                        (Some(tx), Some(handle))
                    }
                    None => (None, None),
                };
                (
                    Some(tokio::spawn(local_writer::run(conn.clone(), receiver, own, None, tx))),
                    worker,
                    Some(conn),
                )
            }
            None => (None, None, None),
        };
        Ok(Self {
            ingest: State::new(&sdk, config, queue, accounts),
            writer,
            findings: worker,
            db: conn,
        })
    }

    /// Close the in-process queue and wait until the writer has applied everything in it.
    /// Then the findings worker evaluates what the writer handed it, and stops.
    pub async fn finish(self) -> anyhow::Result<Option<WriterStats>> {
        drop(self.ingest);
        let stats = match self.writer {
            Some(handle) => {
                Some(handle.await.context("the in-process writer stopped unexpectedly")?)
            }
            None => None,
        };
        if let Some(worker) = self.findings {
            let w = worker.await.context("the findings worker stopped unexpectedly")?;
            if w.report.opened + w.report.resolved > 0 || w.failed > 0 {
                eprintln!(
                    "findings: {} opened, {} resolved{}",
                    w.report.opened,
                    w.report.resolved,
                    if w.failed > 0 {
                        format!(
                            ", {} evaluations FAILED (run `zonetrail findings evaluate`)",
                            w.failed
                        )
                    } else {
                        String::new()
                    }
                );
            }
        }
        Ok(stats)
    }
}

pub async fn sweep(
    db: DbArgs,
    queue: QueueArgs,
    route53: Route53Args,
    findings: FindingsSwitch,
) -> anyhow::Result<ExitCode> {
    let pipeline = Pipeline::start(&db, &queue, &route53, &findings).await?;
    let started = Instant::now();
    let bar = SweepBar::new(std::io::stderr().is_terminal());
    let result = sweep_all(&pipeline.ingest, &bar).await;
    bar.finish();
    let all = result?;
    let written = pipeline.finish().await?;
    let secs = started.elapsed().as_secs_f64();
    let report = &all.total;
    let destination = match (&written, &queue.queue_url) {
        (Some(w), _) => format!(
            "applied: {} upserted, {} tombstoned, {} messages failed",
            w.upserted, w.tombstoned, w.failed
        ),
        (None, Some(url)) => format!("enqueued on {url}"),
        (None, None) => unreachable!("without a queue URL the in-process writer runs"),
    };
    println!(
        "swept {} zones, {} record sets in {} pages in {:.1} s ({:.0} record sets/s, {} Route 53 calls, {} retries); {}{}",
        report.zones_swept,
        report.record_sets,
        report.route53_pages,
        secs,
        report.record_sets as f64 / secs.max(0.001),
        report.route53_calls,
        report.route53_retries,
        destination,
        if report.failures.is_empty() {
            String::new()
        } else {
            format!("; {} zones FAILED", report.failures.len())
        },
    );
    for account in &all.accounts {
        println!(
            "account {} {}: {} · {} zones, {} record sets{}",
            account.account_id,
            account.account_name.as_deref().map_or_else(|| "-".to_owned(), |n| format!("({n})")),
            account.status.as_str(),
            account.report.zones_swept,
            account.report.record_sets,
            account.error.as_deref().map_or_else(String::new, |e| format!(" · {e}")),
        );
    }
    for failure in &report.failures {
        eprintln!("error: zone {}: {}", failure.zone_id, failure.error);
    }
    for account in all.failed_accounts() {
        eprintln!(
            "error: account {} ({}): {}",
            account.account_id,
            account.status.as_str(),
            account.error.as_deref().unwrap_or("")
        );
    }
    let failed = !report.failures.is_empty()
        || all.failed_accounts().next().is_some()
        || written.is_some_and(|w| w.failed > 0);
    Ok(if failed { ExitCode::FAILURE } else { ExitCode::SUCCESS })
}

pub async fn ingest_event(
    file: PathBuf,
    db: DbArgs,
    queue: QueueArgs,
    route53: Route53Args,
    findings: FindingsSwitch,
) -> anyhow::Result<ExitCode> {
    let text = if file.as_os_str() == "-" {
        let mut s = String::new();
        std::io::stdin().read_to_string(&mut s).context("reading the event from standard input")?;
        s
    } else {
        std::fs::read_to_string(&file).with_context(|| format!("reading {}", file.display()))?
    };
    let event: serde_json::Value =
        serde_json::from_str(&text).with_context(|| format!("{} is not JSON", file.display()))?;
    let pipeline = Pipeline::start(&db, &queue, &route53, &findings).await?;
    let outcome = zonetrail_ingest::ingest_event(&pipeline.ingest, &event).await;
    let written = pipeline.finish().await?;
    let outcome = outcome?;
    println!("{}", crate::local_events::outcome_json(&outcome));
    if let Some(w) = written
        && w.failed > 0
    {
        bail!("{} of the event's messages could not be applied (see the log above)", w.failed);
    }
    Ok(ExitCode::SUCCESS)
}

pub async fn drain(
    queue_url: String,
    db: DbArgs,
    findings: FindingsSwitch,
) -> anyhow::Result<ExitCode> {
    let conn = db.connect_and_migrate().await?;
    let sdk = aws_sdk_config().await;
    let client = aws_sdk_sqs::Client::new(&sdk);
    let started = Instant::now();
    // Each received batch's work is evaluated once the batch is applied, as on Lambda.
    let (tx, worker) = if findings.on() {
        let engine = crate::findings::engine(&sdk, false);
        let (tx, handle) = findings_worker::spawn(conn.clone(), engine, None);
        (Some(tx), Some(handle))
    } else {
        (None, None)
    };
    let report = sqs_consumer::consume(&client, &queue_url, &conn, Until::Empty, None, tx).await;
    if let Some(worker) = worker {
        let w = worker.await.context("the findings worker stopped unexpectedly")?;
        if w.report.opened + w.report.resolved > 0 || w.failed > 0 {
            eprintln!(
                "findings: {} opened, {} resolved, {} evaluations failed",
                w.report.opened, w.report.resolved, w.failed
            );
        }
    }
    let report = report?;
    println!(
        "drained {queue_url}: {} messages received, {} applied ({} record sets upserted, {} tombstoned) in {:.1} s; {} left on the queue",
        report.received,
        report.applied,
        report.upserted,
        report.tombstoned,
        started.elapsed().as_secs_f64(),
        report.parked.len()
    );
    for (id, reason) in &report.parked {
        eprintln!("error: message {id} not applied: {reason}");
    }
    Ok(if report.parked.is_empty() { ExitCode::SUCCESS } else { ExitCode::FAILURE })
}
