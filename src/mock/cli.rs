//! `backendctl mock [FILE]`: serve a manifest's mocks in the foreground until Ctrl-C.

use std::path::PathBuf;

/// Serve a manifest's mock routes until Ctrl-C.
#[derive(Debug, Clone, clap::Args)]
#[command(after_help = "Examples:
  backendctl mock                      # every mock of ./backend.kdl
  backendctl mock api.kdl --only api --listen 127.0.0.1:0")]
pub struct MockArgs {
    /// The manifest [default: -f, or backend.kdl].
    pub(crate) file: Option<PathBuf>,
    /// Serve only this mock.
    #[arg(long, value_name = "NAME")]
    pub(crate) only: Option<String>,
    /// Listen here instead of the manifest's `listen` (with one mock); port 0 picks a free port.
    #[arg(long, value_name = "IP:PORT")]
    pub(crate) listen: Option<String>,
}
