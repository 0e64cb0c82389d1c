//! The summary `ringside ci` prints when the runs have finished: each run's result with its
//! link, the regressions against the previous run on the same branch, and the gate's verdict.

use serde_json::Value;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::client::{Failure, Portal};
use super::env::CiEnv;
use super::gate::{self, FailOn};

/// Prints each run's result and the gate's verdict; true when the gate passes.
pub(super) async fn summarize(
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
