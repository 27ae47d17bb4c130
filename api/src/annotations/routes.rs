//! `PUT`/`DELETE /api/records/{id}/annotation`, `PUT`/`DELETE /api/zones/{id}/annotation`
//! and `GET /api/me`.

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use sea_orm::EntityTrait;
use utoipa::openapi::{RefOr, Schema};
use utoipa::{PartialSchema, ToSchema};
use zonetrail_model::ZoneId;
use zonetrail_model::entity::{hosted_zones, record_sets};

use super::auth::Caller;
use super::store::{self, Key};
use super::{Annotation, AnnotationFields, Me, NOTES_MAX, OWNER_MAX, TEAM_MAX, TICKET_MAX};
use crate::error::ErrorBody;
use crate::extract::{ApiPath, parse_id};
use crate::{ApiError, ApiResult, AppState};

/// The body of a `PUT`: the whole annotation. Each member is optional; absent, `null` or
/// blank means not set; none set clears the annotation.
pub struct AnnotationInput;

/// Control characters (Cc) are refused; notes may hold tabs and line breaks.
const SINGLE_LINE: &str = r"^[^\u0000-\u001F\u007F-\u009F]*$";
const MULTI_LINE: &str = r"^[^\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]*$";

impl PartialSchema for AnnotationInput {
    fn schema() -> RefOr<Schema> {
        let field = |max: usize, pattern: &str, what: &str| {
            serde_json::json!({
                "type": ["string", "null"],
                "maxLength": max,
                "pattern": pattern,
                "description": what,
            })
        };
        let doc = serde_json::json!({
            "type": "object",
            "description": "The whole annotation: a PUT replaces every member. Absent, null or blank (after trimming) means not set; a PUT with no member set clears the annotation, as DELETE does. Unknown members, longer values and control characters are a 400 that names the member.",
            "additionalProperties": false,
            "properties": {
                "owner": field(OWNER_MAX, SINGLE_LINE, "Who owns it: a person, an address, a group."),
                "team": field(TEAM_MAX, SINGLE_LINE, "The team that owns it."),
                "ticket": field(TICKET_MAX, SINGLE_LINE, "A ticket or a link, as free text or a URL."),
                "notes": field(NOTES_MAX, MULTI_LINE, "Why it exists: plain text (tabs and line breaks allowed), never rendered as HTML."),
            },
        });
        serde_json::from_value(doc).expect("the annotation input schema is a schema")
    }
}

impl ToSchema for AnnotationInput {}

/// The caller, refused with 403 unless an editor.
fn editor(parts: &Parts, state: &AppState) -> ApiResult<String> {
    match Caller::of(parts, &state.config.edits) {
        Caller::Editor(who) => Ok(who),
        Caller::Reader { reason, .. } => Err(ApiError::Forbidden(reason)),
    }
}

async fn record_key(state: &AppState, raw: &str) -> ApiResult<Key> {
    let id = parse_id(raw, "record id")?;
    let row = record_sets::Entity::find_by_id(id)
        .one(&state.db)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("no record set has id {id}")))?;
    Ok(Key {
        zone_id: row.zone_id,
        name: row.name,
        record_type: row.record_type,
        set_identifier: row.set_identifier,
    })
}

async fn zone_key(state: &AppState, raw: &str) -> ApiResult<Key> {
    let zone =
        ZoneId::parse(raw.trim()).map_err(|e| ApiError::bad_request(format!("zone id: {e}")))?;
    hosted_zones::Entity::find_by_id(zone.as_str().to_owned())
        .one(&state.db)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("no hosted zone {zone}")))?;
    Ok(Key::zone(zone.as_str()))
}

async fn put(
    state: &AppState,
    parts: &Parts,
    key: ApiResult<Key>,
    body: &[u8],
) -> ApiResult<Response> {
    let who = editor(parts, state)?;
    let key = key?;
    let fields = AnnotationFields::from_body(body)?;
    if fields.is_empty() {
        // Nothing set: the annotation is cleared, as DELETE does.
        return delete(state, parts, Ok(key)).await;
    }
    let saved = store::set(&state.db, &key, &fields, &who).await?;
    tracing::info!(zone = %key.zone_id, name = %key.name, r#type = %key.record_type, set_identifier = %key.set_identifier, version = saved.version, editor = %who, "annotation set");
    Ok(Json(saved).into_response())
}

async fn delete(state: &AppState, parts: &Parts, key: ApiResult<Key>) -> ApiResult<Response> {
    let who = editor(parts, state)?;
    let key = key?;
    if store::clear(&state.db, &key, &who).await? {
        tracing::info!(zone = %key.zone_id, name = %key.name, r#type = %key.record_type, set_identifier = %key.set_identifier, editor = %who, "annotation cleared");
    }
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// Set a record set's annotation (editors only). Kept by the record's key, so it stays with
/// the record across sweeps, value changes, and a delete followed by a re-create.
#[utoipa::path(
    put,
    path = "/api/records/{id}/annotation",
    tag = "annotations",
    params(("id" = i64, Path, description = "The record set's id", minimum = 1)),
    request_body(content = inline(AnnotationInput), content_type = "application/json"),
    responses(
        (status = 200, description = "The annotation as saved (last write wins; every edit is in the record's history)", body = Annotation),
        (status = 204, description = "No member set: the annotation is cleared (or there was none)"),
        (status = 400, description = "A bad id or body; the message names the member", body = ErrorBody),
        (status = 403, description = "Not an editor", body = ErrorBody),
        (status = 404, description = "No record set has this id", body = ErrorBody),
        (status = 503, description = "The database is unavailable", body = ErrorBody),
    )
)]
pub async fn put_record_annotation(
    State(state): State<AppState>,
    parts: Parts,
    ApiPath(id): ApiPath<String>,
    body: Bytes,
) -> ApiResult<Response> {
    let key = record_key(&state, &id).await;
    put(&state, &parts, key, &body).await
}

/// Clear a record set's annotation (editors only); its zone's shows again. Clearing none
/// changes nothing.
#[utoipa::path(
    delete,
    path = "/api/records/{id}/annotation",
    tag = "annotations",
    params(("id" = i64, Path, description = "The record set's id", minimum = 1)),
    responses(
        (status = 204, description = "Cleared (or there was none)"),
        (status = 400, description = "A bad id", body = ErrorBody),
        (status = 403, description = "Not an editor", body = ErrorBody),
        (status = 404, description = "No record set has this id", body = ErrorBody),
        (status = 503, description = "The database is unavailable", body = ErrorBody),
    )
)]
pub async fn delete_record_annotation(
    State(state): State<AppState>,
    parts: Parts,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<Response> {
    let key = record_key(&state, &id).await;
    delete(&state, &parts, key).await
}

/// Set a hosted zone's annotation (editors only): every record of the zone without an
/// annotation of its own shows it, marked inherited.
#[utoipa::path(
    put,
    path = "/api/zones/{id}/annotation",
    tag = "annotations",
    params(("id" = String, Path, description = "The hosted zone id, with or without `/hostedzone/`", example = "Z0123456789ABC", pattern = r"^\s*(/?hostedzone/)?[A-Za-z0-9]{1,32}\s*$")),
    request_body(content = inline(AnnotationInput), content_type = "application/json"),
    responses(
        (status = 200, description = "The annotation as saved", body = Annotation),
        (status = 204, description = "No member set: the annotation is cleared (or there was none)"),
        (status = 400, description = "A bad zone id or body; the message names the member", body = ErrorBody),
        (status = 403, description = "Not an editor", body = ErrorBody),
        (status = 404, description = "No hosted zone has this id", body = ErrorBody),
        (status = 503, description = "The database is unavailable", body = ErrorBody),
    )
)]
pub async fn put_zone_annotation(
    State(state): State<AppState>,
    parts: Parts,
    ApiPath(id): ApiPath<String>,
    body: Bytes,
) -> ApiResult<Response> {
    let key = zone_key(&state, &id).await;
    put(&state, &parts, key, &body).await
}

/// Clear a hosted zone's annotation (editors only).
#[utoipa::path(
    delete,
    path = "/api/zones/{id}/annotation",
    tag = "annotations",
    params(("id" = String, Path, description = "The hosted zone id, with or without `/hostedzone/`", example = "Z0123456789ABC", pattern = r"^\s*(/?hostedzone/)?[A-Za-z0-9]{1,32}\s*$")),
    responses(
        (status = 204, description = "Cleared (or there was none)"),
        (status = 400, description = "A bad zone id", body = ErrorBody),
        (status = 403, description = "Not an editor", body = ErrorBody),
        (status = 404, description = "No hosted zone has this id", body = ErrorBody),
        (status = 503, description = "The database is unavailable", body = ErrorBody),
    )
)]
pub async fn delete_zone_annotation(
    State(state): State<AppState>,
    parts: Parts,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<Response> {
    let key = zone_key(&state, &id).await;
    delete(&state, &parts, key).await
}

/// Who the caller is and whether they may edit annotations; the dashboard shows edit
/// controls only to editors.
#[utoipa::path(
    get,
    path = "/api/me",
    tag = "annotations",
    responses((status = 200, description = "The caller", body = Me))
)]
pub async fn me(State(state): State<AppState>, parts: Parts) -> Json<Me> {
    Json(match Caller::of(&parts, &state.config.edits) {
        Caller::Editor(who) => Me { can_edit: true, who: Some(who), reason: None },
        Caller::Reader { who, reason } => Me { can_edit: false, who, reason: Some(reason) },
    })
}
