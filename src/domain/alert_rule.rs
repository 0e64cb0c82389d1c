//! The kinds of alert rule and how they are stored (`alert_rules.kind`, `threshold`).

/// What a rule watches for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RuleKind {
    /// A case that passed in the previous run fails now.
    NewFailures,
    /// Every case that failed in the previous run passes now.
    Recovered,
    /// The pass rate is under this many percent.
    PassRateBelow(u8),
    /// The run ended errored or cancelled instead of completing.
    ErroredOrCancelled,
    /// A case is now classified flaky that was not before.
    NewlyFlaky,
}

impl RuleKind {
    /// The stored name (`alert_rules.kind`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::NewFailures => "new_failures",
            Self::Recovered => "recovered",
            Self::PassRateBelow(_) => "pass_rate_below",
            Self::ErroredOrCancelled => "errored_or_cancelled",
            Self::NewlyFlaky => "newly_flaky",
        }
    }

    /// The kind stored as `name`, with its threshold for `pass_rate_below`.
    pub fn parse(name: &str, threshold: Option<i32>) -> Option<Self> {
        Some(match name {
            "new_failures" => Self::NewFailures,
            "recovered" => Self::Recovered,
            "pass_rate_below" => Self::PassRateBelow(u8::try_from(threshold?).ok()?),
            "errored_or_cancelled" => Self::ErroredOrCancelled,
            "newly_flaky" => Self::NewlyFlaky,
            _ => return None,
        })
    }

    /// The threshold to store, for `pass_rate_below`.
    pub fn threshold(self) -> Option<i32> {
        match self {
            Self::PassRateBelow(percent) => Some(i32::from(percent)),
            _ => None,
        }
    }
}

/// A rule as the evaluation sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rule {
    /// What it watches for.
    pub kind: RuleKind,
    /// Fire on every run in the alerting state, not only when the state changes.
    pub every_run: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_round_trip_through_their_stored_names() {
        for kind in [
            RuleKind::NewFailures,
            RuleKind::Recovered,
            RuleKind::PassRateBelow(75),
            RuleKind::ErroredOrCancelled,
            RuleKind::NewlyFlaky,
        ] {
            assert_eq!(RuleKind::parse(kind.as_str(), kind.threshold()), Some(kind));
        }
        assert_eq!(RuleKind::parse("pass_rate_below", None), None);
        assert_eq!(RuleKind::parse("nonsense", None), None);
    }
}
