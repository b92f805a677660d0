//! A service's log file: its stdout and stderr through one pipe, each line masked as it is
//! written.
//!
//! backendctl cannot know what a program prints, and a service may echo its secret `env` or the
//! `Authorization` header a scenario sends it. So the values of the manifest's secret variables
//! are masked line by line before a line reaches `service-NAME.log` (see
//! [`crate::secret::LogMasker`]): the file holds no secret, whoever reads it later.

use crate::secret::LogMasker;
use std::fs::File;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::Path;
use std::process::Stdio;
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

/// Longest piece of output masked as one line; a longer line is written in pieces.
const MAX_LINE: u64 = 64 * 1024;

/// The copy of a service's output into its log.
#[derive(Debug)]
pub(crate) struct MaskedLog {
    /// Set when the output reached its end (every process holding it closed it).
    done: Arc<(Mutex<bool>, Condvar)>,
}

impl MaskedLog {
    /// Creates the log at `path` and starts copying into it; returns the child's stdout and
    /// stderr.
    pub(crate) fn start(path: &Path, masker: LogMasker) -> std::io::Result<(Self, Stdio, Stdio)> {
        let file = File::create(path)?;
        // Both ends are close-on-exec, so no other child inherits them and the copy ends when
        // the service's processes are gone.
        let (reader, writer) = std::io::pipe()?;
        let writer_for_stderr = writer.try_clone()?;
        let done = Arc::new((Mutex::new(false), Condvar::new()));
        let finished = Arc::clone(&done);
        std::thread::Builder::new()
            .name("service-log".to_owned())
            .spawn(move || {
                copy_lines(reader, file, &masker);
                let (lock, ended) = &*finished;
                *lock
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner) = true;
                ended.notify_all();
            })?;
        Ok((
            Self { done },
            Stdio::from(writer),
            Stdio::from(writer_for_stderr),
        ))
    }

    /// Waits at most `limit` for the copy to reach the end of the output, so the last lines of
    /// a process that exited are in the file before its tail is read.
    pub(crate) fn drain(&self, limit: Duration) {
        let (lock, ended) = &*self.done;
        let guard = lock
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let _ = ended.wait_timeout_while(guard, limit, |done| !*done);
    }
}

/// Copies `reader` into `file` line by line, masked. It keeps reading when the file cannot be
/// written, so a service never blocks on a full pipe.
fn copy_lines(reader: impl Read, mut file: File, masker: &LogMasker) {
    let mut reader = BufReader::with_capacity(64 * 1024, reader);
    let mut line = Vec::new();
    loop {
        line.clear();
        match (&mut reader).take(MAX_LINE).read_until(b'\n', &mut line) {
            Ok(0) => return,
            Ok(_) => {
                let _ = file.write_all(&masker.mask(&line));
            }
            Err(error) if error.kind() == std::io::ErrorKind::Interrupted => {}
            Err(_) => return,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_are_masked_as_they_are_written() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("service.log");
        let file = File::create(&path).unwrap();
        let masker = LogMasker::new(["s3cret".to_owned(), "0".to_owned()]);
        copy_lines(
            &b"token s3cret\nport 3000, 0 errors\nno newline s3cret"[..],
            file,
            &masker,
        );
        assert_eq!(
            std::fs::read_to_string(&path).unwrap(),
            "token ***\nport 3000, *** errors\nno newline ***"
        );
    }
}
