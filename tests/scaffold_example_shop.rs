//! `examples/shop` end to end, the whole mission in one `backendctl apply`: scaffold an
//! express-typescript project (and `npm install --strict-allow-scripts` it), migrate a fresh
//! PostgreSQL database with the migrations the scaffold generated, start the project as a
//! service, and run the load scenario with its p95 threshold. A second `plan` is up to date.
//!
//! It installs npm packages, so it runs when `CI` is set (as `.ci/run` does) or when
//! `BACKENDCTL_SCAFFOLD_MATRIX=1`. The database comes from `BACKENDCTL_TEST_POSTGRES_URL` (see
//! `tests/migrate_support`); under CI an unreachable server fails the test.

mod migrate_support;

use std::path::Path;
use std::process::Command;

use migrate_support::{Kind, TestDb};

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

fn backendctl(dir: &Path, url: &str, args: &[&str]) -> (Option<i32>, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_backendctl"))
        .current_dir(dir)
        .env("DATABASE_URL", url)
        .env("NO_COLOR", "1")
        .args(args)
        .output()
        .unwrap();
    let text = format!(
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.code(), text)
}

#[test]
fn the_shop_example_scaffolds_migrates_serves_and_passes_its_load_threshold() {
    if std::env::var_os("CI").is_none() && std::env::var_os("BACKENDCTL_SCAFFOLD_MATRIX").is_none()
    {
        eprintln!("skipped: set CI or BACKENDCTL_SCAFFOLD_MATRIX=1 (runs npm install)");
        return;
    }
    let Some(db) = TestDb::new(Kind::Postgres, "shop_example") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    copy_dir(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/shop"),
        dir.path(),
    );

    let (code, text) = backendctl(dir.path(), &db.url, &["apply", "--yes"]);
    assert_eq!(code, Some(0), "{text}");
    assert!(text.contains("npm install done"), "{text}");
    assert!(text.contains("migrations.shop done"), "{text}");
    assert!(text.contains("thresholds passed"), "{text}");
    assert!(db.has_table("products"), "the scaffold's migrations ran");

    let (code, text) = backendctl(dir.path(), &db.url, &["plan"]);
    assert_eq!(code, Some(0), "{text}");
    assert!(text.contains("= project.shop-api"), "{text}");
    assert!(text.contains("= migrations.shop"), "{text}");
}
