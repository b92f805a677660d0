//! `up`: what blocks it, and running one migration forwards.

use super::failure_report::{failure_location, indent, short};
use super::{Engine, begin, check_no_transaction_control};
use crate::migrate::error::{Direction, MigrateError};
use crate::migrate::history::{self, Record};
use crate::migrate::source::{Migration, MigrationSet};
use crate::migrate::split;
use crate::migrate::status::{SetStatus, State, describe_incomplete};

impl Engine {
    /// Applies every pending migration of `sets` (in the given order), up to `to` if given.
    /// Returns how many ran.
    pub(crate) async fn up(
        &mut self,
        sets: &[MigrationSet],
        to: Option<i64>,
    ) -> Result<usize, MigrateError> {
        let rows = self.history().await?;
        let mut plan: Vec<(&str, &Migration)> = Vec::new();
        let mut problems = Vec::new();
        for set in sets {
            let status = SetStatus::compute(set, &rows);
            problems.extend(self.blockers(&status));
            for e in &status.entries {
                let runnable = e.state == State::Pending
                    || (e.state == State::OutOfOrder && self.opts.allow_out_of_order);
                if runnable && to.is_none_or(|t| e.version <= t) {
                    let m = e.migration.expect("pending entries have files");
                    plan.push((set.name.as_str(), m));
                }
            }
            for p in &set.ignored {
                self.reporter.warn(&format!(
                    "{} does not look like a migration file; ignored",
                    p.display()
                ));
            }
        }
        if !problems.is_empty() {
            return Err(MigrateError::Blocked { problems });
        }
        self.reporter.start("apply", plan.len());
        self.run_plan(Direction::Up, &plan).await?;
        self.reporter.finish();
        Ok(plan.len())
    }

    /// Problems in a set that stop `up`.
    fn blockers(&self, status: &SetStatus<'_>) -> Vec<String> {
        let hint = &self.opts.command_hint;
        let set = &status.set.name;
        let mut out = Vec::new();
        for e in &status.entries {
            match e.state {
                State::Incomplete => out.push(format!(
                    "- {set}/{} stopped part-way:\n{}",
                    e.version,
                    indent(&describe_incomplete(e.row.expect("row"), hint), "    ")
                )),
                State::Drifted => out.push(format!(
                    "- {set}/{}: {} changed after it was applied (checksum {} → {}). Restore the file, or accept the change with `{hint} repair {}`",
                    e.version,
                    e.migration.map_or_else(String::new, Migration::label),
                    short(&e.row.expect("row").checksum),
                    short(&e.migration.expect("file").checksum),
                    e.version
                )),
                State::Missing if !self.opts.ignore_missing => out.push(format!(
                    "- {set}/{} ({}) is applied but its file is missing from {}; restore it, or pass --ignore-missing",
                    e.version,
                    e.name,
                    status.set.dir.display()
                )),
                State::OutOfOrder if !self.opts.allow_out_of_order => out.push(format!(
                    "- {set}/{} ({}) is older than the newest applied version; pass --allow-out-of-order to apply it anyway",
                    e.version,
                    e.migration.map_or_else(String::new, Migration::label)
                )),
                State::Unverified => self.reporter.warn(&format!(
                    "{set}/{} was checksummed by a newer backendctl; this build cannot check it for drift",
                    e.version
                )),
                _ => {}
            }
        }
        out
    }

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
            &super::stepwise::Steps {
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
            );
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
                }
            }
        })
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
