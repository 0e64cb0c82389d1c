//! One run page's event stream as the live bench reads it: server-sent events, each carrying the
//! page's live section; in it, every attempt is a row `tr.attempt-row` with `data-attempt` (its
//! id) and `data-verdict` (the judge's verdict, or `pending` / `not-run` before it has one).

use std::collections::HashMap;
use std::net::SocketAddr;

use anyhow::{Context, bail};
use time::OffsetDateTime;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::time::Instant;
use uuid::Uuid;

/// Bytes a held stream reads at a time.
const HOLD_BUFFER: usize = 4096;

/// What one stream saw.
#[derive(Debug, Default)]
pub(super) struct Seen {
    /// Events received (the first, the updates and the last).
    pub(super) events: usize,
    /// When each attempt first showed a verdict.
    pub(super) judged: HashMap<Uuid, OffsetDateTime>,
}

/// Reads `response` (a `text/event-stream`) until its `done` or `gone` event, until the server
/// closes it, or until `deadline`.
pub(super) async fn follow(mut response: reqwest::Response, deadline: Instant) -> Seen {
    let mut seen = Seen::default();
    let mut buffer = String::new();
    loop {
        while let Some(end) = buffer.find("\n\n") {
            let block: String = buffer.drain(..end + 2).collect();
            let Some(event) = parse_event(&block) else {
                continue;
            };
            seen.events += 1;
            let now = OffsetDateTime::now_utc();
            for attempt in judged_rows(&event.data) {
                seen.judged.entry(attempt).or_insert(now);
            }
            if matches!(event.kind.as_str(), "done" | "gone") {
                return seen;
            }
        }
        match tokio::time::timeout_at(deadline, response.chunk()).await {
            Ok(Ok(Some(bytes))) => buffer.push_str(&String::from_utf8_lossy(&bytes)),
            _ => return seen,
        }
    }
}

/// Opens `path` (an event stream) at `addr` over a bare HTTP/1.1 connection with `cookie`,
/// and checks that it answered 200. Reading such a stream with a small buffer, as [`count`]
/// does, keeps what the bench's own readers add to the process's memory small.
pub(super) async fn hold(addr: SocketAddr, path: &str, cookie: &str) -> anyhow::Result<TcpStream> {
    let mut stream = TcpStream::connect(addr).await?;
    let request = format!(
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nCookie: {cookie}\r\n\
         Accept: text/event-stream\r\n\r\n"
    );
    stream.write_all(request.as_bytes()).await?;
    let mut head = [0u8; 16];
    stream
        .read_exact(&mut head)
        .await
        .context("the event stream closed at once")?;
    if !head.starts_with(b"HTTP/1.1 200 ") {
        bail!("GET {path} answered {}", String::from_utf8_lossy(&head));
    }
    Ok(stream)
}

/// Reads a held stream until the server closes it or until `deadline`; returns the events it
/// carried (blocks with an `event:` line; keep-alive comments are not events).
pub(super) async fn count(mut stream: TcpStream, deadline: Instant) -> usize {
    const MARKER: &[u8] = b"\nevent:";
    let mut buffer = vec![0u8; HOLD_BUFFER + MARKER.len()];
    let mut carried = 0;
    let mut events = 0;
    loop {
        let read = tokio::time::timeout_at(deadline, stream.read(&mut buffer[carried..])).await;
        let n = match read {
            Ok(Ok(n)) if n > 0 => n,
            _ => return events,
        };
        let filled = carried + n;
        events += buffer[..filled]
            .windows(MARKER.len())
            .filter(|window| *window == MARKER)
            .count();
        // Keep the tail that could begin a marker split across two reads.
        carried = (MARKER.len() - 1).min(filled);
        buffer.copy_within(filled - carried..filled, 0);
    }
}

/// One server-sent event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SseEvent {
    /// Its `event:` name (`message` when it has none).
    pub kind: String,
    /// Its `data:` lines joined by newlines.
    pub data: String,
}

/// One event block of a `text/event-stream`; `None` for comments (keep-alives) and blocks
/// without data. The integration tests read streams with it too.
pub fn parse_event(block: &str) -> Option<SseEvent> {
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

/// The attempts the live section shows with a verdict.
fn judged_rows(html: &str) -> Vec<Uuid> {
    let mut judged = Vec::new();
    let mut rest = html;
    while let Some(start) = rest.find("<tr class=\"attempt-row\"") {
        let tag = &rest[start..];
        let end = tag.find('>').unwrap_or(tag.len());
        let (tag, after) = tag.split_at(end);
        rest = after;
        let verdict = attribute(tag, "data-verdict");
        let attempt = attribute(tag, "data-attempt").and_then(|id| id.parse::<Uuid>().ok());
        if let (Some(verdict), Some(attempt)) = (verdict, attempt)
            && !matches!(verdict, "pending" | "not-run")
        {
            judged.push(attempt);
        }
    }
    judged
}

/// The value of `name="…"` in one tag.
fn attribute<'a>(tag: &'a str, name: &str) -> Option<&'a str> {
    let marker = format!(" {name}=\"");
    let start = tag.find(&marker)? + marker.len();
    let length = tag[start..].find('"')?;
    Some(&tag[start..start + length])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_with_a_verdict_are_told_from_pending_ones() {
        let (a, b, c) = (Uuid::new_v4(), Uuid::new_v4(), Uuid::new_v4());
        let html = format!(
            "<table><tr class=\"attempt-row\" data-verdict=\"pass\" data-attempt=\"{a}\">\
             <td>1</td></tr><tr class=\"attempt-row\" data-verdict=\"pending\" \
             data-attempt=\"{b}\"><td>2</td></tr><tr class=\"attempt-row\" \
             data-verdict=\"fail\" data-attempt=\"{c}\"></tr></table>"
        );
        assert_eq!(judged_rows(&html), vec![a, c]);
    }

    #[test]
    fn event_blocks_give_their_name_and_data() {
        assert_eq!(
            parse_event("event: update\ndata: <p>\ndata: x</p>\n\n"),
            Some(SseEvent {
                kind: "update".into(),
                data: "<p>\nx</p>".into()
            })
        );
        assert_eq!(parse_event(": keep-alive\n\n"), None);
    }
}
