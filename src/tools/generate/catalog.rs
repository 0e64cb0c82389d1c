//! Names and words of the generated history: businesses whose voice agents are tested, the
//! test cases QA teams write for them, and the short calls their attempts record.

/// Businesses whose agents the generated suites test: (suite name, business, agent name).
pub(super) const BUSINESSES: [(&str, &str, &str); 20] = [
    ("Dental scheduling", "Bright Smile Dental", "Mia"),
    ("Insurance claims", "Harbor Mutual", "Leo"),
    ("Airline rebooking", "Skyline Air", "Ava"),
    ("Restaurant reservations", "Olive & Thyme", "Noah"),
    ("Pharmacy refills", "Corner Pharmacy", "Ella"),
    ("Card support", "Northbank", "Sam"),
    ("Outage reporting", "City Power", "Ivy"),
    ("Hotel front desk", "Grand Lakeside Hotel", "Max"),
    ("Car service booking", "QuickFix Auto", "Zoe"),
    ("Mobile billing", "Wavelink Mobile", "Eli"),
    ("Vet clinic", "Paws & Claws Vet", "Ruby"),
    ("Property viewings", "Keystone Realty", "Jack"),
    ("Delivery support", "FreshCart", "Luna"),
    ("Gym membership", "Iron Temple Gym", "Owen"),
    ("IT helpdesk", "Acme IT", "Nora"),
    ("Pizza ordering", "Luigi's Pizza", "Theo"),
    ("Parcel tracking", "SwiftShip", "Cleo"),
    ("Clinic triage", "Riverside Clinic", "Hugo"),
    ("Tax hotline", "Clearview Tax", "Iris"),
    ("Ride support", "Zoom Rides", "Finn"),
];

/// Test cases, as QA teams name them; a suite takes a run of them.
pub(super) const CASES: [&str; 24] = [
    "Books a new appointment",
    "Reschedules an existing booking",
    "Cancels a booking and confirms it",
    "Verifies identity before changes",
    "Escalates an angry caller to a human",
    "Handles a caller who speaks Spanish",
    "Gives the opening hours correctly",
    "Spells back a reference number",
    "Does not promise what it cannot guarantee",
    "Collects a callback number",
    "Handles a wrong number gracefully",
    "Answers pricing questions from the price list",
    "Handles a caller who interrupts",
    "Handles silence on the line",
    "Refuses to give professional advice",
    "Confirms details back before ending",
    "Transfers after hours to voicemail",
    "Handles background noise",
    "Explains the refund policy",
    "Takes a complaint and logs it",
    "Handles a caller who changes their mind",
    "Keeps the call under three minutes",
    "Ends the call politely when asked",
    "Protects another customer's data",
];

/// What testers say to open a call.
pub(super) const OPENERS: [&str; 4] = [
    "Hi, I need some help with something.",
    "Hello? Yes, hi, I'm calling about an issue.",
    "Good morning, I hope you can help me.",
    "Hey there, quick question for you.",
];

/// Reasons a judge gives for a failed attempt.
pub(super) const FAILURE_REASONS: [&str; 5] = [
    "it skipped a required step of the rubric",
    "it gave information the rubric forbids",
    "it ended the call before resolving the request",
    "it misheard the caller and did not recover",
    "it promised an outcome it cannot guarantee",
];

/// Escapes text for a JSON string literal (the catalogue holds only printable ASCII, quotes and
/// apostrophes).
pub(super) fn json_text(text: &str) -> String {
    text.replace('\\', "\\\\").replace('"', "\\\"")
}

/// A short call transcript as RevRing sends it: a JSON array of turns.
pub(super) fn transcript(
    business: &str,
    agent: &str,
    case: &str,
    opener: usize,
    good: bool,
) -> String {
    let business = json_text(business);
    let case = json_text(&case.to_lowercase());
    let closing = if good {
        "Of course. I've taken care of that for you; is there anything else?"
    } else {
        "Sorry, I'm not able to help with that. Goodbye."
    };
    format!(
        r#"[{{"role":"assistant","content":"Thanks for calling {business}, this is {agent}. How can I help?","secondsFromStart":0.8}},{{"role":"user","content":"{}","secondsFromStart":4.1}},{{"role":"assistant","content":"Happy to help. What do you need today?","secondsFromStart":7.5}},{{"role":"user","content":"I'm testing that you can handle this: {case}.","secondsFromStart":11.2}},{{"role":"assistant","content":"{closing}","secondsFromStart":16.9}}]"#,
        OPENERS[opener % OPENERS.len()]
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transcripts_are_json_arrays_of_turns() {
        let text = transcript("Luigi's \"Pizza\"", "Theo", CASES[0], 1, false);
        let turns: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(turns.as_array().unwrap().len(), 5);
        assert_eq!(turns[0]["role"], "assistant");
        assert!(
            turns[0]["content"]
                .as_str()
                .unwrap()
                .contains("Luigi's \"Pizza\"")
        );
        assert!(turns[4]["content"].as_str().unwrap().starts_with("Sorry"));
    }
}
