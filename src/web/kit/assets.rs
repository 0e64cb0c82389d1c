//! Static assets embedded in the binary, served at cache-busting URLs with long-lived caching.

use std::collections::HashMap;
use std::sync::LazyLock;

use axum::extract::{Path, Query};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use rust_embed::RustEmbed;
use serde::Deserialize;

/// How long browsers keep an asset fetched at its versioned URL: a year, since the URL changes
/// whenever the content does.
const IMMUTABLE_CACHE: &str = "public, max-age=31536000, immutable";

/// Caching for an asset fetched without (or with an outdated) version.
const SHORT_CACHE: &str = "public, max-age=300";

#[derive(RustEmbed)]
#[folder = "static/"]
struct Assets;

/// Content hash (first 12 hex digits of SHA-256) of every embedded asset.
static VERSIONS: LazyLock<HashMap<String, String>> = LazyLock::new(|| {
    Assets::iter()
        .filter_map(|path| {
            let file = Assets::get(&path)?;
            let hash: String = file.metadata.sha256_hash()[..6]
                .iter()
                .map(|byte| format!("{byte:02x}"))
                .collect();
            Some((path.into_owned(), hash))
        })
        .collect()
});

/// The URL of a static asset, versioned by its content so it can be cached forever.
pub(crate) fn url(path: &str) -> String {
    match VERSIONS.get(path) {
        Some(version) => format!("/static/{path}?v={version}"),
        None => format!("/static/{path}"),
    }
}

/// Query of an asset URL.
#[derive(Deserialize)]
pub(crate) struct AssetQuery {
    v: Option<String>,
}

/// `GET /static/{*path}`
pub(crate) async fn serve(Path(path): Path<String>, Query(query): Query<AssetQuery>) -> Response {
    let Some(file) = Assets::get(&path) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let current =
        query.v.is_some() && query.v.as_deref() == VERSIONS.get(&path).map(String::as_str);
    let cache = if current {
        IMMUTABLE_CACHE
    } else {
        SHORT_CACHE
    };
    let mime = file.metadata.mimetype().to_owned();
    (
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_str(&mime)
                    .unwrap_or(HeaderValue::from_static("application/octet-stream")),
            ),
            (header::CACHE_CONTROL, HeaderValue::from_static(cache)),
        ],
        file.data,
    )
        .into_response()
}
