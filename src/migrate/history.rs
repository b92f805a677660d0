//! The history table: one per database, one row per applied migration of every set, plus an
//! append-only log of everything the engine did (apply, revert, repair, baseline, resolve).
//!
//! Rows are written with literal values rather than bind parameters so that a migration, its
//! history row and its log row travel to the server in one round trip and commit in one
//! transaction. Every value is the engine's own (set names, file names, hex checksums,
//! `user@host`) and goes through [`Dialect::literal`].

use std::fmt::Write as _;

use super::dialect::Dialect;

/// Table holding one row per applied (or failed, or baselined) migration.
pub(crate) const TABLE: &str = "backendctl_migrations";
/// Append-only audit log.
pub(crate) const LOG_TABLE: &str = "backendctl_migration_log";

/// What a history row says about its migration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RowState {
    /// Ran to the end and committed.
    Applied,
    /// Started and not finished: either running now (under the lock) or interrupted.
    Running,
    /// A statement failed; `statements_done` says how many ran before it.
    Failed,
    /// Its down migration started and did not finish.
    Reverting,
    /// Its down migration failed part-way.
    RevertFailed,
    /// Marks an adopted database: every version up to this one counts as applied.
    Baseline,
    /// Applied by another tool and adopted with `baseline --from`; `tool_version` names the tool.
    Adopted,
}

impl RowState {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            RowState::Applied => "applied",
            RowState::Running => "running",
            RowState::Failed => "failed",
            RowState::Reverting => "reverting",
            RowState::RevertFailed => "revert_failed",
            RowState::Baseline => "baseline",
            RowState::Adopted => "adopted",
        }
    }

    pub(crate) fn parse(s: &str) -> RowState {
        match s {
            "applied" => RowState::Applied,
            "running" => RowState::Running,
            "reverting" => RowState::Reverting,
            "revert_failed" => RowState::RevertFailed,
            "baseline" => RowState::Baseline,
            "adopted" => RowState::Adopted,
            _ => RowState::Failed,
        }
    }

    /// Whether the row describes a migration stopped part-way, which needs `resolve`.
    pub(crate) fn is_incomplete(self) -> bool {
        matches!(
            self,
            RowState::Running | RowState::Failed | RowState::Reverting | RowState::RevertFailed
        )
    }
}

/// One row of the history table as read back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct HistoryRow {
    pub(crate) set: String,
    pub(crate) version: i64,
    pub(crate) name: String,
    pub(crate) checksum_algo: i64,
    pub(crate) checksum: String,
    pub(crate) state: RowState,
    pub(crate) statements_total: i64,
    pub(crate) statements_done: i64,
    pub(crate) progress_checksum: Option<String>,
    pub(crate) error: Option<String>,
    pub(crate) applied_at: String,
    pub(crate) duration_ms: i64,
    pub(crate) applied_by: String,
    pub(crate) tool_version: String,
    pub(crate) repaired_at: Option<String>,
    pub(crate) repaired_by: Option<String>,
}

/// Who runs the engine, written into every row.
#[derive(Debug, Clone)]
pub(crate) struct Actor {
    /// `user@host`.
    pub(crate) by: String,
    /// `backendctl <version>`.
    pub(crate) tool: String,
}

impl Actor {
    pub(crate) fn current() -> Actor {
        let user = ["USER", "LOGNAME", "USERNAME"]
            .iter()
            .find_map(|k| std::env::var(k).ok().filter(|v| !v.is_empty()))
            .or_else(user_from_passwd)
            .unwrap_or_else(|| "unknown".to_string());
        let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
            .or_else(|_| std::fs::read_to_string("/etc/hostname"))
            .ok()
            .map(|h| h.trim().to_string())
            .filter(|h| !h.is_empty())
            .or_else(|| std::env::var("HOSTNAME").ok())
            .unwrap_or_else(|| "localhost".to_string());
        Actor {
            by: format!("{user}@{host}"),
            tool: format!("backendctl {}", env!("CARGO_PKG_VERSION")),
        }
    }
}

/// The name of the process's user from /etc/passwd (containers and CI often have no $USER).
fn user_from_passwd() -> Option<String> {
    use std::os::unix::fs::MetadataExt;
    let uid = std::fs::metadata("/proc/self").ok()?.uid();
    let passwd = std::fs::read_to_string("/etc/passwd").ok()?;
    passwd.lines().find_map(|l| {
        let f: Vec<&str> = l.split(':').collect();
        (f.len() > 2 && f[2].parse::<u32>().ok() == Some(uid)).then(|| f[0].to_string())
    })
}

/// The identity of a row and the values of a new one.
#[derive(Debug, Clone)]
pub(crate) struct Record<'a> {
    pub(crate) set: &'a str,
    pub(crate) version: i64,
    pub(crate) name: &'a str,
    pub(crate) checksum: &'a str,
    pub(crate) statements_total: usize,
}

/// `CREATE TABLE IF NOT EXISTS` for both tables.
pub(crate) fn create_tables(d: Dialect) -> String {
    let (text, key, ts, serial) = match d {
        Dialect::Postgres => ("text", "text", "timestamptz", "bigserial PRIMARY KEY"),
        Dialect::MySql => (
            "text",
            "varchar(191)",
            "datetime(6)",
            "bigint AUTO_INCREMENT PRIMARY KEY",
        ),
        Dialect::Sqlite => ("text", "text", "text", "integer PRIMARY KEY AUTOINCREMENT"),
    };
    let now = match d {
        Dialect::Postgres => "now()",
        Dialect::MySql => "CURRENT_TIMESTAMP(6)",
        Dialect::Sqlite => "(strftime('%Y-%m-%d %H:%M:%f', 'now'))",
    };
    let engine = if d == Dialect::MySql {
        " ENGINE=InnoDB"
    } else {
        ""
    };
    format!(
        "CREATE TABLE IF NOT EXISTS {TABLE} (\n\
         \x20 set_name {key} NOT NULL,\n\
         \x20 version bigint NOT NULL,\n\
         \x20 name {text} NOT NULL,\n\
         \x20 checksum_algo bigint NOT NULL,\n\
         \x20 checksum {text} NOT NULL,\n\
         \x20 state varchar(16) NOT NULL,\n\
         \x20 statements_total bigint NOT NULL DEFAULT 0,\n\
         \x20 statements_done bigint NOT NULL DEFAULT 0,\n\
         \x20 progress_checksum {text},\n\
         \x20 error {text},\n\
         \x20 applied_at {ts} NOT NULL DEFAULT {now},\n\
         \x20 duration_ms bigint NOT NULL DEFAULT 0,\n\
         \x20 applied_by {text} NOT NULL,\n\
         \x20 tool_version {text} NOT NULL,\n\
         \x20 repaired_at {ts},\n\
         \x20 repaired_by {text},\n\
         \x20 PRIMARY KEY (set_name, version)\n\
         ){engine};\n\
         CREATE TABLE IF NOT EXISTS {LOG_TABLE} (\n\
         \x20 id {serial},\n\
         \x20 at {ts} NOT NULL DEFAULT {now},\n\
         \x20 set_name {text} NOT NULL,\n\
         \x20 version bigint NOT NULL,\n\
         \x20 action varchar(32) NOT NULL,\n\
         \x20 by_whom {text} NOT NULL,\n\
         \x20 tool_version {text} NOT NULL,\n\
         \x20 detail {text}\n\
         ){engine}"
    )
}

/// The SELECT that reads every row as one JSON text value (an array of arrays in the column
/// order of [`parse_rows`]). One value instead of a row per migration: with thousands of rows the
/// per-row decoding (and, on SQLite, a thread hand-off per row) cost more than the query.
pub(crate) fn select_all(d: Dialect) -> String {
    let ts = |c: &str| match d {
        Dialect::Postgres => format!("to_char({c} AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS')"),
        Dialect::MySql => format!("DATE_FORMAT({c}, '%Y-%m-%d %H:%i:%s')"),
        Dialect::Sqlite => format!("substr({c}, 1, 19)"),
    };
    let cols = format!(
        "set_name, version, name, checksum_algo, checksum, state, statements_total, statements_done, \
         progress_checksum, error, {}, duration_ms, applied_by, tool_version, {}, repaired_by",
        ts("applied_at"),
        ts("repaired_at")
    );
    d.json_rows(&[&cols], TABLE)
}

/// Parses [`select_all`]'s value, sorted by set and version.
pub(crate) fn parse_rows(json: &str) -> Result<Vec<HistoryRow>, String> {
    let rows: Vec<Vec<serde_json::Value>> =
        serde_json::from_str(json).map_err(|e| format!("unreadable history: {e}"))?;
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        if r.len() != 16 {
            return Err(format!("unreadable history row: {} columns", r.len()));
        }
        let s = |i: usize| {
            r[i].as_str()
                .map(str::to_string)
                .ok_or_else(|| format!("history column {i} is not text: {}", r[i]))
        };
        let o = |i: usize| r[i].as_str().map(str::to_string);
        let n = |i: usize| {
            r[i].as_i64()
                .or_else(|| r[i].as_str().and_then(|t| t.parse().ok()))
                .ok_or_else(|| format!("history column {i} is not a number: {}", r[i]))
        };
        out.push(HistoryRow {
            set: s(0)?,
            version: n(1)?,
            name: s(2)?,
            checksum_algo: n(3)?,
            checksum: s(4)?,
            state: RowState::parse(&s(5)?),
            statements_total: n(6)?,
            statements_done: n(7)?,
            progress_checksum: o(8),
            error: o(9),
            applied_at: o(10).unwrap_or_default(),
            duration_ms: n(11)?,
            applied_by: s(12)?,
            tool_version: s(13)?,
            repaired_at: o(14),
            repaired_by: o(15),
        });
    }
    out.sort_by(|a, b| (a.set.as_str(), a.version).cmp(&(b.set.as_str(), b.version)));
    Ok(out)
}

fn key(d: Dialect, set: &str, version: i64) -> String {
    format!("set_name = {} AND version = {version}", d.literal(set))
}

/// INSERT of a complete `applied` row; `duration` is an SQL expression.
pub(crate) fn insert_applied(d: Dialect, a: &Actor, r: &Record<'_>, duration: &str) -> String {
    let n = r.statements_total.to_string();
    let columns = [
        ("statements_total", n.as_str()),
        ("statements_done", n.as_str()),
        ("duration_ms", duration),
    ];
    insert_row(d, r, "applied", &columns, &a.by, &a.tool)
}

/// INSERT of a `running` row, written before the first statement of a migration that cannot
/// run in one transaction.
pub(crate) fn insert_running(d: Dialect, a: &Actor, r: &Record<'_>) -> String {
    let n = r.statements_total.to_string();
    let columns = [("statements_total", n.as_str()), ("statements_done", "0")];
    insert_row(d, r, "running", &columns, &a.by, &a.tool)
}

/// INSERT of one history row: the migration's identity and checksum, `state`, the `columns` that
/// state has (name and SQL expression), the time now, who applied it and with what `tool`.
fn insert_row(
    d: Dialect,
    r: &Record<'_>,
    state: &str,
    columns: &[(&str, &str)],
    by: &str,
    tool: &str,
) -> String {
    let names: String = columns
        .iter()
        .map(|(name, _)| format!(", {name}"))
        .collect();
    let values: String = columns
        .iter()
        .map(|(_, value)| format!(", {value}"))
        .collect();
    format!(
        "INSERT INTO {TABLE} (set_name, version, name, checksum_algo, checksum, state{names}, \
         applied_at, applied_by, tool_version) VALUES ({}, {}, {}, {}, {}, {}{values}, {}, {}, {})",
        d.literal(r.set),
        r.version,
        d.literal(r.name),
        super::checksum::Algorithm::CURRENT.number(),
        d.literal(r.checksum),
        d.literal(state),
        d.now(),
        d.literal(by),
        d.literal(tool),
    )
}

/// UPDATE recording that `done` statements ran; `progress` is the checksum of those statements.
pub(crate) fn mark_progress(
    d: Dialect,
    set: &str,
    version: i64,
    done: usize,
    progress: &str,
) -> String {
    format!(
        "UPDATE {TABLE} SET statements_done = {done}, progress_checksum = {} WHERE {}",
        d.literal(progress),
        key(d, set, version)
    )
}

/// UPDATE turning a `running` row into `applied`, with its duration measured from `applied_at`.
pub(crate) fn finish_applied(
    d: Dialect,
    set: &str,
    version: i64,
    done: usize,
    checksum: &str,
) -> String {
    let duration = match d {
        Dialect::Postgres => {
            "(extract(epoch FROM clock_timestamp() - applied_at) * 1000)::bigint".to_string()
        }
        Dialect::MySql => {
            "TIMESTAMPDIFF(MICROSECOND, applied_at, CURRENT_TIMESTAMP(6)) DIV 1000".to_string()
        }
        Dialect::Sqlite => {
            "CAST((julianday('now') - julianday(applied_at)) * 86400000 AS INTEGER)".to_string()
        }
    };
    // MySQL evaluates SET left to right, so duration is computed before applied_at moves.
    format!(
        "UPDATE {TABLE} SET duration_ms = {duration}, state = 'applied', statements_done = {done}, \
         statements_total = {done}, checksum = {}, checksum_algo = {}, progress_checksum = NULL, \
         error = NULL, applied_at = {} WHERE {}",
        d.literal(checksum),
        super::checksum::Algorithm::CURRENT.number(),
        if d == Dialect::Postgres {
            "clock_timestamp()"
        } else {
            d.now()
        },
        key(d, set, version)
    )
}

/// UPDATE setting a row's state, keeping its progress, with an optional error text.
pub(crate) fn mark_state(
    d: Dialect,
    set: &str,
    version: i64,
    state: RowState,
    error: Option<&str>,
) -> String {
    format!(
        "UPDATE {TABLE} SET state = '{}', error = {} WHERE {}",
        state.as_str(),
        d.opt_literal(error),
        key(d, set, version)
    )
}

/// UPDATE starting a down migration that runs statement by statement.
pub(crate) fn mark_reverting(d: Dialect, set: &str, version: i64, total: usize) -> String {
    format!(
        "UPDATE {TABLE} SET state = 'reverting', statements_total = {total}, statements_done = 0, \
         progress_checksum = NULL, error = NULL WHERE {}",
        key(d, set, version)
    )
}

/// UPDATE undoing [`mark_reverting`] when nothing of the down migration ran: applied again, with
/// its `total` up statements done.
pub(crate) fn restore_applied(d: Dialect, set: &str, version: i64, total: usize) -> String {
    format!(
        "UPDATE {TABLE} SET state = 'applied', statements_total = {total}, statements_done = {total}, \
         progress_checksum = NULL, error = NULL WHERE {}",
        key(d, set, version)
    )
}

/// UPDATE accepting the current checksum of an applied migration.
pub(crate) fn mark_repaired(
    d: Dialect,
    a: &Actor,
    set: &str,
    version: i64,
    checksum: &str,
) -> String {
    format!(
        "UPDATE {TABLE} SET checksum = {}, checksum_algo = {}, repaired_at = {}, repaired_by = {} WHERE {}",
        d.literal(checksum),
        super::checksum::Algorithm::CURRENT.number(),
        d.now(),
        d.literal(&a.by),
        key(d, set, version)
    )
}

/// DELETE of one row.
pub(crate) fn delete(d: Dialect, set: &str, version: i64) -> String {
    format!("DELETE FROM {TABLE} WHERE {}", key(d, set, version))
}

/// INSERT into the log.
pub(crate) fn log(
    d: Dialect,
    a: &Actor,
    set: &str,
    version: i64,
    action: &str,
    detail: Option<&str>,
) -> String {
    let mut s = String::new();
    let _ = write!(
        s,
        "INSERT INTO {LOG_TABLE} (set_name, version, action, by_whom, tool_version, detail) VALUES ({}, {version}, {}, {}, {}, {})",
        d.literal(set),
        d.literal(action),
        d.literal(&a.by),
        d.literal(&a.tool),
        d.opt_literal(detail)
    );
    s
}

/// INSERT of the row that marks an adopted database.
pub(crate) fn insert_baseline(d: Dialect, a: &Actor, set: &str, version: i64) -> String {
    let record = Record {
        set,
        version,
        name: "baseline",
        checksum: "",
        statements_total: 0,
    };
    insert_row(d, &record, "baseline", &[], &a.by, &a.tool)
}

/// INSERT of a row for a migration another tool applied (`baseline --from`): its current
/// checksum, so drift is caught from now on, and `tool` (`diesel`) as the tool that applied it.
pub(crate) fn insert_adopted(d: Dialect, a: &Actor, r: &Record<'_>, tool: &str) -> String {
    insert_row(d, r, "adopted", &[], &a.by, tool)
}
