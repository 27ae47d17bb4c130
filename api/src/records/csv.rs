//! `/api/records.csv`: every record set matching the filters, streamed.
//!
//! The body is produced page by page with the same keyset query as `/api/records`, so memory
//! stays at one page however large the export. The first page is read before the response
//! starts, so a bad filter is a 400 and an unavailable database a 503, not a broken download;
//! a failure later can only end the stream early (the client sees an incomplete transfer).

use axum::body::Body;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use futures::StreamExt;
use std::fmt::Write as _;

use super::filter::{RecordFilter, RecordParams};
use super::query::{Budget, RecordPage, list_records};
use super::view::{RecordContent, RecordView, RoutingView};
use crate::error::ErrorBody;
use crate::extract::ApiQuery;
use crate::page::parse_limit;
use crate::timetravel::routes::records_as_of_page;
use crate::{ApiResult, AppState, timestamp};

/// Rows read per database round trip.
const PAGE: u64 = 1000;

const HEADER: &[&str] = &[
    "id",
    "account_id",
    "zone_id",
    "zone_name",
    "name",
    "type",
    "set_identifier",
    "ttl",
    "values",
    "alias_target",
    "routing",
    "observed_at",
    "deleted_at",
    "findings",
    "owner",
    "team",
    "ticket",
    "managed_by",
];

/// Export the matching record sets as CSV (RFC 4180). The export holds every match: `cursor`
/// is ignored, and `limit` is checked like `/api/records` checks it, then ignored.
#[utoipa::path(
    get,
    path = "/api/records.csv",
    tag = "records",
    params(RecordParams),
    responses(
        (status = 200, description = "CSV with a header row: id, account_id (empty when not known), zone_id, zone_name, name, type, set_identifier, ttl, values (joined with \"; \"), alias_target, routing (a summary), observed_at, deleted_at, findings (the kinds of the record's open findings, space-separated; empty as of a past time), owner, team, ticket (the record's annotation, else its zone's; a value starting with =, +, -, @ or a tab gets a leading ' so that a spreadsheet shows it as text; empty as of a past time), managed_by (the external-dns attribution in words)", content_type = "text/csv", body = String),
        (status = 400, description = "A bad filter, limit or `as_of`", body = ErrorBody),
        (status = 503, description = "The database is unavailable", body = ErrorBody),
    )
)]
pub async fn export_csv(
    State(state): State<AppState>,
    ApiQuery(params): ApiQuery<RecordParams>,
) -> ApiResult<Response> {
    if let Some(as_of) =
        crate::timetravel::routes::non_empty(params.as_of.as_deref()).map(str::to_owned)
    {
        return export_csv_as_of(state, params, as_of).await;
    }
    let filter = RecordFilter::parse(&params)?;
    // A link copied from the list carries its limit; a malformed one is still a bad request.
    parse_limit(params.limit.as_deref())?;
    let budget = Budget { limit: PAGE, q_scan: state.config.q_scan_budget };
    let first = list_records(&state.db, Some(&state.names), &filter, None, budget).await?;

    let mut head = String::new();
    write_row(&mut head, HEADER.iter().map(|s| s.to_string()));
    let next = first.next_cursor.clone();
    write_page(&mut head, first);
    let db = state.db.clone();
    let names = state.names.clone();
    let rest = futures::stream::unfold(next, move |cursor| {
        let db = db.clone();
        let names = names.clone();
        let filter = filter.clone();
        async move {
            let cursor = cursor?;
            match list_records(&db, Some(&names), &filter, Some(&cursor), budget).await {
                Ok(page) => {
                    let mut chunk = String::new();
                    let next = page.next_cursor.clone();
                    write_page(&mut chunk, page);
                    Some((Ok(Bytes::from(chunk)), next))
                }
                Err(e) => {
                    tracing::error!(error = %e, "CSV export stopped: reading the next page failed");
                    Some((Err(std::io::Error::other("reading the next page failed")), None))
                }
            }
        }
    });
    Ok(csv_response(head, rest))
}

/// The CSV of `/api/records.csv?as_of=`: the rows `/api/records?as_of=` lists, page by page.
async fn export_csv_as_of(
    state: AppState,
    params: RecordParams,
    as_of: String,
) -> ApiResult<Response> {
    parse_limit(params.limit.as_deref())?;
    let (rows, next) = records_as_of_page(&state, &params, &as_of, None, PAGE).await?;
    let mut head = String::new();
    write_row(&mut head, HEADER.iter().map(|s| s.to_string()));
    for row in rows {
        write_record(&mut head, &row.into_view());
    }
    let params = std::sync::Arc::new(params);
    let rest = futures::stream::unfold(next, move |cursor| {
        let state = state.clone();
        let params = params.clone();
        let as_of = as_of.clone();
        async move {
            let cursor = cursor?;
            match records_as_of_page(&state, &params, &as_of, Some(&cursor), PAGE).await {
                Ok((rows, next)) => {
                    let mut chunk = String::new();
                    for row in rows {
                        write_record(&mut chunk, &row.into_view());
                    }
                    Some((Ok(Bytes::from(chunk)), next))
                }
                Err(e) => {
                    tracing::error!(error = %e, "CSV export stopped: reading the next page failed");
                    Some((Err(std::io::Error::other("reading the next page failed")), None))
                }
            }
        }
    });
    Ok(csv_response(head, rest))
}

fn csv_response(
    head: String,
    rest: impl futures::Stream<Item = Result<Bytes, std::io::Error>> + Send + 'static,
) -> Response {
    // Fused: the compression layer may poll once more after the end.
    let body = futures::stream::once(async move { Ok::<_, std::io::Error>(Bytes::from(head)) })
        .chain(rest)
        .fuse();
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (header::CONTENT_DISPOSITION, "attachment; filename=\"zonetrail-records.csv\""),
        ],
        Body::from_stream(body),
    )
        .into_response()
}

/// A page of live records with their open findings and annotations.
fn write_page(out: &mut String, mut page: RecordPage) {
    for row in std::mem::take(&mut page.items) {
        let extras = page.extras_of(row.id);
        let mut view = row.into_view();
        view.findings = extras.findings.to_vec();
        view.annotation = extras.annotation.cloned();
        view.attribution = extras.attribution.cloned();
        write_record(out, &view);
    }
}

/// Free text as a spreadsheet should show it: a leading `=`, `+`, `-`, `@`, tab or carriage
/// return would start a formula, so such a value gets a leading `'`.
fn as_text(value: Option<&str>) -> String {
    match value {
        Some(v) if v.starts_with(['=', '+', '-', '@', '\t', '\r']) => format!("'{v}"),
        Some(v) => v.to_owned(),
        None => String::new(),
    }
}

fn write_record(out: &mut String, r: &RecordView) {
    let c: &RecordContent = &r.content;
    write_row(
        out,
        [
            r.id.to_string(),
            r.account_id.clone().unwrap_or_default(),
            r.zone_id.clone(),
            r.zone_name.clone().unwrap_or_default(),
            c.name.clone(),
            c.record_type.clone(),
            c.set_identifier.clone().unwrap_or_default(),
            c.ttl.map(|t| t.to_string()).unwrap_or_default(),
            c.values.join("; "),
            c.alias_target
                .as_ref()
                .map(|a| {
                    let health =
                        if a.evaluate_target_health { ", evaluates target health" } else { "" };
                    format!("{} ({}{health})", a.dns_name, a.hosted_zone_id)
                })
                .unwrap_or_default(),
            routing_summary(&c.routing),
            timestamp::format(&r.observed_at),
            r.deleted_at.as_ref().map(timestamp::format).unwrap_or_default(),
            r.findings.iter().map(|f| f.kind.as_str()).collect::<Vec<_>>().join(" "),
            as_text(r.annotation.as_ref().and_then(|a| a.annotation.fields.owner.as_deref())),
            as_text(r.annotation.as_ref().and_then(|a| a.annotation.fields.team.as_deref())),
            as_text(r.annotation.as_ref().and_then(|a| a.annotation.fields.ticket.as_deref())),
            r.attribution.as_ref().map(|a| a.summary.clone()).unwrap_or_default(),
        ],
    );
}

/// `weight=70 region=us-east-1 …`: the routing members a record uses, for a spreadsheet.
fn routing_summary(r: &RoutingView) -> String {
    let mut parts: Vec<String> = Vec::new();
    if let Some(w) = r.weight {
        parts.push(format!("weight={w}"));
    }
    if let Some(region) = &r.region {
        parts.push(format!("region={region}"));
    }
    if let Some(f) = &r.failover {
        parts.push(format!("failover={f}"));
    }
    if let Some(g) = &r.geo_location {
        let code = [&g.continent_code, &g.country_code, &g.subdivision_code]
            .into_iter()
            .flatten()
            .cloned()
            .collect::<Vec<_>>()
            .join("/");
        parts.push(format!("geo={code}"));
    }
    if let Some(g) = &r.geoproximity_location {
        let mut s = String::from("geoproximity=");
        if let Some(region) = &g.aws_region {
            s.push_str(region);
        } else if let Some(group) = &g.local_zone_group {
            s.push_str(group);
        } else if let Some(c) = &g.coordinates {
            let _ = write!(s, "{},{}", c.latitude, c.longitude);
        }
        if let Some(bias) = g.bias {
            let _ = write!(s, ":bias={bias}");
        }
        parts.push(s);
    }
    if let Some(c) = &r.cidr_routing {
        parts.push(format!("cidr={}/{}", c.collection_id, c.location_name));
    }
    if r.multivalue_answer == Some(true) {
        parts.push("multivalue".into());
    }
    if let Some(h) = &r.health_check_id {
        parts.push(format!("health_check={h}"));
    }
    if let Some(t) = &r.traffic_policy_instance_id {
        parts.push(format!("traffic_policy_instance={t}"));
    }
    parts.join(" ")
}

/// One CSV line, CRLF-terminated; a field with a comma, quote or line break is quoted and its
/// quotes doubled (RFC 4180).
fn write_row(out: &mut String, fields: impl IntoIterator<Item = String>) {
    for (i, field) in fields.into_iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        if field.contains([',', '"', '\r', '\n']) {
            out.push('"');
            out.push_str(&field.replace('"', "\"\""));
            out.push('"');
        } else {
            out.push_str(&field);
        }
    }
    out.push_str("\r\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_per_rfc_4180() {
        let mut out = String::new();
        write_row(
            &mut out,
            [
                "a".to_string(),
                "b,c".into(),
                "say \"hi\"".into(),
                "two\nlines".into(),
                String::new(),
            ],
        );
        assert_eq!(out, "a,\"b,c\",\"say \"\"hi\"\"\",\"two\nlines\",\r\n");
    }

    #[test]
    fn free_text_never_starts_a_formula() {
        assert_eq!(as_text(Some("=HYPERLINK(\"x\")")), "'=HYPERLINK(\"x\")");
        assert_eq!(as_text(Some("-ops")), "'-ops");
        assert_eq!(as_text(Some("@team")), "'@team");
        assert_eq!(as_text(Some("alice")), "alice");
        assert_eq!(as_text(None), "");
    }
}
