//! `plan`: text and JSON output, saved plans and their staleness, exit codes, secrets.

use backendctl::exit_code;

use crate::common::Workspace;
use crate::harness::{Test, trial};

pub(crate) fn tests() -> Vec<Test> {
    vec![
        trial!(plan_text_lists_steps_in_dependency_order),
        trial!(plan_verbose_shows_details_with_secrets_masked),
        trial!(plan_json_has_a_stable_shape),
        trial!(detailed_exitcode_is_zero_without_changes),
        trial!(a_saved_plan_is_refused_once_the_manifest_changed),
        trial!(overrides_from_flags_and_environment_are_coerced_by_the_schema),
        trial!(a_bad_set_flag_is_reported_with_the_flag),
        trial!(an_override_that_matches_nothing_fails_with_the_spelling_that_would),
        trial!(a_hyphenated_label_is_addressed_by_underscores_and_never_gains_a_twin),
    ]
}

const SERVICES: &str = r#"backend version=1
service "api" {
    run "node" "server.js"
    cwd "services/api"
    env PORT="3000" API_TOKEN="{{ env.API_TOKEN | default('dev-token') }}"
    ready "http://127.0.0.1:3000/health" timeout="60s"
    after "service.cache"
}
service "cache" {
    run "redis-server" "--port" "6390"
    ready "tcp://127.0.0.1:6390"
}
"#;

/// A workspace with [`SERVICES`] and the directories it names (`validate` checks they exist).
fn services() -> Workspace {
    let workspace = Workspace::new(SERVICES);
    for dir in ["services/api", "elsewhere"] {
        std::fs::create_dir_all(workspace.join(dir)).unwrap();
    }
    workspace
}

fn plan_text_lists_steps_in_dependency_order() {
    let workspace = services();
    let output = workspace.run(&["plan"]).assert_status(exit_code::OK);
    insta::assert_snapshot!("plan-services", output.stdout());
}

fn plan_verbose_shows_details_with_secrets_masked() {
    let workspace = services();
    let output = workspace
        .backendctl()
        .env("API_TOKEN", "s3cret-token-value")
        .args(["plan", "-v"])
        .run()
        .assert_status(exit_code::OK)
        .stdout_lacks("s3cret-token-value")
        .stdout_contains("env API_TOKEN=***");
    insta::assert_snapshot!("plan-services-verbose", output.stdout());
}

fn plan_json_has_a_stable_shape() {
    let workspace = services();
    let plan = workspace
        .run(&["plan", "--json"])
        .assert_status(exit_code::OK)
        .json();
    insta::assert_json_snapshot!("plan-services-json", plan, {
        ".fingerprint" => "[fingerprint]",
    });
}

fn detailed_exitcode_is_zero_without_changes() {
    let workspace = services();
    // Services only run; nothing changes.
    workspace
        .run(&["plan", "--detailed-exitcode"])
        .assert_status(exit_code::OK);
}

fn a_saved_plan_is_refused_once_the_manifest_changed() {
    let workspace = services();
    workspace
        .run(&["plan", "--out", "plan.json"])
        .assert_status(exit_code::OK);
    let saved: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(workspace.join("plan.json")).unwrap())
            .expect("saved plan is JSON");
    assert_eq!(saved["format-version"], 1);
    assert_eq!(saved["steps"].as_array().unwrap().len(), 2);

    std::fs::write(
        workspace.join("backend.kdl"),
        SERVICES.replace("6390", "6391"),
    )
    .unwrap();
    workspace
        .run(&["apply", "plan.json"])
        .assert_status(exit_code::ERROR)
        .stderr_contains("saved plan plan.json is stale")
        .stderr_contains("`service.cache`");
}

fn overrides_from_flags_and_environment_are_coerced_by_the_schema() {
    let workspace = services();
    workspace
        .backendctl()
        .env(
            "BACKENDCTL_SERVICE__CACHE__RUN",
            "valkey-server,--port,6390",
        )
        .args(["plan", "--set", "service.api.cwd=elsewhere"])
        .run()
        .assert_status(exit_code::OK)
        .stdout_contains("start `valkey-server --port 6390`")
        .stdout_contains("in elsewhere");
}

fn a_bad_set_flag_is_reported_with_the_flag() {
    let workspace = services();
    workspace
        .run(&["plan", "--set", "service.api.ready.timeout=soon"])
        .assert_status(exit_code::INVALID_MANIFEST)
        .stderr_contains("set by `--set service.api.ready.timeout=soon`");
}

/// Regression (issue 12): a misspelled `BACKENDCTL_*` override was ignored (exit 0, nothing
/// changed). Every override that matches no value is invalid (exit 3, as a bad `--set` always
/// was), with the spelling that would match.
fn an_override_that_matches_nothing_fails_with_the_spelling_that_would() {
    let workspace = services();
    for (variable, expected) in [
        (
            "BACKENDCTL_SERVICE__API__CWDD",
            "did you mean `BACKENDCTL_SERVICE__API__CWD`?",
        ),
        (
            "BACKENDCTL_SERVCE__API__CWD",
            "did you mean `BACKENDCTL_SERVICE__API__CWD`?",
        ),
        (
            "BACKENDCTL_SERVICE__APP__CWD",
            "did you mean `BACKENDCTL_SERVICE__API__CWD`?",
        ),
        (
            "BACKENDCTL_SERVICE_API_CWD",
            "did you mean `BACKENDCTL_SERVICE__API__CWD`?",
        ),
        (
            "BACKENDCTL_SERVICE__WORKER__CWD",
            "an override changes a value, it does not add a node",
        ),
    ] {
        workspace
            .backendctl()
            .env(variable, "elsewhere")
            .arg("plan")
            .run()
            .assert_status(exit_code::INVALID_MANIFEST)
            .stderr_contains("manifest::unknown-override")
            .stderr_contains(variable)
            .stderr_contains(expected);
    }
    workspace
        .run(&["plan", "--set", "service.api.cwdd=elsewhere"])
        .assert_status(exit_code::INVALID_MANIFEST)
        .stderr_contains("`--set service.api.cwd=…`");
    // Variables of other tools and settings are not overrides.
    workspace
        .backendctl()
        .env("BACKENDCTL_TEST_POSTGRES_URL", "postgres://x")
        .env("BACKENDCTL_PARALLELISM", "2")
        .arg("plan")
        .run()
        .assert_status(exit_code::OK);
}

/// Regression (issue 12): `scenario "api-gate"` could be overridden only by a variable whose
/// name holds a hyphen, which no shell exports; `…__API_GATE__…` created a phantom node
/// `api_gate` instead. `_` and `-` now match each other (case aside), and two labels that both
/// match are named as ambiguous.
fn a_hyphenated_label_is_addressed_by_underscores_and_never_gains_a_twin() {
    let scenario = |label: &str| {
        format!(
            r#"
scenario "{label}" {{
    base-url "http://127.0.0.1:3900"
    stages {{
        stage "5s" target=10
    }}
    request "health" "GET" "/health"
}}
"#
        )
    };
    let workspace = Workspace::new(&format!("backend version=1\n{}", scenario("api-gate")));
    let plan = workspace
        .backendctl()
        .env(
            "BACKENDCTL_SCENARIO__API_GATE__BASE_URL",
            "http://127.0.0.1:3901",
        )
        .args(["plan", "--json"])
        .run()
        .assert_status(exit_code::OK)
        .json();
    let steps = plan["steps"].as_array().expect("steps");
    assert_eq!(steps.len(), 1, "no phantom node: {plan:#}");
    assert_eq!(steps[0]["address"], "scenario.api-gate", "{plan:#}");
    assert!(
        plan.to_string().contains("http://127.0.0.1:3901/health"),
        "the override reached the hyphenated label: {plan:#}"
    );

    let twins = Workspace::new(&format!(
        "backend version=1\n{}{}",
        scenario("api-gate"),
        scenario("api_gate")
    ));
    twins
        .backendctl()
        .env(
            "BACKENDCTL_SCENARIO__API_GATE__BASE_URL",
            "http://127.0.0.1:3901",
        )
        .arg("plan")
        .run()
        .assert_status(exit_code::INVALID_MANIFEST)
        .stderr_contains("is ambiguous")
        .stderr_contains("`--set scenario.api-gate.base-url=…`");
    twins
        .run(&[
            "plan",
            "-v",
            "--set",
            "scenario.api_gate.base-url=http://127.0.0.1:3902",
        ])
        .assert_status(exit_code::OK)
        .stdout_contains("GET http://127.0.0.1:3902/health");
}
