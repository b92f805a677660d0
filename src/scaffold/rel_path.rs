//! A relative path that cannot leave the directory it is joined to.
//!
//! Every rendered file path and every manifest `path` goes through [`RelPath::new`] before
//! anything touches the disk, so no template or manifest can write outside the project.

use std::path::{Path, PathBuf};

use super::error::ScaffoldError;

/// A `/`-separated relative path with no `..`, `.`, empty, or absolute segments.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(transparent)]
pub struct RelPath(String);

impl RelPath {
    /// Validates `path`.
    ///
    /// # Errors
    /// [`ScaffoldError::UnsafePath`] when the path is absolute, contains `..`, `.`, an empty
    /// segment, a backslash, a drive letter or a NUL byte.
    pub fn new(path: &str) -> Result<Self, ScaffoldError> {
        // The one rule, which `validate` applies to a project's `path` too.
        crate::manifest::rules::relative_path(path).map_err(|reason| {
            ScaffoldError::UnsafePath {
                path: path.to_owned(),
                reason,
            }
        })?;
        Ok(RelPath(path.to_owned()))
    }

    /// The path as written.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The path joined below `root`.
    #[must_use]
    pub fn under(&self, root: &Path) -> PathBuf {
        self.0.split('/').fold(root.to_path_buf(), |p, s| p.join(s))
    }
}

impl std::fmt::Display for RelPath {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::RelPath;

    #[test]
    fn accepts_nested_relative_paths() {
        for ok in ["a", "src/app.ts", ".github/workflows/ci.yml", "a/.env"] {
            assert!(RelPath::new(ok).is_ok(), "{ok}");
        }
    }

    #[test]
    fn rejects_escapes() {
        for bad in [
            "",
            "/etc/passwd",
            "../x",
            "a/../../b",
            "a//b",
            "./a",
            "a/",
            "c:\\x",
            "a\\..\\b",
        ] {
            assert!(RelPath::new(bad).is_err(), "{bad}");
        }
    }
}
