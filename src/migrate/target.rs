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
use super::engine::{Access, Engine, Options};
use super::error::MigrateError;
use super::lint::{self, Finding};
use super::source::MigrationSet;
use super::status::{SetStatus, State};
use super::url::DbUrl;
use crate::manifest::model::database::Database;
use crate::manifest::model::migrations::Migrations;

/// Default for `database.lock-timeout` and `migrate --lock-timeout`.
pub const DEFAULT_LOCK_TIMEOUT: Duration = Duration::from_secs(300);

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
}

impl DatabaseTarget {
    /// From the model; `url` is the interpolated value of `Database::url`.
    pub fn from_model(
        name: &str,
        model: &Database,
        url: &str,
    ) -> Result<DatabaseTarget, MigrateError> {
        let duration = |key: &'static str, value: Option<&str>| {
            value
                .map(|t| {
                    humantime::parse_duration(t).map_err(|e| MigrateError::BadDuration {
                        database: name.to_string(),
                        key,
                        value: t.to_string(),
                        reason: e.to_string(),
                    })
                })
                .transpose()
        };
        let lock_timeout = duration("lock-timeout", model.lock_timeout.as_deref())?;
        let connect = duration("connect-timeout", model.connect_timeout.as_deref())?;
        let statement = duration("statement-timeout", model.statement_timeout.as_deref())?;
        let mut deadlines = Deadlines::default();
        if let Some(connect) = connect {
            deadlines.connect = connect;
        }
        if let Some(statement) = statement {
            deadlines = deadlines.with_statement(statement);
        }
        Ok(DatabaseTarget {
            name: name.to_string(),
            url: DbUrl::parse(url)?,
            lock_timeout: lock_timeout.unwrap_or(DEFAULT_LOCK_TIMEOUT),
            deadlines,
            session_sql: model
                .session_sql
                .clone()
                .filter(|sql| !sql.trim().is_empty()),
        })
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
}

impl SetTarget {
    pub fn from_model(name: &str, model: &Migrations, manifest_dir: &Path) -> SetTarget {
        SetTarget {
            name: name.to_string(),
            database: model.database.clone(),
            dir: manifest_dir.join(&model.path),
            after: model.after.clone(),
            allow_out_of_order: model.allow_out_of_order,
            ignore_missing: model.ignore_missing,
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
        let mut s = match (self.pending.len(), self.applied) {
            (0, 0) if let Some(why) = &self.empty => format!("no migrations: {why}"),
            (0, a) => format!("up to date ({a} applied)"),
            (1, _) => format!("1 pending migration: {}", self.pending[0].file),
            (n, _) => format!(
                "{n} pending migrations ({} … {})",
                self.pending[0].file,
                self.pending[n - 1].file
            ),
        };
        if !self.problems.is_empty() {
            s.push_str(&format!("; {} problem(s) block apply", self.problems.len()));
        }
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
            let mut engine = Engine::open(&db.url, Access::Read, opts).await?;
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
                warnings.extend(
                    lint::lint_script(&m.up, db.url.dialect)
                        .iter()
                        .map(Finding::to_string),
                );
            }
            let problem = match e.state {
                State::Missing => !target.ignore_missing,
                State::OutOfOrder => !target.allow_out_of_order,
                s => s.is_problem(),
            };
            if problem {
                let detail = super::status::detail(e, "backendctl migrate").unwrap_or_default();
                problems.push(format!(
                    "{} {} is {}: {}",
                    e.version,
                    e.name,
                    e.state.label(),
                    detail.replace('\n', " ")
                ));
            }
        }
        plans.push(SetPlan {
            address: target.address(),
            database: target.database.clone(),
            applied: status.count(State::Applied)
                + status.count(State::Adopted)
                + status.count(State::Unverified)
                + status.count(State::BelowBaseline),
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
        command_hint: format!(
            "backendctl migrate -D <{}> --dir {} --migrations {}",
            db.name,
            set.dir.display(),
            set.name
        ),
        ..Options::default()
    };
    let mut engine = Engine::open(&db.url, Access::Write, opts).await?;
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

/// Applies a `database` node: connects (creating an embedded SQLite file) to prove it answers.
pub async fn apply_database_node(db: &DatabaseTarget) -> Result<(), MigrateError> {
    let engine = Engine::open(
        &db.url,
        Access::Read,
        Options {
            deadlines: db.deadlines,
            session_sql: db.session_sql.clone(),
            quiet: true,
            ..Options::default()
        },
    )
    .await?;
    engine.close().await
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
