//! Shared helpers for the end-to-end tests: temp workspaces, free ports, processes and pages.

use std::path::{Path, PathBuf};

use crate::binary::{Backendctl, Output};

/// A temporary directory holding a `backend.kdl`.
pub(crate) struct Workspace {
    pub(crate) dir: tempfile::TempDir,
}

impl Workspace {
    /// A workspace with `manifest` as its `backend.kdl`.
    #[must_use]
    pub(crate) fn new(manifest: &str) -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(dir.path().join("backend.kdl"), manifest).expect("write manifest");
        Self { dir }
    }

    /// The workspace directory.
    #[must_use]
    pub(crate) fn path(&self) -> &Path {
        self.dir.path()
    }

    /// A path inside the workspace.
    #[must_use]
    pub(crate) fn join(&self, relative: &str) -> PathBuf {
        self.dir.path().join(relative)
    }

    /// The pid a test service wrote to `file` in the workspace.
    #[must_use]
    pub(crate) fn pid(&self, file: &str) -> i32 {
        std::fs::read_to_string(self.join(file))
            .unwrap_or_else(|error| panic!("{file}: {error}"))
            .trim()
            .parse()
            .unwrap_or_else(|error| panic!("{file}: {error}"))
    }

    /// The binary, to run in the workspace.
    #[must_use]
    pub(crate) fn backendctl(&self) -> Backendctl {
        Backendctl::new().current_dir(self.path())
    }

    /// `backendctl ARGS` run in the workspace.
    #[must_use]
    pub(crate) fn run(&self, args: &[&str]) -> Output {
        self.backendctl().args(args).run()
    }
}

/// A loopback port that was free a moment ago.
#[must_use]
pub(crate) fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port()
}

/// Whether a process with this pid still exists (and is not a zombie).
#[must_use]
pub(crate) fn process_alive(pid: i32) -> bool {
    let status = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // Field 3 is the state; Z means zombie.
    !status.is_empty() && status.split_whitespace().nth(2) != Some("Z")
}

/// The DOM of `url` once headless Chromium has run its scripts (up to 10 s of virtual time), on
/// one line. Only for tests registered with `needs = [Chromium]`.
#[must_use]
pub(crate) fn rendered_dom(url: &str) -> String {
    let output = std::process::Command::new(crate::harness::chromium())
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--virtual-time-budget=10000",
            "--dump-dom",
            url,
        ])
        .output()
        .expect("run chromium");
    String::from_utf8_lossy(&output.stdout).replace('\n', "")
}

/// Copies the directory `from` to `to`, leaving out what a local run of an example left
/// behind (`var`, `.backendctl`: ignored by git, not part of the example).
pub(crate) fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for entry in std::fs::read_dir(from).expect("read directory") {
        let entry = entry.expect("entry");
        if matches!(entry.file_name().to_str(), Some("var" | ".backendctl")) {
            continue;
        }
        let destination = to.join(entry.file_name());
        if entry.file_type().expect("type").is_dir() {
            copy_dir(&entry.path(), &destination);
        } else {
            std::fs::copy(entry.path(), destination).expect("copy");
        }
    }
}
