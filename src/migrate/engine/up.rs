//! `up`: what blocks it, then the pending migrations in order.

use super::Engine;
use super::failure_report::{indent, short};
use crate::migrate::error::{Direction, MigrateError};
use crate::migrate::source::{Migration, MigrationSet};
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
                    "{} is not a migration in a layout backendctl reads; ignored",
                    p.display()
                ));
            }
        }
        if !plan.is_empty() {
            problems.extend(self.applied_by_other_tools(sets, &rows).await?);
        }
        if !problems.is_empty() {
            return Err(MigrateError::Blocked { problems });
        }
        if plan.is_empty() {
            return Ok(0);
        }
        self.ensure_history().await?;
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
}
