//! The SQS queue against moto: batches within SQS's limits, big record batches split.

use chrono::Utc;
use zonetrail_ingest::{Queue, SqsQueue};
use zonetrail_model::{
    Message, Origin, RecordName, RecordSet, RecordType, RecordsMessage, Routing, ZoneId,
};

use crate::support::{moto_sdk, unique};

pub async fn create_queue(sqs: &aws_sdk_sqs::Client) -> String {
    let out = sqs
        .create_queue()
        .queue_name(unique("zt-ingest-"))
        .send()
        .await
        .expect("create queue in moto");
    out.queue_url().unwrap().to_owned()
}

/// Every body on the queue, until it is empty.
pub async fn receive_all(sqs: &aws_sdk_sqs::Client, url: &str) -> Vec<String> {
    let mut bodies = Vec::new();
    loop {
        let out = sqs
            .receive_message()
            .queue_url(url)
            .max_number_of_messages(10)
            .wait_time_seconds(0)
            .send()
            .await
            .unwrap();
        let messages = out.messages();
        if messages.is_empty() {
            return bodies;
        }
        for m in messages {
            bodies.push(m.body().unwrap().to_owned());
            sqs.delete_message()
                .queue_url(url)
                .receipt_handle(m.receipt_handle().unwrap())
                .send()
                .await
                .unwrap();
        }
    }
}

fn txt(i: usize, bytes: usize) -> RecordSet {
    RecordSet {
        name: RecordName::parse(&format!("t{i}.sqs.example")).unwrap(),
        rtype: RecordType::Txt,
        set_identifier: None,
        ttl: Some(60),
        values: vec![format!("\"{}\"", "v".repeat(bytes))],
        alias_target: None,
        routing: Routing::default(),
    }
}

#[tokio::test]
async fn a_records_batch_over_the_limit_arrives_split_and_whole() {
    let sdk = moto_sdk().await;
    let sqs = aws_sdk_sqs::Client::new(&sdk);
    let url = create_queue(&sqs).await;
    let limit = 8_192;
    let queue = SqsQueue::new(sqs.clone(), &url, limit);
    let zone = ZoneId::parse("ZSQSSPLIT").unwrap();
    let upserts: Vec<RecordSet> = (0..120).map(|i| txt(i, 200)).collect();
    let message = Message::Records(RecordsMessage {
        before_unknown: false,
        account_id: None,
        zone_id: zone.clone(),
        observed_at: zonetrail_model::to_micros(Utc::now()),
        origin: Origin::Sweep { sweep_id: "s".into(), page: 1 },
        upserts: upserts.clone(),
        deletes: vec![],
    });
    queue.send(vec![message]).await.unwrap();

    let bodies = receive_all(&sqs, &url).await;
    assert!(bodies.len() > 3, "120 records of ~250 bytes do not fit one 8 KiB message");
    assert!(bodies.iter().all(|b| b.len() <= limit));
    let mut got: Vec<RecordSet> = bodies
        .iter()
        .flat_map(|b| match Message::from_json(b).unwrap() {
            Message::Records(r) => r.upserts,
            other => panic!("{other:?}"),
        })
        .collect();
    got.sort_by(|a, b| a.name.cmp(&b.name));
    let mut want = upserts;
    want.sort_by(|a, b| a.name.cmp(&b.name));
    assert_eq!(got, want);
}

#[tokio::test]
async fn batches_stay_within_sqs_entry_and_size_limits() {
    // moto enforces SQS's limits (10 entries, 1 MiB in all per SendMessageBatch): 25 bodies of
    // 300 KB must go out in batches small enough for it to accept every one.
    let sdk = moto_sdk().await;
    let sqs = aws_sdk_sqs::Client::new(&sdk);
    let url = create_queue(&sqs).await;
    let queue = SqsQueue::new(sqs.clone(), &url, 1_048_576);
    let bodies: Vec<String> =
        (0..25).map(|i| format!("{{\"n\":{i},\"pad\":\"{}\"}}", "p".repeat(300_000))).collect();
    queue.send_bodies(bodies.clone()).await.unwrap();
    let small: Vec<String> = (0..23).map(|i| format!("{{\"small\":{i}}}")).collect();
    queue.send_bodies(small.clone()).await.unwrap();

    let mut got = receive_all(&sqs, &url).await;
    got.sort();
    let mut want = [bodies, small].concat();
    want.sort();
    assert_eq!(got.len(), want.len());
    assert_eq!(got, want);
}

#[tokio::test]
async fn an_unreachable_queue_is_an_error_that_names_it() {
    let sdk = moto_sdk().await;
    let sqs = aws_sdk_sqs::Client::new(&sdk);
    let url =
        format!("{}/123456789012/{}", zonetrail_model::testing::aws_endpoint(), unique("missing-"));
    let queue = SqsQueue::new(sqs, &url, 262_144);
    let err = queue.send_bodies(vec!["{}".into()]).await.unwrap_err().to_string();
    assert!(err.contains(&url), "{err}");
}
