//! The quickstart runs end to end: `apply` on a copy, with real processes and real sockets.
//! (`examples/shop` has its own test: `scaffold_example_shop`.)

use std::path::Path;

use backendctl::exit_code;

use crate::binary::Backendctl;
use crate::common::copy_dir;
use crate::harness::{Test, trial};

pub(crate) fn tests() -> Vec<Test> {
    vec![trial!(
        the_quickstart_applies_then_plans_no_changes,
        needs = [Python]
    )]
}

/// Copies `examples/NAME` into a fresh temporary directory.
fn copy_example(name: &str) -> tempfile::TempDir {
    let source = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("examples")
        .join(name);
    let target = tempfile::tempdir().expect("tempdir");
    copy_dir(&source, target.path());
    target
}

fn the_quickstart_applies_then_plans_no_changes() {
    let dir = copy_example("quickstart");
    Backendctl::new()
        .current_dir(dir.path())
        .args(["apply", "--yes"])
        .run()
        .assert_status(exit_code::OK)
        .stdout_contains("migrations.schema done")
        .stdout_contains("service.static done")
        .stdout_contains("scenario.browse done")
        .stdout_contains("thresholds passed");
    assert!(dir.path().join("var/quickstart.db").exists());

    // Applied once, the migrations are up to date: nothing left to change.
    Backendctl::new()
        .current_dir(dir.path())
        .args(["plan", "--detailed-exitcode"])
        .run()
        .assert_status(exit_code::OK)
        .stdout_contains("= migrations.schema");
}
