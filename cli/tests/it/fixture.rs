//! A zone that looks like a real one: every routing policy moto keeps, aliases to a service
//! and to the zone itself, a wildcard, the common record types, and enough plain hosts to
//! take several ListResourceRecordSets pages.

use crate::account::Account;
use crate::records::Rec;

pub struct SeededZone {
    pub id: String,
    pub name: String,
    /// What was created, without the NS and SOA Route 53 adds at the apex.
    pub records: Vec<Rec>,
}

impl SeededZone {
    /// Record sets Route 53 holds for the zone: the seeded ones plus NS and SOA.
    pub fn record_count(&self) -> usize {
        self.records.len() + 2
    }

    pub fn host(&self, label: &str) -> String {
        format!("{label}.{}", self.name)
    }

    pub fn find(&self, label: &str, rtype: &str, set_id: Option<&str>) -> Rec {
        let name = if label.is_empty() { self.name.clone() } else { self.host(label) };
        self.records
            .iter()
            .find(|r| r.name == name && r.rtype == rtype && r.set_id.as_deref() == set_id)
            .unwrap_or_else(|| panic!("no {name} {rtype} {set_id:?} in the fixture"))
            .clone()
    }
}

/// Create `name` (lower-case, trailing dot) in the account and fill it; `hosts` plain A records.
pub async fn showcase_zone(account: &Account, name: &str, hosts: usize) -> SeededZone {
    let id = account.create_zone(name, None).await;
    let hc_primary = account.create_health_check("192.0.2.50").await;
    let hc_secondary = account.create_health_check("192.0.2.51").await;
    let n =
        |label: &str| if label.is_empty() { name.to_owned() } else { format!("{label}.{name}") };
    // moto deletes by set identifier alone, across names: keep them unique in the zone.
    let mut records = vec![
        Rec::simple(&n("www"), "A", 300, &["192.0.2.10", "192.0.2.11"]),
        Rec::simple(&n("www"), "AAAA", 300, &["2001:db8::10"]),
        Rec::simple(&n(""), "MX", 3600, &["10 mx1.example.net.", "20 mx2.example.net."]),
        Rec::simple(
            &n(""),
            "TXT",
            3600,
            &["\"v=spf1 include:_spf.example.net ~all\"", "\"verification=e2e\" \"second string\""],
        ),
        Rec::simple(
            &n(""),
            "CAA",
            3600,
            &["0 issue \"amazon.com\"", "0 iodef \"mailto:security@example.com\""],
        ),
        Rec::simple(&n("_sip._tcp"), "SRV", 300, &["10 60 5060 sip.example.net."]),
        Rec::simple(&n("*.wild"), "CNAME", 60, &["ingress.example.net."]),
        Rec::simple(&n("mail"), "CNAME", 300, &["ghs.googlehosted.com."]),
        Rec::alias(&n("cdn"), "A", "Z2FDTNDATAQYW2", "d1a2b3c4d5e6f7.cloudfront.net.", false),
        Rec::alias(&n("home"), "A", &id, &n("www"), false),
        Rec::simple(&n("api"), "A", 60, &["192.0.2.20"]).set("api-blue").weight(70),
        Rec::simple(&n("api"), "A", 60, &["192.0.2.21"]).set("api-green").weight(20),
        Rec::simple(&n("api"), "A", 60, &["192.0.2.22"]).set("api-canary").weight(10),
        Rec::alias(
            &n("lat"),
            "A",
            "Z35SXDOTRQ7X7K",
            "dualstack.lat-use1.us-east-1.elb.amazonaws.com.",
            true,
        )
        .set("lat-use1")
        .region("us-east-1"),
        Rec::simple(&n("lat"), "A", 60, &["192.0.2.31"]).set("lat-euw1").region("eu-west-1"),
        Rec::simple(&n("geo"), "A", 60, &["192.0.2.40"]).set("geo-eu").geo(Some("EU"), None, None),
        Rec::simple(&n("geo"), "A", 60, &["192.0.2.41"]).set("geo-us-ca").geo(
            None,
            Some("US"),
            Some("CA"),
        ),
        Rec::simple(&n("geo"), "A", 60, &["192.0.2.42"]).set("geo-de").geo(None, Some("DE"), None),
        Rec::simple(&n("geo"), "A", 60, &["192.0.2.43"]).set("geo-default").geo(
            None,
            Some("*"),
            None,
        ),
        Rec::simple(&n("app"), "A", 60, &["192.0.2.50"])
            .set("app-primary")
            .failover("PRIMARY")
            .health_check(&hc_primary),
        Rec::simple(&n("app"), "A", 60, &["192.0.2.51"])
            .set("app-secondary")
            .failover("SECONDARY")
            .health_check(&hc_secondary),
        Rec::simple(&n("mv"), "A", 60, &["192.0.2.60"])
            .set("mv-1")
            .multivalue()
            .health_check(&hc_primary),
        Rec::simple(&n("mv"), "A", 60, &["192.0.2.61"]).set("mv-2").multivalue(),
    ];
    for i in 0..hosts {
        records.push(Rec::simple(
            &n(&format!("host-{i:04}")),
            "A",
            300,
            &[&format!("10.0.{}.{}", i / 250, i % 250 + 1)],
        ));
    }
    let changes: Vec<(&str, &Rec)> = records.iter().map(|r| ("CREATE", r)).collect();
    account.change(&id, &changes).await;
    SeededZone { id, name: name.to_owned(), records }
}
