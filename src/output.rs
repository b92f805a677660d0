//! Writing to the terminal: stdout that tolerates a closed pipe, and colour decisions.

use std::io::{self, IsTerminal, Write};

/// Writes `text` to stdout. A closed pipe (`backendctl plan | head`) is not an error.
///
/// # Errors
/// Any I/O error other than a broken pipe.
pub fn print(text: &str) -> io::Result<()> {
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
