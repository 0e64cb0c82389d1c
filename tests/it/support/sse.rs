//! Reading a server-sent event stream event by event, with a deadline.

use tokio::time::Instant;

pub(crate) use ringside::tools::bench::SseEvent;
use ringside::tools::bench::parse_event;

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
            if let Some(event) = parse_event(&block) {
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
