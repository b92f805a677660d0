//! `backendctl migrate …` as clap sees it, and the flags turned into typed targets.
//!
//! The flags become the same [`MigrationTarget`] and [`SetTarget`] a manifest's `database` and
//! `migrations` nodes produce before any I/O; [`MigrateCommand::run`] then does the work, for
//! ad-hoc use here and for the manifest's sets in `manifest_sets.rs`.

use std::path::PathBuf;
use std::time::Duration;

use clap::Args;

use super::command::{Invocation, MigrateCommand};
use super::error::MigrateError;
use super::follow_up::{self, DATABASE_URL_VARIABLE, UrlOrigin};
use super::limits::Overrides;
use super::migration_target::MigrationTarget;
use super::target::SetTarget;

/// The migration set directory when `--dir` is not given.
pub(crate) const DEFAULT_DIR: &str = "migrations";
/// The set's name when `--migrations` is not given.
pub(crate) const DEFAULT_SET: &str = "default";

/// Migration commands against one database and one migration set.
#[derive(Debug, Clone, Args)]
pub struct MigrateArgs {
    /// Database URL: postgres://, mysql:// or mariadb://, sqlite:PATH, mongodb://HOST/DB.
    #[arg(
        short = 'D',
        long,
        env = "DATABASE_URL",
        global = true,
        hide_env_values = true
    )]
    pub database_url: Option<String>,
    /// Directory of the migration set [default: migrations]. Given, it runs ad hoc even next to
    /// a manifest.
    #[arg(long, global = true)]
    pub dir: Option<PathBuf>,
    /// The migration set: its name in the history table (several sets can share a database), or
    /// with a manifest, its `migrations "NAME"` node.
    #[arg(long, value_name = "NAME", default_value = DEFAULT_SET, global = true)]
    pub migrations: String,
    /// How long to wait for another run's lock (e.g. 30s, 5m) [default: 5m, or the manifest's
    /// `lock-timeout`].
    #[arg(long, value_parser = humantime::parse_duration, global = true)]
    pub lock_timeout: Option<Duration>,
    /// How long connecting may take, and how long a server that stops answering is given before
    /// a fresh connection checks on it (e.g. 5s) [default: 10s, or the manifest's
    /// `connect-timeout`].
    #[arg(long, value_parser = humantime::parse_duration, global = true)]
    pub connect_timeout: Option<Duration>,
    /// Longest time one statement (on MongoDB, one command: its maxTimeMS) may run; the server
    /// cancels it (e.g. 30m; 0s: no limit)
    /// [default: no limit, or the manifest's `statement-timeout`].
    #[arg(long, value_parser = humantime::parse_duration, global = true)]
    pub statement_timeout: Option<Duration>,
    /// SQL run on every connection before anything else, e.g. "SET FOREIGN_KEY_CHECKS=0" or
    /// "SET search_path TO app" [default: none, or the manifest's `session-sql`].
    #[arg(long, value_name = "SQL", global = true)]
    pub session_sql: Option<String>,
    /// Print only warnings and errors.
    #[arg(short, long, global = true)]
    pub quiet: bool,
    #[command(subcommand)]
    pub command: MigrateCommand,
}

impl MigrateArgs {
    /// Runs the command ad hoc, on `--dir` and `-D`.
    pub(crate) async fn execute(&self) -> Result<u8, MigrateError> {
        let set = SetTarget {
            name: self.migrations.clone(),
            database: DEFAULT_SET.to_string(),
            dir: self.dir(),
            after: Vec::new(),
            allow_out_of_order: false,
            ignore_missing: false,
            follow_up: self.hint(),
        };
        let database = match self.database_url.as_deref() {
            Some(raw) => MigrationTarget::of_flag(
                DEFAULT_SET,
                raw,
                &self.overrides(),
                self.command.needs_database(),
            )?,
            None => None,
        };
        let invocation = Invocation {
            database: database.as_ref(),
            set: &set,
            quiet: self.quiet,
        };
        self.command.run(&invocation).await
    }

    /// What the flags say about the database: over a manifest node's values, or ad hoc.
    pub(crate) fn overrides(&self) -> Overrides {
        Overrides {
            lock_timeout: self.lock_timeout,
            connect_timeout: self.connect_timeout,
            statement_timeout: self.statement_timeout,
            session_sql: self.session_sql.clone(),
        }
    }

    /// How to spell a follow-up command here: `backendctl migrate -D "$DATABASE_URL" --dir db
    /// --migrations core` (see `follow_up.rs`).
    fn hint(&self) -> String {
        let url = self.database_url.as_deref().map(|raw| {
            if std::env::var(DATABASE_URL_VARIABLE).is_ok_and(|from_env| from_env == raw) {
                UrlOrigin::Variable(DATABASE_URL_VARIABLE)
            } else {
                UrlOrigin::Flag(raw)
            }
        });
        follow_up::ad_hoc(
            url,
            &self.dir(),
            &self.migrations,
            (DEFAULT_DIR, DEFAULT_SET),
        )
    }

    /// The migration set's directory: `--dir`, else `migrations`.
    pub(crate) fn dir(&self) -> PathBuf {
        self.dir
            .clone()
            .unwrap_or_else(|| PathBuf::from(DEFAULT_DIR))
    }

    /// The URL given with `-D` / `--database-url` on the command line, not merely read from
    /// `DATABASE_URL` (which a manifest's own URL usually reads already).
    pub(crate) fn url_flag(&self) -> Option<&str> {
        self.database_url
            .as_deref()
            .filter(|raw| std::env::var(DATABASE_URL_VARIABLE).map_or(true, |env| env != *raw))
    }
}
