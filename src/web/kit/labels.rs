//! Run labels in words: why a label was refused.

use crate::domain::labels::{LabelError, MAX_KEY_CHARS, MAX_LABELS, MAX_VALUE_CHARS};

/// A label refusal as a sentence.
pub(crate) fn explain(error: &LabelError) -> String {
    match error {
        LabelError::TooMany => format!("A run carries at most {MAX_LABELS} labels."),
        LabelError::NotKeyValue(text) => format!("“{text}” is not of the form key=value."),
        LabelError::BadKey(key) => format!(
            "The label name “{key}” must be 1 to {MAX_KEY_CHARS} lowercase letters, digits, \
             “_”, “-” or “.”."
        ),
        LabelError::EmptyValue(key) => format!("The label “{key}” has no value."),
        LabelError::BadValue(key) => {
            format!("The label “{key}” must be one line of at most {MAX_VALUE_CHARS} characters.")
        }
        LabelError::NotALink(key) => {
            format!("The label “{key}” must be a link starting with https:// or http://.")
        }
        LabelError::Duplicate(key) => format!("The label “{key}” is given twice."),
    }
}

/// One label as the run page shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct LabelView {
    /// The label's name in words.
    pub(crate) name: String,
    /// Its value.
    pub(crate) value: String,
    /// Where it links to (the commit, the build), if anywhere.
    pub(crate) href: Option<String>,
}

/// A run's labels for display: branch, environment, commit (linked to `commit_url`), build
/// (linked), then the free tags by name.
pub(crate) fn views(labels: &serde_json::Value) -> Vec<LabelView> {
    use crate::domain::labels::{KNOWN_KEYS, is_http_link};
    let Some(map) = labels.as_object() else {
        return Vec::new();
    };
    let text = |key: &str| map.get(key).and_then(|v| v.as_str()).map(str::to_owned);
    let link = |key: &str| text(key).filter(|v| is_http_link(v));
    let mut shown = Vec::new();
    for (key, name) in [("branch", "branch"), ("environment", "environment")] {
        if let Some(value) = text(key) {
            shown.push(LabelView {
                name: name.into(),
                value,
                href: None,
            });
        }
    }
    match (text("commit"), link("commit_url")) {
        (Some(commit), href) => shown.push(LabelView {
            name: "commit".into(),
            value: commit.chars().take(12).collect(),
            href,
        }),
        (None, Some(href)) => shown.push(LabelView {
            name: "commit".into(),
            value: "view".into(),
            href: Some(href),
        }),
        (None, None) => {}
    }
    if let Some(href) = link("build_url") {
        shown.push(LabelView {
            name: "build".into(),
            value: "view build".into(),
            href: Some(href),
        });
    }
    for (key, value) in map {
        if !KNOWN_KEYS.contains(&key.as_str())
            && let Some(value) = value.as_str()
        {
            shown.push(LabelView {
                name: key.clone(),
                value: value.to_owned(),
                href: None,
            });
        }
    }
    shown
}

/// The labels typed on the start-run form: the four named fields and one `key=value` tag per
/// line. The refusal is a sentence.
pub(crate) fn from_form(
    fields: [(&str, &str); 4],
    tags: &str,
) -> Result<crate::domain::labels::Labels, String> {
    use crate::domain::labels::{Labels, add_label, add_pair};
    let mut labels = Labels::new();
    for (key, value) in fields {
        if !value.trim().is_empty() {
            add_label(&mut labels, key, value).map_err(|e| explain(&e))?;
        }
    }
    for line in tags.lines().filter(|line| !line.trim().is_empty()) {
        add_pair(&mut labels, line).map_err(|e| explain(&e))?;
    }
    Ok(labels)
}

/// `?branch=&environment=` that narrow the dashboard and the suite trend page.
#[derive(Debug, Default, Clone, serde::Deserialize)]
pub(crate) struct Narrow {
    /// Only runs labelled with this branch.
    #[serde(default)]
    pub(crate) branch: String,
    /// Only runs labelled with this environment.
    #[serde(default)]
    pub(crate) environment: String,
}

impl Narrow {
    /// The labels a run must carry (a JSON object), or the refusal in words.
    pub(crate) fn labels(&self) -> Result<serde_json::Value, String> {
        let labels = from_form(
            [
                ("branch", self.branch.as_str()),
                ("environment", self.environment.as_str()),
                ("commit", ""),
                ("build_url", ""),
            ],
            "",
        )?;
        Ok(serde_json::to_value(labels).unwrap_or_default())
    }

    /// True when nothing narrows.
    pub(crate) fn is_empty(&self) -> bool {
        self.branch.trim().is_empty() && self.environment.trim().is_empty()
    }

    /// `&branch=…&environment=…` for links that keep the narrowing.
    pub(crate) fn query(&self) -> String {
        let mut query = String::new();
        for (key, value) in [("branch", &self.branch), ("environment", &self.environment)] {
            if !value.trim().is_empty() {
                let value: String =
                    url::form_urlencoded::byte_serialize(value.trim().as_bytes()).collect();
                query.push_str(&format!("&{key}={value}"));
            }
        }
        query
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_show_known_ones_first_with_links() {
        let labels = serde_json::json!({
            "team": "voice", "build_url": "https://ci.example.com/7", "branch": "main",
            "commit": "0123456789abcdef", "commit_url": "https://git.example.com/c/0123"
        });
        let shown = views(&labels);
        let names: Vec<&str> = shown.iter().map(|l| l.name.as_str()).collect();
        assert_eq!(names, ["branch", "commit", "build", "team"]);
        assert_eq!(shown[1].value, "0123456789ab");
        assert_eq!(
            shown[1].href.as_deref(),
            Some("https://git.example.com/c/0123")
        );
        assert_eq!(shown[2].href.as_deref(), Some("https://ci.example.com/7"));
    }

    #[test]
    fn the_form_reads_fields_and_tag_lines() {
        let labels = from_form(
            [
                ("branch", "main"),
                ("commit", ""),
                ("build_url", ""),
                ("environment", "staging"),
            ],
            "team=voice\n\n owner = qa ",
        )
        .unwrap();
        assert_eq!(labels.len(), 4);
        assert!(
            from_form(
                [
                    ("branch", ""),
                    ("commit", ""),
                    ("build_url", "ftp://x"),
                    ("environment", "")
                ],
                ""
            )
            .is_err()
        );
        assert!(
            from_form(
                [
                    ("branch", ""),
                    ("commit", ""),
                    ("build_url", ""),
                    ("environment", "")
                ],
                "oops"
            )
            .is_err()
        );
    }
}
