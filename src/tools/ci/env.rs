//! What the CI system tells about the job: a stable key for idempotent starts (the same on a
//! retried job, different on a new pipeline), and the branch, commit and build link for labels.
//! GitHub Actions, GitLab CI, Jenkins and Buildkite are recognised by their variables.

/// What was read from the CI environment.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CiEnv {
    /// Which CI system ("GitHub Actions", …), if any.
    pub system: Option<&'static str>,
    /// Same for every retry of this job, different for every new pipeline.
    pub idempotency_key: Option<String>,
    /// The branch being built.
    pub branch: Option<String>,
    /// The commit being built.
    pub commit: Option<String>,
    /// A link to the commit.
    pub commit_url: Option<String>,
    /// A link to the build.
    pub build_url: Option<String>,
    /// The repository's default branch, when the CI system says.
    pub default_branch: Option<String>,
}

/// Reads the CI environment through `var` (the process environment in real use).
pub fn detect(var: impl Fn(&str) -> Option<String>) -> CiEnv {
    let get = |name: &str| {
        var(name)
            .map(|v| v.trim().to_owned())
            .filter(|v| !v.is_empty())
    };
    if get("GITHUB_ACTIONS").as_deref() == Some("true") {
        let server = get("GITHUB_SERVER_URL").unwrap_or_else(|| "https://github.com".into());
        let repo = get("GITHUB_REPOSITORY");
        let run_id = get("GITHUB_RUN_ID");
        let sha = get("GITHUB_SHA");
        let link = |tail: String| repo.as_ref().map(|repo| format!("{server}/{repo}/{tail}"));
        return CiEnv {
            system: Some("GitHub Actions"),
            idempotency_key: key(&[
                "github",
                &repo.clone().unwrap_or_default(),
                &run_id.clone().unwrap_or_default(),
                &get("GITHUB_JOB").unwrap_or_default(),
            ]),
            branch: get("GITHUB_HEAD_REF").or_else(|| get("GITHUB_REF_NAME")),
            commit_url: sha.as_ref().and_then(|sha| link(format!("commit/{sha}"))),
            build_url: run_id.and_then(|id| link(format!("actions/runs/{id}"))),
            commit: sha,
            default_branch: None,
        };
    }
    if get("GITLAB_CI").as_deref() == Some("true") {
        let sha = get("CI_COMMIT_SHA");
        return CiEnv {
            system: Some("GitLab CI"),
            idempotency_key: key(&[
                "gitlab",
                &get("CI_PROJECT_ID").unwrap_or_default(),
                &get("CI_PIPELINE_ID").unwrap_or_default(),
                &get("CI_JOB_NAME").unwrap_or_default(),
            ]),
            branch: get("CI_MERGE_REQUEST_SOURCE_BRANCH_NAME")
                .or_else(|| get("CI_COMMIT_BRANCH"))
                .or_else(|| get("CI_COMMIT_REF_NAME")),
            commit_url: get("CI_PROJECT_URL")
                .zip(sha.clone())
                .map(|(project, sha)| format!("{project}/-/commit/{sha}")),
            build_url: get("CI_JOB_URL").or_else(|| get("CI_PIPELINE_URL")),
            commit: sha,
            default_branch: get("CI_DEFAULT_BRANCH"),
        };
    }
    if get("BUILDKITE").as_deref() == Some("true") {
        return CiEnv {
            system: Some("Buildkite"),
            idempotency_key: key(&[
                "buildkite",
                &get("BUILDKITE_BUILD_ID").unwrap_or_default(),
                &get("BUILDKITE_STEP_ID")
                    .or_else(|| get("BUILDKITE_STEP_KEY"))
                    .unwrap_or_default(),
            ]),
            branch: get("BUILDKITE_BRANCH"),
            commit: get("BUILDKITE_COMMIT"),
            commit_url: None,
            build_url: get("BUILDKITE_BUILD_URL"),
            default_branch: get("BUILDKITE_PIPELINE_DEFAULT_BRANCH"),
        };
    }
    if get("JENKINS_URL").is_some() {
        return CiEnv {
            system: Some("Jenkins"),
            idempotency_key: key(&[
                "jenkins",
                &get("JOB_NAME").unwrap_or_default(),
                &get("BUILD_NUMBER").unwrap_or_default(),
            ]),
            branch: get("BRANCH_NAME").or_else(|| {
                get("GIT_BRANCH").map(|b| b.strip_prefix("origin/").unwrap_or(&b).to_owned())
            }),
            commit: get("GIT_COMMIT"),
            commit_url: None,
            build_url: get("BUILD_URL"),
            default_branch: None,
        };
    }
    CiEnv::default()
}

/// A key from parts, or none when the parts that identify the build are missing.
fn key(parts: &[&str]) -> Option<String> {
    parts[1..]
        .iter()
        .all(|part| !part.is_empty())
        .then(|| parts.join(":"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn env(pairs: &[(&str, &str)]) -> CiEnv {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        detect(|name| map.get(name).cloned())
    }

    #[test]
    fn github_actions_gives_a_key_stable_across_retries_and_links() {
        let base = [
            ("GITHUB_ACTIONS", "true"),
            ("GITHUB_REPOSITORY", "acme/voice"),
            ("GITHUB_RUN_ID", "42"),
            ("GITHUB_JOB", "regression"),
            ("GITHUB_REF_NAME", "main"),
            ("GITHUB_SHA", "abc123"),
        ];
        let first = env(&[&base[..], &[("GITHUB_RUN_ATTEMPT", "1")]].concat());
        let retry = env(&[&base[..], &[("GITHUB_RUN_ATTEMPT", "2")]].concat());
        assert_eq!(first.idempotency_key, retry.idempotency_key);
        assert_eq!(
            first.idempotency_key.as_deref(),
            Some("github:acme/voice:42:regression")
        );
        assert_eq!(first.branch.as_deref(), Some("main"));
        assert_eq!(
            first.build_url.as_deref(),
            Some("https://github.com/acme/voice/actions/runs/42")
        );
        assert_eq!(
            first.commit_url.as_deref(),
            Some("https://github.com/acme/voice/commit/abc123")
        );
        let pr = env(&[&base[..], &[("GITHUB_HEAD_REF", "feature/x")]].concat());
        assert_eq!(pr.branch.as_deref(), Some("feature/x"));
    }

    #[test]
    fn gitlab_jenkins_and_buildkite_are_recognised() {
        let gitlab = env(&[
            ("GITLAB_CI", "true"),
            ("CI_PROJECT_ID", "7"),
            ("CI_PIPELINE_ID", "900"),
            ("CI_JOB_NAME", "voice"),
            ("CI_COMMIT_REF_NAME", "dev"),
            ("CI_DEFAULT_BRANCH", "main"),
            (
                "CI_JOB_URL",
                "https://gitlab.example.com/acme/voice/-/jobs/5",
            ),
        ]);
        assert_eq!(
            gitlab.idempotency_key.as_deref(),
            Some("gitlab:7:900:voice")
        );
        assert_eq!(gitlab.default_branch.as_deref(), Some("main"));
        let jenkins = env(&[
            ("JENKINS_URL", "https://ci.example.com/"),
            ("JOB_NAME", "voice"),
            ("BUILD_NUMBER", "12"),
            ("GIT_BRANCH", "origin/release"),
        ]);
        assert_eq!(jenkins.idempotency_key.as_deref(), Some("jenkins:voice:12"));
        assert_eq!(jenkins.branch.as_deref(), Some("release"));
        let buildkite = env(&[
            ("BUILDKITE", "true"),
            ("BUILDKITE_BUILD_ID", "b-1"),
            ("BUILDKITE_STEP_ID", "s-1"),
            ("BUILDKITE_BRANCH", "main"),
        ]);
        assert_eq!(
            buildkite.idempotency_key.as_deref(),
            Some("buildkite:b-1:s-1")
        );
        assert_eq!(env(&[]), CiEnv::default());
        assert_eq!(
            env(&[("GITHUB_ACTIONS", "true")]).idempotency_key,
            None,
            "no key without the build's identity"
        );
    }
}
