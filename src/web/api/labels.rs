//! Run labels from API requests: validated with the domain rules, refusals in plain words.

use std::collections::BTreeMap;

use crate::domain::labels::{self, LabelError, Labels};
use crate::web::api::error::ApiError;
use crate::web::kit::labels::explain;

/// The labels of a start request as the JSON object stored on the run; 422 when one is refused.
pub(crate) fn labels_from_map(
    map: &BTreeMap<String, String>,
) -> Result<serde_json::Value, ApiError> {
    let mut checked = Labels::new();
    for (key, value) in map {
        labels::add_label(&mut checked, key, value).map_err(|e| ApiError::invalid(explain(&e)))?;
    }
    Ok(serde_json::to_value(checked).unwrap_or_default())
}

/// A `label=key=value,…` filter as a JSON object for `labels @> …`; 400 when malformed.
pub(crate) fn parse_label_filter(text: Option<&str>) -> Result<serde_json::Value, ApiError> {
    let parsed: Result<Labels, LabelError> = match text {
        None => Ok(Labels::new()),
        Some(text) => labels::parse_filter(text),
    };
    let parsed = parsed.map_err(|e| {
        ApiError::bad_request(format!("`label` must be key=value pairs: {}", explain(&e)))
    })?;
    Ok(serde_json::to_value(parsed).unwrap_or_default())
}
