//! The `migrations` node: one set of SQL migrations applied to one database.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// A migration set: `migrations "schema" { database "main"; path "migrations/schema" }`.
/// Several sets may share a database; each keeps its own history.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct MigrationSet {
    /// The database this set migrates, by name (`database "main"`).
    pub database: String,
    /// Directory holding the migration files, relative to the manifest.
    pub path: String,
    /// Nodes that must be applied before this one, by address (`migrations.schema`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub after: Vec<String>,
}
