//! Carrying out a decoded event: send its messages, then the Route 53 read it asks for.

use chrono::Utc;
use serde_json::Value;
use zonetrail_model::{AccountId, Message, ZoneChange, ZoneId, ZoneMessage, to_micros};

use super::{Decoded, EventError, EventPlan, FollowUp, IgnoreReason, decode_event};
use crate::State;
use crate::route53::{CallError, Route53, convert};
use crate::sweep::{NoProgress, SweepReport, SweepTask, sweep_zone};

#[derive(Debug)]
pub enum EventOutcome {
    Applied {
        event_id: String,
        event_name: String,
        zone_id: ZoneId,
        /// Messages queued (before splitting).
        messages: usize,
        sweep: Option<TargetedSweep>,
    },
    Ignored {
        event_id: Option<String>,
        event_name: Option<String>,
        reason: IgnoreReason,
    },
    /// A resource event (findings): the kinds it changes were re-listed and sent.
    Resources(crate::resources::ResourceEventOutcome),
}

#[derive(Debug)]
pub enum TargetedSweep {
    /// Put on the sweep queue for the next ingest invocation.
    Queued { sweep_id: String },
    /// Run here and now (no sweep queue configured: the CLI and the local stack).
    Ran(SweepReport),
}

/// Decode one EventBridge event and queue what it means. A malformed event (an account id
/// that is not one included) sends nothing; an event of an account out of scope, or of no
/// account at all, is logged and ignored.
///
/// A resource event (EC2, S3, CloudFront, Elastic Beanstalk, Route 53 health checks) goes to
/// [`crate::resources::ingest_resource_event`]; an ignored one answers `Ignored`.
pub async fn ingest_event(state: &State, event: &Value) -> Result<EventOutcome, EventError> {
    if crate::resources::is_resource_event(event) {
        let outcome = crate::resources::ingest_resource_event(
            &state.accounts,
            &state.config.resources,
            state.queue.as_ref(),
            event,
        )
        .await?;
        return Ok(match outcome {
            crate::resources::ResourceEventOutcome::Ignored { event_id, event_name, reason } => {
                EventOutcome::Ignored { event_id, event_name, reason }
            }
            relisted => EventOutcome::Resources(relisted),
        });
    }
    let decoded = decode_event(event).inspect_err(|error| {
        tracing::error!(%error, "malformed event rejected; nothing sent");
    })?;
    match decoded {
        Decoded::Ignored { event_id, event_name, reason } => {
            Ok(ignored(event_id, event_name, reason))
        }
        Decoded::Plan(plan) => {
            let Some(account) = plan.account_id.clone() else {
                return Ok(ignored(
                    Some(plan.event_id),
                    Some(plan.event_name),
                    IgnoreReason::NoAccount,
                ));
            };
            if !state.contains(&account).await {
                return Ok(ignored(
                    Some(plan.event_id),
                    Some(plan.event_name),
                    IgnoreReason::OutOfScope(account),
                ));
            }
            apply(state, account, plan).await
        }
    }
}

fn ignored(
    event_id: Option<String>,
    event_name: Option<String>,
    reason: IgnoreReason,
) -> EventOutcome {
    tracing::info!(event_id = ?event_id, event_name = ?event_name, %reason, "event ignored");
    EventOutcome::Ignored { event_id, event_name, reason }
}

/// Every message of the event names its account.
pub(crate) fn in_account(message: &mut Message, account: &AccountId) {
    let slot = match message {
        Message::Records(m) => &mut m.account_id,
        Message::Zone(m) => &mut m.account_id,
        Message::SweepDone(m) => &mut m.account_id,
        Message::ZonesListed(_)
        | Message::AccountStatus(_)
        | Message::BackfillProgress(_)
        | Message::Resources(_)
        | Message::IpRanges(_) => {
            return;
        }
    };
    *slot = Some(account.clone());
}

async fn apply(
    state: &State,
    account: AccountId,
    plan: EventPlan,
) -> Result<EventOutcome, EventError> {
    let EventPlan { event_id, event_name, zone_id, origin, messages, follow_up, .. } = plan;
    let span =
        tracing::info_span!("event", %event_id, %event_name, %zone_id, account_id = %account);
    let _enter = span.enter();
    let mut messages = messages;
    messages.iter_mut().for_each(|m| in_account(m, &account));
    if follow_up == Some(FollowUp::RefreshZone) {
        let route53 = Route53::new(state.route53_for(&account), &state.config.sweep);
        let id = zone_id.to_string();
        match route53.call("GetHostedZone", |c| c.get_hosted_zone().id(id.clone()).send()).await {
            Ok(out) => {
                let observed_at = to_micros(Utc::now());
                let zone = out
                    .hosted_zone()
                    .ok_or_else(|| "GetHostedZone returned no hosted zone".to_owned())
                    .and_then(|z| convert::hosted_zone(z, out.vpcs()).map_err(|e| e.to_string()))
                    .map_err(|reason| EventError::Refresh {
                        event_id: event_id.clone(),
                        zone_id: zone_id.clone(),
                        reason,
                    })?;
                messages.push(Message::Zone(ZoneMessage {
                    account_id: Some(account.clone()),
                    zone_id: zone_id.clone(),
                    observed_at,
                    origin,
                    change: ZoneChange::Present(zone),
                }));
            }
            // Deleted since: its DeleteHostedZone event (or the next sweep) says so.
            Err(CallError::NotFound { .. }) => {
                tracing::info!("hosted zone no longer exists; nothing to refresh")
            }
            Err(e) => return Err(EventError::Refresh { event_id, zone_id, reason: e.to_string() }),
        }
    }
    let count = messages.len();
    if !messages.is_empty() {
        state
            .queue
            .send(messages)
            .await
            .map_err(|source| EventError::Queue { event_id: event_id.clone(), source })?;
    }
    let sweep = match follow_up {
        Some(FollowUp::SweepZone { reason }) => {
            Some(targeted_sweep(state, &account, &event_id, &zone_id, &reason).await?)
        }
        _ => None,
    };
    tracing::info!(messages = count, "event applied");
    Ok(EventOutcome::Applied { event_id, event_name, zone_id, messages: count, sweep })
}

async fn targeted_sweep(
    state: &State,
    account: &AccountId,
    event_id: &str,
    zone_id: &ZoneId,
    reason: &str,
) -> Result<TargetedSweep, EventError> {
    match &state.sweep_queue {
        Some(sweep_queue) => {
            let task = SweepTask::zone(zone_id.clone()).in_account(account.clone(), None);
            tracing::info!(sweep_id = %task.sweep_id, reason, "queueing a targeted sweep");
            sweep_queue
                .send_bodies(vec![task.to_json()])
                .await
                .map_err(|source| EventError::Queue { event_id: event_id.to_owned(), source })?;
            Ok(TargetedSweep::Queued { sweep_id: task.sweep_id })
        }
        None => {
            tracing::info!(reason, "running a targeted sweep");
            let report =
                sweep_zone(state, account, zone_id, &NoProgress).await.map_err(|source| {
                    EventError::Sweep {
                        event_id: event_id.to_owned(),
                        zone_id: zone_id.clone(),
                        source,
                    }
                })?;
            if let Some(failure) = report.failures.first() {
                return Err(EventError::ZoneSweepFailed {
                    event_id: event_id.to_owned(),
                    zone_id: zone_id.clone(),
                    reason: failure.error.clone(),
                });
            }
            Ok(TargetedSweep::Ran(report))
        }
    }
}
