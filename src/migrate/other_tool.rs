//! Other tools' history tables: which tool migrated a database, and which versions it applied.
//!
//! `migrate baseline --from TOOL` adopts a database migrated by another tool, so a team switches
//! without re-running anything: each version the tool recorded as applied becomes an `adopted`
//! row in backendctl's history. `up` refuses to run migrations another tool already applied to a
//! set backendctl has no history for, and says how to adopt them.
//!
//! What each table says (columns as each tool creates them; `--from` names):
//!
//! | `--from` | table | applied | refused |
//! |---|---|---|---|
//! | `sqlx` | `_sqlx_migrations` (version, description, installed_on, success, checksum, execution_time) | every row with `success` | `success = false`: a migration stopped part-way (MySQL) |
//! | `golang-migrate` | `schema_migrations` (version, dirty): one row | every file up to `version` | `dirty` |
//! | `dbmate` | `schema_migrations` (version), no `dirty` column | every row | — |
//! | `goose` | `goose_db_version` (id, version_id, is_applied, tstamp) | versions whose last row (by id) is applied, but goose's own 0 | — |
//! | `diesel` | `__diesel_schema_migrations` (version, run_on) | every row | — |
//! | `prisma` | `_prisma_migrations` (id, checksum, finished_at, migration_name, logs, rolled_back_at, started_at, applied_steps_count) | rows finished and not rolled back | a row neither finished nor rolled back (P3009) |
//! | `flyway` | `flyway_schema_history` (installed_rank, version, description, type, script, checksum, installed_by, installed_on, execution_time, success) | successful versioned rows, every file up to a `BASELINE` row, minus undone and deleted ones | `success = false` |
//!
//! sqlx's SHA-384 and Prisma's SHA-256 of each file are compared with the files: a file that
//! changed since that tool applied it is reported (its current content is what backendctl
//! checks for drift from then on).

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use sha2::{Digest, Sha256, Sha384};

use super::dialect::Dialect;
use super::error::MigrateError;
use super::layout::Layout;
use super::source::MigrationSet;

/// A migration tool whose history backendctl can adopt.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, clap::ValueEnum)]
pub enum Tool {
    Sqlx,
    GolangMigrate,
    Dbmate,
    Goose,
    Diesel,
    Prisma,
    Flyway,
    /// migrate-mongo (npm): a `changelog` collection, one document per applied file.
    MigrateMongo,
}

impl Tool {
    /// The tools with a SQL history table.
    pub(crate) const ALL: [Tool; 7] = [
        Tool::Sqlx,
        Tool::GolangMigrate,
        Tool::Dbmate,
        Tool::Goose,
        Tool::Diesel,
        Tool::Prisma,
        Tool::Flyway,
    ];

    /// The tools with a MongoDB history collection (golang-migrate's MongoDB driver keeps its
    /// one `{version, dirty}` document in a `schema_migrations` collection).
    pub(crate) const MONGODB: [Tool; 2] = [Tool::GolangMigrate, Tool::MigrateMongo];

    /// The `--from` value, also written as the tool that applied an adopted row.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Tool::Sqlx => "sqlx",
            Tool::GolangMigrate => "golang-migrate",
            Tool::Dbmate => "dbmate",
            Tool::Goose => "goose",
            Tool::Diesel => "diesel",
            Tool::Prisma => "prisma",
            Tool::Flyway => "flyway",
            Tool::MigrateMongo => "migrate-mongo",
        }
    }

    /// Its history table (the default name each tool uses).
    pub(crate) fn table(self) -> &'static str {
        match self {
            Tool::Sqlx => "_sqlx_migrations",
            Tool::GolangMigrate | Tool::Dbmate => "schema_migrations",
            Tool::Goose => "goose_db_version",
            Tool::Diesel => "__diesel_schema_migrations",
            Tool::Prisma => "_prisma_migrations",
            Tool::Flyway => "flyway_schema_history",
            Tool::MigrateMongo => "changelog",
        }
    }

    /// How that tool settles a migration it recorded as failed, for the refusal's help.
    pub(crate) fn remedy(self) -> &'static str {
        match self {
            Tool::Sqlx => {
                "sqlx recorded it with success = false: finish or undo it by hand, then delete its row from _sqlx_migrations (or run it with sqlx again)"
            }
            Tool::GolangMigrate => {
                "golang-migrate marks the database dirty: finish or undo that migration by hand, then clear the flag with `migrate force VERSION` (the last version that is complete)"
            }
            Tool::Prisma => {
                "settle it with Prisma first: `prisma migrate resolve --applied NAME` (finished by hand) or `--rolled-back NAME` (undone)"
            }
            Tool::Flyway => {
                "remove the failed row with `flyway repair` after undoing what it did (or finish it and run Flyway again)"
            }
            Tool::Dbmate | Tool::Goose | Tool::Diesel | Tool::MigrateMongo => {
                "settle it with that tool first"
            }
        }
    }
}

impl fmt::Display for Tool {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}'s {}", self.name(), self.table())
    }
}

/// Every table name [`Tool::table`] may return.
const TABLES: [&str; 6] = [
    "_sqlx_migrations",
    "schema_migrations",
    "goose_db_version",
    "__diesel_schema_migrations",
    "_prisma_migrations",
    "flyway_schema_history",
];

/// The query listing `(table, column)` of the known tables in the current schema, as JSON.
pub(crate) fn detect_sql(d: Dialect) -> String {
    let names = TABLES
        .iter()
        .map(|t| d.literal(t))
        .collect::<Vec<_>>()
        .join(", ");
    match d {
        Dialect::Postgres => d.json_rows(
            &["table_name::text", "column_name::text"],
            &format!(
                "information_schema.columns WHERE table_schema = current_schema() AND table_name IN ({names})"
            ),
        ),
        Dialect::MySql => d.json_rows(
            &["TABLE_NAME", "COLUMN_NAME"],
            &format!(
                "information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME IN ({names})"
            ),
        ),
        Dialect::Sqlite => d.json_rows(
            &["m.name", "p.name"],
            &format!(
                "sqlite_master m JOIN pragma_table_info(m.name) p WHERE m.type = 'table' AND m.name IN ({names})"
            ),
        ),
    }
}

/// The tools whose tables [`detect_sql`] found (golang-migrate's `schema_migrations` has a
/// `dirty` column, dbmate's has not).
pub(crate) fn detect(json: &str) -> Result<Vec<Tool>, String> {
    let rows: Vec<(String, String)> =
        serde_json::from_str(json).map_err(|e| format!("unreadable table list: {e}"))?;
    let mut columns: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (table, column) in rows {
        columns
            .entry(table.to_ascii_lowercase())
            .or_default()
            .insert(column.to_ascii_lowercase());
    }
    let mut tools: Vec<Tool> = Tool::ALL
        .into_iter()
        .filter(|t| match (t, columns.get(t.table())) {
            (_, None) => false,
            (Tool::GolangMigrate, Some(c)) => c.contains("dirty"),
            (Tool::Dbmate, Some(c)) => !c.contains("dirty"),
            (_, Some(_)) => true,
        })
        .collect();
    tools.sort();
    Ok(tools)
}

/// The query reading `tool`'s table as JSON, in the column order [`ToolHistory::parse`] expects.
pub(crate) fn read_sql(d: Dialect, tool: Tool) -> String {
    let hex = |c: &str| match d {
        Dialect::Postgres => format!("encode({c}, 'hex')"),
        Dialect::MySql => format!("LOWER(HEX({c}))"),
        Dialect::Sqlite => format!("lower(hex({c}))"),
    };
    let text = |c: &str| match d {
        Dialect::Postgres => format!("{c}::text"),
        Dialect::MySql => format!("CAST({c} AS CHAR)"),
        Dialect::Sqlite => format!("CAST({c} AS TEXT)"),
    };
    let cols: Vec<String> = match tool {
        Tool::Sqlx => vec![text("version"), "success".into(), hex("checksum")],
        Tool::GolangMigrate => vec![text("version"), "dirty".into()],
        Tool::Dbmate | Tool::Diesel => vec![text("version")],
        Tool::MigrateMongo => vec![text("fileName")],
        Tool::Goose => vec!["id".into(), text("version_id"), "is_applied".into()],
        Tool::Prisma => vec![
            "migration_name".into(),
            "checksum".into(),
            "finished_at IS NOT NULL".into(),
            "rolled_back_at IS NOT NULL".into(),
            "logs".into(),
        ],
        Tool::Flyway => vec![
            "installed_rank".into(),
            "version".into(),
            "type".into(),
            "success".into(),
            "description".into(),
        ],
    };
    let cols: Vec<&str> = cols.iter().map(String::as_str).collect();
    d.json_rows(&cols, tool.table())
}

/// A checksum another tool stored for a file, to compare with the file today.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Stored {
    /// sqlx: SHA-384 of the file's bytes, hex.
    Sha384(String),
    /// Prisma: SHA-256 of `migration.sql`, hex.
    Sha256(String),
}

/// What another tool's table says was applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ToolHistory {
    pub(crate) tool: Tool,
    /// Versions recorded as applied.
    applied: BTreeSet<i64>,
    /// Every version at or below this one counts as applied (golang-migrate's one row, Flyway's
    /// baseline).
    up_to: Option<i64>,
    /// Whether `up_to` must itself be a file (golang-migrate's version; not Flyway's baseline).
    up_to_is_a_file: bool,
    /// Migrations the tool recorded as failed or dirty, described.
    failed: Vec<String>,
    /// Versions that are not integers (Flyway `1.1`), as written.
    not_integers: Vec<String>,
    /// Stored checksums by version.
    checksums: BTreeMap<i64, Stored>,
    /// Rows that were left out, described (Flyway repeatable migrations).
    pub(crate) notes: Vec<String>,
}

/// What adopting a set from a [`ToolHistory`] does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Adoption {
    /// Versions of the set's files to record as adopted.
    pub(crate) versions: Vec<i64>,
    /// Files older than the newest adopted version that the tool did not apply (they will be
    /// out of order).
    pub(crate) skipped: Vec<i64>,
    /// Files whose content differs from what the tool recorded.
    pub(crate) changed: Vec<i64>,
}

/// Why a set cannot be adopted from a [`ToolHistory`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Refusal {
    /// The tool recorded failed or dirty migrations.
    Failed(Vec<String>),
    /// Versions the tool applied do not match the files.
    Mismatch(Vec<String>),
}

fn as_bool(v: &serde_json::Value) -> bool {
    match v {
        serde_json::Value::Bool(b) => *b,
        serde_json::Value::Number(n) => n.as_f64().is_some_and(|f| f != 0.0),
        serde_json::Value::String(s) => matches!(s.as_str(), "t" | "true" | "1" | "TRUE"),
        _ => false,
    }
}

fn as_text(v: &serde_json::Value) -> Option<String> {
    match v {
        serde_json::Value::String(s) => Some(s.clone()),
        serde_json::Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// An integer version as a tool wrote it (`0042`, `20240115093000`).
fn integer(s: &str) -> Option<i64> {
    let s = s.trim();
    (!s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()))
        .then(|| s.parse().ok())
        .flatten()
}

/// The leading integer of a Prisma migration name (`20240115093000_init` → 20240115093000).
fn leading_integer(s: &str) -> Option<i64> {
    let digits: String = s.chars().take_while(char::is_ascii_digit).collect();
    integer(&digits)
}

impl ToolHistory {
    fn new(tool: Tool) -> ToolHistory {
        ToolHistory {
            tool,
            applied: BTreeSet::new(),
            up_to: None,
            up_to_is_a_file: false,
            failed: Vec::new(),
            not_integers: Vec::new(),
            checksums: BTreeMap::new(),
            notes: Vec::new(),
        }
    }

    /// Reads [`read_sql`]'s JSON.
    pub(crate) fn parse(tool: Tool, json: &str) -> Result<ToolHistory, String> {
        let rows: Vec<Vec<serde_json::Value>> =
            serde_json::from_str(json).map_err(|e| format!("unreadable {}: {e}", tool.table()))?;
        let mut h = ToolHistory::new(tool);
        let text = |r: &[serde_json::Value], i: usize| r.get(i).and_then(as_text);
        let flag = |r: &[serde_json::Value], i: usize| r.get(i).is_some_and(as_bool);
        match tool {
            Tool::Sqlx | Tool::Dbmate | Tool::Diesel => {
                for r in &rows {
                    let raw = text(r, 0).unwrap_or_default();
                    let Some(v) = integer(&raw) else {
                        h.not_integers.push(raw);
                        continue;
                    };
                    if tool == Tool::Sqlx && !flag(r, 1) {
                        h.failed.push(format!("{v} (success = false)"));
                        continue;
                    }
                    h.applied.insert(v);
                    if let Some(sum) = text(r, 2).filter(|s| !s.is_empty()) {
                        h.checksums.insert(v, Stored::Sha384(sum));
                    }
                }
            }
            Tool::GolangMigrate => {
                for r in &rows {
                    let raw = text(r, 0).unwrap_or_default();
                    if flag(r, 1) {
                        h.failed.push(format!("{raw} (dirty)"));
                    } else if let Some(v) = integer(&raw) {
                        h.up_to = Some(h.up_to.map_or(v, |u| u.max(v)));
                        h.up_to_is_a_file = true;
                    } else {
                        h.not_integers.push(raw);
                    }
                }
            }
            Tool::MigrateMongo => {
                // `20240115093000-create-users.js`: the version is the leading timestamp.
                for r in &rows {
                    let name = text(r, 0).unwrap_or_default();
                    match leading_integer(&name) {
                        Some(v) => {
                            h.applied.insert(v);
                        }
                        None => h.not_integers.push(name),
                    }
                }
            }
            Tool::Goose => h.read_goose(rows),
            Tool::Prisma => h.read_prisma(&rows),
            Tool::Flyway => h.read_flyway(rows),
        }
        Ok(h)
    }

    fn read_prisma(&mut self, rows: &[Vec<serde_json::Value>]) {
        // A migration may have several rows (rolled back, then applied again).
        for r in rows {
            let name = r.first().and_then(as_text).unwrap_or_default();
            let finished = r.get(2).is_some_and(as_bool);
            let rolled_back = r.get(3).is_some_and(as_bool);
            if rolled_back {
                continue;
            }
            let Some(v) = leading_integer(&name) else {
                self.not_integers.push(name);
                continue;
            };
            if finished {
                self.applied.insert(v);
                if let Some(sum) = r.get(1).and_then(as_text) {
                    self.checksums
                        .insert(v, Stored::Sha256(sum.to_ascii_lowercase()));
                }
            } else {
                let log = r
                    .get(4)
                    .and_then(as_text)
                    .and_then(|l| l.lines().find(|l| !l.trim().is_empty()).map(str::to_string))
                    .map_or_else(String::new, |l| format!(": {}", l.trim()));
                self.failed
                    .push(format!("{name} (started, not finished{log})"));
            }
        }
    }

    /// goose appends a row per apply and per rollback: the last row of a version says.
    fn read_goose(&mut self, mut rows: Vec<Vec<serde_json::Value>>) {
        rows.sort_by_key(|r| r.first().and_then(serde_json::Value::as_i64));
        for r in &rows {
            let raw = r.get(1).and_then(as_text).unwrap_or_default();
            let Some(v) = integer(&raw) else {
                self.not_integers.push(raw);
                continue;
            };
            if v == 0 {
                continue; // the row goose writes when it creates its table
            }
            if r.get(2).is_some_and(as_bool) {
                self.applied.insert(v);
            } else {
                self.applied.remove(&v);
            }
        }
    }

    fn read_flyway(&mut self, mut rows: Vec<Vec<serde_json::Value>>) {
        let rank = |r: &Vec<serde_json::Value>| r.first().and_then(serde_json::Value::as_i64);
        rows.sort_by_key(rank);
        for r in &rows {
            let version = r.get(1).and_then(as_text);
            let kind = r
                .get(2)
                .and_then(as_text)
                .unwrap_or_default()
                .to_ascii_uppercase();
            let success = r.get(3).is_some_and(as_bool);
            let description = r.get(4).and_then(as_text).unwrap_or_default();
            if kind == "SCHEMA" {
                continue;
            }
            let Some(raw) = version else {
                self.notes.push(format!(
                    "repeatable migration \"{description}\" left out: backendctl has no repeatable migrations"
                ));
                continue;
            };
            let Some(v) = integer(&raw) else {
                self.not_integers.push(raw);
                continue;
            };
            if !success {
                self.failed
                    .push(format!("{v} {description} (success = false)"));
            } else if kind.contains("BASELINE") {
                self.up_to = Some(self.up_to.map_or(v, |u| u.max(v)));
            } else if kind.starts_with("UNDO") || kind == "DELETE" {
                self.applied.remove(&v);
            } else {
                self.applied.insert(v);
            }
        }
        self.failed.dedup();
    }

    /// Whether the tool applied `version`.
    fn covers(&self, version: i64) -> bool {
        self.applied.contains(&version) || self.up_to.is_some_and(|u| version <= u)
    }

    /// How many of `set`'s files the tool applied (what `up` would run again).
    pub(crate) fn overlap(&self, set: &MigrationSet) -> Vec<i64> {
        set.migrations
            .iter()
            .map(|m| m.version)
            .filter(|v| self.covers(*v))
            .collect()
    }

    /// What adopting `set` records, or why it cannot.
    pub(crate) fn adopt(&self, set: &MigrationSet) -> Result<Adoption, Refusal> {
        if !self.failed.is_empty() {
            return Err(Refusal::Failed(self.failed.clone()));
        }
        let mut mismatch: Vec<String> = self
            .not_integers
            .iter()
            .map(|v| format!("version {v} is not an integer; backendctl's versions are"))
            .collect();
        let mut files_needed: Vec<i64> = self.applied.iter().copied().collect();
        if self.up_to_is_a_file {
            files_needed.extend(self.up_to);
        }
        for v in files_needed {
            if set.get(v).is_none() {
                mismatch.push(format!(
                    "version {v} was applied, and {} has no migration {v}",
                    set.dir.display()
                ));
            }
        }
        if !mismatch.is_empty() {
            return Err(Refusal::Mismatch(mismatch));
        }
        let versions: Vec<i64> = self.overlap(set);
        let newest = versions.last().copied();
        let skipped = set
            .migrations
            .iter()
            .map(|m| m.version)
            .filter(|v| !self.covers(*v) && newest.is_some_and(|n| *v < n))
            .collect();
        let changed = versions
            .iter()
            .filter(|v| {
                let m = set.get(**v).expect("adopted versions have files");
                match self.checksums.get(v) {
                    // sqlx checksums the whole file (for a reversible pair, the up file).
                    Some(Stored::Sha384(sum))
                        if matches!(m.layout, Layout::Single | Layout::Pair) =>
                    {
                        hex::encode(Sha384::digest(m.up.sql.as_bytes())) != *sum
                    }
                    Some(Stored::Sha256(sum)) if m.layout == Layout::Prisma => {
                        hex::encode(Sha256::digest(m.up.sql.as_bytes())) != *sum
                    }
                    _ => false,
                }
            })
            .copied()
            .collect();
        Ok(Adoption {
            versions,
            skipped,
            changed,
        })
    }
}

/// The tool to adopt from: `from`, if its history is among `found`; else the only one found.
/// Says whether it was found rather than named.
///
/// # Errors
/// The tool named is not there, or none or several are and none was named.
pub(crate) fn choose(
    from: Option<Tool>,
    found: &[Tool],
    url: &str,
) -> Result<(Tool, bool), MigrateError> {
    match (from, found) {
        (Some(t), found) if found.contains(&t) => Ok((t, false)),
        (Some(t), found) => Err(MigrateError::OtherToolAbsent {
            tool: t.to_string(),
            url: url.to_string(),
            found: found.iter().map(ToString::to_string).collect(),
        }),
        (None, [t]) => Ok((*t, true)),
        (None, []) => Err(MigrateError::NoOtherTool {
            url: url.to_string(),
        }),
        (None, several) => Err(MigrateError::SeveralOtherTools {
            found: several.iter().map(ToString::to_string).collect(),
            names: several
                .iter()
                .map(|t| t.name())
                .collect::<Vec<_>>()
                .join("|"),
        }),
    }
}

/// What adopting `set` from `theirs` records, or the error saying why it cannot.
///
/// # Errors
/// The tool recorded a failed migration, or versions the set has no files for.
pub(crate) fn adoption(theirs: &ToolHistory, set: &MigrationSet) -> Result<Adoption, MigrateError> {
    let tool = theirs.tool;
    theirs.adopt(set).map_err(|refusal| match refusal {
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
    })
}

/// What an adoption says afterwards: warnings (changed files, files left out of order) and the
/// summary line.
pub(crate) fn adoption_report(
    set: &MigrationSet,
    tool: Tool,
    adoption: &Adoption,
) -> (Vec<String>, String) {
    let mut warnings = Vec::new();
    for v in &adoption.changed {
        if let Some(m) = set.get(*v) {
            warnings.push(format!(
                "{} changed since {} applied it (its checksum differs); its current content is what backendctl checks for drift from now on",
                m.label(),
                tool.name()
            ));
        }
    }
    if !adoption.skipped.is_empty() {
        let them = if adoption.skipped.len() == 1 {
            "it"
        } else {
            "them"
        };
        warnings.push(format!(
            "{} did not apply {}, older than its newest: `up` will refuse {them} as out of order (`--allow-out-of-order` applies {them})",
            tool.name(),
            list(&adoption.skipped),
        ));
    }
    let newer = set
        .migrations
        .iter()
        .filter(|m| adoption.versions.last().is_some_and(|n| m.version > *n))
        .count();
    let summary = format!(
        "adopted {} migration(s) of {} from {tool} ({}); they count as applied and will not run; {newer} newer migration(s) left for `up`",
        adoption.versions.len(),
        set.name,
        list(&adoption.versions),
    );
    (warnings, summary)
}

/// `1, 2, 3` or `1 … 40` (first and last of a long list).
pub(crate) fn list(versions: &[i64]) -> String {
    match versions {
        [] => String::new(),
        [a] => a.to_string(),
        [a, b] => format!("{a}, {b}"),
        [a, b, c] => format!("{a}, {b}, {c}"),
        [first, .., last] => format!("{first} … {last}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn golang_migrate_and_dbmate_share_a_table_name_and_differ_by_dirty() {
        let json = r#"[["schema_migrations","version"],["schema_migrations","dirty"],["_prisma_migrations","id"]]"#;
        assert_eq!(
            detect(json).unwrap(),
            vec![Tool::GolangMigrate, Tool::Prisma]
        );
        let json = r#"[["schema_migrations","version"]]"#;
        assert_eq!(detect(json).unwrap(), vec![Tool::Dbmate]);
    }

    #[test]
    fn flyway_rows_are_replayed_in_rank_order() {
        let json = r#"[
            [4,"3","UNDO_SQL",true,"c"],
            [1,"1","BASELINE",true,"<< Flyway Baseline >>"],
            [2,"2","SQL",true,"b"],
            [3,"3","SQL",1,"c"],
            [5,null,"SQL",true,"views"],
            [6,"4","SQL",true,"d"]
        ]"#;
        let h = ToolHistory::parse(Tool::Flyway, json).unwrap();
        assert!(h.covers(0) && h.covers(1) && h.covers(2) && !h.covers(3) && h.covers(4));
        assert_eq!(h.notes.len(), 1);
        let failed = ToolHistory::parse(Tool::Flyway, r#"[[1,"1","SQL",false,"a"]]"#).unwrap();
        assert_eq!(failed.failed, vec!["1 a (success = false)".to_string()]);
        let dotted = ToolHistory::parse(Tool::Flyway, r#"[[1,"1.1","SQL",true,"a"]]"#).unwrap();
        assert_eq!(dotted.not_integers, vec!["1.1".to_string()]);
    }

    #[test]
    fn prisma_rows_rolled_back_are_not_applied_and_unfinished_ones_fail() {
        let json = r#"[
            ["20240101000000_init","ab",true,false,null],
            ["20240102000000_users","cd",false,true,"boom"],
            ["20240102000000_users","cd",true,false,null],
            ["20240103000000_orders","ef",false,false,"\nDatabase error: relation exists\n"]
        ]"#;
        let h = ToolHistory::parse(Tool::Prisma, json).unwrap();
        assert!(h.covers(20_240_101_000_000) && h.covers(20_240_102_000_000));
        assert_eq!(
            h.failed,
            vec!["20240103000000_orders (started, not finished: Database error: relation exists)"]
        );
    }

    #[test]
    fn goose_rows_replay_applies_and_rollbacks() {
        let h = ToolHistory::parse(
            Tool::Goose,
            r#"[[1,"0",true],[2,"1",1],[3,"2",true],[5,"2",false],[4,"3",true]]"#,
        )
        .unwrap();
        assert!(!h.covers(0) && h.covers(1) && !h.covers(2) && h.covers(3));
    }

    #[test]
    fn golang_migrate_dirty_is_a_failure_and_its_version_covers_everything_below() {
        let h = ToolHistory::parse(Tool::GolangMigrate, r#"[["3",false]]"#).unwrap();
        assert!(h.covers(1) && h.covers(3) && !h.covers(4));
        let dirty = ToolHistory::parse(Tool::GolangMigrate, r#"[["3",1]]"#).unwrap();
        assert_eq!(dirty.failed, vec!["3 (dirty)"]);
    }

    #[test]
    fn migrate_mongo_file_names_give_their_leading_timestamp() {
        let h = ToolHistory::parse(
            Tool::MigrateMongo,
            r#"[["20240101000000-a.js"],["20240102000000-b.js"],["init.js"]]"#,
        )
        .unwrap();
        assert!(h.covers(20_240_101_000_000) && h.covers(20_240_102_000_000));
        assert_eq!(h.not_integers, vec!["init.js".to_string()]);
    }
}
