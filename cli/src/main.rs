//! `zonetrail`: the operator's command line and the local all-in-one stack.

mod backfill;
mod commands;
mod config;
mod export;
mod findings;
mod findings_worker;
mod local_events;
mod local_queue;
mod local_writer;
mod progress;
mod resource_sweep;
mod sqs_consumer;
mod stack;

use clap::error::ErrorKind;
use clap::parser::ValueSource;
use clap::{CommandFactory, FromArgMatches, Parser, Subcommand};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use crate::config::{
    DbArgs, FindingsArgs, FindingsSwitch, LogFormat, NotifyArgs, QueueArgs, ResourceArgs,
    Route53Args, WebArgs, parse_duration,
};

#[derive(Parser)]
#[command(
    name = "zonetrail",
    version,
    about = "A complete, near-real-time inventory of every Route 53 record, with history.",
    after_help = "Configuration comes from flags or the environment: DATABASE_URL, ZONETRAIL_QUEUE_URL, \
ZONETRAIL_ROUTE53_RPS, ZONETRAIL_CLOUDTRAIL_RPS, ZONETRAIL_MAX_MESSAGE_BYTES, ZONETRAIL_WEB_DIR, \
ZONETRAIL_NOTIFY_WEBHOOK and the other ZONETRAIL_NOTIFY_* settings of `up`, ZONETRAIL_FINDINGS, \
ZONETRAIL_RESOURCE_SWEEP_INTERVAL, ZONETRAIL_REGIONS and ZONETRAIL_IP_RANGES_URL, and the AWS SDK's AWS_REGION, \
AWS_PROFILE and AWS_ENDPOINT_URL (point it at a local AWS emulator; AWS_ENDPOINT_URL_CLOUDTRAIL, \
AWS_ENDPOINT_URL_ROUTE_53 and the like point one service elsewhere)."
)]
struct Cli {
    /// Log format: human-readable text or one JSON object a line (on stderr).
    #[arg(long, global = true, value_enum, default_value_t = LogFormat::Text, env = "ZONETRAIL_LOG_FORMAT")]
    log_format: LogFormat,

    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
#[expect(
    clippy::large_enum_variant,
    reason = "parsed once at start-up; `up` simply has the most settings"
)]
enum Command {
    /// Run the whole pipeline in one process: migrations, writer, API and dashboard, a sweep
    /// now and every --sweep-interval, and POST /local/events for EventBridge JSON.
    #[command(
        after_help = "Notifications: with --notify-webhook URL every change committed to the history is POSTed \
to URL as it is committed (docs/contracts.md, \"Change events\"): at least once, so a receiver dedupes by the \
event's `id`; a receiver that fails or does not answer within --notify-timeout is retried with backoff (1 s \
doubling to 5 min), and what was not delivered when zonetrail stops goes out at its next start. Example:
  zonetrail up --notify-webhook https://hooks.slack.com/services/T000/B000/XXXX --notify-format slack \\
    --notify-ignore-actor arn:aws:iam::123456789012:role/terraform --notify-zone Z0123456789ABC"
    )]
    Up {
        /// Address for the API, the dashboard and /local/events.
        #[arg(long, default_value = "127.0.0.1:8080")]
        listen: SocketAddr,
        /// Time between full sweeps, e.g. 3h, 30m, 90s.
        #[arg(long, default_value = "3h", value_parser = parse_duration)]
        sweep_interval: Duration,
        /// Do not sweep at start (the first sweep runs after one interval).
        #[arg(long)]
        no_initial_sweep: bool,
        /// After the first sweep, fill record history from CloudTrail's event history back to
        /// this time, once, as a deploy does: a duration ago (`90d`) or an RFC 3339 time. It
        /// resumes a backfill left unfinished and skips windows already read. Unset: none.
        #[arg(long, value_parser = backfill::parse_time, value_name = "SINCE")]
        backfill: Option<backfill::TimeArg>,
        #[command(flatten)]
        db: DbArgs,
        #[command(flatten)]
        queue: QueueArgs,
        #[command(flatten)]
        route53: Route53Args,
        #[command(flatten)]
        web: WebArgs,
        #[command(flatten)]
        notify: NotifyArgs,
        #[command(flatten)]
        findings: FindingsArgs,
        #[command(flatten)]
        resources: ResourceArgs,
    },
    /// Run one full sweep of every hosted zone, with a progress bar. Without a queue URL the
    /// records are applied before the command exits; with one they are only enqueued.
    Sweep {
        #[command(flatten)]
        db: DbArgs,
        #[command(flatten)]
        queue: QueueArgs,
        #[command(flatten)]
        route53: Route53Args,
        #[command(flatten)]
        findings: FindingsSwitch,
    },
    /// Fill record history from CloudTrail's event history (LookupEvents: Route 53 calls of
    /// the last 90 days) for every account in scope, with a progress bar. Resumable: a killed
    /// backfill continues where it stopped, and a window already read is not read again.
    /// Without a queue URL the changes are applied before the command exits; with one they
    /// are only enqueued.
    Backfill {
        /// The oldest time to read: a duration ago (`90d`, `36h`, `30m`) or an RFC 3339 time
        /// (`2026-09-01T00:00:00Z`). CloudTrail keeps 90 days: older is clamped, with a warning.
        #[arg(long, default_value = "90d", value_parser = backfill::parse_time)]
        since: backfill::TimeArg,
        /// The newest time to read, in the same forms as --since; default: now.
        #[arg(long, value_parser = backfill::parse_time)]
        until: Option<backfill::TimeArg>,
        /// LookupEvents requests per second for each account. CloudTrail allows 2 per account
        /// and region, shared with everything else that reads the event history.
        #[arg(long = "cloudtrail-rps", env = "ZONETRAIL_CLOUDTRAIL_RPS")]
        cloudtrail_rps: Option<String>,
        #[command(flatten)]
        db: DbArgs,
        #[command(flatten)]
        queue: QueueArgs,
        #[command(flatten)]
        route53: Route53Args,
    },
    /// Take one EventBridge event (CloudTrail "AWS API Call via CloudTrail" for Route 53)
    /// from FILE, or from standard input with `-`.
    IngestEvent {
        /// A JSON file, or `-` for standard input.
        file: PathBuf,
        #[command(flatten)]
        db: DbArgs,
        #[command(flatten)]
        queue: QueueArgs,
        #[command(flatten)]
        route53: Route53Args,
        #[command(flatten)]
        findings: FindingsSwitch,
    },
    /// Apply every message on an SQS queue until it is empty, in-flight ones included, then
    /// exit. Also how an operator replays the dead-letter queue.
    Drain {
        /// The queue to drain (the main queue, or its DLQ to replay it).
        #[arg(long = "queue-url", env = "ZONETRAIL_QUEUE_URL")]
        queue_url: String,
        #[command(flatten)]
        db: DbArgs,
        #[command(flatten)]
        findings: FindingsSwitch,
    },
    /// Write a hosted zone from the inventory, now or as it was at a past time, or the
    /// Route 53 change batches that restore it to a past time. Only reads the database.
    #[command(after_help = "Examples:
  zonetrail export --zone Z0123456789ABC --format json                 # as aws route53 list-resource-record-sets prints it
  zonetrail export --zone Z0123456789ABC --format bind --as-of 2026-11-22T09:00:00Z > example.com.zone
  zonetrail export --zone Z0123456789ABC --restore-to 2026-11-22T09:00:00Z --dry-run
  zonetrail export --zone Z0123456789ABC --restore-to 2026-11-22T09:00:00Z > batch.json
  aws route53 change-resource-record-sets --hosted-zone-id Z0123456789ABC --change-batch file://batch.json

A restore that needs more than one request (Route 53 takes at most 1,000 ResourceRecord elements \
and 32,000 characters of values per request) needs --out DIR: it writes batch-1.json ... batch-N.json \
and prints the command that applies each, in order. With no difference it says so on stderr and \
writes no batch. A time before the account's history window, or in the future, is refused.")]
    Export(export::ExportArgs),
    /// Findings (issue 20): records that point at something no account in scope owns, and
    /// DNS hygiene. List them, suppress them, evaluate every record, sweep the resources.
    #[command(
        subcommand,
        after_help = "Examples:
  zonetrail findings list --status open
  zonetrail findings list --kind dangling_ip --json
  zonetrail findings suppress --kind dangling_ip --record 4711 --reason \"parked: IP returned to the ISP pool\"
  zonetrail findings suppress --kind private_ip_in_public_zone --zone Z0123456789ABC --name vpn.example.com --type A --reason \"split horizon\"
  zonetrail findings sweep --regions us-east-1,eu-west-1"
    )]
    Findings(findings::FindingsCommand),
    /// Apply the database schema.
    Migrate {
        #[command(flatten)]
        db: DbArgs,
    },
    /// Serve the read API and the dashboard only (no sweeps, no writer).
    Serve {
        #[arg(long, default_value = "127.0.0.1:8080")]
        listen: SocketAddr,
        #[command(flatten)]
        db: DbArgs,
        #[command(flatten)]
        web: WebArgs,
        /// Origins allowed to call the API from a browser, comma-separated.
        #[arg(long = "cors-origin", env = "ZONETRAIL_CORS_ORIGIN")]
        cors_origin: Option<String>,
    },
}

fn main() -> ExitCode {
    let matches = Cli::command().get_matches();
    // Whether a database was named (flag or DATABASE_URL) rather than defaulted: a backfill
    // that enqueues reads its finished windows only from a database it was given.
    let database_given = matches.subcommand_matches("backfill").is_some_and(|sub| {
        matches!(sub.value_source("url"), Some(ValueSource::CommandLine | ValueSource::EnvVariable))
    });
    let cli = match Cli::from_arg_matches(&matches) {
        Ok(cli) => cli,
        Err(e) => e.exit(),
    };
    // Flags of `export` that disagree are usage errors, like clap's own.
    if let Command::Export(args) = &cli.command
        && let Err(message) = args.mode()
    {
        let mut command = Cli::command();
        command.build();
        let export = command.find_subcommand_mut("export").expect("the export subcommand");
        export.error(ErrorKind::ArgumentConflict, message).exit();
    }
    zonetrail_model::telemetry::init(cli.log_format == LogFormat::Json);
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli.command, database_given)) {
        Ok(code) => code,
        Err(e) => {
            // One clear line: the error and its causes.
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(command: Command, database_given: bool) -> anyhow::Result<ExitCode> {
    match command {
        Command::Up {
            listen,
            sweep_interval,
            no_initial_sweep,
            backfill,
            db,
            queue,
            route53,
            web,
            notify,
            findings,
            resources,
        } => {
            stack::up(stack::UpOptions {
                listen,
                sweep_interval,
                initial_sweep: !no_initial_sweep,
                backfill,
                db,
                queue,
                route53,
                web,
                notify,
                findings,
                resources,
            })
            .await
        }
        Command::Sweep { db, queue, route53, findings } => {
            commands::sweep(db, queue, route53, findings).await
        }
        Command::Backfill { since, until, cloudtrail_rps, db, queue, route53 } => {
            backfill::backfill(backfill::BackfillOptions {
                since,
                until,
                cloudtrail_rps,
                db,
                database_given,
                queue,
                route53,
            })
            .await
        }
        Command::IngestEvent { file, db, queue, route53, findings } => {
            commands::ingest_event(file, db, queue, route53, findings).await
        }
        Command::Drain { queue_url, db, findings } => {
            commands::drain(queue_url, db, findings).await
        }
        Command::Findings(command) => findings::run(command).await,
        Command::Export(args) => {
            let mode = args.mode().map_err(anyhow::Error::msg)?;
            export::export(args, mode).await
        }
        Command::Migrate { db } => {
            db.connect_and_migrate().await?;
            println!("schema is up to date on {}", db.redacted());
            Ok(ExitCode::SUCCESS)
        }
        Command::Serve { listen, db, web, cors_origin } => {
            stack::serve(listen, db, web, cors_origin).await
        }
    }
}
