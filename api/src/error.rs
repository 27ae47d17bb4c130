//! The one error type of the read API: every failure becomes JSON `{"error": "..."}`.
//!
//! Bad input is the caller's to fix and gets a 4xx with a message that says what was wrong.
//! A database failure is ours: the caller gets a generic 503 (retrying may help) and the log
//! gets the detail. Nothing the caller sends produces a 500.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{0}")]
    BadRequest(String),
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    MethodNotAllowed(String),
    #[error("database unavailable")]
    Database(#[from] sea_orm::DbErr),
}

impl ApiError {
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::BadRequest(message.into())
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        Self::NotFound(message.into())
    }

    pub fn status(&self) -> StatusCode {
        match self {
            Self::BadRequest(_) => StatusCode::BAD_REQUEST,
            Self::Forbidden(_) => StatusCode::FORBIDDEN,
            Self::NotFound(_) => StatusCode::NOT_FOUND,
            Self::MethodNotAllowed(_) => StatusCode::METHOD_NOT_ALLOWED,
            Self::Database(_) => StatusCode::SERVICE_UNAVAILABLE,
        }
    }
}

/// The body of every error response.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    /// What went wrong, for a person to read.
    #[schema(example = "limit must be a whole number from 1 to 1000, got \"abc\"")]
    pub error: String,
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        if let Self::Database(err) = &self {
            tracing::error!(error = %err, "database query failed");
            zonetrail_model::db::exit_if_credentials_stale(err);
        }
        (self.status(), Json(ErrorBody { error: self.to_string() })).into_response()
    }
}

pub type ApiResult<T> = Result<T, ApiError>;
