//! Writing to the terminal: stdout that tolerates a closed pipe, and colour decisions.

use std::io::{self, IsTerminal, Write};
use std::sync::atomic::{AtomicBool, Ordering};

/// Whether stdout is kept for annotations (`--format github|gitlab`) and text goes to stderr.
static TEXT_ON_STDERR: AtomicBool = AtomicBool::new(false);

/// From now on, [`print`] and its kin write to stderr: stdout carries annotations alone
/// ([`print_annotations`]), so `apply --format gitlab > report.json` still shows the run in the
/// job's log.
pub fn send_text_to_stderr() {
    TEXT_ON_STDERR.store(true, Ordering::Relaxed);
}

/// Writes `text` to stdout (stderr after [`send_text_to_stderr`]). A closed pipe
/// (`backendctl plan | head`) is not an error.
///
/// # Errors
/// Any I/O error other than a broken pipe.
pub fn print(text: &str) -> io::Result<()> {
    if TEXT_ON_STDERR.load(Ordering::Relaxed) {
        let mut stderr = io::stderr().lock();
        return stderr
            .write_all(text.as_bytes())
            .and_then(|()| stderr.flush());
    }
    print_annotations(text)
}

/// Writes `text` to stdout whatever [`send_text_to_stderr`] said: the annotations.
///
/// # Errors
/// Any I/O error other than a broken pipe.
pub fn print_annotations(text: &str) -> io::Result<()> {
    let mut stdout = io::stdout().lock();
    match stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
    {
        Err(error) if error.kind() == io::ErrorKind::BrokenPipe => Ok(()),
        other => other,
    }
}

/// Writes `text` and a newline to stdout.
///
/// # Errors
/// Any I/O error other than a broken pipe.
pub fn println(text: &str) -> io::Result<()> {
    let mut line = String::with_capacity(text.len() + 1);
    line.push_str(text);
    line.push('\n');
    print(&line)
}

/// Prints pretty JSON to stdout.
///
/// # Errors
/// Any I/O error other than a broken pipe.
pub fn print_json(value: &serde_json::Value) -> io::Result<()> {
    println(&serde_json::to_string_pretty(value).expect("JSON values serialise"))
}

/// Whether stderr is a terminal (for progress bars and prompts).
#[must_use]
pub fn stderr_is_terminal() -> bool {
    io::stderr().is_terminal()
}

/// Whether stdin is a terminal (for confirmation prompts).
#[must_use]
pub fn stdin_is_terminal() -> bool {
    io::stdin().is_terminal()
}

/// Asks a yes/no question on stderr and reads the answer from stdin.
///
/// # Errors
/// I/O errors reading the answer.
pub fn confirm(question: &str) -> io::Result<bool> {
    eprint!("{question} [y/N] ");
    io::stderr().flush()?;
    let mut answer = String::new();
    io::stdin().read_line(&mut answer)?;
    Ok(matches!(answer.trim(), "y" | "Y" | "yes" | "YES" | "Yes"))
}
