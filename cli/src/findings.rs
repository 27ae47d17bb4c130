//! `zonetrail findings` (issue 20): list findings, suppress and unsuppress them, evaluate
//! every record, and sweep the resources of every account in scope.

use anyhow::{Context, bail};
use clap::{Args, Subcommand};
use sea_orm::{
    ColumnTrait, Condition, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::process::ExitCode;
use std::time::Instant;
use zonetrail_findings::suppress::Suppression;
use zonetrail_findings::{Findings, Kind, Report, Severity, Status};
use zonetrail_model::RecordName;
use zonetrail_model::entity::{findings, hosted_zones, record_sets};

use crate::commands::Pipeline;
use crate::config::{DbArgs, QueueArgs, ResourceArgs, Route53Args, aws_sdk_config};

#[derive(Subcommand)]
pub enum FindingsCommand {
    /// List findings, newest first: open and suppressed ones, and resolved ones with when and
    /// why they resolved.
    List(ListArgs),
    /// Suppress a kind of finding on a record key: its findings stay `suppressed` (no
    /// notification) across re-evaluations, until `unsuppress`.
    Suppress(SuppressArgs),
    /// Remove a suppression: its findings that are still live become `open` again.
    Unsuppress(KeyArgs),
    /// List the suppressions.
    Suppressions {
        /// One JSON array on stdout instead of lines.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        db: DbArgs,
    },
    /// Evaluate every live record once, with the resources and ranges stored, and print
    /// what it opened and resolved.
    Evaluate {
        #[command(flatten)]
        db: DbArgs,
    },
    /// Read the resources of every account in scope now (Elastic IPs, network interfaces,
    /// buckets, distributions, Beanstalk environments, health checks), apply them, then
    /// evaluate every record. With a queue URL the listings are only enqueued.
    Sweep {
        #[command(flatten)]
        db: DbArgs,
        #[command(flatten)]
        queue: QueueArgs,
        #[command(flatten)]
        route53: Route53Args,
        #[command(flatten)]
        resources: ResourceArgs,
    },
}

#[derive(Args)]
pub struct ListArgs {
    /// open, suppressed or resolved; default: all.
    #[arg(long, value_parser = parse_status)]
    status: Option<Status>,
    /// dangling_ip, dangling_s3_website, dangling_cloudfront, dangling_elastic_beanstalk,
    /// dangling_ns_delegation, alias_target_missing, health_check_missing or
    /// private_ip_in_public_zone.
    #[arg(long, value_parser = parse_kind)]
    kind: Option<Kind>,
    /// high or medium.
    #[arg(long, value_parser = parse_severity)]
    severity: Option<Severity>,
    /// A hosted zone id.
    #[arg(long, value_parser = parse_zone_id)]
    zone: Option<String>,
    /// A 12-digit account id.
    #[arg(long, value_parser = parse_account)]
    account: Option<String>,
    /// At most this many, newest first.
    #[arg(long, default_value_t = 1000, value_parser = clap::value_parser!(u64).range(1..=100_000))]
    limit: u64,
    /// One JSON array on stdout (the API's finding items) instead of lines.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    db: DbArgs,
}

/// A record key: the record's id, or its zone, name, type and set identifier.
#[derive(Args)]
pub struct KeyArgs {
    /// The kind of finding.
    #[arg(long, value_parser = parse_kind)]
    kind: Kind,
    /// The record's id (as the API and `findings list` show it).
    #[arg(long, conflicts_with_all = ["zone", "name", "type", "set_identifier"], required_unless_present_all = ["zone", "name", "type"])]
    record: Option<i64>,
    /// The hosted zone id.
    #[arg(long, value_parser = parse_zone_id, requires_all = ["name", "type"])]
    zone: Option<String>,
    /// The record's name (`www.example.com`, with or without the trailing dot).
    #[arg(long, requires_all = ["zone", "type"])]
    name: Option<String>,
    /// The record type (`A`, `CNAME`...).
    #[arg(long = "type", id = "type", requires_all = ["zone", "name"])]
    record_type: Option<String>,
    /// The set identifier of a weighted, latency, failover, geo or multivalue record.
    #[arg(long, requires_all = ["zone", "name", "type"])]
    set_identifier: Option<String>,
    #[command(flatten)]
    db: DbArgs,
}

#[derive(Args)]
pub struct SuppressArgs {
    #[command(flatten)]
    key: KeyArgs,
    /// Why (kept with the suppression and shown with its findings).
    #[arg(long, value_parser = non_empty)]
    reason: String,
    /// Who suppresses; default: $USER, else `local`.
    #[arg(long, value_parser = non_empty)]
    by: Option<String>,
}

fn parse_status(raw: &str) -> Result<Status, String> {
    Status::parse(raw.trim()).ok_or_else(|| format!("{raw:?} is not open, suppressed or resolved"))
}

fn parse_kind(raw: &str) -> Result<Kind, String> {
    Kind::parse(raw.trim()).ok_or_else(|| {
        let kinds: Vec<&str> = Kind::ALL.iter().map(|k| k.as_str()).collect();
        format!("{raw:?} is not a kind of finding ({})", kinds.join(", "))
    })
}

fn parse_severity(raw: &str) -> Result<Severity, String> {
    Severity::parse(raw.trim()).ok_or_else(|| format!("{raw:?} is not high or medium"))
}

fn parse_zone_id(raw: &str) -> Result<String, String> {
    let id = raw.trim().trim_start_matches("/hostedzone/");
    if id.is_empty() || !id.chars().all(|c| c.is_ascii_alphanumeric()) {
        return Err(format!("{raw:?} is not a hosted zone id like Z0123456789ABC"));
    }
    Ok(id.to_owned())
}

fn parse_account(raw: &str) -> Result<String, String> {
    let id = raw.trim();
    if id.len() != 12 || !id.chars().all(|c| c.is_ascii_digit()) {
        return Err(format!("{raw:?} is not a 12-digit account id"));
    }
    Ok(id.to_owned())
}

fn non_empty(raw: &str) -> Result<String, String> {
    let s = raw.trim();
    if s.is_empty() { Err("must not be empty".into()) } else { Ok(s.to_owned()) }
}

pub async fn run(command: FindingsCommand) -> anyhow::Result<ExitCode> {
    match command {
        FindingsCommand::List(args) => list(args).await,
        FindingsCommand::Suppress(args) => suppress(args).await,
        FindingsCommand::Unsuppress(key) => unsuppress(key).await,
        FindingsCommand::Suppressions { json, db } => suppressions(json, db).await,
        FindingsCommand::Evaluate { db } => evaluate(db).await,
        FindingsCommand::Sweep { db, queue, route53, resources } => {
            sweep(db, queue, route53, resources).await
        }
    }
}

/// The findings engine of the CLI: Elastic Beanstalk's `CheckDNSAvailability` through the
/// SDK, the outbox when notifications are on.
pub fn engine(sdk: &aws_config::SdkConfig, outbox: bool) -> Findings {
    let dns: std::sync::Arc<dyn zonetrail_findings::DnsAvailability> =
        std::sync::Arc::new(zonetrail_findings::aws::SdkDnsAvailability::new(sdk.clone()));
    Findings::new(Some(dns)).with_outbox(outbox)
}

/// The record key a `--record` or `--zone/--name/--type` names, checked against the inventory.
async fn record_key(
    db: &DatabaseConnection,
    key: &KeyArgs,
) -> anyhow::Result<(String, String, String, String)> {
    if let Some(id) = key.record {
        let Some(r) = record_sets::Entity::find_by_id(id).one(db).await? else {
            bail!("--record {id}: no such record in the inventory");
        };
        return Ok((r.zone_id, r.name, r.record_type, r.set_identifier));
    }
    let (Some(zone), Some(name), Some(rtype)) = (&key.zone, &key.name, &key.record_type) else {
        bail!("give --record ID, or --zone, --name and --type");
    };
    let name = RecordName::parse(name).map_err(|e| anyhow::anyhow!("--name {name:?}: {e}"))?;
    let rtype = rtype.trim().to_ascii_uppercase();
    if rtype.is_empty() || !rtype.chars().all(|c| c.is_ascii_alphanumeric()) {
        bail!("--type {rtype:?} is not a record type like A or CNAME");
    }
    Ok((
        zone.clone(),
        name.as_str().to_owned(),
        rtype,
        key.set_identifier.clone().unwrap_or_default(),
    ))
}

fn key_text(zone: &str, name: &str, rtype: &str, set_id: &str) -> String {
    if set_id.is_empty() {
        format!("{name} {rtype} in {zone}")
    } else {
        format!("{name} {rtype} [{set_id}] in {zone}")
    }
}

async fn suppress(args: SuppressArgs) -> anyhow::Result<ExitCode> {
    let db = args.key.db.connect_current().await?;
    let (zone_id, name, record_type, set_identifier) = record_key(&db, &args.key).await?;
    let by = args.by.clone().unwrap_or_else(|| {
        std::env::var("USER")
            .ok()
            .filter(|u| !u.trim().is_empty())
            .unwrap_or_else(|| "local".into())
    });
    let s = Suppression {
        kind: args.key.kind,
        zone_id: zone_id.clone(),
        name: name.clone(),
        record_type: record_type.clone(),
        set_identifier: set_identifier.clone(),
        reason: args.reason.clone(),
        created_by: by.clone(),
    };
    let n = zonetrail_findings::suppress::suppress(&db, &s, chrono::Utc::now())
        .await
        .context("suppressing")?;
    println!(
        "suppressed {} on {} (by {by}: {}); {n} finding(s) now suppressed",
        args.key.kind,
        key_text(&zone_id, &name, &record_type, &set_identifier),
        args.reason
    );
    Ok(ExitCode::SUCCESS)
}

async fn unsuppress(key: KeyArgs) -> anyhow::Result<ExitCode> {
    let db = key.db.connect_current().await?;
    let (zone_id, name, record_type, set_identifier) = record_key(&db, &key).await?;
    let had = zonetrail_findings::suppress::unsuppress(
        &db,
        key.kind,
        &zone_id,
        &name,
        &record_type,
        &set_identifier,
    )
    .await
    .context("unsuppressing")?;
    let what = key_text(&zone_id, &name, &record_type, &set_identifier);
    if had {
        println!("unsuppressed {} on {what}; its live findings are open again", key.kind);
        Ok(ExitCode::SUCCESS)
    } else {
        eprintln!("error: no suppression of {} on {what}", key.kind);
        Ok(ExitCode::FAILURE)
    }
}

async fn suppressions(as_json: bool, db: DbArgs) -> anyhow::Result<ExitCode> {
    let db = db.connect_current().await?;
    let all = zonetrail_findings::suppress::list(&db).await.context("reading the suppressions")?;
    if as_json {
        let items: Vec<Value> = all
            .iter()
            .map(|s| {
                json!({
                    "id": s.id,
                    "kind": s.kind,
                    "zone_id": s.zone_id,
                    "name": s.name,
                    "type": s.record_type,
                    "set_identifier": (!s.set_identifier.is_empty()).then_some(&s.set_identifier),
                    "reason": s.reason,
                    "created_by": s.created_by,
                    "created_at": s.created_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                })
            })
            .collect();
        println!("{}", serde_json::to_string_pretty(&items)?);
    } else if all.is_empty() {
        println!("no suppressions");
    } else {
        for s in &all {
            println!(
                "{} on {} · by {} at {} · {}",
                s.kind,
                key_text(&s.zone_id, &s.name, &s.record_type, &s.set_identifier),
                s.created_by,
                s.created_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                s.reason
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn report_line(r: &Report, secs: f64) -> String {
    format!(
        "evaluated {} records in {secs:.1} s: {} findings opened, {} resolved, {} checks undecided (a listing failed or never ran)",
        r.evaluated, r.opened, r.resolved, r.undecided
    )
}

async fn evaluate(db: DbArgs) -> anyhow::Result<ExitCode> {
    let conn = db.connect_and_migrate().await?;
    let sdk = aws_sdk_config().await;
    let started = Instant::now();
    let report =
        engine(&sdk, false).evaluate_all(&conn).await.context("evaluating the findings")?;
    println!("{}", report_line(&report, started.elapsed().as_secs_f64()));
    print_open_counts(&conn).await?;
    Ok(ExitCode::SUCCESS)
}

async fn print_open_counts(db: &DatabaseConnection) -> anyhow::Result<()> {
    let live: Vec<findings::Model> = findings::Entity::find()
        .filter(findings::Column::Status.is_in(["open", "suppressed"]))
        .all(db)
        .await?;
    let open = live.iter().filter(|f| f.status == "open").count();
    let mut by_kind: Vec<(String, usize)> = Vec::new();
    for f in live.iter().filter(|f| f.status == "open") {
        match by_kind.iter_mut().find(|(k, _)| *k == f.kind) {
            Some((_, n)) => *n += 1,
            None => by_kind.push((f.kind.clone(), 1)),
        }
    }
    by_kind.sort();
    let kinds: Vec<String> = by_kind.iter().map(|(k, n)| format!("{k} {n}")).collect();
    println!(
        "open findings: {open}{}; suppressed: {}",
        if kinds.is_empty() { String::new() } else { format!(" ({})", kinds.join(", ")) },
        live.len() - open
    );
    Ok(())
}

async fn sweep(
    db: DbArgs,
    queue: QueueArgs,
    route53: Route53Args,
    resources: ResourceArgs,
) -> anyhow::Result<ExitCode> {
    let config = route53.ingest_config_with(&queue, Some(&resources))?;
    // The listings' own work is not evaluated one by one: every record is, once they are in.
    let pipeline = Pipeline::start_with(&db, config, &route53, None).await?;
    let started = Instant::now();
    let result = crate::resource_sweep::sweep(&pipeline.ingest).await;
    let conn = pipeline.db.clone();
    let written = pipeline.finish().await?;
    let (report, summary) = result?;
    println!("{summary}");
    for line in crate::resource_sweep::failures(&report) {
        eprintln!("error: {line}");
    }
    let mut failed = crate::resource_sweep::failed(&report);
    let (Some(conn), Some(written)) = (conn, written) else {
        println!(
            "enqueued on {}: the writer applies the listings and evaluates what they change",
            queue.queue_url.as_deref().unwrap_or("the queue")
        );
        return Ok(if failed { ExitCode::FAILURE } else { ExitCode::SUCCESS });
    };
    if written.failed > 0 {
        eprintln!(
            "error: {} of the listings could not be applied (see the log above)",
            written.failed
        );
        failed = true;
    }
    let sdk = aws_sdk_config().await;
    let report =
        engine(&sdk, false).evaluate_all(&conn).await.context("evaluating the findings")?;
    println!("{}", report_line(&report, started.elapsed().as_secs_f64()));
    print_open_counts(&conn).await?;
    Ok(if failed { ExitCode::FAILURE } else { ExitCode::SUCCESS })
}

async fn list(args: ListArgs) -> anyhow::Result<ExitCode> {
    let db = args.db.connect_current().await?;
    let mut cond = Condition::all();
    if let Some(s) = args.status {
        cond = cond.add(findings::Column::Status.eq(s.as_str()));
    }
    if let Some(k) = args.kind {
        cond = cond.add(findings::Column::Kind.eq(k.as_str()));
    }
    if let Some(s) = args.severity {
        cond = cond.add(findings::Column::Severity.eq(s.as_str()));
    }
    if let Some(z) = &args.zone {
        cond = cond.add(findings::Column::ZoneId.eq(z.as_str()));
    }
    if let Some(a) = &args.account {
        cond = cond.add(findings::Column::AccountId.eq(a.as_str()));
    }
    let rows = findings::Entity::find()
        .filter(cond)
        .order_by_desc(findings::Column::Id)
        .limit(args.limit)
        .all(&db)
        .await
        .context("reading the findings")?;
    let items = items(&db, &rows).await?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&items)?);
        return Ok(ExitCode::SUCCESS);
    }
    if items.is_empty() {
        println!("no findings");
        return Ok(ExitCode::SUCCESS);
    }
    for item in &items {
        println!("{}", text(item));
    }
    Ok(ExitCode::SUCCESS)
}

/// Findings as the API's items have them (docs: `FindingItem`).
async fn items(db: &DatabaseConnection, rows: &[findings::Model]) -> anyhow::Result<Vec<Value>> {
    let mut zone_ids: Vec<&str> = rows.iter().map(|f| f.zone_id.as_str()).collect();
    zone_ids.sort_unstable();
    zone_ids.dedup();
    let zones: HashMap<String, String> = hosted_zones::Entity::find()
        .filter(hosted_zones::Column::Id.is_in(zone_ids))
        .all(db)
        .await?
        .into_iter()
        .map(|z| (z.id, z.name))
        .collect();
    let suppressions = if rows.iter().any(|f| f.status == "suppressed") {
        zonetrail_findings::suppress::list(db).await?
    } else {
        Vec::new()
    };
    let ts =
        |t: &chrono::DateTime<chrono::Utc>| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    Ok(rows
        .iter()
        .map(|f| {
            let evidence: Value = serde_json::from_str(&f.evidence).unwrap_or(Value::Null);
            let summary = Kind::parse(&f.kind)
                .map(|k| zonetrail_findings::describe::describe(k, &f.subject, &evidence))
                .unwrap_or_else(|| format!("{}: {}", f.kind, f.subject));
            let suppression = (f.status == "suppressed")
                .then(|| {
                    suppressions.iter().find(|s| {
                        s.kind == f.kind
                            && s.zone_id == f.zone_id
                            && s.name == f.name
                            && s.record_type == f.record_type
                            && s.set_identifier == f.set_identifier
                    })
                })
                .flatten()
                .map(|s| json!({"reason": s.reason, "created_by": s.created_by, "created_at": ts(&s.created_at)}));
            json!({
                "id": f.id,
                "kind": f.kind,
                "severity": f.severity,
                "status": f.status,
                "summary": summary,
                "subject": f.subject,
                "evidence": evidence,
                "record": {
                    "id": f.record_id,
                    "zone_id": f.zone_id,
                    "zone_name": zones.get(&f.zone_id),
                    "name": f.name,
                    "type": f.record_type,
                    "set_identifier": (!f.set_identifier.is_empty()).then_some(&f.set_identifier),
                },
                "account_id": f.account_id,
                "first_seen_at": ts(&f.first_seen_at),
                "last_seen_at": ts(&f.last_seen_at),
                "resolved_at": f.resolved_at.as_ref().map(ts),
                "resolved_reason": f.resolved_reason,
                "suppression": suppression,
            })
        })
        .collect())
}

/// One finding as two lines: what and where, then the sentence and when.
fn text(item: &Value) -> String {
    let s = |v: &Value| v.as_str().unwrap_or("").to_owned();
    let record = &item["record"];
    let set = record["set_identifier"].as_str().map(|s| format!(" [{s}]")).unwrap_or_default();
    let mut when = format!("first seen {}", s(&item["first_seen_at"]));
    if item["status"] == "resolved" {
        when.push_str(&format!(
            " · resolved {} ({})",
            s(&item["resolved_at"]),
            s(&item["resolved_reason"])
        ));
    } else {
        when.push_str(&format!(" · last seen {}", s(&item["last_seen_at"])));
    }
    if let Some(sup) = item["suppression"].as_object() {
        when.push_str(&format!(
            " · suppressed by {}: {}",
            sup.get("created_by").and_then(Value::as_str).unwrap_or(""),
            sup.get("reason").and_then(Value::as_str).unwrap_or("")
        ));
    }
    format!(
        "#{} {} {} {} · {} {}{} (record {}, zone {}{})\n    {}\n    {}",
        item["id"],
        s(&item["status"]),
        s(&item["severity"]),
        s(&item["kind"]),
        s(&record["name"]),
        s(&record["type"]),
        set,
        record["id"],
        s(&record["zone_id"]),
        item["account_id"].as_str().map(|a| format!(", account {a}")).unwrap_or_default(),
        s(&item["summary"]),
        when
    )
}
