//! The `migrations` node.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// A set of migration files applied to one database. Several sets can share a database; each
/// keeps its own history rows, and `after` orders them.
///
/// ```kdl
/// migrations "reference-data" {
///     database "main"
///     path "migrations/reference-data"
///     after "migrations.schema"
/// }
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct Migrations {
    /// Name of the `database` node the set applies to.
    pub database: String,
    /// Directory of the files: `NNNN_name.up.sql` + `.down.sql` pairs, or the layouts of sqlx,
    /// golang-migrate, dbmate, goose, Flyway (`V1__name.sql`), Diesel (`<timestamp>_name/up.sql`)
    /// and Prisma (`<timestamp>_name/migration.sql`), recognised from the names.
    pub path: String,
    /// Addresses of nodes that must be applied first (e.g. "migrations.schema").
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub after: Vec<String>,
    /// Apply pending files older than the newest applied version instead of refusing.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub allow_out_of_order: bool,
    /// Do not refuse when an applied migration's file is missing.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub ignore_missing: bool,
}
