//! `backendctl mock` arguments.

/// Serve a manifest's mock routes.
#[derive(Debug, Clone, clap::Args)]
pub struct MockArgs {}
