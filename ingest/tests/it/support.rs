//! What the tests share: SDK configurations for moto and the fake Route 53, a state around an
//! in-process queue, and a collector of what reached the queue.

use aws_config::{BehaviorVersion, SdkConfig};
use aws_sdk_route53::config::{Credentials, Region};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use tokio::task::JoinHandle;
use zonetrail_ingest::fake_route53::{FakeConfig, FakeRoute53};
use zonetrail_ingest::{IngestConfig, MemoryQueue, State};
use zonetrail_model::{
    AccountId, AccountStatus, Message, RecordSet, RecordsMessage, SweepDone, ZoneId, ZoneMessage,
    ZonesListed,
};

pub async fn sdk_for(endpoint: &str) -> SdkConfig {
    aws_config::defaults(BehaviorVersion::latest())
        .endpoint_url(endpoint)
        .region(Region::new("us-east-1"))
        .credentials_provider(Credentials::new("testing", "testing", None, None, "zonetrail-tests"))
        .load()
        .await
}

/// moto, from `ZONETRAIL_TEST_AWS_ENDPOINT` (the test fails with a clear message without it).
pub async fn moto_sdk() -> SdkConfig {
    sdk_for(&zonetrail_model::testing::aws_endpoint()).await
}

/// moto's Route 53 behind the CDATA-unwrapping proxy (see `MotoCdataProxy`); keep the proxy
/// alive while the SDK configuration is in use.
pub async fn moto_route53() -> (SdkConfig, zonetrail_ingest::fake_route53::MotoCdataProxy) {
    let proxy = zonetrail_ingest::fake_route53::MotoCdataProxy::start(
        &zonetrail_model::testing::aws_endpoint(),
    )
    .await
    .expect("start the moto proxy");
    (sdk_for(proxy.endpoint()).await, proxy)
}

/// The account moto's credentials (and the tests' fake Route 53) belong to.
pub fn own_account() -> zonetrail_model::AccountId {
    zonetrail_model::AccountId::parse("123456789012").unwrap()
}

/// A name no other test (or run) uses.
pub fn unique(prefix: &str) -> String {
    static N: AtomicU64 = AtomicU64::new(0);
    let nanos =
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos()
            % 1_000_000_000_000;
    format!("{prefix}{}x{nanos}x{}", std::process::id(), N.fetch_add(1, Ordering::Relaxed))
}

/// Settings that keep tests quick: a high request rate and short backoff.
pub fn fast_config() -> IngestConfig {
    let mut config = IngestConfig::default();
    config.sweep.route53_rps = 200.0;
    config.sweep.backoff_base = std::time::Duration::from_millis(5);
    config.sweep.backoff_cap = std::time::Duration::from_millis(50);
    config.sweep.deadline_margin = std::time::Duration::from_millis(100);
    config
}

/// A state whose queue is the in-process one, and the collector of what it receives.
pub fn memory_state(sdk: &SdkConfig, config: IngestConfig) -> (State, Collector) {
    let (queue, mut receiver) = MemoryQueue::new(4, config.max_message_bytes);
    let limit = config.max_message_bytes;
    let task = tokio::spawn(async move {
        let mut messages = Vec::new();
        while let Some(body) = receiver.recv().await {
            assert!(
                body.len() <= limit,
                "a {}-byte body exceeds the {limit}-byte limit",
                body.len()
            );
            messages.push(Message::from_json(&body).unwrap_or_else(|e| {
                panic!("the queue got a body outside the contract: {e}\n{body}")
            }));
        }
        messages
    });
    (State::own_account(sdk, config, Arc::new(queue), own_account()), Collector(task))
}

pub struct Collector(JoinHandle<Vec<Message>>);

impl Collector {
    pub fn spawn(task: impl std::future::Future<Output = Vec<Message>> + Send + 'static) -> Self {
        Self(tokio::spawn(task))
    }

    /// Everything queued; call after dropping the state, which closes the queue.
    pub async fn messages(self) -> Sent {
        Sent(
            tokio::time::timeout(std::time::Duration::from_secs(30), self.0)
                .await
                .expect("queue closed")
                .expect("collector"),
        )
    }
}

/// What reached the queue.
#[derive(Debug, Clone)]
pub struct Sent(pub Vec<Message>);

impl Sent {
    pub fn records(&self, zone: &ZoneId) -> Vec<&RecordsMessage> {
        self.0
            .iter()
            .filter_map(|m| match m {
                Message::Records(r) if &r.zone_id == zone => Some(r),
                _ => None,
            })
            .collect()
    }

    pub fn upserts(&self, zone: &ZoneId) -> Vec<RecordSet> {
        self.records(zone).into_iter().flat_map(|r| r.upserts.clone()).collect()
    }

    pub fn zones(&self, zone: &ZoneId) -> Vec<&ZoneMessage> {
        self.0
            .iter()
            .filter_map(|m| match m {
                Message::Zone(z) if &z.zone_id == zone => Some(z),
                _ => None,
            })
            .collect()
    }

    pub fn done(&self, zone: &ZoneId) -> Vec<&SweepDone> {
        self.0
            .iter()
            .filter_map(|m| match m {
                Message::SweepDone(d) if &d.zone_id == zone => Some(d),
                _ => None,
            })
            .collect()
    }

    /// The `zones_listed` messages of `account`.
    pub fn zones_listed(&self, account: &AccountId) -> Vec<&ZonesListed> {
        self.0
            .iter()
            .filter_map(|m| match m {
                Message::ZonesListed(l) if &l.account_id == account => Some(l),
                _ => None,
            })
            .collect()
    }

    /// The `account_status` messages of `account`.
    pub fn statuses(&self, account: &AccountId) -> Vec<&AccountStatus> {
        self.0
            .iter()
            .filter_map(|m| match m {
                Message::AccountStatus(s) if &s.account_id == account => Some(s),
                _ => None,
            })
            .collect()
    }

    /// Upserts of the zone, each key exactly once (panics naming a duplicate).
    pub fn unique_upserts(
        &self,
        zone: &ZoneId,
    ) -> std::collections::BTreeMap<(String, String, Option<String>), RecordSet> {
        let mut out = std::collections::BTreeMap::new();
        for r in self.upserts(zone) {
            let key = (r.name.to_string(), r.rtype.to_string(), r.set_identifier.clone());
            assert!(
                out.insert(key.clone(), r).is_none(),
                "record set {key:?} arrived more than once"
            );
        }
        out
    }

    /// The sweep's page numbers are 1..=N with no gap or repeat, and its `sweep_done` says N.
    pub fn assert_pages_complete(&self, zone: &ZoneId) {
        let done = self.done(zone);
        assert_eq!(done.len(), 1, "one sweep_done for {zone}");
        let mut pages: Vec<u32> = self
            .records(zone)
            .iter()
            .filter_map(|r| match &r.origin {
                zonetrail_model::Origin::Sweep { sweep_id, page }
                    if sweep_id == &done[0].sweep_id =>
                {
                    Some(*page)
                }
                _ => None,
            })
            .collect();
        pages.sort();
        assert_eq!(pages, (1..=done[0].pages).collect::<Vec<_>>(), "page numbers of {zone}");
        assert_eq!(
            done[0].record_sets as usize,
            self.upserts(zone).len(),
            "sweep_done counts every record set of {zone}"
        );
    }
}

pub async fn fake(config: FakeConfig) -> FakeRoute53 {
    FakeRoute53::start(config).await.expect("start the fake Route 53")
}
