//! The fixed catalogue the seed data is drawn from: agents, suites, test cases, and the lines
//! their calls are made of.
//!
//! Dialogue lines may use the placeholders `{caller}`, `{agent}`, `{business}`, `{day}`,
//! `{time}` and `{ref}`, filled per call by [`super::conversation`].

pub(super) use super::cases_health::{DENTAL, INSURANCE};
pub(super) use super::cases_service::{AIRLINE, RESTAURANT};

/// How a test case tends to come out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Profile {
    /// Passes every time.
    Pass,
    /// Fails every time.
    Fail,
    /// Passes about half the time (and rarely errors).
    Flaky,
    /// Passed until `days_ago` days before the seed anchor, fails since.
    Regressed {
        /// When the regression landed, in days before the anchor.
        days_ago: i64,
    },
    /// The call never connects; the attempt ends with `error`.
    Error,
}

/// One question from the tester with the target's good and bad answers.
#[derive(Debug, Clone, Copy)]
pub struct Exchange {
    /// What the tester says.
    pub tester: &'static str,
    /// A reply that satisfies the rubric.
    pub good: &'static str,
    /// A reply that breaks the rubric.
    pub bad: &'static str,
}

/// A seeded test case with its dialogue.
#[derive(Debug, Clone, Copy)]
pub struct CaseSpec {
    /// Test case name.
    pub name: &'static str,
    /// The tester's script.
    pub script: &'static str,
    /// The scoring rubric.
    pub rubric: &'static str,
    /// `attemptsPerRun`.
    pub attempts: u32,
    /// How it tends to come out.
    pub profile: Profile,
    /// Alternative ways the tester states why they call.
    pub openers: &'static [&'static str],
    /// The body of the call; the last exchange is the one the rubric hinges on.
    pub exchanges: &'static [Exchange],
}

/// A seeded suite.
#[derive(Debug, Clone, Copy)]
pub(super) struct SuiteSpec {
    /// Suite name.
    pub name: &'static str,
    /// Index into [`AGENTS`] of the target agent.
    pub agent: usize,
    /// Whether the suite uses the organization's own tester agent instead of the system tester.
    pub custom_tester: bool,
    /// `maxConcurrency`.
    pub max_concurrency: u32,
    /// `defaultVariables` as string pairs.
    pub variables: &'static [(&'static str, &'static str)],
    /// The test cases.
    pub cases: &'static [CaseSpec],
}

/// A seeded agent.
#[derive(Debug, Clone, Copy)]
pub struct AgentSpec {
    /// Agent name as listed.
    pub name: &'static str,
    /// The persona's first name, used in dialogue.
    pub persona: &'static str,
    /// The business the agent answers for.
    pub business: &'static str,
    /// The agent's opening line.
    pub first_message: &'static str,
    /// The system prompt.
    pub prompt: &'static str,
    /// IANA time zone.
    pub timezone: &'static str,
    /// Whether this agent plays callers (a custom tester) rather than answering them.
    pub tester: bool,
}

/// The agents of every organization: four targets and one custom tester (last).
pub(super) const AGENTS: [AgentSpec; 5] = [
    AgentSpec {
        name: "Maya - Bright Smile Dental front desk",
        persona: "Maya",
        business: "Bright Smile Dental",
        first_message: "Thank you for calling Bright Smile Dental, this is Maya. How can I help you today?",
        prompt: "You are Maya, the receptionist of {{clinic_name}}. Book, move and cancel appointments, answer questions about insurance and billing, and never give medical advice.",
        timezone: "America/Chicago",
        tester: false,
    },
    AgentSpec {
        name: "Leo - Northwind Air customer care",
        persona: "Leo",
        business: "Northwind Air",
        first_message: "Northwind Air customer care, this is Leo speaking. How can I help?",
        prompt: "You are Leo, a customer care agent for Northwind Air. Verify the caller's identity before changing a booking. Rebook disrupted passengers and explain fare rules plainly.",
        timezone: "America/New_York",
        tester: false,
    },
    AgentSpec {
        name: "Ava - Hearth & Home claims intake",
        persona: "Ava",
        business: "Hearth & Home Insurance",
        first_message: "Hearth and Home Insurance claims, this is Ava. Are you calling to report a new claim?",
        prompt: "You are Ava, a claims intake specialist for Hearth & Home Insurance. Collect the policy number, the date and a description of the loss. Never promise that a claim will be approved.",
        timezone: "America/Denver",
        tester: false,
    },
    AgentSpec {
        name: "Luca - Trattoria Sole reservations",
        persona: "Luca",
        business: "Trattoria Sole",
        first_message: "Buonasera, Trattoria Sole, this is Luca. Would you like to make a reservation?",
        prompt: "You are Luca, the host of Trattoria Sole. Take, change and cancel reservations for up to ten guests; larger parties go to the events team.",
        timezone: "America/Los_Angeles",
        tester: false,
    },
    AgentSpec {
        name: "QA caller - Sam",
        persona: "Sam",
        business: "QA",
        first_message: "Hi there!",
        prompt: "You are a caller testing another voice agent. Follow the test script exactly and stay in character.",
        timezone: "UTC",
        tester: true,
    },
];

/// The suites of every organization, in creation order.
pub(super) const SUITES: [SuiteSpec; 4] = [
    SuiteSpec {
        name: "Dental clinic receptionist",
        agent: 0,
        custom_tester: false,
        max_concurrency: 4,
        variables: &[("clinic_name", "Bright Smile Dental"), ("city", "Austin")],
        cases: &DENTAL,
    },
    SuiteSpec {
        name: "Airline rebooking and baggage",
        agent: 1,
        custom_tester: true,
        max_concurrency: 2,
        variables: &[("airline", "Northwind Air")],
        cases: &AIRLINE,
    },
    SuiteSpec {
        name: "Insurance claims intake",
        agent: 2,
        custom_tester: false,
        max_concurrency: 6,
        variables: &[("line_of_business", "homeowners")],
        cases: &INSURANCE,
    },
    SuiteSpec {
        name: "Restaurant reservations",
        agent: 3,
        custom_tester: false,
        max_concurrency: 2,
        variables: &[("restaurant", "Trattoria Sole"), ("max_party", "10")],
        cases: &RESTAURANT,
    },
];

/// Names callers use on the phone.
pub(super) const CALLERS: [&str; 10] = [
    "Jordan Miles",
    "Priya Raman",
    "Carlos Mendez",
    "Emily Chen",
    "Marcus Bell",
    "Hannah Schultz",
    "Tom O'Brien",
    "Aisha Khan",
    "Greg Novak",
    "Laura Martins",
];

/// Days callers ask about.
pub(super) const DAYS: [&str; 6] = [
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "next Monday",
];

/// Times callers ask about.
pub(super) const TIMES: [&str; 6] = ["9 AM", "10:30", "noon", "2 PM", "3:45", "5 PM"];
