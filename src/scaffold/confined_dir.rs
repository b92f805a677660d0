//! Writing below a root directory without ever following a symlink out of it.
//!
//! A project directory (or one of its parents, or `.backendctl/`) that is a symlink to a
//! directory elsewhere, or a file that is a symlink, would let a scaffold write outside the
//! project. Every directory between the root and a file is checked with `lstat` and created
//! one level at a time; a file is written to a fresh temporary file beside it (`O_EXCL`, which
//! never follows a link) and renamed over the old one (which replaces a link, never its
//! target). So a write either lands whole inside the root or not at all.

use std::io::Write as _;
use std::path::{Component, Path, PathBuf};

use super::error::ScaffoldError;

/// A directory that writes stay below.
#[derive(Debug, Clone)]
pub(crate) struct ConfinedDir {
    root: PathBuf,
}

impl ConfinedDir {
    /// The root, created when missing.
    ///
    /// # Errors
    /// The root cannot be created or resolved.
    pub(crate) fn open(root: &Path) -> Result<Self, ScaffoldError> {
        std::fs::create_dir_all(root).map_err(ScaffoldError::io(root))?;
        let root = root.canonicalize().map_err(ScaffoldError::io(root))?;
        Ok(Self { root })
    }

    /// Writes `text` to `relative` (below the root) atomically, creating its directories.
    ///
    /// # Errors
    /// [`ScaffoldError::Escapes`] when a directory on the way or the file is a symlink; I/O
    /// errors.
    pub(crate) fn write(&self, relative: &Path, text: &str) -> Result<(), ScaffoldError> {
        let path = self.resolve(relative)?;
        let dir = path.parent().expect("a file below the root has a parent");
        let name = path
            .file_name()
            .expect("a file has a name")
            .to_string_lossy();
        let temporary = dir.join(format!(".{name}.{}.backendctl-tmp", std::process::id()));
        let written = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&temporary)
            .and_then(|mut file| {
                file.write_all(text.as_bytes())?;
                file.sync_all()
            });
        if let Err(error) = written {
            let _ = std::fs::remove_file(&temporary);
            return Err(ScaffoldError::io(&path)(error));
        }
        std::fs::rename(&temporary, &path).map_err(|error| {
            let _ = std::fs::remove_file(&temporary);
            ScaffoldError::io(&path)(error)
        })
    }

    /// Removes `relative` (below the root); a symlink on the way is refused.
    ///
    /// # Errors
    /// [`ScaffoldError::Escapes`]; I/O errors.
    pub(crate) fn remove(&self, relative: &Path) -> Result<(), ScaffoldError> {
        let path = self.resolve(relative)?;
        std::fs::remove_file(&path).map_err(ScaffoldError::io(&path))
    }

    /// The path of `relative` below the root, with every directory on the way checked (and
    /// created), and the file itself not a symlink.
    fn resolve(&self, relative: &Path) -> Result<PathBuf, ScaffoldError> {
        let escapes = |path: &Path| ScaffoldError::Escapes {
            path: path.to_path_buf(),
            root: self.root.clone(),
        };
        let mut components: Vec<&std::ffi::OsStr> = Vec::new();
        for component in relative.components() {
            match component {
                Component::Normal(name) => components.push(name),
                _ => return Err(escapes(relative)),
            }
        }
        let Some((file, directories)) = components.split_last() else {
            return Err(escapes(relative));
        };
        let mut dir = self.root.clone();
        for name in directories {
            dir.push(name);
            match std::fs::symlink_metadata(&dir) {
                Ok(meta) if meta.file_type().is_symlink() => return Err(escapes(&dir)),
                Ok(meta) if meta.is_dir() => {}
                Ok(_) => {
                    return Err(ScaffoldError::io(&dir)(std::io::Error::new(
                        std::io::ErrorKind::NotADirectory,
                        "a file stands where a directory is needed",
                    )));
                }
                Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
                    std::fs::create_dir(&dir).map_err(ScaffoldError::io(&dir))?;
                }
                Err(error) => return Err(ScaffoldError::io(&dir)(error)),
            }
        }
        let path = dir.join(file);
        if std::fs::symlink_metadata(&path).is_ok_and(|meta| meta.file_type().is_symlink()) {
            return Err(escapes(&path));
        }
        Ok(path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::symlink;

    #[test]
    fn writes_land_inside_and_links_on_the_way_are_refused() {
        let root = tempfile::tempdir().unwrap();
        let elsewhere = tempfile::tempdir().unwrap();
        let confined = ConfinedDir::open(root.path()).unwrap();
        confined.write(Path::new("a/b/c.txt"), "one").unwrap();
        confined.write(Path::new("a/b/c.txt"), "two").unwrap();
        assert_eq!(
            std::fs::read_to_string(root.path().join("a/b/c.txt")).unwrap(),
            "two"
        );

        symlink(elsewhere.path(), root.path().join("linked")).unwrap();
        let error = confined.write(Path::new("linked/x.txt"), "x").unwrap_err();
        assert!(matches!(error, ScaffoldError::Escapes { .. }), "{error}");
        std::fs::write(elsewhere.path().join("target.txt"), "keep").unwrap();
        symlink(
            elsewhere.path().join("target.txt"),
            root.path().join("a/file.txt"),
        )
        .unwrap();
        let error = confined.write(Path::new("a/file.txt"), "x").unwrap_err();
        assert!(matches!(error, ScaffoldError::Escapes { .. }), "{error}");
        assert!(confined.remove(Path::new("a/file.txt")).is_err());
        assert_eq!(
            std::fs::read_to_string(elsewhere.path().join("target.txt")).unwrap(),
            "keep"
        );
        assert_eq!(std::fs::read_dir(elsewhere.path()).unwrap().count(), 1);
        assert!(confined.write(Path::new("../x"), "x").is_err());
    }
}
