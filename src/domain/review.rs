//! Human reviews of the judge's verdicts: the kinds, how a review changes an attempt's
//! effective result, and how a ticket link reads. The judge's verdict itself is never changed.

/// What a reviewer says about an attempt's verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ReviewKind {
    /// The failure is a real bug of the agent.
    ConfirmedBug,
    /// The judge failed an attempt that should pass.
    FalseFailure,
    /// The judge passed an attempt that should fail.
    FalsePass,
    /// The case passes and fails by chance.
    Flaky,
    /// Telephony or RevRing failed, not the agent.
    Infrastructure,
    /// The outcome is expected (a known limitation, a case being changed).
    Expected,
}

impl ReviewKind {
    /// Every kind, in the order forms list them.
    pub const ALL: [ReviewKind; 6] = [
        Self::ConfirmedBug,
        Self::FalseFailure,
        Self::FalsePass,
        Self::Flaky,
        Self::Infrastructure,
        Self::Expected,
    ];

    /// The stored and API name (snake case).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::ConfirmedBug => "confirmed_bug",
            Self::FalseFailure => "false_failure",
            Self::FalsePass => "false_pass",
            Self::Flaky => "flaky",
            Self::Infrastructure => "infrastructure",
            Self::Expected => "expected",
        }
    }

    /// The kind stored or sent as `name`.
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|kind| kind.as_str() == name)
    }

    /// The attempt's effective result under this review, given the judge's.
    pub fn effective(self, judged: Outcome) -> Outcome {
        match (self, judged) {
            (Self::FalseFailure, Outcome::Failed | Outcome::Errored) => Outcome::Passed,
            (Self::FalsePass, Outcome::Passed) => Outcome::Failed,
            (_, judged) => judged,
        }
    }
}

/// How an attempt counts: the bucket of the per-case summaries it falls in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Outcome {
    /// Passed.
    Passed,
    /// Failed.
    Failed,
    /// Ended with any other verdict (`error`, ...): counted as not passed.
    Errored,
    /// No verdict yet.
    Pending,
}

impl Outcome {
    /// The outcome of RevRing's verdict string (`None` while pending).
    pub fn of_verdict(result: Option<&str>) -> Self {
        match result {
            None => Self::Pending,
            Some("pass") => Self::Passed,
            Some("fail") => Self::Failed,
            Some(_) => Self::Errored,
        }
    }

    /// Whether it counts as a pass (`Some(true)`), a failure, or has no verdict (`None`).
    pub fn passed(self) -> Option<bool> {
        match self {
            Self::Passed => Some(true),
            Self::Failed | Self::Errored => Some(false),
            Self::Pending => None,
        }
    }
}

/// The effective outcome of an attempt judged `judged` and reviewed as `review`, if reviewed.
pub fn effective(judged: Outcome, review: Option<ReviewKind>) -> Outcome {
    review.map_or(judged, |kind| kind.effective(judged))
}

/// How one change of review shifts a summary's counters (passed, failed, errored).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Shift {
    /// Change to passed attempts.
    pub passed: i32,
    /// Change to failed attempts.
    pub failed: i32,
    /// Change to errored attempts.
    pub errored: i32,
}

impl Shift {
    /// Moves one attempt from outcome `from` to outcome `to`.
    pub fn add(&mut self, from: Outcome, to: Outcome) {
        if from == to {
            return;
        }
        *self.slot(from) -= 1;
        *self.slot(to) += 1;
    }

    /// Whether nothing moves.
    pub fn is_zero(&self) -> bool {
        *self == Self::default()
    }

    fn slot(&mut self, outcome: Outcome) -> &mut i32 {
        match outcome {
            Outcome::Passed => &mut self.passed,
            Outcome::Failed => &mut self.failed,
            Outcome::Errored => &mut self.errored,
            // A review never moves an attempt in or out of pending (see `effective`).
            Outcome::Pending => &mut self.errored,
        }
    }
}

/// Most characters of a review's comment.
pub const MAX_COMMENT_CHARS: usize = 2000;

/// Most characters of a ticket link.
pub const MAX_TICKET_URL_CHARS: usize = 500;

/// Whether `text` is an absolute http(s) link with a host, as ticket links must be.
pub fn is_web_link(text: &str) -> bool {
    url::Url::parse(text).is_ok_and(|url| {
        matches!(url.scheme(), "http" | "https") && url.host_str().is_some_and(|h| !h.is_empty())
    })
}

/// The key a ticket link shows: `ABC-123` for Jira (`…/browse/ABC-123`) and Linear
/// (`linear.app/…/issue/ENG-7/…`), `owner/repo#42` for GitHub and GitLab issues (and merge or
/// pull requests). `None` for any other link, which is then shown as its host.
pub fn ticket_key(link: &str) -> Option<String> {
    let url = url::Url::parse(link).ok()?;
    let host = url.host_str()?.to_ascii_lowercase();
    let parts: Vec<&str> = url.path_segments()?.filter(|s| !s.is_empty()).collect();
    let jira_key = |key: &str| {
        let (project, number) = key.split_once('-')?;
        let ok = !project.is_empty()
            && project
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_')
            && project.starts_with(|c: char| c.is_ascii_alphabetic())
            && !number.is_empty()
            && number.chars().all(|c| c.is_ascii_digit());
        ok.then(|| key.to_ascii_uppercase())
    };
    if host == "linear.app" {
        let at = parts.iter().position(|s| *s == "issue")?;
        return jira_key(parts.get(at + 1)?);
    }
    if let Some(at) = parts.iter().position(|s| *s == "browse") {
        return jira_key(parts.get(at + 1)?);
    }
    if host == "github.com" || host == "www.github.com" {
        if let [owner, repo, "issues" | "pull", number, ..] = parts.as_slice() {
            return number
                .chars()
                .all(|c| c.is_ascii_digit())
                .then(|| format!("{owner}/{repo}#{number}"));
        }
        return None;
    }
    // GitLab (gitlab.com or self-hosted): `group/…/project/-/issues/42`.
    let dash = parts.iter().position(|s| *s == "-")?;
    match parts.get(dash + 1..dash + 3) {
        Some([kind, number])
            if matches!(*kind, "issues" | "merge_requests" | "work_items")
                && dash > 0
                && number.chars().all(|c| c.is_ascii_digit()) =>
        {
            let sigil = if *kind == "merge_requests" { '!' } else { '#' };
            Some(format!("{}{sigil}{number}", parts[..dash].join("/")))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_false_verdict_reviews_change_the_outcome() {
        use Outcome::*;
        assert_eq!(effective(Failed, Some(ReviewKind::FalseFailure)), Passed);
        assert_eq!(effective(Errored, Some(ReviewKind::FalseFailure)), Passed);
        assert_eq!(effective(Passed, Some(ReviewKind::FalseFailure)), Passed);
        assert_eq!(effective(Passed, Some(ReviewKind::FalsePass)), Failed);
        assert_eq!(effective(Failed, Some(ReviewKind::FalsePass)), Failed);
        assert_eq!(effective(Pending, Some(ReviewKind::FalseFailure)), Pending);
        for kind in [
            ReviewKind::ConfirmedBug,
            ReviewKind::Flaky,
            ReviewKind::Infrastructure,
            ReviewKind::Expected,
        ] {
            assert_eq!(effective(Failed, Some(kind)), Failed);
            assert_eq!(effective(Passed, Some(kind)), Passed);
        }
        assert_eq!(effective(Failed, None), Failed);
    }

    #[test]
    fn shifts_move_one_attempt_between_buckets() {
        let mut shift = Shift::default();
        shift.add(Outcome::Errored, Outcome::Passed);
        shift.add(Outcome::Passed, Outcome::Failed);
        shift.add(Outcome::Failed, Outcome::Failed);
        assert_eq!(
            shift,
            Shift {
                passed: 0,
                failed: 1,
                errored: -1
            }
        );
    }

    #[test]
    fn kinds_round_trip() {
        for kind in ReviewKind::ALL {
            assert_eq!(ReviewKind::parse(kind.as_str()), Some(kind));
        }
        assert_eq!(ReviewKind::parse("False Failure"), None);
    }

    #[test]
    fn ticket_links_show_their_key() {
        let cases = [
            ("https://acme.atlassian.net/browse/QA-123", Some("QA-123")),
            (
                "https://jira.acme.io/browse/VOICE-9?focused=1",
                Some("VOICE-9"),
            ),
            (
                "https://linear.app/acme/issue/ENG-42/judge-is-wrong",
                Some("ENG-42"),
            ),
            (
                "https://github.com/acme/agent/issues/17",
                Some("acme/agent#17"),
            ),
            ("https://github.com/acme/agent/pull/3", Some("acme/agent#3")),
            (
                "https://gitlab.com/acme/voice/agent/-/issues/8",
                Some("acme/voice/agent#8"),
            ),
            (
                "https://gitlab.acme.io/g/p/-/merge_requests/5",
                Some("g/p!5"),
            ),
            ("https://github.com/acme/agent", None),
            ("https://example.com/ticket/5", None),
            ("not a link", None),
        ];
        for (link, key) in cases {
            assert_eq!(ticket_key(link).as_deref(), key, "{link}");
        }
    }

    #[test]
    fn ticket_links_must_be_web_links() {
        assert!(is_web_link("https://linear.app/a/issue/B-1"));
        assert!(!is_web_link("javascript:alert(1)"));
        assert!(!is_web_link("ftp://host/x"));
        assert!(!is_web_link("/relative"));
    }
}
