//! Running one migration, either direction: in a transaction with its history row, or statement
//! by statement (`stepwise.rs`).

use super::failure_report::{failure_location, fix_then_run_again};
use super::{Engine, Steps, begin, check_no_transaction_control, script_of};
use crate::migrate::driver::ExecFailure;
use crate::migrate::error::{Direction, MigrateError};
use crate::migrate::history::{self, Record};
use crate::migrate::source::{Migration, Script};
use crate::migrate::split;

impl Engine {
    /// Runs one up migration. `row_exists`: its `running` row is already there (pre-inserted or
    /// being resumed). `next`: the migration that runs after this one, whose `running` row may be
    /// inserted in this one's last commit. Returns whether `next`'s row was inserted.
    pub(super) async fn run_up(
        &mut self,
        set: &str,
        m: &Migration,
        row_exists: bool,
        resume_from: Option<usize>,
        next: Option<(&str, &Migration)>,
    ) -> Result<bool, MigrateError> {
        if !self.runs_stepwise(&m.up) {
            self.run_up_in_transaction(set, m).await?;
            return Ok(false);
        }
        let d = self.dialect;
        let stmts = split::split(&m.up.sql, d);
        let next_insert = next.map(|(s, n)| {
            let n_stmts = split::split(&n.up.sql, d).len();
            history::insert_running(d, &self.actor, &record(s, n, n_stmts))
        });
        let first = (!row_exists)
            .then(|| history::insert_running(d, &self.actor, &record(set, m, stmts.len())));
        let action = if resume_from.is_some() {
            "apply-resumed"
        } else {
            "apply"
        };
        let finish = format!(
            "{};\n{}",
            history::finish_applied(d, set, m.version, stmts.len(), &m.checksum),
            history::log(d, &self.actor, set, m.version, action, None)
        );
        self.run_steps(
            &Steps {
                dir: Direction::Up,
                set,
                m,
                script: &m.up,
                stmts: &stmts,
                start: resume_from.unwrap_or(0),
            },
            first,
            finish,
            next_insert,
        )
        .await
    }

    /// Runs one up migration with its history and log rows in one transaction.
    async fn run_up_in_transaction(
        &mut self,
        set: &str,
        m: &Migration,
    ) -> Result<(), MigrateError> {
        let d = self.dialect;
        let stmts = split::split(&m.up.sql, d);
        check_no_transaction_control(&m.up, &stmts)?;
        let record = record(set, m, stmts.len());
        let log = history::log(d, &self.actor, set, m.version, "apply", None);
        if self.opts.dry_run {
            let row = history::insert_applied(d, &self.actor, &record, "<duration>");
            Self::print_dry_run(
                set,
                &m.up,
                "up, in one transaction",
                &format!(
                    "{};\n{}\n;\n{row};\n{log};\nCOMMIT;\n",
                    begin(d),
                    m.up.sql.trim_end()
                ),
            )?;
            return Ok(());
        }
        let actor = self.actor.clone();
        let result = self
            .conn
            .run_in_transaction(&m.up.sql, &|duration| {
                format!(
                    "{};\n{log}",
                    history::insert_applied(d, &actor, &record, duration)
                )
            })
            .await;
        result.map_err(|f| {
            if f.lost {
                return self.commit_unknown(set, m, &m.up, Direction::Up, f);
            }
            let statement = failure_location(&m.up, &f, &stmts);
            if f.message.contains("cannot run inside a transaction block")
                || f.message.contains("cannot be executed within a pipeline")
            {
                MigrateError::NeedsNoTransaction {
                    set: set.to_string(),
                    file: m.up.path.clone(),
                    statement,
                    server: f.message,
                }
            } else {
                MigrateError::RolledBack {
                    set: set.to_string(),
                    file: m.up.path.clone(),
                    version: m.version,
                    direction: Direction::Up,
                    statement,
                    server: f.message,
                    next: fix_then_run_again(
                        &self.opts.command_hint,
                        Direction::Up,
                        "the statement",
                    ),
                }
            }
        })
    }

    /// Runs one down migration (see [`Engine::run_up`]).
    pub(super) async fn run_down(
        &mut self,
        set: &str,
        m: &Migration,
        row_marked: bool,
        resume_from: Option<usize>,
        next: Option<(&str, &Migration)>,
    ) -> Result<bool, MigrateError> {
        let d = self.dialect;
        let script = script_of(Direction::Down, m);
        let delete = format!(
            "{};\n{}",
            history::delete(d, set, m.version),
            history::log(d, &self.actor, set, m.version, "revert", None)
        );
        if !self.runs_stepwise(script) {
            self.run_down_in_transaction(set, m, &delete).await?;
            return Ok(false);
        }
        let stmts = split::split(&script.sql, d);
        let next_mark = next.map(|(s, n)| {
            let total = split::split(&script_of(Direction::Down, n).sql, d).len();
            history::mark_reverting(d, s, n.version, total)
        });
        let first = (!row_marked).then(|| history::mark_reverting(d, set, m.version, stmts.len()));
        let steps = Steps {
            dir: Direction::Down,
            set,
            m,
            script,
            stmts: &stmts,
            start: resume_from.unwrap_or(0),
        };
        self.run_steps(&steps, first, delete, next_mark).await
    }

    /// Runs one down migration and the deletion of its history row in one transaction.
    async fn run_down_in_transaction(
        &mut self,
        set: &str,
        m: &Migration,
        delete: &str,
    ) -> Result<(), MigrateError> {
        let d = self.dialect;
        let script = script_of(Direction::Down, m);
        let stmts = split::split(&script.sql, d);
        check_no_transaction_control(script, &stmts)?;
        if self.opts.dry_run {
            Self::print_dry_run(
                set,
                script,
                "down, in one transaction",
                &format!(
                    "{};\n{}\n;\n{delete};\nCOMMIT;\n",
                    begin(d),
                    script.sql.trim_end()
                ),
            )?;
            return Ok(());
        }
        let result = self
            .conn
            .run_in_transaction(&script.sql, &|_| delete.to_string())
            .await;
        result.map_err(|f| {
            if f.lost {
                return self.commit_unknown(set, m, script, Direction::Down, f);
            }
            MigrateError::RolledBack {
                set: set.to_string(),
                file: script.path.clone(),
                version: m.version,
                direction: Direction::Down,
                statement: failure_location(script, &f, &stmts),
                server: f.message,
                next: fix_then_run_again(&self.opts.command_hint, Direction::Down, "the statement"),
            }
        })
    }

    /// A transactional migration whose connection was lost before its commit was confirmed.
    fn commit_unknown(
        &self,
        set: &str,
        m: &Migration,
        script: &Script,
        direction: Direction,
        f: ExecFailure,
    ) -> MigrateError {
        MigrateError::CommitUnknown {
            set: set.to_string(),
            file: script.path.clone(),
            version: m.version,
            direction,
            server: f.message,
            hint: self.opts.command_hint.clone(),
        }
    }
}

/// The history record of migration `m` of `set` with `statements_total` statements.
pub(super) fn record<'a>(set: &'a str, m: &'a Migration, statements_total: usize) -> Record<'a> {
    Record {
        set,
        version: m.version,
        name: &m.name,
        checksum: &m.checksum,
        statements_total,
    }
}
