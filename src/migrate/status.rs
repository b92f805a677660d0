//! Comparing a set's files with its history rows.

use std::collections::BTreeSet;
use std::fmt::Write as _;

use super::error::Direction;
use super::history::{HistoryRow, RowState};
use super::source::{Layout, Migration, MigrationSet};

/// What is known about one version of a set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum State {
    /// Applied, and the file still has the checksum it was applied with.
    Applied,
    /// Applied by another tool, adopted with `baseline --from`; the file is unchanged since.
    Adopted,
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
    pub(crate) fn label(self) -> &'static str {
        match self {
            State::Applied => "applied",
            State::Adopted => "adopted",
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
    pub(crate) fn is_problem(self) -> bool {
        matches!(
            self,
            State::Drifted | State::Missing | State::Incomplete | State::OutOfOrder
        )
    }
}

impl State {
    /// Whether `up` refuses to run while a migration is in this state, given the set's
    /// `allow-out-of-order` and `ignore-missing`.
    pub(crate) fn blocks_up(self, allow_out_of_order: bool, ignore_missing: bool) -> bool {
        match self {
            State::Missing => !ignore_missing,
            State::OutOfOrder => !allow_out_of_order,
            state => state.is_problem(),
        }
    }
}

/// One line of a set's status.
#[derive(Debug, Clone)]
pub(crate) struct Entry<'a> {
    pub(crate) version: i64,
    pub(crate) name: String,
    pub(crate) state: State,
    pub(crate) migration: Option<&'a Migration>,
    pub(crate) row: Option<&'a HistoryRow>,
}

/// Status of a whole set.
#[derive(Debug, Clone)]
pub(crate) struct SetStatus<'a> {
    pub(crate) set: &'a MigrationSet,
    pub(crate) entries: Vec<Entry<'a>>,
    /// What the set's migrations are made of, for the words of the advice.
    pub(crate) unit: Unit,
}

/// What a migration is made of: SQL statements, or MongoDB commands (golang-migrate's `.json`
/// files). Progress and advice count them by this name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Unit {
    Statement,
    Command,
}

impl Unit {
    /// The unit of `set`'s files.
    pub(crate) fn of(set: &MigrationSet) -> Unit {
        if set.layouts().contains(&Layout::MongoJson) {
            Unit::Command
        } else {
            Unit::Statement
        }
    }

    /// `statement`, `command`.
    pub(crate) fn one(self) -> &'static str {
        match self {
            Unit::Statement => "statement",
            Unit::Command => "command",
        }
    }

    /// `statements`, `commands`.
    pub(crate) fn many(self) -> &'static str {
        match self {
            Unit::Statement => "statements",
            Unit::Command => "commands",
        }
    }
}

impl<'a> SetStatus<'a> {
    /// Compares `set` with the rows of the history table that belong to it.
    pub(crate) fn compute(set: &'a MigrationSet, rows: &'a [HistoryRow]) -> SetStatus<'a> {
        SetStatus::compute_live(set, rows, false)
    }

    /// As [`SetStatus::compute`]; with `run_in_progress` (another run holds the lock), rows
    /// marked running are shown as running rather than interrupted.
    pub(crate) fn compute_live(
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
                    Some(c) if c == r.checksum && r.state == RowState::Adopted => State::Adopted,
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
        SetStatus {
            set,
            entries,
            unit: Unit::of(set),
        }
    }

    pub(crate) fn count(&self, state: State) -> usize {
        self.entries.iter().filter(|e| e.state == state).count()
    }

    /// How many of the set's migrations the database has applied, or counts as applied: drifted,
    /// missing and unverified ones are applied too.
    pub(crate) fn applied(&self) -> usize {
        [
            State::Applied,
            State::Adopted,
            State::Drifted,
            State::Missing,
            State::Unverified,
            State::BelowBaseline,
        ]
        .iter()
        .map(|&state| self.count(state))
        .sum()
    }

    pub(crate) fn has_problems(&self) -> bool {
        self.entries.iter().any(|e| e.state.is_problem())
    }

    pub(crate) fn has_pending(&self) -> bool {
        self.entries
            .iter()
            .any(|e| matches!(e.state, State::Pending | State::OutOfOrder | State::Running))
    }

    /// One-line summary: "3 applied, 1 pending".
    pub(crate) fn summary(&self) -> String {
        let mut parts = Vec::new();
        for s in [
            State::Applied,
            State::Adopted,
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

    /// What `migrate status --json` prints for the set; `hint` as in [`SetStatus::render`].
    pub(crate) fn to_json(&self, hint: &str) -> serde_json::Value {
        serde_json::json!({
            "set": self.set.name,
            "dir": self.set.dir.display().to_string(),
            "summary": self.summary(),
            "needs_attention": self.has_problems(),
            "pending": self.has_pending(),
            "migrations": self.entries.iter().map(|e| serde_json::json!({
                "version": e.version,
                "name": e.name,
                "state": e.state.label(),
                "applied_at": e.row.map(|r| r.applied_at.clone()),
                "applied_by": e.row.map(|r| r.applied_by.clone()),
                "adopted_from": e.row.filter(|r| r.state == RowState::Adopted).map(|r| r.tool_version.clone()),
                "duration_ms": e.row.map(|r| r.duration_ms),
                "statements_done": e.row.map(|r| r.statements_done),
                "statements_total": e.row.map(|r| r.statements_total),
                "error": e.row.and_then(|r| r.error.clone()),
                "detail": detail(e, hint, self.unit),
            })).collect::<Vec<_>>(),
        })
    }

    /// The table printed by `migrate status`.
    /// `hint` spells the command in the advice (`backendctl migrate --dir … --migrations …`).
    pub(crate) fn render(&self, hint: &str) -> String {
        let mut out = String::new();
        // The layout read, unless it is backendctl's own (`Diesel layout`, `Prisma layout`).
        let layouts: Vec<&str> = self
            .set
            .layouts()
            .into_iter()
            .filter(|l| *l != Layout::Pair)
            .map(Layout::tools)
            .collect();
        let _ = writeln!(
            out,
            "set {} ({}{}): {}",
            self.set.name,
            self.set.dir.display(),
            if layouts.is_empty() {
                String::new()
            } else {
                format!("; {} layout", layouts.join(", "))
            },
            self.summary()
        );
        if self.entries.is_empty() {
            if self.set.migrations.is_empty() {
                let _ = writeln!(out, "  {}", self.set.why_empty());
            }
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
                (r.applied_at.clone(), applied_by(r))
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
            if let Some(detail) = detail(e, hint, self.unit) {
                for line in detail.lines() {
                    let _ = writeln!(out, "  {:<width$}  {line}", "");
                }
            }
        }
        out
    }
}

/// Who applied a row: `user@host`, or for an adopted row the tool that applied it and who
/// adopted it (`diesel (adopted by ci@runner)`).
fn applied_by(r: &HistoryRow) -> String {
    if r.state == RowState::Adopted {
        format!("{} (adopted by {})", r.tool_version, r.applied_by)
    } else {
        r.applied_by.clone()
    }
}

fn truncate(s: &str, w: usize) -> String {
    if s.chars().count() <= w {
        s.to_string()
    } else {
        format!("{}…", s.chars().take(w - 1).collect::<String>())
    }
}

/// What `status` prints under a row that stopped part-way: [`what_stopped`] and how to settle it.
/// `hint` spells the command (`backendctl migrate --dir … --migrations …`).
pub(crate) fn describe_incomplete(r: &HistoryRow, hint: &str, unit: Unit) -> String {
    format!("{}\n{}", what_stopped(r, unit), settle_row(r, hint, unit))
}

/// How to settle the row of a migration that stopped part-way ([`settle`]).
pub(crate) fn settle_row(r: &HistoryRow, hint: &str, unit: Unit) -> String {
    let (direction, outcome_unknown) = match r.state {
        RowState::Failed => (Direction::Up, false),
        RowState::RevertFailed => (Direction::Down, false),
        RowState::Running => (Direction::Up, true),
        _ => (Direction::Down, true),
    };
    let count = |n: i64| usize::try_from(n).unwrap_or(0);
    settle(
        Stopped {
            direction,
            outcome_unknown,
        },
        r.version,
        (count(r.statements_done), count(r.statements_total)),
        hint,
        unit,
    )
}

/// How a statement-by-statement migration stopped.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Stopped {
    pub(crate) direction: Direction,
    /// The statement after the ones that ran was under way when the connection or the process
    /// went: whether it took effect is unknown. Otherwise the server rejected it.
    pub(crate) outcome_unknown: bool,
}

/// How to settle migration `version`, stopped after `done` of its `total` statements ran: one
/// complete `resolve` command per way (`hint` spells the command where the user is), each with
/// what to do by hand first. Shared by the failure report, `status`, `plan` and `apply`.
pub(crate) fn settle(
    how: Stopped,
    version: i64,
    (done, total): (usize, usize),
    hint: &str,
    unit: Unit,
) -> String {
    let v = version;
    let (one, many) = (unit.one(), unit.many());
    let next = done + 1;
    let ran = statements_between(1, done, unit);
    let rest = statements_between(next, total, unit).unwrap_or_else(|| "the rest".to_string());
    let command = |flag: &str| format!("`{hint} resolve {v} --{flag}`");
    let (resume, applied, rolled_back) = (
        command("resume"),
        command("applied"),
        command("rolled-back"),
    );
    if how.outcome_unknown {
        let after = statements_between(next + 1, total, unit);
        let (did, either) = match how.direction {
            Direction::Up => (
                match after {
                    Some(after) => format!("run {after} by hand, then {applied}"),
                    None => format!("{applied} records it as applied"),
                },
                format!(
                    "undo {} by hand, then {rolled_back} makes it pending again",
                    statements_between(1, next, unit).unwrap_or_default()
                ),
            ),
            Direction::Down => (
                match after {
                    Some(after) => {
                        format!("run {after} of the down file by hand, then {rolled_back}")
                    }
                    None => format!("{rolled_back} records it as reverted"),
                },
                format!(
                    "redo {} by hand, then {applied} records it as still applied",
                    statements_between(1, next, unit).unwrap_or_default()
                ),
            ),
        };
        return format!(
            "First check in the database whether {one} {next} took effect. Then do one of:\n\
             \x20 - it did not: {resume} runs {rest} (the {one} itself did not fail, so nothing needs fixing);\n\
             \x20 - it did: {did};\n\
             \x20 - either way: {either}."
        );
    }
    let keep = match done {
        0 => String::new(),
        1 => format!(" ({one} 1 ran: keep it unchanged)"),
        _ => format!(" ({many} 1–{done} ran: keep them unchanged)"),
    };
    match how.direction {
        Direction::Up => format!(
            "To settle it, do one of:\n\
             \x20 - fix {one} {next} in the file{keep}, then {resume} runs {rest};\n\
             \x20 - {}{rolled_back} makes it pending again;\n\
             \x20 - finish it by hand, then {applied} records it as applied.",
            ran.as_ref().map_or_else(
                || "nothing of it ran, so ".to_string(),
                |ran| format!("undo {ran} by hand, then ")
            )
        ),
        Direction::Down => format!(
            "To settle it, do one of:\n\
             \x20 - fix {one} {next} of the down file{keep}, then {resume} runs {rest};\n\
             \x20 - finish reverting by hand, then {rolled_back} records it as reverted;\n\
             \x20 - {}{applied} records it as still applied.",
            ran.as_ref().map_or_else(
                || "nothing of it was reverted, so ".to_string(),
                |ran| format!("redo {ran} by hand, then ")
            )
        ),
    }
}

/// `statement 3`, `statements 3–5` (or `command 3`, …), or `None` when `from > to`.
pub(crate) fn statements_between(from: usize, to: usize, unit: Unit) -> Option<String> {
    match from.cmp(&to) {
        std::cmp::Ordering::Less => Some(format!("{} {from}–{to}", unit.many())),
        std::cmp::Ordering::Equal => Some(format!("{} {from}", unit.one())),
        std::cmp::Ordering::Greater => None,
    }
}

/// Which statements of a row that stopped part-way ran, and why it stopped.
pub(crate) fn what_stopped(r: &HistoryRow, unit: Unit) -> String {
    let (done, total) = (r.statements_done, r.statements_total);
    let (one, many) = (unit.one(), unit.many());
    let ran = match done {
        0 => format!("none of its {total} {many} ran"),
        1 => format!("{one} 1 of {total} ran"),
        _ => format!("{many} 1–{done} of {total} ran"),
    };
    let error = r.error.as_deref().unwrap_or("no error was recorded");
    match r.state {
        RowState::Failed => format!("↳ up failed: {ran}; {error}"),
        RowState::RevertFailed => format!("↳ down failed: {ran}; {error}"),
        RowState::Running => format!(
            "↳ up was interrupted (the process stopped): {ran}; {one} {} may or may not have completed",
            done + 1
        ),
        _ => format!(
            "↳ down was interrupted (the process stopped): {ran}; {one} {} may or may not have completed",
            done + 1
        ),
    }
}

/// The extra lines under an entry that needs attention: what is wrong and the complete command
/// that settles it (`hint` spells the command where the user is). `status`, `plan` and `up`'s
/// refusal all say this, so one problem has one suggested command.
pub(crate) fn detail(e: &Entry<'_>, hint: &str, unit: Unit) -> Option<String> {
    match e.state {
        State::Drifted => Some(format!(
            "↳ {} changed after it was applied (checksum {} → {}); restore it, or accept it with `{hint} repair {}`",
            e.migration.map_or_else(String::new, Migration::label),
            short(e.row.map_or("", |r| r.checksum.as_str())),
            short(e.migration.map_or("", |m| m.checksum.as_str())),
            e.version
        )),
        State::Missing => Some(format!(
            "↳ applied, but its file is gone; restore it, or apply the rest without it with `{hint} up --ignore-missing`"
        )),
        State::OutOfOrder => Some(format!(
            "↳ older than the newest applied version; `{hint} up --allow-out-of-order` applies it"
        )),
        State::Incomplete => e.row.map(|r| describe_incomplete(r, hint, unit)),
        State::Running => e.row.map(|r| {
            format!(
                "↳ running now: {} of {} {} done",
                r.statements_done,
                r.statements_total,
                unit.many()
            )
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

/// The first 12 characters of a checksum.
pub(crate) fn short(checksum: &str) -> &str {
    &checksum[..checksum.len().min(12)]
}
