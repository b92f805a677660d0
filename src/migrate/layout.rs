//! The layouts backendctl reads, and what each entry of a set's directory is.
//!
//! A team points backendctl at the migrations it already has, written by the tool it used
//! before. The layout is recognised per entry, from names alone (and, for one-file migrations,
//! from the markers inside, in `source.rs`); there is no setting to choose one, as in
//! golang-migrate, dbmate and Flyway, whose users name files and expect them to be found.
//!
//! | layout | entries |
//! |---|---|
//! | backendctl, golang-migrate, sqlx reversible | `NNNN_name.up.sql` + `NNNN_name.down.sql` |
//! | sqlx simple | `NNNN_name.sql` (up only) |
//! | dbmate, goose | `NNNN_name.sql` with `-- migrate:up` / `-- migrate:down` or `-- +goose Up` / `-- +goose Down` |
//! | Flyway | `V<N>__name.sql`, with an optional `U<N>__name.sql` undo |
//! | Diesel | `<timestamp>_name/up.sql` + `down.sql` (+ `metadata.toml`); the timestamp may hold dashes (`2024-01-15-093000`) |
//! | golang-migrate MongoDB | `NNNN_name.up.json` + `NNNN_name.down.json` (a JSON array of commands) |
//! | Prisma | `<N or timestamp>_name/migration.sql` (forward-only; a `down.sql` beside it, as Prisma's docs generate, is its down), `migration_lock.toml` |
//!
//! The version is the numeric prefix (Diesel's with its dashes removed, as Diesel stores it), the
//! name what follows the first `_`.

use std::path::{Path, PathBuf};

use super::error::MigrateError;

/// How the files of a migration were written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Layout {
    /// `.up.sql` + `.down.sql` (backendctl, golang-migrate, sqlx reversible).
    Pair,
    /// One `.sql` file without sections (sqlx simple, up only).
    Single,
    /// One `.sql` file with `-- migrate:up` / `-- migrate:down` (dbmate).
    Dbmate,
    /// One `.sql` file with `-- +goose Up` / `-- +goose Down` (goose).
    Goose,
    /// `V<N>__name.sql`, optionally `U<N>__name.sql` (Flyway).
    Flyway,
    /// `<version>_name/up.sql` + `down.sql` (Diesel).
    Diesel,
    /// `<version>_name/migration.sql` (Prisma).
    Prisma,
    /// `.up.json` + `.down.json`: golang-migrate's MongoDB format, a JSON array of commands.
    MongoJson,
}

impl Layout {
    /// The tools whose layout this is, as users know them.
    pub(crate) fn tools(self) -> &'static str {
        match self {
            Layout::Pair => "backendctl",
            Layout::Single => "sqlx",
            Layout::Dbmate => "dbmate",
            Layout::Goose => "goose",
            Layout::Flyway => "Flyway",
            Layout::Diesel => "Diesel",
            Layout::Prisma => "Prisma",
            Layout::MongoJson => "golang-migrate MongoDB",
        }
    }

    /// Whether each migration is a directory of its own.
    pub(crate) fn is_directory(self) -> bool {
        matches!(self, Layout::Diesel | Layout::Prisma)
    }
}

/// Every layout, in one line each: the help of an unrecognised directory.
pub(crate) const READABLE: &str = "backendctl reads these layouts:\n\
  - `0001_name.up.sql` + `0001_name.down.sql` (backendctl, golang-migrate, sqlx reversible)\n\
  - `0001_name.sql` (sqlx; with `-- migrate:up` / `-- migrate:down` sections: dbmate; with `-- +goose Up` / `-- +goose Down`: goose)\n\
  - `V1__name.sql` + optional `U1__name.sql` (Flyway, integer versions)\n\
  - `<timestamp>_name/up.sql` + `down.sql` (Diesel)\n\
  - `<timestamp>_name/migration.sql` (Prisma)\n\
  - `0001_name.up.json` + `0001_name.down.json` (golang-migrate's MongoDB format)";

/// Which part of a migration a file holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Role {
    Up,
    Down,
    /// A one-file migration (up only, or with sections).
    Single,
}

/// A file that is part of a migration, by its name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Named {
    pub(crate) version: i64,
    pub(crate) name: String,
    pub(crate) role: Role,
    /// The layout, when the name alone says it (`None`: a one-file migration whose markers
    /// decide).
    pub(crate) layout: Option<Layout>,
}

/// A file of the set's directory: part of a migration, or not.
pub(crate) fn classify_file(file: &str, path: &Path) -> Result<Option<Named>, MigrateError> {
    if let Some(stem) = file.strip_suffix(".json") {
        return classify_json(stem, path);
    }
    let Some(stem) = file.strip_suffix(".sql") else {
        return Ok(None);
    };
    // Flyway: V<N>__name.sql and its undo U<N>__name.sql.
    for (prefix, role) in [("V", Role::Single), ("U", Role::Down)] {
        if let Some(rest) = stem.strip_prefix(prefix)
            && let Some((digits, name)) = rest.split_once("__")
            && !digits.is_empty()
            && digits.bytes().all(|b| b.is_ascii_digit())
        {
            return Ok(Some(Named {
                version: version(digits, path)?,
                name: name.to_string(),
                role,
                layout: Some(Layout::Flyway),
            }));
        }
    }
    let (stem, role, layout) = if let Some(s) = stem.strip_suffix(".up") {
        (s, Role::Up, Some(Layout::Pair))
    } else if let Some(s) = stem.strip_suffix(".down") {
        (s, Role::Down, Some(Layout::Pair))
    } else {
        (stem, Role::Single, None)
    };
    versioned(stem, role, layout, path)
}

/// `NNNN_name` (or `NNNN`) as a part of a migration; `None` without a leading version.
fn versioned(
    stem: &str,
    role: Role,
    layout: Option<Layout>,
    path: &Path,
) -> Result<Option<Named>, MigrateError> {
    let digits = stem.bytes().take_while(u8::is_ascii_digit).count();
    let rest = &stem[digits..];
    if digits == 0 || !(rest.is_empty() || rest.starts_with('_')) {
        return Ok(None);
    }
    Ok(Some(Named {
        version: version(&stem[..digits], path)?,
        name: rest.trim_start_matches('_').to_string(),
        role,
        layout,
    }))
}

/// A migration that is a directory of its own (Diesel, Prisma).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Folder {
    pub(crate) version: i64,
    pub(crate) name: String,
    pub(crate) layout: Layout,
    /// `up.sql` (Diesel) or `migration.sql` (Prisma).
    pub(crate) up: PathBuf,
    /// `down.sql`, when there is one.
    pub(crate) down: Option<PathBuf>,
    /// Diesel's `metadata.toml` says `run_in_transaction = false`.
    pub(crate) no_transaction: bool,
}

/// A subdirectory of the set's directory: a Diesel or Prisma migration, or not (`files` are the
/// names of the files it holds).
pub(crate) fn classify_folder(
    dir_name: &str,
    path: &Path,
    files: &[String],
) -> Result<Option<Folder>, MigrateError> {
    let has = |f: &str| files.iter().any(|n| n == f);
    let layout = if has("up.sql") {
        Layout::Diesel
    } else if has("migration.sql") {
        Layout::Prisma
    } else {
        return Ok(None);
    };
    // Diesel: the part before the first `_`, dashes removed (`2024-01-15-093000` → 20240115093000);
    // Prisma: the leading digits.
    let (prefix, name) = dir_name.split_once('_').unwrap_or((dir_name, ""));
    let digits: String = match layout {
        Layout::Diesel => prefix.chars().filter(|c| *c != '-').collect(),
        _ => prefix.to_string(),
    };
    if digits.is_empty()
        || !digits.bytes().all(|b| b.is_ascii_digit())
        || !prefix.starts_with(|c: char| c.is_ascii_digit())
    {
        return Ok(None);
    }
    let no_transaction = layout == Layout::Diesel
        && has("metadata.toml")
        && std::fs::read_to_string(path.join("metadata.toml"))
            .is_ok_and(|t| runs_outside_transaction(&t));
    Ok(Some(Folder {
        version: version(&digits, path)?,
        name: name.to_string(),
        layout,
        up: path.join(if layout == Layout::Diesel {
            "up.sql"
        } else {
            "migration.sql"
        }),
        down: has("down.sql").then(|| path.join("down.sql")),
        no_transaction,
    }))
}

/// Whether a Diesel `metadata.toml` says `run_in_transaction = false`.
fn runs_outside_transaction(toml: &str) -> bool {
    toml.lines().any(|l| {
        let l = l.split('#').next().unwrap_or("");
        l.split_once('=')
            .is_some_and(|(k, v)| k.trim() == "run_in_transaction" && v.trim() == "false")
    })
}

/// golang-migrate's MongoDB files: `NNN_name.up.json` / `NNN_name.down.json`.
fn classify_json(stem: &str, path: &Path) -> Result<Option<Named>, MigrateError> {
    let (stem, role) = if let Some(s) = stem.strip_suffix(".up") {
        (s, Role::Up)
    } else if let Some(s) = stem.strip_suffix(".down") {
        (s, Role::Down)
    } else {
        return Ok(None);
    };
    versioned(stem, role, Some(Layout::MongoJson), path)
}

fn version(digits: &str, path: &Path) -> Result<i64, MigrateError> {
    digits.parse().map_err(|_| MigrateError::VersionTooLarge {
        path: path.to_path_buf(),
        digits: digits.to_string(),
    })
}

/// Whether an entry that is not a migration can sit in a set's directory without meaning
/// anything: documentation, dotfiles, Prisma's lock file, an empty directory.
pub(crate) fn is_incidental(name: &str, is_dir: bool, is_empty_dir: bool) -> bool {
    let lower = name.to_ascii_lowercase();
    name.starts_with('.')
        || (is_dir && is_empty_dir)
        || (!is_dir
            && (lower.starts_with("readme")
                || lower.starts_with("license")
                || lower == "migration_lock.toml"
                || [".md", ".txt", ".rst", ".adoc"]
                    .iter()
                    .any(|e| lower.ends_with(e))))
}

/// Why an entry that is not incidental was not read, when its name says which tool wrote it.
pub(crate) fn unread_reason(name: &str, is_dir: bool) -> Option<&'static str> {
    let lower = name.to_ascii_lowercase();
    let ext = |e: &[&str]| !is_dir && e.iter().any(|x| lower.ends_with(x));
    Some(if lower.starts_with("r__") && lower.ends_with(".sql") {
        "a Flyway repeatable migration; backendctl has none"
    } else if (lower.starts_with('v') || lower.starts_with('u')) && lower.contains("__") {
        "a Flyway migration with a version that is not an integer"
    } else if lower == "sqitch.plan"
        || (is_dir && matches!(lower.as_str(), "deploy" | "revert" | "verify"))
    {
        "sqitch's plan or scripts"
    } else if ext(&[".py"]) {
        "a Python migration (Alembic, Django, yoyo)"
    } else if ext(&[".js", ".ts", ".cjs", ".mjs"]) {
        "a JavaScript/TypeScript migration (knex, TypeORM, Sequelize, node-pg-migrate)"
    } else if ext(&[".go"]) {
        "a Go migration (goose)"
    } else if ext(&[".xml", ".yaml", ".yml", ".json"]) {
        "a Liquibase changelog"
    } else if is_dir {
        "a directory without `up.sql` (Diesel) or `migration.sql` (Prisma)"
    } else if lower.ends_with(".sql") {
        "an `.sql` file whose name does not start with its version"
    } else {
        return None;
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn named(file: &str) -> Option<(i64, String, Role, Option<Layout>)> {
        classify_file(file, Path::new(file))
            .unwrap()
            .map(|n| (n.version, n.name, n.role, n.layout))
    }

    #[test]
    fn file_names_give_version_name_and_role() {
        assert_eq!(
            named("0001_users.up.sql"),
            Some((1, "users".into(), Role::Up, Some(Layout::Pair)))
        );
        assert_eq!(
            named("20240101000000_x.sql"),
            Some((20_240_101_000_000, "x".into(), Role::Single, None))
        );
        assert_eq!(
            named("V12__add_orders.sql"),
            Some((12, "add_orders".into(), Role::Single, Some(Layout::Flyway)))
        );
        assert_eq!(
            named("U12__add_orders.sql"),
            Some((12, "add_orders".into(), Role::Down, Some(Layout::Flyway)))
        );
        assert_eq!(named("V1.1__x.sql"), None);
        assert_eq!(named("R__views.sql"), None);
        assert_eq!(named("users.sql"), None);
        assert_eq!(named("1users.sql"), None);
    }

    #[test]
    fn folders_are_diesel_or_prisma() {
        let files = |f: &[&str]| f.iter().map(|s| (*s).to_string()).collect::<Vec<_>>();
        let p = Path::new("/m/2024-01-15-093000_create_users");
        let d = classify_folder(
            "2024-01-15-093000_create_users",
            p,
            &files(&["up.sql", "down.sql"]),
        )
        .unwrap()
        .unwrap();
        assert_eq!(
            (d.version, d.name.as_str(), d.layout),
            (20_240_115_093_000, "create_users", Layout::Diesel)
        );
        assert_eq!(d.down, Some(p.join("down.sql")));
        let init = classify_folder(
            "00000000000000_diesel_initial_setup",
            p,
            &files(&["up.sql", "down.sql"]),
        )
        .unwrap()
        .unwrap();
        assert_eq!(init.version, 0);
        let prisma = classify_folder("0_init", p, &files(&["migration.sql"]))
            .unwrap()
            .unwrap();
        assert_eq!(
            (prisma.version, prisma.layout, prisma.down),
            (0, Layout::Prisma, None)
        );
        assert!(
            classify_folder("deploy", p, &files(&["a.sql"]))
                .unwrap()
                .is_none()
        );
        assert!(
            classify_folder("-1_x", p, &files(&["up.sql"]))
                .unwrap()
                .is_none()
        );
        assert!(runs_outside_transaction(
            "# x\nrun_in_transaction = false # no\n"
        ));
        assert!(!runs_outside_transaction("run_in_transaction = true\n"));
    }
}
