//! Seeded test cases of the airline and restaurant suites.

use super::catalog::{CaseSpec, Exchange, Profile};

/// "Airline rebooking and baggage" test cases.
pub(super) const AIRLINE: [CaseSpec; 4] = [
    CaseSpec {
        name: "Rebooks a missed connection",
        script: "Your inbound flight was late and you missed your connection to Denver. Give confirmation code KX7Q2L, ask for the next flight today, and accept an aisle seat.",
        rubric: "The agent verifies the booking, offers the next available flight with its time, confirms the new itinerary and says a new boarding pass will be sent.",
        attempts: 1,
        profile: Profile::Pass,
        openers: &[
            "Hi, my first flight landed late and I missed my connection to Denver.",
            "Hello, I'm stuck in Chicago, I just missed my connecting flight.",
        ],
        exchanges: &[
            Exchange {
                tester: "My confirmation code is K X 7 Q 2 L, last name {caller}.",
                good: "Thank you, I have your booking. I'm sorry about the delay.",
                bad: "Hmm, okay.",
            },
            Exchange {
                tester: "Is there anything else to Denver today?",
                good: "Yes, flight 418 leaves at {time} from gate B12. I can put you in an aisle seat, 14C.",
                bad: "You'll have to ask at the airport desk.",
            },
            Exchange {
                tester: "Great, please book that.",
                good: "Done. You're confirmed on flight 418 at {time}, seat 14C, and a new boarding pass is on its way by email.",
                bad: "I think that's done now.",
            },
        ],
    },
    CaseSpec {
        name: "Explains the baggage allowance",
        script: "Ask how many checked bags you can bring on a basic economy ticket and what a second bag costs.",
        rubric: "The agent states the basic economy allowance (one personal item, checked bags for a fee), quotes the fee for a second bag ($45), and does not invent unrelated rules.",
        attempts: 1,
        profile: Profile::Pass,
        openers: &[
            "Hi, I have a basic economy ticket and I'm not sure how many bags I can bring.",
            "Hello, quick baggage question about my basic economy fare.",
        ],
        exchanges: &[
            Exchange {
                tester: "Can I check a suitcase for free?",
                good: "On basic economy you get one personal item free. The first checked bag is $35.",
                bad: "Basic economy includes two free checked bags.",
            },
            Exchange {
                tester: "And what about a second bag?",
                good: "A second checked bag is $45, and each bag can weigh up to 50 pounds.",
                bad: "I'm not sure, maybe around a hundred dollars?",
            },
        ],
    },
    CaseSpec {
        name: "Escalates an angry caller to a human",
        script: "You are furious about a cancelled flight and demand a human agent. Raise your voice and repeat the demand if the agent keeps trying to help itself.",
        rubric: "The agent stays calm, acknowledges the frustration, and offers a transfer to a human agent by the second request at the latest. Refusing or ignoring the request is a failure.",
        attempts: 2,
        profile: Profile::Flaky,
        openers: &[
            "This is ridiculous! You cancelled my flight and nobody told me anything!",
            "I've been on hold forever and my flight is cancelled. I want a real person.",
        ],
        exchanges: &[
            Exchange {
                tester: "I don't want to talk to a robot. Get me a human.",
                good: "I completely understand, and I'm sorry this happened. I'll connect you to one of my colleagues right away.",
                bad: "I can help you with that myself. Can you give me your confirmation code?",
            },
            Exchange {
                tester: "I said a human! Now!",
                good: "Of course. I'm transferring you now; the wait is about two minutes.",
                bad: "I understand. Let's try to rebook you first, it will be faster.",
            },
        ],
    },
    CaseSpec {
        name: "Verifies identity before changes",
        script: "Ask to change the name on a booking to your friend's name. Do not offer the confirmation code or date of birth unless asked.",
        rubric: "Before any change, the agent must verify identity with the confirmation code and the passenger's date of birth. Making or promising the change without verification is a failure.",
        attempts: 1,
        profile: Profile::Fail,
        openers: &[
            "Hi, I need to put my friend's name on my booking instead of mine.",
            "Hello, can I transfer my ticket to someone else?",
        ],
        exchanges: &[
            Exchange {
                tester: "Her name is Dana Whitfield.",
                good: "I can look into that. First I need to verify the booking: what's the confirmation code and the passenger's date of birth?",
                bad: "No problem, I've changed the passenger name to Dana Whitfield.",
            },
            Exchange {
                tester: "Is there a fee for that?",
                good: "Name changes aren't allowed on most fares, but once you're verified I can check your options.",
                bad: "There's a $75 change fee, I've put it on the card on file.",
            },
        ],
    },
];

/// "Restaurant reservations" test cases.
pub(super) const RESTAURANT: [CaseSpec; 4] = [
    CaseSpec {
        name: "Books a table for four",
        script: "Book a table for four on Friday evening. Ask for a booth if possible and give your name and phone number.",
        rubric: "The agent confirms party size, date and time, takes a name and phone number, notes the seating request, and repeats the reservation before hanging up.",
        attempts: 1,
        profile: Profile::Pass,
        openers: &[
            "Hi, I'd like to reserve a table for four on {day}.",
            "Hello! Could I book dinner for four people {day} evening?",
        ],
        exchanges: &[
            Exchange {
                tester: "Around seven would be great, and a booth if you have one.",
                good: "I have seven o'clock available, and I'll note a booth request.",
                bad: "We don't do booths.",
            },
            Exchange {
                tester: "The name is {caller}, and my number is 512-555-0143.",
                good: "Thank you, {caller}. That's a table for four, {day} at seven, booth requested, under 512-555-0143.",
                bad: "Okay, see you then.",
            },
        ],
    },
    CaseSpec {
        name: "Routes a party of fourteen to events",
        script: "Ask to book dinner for fourteen people for a birthday next Saturday.",
        rubric: "Parties over ten must be routed to the events team: the agent must not book the table itself, and it should take contact details or give the events email.",
        attempts: 2,
        profile: Profile::Flaky,
        openers: &[
            "Hi, I'm planning a birthday dinner for fourteen people next Saturday.",
            "Hello, do you take reservations for big groups? We'd be fourteen.",
        ],
        exchanges: &[
            Exchange {
                tester: "Can you book that for eight o'clock?",
                good: "For groups over ten our events team handles the booking, so they can set up the private room. May I take your name and number for them?",
                bad: "Sure, I've booked fourteen at eight o'clock on Saturday.",
            },
            Exchange {
                tester: "It's {caller}, 512-555-0198.",
                good: "Thank you. The events team will call you tomorrow, or you can write to events@trattoriasole.example.",
                bad: "Perfect, you're all set for Saturday.",
            },
        ],
    },
    CaseSpec {
        name: "Mentions the allergy policy",
        script: "Say that one guest has a severe nut allergy and ask whether the kitchen can accommodate it.",
        rubric: "The agent notes the allergy on the reservation and explains the kitchen's policy (it cannot guarantee a nut-free environment) without dismissing the concern.",
        attempts: 1,
        profile: Profile::Pass,
        openers: &[
            "Hi, I have a reservation tonight and one of my guests has a severe nut allergy.",
            "Hello, before we come in, I wanted to ask about nut allergies.",
        ],
        exchanges: &[Exchange {
            tester: "Can the kitchen make sure there are no nuts?",
            good: "I'll add the allergy to your reservation. Our chefs prepare dishes without nuts on request, but we use nuts in the kitchen, so we can't guarantee a nut-free environment.",
            bad: "Don't worry about it, it'll be fine.",
        }],
    },
    CaseSpec {
        name: "Cancels a reservation",
        script: "Cancel your reservation for tonight under your name. Ask whether there is a cancellation fee.",
        rubric: "The agent finds the reservation, cancels it, states whether a fee applies (none for cancellations over two hours ahead), and confirms the cancellation.",
        attempts: 1,
        profile: Profile::Pass,
        openers: &[
            "Hi, I need to cancel my reservation for tonight.",
            "Hello, unfortunately we can't make it tonight.",
        ],
        exchanges: &[
            Exchange {
                tester: "It's under {caller}, for {time}.",
                good: "I found it: {caller}, table for two at {time}.",
                bad: "Which restaurant is this for?",
            },
            Exchange {
                tester: "Is there a cancellation fee?",
                good: "No fee, since you're cancelling more than two hours ahead. Your reservation is cancelled.",
                bad: "There might be a fee, I'm not sure.",
            },
        ],
    },
];
