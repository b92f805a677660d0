//! MongoDB migration sets: golang-migrate's `NNN_name.up.json` / `.down.json` files (a JSON array
//! of database commands in Extended JSON, each sent as one `runCommand`), history in a
//! collection, a lock document.
//!
//! Reuses the SQL engine's reading of a set (`source.rs`, layout `MongoJson`), its checksums
//! (same normalisation) and its status (`status.rs`, from history rows); the running itself is
//! here, since a migration is a list of commands rather than SQL text:
//! - `driver`: the client, the server's description, lock, history documents;
//! - `commands`: a file's commands;
//! - `lint`: dangerous commands;
//! - `engine`: up / down / redo / status / repair / baseline / resolve on one set.
//!
//! A `database` node or `-D` URL starting `mongodb://` comes here before any SQL type is built.

mod commands;
mod driver;
mod engine;
mod lint;

use std::time::Duration;

pub(crate) use engine::{apply_set, plan_set, run_command};
pub(crate) use lint::lint_migration;

use super::error::MigrateError;
use super::limits::Limits;
use super::url::mask;

/// A `mongodb://` URL and the database it names.
#[derive(Debug, Clone)]
pub(crate) struct MongoUrl {
    /// As given (may hold a password: print [`MongoUrl::masked`]).
    pub(crate) raw: String,
    /// The database: the URL's path.
    pub(crate) database: String,
}

impl MongoUrl {
    /// Whether `raw` is a MongoDB URL.
    pub(crate) fn is_mongodb(raw: &str) -> bool {
        let lower = raw.trim().to_ascii_lowercase();
        lower.starts_with("mongodb://") || lower.starts_with("mongodb+srv://")
    }

    pub(crate) fn parse(raw: &str) -> Result<MongoUrl, MigrateError> {
        let raw = raw.trim();
        if raw.to_ascii_lowercase().starts_with("mongodb+srv://") {
            return Err(MigrateError::Database {
                url: mask(raw),
                message: "mongodb+srv:// (DNS seed lists) is not supported; list the hosts: mongodb://host1,host2/db".into(),
            });
        }
        let rest = &raw["mongodb://".len()..];
        let database = rest
            .split_once('/')
            .map(|(_, path)| path.split('?').next().unwrap_or(""))
            .unwrap_or("")
            .to_string();
        if database.is_empty() {
            return Err(MigrateError::Database {
                url: mask(raw),
                message: "the URL names no database; add it as the path: mongodb://host:27017/app"
                    .into(),
            });
        }
        Ok(MongoUrl {
            raw: raw.to_string(),
            database,
        })
    }

    pub(crate) fn masked(&self) -> String {
        mask(&self.raw)
    }
}

/// A `database` node (or `-D`) whose URL is `mongodb://…` (built by `MigrationTarget`).
#[derive(Debug, Clone)]
pub(crate) struct MongoTarget {
    pub(crate) name: String,
    pub(crate) url: MongoUrl,
    /// The lock, connect and command limits.
    pub(crate) limits: Limits,
}

impl MongoTarget {
    pub(crate) fn lock_timeout(&self) -> Duration {
        self.limits.lock_timeout
    }

    pub(crate) fn connect_timeout(&self) -> Duration {
        self.limits.deadlines.connect
    }
}

/// What the `database` node's plan says about a MongoDB server.
pub(crate) async fn describe(target: &MongoTarget) -> Result<String, MigrateError> {
    let client = driver::Mongo::connect(&target.url, target.connect_timeout()).await?;
    let info = client.server_info().await;
    client.close().await?;
    let info = info?;
    Ok(format!(
        "MongoDB {} at {} ({})",
        info.version,
        target.url.masked(),
        if info.transactions {
            "transactions supported"
        } else {
            "no transactions: a standalone server; migrations run command by command"
        }
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_database_from_the_path() {
        let u = MongoUrl::parse("mongodb://u:pw@h:27017/app?replicaSet=rs0").unwrap();
        assert_eq!(u.database, "app");
        assert_eq!(u.masked(), "mongodb://u:****@h:27017/app?replicaSet=rs0");
        assert!(MongoUrl::parse("mongodb://h:27017").is_err());
        assert!(MongoUrl::parse("mongodb+srv://h/app").is_err());
        assert!(MongoUrl::is_mongodb("MongoDB://h/x"));
    }
}
