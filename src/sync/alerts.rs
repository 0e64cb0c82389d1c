//! How an alert reads: the stored payload (see `db::alert_outbox`) turned into the webhook body,
//! a Slack Block Kit message and an e-mail with plain-text and HTML parts. The webhook body is
//! documented in `docs/alerts.md`.

use serde_json::{Value, json};
use time::OffsetDateTime;
use url::Url;

/// A case named in an alert, with a link to its first failing attempt.
pub type CaseLink = (String, Option<String>);

/// The alert as people read it.
#[derive(Debug, Clone, PartialEq)]
pub struct Message {
    /// One line: what happened to which suite.
    pub title: String,
    /// Pass rate and its change, in words.
    pub rate_line: Option<String>,
    /// Named lists of cases (title, [(name, first attempt link)]).
    pub sections: Vec<(String, Vec<CaseLink>)>,
    /// Link to the run.
    pub run_link: Option<String>,
}

fn text<'a>(value: &'a Value, pointer: &str) -> Option<&'a str> {
    value.pointer(pointer).and_then(Value::as_str)
}

fn percent(rate: f64) -> String {
    format!("{:.0}%", rate * 100.0)
}

/// Turns a path of the portal into a link: absolute when the public URL is known.
pub fn link(public_url: Option<&Url>, path: &str) -> String {
    match public_url.and_then(|base| base.join(path).ok()) {
        Some(url) => url.to_string(),
        None => path.to_owned(),
    }
}

/// The message for a stored payload.
pub fn message(payload: &Value, public_url: Option<&Url>) -> Message {
    let suite = text(payload, "/suite/name").unwrap_or("A suite");
    if text(payload, "/event") == Some("test") {
        return Message {
            title: format!(
                "Test alert from Ringside for “{}”",
                text(payload, "/channel").unwrap_or("this channel")
            ),
            rate_line: Some("If you can read this, alerts reach this channel.".into()),
            sections: Vec::new(),
            run_link: None,
        };
    }
    let count = |key: &str| {
        payload
            .get(key)
            .and_then(Value::as_array)
            .map_or(0, Vec::len)
    };
    let title = match text(payload, "/rule").unwrap_or_default() {
        "new_failures" => match count("new_failures") {
            0 => format!("{suite}: {} cases failing", count("failing")),
            1 => format!("{suite}: 1 new failure"),
            n => format!("{suite}: {n} new failures"),
        },
        "recovered" => format!("{suite} recovered: every case passes again"),
        "pass_rate_below" => {
            let threshold = payload
                .get("threshold_percent")
                .and_then(Value::as_i64)
                .unwrap_or(0);
            format!("{suite}: pass rate under {threshold}%")
        }
        "errored_or_cancelled" => match text(payload, "/run/status") {
            Some("cancelled") => format!("{suite}: the run was cancelled"),
            _ => format!("{suite}: the run broke down in RevRing"),
        },
        "newly_flaky" => match count("flaky") {
            1 => format!("{suite}: a case became flaky"),
            n => format!("{suite}: {n} cases became flaky"),
        },
        _ => format!("{suite}: alert"),
    };
    let now = payload.get("pass_rate").and_then(Value::as_f64);
    let then = payload.get("previous_pass_rate").and_then(Value::as_f64);
    let rate_line = now.map(|now| match then {
        Some(then) => {
            let change = ((now - then) * 100.0).round() as i64;
            format!(
                "Pass rate {} ({change:+} points from {})",
                percent(now),
                percent(then)
            )
        }
        None => format!("Pass rate {}", percent(now)),
    });
    let list = |key: &str| -> Vec<CaseLink> {
        payload
            .get(key)
            .and_then(Value::as_array)
            .map(|cases| {
                cases
                    .iter()
                    .map(|case| {
                        let name = text(case, "/name").unwrap_or("(unnamed case)").to_owned();
                        let first = text(case, "/attempt_paths/0").map(|p| link(public_url, p));
                        (name, first)
                    })
                    .collect()
            })
            .unwrap_or_default()
    };
    let mut sections = Vec::new();
    for (key, heading) in [
        ("new_failures", "New failures"),
        ("recovered", "Recovered"),
        ("flaky", "Newly flaky"),
    ] {
        let cases = list(key);
        if !cases.is_empty() {
            sections.push((heading.to_owned(), cases));
        }
    }
    Message {
        title,
        rate_line,
        sections,
        run_link: text(payload, "/run/path").map(|path| link(public_url, path)),
    }
}

/// The generic webhook body: the payload with its delivery id, the time and absolute links.
pub fn webhook_body(
    id: uuid::Uuid,
    payload: &Value,
    public_url: Option<&Url>,
    now: OffsetDateTime,
) -> Value {
    let mut body = payload.clone();
    if let Some(object) = body.as_object_mut() {
        object.insert("id".into(), json!(id));
        object.insert("sent_at".into(), json!(now.unix_timestamp()));
        object.insert("title".into(), json!(message(payload, public_url).title));
    }
    if let Some(path) = text(payload, "/run/path") {
        body["run"]["url"] = json!(link(public_url, path));
    }
    body
}

fn mrkdwn_escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// The Slack incoming-webhook body: a Block Kit message with a plain-text fallback.
pub fn slack_body(message: &Message) -> Value {
    let mut blocks = vec![json!({
        "type": "header",
        "text": {"type": "plain_text", "text": message.title, "emoji": false},
    })];
    if let Some(rate) = &message.rate_line {
        blocks.push(
            json!({"type": "section", "text": {"type": "mrkdwn", "text": mrkdwn_escape(rate)}}),
        );
    }
    for (heading, cases) in &message.sections {
        let lines: Vec<String> = cases
            .iter()
            .map(|(name, link)| match link {
                Some(link) => format!("• <{link}|{}>", mrkdwn_escape(name)),
                None => format!("• {}", mrkdwn_escape(name)),
            })
            .collect();
        blocks.push(json!({
            "type": "section",
            "text": {"type": "mrkdwn", "text": format!("*{heading}*\n{}", lines.join("\n"))},
        }));
    }
    if let Some(run) = &message.run_link {
        blocks.push(json!({
            "type": "actions",
            "elements": [{"type": "button", "text": {"type": "plain_text", "text": "Open the run"}, "url": run}],
        }));
    }
    json!({"text": message.title, "blocks": blocks})
}

fn html_escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The e-mail parts: (plain text, HTML).
pub fn email_parts(message: &Message) -> (String, String) {
    let mut plain = format!("{}\n", message.title);
    let mut html = format!("<h2>{}</h2>\n", html_escape(&message.title));
    if let Some(rate) = &message.rate_line {
        plain.push_str(&format!("\n{rate}\n"));
        html.push_str(&format!("<p>{}</p>\n", html_escape(rate)));
    }
    for (heading, cases) in &message.sections {
        plain.push_str(&format!("\n{heading}:\n"));
        html.push_str(&format!("<h3>{}</h3>\n<ul>\n", html_escape(heading)));
        for (name, link) in cases {
            match link {
                Some(link) => {
                    plain.push_str(&format!("- {name}: {link}\n"));
                    html.push_str(&format!(
                        "<li><a href=\"{}\">{}</a></li>\n",
                        html_escape(link),
                        html_escape(name)
                    ));
                }
                None => {
                    plain.push_str(&format!("- {name}\n"));
                    html.push_str(&format!("<li>{}</li>\n", html_escape(name)));
                }
            }
        }
        html.push_str("</ul>\n");
    }
    if let Some(run) = &message.run_link {
        plain.push_str(&format!("\nThe run: {run}\n"));
        html.push_str(&format!(
            "<p><a href=\"{}\">Open the run</a></p>\n",
            html_escape(run)
        ));
    }
    (plain, html)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Value {
        json!({
            "event": "alert",
            "rule": "new_failures",
            "suite": {"id": "s", "name": "Checkout <flow>"},
            "run": {"id": "r", "path": "/runs/r", "status": "completed"},
            "pass_rate": 0.6,
            "previous_pass_rate": 0.8,
            "new_failures": [{"case_id": "c1", "name": "Refund", "attempt_paths": ["/runs/r/attempts/a1"]}],
            "failing": [],
            "recovered": [],
            "flaky": [],
        })
    }

    #[test]
    fn a_new_failure_reads_with_its_rate_change_and_links() {
        let base = Url::parse("https://ringside.example/").unwrap();
        let message = message(&sample(), Some(&base));
        assert_eq!(message.title, "Checkout <flow>: 1 new failure");
        assert_eq!(
            message.rate_line.as_deref(),
            Some("Pass rate 60% (-20 points from 80%)")
        );
        assert_eq!(
            message.sections,
            [(
                "New failures".to_owned(),
                vec![(
                    "Refund".to_owned(),
                    Some("https://ringside.example/runs/r/attempts/a1".to_owned())
                )]
            )]
        );
        assert_eq!(
            message.run_link.as_deref(),
            Some("https://ringside.example/runs/r")
        );
        let (plain, html) = email_parts(&message);
        assert!(plain.contains("- Refund: https://ringside.example/runs/r/attempts/a1"));
        assert!(html.contains("<h2>Checkout &lt;flow&gt;: 1 new failure</h2>"));
    }

    #[test]
    fn the_slack_message_is_block_kit_with_links_to_attempts_and_the_run() {
        let base = Url::parse("https://ringside.example/").unwrap();
        let body = slack_body(&message(&sample(), Some(&base)));
        assert_eq!(body["text"], "Checkout <flow>: 1 new failure");
        let blocks = body["blocks"].as_array().unwrap();
        let types: Vec<&str> = blocks.iter().map(|b| b["type"].as_str().unwrap()).collect();
        assert_eq!(types, ["header", "section", "section", "actions"]);
        assert_eq!(blocks[0]["text"]["type"], "plain_text");
        assert_eq!(blocks[0]["text"]["text"], "Checkout <flow>: 1 new failure");
        assert_eq!(
            blocks[1]["text"]["text"],
            "Pass rate 60% (-20 points from 80%)"
        );
        assert_eq!(blocks[2]["text"]["type"], "mrkdwn");
        assert_eq!(
            blocks[2]["text"]["text"],
            "*New failures*\n• <https://ringside.example/runs/r/attempts/a1|Refund>"
        );
        let button = &blocks[3]["elements"][0];
        assert_eq!(button["type"], "button");
        assert_eq!(button["url"], "https://ringside.example/runs/r");
    }
}
