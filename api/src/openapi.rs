//! The OpenAPI 3.1 document, generated from the handlers and types by utoipa. It is the one
//! contract between the API and the dashboard: web/src/lib/openapi.json is a copy of it, and
//! the dashboard's types are generated from that copy (web/scripts/gen-api-types.sh); a test
//! fails when the copy and this document differ.

use axum::http::header;
use axum::response::IntoResponse;
use bytes::Bytes;
use std::sync::LazyLock;
use utoipa::openapi::schema::{ArrayItems, Schema};
use utoipa::openapi::{RefOr, Responses};
use utoipa::{Modify, OpenApi};

use crate::timetravel::routes::SPARSE_SCHEMAS;
use crate::{
    accounts, annotations, error, findings, health, history, records, stats, timetravel, zones,
};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "zonetrail",
        description = "Read API of the zonetrail inventory: every DNS record set in every Route 53 hosted zone of one or more AWS accounts, with its change history.\n\nLists answer `{\"items\": [...], \"next_cursor\": \"...\" | null}`; pass `next_cursor` back as `cursor` for the next page. Every member of every object is always present: `null` where there is no value, `[]` for no values.\n\nErrors answer `{\"error\": \"...\"}` (`ErrorBody`): 400 for bad input, 404 for an unknown id or path, 405 for a method other than GET, 503 when the database is unavailable; nothing a caller sends produces a 500. Deployed on AWS, API Gateway's JWT authorizer answers 401 `{\"message\": \"Unauthorized\"}` before the API sees a request without a valid token.\n\n`zonetrail up` also accepts `POST /local/events` (EventBridge JSON, from loopback only); that is the local stand-in for the EventBridge rule, not part of this read API."
    ),
    paths(
        health::healthz,
        stats::stats,
        zones::list_zones,
        accounts::list_accounts,
        records::list_records,
        records::get_record,
        records::csv::export_csv,
        history::record_history,
        history::change_feed,
        findings::list_findings,
        annotations::routes::put_record_annotation,
        annotations::routes::delete_record_annotation,
        annotations::routes::put_zone_annotation,
        annotations::routes::delete_zone_annotation,
        annotations::routes::me,
        timetravel::routes::diff_route,
        timetravel::routes::restore_route,
        timetravel::routes::zonefile_route,
        openapi_json,
    ),
    components(schemas(error::ErrorBody)),
    modifiers(&EveryMemberRequired),
    tags(
        (name = "records", description = "Record sets: list, filter, look up, export"),
        (name = "history", description = "Change history of one record set, the feed of every change, and what changed between two times"),
        (name = "findings", description = "Findings: records that point at something no account in scope owns, and DNS hygiene"),
        (name = "inventory", description = "Accounts, zones and counts; a zone's restore to a past time and its zone file"),
        (name = "annotations", description = "Who owns a record set or a zone: annotations editors set, and who may edit"),
        (name = "meta", description = "Health and this document"),
    )
)]
pub struct ApiDoc;

/// The API never leaves a member out of an object: one without a value is `null`
/// (docs/design.md, "Read API"). utoipa marks `Option` and `#[serde(default)]` fields
/// optional, so every property of every object is made required here, once, instead of on
/// each field; a test checks the rule against served JSON. Nullability stays as utoipa
/// derives it from `Option`.
struct EveryMemberRequired;

impl Modify for EveryMemberRequired {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        if let Some(components) = doc.components.as_mut() {
            components
                .schemas
                .iter_mut()
                .filter(|(name, _)| !SPARSE_SCHEMAS.contains(&name.as_str()))
                .for_each(|(_, schema)| require_every_member(schema));
        }
        for (path, item) in doc.paths.paths.iter_mut() {
            if let Some(op) = item.get.as_mut() {
                require_in_responses(&mut op.responses);
                // Query parameters that must be given (their fields are `String`s defaulting
                // to empty, so that a missing one gets the route's own 400 message).
                for param in op.parameters.iter_mut().flatten() {
                    if REQUIRED_QUERY.contains(&(path.as_str(), param.name.as_str())) {
                        param.required = utoipa::openapi::Required::True;
                    }
                }
            }
        }
    }
}

/// `(path, query parameter)` pairs that are required.
const REQUIRED_QUERY: &[(&str, &str)] = &[("/api/diff", "from"), ("/api/zones/{id}/restore", "to")];

fn require_in_responses(responses: &mut Responses) {
    for response in responses.responses.values_mut() {
        if let RefOr::T(response) = response {
            for content in response.content.values_mut() {
                if let Some(schema) = content.schema.as_mut() {
                    require_every_member(schema);
                }
            }
        }
    }
}

fn require_every_member(schema: &mut RefOr<Schema>) {
    let RefOr::T(schema) = schema else { return };
    match schema {
        Schema::Object(object) => {
            object.required = object.properties.keys().cloned().collect();
            object.properties.values_mut().for_each(require_every_member);
        }
        Schema::Array(array) => {
            if let ArrayItems::RefOrSchema(items) = &mut array.items {
                require_every_member(items);
            }
        }
        Schema::AllOf(all) => all.items.iter_mut().for_each(require_every_member),
        Schema::OneOf(one) => one.items.iter_mut().for_each(require_every_member),
        Schema::AnyOf(any) => any.items.iter_mut().for_each(require_every_member),
        _ => {}
    }
}

/// The document as `/api/openapi.json` serves it (pretty-printed JSON). The dashboard's types
/// are generated from a checked-in copy: web/scripts/gen-api-types.sh.
pub fn document() -> String {
    ApiDoc::openapi().to_pretty_json().expect("the OpenAPI document always serialises")
}

static DOCUMENT: LazyLock<Bytes> = LazyLock::new(|| Bytes::from(document()));

/// This document.
#[utoipa::path(
    get,
    path = "/api/openapi.json",
    tag = "meta",
    responses((status = 200, description = "The OpenAPI 3.1 document", content_type = "application/json", body = Object))
)]
pub async fn openapi_json() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "application/json")], DOCUMENT.clone())
}
