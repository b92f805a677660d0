//! Reading a manifest file into text, with the checks that must come before parsing.
//!
//! An unreadable, empty, oversized or non-UTF-8 file, or one past a limit of [`limits`] (line
//! length, nesting), is reported like any other manifest problem (file, position, help) rather
//! than as a bare I/O error.

use super::limits::{self, MAX_MANIFEST_BYTES};
use super::problem::{InvalidManifest, Problem};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// A manifest's text and where it came from.
#[derive(Debug, Clone)]
pub struct ManifestSource {
    /// The path as the user named it (used in diagnostics).
    pub display_path: String,
    /// The absolute or working-directory-relative path.
    pub path: PathBuf,
    /// The text.
    pub text: Arc<String>,
}

/// Why a manifest could not be read.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum SourceError {
    /// The file could not be opened or read.
    #[error("cannot read manifest {path}: {source}")]
    #[diagnostic(
        code(manifest::unreadable),
        help(
            "check the path and permissions, or name another file with `-f PATH`; `backendctl init` writes a starter manifest"
        )
    )]
    Unreadable {
        /// The path.
        path: String,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The file has content problems found before parsing.
    #[error(transparent)]
    #[diagnostic(transparent)]
    Invalid(#[from] Box<InvalidManifest>),
}

impl ManifestSource {
    /// Reads `path`, refusing empty, oversized and non-UTF-8 files with a positioned problem.
    ///
    /// # Errors
    /// [`SourceError`] when the file cannot be read or its content cannot be a manifest.
    pub fn read(path: &Path) -> Result<Self, SourceError> {
        let display_path = path.display().to_string();
        let unreadable = |source| SourceError::Unreadable {
            path: display_path.clone(),
            source,
        };
        let metadata = std::fs::metadata(path).map_err(unreadable)?;
        if metadata.is_dir() {
            return Err(unreadable(std::io::Error::new(
                std::io::ErrorKind::IsADirectory,
                "it is a directory",
            )));
        }
        if metadata.len() > MAX_MANIFEST_BYTES {
            let problem = Problem::new(
                "manifest::too-large",
                format!(
                    "the manifest is {} bytes; the limit is {MAX_MANIFEST_BYTES} bytes",
                    metadata.len()
                ),
            )
            .help("a manifest describes a project; split generated data into files it refers to");
            return Err(Box::new(InvalidManifest::new(
                &display_path,
                Arc::new(String::new()),
                vec![problem],
            ))
            .into());
        }
        let bytes = std::fs::read(path).map_err(unreadable)?;
        Self::from_bytes(&display_path, path, bytes)
    }

    /// Checks raw bytes as a manifest named `display_path`.
    ///
    /// # Errors
    /// [`SourceError::Invalid`] for non-UTF-8 or empty content.
    pub fn from_bytes(
        display_path: &str,
        path: &Path,
        bytes: Vec<u8>,
    ) -> Result<Self, SourceError> {
        let text = match String::from_utf8(bytes) {
            Ok(text) => text,
            Err(error) => {
                let offset = error.utf8_error().valid_up_to();
                let lossy = String::from_utf8_lossy(error.as_bytes()).into_owned();
                let lossy_offset = String::from_utf8_lossy(&error.as_bytes()[..offset]).len();
                let line_start = lossy[..lossy_offset].rfind('\n').map_or(0, |at| at + 1);
                let column = lossy[line_start..lossy_offset].chars().count() + 1;
                let problem = Problem::new("manifest::not-utf8", "the manifest is not valid UTF-8")
                    .help("save the file as UTF-8");
                // Past the line-length limit the byte is named by its column and the line is
                // shown shortened: the renderer cannot draw a label that far out.
                let (problem, shown) = if column > limits::MAX_LINE_CHARS {
                    (
                        problem.at(
                            Some((line_start, 0).into()),
                            format!("invalid byte at column {column} of this line"),
                        ),
                        limits::shorten_from(&lossy, line_start),
                    )
                } else {
                    (
                        problem.at(Some((lossy_offset, 1).into()), "invalid byte here"),
                        lossy,
                    )
                };
                return Err(Box::new(InvalidManifest::new(
                    display_path,
                    Arc::new(shown),
                    vec![problem],
                ))
                .into());
            }
        };
        if text.trim().is_empty() {
            let problem = Problem::new("manifest::empty", "the manifest is empty")
                .at(Some((0, 0).into()), "nothing here")
                .help("start with `backend version=1`, or run `backendctl init` for a commented starter");
            return Err(Box::new(InvalidManifest::new(
                display_path,
                Arc::new(text),
                vec![problem],
            ))
            .into());
        }
        if let Some(problem) = limits::check_line_length(&text) {
            // Shown up to the start of the long line: the renderer prints whole lines.
            let shown = limits::shorten_from(&text, problem.offset());
            return Err(Box::new(InvalidManifest::new(
                display_path,
                Arc::new(shown),
                vec![problem],
            ))
            .into());
        }
        if let Some(problem) = limits::check_nesting(&text) {
            return Err(Box::new(InvalidManifest::new(
                display_path,
                Arc::new(text),
                vec![problem],
            ))
            .into());
        }
        Ok(Self {
            display_path: display_path.to_owned(),
            path: path.to_owned(),
            text: Arc::new(text),
        })
    }

    /// The directory relative paths in the manifest are resolved against.
    #[must_use]
    pub fn base_dir(&self) -> PathBuf {
        match self.path.parent() {
            Some(parent) if !parent.as_os_str().is_empty() => parent.to_owned(),
            _ => PathBuf::from("."),
        }
    }
}
