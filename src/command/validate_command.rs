//! `backendctl validate [FILE] [--json]`.
//!
//! Validate checks structure without needing secrets: a variable that is not set (and has no
//! `default(…)`) is a note naming it, not a problem; `plan` and `apply` need it.

use crate::error::Error;
use crate::globals::Globals;
use crate::manifest::{self, LoadError, LoadedManifest, UnsetVariables};
use crate::{exit_code, output};
use serde::Serialize;
use std::path::PathBuf;

/// Checks a manifest and prints every problem (exit 3) or a one-line confirmation.
///
/// # Errors
/// [`Error`] for I/O failures; problems are printed, not returned, in JSON mode.
pub fn validate(path: Option<PathBuf>, json: bool, globals: &Globals) -> Result<u8, Error> {
    let path = path.unwrap_or_else(|| globals.manifest.clone());
    let mut options = globals.load_options();
    options.unset_variables = UnsetVariables::Note;
    match manifest::load(&path, &options) {
        Ok(loaded) => {
            let nodes = loaded.graph.nodes().count();
            let notes = unset_notes(&loaded);
            if json {
                output::print_json(&serde_json::json!({
                    "valid": true,
                    "file": loaded.source.display_path,
                    "nodes": nodes,
                    "problems": [],
                    "notes": notes,
                }))?;
            } else {
                output::println(&format!(
                    "{} is valid: {nodes} node{}.",
                    loaded.source.display_path,
                    if nodes == 1 { "" } else { "s" }
                ))?;
                for note in &notes {
                    output::println(&format!(
                        "note: {} ({}:{}:{})",
                        note.message, note.file, note.line, note.column
                    ))?;
                }
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

/// A variable the manifest reads that is not set, as `validate` reports it.
#[derive(Debug, Serialize)]
struct UnsetNote {
    code: &'static str,
    variable: String,
    message: String,
    file: String,
    line: usize,
    column: usize,
}

/// One note per unset variable, at the first value that reads it.
fn unset_notes(loaded: &LoadedManifest) -> Vec<UnsetNote> {
    let mut notes: Vec<UnsetNote> = Vec::new();
    let mut unset = loaded.unset.clone();
    unset.sort_by_key(|u| u.span.map_or(0, |span| span.offset()));
    for variable in unset {
        if notes.iter().any(|note| note.variable == variable.variable) {
            continue;
        }
        let (line, column) = variable.span.map_or((1, 1), |span| {
            manifest::problem::line_column(&loaded.source.text, span.offset())
        });
        notes.push(UnsetNote {
            code: "manifest::unset-variable",
            message: format!(
                "environment variable `{}` is not set: `plan` and `apply` need it",
                variable.variable
            ),
            variable: variable.variable,
            file: loaded.source.display_path.clone(),
            line,
            column,
        });
    }
    notes
}
