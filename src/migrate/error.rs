//! Errors of the migration engine: typed fields say what happened, the diagnostic's help says
//! what to do next, and [`MigrateError::exit_code`] names the documented exit code of each.
//!
//! Codes follow `migrate::<snake_case_reason>`. Database URLs in these errors are always masked.

use std::fmt;
use std::path::PathBuf;

use crate::exit_code;

/// Where in a file a statement failed: its number among the file's statements and its line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StatementAt {
    /// 1-based number of the statement.
    pub number: usize,
    /// How many statements the file has.
    pub of: usize,
    /// 1-based line in the file.
    pub line: usize,
}

/// ` (statement 2 of 3, line 7)`, or nothing when the server gave no position.
struct At(Option<StatementAt>);

impl fmt::Display for At {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Some(at) => write!(
                f,
                " (statement {} of {}, line {})",
                at.number, at.of, at.line
            ),
            None => Ok(()),
        }
    }
}

/// Which way a migration was running when it failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    Up,
    Down,
}

impl fmt::Display for Direction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Direction::Up => "up",
            Direction::Down => "down",
        })
    }
}

/// Everything that can stop a migration command.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum MigrateError {
    // ---- migration files ----
    /// The set's directory does not exist (a typo must not pass as "nothing to apply").
    #[error("migrations.{set}: the directory {} does not exist", path.display())]
    #[diagnostic(
        code("migrate::no-directory"),
        help(
            "check the path (`--dir`, default `./migrations`, or the set's `path` in the manifest); `{hint} new NAME` creates it with a first migration called NAME"
        )
    )]
    NoDirectory {
        /// The set.
        set: String,
        /// The directory.
        path: PathBuf,
        /// How to spell the command in advice.
        hint: String,
    },
    /// A directory or file cannot be read.
    #[error("cannot read {}: {source}", path.display())]
    #[diagnostic(code(migrate::unreadable))]
    Unreadable {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// A file or directory cannot be created or written.
    #[error("cannot {verb} {}: {source}", path.display())]
    #[diagnostic(code(migrate::unwritable))]
    Unwritable {
        /// `create` or `write`.
        verb: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// A migration file is not UTF-8.
    #[error("{} is not UTF-8 (first bad byte at offset {offset})", path.display())]
    #[diagnostic(code(migrate::not_utf8), help("save the file as UTF-8"))]
    NotUtf8 { path: PathBuf, offset: usize },
    /// A file's leading version is too large.
    #[error("{}: version {digits} does not fit in 64 bits", path.display())]
    #[diagnostic(code("migrate::version-too-large"), help("renumber the file"))]
    VersionTooLarge { path: PathBuf, digits: String },
    /// Two files claim the same version.
    #[error("two migrations have version {version} in {}: {first} and {second}", dir.display())]
    #[diagnostic(
        code("migrate::duplicate-version"),
        help("renumber one of them: versions are unique within a set")
    )]
    DuplicateVersion {
        version: i64,
        dir: PathBuf,
        first: String,
        second: String,
    },
    /// The up and down files of a version disagree on the name.
    #[error(
        "the up and down files of version {version} in {} have different names ({up} and {down})",
        dir.display()
    )]
    #[diagnostic(code("migrate::mismatched-names"), help("rename one so both match"))]
    MismatchedNames {
        version: i64,
        dir: PathBuf,
        up: String,
        down: String,
    },
    /// Standard output cannot be written (a closed pipe is not an error: see `progress::print`).
    #[error("cannot write to standard output: {source}")]
    #[diagnostic(code("migrate::output"))]
    Output {
        #[source]
        source: std::io::Error,
    },
    /// A `.down.sql` without its `.up.sql` (or a `.down.json` without its `.up.json`).
    #[error(
        "{} has no matching {} file",
        down.display(),
        if down.extension().is_some_and(|e| e == "json") { ".up.json" } else { ".up.sql" }
    )]
    #[diagnostic(
        code("migrate::missing-up"),
        help("add the up file, or remove the down file")
    )]
    MissingUp { down: PathBuf },
    /// Nothing in the set's directory is in a layout backendctl reads (a typo must not pass as
    /// "nothing to apply", nor create a history table).
    #[error(
        "migrations.{set}: nothing in {} is a migration in a layout backendctl reads; found:\n  {}",
        dir.display(),
        found.join("\n  ")
    )]
    #[diagnostic(
        code("migrate::unread-layout"),
        help("{layouts}{}", nested.as_deref().unwrap_or(""))
    )]
    UnreadLayout {
        /// The set.
        set: String,
        /// Its directory.
        dir: PathBuf,
        /// The entries found, each with why it was not read when its name says.
        found: Vec<String>,
        /// A subdirectory that holds migrations, when there is one.
        nested: Option<String>,
        /// The layouts backendctl reads, one per line (`layout::READABLE`).
        layouts: &'static str,
    },

    // ---- the database ----
    /// The session SQL failed on a new connection.
    #[error("database {url}: the session SQL failed: {message}\n  {sql}")]
    #[diagnostic(
        code("migrate::session-sql"),
        help(
            "it runs on every connection before anything else: fix the database's `session-sql` (or `--session-sql`)"
        )
    )]
    SessionSql {
        url: String,
        sql: String,
        message: String,
    },
    /// Cannot connect or talk to the database.
    #[error("database {url}: {message}")]
    #[diagnostic(code(migrate::database))]
    Database {
        /// The URL with its password masked.
        url: String,
        message: String,
    },
    /// A MongoDB migration file is not a JSON array of commands.
    #[error("{}: {message}", path.display())]
    #[diagnostic(
        code("migrate::mongodb-file"),
        help(
            "a MongoDB migration is golang-migrate's format: a JSON array of database commands in Extended JSON, e.g. [{{\"create\": \"users\"}}]"
        )
    )]
    MongoFile { path: PathBuf, message: String },
    /// A command of a MongoDB migration failed.
    #[error(
        "{set}/{label} ({direction}) failed at command {number} of {of}{}: {message}\n{}",
        if command.is_empty() { String::new() } else { format!(" `{command}`") },
        if *transactional {
            "It ran in a transaction with its history write: nothing of it was kept.".to_string()
        } else if *ran == 0 {
            "No command of it had completed.".to_string()
        } else {
            format!("Commands 1 to {ran} of {of} ran and were kept (MongoDB ran them outside a transaction).")
        }
    )]
    #[diagnostic(
        code("migrate::mongodb-command-failed"),
        help("{}", if *transactional || *ran == 0 {
            format!("fix the file and run `{hint} {direction}` again")
        } else {
            format!("fix the failing command, then `{hint} resolve {version} --resume` runs commands {} to {of}; or undo the commands that ran and `{hint} resolve {version} --rolled-back`", ran + 1)
        })
    )]
    MongoCommandFailed {
        set: String,
        label: String,
        version: i64,
        direction: Direction,
        /// 1-based number of the failing command (0: the transaction itself).
        number: usize,
        of: usize,
        command: String,
        message: String,
        /// How many commands completed and were kept.
        ran: usize,
        transactional: bool,
        hint: String,
    },
    /// The server answers, but the database the URL names does not exist (issue 12: reported as
    /// `database "x" does not exist at line 948`, a line of the server's source, with no hint).
    #[error("database {url}: the {engine} server has no database `{name}`")]
    #[diagnostic(code("migrate::database-missing"), help("{how}"))]
    DatabaseMissing {
        /// Masked.
        url: String,
        /// `PostgreSQL`, `MySQL/MariaDB`.
        engine: String,
        /// The database's name.
        name: String,
        /// A shell command that creates it (`createdb …`, `mysql … -e 'CREATE DATABASE …'`).
        create_command: String,
        /// How to create it where the user is: the command, and in a manifest its
        /// `create #true` option.
        how: String,
    },
    /// The lock stayed taken for the whole timeout.
    #[error(
        "timed out after {waited} waiting for the migration lock of {lock}; it is held by {holder}."
    )]
    #[diagnostic(
        code("migrate::lock-timeout"),
        help("wait for that run to finish{remedy}; raise --lock-timeout to wait longer")
    )]
    LockTimeout {
        /// How long it waited (`30s`).
        waited: String,
        /// Whose lock: `database shop (schema public)`, or a SQLite file and its lock file.
        lock: String,
        /// Who holds it.
        holder: String,
        /// How to end a stuck holder on this engine (`, or end it with KILL <id> if it is stuck`).
        remedy: &'static str,
    },

    /// Connecting took longer than the connect timeout.
    #[error(
        "database {url}: no answer within {after} while connecting (TCP connect, TLS and login)"
    )]
    #[diagnostic(
        code("migrate::connect-timeout"),
        help(
            "check that the server at that address is up and reachable: a firewall that drops packets, a proxy or tunnel with no server behind it, or a server stuck starting up all look like this; if it is only slow, raise --connect-timeout or the database node's connect-timeout (default 10s)"
        )
    )]
    ConnectTimeout {
        /// Masked.
        url: String,
        /// How long it waited (`10s`).
        after: String,
    },
    /// A connected server stopped answering (the engine's own statements; a migration's
    /// statement is reported with its outcome instead).
    #[error("database {url}: no answer after {after} while {waiting_for}: {reason}")]
    #[diagnostic(
        code("migrate::no-answer"),
        help(
            "the connection was lost or froze (a server that went away, a network that drops packets); check the server, then run the command again (`status` shows what a run that was under way left)"
        )
    )]
    NoAnswer {
        /// Masked.
        url: String,
        /// What it was doing (`reading the history table`).
        waiting_for: &'static str,
        /// How long it waited.
        after: String,
        /// What the liveness check found.
        reason: String,
    },

    // ---- a migration that failed ----
    /// A transactional migration failed and was rolled back.
    #[error(
        "migration {set} {} failed{}: {server}\nNothing of it was applied: the transaction was rolled back{}.",
        file.display(),
        At(*statement),
        still_applied(*direction, set, *version)
    )]
    #[diagnostic(code("migrate::rolled-back"), help("{next}"))]
    RolledBack {
        set: String,
        file: PathBuf,
        version: i64,
        direction: Direction,
        statement: Option<StatementAt>,
        /// The server's message.
        server: String,
        /// What to run once the file is fixed.
        next: String,
    },
    /// As [`MigrateError::RolledBack`], for a statement that cannot run in a transaction at all.
    #[error(
        "migration {set} {} failed{}: {server}\nNothing of it was applied: the transaction was rolled back. This statement cannot run in a transaction.",
        file.display(),
        At(*statement)
    )]
    #[diagnostic(
        code("migrate::needs-no-transaction"),
        help(
            "put `-- backendctl:no-transaction` on a line of its own in the file (and keep such statements in their own migration)"
        )
    )]
    NeedsNoTransaction {
        set: String,
        file: PathBuf,
        statement: Option<StatementAt>,
        server: String,
    },
    /// A statement-by-statement migration failed part-way; `statements` lists what ran.
    #[error(
        "migration {set} {} failed{}: {server}\n{why}, so this {direction} migration is partly done:\n{statements}{}",
        file.display(),
        At(*statement),
        if *recorded {
            format!("The history table records this; `{hint} status` shows it.")
        } else {
            "Recording this in the history table failed too; the list above is the only record.".to_string()
        }
    )]
    #[diagnostic(code("migrate::partly-applied"), help("{recovery}"))]
    PartlyApplied {
        set: String,
        file: PathBuf,
        direction: Direction,
        statement: Option<StatementAt>,
        server: String,
        /// Why it ran statement by statement.
        why: &'static str,
        /// One line per statement: ran, FAILED, not run.
        statements: String,
        /// Whether the history table records the failure.
        recorded: bool,
        /// How to spell the command in advice.
        hint: String,
        /// The three ways to recover.
        recovery: String,
    },
    /// The first statement of a statement-by-statement migration failed: nothing of it ran, so
    /// there is nothing to settle (issue 12: the report said "keep statements 1–0 unchanged" and
    /// asked for a `resolve`).
    #[error(
        "migration {set} {} failed{}: {server}\nNothing of it ran: its first statement failed, so {}.",
        file.display(),
        At(*statement),
        match (direction, recorded) {
            (Direction::Up, true) => format!("{set}/{version} is pending, as before"),
            (Direction::Down, true) => format!("{set}/{version} is still applied, as before"),
            (_, false) => "no statement of it needs undoing, but recording that in the history table failed".to_string(),
        }
    )]
    #[diagnostic(code("migrate::first-statement-failed"), help("{next}"))]
    NothingRan {
        set: String,
        file: PathBuf,
        version: i64,
        direction: Direction,
        statement: Option<StatementAt>,
        server: String,
        /// Whether the history table is back to what it was before the run.
        recorded: bool,
        /// What to run once the statement is fixed.
        next: String,
    },
    /// The connection was lost while a statement-by-statement migration's statement ran: unlike
    /// an error from the server, this says nothing about whether the statement took effect.
    #[error(
        "migration {set} {}: the connection was lost during statement {number} ({server})\nWhether statement {number} took effect is unknown: {why}. So this {direction} migration is partly done:\n{statements}The history table records {done} as done and the migration as still running; `{hint} status` shows it.",
        file.display()
    )]
    #[diagnostic(code("migrate::outcome-unknown"), help("{recovery}"))]
    OutcomeUnknown {
        set: String,
        file: PathBuf,
        direction: Direction,
        /// 1-based number of the statement whose outcome is unknown.
        number: usize,
        /// The statements known to have run (`statements 1–2`, `no statement`).
        done: String,
        /// What the client saw (I/O error, reset, the session ended, no answer).
        server: String,
        /// Why it may have completed.
        why: &'static str,
        /// One line per statement: ran, UNKNOWN, not run.
        statements: String,
        hint: String,
        /// How to find out, and how to settle it either way.
        recovery: String,
    },
    /// The connection was lost before the server confirmed a transactional migration's commit.
    #[error(
        "migration {set} {}: the connection was lost before the server confirmed its transaction ({server})\nPostgreSQL rolls back the transaction of a session that ends, so nothing of it was applied, unless the connection was lost during its COMMIT: then it may have committed.",
        file.display()
    )]
    #[diagnostic(
        code("migrate::commit-unknown"),
        help(
            "run `{hint} status`: the history row commits in the same transaction as the migration, so {set}/{version} shows as applied if the {direction} migration's commit {}; then run the command again",
            if *direction == Direction::Up { "went through and as pending if not" } else { "did not go through and as pending if it did" }
        )
    )]
    CommitUnknown {
        set: String,
        file: PathBuf,
        version: i64,
        direction: Direction,
        /// What the client saw.
        server: String,
        hint: String,
    },
    /// A statement ran but its progress could not be recorded.
    #[error(
        "{set}/{migration}: statement {statement} ran, but recording its progress failed: {server}\nThe history table says {} statement(s) ran; statement {statement} did too.",
        statement - 1
    )]
    #[diagnostic(code("migrate::progress-not-recorded"), help("{recovery}"))]
    ProgressNotRecorded {
        set: String,
        migration: String,
        version: i64,
        statement: usize,
        server: String,
        /// The `resolve` commands that settle it.
        recovery: String,
    },
    /// A migration that succeeded in a rolled-back SQLite group failed when run again.
    #[error(
        "{set}: a migration that succeeded a moment ago failed when run again; nothing after it was applied"
    )]
    #[diagnostic(
        code("migrate::rerun-failed"),
        help("`{hint} status` shows what is applied; run the command again")
    )]
    RerunFailed { set: String, hint: String },

    // ---- state that needs a person first ----
    /// `up` found drift, missing or out-of-order files, or a migration that stopped part-way.
    #[error(
        "nothing was applied: {}\n{}",
        if problems.len() == 1 { "one problem needs attention first" } else { "these problems need attention first" },
        problems.join("\n")
    )]
    #[diagnostic(
        code(migrate::blocked),
        help("each problem above says how to settle it")
    )]
    Blocked { problems: Vec<String> },
    /// `down` found a migration that stopped part-way.
    #[error("nothing was reverted: {set}/{version} stopped part-way.\n{what}")]
    #[diagnostic(code("migrate::stopped-part-way"), help("{recovery}"))]
    StoppedPartWay {
        set: String,
        version: i64,
        /// What ran and what failed.
        what: String,
        /// The `resolve` commands that settle it.
        recovery: String,
    },
    /// An applied migration to revert has no file.
    #[error(
        "nothing was reverted: {set}/{version} ({name}) is applied but its file is gone, so there is no down migration to run"
    )]
    #[diagnostic(code("migrate::file-gone"), help("restore the file to revert it"))]
    FileGone {
        set: String,
        version: i64,
        name: String,
    },
    /// A migration to revert has no down section or file.
    #[error("nothing was reverted: {migration} has no down migration, so it cannot be reverted")]
    #[diagnostic(code("migrate::no-down"), help("add {}", down.display()))]
    NoDown {
        migration: String,
        /// Where its down migration would be read from.
        down: PathBuf,
    },
    /// Reverting was not confirmed.
    #[error("nothing was reverted: not confirmed")]
    #[diagnostic(
        code("migrate::not-confirmed"),
        help("answer y, or pass --yes when not running on a terminal")
    )]
    NotConfirmed,
    /// `redo` with nothing applied.
    #[error("{set}: nothing is applied, nothing to redo")]
    #[diagnostic(code("migrate::nothing-to-redo"))]
    NothingToRedo { set: String },
    /// `repair V` on a version that has not drifted.
    #[error("{set}/{version} is {state}, not drifted: nothing to repair")]
    #[diagnostic(code("migrate::not-drifted"))]
    NotDrifted {
        set: String,
        version: i64,
        state: &'static str,
    },
    /// `repair V` on a version the set does not have.
    #[error("{set} has no version {version}")]
    #[diagnostic(code("migrate::unknown-version"))]
    UnknownVersion { set: String, version: i64 },
    /// `baseline` on a set that already has history.
    #[error("set {set} already has history (version {version} is {state})")]
    #[diagnostic(
        code("migrate::has-history"),
        help("baseline adopts a database that has none")
    )]
    HasHistory {
        set: String,
        version: i64,
        state: &'static str,
    },
    /// `baseline` without a version or `--from`, and no other tool's history table.
    #[error("nothing to adopt: {url} holds no history table of another tool")]
    #[diagnostic(
        code("migrate::no-other-tool"),
        help(
            "give the newest version that counts as applied (`baseline VERSION`), or name the tool that migrated the database (`baseline --from sqlx|golang-migrate|dbmate|goose|diesel|prisma|flyway`, on MongoDB `golang-migrate|migrate-mongo`); backendctl looks for each tool's default table in the current schema (its collection on MongoDB)"
        )
    )]
    NoOtherTool { url: String },
    /// `baseline` without `--from` found several tools' tables.
    #[error("nothing was adopted: several tools' history tables are in the database: {}", found.join(", "))]
    #[diagnostic(
        code("migrate::several-other-tools"),
        help("name the one that migrated this set: `baseline --from {names}`")
    )]
    SeveralOtherTools { found: Vec<String>, names: String },
    /// `baseline --from TOOL` and that tool's table is not there.
    #[error("nothing was adopted: {url} has no {tool} table")]
    #[diagnostic(
        code("migrate::other-tool-absent"),
        help(
            "{}",
            if found.is_empty() {
                "no other tool's history table is there either: check the URL (and the schema: `session-sql \"SET search_path TO …\"`), or use `baseline VERSION`".to_string()
            } else {
                format!("found instead: {}", found.join(", "))
            }
        )
    )]
    OtherToolAbsent {
        tool: String,
        url: String,
        found: Vec<String>,
    },
    /// The other tool recorded a migration that failed or stopped part-way.
    #[error(
        "nothing was adopted: {tool} records {} that did not complete:\n  {}",
        if failed.len() == 1 { "a migration" } else { "migrations" },
        failed.join("\n  ")
    )]
    #[diagnostic(code("migrate::other-tool-failed"), help("{remedy}; then adopt again"))]
    OtherToolFailed {
        tool: String,
        failed: Vec<String>,
        remedy: &'static str,
    },
    /// The versions another tool applied do not match the set's files.
    #[error(
        "nothing was adopted: {tool} does not match the files of {set}:\n  {}",
        problems.join("\n  ")
    )]
    #[diagnostic(
        code("migrate::other-tool-mismatch"),
        help(
            "adopt with the directory that tool migrated from (`--dir`, or the set's `path`): backendctl records only versions it has files for"
        )
    )]
    OtherToolMismatch {
        tool: String,
        set: String,
        problems: Vec<String>,
    },
    /// `resolve` on a version without a history row.
    #[error("{set}/{version} has no history row: nothing to resolve")]
    #[diagnostic(code("migrate::no-history-row"))]
    NoHistoryRow { set: String, version: i64 },
    /// `resolve` on a version that did not stop part-way.
    #[error("{set}/{version} is {state}, not stopped part-way: nothing to resolve")]
    #[diagnostic(code("migrate::not-incomplete"))]
    NotIncomplete {
        set: String,
        version: i64,
        state: &'static str,
    },
    /// `resolve --resume` on a migration whose file is gone.
    #[error("{set}/{version}: its file is gone, so it cannot be resumed")]
    #[diagnostic(
        code("migrate::resume-without-file"),
        help("restore the file, or settle it with --applied / --rolled-back")
    )]
    ResumeWithoutFile { set: String, version: i64 },
    /// `resolve --resume` of a revert without a down migration.
    #[error("{migration} has no down migration to resume")]
    #[diagnostic(
        code("migrate::no-down-to-resume"),
        help("settle it with --applied or --rolled-back")
    )]
    NoDownToResume { migration: String },
    /// `resolve --resume` on a file that now has fewer statements than ran.
    #[error("{migration} now has {now} statements, but {done} already ran: it cannot be resumed")]
    #[diagnostic(
        code("migrate::statements-removed"),
        help("use --applied or --rolled-back")
    )]
    StatementsRemoved {
        migration: String,
        now: usize,
        done: usize,
    },
    /// `resolve --resume` on a file whose statements that ran were edited since.
    #[error("statements 1–{done} of {migration} ran already and have changed since")]
    #[diagnostic(
        code("migrate::statements-changed"),
        help(
            "restore them (only statement {} onwards may change), or settle it with --applied / --rolled-back",
            done + 1
        )
    )]
    StatementsChanged { migration: String, done: usize },
    /// A transactional file opens or closes a transaction itself.
    #[error(
        "{} line {line}: `{statement}` — backendctl runs each migration in its own transaction, so the file must not open or close one.",
        path.display()
    )]
    #[diagnostic(
        code("migrate::transaction-control"),
        help(
            "remove the BEGIN/COMMIT lines, or put `-- backendctl:no-transaction` on a line of its own to run the file as written"
        )
    )]
    TransactionControl {
        path: PathBuf,
        line: usize,
        statement: String,
    },

    // ---- usage ----
    /// No database URL was given.
    #[error("no database")]
    #[diagnostic(
        code("migrate::no-database"),
        help("pass -D/--database-url or set DATABASE_URL")
    )]
    NoDatabase,
    /// A URL of an engine backendctl does not support.
    #[error("unsupported database URL: {url}")]
    #[diagnostic(
        code("migrate::unsupported-url"),
        help("expected postgres://, mysql://, mariadb://, sqlite: or mongodb://")
    )]
    UnsupportedUrl {
        /// Its scheme, or the field and variable it was read from: never the URL.
        url: String,
    },
    /// `--session-sql` (or a node's `session-sql`) on a MongoDB database, which has no SQL session.
    #[error("database {url} is MongoDB: session SQL `{sql}` cannot run there")]
    #[diagnostic(
        code("migrate::session-sql-on-mongodb"),
        help(
            "session SQL is for PostgreSQL, MySQL and SQLite connections; drop --session-sql (or `session-sql`) for this database"
        )
    )]
    SessionSqlOnMongoDb {
        /// Masked.
        url: String,
        sql: String,
    },
    /// A MySQL URL without a database.
    #[error("{url} names no database")]
    #[diagnostic(code("migrate::no-database-name"), help("add /DBNAME to the URL"))]
    NoDatabaseName {
        /// Masked.
        url: String,
    },
    /// `database.NAME.lock-timeout` (or another of its durations) is not a duration.
    #[error("database.{database}.{key} `{value}`: {reason}")]
    #[diagnostic(
        code("migrate::bad-duration"),
        help("write a duration such as \"30s\" or \"5m\"")
    )]
    BadDuration {
        database: String,
        /// `lock-timeout`, `connect-timeout`, `statement-timeout`.
        key: &'static str,
        value: String,
        reason: String,
    },
    /// `after` edges between migration sets form a cycle.
    #[error("migration sets depend on each other in a cycle: {}", members.join(", "))]
    #[diagnostic(code("migrate::set-cycle"), help("remove one of their `after` edges"))]
    SetCycle { members: Vec<String> },
    /// `resolve` without how.
    #[error("resolve needs one of --resume, --applied, --rolled-back")]
    #[diagnostic(code("migrate::resolution-missing"))]
    ResolutionMissing,
    /// The manifest cannot be loaded for `migrate`.
    #[error("{report}")]
    #[diagnostic(
        code("migrate::invalid-manifest"),
        help(
            "run `backendctl validate` for every problem, or pass --dir to work without the manifest"
        )
    )]
    InvalidManifest {
        /// The manifest's diagnostics, rendered.
        report: String,
    },
    /// The manifest has no node of that kind and name.
    #[error("{manifest} has no `{kind} \"{name}\"`")]
    #[diagnostic(code("migrate::unknown-node"))]
    UnknownNode {
        manifest: String,
        kind: &'static str,
        name: String,
    },
    /// `--database-url` next to a manifest whose chosen sets use several databases.
    #[error("--database-url names one database, but {manifest}'s migration sets use {}", databases.join(" and "))]
    #[diagnostic(
        code("migrate::url-for-several-databases"),
        help(
            "pick one set with --migrations NAME, or leave out --database-url to use each database node's URL"
        )
    )]
    UrlForSeveralDatabases {
        /// The manifest's display path.
        manifest: String,
        /// The database nodes, as addresses.
        databases: Vec<String>,
    },
    /// `--migrations NAME` names no set of the manifest.
    #[error("{manifest} has no `migrations \"{name}\"`; its sets: {}", known.join(", "))]
    #[diagnostic(
        code("migrate::unknown-set"),
        help("pass --migrations with one of its sets")
    )]
    UnknownSet {
        manifest: String,
        name: String,
        known: Vec<String>,
    },
    /// The manifest declares no migration set.
    #[error("{manifest} declares no `migrations` set")]
    #[diagnostic(
        code("migrate::no-sets"),
        help("pass --dir and -D to migrate without it")
    )]
    NoSets { manifest: String },
    /// A one-set command with several sets to choose from.
    #[error("this command works on one migration set; the manifest has {}", sets.join(", "))]
    #[diagnostic(
        code("migrate::ambiguous-set"),
        help("name it with --migrations ({})", sets.join(", "))
    )]
    AmbiguousSet { sets: Vec<String> },
}

/// `, and default/3 is still applied` after a failed down migration.
fn still_applied(direction: Direction, set: &str, version: i64) -> String {
    match direction {
        Direction::Up => String::new(),
        Direction::Down => format!(", and {set}/{version} is still applied"),
    }
}

impl MigrateError {
    /// The migration file that failed and, when the server said, the line of the statement
    /// that failed: where an annotation points (`apply --format github`).
    pub(crate) fn failed_at(&self) -> Option<(&std::path::Path, Option<usize>)> {
        match self {
            MigrateError::RolledBack {
                file, statement, ..
            }
            | MigrateError::NeedsNoTransaction {
                file, statement, ..
            }
            | MigrateError::PartlyApplied {
                file, statement, ..
            }
            | MigrateError::NothingRan {
                file, statement, ..
            } => Some((file, statement.map(|at| at.line))),
            MigrateError::OutcomeUnknown { file, .. }
            | MigrateError::CommitUnknown { file, .. } => Some((file, None)),
            MigrateError::NotUtf8 { path, .. }
            | MigrateError::VersionTooLarge { path, .. }
            | MigrateError::MongoFile { path, .. }
            | MigrateError::TransactionControl { path, .. } => Some((path, None)),
            _ => None,
        }
    }

    /// The documented process exit code.
    #[must_use]
    pub fn exit_code(&self) -> u8 {
        match self {
            MigrateError::NoDatabase
            | MigrateError::UnsupportedUrl { .. }
            | MigrateError::NoDatabaseName { .. }
            | MigrateError::SessionSqlOnMongoDb { .. }
            | MigrateError::BadDuration { .. }
            | MigrateError::SetCycle { .. }
            | MigrateError::ResolutionMissing
            | MigrateError::InvalidManifest { .. }
            | MigrateError::UnknownNode { .. }
            | MigrateError::UnknownSet { .. }
            | MigrateError::UrlForSeveralDatabases { .. }
            | MigrateError::NoSets { .. }
            | MigrateError::AmbiguousSet { .. } => exit_code::USAGE,
            MigrateError::NoDirectory { .. }
            | MigrateError::Unreadable { .. }
            | MigrateError::Unwritable { .. }
            | MigrateError::NotUtf8 { .. }
            | MigrateError::VersionTooLarge { .. }
            | MigrateError::DuplicateVersion { .. }
            | MigrateError::MismatchedNames { .. }
            | MigrateError::MissingUp { .. }
            | MigrateError::UnreadLayout { .. }
            | MigrateError::Output { .. }
            | MigrateError::Database { .. }
            | MigrateError::MongoFile { .. }
            | MigrateError::MongoCommandFailed { .. }
            | MigrateError::SessionSql { .. }
            | MigrateError::DatabaseMissing { .. }
            | MigrateError::LockTimeout { .. }
            | MigrateError::ConnectTimeout { .. }
            | MigrateError::NoAnswer { .. }
            | MigrateError::RolledBack { .. }
            | MigrateError::NeedsNoTransaction { .. }
            | MigrateError::PartlyApplied { .. }
            | MigrateError::NothingRan { .. }
            | MigrateError::OutcomeUnknown { .. }
            | MigrateError::CommitUnknown { .. }
            | MigrateError::ProgressNotRecorded { .. }
            | MigrateError::RerunFailed { .. }
            | MigrateError::Blocked { .. }
            | MigrateError::StoppedPartWay { .. }
            | MigrateError::FileGone { .. }
            | MigrateError::NoDown { .. }
            | MigrateError::NotConfirmed
            | MigrateError::NothingToRedo { .. }
            | MigrateError::NotDrifted { .. }
            | MigrateError::UnknownVersion { .. }
            | MigrateError::HasHistory { .. }
            | MigrateError::NoOtherTool { .. }
            | MigrateError::SeveralOtherTools { .. }
            | MigrateError::OtherToolAbsent { .. }
            | MigrateError::OtherToolFailed { .. }
            | MigrateError::OtherToolMismatch { .. }
            | MigrateError::NoHistoryRow { .. }
            | MigrateError::NotIncomplete { .. }
            | MigrateError::ResumeWithoutFile { .. }
            | MigrateError::NoDownToResume { .. }
            | MigrateError::StatementsRemoved { .. }
            | MigrateError::StatementsChanged { .. }
            | MigrateError::TransactionControl { .. } => exit_code::ERROR,
        }
    }
}

/// Wraps a sqlx error with the (masked) database URL.
pub(crate) fn db_error(url: &str, e: &sqlx::Error) -> MigrateError {
    MigrateError::Database {
        url: url.to_string(),
        message: e.to_string(),
    }
}
