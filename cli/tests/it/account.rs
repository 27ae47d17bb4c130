//! An AWS account of its own in moto for each test: moto is shared by every test of a run,
//! and a sweep reads every zone of the account, so a test that counts what a sweep brings in
//! must not see another test's zones. moto keeps one state per account, chosen by the
//! credentials of an STS AssumeRole into that account (docs/contracts.md, "Test harness").

use aws_config::BehaviorVersion;
use aws_sdk_route53::config::{Credentials, Region};
use aws_sdk_route53::types::{Change, ChangeAction, ChangeBatch, HostedZoneConfig, Vpc, VpcRegion};
use std::collections::BTreeMap;

use crate::records::Rec;

pub struct Account {
    pub id: String,
    pub endpoint: String,
    key: String,
    secret: String,
    token: String,
    pub route53: aws_sdk_route53::Client,
    pub sqs: aws_sdk_sqs::Client,
    /// The SDK's configuration for this account in moto (us-east-1), for other services.
    pub sdk: aws_config::SdkConfig,
}

impl Account {
    /// A fresh account: twelve random digits, so no other test (or earlier run) shares it.
    pub async fn new() -> Self {
        let endpoint = zonetrail_model::testing::aws_endpoint();
        let id: String = (0..12)
            .map(|i| {
                char::from(
                    b'0' + if i == 0 {
                        rand::random_range(1..10)
                    } else {
                        rand::random_range(0..10)
                    },
                )
            })
            .collect();
        let (key, secret, token) = assume_role(&endpoint, &id).await;
        let sdk = aws_config::defaults(BehaviorVersion::latest())
            .endpoint_url(&endpoint)
            .region(Region::new("us-east-1"))
            .credentials_provider(Credentials::new(
                &key,
                &secret,
                Some(token.clone()),
                None,
                "moto-assume-role",
            ))
            .load()
            .await;
        Self {
            id,
            endpoint,
            key,
            secret,
            token,
            route53: aws_sdk_route53::Client::new(&sdk),
            sqs: aws_sdk_sqs::Client::new(&sdk),
            sdk,
        }
    }

    /// The environment that points the `zonetrail` binary at this account in moto.
    pub fn env(&self) -> Vec<(String, String)> {
        [
            ("AWS_ENDPOINT_URL", self.endpoint.as_str()),
            ("AWS_REGION", "us-east-1"),
            ("AWS_ACCESS_KEY_ID", self.key.as_str()),
            ("AWS_SECRET_ACCESS_KEY", self.secret.as_str()),
            ("AWS_SESSION_TOKEN", self.token.as_str()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect()
    }

    /// A hosted zone; private when a VPC `(region, vpc id)` is given. Returns its bare id.
    pub async fn create_zone(&self, name: &str, vpc: Option<(&str, &str)>) -> String {
        let mut request = self
            .route53
            .create_hosted_zone()
            .name(name)
            .caller_reference(format!("{name}-{}", rand::random::<u64>()))
            .hosted_zone_config(
                HostedZoneConfig::builder()
                    .private_zone(vpc.is_some())
                    .comment("zonetrail e2e")
                    .build(),
            );
        if let Some((region, vpc_id)) = vpc {
            request = request
                .vpc(Vpc::builder().vpc_region(VpcRegion::from(region)).vpc_id(vpc_id).build());
        }
        let out = request
            .send()
            .await
            .unwrap_or_else(|e| panic!("CreateHostedZone {name} in account {}: {e:?}", self.id));
        out.hosted_zone().expect("a hosted zone").id().trim_start_matches("/hostedzone/").to_owned()
    }

    /// A health check; its id is what failover and multivalue records refer to. Sent as
    /// plain REST XML: moto answers `<MeasureLatency>False</MeasureLatency>`, which the SDK
    /// cannot parse as a boolean.
    pub async fn create_health_check(&self, ip: &str) -> String {
        let body = format!(
            r#"<CreateHealthCheckRequest xmlns="https://route53.amazonaws.com/doc/2013-04-01/"><CallerReference>hc-{}</CallerReference><HealthCheckConfig><IPAddress>{ip}</IPAddress><Port>443</Port><Type>HTTPS</Type><ResourcePath>/healthz</ResourcePath></HealthCheckConfig></CreateHealthCheckRequest>"#,
            rand::random::<u64>()
        );
        let answer =
            self.raw_post("/2013-04-01/healthcheck", "route53", "application/xml", body).await;
        xml_field(&answer, "Id")
    }

    /// A request moto routes by the credential scope of its (unchecked) signature.
    async fn raw_post(
        &self,
        path: &str,
        service: &str,
        content_type: &str,
        body: String,
    ) -> String {
        reqwest::Client::new()
            .post(format!("{}{path}", self.endpoint))
            .header("authorization", format!("AWS4-HMAC-SHA256 Credential={}/20261122/us-east-1/{service}/aws4_request, SignedHeaders=host, Signature=00", self.key))
            .header("x-amz-security-token", &self.token)
            .header("content-type", content_type)
            .body(body)
            .send()
            .await
            .unwrap_or_else(|e| panic!("moto at {}: POST {path}: {e}", self.endpoint))
            .text()
            .await
            .expect("moto's answer")
    }

    /// One ChangeResourceRecordSets call; `action` is CREATE, UPSERT or DELETE.
    pub async fn change(&self, zone_id: &str, changes: &[(&str, &Rec)]) {
        for chunk in changes.chunks(500) {
            let changes = chunk
                .iter()
                .map(|(action, rec)| {
                    Change::builder()
                        .action(ChangeAction::from(*action))
                        .resource_record_set(rec.to_sdk())
                        .build()
                        .unwrap()
                })
                .collect();
            self.route53
                .change_resource_record_sets()
                .hosted_zone_id(zone_id)
                .change_batch(ChangeBatch::builder().set_changes(Some(changes)).build().unwrap())
                .send()
                .await
                .unwrap_or_else(|e| panic!("ChangeResourceRecordSets on {zone_id}: {e:?}"));
        }
    }

    /// Every record set of the zone as Route 53 (moto) has it now, by key. moto repeats a
    /// weighted group that straddles two pages; the map keeps one of each.
    pub async fn record_sets(
        &self,
        zone_id: &str,
    ) -> BTreeMap<(String, String, Option<String>), Rec> {
        let mut out = BTreeMap::new();
        let (mut name, mut rtype) = (None, None);
        loop {
            let page = self
                .route53
                .list_resource_record_sets()
                .hosted_zone_id(zone_id)
                .set_start_record_name(name.take())
                .set_start_record_type(rtype.take())
                .max_items(300)
                .send()
                .await
                .expect("ListResourceRecordSets");
            for r in page.resource_record_sets() {
                let rec = Rec::from_sdk(r);
                assert!(
                    !rec.values.iter().any(String::is_empty),
                    "moto at {} answered {} {} with an empty value: moto 5.1 wraps values in CDATA, which the SDK reads as \"\". \
                     Run the tests against the pinned moto (scripts/requirements-test.txt, started by scripts/test)",
                    self.endpoint,
                    rec.name,
                    rec.rtype
                );
                out.insert(rec.key(), rec);
            }
            if !page.is_truncated() {
                return out;
            }
            name = page.next_record_name().map(str::to_owned);
            rtype = page.next_record_type().cloned();
        }
    }

    pub async fn create_queue(&self, name: &str) -> String {
        let out = self
            .sqs
            .create_queue()
            .queue_name(name)
            .send()
            .await
            .unwrap_or_else(|e| panic!("CreateQueue {name}: {e:?}"));
        out.queue_url().expect("a queue URL").to_owned()
    }

    /// Receive and delete everything on a queue; the bodies, in the order received.
    pub async fn take_all(&self, queue_url: &str) -> Vec<String> {
        let mut bodies = Vec::new();
        let mut empty_polls = 0;
        while empty_polls < 2 {
            let out = self
                .sqs
                .receive_message()
                .queue_url(queue_url)
                .max_number_of_messages(10)
                .wait_time_seconds(1)
                .send()
                .await
                .expect("ReceiveMessage");
            let messages = out.messages();
            if messages.is_empty() {
                empty_polls += 1;
                continue;
            }
            empty_polls = 0;
            for m in messages {
                bodies.push(m.body().expect("a body").to_owned());
                self.sqs
                    .delete_message()
                    .queue_url(queue_url)
                    .receipt_handle(m.receipt_handle().unwrap())
                    .send()
                    .await
                    .expect("DeleteMessage");
            }
        }
        bodies
    }

    /// Send bodies in batches of ten; returns the message ids in order.
    pub async fn send_all(&self, queue_url: &str, bodies: &[String]) -> Vec<String> {
        let mut ids = Vec::new();
        for chunk in bodies.chunks(10) {
            let entries = chunk
                .iter()
                .enumerate()
                .map(|(i, body)| {
                    aws_sdk_sqs::types::SendMessageBatchRequestEntry::builder()
                        .id(format!("m{i}"))
                        .message_body(body)
                        .build()
                        .unwrap()
                })
                .collect();
            let out = self
                .sqs
                .send_message_batch()
                .queue_url(queue_url)
                .set_entries(Some(entries))
                .send()
                .await
                .expect("SendMessageBatch");
            assert!(out.failed().is_empty(), "SendMessageBatch failed for {:?}", out.failed());
            let mut sent: Vec<_> = out
                .successful()
                .iter()
                .map(|s| (s.id().to_owned(), s.message_id().to_owned()))
                .collect();
            sent.sort_by_key(|(id, _)| id[1..].parse::<usize>().unwrap());
            ids.extend(sent.into_iter().map(|(_, message_id)| message_id));
        }
        ids
    }

    /// Visible plus in-flight messages, as SQS counts them.
    pub async fn queue_depth(&self, queue_url: &str) -> (u64, u64) {
        use aws_sdk_sqs::types::QueueAttributeName as A;
        let out = self
            .sqs
            .get_queue_attributes()
            .queue_url(queue_url)
            .attribute_names(A::ApproximateNumberOfMessages)
            .attribute_names(A::ApproximateNumberOfMessagesNotVisible)
            .send()
            .await
            .expect("GetQueueAttributes");
        let get = |name: A| {
            out.attributes().and_then(|a| a.get(&name)).and_then(|v| v.parse().ok()).unwrap_or(0)
        };
        (get(A::ApproximateNumberOfMessages), get(A::ApproximateNumberOfMessagesNotVisible))
    }
}

/// STS AssumeRole into `account`, by a plain query-protocol request (moto does not check
/// signatures; the credential scope in the header tells it the request is for STS).
async fn assume_role(endpoint: &str, account: &str) -> (String, String, String) {
    let body = format!(
        "Action=AssumeRole&Version=2011-06-15&RoleSessionName=zonetrail-e2e&RoleArn=arn%3Aaws%3Aiam%3A%3A{account}%3Arole%2Fzonetrail-e2e"
    );
    let answer = reqwest::Client::new()
        .post(endpoint)
        .header("authorization", "AWS4-HMAC-SHA256 Credential=testing/20261122/us-east-1/sts/aws4_request, SignedHeaders=host, Signature=00")
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body)
        .send()
        .await
        .unwrap_or_else(|e| panic!("moto at {endpoint} does not answer STS AssumeRole: {e}"))
        .text()
        .await
        .expect("AssumeRole answer");
    (
        xml_field(&answer, "AccessKeyId"),
        xml_field(&answer, "SecretAccessKey"),
        xml_field(&answer, "SessionToken"),
    )
}

/// The text of the first `<tag>` in an XML answer.
fn xml_field(answer: &str, tag: &str) -> String {
    let open = format!("<{tag}>");
    let start =
        answer.find(&open).unwrap_or_else(|| panic!("no <{tag}> in moto's answer: {answer}"))
            + open.len();
    let end = answer[start..].find("</").expect("a closing tag") + start;
    answer[start..end].to_owned()
}
