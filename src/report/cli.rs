//! `backendctl report` arguments.

/// Render, compare and merge results files.
#[derive(Debug, Clone, clap::Args)]
pub struct ReportArgs {}
