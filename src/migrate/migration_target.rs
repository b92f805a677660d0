//! The one place that decides which engine a database is: [`MigrationTarget`] is built from the
//! URL once (a `mongodb://` URL is MongoDB, anything else one of the SQL engines), from a
//! manifest's `database` node or from `migrate -D`, and everything after asks it, never the URL.
//!
//! The node kinds (`node.rs`), the ad-hoc flags (`cli.rs`), the manifest's sets
//! (`manifest_sets.rs`) and the `migrate` commands (`command.rs`) hold a `MigrationTarget`; the
//! engine-specific work sits behind its two variants: the SQL engine (`target.rs`, `engine/`)
//! and the MongoDB runner (`mongo/`).

use std::path::Path;

use super::error::MigrateError;
use super::limits::{Limits, Overrides};
use super::mongo::{MongoTarget, MongoUrl};
use super::target::{self, DatabaseTarget, SetPlan, SetTarget};
use super::url::{DbUrl, anchor_sqlite_url};
use crate::manifest::model::database::Database;
use crate::manifest::rules::{self, DatabaseEngine};

/// A database to migrate, on the engine its URL names.
#[derive(Debug, Clone)]
pub(crate) enum MigrationTarget {
    /// PostgreSQL, MySQL/MariaDB or SQLite.
    Sql(DatabaseTarget),
    /// A `mongodb://` database.
    MongoDb(MongoTarget),
}

impl MigrationTarget {
    /// The target of a manifest's `database` node `name`; `url` is its interpolated URL, a
    /// relative SQLite path anchored at `manifest_dir`.
    pub(crate) fn of_node(
        name: &str,
        model: &Database,
        manifest_dir: &Path,
    ) -> Result<MigrationTarget, MigrateError> {
        let raw = model.url.expose();
        if MongoUrl::is_mongodb(raw) {
            let url = MongoUrl::parse(raw)?;
            // `validate` reports it when the URL is written out; a templated one is known here.
            if let Some(sql) = model.session_sql.clone().filter(|s| !s.trim().is_empty())
                && rules::session_sql_for(DatabaseEngine::MongoDb).is_err()
            {
                return Err(MigrateError::SessionSqlOnMongoDb {
                    url: url.masked(),
                    sql,
                });
            }
            return Ok(MigrationTarget::MongoDb(MongoTarget {
                name: name.to_string(),
                url,
                limits: Limits::of_model(name, model)?,
            }));
        }
        DatabaseTarget::from_model(name, model, &anchor_sqlite_url(raw, manifest_dir))
            .map(MigrationTarget::Sql)
    }

    /// The target of `migrate -D URL`, ad hoc (the node name is `default`). A SQL URL that
    /// cannot be used is `None` when `needs_database` is false (`new`, `lint`).
    ///
    /// # Errors
    /// A URL that names no usable database; `--session-sql` on MongoDB.
    pub(crate) fn of_flag(
        name: &str,
        raw: &str,
        overrides: &Overrides,
        needs_database: bool,
    ) -> Result<Option<MigrationTarget>, MigrateError> {
        let limits = Limits::default().overridden(overrides);
        if MongoUrl::is_mongodb(raw) {
            let target = MigrationTarget::MongoDb(MongoTarget {
                name: name.to_string(),
                url: MongoUrl::parse(raw)?,
                limits,
            });
            return target.overridden(overrides).map(Some);
        }
        match DbUrl::parse(raw) {
            Ok(url) => Ok(Some(MigrationTarget::Sql(DatabaseTarget {
                name: name.to_string(),
                url,
                lock_timeout: limits.lock_timeout,
                deadlines: limits.deadlines,
                session_sql: overrides.session_sql(),
                create: false,
                in_manifest: false,
            }))),
            Err(_) if !needs_database => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// This target with `migrate`'s flags applied over the node's own values.
    ///
    /// # Errors
    /// `--session-sql` on MongoDB, which has no SQL session.
    pub(crate) fn overridden(self, overrides: &Overrides) -> Result<MigrationTarget, MigrateError> {
        Ok(match self {
            MigrationTarget::Sql(mut db) => {
                let limits = Limits {
                    lock_timeout: db.lock_timeout,
                    deadlines: db.deadlines,
                }
                .overridden(overrides);
                db.lock_timeout = limits.lock_timeout;
                db.deadlines = limits.deadlines;
                if overrides.session_sql.is_some() {
                    db.session_sql = overrides.session_sql();
                }
                MigrationTarget::Sql(db)
            }
            MigrationTarget::MongoDb(mut mongo) => {
                if let Some(sql) = overrides.session_sql()
                    && rules::session_sql_for(DatabaseEngine::MongoDb).is_err()
                {
                    return Err(MigrateError::SessionSqlOnMongoDb {
                        url: mongo.url.masked(),
                        sql,
                    });
                }
                mongo.limits = mongo.limits.overridden(overrides);
                MigrationTarget::MongoDb(mongo)
            }
        })
    }

    /// Whether the database is MongoDB.
    pub(crate) fn is_mongodb(&self) -> bool {
        matches!(self, MigrationTarget::MongoDb(_))
    }

    /// Plans one `migrations` node on this database (read-only).
    ///
    /// # Errors
    /// The set's files or the database cannot be read.
    pub(crate) async fn plan_set(&self, set: &SetTarget) -> Result<SetPlan, MigrateError> {
        match self {
            MigrationTarget::Sql(db) => {
                let plans = target::plan_database(db, std::slice::from_ref(set)).await?;
                plans.into_iter().next().ok_or(MigrateError::NoDatabase)
            }
            MigrationTarget::MongoDb(mongo) => {
                let loaded = super::source::MigrationSet::load(&set.name, &set.dir)?;
                super::mongo::plan_set(mongo, &loaded, set.address(), &set.follow_up).await
            }
        }
    }

    /// Applies one `migrations` node under this database's lock; returns how many ran.
    ///
    /// # Errors
    /// A migration fails, or the set needs attention first.
    pub(crate) async fn apply_set(
        &self,
        set: &SetTarget,
        quiet: bool,
    ) -> Result<usize, MigrateError> {
        match self {
            MigrationTarget::Sql(db) => target::apply_set(db, set, quiet).await,
            MigrationTarget::MongoDb(mongo) => super::mongo::apply_set(mongo, set, quiet).await,
        }
    }
}
