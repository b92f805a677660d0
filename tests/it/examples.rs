//! The quickstart runs end to end: `apply` on a copy, with real processes and real sockets.
//! (`examples/shop` has its own test: `tests/scaffold_example_shop.rs`.)

mod common;

use common::{backendctl, stderr, stdout};
use std::path::{Path, PathBuf};

/// Copies `examples/NAME` into a fresh temporary directory.
fn copy_example(name: &str) -> tempfile::TempDir {
    let source = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("examples")
        .join(name);
    let target = tempfile::tempdir().expect("tempdir");
    copy_dir(&source, target.path());
    target
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for entry in std::fs::read_dir(from).expect("read example") {
        let entry = entry.expect("entry");
        // What a local run of the example left behind (ignored by git) is not the example.
        if matches!(entry.file_name().to_str(), Some("var" | ".backendctl")) {
            continue;
        }
        let destination: PathBuf = to.join(entry.file_name());
        if entry.file_type().expect("type").is_dir() {
            copy_dir(&entry.path(), &destination);
        } else {
            std::fs::copy(entry.path(), destination).expect("copy");
        }
    }
}

#[test]
fn the_quickstart_applies_then_plans_no_changes() {
    let dir = copy_example("quickstart");
    let output = backendctl()
        .current_dir(dir.path())
        .args(["apply", "--yes"])
        .output()
        .expect("runs");
    let text = stdout(&output);
    assert_eq!(output.status.code(), Some(0), "{text}\n{}", stderr(&output));
    assert!(text.contains("migrations.schema done"), "{text}");
    assert!(text.contains("service.static done"), "{text}");
    assert!(text.contains("scenario.browse done"), "{text}");
    assert!(text.contains("thresholds passed"), "{text}");
    assert!(dir.path().join("var/quickstart.db").exists());

    // Applied once, the migrations are up to date: nothing left to change.
    let output = backendctl()
        .current_dir(dir.path())
        .args(["plan", "--detailed-exitcode"])
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(0), "{}", stdout(&output));
    assert!(
        stdout(&output).contains("= migrations.schema"),
        "{}",
        stdout(&output)
    );
}
