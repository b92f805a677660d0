//! `backendctl migrate` arguments.

/// Run migrations without a manifest.
#[derive(Debug, Clone, clap::Args)]
pub struct MigrateArgs {}
