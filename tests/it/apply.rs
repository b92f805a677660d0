//! What `backendctl apply` prints, as a person reads it: the step lines under "Applying:" and
//! the closing "Apply: N done, …" line, snapshotted whole for one deterministic manifest.

use backendctl::exit_code;

use crate::common::Workspace;
use crate::harness::{Test, trial};

pub(crate) fn tests() -> Vec<Test> {
    vec![trial!(
        the_text_summary_of_a_database_its_migrations_and_a_service
    )]
}

fn the_text_summary_of_a_database_its_migrations_and_a_service() {
    let workspace = Workspace::new(
        r#"backend version=1

database "main" {
    url "sqlite://var/app.db"
}

migrations "schema" {
    database "main"
    path "migrations"
}

service "worker" {
    run "sleep" "300"
    after "migrations.schema"
}
"#,
    );
    std::fs::create_dir_all(workspace.join("migrations")).unwrap();
    std::fs::create_dir_all(workspace.join("var")).unwrap();
    for (file, sql) in [
        (
            "0001_users.up.sql",
            "CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT);\n",
        ),
        (
            "0002_orders.up.sql",
            "CREATE TABLE orders (id INTEGER PRIMARY KEY, user_id INTEGER);\n",
        ),
    ] {
        std::fs::write(workspace.join("migrations").join(file), sql).unwrap();
    }
    let output = workspace
        .run(&["apply", "--yes"])
        .assert_status(exit_code::OK);
    // apply prints the canonical path of the workspace (a symlinked temp dir resolved).
    let root = std::fs::canonicalize(workspace.path()).unwrap();
    let root = regex::escape(&root.display().to_string());
    insta::with_settings!({filters => vec![
        (root.as_str(), "[workspace]"),
        (r"\.backendctl/runs/[0-9TZ-]+", ".backendctl/runs/[run]"),
        (r"\bpid \d+", "pid [pid]"),
        (r"\b\d+(\.\d+)?(µs|ms|s)\b", "[duration]"),
    ]}, {
        insta::assert_snapshot!("apply-summary", output.stdout());
    });
}
