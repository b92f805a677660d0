//! `backendctl validate [FILE] [--json]`.

use crate::error::Error;
use crate::globals::Globals;
use crate::manifest::{self, LoadError};
use crate::{exit_code, output};
use std::path::PathBuf;

/// Checks a manifest and prints every problem (exit 3) or a one-line confirmation.
///
/// # Errors
/// [`Error`] for I/O failures; problems are printed, not returned, in JSON mode.
pub fn validate(path: Option<PathBuf>, json: bool, globals: &Globals) -> Result<u8, Error> {
    let path = path.unwrap_or_else(|| globals.manifest.clone());
    match manifest::load(&path, &globals.load_options()) {
        Ok(loaded) => {
            let nodes = loaded.graph.nodes().count();
            if json {
                output::print_json(&serde_json::json!({
                    "valid": true,
                    "file": loaded.source.display_path,
                    "nodes": nodes,
                    "problems": [],
                }))?;
            } else {
                output::println(&format!(
                    "{} is valid: {nodes} node{}.",
                    loaded.source.display_path,
                    if nodes == 1 { "" } else { "s" }
                ))?;
            }
            Ok(exit_code::OK)
        }
        Err(LoadError::Invalid(invalid)) if json => {
            output::print_json(&serde_json::json!({
                "valid": false,
                "file": invalid.path,
                "problems": invalid.records(),
                "more-problems": invalid.more,
            }))?;
            Ok(exit_code::INVALID_MANIFEST)
        }
        Err(error) => Err(error.into()),
    }
}
