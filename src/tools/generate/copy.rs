//! Streaming rows into PostgreSQL with `COPY … FROM STDIN` (text format): the fast way to load a
//! large history.

use sqlx::PgConnection;
use sqlx::postgres::PgCopyIn;

/// Bytes buffered before they are sent to the server.
const FLUSH_BYTES: usize = 1 << 20;

/// One `COPY` in progress: rows are built in a buffer and sent in large chunks.
pub(super) struct CopyRows<'c> {
    copy: PgCopyIn<&'c mut PgConnection>,
    buf: String,
    first_field: bool,
}

impl<'c> CopyRows<'c> {
    /// Starts `COPY table (columns) FROM STDIN`.
    pub(super) async fn start(conn: &'c mut PgConnection, statement: &str) -> sqlx::Result<Self> {
        Ok(Self {
            copy: conn.copy_in_raw(statement).await?,
            buf: String::with_capacity(FLUSH_BYTES + 64 * 1024),
            first_field: true,
        })
    }

    fn separate(&mut self) {
        if !self.first_field {
            self.buf.push('\t');
        }
        self.first_field = false;
    }

    /// A text field, escaped for the text format.
    pub(super) fn text(&mut self, value: &str) -> &mut Self {
        self.separate();
        escape_into(&mut self.buf, value);
        self
    }

    /// A field whose text needs no escaping (numbers, ids, timestamps).
    pub(super) fn plain(&mut self, value: impl std::fmt::Display) -> &mut Self {
        use std::fmt::Write;
        self.separate();
        let _ = write!(self.buf, "{value}");
        self
    }

    /// Ends the row, sending the buffer when it is full.
    pub(super) async fn end_row(&mut self) -> sqlx::Result<()> {
        self.buf.push('\n');
        self.first_field = true;
        if self.buf.len() >= FLUSH_BYTES {
            self.copy.send(self.buf.as_bytes()).await?;
            self.buf.clear();
        }
        Ok(())
    }

    /// Sends what is left and completes the `COPY`; returns the rows written.
    pub(super) async fn finish(mut self) -> sqlx::Result<u64> {
        if !self.buf.is_empty() {
            self.copy.send(self.buf.as_bytes()).await?;
        }
        self.copy.finish().await
    }
}

/// Appends `value` escaped for `COPY`'s text format (backslash, tab, newline, carriage return).
pub(super) fn escape_into(buf: &mut String, value: &str) {
    for c in value.chars() {
        match c {
            '\\' => buf.push_str("\\\\"),
            '\t' => buf.push_str("\\t"),
            '\n' => buf.push_str("\\n"),
            '\r' => buf.push_str("\\r"),
            c => buf.push(c),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_fields_are_escaped() {
        let mut buf = String::new();
        escape_into(&mut buf, "a\tb\nc\\\"d\"");
        assert_eq!(buf, "a\\tb\\nc\\\\\"d\"");
    }
}
