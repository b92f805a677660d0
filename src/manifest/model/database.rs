//! The `database` node.

use crate::secret::SecretUrl;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// A SQLite URL with no path (`sqlite:`, `sqlite:/`, `sqlite://`) is refused: it is what an
/// unquoted `url sqlite://var/app.db` becomes, since `//` starts a comment in KDL, and it would
/// otherwise migrate a throwaway in-memory database (issue 12).
pub const DATABASE_URL_PATTERN: &str = "^(?!sqlite:/{0,2}$)";

/// A database that migrations and services use.
///
/// ```kdl
/// database "main" {
///     url "{{ env.DATABASE_URL | default('sqlite://var/shop.db') }}"
///     lock-timeout "5m"
///     connect-timeout "10s"
///     statement-timeout "30m"
///     session-sql "SET search_path TO app"
///     create #true
/// }
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct Database {
    /// Connection URL: `postgres://…`, `mysql://…` / `mariadb://…`, `sqlite:PATH` (the
    /// embedded default), or `mongodb://HOST/DB` (migrations in golang-migrate's MongoDB format). A secret position (`x-secret`): its password, and a query value from
    /// the environment, are masked in every output.
    #[schemars(regex(pattern = DATABASE_URL_PATTERN))]
    pub url: SecretUrl,
    /// How long a migration run waits for another run's lock before failing (a duration such as
    /// "30s" or "5m"). Default "5m".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(regex(pattern = super::duration::DURATION_PATTERN))]
    pub lock_timeout: Option<String>,
    /// How long connecting may take (TCP connect, TLS and login) before the run fails naming the
    /// server; also how long a server that stops answering mid-run is given before a fresh
    /// connection checks on it (a duration such as "5s"). Default "10s".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(regex(pattern = super::duration::DURATION_PATTERN))]
    pub connect_timeout: Option<String>,
    /// Longest time one statement may run: the server cancels it (PostgreSQL `statement_timeout`,
    /// MariaDB `max_statement_time`; on MongoDB each command's `maxTimeMS`, where the command
    /// takes one) and the client stops waiting shortly after. Default: no
    /// limit, so a long index build is never killed by a default; a lost server or session is
    /// caught by the connect timeout's liveness check instead, but a connection that freezes
    /// while the server keeps its session (a middlebox that stops forwarding) ends only at this
    /// limit. "0s" also means no limit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(regex(pattern = super::duration::DURATION_PATTERN))]
    pub statement_timeout: Option<String>,
    /// SQL run on every connection backendctl opens to this database, before anything else
    /// (Flyway's `initSql`): session settings a migration set was written for, such as
    /// `SET FOREIGN_KEY_CHECKS=0` (MySQL) or `SET search_path TO app` (PostgreSQL, which also
    /// puts the history table in that schema). Several statements may be separated by `;`.
    /// Shown in `plan`. Not for MongoDB, which has no SQL session (`validate` refuses it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session_sql: Option<String>,

    /// Create the database when the server does not have it (PostgreSQL, MySQL/MariaDB): `plan`
    /// shows `+ create database NAME`, and `apply` (or `backendctl migrate up`) creates it
    /// through the server's maintenance database (PostgreSQL's `postgres`) before migrating. The
    /// URL's user needs the right to create databases. Without it, a missing database is an error
    /// (`migrate::database-missing`) that says how to create it. SQLite files are always created.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub create: bool,
    /// Nodes that must be applied before this one, by address (`project.shop-api`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub after: Vec<String>,
}
