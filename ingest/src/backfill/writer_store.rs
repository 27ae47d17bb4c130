//! The Lambda's [`BackfillStore`]: the ingest has no database access, so it asks the writer
//! function (`ZONETRAIL_WRITER_FUNCTION`) with a synchronous Invoke of
//! `{"backfill_windows": {"account_id": ".."}}`, which answers `{"windows": [...]}` (each a
//! `backfill_progress` message body; docs/contracts.md, "Backfill").

use futures::future::BoxFuture;
use serde::Deserialize;
use zonetrail_model::{AccountId, BackfillProgress};

use super::BackfillStore;

pub struct WriterFunctionStore {
    client: aws_sdk_lambda::Client,
    function: String,
}

#[derive(Deserialize)]
struct Answer {
    windows: Vec<serde_json::Value>,
}

impl WriterFunctionStore {
    pub fn new(client: aws_sdk_lambda::Client, function: impl Into<String>) -> Self {
        Self { client, function: function.into() }
    }

    /// A Lambda client from the shared configuration (the SDK's own retries are kept: an
    /// Invoke of a read is safe to repeat).
    pub fn from_sdk(sdk: &aws_config::SdkConfig, function: impl Into<String>) -> Self {
        Self::new(aws_sdk_lambda::Client::new(sdk), function)
    }

    async fn read(&self, account: &AccountId) -> Result<Vec<BackfillProgress>, String> {
        let payload = serde_json::json!({"backfill_windows": {"account_id": account.as_str()}});
        let out = self
            .client
            .invoke()
            .function_name(&self.function)
            .invocation_type(aws_sdk_lambda::types::InvocationType::RequestResponse)
            .payload(aws_smithy_types::Blob::new(payload.to_string()))
            .send()
            .await
            .map_err(|e| {
                format!(
                    "invoking {}: {}",
                    self.function,
                    aws_sdk_lambda::error::DisplayErrorContext(&e)
                )
            })?;
        let body = out.payload().map(|b| b.as_ref()).unwrap_or_default();
        if let Some(kind) = out.function_error() {
            return Err(format!(
                "{} failed ({kind}): {}",
                self.function,
                String::from_utf8_lossy(&body[..body.len().min(500)])
            ));
        }
        let answer: Answer = serde_json::from_slice(body).map_err(|e| {
            format!("{} answered something other than {{\"windows\": [...]}}: {e}", self.function)
        })?;
        answer
            .windows
            .into_iter()
            .map(|w| {
                // Either the message body (`{"v": 1, "kind": "backfill_progress", ...}`) or
                // the bare progress.
                let progress = match zonetrail_model::Message::from_json(&w.to_string()) {
                    Ok(zonetrail_model::Message::BackfillProgress(p)) => Ok(p),
                    _ => BackfillProgress::deserialize(&w).map_err(|e| e.to_string()),
                };
                progress.map_err(|e| {
                    format!("{} answered a window that does not parse: {e}", self.function)
                })
            })
            .collect()
    }
}

impl BackfillStore for WriterFunctionStore {
    fn windows<'a>(
        &'a self,
        account: &'a AccountId,
    ) -> BoxFuture<'a, Result<Vec<BackfillProgress>, String>> {
        Box::pin(self.read(account))
    }
}
