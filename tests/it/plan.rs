//! `plan`: text and JSON output, saved plans and their staleness, exit codes, secrets.

mod common;

use common::{Workspace, stderr, stdout};

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

#[test]
fn plan_text_lists_steps_in_dependency_order() {
    let workspace = Workspace::new(SERVICES);
    let output = workspace.run(&["plan"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    insta::assert_snapshot!("plan-services", stdout(&output));
}

#[test]
fn plan_verbose_shows_details_with_secrets_masked() {
    let workspace = Workspace::new(SERVICES);
    let output = common::backendctl()
        .current_dir(workspace.path())
        .env("API_TOKEN", "s3cret-token-value")
        .args(["plan", "-v"])
        .output()
        .expect("runs");
    let text = stdout(&output);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(!text.contains("s3cret-token-value"), "{text}");
    assert!(text.contains("env API_TOKEN=***"), "{text}");
    insta::assert_snapshot!("plan-services-verbose", text);
}

#[test]
fn plan_json_has_a_stable_shape() {
    let workspace = Workspace::new(SERVICES);
    let output = workspace.run(&["plan", "--json"]);
    assert_eq!(output.status.code(), Some(0));
    let plan: serde_json::Value = serde_json::from_slice(&output.stdout).expect("JSON");
    insta::assert_json_snapshot!("plan-services-json", plan, {
        ".fingerprint" => "[fingerprint]",
    });
}

#[test]
fn detailed_exitcode_is_zero_without_changes() {
    let workspace = Workspace::new(SERVICES);
    let output = workspace.run(&["plan", "--detailed-exitcode"]);
    assert_eq!(
        output.status.code(),
        Some(0),
        "services only run; nothing changes"
    );
}

#[test]
fn a_saved_plan_is_refused_once_the_manifest_changed() {
    let workspace = Workspace::new(SERVICES);
    let output = workspace.run(&["plan", "--out", "plan.json"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
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
    let output = workspace.run(&["apply", "plan.json"]);
    assert_eq!(output.status.code(), Some(1));
    let text = stderr(&output);
    assert!(text.contains("saved plan plan.json is stale"), "{text}");
    assert!(text.contains("`service.cache`"), "{text}");
}

#[test]
fn overrides_from_flags_and_environment_are_coerced_by_the_schema() {
    let workspace = Workspace::new(SERVICES);
    let output = common::backendctl()
        .current_dir(workspace.path())
        .env(
            "BACKENDCTL_SERVICE__CACHE__RUN",
            "valkey-server,--port,6390",
        )
        .args(["plan", "--set", "service.api.cwd=elsewhere"])
        .output()
        .expect("runs");
    let text = stdout(&output);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(text.contains("start `valkey-server --port 6390`"), "{text}");
    assert!(text.contains("in elsewhere"), "{text}");
}

#[test]
fn a_bad_set_flag_is_reported_with_the_flag() {
    let workspace = Workspace::new(SERVICES);
    let output = workspace.run(&["plan", "--set", "service.api.ready.timeout=soon"]);
    assert_eq!(output.status.code(), Some(3));
    let text = stderr(&output);
    assert!(
        text.contains("set by `--set service.api.ready.timeout=soon`"),
        "{text}"
    );
}
