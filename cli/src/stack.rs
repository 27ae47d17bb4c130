//! `zonetrail up` (the whole pipeline in one process) and `zonetrail serve` (the API only).

use anyhow::{Context, bail};
use api::{ApiConfig, AppState};
use axum::Router;
use axum::routing::post;
use sea_orm_migration::MigratorTrait;
use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;
use zonetrail_ingest::backfill::{BackfillRequest, NoBackfillObserver, backfill_all};
use zonetrail_ingest::sweep::NoProgress;
use zonetrail_ingest::{State, sweep_all};

use crate::backfill::{DbStore, TimeArg};
use crate::config::{
    DbArgs, FindingsArgs, NotifyArgs, QueueArgs, ResourceArgs, Route53Args, WebArgs,
    aws_sdk_config, build_queue,
};
use crate::findings_worker::{self, FindingsTx};
use crate::local_events::{self, MAX_EVENT_BYTES};
use crate::local_queue::LocalQueue;
use crate::local_writer;
use crate::sqs_consumer::{self, Until};

pub struct UpOptions {
    pub listen: SocketAddr,
    pub sweep_interval: Duration,
    pub initial_sweep: bool,
    /// Backfill history back to this time after the first sweep.
    pub backfill: Option<TimeArg>,
    pub db: DbArgs,
    pub queue: QueueArgs,
    pub route53: Route53Args,
    pub web: WebArgs,
    /// Notifications: a webhook publisher when one is set.
    pub notify: NotifyArgs,
    /// Findings: evaluated after each commit, and the resource sweep's interval.
    pub findings: FindingsArgs,
    /// The resource sweep's regions and ip-ranges.json.
    pub resources: ResourceArgs,
}

pub async fn up(o: UpOptions) -> anyhow::Result<ExitCode> {
    let conn = o.db.connect_and_migrate().await?;
    // With a webhook, the writer fills the outbox and wakes the publisher after each commit.
    let publisher = o.notify.publisher(conn.clone())?;
    let wake = publisher.as_ref().map(|_| Arc::new(tokio::sync::Notify::new()));
    let config = o.route53.ingest_config_with(&o.queue, Some(&o.resources))?;
    let sdk = aws_sdk_config().await;
    let accounts = o.route53.accounts(&sdk).await?;
    let own = accounts.self_account().clone();
    let (queue, local) = build_queue(&sdk, &config);
    let (barrier, receiver) = match local {
        Some((queue, receiver)) => (Some(queue), Some(receiver)),
        None => (None, None),
    };
    let ingest = Arc::new(State::new(&sdk, config, queue, accounts));
    let (stop, stopped) = watch::channel(false);

    // Findings: the writer hands each commit's work to the worker, which evaluates it (and
    // wakes the publisher when notifications are on: opened and resolved findings go out too).
    let findings = o.findings.on().then(|| {
        let engine = crate::findings::engine(&sdk, wake.is_some());
        findings_worker::spawn(conn.clone(), engine, wake.clone())
    });
    let findings_tx = findings.as_ref().map(|(tx, _)| tx.clone());

    let writer = match receiver {
        Some(receiver) => {
            let (conn, wake, findings_tx) = (conn.clone(), wake.clone(), findings_tx.clone());
            tokio::spawn(async move {
                let stats = local_writer::run(conn, receiver, own, wake, findings_tx).await;
                tracing::info!(
                    applied = stats.applied,
                    failed = stats.failed,
                    "writer drained the in-process queue"
                );
                Ok(())
            })
        }
        None => {
            let url =
                o.queue.queue_url.clone().expect("a queue URL when there is no in-process queue");
            let client = aws_sdk_sqs::Client::new(&sdk);
            let (conn, stopped, wake, findings_tx) =
                (conn.clone(), stopped.clone(), wake.clone(), findings_tx.clone());
            tokio::spawn(async move {
                sqs_consumer::consume(
                    &client,
                    &url,
                    &conn,
                    Until::Stopped(stopped),
                    wake,
                    findings_tx,
                )
                .await
                .map(|_| ())
            })
        }
    };

    // The publisher runs until the writer has stopped: it then finishes the pass in hand, and
    // what is left in the outbox goes out at the next start.
    let (publisher_stop, publisher_stopped) = tokio::sync::oneshot::channel::<()>();
    let publishing = match (publisher, wake.clone()) {
        (Some(publisher), Some(wake)) => {
            let format = match publisher.sink().format() {
                zonetrail_notify::webhook::Format::Json => "json",
                zonetrail_notify::webhook::Format::Slack => "slack",
            };
            Some((
                tokio::spawn(async move {
                    publisher
                        .run(wake, async {
                            let _ = publisher_stopped.await;
                        })
                        .await
                }),
                format,
            ))
        }
        _ => None,
    };

    let backfill = o.backfill.map(|since| (since, DbStore(conn.clone())));
    let sweeper = tokio::spawn(sweep_loop(
        ingest.clone(),
        o.sweep_interval,
        o.initial_sweep,
        backfill,
        stopped.clone(),
    ));

    // The resource sweep: at start (unless --no-initial-sweep) and every interval, each
    // followed by an evaluation of every record once its listings are applied.
    let interval = o.findings.resource_sweep_interval.0;
    let resource_sweeper = findings_tx.map(|tx| {
        tokio::spawn(resource_sweep_loop(
            ingest.clone(),
            interval,
            o.initial_sweep,
            barrier.clone(),
            tx,
            stopped.clone(),
        ))
    });
    drop(barrier);

    let api = api_router(conn.clone(), &o.web, None)?;
    let app = api.merge(
        Router::new()
            .route("/local/events", post(local_events::post_event))
            .layer(axum::extract::DefaultBodyLimit::max(MAX_EVENT_BYTES))
            .with_state(ingest.clone()),
    );
    drop(ingest);

    let listener = tokio::net::TcpListener::bind(o.listen)
        .await
        .with_context(|| format!("listening on {}", o.listen))?;
    let addr = listener.local_addr()?;
    println!(
        "zonetrail is up: dashboard http://{addr}/ · API http://{addr}/api/records · events POST http://{addr}/local/events"
    );
    println!(
        "sweeping every {}s; Ctrl-C stops after the message in hand",
        o.sweep_interval.as_secs()
    );
    if let Some((_, format)) = &publishing {
        println!("notifications: each committed change is POSTed to the webhook ({format})");
    }
    if o.findings.on() {
        let every = match interval {
            Some(d) => format!("every {}", humantime::format_duration(d)),
            None => "never again".to_owned(),
        };
        println!(
            "findings: on; resources swept {}and {every}; GET http://{addr}/api/findings",
            if o.initial_sweep { "now " } else { "" }
        );
    } else {
        println!("findings: off");
    }

    tokio::spawn(async move {
        shutdown_signal().await;
        tracing::info!("stopping: finishing the messages in hand");
        let _ = stop.send(true);
    });

    let mut http_stopped = stopped.clone();
    axum::serve(listener, app.into_make_service_with_connect_info::<SocketAddr>())
        .with_graceful_shutdown(async move {
            let _ = http_stopped.wait_for(|s| *s).await;
        })
        .await
        .context("serving HTTP")?;

    // The sweeper stops at its next await; dropping it and the router releases the last
    // senders of the in-process queue, so the writer applies what is queued and ends.
    sweeper.abort();
    let _ = sweeper.await;
    if let Some(task) = resource_sweeper {
        task.abort();
        let _ = task.await;
    }
    writer.await.context("the writer stopped unexpectedly")??;
    // The writer's handle on the findings worker is gone with it: the worker evaluates what
    // is left and ends.
    if let Some((tx, worker)) = findings {
        drop(tx);
        worker.await.context("the findings worker stopped unexpectedly")?;
    }
    let _ = publisher_stop.send(());
    if let Some((task, _)) = publishing {
        task.await.context("the notification publisher stopped unexpectedly")?;
    }
    println!("zonetrail stopped cleanly");
    Ok(ExitCode::SUCCESS)
}

async fn sweep_loop(
    ingest: Arc<State>,
    interval: Duration,
    initial: bool,
    mut backfill: Option<(TimeArg, DbStore)>,
    mut stopped: watch::Receiver<bool>,
) {
    let mut first = initial;
    loop {
        // The backfill runs once, after the first sweep (or at start without one): its
        // history then ends where the inventory's live coverage begins.
        if !first && let Some((since, store)) = backfill.take() {
            tokio::select! {
                _ = run_backfill(&ingest, &since, &store) => {}
                _ = stopped.wait_for(|s| *s) => return,
            }
        }
        if !first {
            tokio::select! {
                _ = tokio::time::sleep(interval) => {}
                _ = stopped.wait_for(|s| *s) => return,
            }
        }
        first = false;
        tracing::info!("sweep starting");
        tokio::select! {
            result = sweep_all(&ingest, &NoProgress) => match result {
                Ok(all) => {
                    for a in &all.accounts {
                        if let Some(error) = &a.error {
                            tracing::error!(account_id = %a.account_id, status = a.status.as_str(), %error, "account not swept completely");
                        }
                    }
                    let r = &all.total;
                    tracing::info!(accounts = all.accounts.len(), accounts_failed = all.failed_accounts().count(), zones = r.zones_swept, record_sets = r.record_sets, pages = r.route53_pages, failed_zones = r.failures.len(), "sweep finished")
                }
                Err(e) => tracing::error!(error = %e, "sweep failed; the next one retries"),
            },
            _ = stopped.wait_for(|s| *s) => return,
        }
    }
}

/// The resource sweep of `up`: at start (when `initial`) and every `interval` (`None`: never
/// again). After each, once its listings are applied, every record is evaluated.
async fn resource_sweep_loop(
    ingest: Arc<State>,
    interval: Option<Duration>,
    initial: bool,
    barrier: Option<LocalQueue>,
    findings: FindingsTx,
    mut stopped: watch::Receiver<bool>,
) {
    let mut first = initial;
    loop {
        if !first {
            let Some(interval) = interval else { return };
            tokio::select! {
                _ = tokio::time::sleep(interval) => {}
                _ = stopped.wait_for(|s| *s) => return,
            }
        }
        first = false;
        tokio::select! {
            _ = resource_round(&ingest, barrier.as_ref(), &findings) => {}
            _ = stopped.wait_for(|s| *s) => return,
        }
    }
}

async fn resource_round(ingest: &State, barrier: Option<&LocalQueue>, findings: &FindingsTx) {
    tracing::info!("resource sweep starting");
    match crate::resource_sweep::sweep(ingest).await {
        Ok((report, summary)) => {
            for line in crate::resource_sweep::failures(&report) {
                tracing::error!(failure = %line, "resource listing failed; findings that need it stay undecided");
            }
            tracing::info!(%summary, "resource sweep finished");
        }
        Err(error) => {
            tracing::error!(%error, "resource sweep failed; the next one retries")
        }
    }
    match barrier {
        // In process: once the writer has applied every listing sent before this point.
        Some(queue) => {
            if !queue.barrier().await {
                return;
            }
        }
        // On SQS the consumer applies them when it gets them: give it a moment; what it
        // applies later is evaluated as its own work.
        None => tokio::time::sleep(Duration::from_secs(5)).await,
    }
    if let Some(report) = findings.evaluate_all().await {
        tracing::info!(
            evaluated = report.evaluated,
            opened = report.opened,
            resolved = report.resolved,
            undecided = report.undecided,
            "findings after the resource sweep"
        );
    }
}

/// `up --backfill`: one backfill of every account in scope, logged rather than drawn.
async fn run_backfill(ingest: &State, since: &TimeArg, store: &DbStore) {
    let started = std::time::Instant::now();
    let request = match BackfillRequest::parse(since.as_str(), None, chrono::Utc::now()) {
        Ok((request, warning)) => {
            if let Some(warning) = warning {
                tracing::warn!(%warning, "backfill window clamped");
            }
            request
        }
        Err(error) => {
            tracing::error!(%error, "no window to backfill");
            return;
        }
    };
    tracing::info!(since = %request.since, until = %request.until, "backfill starting");
    match backfill_all(ingest, &request, store, &NoBackfillObserver).await {
        Ok(report) => {
            for a in &report.accounts {
                if let Some(error) = &a.error {
                    tracing::error!(account_id = %a.account_id, %error, "account not backfilled completely");
                }
            }
            tracing::info!(
                summary = %crate::backfill::summary(&report, started.elapsed()),
                "backfill finished"
            );
        }
        Err(error) => {
            tracing::error!(%error, "backfill failed; run `zonetrail backfill` to resume it")
        }
    }
}

pub async fn serve(
    listen: SocketAddr,
    db: DbArgs,
    web: WebArgs,
    cors_origin: Option<String>,
) -> anyhow::Result<ExitCode> {
    let conn = db.connect().await?;
    let pending = migration::Migrator::get_pending_migrations(&conn)
        .await
        .context("reading the schema version")?;
    if !pending.is_empty() {
        bail!(
            "the database {} needs {} migration(s); run `zonetrail migrate` first",
            db.redacted(),
            pending.len()
        );
    }
    let app = api_router(conn, &web, cors_origin)?;
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .with_context(|| format!("listening on {listen}"))?;
    println!("serving http://{}/", listener.local_addr()?);
    axum::serve(listener, app.into_make_service_with_connect_info::<SocketAddr>())
        .with_graceful_shutdown(shutdown_signal())
        .await
        .context("serving HTTP")?;
    Ok(ExitCode::SUCCESS)
}

fn api_router(
    conn: sea_orm::DatabaseConnection,
    web: &WebArgs,
    cors_origin: Option<String>,
) -> anyhow::Result<Router> {
    let mut config = ApiConfig::from_env()?;
    if let Some(origins) = cors_origin {
        config.cors_origins = api::config::parse_origins(&origins)?;
    }
    // No sign-in locally: loopback clients edit annotations as `local`; others only with
    // --allow-edits.
    config.edits = api::EditPolicy::Local { allow_remote: web.allow_edits };
    let state = AppState::new(conn, config);
    state.prepare();
    Ok(api::router_with_web(state, web.existing()))
}

/// Ctrl-C, or SIGTERM from a process manager.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {}
        _ = term => {}
    }
}
