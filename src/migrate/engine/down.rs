//! `down` and `redo`: reverting applied migrations, newest first.

use super::failure_report::failure_location;
use super::stepwise::Steps;
use super::{Engine, begin, check_no_transaction_control, script_of};
use crate::migrate::error::{Direction, MigrateError};
use crate::migrate::history;
use crate::migrate::source::{Migration, MigrationSet};
use crate::migrate::split;
use crate::migrate::status::{Entry, SetStatus, State, what_stopped};

impl Engine {
    /// Reverts applied migrations of `set`, newest first: `steps` of them, or all above `to`.
    /// `confirm` is asked with the list before anything runs.
    pub(crate) async fn down(
        &mut self,
        set: &MigrationSet,
        steps: Option<usize>,
        to: Option<i64>,
        confirm: &mut dyn FnMut(&[&Migration]) -> bool,
    ) -> Result<Vec<i64>, MigrateError> {
        let rows = self.history().await?;
        let status = SetStatus::compute(set, &rows);
        if let Some(e) = status.entries.iter().find(|e| e.state == State::Incomplete) {
            let row = e.row.expect("incomplete entries have rows");
            return Err(MigrateError::StoppedPartWay {
                set: set.name.clone(),
                version: e.version,
                what: what_stopped(row),
                hint: self.opts.command_hint.clone(),
            });
        }
        let list = self.revertible(set, &status, steps, to)?;
        if list.is_empty() {
            return Ok(Vec::new());
        }
        if !self.opts.dry_run && !confirm(&list) {
            return Err(MigrateError::NotConfirmed);
        }
        self.reporter.start("revert", list.len());
        let items: Vec<(&str, &Migration)> = list.iter().map(|m| (set.name.as_str(), *m)).collect();
        self.run_plan(Direction::Down, &items).await?;
        self.reporter.finish();
        Ok(list.iter().map(|m| m.version).collect())
    }

    /// The migrations `down` reverts, newest first, each with its down script read; refuses the
    /// whole list when one of them cannot be reverted.
    fn revertible<'s>(
        &self,
        set: &MigrationSet,
        status: &SetStatus<'s>,
        steps: Option<usize>,
        to: Option<i64>,
    ) -> Result<Vec<&'s Migration>, MigrateError> {
        let applied = status
            .entries
            .iter()
            .rev()
            .take_while(|e| e.state != State::Baseline)
            .filter(|e| {
                matches!(
                    e.state,
                    State::Applied | State::Drifted | State::Unverified | State::Missing
                )
            });
        let chosen: Vec<&Entry<'s>> = match to {
            Some(t) => applied.take_while(|e| e.version > t).collect(),
            None => applied.take(steps.unwrap_or(1)).collect(),
        };
        let mut list = Vec::new();
        for e in chosen {
            let Some(m) = e.migration else {
                return Err(MigrateError::FileGone {
                    set: set.name.clone(),
                    version: e.version,
                    name: e.name.clone(),
                });
            };
            if m.down()?.is_none() {
                return Err(MigrateError::NoDown {
                    migration: m.label(),
                });
            }
            if e.state == State::Drifted {
                self.reporter.warn(&format!(
                    "{} changed after it was applied; its down migration may not match",
                    m.label()
                ));
            }
            list.push(m);
        }
        Ok(list)
    }

    /// Reverts the newest applied migration of `set` and applies it again; returns its version.
    pub(crate) async fn redo(
        &mut self,
        set: &MigrationSet,
        confirm: &mut dyn FnMut(&[&Migration]) -> bool,
    ) -> Result<i64, MigrateError> {
        let reverted = self.down(set, Some(1), None, confirm).await?;
        let Some(&v) = reverted.first() else {
            return Err(MigrateError::NothingToRedo {
                set: set.name.clone(),
            });
        };
        if self.opts.dry_run {
            // Nothing was reverted, so `up` would find nothing pending: show that version's up.
            let m = set.get(v).expect("reverted versions have files");
            self.run_up(&set.name, m, false, None, None).await?;
        } else {
            self.up(std::slice::from_ref(set), Some(v)).await?;
        }
        Ok(v)
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
            );
            return Ok(());
        }
        let result = self
            .conn
            .run_in_transaction(&script.sql, &|_| delete.to_string())
            .await;
        result.map_err(|f| MigrateError::RolledBack {
            set: set.to_string(),
            file: script.path.clone(),
            version: m.version,
            direction: Direction::Down,
            statement: failure_location(script, &f, &stmts),
            server: f.message,
        })
    }
}
