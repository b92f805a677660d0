//! Reading a migration set from a directory.
//!
//! A team can point backendctl at the files it already has. Recognised layouts:
//!
//! | layout | files |
//! |---|---|
//! | backendctl, golang-migrate, sqlx reversible | `NNNN_name.up.sql` + `NNNN_name.down.sql` |
//! | sqlx simple | `NNNN_name.sql` (up only, irreversible) |
//! | dbmate | `NNNN_name.sql` holding `-- migrate:up` and `-- migrate:down` sections |
//!
//! The version is the leading integer (sequential or a timestamp). Directives:
//! `-- backendctl:no-transaction` on a line of its own anywhere in a section, sqlx's
//! `-- no-transaction` on the first line, and dbmate's `-- migrate:up transaction:false`.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use super::checksum::Algorithm;
use super::error::MigrateError;

/// One section of SQL (an up or a down) with where it came from.
#[derive(Debug, Clone)]
pub(crate) struct Script {
    pub(crate) path: PathBuf,
    /// The section's text.
    pub(crate) sql: String,
    /// 1-based line of the section's first line within `path` (dbmate files hold two sections).
    pub(crate) first_line: usize,
    /// Whether the section asked to run outside a transaction.
    pub(crate) no_transaction: bool,
}

/// How the files of a migration were written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Layout {
    /// `.up.sql` + `.down.sql` (backendctl, golang-migrate, sqlx reversible).
    Pair,
    /// One `.sql` file without sections (sqlx simple, up only).
    Single,
    /// One `.sql` file with `-- migrate:up` / `-- migrate:down` (dbmate).
    Dbmate,
}

/// One migration of a set.
#[derive(Debug, Clone)]
pub(crate) struct Migration {
    pub(crate) version: i64,
    pub(crate) name: String,
    pub(crate) layout: Layout,
    pub(crate) up: Script,
    /// A separate down file, read when first needed (`status` and `up` never need it).
    down_path: Option<PathBuf>,
    down_script: OnceLock<Script>,
    /// Checksum of `up` under [`Algorithm::CURRENT`].
    pub(crate) checksum: String,
}

impl Script {
    /// Reads one file as an up script (for `lint FILE…`).
    pub(crate) fn read(path: &Path) -> Result<Script, MigrateError> {
        Ok(script(path.to_path_buf(), read(path)?))
    }
}

impl Migration {
    /// The down section, read from its file on first use.
    pub(crate) fn down(&self) -> Result<Option<&Script>, MigrateError> {
        if let Some(s) = self.down_script.get() {
            return Ok(Some(s));
        }
        let Some(path) = &self.down_path else {
            return Ok(None);
        };
        let text = read(path)?;
        Ok(Some(
            self.down_script.get_or_init(|| script(path.clone(), text)),
        ))
    }

    /// Short name shown to users: the up file's name without `.up.sql` / `.sql`.
    pub(crate) fn label(&self) -> String {
        let f = self
            .up
            .path
            .file_name()
            .map_or_else(String::new, |f| f.to_string_lossy().into_owned());
        f.strip_suffix(".up.sql")
            .or_else(|| f.strip_suffix(".sql"))
            .unwrap_or(&f)
            .to_string()
    }

    /// Checksum of the up section under a stored algorithm number, if this build knows it.
    pub(crate) fn checksum_with(&self, algo: i64) -> Option<String> {
        let algo = Algorithm::from_number(i32::try_from(algo).ok()?)?;
        Some(if algo == Algorithm::CURRENT {
            self.checksum.clone()
        } else {
            algo.digest(&self.up.sql)
        })
    }
}

/// A named set of migrations read from one directory, ordered by version.
#[derive(Debug, Clone)]
pub(crate) struct MigrationSet {
    pub(crate) name: String,
    pub(crate) dir: PathBuf,
    pub(crate) migrations: Vec<Migration>,
    /// `.sql` files that match no layout; shown as warnings.
    pub(crate) ignored: Vec<PathBuf>,
}

impl MigrationSet {
    /// Reads `dir`. A missing directory is an empty set (a new project), not an error.
    pub(crate) fn load(name: &str, dir: &Path) -> Result<MigrationSet, MigrateError> {
        let mut set = MigrationSet {
            name: name.to_string(),
            dir: dir.to_path_buf(),
            migrations: Vec::new(),
            ignored: Vec::new(),
        };
        let Some(files) = list_files(dir)? else {
            return Ok(set);
        };
        let mut parts: BTreeMap<i64, Parts> = BTreeMap::new();
        for (file, path) in files {
            let Some((version, name, kind)) = classify(&file, &path)? else {
                if file.ends_with(".sql") {
                    set.ignored.push(path);
                }
                continue;
            };
            parts
                .entry(version)
                .or_insert_with(|| Parts::named(&name))
                .add(dir, version, &name, kind, path)?;
        }
        let paths: Vec<&Path> = parts
            .values()
            .flat_map(|p| [p.single.as_deref(), p.up.as_deref()])
            .flatten()
            .collect();
        let mut texts = read_all(&paths)?;
        for (version, p) in parts {
            set.migrations.push(p.into_migration(version, &mut texts)?);
        }
        Ok(set)
    }

    /// The migration with `version`.
    pub(crate) fn get(&self, version: i64) -> Option<&Migration> {
        self.migrations
            .binary_search_by_key(&version, |m| m.version)
            .ok()
            .map(|i| &self.migrations[i])
    }
}

/// The files of `dir` (name and path), sorted by name; `None` when `dir` does not exist.
fn list_files(dir: &Path) -> Result<Option<Vec<(String, PathBuf)>>, MigrateError> {
    let unreadable = |source| MigrateError::Unreadable {
        path: dir.to_path_buf(),
        source,
    };
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(unreadable(e)),
    };
    let mut names: Vec<(String, PathBuf)> = Vec::new();
    for entry in entries {
        let entry = entry.map_err(unreadable)?;
        if entry.file_type().map(|t| t.is_file()).unwrap_or(false) {
            names.push((
                entry.file_name().to_string_lossy().into_owned(),
                entry.path(),
            ));
        }
    }
    names.sort();
    Ok(Some(names))
}

/// A migration file's version, name and kind; `None` for a file that is not one.
fn classify(file: &str, path: &Path) -> Result<Option<(i64, String, Kind)>, MigrateError> {
    let Some(stem) = file.strip_suffix(".sql") else {
        return Ok(None);
    };
    let (stem, kind) = if let Some(s) = stem.strip_suffix(".up") {
        (s, Kind::Up)
    } else if let Some(s) = stem.strip_suffix(".down") {
        (s, Kind::Down)
    } else {
        (stem, Kind::Single)
    };
    let digits = stem.bytes().take_while(u8::is_ascii_digit).count();
    let rest = &stem[digits..];
    if digits == 0 || !(rest.is_empty() || rest.starts_with('_')) {
        return Ok(None);
    }
    let version: i64 = stem[..digits]
        .parse()
        .map_err(|_| MigrateError::VersionTooLarge {
            path: path.to_path_buf(),
            digits: stem[..digits].to_string(),
        })?;
    Ok(Some((
        version,
        rest.trim_start_matches('_').to_string(),
        kind,
    )))
}

/// The files found for one version.
struct Parts {
    name: String,
    up: Option<PathBuf>,
    down: Option<PathBuf>,
    single: Option<PathBuf>,
}

impl Parts {
    fn named(name: &str) -> Parts {
        Parts {
            name: name.to_string(),
            up: None,
            down: None,
            single: None,
        }
    }

    /// Adds a file of `kind`, refusing a second file for the same slot or a different name.
    fn add(
        &mut self,
        dir: &Path,
        version: i64,
        name: &str,
        kind: Kind,
        path: PathBuf,
    ) -> Result<(), MigrateError> {
        let clash = match kind {
            Kind::Up => self.up.as_ref().or(self.single.as_ref()),
            Kind::Down => self.down.as_ref().or(self.single.as_ref()),
            Kind::Single => self
                .single
                .as_ref()
                .or(self.up.as_ref())
                .or(self.down.as_ref()),
        };
        if let Some(prev) = clash {
            return Err(MigrateError::DuplicateVersion {
                version,
                dir: dir.to_path_buf(),
                first: file_name(prev),
                second: file_name(&path),
            });
        }
        if self.name != name {
            return Err(MigrateError::MismatchedNames {
                version,
                dir: dir.to_path_buf(),
                up: self.name.clone(),
                down: name.to_string(),
            });
        }
        let slot = match kind {
            Kind::Up => &mut self.up,
            Kind::Down => &mut self.down,
            Kind::Single => &mut self.single,
        };
        *slot = Some(path);
        Ok(())
    }

    /// The migration, from the texts read for its up (or single) file.
    fn into_migration(
        self,
        version: i64,
        texts: &mut HashMap<PathBuf, String>,
    ) -> Result<Migration, MigrateError> {
        let mut read = |path: &Path| texts.remove(path).expect("every path was read");
        if let Some(path) = self.single {
            let text = read(&path);
            return Ok(single_file(version, self.name, path, text));
        }
        let Some(up_path) = self.up else {
            return Err(MigrateError::MissingUp {
                down: self.down.unwrap_or_default(),
            });
        };
        let up_text = read(&up_path);
        Ok(Migration {
            version,
            name: self.name,
            layout: Layout::Pair,
            checksum: Algorithm::CURRENT.digest(&up_text),
            up: script(up_path, up_text),
            down_path: self.down,
            down_script: OnceLock::new(),
        })
    }
}

/// A one-file migration: dbmate (with sections) or sqlx simple (up only).
fn single_file(version: i64, name: String, path: PathBuf, text: String) -> Migration {
    let Some((up, down)) = dbmate_sections(&text) else {
        return Migration {
            version,
            name,
            layout: Layout::Single,
            checksum: Algorithm::CURRENT.digest(&text),
            up: script(path, text),
            down_path: None,
            down_script: OnceLock::new(),
        };
    };
    let section = |(sql, first_line, no_tx): Section| Script {
        path: path.clone(),
        no_transaction: no_tx || has_directive(&sql),
        sql,
        first_line,
    };
    Migration {
        version,
        name,
        layout: Layout::Dbmate,
        checksum: Algorithm::CURRENT.digest(&up.0),
        up: section(up),
        down_path: None,
        down_script: down.map(section).map_or_else(OnceLock::new, OnceLock::from),
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Up,
    Down,
    Single,
}

fn file_name(p: &Path) -> String {
    p.file_name()
        .map_or_else(String::new, |f| f.to_string_lossy().into_owned())
}

/// Reads every file, on a few threads when there are many (a set of 1,000 migrations is 2,000
/// small files; the cost is system calls, not bytes).
fn read_all(paths: &[&Path]) -> Result<HashMap<PathBuf, String>, MigrateError> {
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .clamp(1, 4);
    let texts: Vec<Result<String, MigrateError>> = if paths.len() < 64 || threads == 1 {
        paths.iter().map(|p| read(p)).collect()
    } else {
        let chunk = paths.len().div_ceil(threads);
        std::thread::scope(|scope| {
            let handles: Vec<_> = paths
                .chunks(chunk)
                .map(|part| scope.spawn(move || part.iter().map(|p| read(p)).collect::<Vec<_>>()))
                .collect();
            handles
                .into_iter()
                .flat_map(|h| h.join().expect("reader thread"))
                .collect()
        })
    };
    paths
        .iter()
        .zip(texts)
        .map(|(p, t)| t.map(|t| (p.to_path_buf(), t)))
        .collect()
}

fn read(path: &Path) -> Result<String, MigrateError> {
    let bytes = std::fs::read(path).map_err(|source| MigrateError::Unreadable {
        path: path.to_path_buf(),
        source,
    })?;
    String::from_utf8(bytes).map_err(|e| MigrateError::NotUtf8 {
        path: path.to_path_buf(),
        offset: e.utf8_error().valid_up_to(),
    })
}

fn script(path: PathBuf, sql: String) -> Script {
    let first = sql
        .trim_start_matches('\u{feff}')
        .lines()
        .next()
        .unwrap_or("")
        .trim();
    // sqlx: `-- no-transaction` must be the first line.
    let no_transaction = has_directive(&sql) || first == "-- no-transaction";
    Script {
        path,
        sql,
        first_line: 1,
        no_transaction,
    }
}

/// Whether a line of its own says `-- backendctl:no-transaction`.
pub(crate) fn has_directive(sql: &str) -> bool {
    sql.lines().any(|l| {
        let l = l.trim();
        l.strip_prefix("--")
            .is_some_and(|r| r.trim() == "backendctl:no-transaction")
    })
}

/// (text, first line, transaction:false)
type Section = (String, usize, bool);

/// Splits a dbmate file into its up and down sections, if it has an up marker.
fn dbmate_sections(text: &str) -> Option<(Section, Option<Section>)> {
    let mut up: Option<Section> = None;
    let mut down: Option<Section> = None;
    let mut markers: Vec<(usize, bool, bool)> = Vec::new(); // (line index, is_up, no_tx)
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    for (i, l) in lines.iter().enumerate() {
        let t = l.trim();
        if let Some(rest) = t.strip_prefix("-- migrate:up") {
            markers.push((i, true, rest.contains("transaction:false")));
        } else if let Some(rest) = t.strip_prefix("-- migrate:down") {
            markers.push((i, false, rest.contains("transaction:false")));
        }
    }
    if !markers.iter().any(|m| m.1) {
        return None;
    }
    for (k, &(idx, is_up, no_tx)) in markers.iter().enumerate() {
        let end = markers.get(k + 1).map_or(lines.len(), |m| m.0);
        let body: String = lines[idx + 1..end].concat();
        let section = (body, idx + 2, no_tx);
        if is_up {
            up.get_or_insert(section);
        } else {
            down.get_or_insert(section);
        }
    }
    up.map(|u| (u, down))
}

/// The next version and file names for `migrate new NAME` in `dir`.
pub(crate) fn next_files(
    set: &MigrationSet,
    name: &str,
    timestamp: bool,
) -> Vec<(PathBuf, String)> {
    let slug: String = name
        .trim()
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .collect::<String>()
        .split('_')
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join("_");
    let last = set.migrations.last();
    let uses_timestamps = timestamp || last.is_some_and(|m| m.version >= 10_000_000_000);
    let version = if uses_timestamps {
        let now = time::OffsetDateTime::now_utc();
        let fmt = time::macros::format_description!("[year][month][day][hour][minute][second]");
        let v: i64 = now
            .format(&fmt)
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(0);
        v.max(last.map_or(0, |m| m.version + 1))
    } else {
        last.map_or(1, |m| m.version + 1)
    };
    // Keep the width of the existing files (0001 → 0002).
    let width = last
        .and_then(|m| m.up.path.file_name())
        .map(|f| {
            f.to_string_lossy()
                .bytes()
                .take_while(u8::is_ascii_digit)
                .count()
        })
        .unwrap_or(4);
    let v = format!("{version:0width$}");
    let layout = last.map_or(Layout::Pair, |m| m.layout);
    match layout {
        Layout::Dbmate => vec![(
            set.dir.join(format!("{v}_{slug}.sql")),
            "-- migrate:up\n\n\n-- migrate:down\n\n".to_string(),
        )],
        Layout::Pair | Layout::Single => vec![
            (
                set.dir.join(format!("{v}_{slug}.up.sql")),
                format!("-- {name}\n\n"),
            ),
            (
                set.dir.join(format!("{v}_{slug}.down.sql")),
                format!("-- undo: {name}\n\n"),
            ),
        ],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dir(files: &[(&str, &str)]) -> tempfile::TempDir {
        let d = tempfile::tempdir().unwrap();
        for (n, t) in files {
            std::fs::write(d.path().join(n), t).unwrap();
        }
        d
    }

    #[test]
    fn reads_pairs_simple_files_and_dbmate_sections() {
        let d = dir(&[
            ("0001_a.up.sql", "CREATE TABLE a (id int);"),
            ("0001_a.down.sql", "DROP TABLE a;"),
            (
                "2_b.sql",
                "-- no-transaction\nCREATE INDEX CONCURRENTLY i ON a (id);",
            ),
            (
                "20240101000000_c.sql",
                "-- migrate:up transaction:false\nCREATE TABLE c (id int);\n\n-- migrate:down\nDROP TABLE c;\n",
            ),
            ("README.md", "hi"),
            ("V4__flyway.sql", "SELECT 1"),
        ]);
        let s = MigrationSet::load("core", d.path()).unwrap();
        let v: Vec<_> = s
            .migrations
            .iter()
            .map(|m| {
                (
                    m.version,
                    m.layout,
                    m.up.no_transaction,
                    m.down().unwrap().is_some(),
                )
            })
            .collect();
        assert_eq!(
            v,
            vec![
                (1, Layout::Pair, false, true),
                (2, Layout::Single, true, false),
                (20_240_101_000_000, Layout::Dbmate, true, true)
            ]
        );
        let c = s.get(20_240_101_000_000).unwrap();
        assert_eq!(c.up.sql.trim(), "CREATE TABLE c (id int);");
        assert_eq!(c.up.first_line, 2);
        assert_eq!(c.down().unwrap().unwrap().sql.trim(), "DROP TABLE c;");
        assert_eq!(c.down().unwrap().unwrap().first_line, 5);
        assert_eq!(s.ignored.len(), 1);
    }

    #[test]
    fn duplicate_versions_are_an_error() {
        let d = dir(&[("1_a.up.sql", ""), ("01_b.up.sql", "")]);
        let e = MigrationSet::load("x", d.path()).unwrap_err().to_string();
        assert!(e.contains("two migrations have version 1"), "{e}");
    }

    #[test]
    fn next_files_continue_the_numbering() {
        let d = dir(&[("0007_a.up.sql", ""), ("0007_a.down.sql", "")]);
        let s = MigrationSet::load("x", d.path()).unwrap();
        let f = next_files(&s, "Add Users!", false);
        assert!(f[0].0.ends_with("0008_add_users.up.sql"), "{:?}", f[0].0);
        assert!(f[1].0.ends_with("0008_add_users.down.sql"));
    }
}
