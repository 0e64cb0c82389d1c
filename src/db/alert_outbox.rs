//! The alert outbox: rows written in the transaction that stores a finished run (so an alert is
//! never lost nor written twice), and delivered by a worker under a lease with retries. The
//! payload is data only; `sync::deliver` words it for each kind of channel.

use std::collections::BTreeMap;

use serde_json::{Value, json};
use sqlx::PgConnection;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::db::alert_rules;
use crate::domain::alerts::{
    self, Alert, CaseHistory, CaseRef, Rule, RuleKind, RunEnd, RunSnapshot,
};
use crate::domain::trend::CaseCounts;

/// Runs of a case's history read to classify it flaky.
const FLAKE_HISTORY_RUNS: i64 = 20;

/// A run's stored facts the evaluation needs.
struct RunFacts {
    suite_id: Uuid,
    suite_name: String,
    name: Option<String>,
    status: String,
    created_at: OffsetDateTime,
    labels: Value,
    trigger: Option<String>,
    schedule_name: Option<String>,
}

fn run_end(status: &str) -> RunEnd {
    match status {
        "failed" => RunEnd::Errored,
        "cancelled" => RunEnd::Cancelled,
        _ => RunEnd::Completed,
    }
}

async fn snapshot(tx: &mut PgConnection, run_id: Uuid, status: &str) -> sqlx::Result<RunSnapshot> {
    let rows = sqlx::query!(
        "SELECT test_case_revring_id, test_case_name, passed, failed, errored, pending
         FROM run_case_results WHERE run_id = $1",
        run_id
    )
    .fetch_all(&mut *tx)
    .await?;
    let cases = rows
        .into_iter()
        .map(|row| {
            let counts = CaseCounts {
                passed: row.passed,
                failed: row.failed,
                errored: row.errored,
                pending: row.pending,
            };
            (row.test_case_revring_id, (row.test_case_name, counts))
        })
        .collect();
    Ok(RunSnapshot {
        end: run_end(status),
        cases,
    })
}

/// Evaluates the rules watching the finished run `run_id` and writes one outbox row per rule
/// that fires. Called by `store_run` in the transaction that stores the run; a run stored as
/// finished twice still alerts once per rule (unique rule and run).
pub async fn enqueue_for_run(
    tx: &mut PgConnection,
    team_id: Uuid,
    run_id: Uuid,
) -> sqlx::Result<usize> {
    let facts = sqlx::query_as!(
        RunFacts,
        "SELECT r.suite_id, s.name AS suite_name, r.name, r.status, r.created_at, r.labels,
                r.trigger, r.schedule_name
         FROM runs r JOIN suites s ON s.id = r.suite_id
         WHERE r.team_id = $1 AND r.id = $2",
        team_id,
        run_id
    )
    .fetch_one(&mut *tx)
    .await?;
    let rules = alert_rules::for_suite(&mut *tx, team_id, facts.suite_id).await?;
    if rules.is_empty() {
        return Ok(0);
    }
    let environment = facts.labels.get("environment").cloned();
    // The previous finished run of the suite with the same environment label (or none).
    let previous = sqlx::query!(
        "SELECT id, status FROM runs
         WHERE team_id = $1 AND suite_id = $2 AND id <> $3 AND created_at < $4
           AND status IN ('completed', 'failed', 'cancelled')
           AND (labels -> 'environment') IS NOT DISTINCT FROM $5
         ORDER BY created_at DESC LIMIT 1",
        team_id,
        facts.suite_id,
        run_id,
        facts.created_at,
        environment.clone() as Option<Value>,
    )
    .fetch_optional(&mut *tx)
    .await?;
    let current = snapshot(tx, run_id, &facts.status).await?;
    let previous = match previous {
        Some(row) => Some(snapshot(tx, row.id, &row.status).await?),
        None => None,
    };
    let histories = if rules.iter().any(|rule| rule.kind == "newly_flaky") {
        case_histories(tx, team_id, &facts, run_id, environment).await?
    } else {
        Vec::new()
    };
    let mut written = 0;
    for rule in rules {
        let Some(kind) = RuleKind::parse(&rule.kind, rule.threshold) else {
            continue;
        };
        let evaluation = Rule {
            kind,
            every_run: rule.every_run,
        };
        let Some(alert) = alerts::evaluate(evaluation, &current, previous.as_ref(), &histories)
        else {
            continue;
        };
        let attempts = failing_attempts(tx, run_id).await?;
        let payload = payload(run_id, &facts, &alert, &attempts);
        let inserted = sqlx::query!(
            "INSERT INTO alert_deliveries (team_id, channel_id, rule_id, run_id, kind, payload)
             VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (rule_id, run_id) DO NOTHING",
            team_id,
            rule.channel_id,
            rule.id,
            run_id,
            kind.as_str(),
            payload
        )
        .execute(&mut *tx)
        .await?;
        written += inserted.rows_affected() as usize;
    }
    Ok(written)
}

async fn case_histories(
    tx: &mut PgConnection,
    team_id: Uuid,
    facts: &RunFacts,
    run_id: Uuid,
    environment: Option<Value>,
) -> sqlx::Result<Vec<CaseHistory>> {
    let rows = sqlx::query!(
        "WITH recent AS (
             SELECT id, created_at FROM runs
             WHERE team_id = $1 AND suite_id = $2 AND created_at <= $3
               AND (id = $4 OR status IN ('completed', 'failed', 'cancelled'))
               AND (labels -> 'environment') IS NOT DISTINCT FROM $5
             ORDER BY created_at DESC LIMIT $6)
         SELECT c.test_case_revring_id, c.test_case_name, c.passed, c.failed, c.errored,
                c.pending
         FROM recent JOIN run_case_results c ON c.run_id = recent.id
         ORDER BY recent.created_at, recent.id",
        team_id,
        facts.suite_id,
        facts.created_at,
        run_id,
        environment as Option<Value>,
        FLAKE_HISTORY_RUNS,
    )
    .fetch_all(&mut *tx)
    .await?;
    let mut by_case: BTreeMap<String, CaseHistory> = BTreeMap::new();
    for row in rows {
        let history = by_case
            .entry(row.test_case_revring_id.clone())
            .or_insert_with(|| CaseHistory {
                case: CaseRef {
                    id: row.test_case_revring_id.clone(),
                    name: row.test_case_name.clone(),
                },
                runs: Vec::new(),
            });
        history.runs.push(CaseCounts {
            passed: row.passed,
            failed: row.failed,
            errored: row.errored,
            pending: row.pending,
        });
    }
    Ok(by_case.into_values().collect())
}

/// The run's attempts that did not pass, by case id: (attempt id, attempt number).
async fn failing_attempts(
    tx: &mut PgConnection,
    run_id: Uuid,
) -> sqlx::Result<BTreeMap<String, Vec<Uuid>>> {
    let rows = sqlx::query!(
        "SELECT id, test_case_revring_id FROM attempts
         WHERE run_id = $1 AND result IS NOT NULL AND result <> 'pass'
         ORDER BY attempt_number",
        run_id
    )
    .fetch_all(&mut *tx)
    .await?;
    let mut by_case: BTreeMap<String, Vec<Uuid>> = BTreeMap::new();
    for row in rows {
        by_case
            .entry(row.test_case_revring_id)
            .or_default()
            .push(row.id);
    }
    Ok(by_case)
}

fn cases(list: &[CaseRef], run_id: Uuid, attempts: &BTreeMap<String, Vec<Uuid>>) -> Value {
    list.iter()
        .map(|case| {
            let links: Vec<String> = attempts
                .get(&case.id)
                .map(|ids| {
                    ids.iter()
                        .map(|id| format!("/runs/{run_id}/attempts/{id}"))
                        .collect()
                })
                .unwrap_or_default();
            json!({"case_id": case.id, "name": case.name, "attempt_paths": links})
        })
        .collect()
}

/// The stored alert: the documented webhook body without its envelope (`id`, `sent_at` and the
/// absolute URLs are added at delivery).
fn payload(
    run_id: Uuid,
    facts: &RunFacts,
    alert: &Alert,
    attempts: &BTreeMap<String, Vec<Uuid>>,
) -> Value {
    json!({
        "event": "alert",
        "rule": alert.kind.as_str(),
        "threshold_percent": alert.kind.threshold(),
        "suite": {"id": facts.suite_id, "name": facts.suite_name},
        "run": {
            "id": run_id,
            "name": facts.name,
            "status": facts.status,
            "path": format!("/runs/{run_id}"),
            "labels": facts.labels,
            "trigger": facts.trigger,
            "schedule": facts.schedule_name,
        },
        "pass_rate": alert.pass_rate,
        "previous_pass_rate": alert.previous_pass_rate,
        "new_failures": cases(&alert.new_failures, run_id, attempts),
        "failing": cases(&alert.failing, run_id, attempts),
        "recovered": cases(&alert.recovered, run_id, attempts),
        "flaky": cases(&alert.flaky, run_id, attempts),
    })
}
