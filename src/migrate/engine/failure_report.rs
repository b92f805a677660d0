//! Turning a failed statement into its error: where it failed, which statements ran, and how to
//! recover.

use std::fmt::Write as _;

use super::{Engine, Steps, line_of, one_line};
use crate::migrate::dialect::Dialect;
use crate::migrate::driver::ExecFailure;
use crate::migrate::error::{Direction, MigrateError, StatementAt};
use crate::migrate::source::Script;
use crate::migrate::split::Statement;
use crate::migrate::status::{Stopped, Unit, settle, statements_between};

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
            statement: Some(statement_at(steps, failed, &f)),
            server: f.message,
            why,
            statements,
            recorded,
            hint: self.opts.command_hint.clone(),
            recovery: recovery(&self.opts.command_hint, self.dialect, steps, failed, false),
        }
    }
}

impl Engine {
    /// The error of a statement-by-statement migration whose first statement failed: nothing of
    /// it ran. `recorded`: the history is back to what it was before the run.
    pub(super) fn nothing_ran_report(
        &self,
        steps: &Steps<'_>,
        f: ExecFailure,
        recorded: bool,
    ) -> MigrateError {
        let hint = &self.opts.command_hint;
        let v = steps.m.version;
        let next = match (steps.dir, recorded) {
            (direction, true) => fix_then_run_again(hint, direction, "statement 1"),
            (Direction::Up, false) => {
                format!("`{hint} resolve {v} --rolled-back` records that nothing of it ran")
            }
            (Direction::Down, false) => {
                format!("`{hint} resolve {v} --applied` records that it is still applied")
            }
        };
        MigrateError::NothingRan {
            set: steps.set.to_string(),
            file: steps.script.path.clone(),
            version: v,
            direction: steps.dir,
            statement: Some(statement_at(steps, 0, &f)),
            server: f.message,
            recorded,
            next,
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
            done: statements_between(1, lost, Unit::Statement)
                .unwrap_or_else(|| "no statement".to_string()),
            server: f.message,
            why,
            statements: statement_list(steps, lost, "UNKNOWN"),
            hint: self.opts.command_hint.clone(),
            recovery: recovery(&self.opts.command_hint, self.dialect, steps, lost, true),
        }
    }
}

/// Where statement `at` (0-based) of a statement-by-statement run failed: it went alone, so a
/// server's error position is within it.
fn statement_at(steps: &Steps<'_>, at: usize, f: &ExecFailure) -> StatementAt {
    let stmt = &steps.stmts[at];
    let within = f.position.map_or(0, |p| {
        stmt.sql.chars().take(p).filter(|&c| c == '\n').count()
    });
    StatementAt {
        number: at + 1,
        of: steps.stmts.len(),
        line: line_of(steps.script, stmt) + within,
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

/// How to settle a migration stopped at statement `at` (0-based): rejected by the server, or
/// with its outcome unknown (with where to look on this engine).
fn recovery(hint: &str, dialect: Dialect, steps: &Steps<'_>, at: usize, unknown: bool) -> String {
    let how = Stopped {
        direction: steps.dir,
        outcome_unknown: unknown,
    };
    let settle = settle(
        how,
        steps.m.version,
        (at, steps.stmts.len()),
        hint,
        Unit::Statement,
    );
    if !unknown {
        return settle;
    }
    let look = if dialect == Dialect::MySql {
        "SHOW CREATE TABLE for a schema change, a SELECT for data"
    } else {
        "\\d in psql for a schema change, a SELECT for data"
    };
    settle.replacen(" took effect.", &format!(" took effect ({look})."), 1)
}

/// Which statement failed and on which line: from the server's error position (PostgreSQL), or
/// from the driver's count of the statements that completed (SQLite), each mapped onto the
/// statements `split.rs` finds in the file.
pub(super) fn failure_location(
    script: &Script,
    f: &ExecFailure,
    stmts: &[Statement],
) -> Option<StatementAt> {
    if let Some(i) = f.statement {
        return stmts.get(i).map(|s| StatementAt {
            number: i + 1,
            of: stmts.len(),
            line: line_of(script, s),
        });
    }
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

/// `text` with every line indented `by`.
pub(super) fn indent(text: &str, by: &str) -> String {
    text.lines()
        .map(|l| format!("{by}{l}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// How to settle a migration whose statement `ran` (0-based) took effect but was not recorded:
/// the history says one statement fewer ran, so `--resume` would run it again.
pub(super) fn unrecorded_recovery(hint: &str, steps: &Steps<'_>, ran: usize) -> String {
    let v = steps.m.version;
    let n = ran + 1;
    let done = statements_between(1, n, Unit::Statement).unwrap_or_default();
    let (finish, undo) = match steps.dir {
        Direction::Up => (
            format!("`{hint} resolve {v} --applied` records it as applied"),
            format!("undo {done} by hand, then `{hint} resolve {v} --rolled-back`"),
        ),
        Direction::Down => (
            format!("`{hint} resolve {v} --rolled-back` records it as reverted"),
            format!("redo {done} by hand, then `{hint} resolve {v} --applied`"),
        ),
    };
    let finish = match statements_between(n + 1, steps.stmts.len(), Unit::Statement) {
        Some(rest) => format!("run {rest} by hand, then {finish}"),
        None => finish,
    };
    format!(
        "statement {n} ran, but the history table says only {} did, so `--resume` would run it again. Do one of:\n\
         \x20 - {finish};\n\
         \x20 - {undo}.",
        n - 1
    )
}

/// What to do about a migration that failed and left nothing behind: fix `what` (`the
/// statement`, `statement 1`) in its file, then the command that runs it again, complete.
pub(super) fn fix_then_run_again(hint: &str, direction: Direction, what: &str) -> String {
    match direction {
        Direction::Up => format!("fix {what} in the file, then `{hint} up` applies it"),
        Direction::Down => format!(
            "fix {what} in the down file, then `{hint} down --yes` reverts it (it is the newest applied migration)"
        ),
    }
}
