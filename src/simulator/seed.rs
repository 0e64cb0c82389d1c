//! Seed data: each organization starts with the catalogue's agents, suites and test cases and a
//! few weeks of finished runs, all derived from `(seed, api key)`.
//!
//! Seed timestamps are laid out backwards from an *anchor*, the start time rounded down to the
//! hour, so two simulators started in the same hour with the same seed serve identical data.

use std::collections::HashMap;

use rand::Rng;
use rand::rngs::StdRng;
use serde_json::{Map, Value};
use time::{Duration, OffsetDateTime};

use super::catalog::{AGENTS, SUITES};
use super::ids;
use super::runs::Party;
use super::store::{Agent, Org, Suite, TestCase};

/// How many days of run history each organization starts with.
pub(super) const HISTORY_DAYS: i64 = 28;
/// Chance that a suite ran on a given day of the history (about 2–3 runs a week).
pub(super) const DAILY_RUN_CHANCE: f64 = 0.38;
/// Speed of seeded history runs: real time, so their timestamps look like real calls.
pub(super) const HISTORY_SPEED: f64 = 1.0;

/// The anchor of the seed data for a simulator started at `now`.
pub(super) fn anchor(now: OffsetDateTime) -> OffsetDateTime {
    now.replace_minute(0)
        .and_then(|t| t.replace_second(0))
        .and_then(|t| t.replace_nanosecond(0))
        .unwrap_or(now)
}

/// Builds the organization of `key` with its seeded data.
pub(super) fn org(key: &str, seed: u64, now: OffsetDateTime) -> Org {
    let org_seed = ids::mix(seed, ids::fnv(key.as_bytes()));
    let mut rng = ids::rng(org_seed, 1);
    let anchor = anchor(now);
    let id = ids::uuid(&mut rng);
    let sip_trunk_id = ids::uuid(&mut rng);
    let agents: Vec<Agent> = AGENTS
        .iter()
        .enumerate()
        .map(|(i, spec)| Agent {
            id: ids::uuid(&mut rng),
            spec,
            phone: phone(&mut rng, if spec.tester { "415" } else { "512" }),
            phone_id: ids::uuid(&mut rng),
            created_at: anchor - Duration::days(60) + Duration::hours(i as i64),
        })
        .collect();
    let system_tester = Party {
        agent_id: ids::uuid(&mut rng),
        name: "RevRing system tester".to_owned(),
        phone: phone(&mut rng, "628"),
        caller_id_name: "RevRing Test".to_owned(),
    };
    let mut org = Org {
        id,
        seed: org_seed,
        rng: ids::rng(org_seed, 2),
        anchor,
        sip_trunk_id,
        system_tester,
        agents,
        suites: Vec::new(),
        tests: Vec::new(),
        runs: Vec::new(),
        calls: HashMap::new(),
    };
    seed_suites(&mut org, &mut rng);
    seed_history(&mut org, &mut rng);
    org
}

fn phone(rng: &mut StdRng, area: &str) -> String {
    format!("+1{area}555{:04}", rng.random_range(100..10_000))
}

fn seed_suites(org: &mut Org, rng: &mut StdRng) {
    let tester = org.agents.iter().find(|a| a.spec.tester).map(|a| a.id);
    for (i, spec) in SUITES.iter().enumerate() {
        let created_at =
            org.anchor - Duration::days(HISTORY_DAYS + 7) + Duration::days(2 * i as i64);
        let variables: Map<String, Value> = spec
            .variables
            .iter()
            .map(|(k, v)| ((*k).to_owned(), Value::String((*v).to_owned())))
            .collect();
        let suite = Suite {
            id: ids::uuid(rng),
            name: spec.name.to_owned(),
            target_agent_id: org.agents[spec.agent].id,
            tester_agent_id: if spec.custom_tester { tester } else { None },
            max_concurrency: spec.max_concurrency,
            default_variables: variables,
            created_at,
            updated_at: created_at,
        };
        for (j, case) in spec.cases.iter().enumerate() {
            let at = created_at + Duration::minutes(5 * (j as i64 + 1));
            org.tests.push(TestCase {
                id: ids::uuid(rng),
                suite_id: suite.id,
                name: case.name.to_owned(),
                script: case.script.to_owned(),
                scoring_rubric: case.rubric.to_owned(),
                attempts_per_run: case.attempts,
                variables: Map::new(),
                created_at: at,
                updated_at: at,
                profile: case.profile,
                spec: Some(case),
            });
        }
        org.suites.push(suite);
    }
}

fn seed_history(org: &mut Org, rng: &mut StdRng) {
    let mut planned: Vec<(OffsetDateTime, usize, Option<String>)> = Vec::new();
    for idx in 0..org.suites.len() {
        for days_ago in (1..=HISTORY_DAYS).rev() {
            if !rng.random_bool(DAILY_RUN_CHANCE) {
                continue;
            }
            let day = org.anchor - Duration::days(days_ago);
            let nightly = rng.random_bool(0.5);
            let (hour, name) = if nightly {
                let label = format!("Nightly {} {}", day.month(), day.day());
                (2, Some(label))
            } else {
                (rng.random_range(9..18), None)
            };
            let at = day.replace_hour(hour).unwrap_or(day)
                + Duration::minutes(rng.random_range(0..60))
                + Duration::seconds(rng.random_range(0..60));
            planned.push((at, idx, name));
        }
    }
    planned.sort_by_key(|p| p.0);
    let cancel_at = if planned.is_empty() {
        usize::MAX
    } else {
        rng.random_range(0..planned.len())
    };
    for (n, (at, idx, name)) in planned.into_iter().enumerate() {
        let Ok(run) = org.start_run(idx, name, at, HISTORY_SPEED) else {
            continue;
        };
        if n == cancel_at {
            let cancelled = run.at(50.0);
            if let Some(last) = org.runs.last_mut() {
                last.cancelled_at = Some(cancelled);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn same_key_and_seed_give_the_same_org() {
        let now = datetime!(2024-06-01 12:34:56 UTC);
        let a = org("rr_a", 42, now);
        let b = org("rr_a", 42, now + Duration::minutes(10));
        assert_eq!(a.id, b.id);
        assert_eq!(a.runs.len(), b.runs.len());
        assert_eq!(
            a.runs.iter().map(|r| r.id).collect::<Vec<_>>(),
            b.runs.iter().map(|r| r.id).collect::<Vec<_>>()
        );
        let c = org("rr_b", 42, now);
        assert_ne!(a.id, c.id);
        assert_ne!(a.suites[0].id, c.suites[0].id);
    }

    #[test]
    fn history_is_finished_and_varied() {
        let now = datetime!(2024-06-01 12:00 UTC);
        let o = org("rr_a", 7, now);
        assert!(o.runs.len() >= 20, "{}", o.runs.len());
        let statuses: Vec<&str> = o.runs.iter().map(|r| r.view(now, false).status).collect();
        assert!(
            statuses
                .iter()
                .all(|s| *s == "completed" || *s == "cancelled")
        );
        assert_eq!(statuses.iter().filter(|s| **s == "cancelled").count(), 1);
        assert!(
            o.runs
                .windows(2)
                .all(|w| w[0].created_at <= w[1].created_at)
        );
        assert!((3..=4).contains(&o.suites.len()));
    }
}
