//! zonetrail's read API: one axum [`Router`] that Lambda (`api-lambda`, behind an API Gateway
//! HTTP API) and the local server (`zonetrail serve`, `zonetrail up`) both serve, and that the
//! tests drive directly. The routes and JSON are docs/design.md's "Read API"; `/api/openapi.json`
//! documents them.

pub mod accounts;
pub mod annotations;
pub mod config;
pub mod counts;
pub mod coverage;
mod cursor;
pub mod error;
mod extract;
pub mod findings;
pub mod health;
pub mod history;
pub mod names;
pub mod openapi;
pub mod page;
pub mod records;
pub mod state;
pub mod stats;
mod timestamp;
pub mod timetravel;
mod web;
pub mod zones;

#[cfg(feature = "fixture")]
pub mod fixture;

use axum::Router;
use axum::http::{HeaderName, HeaderValue, Method, Uri, header};
use axum::routing::{any, get, put};
use std::path::PathBuf;
use std::sync::Arc;
use tower_http::compression::CompressionLayer;
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::trace::{DefaultMakeSpan, DefaultOnResponse, TraceLayer};

pub use config::{ApiConfig, ConfigError, EditPolicy};
pub use error::{ApiError, ApiResult, ErrorBody};
pub use openapi::ApiDoc;
pub use state::AppState;

/// The whole API: JSON routes under `/api`, `/healthz`, and, when the configuration names a
/// web directory, the dashboard at `/`.
pub fn router(state: AppState) -> Router {
    let config = state.config.clone();
    let api = Router::new()
        .route("/healthz", get(health::healthz))
        .route("/api/stats", get(stats::stats))
        .route("/api/zones", get(zones::list_zones))
        .route("/api/zones/{id}/restore", get(timetravel::routes::restore_route))
        .route("/api/zones/{id}/zonefile", get(timetravel::routes::zonefile_route))
        .route("/api/diff", get(timetravel::routes::diff_route))
        .route("/api/accounts", get(accounts::list_accounts))
        .route("/api/records", get(records::list_records))
        .route("/api/records.csv", get(records::csv::export_csv))
        .route("/api/records/{id}", get(records::get_record))
        .route("/api/records/{id}/history", get(history::record_history))
        .route(
            "/api/records/{id}/annotation",
            put(annotations::routes::put_record_annotation)
                .delete(annotations::routes::delete_record_annotation),
        )
        .route(
            "/api/zones/{id}/annotation",
            put(annotations::routes::put_zone_annotation)
                .delete(annotations::routes::delete_zone_annotation),
        )
        .route("/api/me", get(annotations::routes::me))
        .route("/api/changes", get(history::change_feed))
        .route("/api/findings", get(findings::list_findings))
        .route("/api/openapi.json", get(openapi::openapi_json))
        .route("/api", any(unknown_api_route))
        .route("/api/", any(unknown_api_route))
        .route("/api/{*rest}", any(unknown_api_route))
        .method_not_allowed_fallback(method_not_allowed)
        .with_state(state);

    let app = match &config.web_dir {
        Some(dir) => api.fallback_service(web::dashboard(dir)),
        None => api.fallback(unknown_route),
    };

    let mut app = app.layer(CompressionLayer::new()).layer(
        TraceLayer::new_for_http()
            .make_span_with(DefaultMakeSpan::new().level(tracing::Level::INFO))
            .on_response(DefaultOnResponse::new().level(tracing::Level::DEBUG)),
    );
    if let Some(cors) = cors_layer(&config.cors_origins) {
        app = app.layer(cors);
    }
    app
}

/// [`router`] with the dashboard served from `web_dir` (the local server's choice; the
/// configuration's `web_dir` is replaced).
pub fn router_with_web(mut state: AppState, web_dir: Option<PathBuf>) -> Router {
    let mut config = (*state.config).clone();
    config.web_dir = web_dir;
    state.config = Arc::new(config);
    router(state)
}

fn cors_layer(origins: &[String]) -> Option<CorsLayer> {
    if origins.is_empty() {
        return None;
    }
    let allow = if origins.iter().any(|o| o == "*") {
        AllowOrigin::any()
    } else {
        AllowOrigin::list(origins.iter().filter_map(|o| HeaderValue::from_str(o).ok()))
    };
    Some(
        CorsLayer::new()
            .allow_origin(allow)
            .allow_methods([
                Method::GET,
                Method::HEAD,
                Method::OPTIONS,
                Method::PUT,
                Method::DELETE,
            ])
            .allow_headers([
                header::AUTHORIZATION,
                header::CONTENT_TYPE,
                HeaderName::from_static("x-requested-with"),
            ])
            .expose_headers([header::CONTENT_DISPOSITION])
            .max_age(std::time::Duration::from_secs(3600)),
    )
}

async fn unknown_api_route(uri: Uri) -> ApiError {
    ApiError::not_found(format!("no API route {}", uri.path()))
}

async fn unknown_route(uri: Uri) -> ApiError {
    ApiError::not_found(format!("nothing at {}", uri.path()))
}

async fn method_not_allowed(method: Method, uri: Uri) -> ApiError {
    ApiError::MethodNotAllowed(format!(
        "{method} is not allowed on {}; the API is read-only (GET), except PUT and DELETE of annotations",
        uri.path()
    ))
}
