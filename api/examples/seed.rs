//! Seed `DATABASE_URL` with a generated inventory (api::fixture::synthetic) and write sample
//! `/api/records` query strings that match it. The benchmark (api/bench/run.sh) and the
//! workspace's `scripts/bench` use it.
//!
//!     DATABASE_URL=mysql://root@127.0.0.1:3306/zt_bench \
//!       cargo run -p zonetrail-api --profile bench --features fixture --example seed -- \
//!       --migrate --records 1000000 --queries /tmp/queries.tsv

use anyhow::Context;
use api::fixture::synthetic::{self, Spec};
use clap::Parser;
use migration::MigratorTrait;
use std::io::Write;
use std::path::PathBuf;
use std::time::Instant;
use zonetrail_model::db::DbSettings;

#[derive(Parser)]
struct Args {
    /// Record sets to generate.
    #[arg(long, default_value_t = 1_000_000)]
    records: u64,
    /// Seed of the generator: the same seed gives the same inventory.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Apply the migrations first.
    #[arg(long)]
    migrate: bool,
    /// Write sample queries here, one `kind<TAB>query string` a line.
    #[arg(long)]
    queries: Option<PathBuf>,
    /// Sample queries of each kind.
    #[arg(long, default_value_t = 300)]
    queries_per_kind: u64,
    /// Only write the sample queries; the database is already seeded with this spec.
    #[arg(long)]
    queries_only: bool,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    zonetrail_model::telemetry::init(false);
    let spec = Spec { records: args.records, seed: args.seed };
    if !args.queries_only {
        let db =
            DbSettings::from_env().await?.connect().await.context("connecting to DATABASE_URL")?;
        if args.migrate {
            migration::Migrator::up(&db, None).await.context("applying migrations")?;
        }
        let started = Instant::now();
        let mut last = Instant::now();
        let summary = synthetic::seed(&db, spec, |done| {
            if last.elapsed().as_secs() >= 10 || done == spec.records {
                last = Instant::now();
                let rate = done as f64 / started.elapsed().as_secs_f64();
                eprintln!("seed: {done}/{} record sets ({rate:.0}/s)", spec.records);
            }
        })
        .await
        .context("seeding")?;
        eprintln!(
            "seed: {} zones, {} record sets ({} tombstones), {} changes in {:.0} s",
            summary.zones,
            summary.records,
            summary.tombstones,
            summary.changes,
            started.elapsed().as_secs_f64()
        );
    }
    if let Some(path) = &args.queries {
        let mut out = std::io::BufWriter::new(
            std::fs::File::create(path).with_context(|| format!("creating {}", path.display()))?,
        );
        for q in synthetic::sample_queries(spec, args.queries_per_kind) {
            writeln!(out, "{}\t{}", q.kind, q.query)?;
        }
        out.flush()?;
    }
    Ok(())
}
