//! The in-memory state: organizations (one per API key) with their agents, suites, test cases,
//! runs and calls. Objects are kept in creation order; lists are served newest first.

use std::collections::HashMap;

use rand::Rng;
use rand::rngs::StdRng;
use serde_json::{Map, Value};
use time::OffsetDateTime;
use uuid::Uuid;

use super::calls::Leg;
use super::catalog::{AgentSpec, CaseSpec, Profile};
use super::conversation::{Cast, Dialogue};
use super::error::ApiError;
use super::ids;
use super::runs::{self, CaseSnapshot, Party, PlanInput, Run};

/// An agent of an organization.
#[derive(Debug, Clone)]
pub struct Agent {
    /// Agent id.
    pub id: Uuid,
    /// What it is.
    pub spec: &'static AgentSpec,
    /// Its phone number (E.164).
    pub phone: String,
    /// The phone number's id.
    pub phone_id: Uuid,
    /// Creation instant.
    pub created_at: OffsetDateTime,
}

impl Agent {
    /// The agent as one side of a call.
    pub fn party(&self) -> Party {
        Party {
            agent_id: self.id,
            name: self.spec.name.to_owned(),
            phone: self.phone.clone(),
            caller_id_name: self.spec.business.chars().take(15).collect(),
        }
    }

    /// The agent's persona for dialogue.
    pub fn cast(&self) -> Cast<'static> {
        Cast {
            business: self.spec.business,
            agent: self.spec.persona,
            first_message: self.spec.first_message,
        }
    }
}

/// A test suite.
#[derive(Debug, Clone)]
pub struct Suite {
    /// Suite id.
    pub id: Uuid,
    /// Name (≤ 128 characters).
    pub name: String,
    /// The agent under test.
    pub target_agent_id: Uuid,
    /// A custom tester, or `None` for the system tester.
    pub tester_agent_id: Option<Uuid>,
    /// Concurrent calls, 2..=100.
    pub max_concurrency: u32,
    /// Variables for every test call.
    pub default_variables: Map<String, Value>,
    /// Creation instant.
    pub created_at: OffsetDateTime,
    /// Last update.
    pub updated_at: OffsetDateTime,
}

/// A test case.
#[derive(Debug, Clone)]
pub struct TestCase {
    /// Test case id.
    pub id: Uuid,
    /// Owning suite.
    pub suite_id: Uuid,
    /// Name (≤ 128).
    pub name: String,
    /// The tester's script (≤ 10000).
    pub script: String,
    /// The rubric (≤ 5000).
    pub scoring_rubric: String,
    /// Attempts per run, 1..=10.
    pub attempts_per_run: u32,
    /// Variables overriding the suite's.
    pub variables: Map<String, Value>,
    /// Creation instant.
    pub created_at: OffsetDateTime,
    /// Last update.
    pub updated_at: OffsetDateTime,
    /// How it tends to come out.
    pub profile: Profile,
    /// The catalogue entry whose dialogue its calls use, while its script is unchanged.
    pub spec: Option<&'static CaseSpec>,
}

/// Where a call lives: run id, attempt index, leg.
pub(super) type CallRef = (Uuid, usize, Leg);

/// One organization: everything one API key can see.
#[derive(Debug)]
pub struct Org {
    /// Organization id.
    pub id: Uuid,
    /// The simulator seed mixed with the key.
    pub seed: u64,
    /// Draws ids and run seeds for objects created through the API.
    pub rng: StdRng,
    /// The instant the seed data is laid out from.
    pub anchor: OffsetDateTime,
    /// The organization's SIP trunk id.
    pub sip_trunk_id: Uuid,
    /// The built-in tester used when a suite has no `testerAgentId`.
    pub system_tester: Party,
    /// Agents, creation order.
    pub agents: Vec<Agent>,
    /// Suites, creation order.
    pub suites: Vec<Suite>,
    /// Test cases, creation order.
    pub tests: Vec<TestCase>,
    /// Runs, creation order.
    pub runs: Vec<Run>,
    /// Call id to its place.
    pub calls: HashMap<Uuid, CallRef>,
}

/// Parses a path id; a malformed id is simply not found.
pub(super) fn parse_id(raw: &str, what: &str) -> Result<Uuid, ApiError> {
    Uuid::parse_str(raw).map_err(|_| ApiError::not_found(what))
}

impl Org {
    /// The agent with `id`.
    pub fn agent(&self, id: Uuid) -> Option<&Agent> {
        self.agents.iter().find(|a| a.id == id)
    }

    /// Checks that `raw` (from field `field`) names an agent of this organization.
    pub fn agent_ref(&self, raw: &str, field: &str) -> Result<Uuid, ApiError> {
        Uuid::parse_str(raw)
            .ok()
            .filter(|id| self.agent(*id).is_some())
            .ok_or_else(|| {
                ApiError::validation(format!(
                    "`{field}` does not name an agent of this organization"
                ))
            })
    }

    /// Index of the suite with path id `raw`.
    pub fn suite_index(&self, raw: &str) -> Result<usize, ApiError> {
        let id = parse_id(raw, "Test suite")?;
        self.suites
            .iter()
            .position(|s| s.id == id)
            .ok_or_else(|| ApiError::not_found("Test suite"))
    }

    /// Index of test case `raw` of suite `suite_id`.
    pub fn test_index(&self, suite_id: Uuid, raw: &str) -> Result<usize, ApiError> {
        let id = parse_id(raw, "Test case")?;
        self.tests
            .iter()
            .position(|t| t.id == id && t.suite_id == suite_id)
            .ok_or_else(|| ApiError::not_found("Test case"))
    }

    /// Index of run `raw` of suite `suite_id`.
    pub fn run_index(&self, suite_id: Uuid, raw: &str) -> Result<usize, ApiError> {
        let id = parse_id(raw, "Test run")?;
        self.runs
            .iter()
            .position(|r| r.id == id && r.suite_id == suite_id)
            .ok_or_else(|| ApiError::not_found("Test run"))
    }

    /// The run and attempt index of call `id`.
    pub fn call(&self, id: Uuid) -> Option<(&Run, usize, Leg)> {
        let (run_id, idx, leg) = *self.calls.get(&id)?;
        let run = self.runs.iter().find(|r| r.id == run_id)?;
        Some((run, idx, leg))
    }

    /// A fresh id from the organization's generator.
    pub fn new_id(&mut self) -> Uuid {
        ids::uuid(&mut self.rng)
    }

    /// Deletes suite `idx` with its test cases, runs and calls.
    pub fn delete_suite(&mut self, idx: usize) -> Suite {
        let suite = self.suites.remove(idx);
        self.tests.retain(|t| t.suite_id != suite.id);
        let gone: Vec<Uuid> = self
            .runs
            .iter()
            .filter(|r| r.suite_id == suite.id)
            .map(|r| r.id)
            .collect();
        self.runs.retain(|r| r.suite_id != suite.id);
        self.calls
            .retain(|_, (run_id, _, _)| !gone.contains(run_id));
        suite
    }

    /// Starts a run of suite `idx` at `now` with time scale `speed`.
    ///
    /// Fails with 400 when the suite has no test case (docs/revring-api.md §3.6).
    pub fn start_run(
        &mut self,
        idx: usize,
        name: Option<String>,
        now: OffsetDateTime,
        speed: f64,
    ) -> Result<&Run, ApiError> {
        let suite = &self.suites[idx];
        let cases: Vec<CaseSnapshot> = self
            .tests
            .iter()
            .filter(|t| t.suite_id == suite.id)
            .map(|t| {
                let mut variables = suite.default_variables.clone();
                variables.extend(t.variables.clone());
                CaseSnapshot {
                    id: t.id,
                    name: t.name.clone(),
                    rubric: t.scoring_rubric.clone(),
                    attempts: t.attempts_per_run,
                    profile: t.profile,
                    dialogue: t.spec.map_or_else(
                        || Dialogue::from_script(&t.name, &t.script),
                        Dialogue::from_spec,
                    ),
                    variables,
                }
            })
            .collect();
        if cases.is_empty() {
            return Err(ApiError::validation(
                "The test suite has no test cases; add at least one before starting a run",
            ));
        }
        let target_agent = self
            .agent(suite.target_agent_id)
            .ok_or_else(|| ApiError::validation("The suite's target agent no longer exists"))?;
        let target = target_agent.party();
        let cast = target_agent.cast();
        let tester = suite
            .tester_agent_id
            .and_then(|id| self.agent(id))
            .map_or_else(|| self.system_tester.clone(), Agent::party);
        let number = self.runs.iter().filter(|r| r.suite_id == suite.id).count() + 1;
        let input = PlanInput {
            suite_id: suite.id,
            name: name.unwrap_or_else(|| format!("Run #{number}")),
            created_at: ids::millis(now),
            speed,
            parallel: (suite.max_concurrency / 2).max(1) as usize,
            cases: &cases,
            target: &target,
            tester: &tester,
            cast,
            anchor: self.anchor,
        };
        let run_seed: u64 = self.rng.random();
        let run = runs::plan(&input, &mut ids::rng(run_seed, 0));
        for (i, a) in run.attempts.iter().enumerate() {
            self.calls.insert(a.call_id, (run.id, i, Leg::Outbound));
            self.calls
                .insert(a.inbound_call_id, (run.id, i, Leg::Inbound));
        }
        self.runs.push(run);
        Ok(self.runs.last().expect("just pushed"))
    }
}
