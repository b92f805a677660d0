//! The `migrate` subcommands and running one of them on one set: the one road to the engine for
//! ad-hoc use (`cli.rs`) and for the manifest's sets (`manifest_sets.rs`), both of which build an
//! [`Invocation`] from typed targets.

use std::io::{BufRead, IsTerminal, Write};
use std::path::PathBuf;

use clap::{Args, Subcommand};
use serde::Serialize;

use super::dialect::Dialect;
use super::engine::{Access, Engine, Options, Resolution, Revert};
use super::error::MigrateError;
use super::history::RowState;
use super::lint::{self, Finding};
use super::migration_target::MigrationTarget;
use super::progress::{Completed, print, println};
use super::source::{self, Migration, MigrationSet};
use super::status::SetStatus;
use super::target::{DatabaseTarget, SetTarget};
use crate::exit_code;
use crate::format_args::FormatArgs;

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
        /// Apply pending migrations up to VERSION, VERSION included.
        #[arg(long, value_name = "VERSION")]
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
        #[arg(long, conflicts_with_all = ["to", "all"])]
        steps: Option<usize>,
        /// Revert every applied migration newer than VERSION; VERSION itself stays applied.
        #[arg(long, value_name = "VERSION", conflicts_with = "all")]
        to: Option<i64>,
        /// Revert every applied migration of the set, whatever its versions (down to a baseline).
        #[arg(long)]
        all: bool,
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
        #[command(flatten)]
        format: FormatArgs,
    },
    /// Accept the current content of applied migrations that changed (drift).
    Repair {
        /// Only this version (default: every drifted migration of the set).
        #[arg(id = "target_version", value_name = "VERSION")]
        version: Option<i64>,
    },
    /// Adopt an existing database: versions up to VERSION count as applied; or, with --from (or
    /// neither, when one other tool's history table is there), the versions another tool applied.
    Baseline {
        /// The newest version that counts as applied.
        #[arg(id = "target_version", value_name = "VERSION", conflicts_with = "from")]
        version: Option<i64>,
        /// The tool that migrated the database: its history table says which versions ran, and
        /// those are recorded as adopted (not run again).
        #[arg(long, value_enum, value_name = "TOOL")]
        from: Option<super::other_tool::Tool>,
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

/// One command's targets: a set, its database (when known), and how to speak to the user.
pub(crate) struct Invocation<'a> {
    pub(crate) database: Option<&'a MigrationTarget>,
    pub(crate) set: &'a SetTarget,
    /// Print only warnings and errors.
    pub(crate) quiet: bool,
}

/// An [`Invocation`] on a SQL database (or none: `new`, `lint`).
struct SqlInvocation<'a> {
    database: Option<&'a DatabaseTarget>,
    set: &'a SetTarget,
    quiet: bool,
}

impl SqlInvocation<'_> {
    /// The database, required by every command but `new` and `lint`.
    fn database(&self) -> Result<&DatabaseTarget, MigrateError> {
        self.database.ok_or(MigrateError::NoDatabase)
    }

    /// The engine's settings for this set.
    fn options(&self) -> Result<Options, MigrateError> {
        Ok(Options {
            lock_timeout: self.database()?.lock_timeout,
            deadlines: self.database()?.deadlines,
            session_sql: self.database()?.session_sql.clone(),
            allow_out_of_order: self.set.allow_out_of_order,
            ignore_missing: self.set.ignore_missing,
            quiet: self.quiet,
            command_hint: self.set.follow_up.clone(),
            ..Options::default()
        })
    }
}

impl MigrateCommand {
    /// Whether the command prints JSON (`status --json`, `up|down|redo --json`).
    #[must_use]
    pub(crate) fn prints_json(&self) -> bool {
        match self {
            MigrateCommand::Status { json } => *json,
            MigrateCommand::Up { run, .. }
            | MigrateCommand::Down { run, .. }
            | MigrateCommand::Redo { run, .. } => run.json,
            MigrateCommand::Lint { format, .. } => format.json(false),
            MigrateCommand::New { .. }
            | MigrateCommand::Repair { .. }
            | MigrateCommand::Baseline { .. }
            | MigrateCommand::Resolve { .. } => false,
        }
    }

    /// `--format` and `--annotations-limit`, on the commands that take them (`lint`).
    #[must_use]
    pub fn format(&self) -> Option<&FormatArgs> {
        match self {
            MigrateCommand::Lint { format, .. } => Some(format),
            _ => None,
        }
    }

    /// Whether the command works on one set only (goes backwards or names one migration).
    pub(crate) fn needs_one_set(&self) -> bool {
        matches!(
            self,
            MigrateCommand::New { .. }
                | MigrateCommand::Down { .. }
                | MigrateCommand::Redo { .. }
                | MigrateCommand::Repair { .. }
                | MigrateCommand::Baseline { .. }
                | MigrateCommand::Resolve { .. }
        )
    }

    /// Whether the command talks to a database.
    pub(crate) fn needs_database(&self) -> bool {
        !matches!(
            self,
            MigrateCommand::New { .. } | MigrateCommand::Lint { .. }
        )
    }

    /// Runs the command on one set; returns the process exit code.
    pub(crate) async fn run(&self, on: &Invocation<'_>) -> Result<u8, MigrateError> {
        // Regression (issue 12): a directory that does not exist was "nothing to apply", exit 0.
        // Only `new` may start one; `plan`/`apply` read a missing set as empty elsewhere, since
        // a project step may create it first.
        let reads_the_directory = match self {
            MigrateCommand::New { .. } => false,
            MigrateCommand::Lint { files, .. } => files.is_empty(),
            _ => true,
        };
        if reads_the_directory && !on.set.dir.is_dir() {
            return Err(MigrateError::NoDirectory {
                set: on.set.name.clone(),
                path: on.set.dir.clone(),
                hint: on.set.follow_up.clone(),
            });
        }
        let set = MigrationSet::load(&on.set.name, &on.set.dir)?;
        let mongodb = on.database.is_some_and(MigrationTarget::is_mongodb);
        let database = match on.database {
            Some(MigrationTarget::MongoDb(target)) if self.needs_database() => {
                return super::mongo::run_command(self, target, &set, on.quiet, &on.set.follow_up)
                    .await;
            }
            Some(MigrationTarget::Sql(database)) => Some(database),
            Some(MigrationTarget::MongoDb(_)) | None => None,
        };
        let on = &SqlInvocation {
            database,
            set: on.set,
            quiet: on.quiet,
        };
        match self {
            MigrateCommand::New { name, timestamp } => {
                create_files(&set, name, *timestamp, mongodb)
            }
            MigrateCommand::Up {
                to,
                run,
                allow_out_of_order,
                ignore_missing,
            } => {
                let mut opts = on.options()?;
                opts.allow_out_of_order |= *allow_out_of_order;
                opts.ignore_missing |= *ignore_missing;
                up(on, &set, *to, run, opts).await
            }
            MigrateCommand::Down {
                steps,
                to,
                all,
                run,
                yes,
            } => {
                let which = match (steps, to, all) {
                    (_, _, true) => Revert::All,
                    (_, Some(version), _) => Revert::NewerThan(*version),
                    (steps, None, false) => Revert::Newest(steps.unwrap_or(1)),
                };
                down(on, &set, which, run, *yes).await
            }
            MigrateCommand::Redo { run, yes } => redo(on, &set, run, *yes).await,
            MigrateCommand::Status { json } => status(on, &set, *json).await,
            MigrateCommand::Lint {
                files,
                dialect,
                format,
            } => lint(
                on,
                &set,
                files,
                dialect.as_deref(),
                format.json(false),
                mongodb,
            ),
            MigrateCommand::Repair { version } => repair(on, &set, *version).await,
            MigrateCommand::Baseline { version, from } => {
                let mut engine = open(on, Access::Write, on.options()?).await?;
                let result = match version {
                    Some(version) => engine.baseline(&set, *version).await,
                    None => engine.adopt(&set, *from).await,
                };
                finish(engine, result).await?;
                Ok(exit_code::OK)
            }
            MigrateCommand::Resolve {
                version,
                resume,
                applied,
                rolled_back,
            } => {
                let how = resolution(*resume, *applied, *rolled_back)?;
                let mut engine = open(on, Access::Write, on.options()?).await?;
                let result = engine.resolve(&set, *version, how).await;
                finish(engine, result).await?;
                Ok(exit_code::OK)
            }
        }
    }
}

/// How `resolve` settles a migration, from its flags (one of them is required).
pub(crate) fn resolution(
    resume: bool,
    applied: bool,
    rolled_back: bool,
) -> Result<Resolution, MigrateError> {
    match (resume, applied, rolled_back) {
        (true, _, _) => Ok(Resolution::Resume),
        (_, true, _) => Ok(Resolution::Applied),
        (_, _, true) => Ok(Resolution::RolledBack),
        _ => Err(MigrateError::ResolutionMissing),
    }
}

/// `new`: writes the next migration's files.
fn create_files(
    set: &MigrationSet,
    name: &str,
    timestamp: bool,
    mongodb: bool,
) -> Result<u8, MigrateError> {
    let unwritable = |verb, path: &std::path::Path| {
        let path = path.to_path_buf();
        move |source| MigrateError::Unwritable { verb, path, source }
    };
    std::fs::create_dir_all(&set.dir).map_err(unwritable("create", &set.dir))?;
    for (path, content) in source::next_files(set, name, timestamp, mongodb) {
        // Diesel and Prisma: each migration is a directory of its own.
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(unwritable("create", parent))?;
        }
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
            .map_err(unwritable("create", &path))?;
        f.write_all(content.as_bytes())
            .map_err(unwritable("write", &path))?;
        println(&format!("created {}", path.display()))?;
    }
    Ok(exit_code::OK)
}

async fn up(
    on: &SqlInvocation<'_>,
    set: &MigrationSet,
    to: Option<i64>,
    run: &RunFlags,
    mut opts: Options,
) -> Result<u8, MigrateError> {
    opts.dry_run = run.dry_run;
    opts.quiet |= run.json;
    let outcome = with_engine(on, opts, async |engine| {
        engine.up(std::slice::from_ref(set), to).await
    })
    .await;
    report_run("up", set, run, on.quiet, outcome, |&n| {
        if set.migrations.is_empty() {
            format!("{}: nothing to apply: {}", set.name, set.why_empty())
        } else if n == 0 {
            format!("{}: nothing to apply", set.name)
        } else {
            format!("{}: applied {n} migration(s)", set.name)
        }
    })
}

async fn down(
    on: &SqlInvocation<'_>,
    set: &MigrationSet,
    which: Revert,
    run: &RunFlags,
    yes: bool,
) -> Result<u8, MigrateError> {
    let mut opts = on.options()?;
    opts.dry_run = run.dry_run;
    opts.quiet |= run.json;
    let outcome = with_engine(on, opts, async |engine| {
        engine
            .down(set, which, &mut |list| confirm(list, yes))
            .await
    })
    .await;
    report_run("down", set, run, on.quiet, outcome, |reverted| {
        format!("{}: reverted {} migration(s)", set.name, reverted.len())
    })
}

async fn redo(
    on: &SqlInvocation<'_>,
    set: &MigrationSet,
    run: &RunFlags,
    yes: bool,
) -> Result<u8, MigrateError> {
    let mut opts = on.options()?;
    opts.dry_run = run.dry_run;
    opts.quiet |= run.json;
    let outcome = with_engine(on, opts, async |engine| {
        engine.redo(set, &mut |list| confirm(list, yes)).await
    })
    .await;
    report_run("redo", set, run, on.quiet, outcome, |v| {
        format!("{}: redid version {v}", set.name)
    })
}

/// `status`: exit 0 when all is applied, [`exit_code::MIGRATIONS_PENDING`] when some are pending,
/// [`exit_code::ERROR`] when something needs attention.
async fn status(
    on: &SqlInvocation<'_>,
    set: &MigrationSet,
    json: bool,
) -> Result<u8, MigrateError> {
    let (rows, holder, elsewhere) = match open(on, Access::Read, on.options()?).await {
        Ok(mut engine) => {
            let rows = engine.history().await;
            let elsewhere = match &rows {
                Ok(rows) => {
                    engine
                        .applied_by_other_tools(std::slice::from_ref(set), rows)
                        .await
                }
                Err(_) => Ok(Vec::new()),
            };
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
            (rows?, holder, elsewhere?)
        }
        // `create #true`: `up` creates it, so everything is pending.
        Err(MigrateError::DatabaseMissing { .. }) if on.database()?.create => {
            (Vec::new(), None, Vec::new())
        }
        Err(e) => return Err(e),
    };
    let status = SetStatus::compute_live(set, &rows, holder.is_some());
    if let Some(h) = &holder {
        eprintln!("note: a migration run is in progress (lock held by {h})");
    }
    if json {
        let mut value = status.to_json(&on.set.follow_up);
        value["applied_by_other_tools"] = serde_json::json!(elsewhere);
        if !elsewhere.is_empty() {
            value["needs_attention"] = serde_json::json!(true);
        }
        println(&serde_json::to_string_pretty(&value).unwrap_or_default())?;
    } else {
        print(&status.render(&on.set.follow_up))?;
        if !elsewhere.is_empty() {
            println(&format!("`up` will refuse:\n{}", elsewhere.join("\n")))?;
        }
    }
    Ok(if status.has_problems() || !elsewhere.is_empty() {
        exit_code::ERROR
    } else if status.has_pending() {
        exit_code::MIGRATIONS_PENDING
    } else {
        exit_code::OK
    })
}

/// `lint`: the set's up migrations, or `files`; [`exit_code::LINT_FINDINGS`] on findings.
fn lint(
    on: &SqlInvocation<'_>,
    set: &MigrationSet,
    files: &[PathBuf],
    dialect: Option<&str>,
    json: bool,
    mongodb: bool,
) -> Result<u8, MigrateError> {
    let dialect = match dialect {
        Some("mysql") => Dialect::MySql,
        Some("sqlite") => Dialect::Sqlite,
        Some(_) => Dialect::Postgres,
        None => on.database.map_or(Dialect::Postgres, |db| db.url.dialect),
    };
    let mut findings: Vec<Finding> = Vec::new();
    if files.is_empty() {
        for m in &set.migrations {
            if m.layout == source::Layout::MongoJson {
                findings.extend(super::mongo::lint_migration(m)?);
            } else {
                findings.extend(lint::lint_script(&m.up, dialect));
            }
        }
    }
    for f in files {
        let script = source::Script::read(f)?;
        findings.extend(lint::lint_script(&script, dialect));
    }
    for f in &findings {
        crate::annotation::record(f.annotation());
    }
    if json {
        let findings: Vec<serde_json::Value> = findings.iter().map(Finding::to_json).collect();
        println(&serde_json::json!({"set": on.set.name, "findings": findings}).to_string())?;
        return Ok(if findings.is_empty() {
            exit_code::OK
        } else {
            exit_code::LINT_FINDINGS
        });
    }
    for f in &findings {
        println(&f.to_string())?;
    }
    if findings.is_empty() {
        if !on.quiet {
            let engine = if mongodb {
                "MongoDB".to_string()
            } else {
                dialect.to_string()
            };
            println(&format!("no findings ({engine})"))?;
        }
        Ok(exit_code::OK)
    } else {
        println(&format!("{} finding(s)", findings.len()))?;
        Ok(exit_code::LINT_FINDINGS)
    }
}

async fn repair(
    on: &SqlInvocation<'_>,
    set: &MigrationSet,
    version: Option<i64>,
) -> Result<u8, MigrateError> {
    let mut engine = open(on, Access::Write, on.options()?).await?;
    let result = engine.repair(set, version).await;
    let done = finish(engine, result).await?;
    if done.is_empty() && !on.quiet {
        println(&format!(
            "{}: no drifted migration, nothing to repair",
            set.name
        ))?;
    }
    Ok(exit_code::OK)
}

async fn open(
    on: &SqlInvocation<'_>,
    access: Access,
    opts: Options,
) -> Result<Engine, MigrateError> {
    on.database()?.open(access, opts).await
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
    /// What to do about it, when the error says.
    help: Option<String>,
}

/// Opens an engine, lets `work` run on it and closes it whatever happened; returns the result
/// and what the run completed.
async fn with_engine<T>(
    on: &SqlInvocation<'_>,
    opts: Options,
    work: impl AsyncFnOnce(&mut Engine) -> Result<T, MigrateError>,
) -> (Result<T, MigrateError>, Vec<Completed>) {
    let mut engine = match open(on, Access::Write, opts).await {
        Ok(engine) => engine,
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
    set: &MigrationSet,
    flags: &RunFlags,
    quiet: bool,
    (result, migrations): (Result<T, MigrateError>, Vec<Completed>),
    summary: impl FnOnce(&T) -> String,
) -> Result<u8, MigrateError> {
    if flags.json {
        let error = result.as_ref().err();
        let outcome = RunOutcome {
            command,
            set: &set.name,
            success: result.is_ok(),
            migrations,
            error: error.map(ToString::to_string),
            help: error
                .and_then(miette::Diagnostic::help)
                .map(|h| h.to_string()),
        };
        println(&serde_json::to_string(&outcome).expect("the outcome serialises"))?;
    } else if let Ok(value) = &result
        && !quiet
        && !flags.dry_run
    {
        println(&summary(value))?;
    }
    result.map(|_| exit_code::OK)
}

/// Closes the engine (releasing the lock) whatever the result, then returns the result.
async fn finish<T>(engine: Engine, result: Result<T, MigrateError>) -> Result<T, MigrateError> {
    let closed = engine.close().await;
    let value = result?;
    closed?;
    Ok(value)
}

/// Asks before reverting: on a terminal a y/N question, otherwise `--yes` is required.
pub(crate) fn confirm(list: &[&Migration], yes: bool) -> bool {
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
