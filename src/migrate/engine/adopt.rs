//! Another tool's history: `baseline --from TOOL` adopts it, and `up` refuses to run again what
//! that tool applied (see `other_tool.rs` for what each table says).

use std::fmt::Write as _;

use super::Engine;
use crate::migrate::error::MigrateError;
use crate::migrate::history::{self, HistoryRow, Record};
use crate::migrate::other_tool::{self, Tool, ToolHistory, list};
use crate::migrate::source::MigrationSet;

impl Engine {
    /// The tools whose history tables are in the database (the current schema).
    pub(crate) async fn other_tools(&mut self) -> Result<Vec<Tool>, MigrateError> {
        let sql = other_tool::detect_sql(self.dialect);
        let json = self
            .conn
            .query_json("looking for other tools' history tables", &sql)
            .await?;
        other_tool::detect(&json).map_err(|message| self.read_failure(message))
    }

    /// What `tool`'s table says.
    async fn read_tool(&mut self, tool: Tool) -> Result<ToolHistory, MigrateError> {
        let sql = other_tool::read_sql(self.dialect, tool);
        let json = self
            .conn
            .query_json("reading another tool's history table", &sql)
            .await
            .map_err(|e| self.read_failure(format!("reading {tool}: {e}")))?;
        ToolHistory::parse(tool, &json).map_err(|message| self.read_failure(message))
    }

    fn read_failure(&self, message: String) -> MigrateError {
        MigrateError::Database {
            url: self.conn.masked_url(),
            message,
        }
    }

    /// `baseline --from TOOL` (or, without `from`, the one tool whose table is there): records
    /// every migration of `set` that the tool applied as `adopted`, so `up` runs only the rest.
    pub(crate) async fn adopt(
        &mut self,
        set: &MigrationSet,
        from: Option<Tool>,
    ) -> Result<(), MigrateError> {
        self.refuse_if_has_history(set).await?;
        let found = self.other_tools().await?;
        let (tool, detected) = other_tool::choose(from, &found, &self.conn.masked_url())?;
        if detected {
            self.reporter
                .info(&format!("found {tool}; adopting what it applied"));
        }
        let theirs = self.read_tool(tool).await?;
        let adoption = other_tool::adoption(&theirs, set)?;
        for note in &theirs.notes {
            self.reporter.warn(&format!("{tool}: {note}"));
        }
        if adoption.versions.is_empty() {
            self.reporter.info(&format!(
                "{tool} records none of {}'s migrations as applied: nothing adopted",
                set.name
            ));
            return Ok(());
        }
        self.ensure_history().await?;
        let d = self.dialect;
        let detail = format!("adopted from {tool}");
        let mut sql = String::new();
        for &v in &adoption.versions {
            let m = set.get(v).expect("adopted versions have files");
            let record = Record {
                set: &set.name,
                version: v,
                name: &m.name,
                checksum: &m.checksum,
                statements_total: 0,
            };
            let _ = write!(
                sql,
                "{};\n{};\n",
                history::insert_adopted(d, &self.actor, &record, tool.name()),
                history::log(d, &self.actor, &set.name, v, "adopt", Some(&detail))
            );
        }
        self.bookkeeping(sql.trim_end().trim_end_matches(';'), true)
            .await?;
        let (warnings, summary) = other_tool::adoption_report(set, tool, &adoption);
        for warning in &warnings {
            self.reporter.warn(warning);
        }
        self.reporter.info(&summary);
        Ok(())
    }

    /// For each set with no history of its own, the other tools that record some of its files as
    /// applied: what `up` would run a second time. One line each, saying how to adopt them.
    pub(crate) async fn applied_by_other_tools(
        &mut self,
        sets: &[MigrationSet],
        rows: &[HistoryRow],
    ) -> Result<Vec<String>, MigrateError> {
        let fresh: Vec<&MigrationSet> = sets
            .iter()
            .filter(|s| !s.migrations.is_empty() && rows.iter().all(|r| r.set != s.name))
            .collect();
        if fresh.is_empty() {
            return Ok(Vec::new());
        }
        let mut out = Vec::new();
        for tool in self.other_tools().await? {
            // A table of that name in another shape (an unrelated `schema_migrations`) is not
            // that tool's: it says nothing about these files.
            let Ok(theirs) = self.read_tool(tool).await else {
                continue;
            };
            for set in &fresh {
                let overlap = theirs.overlap(set);
                if overlap.is_empty() {
                    continue;
                }
                out.push(format!(
                    "- {}: {tool} records {} of its migrations as applied ({}), and backendctl has no history for this set: adopt them with `{} baseline --from {}` so they are not run again",
                    set.name,
                    overlap.len(),
                    list(&overlap),
                    self.opts.command_hint,
                    tool.name()
                ));
            }
        }
        Ok(out)
    }
}
