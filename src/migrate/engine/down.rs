//! `down` and `redo`: reverting applied migrations, newest first.

use super::Engine;
use crate::migrate::error::{Direction, MigrateError};
use crate::migrate::source::{Migration, MigrationSet};
use crate::migrate::status::{Entry, SetStatus, State, Unit, settle_row, what_stopped};

/// Which applied migrations `down` reverts, newest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Revert {
    /// The newest N (`--steps N`; one by default).
    Newest(usize),
    /// Every one newer than this version, which stays applied (`--to V`).
    NewerThan(i64),
    /// Every one (`--all`): unlike `--to`, whatever the first version is (issue 12: `--to 0`
    /// could not revert a set whose first version is 0).
    All,
}

impl Engine {
    /// Reverts the applied migrations of `set` that `which` selects, newest first (never below a
    /// baseline). `confirm` is asked with the list before anything runs.
    pub(crate) async fn down(
        &mut self,
        set: &MigrationSet,
        which: Revert,
        confirm: &mut dyn FnMut(&[&Migration]) -> bool,
    ) -> Result<Vec<i64>, MigrateError> {
        let rows = self.history().await?;
        let status = SetStatus::compute(set, &rows);
        if let Some(e) = status.entries.iter().find(|e| e.state == State::Incomplete) {
            let row = e.row.expect("incomplete entries have rows");
            return Err(MigrateError::StoppedPartWay {
                set: set.name.clone(),
                version: e.version,
                what: what_stopped(row, Unit::Statement),
                recovery: settle_row(row, &self.opts.command_hint, Unit::Statement),
            });
        }
        let list = self.revertible(set, &status, which)?;
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
        which: Revert,
    ) -> Result<Vec<&'s Migration>, MigrateError> {
        let applied = status
            .entries
            .iter()
            .rev()
            .take_while(|e| e.state != State::Baseline)
            .filter(|e| {
                matches!(
                    e.state,
                    State::Applied
                        | State::Adopted
                        | State::Drifted
                        | State::Unverified
                        | State::Missing
                )
            });
        let chosen: Vec<&Entry<'s>> = match which {
            Revert::Newest(n) => applied.take(n).collect(),
            Revert::NewerThan(version) => applied.take_while(|e| e.version > version).collect(),
            Revert::All => applied.collect(),
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
                    down: m.down_file(),
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
        let reverted = self.down(set, Revert::Newest(1), confirm).await?;
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
}
