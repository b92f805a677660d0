//! Turning a failed statement into its error: where it failed, which statements ran, and how to
//! recover.

use std::fmt::Write as _;

use super::{Engine, Steps, line_of, one_line};
use crate::migrate::dialect::Dialect;
use crate::migrate::driver::ExecFailure;
use crate::migrate::error::{Direction, MigrateError, StatementAt};
use crate::migrate::source::Script;
use crate::migrate::split::Statement;

impl Engine {
    /// The error of a statement-by-statement migration whose statement `failed` (0-based) failed:
    /// what ran, what did not, and the three ways to settle it.
    pub(super) fn partial_report(
        &self,
        steps: &Steps<'_>,
        failed: usize,
        f: ExecFailure,
        recorded: bool,
    ) -> MigrateError {
        let why = if self.dialect == Dialect::MySql {
            "MySQL/MariaDB commits DDL statement by statement"
        } else {
            "the file runs without a transaction (backendctl:no-transaction)"
        };
        let statements = statement_list(steps, failed, "FAILED ");
        MigrateError::PartlyApplied {
            set: steps.set.to_string(),
            file: steps.script.path.clone(),
            direction: steps.dir,
            statement: failure_location(steps.script, &f, steps.stmts),
            server: f.message,
            why,
            statements,
            recorded,
            hint: self.opts.command_hint.clone(),
            recovery: recovery(&self.opts.command_hint, steps, failed),
        }
    }
}

impl Engine {
    /// The error of a statement-by-statement migration whose connection was lost during
    /// statement `lost` (0-based): that statement may or may not have taken effect.
    pub(super) fn lost_report(
        &self,
        steps: &Steps<'_>,
        lost: usize,
        f: ExecFailure,
    ) -> MigrateError {
        let why = if self.dialect == Dialect::MySql {
            "MySQL/MariaDB commits DDL as it runs, so it may have completed before the connection went"
        } else {
            "the file runs without a transaction (backendctl:no-transaction), so it may have completed before the connection went"
        };
        MigrateError::OutcomeUnknown {
            set: steps.set.to_string(),
            file: steps.script.path.clone(),
            direction: steps.dir,
            number: lost + 1,
            done: statements_between(1, lost).unwrap_or_else(|| "no statement".to_string()),
            server: f.message,
            why,
            statements: statement_list(steps, lost, "UNKNOWN"),
            hint: self.opts.command_hint.clone(),
            recovery: unknown_recovery(&self.opts.command_hint, self.dialect, steps, lost),
        }
    }
}

/// One line per statement: `ran`, `tag` for statement `at` (0-based), `not run`.
fn statement_list(steps: &Steps<'_>, at: usize, tag: &str) -> String {
    let mut statements = String::new();
    for (i, s) in steps.stmts.iter().enumerate() {
        let tag = match i.cmp(&at) {
            std::cmp::Ordering::Less => "ran    ",
            std::cmp::Ordering::Equal => tag,
            std::cmp::Ordering::Greater => "not run",
        };
        let _ = writeln!(
            statements,
            "  {tag}  statement {} (line {}): {}",
            i + 1,
            line_of(steps.script, s),
            one_line(&s.sql, 70)
        );
    }
    statements
}

/// How to find out whether statement `lost` (0-based) took effect, and how to settle either way.
fn unknown_recovery(hint: &str, dialect: Dialect, steps: &Steps<'_>, lost: usize) -> String {
    let v = steps.m.version;
    let n = lost + 1;
    let total = steps.stmts.len();
    let look = if dialect == Dialect::MySql {
        "SHOW CREATE TABLE for a schema change, a SELECT for data"
    } else {
        "\\d in psql for a schema change, a SELECT for data"
    };
    let rest = statements_between(n + 1, total);
    let (did, undo) = match steps.dir {
        Direction::Up => (
            match rest {
                Some(rest) => format!("run {rest} by hand, then `{hint} resolve {v} --applied`"),
                None => format!("`{hint} resolve {v} --applied` records it as applied"),
            },
            format!(
                "undo {} by hand, then `{hint} resolve {v} --rolled-back` makes it pending again",
                statements_between(1, n).unwrap_or_default()
            ),
        ),
        Direction::Down => (
            match rest {
                Some(rest) => format!(
                    "run {rest} of the down file by hand, then `{hint} resolve {v} --rolled-back`"
                ),
                None => format!("`{hint} resolve {v} --rolled-back` records it as reverted"),
            },
            format!(
                "redo {} by hand, then `{hint} resolve {v} --applied` records it as still applied",
                statements_between(1, n).unwrap_or_default()
            ),
        ),
    };
    format!(
        "First check in the database whether statement {n} took effect ({look}). Then:\n\
         \x20 - it did not: `{hint} resolve {v} --resume` runs {} (the statement itself did not fail, so nothing needs fixing);\n\
         \x20 - it did: {did};\n\
         \x20 - either way: {undo}.",
        statements_between(n, total).unwrap_or_default()
    )
}

/// `statement 3`, `statements 3–5`, or `None` when `from > to`.
fn statements_between(from: usize, to: usize) -> Option<String> {
    match from.cmp(&to) {
        std::cmp::Ordering::Less => Some(format!("statements {from}–{to}")),
        std::cmp::Ordering::Equal => Some(format!("statement {from}")),
        std::cmp::Ordering::Greater => None,
    }
}

/// The three ways to settle a migration whose statement `failed` (0-based) failed.
fn recovery(hint: &str, steps: &Steps<'_>, failed: usize) -> String {
    let v = steps.m.version;
    let n = failed + 1;
    let total = steps.stmts.len();
    match steps.dir {
        Direction::Up => format!(
            "To recover, do one of:\n\
             \x20 - fix statement {n} in the file (keep statements 1–{failed} unchanged), then `{hint} resolve {v} --resume` runs statements {n}–{total};\n\
             \x20 - undo statements 1–{failed} by hand, then `{hint} resolve {v} --rolled-back` makes it pending again;\n\
             \x20 - finish it by hand, then `{hint} resolve {v} --applied` records it as applied."
        ),
        Direction::Down => format!(
            "To recover, do one of:\n\
             \x20 - fix statement {n} of the down file, then `{hint} resolve {v} --resume` runs statements {n}–{total};\n\
             \x20 - finish reverting by hand, then `{hint} resolve {v} --rolled-back` records it as reverted;\n\
             \x20 - redo statements 1–{failed} by hand, then `{hint} resolve {v} --applied` records it as still applied."
        ),
    }
}

/// Which statement failed and on which line, from the server's error position.
pub(super) fn failure_location(
    script: &Script,
    f: &ExecFailure,
    stmts: &[Statement],
) -> Option<StatementAt> {
    let line = f.position.map(|p| {
        let before: String = script.sql.chars().take(p).collect();
        script.first_line + before.matches('\n').count()
    })?;
    stmts
        .iter()
        .enumerate()
        .rev()
        .find(|(_, s)| line_of(script, s) <= line)
        .map(|(i, _)| StatementAt {
            number: i + 1,
            of: stmts.len(),
            line,
        })
}

/// The first 12 characters of a checksum.
pub(super) fn short(checksum: &str) -> &str {
    &checksum[..checksum.len().min(12)]
}

/// `text` with every line indented `by`.
pub(super) fn indent(text: &str, by: &str) -> String {
    text.lines()
        .map(|l| format!("{by}{l}"))
        .collect::<Vec<_>>()
        .join("\n")
}
