//! Progress while waiting: a bar redrawn in place on a terminal, one plain line per change in
//! CI logs.

use std::io::{IsTerminal, Write};

use serde_json::Value;

/// Width of the bar in characters.
const BAR_WIDTH: usize = 30;

/// Shows how the runs are doing.
pub(super) struct Progress {
    terminal: bool,
    last: Vec<String>,
}

impl Progress {
    /// A bar on a terminal (stderr), lines otherwise.
    pub(super) fn new() -> Self {
        Self {
            terminal: std::io::stderr().is_terminal(),
            last: Vec::new(),
        }
    }

    /// Reports the runs' current state.
    pub(super) fn update(&mut self, runs: &[Value]) {
        let lines: Vec<String> = runs.iter().map(line).collect();
        let mut err = std::io::stderr().lock();
        if self.terminal {
            let (total, done) = runs.iter().fold((0, 0), |(t, d), run| {
                (
                    t + run["attempts_total"].as_u64().unwrap_or(0),
                    d + run["attempts_done"].as_u64().unwrap_or(0),
                )
            });
            let filled = if total == 0 {
                0
            } else {
                (done as usize * BAR_WIDTH / total as usize).min(BAR_WIDTH)
            };
            let _ = write!(
                err,
                "\r[{}{}] {done}/{total} attempts judged in {} run(s)   ",
                "#".repeat(filled),
                "-".repeat(BAR_WIDTH - filled),
                runs.len()
            );
        } else {
            for (index, text) in lines.iter().enumerate() {
                if self.last.get(index) != Some(text) {
                    let _ = writeln!(err, "{text}");
                }
            }
        }
        let _ = err.flush();
        self.last = lines;
    }

    /// Ends the bar's line.
    pub(super) fn finish(&self) {
        if self.terminal {
            eprintln!();
        }
    }
}

impl Default for Progress {
    fn default() -> Self {
        Self::new()
    }
}

/// One run's state in words.
pub(super) fn line(run: &Value) -> String {
    format!(
        "{}: {}, {}/{} attempts judged ({} passed, {} failed)",
        run["suite_name"].as_str().unwrap_or("suite"),
        run["status"].as_str().unwrap_or("unknown"),
        run["attempts_done"].as_u64().unwrap_or(0),
        run["attempts_total"].as_u64().unwrap_or(0),
        run["attempts_passed"].as_u64().unwrap_or(0),
        run["attempts_failed"].as_u64().unwrap_or(0),
    )
}
