//! `ringside ci`: starts suites through a Ringside portal from a pipeline, waits for them,
//! gates the build on their results and writes JUnit. Runs go through the portal, so history,
//! trends and share links keep them; the idempotency key from the CI environment makes a retried
//! job reuse its runs. Exit codes: 0 gate passed, 1 gate failed, 2 usage or configuration error,
//! 3 infrastructure (portal or RevRing unreachable, a run errored or timed out).

mod client;
pub mod env;
pub mod gate;
mod junit;
mod progress;

use std::collections::BTreeMap;
use std::time::Duration;

use serde_json::Value;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use url::Url;

use crate::cli::CiArgs;
use crate::domain::labels::{self, Labels};
use crate::domain::span::parse_span;
use crate::web::kit::labels::explain;
use client::{Failure, Portal, SuiteItem};
use env::CiEnv;
use gate::FailOn;

/// Time between looks at the runs while waiting.
const POLL_INTERVAL: Duration = Duration::from_secs(1);

/// Failed attempts whose transcripts are fetched for the JUnit report, at most.
const MAX_TRANSCRIPTS: usize = 100;

/// Suites named in a "did you mean" list, at most.
const MAX_SUGGESTIONS: usize = 3;

/// How `ringside ci` ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// The gate passed (or the runs were started without `--wait`): exit 0.
    Passed,
    /// The gate failed: exit 1.
    GateFailed,
    /// Usage or configuration error: exit 2.
    Config,
    /// Infrastructure: exit 3.
    Infra,
}

impl Outcome {
    /// The process exit code.
    pub fn code(self) -> i32 {
        match self {
            Self::Passed => 0,
            Self::GateFailed => 1,
            Self::Config => 2,
            Self::Infra => 3,
        }
    }
}

/// Runs `ringside ci` with the process environment.
pub async fn run(args: CiArgs) -> Outcome {
    run_with(args, env::detect(|name| std::env::var(name).ok())).await
}

/// Runs `ringside ci` with a given CI environment; prints one line on failure.
pub async fn run_with(args: CiArgs, ci: CiEnv) -> Outcome {
    match execute(args, &ci).await {
        Ok(true) => Outcome::Passed,
        Ok(false) => Outcome::GateFailed,
        Err(Failure::Config(message)) => {
            eprintln!("ringside ci: {message}");
            Outcome::Config
        }
        Err(Failure::Infra(message)) => {
            eprintln!("ringside ci: {message}");
            Outcome::Infra
        }
    }
}

/// The checked flags.
struct Plan {
    base: Url,
    timeout: Duration,
    fail_on: FailOn,
    labels: Labels,
    key: String,
}

fn plan(args: &CiArgs, ci: &CiEnv) -> Result<Plan, Failure> {
    let config = |message: String| Failure::Config(message);
    let base = Url::parse(args.url.trim())
        .ok()
        .filter(|url| matches!(url.scheme(), "http" | "https") && url.host().is_some())
        .ok_or_else(|| {
            config(format!(
                "--url must be an http:// or https:// address (got “{}”).",
                args.url
            ))
        })?;
    let timeout = parse_span(&args.timeout).ok_or_else(|| {
        config(format!(
            "--timeout must be a number and a unit, like 30m or 2h (got “{}”).",
            args.timeout
        ))
    })?;
    let fail_on = FailOn::parse(&args.fail_on).ok_or_else(|| {
        config(format!(
            "--fail-on must be any, regression or below:PCT such as below:90 (got “{}”).",
            args.fail_on
        ))
    })?;
    if args.junit.is_some() && !args.wait {
        return Err(config(
            "--junit needs --wait: the report is written when the runs finish.".into(),
        ));
    }
    let mut labels = Labels::new();
    for pair in &args.labels {
        labels::add_pair(&mut labels, pair)
            .map_err(|e| config(format!("--label {pair}: {}", explain(&e))))?;
    }
    let from_ci = [
        ("branch", &ci.branch),
        ("commit", &ci.commit),
        ("commit_url", &ci.commit_url),
        ("build_url", &ci.build_url),
    ];
    for (key, value) in from_ci {
        if let Some(value) = value
            && !labels.contains_key(key)
        {
            // A CI value that breaks the label rules is left out rather than failing the job.
            let _ = labels::add_label(&mut labels, key, value);
        }
    }
    let key = args
        .idempotency_key
        .clone()
        .map(|key| key.trim().to_owned())
        .filter(|key| !key.is_empty())
        .or_else(|| ci.idempotency_key.clone())
        .unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
    Ok(Plan {
        base,
        timeout,
        fail_on,
        labels,
        key,
    })
}

async fn execute(args: CiArgs, ci: &CiEnv) -> Result<bool, Failure> {
    let plan = plan(&args, ci)?;
    let portal = Portal::new(plan.base.clone(), args.token.clone())?;
    let suites = portal.suites().await?;
    let chosen = args
        .suites
        .iter()
        .map(|wanted| resolve(&suites, wanted))
        .collect::<Result<Vec<_>, _>>()?;
    let labels = serde_json::to_value(&plan.labels).unwrap_or_default();
    let mut runs = Vec::new();
    for suite in &chosen {
        let run = portal.start(&suite.id, &plan.key, &labels).await?;
        println!(
            "Started {}: {}",
            suite.name,
            portal.link(run["url"].as_str().unwrap_or_default())
        );
        runs.push(run);
    }
    if !args.wait {
        return Ok(true);
    }
    let waited = wait(&portal, &mut runs, plan.timeout).await;
    if let Some(path) = &args.junit {
        write_junit(&portal, &runs, path).await?;
    }
    waited?;
    if let Some(run) = runs.iter().find(|run| run["status"] != "completed") {
        return Err(Failure::Infra(format!(
            "The run of {} ended as {} in RevRing: {}",
            run["suite_name"].as_str().unwrap_or("a suite"),
            run["status"].as_str().unwrap_or("unknown"),
            portal.link(run["url"].as_str().unwrap_or_default())
        )));
    }
    summarize(&portal, &runs, plan.fail_on, ci).await
}

/// The suite named (or with the id) `wanted`; unknown names list the close matches.
fn resolve<'a>(suites: &'a [SuiteItem], wanted: &str) -> Result<&'a SuiteItem, Failure> {
    let wanted = wanted.trim();
    if let Some(suite) = suites.iter().find(|suite| suite.id == wanted) {
        return Ok(suite);
    }
    let named: Vec<&SuiteItem> = suites
        .iter()
        .filter(|suite| suite.name.eq_ignore_ascii_case(wanted))
        .collect();
    match named.as_slice() {
        [one] => return Ok(one),
        [] => {}
        several => {
            return Err(Failure::Config(format!(
                "{} suites are called “{wanted}”; pass one of their ids: {}.",
                several.len(),
                several
                    .iter()
                    .map(|s| s.id.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            )));
        }
    }
    let lowered = wanted.to_lowercase();
    let mut scored: Vec<(f64, &SuiteItem)> = suites
        .iter()
        .map(|suite| {
            let name = suite.name.to_lowercase();
            let mut score = strsim::jaro_winkler(&lowered, &name);
            if !lowered.is_empty() && (name.contains(&lowered) || lowered.contains(&name)) {
                score = score.max(0.9);
            }
            (score, suite)
        })
        .filter(|(score, _)| *score >= 0.75)
        .collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0));
    let close: Vec<String> = scored
        .iter()
        .take(MAX_SUGGESTIONS)
        .map(|(_, suite)| format!("“{}”", suite.name))
        .collect();
    Err(Failure::Config(if close.is_empty() {
        format!(
            "No suite is called “{wanted}” in this team (it has {} suites).",
            suites.len()
        )
    } else {
        format!(
            "No suite is called “{wanted}”. Did you mean {}?",
            close.join(" or ")
        )
    }))
}

async fn wait(portal: &Portal, runs: &mut [Value], timeout: Duration) -> Result<(), Failure> {
    let deadline = tokio::time::Instant::now() + timeout;
    let mut progress = progress::Progress::new();
    loop {
        for run in runs.iter_mut() {
            if !finished(run) {
                *run = portal.run(run["id"].as_str().unwrap_or_default()).await?;
            }
        }
        progress.update(runs);
        if runs.iter().all(finished) {
            progress.finish();
            return Ok(());
        }
        if tokio::time::Instant::now() >= deadline {
            progress.finish();
            let waiting: Vec<String> = runs
                .iter()
                .filter(|run| !finished(run))
                .map(|run| {
                    format!(
                        "{} ({})",
                        run["suite_name"].as_str().unwrap_or("suite"),
                        portal.link(run["url"].as_str().unwrap_or_default())
                    )
                })
                .collect();
            return Err(Failure::Infra(format!(
                "Timed out after {} s waiting for {}.",
                timeout.as_secs(),
                waiting.join(", ")
            )));
        }
        tokio::time::sleep(POLL_INTERVAL).await;
    }
}

fn finished(run: &Value) -> bool {
    matches!(
        run["status"].as_str(),
        Some("completed" | "failed" | "cancelled")
    )
}

async fn write_junit(
    portal: &Portal,
    runs: &[Value],
    path: &std::path::Path,
) -> Result<(), Failure> {
    let mut transcripts = BTreeMap::new();
    let failed = runs
        .iter()
        .flat_map(|run| run["attempts"].as_array().cloned().unwrap_or_default())
        .filter(|attempt| matches!(attempt["verdict"].as_str(), Some("fail" | "error")))
        .take(MAX_TRANSCRIPTS);
    for attempt in failed {
        let id = attempt["id"].as_str().unwrap_or_default().to_owned();
        if let Ok(detail) = portal.attempt(&id).await {
            transcripts.insert(id, detail["transcript"].clone());
        }
    }
    let reports: Vec<junit::RunReport<'_>> = runs
        .iter()
        .map(|run| junit::RunReport {
            run,
            link: portal.link(run["url"].as_str().unwrap_or_default()),
            transcripts: &transcripts,
        })
        .collect();
    let xml = junit::render(&reports)
        .map_err(|e| Failure::Infra(format!("Cannot build the JUnit report: {e}")))?;
    std::fs::write(path, xml)
        .map_err(|e| Failure::Config(format!("Cannot write --junit {}: {e}", path.display())))
}

/// Prints each run's result and the gate's verdict; true when the gate passes.
async fn summarize(
    portal: &Portal,
    runs: &[Value],
    fail_on: FailOn,
    ci: &CiEnv,
) -> Result<bool, Failure> {
    let mut passed = true;
    for run in runs {
        let (judged, ok) = gate::totals(std::slice::from_ref(run));
        let mark = if judged == ok { "PASS" } else { "FAIL" };
        println!(
            "{mark} {}: {ok}/{judged} attempts passed{} {}",
            run["suite_name"].as_str().unwrap_or("suite"),
            percent(ok, judged).map_or_else(String::new, |p| format!(" ({p:.1} %)")),
            portal.link(run["url"].as_str().unwrap_or_default())
        );
        if fail_on == FailOn::Regression {
            match baseline(portal, run, ci).await? {
                None => println!(
                    "  no earlier finished run on this branch or the default branch to compare with"
                ),
                Some((branch, previous)) => {
                    let regressed = gate::regressions(&previous, run);
                    println!(
                        "  compared with the previous run on {branch}: {}",
                        portal.link(previous["url"].as_str().unwrap_or_default())
                    );
                    for name in &regressed {
                        println!("  regression: “{name}” passed before and fails now");
                    }
                    passed &= regressed.is_empty();
                }
            }
        }
    }
    let (judged, ok) = gate::totals(runs);
    passed = match fail_on {
        FailOn::Any => judged == ok,
        FailOn::Regression => passed,
        FailOn::Below(pct) => percent(ok, judged).is_some_and(|p| p >= pct),
    };
    let rule = match fail_on {
        FailOn::Any => "no attempt may fail".to_owned(),
        FailOn::Regression => "no case may regress".to_owned(),
        FailOn::Below(pct) => format!("the pass rate must be at least {pct} %"),
    };
    println!(
        "Gate {} ({rule}).",
        if passed { "passed" } else { "failed" }
    );
    Ok(passed)
}

fn percent(passed: u64, judged: u64) -> Option<f64> {
    (judged > 0).then(|| passed as f64 * 100.0 / judged as f64)
}

/// The previous completed run of the run's suite on its branch, else on the default branch,
/// with the branch it was found on.
async fn baseline(
    portal: &Portal,
    run: &Value,
    ci: &CiEnv,
) -> Result<Option<(String, Value)>, Failure> {
    let created = run["created_at"]
        .as_str()
        .and_then(|at| OffsetDateTime::parse(at, &Rfc3339).ok());
    let suite_id = run["suite_id"].as_str().unwrap_or_default();
    let mut branches: Vec<String> = run["labels"]["branch"]
        .as_str()
        .map(str::to_owned)
        .into_iter()
        .collect();
    let default = ci.default_branch.clone().unwrap_or_else(|| "main".into());
    if !branches.contains(&default) {
        branches.push(default);
    }
    for branch in branches {
        let query = [
            ("label", format!("branch={branch}")),
            ("status", "completed".to_owned()),
            ("limit", "20".to_owned()),
        ];
        let listed = portal.suite_runs(suite_id, &query).await?;
        let earlier = listed.into_iter().find(|candidate| {
            candidate["id"] != run["id"]
                && candidate["created_at"]
                    .as_str()
                    .and_then(|at| OffsetDateTime::parse(at, &Rfc3339).ok())
                    .zip(created)
                    .is_some_and(|(at, created)| at < created)
        });
        if let Some(previous) = earlier {
            let id = previous["id"].as_str().unwrap_or_default().to_owned();
            return Ok(Some((branch, portal.run(&id).await?)));
        }
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn suites() -> Vec<SuiteItem> {
        [
            "Dental clinic receptionist",
            "Airline rebooking and baggage",
            "Restaurant reservations",
        ]
        .iter()
        .enumerate()
        .map(|(i, name)| SuiteItem {
            id: format!("id-{i}"),
            name: (*name).to_owned(),
        })
        .collect()
    }

    #[test]
    fn suites_resolve_by_id_or_name_and_unknown_names_list_close_matches() {
        let suites = suites();
        assert_eq!(
            resolve(&suites, "id-1").unwrap().name,
            "Airline rebooking and baggage"
        );
        assert_eq!(
            resolve(&suites, "dental clinic receptionist").unwrap().id,
            "id-0"
        );
        let Err(Failure::Config(message)) = resolve(&suites, "Dental clinik receptionist") else {
            panic!("an unknown name is a configuration error");
        };
        assert!(
            message.contains("Did you mean “Dental clinic receptionist”"),
            "{message}"
        );
        let Err(Failure::Config(message)) = resolve(&suites, "zzz") else {
            panic!("unknown");
        };
        assert!(message.contains("No suite is called “zzz”"), "{message}");
    }
}
