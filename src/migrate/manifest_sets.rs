//! `backendctl migrate` through the manifest: with a `backend.kdl` at hand (or `-f`) and no
//! `--dir`, each command runs on the manifest's migration sets, with their databases' interpolated
//! URLs, in dependency order. Commands that go backwards or name one migration (`down`, `redo`,
//! `repair`, `baseline`, `resolve`, `new`) need exactly one set: `--set NAME`, or a manifest that
//! has only one.

use super::cli::{MigrateArgs, MigrateCommand, execute};
use super::error::MigrateError;
use super::url::anchor_sqlite_url;
use crate::globals::Globals;
use crate::manifest::{self, NodeKind};
use std::path::Path;

/// Whether `args` should run against the manifest's sets: a manifest exists and no `--dir` was
/// given (the ad-hoc default `migrations` is kept for manifest-less use).
#[must_use]
pub fn applies(args: &MigrateArgs, globals: &Globals) -> bool {
    args.dir == Path::new("migrations") && globals.manifest.is_file()
}

/// Runs `args` for each selected set of the manifest.
///
/// # Errors
/// [`MigrateError::Usage`] for an invalid manifest or an ambiguous set; the engine's errors.
pub async fn run(args: MigrateArgs, globals: &Globals) -> Result<u8, MigrateError> {
    let loaded = manifest::load(&globals.manifest, &globals.load_options()).map_err(|error| {
        MigrateError::Usage(format!(
            "{}\n(run `backendctl validate` for every problem, or pass --dir to work without the manifest)",
            crate::diagnostics::diagnostic_plain(&error)
        ))
    })?;
    let base = loaded.base_dir();
    let ordered: Vec<String> = loaded
        .graph
        .order()
        .into_iter()
        .filter(|address| address.kind == NodeKind::Migrations)
        .map(|address| address.name)
        .collect();
    let chosen: Vec<String> = if args.set == "default" {
        ordered.clone()
    } else if ordered.contains(&args.set) {
        vec![args.set.clone()]
    } else {
        return Err(MigrateError::Usage(format!(
            "{} has no `migrations \"{}\"`; its sets: {}",
            loaded.source.display_path,
            args.set,
            ordered.join(", ")
        )));
    };
    if chosen.is_empty() {
        return Err(MigrateError::Usage(format!(
            "{} declares no `migrations` set; pass --dir and -D to migrate without it",
            loaded.source.display_path
        )));
    }
    let single_set_only = matches!(
        args.command,
        MigrateCommand::New { .. }
            | MigrateCommand::Down { .. }
            | MigrateCommand::Redo { .. }
            | MigrateCommand::Repair { .. }
            | MigrateCommand::Baseline { .. }
            | MigrateCommand::Resolve { .. }
    );
    if single_set_only && chosen.len() > 1 {
        return Err(MigrateError::Usage(format!(
            "this command works on one migration set; name it with --set ({})",
            chosen.join(", ")
        )));
    }
    let mut worst = 0u8;
    for name in &chosen {
        let set = &loaded.manifest.migrations[name];
        let database = &loaded.manifest.database[&set.database];
        let mut set_args = args.clone();
        set_args.set.clone_from(name);
        set_args.dir = base.join(&set.path);
        set_args.database_url = Some(anchor_sqlite_url(&database.url, &base));
        if chosen.len() > 1 && !args.quiet && !args.command.prints_json() {
            println!("migrations.{name} (database.{}):", set.database);
        }
        let code = execute(set_args).await?;
        // 1 (needs attention) outranks 2 (pending), which outranks 0.
        worst = match (worst, code) {
            (1, _) | (_, 1) => 1,
            (2, _) | (_, 2) => 2,
            (_, other) => other,
        };
    }
    Ok(worst)
}
