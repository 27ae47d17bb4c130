//! `zonetrail export` (issue 18): the restore, end to end against moto through the real SDK.
//! A zone is seeded and swept; a burst of damaging changes is made in moto and delivered as
//! its CloudTrail events; the change batches of `export --restore-to` are applied to moto with
//! ChangeResourceRecordSets; a sweep then finds the zone as it was, record set for record set.
//! Also: a restore that needs several batches, `--dry-run`, `bind`, and bad input.

use aws_sdk_route53::types::{
    AliasTarget, Change, ChangeAction, ChangeBatch, CidrRoutingConfig, Coordinates, GeoLocation,
    GeoProximityLocation, ResourceRecord, ResourceRecordSet, ResourceRecordSetFailover,
    ResourceRecordSetRegion, RrType,
};
use chrono::{SecondsFormat, Utc};
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;
use zonetrail_model::testing::{Backend, database};

use crate::account::Account;
use crate::process::{Finished, Zonetrail};
use crate::records::{ACTOR_ROLE, Key, Rec, change_event};

#[tokio::test(flavor = "multi_thread")]
async fn restore_on_sqlite() {
    restore_after_a_burst(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn restore_on_mariadb() {
    restore_after_a_burst(Backend::MySql).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn restore_in_several_batches_on_sqlite() {
    restore_in_several_batches(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn restore_in_several_batches_on_mariadb() {
    restore_in_several_batches(Backend::MySql).await;
}

fn temp_dir(what: &str) -> PathBuf {
    std::env::temp_dir().join(format!("zt-e2e-export-{what}-{:016x}", rand::random::<u64>()))
}

/// RFC 3339 with microseconds, as the CLI reads and writes times.
fn rfc3339(t: chrono::DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Micros, true)
}

/// Now, and then a wait past the next whole second: the tests' CloudTrail events carry
/// whole-second times, so every event made after this is later than the time returned.
async fn mark_time() -> String {
    let t0 = Utc::now();
    let next = chrono::DateTime::from_timestamp(t0.timestamp() + 1, 0).unwrap();
    let wait = (next - Utc::now()).to_std().unwrap_or_default() + Duration::from_millis(200);
    tokio::time::sleep(wait).await;
    rfc3339(t0)
}

/// Make the changes in moto, then deliver their CloudTrail event through `ingest-event`.
async fn change_and_deliver(
    account: &Account,
    zt: &Zonetrail,
    zone: &str,
    dir: &Path,
    changes: &[(&str, &Rec)],
) {
    account.change(zone, changes).await;
    let (event, _) = change_event(&account.id, zone, changes, ACTOR_ROLE);
    let path = dir.join(format!("event-{:016x}.json", rand::random::<u64>()));
    std::fs::write(&path, event.to_string()).unwrap();
    let out = zt.run(&["ingest-event", path.to_str().unwrap()]).await;
    out.assert_success("ingest-event");
    let outcome: Value = serde_json::from_str(out.stdout.trim()).expect("the outcome as JSON");
    assert_eq!(outcome["status"], "applied", "{outcome}");
}

/// `zonetrail export --format json` of the zone, parsed.
async fn export_json(zt: &Zonetrail, zone: &str, as_of: Option<&str>) -> Value {
    let mut args = vec!["export", "--zone", zone, "--format", "json"];
    if let Some(t) = as_of {
        args.extend(["--as-of", t]);
    }
    let out = zt.run(&args).await;
    out.assert_success("export --format json");
    serde_json::from_str(&out.stdout)
        .unwrap_or_else(|e| panic!("export --format json printed non-JSON ({e}):\n{}", out.stdout))
}

/// One member of a change batch's `ResourceRecordSet` as the SDK's type. A member the SDK
/// has no field for fails the test: it would be lost on the way to Route 53.
fn sdk_record_set(v: &Value) -> ResourceRecordSet {
    const MEMBERS: [&str; 14] = [
        "Name",
        "Type",
        "SetIdentifier",
        "Weight",
        "Region",
        "GeoLocation",
        "Failover",
        "MultiValueAnswer",
        "HealthCheckId",
        "CidrRoutingConfig",
        "GeoProximityLocation",
        "TTL",
        "ResourceRecords",
        "AliasTarget",
    ];
    for k in v.as_object().expect("ResourceRecordSet is an object").keys() {
        assert!(MEMBERS.contains(&k.as_str()), "ResourceRecordSet member {k} is not Route 53's");
    }
    let s = |o: &Value, k: &str| o.get(k).map(|x| x.as_str().expect(k).to_owned());
    let mut b = ResourceRecordSet::builder()
        .name(s(v, "Name").expect("Name"))
        .r#type(RrType::from(s(v, "Type").expect("Type").as_str()))
        .set_set_identifier(s(v, "SetIdentifier"))
        .set_weight(v.get("Weight").map(|x| x.as_i64().expect("Weight")))
        .set_region(s(v, "Region").map(|r| ResourceRecordSetRegion::from(r.as_str())))
        .set_failover(s(v, "Failover").map(|f| ResourceRecordSetFailover::from(f.as_str())))
        .set_multi_value_answer(v.get("MultiValueAnswer").map(|x| x.as_bool().expect("bool")))
        .set_health_check_id(s(v, "HealthCheckId"))
        .set_ttl(v.get("TTL").map(|x| x.as_i64().expect("TTL")));
    if let Some(values) = v.get("ResourceRecords") {
        b = b.set_resource_records(Some(
            values
                .as_array()
                .expect("ResourceRecords")
                .iter()
                .map(|r| ResourceRecord::builder().value(s(r, "Value").unwrap()).build().unwrap())
                .collect(),
        ));
    }
    if let Some(g) = v.get("GeoLocation") {
        b = b.geo_location(
            GeoLocation::builder()
                .set_continent_code(s(g, "ContinentCode"))
                .set_country_code(s(g, "CountryCode"))
                .set_subdivision_code(s(g, "SubdivisionCode"))
                .build(),
        );
    }
    if let Some(c) = v.get("CidrRoutingConfig") {
        b = b.cidr_routing_config(
            CidrRoutingConfig::builder()
                .collection_id(s(c, "CollectionId").unwrap())
                .location_name(s(c, "LocationName").unwrap())
                .build()
                .unwrap(),
        );
    }
    if let Some(p) = v.get("GeoProximityLocation") {
        let coordinates = p.get("Coordinates").map(|c| {
            Coordinates::builder()
                .latitude(s(c, "Latitude").unwrap())
                .longitude(s(c, "Longitude").unwrap())
                .build()
                .unwrap()
        });
        b = b.geo_proximity_location(
            GeoProximityLocation::builder()
                .set_aws_region(s(p, "AWSRegion"))
                .set_local_zone_group(s(p, "LocalZoneGroup"))
                .set_coordinates(coordinates)
                .set_bias(p.get("Bias").map(|x| x.as_i64().unwrap() as i32))
                .build(),
        );
    }
    if let Some(a) = v.get("AliasTarget") {
        b = b.alias_target(
            AliasTarget::builder()
                .hosted_zone_id(s(a, "HostedZoneId").unwrap())
                .dns_name(s(a, "DNSName").unwrap())
                .evaluate_target_health(a["EvaluateTargetHealth"].as_bool().unwrap())
                .build()
                .unwrap(),
        );
    }
    b.build().unwrap()
}

/// A `--change-batch` file's JSON as the SDK's ChangeBatch.
fn sdk_change_batch(batch: &Value) -> ChangeBatch {
    for k in batch.as_object().expect("a batch is an object").keys() {
        assert!(k == "Comment" || k == "Changes", "ChangeBatch member {k} is not Route 53's");
    }
    let changes = batch["Changes"]
        .as_array()
        .expect("Changes")
        .iter()
        .map(|c| {
            Change::builder()
                .action(ChangeAction::from(c["Action"].as_str().expect("Action")))
                .resource_record_set(sdk_record_set(&c["ResourceRecordSet"]))
                .build()
                .unwrap()
        })
        .collect();
    ChangeBatch::builder()
        .comment(batch["Comment"].as_str().expect("Comment"))
        .set_changes(Some(changes))
        .build()
        .unwrap()
}

/// ChangeResourceRecordSets with each batch, in order, as `aws route53` would send it.
async fn apply(account: &Account, zone: &str, batches: &[Value]) {
    for (i, batch) in batches.iter().enumerate() {
        account
            .route53
            .change_resource_record_sets()
            .hosted_zone_id(zone)
            .change_batch(sdk_change_batch(batch))
            .send()
            .await
            .unwrap_or_else(|e| panic!("ChangeResourceRecordSets with batch {}: {e:?}", i + 1));
    }
}

/// `export --restore-to T --out DIR`: the commands it prints are exactly those that apply
/// batch-1.json … batch-N.json of DIR, and DIR holds nothing else. Returns the batches.
fn read_batches(out: &Finished, zone: &str, dir: &Path) -> Vec<Value> {
    let commands: Vec<&str> = out.stdout.lines().collect();
    let n = commands.len();
    assert!(n > 0, "a restore with changes prints its commands\n{}", out.stderr);
    let mut files: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    files.sort_by(|a, b| (a.len(), a).cmp(&(b.len(), b)));
    let expected: Vec<String> = (1..=n).map(|i| format!("batch-{i}.json")).collect();
    assert_eq!(files, expected, "one file per printed command, nothing else");
    let mut batches = Vec::new();
    for (i, command) in commands.iter().enumerate() {
        let path = dir.join(format!("batch-{}.json", i + 1));
        assert_eq!(
            *command,
            format!(
                "aws route53 change-resource-record-sets --hosted-zone-id {zone} --change-batch file://{}",
                path.display()
            ),
            "command {} of\n{}",
            i + 1,
            out.stdout
        );
        let text = std::fs::read_to_string(&path).unwrap();
        let batch: Value = serde_json::from_str(&text)
            .unwrap_or_else(|e| panic!("{} is not JSON ({e})", path.display()));
        assert!(
            batch["Comment"].as_str().unwrap().contains(&format!("(batch {} of {n})", i + 1)),
            "{}",
            batch["Comment"]
        );
        batches.push(batch);
    }
    batches
}

/// What Route 53 would count in a batch: (ResourceRecord elements, value characters), an
/// UPSERT's twice.
fn batch_size(batch: &Value) -> (usize, usize) {
    let (mut elements, mut chars) = (0, 0);
    for c in batch["Changes"].as_array().unwrap() {
        let twice = if c["Action"] == "UPSERT" { 2 } else { 1 };
        for v in c["ResourceRecordSet"]["ResourceRecords"].as_array().into_iter().flatten() {
            elements += twice;
            chars += twice * v["Value"].as_str().unwrap().chars().count();
        }
    }
    (elements, chars)
}

fn assert_same_zone(what: &str, now: &BTreeMap<Key, Rec>, before: &BTreeMap<Key, Rec>) {
    let missing: Vec<_> = before.iter().filter(|(k, r)| now.get(*k) != Some(r)).collect();
    let extra: Vec<_> = now.iter().filter(|(k, r)| before.get(*k) != Some(r)).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "{what}: the zone differs from its state before the burst\n--- before, not now\n{missing:#?}\n--- now, not before\n{extra:#?}"
    );
}

async fn restore_after_a_burst(backend: Backend) {
    let account = Account::new().await;
    let db = database(backend).await;
    let zt = Zonetrail::new(&account, &db.url);
    let dir = temp_dir("burst");
    std::fs::create_dir_all(&dir).unwrap();
    let name = "restore.e2e.example.";
    let zone = account.create_zone(name, None).await;
    let n =
        |label: &str| if label.is_empty() { name.to_owned() } else { format!("{label}.{name}") };

    // The zone before the burst. moto deletes by set identifier alone, across names: the
    // identifiers are unique in the zone.
    let www_a = Rec::simple(&n("www"), "A", 300, &["192.0.2.10", "192.0.2.11"]);
    let www_aaaa = Rec::simple(&n("www"), "AAAA", 300, &["2001:db8::10"]);
    let mx = Rec::simple(&n(""), "MX", 3600, &["10 mx1.example.net.", "20 mx2.example.net."]);
    let apex_txt = Rec::simple(
        &n(""),
        "TXT",
        3600,
        &["\"v=spf1 include:_spf.example.net ~all\"", "\"verification=e2e\" \"second string\""],
    );
    let caa = Rec::simple(&n(""), "CAA", 3600, &["0 issue \"amazon.com\""]);
    let srv = Rec::simple(&n("_sip._tcp"), "SRV", 300, &["10 60 5060 sip.example.net."]);
    let mail = Rec::simple(&n("mail"), "CNAME", 300, &["ghs.googlehosted.com."]);
    let wild = Rec::simple(&n("*.wild"), "CNAME", 60, &["ingress.example.net."]);
    let cdn = Rec::alias(&n("cdn"), "A", "Z2FDTNDATAQYW2", "d1a2b3c4d5e6f7.cloudfront.net.", false);
    let home = Rec::alias(&n("home"), "A", &zone, &n("www"), false);
    let blue = Rec::simple(&n("api"), "A", 60, &["192.0.2.20"]).set("rs-blue").weight(70);
    let green = Rec::simple(&n("api"), "A", 60, &["192.0.2.21"]).set("rs-green").weight(20);
    let canary = Rec::simple(&n("api"), "A", 60, &["192.0.2.22"]).set("rs-canary").weight(10);
    let lat = Rec::simple(&n("lat"), "A", 60, &["192.0.2.31"]).set("rs-euw1").region("eu-west-1");
    let seeded = [
        &www_a, &www_aaaa, &mx, &apex_txt, &caa, &srv, &mail, &wild, &cdn, &home, &blue, &green,
        &canary, &lat,
    ];
    // Seeded by UPSERT: moto (5.x) refuses a CREATE equal to one in its change journal as
    // "already exists" whenever any record set sorts after it, so the restore's CREATEs must
    // not repeat the seeding's byte for byte. Route 53 has no such journal.
    let seeds: Vec<(&str, &Rec)> = seeded.iter().map(|r| ("UPSERT", *r)).collect();
    account.change(&zone, &seeds).await;
    let before = account.record_sets(&zone).await;
    assert_eq!(before.len(), seeded.len() + 2, "the seeded zone, with its SOA and NS");

    zt.run(&["sweep"]).await.assert_success("the first sweep");
    let exported_before = export_json(&zt, &zone, None).await;
    assert_eq!(exported_before["HostedZoneId"], zone.as_str());
    assert_eq!(exported_before["Name"], name);
    assert!(exported_before["AsOf"].is_null(), "{}", exported_before["AsOf"]);
    let sets = exported_before["ResourceRecordSets"].as_array().unwrap();
    assert_eq!(sets.len(), before.len(), "every record set, SOA and NS too");
    let listed: BTreeMap<Key, Rec> = sets
        .iter()
        .map(|s| {
            let r = Rec::from_sdk(&sdk_record_set(s));
            (r.key(), r)
        })
        .collect();
    assert_same_zone("the json export, read as list-resource-record-sets", &listed, &before);
    let t0 = mark_time().await;

    // The burst: deletes, updates, new records and a removed weighted member, each call made
    // in moto and delivered as its CloudTrail event.
    let www_a2 = www_a.clone().with_ttl(30).with_values(&["203.0.113.66"]);
    let blue_all = blue.clone().weight(100);
    let evil = Rec::simple(&n("evil"), "A", 60, &["203.0.113.13"]);
    let junk = Rec::simple(&n("junk"), "TXT", 60, &["\"owned\""]);
    let mail2 = mail.clone().with_values(&["phish.example.net."]);
    let apex_txt2 = apex_txt.clone().with_values(&["\"v=spf1 -all\""]);
    let cdn2 =
        Rec::alias(&n("cdn"), "A", "Z2FDTNDATAQYW2", "dzzzzzzzzzzzzz.cloudfront.net.", false);
    let burst: [Vec<(&str, &Rec)>; 4] = [
        vec![("DELETE", &www_aaaa), ("DELETE", &srv), ("UPSERT", &www_a2)],
        vec![("DELETE", &canary), ("UPSERT", &blue_all)],
        vec![("CREATE", &evil), ("CREATE", &junk), ("UPSERT", &mail2), ("UPSERT", &apex_txt2)],
        vec![("DELETE", &home), ("UPSERT", &cdn2)],
    ];
    for changes in &burst {
        change_and_deliver(&account, &zt, &zone, &dir, changes).await;
    }
    let damaged = export_json(&zt, &zone, None).await;
    assert_ne!(
        damaged["ResourceRecordSets"], exported_before["ResourceRecordSets"],
        "the events changed the inventory"
    );
    let as_of_t0 = export_json(&zt, &zone, Some(&t0)).await;
    assert_eq!(
        as_of_t0["ResourceRecordSets"], exported_before["ResourceRecordSets"],
        "--as-of T0 is the zone before the burst"
    );
    assert_eq!(as_of_t0["AsOf"], t0.as_str());

    // --dry-run counts, and writes nothing.
    let out_dir = dir.join("batches");
    let dry = zt
        .run(&[
            "export",
            "--zone",
            &zone,
            "--restore-to",
            &t0,
            "--out",
            out_dir.to_str().unwrap(),
            "--dry-run",
        ])
        .await;
    dry.assert_success("export --dry-run");
    // CREATE www AAAA, the SRV, the canary, home; DELETE evil, junk; UPSERT www A, blue,
    // mail, the apex TXT, cdn.
    assert!(dry.stdout.contains("4 creates, 2 deletes, 5 upserts in 1 batch"), "{}", dry.stdout);
    assert!(!out_dir.exists(), "--dry-run wrote {}", out_dir.display());

    // One batch: on stdout, as the `> batch.json` of the README.
    let single =
        zt.run(&["export", "--zone", &format!("/hostedzone/{zone}"), "--restore-to", &t0]).await;
    single.assert_success("export --restore-to");
    let on_stdout: Value = serde_json::from_str(&single.stdout)
        .unwrap_or_else(|e| panic!("one batch prints as JSON ({e}):\n{}", single.stdout));
    assert!(
        single.stderr.contains("4 creates, 2 deletes, 5 upserts in 1 batch"),
        "{}",
        single.stderr
    );

    let out = zt
        .run(&[
            "export",
            "--zone",
            &zone,
            "--format",
            "changebatch",
            "--restore-to",
            &t0,
            "--out",
            out_dir.to_str().unwrap(),
        ])
        .await;
    out.assert_success("export --restore-to --out");
    let batches = read_batches(&out, &zone, &out_dir);
    assert_eq!(batches, [on_stdout], "stdout and batch-1.json are the same batch");
    let changes = batches[0]["Changes"].as_array().unwrap();
    let weighted: Vec<(&str, &str)> = changes
        .iter()
        .filter(|c| c["ResourceRecordSet"]["Name"] == n("api"))
        .map(|c| {
            (
                c["Action"].as_str().unwrap(),
                c["ResourceRecordSet"]["SetIdentifier"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(weighted, [("UPSERT", "rs-blue"), ("CREATE", "rs-canary")], "{changes:#?}");

    apply(&account, &zone, &batches).await;
    assert_same_zone("moto after the restore", &account.record_sets(&zone).await, &before);

    // The burst's events are placed at the end of their second (CloudTrail's whole-second
    // eventTime): the sweep comes after that.
    mark_time().await;
    zt.run(&["sweep"]).await.assert_success("the sweep after the restore");
    let exported_after = export_json(&zt, &zone, None).await;
    assert_eq!(exported_after, exported_before, "the inventory is the zone before the burst");

    // Again: nothing to restore, said on stderr; no batch.
    let again_dir = dir.join("again");
    let again = zt
        .run(&[
            "export",
            "--zone",
            &zone,
            "--restore-to",
            &t0,
            "--out",
            again_dir.to_str().unwrap(),
        ])
        .await;
    again.assert_success("a restore with no difference");
    assert!(again.stderr.contains("no difference"), "{}", again.stderr);
    assert!(again.stdout.trim().is_empty(), "{}", again.stdout);
    assert_eq!(std::fs::read_dir(&again_dir).unwrap().count(), 0, "no batch file");
    // A directory holding an earlier restore's batches is refused, and left as it was.
    let refused = zt
        .run(&["export", "--zone", &zone, "--restore-to", &t0, "--out", out_dir.to_str().unwrap()])
        .await;
    assert!(!refused.status.success(), "{}", refused.stdout);
    assert!(refused.stderr.contains("batch-1.json"), "{}", refused.stderr);
    let _ = std::fs::remove_dir_all(&dir);
}

/// Deleted TXT records whose values sum to more than Route 53's 32,000 characters a request.
async fn restore_in_several_batches(backend: Backend) {
    let account = Account::new().await;
    let db = database(backend).await;
    let zt = Zonetrail::new(&account, &db.url);
    let dir = temp_dir("batches");
    let name = "batches.e2e.example.";
    let zone = account.create_zone(name, None).await;
    // 12 TXT record sets of one value: 15 strings of 255 characters, 3,869 characters.
    let long: Vec<Rec> = (0..12)
        .map(|i| {
            let strings: Vec<String> =
                (0..15).map(|j| format!("\"{i:02}-{j:02}-{}\"", "x".repeat(249))).collect();
            Rec::simple(&format!("long-{i:02}.{name}"), "TXT", 300, &[&strings.join(" ")])
        })
        .collect();
    let keep = Rec::simple(&format!("keep.{name}"), "A", 300, &["192.0.2.1"]);
    // By UPSERT, as in restore_after_a_burst (moto's change journal).
    let mut seeds: Vec<(&str, &Rec)> = long.iter().map(|r| ("UPSERT", r)).collect();
    seeds.push(("UPSERT", &keep));
    account.change(&zone, &seeds).await;
    let before = account.record_sets(&zone).await;
    zt.run(&["sweep"]).await.assert_success("the first sweep");
    let exported_before = export_json(&zt, &zone, None).await;
    let t0 = mark_time().await;

    // Deleted in moto; this time a sweep finds out.
    let deletes: Vec<(&str, &Rec)> = long.iter().map(|r| ("DELETE", r)).collect();
    account.change(&zone, &deletes).await;
    zt.run(&["sweep"]).await.assert_success("the sweep after the deletes");

    // Several batches need --out.
    let stdout_only = zt.run(&["export", "--zone", &zone, "--restore-to", &t0]).await;
    assert!(!stdout_only.status.success(), "{}", stdout_only.stdout);
    assert!(stdout_only.stdout.is_empty(), "{}", stdout_only.stdout);
    let errors = stdout_only.error_lines();
    assert_eq!(errors.len(), 1, "{}", stdout_only.stderr);
    assert!(
        errors[0].contains("needs 2 change batches") && errors[0].contains("--out DIR"),
        "{}",
        errors[0]
    );

    let dry = zt.run(&["export", "--zone", &zone, "--restore-to", &t0, "--dry-run"]).await;
    dry.assert_success("export --dry-run");
    assert!(dry.stdout.contains("12 creates, 0 deletes, 0 upserts in 2 batches"), "{}", dry.stdout);

    let out = zt
        .run(&["export", "--zone", &zone, "--restore-to", &t0, "--out", dir.to_str().unwrap()])
        .await;
    out.assert_success("export --restore-to --out");
    let batches = read_batches(&out, &zone, &dir);
    assert_eq!(batches.len(), 2, "{}", out.stdout);
    let mut created = 0;
    for (i, b) in batches.iter().enumerate() {
        let (elements, chars) = batch_size(b);
        assert!(
            elements <= 1000 && chars <= 32_000,
            "batch {}: {elements} elements, {chars} characters",
            i + 1
        );
        created += b["Changes"].as_array().unwrap().len();
    }
    assert_eq!(created, 12);

    apply(&account, &zone, &batches).await;
    assert_same_zone("moto after the restore", &account.record_sets(&zone).await, &before);
    zt.run(&["sweep"]).await.assert_success("the sweep after the restore");
    assert_eq!(export_json(&zt, &zone, None).await, exported_before);
    let _ = std::fs::remove_dir_all(&dir);
}

/// The zone file, and what is refused: an unknown zone, malformed, future and too-old times,
/// and flags that disagree.
#[tokio::test(flavor = "multi_thread")]
async fn export_bind_and_bad_input() {
    let account = Account::new().await;
    let db = database(Backend::Sqlite).await;
    let zt = Zonetrail::new(&account, &db.url);
    let name = "bind.e2e.example.";
    let zone = account.create_zone(name, None).await;
    let www = Rec::simple(&format!("www.{name}"), "A", 300, &["192.0.2.10"]);
    let w = Rec::simple(&format!("w.{name}"), "A", 60, &["192.0.2.20"]).set("bind-w").weight(1);
    account.change(&zone, &[("CREATE", &www), ("CREATE", &w)]).await;
    zt.run(&["sweep"]).await.assert_success("the sweep");

    let bind = zt.run(&["export", "--zone", &zone, "--format", "bind"]).await;
    bind.assert_success("export --format bind");
    let lines: Vec<&str> = bind.stdout.lines().collect();
    assert!(lines.contains(&format!("$ORIGIN {name}").as_str()), "{}", bind.stdout);
    assert!(lines.iter().any(|l| l.starts_with("$TTL ")), "{}", bind.stdout);
    let www_line: Vec<&str> = lines
        .iter()
        .map(|l| l.split_whitespace().collect::<Vec<&str>>())
        .find(|fields| fields.first() == Some(&"www"))
        .unwrap_or_else(|| panic!("a line for www:\n{}", bind.stdout));
    assert_eq!(www_line, ["www", "300", "IN", "A", "192.0.2.10"], "{}", bind.stdout);
    assert!(
        lines.iter().any(|l| l.starts_with(';') && l.contains("bind-w")),
        "the weighted set is a comment: {}",
        bind.stdout
    );
    assert!(
        !lines.iter().any(|l| l.split_whitespace().next() == Some("w")),
        "no plain line for the weighted set: {}",
        bind.stdout
    );
    let as_of = rfc3339(Utc::now());
    let bind_then =
        zt.run(&["export", "--zone", &zone, "--format", "bind", "--as-of", &as_of]).await;
    bind_then.assert_success("export --format bind --as-of");
    assert_eq!(bind_then.stdout, bind.stdout);

    // --out DIR: the same text in `<zone name>.zone` or `.json`, its path on stdout.
    let dir = temp_dir("bind");
    for (format, ext) in [("bind", "zone"), ("json", "json")] {
        let to_dir = zt
            .run(&["export", "--zone", &zone, "--format", format, "--out", dir.to_str().unwrap()])
            .await;
        to_dir.assert_success("export --out");
        let path = dir.join(format!("bind.e2e.example.{ext}"));
        assert_eq!(to_dir.stdout.trim(), path.display().to_string());
        let on_stdout = zt.run(&["export", "--zone", &zone, "--format", format]).await;
        assert_eq!(std::fs::read_to_string(&path).unwrap(), on_stdout.stdout, "{format}");
    }
    let _ = std::fs::remove_dir_all(&dir);
    // A restore with no difference and no --out: said on stderr, nothing on stdout.
    let none = zt.run(&["export", "--zone", &zone, "--restore-to", &as_of]).await;
    none.assert_success("a restore with no difference");
    assert!(none.stdout.is_empty() && none.stderr.contains("no difference"), "{none:?}");

    let refused = |out: &Finished, what: &str, mentions: &str| {
        assert!(!out.status.success(), "{what} must fail: {}", out.stdout);
        assert!(out.stdout.is_empty(), "{what}: nothing on stdout: {}", out.stdout);
        assert!(
            out.stderr.contains(mentions),
            "{what}: the error says {mentions:?}: {}",
            out.stderr
        );
        assert!(!out.stderr.contains("panicked"), "{what}: {}", out.stderr);
    };
    let run = |args: Vec<&'static str>| {
        let zt = zt.clone();
        let zone = zone.clone();
        async move {
            let mut all = vec!["export", "--zone", zone.as_str()];
            all.extend(args);
            zt.run(&all).await
        }
    };
    let unknown = zt.run(&["export", "--zone", "Z0NOSUCHZONE", "--format", "json"]).await;
    refused(&unknown, "an unknown zone", "no hosted zone Z0NOSUCHZONE");
    let unknown = zt.run(&["export", "--zone", "Z0NOSUCHZONE", "--restore-to", &as_of]).await;
    refused(&unknown, "an unknown zone's restore", "no hosted zone Z0NOSUCHZONE");
    refused(
        &run(vec!["--format", "json", "--as-of", "yesterday"]).await,
        "a malformed --as-of",
        "--as-of must be an RFC 3339 time",
    );
    refused(
        &run(vec!["--restore-to", "2026-13-01T00:00:00Z"]).await,
        "a malformed --restore-to",
        "--restore-to must be an RFC 3339 time",
    );
    refused(
        &run(vec!["--restore-to", "2999-01-01T00:00:00Z"]).await,
        "a future time",
        "in the future",
    );
    refused(
        &run(vec!["--format", "bind", "--as-of", "2020-01-01T00:00:00Z"]).await,
        "a time before the history window",
        "before the history window, which starts at",
    );
    refused(
        &run(vec!["--format", "changebatch"]).await,
        "changebatch without --restore-to",
        "--format changebatch needs --restore-to",
    );
    refused(
        &run(vec!["--format", "changebatch", "--as-of", "2026-12-01T00:00:00Z"]).await,
        "changebatch with --as-of",
        "--as-of does not apply to --format changebatch",
    );
    refused(
        &run(vec!["--format", "json", "--restore-to", "2026-12-01T00:00:00Z"]).await,
        "json with --restore-to",
        "--restore-to makes change batches",
    );
    refused(
        &run(vec!["--format", "json", "--dry-run"]).await,
        "--dry-run without a restore",
        "--dry-run",
    );
    refused(&run(vec!["--format", "yaml"]).await, "an unknown format", "yaml");
}
