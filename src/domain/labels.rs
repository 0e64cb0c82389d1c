//! Run labels: `branch`, `commit`, `commit_url`, `build_url`, `environment` and free
//! `key=value` tags that a run started from a form or the API carries. RevRing only knows a
//! run's name, so Ringside stores and validates them: bounded in number and length, printable,
//! links only to `http(s)`.

use std::collections::BTreeMap;

/// Most labels one run carries.
pub const MAX_LABELS: usize = 20;

/// Longest label key.
pub const MAX_KEY_CHARS: usize = 40;

/// Longest label value (a build URL is the longest usual one).
pub const MAX_VALUE_CHARS: usize = 500;

/// The labels Ringside knows the meaning of; any other key is a free tag.
pub const KNOWN_KEYS: [&str; 5] = ["branch", "commit", "commit_url", "build_url", "environment"];

/// Labels that must be `http(s)` links (shown as links on the run page).
pub const LINK_KEYS: [&str; 2] = ["commit_url", "build_url"];

/// A run's labels, by key.
pub type Labels = BTreeMap<String, String>;

/// Why a label was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LabelError {
    /// More than [`MAX_LABELS`].
    TooMany,
    /// `key=value` without the `=`.
    NotKeyValue(String),
    /// A key that is empty, too long, or not lowercase letters, digits, `_`, `-`, `.`.
    BadKey(String),
    /// An empty value.
    EmptyValue(String),
    /// A value longer than [`MAX_VALUE_CHARS`] or with control characters.
    BadValue(String),
    /// A link label that is not an `http(s)` URL.
    NotALink(String),
    /// The same key twice with different values.
    Duplicate(String),
}

/// Checks one key and value (trimmed) and adds them to `labels`.
pub fn add_label(labels: &mut Labels, key: &str, value: &str) -> Result<(), LabelError> {
    let (key, value) = (key.trim(), value.trim());
    let key_ok = !key.is_empty()
        && key.chars().count() <= MAX_KEY_CHARS
        && key.starts_with(|c: char| c.is_ascii_lowercase() || c.is_ascii_digit())
        && key.chars().all(|c| {
            c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-' || c == '.'
        });
    if !key_ok {
        return Err(LabelError::BadKey(key.to_owned()));
    }
    if value.is_empty() {
        return Err(LabelError::EmptyValue(key.to_owned()));
    }
    if value.chars().count() > MAX_VALUE_CHARS || value.chars().any(char::is_control) {
        return Err(LabelError::BadValue(key.to_owned()));
    }
    if LINK_KEYS.contains(&key) && !is_http_link(value) {
        return Err(LabelError::NotALink(key.to_owned()));
    }
    match labels.get(key) {
        Some(existing) if existing != value => return Err(LabelError::Duplicate(key.to_owned())),
        Some(_) => return Ok(()),
        None => {}
    }
    if labels.len() >= MAX_LABELS {
        return Err(LabelError::TooMany);
    }
    labels.insert(key.to_owned(), value.to_owned());
    Ok(())
}

/// Parses `key=value` and adds it.
pub fn add_pair(labels: &mut Labels, pair: &str) -> Result<(), LabelError> {
    let (key, value) = pair
        .split_once('=')
        .ok_or_else(|| LabelError::NotKeyValue(pair.trim().to_owned()))?;
    add_label(labels, key, value)
}

/// Parses a comma-separated `key=value,key=value` filter (values may not contain commas).
pub fn parse_filter(text: &str) -> Result<Labels, LabelError> {
    let mut labels = Labels::new();
    for pair in text.split(',').filter(|pair| !pair.trim().is_empty()) {
        add_pair(&mut labels, pair)?;
    }
    Ok(labels)
}

/// True for an absolute `http://` or `https://` URL with a host and no spaces.
pub fn is_http_link(value: &str) -> bool {
    let rest = value
        .strip_prefix("https://")
        .or_else(|| value.strip_prefix("http://"));
    rest.is_some_and(|rest| {
        !rest.is_empty()
            && !rest.starts_with('/')
            && !value
                .chars()
                .any(|c| c.is_whitespace() || c == '"' || c == '<' || c == '>')
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_are_validated_and_bounded() {
        let mut labels = Labels::new();
        add_pair(&mut labels, "branch=main").unwrap();
        add_pair(&mut labels, " build_url = https://ci.example.com/build/7 ").unwrap();
        add_pair(&mut labels, "team.owner=voice-qa").unwrap();
        assert_eq!(labels["build_url"], "https://ci.example.com/build/7");
        assert_eq!(
            add_pair(&mut labels, "build_url=javascript:alert(1)"),
            Err(LabelError::NotALink("build_url".into()))
        );
        assert_eq!(
            add_pair(&mut labels, "Branch=x"),
            Err(LabelError::BadKey("Branch".into()))
        );
        assert_eq!(
            add_pair(&mut labels, "branch"),
            Err(LabelError::NotKeyValue("branch".into()))
        );
        assert_eq!(
            add_pair(&mut labels, "branch=dev"),
            Err(LabelError::Duplicate("branch".into()))
        );
        assert_eq!(
            add_pair(&mut labels, "env="),
            Err(LabelError::EmptyValue("env".into()))
        );
        let long = format!("note={}", "x".repeat(MAX_VALUE_CHARS + 1));
        assert_eq!(
            add_pair(&mut labels, &long),
            Err(LabelError::BadValue("note".into()))
        );
        for n in labels.len()..MAX_LABELS {
            add_pair(&mut labels, &format!("tag{n}=v")).unwrap();
        }
        assert_eq!(add_pair(&mut labels, "one=more"), Err(LabelError::TooMany));
    }

    #[test]
    fn filters_parse_comma_separated_pairs() {
        let filter = parse_filter("branch=main,environment=staging").unwrap();
        assert_eq!(filter.len(), 2);
        assert!(parse_filter("").unwrap().is_empty());
        assert!(parse_filter("branch").is_err());
    }
}
