//! What a run shows while it works: a progress bar on a terminal for long runs, otherwise one
//! line per migration (CI logs, pipes); and what it completed, for `--json`.

use std::io::IsTerminal;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};
use serde::Serialize;

use super::error::MigrateError;
use super::source::Migration;

/// Writes `text` to stdout. A closed pipe (`migrate up --dry-run | head -1`) is not an error:
/// the command goes on without printing and exits as it would have (`println!` would panic).
pub(crate) fn print(text: &str) -> Result<(), MigrateError> {
    crate::output::print(text).map_err(|source| MigrateError::Output { source })
}

/// [`print`] with a newline.
pub(crate) fn println(text: &str) -> Result<(), MigrateError> {
    crate::output::println(text).map_err(|source| MigrateError::Output { source })
}

/// A migration a run applied or reverted (committed, or run to its end where the database
/// cannot roll DDL back).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct Completed {
    /// `applied` or `reverted`.
    pub(crate) action: &'static str,
    pub(crate) set: String,
    pub(crate) version: i64,
    pub(crate) name: String,
    pub(crate) duration_ms: u64,
}

/// Receives the engine's events.
pub(crate) struct Reporter {
    bar: Option<ProgressBar>,
    quiet: bool,
    tty: bool,
    completed: Vec<Completed>,
}

impl Reporter {
    /// Bars only on a terminal; `quiet` prints nothing but warnings (and `--json` runs quiet,
    /// printing an outcome from [`Reporter::take_completed`] instead).
    pub(crate) fn new(quiet: bool) -> Reporter {
        Reporter {
            bar: None,
            quiet,
            tty: std::io::stderr().is_terminal(),
            completed: Vec::new(),
        }
    }

    /// A run of `total` migrations starts.
    pub(crate) fn start(&mut self, verb: &str, total: usize) {
        if self.tty && !self.quiet && total >= 20 {
            let bar = ProgressBar::new(total as u64);
            bar.set_style(
                ProgressStyle::with_template("{prefix} [{bar:30}] {pos}/{len} {wide_msg}")
                    .expect("static template")
                    .progress_chars("=> "),
            );
            bar.set_prefix(verb.to_string());
            bar.enable_steady_tick(Duration::from_millis(200));
            self.bar = Some(bar);
        }
    }

    /// One migration finished.
    pub(crate) fn done(&mut self, verb: &'static str, set: &str, m: &Migration, elapsed: Duration) {
        let label = m.label();
        if let Some(bar) = &self.bar {
            bar.set_message(format!("{set}/{label}"));
            bar.inc(1);
        } else if !self.quiet {
            // A progress line that cannot be written must not stop a run half-way.
            let _ = println(&format!("{verb} {set}/{label} ({})", fmt_duration(elapsed)));
        }
        self.completed.push(Completed {
            action: verb,
            set: set.to_string(),
            version: m.version,
            name: m.name.clone(),
            duration_ms: u64::try_from(elapsed.as_millis()).unwrap_or(u64::MAX),
        });
    }

    /// What the run completed so far, in order; the list starts again empty.
    pub(crate) fn take_completed(&mut self) -> Vec<Completed> {
        std::mem::take(&mut self.completed)
    }

    /// A line of information.
    pub(crate) fn info(&self, msg: &str) {
        if self.quiet {
            return;
        }
        match &self.bar {
            Some(bar) => bar.println(msg),
            None => {
                let _ = println(msg);
            }
        }
    }

    /// A warning (always shown, on stderr).
    pub(crate) fn warn(&self, msg: &str) {
        match &self.bar {
            Some(bar) => bar.suspend(|| eprintln!("warning: {msg}")),
            None => eprintln!("warning: {msg}"),
        }
    }

    pub(crate) fn finish(&mut self) {
        if let Some(bar) = self.bar.take() {
            bar.finish_and_clear();
        }
    }
}

/// `1.2 s`, `35 ms`.
pub(crate) fn fmt_duration(d: Duration) -> String {
    if d >= Duration::from_secs(1) {
        format!("{:.1} s", d.as_secs_f64())
    } else {
        format!("{} ms", d.as_millis())
    }
}
