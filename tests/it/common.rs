//! Shared helpers for the end-to-end tests: the real binary, temp workspaces, free ports and
//! the database servers (which must answer in CI).
#![allow(dead_code, reason = "each test binary uses a different subset")]

use assert_cmd::Command;
use std::path::{Path, PathBuf};

/// The real binary, without colour and without the caller's overrides.
#[must_use]
pub fn backendctl() -> Command {
    let mut command = Command::cargo_bin("backendctl").expect("binary builds");
    command.env("NO_COLOR", "1").env_remove("DATABASE_URL");
    for (key, _) in std::env::vars() {
        if key.starts_with("BACKENDCTL_") {
            command.env_remove(key);
        }
    }
    command
}

/// A temporary directory holding a `backend.kdl`.
pub struct Workspace {
    pub dir: tempfile::TempDir,
}

impl Workspace {
    /// A workspace with `manifest` as its `backend.kdl`.
    #[must_use]
    pub fn new(manifest: &str) -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(dir.path().join("backend.kdl"), manifest).expect("write manifest");
        Self { dir }
    }

    /// The workspace directory.
    #[must_use]
    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// A path inside the workspace.
    #[must_use]
    pub fn join(&self, relative: &str) -> PathBuf {
        self.dir.path().join(relative)
    }

    /// The pid a test service wrote to `file` in the workspace.
    #[must_use]
    pub fn pid(&self, file: &str) -> i32 {
        std::fs::read_to_string(self.join(file))
            .unwrap_or_else(|error| panic!("{file}: {error}"))
            .trim()
            .parse()
            .unwrap_or_else(|error| panic!("{file}: {error}"))
    }

    /// `backendctl ARGS` run in the workspace.
    #[must_use]
    pub fn run(&self, args: &[&str]) -> std::process::Output {
        backendctl()
            .current_dir(self.path())
            .args(args)
            .output()
            .expect("runs")
    }
}

/// A loopback port that was free a moment ago.
#[must_use]
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port()
}

/// stdout as text.
#[must_use]
pub fn stdout(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// stderr as text.
#[must_use]
pub fn stderr(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// Whether a process with this pid still exists (and is not a zombie).
#[must_use]
pub fn process_alive(pid: i32) -> bool {
    let status = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // Field 3 is the state; Z means zombie.
    !status.is_empty() && status.split_whitespace().nth(2) != Some("Z")
}

/// A headless Chromium to render pages with, or `None` when there is none (allowed only when
/// `BACKENDCTL_REQUIRE_CHROMIUM` is unset: CI sets it and installs Chromium).
#[must_use]
pub fn chromium() -> Option<&'static str> {
    let found = ["chromium", "chromium-browser", "google-chrome"]
        .into_iter()
        .find(|name| {
            std::process::Command::new(name)
                .arg("--version")
                .output()
                .is_ok_and(|o| o.status.success())
        });
    assert!(
        found.is_some() || std::env::var_os("BACKENDCTL_REQUIRE_CHROMIUM").is_none(),
        "chromium is required (BACKENDCTL_REQUIRE_CHROMIUM is set)"
    );
    if found.is_none() {
        eprintln!("skipped: no chromium on this machine");
    }
    found
}

/// The DOM of `url` once `browser` has run its scripts (up to 10 s of virtual time), on one line.
#[must_use]
pub fn rendered_dom(browser: &str, url: &str) -> String {
    let output = std::process::Command::new(browser)
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
