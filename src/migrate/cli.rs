//! `backendctl migrate …`: migrations ad hoc (`--dir`, `-D`), or for the sets of `backend.kdl`.
//!
//! The arguments become the same typed values a manifest's `database` and `migrations` nodes
//! produce (a [`DbUrl`], a [`MigrationSet`], [`Options`]) before any I/O, and the same engine runs.

use std::io::{BufRead, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

use clap::{Args, Subcommand};
use serde::Serialize;

use super::dialect::Dialect;
use super::engine::{Access, Engine, Options, Resolution};
use super::error::MigrateError;
use super::history::RowState;
use super::lint;
use super::progress::Completed;
use super::source::{self, MigrationSet};
use super::status::SetStatus;
use super::url::DbUrl;

/// Exit code of `status` when migrations are pending and nothing is wrong.
pub const EXIT_PENDING: u8 = 2;

/// Migration commands against one database and one migration set.
#[derive(Debug, Clone, Args)]
pub struct MigrateArgs {
    /// Database URL: postgres://, mysql:// or mariadb://, sqlite:PATH.
    #[arg(
        short = 'D',
        long,
        env = "DATABASE_URL",
        global = true,
        hide_env_values = true
    )]
    pub database_url: Option<String>,
    /// Directory of the migration set.
    #[arg(long, default_value = "migrations", global = true)]
    pub dir: PathBuf,
    /// Name of the migration set in the history table (several sets can share a database).
    #[arg(long, default_value = "default", global = true)]
    pub set: String,
    /// How long to wait for another run's lock (e.g. 30s, 5m).
    #[arg(long, default_value = "5m", value_parser = humantime::parse_duration, global = true)]
    pub lock_timeout: Duration,
    /// Print only warnings and errors.
    #[arg(short, long, global = true)]
    pub quiet: bool,
    #[command(subcommand)]
    pub command: MigrateCommand,
}

#[derive(Debug, Clone, Subcommand)]
pub enum MigrateCommand {
    /// Create the next migration's files.
    New {
        /// What the migration does (becomes part of the file name).
        name: String,
        /// Use a UTC timestamp as the version instead of the next integer.
        #[arg(long)]
        timestamp: bool,
    },
    /// Apply pending migrations.
    Up {
        /// Apply only up to this version (inclusive).
        #[arg(long)]
        to: Option<i64>,
        #[command(flatten)]
        run: RunFlags,
        /// Apply pending files older than the newest applied version.
        #[arg(long)]
        allow_out_of_order: bool,
        /// Do not stop when an applied migration's file is missing.
        #[arg(long)]
        ignore_missing: bool,
    },
    /// Revert applied migrations, newest first (one by default).
    Down {
        /// How many to revert.
        #[arg(long, conflicts_with = "to")]
        steps: Option<usize>,
        /// Revert every applied migration above this version.
        #[arg(long)]
        to: Option<i64>,
        #[command(flatten)]
        run: RunFlags,
        /// Do not ask for confirmation (required without a terminal).
        #[arg(short, long)]
        yes: bool,
    },
    /// Show each migration's state; exit 0 when all are applied, 2 when some are pending, 1 when
    /// something needs attention (drifted, missing, failed, out of order).
    Status {
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Revert the newest applied migration and apply it again.
    Redo {
        #[command(flatten)]
        run: RunFlags,
        /// Do not ask for confirmation (required without a terminal).
        #[arg(short, long)]
        yes: bool,
    },
    /// Check migration files for statements that lock tables or break running code.
    Lint {
        /// Files to check (default: every up migration of --dir).
        files: Vec<PathBuf>,
        /// SQL dialect (default: from --database-url, else postgres).
        #[arg(long, value_parser = ["postgres", "mysql", "sqlite"])]
        dialect: Option<String>,
    },
    /// Accept the current content of applied migrations that changed (drift).
    Repair {
        /// Only this version (default: every drifted migration of the set).
        #[arg(id = "target_version", value_name = "VERSION")]
        version: Option<i64>,
    },
    /// Adopt an existing database: versions up to VERSION count as applied.
    Baseline {
        /// The newest version that counts as applied.
        #[arg(id = "target_version", value_name = "VERSION")]
        version: i64,
    },
    /// Settle a migration that stopped part-way (MySQL/MariaDB, or a no-transaction file).
    Resolve {
        /// The migration that stopped part-way.
        #[arg(id = "target_version", value_name = "VERSION")]
        version: i64,
        /// Run its remaining statements (after fixing the one that failed).
        #[arg(long, group = "how")]
        resume: bool,
        /// Record it as applied (you finished it by hand).
        #[arg(long, group = "how")]
        applied: bool,
        /// Record it as not applied (you undid it by hand).
        #[arg(long, group = "how")]
        rolled_back: bool,
    },
}

impl MigrateCommand {
    /// Whether the command prints JSON (`status --json`, `up|down|redo --json`).
    #[must_use]
    pub fn prints_json(&self) -> bool {
        match self {
            MigrateCommand::Status { json } => *json,
            MigrateCommand::Up { run, .. }
            | MigrateCommand::Down { run, .. }
            | MigrateCommand::Redo { run, .. } => run.json,
            _ => false,
        }
    }
}

/// Flags of the commands that run migrations.
#[derive(Debug, Clone, Args)]
pub struct RunFlags {
    /// Print the exact SQL that would run, in order, and change nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Print the outcome as one line of JSON per migration set (what ran, how long, the error
    /// if any) instead of progress lines; warnings and errors still go to stderr.
    #[arg(long, conflicts_with = "dry_run")]
    pub json: bool,
}

/// What `up`, `down` and `redo` print with `--json`, one line per set.
#[derive(Debug, Serialize)]
struct RunOutcome<'a> {
    command: &'static str,
    set: &'a str,
    /// Whether the command did all it was asked.
    success: bool,
    /// The migrations applied or reverted, in order, each committed (also when a later one
    /// failed).
    migrations: Vec<Completed>,
    /// Why the command stopped, when it failed (the message says what that left in the database).
    error: Option<String>,
}

/// Opens an engine, lets `work` run on it and closes it whatever happened; returns the result
/// and what the run completed.
async fn with_engine<T>(
    url: Result<DbUrl, MigrateError>,
    opts: Options,
    work: impl AsyncFnOnce(&mut Engine) -> Result<T, MigrateError>,
) -> (Result<T, MigrateError>, Vec<Completed>) {
    let mut engine = match url {
        Ok(url) => match Engine::open(&url, Access::Write, opts).await {
            Ok(engine) => engine,
            Err(e) => return (Err(e), Vec::new()),
        },
        Err(e) => return (Err(e), Vec::new()),
    };
    let result = work(&mut engine).await;
    let completed = engine.reporter.take_completed();
    (finish(engine, result).await, completed)
}

/// Reports a run: with `--json` its outcome, otherwise `summary` of its value (unless quiet or a
/// dry run); then returns the value or the error.
fn report_run<T>(
    command: &'static str,
    set: &str,
    flags: &RunFlags,
    quiet: bool,
    (result, migrations): (Result<T, MigrateError>, Vec<Completed>),
    summary: impl FnOnce(&T) -> String,
) -> Result<u8, MigrateError> {
    if flags.json {
        let outcome = RunOutcome {
            command,
            set,
            success: result.is_ok(),
            migrations,
            error: result.as_ref().err().map(ToString::to_string),
        };
        println!(
            "{}",
            serde_json::to_string(&outcome).expect("the outcome serialises")
        );
    } else if let Ok(value) = &result
        && !quiet
        && !flags.dry_run
    {
        println!("{}", summary(value));
    }
    result.map(|_| 0)
}

/// Runs a `migrate` command; returns the process exit code.
pub fn run(args: MigrateArgs) -> u8 {
    let rt = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the runtime: {e}");
            return 1;
        }
    };
    match rt.block_on(execute(args)) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e}");
            e.exit_code()
        }
    }
}

pub(crate) async fn execute(args: MigrateArgs) -> Result<u8, MigrateError> {
    let set = MigrationSet::load(&args.set, &args.dir)?;
    let mut hint = "backendctl migrate".to_string();
    if args.dir != Path::new("migrations") {
        hint.push_str(&format!(" --dir {}", args.dir.display()));
    }
    if args.set != "default" {
        hint.push_str(&format!(" --set {}", args.set));
    }
    let mut opts = Options {
        lock_timeout: args.lock_timeout,
        quiet: args.quiet,
        command_hint: hint,
        ..Options::default()
    };
    let url = || -> Result<DbUrl, MigrateError> {
        let raw = args.database_url.as_deref().ok_or_else(|| {
            MigrateError::Usage(
                "no database: pass -D/--database-url or set DATABASE_URL".to_string(),
            )
        })?;
        DbUrl::parse(raw)
    };
    match args.command {
        MigrateCommand::New { name, timestamp } => {
            std::fs::create_dir_all(&args.dir).map_err(|e| {
                MigrateError::Source(format!("cannot create {}: {e}", args.dir.display()))
            })?;
            for (path, content) in source::next_files(&set, &name, timestamp) {
                let mut f = std::fs::OpenOptions::new()
                    .write(true)
                    .create_new(true)
                    .open(&path)
                    .map_err(|e| {
                        MigrateError::Source(format!("cannot create {}: {e}", path.display()))
                    })?;
                f.write_all(content.as_bytes()).map_err(|e| {
                    MigrateError::Source(format!("cannot write {}: {e}", path.display()))
                })?;
                println!("created {}", path.display());
            }
            Ok(0)
        }
        MigrateCommand::Up {
            to,
            run,
            allow_out_of_order,
            ignore_missing,
        } => {
            opts.dry_run = run.dry_run;
            opts.quiet |= run.json;
            opts.allow_out_of_order = allow_out_of_order;
            opts.ignore_missing = ignore_missing;
            let outcome = with_engine(url(), opts, async |engine| {
                engine.up(std::slice::from_ref(&set), to).await
            })
            .await;
            report_run("up", &set.name, &run, args.quiet, outcome, |&n| {
                if n == 0 {
                    format!("{}: nothing to apply", set.name)
                } else {
                    format!("{}: applied {n} migration(s)", set.name)
                }
            })
        }
        MigrateCommand::Down {
            steps,
            to,
            run,
            yes,
        } => {
            opts.dry_run = run.dry_run;
            opts.quiet |= run.json;
            let outcome = with_engine(url(), opts, async |engine| {
                engine
                    .down(&set, steps, to, &mut |list| confirm(list, yes))
                    .await
            })
            .await;
            report_run("down", &set.name, &run, args.quiet, outcome, |reverted| {
                format!("{}: reverted {} migration(s)", set.name, reverted.len())
            })
        }
        MigrateCommand::Redo { run, yes } => {
            opts.dry_run = run.dry_run;
            opts.quiet |= run.json;
            let outcome = with_engine(url(), opts, async |engine| {
                engine.redo(&set, &mut |list| confirm(list, yes)).await
            })
            .await;
            report_run("redo", &set.name, &run, args.quiet, outcome, |v| {
                format!("{}: redid version {v}", set.name)
            })
        }
        MigrateCommand::Status { json } => {
            let hint = opts.command_hint.clone();
            let mut engine = Engine::open(&url()?, Access::Read, opts).await?;
            let rows = engine.history().await;
            let running = rows.as_ref().is_ok_and(|r| {
                r.iter()
                    .any(|r| matches!(r.state, RowState::Running | RowState::Reverting))
            });
            let holder = if running {
                engine.lock_holder().await
            } else {
                None
            };
            engine.close().await?;
            let rows = rows?;
            let status = SetStatus::compute_live(&set, &rows, holder.is_some());
            if let Some(h) = &holder {
                eprintln!("note: a migration run is in progress (lock held by {h})");
            }
            if json {
                println!(
                    "{}",
                    serde_json::to_string_pretty(&status_json(&status)).unwrap_or_default()
                );
            } else {
                print!("{}", status.render(&hint));
            }
            Ok(if status.has_problems() {
                1
            } else if status.has_pending() {
                EXIT_PENDING
            } else {
                0
            })
        }
        MigrateCommand::Lint { files, dialect } => {
            let dialect = match dialect.as_deref() {
                Some("mysql") => Dialect::MySql,
                Some("sqlite") => Dialect::Sqlite,
                Some(_) => Dialect::Postgres,
                None => args
                    .database_url
                    .as_deref()
                    .and_then(|u| DbUrl::parse(u).ok())
                    .map_or(Dialect::Postgres, |u| u.dialect),
            };
            let mut findings = Vec::new();
            if files.is_empty() {
                for m in &set.migrations {
                    findings.extend(lint::lint_script(&m.up, dialect));
                }
            } else {
                for f in files {
                    let sql = std::fs::read_to_string(&f).map_err(|e| {
                        MigrateError::Source(format!("cannot read {}: {e}", f.display()))
                    })?;
                    let script = source::Script {
                        no_transaction: source::has_directive(&sql),
                        path: f,
                        sql,
                        first_line: 1,
                    };
                    findings.extend(lint::lint_script(&script, dialect));
                }
            }
            for f in &findings {
                println!("{f}");
            }
            if findings.is_empty() {
                if !args.quiet {
                    println!("no findings ({dialect})");
                }
                Ok(0)
            } else {
                println!("{} finding(s)", findings.len());
                Ok(1)
            }
        }
        MigrateCommand::Repair { version } => {
            let mut engine = Engine::open(&url()?, Access::Write, opts).await?;
            let result = engine.repair(&set, version).await;
            let done = finish(engine, result).await?;
            if done.is_empty() && !args.quiet {
                println!("{}: no drifted migration, nothing to repair", set.name);
            }
            Ok(0)
        }
        MigrateCommand::Baseline { version } => {
            let mut engine = Engine::open(&url()?, Access::Write, opts).await?;
            let result = engine.baseline(&set, version).await;
            finish(engine, result).await?;
            Ok(0)
        }
        MigrateCommand::Resolve {
            version,
            resume,
            applied,
            rolled_back,
        } => {
            let how = match (resume, applied, rolled_back) {
                (true, _, _) => Resolution::Resume,
                (_, true, _) => Resolution::Applied,
                (_, _, true) => Resolution::RolledBack,
                _ => {
                    return Err(MigrateError::Usage(
                        "resolve needs one of --resume, --applied, --rolled-back".to_string(),
                    ));
                }
            };
            let mut engine = Engine::open(&url()?, Access::Write, opts).await?;
            let result = engine.resolve(&set, version, how).await;
            finish(engine, result).await?;
            Ok(0)
        }
    }
}

/// Closes the engine (releasing the lock) whatever the result, then returns the result.
async fn finish<T>(engine: Engine, result: Result<T, MigrateError>) -> Result<T, MigrateError> {
    let closed = engine.close().await;
    let value = result?;
    closed?;
    Ok(value)
}

/// Asks before reverting: on a terminal a y/N question, otherwise `--yes` is required.
fn confirm(list: &[&super::source::Migration], yes: bool) -> bool {
    if yes {
        return true;
    }
    let names: Vec<String> = list.iter().map(|m| m.label()).collect();
    if !std::io::stdin().is_terminal() {
        eprintln!(
            "error: reverting {} migration(s) ({}) needs confirmation; pass --yes when not running on a terminal",
            list.len(),
            names.join(", ")
        );
        return false;
    }
    eprint!(
        "Revert {} migration(s)?\n  {}\n[y/N] ",
        list.len(),
        names.join("\n  ")
    );
    let _ = std::io::stderr().flush();
    let mut line = String::new();
    if std::io::stdin().lock().read_line(&mut line).is_err() {
        return false;
    }
    matches!(line.trim(), "y" | "Y" | "yes" | "YES" | "Yes")
}

fn status_json(s: &SetStatus<'_>) -> serde_json::Value {
    serde_json::json!({
        "set": s.set.name,
        "dir": s.set.dir.display().to_string(),
        "summary": s.summary(),
        "needs_attention": s.has_problems(),
        "pending": s.has_pending(),
        "migrations": s.entries.iter().map(|e| serde_json::json!({
            "version": e.version,
            "name": e.name,
            "state": e.state.label(),
            "applied_at": e.row.map(|r| r.applied_at.clone()),
            "applied_by": e.row.map(|r| r.applied_by.clone()),
            "duration_ms": e.row.map(|r| r.duration_ms),
            "statements_done": e.row.map(|r| r.statements_done),
            "statements_total": e.row.map(|r| r.statements_total),
            "error": e.row.and_then(|r| r.error.clone()),
            "detail": super::status::detail(e, "backendctl migrate"),
        })).collect::<Vec<_>>(),
    })
}
