//! Where one run's files go: a directory named after the run's start under the report
//! directory (`.backendctl/runs/20260101T120000Z`, `-2`, `-3` … when one already has that
//! name), and the `latest` link beside it that always names the last run's directory.
//!
//! `latest` is replaced atomically: the new link is made under a temporary name and renamed
//! over the old one, so a reader never finds it missing or half written. Where a symbolic link
//! cannot be made (a file system without them), `latest` is a text file holding the run
//! directory's name instead.

use std::io;
use std::path::{Path, PathBuf};

/// The name of the link to the last run's directory.
pub(crate) const LATEST: &str = "latest";

/// A new run's directory under `report_dir`, named after the current UTC time; not created.
pub(crate) fn new_run_directory(report_dir: &Path) -> PathBuf {
    let stamp = time::OffsetDateTime::now_utc()
        .format(time::macros::format_description!(
            "[year][month][day]T[hour][minute][second]Z"
        ))
        .unwrap_or_else(|_| "run".to_owned());
    let mut candidate = report_dir.join(&stamp);
    let mut counter = 1;
    while candidate.exists() {
        counter += 1;
        candidate = report_dir.join(format!("{stamp}-{counter}"));
    }
    candidate
}

/// How `latest` names the last run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Latest {
    /// A symbolic link to the run's directory.
    Link(PathBuf),
    /// A text file holding the run directory's name (no symbolic link could be made).
    File(PathBuf),
}

/// Points `latest` in the run directory's parent at `run_dir`.
///
/// # Errors
/// When neither a link nor a file could be put in place (the directory is not writable, or
/// `latest` is a directory).
pub(crate) fn point_latest(run_dir: &Path) -> io::Result<Latest> {
    point_latest_with(run_dir, symlink)
}

/// [`point_latest`], or a warning on stderr when it cannot be done: the run's files are
/// written by then, and the run's outcome is what its exit code must say.
pub(crate) fn point_latest_or_warn(run_dir: &Path) {
    if let Err(error) = point_latest(run_dir) {
        let latest = run_dir.with_file_name(LATEST);
        eprintln!(
            "warning: cannot point {} at {}: {error}",
            latest.display(),
            run_dir.display()
        );
    }
}

/// [`point_latest`], making the link with `link(target, path)`.
fn point_latest_with(
    run_dir: &Path,
    link: impl Fn(&Path, &Path) -> io::Result<()>,
) -> io::Result<Latest> {
    let (Some(report_dir), Some(name)) = (run_dir.parent(), run_dir.file_name()) else {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("{} is not a run directory", run_dir.display()),
        ));
    };
    let latest = report_dir.join(LATEST);
    let temporary = report_dir.join(format!(".{LATEST}-{}.tmp", std::process::id()));
    let _ = std::fs::remove_file(&temporary);
    // Relative, so that the report directory can be moved or archived whole.
    let made = match link(Path::new(name), &temporary) {
        Ok(()) => Latest::Link(latest.clone()),
        Err(_) => {
            let mut text = name.to_string_lossy().into_owned();
            text.push('\n');
            std::fs::write(&temporary, text)?;
            Latest::File(latest.clone())
        }
    };
    std::fs::rename(&temporary, &latest).inspect_err(|_| {
        let _ = std::fs::remove_file(&temporary);
    })?;
    Ok(made)
}

#[cfg(unix)]
fn symlink(target: &Path, path: &Path) -> io::Result<()> {
    std::os::unix::fs::symlink(target, path)
}

#[cfg(windows)]
fn symlink(target: &Path, path: &Path) -> io::Result<()> {
    std::os::windows::fs::symlink_dir(target, path)
}

#[cfg(not(any(unix, windows)))]
fn symlink(_target: &Path, _path: &Path) -> io::Result<()> {
    Err(io::ErrorKind::Unsupported.into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn latest_is_a_relative_link_replaced_by_each_run() {
        let dir = tempfile::tempdir().unwrap();
        let first = new_run_directory(dir.path());
        std::fs::create_dir_all(&first).unwrap();
        let second = new_run_directory(dir.path());
        assert_ne!(first, second, "a run never reuses a directory");
        std::fs::create_dir_all(&second).unwrap();
        let latest = dir.path().join(LATEST);
        assert_eq!(point_latest(&first).unwrap(), Latest::Link(latest.clone()));
        assert_eq!(
            std::fs::read_link(&latest).unwrap(),
            Path::new(first.file_name().unwrap())
        );
        assert_eq!(point_latest(&second).unwrap(), Latest::Link(latest.clone()));
        assert_eq!(
            std::fs::canonicalize(&latest).unwrap(),
            std::fs::canonicalize(&second).unwrap()
        );
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names.len(), 3, "no temporary left behind: {names:?}");
    }

    #[test]
    fn without_symbolic_links_latest_is_a_file_naming_the_run() {
        let dir = tempfile::tempdir().unwrap();
        let run = dir.path().join("20260101T000000Z");
        std::fs::create_dir_all(&run).unwrap();
        // A link made before, then a file system that refuses new ones: the file replaces it.
        point_latest(&dir.path().join("older")).unwrap();
        let refuse = |_: &Path, _: &Path| Err(io::ErrorKind::Unsupported.into());
        let latest = dir.path().join(LATEST);
        assert_eq!(
            point_latest_with(&run, refuse).unwrap(),
            Latest::File(latest.clone())
        );
        assert_eq!(
            std::fs::read_to_string(&latest).unwrap(),
            "20260101T000000Z\n"
        );
    }

    #[test]
    fn a_latest_that_is_a_directory_is_an_error_not_replaced() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join(LATEST).join("kept")).unwrap();
        let run = dir.path().join("run");
        assert!(point_latest(&run).is_err());
        assert!(dir.path().join(LATEST).join("kept").is_dir());
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }
}
