//! The quickstart runs end to end: `apply` on a copy, with real processes and real sockets.
//! (`examples/shop` has its own test: `scaffold_example_shop`.)

use std::path::Path;

use backendctl::exit_code;

use crate::binary::Backendctl;
use crate::common::copy_dir;
use crate::harness::{Test, trial};

pub(crate) fn tests() -> Vec<Test> {
    vec![
        trial!(
            the_quickstart_applies_then_plans_no_changes,
            needs = [Python]
        ),
        trial!(
            the_mongodb_beside_sql_example_applies_then_plans_no_changes,
            needs = [MongoDb]
        ),
    ]
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

/// `examples/mongodb-beside-sql`: a SQLite and a MongoDB database, each with its set, applied by
/// one `apply`, then up to date; `migrate status` lists both sets in dependency order.
fn the_mongodb_beside_sql_example_applies_then_plans_no_changes() {
    let server = crate::migrate_mongodb::Server::start();
    let dir = copy_example("mongodb-beside-sql");
    let run = |args: &[&str]| {
        Backendctl::new()
            .current_dir(dir.path())
            .env("EVENTS_MONGODB_URL", server.url_of("events"))
            .env_remove("DATABASE_URL")
            .args(args)
            .run()
    };
    run(&["apply", "--yes"])
        .assert_status(exit_code::OK)
        .stdout_contains("migrations.schema done")
        .stdout_contains("migrations.events done");
    assert!(dir.path().join("var/shop.db").exists());
    let collections = server.collections_of("events");
    assert!(
        collections.contains(&"events".to_string()),
        "{collections:?}"
    );
    assert!(
        collections.contains(&"event_kinds".to_string()),
        "{collections:?}"
    );

    run(&["plan", "--detailed-exitcode"])
        .assert_status(exit_code::OK)
        .stdout_contains("= migrations.schema")
        .stdout_contains("= migrations.events")
        .stdout_contains("MongoDB");
    let status = run(&["migrate", "status"]).assert_status(exit_code::OK);
    let text = status.stdout();
    let (schema, events) = (
        text.find("migrations.schema"),
        text.find("migrations.events"),
    );
    assert!(schema.is_some() && schema < events, "{text}");
}
