//! Comparing a set's files with its history rows.

use std::collections::BTreeSet;
use std::fmt::Write as _;

use super::history::{HistoryRow, RowState};
use super::source::{Migration, MigrationSet};

/// What is known about one version of a set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    /// Applied, and the file still has the checksum it was applied with.
    Applied,
    /// Not applied yet, newer than everything applied.
    Pending,
    /// Not applied, but older than the newest applied version.
    OutOfOrder,
    /// Applied, and its file changed since (beyond line endings and trailing spaces).
    Drifted,
    /// Applied, and its file is gone.
    Missing,
    /// Stopped part-way (MySQL/MariaDB, or a no-transaction migration): needs `resolve`.
    Incomplete,
    /// The baseline marker row.
    Baseline,
    /// At or below the baseline: counts as applied, never run.
    BelowBaseline,
    /// Applied with a checksum algorithm newer than this build knows.
    Unverified,
    /// Being applied or reverted right now by a run that holds the lock.
    Running,
}

impl State {
    pub fn label(self) -> &'static str {
        match self {
            State::Applied => "applied",
            State::Pending => "pending",
            State::OutOfOrder => "out-of-order",
            State::Drifted => "drifted",
            State::Missing => "missing",
            State::Incomplete => "failed",
            State::Baseline => "baseline",
            State::BelowBaseline => "below baseline",
            State::Unverified => "applied (unverified)",
            State::Running => "running",
        }
    }

    /// Whether a person must act before `up` runs (pending work is not a problem).
    pub fn is_problem(self) -> bool {
        matches!(
            self,
            State::Drifted | State::Missing | State::Incomplete | State::OutOfOrder
        )
    }
}

/// One line of a set's status.
#[derive(Debug, Clone)]
pub struct Entry<'a> {
    pub version: i64,
    pub name: String,
    pub state: State,
    pub migration: Option<&'a Migration>,
    pub row: Option<&'a HistoryRow>,
}

/// Status of a whole set.
#[derive(Debug, Clone)]
pub struct SetStatus<'a> {
    pub set: &'a MigrationSet,
    pub entries: Vec<Entry<'a>>,
}

impl<'a> SetStatus<'a> {
    /// Compares `set` with the rows of the history table that belong to it.
    pub fn compute(set: &'a MigrationSet, rows: &'a [HistoryRow]) -> SetStatus<'a> {
        SetStatus::compute_live(set, rows, false)
    }

    /// As [`SetStatus::compute`]; with `run_in_progress` (another run holds the lock), rows
    /// marked running are shown as running rather than interrupted.
    pub fn compute_live(
        set: &'a MigrationSet,
        rows: &'a [HistoryRow],
        run_in_progress: bool,
    ) -> SetStatus<'a> {
        let mine: Vec<&HistoryRow> = rows.iter().filter(|r| r.set == set.name).collect();
        let by_version: std::collections::HashMap<i64, &HistoryRow> =
            mine.iter().map(|r| (r.version, *r)).collect();
        let baseline = mine
            .iter()
            .filter(|r| r.state == RowState::Baseline)
            .map(|r| r.version)
            .max();
        let newest_applied = mine
            .iter()
            .filter(|r| r.state != RowState::Baseline)
            .map(|r| r.version)
            .max();
        let versions: BTreeSet<i64> = set
            .migrations
            .iter()
            .map(|m| m.version)
            .chain(mine.iter().map(|r| r.version))
            .collect();
        let mut entries = Vec::with_capacity(versions.len());
        for v in versions {
            let migration = set.get(v);
            let row = by_version.get(&v).copied();
            let state = match (row, migration) {
                (Some(r), _) if r.state == RowState::Baseline => State::Baseline,
                (Some(r), _)
                    if run_in_progress
                        && matches!(r.state, RowState::Running | RowState::Reverting) =>
                {
                    State::Running
                }
                (Some(r), _) if r.state.is_incomplete() => State::Incomplete,
                (Some(_), None) => State::Missing,
                (Some(r), Some(m)) => match m.checksum_with(r.checksum_algo) {
                    Some(c) if c == r.checksum => State::Applied,
                    Some(_) => State::Drifted,
                    None => State::Unverified,
                },
                (None, _) if baseline.is_some_and(|b| v <= b) => State::BelowBaseline,
                (None, _) if newest_applied.is_some_and(|n| v < n) => State::OutOfOrder,
                (None, _) => State::Pending,
            };
            let name = migration
                .map(|m| m.name.clone())
                .or_else(|| row.map(|r| r.name.clone()))
                .unwrap_or_default();
            entries.push(Entry {
                version: v,
                name,
                state,
                migration,
                row,
            });
        }
        SetStatus { set, entries }
    }

    pub fn count(&self, state: State) -> usize {
        self.entries.iter().filter(|e| e.state == state).count()
    }

    pub fn has_problems(&self) -> bool {
        self.entries.iter().any(|e| e.state.is_problem())
    }

    pub fn has_pending(&self) -> bool {
        self.entries
            .iter()
            .any(|e| matches!(e.state, State::Pending | State::OutOfOrder | State::Running))
    }

    /// One-line summary: "3 applied, 1 pending".
    pub fn summary(&self) -> String {
        let mut parts = Vec::new();
        for s in [
            State::Applied,
            State::Unverified,
            State::Baseline,
            State::BelowBaseline,
            State::Pending,
            State::OutOfOrder,
            State::Drifted,
            State::Missing,
            State::Incomplete,
            State::Running,
        ] {
            let n = self.count(s);
            if n > 0 {
                parts.push(format!("{n} {}", s.label()));
            }
        }
        if parts.is_empty() {
            "no migrations".to_string()
        } else {
            parts.join(", ")
        }
    }

    /// The table printed by `migrate status`.
    /// `hint` spells the command in the advice (`backendctl migrate --dir … --set …`).
    pub fn render(&self, hint: &str) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "set {} ({}): {}",
            self.set.name,
            self.set.dir.display(),
            self.summary()
        );
        if self.entries.is_empty() {
            return out;
        }
        let width = self
            .entries
            .iter()
            .map(|e| e.version.to_string().len())
            .max()
            .unwrap_or(1)
            .max(7);
        let name_w = self
            .entries
            .iter()
            .map(|e| e.name.len())
            .max()
            .unwrap_or(4)
            .clamp(4, 40);
        let _ = writeln!(
            out,
            "  {:<width$}  {:<name_w$}  {:<14}  {:<19}  BY",
            "VERSION", "NAME", "STATE", "APPLIED AT (UTC)"
        );
        for e in &self.entries {
            let (at, by) = e.row.map_or((String::new(), String::new()), |r| {
                (r.applied_at.clone(), r.applied_by.clone())
            });
            let _ = writeln!(
                out,
                "  {:<width$}  {:<name_w$}  {:<14}  {:<19}  {}",
                e.version,
                truncate(&e.name, name_w),
                e.state.label(),
                at,
                by
            );
            if let Some(detail) = detail(e, hint) {
                for line in detail.lines() {
                    let _ = writeln!(out, "  {:<width$}  {line}", "");
                }
            }
        }
        out
    }
}

fn truncate(s: &str, w: usize) -> String {
    if s.chars().count() <= w {
        s.to_string()
    } else {
        format!("{}…", s.chars().take(w - 1).collect::<String>())
    }
}

/// The extra lines under an entry that needs attention.
pub fn detail(e: &Entry<'_>, hint: &str) -> Option<String> {
    match e.state {
        State::Drifted => Some(format!(
            "↳ {} changed after it was applied; restore it, or accept it with `{hint} repair {}`",
            e.migration.map_or_else(String::new, Migration::label),
            e.version
        )),
        State::Missing => Some("↳ applied, but its file is gone".to_string()),
        State::OutOfOrder => Some(
            format!("↳ older than the newest applied version; `{hint} up --allow-out-of-order` applies it")
                .to_string(),
        ),
        State::Incomplete => e.row.map(|r| super::engine::describe_incomplete(r, hint)),
        State::Running => e.row.map(|r| {
            format!("↳ running now: {} of {} statements done", r.statements_done, r.statements_total)
        }),
        State::Unverified => {
            Some("↳ checksummed by a newer backendctl; this build cannot verify it".to_string())
        }
        _ => e.row.and_then(|r| {
            r.repaired_by.as_ref().map(|by| {
                format!(
                    "↳ repaired by {by} at {}",
                    r.repaired_at.clone().unwrap_or_default()
                )
            })
        }),
    }
}
