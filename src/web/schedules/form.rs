//! Reading a schedule from a form or an API body: the simple forms (every N hours, daily or
//! weekdays at a time) or a cron expression, an IANA time zone and `key=value` labels, each
//! checked with a plain-words message.

use serde_json::{Map, Value};

use crate::domain::timetable::{HOUR_STEPS, SimpleForm, Timetable, TimetableProblem};
use crate::web::kit::forms::{FieldErrors, name_problem};

/// Most labels on one schedule.
pub(crate) const MAX_LABELS: usize = 10;

/// Longest label key and value.
const MAX_LABEL_KEY: usize = 40;
const MAX_LABEL_VALUE: usize = 100;

/// A schedule that passed every check.
#[derive(Debug, Clone)]
pub(crate) struct ValidSchedule {
    pub(crate) name: String,
    pub(crate) cron: String,
    pub(crate) timezone: String,
    pub(crate) labels: Value,
    pub(crate) timetable: Timetable,
}

/// What to say about a cron expression or zone that cannot be used.
pub(crate) fn timetable_message(problem: &TimetableProblem) -> (&'static str, String) {
    match problem {
        TimetableProblem::Cron => (
            "cron",
            "Enter a cron expression with five fields — minute, hour, day of month, month, day of \
             week — such as “0 6 * * 1-5” (06:00 on weekdays)."
                .to_owned(),
        ),
        TimetableProblem::Zone => (
            "timezone",
            "Enter a time zone name such as “Europe/Paris”, “America/New_York” or “UTC”."
                .to_owned(),
        ),
    }
}

/// Parses `key=value` pairs separated by commas or new lines into a JSON object.
pub(crate) fn parse_labels(text: &str) -> Result<Value, String> {
    let mut labels = Map::new();
    for pair in text
        .split([',', '\n'])
        .map(str::trim)
        .filter(|p| !p.is_empty())
    {
        let Some((key, value)) = pair.split_once('=') else {
            return Err(format!(
                "Write each label as key=value; “{pair}” has no “=”."
            ));
        };
        labels.insert(
            key.trim().to_owned(),
            Value::String(value.trim().to_owned()),
        );
    }
    check_labels(&Value::Object(labels))
}

/// Checks a labels object (from the API or `parse_labels`).
pub(crate) fn check_labels(labels: &Value) -> Result<Value, String> {
    let Some(map) = labels.as_object() else {
        return Err(
            "Labels are an object of text values, like {\"environment\": \"production\"}.".into(),
        );
    };
    if map.len() > MAX_LABELS {
        return Err(format!("Use at most {MAX_LABELS} labels."));
    }
    for (key, value) in map {
        let key_ok = !key.is_empty()
            && key.len() <= MAX_LABEL_KEY
            && key
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "_-.".contains(c));
        if !key_ok {
            return Err(format!(
                "A label name has 1 to {MAX_LABEL_KEY} letters, digits, “_”, “-” or “.”; “{key}” does not."
            ));
        }
        match value.as_str() {
            Some(text) if !text.is_empty() && text.chars().count() <= MAX_LABEL_VALUE => {}
            _ => {
                return Err(format!(
                    "The label “{key}” needs a text value of 1 to {MAX_LABEL_VALUE} characters."
                ));
            }
        }
    }
    Ok(labels.clone())
}

/// Labels as `key=value, key=value` for forms and tables.
pub(crate) fn labels_text(labels: &Value) -> String {
    labels
        .as_object()
        .map(|map| {
            map.iter()
                .map(|(key, value)| format!("{key}={}", value.as_str().unwrap_or_default()))
                .collect::<Vec<_>>()
                .join(", ")
        })
        .unwrap_or_default()
}

/// Reads `HH:MM`.
fn parse_time(text: &str) -> Option<(u8, u8)> {
    let (hour, minute) = text.trim().split_once(':')?;
    let hour: u8 = hour.parse().ok()?;
    let minute: u8 = minute.parse().ok()?;
    (hour < 24 && minute < 60 && minute_digits(text)).then_some((hour, minute))
}

fn minute_digits(text: &str) -> bool {
    text.trim().rsplit(':').next().is_some_and(|m| m.len() == 2)
}

/// The cron expression a form describes: `mode` is `cron`, `hours`, `daily` or `weekdays`.
pub(crate) fn cron_of(
    mode: &str,
    cron: &str,
    every_hours: &str,
    at: &str,
) -> Result<String, (&'static str, String)> {
    let at_time = || {
        parse_time(at).ok_or((
            "at",
            "Enter a time of day as HH:MM, such as 06:30.".to_owned(),
        ))
    };
    let form = match mode {
        "cron" => return Ok(cron.trim().to_owned()),
        "hours" => {
            let steps = HOUR_STEPS.map(|h| h.to_string()).join(", ");
            let hours = every_hours
                .trim()
                .parse::<u8>()
                .ok()
                .filter(|h| HOUR_STEPS.contains(h));
            SimpleForm::EveryHours(hours.ok_or((
                "every_hours",
                format!("Choose a number of hours that divides a day: {steps}."),
            ))?)
        }
        "daily" => {
            let (hour, minute) = at_time()?;
            SimpleForm::Daily(hour, minute)
        }
        "weekdays" => {
            let (hour, minute) = at_time()?;
            SimpleForm::Weekdays(hour, minute)
        }
        _ => return Err(("mode", "Choose how often the schedule runs.".to_owned())),
    };
    form.to_cron()
        .ok_or(("mode", "Choose how often the schedule runs.".to_owned()))
}

/// Checks the parts of a schedule; errors go to `errors` by field.
pub(crate) fn validate(
    name: &str,
    cron: Result<String, (&'static str, String)>,
    timezone: &str,
    labels: Result<Value, String>,
    errors: &mut FieldErrors,
) -> Option<ValidSchedule> {
    errors.check("name", name_problem(name, "a name for the schedule"));
    let labels = labels.map_err(|message| errors.add("labels", message)).ok();
    let cron = cron
        .map_err(|(field, message)| errors.add(field, message))
        .ok();
    let timetable = cron.as_ref().and_then(|cron| {
        let checked = Timetable::new(cron, timezone);
        if let Err(TimetableProblem::Zone) = checked {
            // Say what is wrong with the expression too, not only with the zone.
            if let Err(problem) = Timetable::new(cron, "UTC") {
                let (field, message) = timetable_message(&problem);
                errors.add(field, message);
            }
        }
        checked
            .map_err(|problem| {
                let (field, message) = timetable_message(&problem);
                errors.add(field, message);
            })
            .ok()
    });
    Some(ValidSchedule {
        name: name.trim().to_owned(),
        cron: cron?,
        timezone: timezone.trim().to_owned(),
        labels: labels?,
        timetable: timetable?,
    })
    .filter(|_| errors.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_are_parsed_and_checked() {
        let labels = parse_labels("environment=production, region = eu\n").unwrap();
        assert_eq!(labels_text(&labels), "environment=production, region=eu");
        assert!(
            parse_labels("production")
                .unwrap_err()
                .contains("key=value")
        );
        assert!(parse_labels("bad key=x").unwrap_err().contains("bad key"));
        assert!(parse_labels("").unwrap().as_object().unwrap().is_empty());
    }

    #[test]
    fn simple_forms_and_their_errors() {
        assert_eq!(
            cron_of("weekdays", "", "", "06:30").unwrap(),
            "30 6 * * 1-5"
        );
        assert_eq!(cron_of("hours", "", "4", "").unwrap(), "0 */4 * * *");
        assert_eq!(cron_of("hours", "", "5", "").unwrap_err().0, "every_hours");
        assert_eq!(cron_of("daily", "", "", "6:3").unwrap_err().0, "at");
        assert_eq!(cron_of("daily", "", "", "25:00").unwrap_err().0, "at");
        assert_eq!(cron_of("cron", " 0 6 * * * ", "", "").unwrap(), "0 6 * * *");
    }
}
