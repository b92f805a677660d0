//! Reading a migration set from a directory, in any of the layouts of `layout.rs`.
//!
//! Directives: `-- backendctl:no-transaction` on a line of its own anywhere in a section,
//! sqlx's `-- no-transaction` on the first line, dbmate's `-- migrate:up transaction:false`,
//! goose's `-- +goose NO TRANSACTION` and Diesel's `run_in_transaction = false`.
//!
//! A directory holding nothing backendctl reads is an error before any database is touched
//! ([`MigrateError::UnreadLayout`]); one holding nothing at all (or only a README) is an empty
//! set, and the commands say so.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use super::checksum::Algorithm;
use super::error::MigrateError;
pub(crate) use super::layout::Layout;
use super::layout::{self, Folder, Named, Role};

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

/// One migration of a set.
#[derive(Debug, Clone)]
pub(crate) struct Migration {
    pub(crate) version: i64,
    pub(crate) name: String,
    pub(crate) layout: Layout,
    /// What users call it: the up file's name without `.up.sql` / `.sql`, or the directory's
    /// name for Diesel and Prisma.
    label: String,
    pub(crate) up: Script,
    /// A separate down file, read when first needed (`status` and `up` never need it).
    down_path: Option<PathBuf>,
    down_script: OnceLock<Script>,
    /// Both directions run outside a transaction (Diesel's `run_in_transaction = false`).
    outside_transaction: bool,
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
        Ok(Some(self.down_script.get_or_init(|| {
            let mut down = script(path.clone(), text);
            down.no_transaction |= self.outside_transaction;
            down
        })))
    }

    /// Short name shown to users: the up file's name without `.up.sql` / `.sql`, or the
    /// directory's name for Diesel and Prisma.
    pub(crate) fn label(&self) -> String {
        self.label.clone()
    }

    /// Where its down migration is, or would be written.
    pub(crate) fn down_file(&self) -> PathBuf {
        if let Some(p) = &self.down_path {
            return p.clone();
        }
        let dir = self.up.path.parent().unwrap_or(Path::new(""));
        match self.layout {
            Layout::Diesel | Layout::Prisma => dir.join("down.sql"),
            Layout::Flyway => dir.join(format!("U{}__{}.sql", self.version, self.name)),
            Layout::Dbmate | Layout::Goose => self.up.path.clone(),
            Layout::Pair | Layout::Single => dir.join(format!("{}.down.sql", self.label)),
            Layout::MongoJson => dir.join(format!("{}.down.json", self.label)),
        }
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
    /// Entries that look like migrations but match no layout (an `.sql` file without a version,
    /// a directory without `up.sql` or `migration.sql`); shown as warnings.
    pub(crate) ignored: Vec<PathBuf>,
    /// Entries that mean nothing to a migration set (a README, dotfiles, Prisma's
    /// `migration_lock.toml`), to say what an empty set holds.
    pub(crate) incidental: Vec<String>,
}

/// One entry of a set's directory.
struct DirEntry {
    name: String,
    path: PathBuf,
    /// For a directory, the names of the files it holds (sorted).
    files: Option<Vec<String>>,
}

impl MigrationSet {
    /// Reads `dir`. A missing directory is an empty set (a new project, or one a `project` step
    /// creates); a directory whose entries match no layout is [`MigrateError::UnreadLayout`].
    pub(crate) fn load(name: &str, dir: &Path) -> Result<MigrationSet, MigrateError> {
        let mut set = MigrationSet {
            name: name.to_string(),
            dir: dir.to_path_buf(),
            migrations: Vec::new(),
            ignored: Vec::new(),
            incidental: Vec::new(),
        };
        let Some(entries) = list_entries(dir)? else {
            return Ok(set);
        };
        let mut parts: BTreeMap<i64, Parts> = BTreeMap::new();
        for entry in entries {
            let found = match &entry.files {
                Some(files) => {
                    layout::classify_folder(&entry.name, &entry.path, files)?.map(Found::Folder)
                }
                None => layout::classify_file(&entry.name, &entry.path)?.map(Found::File),
            };
            match found {
                Some(Found::File(named)) => parts
                    .entry(named.version)
                    .or_insert_with(|| Parts::named(&named.name))
                    .add(dir, &named, entry.path)?,
                Some(Found::Folder(folder)) => parts
                    .entry(folder.version)
                    .or_insert_with(|| Parts::named(&folder.name))
                    .add_folder(dir, folder)?,
                None => {
                    // A directory holding nothing but dotfiles (`.keep`) is empty.
                    let empty = entry
                        .files
                        .as_ref()
                        .is_some_and(|f| f.iter().all(|n| n.starts_with('.')));
                    if layout::is_incidental(&entry.name, entry.files.is_some(), empty) {
                        set.incidental.push(entry.name);
                    } else {
                        set.ignored.push(entry.path);
                    }
                }
            }
        }
        if parts.is_empty() && !set.ignored.is_empty() {
            return Err(unread_layout(&set));
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

    /// The layouts of its migrations, in order of first appearance (`Diesel`, `Prisma`, …).
    pub(crate) fn layouts(&self) -> Vec<Layout> {
        let mut out: Vec<Layout> = Vec::new();
        for m in &self.migrations {
            if !out.contains(&m.layout) {
                out.push(m.layout);
            }
        }
        out
    }

    /// Why a set without migrations has nothing to do: "migrations/ holds no migration (only
    /// README.md)".
    pub(crate) fn why_empty(&self) -> String {
        let dir = self.dir.display();
        if !self.dir.exists() {
            format!("{dir} does not exist yet")
        } else if self.incidental.is_empty() {
            format!("{dir} holds no migration files")
        } else {
            format!(
                "{dir} holds no migration files (only {})",
                self.incidental.join(", ")
            )
        }
    }
}

/// What an entry of the directory was found to be.
enum Found {
    File(Named),
    Folder(Folder),
}

/// The error for a directory in which nothing matched a layout: what was there, and why each
/// entry was not read when its name says.
fn unread_layout(set: &MigrationSet) -> MigrateError {
    const SHOWN: usize = 8;
    let mut found: Vec<String> = set
        .ignored
        .iter()
        .take(SHOWN)
        .map(|p| {
            let name = file_name(p);
            let is_dir = p.is_dir();
            let shown = if is_dir {
                format!("{name}/")
            } else {
                name.clone()
            };
            match layout::unread_reason(&name, is_dir) {
                Some(reason) => format!("{shown}: {reason}"),
                None => shown,
            }
        })
        .collect();
    if set.ignored.len() > SHOWN {
        found.push(format!("… and {} more", set.ignored.len() - SHOWN));
    }
    // Pointed at the parent of the set (`prisma/` rather than `prisma/migrations/`)?
    let nested = set.ignored.iter().find(|p| {
        p.is_dir()
            && MigrationSet::load(&set.name, p).is_ok_and(|inner| !inner.migrations.is_empty())
    });
    MigrateError::UnreadLayout {
        set: set.name.clone(),
        dir: set.dir.clone(),
        found,
        nested: nested.map(|p| format!("\nThe set may be in {}: point at it.", p.display())),
        layouts: super::layout::READABLE,
    }
}

/// The entries of `dir` (files, and directories with the names of their files), sorted by
/// name; `None` when `dir` does not exist.
fn list_entries(dir: &Path) -> Result<Option<Vec<DirEntry>>, MigrateError> {
    let unreadable = |path: &Path| {
        let path = path.to_path_buf();
        move |source| MigrateError::Unreadable { path, source }
    };
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(unreadable(dir)(e)),
    };
    let mut out: Vec<DirEntry> = Vec::new();
    for entry in entries {
        let entry = entry.map_err(unreadable(dir))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        let path = entry.path();
        // The entry's type comes with the listing; only a symlink costs a stat (a linked
        // migration directory is read like any other).
        let Ok(mut kind) = entry.file_type() else {
            continue;
        };
        if kind.is_symlink() {
            let Ok(meta) = std::fs::metadata(&path) else {
                continue;
            };
            kind = meta.file_type();
        }
        let files = if kind.is_dir() && !name.starts_with('.') {
            let mut files = Vec::new();
            for inner in std::fs::read_dir(&path).map_err(unreadable(&path))? {
                let inner = inner.map_err(unreadable(&path))?;
                files.push(inner.file_name().to_string_lossy().into_owned());
            }
            files.sort();
            Some(files)
        } else if kind.is_dir() {
            continue;
        } else {
            None
        };
        out.push(DirEntry { name, path, files });
    }
    out.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(Some(out))
}

/// The files found for one version.
struct Parts {
    name: String,
    up: Option<PathBuf>,
    down: Option<PathBuf>,
    single: Option<PathBuf>,
    /// The layout, when names said it.
    layout: Option<Layout>,
    /// The migration's directory (Diesel, Prisma): its name is the label.
    folder: Option<String>,
    no_transaction: bool,
}

impl Parts {
    fn named(name: &str) -> Parts {
        Parts {
            name: name.to_string(),
            up: None,
            down: None,
            single: None,
            layout: None,
            folder: None,
            no_transaction: false,
        }
    }

    /// Adds a file, refusing a second file for the same slot or a different name.
    fn add(&mut self, dir: &Path, named: &Named, path: PathBuf) -> Result<(), MigrateError> {
        let clash = match named.role {
            Role::Up => self.up.as_ref().or(self.single.as_ref()),
            // A Flyway undo belongs to its `V` file, which is a single file here.
            Role::Down if named.layout == Some(Layout::Flyway) => self.down.as_ref(),
            Role::Down => self.down.as_ref().or(self.single.as_ref()),
            Role::Single => self.single.as_ref().or(self.up.as_ref()).or(self
                .down
                .as_ref()
                .filter(|_| named.layout != Some(Layout::Flyway))),
        };
        if let Some(prev) = clash {
            return Err(MigrateError::DuplicateVersion {
                version: named.version,
                dir: dir.to_path_buf(),
                first: relative(dir, prev),
                second: relative(dir, &path),
            });
        }
        if self.name != named.name {
            return Err(MigrateError::MismatchedNames {
                version: named.version,
                dir: dir.to_path_buf(),
                up: self.name.clone(),
                down: named.name.clone(),
            });
        }
        if named.role != Role::Down || self.layout.is_none() {
            self.layout = named.layout.or(self.layout);
        }
        let slot = match named.role {
            Role::Up => &mut self.up,
            Role::Down => &mut self.down,
            Role::Single => &mut self.single,
        };
        *slot = Some(path);
        Ok(())
    }

    /// Adds a Diesel or Prisma migration directory.
    fn add_folder(&mut self, dir: &Path, folder: Folder) -> Result<(), MigrateError> {
        if let Some(prev) = self
            .up
            .as_ref()
            .or(self.single.as_ref())
            .or(self.down.as_ref())
        {
            return Err(MigrateError::DuplicateVersion {
                version: folder.version,
                dir: dir.to_path_buf(),
                first: relative(dir, prev),
                second: relative(dir, &folder.up),
            });
        }
        self.folder = folder.up.parent().map(file_name);
        self.layout = Some(folder.layout);
        self.no_transaction = folder.no_transaction;
        self.down = folder.down;
        match folder.layout {
            Layout::Prisma => self.single = Some(folder.up),
            _ => self.up = Some(folder.up),
        }
        Ok(())
    }

    /// The migration, from the texts read for its up (or single) file.
    fn into_migration(
        self,
        version: i64,
        texts: &mut HashMap<PathBuf, String>,
    ) -> Result<Migration, MigrateError> {
        let mut read = |path: &Path| texts.remove(path).expect("every path was read");
        let label = |path: &Path| {
            self.folder.clone().unwrap_or_else(|| {
                let f = file_name(path);
                f.strip_suffix(".up.sql")
                    .or_else(|| f.strip_suffix(".up.json"))
                    .or_else(|| f.strip_suffix(".sql"))
                    .unwrap_or(&f)
                    .to_string()
            })
        };
        if let Some(path) = &self.single {
            let text = read(path);
            let label = label(path);
            return Ok(match self.layout {
                // Named by their tool: never split into sections.
                Some(layout @ (Layout::Flyway | Layout::Prisma)) => Migration {
                    version,
                    name: self.name,
                    layout,
                    label,
                    checksum: Algorithm::CURRENT.digest(&text),
                    up: script(path.clone(), text),
                    down_path: self.down,
                    down_script: OnceLock::new(),
                    outside_transaction: false,
                },
                _ => single_file(version, self.name, label, path.clone(), text),
            });
        }
        let Some(up_path) = self.up else {
            return Err(MigrateError::MissingUp {
                down: self.down.unwrap_or_default(),
            });
        };
        let up_text = read(&up_path);
        let mut up = script(up_path.clone(), up_text);
        up.no_transaction |= self.no_transaction;
        Ok(Migration {
            version,
            label: label(&up_path),
            name: self.name,
            layout: self.layout.unwrap_or(Layout::Pair),
            checksum: Algorithm::CURRENT.digest(&up.sql),
            up,
            down_path: self.down,
            down_script: OnceLock::new(),
            outside_transaction: self.no_transaction,
        })
    }
}

/// A one-file migration: dbmate or goose (with sections), or sqlx simple (up only).
fn single_file(
    version: i64,
    name: String,
    label: String,
    path: PathBuf,
    text: String,
) -> Migration {
    let Some((layout, up, down)) = sections(&text) else {
        return Migration {
            version,
            name,
            layout: Layout::Single,
            label,
            checksum: Algorithm::CURRENT.digest(&text),
            up: script(path, text),
            down_path: None,
            down_script: OnceLock::new(),
            outside_transaction: false,
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
        layout,
        label,
        checksum: Algorithm::CURRENT.digest(&up.0),
        up: section(up),
        down_path: None,
        down_script: down.map(section).map_or_else(OnceLock::new, OnceLock::from),
        outside_transaction: false,
    }
}

/// `path` relative to the set's directory, for messages (`2024-01-15-093000_users/up.sql`).
fn relative(dir: &Path, path: &Path) -> String {
    path.strip_prefix(dir)
        .map_or_else(|_| file_name(path), |p| p.display().to_string())
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

/// A section marker of a one-file migration: dbmate's `-- migrate:up [transaction:false]`, goose's
/// `-- +goose Up`; `(layout, is_up, no_transaction)`.
fn marker(line: &str) -> Option<(Layout, bool, bool)> {
    let t = line.trim();
    if let Some(rest) = t.strip_prefix("-- migrate:up") {
        return Some((Layout::Dbmate, true, rest.contains("transaction:false")));
    }
    if let Some(rest) = t.strip_prefix("-- migrate:down") {
        return Some((Layout::Dbmate, false, rest.contains("transaction:false")));
    }
    let goose = t
        .strip_prefix("--")?
        .trim_start()
        .strip_prefix("+goose")?
        .trim();
    if goose.eq_ignore_ascii_case("up") {
        Some((Layout::Goose, true, false))
    } else if goose.eq_ignore_ascii_case("down") {
        Some((Layout::Goose, false, false))
    } else {
        None
    }
}

/// Whether a goose file says `-- +goose NO TRANSACTION` (for both of its sections).
fn goose_no_transaction(text: &str) -> bool {
    text.lines().any(|l| {
        l.trim()
            .strip_prefix("--")
            .and_then(|r| r.trim_start().strip_prefix("+goose"))
            .is_some_and(|r| r.trim().eq_ignore_ascii_case("no transaction"))
    })
}

/// Splits a dbmate or goose file into its up and down sections, if it has an up marker.
fn sections(text: &str) -> Option<(Layout, Section, Option<Section>)> {
    let mut up: Option<Section> = None;
    let mut down: Option<Section> = None;
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    // (line index, is_up, no_tx)
    let mut markers: Vec<(usize, bool, bool)> = Vec::new();
    let mut layout = None;
    for (i, l) in lines.iter().enumerate() {
        if let Some((found, is_up, no_tx)) = marker(l) {
            layout.get_or_insert(found);
            markers.push((i, is_up, no_tx));
        }
    }
    if !markers.iter().any(|m| m.1) {
        return None;
    }
    let layout = layout?;
    let whole_file_no_tx = layout == Layout::Goose && goose_no_transaction(text);
    for (k, &(idx, is_up, no_tx)) in markers.iter().enumerate() {
        let end = markers.get(k + 1).map_or(lines.len(), |m| m.0);
        let body: String = lines[idx + 1..end].concat();
        let section = (body, idx + 2, no_tx || whole_file_no_tx);
        if is_up {
            up.get_or_insert(section);
        } else {
            down.get_or_insert(section);
        }
    }
    up.map(|u| (layout, u, down))
}

/// The next version and file names for `migrate new NAME` in `dir`, in the layout and numbering
/// of its newest migration.
/// `mongodb`: an empty set on a MongoDB database starts golang-migrate's MongoDB format.
pub(crate) fn next_files(
    set: &MigrationSet,
    name: &str,
    timestamp: bool,
    mongodb: bool,
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
    let layout = last.map_or(
        if mongodb {
            Layout::MongoJson
        } else {
            Layout::Pair
        },
        |m| m.layout,
    );
    // Diesel and Prisma name every new migration after the time, whatever came before.
    let uses_timestamps =
        timestamp || layout.is_directory() || last.is_some_and(|m| m.version >= 10_000_000_000);
    let now = time::OffsetDateTime::now_utc();
    let version = if uses_timestamps {
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
        .map(|m| {
            m.label
                .trim_start_matches('V')
                .bytes()
                .take_while(u8::is_ascii_digit)
                .count()
        })
        .filter(|w| *w > 0)
        .unwrap_or(if layout == Layout::Flyway { 1 } else { 4 });
    let v = format!("{version:0width$}");
    match layout {
        Layout::Dbmate => vec![(
            set.dir.join(format!("{v}_{slug}.sql")),
            "-- migrate:up\n\n\n-- migrate:down\n\n".to_string(),
        )],
        Layout::Goose => vec![(
            set.dir.join(format!("{v}_{slug}.sql")),
            "-- +goose Up\n\n\n-- +goose Down\n\n".to_string(),
        )],
        Layout::Flyway => vec![(
            set.dir.join(format!("V{version}__{slug}.sql")),
            format!("-- {name}\n\n"),
        )],
        Layout::Diesel => {
            // Diesel's own spelling of a timestamp version (2024-01-15-093000), when it is one.
            let dir = if uses_timestamps && version.to_string().len() == 14 {
                let t = version.to_string();
                format!("{}-{}-{}-{}_{slug}", &t[..4], &t[4..6], &t[6..8], &t[8..])
            } else {
                format!("{v}_{slug}")
            };
            let dir = set.dir.join(dir);
            vec![
                (dir.join("up.sql"), format!("-- {name}\n\n")),
                (dir.join("down.sql"), format!("-- undo: {name}\n\n")),
            ]
        }
        Layout::Prisma => vec![(
            set.dir.join(format!("{v}_{slug}")).join("migration.sql"),
            format!("-- {name}\n\n"),
        )],
        // A JSON array of database commands, each sent as one `runCommand`.
        Layout::MongoJson => vec![
            (
                set.dir.join(format!("{v}_{slug}.up.json")),
                "[\n]\n".to_string(),
            ),
            (
                set.dir.join(format!("{v}_{slug}.down.json")),
                "[\n]\n".to_string(),
            ),
        ],
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
            ("R__views.sql", "SELECT 1"),
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

    fn write_tree(files: &[(&str, &str)]) -> tempfile::TempDir {
        let d = tempfile::tempdir().unwrap();
        for (n, t) in files {
            let p = d.path().join(n);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, t).unwrap();
        }
        d
    }

    #[test]
    fn reads_diesel_prisma_flyway_and_goose() {
        let d = write_tree(&[
            ("00000000000000_diesel_initial_setup/up.sql", "SELECT 1;\n"),
            (
                "00000000000000_diesel_initial_setup/down.sql",
                "SELECT 2;\n",
            ),
            (
                "2024-01-15-093000_create_users/up.sql",
                "CREATE TABLE u (id int);\n",
            ),
            ("2024-01-15-093000_create_users/down.sql", "DROP TABLE u;\n"),
            (
                "2024-01-15-093000_create_users/metadata.toml",
                "run_in_transaction = false\n",
            ),
            (
                "20240201000000_init/migration.sql",
                "CREATE TABLE p (id int);\n",
            ),
            ("migration_lock.toml", "provider = \"postgresql\"\n"),
            ("V20240301000000__flyway.sql", "CREATE TABLE f (id int);\n"),
            ("U20240301000000__flyway.sql", "DROP TABLE f;\n"),
            (
                "20240401000000_goose.sql",
                "-- +goose Up\n-- +goose StatementBegin\nCREATE TABLE g (id int);\n-- +goose StatementEnd\n\n-- +goose Down\nDROP TABLE g;\n",
            ),
            ("empty_dir/.keep", ""),
        ]);
        let s = MigrationSet::load("x", d.path()).unwrap();
        let got: Vec<_> = s
            .migrations
            .iter()
            .map(|m| (m.version, m.label(), m.layout, m.up.no_transaction))
            .collect();
        assert_eq!(
            got,
            vec![
                (
                    0,
                    "00000000000000_diesel_initial_setup".into(),
                    Layout::Diesel,
                    false
                ),
                (
                    20_240_115_093_000,
                    "2024-01-15-093000_create_users".into(),
                    Layout::Diesel,
                    true
                ),
                (
                    20_240_201_000_000,
                    "20240201000000_init".into(),
                    Layout::Prisma,
                    false
                ),
                (
                    20_240_301_000_000,
                    "V20240301000000__flyway".into(),
                    Layout::Flyway,
                    false
                ),
                (
                    20_240_401_000_000,
                    "20240401000000_goose".into(),
                    Layout::Goose,
                    false
                ),
            ]
        );
        assert_eq!(s.get(0).unwrap().name, "diesel_initial_setup");
        let down = |v| {
            s.get(v)
                .unwrap()
                .down()
                .unwrap()
                .map(|d| d.sql.trim().to_string())
        };
        assert_eq!(down(20_240_115_093_000).as_deref(), Some("DROP TABLE u;"));
        assert_eq!(down(20_240_201_000_000), None);
        assert_eq!(down(20_240_301_000_000).as_deref(), Some("DROP TABLE f;"));
        assert_eq!(down(20_240_401_000_000).as_deref(), Some("DROP TABLE g;"));
        assert!(!s.get(20_240_401_000_000).unwrap().up.sql.contains("DROP"));
        assert!(s.ignored.is_empty(), "{:?}", s.ignored);
        assert_eq!(s.incidental, vec!["empty_dir", "migration_lock.toml"]);
        // `new` continues in Diesel's own spelling after a Diesel migration.
        let only_diesel = write_tree(&[("2024-01-15-093000_a/up.sql", "")]);
        let set = MigrationSet::load("x", only_diesel.path()).unwrap();
        let files = next_files(&set, "add orders", false, false);
        let created = files[0]
            .0
            .strip_prefix(only_diesel.path())
            .unwrap()
            .display()
            .to_string();
        assert!(
            created.len() == "2024-01-15-093000_add_orders/up.sql".len()
                && created.ends_with("_add_orders/up.sql")
                && created.as_bytes()[4] == b'-',
            "{created}"
        );
    }

    #[test]
    fn a_directory_in_no_known_layout_is_an_error_naming_what_it_found() {
        let d = write_tree(&[
            ("V1.1__init.sql", "SELECT 1"),
            ("deploy/users.sql", "SELECT 1"),
            ("README.md", "x"),
        ]);
        let e = MigrationSet::load("x", d.path()).unwrap_err();
        let text = e.to_string();
        assert!(
            text.contains(
                "V1.1__init.sql: a Flyway migration with a version that is not an integer"
            ),
            "{text}"
        );
        assert!(text.contains("deploy/: sqitch"), "{text}");
        assert!(!text.contains("README"), "{text}");
        // Pointed at the parent of a Prisma set.
        let d = write_tree(&[
            ("schema.prisma", "datasource db {}"),
            ("migrations/20240101000000_init/migration.sql", "SELECT 1"),
        ]);
        let e = MigrationSet::load("x", d.path()).unwrap_err();
        let help = miette::Diagnostic::help(&e).unwrap().to_string();
        assert!(help.contains("migrations: point at it"), "{help}");
        // Only a README: an empty set that says why.
        let d = write_tree(&[("README.md", "x")]);
        let s = MigrationSet::load("x", d.path()).unwrap();
        assert!(s.migrations.is_empty());
        assert!(
            s.why_empty()
                .ends_with("holds no migration files (only README.md)")
        );
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
        let f = next_files(&s, "Add Users!", false, false);
        assert!(f[0].0.ends_with("0008_add_users.up.sql"), "{:?}", f[0].0);
        assert!(f[1].0.ends_with("0008_add_users.down.sql"));
    }
}
