//! Parsing KDL v2, with diagnostics that recognise KDL v1 manifests.

use super::limits;
use super::problem::Problem;
use kdl::KdlDocument;
use std::time::Duration;

/// How long the parser may take on `bytes` of text: 2 s plus 1 ms per 100 bytes (a 12 KB
/// manifest parses in about 10 ms; the 8 MiB limit gets 86 s).
fn parse_budget(bytes: usize) -> Duration {
    Duration::from_millis(2_000 + u64::try_from(bytes / 100).unwrap_or(u64::MAX))
}

/// Parses `text` as KDL v2 within a time budget.
///
/// kdl 6.7's parser can run away on some malformed input (found by `cargo fuzz`: a 974-byte
/// file of unterminated strings and `/-` blocks grows memory without end), so the parse runs on
/// its own thread and a file it cannot finish in time is reported as a problem. The thread is
/// left behind; every caller ends the process after an invalid manifest.
///
/// # Errors
/// The syntax problems, in source order, or one problem when the parser ran out of time.
pub fn parse(text: &str) -> Result<KdlDocument, Vec<Problem>> {
    let owned = text.to_owned();
    let (sender, receiver) = std::sync::mpsc::channel();
    let spawned = std::thread::Builder::new()
        .name("kdl-parse".to_owned())
        // The parser recurses per nested block; `limits::MAX_NESTING` keeps that far below
        // what this stack holds, and the margin (only the pages used are committed) covers
        // the parser's error recovery reading a brace that the limit's scan took as text.
        .stack_size(256 * 1024 * 1024)
        .spawn(move || {
            let _ = sender.send(parse_now(&owned));
        });
    if spawned.is_err() {
        return parse_now(text);
    }
    let budget = parse_budget(text.len());
    receiver.recv_timeout(budget).unwrap_or_else(|_| {
        Err(vec![
            Problem::new(
                "manifest::parser-stuck",
                format!(
                    "the KDL parser did not finish this file within {}",
                    humantime::format_duration(budget)
                ),
            )
            .at(Some((0, 0).into()), "somewhere in this file")
            .help("the kdl parser can loop on some malformed input: check for unterminated strings and unbalanced `{ }` (especially after `/-`)"),
        ])
    })
}

/// Parses `text` as KDL v2, returning every syntax problem on failure.
///
/// When the text is not KDL v2 but is valid KDL v1, each problem's help says how to write it in
/// v2 (`#true` instead of `true`, quoted strings), since that is the commonest cause.
///
/// # Errors
/// The syntax problems, in source order.
fn parse_now(text: &str) -> Result<KdlDocument, Vec<Problem>> {
    let error = match KdlDocument::parse_v2(text) {
        Ok(document) => return Ok(document),
        Err(error) => error,
    };
    let is_v1 = KdlDocument::parse_v1(text).is_ok();
    // kdl reports an unclosed block twice (at its `{` and over its nodes), and at the outermost
    // block the braces leave open, which is rarely the `{` that was typed by mistake: one
    // problem at the `{` the indentation points to replaces them.
    let unclosed = error.diagnostics.iter().any(is_unclosed_block);
    let mut problems: Vec<Problem> = unclosed
        .then(|| limits::find_unclosed_block(text))
        .flatten()
        .map(|found| unclosed_block(text, found))
        .into_iter()
        .collect();
    let mut kept_one_unclosed = !problems.is_empty();
    let diagnostics = error.diagnostics.iter().filter(|diagnostic| {
        if !is_unclosed_block(diagnostic) {
            return true;
        }
        !std::mem::replace(&mut kept_one_unclosed, true)
    });
    problems.extend(diagnostics.map(|diagnostic| {
            let message = diagnostic
                .message
                .clone()
                .unwrap_or_else(|| "invalid KDL".to_owned());
            let label = diagnostic
                .label
                .clone()
                .unwrap_or_else(|| "here".to_owned());
            let snippet = text
                .get(diagnostic.span.offset()..diagnostic.span.offset() + diagnostic.span.len())
                .unwrap_or_default();
            let help = if is_v1 {
                Some(v1_help(snippet))
            } else {
                Some(diagnostic.help.clone().unwrap_or_else(|| {
                    "KDL v2 nodes look like `name \"argument\" key=\"value\" { children }`: strings are quoted and every `{` needs a `}`".to_owned()
                }))
            };
            let problem = Problem::new("manifest::syntax", message.to_lowercase_first())
                .at(Some(diagnostic.span), label);
            match help {
                Some(help) => problem.help(help),
                None => problem,
            }
        }));
    Err(problems)
}

/// kdl's two diagnostics for a `{` without its `}`.
fn is_unclosed_block(diagnostic: &kdl::KdlDiagnostic) -> bool {
    diagnostic.message.as_deref().is_some_and(|message| {
        message.starts_with("No closing '}'") || message.starts_with("Closing '}' was not found")
    })
}

/// The one problem for a `{` that is never closed.
fn unclosed_block(text: &str, found: limits::UnclosedBlock) -> Problem {
    let problem = Problem::new("manifest::unclosed-block", "this `{` is never closed")
        .at(Some((found.offset, 1).into()), "not closed");
    match found.skipped_by {
        Some((close, outer)) => {
            let line = |offset| super::problem::line_column(text, offset).0;
            problem
                .also(
                    Some((close, 1).into()),
                    format!("lines up with the block opened on line {}", line(outer)),
                )
                .help(format!(
                    "remove this `{{`, or close its block before line {}",
                    line(close)
                ))
        }
        None => problem.help("add the `}` that closes this block"),
    }
}

fn v1_help(snippet: &str) -> String {
    let keyword = match snippet.trim() {
        "true" => Some("#true"),
        "false" => Some("#false"),
        "null" => Some("#null"),
        _ => None,
    };
    match keyword {
        Some(v2) => format!(
            "this manifest is written in KDL v1; backendctl reads KDL v2, which spells `{}` as `{v2}`",
            snippet.trim()
        ),
        None => "this manifest is written in KDL v1; backendctl reads KDL v2 (`#true`/`#false`/`#null`, raw strings `#\"…\"#`)".to_owned(),
    }
}

trait LowercaseFirst {
    fn to_lowercase_first(&self) -> String;
}

impl LowercaseFirst for String {
    fn to_lowercase_first(&self) -> String {
        let mut chars = self.chars();
        match chars.next() {
            Some(first) if chars.clone().next().is_some_and(char::is_lowercase) => {
                first.to_lowercase().chain(chars).collect()
            }
            _ => self.clone(),
        }
    }
}
