//! The examples run end to end: `apply` on a copy of each, with real processes, real sockets and
//! (for the shop) the machine's PostgreSQL.

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

#[path = "migrate_support/mod.rs"]
mod migrate_support;

/// The whole mission in one `apply`: scaffold an Express + TypeScript project (and install it),
/// migrate its PostgreSQL database with the migrations it generated, start it as a service and
/// load-test it with a p95 threshold. Needs the npm registry, so it runs under `CI` (as
/// `.ci/run` does) or with `BACKENDCTL_SCAFFOLD_MATRIX=1`.
#[test]
fn the_shop_scaffolds_migrates_serves_and_meets_its_threshold() {
    if std::env::var_os("CI").is_none() && std::env::var_os("BACKENDCTL_SCAFFOLD_MATRIX").is_none()
    {
        eprintln!("skipped: set CI or BACKENDCTL_SCAFFOLD_MATRIX=1 (installs npm packages)");
        return;
    }
    let Some(database) = migrate_support::TestDb::new(migrate_support::Kind::Postgres, "shop")
    else {
        return;
    };
    let dir = copy_example("shop");
    let npm_cache = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/npm-cache");
    let output = backendctl()
        .current_dir(dir.path())
        .env("DATABASE_URL", &database.url)
        .env("npm_config_cache", &npm_cache)
        .args(["apply", "--yes"])
        .output()
        .expect("runs");
    let text = stdout(&output);
    assert_eq!(output.status.code(), Some(0), "{text}\n{}", stderr(&output));
    for step in [
        "project.shop-api done",
        "migrations.shop done",
        "service.api done",
        "scenario.browse-catalogue done",
    ] {
        assert!(text.contains(step), "{step}:\n{text}");
    }
    assert!(text.contains("thresholds passed"), "{text}");
    assert!(dir.path().join("shop-api/package.json").exists());
}
