//! The `database` node: a database that migration sets and services refer to by name.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// A database: `database "main" { url "postgres://…" }`. The URL's scheme picks the engine:
/// `sqlite:`, `postgres:`/`postgresql:` or `mysql:`/`mariadb:`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Database {
    /// Connection URL; usually interpolated from the environment:
    /// `"{{ env.DATABASE_URL | default('sqlite://var/app.db') }}"`. Passwords are always masked.
    pub url: String,
    /// Nodes that must be applied before this one, by address (`project.shop-api`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub after: Vec<String>,
}
