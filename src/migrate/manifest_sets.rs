//! `backendctl migrate` through the manifest: with a `backend.kdl` at hand (or `-f`) and no
//! `--dir`, each command runs on the manifest's migration sets, with their databases' interpolated
//! URLs, in dependency order. Commands that go backwards or name one migration (`down`, `redo`,
//! `repair`, `baseline`, `resolve`, `new`) need exactly one set: `--migrations NAME`, or a
//! manifest that has only one.
//!
//! The sets reach the engine as the same [`SetTarget`] / [`MigrationTarget`] values `plan` and
//! `apply` use, through the same [`MigrateCommand::run`] as ad-hoc use.

use std::path::Path;

use super::cli::{DEFAULT_SET, MigrateArgs};
use super::command::{Invocation, MigrateCommand};
use super::error::MigrateError;
use super::migration_target::MigrationTarget;
use super::target::SetTarget;
use crate::exit_code;
use crate::globals::Globals;
use crate::manifest::{self, LoadedManifest, NodeKind};
use crate::secret::SecretUrl;

/// Whether `args` should run against the manifest's sets: a manifest exists and no `--dir` was
/// given (the ad-hoc default `migrations` is kept for manifest-less use).
#[must_use]
pub(crate) fn applies(args: &MigrateArgs, globals: &Globals) -> bool {
    args.dir.is_none() && globals.manifest.is_file()
}

/// Runs `args.command` for each selected set of the manifest; returns the worst exit code.
///
/// # Errors
/// A usage error for an invalid manifest or an ambiguous set; the engine's errors.
pub(crate) async fn run(args: &MigrateArgs, globals: &Globals) -> Result<u8, MigrateError> {
    let loaded = manifest::load(&globals.manifest, &globals.load_options()).map_err(|error| {
        MigrateError::InvalidManifest {
            report: crate::diagnostics::diagnostic_plain(&error),
        }
    })?;
    let chosen = choose_sets(&loaded, &args.migrations, &args.command)?;
    let base = loaded.base_dir();
    if args.url_flag().is_some() {
        one_database_for_the_flag(&loaded, &chosen)?;
        if !args.quiet {
            // Not silent: the manifest's own URL is not the one used.
            use std::io::Write as _;
            let _ = writeln!(
                std::io::stderr(),
                "note: --database-url replaces the URL of {}'s database node for this run",
                loaded.source.display_path
            );
        }
    }
    let mut worst = exit_code::OK;
    for name in &chosen {
        let model = &loaded.manifest.migrations[name];
        let set = SetTarget::from_model(name, model, &globals.manifest, &base);
        let database = database_target(&loaded, &set.database, &base, args)?;
        if chosen.len() > 1 && !args.quiet && !args.command.prints_json() {
            super::progress::println(&format!("migrations.{name} (database.{}):", set.database))?;
        }
        let invocation = Invocation {
            database: Some(&database),
            set: &set,
            quiet: args.quiet,
        };
        worst = worse(worst, args.command.run(&invocation).await?);
    }
    Ok(worst)
}

/// The sets `--migrations` selects, in dependency order: all of them by default, else the one
/// named; a one-set command refuses several.
fn choose_sets(
    loaded: &LoadedManifest,
    name: &str,
    command: &MigrateCommand,
) -> Result<Vec<String>, MigrateError> {
    let manifest = loaded.source.display_path.to_string();
    let ordered: Vec<String> = loaded
        .graph
        .order()
        .into_iter()
        .filter(|address| address.kind == NodeKind::Migrations)
        .map(|address| address.name)
        .collect();
    let chosen = if name == DEFAULT_SET {
        ordered
    } else if ordered.iter().any(|set| set == name) {
        vec![name.to_string()]
    } else {
        return Err(MigrateError::UnknownSet {
            manifest,
            name: name.to_string(),
            known: ordered,
        });
    };
    if chosen.is_empty() {
        return Err(MigrateError::NoSets { manifest });
    }
    if command.needs_one_set() && chosen.len() > 1 {
        return Err(MigrateError::AmbiguousSet { sets: chosen });
    }
    Ok(chosen)
}

/// The database node `name` (a relative SQLite path anchored at the manifest's directory), with
/// `migrate`'s flags (`--lock-timeout`, `--connect-timeout`, `--statement-timeout`,
/// `--session-sql`) over its own values.
fn database_target(
    loaded: &LoadedManifest,
    name: &str,
    base: &Path,
    args: &MigrateArgs,
) -> Result<MigrationTarget, MigrateError> {
    let model = loaded
        .manifest
        .database
        .get(name)
        .ok_or_else(|| MigrateError::UnknownNode {
            manifest: loaded.source.display_path.to_string(),
            kind: "database",
            name: name.to_string(),
        })?;
    let flagged;
    let model = match args.url_flag() {
        Some(raw) => {
            let mut with_flag = model.clone();
            // Displayed like a value read from the environment: masked where it may be secret.
            with_flag.url = SecretUrl::rendered(raw.to_owned(), vec![0..raw.len()]);
            flagged = with_flag;
            &flagged
        }
        None => model,
    };
    MigrationTarget::of_node(name, model, base)?.overridden(&args.overrides())
}

/// `--database-url` next to a manifest replaces the URL of the database its chosen sets use:
/// refused when they use several, as one URL cannot stand for them all.
fn one_database_for_the_flag(
    loaded: &LoadedManifest,
    chosen: &[String],
) -> Result<(), MigrateError> {
    let mut databases: Vec<&str> = chosen
        .iter()
        .map(|set| loaded.manifest.migrations[set].database.as_str())
        .collect();
    databases.sort_unstable();
    databases.dedup();
    if databases.len() > 1 {
        return Err(MigrateError::UrlForSeveralDatabases {
            manifest: loaded.source.display_path.to_string(),
            databases: databases.iter().map(|d| format!("database.{d}")).collect(),
        });
    }
    Ok(())
}

/// The worse of two exit codes: needing attention outranks pending, which outranks success.
fn worse(a: u8, b: u8) -> u8 {
    let rank = |code: u8| match code {
        exit_code::OK => 0,
        exit_code::MIGRATIONS_PENDING => 1,
        _ => 2,
    };
    if rank(b) > rank(a) { b } else { a }
}
