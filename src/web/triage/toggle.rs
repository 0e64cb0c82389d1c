//! The "judge's numbers only" toggle of every page that counts results. Pages count effective
//! results (the judge's verdicts as reviews changed them) unless the address carries
//! `verdicts=judged`; they say which, and link to the other view.

use std::convert::Infallible;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;

/// The query parameter that picks the judge's numbers.
const PARAM: &str = "verdicts";

/// Which numbers a page shows, and how to switch.
#[derive(Debug, Clone, Default)]
pub(crate) struct VerdictToggle {
    /// True: the judge's verdicts alone; false: effective results (reviews included).
    pub(crate) judged_only: bool,
    /// The page's path.
    path: String,
    /// Its other query parameters, kept when switching.
    others: Vec<(String, String)>,
}

impl VerdictToggle {
    /// The toggle of a request to `path` with query string `query`.
    pub(crate) fn parse(path: &str, query: Option<&str>) -> Self {
        let mut judged_only = false;
        let mut others = Vec::new();
        for (key, value) in url::form_urlencoded::parse(query.unwrap_or("").as_bytes()) {
            if key == PARAM {
                judged_only = value == "judged";
            } else {
                others.push((key.into_owned(), value.into_owned()));
            }
        }
        Self {
            judged_only,
            path: path.to_owned(),
            others,
        }
    }

    /// This page showing the other numbers.
    pub(crate) fn switch_href(&self) -> String {
        let mut query = url::form_urlencoded::Serializer::new(String::new());
        for (key, value) in &self.others {
            query.append_pair(key, value);
        }
        if !self.judged_only {
            query.append_pair(PARAM, "judged");
        }
        let query = query.finish();
        if query.is_empty() {
            self.path.clone()
        } else {
            format!("{}?{query}", self.path)
        }
    }
}

impl<S: Send + Sync> FromRequestParts<S> for VerdictToggle {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Infallible> {
        Ok(Self::parse(parts.uri.path(), parts.uri.query()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn switching_keeps_other_parameters() {
        let effective = VerdictToggle::parse("/suites/x/cases", Some("runs=10&sort=name"));
        assert!(!effective.judged_only);
        assert_eq!(
            effective.switch_href(),
            "/suites/x/cases?runs=10&sort=name&verdicts=judged"
        );
        let judged = VerdictToggle::parse("/", Some("verdicts=judged"));
        assert!(judged.judged_only);
        assert_eq!(judged.switch_href(), "/");
    }
}
