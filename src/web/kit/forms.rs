//! Form helpers: per-field error messages and the validations several forms share.

use std::collections::BTreeMap;

/// Longest name (team, person, key label) accepted.
pub(crate) const MAX_NAME_CHARS: usize = 100;

/// Messages for the fields of a submitted form, shown next to each field.
#[derive(Debug, Clone, Default)]
pub(crate) struct FieldErrors(BTreeMap<&'static str, String>);

impl FieldErrors {
    /// No errors yet.
    pub(crate) fn new() -> Self {
        Self::default()
    }

    /// Records a message for `field` (the first one wins).
    pub(crate) fn add(&mut self, field: &'static str, message: impl Into<String>) {
        self.0.entry(field).or_insert_with(|| message.into());
    }

    /// Records `problem` for `field` if there is one.
    pub(crate) fn check(&mut self, field: &'static str, problem: Option<String>) {
        if let Some(message) = problem {
            self.add(field, message);
        }
    }

    /// The message for `field`.
    pub(crate) fn get(&self, field: &str) -> Option<&str> {
        self.0.get(field).map(String::as_str)
    }

    /// Every message, in field order, as one text (for the JSON API).
    pub(crate) fn joined(&self) -> String {
        self.0.values().cloned().collect::<Vec<_>>().join(" ")
    }

    /// True when the form is valid.
    pub(crate) fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// What is wrong with an email address, if anything (a light check: the address is a login,
/// not a mailbox we write to).
pub(crate) fn email_problem(email: &str) -> Option<String> {
    let valid = email.len() >= 3
        && email.len() <= 254
        && !email.chars().any(char::is_whitespace)
        && email
            .split_once('@')
            .is_some_and(|(local, domain)| !local.is_empty() && !domain.is_empty());
    (!valid).then(|| "Enter an email address like name@example.com.".to_owned())
}

/// What is wrong with a required name, if anything.
pub(crate) fn name_problem(name: &str, what: &str) -> Option<String> {
    if name.trim().is_empty() {
        Some(format!("Enter {what}."))
    } else if name.chars().count() > MAX_NAME_CHARS {
        Some(format!("Use at most {MAX_NAME_CHARS} characters."))
    } else {
        None
    }
}

/// A `next=` target that is safe to redirect to: a local absolute path only, never another
/// host (`//evil`, `/\evil`, `https://…`) and no control characters.
pub(crate) fn safe_next(next: Option<&str>) -> Option<&str> {
    let next = next?;
    let local = next.starts_with('/')
        && !next.starts_with("//")
        && !next.starts_with("/\\")
        && !next.chars().any(|c| c.is_control() || c == '\\');
    local.then_some(next)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_local_paths_are_safe_redirects() {
        assert_eq!(safe_next(Some("/runs?page=2")), Some("/runs?page=2"));
        assert_eq!(safe_next(Some("/")), Some("/"));
        for bad in [
            "//evil.example",
            "/\\evil.example",
            "https://evil.example",
            "evil",
            "/ok\r\nSet-Cookie: x",
            "/a\\b",
            "",
        ] {
            assert_eq!(safe_next(Some(bad)), None, "{bad:?}");
        }
        assert_eq!(safe_next(None), None);
    }

    #[test]
    fn emails_and_names_are_checked() {
        assert!(email_problem("ada@example.com").is_none());
        assert!(email_problem("ada").is_some());
        assert!(email_problem("a b@example.com").is_some());
        assert!(email_problem("@example.com").is_some());
        assert!(name_problem("  ", "a name").unwrap().contains("a name"));
        assert!(name_problem(&"x".repeat(101), "a name").is_some());
        assert!(name_problem("QA", "a name").is_none());
    }

    #[test]
    fn first_error_per_field_wins() {
        let mut errors = FieldErrors::new();
        assert!(errors.is_empty());
        errors.add("email", "first");
        errors.add("email", "second");
        errors.check("name", None);
        assert_eq!(errors.get("email"), Some("first"));
        assert_eq!(errors.get("name"), None);
    }
}
