//! Reading a server-sent event stream event by event, with a deadline.

use tokio::time::Instant;

/// One server-sent event.
#[derive(Debug, Clone)]
pub(crate) struct SseEvent {
    /// Its `event:` name.
    pub kind: String,
    /// Its `data:` lines joined by newlines.
    pub data: String,
}

/// Reads `response` (a `text/event-stream`) until an event named `done` or `gone`, or until
/// the server closes it; panics at `deadline`. Returns every event in order.
pub(crate) async fn read_until_done(
    response: &mut reqwest::Response,
    deadline: Instant,
) -> Vec<SseEvent> {
    let mut buffer = String::new();
    let mut events = Vec::new();
    loop {
        while let Some(end) = buffer.find("\n\n") {
            let block: String = buffer.drain(..end + 2).collect();
            if let Some(event) = parse(&block) {
                let last = matches!(event.kind.as_str(), "done" | "gone");
                events.push(event);
                if last {
                    return events;
                }
            }
        }
        let chunk = tokio::time::timeout_at(deadline, response.chunk())
            .await
            .unwrap_or_else(|_| panic!("the stream ended in time; so far {events:?}"))
            .expect("read the event stream");
        match chunk {
            Some(bytes) => buffer.push_str(&String::from_utf8_lossy(&bytes)),
            None => return events,
        }
    }
}

/// One event block; `None` for comments (keep-alives) and blocks without data.
fn parse(block: &str) -> Option<SseEvent> {
    let mut kind = "message".to_owned();
    let mut data = Vec::new();
    for line in block.lines() {
        if let Some(value) = line.strip_prefix("event:") {
            kind = value.trim().to_owned();
        } else if let Some(value) = line.strip_prefix("data:") {
            data.push(value.strip_prefix(' ').unwrap_or(value));
        }
    }
    (!data.is_empty() || kind != "message").then(|| SseEvent {
        kind,
        data: data.join("\n"),
    })
}
