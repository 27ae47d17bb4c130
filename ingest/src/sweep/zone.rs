//! One zone's record sets, page by page, under Route 53's three-part cursor.

use aws_sdk_route53::types::RrType;
use chrono::Utc;
use zonetrail_model::{
    Message, Origin, RecordSet, RecordsMessage, SweepDone, ZoneId, split_records, to_micros,
};

use super::runner::{Sweeper, ZoneEnd};
use super::task::{RecordCursor, ZoneProgress};
use super::{ProgressEvent, SweepError};
use crate::route53::{CallError, convert};

/// A page number of the maximum width stands in while splitting, so that the real (never
/// wider) number cannot push a part over the size limit.
const WIDEST_PAGE: u32 = u32::MAX;

impl Sweeper<'_> {
    /// Read the zone's remaining pages and queue them; then its `sweep_done`.
    pub(super) async fn continue_zone(
        &mut self,
        sweep_id: &str,
        mut zone: ZoneProgress,
    ) -> Result<ZoneEnd, SweepError> {
        let span = tracing::info_span!("zone", zone_id = %zone.zone_id);
        let _enter = span.enter();
        loop {
            if self.out_of_time() {
                return Ok(ZoneEnd::Paused(zone));
            }
            let requested = zone.cursor.clone();
            let (records, next, observed_at) =
                match self.read_page(&zone.zone_id, requested.as_ref()).await {
                    Ok(page) => page,
                    Err(PageError::Gone) => {
                        self.vanished(&zone.zone_id);
                        return Ok(ZoneEnd::Vanished);
                    }
                    Err(PageError::Failed(error)) => {
                        self.fail_zone(&zone.zone_id, error);
                        return Ok(ZoneEnd::Failed);
                    }
                };
            let count = records.len();
            zone.route53_pages += 1;
            zone.record_sets += count as u64;
            zone.last_observed_at = Some(observed_at);
            self.report.route53_pages += 1;
            self.report.record_sets += count as u64;
            let page_span =
                tracing::debug_span!("page", page = zone.route53_pages, record_sets = count);
            let _page = page_span.enter();

            let sent = match self.queue_page(sweep_id, &zone, records, observed_at).await {
                Ok(sent) => sent,
                Err(QueuePageError::Unsendable(error)) => {
                    self.fail_zone(&zone.zone_id, error);
                    return Ok(ZoneEnd::Failed);
                }
                Err(QueuePageError::Queue(source)) => {
                    return Err(SweepError::Queue { sweep_id: sweep_id.to_owned(), source });
                }
            };
            zone.pages += sent;
            self.report.messages += u64::from(sent);
            self.progress.report(ProgressEvent::Page {
                zone_id: zone.zone_id.clone(),
                record_sets: count,
                zone_record_sets: zone.record_sets,
            });

            match next {
                Some(next) => {
                    // Route 53 always moves forward; a server that hands back the cursor it was
                    // given (or an empty truncated page) would have us loop for ever.
                    if requested.as_ref() == Some(&next) || count == 0 {
                        self.fail_zone(
                            &zone.zone_id,
                            format!(
                                "ListResourceRecordSets did not advance: asked from {}, got {count} record sets and the next cursor {}; stopping this zone instead of looping",
                                describe(requested.as_ref()),
                                describe(Some(&next))
                            ),
                        );
                        return Ok(ZoneEnd::Failed);
                    }
                    zone.cursor = Some(next);
                }
                None => {
                    let done = Message::SweepDone(SweepDone {
                        account_id: Some(self.account.clone()),
                        zone_id: zone.zone_id.clone(),
                        sweep_id: sweep_id.to_owned(),
                        started_at: zone.started_at,
                        observed_at,
                        pages: zone.pages,
                        record_sets: zone.record_sets,
                    });
                    self.queue.send(vec![done]).await.map_err(|source| SweepError::Queue {
                        sweep_id: sweep_id.to_owned(),
                        source,
                    })?;
                    self.report.zones_swept += 1;
                    self.progress.report(ProgressEvent::ZoneFinished {
                        zone_id: zone.zone_id.clone(),
                        pages: zone.pages,
                        record_sets: zone.record_sets,
                    });
                    tracing::info!(
                        pages = zone.pages,
                        record_sets = zone.record_sets,
                        "zone swept"
                    );
                    return Ok(ZoneEnd::Done);
                }
            }
        }
    }

    /// One ListResourceRecordSets page: its record sets, the cursor of the next page (if
    /// truncated), and when the answer arrived.
    async fn read_page(
        &self,
        zone_id: &ZoneId,
        cursor: Option<&RecordCursor>,
    ) -> Result<(Vec<RecordSet>, Option<RecordCursor>, zonetrail_model::Timestamp), PageError> {
        let id = zone_id.to_string();
        let page_size = self.record_page_size;
        let result = self
            .r53
            .call("ListResourceRecordSets", |c| {
                c.list_resource_record_sets()
                    .hosted_zone_id(id.clone())
                    .max_items(page_size)
                    .set_start_record_name(cursor.map(|c| c.name.clone()))
                    .set_start_record_type(cursor.map(|c| RrType::from(c.rtype.as_str())))
                    .set_start_record_identifier(cursor.and_then(|c| c.identifier.clone()))
                    .send()
            })
            .await;
        let out = match result {
            Ok(out) => out,
            Err(CallError::NotFound { .. }) => return Err(PageError::Gone),
            Err(e) => return Err(PageError::Failed(e.to_string())),
        };
        let observed_at = to_micros(Utc::now());
        let records = out
            .resource_record_sets()
            .iter()
            .map(convert::record_set)
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| PageError::Failed(e.to_string()))?;
        let next = if out.is_truncated() {
            let Some(name) = out.next_record_name() else {
                return Err(PageError::Failed(
                    "ListResourceRecordSets said IsTruncated but gave no NextRecordName".into(),
                ));
            };
            Some(RecordCursor {
                name: name.to_owned(),
                rtype: out.next_record_type().map(|t| t.as_str().to_owned()).unwrap_or_default(),
                identifier: out.next_record_identifier().map(str::to_owned),
            })
        } else {
            None
        };
        Ok((records, next, observed_at))
    }

    /// Queue one Route 53 page as one or more `records` messages; returns how many.
    async fn queue_page(
        &self,
        sweep_id: &str,
        zone: &ZoneProgress,
        records: Vec<RecordSet>,
        observed_at: zonetrail_model::Timestamp,
    ) -> Result<u32, QueuePageError> {
        let whole = RecordsMessage {
            account_id: Some(self.account.clone()),
            zone_id: zone.zone_id.clone(),
            observed_at,
            origin: Origin::Sweep { sweep_id: sweep_id.to_owned(), page: WIDEST_PAGE },
            upserts: records,
            deletes: Vec::new(),
            before_unknown: false,
        };
        let parts = split_records(whole, self.queue.max_message_bytes())
            .map_err(|e| QueuePageError::Unsendable(e.to_string()))?;
        let sent = parts.len() as u32;
        let messages = parts
            .into_iter()
            .zip(zone.pages + 1..)
            .map(|(mut part, page)| {
                part.origin = Origin::Sweep { sweep_id: sweep_id.to_owned(), page };
                Message::Records(part)
            })
            .collect();
        self.queue.send(messages).await.map_err(QueuePageError::Queue)?;
        Ok(sent)
    }
}

enum PageError {
    /// The zone is gone.
    Gone,
    Failed(String),
}

enum QueuePageError {
    /// A record set too large for any message: this zone cannot be swept under the limit.
    Unsendable(String),
    Queue(crate::queue::QueueError),
}

fn describe(cursor: Option<&RecordCursor>) -> String {
    match cursor {
        None => "the start".into(),
        Some(c) => {
            format!("(name {:?}, type {:?}, identifier {:?})", c.name, c.rtype, c.identifier)
        }
    }
}
