//! The typed targets of every migration command, `database` and `migrations` nodes with their
//! values resolved, and what plans and applies them.
//!
//! The manifest engine (plan/apply) calls these at its Step boundary (see `step.rs`):
//! - [`plan_database`] reads state without taking the lock or creating anything, and returns
//!   for each set what `apply` would do (pending migrations, drift and other problems, lint
//!   warnings on the pending files) plus a fingerprint of the state it read;
//! - [`apply_set`] runs one `migrations` node under the database's lock (the engine calls it in
//!   dependency order; [`order_sets`] gives that order for a database's sets on its own);
//! - [`plan_database_node`] / [`apply_database_node`] handle the `database` node itself (an
//!   embedded SQLite file is created on apply).
//!
//! `backendctl migrate` builds the same [`DatabaseTarget`] / [`SetTarget`] values, from its flags
//! (`cli.rs`) or from the manifest (`manifest_sets.rs`), and runs the same engine.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Serialize;
use sha2::{Digest, Sha256};

use super::deadlines::Deadlines;
use super::dialect::Dialect;
use super::driver::create_database;
use super::engine::{Access, Engine, Options};
use super::error::MigrateError;
use super::follow_up;
use super::lint;
use super::source::MigrationSet;
use super::status::{SetStatus, State};
use super::url::DbUrl;
use crate::manifest::model::database::Database;
use crate::manifest::model::migrations::Migrations;

pub use super::limits::DEFAULT_LOCK_TIMEOUT;

/// A `database` node with its URL already interpolated.
#[derive(Debug, Clone)]
pub struct DatabaseTarget {
    /// Node name (`database "main"` → `main`).
    pub name: String,
    pub(crate) url: DbUrl,
    pub lock_timeout: Duration,
    /// Connect and statement limits.
    pub deadlines: Deadlines,
    /// SQL run on every connection (`session-sql`).
    pub session_sql: Option<String>,
    /// Create the server database when it does not exist (`create #true`).
    pub create: bool,
    /// Whether the target is a manifest's `database` node (for the advice in errors).
    pub in_manifest: bool,
}

impl DatabaseTarget {
    /// From the model; `url` is the interpolated value of `Database::url`.
    pub fn from_model(
        name: &str,
        model: &Database,
        url: &str,
    ) -> Result<DatabaseTarget, MigrateError> {
        let limits = super::limits::Limits::of_model(name, model)?;
        Ok(DatabaseTarget {
            name: name.to_string(),
            url: DbUrl::parse(url)?,
            lock_timeout: limits.lock_timeout,
            deadlines: limits.deadlines,
            session_sql: model
                .session_sql
                .clone()
                .filter(|sql| !sql.trim().is_empty()),
            create: model.create,
            in_manifest: true,
        })
    }

    /// Opens the engine on this database. A missing server database is created first when the
    /// node says `create #true` and the command writes (not a dry run); otherwise its error says
    /// how to create it here.
    pub(crate) async fn open(&self, access: Access, opts: Options) -> Result<Engine, MigrateError> {
        let create = self.create && access == Access::Write && !opts.dry_run;
        self.open_creating(access, opts, create)
            .await
            .map(|(engine, _)| engine)
    }

    /// Opens the engine, creating a missing server database first when `create`; says whether
    /// it created one.
    async fn open_creating(
        &self,
        access: Access,
        opts: Options,
        create: bool,
    ) -> Result<(Engine, bool), MigrateError> {
        match Engine::open(&self.url, access, opts.clone()).await {
            Err(MigrateError::DatabaseMissing { .. }) if create => {
                create_database(&self.url, self.deadlines).await?;
                let engine = Engine::open(&self.url, access, opts).await;
                engine.map(|engine| (engine, true))
            }
            Err(e) => Err(self.explain(e)),
            Ok(engine) => Ok((engine, false)),
        }
    }

    /// `e` with a missing database's advice fitted to this target: the manifest's `create #true`
    /// option, or only the command that creates it.
    fn explain(&self, e: MigrateError) -> MigrateError {
        let MigrateError::DatabaseMissing {
            url,
            engine,
            name,
            create_command,
            how,
        } = e
        else {
            return e;
        };
        let how = match (self.in_manifest, self.create) {
            (false, _) => how,
            (true, false) => format!(
                "add `create #true` to `database \"{}\"` in the manifest and `backendctl apply` creates it; or create it yourself: `{create_command}`",
                self.name
            ),
            (true, true) => format!(
                "`database \"{}\"` says `create #true`: `backendctl apply` creates it (a dry run or a read-only command does not); or create it yourself: `{create_command}`",
                self.name
            ),
        };
        MigrateError::DatabaseMissing {
            url,
            engine,
            name,
            create_command,
            how,
        }
    }
}

/// A `migrations` node with its path resolved against the manifest's directory.
#[derive(Debug, Clone)]
pub struct SetTarget {
    /// Node name (`migrations "core"` → `core`); also the set's name in the history table.
    pub name: String,
    /// Name of its database node.
    pub database: String,
    pub dir: PathBuf,
    /// Addresses from `after`.
    pub after: Vec<String>,
    pub allow_out_of_order: bool,
    pub ignore_missing: bool,
    /// How to spell a `backendctl migrate` command on this set where the user is
    /// (`backendctl migrate --migrations core`): every command suggested in a message starts
    /// with it (see `follow_up.rs`).
    pub follow_up: String,
}

impl SetTarget {
    /// The set of a manifest's `migrations` node; `manifest` is the manifest's path as the user
    /// gave it (`backend.kdl`, or `-f`'s), for the commands suggested in messages.
    pub fn from_model(
        name: &str,
        model: &Migrations,
        manifest: &Path,
        manifest_dir: &Path,
    ) -> SetTarget {
        SetTarget {
            name: name.to_string(),
            database: model.database.clone(),
            dir: manifest_dir.join(&model.path),
            after: model.after.clone(),
            allow_out_of_order: model.allow_out_of_order,
            ignore_missing: model.ignore_missing,
            follow_up: follow_up::manifest(manifest, crate::DEFAULT_MANIFEST, name),
        }
    }

    /// `migrations.NAME`.
    pub fn address(&self) -> String {
        format!("migrations.{}", self.name)
    }
}

/// One migration in a plan.
#[derive(Debug, Clone, Serialize)]
pub struct PlannedMigration {
    pub version: i64,
    pub name: String,
    pub file: String,
    /// Runs statement by statement (MySQL/MariaDB, or `-- backendctl:no-transaction`).
    pub stepwise: bool,
}

/// What `apply` would do for one `migrations` node.
#[derive(Debug, Clone, Serialize)]
pub struct SetPlan {
    pub address: String,
    pub database: String,
    /// Migrations the database has applied (or that count as applied), drifted ones included.
    pub applied: usize,
    pub pending: Vec<PlannedMigration>,
    /// Problems that make `apply` refuse (drift, failed, missing, out-of-order).
    pub problems: Vec<String>,
    /// Lint findings on the pending files.
    pub warnings: Vec<String>,
    /// Hash of the history rows and file checksums this plan was computed from.
    pub fingerprint: String,
    /// Why a set with no migrations has nothing to do ("migrations/ holds no migration files").
    #[serde(skip_serializing_if = "Option::is_none")]
    pub empty: Option<String>,
}

/// What `apply` would do for a set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum SetAction {
    /// Pending migrations will run.
    Run,
    /// Nothing to do.
    UpToDate,
    /// `apply` will refuse until a person acts.
    Blocked,
}

impl SetPlan {
    pub fn action(&self) -> SetAction {
        if !self.problems.is_empty() {
            SetAction::Blocked
        } else if self.pending.is_empty() {
            SetAction::UpToDate
        } else {
            SetAction::Run
        }
    }

    /// One-line summary for the plan.
    pub fn summary(&self) -> String {
        let pending = match self.pending.len() {
            0 => None,
            1 => Some(format!("1 pending migration: {}", self.pending[0].file)),
            n => Some(format!(
                "{n} pending migrations ({} … {})",
                self.pending[0].file,
                self.pending[n - 1].file
            )),
        };
        let mut s = match (pending, self.problems.len()) {
            (None, 0)
                if self.applied == 0
                    && let Some(why) = &self.empty =>
            {
                format!("no migrations: {why}")
            }
            (None, 0) => format!("up to date ({} applied)", self.applied),
            (Some(pending), 0) => pending,
            // Regression (issue 12): a blocked set read "up to date (1 applied); 1 problem(s)
            // block apply" with 2 applied, one of them drifted.
            (pending, n) => format!(
                "blocked by {n} problem{} ({} applied{})",
                if n == 1 { "" } else { "s" },
                self.applied,
                pending.map_or_else(String::new, |p| format!(", {p}"))
            ),
        };
        if !self.warnings.is_empty() {
            s.push_str(&format!("; {} lint warning(s)", self.warnings.len()));
        }
        s
    }
}

/// Plans every set of one database (read-only: no lock, nothing created).
pub async fn plan_database(
    db: &DatabaseTarget,
    sets: &[SetTarget],
) -> Result<Vec<SetPlan>, MigrateError> {
    let loaded: Vec<MigrationSet> = sets
        .iter()
        .map(|s| MigrationSet::load(&s.name, &s.dir))
        .collect::<Result<_, _>>()?;
    let opts = Options {
        lock_timeout: db.lock_timeout,
        deadlines: db.deadlines,
        session_sql: db.session_sql.clone(),
        quiet: true,
        ..Options::default()
    };
    let (rows, mut elsewhere) =
        if db.url.dialect == Dialect::Sqlite && db.url.sqlite_path().is_some_and(|p| !p.exists()) {
            (Vec::new(), Vec::new()) // do not create the file while planning
        } else {
            match db.open(Access::Read, opts).await {
                Ok(mut engine) => {
                    let read = async {
                        let rows = engine.history().await?;
                        let mut elsewhere = Vec::new();
                        for set in &loaded {
                            let lines = engine
                                .applied_by_other_tools(std::slice::from_ref(set), &rows)
                                .await?;
                            elsewhere.push(lines);
                        }
                        Ok::<_, MigrateError>((rows, elsewhere))
                    }
                    .await;
                    engine.close().await?;
                    read?
                }
                // `create #true`: apply creates it, empty (the `database` step plans that).
                Err(MigrateError::DatabaseMissing { .. }) if db.create => (Vec::new(), Vec::new()),
                Err(e) => return Err(e),
            }
        };
    let mut plans = Vec::new();
    for (i, (target, set)) in sets.iter().zip(&loaded).enumerate() {
        let status = SetStatus::compute(set, &rows);
        let mut pending = Vec::new();
        let mut problems: Vec<String> = elsewhere
            .get_mut(i)
            .map(std::mem::take)
            .unwrap_or_default()
            .into_iter()
            .map(|line| line.trim_start_matches("- ").to_string())
            .collect();
        let mut warnings = Vec::new();
        for e in &status.entries {
            let runnable = e.state == State::Pending
                || (e.state == State::OutOfOrder && target.allow_out_of_order);
            if runnable {
                let m = e.migration.expect("pending entries have files");
                pending.push(PlannedMigration {
                    version: m.version,
                    name: m.name.clone(),
                    file: m.label(),
                    stepwise: !db.url.dialect.transactional_ddl() || m.up.no_transaction,
                });
                for finding in lint::lint_script(&m.up, db.url.dialect) {
                    // At the statement's line (`plan|apply --format github`).
                    crate::annotation::record(finding.annotation());
                    warnings.push(finding.to_string());
                }
            }
            if e.state
                .blocks_up(target.allow_out_of_order, target.ignore_missing)
            {
                let detail =
                    super::status::detail(e, &target.follow_up, status.unit).unwrap_or_default();
                let detail: Vec<&str> = detail
                    .lines()
                    .map(|line| line.trim_start_matches("↳ "))
                    .collect();
                problems.push(format!(
                    "{} {} is {}: {}",
                    e.version,
                    e.name,
                    e.state.label(),
                    detail.join(" ")
                ));
            }
        }
        plans.push(SetPlan {
            address: target.address(),
            database: target.database.clone(),
            applied: status.applied(),
            pending,
            problems,
            warnings,
            fingerprint: fingerprint(set, &rows),
            empty: set.migrations.is_empty().then(|| set.why_empty()),
        });
    }
    Ok(plans)
}

/// Applies one `migrations` node: takes the database's lock, re-reads history, checks, runs.
/// Returns how many migrations ran.
pub async fn apply_set(
    db: &DatabaseTarget,
    set: &SetTarget,
    quiet: bool,
) -> Result<usize, MigrateError> {
    let loaded = MigrationSet::load(&set.name, &set.dir)?;
    let opts = Options {
        lock_timeout: db.lock_timeout,
        deadlines: db.deadlines,
        session_sql: db.session_sql.clone(),
        allow_out_of_order: set.allow_out_of_order,
        ignore_missing: set.ignore_missing,
        quiet,
        command_hint: set.follow_up.clone(),
        ..Options::default()
    };
    let mut engine = db.open(Access::Write, opts).await?;
    let result = engine.up(std::slice::from_ref(&loaded), None).await;
    let closed = engine.close().await;
    let n = result?;
    closed?;
    Ok(n)
}

/// The sets of one database in dependency order (`after` edges between `migrations.*` nodes;
/// ties by name). A cycle is an error naming its members.
pub fn order_sets(sets: &[SetTarget]) -> Result<Vec<SetTarget>, MigrateError> {
    let by_addr: BTreeMap<String, &SetTarget> = sets.iter().map(|s| (s.address(), s)).collect();
    let mut done: BTreeSet<String> = BTreeSet::new();
    let mut out = Vec::new();
    while out.len() < sets.len() {
        let ready: Vec<&SetTarget> = by_addr
            .values()
            .filter(|s| !done.contains(&s.address()))
            .filter(|s| {
                s.after
                    .iter()
                    .all(|a| !by_addr.contains_key(a) || done.contains(a))
            })
            .copied()
            .collect();
        if ready.is_empty() {
            let stuck: Vec<String> = by_addr
                .keys()
                .filter(|a| !done.contains(*a))
                .cloned()
                .collect();
            return Err(MigrateError::SetCycle { members: stuck });
        }
        for s in ready {
            done.insert(s.address());
            out.push(s.clone());
        }
    }
    Ok(out)
}

/// What the `database` node's step does.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DatabasePlan {
    pub address: String,
    pub engine: String,
    /// The URL with its password masked.
    pub url: String,
    /// An embedded SQLite file that `apply` creates.
    pub create: Option<String>,
    /// SQL run on every connection.
    pub session_sql: Option<String>,
}

/// Plans a `database` node: nothing to do, or create the SQLite file.
pub fn plan_database_node(db: &DatabaseTarget) -> DatabasePlan {
    let create = match db.url.dialect {
        Dialect::Sqlite => db
            .url
            .sqlite_path()
            .filter(|p| !p.exists())
            .map(|p| p.display().to_string()),
        _ => None,
    };
    DatabasePlan {
        address: format!("database.{}", db.name),
        engine: db.url.dialect.to_string(),
        url: db.url.masked(),
        create,
        session_sql: db.session_sql.clone(),
    }
}

/// Applies a `database` node: connects to prove it answers, creating an embedded SQLite file,
/// or with `create #true` a missing server database. Says whether it created one.
pub async fn apply_database_node(db: &DatabaseTarget) -> Result<bool, MigrateError> {
    let opts = Options {
        deadlines: db.deadlines,
        session_sql: db.session_sql.clone(),
        quiet: true,
        ..Options::default()
    };
    let (engine, created) = db.open_creating(Access::Read, opts, db.create).await?;
    engine.close().await?;
    Ok(created)
}

/// Whether the server database of `db` exists (always true for SQLite, whose file the `database`
/// step creates): `plan` asks when the node says `create #true`.
pub async fn server_database_exists(db: &DatabaseTarget) -> Result<bool, MigrateError> {
    if db.url.dialect == Dialect::Sqlite {
        return Ok(true);
    }
    let opts = Options {
        deadlines: db.deadlines,
        session_sql: db.session_sql.clone(),
        quiet: true,
        ..Options::default()
    };
    match Engine::open(&db.url, Access::Read, opts).await {
        Ok(engine) => engine.close().await.map(|()| true),
        Err(MigrateError::DatabaseMissing { .. }) => Ok(false),
        Err(e) => Err(db.explain(e)),
    }
}

/// Hash of what a plan depends on: the set's history rows and its files' checksums.
fn fingerprint(set: &MigrationSet, rows: &[super::history::HistoryRow]) -> String {
    let mut h = Sha256::new();
    for r in rows.iter().filter(|r| r.set == set.name) {
        h.update(
            format!(
                "r{}:{}:{}:{}\n",
                r.version,
                r.state.as_str(),
                r.checksum,
                r.statements_done
            )
            .as_bytes(),
        );
    }
    for m in &set.migrations {
        h.update(format!("f{}:{}\n", m.version, m.checksum).as_bytes());
    }
    hex::encode(&h.finalize()[..16])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target(name: &str, after: &[&str]) -> SetTarget {
        SetTarget {
            name: name.to_string(),
            database: "main".to_string(),
            dir: PathBuf::from(name),
            after: after.iter().map(|s| (*s).to_string()).collect(),
            allow_out_of_order: false,
            ignore_missing: false,
            follow_up: String::new(),
        }
    }

    #[test]
    fn sets_run_in_dependency_order() {
        let sets = [
            target("reference-data", &["migrations.schema"]),
            target("schema", &[]),
            target("audit", &["migrations.reference-data", "project.x"]),
        ];
        let order: Vec<String> = order_sets(&sets)
            .unwrap()
            .into_iter()
            .map(|s| s.name)
            .collect();
        assert_eq!(order, vec!["schema", "reference-data", "audit"]);
    }

    #[test]
    fn cycles_are_named() {
        let sets = [
            target("a", &["migrations.b"]),
            target("b", &["migrations.a"]),
            target("c", &[]),
        ];
        let e = order_sets(&sets).unwrap_err().to_string();
        assert!(
            e.contains("migrations.a, migrations.b") && !e.contains("migrations.c"),
            "{e}"
        );
    }
}
