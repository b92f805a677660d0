//! What every subcommand gets besides its own arguments: validated global flags and settings.

use crate::manifest::LoadOptions;
use crate::settings::Settings;
use std::path::PathBuf;

/// The validated global options.
#[derive(Debug, Clone)]
pub struct Globals {
    /// The effective settings.
    pub settings: Settings,
    /// The manifest path (`-f`, default `backend.kdl`).
    pub manifest: PathBuf,
    /// `--set POINTER=VALUE` overrides.
    pub set: Vec<String>,
    /// `-v` count.
    pub verbose: u8,
}

impl Globals {
    /// How to load the manifest with the process environment.
    #[must_use]
    pub fn load_options(&self) -> LoadOptions {
        LoadOptions::from_process(self.set.clone())
    }
}
