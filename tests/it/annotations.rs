//! `--format github|gitlab` on validate, plan, apply and `migrate lint`: annotations on the
//! lines that failed (a manifest problem, a breached threshold, a migration's statement, a lint
//! finding), capped and de-duplicated, on stdout; the text on stderr.

use backendctl::exit_code;

use crate::binary::Backendctl;
use crate::common::{Workspace, free_port};
use crate::harness::{Test, trial};

pub(crate) fn tests() -> Vec<Test> {
    vec![
        trial!(validate_annotates_each_problem_at_its_manifest_line),
        trial!(apply_annotates_a_breached_threshold_at_its_line),
        trial!(plan_and_apply_annotate_lint_findings_and_a_failed_statement_at_their_lines),
        trial!(migrate_lint_annotations_are_deduplicated_and_capped),
        trial!(an_error_without_a_place_is_annotated_on_the_manifest),
        trial!(format_json_is_json_and_excludes_the_json_flag),
    ]
}

const INVALID: &str = r#"backend version=1
database "main" {
    url "ftp://example.com/db"
    bogus 1
}
migrations "core" {
    database "mian"
    path "migrations/core"
}
"#;

fn validate_annotates_each_problem_at_its_manifest_line() {
    let ws = Workspace::new(INVALID);
    let github = ws
        .run(&["validate", "--format", "github"])
        .assert_status(exit_code::INVALID_MANIFEST)
        // People still get the full diagnostics, on stderr.
        .stderr_contains("unknown key `bogus`");
    insta::assert_snapshot!("validate-github", github.stdout());
    let gitlab = ws
        .run(&["validate", "--format", "gitlab"])
        .assert_status(exit_code::INVALID_MANIFEST);
    insta::assert_snapshot!("validate-gitlab", gitlab.stdout());
    // The same problems through plan and apply.
    let plan = ws
        .run(&["plan", "--format", "github"])
        .assert_status(exit_code::INVALID_MANIFEST);
    assert_eq!(plan.stdout(), github.stdout());
}

/// A mock that answers 503 and a scenario whose thresholds cannot hold: a deterministic breach.
fn breaching_manifest(port: u16) -> String {
    format!(
        r#"backend version=1
mock "api" {{
    listen "127.0.0.1:{port}"
    route "GET" "/down" status=503
}}
scenario "gate" {{
    after "mock.api"
    base-url "http://127.0.0.1:{port}"
    stages {{
        stage "1s" target=1
    }}
    request "down" "GET" "/down" {{
        thresholds {{
            error-rate "< 5%"
        }}
    }}
    thresholds {{
        p999 "< 10s"
        error-rate "< 1%"
    }}
}}
"#
    )
}

fn apply_annotates_a_breached_threshold_at_its_line() {
    let ws = Workspace::new(&breaching_manifest(free_port()));
    let github = ws
        .run(&["apply", "--yes", "--format", "github"])
        .assert_status(exit_code::THRESHOLD_BREACHED)
        .stderr_contains("thresholds breached in scenario.gate");
    insta::assert_snapshot!("apply-breach-github", github.stdout());
    let gitlab = ws
        .run(&["apply", "--yes", "--format", "gitlab"])
        .assert_status(exit_code::THRESHOLD_BREACHED);
    insta::assert_snapshot!("apply-breach-gitlab", gitlab.stdout());
}

const MIGRATIONS: &str = r#"backend version=1
database "main" {
    url "sqlite://var/app.db"
    create #true
}
migrations "core" {
    database "main"
    path "migrations/core"
}
"#;

fn plan_and_apply_annotate_lint_findings_and_a_failed_statement_at_their_lines() {
    let ws = Workspace::new(MIGRATIONS);
    std::fs::create_dir_all(ws.join("migrations/core")).unwrap();
    std::fs::write(
        ws.join("migrations/core/0001_users.sql"),
        "CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT);\n",
    )
    .unwrap();
    std::fs::write(
        ws.join("migrations/core/0002_drop.sql"),
        "-- backendctl:no-transaction\nALTER TABLE users DROP COLUMN email;\n\nCREATE TABLE broken (id INTEGER PRIMARY KEY,, x);\n",
    )
    .unwrap();
    let plan = ws
        .run(&["plan", "--format", "github"])
        .assert_status(exit_code::OK)
        .stderr_contains("2 pending migrations");
    insta::assert_snapshot!("plan-lint-github", plan.stdout());
    let apply = ws
        .run(&["apply", "--yes", "--format", "github"])
        .assert_status(exit_code::ERROR)
        .stderr_contains("migrations.core failed");
    insta::assert_snapshot!("apply-failed-migration-github", apply.stdout());
    // The half-done migration now blocks the set: plan says so on the node's line.
    let blocked = ws
        .run(&["plan", "--format", "github"])
        .assert_status(exit_code::PLAN_BLOCKED);
    insta::assert_snapshot!("plan-blocked-github", blocked.stdout());
}

fn migrate_lint_annotations_are_deduplicated_and_capped() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("0001_risky.up.sql");
    std::fs::write(
        &file,
        "ALTER TABLE users ADD COLUMN age int NOT NULL;\nCREATE INDEX users_age ON users (age);\nALTER TABLE users DROP COLUMN email;\n",
    )
    .unwrap();
    let lint = |format: &str, limit: &str| {
        // The same file twice: each finding once.
        Backendctl::new()
            .current_dir(dir.path())
            .args(["migrate", "lint", "0001_risky.up.sql", "0001_risky.up.sql"])
            .args(["--dialect", "postgres", "--format", format])
            .args(["--annotations-limit", limit])
            .run()
            .assert_status(exit_code::LINT_FINDINGS)
    };
    let all = lint("github", "50").stderr_contains("6 finding(s)");
    insta::assert_snapshot!("lint-github", all.stdout());
    let capped = lint("github", "2");
    insta::assert_snapshot!("lint-github-capped", capped.stdout());
    let json = lint("json", "50");
    let line: serde_json::Value = serde_json::from_str(json.stdout().trim()).unwrap();
    assert_eq!(line["findings"].as_array().unwrap().len(), 6, "{line}");
    assert_eq!(line["findings"][2]["rule"], "ban-drop-column");
    assert_eq!(line["findings"][2]["line"], 3);
    let gitlab = lint("gitlab", "2")
        .stderr_contains("note: 1 more annotation left out (limit 2: --annotations-limit)");
    insta::assert_snapshot!("lint-gitlab-capped", gitlab.stdout());
}

fn an_error_without_a_place_is_annotated_on_the_manifest() {
    let ws = Workspace::new(MIGRATIONS);
    std::fs::create_dir_all(ws.join("migrations/core")).unwrap();
    // No terminal and no --yes: apply refuses before doing anything.
    let output = ws
        .run(&["apply", "--format", "github"])
        .assert_status(exit_code::USAGE);
    insta::assert_snapshot!("needs-approval-github", output.stdout());
}

fn format_json_is_json_and_excludes_the_json_flag() {
    let ws = Workspace::new(INVALID);
    let flag = ws
        .run(&["validate", "--json"])
        .assert_status(exit_code::INVALID_MANIFEST);
    let format = ws
        .run(&["validate", "--format", "json"])
        .assert_status(exit_code::INVALID_MANIFEST);
    assert_eq!(flag.stdout(), format.stdout());
    ws.run(&["validate", "--json", "--format", "github"])
        .assert_status(exit_code::USAGE)
        .stderr_contains("cannot be used with");
    // A valid manifest: nothing to annotate, and a GitLab report is still a JSON document.
    let ws = Workspace::new("backend version=1\n");
    ws.run(&["validate", "--format", "github"])
        .assert_status(exit_code::OK)
        .expect_stdout("");
    ws.run(&["validate", "--format", "gitlab"])
        .assert_status(exit_code::OK)
        .expect_stdout("[]\n");
}
