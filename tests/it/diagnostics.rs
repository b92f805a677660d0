//! Every bad manifest under `tests/fixtures/invalid/` exits 3 with all of its problems rendered
//! at file:line:col; the rendered report is an insta snapshot. Generated cases cover what can't
//! be committed as a fixture (a huge file, non-UTF-8 bytes, a missing file, a directory).

use std::path::Path;

use backendctl::exit_code;

use crate::binary::Backendctl;
use crate::harness::{Test, trial};

const INVALID: &str = "tests/fixtures/invalid";

pub(crate) fn tests() -> Vec<Test> {
    vec![
        trial!(every_invalid_fixture_exits_3_with_a_snapshot),
        trial!(json_output_lists_every_problem_with_line_and_column),
        trial!(a_huge_file_is_refused_before_parsing),
        trial!(ten_thousand_problems_show_the_first_hundred_and_count_the_rest),
        trial!(half_a_million_bare_blocks_are_refused_not_a_stack_overflow),
        trial!(non_utf8_bytes_are_pointed_at),
        trial!(a_missing_file_is_unreadable),
        trial!(a_directory_is_unreadable),
        trial!(an_override_error_names_the_variable),
        trial!(what_plan_found_alone_validate_reports_and_plan_agrees),
        trial!(a_templated_value_is_judged_by_its_literal_parts_then_whole),
    ]
}

/// Runs `validate FILE` in `dir` and returns stderr, asserting exit code 3 and no panic.
fn validate_in(dir: &Path, file: &str) -> String {
    Backendctl::new()
        .current_dir(dir)
        .args(["validate", file])
        .run()
        .stderr_lacks("panicked")
        .assert_status(exit_code::INVALID_MANIFEST)
        .stderr()
        .to_owned()
}

fn every_invalid_fixture_exits_3_with_a_snapshot() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join(INVALID);
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .expect("fixtures exist")
        .map(|entry| {
            entry
                .expect("entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .filter(|name| name.ends_with(".kdl"))
        .collect();
    names.sort();
    assert!(
        names.len() >= 20,
        "at least 20 bad manifests, found {}",
        names.len()
    );
    for name in names {
        let stderr = validate_in(&dir, &name);
        assert!(
            stderr.contains(&format!("[{name}:")) || stderr.contains(&format!("{name} is not")),
            "{name}: the report names the file:\n{stderr}"
        );
        insta::assert_snapshot!(name.trim_end_matches(".kdl"), stderr);
    }
}

fn json_output_lists_every_problem_with_line_and_column() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join(INVALID);
    let report = Backendctl::new()
        .current_dir(&dir)
        .args(["validate", "many-problems.kdl", "--json"])
        .run()
        .assert_status(exit_code::INVALID_MANIFEST)
        .json();
    insta::assert_json_snapshot!("many-problems-json", report);
}

fn a_huge_file_is_refused_before_parsing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut text = String::from("backend version=1\n");
    while text.len() <= 9 * 1024 * 1024 {
        text.push_str("// padding padding padding padding padding padding padding padding\n");
    }
    std::fs::write(dir.path().join("huge.kdl"), text).expect("write");
    let stderr = validate_in(dir.path(), "huge.kdl");
    insta::assert_snapshot!("huge", stderr);
}

/// Regression (issue 11): 10,000 problems took seconds to render. The first 100 are shown and
/// the rest counted, in text and JSON.
fn ten_thousand_problems_show_the_first_hundred_and_count_the_rest() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut text = String::from("backend version=1\nservice \"api\" {\n    run \"true\"\n");
    for index in 0..10_000 {
        text.push_str(&format!("    unknown-{index} 1\n"));
    }
    text.push_str("}\n");
    std::fs::write(dir.path().join("many.kdl"), text).expect("write");
    let stderr = validate_in(dir.path(), "many.kdl");
    assert!(
        stderr
            .contains("many.kdl is not a valid manifest (10000 problems; the first 100 are shown)"),
        "{stderr}"
    );
    assert_eq!(
        stderr.matches("manifest::unknown-key").count(),
        100,
        "{stderr}"
    );
    let json = Backendctl::new()
        .current_dir(dir.path())
        .args(["validate", "many.kdl", "--json"])
        .run()
        .assert_status(exit_code::INVALID_MANIFEST)
        .json();
    assert_eq!(json["problems"].as_array().map(Vec::len), Some(100));
    assert_eq!(json["more-problems"], 9_900);
}

/// Regression (issue 11): 64 lines of 8,000 `{}` (1 MiB, valid depth) overflowed the kdl
/// parser's stack (exit 134).
fn half_a_million_bare_blocks_are_refused_not_a_stack_overflow() {
    let dir = tempfile::tempdir().expect("tempdir");
    let line = "{}".repeat(8_000);
    let text = format!("backend version=1\n{}\n", vec![line; 64].join("\n"));
    std::fs::write(dir.path().join("braces.kdl"), text).expect("write");
    let stderr = validate_in(dir.path(), "braces.kdl");
    assert!(stderr.contains("manifest::too-many-blocks"), "{stderr}");
    assert!(stderr.contains("braces.kdl:8:4001"), "{stderr}");
}

fn non_utf8_bytes_are_pointed_at() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut bytes = b"backend version=1\ndatabase \"main\" {\n    url \"sqlite://caf".to_vec();
    bytes.extend([0xE9, 0xFF]);
    bytes.extend(b".db\"\n}\n");
    std::fs::write(dir.path().join("latin1.kdl"), bytes).expect("write");
    let stderr = validate_in(dir.path(), "latin1.kdl");
    insta::assert_snapshot!("non-utf8", stderr);
}

fn a_missing_file_is_unreadable() {
    let dir = tempfile::tempdir().expect("tempdir");
    let stderr = validate_in(dir.path(), "nowhere.kdl");
    insta::assert_snapshot!("missing-file", stderr);
}

fn a_directory_is_unreadable() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::create_dir(dir.path().join("backend.kdl")).expect("mkdir");
    let stderr = validate_in(dir.path(), "backend.kdl");
    insta::assert_snapshot!("directory", stderr);
}

fn an_override_error_names_the_variable() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/quickstart");
    Backendctl::new()
        .current_dir(&dir)
        .env(
            "BACKENDCTL_SCENARIO__BROWSE__STAGES__STAGE__0__TARGET",
            "lots",
        )
        .args(["validate"])
        .run()
        .assert_status(exit_code::INVALID_MANIFEST)
        .stderr_contains("BACKENDCTL_SCENARIO__BROWSE__STAGES__STAGE__0__TARGET");
}

/// Regression (issue 11 item 4): these passed `validate` and failed `plan` with exit 1. Each is
/// a fixture (snapshotted with its span and hint by the test above); `plan` reports the same
/// problems with exit 3, before reading any state.
fn what_plan_found_alone_validate_reports_and_plan_agrees() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join(INVALID);
    for (fixture, expected) in [
        ("stage-without-target-or-rate.kdl", "manifest::bad-stage"),
        ("not-an-http-url.kdl", "manifest::not-a-url"),
        ("not-an-http-url.kdl", "manifest::not-a-database-url"),
        (
            "mock-bad-listen-method-status-json.kdl",
            "manifest::not-an-address",
        ),
        (
            "mock-bad-listen-method-status-json.kdl",
            "manifest::not-a-method",
        ),
        (
            "mock-bad-listen-method-status-json.kdl",
            "manifest::out-of-range",
        ),
        (
            "mock-bad-listen-method-status-json.kdl",
            "manifest::not-json",
        ),
        (
            "mock-bad-listen-method-status-json.kdl",
            "manifest::conflicting-keys",
        ),
        ("unsafe-project-path.kdl", "manifest::unsafe-path"),
        ("unsafe-project-path.kdl", "manifest::bad-name"),
        ("mock-route-table.kdl", "manifest::bad-route"),
        ("missing-migrations-path.kdl", "manifest::missing-path"),
    ] {
        for command in ["validate", "plan"] {
            Backendctl::new()
                .current_dir(&dir)
                .args(["-f", fixture, command])
                .run()
                .stderr_lacks("panicked")
                .assert_status(exit_code::INVALID_MANIFEST)
                .stderr_contains(expected);
        }
    }
}

/// A value with `{{ … }}` is judged by what its literal parts show before interpolation (even
/// when `validate` runs without the variable), and whole once interpolated, named by its
/// variable (it may be a secret).
fn a_templated_value_is_judged_by_its_literal_parts_then_whole() {
    let workspace = crate::common::Workspace::new(
        r#"backend version=1
mock "api" {
    listen "{{ env.LISTEN }}"
    route "GET" "/"
}
scenario "s" {
    base-url "{{ env.BASE_URL }}"
    stages {
        stage "1s" target=1
    }
    request "r" "GET" "/{{ vu }}"
}
"#,
    );
    let run = |vars: &[(&str, &str)], command: &str| {
        vars.iter()
            .fold(workspace.backendctl(), |b, (k, v)| b.env(k, v))
            .arg(command)
            .run()
    };
    // Nothing to judge yet: validate notes the unset variables.
    run(&[], "validate").assert_status(exit_code::OK);
    let good = [
        ("LISTEN", "127.0.0.1:3900"),
        ("BASE_URL", "http://127.0.0.1:3900"),
    ];
    run(&good, "plan").assert_status(exit_code::OK);
    for command in ["validate", "plan"] {
        run(&[("LISTEN", "s3cr3t-value"), good[1]], command)
            .assert_status(exit_code::INVALID_MANIFEST)
            .stderr_contains("the value of `mock.api.listen` (from environment variable `LISTEN`)")
            .stderr_contains("backend.kdl:3:12")
            .stderr_lacks("s3cr3t-value");
        run(&[good[0], ("BASE_URL", "ftp://127.0.0.1")], command)
            .assert_status(exit_code::INVALID_MANIFEST)
            .stderr_contains("manifest::not-a-url");
    }
    // The literal start decides before any variable is read.
    std::fs::write(
        workspace.join("backend.kdl"),
        std::fs::read_to_string(workspace.join("backend.kdl"))
            .unwrap()
            .replace("{{ env.BASE_URL }}", "ftp://{{ env.BASE_URL }}"),
    )
    .unwrap();
    run(&[], "validate")
        .assert_status(exit_code::INVALID_MANIFEST)
        .stderr_contains("`base-url` \"ftp://{{ env.BASE_URL }}\" is not an http:// or https://");
}
