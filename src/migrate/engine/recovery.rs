//! Settling what needs a person: `repair` (accept drift), `baseline` (adopt a database) and
//! `resolve` (a migration that stopped part-way).

use std::time::Instant;

use super::Engine;
use super::stepwise::progress_checksum;
use crate::migrate::error::MigrateError;
use crate::migrate::history::{self, HistoryRow, RowState};
use crate::migrate::source::{Migration, MigrationSet};
use crate::migrate::split;
use crate::migrate::status::{SetStatus, State};

/// How `resolve` settles a migration that stopped part-way.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Resolution {
    /// Continue from the first statement that did not run (after fixing the file).
    Resume,
    /// Record it as applied (finished by hand).
    Applied,
    /// Record it as not applied (undone by hand).
    RolledBack,
}

impl Engine {
    /// Accepts the current content of drifted migrations (all of the set's, or one version).
    pub(crate) async fn repair(
        &mut self,
        set: &MigrationSet,
        version: Option<i64>,
    ) -> Result<Vec<i64>, MigrateError> {
        let rows = self.history().await?;
        let status = SetStatus::compute(set, &rows);
        let mut done = Vec::new();
        for e in &status.entries {
            if version.is_some_and(|v| v != e.version) {
                continue;
            }
            if e.state != State::Drifted {
                if version.is_some() {
                    return Err(MigrateError::NotDrifted {
                        set: set.name.clone(),
                        version: e.version,
                        state: e.state.label(),
                    });
                }
                continue;
            }
            let m = e.migration.expect("drifted entries have files");
            let old = &e.row.expect("drifted entries have rows").checksum;
            self.accept_checksum(&set.name, m, old).await?;
            done.push(m.version);
        }
        match version {
            Some(version) if done.is_empty() => Err(MigrateError::UnknownVersion {
                set: set.name.clone(),
                version,
            }),
            _ => Ok(done),
        }
    }

    /// Records `m`'s current checksum in place of `old`.
    async fn accept_checksum(
        &mut self,
        set: &str,
        m: &Migration,
        old: &str,
    ) -> Result<(), MigrateError> {
        let d = self.dialect;
        let change = format!("checksum {old} -> {}", m.checksum);
        let sql = format!(
            "{};\n{}",
            history::mark_repaired(d, &self.actor, set, m.version, &m.checksum),
            history::log(d, &self.actor, set, m.version, "repair", Some(&change))
        );
        self.bookkeeping(&sql, true).await?;
        self.reporter.info(&format!(
            "repaired {set}/{}: its new content is accepted",
            m.label()
        ));
        Ok(())
    }

    /// Adopts an existing database: versions up to `version` count as applied.
    pub(crate) async fn baseline(
        &mut self,
        set: &MigrationSet,
        version: i64,
    ) -> Result<(), MigrateError> {
        self.refuse_if_has_history(set).await?;
        self.ensure_history().await?;
        let d = self.dialect;
        let sql = format!(
            "{};\n{}",
            history::insert_baseline(d, &self.actor, &set.name, version),
            history::log(d, &self.actor, &set.name, version, "baseline", None)
        );
        self.bookkeeping(&sql, true).await?;
        let covered = set
            .migrations
            .iter()
            .filter(|m| m.version <= version)
            .count();
        self.reporter.info(&format!(
            "baselined {} at version {version}: {covered} migration file(s) at or below it count as applied",
            set.name
        ));
        Ok(())
    }

    /// Refuses to adopt a set that already has history (`baseline` adopts a database once).
    pub(super) async fn refuse_if_has_history(
        &mut self,
        set: &MigrationSet,
    ) -> Result<(), MigrateError> {
        let rows = self.history().await?;
        match rows.iter().find(|r| r.set == set.name) {
            Some(r) => Err(MigrateError::HasHistory {
                set: set.name.clone(),
                version: r.version,
                state: r.state.as_str(),
            }),
            None => Ok(()),
        }
    }

    /// Settles a migration that stopped part-way.
    pub(crate) async fn resolve(
        &mut self,
        set: &MigrationSet,
        version: i64,
        how: Resolution,
    ) -> Result<(), MigrateError> {
        let rows = self.history().await?;
        let row = incomplete_row(&rows, &set.name, version)?;
        match how {
            Resolution::Applied => self.record_applied(set, row).await,
            Resolution::RolledBack => self.record_rolled_back(&set.name, row).await,
            Resolution::Resume => {
                let Some(m) = set.get(version) else {
                    return Err(MigrateError::ResumeWithoutFile {
                        set: set.name.clone(),
                        version,
                    });
                };
                self.resume(&set.name, m, row).await
            }
        }
    }

    /// `resolve --applied`: finished by hand.
    async fn record_applied(
        &mut self,
        set: &MigrationSet,
        row: &HistoryRow,
    ) -> Result<(), MigrateError> {
        let (d, version) = (self.dialect, row.version);
        let checksum = set
            .get(version)
            .map_or_else(|| row.checksum.clone(), |m| m.checksum.clone());
        let total = usize::try_from(row.statements_total).unwrap_or(0);
        let sql = format!(
            "{};\n{}",
            history::finish_applied(d, &set.name, version, total, &checksum),
            history::log(d, &self.actor, &set.name, version, "resolve-applied", None)
        );
        self.bookkeeping(&sql, true).await?;
        self.reporter.info(&format!(
            "{}/{version} is now recorded as applied",
            set.name
        ));
        Ok(())
    }

    /// `resolve --rolled-back`: undone by hand.
    async fn record_rolled_back(
        &mut self,
        set: &str,
        row: &HistoryRow,
    ) -> Result<(), MigrateError> {
        let (d, version) = (self.dialect, row.version);
        let sql = format!(
            "{};\n{}",
            history::delete(d, set, version),
            history::log(d, &self.actor, set, version, "resolve-rolled-back", None)
        );
        self.bookkeeping(&sql, true).await?;
        let again = if is_revert(row) {
            ""
        } else {
            "; `up` will run it again from its first statement"
        };
        self.reporter.info(&format!(
            "{set}/{version} is now recorded as not applied{again}"
        ));
        Ok(())
    }

    /// `resolve --resume`: runs the statements that did not run, after checking that the ones
    /// that did are unchanged.
    async fn resume(
        &mut self,
        set: &str,
        m: &Migration,
        row: &HistoryRow,
    ) -> Result<(), MigrateError> {
        let d = self.dialect;
        let down = is_revert(row);
        let done = usize::try_from(row.statements_done).unwrap_or(0);
        let script = if down { m.down()? } else { Some(&m.up) };
        let Some(script) = script else {
            return Err(MigrateError::NoDownToResume {
                migration: m.label(),
            });
        };
        let stmts = split::split(&script.sql, d);
        if done > stmts.len() {
            return Err(MigrateError::StatementsRemoved {
                migration: m.label(),
                now: stmts.len(),
                done,
            });
        }
        if done > 0
            && row.progress_checksum.as_deref() != Some(progress_checksum(&stmts[..done]).as_str())
        {
            return Err(MigrateError::StatementsChanged {
                migration: m.label(),
                done,
            });
        }
        let state = if down {
            RowState::Reverting
        } else {
            RowState::Running
        };
        let from = format!("from statement {}", done + 1);
        let sql = format!(
            "{};\n{}",
            history::mark_state(d, set, m.version, state, None),
            history::log(d, &self.actor, set, m.version, "resume", Some(&from))
        );
        self.bookkeeping(&sql, true).await?;
        let started = Instant::now();
        if down {
            self.run_down(set, m, true, Some(done), None).await?;
            self.reporter.done("reverted", set, m, started.elapsed());
        } else {
            self.run_up(set, m, true, Some(done), None).await?;
            self.reporter.done("applied", set, m, started.elapsed());
        }
        Ok(())
    }
}

/// Whether the row stopped while reverting (rather than applying).
fn is_revert(row: &HistoryRow) -> bool {
    matches!(row.state, RowState::Reverting | RowState::RevertFailed)
}

/// The history row `resolve` settles: it must exist and be stopped part-way.
pub(crate) fn incomplete_row<'a>(
    rows: &'a [HistoryRow],
    set: &str,
    version: i64,
) -> Result<&'a HistoryRow, MigrateError> {
    let Some(row) = rows.iter().find(|r| r.set == set && r.version == version) else {
        return Err(MigrateError::NoHistoryRow {
            set: set.to_string(),
            version,
        });
    };
    if !row.state.is_incomplete() {
        return Err(MigrateError::NotIncomplete {
            set: set.to_string(),
            version,
            state: row.state.as_str(),
        });
    }
    Ok(row)
}
