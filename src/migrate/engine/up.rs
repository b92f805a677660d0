//! `up`: what blocks it, then the pending migrations in order.

use super::Engine;
use super::failure_report::indent;
use crate::migrate::error::{Direction, MigrateError};
use crate::migrate::source::{Migration, MigrationSet};
use crate::migrate::status::{SetStatus, State, Unit, detail};

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

    /// Problems in a set that stop `up`, each with the command that settles it.
    fn blockers(&self, status: &SetStatus<'_>) -> Vec<String> {
        let hint = &self.opts.command_hint;
        let set = &status.set.name;
        let mut out = Vec::new();
        for e in &status.entries {
            if e.state == State::Unverified {
                self.reporter.warn(&format!(
                    "{set}/{} was checksummed by a newer backendctl; this build cannot check it for drift",
                    e.version
                ));
            }
            if e.state
                .blocks_up(self.opts.allow_out_of_order, self.opts.ignore_missing)
            {
                let what = match e.state {
                    State::Incomplete => "stopped part-way".to_string(),
                    state => format!("is {}", state.label()),
                };
                out.push(format!(
                    "- {set}/{} ({}) {what}:\n{}",
                    e.version,
                    e.name,
                    indent(
                        &detail(e, hint, Unit::Statement).unwrap_or_default(),
                        "    "
                    )
                ));
            }
        }
        out
    }
}
