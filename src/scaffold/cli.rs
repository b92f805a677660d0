//! `backendctl scaffold` arguments.

/// Scaffold a project without a manifest.
#[derive(Debug, Clone, clap::Args)]
pub struct ScaffoldArgs {}
