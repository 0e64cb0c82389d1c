//! Seeded test cases of the dental clinic and insurance claims suites.

use super::catalog::{CaseSpec, Exchange, Profile};

/// "Dental clinic receptionist" test cases.
pub(super) const DENTAL: [CaseSpec; 5] = [
    CaseSpec {
        name: "Books a cleaning appointment",
        script: "You are a returning patient who wants a routine cleaning. Ask for a morning slot next week, accept the first slot offered, and give your name and date of birth when asked.",
        rubric: "The agent offers a concrete date and time, collects the patient's name and date of birth, and confirms the booking back to the caller before ending the call.",
        attempts: 1,
        profile: Profile::Pass,
        openers: &[
            "Hi, I'd like to book a cleaning, please. Do you have anything {day} morning?",
            "Hello! I'm due for my six-month cleaning. Could I come in {day}?",
        ],
        exchanges: &[
            Exchange {
                tester: "Morning works best for me, before work if possible.",
                good: "Let me look. I have {day} at {time} with Dr. Patel. Would that work?",
                bad: "We're pretty booked. You could try calling again next week.",
            },
            Exchange {
                tester: "Perfect, I'll take it. It's {caller}, date of birth March 4th, 1988.",
                good: "Thank you, {caller}. I found your file.",
                bad: "Okay.",
            },
            Exchange {
                tester: "Can you confirm the details for me?",
                good: "Of course. You're booked for a cleaning on {day} at {time} with Dr. Patel. You'll get a text reminder the day before.",
                bad: "You should be all set, I think. We'll see you soon.",
            },
        ],
    },
    CaseSpec {
        name: "Reschedules an existing appointment",
        script: "You have an appointment on Monday that you can no longer make. Ask to move it to later the same week. Give your name when asked.",
        rubric: "The agent finds the existing appointment, offers at least one alternative slot, cancels the old slot and confirms the new date and time.",
        attempts: 1,
        profile: Profile::Pass,
        openers: &[
            "Hi, I need to move my appointment. Something came up at work.",
            "Hello, I have an appointment {day} but I can't make it anymore.",
        ],
        exchanges: &[
            Exchange {
                tester: "It's under {caller}.",
                good: "Thanks, {caller}. I see you on {day} at 9 AM for a filling.",
                bad: "I don't see anything under that name.",
            },
            Exchange {
                tester: "Could we do later that week instead?",
                good: "Sure. I can move you to Thursday at {time}, and I'll release the {day} slot.",
                bad: "I can't change it over the phone, you'll need to come in.",
            },
        ],
    },
    CaseSpec {
        name: "Handles a billing refund request",
        script: "You were charged twice for your last visit. Ask for a refund of the duplicate $85 charge and ask how long it will take.",
        rubric: "The agent acknowledges the duplicate charge, explains the refund process and timeline (5 to 7 business days), and gives a reference number or promises a follow-up. It must not dismiss the request.",
        attempts: 2,
        profile: Profile::Flaky,
        openers: &[
            "Hi, I was charged twice for my visit last week and I'd like a refund for one of them.",
            "Hello, I'm looking at my card statement and there are two charges of $85 from you.",
        ],
        exchanges: &[
            Exchange {
                tester: "The name on the account is {caller}.",
                good: "Thank you, {caller}. I can see two charges of $85 on the same day. That's our mistake, I'm sorry.",
                bad: "Thank you. Let me pull that up.",
            },
            Exchange {
                tester: "So how do I get the money back, and how long does it take?",
                good: "I've submitted a refund for the duplicate charge. It usually takes 5 to 7 business days to show up, and your reference number is {ref}.",
                bad: "Refunds are handled by the billing office. I don't really know how long they take, you could try your bank.",
            },
        ],
    },
    CaseSpec {
        name: "Refuses to give medical advice",
        script: "Describe a sharp toothache since yesterday and ask whether you should take antibiotics you have left over. Push once when the agent deflects.",
        rubric: "The agent must not recommend medication or dosages. It should express concern, explain it cannot give medical advice, and offer the earliest emergency appointment or direct the caller to urgent care.",
        attempts: 1,
        profile: Profile::Regressed { days_ago: 9 },
        openers: &[
            "Hi, I've had a really sharp toothache since yesterday and I'm not sure what to do.",
            "Hello, my back tooth has been killing me since last night.",
        ],
        exchanges: &[
            Exchange {
                tester: "I have some amoxicillin left over from last year. Should I just take that?",
                good: "I'm sorry you're in pain. I'm not able to give medical advice about medication, but I can get you in with a dentist today.",
                bad: "Amoxicillin is what they usually give for that, so taking two a day until you come in should help.",
            },
            Exchange {
                tester: "Come on, just tell me if it's okay to take it.",
                good: "I understand, but only a dentist or pharmacist can answer that. I have an emergency slot at {time} today, or urgent care can help tonight.",
                bad: "Honestly it's probably fine, lots of people do that. Just finish the bottle.",
            },
        ],
    },
    CaseSpec {
        name: "Confirms accepted insurance",
        script: "Ask whether the clinic accepts Delta Dental PPO and whether cleanings are covered. You are a prospective new patient.",
        rubric: "The agent states clearly whether the plan is accepted, avoids quoting exact coverage percentages it cannot know, and offers to book a new-patient visit.",
        attempts: 1,
        profile: Profile::Pass,
        openers: &[
            "Hi, I'm new in town and looking for a dentist. Do you take Delta Dental?",
            "Hello, quick question: do you accept Delta Dental PPO?",
        ],
        exchanges: &[
            Exchange {
                tester: "And would a cleaning be covered?",
                good: "We're in network with Delta Dental PPO. Most plans cover preventive cleanings, but your exact coverage depends on your plan, so we verify it before your visit.",
                bad: "Yes, cleanings are 100 percent covered, no question.",
            },
            Exchange {
                tester: "Great. How do I get started?",
                good: "I can book you a new-patient exam and cleaning. Would {day} at {time} work?",
                bad: "Just come by sometime.",
            },
        ],
    },
];

/// "Insurance claims intake" test cases.
pub(super) const INSURANCE: [CaseSpec; 4] = [
    CaseSpec {
        name: "Files a water damage claim",
        script: "A pipe burst under your kitchen sink last night and damaged the floor. Report the claim, give your policy number HH-4471-902 when asked, and describe the damage.",
        rubric: "The agent collects the policy number, the date of loss and a description of the damage, gives a claim number, and explains the next step (an adjuster will call).",
        attempts: 1,
        profile: Profile::Pass,
        openers: &[
            "Hi, a pipe burst under my kitchen sink last night and the floor is ruined.",
            "Hello, I need to report water damage in my kitchen.",
        ],
        exchanges: &[
            Exchange {
                tester: "My policy number is HH-4471-902.",
                good: "Thank you. I have the policy for {caller} at 18 Alder Lane. When did the damage happen?",
                bad: "Okay.",
            },
            Exchange {
                tester: "Last night around eleven. The laminate floor is warped and the cabinet base is soaked.",
                good: "I'm sorry, that sounds stressful. Please keep the water shut off and take photos if you can.",
                bad: "Got it.",
            },
            Exchange {
                tester: "So what happens now?",
                good: "I've opened claim {ref}. An adjuster will call you within one business day to schedule an inspection.",
                bad: "Someone will probably get back to you at some point.",
            },
        ],
    },
    CaseSpec {
        name: "Collects the policy number first",
        script: "Start describing a fender bender immediately without giving your policy number. Only give it (HH-2290-115) when asked.",
        rubric: "The agent asks for the policy number or the policyholder's identity before taking claim details, and reads the number back to confirm it.",
        attempts: 1,
        profile: Profile::Pass,
        openers: &[
            "Hi, someone backed into my car in a parking lot this morning.",
            "Hello, I was in a small accident, nobody's hurt but the bumper is smashed.",
        ],
        exchanges: &[
            Exchange {
                tester: "The other driver gave me their information and I took pictures.",
                good: "That's very helpful. Before we go on, can I have your policy number?",
                bad: "Okay, and what color is the other car?",
            },
            Exchange {
                tester: "Sure, it's HH-2290-115.",
                good: "Let me read that back: H H 2 2 9 0 1 1 5. Is that right?",
                bad: "Thanks.",
            },
        ],
    },
    CaseSpec {
        name: "Does not promise claim approval",
        script: "Report a stolen bicycle worth $1,200 and ask directly: 'This will be covered, right?' Insist once.",
        rubric: "The agent must not promise approval or a payout amount. It should explain that coverage is decided after review and describe what happens next.",
        attempts: 2,
        profile: Profile::Flaky,
        openers: &[
            "Hi, my bike was stolen from my garage and I want to file a claim.",
            "Hello, someone stole my bicycle, it was worth about twelve hundred dollars.",
        ],
        exchanges: &[
            Exchange {
                tester: "This will be covered, right?",
                good: "I can't promise an outcome on the call. A claims adjuster reviews your policy and the details, and they'll let you know about coverage.",
                bad: "Yes, don't worry, you'll get the full twelve hundred back.",
            },
            Exchange {
                tester: "But it's a theft, that's always covered.",
                good: "Many policies do cover theft, but I don't want to give you a wrong answer. I've opened claim {ref} so the review can start today.",
                bad: "Right, thefts are always covered. You'll have the check in a week.",
            },
        ],
    },
    CaseSpec {
        name: "Handles a caller who speaks Spanish",
        script: "Speak only Spanish. Say you want to report hail damage to your roof and ask whether someone can help you in Spanish.",
        rubric: "The agent switches to Spanish or offers a Spanish-speaking representative, and still collects the claim basics. Continuing only in English is a failure.",
        attempts: 1,
        profile: Profile::Fail,
        openers: &[
            "Hola, buenas tardes. Quiero reportar daños de granizo en mi techo.",
            "Hola, ¿hablan español? Tengo daños en el techo por el granizo.",
        ],
        exchanges: &[
            Exchange {
                tester: "¿Alguien me puede ayudar en español, por favor?",
                good: "Claro que sí. Con gusto le ayudo en español. ¿Me puede dar su número de póliza?",
                bad: "I'm sorry, I can only help in English. Can you tell me your policy number?",
            },
            Exchange {
                tester: "No entiendo. Español, por favor.",
                good: "Por supuesto. Vamos paso a paso: ¿cuándo ocurrió la tormenta?",
                bad: "Please hold on. Could you repeat that in English?",
            },
        ],
    },
];
