//! Integration tests of the findings crate's pure parts (the writer's test binary covers the
//! evaluation through its messages, on SQLite and MariaDB).

use zonetrail_findings::IpRanges;
use zonetrail_findings::ranges::RangesError;

#[test]
fn the_shipped_copy_parses_and_holds_a_known_ec2_prefix() {
    let r = IpRanges::shipped();
    assert!(r.len() > 1000, "{}", r.len());
    let p = r.lookup("3.5.140.1".parse().unwrap()).expect("3.5.140.0/22 is EC2");
    assert_eq!((p.cidr.as_str(), p.region.as_str()), ("3.5.140.0/22", "ap-northeast-2"));
    assert!(r.lookup("8.8.8.8".parse().unwrap()).is_none());
    let v6 = r.lookup("2406:daba:f000::1".parse().unwrap()).expect("an EC2 IPv6 prefix");
    assert_eq!(v6.region, "ap-southeast-4");
}

#[test]
fn the_most_specific_prefix_answers_and_other_services_are_dropped() {
    let doc = r#"{"syncToken":"1","createDate":"x","prefixes":[
        {"ip_prefix":"10.0.0.0/8","region":"us-east-1","service":"EC2"},
        {"ip_prefix":"10.1.0.0/16","region":"eu-west-1","service":"EC2"},
        {"ip_prefix":"11.0.0.0/8","region":"eu-west-1","service":"S3"}],
        "ipv6_prefixes":[{"ipv6_prefix":"2600:1f00::/24","region":"GLOBAL","service":"EC2"}]}"#;
    let r = IpRanges::parse(doc).unwrap();
    assert_eq!(r.len(), 3);
    assert_eq!(r.lookup("10.1.2.3".parse().unwrap()).unwrap().region, "eu-west-1");
    assert_eq!(r.lookup("10.2.2.3".parse().unwrap()).unwrap().region, "us-east-1");
    assert!(r.lookup("11.0.0.1".parse().unwrap()).is_none());
    assert_eq!(r.lookup("2600:1f00::5".parse().unwrap()).unwrap().region, "GLOBAL");
    let back = IpRanges::from_message(&r.to_message(chrono::Utc::now())).unwrap();
    assert_eq!(back.len(), 3);
}

#[test]
fn malformed_documents_say_what_is_wrong() {
    assert!(matches!(IpRanges::parse("not json"), Err(RangesError::Malformed(_))));
    assert!(matches!(
        IpRanges::parse(r#"{"syncToken":"1","createDate":"x","prefixes":[]}"#),
        Err(RangesError::NoPrefixes)
    ));
    let bad = r#"{"syncToken":"1","createDate":"x","prefixes":[{"ip_prefix":"10.0.0.0/40","region":"us-east-1","service":"EC2"}]}"#;
    let e = IpRanges::parse(bad).unwrap_err().to_string();
    assert!(e.contains("10.0.0.0/40") && e.contains("too long"), "{e}");
    let bad = r#"{"syncToken":"1","createDate":"x","prefixes":[{"ip_prefix":"banana","region":"us-east-1","service":"EC2"}]}"#;
    assert!(IpRanges::parse(bad).unwrap_err().to_string().contains("banana"));
}

#[test]
fn describe_says_it_in_plain_words() {
    use zonetrail_findings::{Kind, describe::describe};
    let ev = serde_json::json!({"ip": "203.0.113.7", "range": "3.5.140.0/22", "range_region": "us-east-1",
        "accounts_checked": ["1","2","3","4","5","6","7","8","9","10","11","12"]});
    assert_eq!(
        describe(Kind::DanglingIp, "203.0.113.7", &ev),
        "points at 203.0.113.7, an AWS address (3.5.140.0/22, us-east-1) that none of your 12 accounts holds"
    );
    for k in Kind::ALL {
        assert!(!describe(k, "x", &serde_json::json!({})).is_empty());
    }
}

#[test]
fn work_goes_through_the_findings_queue_in_bodies_under_the_size_limit() {
    use zonetrail_findings::Work;
    let small = Work { record_ids: vec![3, 1], targets: vec!["ip:203.0.113.7".into()], all: false };
    let bodies = small.to_messages(262_144);
    assert_eq!(bodies.len(), 1);
    assert_eq!(Work::from_message(&bodies[0]).unwrap(), small);

    // A sweep's worth: split, every piece kept, each body within the limit, `all` once.
    let big = Work {
        record_ids: (0..40_000).map(|i| i * 1_000_003).collect(),
        targets: (0..3_000).map(|i| format!("name:Z0123456789/host-{i}.example.com.")).collect(),
        all: true,
    };
    let bodies = big.to_messages(262_144);
    assert!(bodies.len() > 1);
    let mut back = Work::default();
    for b in &bodies {
        assert!(b.len() <= 262_144, "{} bytes", b.len());
        back.extend(Work::from_message(b).unwrap());
    }
    assert_eq!(back, big);
    assert_eq!(bodies.iter().filter(|b| b.contains("\"all\":true")).count(), 1);

    // Nothing but `all`: one body.
    let all = Work { all: true, ..Work::default() };
    assert_eq!(Work::from_message(&all.to_messages(1024)[0]).unwrap(), all);
}

#[test]
fn a_body_that_is_not_findings_work_is_refused_with_the_reason() {
    use zonetrail_findings::Work;
    for (body, says) in [
        ("not json", "expected"),
        (r#"{"kind":"records"}"#, "unknown field `kind`"),
        (r#"{"findings_work":{"record_ids":["x"],"targets":[]}}"#, "invalid type"),
        (r#"{"findings_work":{"record_ids":[],"targets":[],"extra":1}}"#, "unknown field `extra`"),
    ] {
        let e = Work::from_message(body).unwrap_err();
        assert!(e.contains("findings work message") && e.contains(says), "{body}: {e}");
    }
}
