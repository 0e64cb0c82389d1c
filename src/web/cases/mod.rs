//! A page for every test case: `/suites/{suite_id}/cases/{case_id}`. Case names everywhere
//! (run page, dashboard, grid, flaky list, search, compare) link here. Templates in
//! `templates/cases/`.

mod page;

use axum::Router;
use axum::routing::get;
use uuid::Uuid;

use crate::app::state::AppState;

/// The case page.
pub(crate) fn routes() -> Router<AppState> {
    Router::new().route("/suites/{suite_id}/cases/{case_id}", get(page::show))
}

/// The page of the suite's test case `case_id` (RevRing's id, percent-encoded into the path).
pub(crate) fn case_href(suite_id: Uuid, case_id: &str) -> String {
    let mut encoded = String::with_capacity(case_id.len());
    for byte in case_id.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.' | b'~') {
            encoded.push(char::from(byte));
        } else {
            encoded.push_str(&format!("%{byte:02X}"));
        }
    }
    format!("/suites/{suite_id}/cases/{encoded}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn case_ids_are_escaped_in_paths() {
        let suite = Uuid::nil();
        assert_eq!(
            case_href(suite, "tc_1 a/b+c"),
            format!("/suites/{suite}/cases/tc_1%20a%2Fb%2Bc")
        );
    }
}
