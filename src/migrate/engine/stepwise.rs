//! Statement-by-statement execution with progress rows (MySQL/MariaDB, and files marked
//! `-- backendctl:no-transaction`): each statement is followed by the update that records it, so
//! a failure or a crash leaves a row that says exactly which statements ran.

use std::fmt::Write as _;

use super::failure_report::unrecorded_recovery;
use super::{Engine, Steps, begin};
use crate::migrate::checksum::Algorithm;
use crate::migrate::dialect::Dialect;
use crate::migrate::driver::ExecFailure;
use crate::migrate::error::{Direction, MigrateError};
use crate::migrate::history::{self, RowState};
use crate::migrate::split::{self, Statement};

/// What a statement's run left: the statement's own failure, or its bookkeeping's.
enum StepFailure {
    Statement(ExecFailure),
    Bookkeeping(ExecFailure),
}

impl Engine {
    /// Runs `steps`. `first` is written before the first statement; `finish` after the last, in
    /// the same commit as `next` (the following migration's starting row), which is why this
    /// returns whether `next` was written.
    pub(super) async fn run_steps(
        &mut self,
        steps: &Steps<'_>,
        first: Option<String>,
        finish: String,
        next: Option<String>,
    ) -> Result<bool, MigrateError> {
        let wrote_next = next.is_some();
        let finish_all = match next {
            Some(n) => format!("{finish};\n{n}"),
            None => finish,
        };
        if self.opts.dry_run {
            self.print_steps(steps, first.as_deref(), &finish_all)?;
            return Ok(wrote_next);
        }
        if let Some(f) = first {
            self.bookkeeping(&f, false).await?;
        }
        if steps.stmts.is_empty() {
            self.bookkeeping(&finish_all, true).await?;
            return Ok(wrote_next);
        }
        for i in steps.start..steps.stmts.len() {
            let book = self.book_for(steps, i, &finish_all);
            match self.run_statement(&steps.stmts[i], &book).await {
                Ok(()) => {}
                // The connection is gone: nothing can be recorded, and the `running` row with
                // statements 1–i done already says what is known.
                Err(StepFailure::Statement(f)) if f.lost => {
                    return Err(self.lost_report(steps, i, f));
                }
                Err(StepFailure::Statement(f)) => {
                    return Err(self.record_failure(steps, i, f).await);
                }
                Err(StepFailure::Bookkeeping(f)) => {
                    return Err(MigrateError::ProgressNotRecorded {
                        set: steps.set.to_string(),
                        migration: steps.m.label(),
                        version: steps.m.version,
                        statement: i + 1,
                        server: f.message,
                        recovery: unrecorded_recovery(&self.opts.command_hint, steps, i),
                    });
                }
            }
        }
        Ok(wrote_next)
    }

    /// The bookkeeping after statement `i`: its progress, or `finish_all` after the last.
    fn book_for(&self, steps: &Steps<'_>, i: usize, finish_all: &str) -> String {
        if i + 1 == steps.stmts.len() {
            finish_all.to_string()
        } else {
            let progress = progress_checksum(&steps.stmts[..=i]);
            history::mark_progress(self.dialect, steps.set, steps.m.version, i + 1, &progress)
        }
    }

    /// One round trip for a statement and its bookkeeping where the results can be counted
    /// unambiguously (MySQL; statements that return result sets go alone). PostgreSQL and
    /// SQLite no-transaction statements go alone (CREATE INDEX CONCURRENTLY must).
    fn batched(&self, stmt: &Statement) -> bool {
        self.dialect == Dialect::MySql && !returns_rows(stmt)
    }

    /// Runs one statement and then its bookkeeping.
    async fn run_statement(&mut self, stmt: &Statement, book: &str) -> Result<(), StepFailure> {
        if self.batched(stmt) {
            let batch = mysql_batch(&stmt.sql, book);
            return match self.conn.exec_counted(&batch).await {
                (_, Ok(())) => Ok(()),
                // Result 1 is `SET autocommit = 0`: an error right after it is the statement's.
                (n, Err(f)) if n <= 1 => Err(StepFailure::Statement(f)),
                (_, Err(f)) => Err(StepFailure::Bookkeeping(f)),
            };
        }
        self.conn
            .exec(&stmt.sql)
            .await
            .map_err(StepFailure::Statement)?;
        let commit = format!("{};\n{book};\nCOMMIT", begin(self.dialect));
        self.conn
            .exec(&commit)
            .await
            .map_err(StepFailure::Bookkeeping)
    }

    /// Marks the migration failed in the history table and returns the report of what ran. When
    /// its first statement failed nothing ran, so the history goes back to what it was (pending,
    /// or applied for a revert) and nothing needs settling.
    async fn record_failure(
        &mut self,
        steps: &Steps<'_>,
        i: usize,
        f: ExecFailure,
    ) -> MigrateError {
        let d = self.dialect;
        let (set, version) = (steps.set, steps.m.version);
        let (state, action) = match steps.dir {
            Direction::Up => (RowState::Failed, "apply-failed"),
            Direction::Down => (RowState::RevertFailed, "revert-failed"),
        };
        let msg = format!(
            "statement {} (line {}): {}",
            i + 1,
            super::line_of(steps.script, &steps.stmts[i]),
            f.message
        );
        let row = match (i, steps.dir) {
            (0, Direction::Up) => history::delete(d, set, version),
            (0, Direction::Down) => {
                history::restore_applied(d, set, version, split::split(&steps.m.up.sql, d).len())
            }
            _ => history::mark_state(d, set, version, state, Some(&msg)),
        };
        let record = format!(
            "{row};\n{}",
            history::log(d, &self.actor, set, version, action, Some(&msg))
        );
        let recorded = self.bookkeeping(&record, true).await.is_ok();
        if i == 0 {
            return self.nothing_ran_report(steps, f, recorded);
        }
        self.partial_report(steps, i, f, recorded)
    }

    /// Prints what [`Engine::run_steps`] would send.
    fn print_steps(
        &self,
        steps: &Steps<'_>,
        first: Option<&str>,
        finish_all: &str,
    ) -> Result<(), MigrateError> {
        let d = self.dialect;
        let mut text = String::new();
        if let Some(f) = first {
            let _ = writeln!(text, "{f};");
        }
        if steps.stmts.is_empty() {
            let _ = writeln!(text, "{};\n{finish_all};\nCOMMIT;", begin(d));
        }
        for (i, stmt) in steps.stmts.iter().enumerate().skip(steps.start) {
            let book = self.book_for(steps, i, finish_all);
            if self.batched(stmt) {
                let _ = writeln!(text, "{};", mysql_batch(&stmt.sql, &book));
            } else {
                let _ = writeln!(text, "{};\n{};\n{book};\nCOMMIT;", stmt.sql, begin(d));
            }
        }
        let how = if d == Dialect::MySql {
            "statement by statement: MySQL/MariaDB commits DDL itself"
        } else {
            "statement by statement, no transaction"
        };
        Self::print_dry_run(
            steps.set,
            steps.script,
            &format!("{}, {how}", steps.dir),
            &text,
        )
    }
}

/// Checksum of the statements that ran, so `resume` can tell they were not edited since.
pub(super) fn progress_checksum(done: &[Statement]) -> String {
    let joined: Vec<&str> = done.iter().map(|s| s.sql.as_str()).collect();
    Algorithm::CURRENT.digest(&joined.join("\n;\n"))
}

/// One MySQL round trip: a statement and the update that records it.
///
/// With autocommit off, a DML statement and its progress commit together, and after a DDL
/// statement (which commits itself, implicitly, before and after) the bookkeeping statements
/// still share one commit. `START TRANSACTION` would not do: its transaction ends at the DDL's
/// implicit commit and each bookkeeping statement would then commit on its own.
fn mysql_batch(stmt: &str, book: &str) -> String {
    format!("SET autocommit = 0;\n{stmt};\n{book};\nCOMMIT;\nSET autocommit = 1")
}

/// Statements that may send result sets (sent alone so results can be counted).
fn returns_rows(s: &Statement) -> bool {
    matches!(
        s.keywords(1).first().map(String::as_str),
        Some(
            "SELECT"
                | "CALL"
                | "WITH"
                | "SHOW"
                | "EXECUTE"
                | "DESCRIBE"
                | "DESC"
                | "EXPLAIN"
                | "VALUES"
                | "TABLE"
                | "HANDLER"
                | "CHECK"
                | "ANALYZE"
                | "OPTIMIZE"
                | "REPAIR"
                | "("
        )
    )
}
