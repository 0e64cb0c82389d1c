//! The success envelopes: one object as `{"data": …}`, a list as
//! `{"data": […], "next_cursor": …}`, and the opaque cursor that pages a list newest first.

use axum::Json;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Serialize;
use time::OffsetDateTime;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::web::api::error::ApiError;

/// One object.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct Data<T> {
    /// The object.
    pub(crate) data: T,
}

/// A page of a list.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct List<T> {
    /// The items, in the list's order.
    pub(crate) data: Vec<T>,
    /// Pass as `cursor` for the next page; `null` on the last page.
    pub(crate) next_cursor: Option<String>,
}

/// `{"data": value}`.
pub(crate) fn data<T>(value: T) -> Json<Data<T>> {
    Json(Data { data: value })
}

/// A whole list in one page (`next_cursor` is `null`).
pub(crate) fn all<T>(items: Vec<T>) -> Json<List<T>> {
    Json(List {
        data: items,
        next_cursor: None,
    })
}

/// `passed / judged` as a share from 0 to 1 (the API's pass rates), `None` without a verdict.
pub(crate) fn fraction(passed: i32, judged: i32) -> Option<f64> {
    (judged > 0).then(|| f64::from(passed) / f64::from(judged))
}

/// Where a page of a newest-first list continues: after the item created at `created_at` with
/// id `id` (ties broken by id, descending).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Cursor {
    /// The last item's creation time.
    pub(crate) created_at: OffsetDateTime,
    /// The last item's id.
    pub(crate) id: Uuid,
}

impl Cursor {
    /// The opaque string handed to clients.
    pub(crate) fn encode(&self) -> String {
        let raw = format!("{}.{}", self.created_at.unix_timestamp_nanos(), self.id);
        URL_SAFE_NO_PAD.encode(raw)
    }

    /// Reads a cursor a client sent back; 400 when it was not made here.
    pub(crate) fn decode(value: &str) -> Result<Self, ApiError> {
        let invalid = || {
            ApiError::bad_request(
                "The cursor is not valid: pass the `next_cursor` of the previous page unchanged.",
            )
        };
        let raw = URL_SAFE_NO_PAD
            .decode(value.trim())
            .map_err(|_| invalid())?;
        let raw = String::from_utf8(raw).map_err(|_| invalid())?;
        let (nanos, id) = raw.split_once('.').ok_or_else(invalid)?;
        let nanos: i128 = nanos.parse().map_err(|_| invalid())?;
        Ok(Self {
            created_at: OffsetDateTime::from_unix_timestamp_nanos(nanos).map_err(|_| invalid())?,
            id: Uuid::parse_str(id).map_err(|_| invalid())?,
        })
    }
}

/// Trims a page fetched with one extra row and returns the cursor of its last item when more
/// rows follow.
pub(crate) fn page_of<T>(
    mut rows: Vec<T>,
    size: i64,
    key: impl Fn(&T) -> Cursor,
) -> (Vec<T>, Option<String>) {
    let more = rows.len() as i64 > size;
    rows.truncate(size.max(0) as usize);
    let next = more
        .then(|| rows.last().map(|row| key(row).encode()))
        .flatten();
    (rows, next)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_refuse_strangers() {
        let cursor = Cursor {
            created_at: time::macros::datetime!(2026-11-30 01:02:03.456789 UTC),
            id: Uuid::new_v4(),
        };
        assert_eq!(Cursor::decode(&cursor.encode()).unwrap(), cursor);
        assert!(Cursor::decode("not a cursor").is_err());
        assert!(Cursor::decode(&URL_SAFE_NO_PAD.encode("12.x")).is_err());
    }
}
