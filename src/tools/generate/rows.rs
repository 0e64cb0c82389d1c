//! Writing a planned history: suites and cases with plain inserts, then runs, their per-case
//! results and their attempts with `COPY`, the attempts by two connections in parallel (one per
//! core: computing the text-search vector of every attempt is the bulk of the work).

use std::sync::Arc;

use anyhow::Context;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use sqlx::PgPool;
use time::format_description::well_known::Rfc3339;
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

use super::catalog::{self, FAILURE_REASONS};
use super::copy::CopyRows;
use super::plan::{self, SuitePlan, Verdict};

/// What generated runs are called (with their number in the suite).
const RUN_KINDS: [&str; 4] = ["Nightly", "Deploy check", "Nightly", "Prompt change"];

/// Connections that copy attempts at the same time.
const ATTEMPT_WRITERS: usize = 2;

/// One planned run.
struct RunPlan {
    id: Uuid,
    suite: usize,
    revring_id: String,
    name: String,
    created_at: OffsetDateTime,
    started_at: OffsetDateTime,
    completed_at: OffsetDateTime,
    status: &'static str,
    /// Verdicts, case by case then attempt by attempt (the suite's case order).
    verdicts: Vec<Verdict>,
}

struct Written {
    suites: Vec<(Uuid, SuitePlan)>,
    runs: Vec<RunPlan>,
    team_id: Uuid,
    key_id: Uuid,
}

fn timestamp(at: OffsetDateTime) -> String {
    at.format(&Rfc3339).unwrap_or_default()
}

fn plan_runs(plans: &[SuitePlan], days: i64, seed: u64) -> Vec<RunPlan> {
    let mut rng = StdRng::seed_from_u64(seed.wrapping_add(1));
    let now = OffsetDateTime::now_utc();
    let span = Duration::days(days.max(1)).as_seconds_f64();
    let mut runs = Vec::new();
    for (suite, plan) in plans.iter().enumerate() {
        for j in 0..plan.runs {
            let progress = (j as f64 + 0.5 + rng.random_range(-0.3..0.3)) / plan.runs as f64;
            let created_at = now - Duration::seconds_f64(span * (1.0 - progress));
            let started_at = created_at + Duration::seconds(rng.random_range(3..60));
            let minutes = plan.attempts_per_run() as f64 * rng.random_range(0.2..0.5);
            let completed_at = started_at + Duration::seconds_f64(60.0 * minutes.max(0.5));
            let verdicts = plan
                .cases
                .iter()
                .flat_map(|case| (0..case.attempts).map(move |_| case.profile))
                .map(|profile| plan::verdict(profile, progress, &mut rng))
                .collect();
            let status = if rng.random_bool(0.005) {
                "cancelled"
            } else {
                "completed"
            };
            runs.push(RunPlan {
                id: Uuid::new_v4(),
                suite,
                revring_id: format!("gen-run-{suite}-{j}"),
                name: format!("{} #{}", RUN_KINDS[j % RUN_KINDS.len()], j + 1),
                created_at,
                started_at,
                completed_at,
                status,
                verdicts,
            });
        }
    }
    runs
}

/// Writes suites, cases, runs, case results and attempts; returns (runs, attempts) written.
pub(super) async fn write(
    db: &PgPool,
    team_id: Uuid,
    key_id: Uuid,
    plans: &[SuitePlan],
    days: i64,
    seed: u64,
) -> anyhow::Result<(u64, u64)> {
    let mut suites = Vec::new();
    for (index, plan) in plans.iter().enumerate() {
        let suite_id = sqlx::query_scalar!(
            "INSERT INTO suites (team_id, api_key_id, revring_id, name, target_agent_id,
                                 test_case_count)
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
            team_id,
            key_id,
            format!("gen-suite-{index}-{}", Uuid::new_v4().simple()),
            plan.name,
            format!("agent-{}", plan.agent.to_lowercase()),
            plan.cases.len() as i32,
        )
        .fetch_one(db)
        .await?;
        for case in &plan.cases {
            sqlx::query!(
                "INSERT INTO test_cases (team_id, suite_id, revring_id, name, script,
                                         scoring_rubric, attempts_per_run)
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
                team_id,
                suite_id,
                case.revring_id,
                case.name,
                format!(
                    "Call {} and check: {}.",
                    plan.business,
                    case.name.to_lowercase()
                ),
                format!("Pass if the agent {}.", case.name.to_lowercase()),
                case.attempts as i32,
            )
            .execute(db)
            .await?;
        }
        suites.push((suite_id, plan.clone()));
    }
    let written = Arc::new(Written {
        runs: plan_runs(plans, days, seed),
        suites,
        team_id,
        key_id,
    });
    let runs = copy_runs(db, &written).await.context("copying runs")?;
    let mut writers = Vec::new();
    for part in 0..ATTEMPT_WRITERS {
        let (db, written) = (db.clone(), written.clone());
        writers.push(tokio::spawn(async move {
            copy_attempts(&db, &written, part).await
        }));
    }
    let mut attempts = 0;
    for writer in writers {
        attempts += writer.await?.context("copying attempts")?;
    }
    Ok((runs, attempts))
}

async fn copy_runs(db: &PgPool, w: &Written) -> sqlx::Result<u64> {
    let mut conn = db.acquire().await?;
    let mut copy = CopyRows::start(
        &mut conn,
        "COPY runs (id, team_id, suite_id, api_key_id, revring_id, name, status, total_tests,
                    passed_tests, failed_tests, attempts_total, attempts_done, attempts_passed,
                    attempts_failed, created_at, started_at, completed_at) FROM STDIN",
    )
    .await?;
    for run in &w.runs {
        let (suite_id, plan) = &w.suites[run.suite];
        let passed = run.verdicts.iter().filter(|v| **v == Verdict::Pass).count();
        let mut offset = 0;
        let mut cases_passed = 0;
        for case in &plan.cases {
            let end = offset + case.attempts as usize;
            if run.verdicts[offset..end]
                .iter()
                .all(|v| *v == Verdict::Pass)
            {
                cases_passed += 1;
            }
            offset = end;
        }
        copy.plain(run.id)
            .plain(w.team_id)
            .plain(suite_id)
            .plain(w.key_id)
            .text(&run.revring_id)
            .text(&run.name)
            .plain(run.status)
            .plain(plan.cases.len())
            .plain(cases_passed)
            .plain(plan.cases.len() - cases_passed)
            .plain(run.verdicts.len())
            .plain(run.verdicts.len())
            .plain(passed)
            .plain(run.verdicts.len() - passed)
            .plain(timestamp(run.created_at))
            .plain(timestamp(run.started_at))
            .plain(timestamp(run.completed_at));
        copy.end_row().await?;
    }
    let runs = copy.finish().await?;

    let mut copy = CopyRows::start(
        &mut conn,
        "COPY run_case_results (run_id, team_id, suite_id, test_case_revring_id, test_case_name,
                                run_created_at, passed, failed, errored, pending) FROM STDIN",
    )
    .await?;
    for run in &w.runs {
        let (suite_id, plan) = &w.suites[run.suite];
        let created = timestamp(run.created_at);
        let mut offset = 0;
        for case in &plan.cases {
            let end = offset + case.attempts as usize;
            let verdicts = &run.verdicts[offset..end];
            let count = |wanted| verdicts.iter().filter(|v| **v == wanted).count();
            copy.plain(run.id)
                .plain(w.team_id)
                .plain(suite_id)
                .text(&case.revring_id)
                .text(case.name)
                .plain(&created)
                .plain(count(Verdict::Pass))
                .plain(count(Verdict::Fail))
                .plain(count(Verdict::Error))
                .plain(0);
            copy.end_row().await?;
            offset = end;
        }
    }
    copy.finish().await?;
    Ok(runs)
}

async fn copy_attempts(db: &PgPool, w: &Written, part: usize) -> sqlx::Result<u64> {
    let mut conn = db.acquire().await?;
    let mut copy = CopyRows::start(
        &mut conn,
        "COPY attempts (id, team_id, run_id, revring_id, test_case_revring_id, test_case_name,
                        attempt_number, result, reasoning, transcript, call_id, created_at,
                        started_at, completed_at) FROM STDIN",
    )
    .await?;
    for (index, run) in w.runs.iter().enumerate() {
        if index % ATTEMPT_WRITERS != part {
            continue;
        }
        let (_, plan) = &w.suites[run.suite];
        let created = timestamp(run.created_at);
        let started = timestamp(run.started_at);
        let completed = timestamp(run.completed_at);
        let mut verdicts = run.verdicts.iter();
        let mut n = 0;
        for case in &plan.cases {
            for attempt in 1..=case.attempts {
                let verdict = *verdicts.next().expect("a verdict per attempt");
                let lower = case.name.to_lowercase();
                let (reasoning, transcript) = match verdict {
                    Verdict::Pass => (
                        format!("The agent met the rubric: it {lower}."),
                        catalog::transcript(plan.business, plan.agent, case.name, index + n, true),
                    ),
                    Verdict::Fail => (
                        format!(
                            "The agent failed “{}”: {}.",
                            case.name,
                            FAILURE_REASONS[(index + n) % FAILURE_REASONS.len()]
                        ),
                        catalog::transcript(plan.business, plan.agent, case.name, index + n, false),
                    ),
                    Verdict::Error => (
                        "The call could not be completed: no answer.".to_owned(),
                        "[]".to_owned(),
                    ),
                };
                copy.plain(Uuid::new_v4())
                    .plain(w.team_id)
                    .plain(run.id)
                    .plain(format_args!("{}-a{n}", run.revring_id))
                    .text(&case.revring_id)
                    .text(case.name)
                    .plain(attempt)
                    .plain(verdict.as_str())
                    .text(&reasoning)
                    .text(&transcript)
                    .plain(format_args!("call-{}-{n}", run.revring_id))
                    .plain(&created)
                    .plain(&started)
                    .plain(&completed);
                copy.end_row().await?;
                n += 1;
            }
        }
    }
    copy.finish().await
}
