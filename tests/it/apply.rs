//! What `backendctl apply` prints, as a person reads it: the step lines under "Applying:" and
//! the closing "Apply: N done, …" line, snapshotted whole for one deterministic manifest.

use backendctl::exit_code;

use crate::common::Workspace;
use crate::harness::{Test, trial};

pub(crate) fn tests() -> Vec<Test> {
    vec![
        trial!(the_text_summary_of_a_database_its_migrations_and_a_service),
        trial!(without_a_terminal_apply_refuses_unless_told_to_go_ahead),
        trial!(on_a_terminal_apply_asks_and_no_applies_nothing),
    ]
}

/// A manifest whose only step creates `var/app.db`: whether the file exists says whether
/// anything was applied.
const CREATES_A_FILE: &str = r#"backend version=1

database "main" {
    url "sqlite://var/app.db"
}
"#;

/// Regression (issue 12): with no terminal and no `--yes`, `apply` applied at once. Now it
/// refuses with exit 64 and says how to go ahead; `--yes`, `BACKENDCTL_AUTO_APPROVE=1` and a
/// saved plan each approve.
fn without_a_terminal_apply_refuses_unless_told_to_go_ahead() {
    let workspace = Workspace::new(CREATES_A_FILE);
    std::fs::create_dir_all(workspace.join("var")).unwrap();
    let database = workspace.join("var/app.db");
    workspace
        .run(&["apply"])
        .assert_status(exit_code::USAGE)
        .stdout_contains("+ database.main")
        .stderr_contains("usage::needs-approval")
        .stderr_contains("there is no terminal to ask on")
        .stderr_contains("backendctl apply --yes")
        .stderr_contains("BACKENDCTL_AUTO_APPROVE=1");
    assert!(!database.exists(), "nothing is applied without approval");
    workspace
        .run(&["apply", "--json"])
        .assert_status(exit_code::USAGE);
    assert!(!database.exists());

    workspace
        .backendctl()
        .env("BACKENDCTL_AUTO_APPROVE", "0")
        .arg("apply")
        .run()
        .assert_status(exit_code::USAGE);
    assert!(
        !database.exists(),
        "BACKENDCTL_AUTO_APPROVE=0 is no approval"
    );
    workspace
        .backendctl()
        .env("BACKENDCTL_AUTO_APPROVE", "1")
        .arg("apply")
        .run()
        .assert_status(exit_code::OK);
    assert!(database.exists(), "BACKENDCTL_AUTO_APPROVE=1 approves");

    std::fs::remove_file(&database).unwrap();
    workspace
        .run(&["plan", "--out", "plan.json"])
        .assert_status(exit_code::OK);
    workspace
        .run(&["apply", "plan.json"])
        .assert_status(exit_code::OK);
    assert!(database.exists(), "a saved plan was reviewed: it applies");

    std::fs::remove_file(&database).unwrap();
    workspace
        .run(&["apply", "--yes"])
        .assert_status(exit_code::OK);
    assert!(database.exists());
}

/// Regression (issue 12): answering `n` on a terminal exited 0. It applies nothing and exits
/// `DECLINED` (1); `y` applies.
fn on_a_terminal_apply_asks_and_no_applies_nothing() {
    let workspace = Workspace::new(CREATES_A_FILE);
    std::fs::create_dir_all(workspace.join("var")).unwrap();
    let database = workspace.join("var/app.db");
    let declined = workspace
        .backendctl()
        .arg("apply")
        .run_on_terminal("n\n")
        .assert_status(exit_code::DECLINED)
        .stdout_contains("Nothing applied.");
    assert!(
        declined.stderr().contains("Apply these steps? [y/N]"),
        "{}",
        declined.stderr()
    );
    assert!(!database.exists(), "declined: nothing applied");
    workspace
        .backendctl()
        .arg("apply")
        .run_on_terminal("y\n")
        .assert_status(exit_code::OK)
        .stdout_contains("Apply: 1 done.");
    assert!(database.exists(), "confirmed: applied");
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
