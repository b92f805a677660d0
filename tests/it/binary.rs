//! The one way a test runs the real `backendctl`, in the spirit of just's test builder: state
//! the input, run, then state the expected status and output.
//!
//! ```ignore
//! Backendctl::new()
//!     .current_dir(dir)
//!     .args(["plan", "--detailed-exitcode"])
//!     .env("API_TOKEN", "secret")
//!     .run()
//!     .assert_status(exit_code::PLAN_HAS_CHANGES)
//!     .stdout_contains("~ migrations.schema");
//! ```
//!
//! Every run starts from the same environment whatever the developer's shell holds: no
//! `BACKENDCTL_*` variable (they override the manifest and the settings), no `DATABASE_URL`,
//! `NO_COLOR=1`, `XDG_STATE_HOME` in the temp directory (the saved-plan key), and stdin empty
//! (not a terminal) unless the test gives it text. A failed
//! expectation prints the command line, the status, stdout and stderr.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};

/// A `backendctl` command line to run.
pub(crate) struct Backendctl {
    command: Command,
    shown: Vec<String>,
    stdin: Option<Vec<u8>>,
    timeout: Option<std::time::Duration>,
}

impl Backendctl {
    /// The real binary, in a clean environment.
    pub(crate) fn new() -> Self {
        let mut command = Command::new(env!("CARGO_BIN_EXE_backendctl"));
        for (key, _) in std::env::vars_os() {
            if key.to_string_lossy().starts_with("BACKENDCTL_") {
                command.env_remove(key);
            }
        }
        // Saved plans' secret fingerprints use a key file in the state directory: the tests'
        // own, never the developer's.
        command.env_remove("DATABASE_URL").env("NO_COLOR", "1").env(
            "XDG_STATE_HOME",
            std::env::temp_dir().join("backendctl-it-state"),
        );
        Self {
            command,
            shown: vec!["backendctl".to_owned()],
            stdin: None,
            timeout: None,
        }
    }

    /// Runs in `dir`.
    pub(crate) fn current_dir(mut self, dir: impl AsRef<Path>) -> Self {
        self.command.current_dir(dir);
        self
    }

    /// One more argument.
    pub(crate) fn arg(mut self, arg: impl AsRef<OsStr>) -> Self {
        self.shown.push(arg.as_ref().to_string_lossy().into_owned());
        self.command.arg(arg);
        self
    }

    /// More arguments.
    pub(crate) fn args<I, S>(self, args: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        args.into_iter().fold(self, Self::arg)
    }

    /// Sets an environment variable (after the clean-up, so `BACKENDCTL_*` may be set here).
    pub(crate) fn env(mut self, key: impl AsRef<OsStr>, value: impl AsRef<OsStr>) -> Self {
        self.command.env(key, value);
        self
    }

    /// Removes an environment variable (`NO_COLOR`, to see colour).
    pub(crate) fn env_remove(mut self, key: impl AsRef<OsStr>) -> Self {
        self.command.env_remove(key);
        self
    }

    /// Text on stdin (a pipe: never a terminal).
    pub(crate) fn stdin(mut self, input: impl Into<Vec<u8>>) -> Self {
        self.stdin = Some(input.into());
        self
    }

    /// Kills the process after `limit`, so that a hang fails the test instead of stalling it
    /// (the status is then a signal: no exit code).
    pub(crate) fn timeout(mut self, limit: std::time::Duration) -> Self {
        self.timeout = Some(limit);
        self
    }

    /// Runs to the end and captures stdout and stderr.
    pub(crate) fn run(self) -> Output {
        let Self {
            mut command,
            shown,
            stdin,
            timeout,
        } = self;
        let dir = command.get_current_dir().map(Path::to_path_buf);
        command.stdin(Stdio::null());
        // assert_cmd writes stdin from a thread, so a child that prints a lot before it reads
        // cannot deadlock the test.
        let mut command = assert_cmd::Command::from_std(command);
        if let Some(input) = stdin {
            command.write_stdin(input);
        }
        if let Some(limit) = timeout {
            command.timeout(limit);
        }
        let output = command
            .output()
            .unwrap_or_else(|error| panic!("cannot run `{}`: {error}", shown.join(" ")));
        Output::new(shown, dir.as_deref(), output)
    }

    /// Runs with stdin and stderr on a pseudo-terminal (stdout piped), as a person at a terminal
    /// runs it, and types `typed` at it. The Output's stderr is what the terminal showed
    /// (the prompt and the echoed answer, with `\r\n` line ends).
    pub(crate) fn run_on_terminal(self, typed: &str) -> Output {
        use std::io::{Read, Write};
        let Self {
            mut command, shown, ..
        } = self;
        let dir = command.get_current_dir().map(Path::to_path_buf);
        let pty = nix::pty::openpty(None, None).expect("openpty");
        let slave = std::fs::File::from(pty.slave);
        command
            .stdin(slave.try_clone().expect("dup the terminal"))
            .stderr(slave)
            .stdout(Stdio::piped());
        let child = command
            .spawn()
            .unwrap_or_else(|error| panic!("cannot start `{}`: {error}", shown.join(" ")));
        // The parent's copies of the terminal's slave side go with `command`, so reading the
        // master ends (EIO) when the child has closed its own.
        drop(command);
        let mut master = std::fs::File::from(pty.master);
        master.write_all(typed.as_bytes()).expect("type");
        let reader = std::thread::spawn(move || {
            let mut shown = Vec::new();
            let mut buffer = [0_u8; 4096];
            while let Ok(count @ 1..) = master.read(&mut buffer) {
                shown.extend_from_slice(&buffer[..count]);
            }
            shown
        });
        let mut output = child
            .wait_with_output()
            .unwrap_or_else(|error| panic!("`{}`: {error}", shown.join(" ")));
        output.stderr = reader.join().expect("terminal reader");
        Output::new(shown, dir.as_deref(), output)
    }

    /// Starts the process and returns at once (for tests that signal it, read its output as it
    /// comes or run several at a time).
    pub(crate) fn spawn(mut self, stdout: Stdio, stderr: Stdio) -> Spawned {
        let child = self
            .command
            .stdin(Stdio::null())
            .stdout(stdout)
            .stderr(stderr)
            .spawn()
            .unwrap_or_else(|error| panic!("cannot start `{}`: {error}", self.shown.join(" ")));
        Spawned {
            child,
            shown: self.shown,
            dir: self.command.get_current_dir().map(Path::to_path_buf),
        }
    }
}

/// A `backendctl` process still running.
pub(crate) struct Spawned {
    child: Child,
    shown: Vec<String>,
    dir: Option<PathBuf>,
}

impl Spawned {
    /// The process, to signal it or take its pipes.
    pub(crate) fn child(&mut self) -> &mut Child {
        &mut self.child
    }

    /// Waits for the end and collects what was piped.
    pub(crate) fn wait(self) -> Output {
        let output = self
            .child
            .wait_with_output()
            .unwrap_or_else(|error| panic!("`{}`: {error}", self.shown.join(" ")));
        Output::new(self.shown, self.dir.as_deref(), output)
    }
}

/// How a run ended: its status and what it printed.
pub(crate) struct Output {
    shown: String,
    status: ExitStatus,
    stdout: String,
    stderr: String,
}

impl Output {
    fn new(shown: Vec<String>, dir: Option<&Path>, output: std::process::Output) -> Self {
        let mut shown = shown.join(" ");
        if let Some(dir) = dir {
            shown = format!("{shown}` in `{}", dir.display());
        }
        Self {
            shown,
            status: output.status,
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }

    /// The exit code (`None` when a signal ended the process).
    pub(crate) fn status(&self) -> Option<i32> {
        self.status.code()
    }

    /// Panics, showing everything, unless the process exited with `expected` (an
    /// `exit_code` constant).
    #[track_caller]
    pub(crate) fn assert_status(self, expected: u8) -> Self {
        if self.status.code() != Some(i32::from(expected)) {
            self.fail(&format!("exited with {}, expected {expected}", self.status));
        }
        self
    }

    /// What it printed on stdout.
    pub(crate) fn stdout(&self) -> &str {
        &self.stdout
    }

    /// What it printed on stderr.
    pub(crate) fn stderr(&self) -> &str {
        &self.stderr
    }

    /// stdout then stderr, as one text.
    pub(crate) fn text(&self) -> String {
        format!("{}{}", self.stdout, self.stderr)
    }

    /// stdout parsed as JSON.
    #[track_caller]
    pub(crate) fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|error| self.fail(&format!("printed no JSON on stdout ({error})")))
    }

    /// Panics unless stdout is exactly `expected`.
    #[track_caller]
    pub(crate) fn expect_stdout(self, expected: &str) -> Self {
        if self.stdout != expected {
            self.fail(&format!("stdout is not {expected:?}"));
        }
        self
    }

    /// Panics unless stdout contains `needle`.
    #[track_caller]
    pub(crate) fn stdout_contains(self, needle: &str) -> Self {
        if !self.stdout.contains(needle) {
            self.fail(&format!("stdout lacks {needle:?}"));
        }
        self
    }

    /// Panics if stdout contains `needle`.
    #[track_caller]
    pub(crate) fn stdout_lacks(self, needle: &str) -> Self {
        if self.stdout.contains(needle) {
            self.fail(&format!("stdout contains {needle:?}"));
        }
        self
    }

    /// Panics unless stderr contains `needle`.
    #[track_caller]
    pub(crate) fn stderr_contains(self, needle: &str) -> Self {
        if !self.stderr.contains(needle) {
            self.fail(&format!("stderr lacks {needle:?}"));
        }
        self
    }

    /// Panics if stderr contains `needle`.
    #[track_caller]
    pub(crate) fn stderr_lacks(self, needle: &str) -> Self {
        if self.stderr.contains(needle) {
            self.fail(&format!("stderr contains {needle:?}"));
        }
        self
    }

    #[track_caller]
    fn fail(&self, what: &str) -> ! {
        panic!(
            "`{}` {what}\n--- status: {}\n--- stdout\n{}\n--- stderr\n{}",
            self.shown, self.status, self.stdout, self.stderr
        )
    }
}
