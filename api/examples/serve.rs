//! Serve the API locally exactly as `zonetrail serve` does (`api::router` over
//! `DATABASE_URL`, configuration from the environment), optionally migrating the database
//! and seeding a generated inventory into it first. Used by the contract test
//! (scripts/stages/api-contract.sh) and the benchmark (api/bench/run.sh).
//!
//!     DATABASE_URL=sqlite:///tmp/zt.db?mode=rwc \
//!       cargo run -p zonetrail-api --features fixture --example serve -- --migrate --seed 2000

use anyhow::Context;
use api::fixture::synthetic::{self, Spec};
use api::{ApiConfig, AppState};
use clap::Parser;
use migration::MigratorTrait;
use sea_orm::{EntityTrait, PaginatorTrait};
use std::net::SocketAddr;
use zonetrail_model::db::DbSettings;
use zonetrail_model::entity::record_sets;

#[derive(Parser)]
struct Args {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8080")]
    listen: SocketAddr,
    /// Apply the migrations first.
    #[arg(long)]
    migrate: bool,
    /// Seed this many generated record sets first, if the database holds none.
    #[arg(long)]
    seed: Option<u64>,
    /// Seed of the generator.
    #[arg(long, default_value_t = 1)]
    seed_value: u64,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    zonetrail_model::telemetry::init(false);
    let config = ApiConfig::from_env()?;
    let db = DbSettings::from_env().await?.connect().await.context("connecting to DATABASE_URL")?;
    if args.migrate {
        migration::Migrator::up(&db, None).await.context("applying migrations")?;
    }
    if let Some(records) = args.seed
        && record_sets::Entity::find().count(&db).await? == 0
    {
        let summary = synthetic::seed(&db, Spec { records, seed: args.seed_value }, |_| {})
            .await
            .context("seeding")?;
        eprintln!(
            "seeded {} zones, {} record sets, {} changes",
            summary.zones, summary.records, summary.changes
        );
    }
    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .with_context(|| format!("binding {}", args.listen))?;
    println!("listening on http://{}", listener.local_addr()?);
    let state = AppState::new(db, config);
    state.prepare();
    // With the client's address, so that loopback clients may edit annotations as `local`
    // (the contract stage's schemathesis exercises the writes too).
    axum::serve(
        listener,
        api::router(state).into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .with_graceful_shutdown(async {
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
            .expect("SIGTERM handler");
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = term.recv() => {}
        }
    })
    .await?;
    Ok(())
}
