//! What a run shows while it works: a progress bar on a terminal for long runs, otherwise one
//! line per migration (CI logs, pipes).

use std::io::{IsTerminal, Write};
use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};

/// Receives the engine's events.
pub struct Reporter {
    bar: Option<ProgressBar>,
    quiet: bool,
    tty: bool,
}

impl Reporter {
    /// Bars only on a terminal; `quiet` prints nothing but warnings.
    pub fn new(quiet: bool) -> Reporter {
        Reporter {
            bar: None,
            quiet,
            tty: std::io::stderr().is_terminal(),
        }
    }

    /// A run of `total` migrations starts.
    pub fn start(&mut self, verb: &str, total: usize) {
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
    pub fn done(&mut self, verb: &str, set: &str, label: &str, elapsed: Duration) {
        if let Some(bar) = &self.bar {
            bar.set_message(format!("{set}/{label}"));
            bar.inc(1);
        } else if !self.quiet {
            let mut out = std::io::stdout().lock();
            let _ = writeln!(out, "{verb} {set}/{label} ({})", fmt_duration(elapsed));
        }
    }

    /// A line of information.
    pub fn info(&self, msg: &str) {
        if self.quiet {
            return;
        }
        match &self.bar {
            Some(bar) => bar.println(msg),
            None => println!("{msg}"),
        }
    }

    /// A warning (always shown, on stderr).
    pub fn warn(&self, msg: &str) {
        match &self.bar {
            Some(bar) => bar.suspend(|| eprintln!("warning: {msg}")),
            None => eprintln!("warning: {msg}"),
        }
    }

    pub fn finish(&mut self) {
        if let Some(bar) = self.bar.take() {
            bar.finish_and_clear();
        }
    }
}

/// `1.2 s`, `35 ms`.
pub fn fmt_duration(d: Duration) -> String {
    if d >= Duration::from_secs(1) {
        format!("{:.1} s", d.as_secs_f64())
    } else {
        format!("{} ms", d.as_millis())
    }
}
