//! `zonetrail export`: a hosted zone now or as it was at a past time (`json` in the AWS CLI's
//! shape, `bind` as an RFC 1035 master file), and the restore of a zone to a past time as the
//! Route 53 change batches that make it (`changebatch`). It only reads the database.

use anyhow::{Context, anyhow, bail};
use api::ApiError;
use api::timetravel::snapshot::{ZoneSnapshot, check_as_of, parse_time, zone_snapshot};
use chrono::SecondsFormat;
use clap::{Args, ValueEnum};
use sea_orm::{DatabaseConnection, EntityTrait};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use zonetrail_model::entity::hosted_zones;
use zonetrail_model::restore::{BatchLimits, ResourceRecordSet, RestorePlan, plan_restore};
use zonetrail_model::zonefile::zone_file;
use zonetrail_model::{AccountId, RecordSet, Timestamp, ZoneId, to_micros};

use crate::config::DbArgs;

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// The zone's record sets as `aws route53 list-resource-record-sets` prints them, in
    /// `{"HostedZoneId", "Name", "AsOf", "ResourceRecordSets"}`.
    Json,
    /// An RFC 1035 master file ("BIND zone file"); routing sets and aliases as `;` comments.
    Bind,
    /// The restore to --restore-to as `--change-batch` JSON for ChangeResourceRecordSets.
    Changebatch,
}

#[derive(Args, Clone)]
pub struct ExportArgs {
    /// The hosted zone id, with or without `/hostedzone/`.
    #[arg(long)]
    pub zone: String,
    /// What to write. Optional with --restore-to, which means `changebatch`.
    #[arg(long, value_enum, required_unless_present = "restore_to")]
    pub format: Option<Format>,
    /// The zone as it was at this RFC 3339 time (json and bind); default: now.
    #[arg(long, value_name = "T", conflicts_with = "restore_to")]
    pub as_of: Option<String>,
    /// Restore the zone to its state at this RFC 3339 time: the change batches that take it
    /// from now to then (DELETE what was created since, CREATE what was deleted, UPSERT what
    /// changed; the apex SOA and NS are never touched).
    #[arg(long, value_name = "T")]
    pub restore_to: Option<String>,
    /// Write into this directory (created if missing) instead of stdout: batch-1.json …
    /// batch-N.json for a restore, printing the `aws route53 change-resource-record-sets`
    /// command of each in order; `<zone name>.json` or `<zone name>.zone` otherwise.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// With --restore-to: print how many creates, deletes and upserts in how many batches,
    /// and the record sets a restore leaves alone, and write nothing.
    #[arg(long)]
    pub dry_run: bool,
    #[command(flatten)]
    pub db: DbArgs,
}

/// What an export does, once its flags agree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mode {
    Zone { format: Format, as_of: Option<String> },
    Restore { to: String },
}

impl ExportArgs {
    /// The export the flags ask for, or a usage error saying which flags disagree.
    pub fn mode(&self) -> Result<Mode, String> {
        match (&self.restore_to, self.format) {
            (Some(_), _) if self.as_of.is_some() => {
                Err("--as-of and --restore-to cannot be used together".to_owned())
            }
            (Some(to), None | Some(Format::Changebatch)) => Ok(Mode::Restore { to: to.clone() }),
            (Some(_), Some(_)) => Err("--restore-to makes change batches (--format changebatch); \
                 for the zone as it was, use --as-of T with --format json or bind"
                .to_owned()),
            (None, Some(Format::Changebatch)) if self.as_of.is_some() => {
                Err("--as-of does not apply to --format changebatch: a restore goes from now to \
                 --restore-to T"
                    .to_owned())
            }
            (None, Some(Format::Changebatch)) => {
                Err("--format changebatch needs --restore-to T, the time to restore the zone to"
                    .to_owned())
            }
            (None, _) if self.dry_run => {
                Err("--dry-run summarises a restore: use it with --restore-to T".to_owned())
            }
            (None, Some(format)) => Ok(Mode::Zone { format, as_of: self.as_of.clone() }),
            (None, None) => Err("pass --format json|bind (with --as-of T for a past time), \
                 or --restore-to T for a restore"
                .to_owned()),
        }
    }
}

/// An API error as a CLI error: its message, and the database error behind an unavailable
/// database.
fn api_error(e: ApiError) -> anyhow::Error {
    match e {
        ApiError::Database(db) => anyhow!(db).context("reading the database"),
        other => anyhow!(other.to_string()),
    }
}

fn rfc3339(t: &Timestamp) -> String {
    t.to_rfc3339_opts(SecondsFormat::Micros, true)
}

pub async fn export(args: ExportArgs, mode: Mode) -> anyhow::Result<ExitCode> {
    let zone = ZoneId::parse(&args.zone).map_err(|e| anyhow!("--zone: {e}"))?;
    // A malformed time is refused before the database is opened.
    let time = match &mode {
        Mode::Zone { as_of: Some(raw), .. } => Some(parse_time("--as-of", raw).map_err(api_error)?),
        Mode::Zone { as_of: None, .. } => None,
        Mode::Restore { to } => Some(parse_time("--restore-to", to).map_err(api_error)?),
    };
    let conn = args.db.connect_current().await?;
    let Some(model) =
        hosted_zones::Entity::find_by_id(zone.as_str().to_owned())
            .one(&conn)
            .await
            .with_context(|| format!("reading hosted zone {zone} from {}", args.db.redacted()))?
    else {
        bail!(
            "no hosted zone {zone} in the inventory at {}: zonetrail has never seen it (sweep its account first)",
            args.db.redacted()
        );
    };
    if let Some(t) = time {
        let name = if matches!(mode, Mode::Restore { .. }) { "--restore-to" } else { "--as-of" };
        let account = model.account_id.as_deref().and_then(|a| AccountId::parse(a).ok());
        check_as_of(&conn, name, t, account.as_ref(), to_micros(chrono::Utc::now()))
            .await
            .map_err(api_error)?;
    }
    match mode {
        Mode::Zone { format, .. } => {
            let snapshot = zone_snapshot(&conn, &zone, time).await.map_err(api_error)?;
            let (text, ext) = match format {
                Format::Json => (zone_json(&snapshot)?, "json"),
                Format::Bind => (zone_file(&snapshot.zone_name, &snapshot.records, None), "zone"),
                Format::Changebatch => unreachable!("a change batch is a restore"),
            };
            match &args.out {
                None => print!("{text}"),
                Some(dir) => {
                    let stem = snapshot.zone_name.as_str().trim_end_matches('.').replace('/', "_");
                    let path = dir.join(format!("{stem}.{ext}"));
                    create_dir(dir)?;
                    write_file(&path, &text)?;
                    println!("{}", path.display());
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        Mode::Restore { .. } => {
            let t = time.expect("a restore has a time");
            restore(&conn, &zone, t, args.out.as_deref(), args.dry_run).await
        }
    }
}

/// The zone in the shape of `aws route53 list-resource-record-sets`, in Route 53's order
/// (names with their labels reversed, then type and set identifier), with its id, name and
/// time.
fn zone_json(snapshot: &ZoneSnapshot) -> anyhow::Result<String> {
    let mut sets: Vec<&RecordSet> = snapshot.records.iter().collect();
    sets.sort_by_cached_key(|r| {
        (r.name.reversed(), r.rtype.as_str().to_owned(), r.set_identifier.clone())
    });
    let sets = sets
        .into_iter()
        .map(|r| {
            let mut v = serde_json::to_value(ResourceRecordSet::from(r))?;
            // Route 53 lists it; a restore never sends it.
            if let Some(tp) = &r.routing.traffic_policy_instance_id {
                v["TrafficPolicyInstanceId"] = json!(tp);
            }
            Ok(v)
        })
        .collect::<Result<Vec<Value>, serde_json::Error>>()?;
    let doc = json!({
        "HostedZoneId": snapshot.zone.id,
        "Name": snapshot.zone_name.as_str(),
        "AsOf": snapshot.as_of.as_ref().map(rfc3339),
        "ResourceRecordSets": sets,
    });
    Ok(serde_json::to_string_pretty(&doc)? + "\n")
}

fn summary_line(plan: &RestorePlan) -> String {
    let s = &plan.summary;
    let n = |count: usize, one: &str, many: &str| {
        format!("{count} {}", if count == 1 { one } else { many })
    };
    format!(
        "{}, {}, {} in {}",
        n(s.creates, "create", "creates"),
        n(s.deletes, "delete", "deletes"),
        n(s.upserts, "upsert", "upserts"),
        n(s.batches, "batch", "batches")
    )
}

fn skipped_lines(plan: &RestorePlan) -> Vec<String> {
    plan.skipped
        .iter()
        .map(|s| {
            let id = s.set_identifier.as_deref().map_or_else(String::new, |id| format!(" ({id})"));
            format!("skipped: {} {}{id}: {}", s.name.as_str(), s.rtype.as_str(), s.reason)
        })
        .collect()
}

async fn restore(
    conn: &DatabaseConnection,
    zone: &ZoneId,
    t: Timestamp,
    out: Option<&Path>,
    dry_run: bool,
) -> anyhow::Result<ExitCode> {
    let current = zone_snapshot(conn, zone, None).await.map_err(api_error)?;
    let target = zone_snapshot(conn, zone, Some(t)).await.map_err(api_error)?;
    let point = rfc3339(&t);
    let plan = plan_restore(
        &current.zone_name,
        &current.records,
        &target.records,
        &point,
        &BatchLimits::ROUTE53,
    );
    let about = format!("restore of {} ({zone}) to {point}", current.zone_name.as_str());
    if dry_run {
        println!("{about}: {}", summary_line(&plan));
        for line in skipped_lines(&plan) {
            println!("{line}");
        }
        return Ok(ExitCode::SUCCESS);
    }
    if let Some(dir) = out {
        refuse_old_batches(dir)?;
    }
    for line in skipped_lines(&plan) {
        eprintln!("{line}");
    }
    if plan.batches.is_empty() {
        eprintln!(
            "no difference: {} ({zone}) now equals its state at {point}; nothing to restore, no batch written",
            current.zone_name.as_str()
        );
        if let Some(dir) = out {
            create_dir(dir)?;
        }
        return Ok(ExitCode::SUCCESS);
    }
    let n = plan.batches.len();
    match out {
        None if n == 1 => {
            println!("{}", serde_json::to_string_pretty(&plan.batches[0])?);
            eprintln!("{about}: {}", summary_line(&plan));
        }
        None => bail!(
            "the {about} needs {n} change batches (Route 53 takes at most 1,000 ResourceRecord \
             elements and 32,000 characters of values per request): pass --out DIR to write \
             batch-1.json … batch-{n}.json and print the commands that apply them in order"
        ),
        Some(dir) => {
            create_dir(dir)?;
            let mut commands = Vec::with_capacity(n);
            for (i, batch) in plan.batches.iter().enumerate() {
                let path = dir.join(format!("batch-{}.json", i + 1));
                write_file(&path, &(serde_json::to_string_pretty(batch)? + "\n"))?;
                commands.push(format!(
                    "aws route53 change-resource-record-sets --hosted-zone-id {zone} --change-batch {}",
                    shell_word(&format!("file://{}", path.display()))
                ));
            }
            for c in &commands {
                println!("{c}");
            }
            eprintln!("{about}: {}; apply the batches in order", summary_line(&plan));
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// A word the shell reads back as itself: as is when it is plain, else single-quoted.
fn shell_word(s: &str) -> String {
    if s.bytes().all(|b| b.is_ascii_alphanumeric() || b"_-./:=@%+,".contains(&b)) {
        s.to_owned()
    } else {
        format!("'{}'", s.replace('\'', r"'\''"))
    }
}

/// Batch files of an earlier restore in `dir` would be applied with the new ones: refuse.
fn refuse_old_batches(dir: &Path) -> anyhow::Result<()> {
    let Ok(entries) = std::fs::read_dir(dir) else { return Ok(()) };
    let mut old: Vec<String> = entries
        .filter_map(Result::ok)
        .filter_map(|e| e.file_name().into_string().ok())
        .filter(|name| {
            name.strip_prefix("batch-")
                .and_then(|rest| rest.strip_suffix(".json"))
                .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
        })
        .collect();
    if !old.is_empty() {
        old.sort();
        bail!(
            "{} already holds {}: batch files of an earlier restore; choose an empty directory or remove them",
            dir.display(),
            old.join(", ")
        );
    }
    Ok(())
}

fn create_dir(dir: &Path) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))
}

/// Write through a temporary file, so a reader never sees half a file.
fn write_file(path: &Path, text: &str) -> anyhow::Result<()> {
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, text).with_context(|| format!("writing {}", tmp.display()))?;
    std::fs::rename(&tmp, path).with_context(|| format!("writing {}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(format: Option<Format>, as_of: bool, restore_to: bool, dry_run: bool) -> ExportArgs {
        ExportArgs {
            zone: "Z1".into(),
            format,
            as_of: as_of.then(|| "2026-12-01T00:00:00Z".into()),
            restore_to: restore_to.then(|| "2026-12-01T00:00:00Z".into()),
            out: None,
            dry_run,
            db: DbArgs { url: "sqlite::memory:".into() },
        }
    }

    #[test]
    fn export_flags_that_disagree_are_usage_errors() {
        let t = "2026-12-01T00:00:00Z".to_owned();
        assert_eq!(args(None, false, true, false).mode(), Ok(Mode::Restore { to: t.clone() }));
        assert_eq!(
            args(Some(Format::Changebatch), false, true, true).mode(),
            Ok(Mode::Restore { to: t.clone() })
        );
        assert_eq!(
            args(Some(Format::Bind), true, false, false).mode(),
            Ok(Mode::Zone { format: Format::Bind, as_of: Some(t) })
        );
        assert_eq!(
            args(Some(Format::Json), false, false, false).mode(),
            Ok(Mode::Zone { format: Format::Json, as_of: None })
        );
        let err = |a: ExportArgs| a.mode().unwrap_err();
        assert!(err(args(Some(Format::Changebatch), false, false, false)).contains("--restore-to"));
        assert!(err(args(Some(Format::Changebatch), true, false, false)).contains("--as-of"));
        assert!(err(args(Some(Format::Json), false, true, false)).contains("--as-of"));
        assert!(err(args(Some(Format::Json), false, false, true)).contains("--dry-run"));
        assert!(err(args(None, false, false, false)).contains("--format"));
        assert!(err(args(None, true, true, false)).contains("together"));
    }

    #[test]
    fn export_commands_quote_only_what_the_shell_would_split() {
        assert_eq!(shell_word("file://out/batch-1.json"), "file://out/batch-1.json");
        assert_eq!(shell_word("file://my dir/batch-1.json"), "'file://my dir/batch-1.json'");
        assert_eq!(shell_word("file://it's/b.json"), r"'file://it'\''s/b.json'");
    }
}
