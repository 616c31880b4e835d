//! GWS `statusCode` values and the error type every handler returns.
//!
//! GWS answers every request with a `statusCode`; when it is not 0 the body is only
//! `statusCode` and `statusMessage`, and nothing was changed. The emulator also picks an HTTP
//! status that fits, so a client can (and should) check both.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;

/// The GWS status codes the emulator produces (a subset of the documented list).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum GwsStatus {
    Ok = 0,
    MissingParameter = 1,
    InvalidForState = 2,
    Forbidden = 3,
    Internal = 4,
    NoPermission = 5,
    NotFound = 6,
    InputValidation = 10,
    AlreadyExists = 18,
    NotAuthenticated = 20,
}

impl GwsStatus {
    pub fn code(self) -> u8 {
        self as u8
    }

    /// The HTTP status the emulator pairs with this statusCode.
    pub fn http(self) -> StatusCode {
        match self {
            GwsStatus::Ok => StatusCode::OK,
            GwsStatus::MissingParameter | GwsStatus::InputValidation => StatusCode::BAD_REQUEST,
            GwsStatus::InvalidForState | GwsStatus::AlreadyExists => StatusCode::CONFLICT,
            GwsStatus::Forbidden | GwsStatus::NoPermission => StatusCode::FORBIDDEN,
            GwsStatus::Internal => StatusCode::INTERNAL_SERVER_ERROR,
            GwsStatus::NotFound => StatusCode::NOT_FOUND,
            GwsStatus::NotAuthenticated => StatusCode::UNAUTHORIZED,
        }
    }
}

/// A failed request: a statusCode, its message, and optionally a different HTTP status
/// (413 for an oversized body, 405 for a wrong method).
#[derive(Debug, Clone)]
pub struct ApiError {
    pub status: GwsStatus,
    pub message: String,
    pub http: Option<StatusCode>,
}

impl ApiError {
    pub fn new(status: GwsStatus, message: impl Into<String>) -> Self {
        ApiError {
            status,
            message: message.into(),
            http: None,
        }
    }

    pub fn with_http(mut self, http: StatusCode) -> Self {
        self.http = Some(http);
        self
    }

    pub fn not_found(what: impl Into<String>) -> Self {
        Self::new(GwsStatus::NotFound, what)
    }

    pub fn no_permission() -> Self {
        Self::new(GwsStatus::NoPermission, "No permission for this operation")
    }

    /// Cassandra and other back-end failures. The detail goes to the log (it names no setting
    /// value: statements are prepared and values bound); the client gets a generic message.
    pub fn internal(detail: impl std::fmt::Display) -> Self {
        tracing::error!(error = %detail, "internal error");
        Self::new(GwsStatus::Internal, "Internal error")
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let http = self.http.unwrap_or_else(|| self.status.http());
        let body = json!({"statusCode": self.status.code(), "statusMessage": self.message});
        let mut resp = (http, Json(body)).into_response();
        if self.status == GwsStatus::NotAuthenticated {
            resp.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Basic realm=\"gws-emulator\""),
            );
        }
        resp
    }
}

/// `{"statusCode":0}`: the answer to a successful modification.
pub fn ok() -> Response {
    Json(json!({"statusCode": 0})).into_response()
}
