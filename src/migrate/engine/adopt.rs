//! Another tool's history: `baseline --from TOOL` adopts it, and `up` refuses to run again what
//! that tool applied (see `other_tool.rs` for what each table says).

use std::fmt::Write as _;

use super::Engine;
use crate::migrate::error::MigrateError;
use crate::migrate::history::{self, HistoryRow, Record};
use crate::migrate::other_tool::{self, Refusal, Tool, ToolHistory};
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
        let tool = match (from, found.as_slice()) {
            (Some(t), found) if found.contains(&t) => t,
            (Some(t), found) => {
                return Err(MigrateError::OtherToolAbsent {
                    tool: t.to_string(),
                    url: self.conn.masked_url(),
                    found: found.iter().map(ToString::to_string).collect(),
                });
            }
            (None, [t]) => {
                self.reporter
                    .info(&format!("found {t}; adopting what it applied"));
                *t
            }
            (None, []) => {
                return Err(MigrateError::NoOtherTool {
                    url: self.conn.masked_url(),
                });
            }
            (None, several) => {
                return Err(MigrateError::SeveralOtherTools {
                    found: several.iter().map(ToString::to_string).collect(),
                    names: several
                        .iter()
                        .map(|t| t.name())
                        .collect::<Vec<_>>()
                        .join("|"),
                });
            }
        };
        let theirs = self.read_tool(tool).await?;
        let adoption = theirs.adopt(set).map_err(|refusal| match refusal {
            Refusal::Failed(failed) => MigrateError::OtherToolFailed {
                tool: tool.to_string(),
                failed,
                remedy: tool.remedy(),
            },
            Refusal::Mismatch(problems) => MigrateError::OtherToolMismatch {
                tool: tool.to_string(),
                set: set.name.clone(),
                problems,
            },
        })?;
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
        for v in &adoption.changed {
            let m = set.get(*v).expect("adopted versions have files");
            self.reporter.warn(&format!(
                "{} changed since {} applied it (its checksum differs); its current content is what backendctl checks for drift from now on",
                m.label(),
                tool.name()
            ));
        }
        if !adoption.skipped.is_empty() {
            self.reporter.warn(&format!(
                "{} did not apply {}, older than its newest: `up` will refuse {} as out of order (`--allow-out-of-order` applies {})",
                tool.name(),
                list(&adoption.skipped),
                if adoption.skipped.len() == 1 { "it" } else { "them" },
                if adoption.skipped.len() == 1 { "it" } else { "them" },
            ));
        }
        let newer = set
            .migrations
            .iter()
            .filter(|m| adoption.versions.last().is_some_and(|n| m.version > *n))
            .count();
        self.reporter.info(&format!(
            "adopted {} migration(s) of {} from {tool} ({}); they count as applied and will not run; {newer} newer migration(s) left for `up`",
            adoption.versions.len(),
            set.name,
            list(&adoption.versions),
        ));
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

/// `1, 2, 3` or `1 … 40` (first and last of a long list).
fn list(versions: &[i64]) -> String {
    match versions {
        [] => String::new(),
        [a] => a.to_string(),
        [a, b] => format!("{a}, {b}"),
        [a, b, c] => format!("{a}, {b}, {c}"),
        [first, .., last] => format!("{first} … {last}"),
    }
}
