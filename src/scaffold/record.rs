//! `.backendctl/scaffold.json`: what backendctl last rendered into a project.
//!
//! It records the template version, the options and, for every rendered file, its SHA-256
//! and its full text. The text is the *base* of the next 3-way merge: the embedded templates
//! of a newer backendctl cannot re-create an older render, so the base must be kept. Files
//! the user deleted and files left with conflict markers are remembered so that a later
//! apply neither resurrects the first nor forgets the second.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::confined_dir::ConfinedDir;
use super::error::ScaffoldError;
use crate::manifest::model::project::{DataLayer, DatabaseEngine, Feature, Stack};

/// Where the record lives, relative to the project directory.
pub const RECORD_PATH: &str = ".backendctl/scaffold.json";

/// The record of the last render.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct ScaffoldRecord {
    /// Format version of this file.
    pub format: u32,
    /// The template version that produced the base texts.
    pub template_version: String,
    /// The project name.
    pub name: String,
    /// The stack.
    pub stack: Stack,
    /// The features switched on.
    pub features: Vec<Feature>,
    /// The database engine, with the `database` feature (absent in records before the choice).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub database_engine: Option<DatabaseEngine>,
    /// The data layer, with the `database` feature (absent in records before the choice).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data_layer: Option<DataLayer>,
    /// Every rendered file, by relative path.
    pub files: BTreeMap<String, RecordedFile>,
}

/// One rendered file as last written (or offered, for a file the user deleted).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RecordedFile {
    /// SHA-256 of `base`, hex.
    pub sha256: String,
    /// The user deleted this file; it stays deleted.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub deleted: bool,
    /// The last apply left conflict markers in this file.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub conflicted: bool,
    /// The rendered text: the base of the next merge.
    pub base: String,
}

impl RecordedFile {
    /// A record entry for `text`.
    #[must_use]
    pub fn new(text: &str) -> Self {
        RecordedFile {
            sha256: sha256_hex(text),
            deleted: false,
            conflicted: false,
            base: text.to_owned(),
        }
    }
}

/// SHA-256 of `text`, hex encoded.
#[must_use]
pub fn sha256_hex(text: &str) -> String {
    hex::encode(Sha256::digest(text.as_bytes()))
}

impl ScaffoldRecord {
    /// The record's path in `project_dir`.
    #[must_use]
    pub fn path_in(project_dir: &Path) -> PathBuf {
        project_dir.join(".backendctl").join("scaffold.json")
    }

    /// Reads the record of `project_dir`, if there is one.
    ///
    /// # Errors
    /// The file exists but cannot be read or parsed.
    pub fn load(project_dir: &Path) -> Result<Option<Self>, ScaffoldError> {
        let path = Self::path_in(project_dir);
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => {
                return Err(ScaffoldError::Record {
                    path,
                    message: e.to_string(),
                });
            }
        };
        serde_json::from_str(&text)
            .map(Some)
            .map_err(|e| ScaffoldError::Record {
                path,
                message: e.to_string(),
            })
    }

    /// Writes the record into `project_dir` (relative to `root`).
    ///
    /// # Errors
    /// The file cannot be written.
    pub(crate) fn save(&self, root: &ConfinedDir, project_dir: &Path) -> Result<(), ScaffoldError> {
        let mut text = serde_json::to_string_pretty(self).expect("a record serialises");
        text.push('\n');
        root.write(&Self::path_in(project_dir), &text)
    }
}
