//! `backendctl load` arguments.

/// Run an ad-hoc load test.
#[derive(Debug, Clone, clap::Args)]
pub struct LoadArgs {}
