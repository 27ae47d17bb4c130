//! The findings worker of the local stack (issue 20): the writer hands it each applied
//! message's work after the commit; it batches what arrives within ~50 ms and evaluates it.
//! A failed evaluation is an error log line, never a failed write: the next evaluation (at
//! the latest the one after the next resource sweep) puts it right.

use sea_orm::DatabaseConnection;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{Notify, mpsc, oneshot};
use zonetrail_findings::{Findings, Report, Work};

/// How long the worker gathers work after the first piece before it evaluates.
pub const BATCH: Duration = Duration::from_millis(50);
/// Attempts of one evaluation (SQLite may be busy with the writer) before it is logged.
const ATTEMPTS: u32 = 3;

enum Job {
    Work(Work),
    /// Evaluate every record now; answer with the report once done.
    All(Option<oneshot::Sender<Option<Report>>>),
}

/// Where the writer sends its work. Cheap to clone.
#[derive(Clone)]
pub struct FindingsTx {
    sender: mpsc::UnboundedSender<Job>,
}

impl FindingsTx {
    /// Hand over a message's work (nothing when it is empty).
    pub fn send(&self, work: Work) {
        if !work.is_empty() {
            let _ = self.sender.send(Job::Work(work));
        }
    }

    /// Evaluate every record (after a resource sweep), and wait for the report.
    pub async fn evaluate_all(&self) -> Option<Report> {
        let (tx, rx) = oneshot::channel();
        self.sender.send(Job::All(Some(tx))).ok()?;
        rx.await.ok().flatten()
    }
}

#[derive(Debug, Default, Clone, Copy)]
pub struct WorkerStats {
    pub evaluations: u64,
    pub failed: u64,
    pub report: Report,
}

/// Start the worker. It ends once every [`FindingsTx`] is dropped and what was sent is
/// evaluated. `wake` (notifications on) is woken after an evaluation that opened or resolved
/// a finding, so the publisher sends the `finding_outbox` rows at once.
pub fn spawn(
    db: DatabaseConnection,
    engine: Findings,
    wake: Option<Arc<Notify>>,
) -> (FindingsTx, tokio::task::JoinHandle<WorkerStats>) {
    let (sender, receiver) = mpsc::unbounded_channel();
    let handle = tokio::spawn(run(db, engine, receiver, wake));
    (FindingsTx { sender }, handle)
}

async fn run(
    db: DatabaseConnection,
    engine: Findings,
    mut receiver: mpsc::UnboundedReceiver<Job>,
    wake: Option<Arc<Notify>>,
) -> WorkerStats {
    let mut stats = WorkerStats::default();
    let mut closed = false;
    while !closed {
        let Some(first) = receiver.recv().await else { break };
        let mut work = Work::default();
        let mut answers = Vec::new();
        let mut take = |job: Job, work: &mut Work| match job {
            Job::Work(w) => work.extend(w),
            Job::All(answer) => {
                work.all = true;
                answers.extend(answer);
            }
        };
        take(first, &mut work);
        // Gather what the writer commits in the next few milliseconds: one evaluation for a
        // burst (a sweep's pages, a batch of events).
        let until = tokio::time::Instant::now() + BATCH;
        loop {
            tokio::select! {
                job = receiver.recv() => match job {
                    Some(job) => take(job, &mut work),
                    None => {
                        closed = true;
                        break;
                    }
                },
                _ = tokio::time::sleep_until(until) => break,
            }
        }
        work.dedup();
        let report = evaluate(&db, &engine, &work).await;
        stats.evaluations += 1;
        match report {
            Some(r) => {
                stats.report.evaluated += r.evaluated;
                stats.report.opened += r.opened;
                stats.report.resolved += r.resolved;
                stats.report.undecided += r.undecided;
                if r.opened + r.resolved > 0
                    && let Some(wake) = &wake
                {
                    wake.notify_one();
                }
            }
            None => stats.failed += 1,
        }
        for answer in answers {
            let _ = answer.send(report);
        }
    }
    stats
}

async fn evaluate(db: &DatabaseConnection, engine: &Findings, work: &Work) -> Option<Report> {
    let started = std::time::Instant::now();
    let mut attempt = 1;
    loop {
        let result =
            if work.all { engine.evaluate_all(db).await } else { engine.evaluate(db, work).await };
        match result {
            Ok(r) => {
                let ms = started.elapsed().as_millis() as u64;
                if work.all {
                    tracing::info!(
                        evaluated = r.evaluated,
                        opened = r.opened,
                        resolved = r.resolved,
                        undecided = r.undecided,
                        ms,
                        "findings: every record evaluated"
                    );
                } else if r.opened + r.resolved > 0 {
                    tracing::info!(
                        evaluated = r.evaluated,
                        opened = r.opened,
                        resolved = r.resolved,
                        undecided = r.undecided,
                        ms,
                        "findings evaluated"
                    );
                } else {
                    tracing::debug!(
                        evaluated = r.evaluated,
                        undecided = r.undecided,
                        ms,
                        "findings evaluated"
                    );
                }
                return Some(r);
            }
            Err(e) if attempt < ATTEMPTS => {
                tracing::warn!(error = %e, attempt, "findings evaluation failed; retrying");
                tokio::time::sleep(Duration::from_millis(100 * u64::from(attempt))).await;
                attempt += 1;
            }
            Err(e) => {
                tracing::error!(
                    error = %e,
                    records = work.record_ids.len(),
                    targets = work.targets.len(),
                    all = work.all,
                    "findings not evaluated; the next evaluation of every record puts them right"
                );
                return None;
            }
        }
    }
}
