//! Axum's extractors with the API's JSON errors instead of the framework's plain-text rejections.

use axum::extract::{FromRequest, FromRequestParts};

use crate::web::api::error::ApiError;

/// `Path<T>` that answers a malformed id with a JSON 400.
#[derive(Debug, FromRequestParts)]
#[from_request(via(axum::extract::Path), rejection(ApiError))]
pub(crate) struct ApiPath<T>(pub(crate) T);

/// `Query<T>` that answers a malformed parameter with a JSON 400.
#[derive(Debug, FromRequestParts)]
#[from_request(via(axum::extract::Query), rejection(ApiError))]
pub(crate) struct ApiQuery<T>(pub(crate) T);

/// `Json<T>` that answers a malformed body with a JSON 400/415/422, for endpoints whose body is
/// required (a start's body is optional, so `runs::start_run` reads its bytes instead).
#[allow(
    dead_code,
    reason = "the extractor for endpoints with a required JSON body"
)]
#[derive(Debug, FromRequest)]
#[from_request(via(axum::Json), rejection(ApiError))]
pub(crate) struct ApiJson<T>(pub(crate) T);
