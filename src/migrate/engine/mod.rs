//! The engine: lock, history, and running migrations up and down with their bookkeeping.
//!
//! Order of work in every writing command: connect → take the database's lock → create the
//! history tables if missing → read history → check → run. The lock comes before the history
//! table so two first-ever runs cannot race to create it (sqitch's registry race), and history
//! is read only after the lock is held, so a run that waited finds the work done and exits 0.
//!
//! Two ways to run a migration:
//! - **in a transaction** (PostgreSQL, SQLite): the body, its history row and its log row commit
//!   together, or nothing is left;
//! - **step by step** (MySQL/MariaDB always, and files marked `-- backendctl:no-transaction`): a
//!   `running` row first, then each statement followed by a progress update, so a failure or a
//!   crash leaves a row that says exactly which statements ran. `resolve` continues or settles it.
//!
//! One file per verb: [`up`](Engine::up) in `up.rs`, [`down`](Engine::down) and
//! [`redo`](Engine::redo) in `down.rs`, `repair` / `baseline` / `resolve` in `recovery.rs`. Below
//! them, each file calling only the ones after it: `sequence.rs` runs a list of migrations
//! (grouping SQLite commits), `migration.rs` runs one, `stepwise.rs` runs one statement by
//! statement, and `failure_report.rs` turns a failure into its error.

mod adopt;
mod down;
mod failure_report;
mod migration;
mod recovery;
mod sequence;
mod stepwise;
mod up;

use std::time::Duration;

use super::deadlines::Deadlines;
use super::dialect::Dialect;
use super::driver::{Conn, ExecFailure};
use super::error::{Direction, MigrateError};
use super::history::{Actor, HistoryRow};
use super::progress::Reporter;
use super::source::{Migration, Script};
use super::split::{self, Statement};
use super::url::DbUrl;

pub(crate) use down::Revert;
pub(crate) use recovery::{Resolution, incomplete_row};

/// Settings shared by the commands.
#[derive(Debug, Clone)]
pub(crate) struct Options {
    pub(crate) lock_timeout: Duration,
    pub(crate) deadlines: Deadlines,
    /// SQL run on every connection before anything else (`session-sql`).
    pub(crate) session_sql: Option<String>,
    pub(crate) allow_out_of_order: bool,
    pub(crate) ignore_missing: bool,
    pub(crate) dry_run: bool,
    pub(crate) quiet: bool,
    /// How to spell a follow-up command in messages (`backendctl migrate -D … --migrations core`).
    pub(crate) command_hint: String,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            lock_timeout: Duration::from_secs(300),
            deadlines: Deadlines::default(),
            session_sql: None,
            allow_out_of_order: false,
            ignore_missing: false,
            dry_run: false,
            quiet: false,
            command_hint: "backendctl migrate".to_string(),
        }
    }
}

/// Whether a command changes the database (and so takes the lock).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Access {
    Read,
    Write,
}

/// An open connection with its lock and history.
pub(crate) struct Engine {
    conn: Conn,
    dialect: Dialect,
    actor: Actor,
    pub(crate) reporter: Reporter,
    opts: Options,
}

impl Engine {
    /// Connects; for [`Access::Write`] (and not a dry run) takes the lock. The history tables
    /// are created by the first command that writes a row ([`Engine::ensure_history`]), after
    /// its checks: a command that refuses, or finds nothing to do, leaves no trace.
    pub(crate) async fn open(
        url: &DbUrl,
        access: Access,
        opts: Options,
    ) -> Result<Engine, MigrateError> {
        let mut conn = Conn::connect(url, opts.deadlines, opts.session_sql.as_deref()).await?;
        let reporter = Reporter::new(opts.quiet);
        if opts.dry_run
            && let Some(sql) = &opts.session_sql
        {
            super::progress::print(&format!(
                "-- session SQL, run on every connection\n{};\n\n",
                sql.trim_end().trim_end_matches(';')
            ))?;
        }
        if access == Access::Write && !opts.dry_run {
            let mut waiting = |msg: &str| eprintln!("{msg}");
            conn.lock(opts.lock_timeout, &mut waiting).await?;
        }
        Ok(Engine {
            dialect: conn.dialect(),
            conn,
            actor: Actor::current(),
            reporter,
            opts,
        })
    }

    /// Creates the history tables if they are missing (not in a dry run). Call with the lock
    /// held, before writing the first row.
    pub(crate) async fn ensure_history(&mut self) -> Result<(), MigrateError> {
        if self.opts.dry_run {
            return Ok(());
        }
        self.conn.ensure_history().await
    }

    /// Every history row.
    pub(crate) async fn history(&mut self) -> Result<Vec<HistoryRow>, MigrateError> {
        self.conn.read_history().await
    }

    /// Releases the lock and closes the connection.
    pub(crate) async fn close(mut self) -> Result<(), MigrateError> {
        self.reporter.finish();
        let r = self.conn.unlock().await;
        self.conn.close().await;
        r
    }

    /// Who holds the lock right now, if anyone (for `status`, which does not wait for it).
    pub(crate) async fn lock_holder(&mut self) -> Option<String> {
        let mut ignore = |_: &str| {};
        match self.conn.lock(Duration::ZERO, &mut ignore).await {
            Ok(()) => {
                let _ = self.conn.unlock().await;
                None
            }
            Err(MigrateError::LockTimeout { holder, .. }) => Some(holder),
            Err(_) => None,
        }
    }

    /// Runs the engine's own statements, in a transaction when `atomic`.
    async fn bookkeeping(&mut self, sql: &str, atomic: bool) -> Result<(), MigrateError> {
        let text = if atomic {
            format!("{};\n{sql};\nCOMMIT", begin(self.dialect))
        } else {
            sql.to_string()
        };
        self.conn.exec(&text).await.map_err(|f| self.db_failure(&f))
    }

    fn db_failure(&self, f: &ExecFailure) -> MigrateError {
        MigrateError::Database {
            url: self.conn.masked_url(),
            message: format!("writing the history table failed: {}", f.message),
        }
    }

    fn print_dry_run(set: &str, script: &Script, how: &str, sql: &str) -> Result<(), MigrateError> {
        let end = if sql.ends_with('\n') { "\n" } else { "\n\n" };
        super::progress::print(&format!(
            "-- {set}: {} ({how})\n{sql}{end}",
            script.path.display()
        ))
    }

    fn groupable(&self, dir: Direction, m: &Migration) -> bool {
        let script = script_of(dir, m);
        !self.runs_stepwise(script)
            && check_no_transaction_control(script, &split::split(&script.sql, self.dialect))
                .is_ok()
    }

    fn runs_stepwise(&self, script: &Script) -> bool {
        !self.dialect.transactional_ddl() || script.no_transaction
    }
}

/// One migration's script to run statement by statement, from statement `start` (0-based).
struct Steps<'a> {
    dir: Direction,
    set: &'a str,
    m: &'a Migration,
    script: &'a Script,
    stmts: &'a [Statement],
    start: usize,
}

fn script_of(dir: Direction, m: &Migration) -> &Script {
    match dir {
        Direction::Up => &m.up,
        // `down` reads every down file (and refuses missing ones) before anything runs.
        Direction::Down => m
            .down()
            .ok()
            .flatten()
            .expect("down migrations are read before running"),
    }
}

fn begin(d: Dialect) -> &'static str {
    match d {
        Dialect::MySql => "START TRANSACTION",
        Dialect::Postgres => "BEGIN",
        Dialect::Sqlite => "BEGIN IMMEDIATE",
    }
}

/// Refuses BEGIN/COMMIT inside a migration the engine wraps in its own transaction.
fn check_no_transaction_control(script: &Script, stmts: &[Statement]) -> Result<(), MigrateError> {
    for s in stmts {
        let w = s.keywords(2);
        let first = w.first().map_or("", String::as_str);
        let second = w.get(1).map_or("", String::as_str);
        let control = match first {
            "BEGIN" => second != "ATOMIC",
            "START" => second == "TRANSACTION",
            "COMMIT" | "END" => true,
            "ROLLBACK" => second != "TO",
            _ => false,
        };
        if control {
            return Err(MigrateError::TransactionControl {
                path: script.path.clone(),
                line: line_of(script, s),
                statement: one_line(&s.sql, 40),
            });
        }
    }
    Ok(())
}

fn line_of(script: &Script, s: &Statement) -> usize {
    script.first_line + s.line - 1
}

fn one_line(sql: &str, max: usize) -> String {
    let flat = sql.split_whitespace().collect::<Vec<_>>().join(" ");
    if flat.chars().count() > max {
        format!("{}…", flat.chars().take(max).collect::<String>())
    } else {
        flat
    }
}
