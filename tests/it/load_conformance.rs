//! Contract checks under load (issue 15): a scenario names an OpenAPI document, each response
//! is matched to its operation and checked; a target that breaks the contract only under load
//! (every 50th response drops a required field) fails the `conformance` gate with exit 99,
//! and the reports name the operation and the field's JSON path.

use std::sync::atomic::{AtomicU64, Ordering};

use backendctl::exit_code;

use crate::common::Workspace;
use crate::harness::{Test, trial};
use crate::load_common::{http_target, json_file};

pub(crate) fn tests() -> Vec<Test> {
    vec![
        trial!(a_target_that_drops_a_required_field_under_load_fails_the_gate_naming_the_field),
        trial!(a_conforming_target_passes_and_the_coverage_lists_the_operation_never_hit),
        trial!(the_ad_hoc_command_checks_responses_against_a_document_too),
        trial!(validate_refuses_a_document_that_is_not_openapi),
        trial!(init_from_openapi_writes_a_gate_that_validates_and_passes_against_the_service),
    ]
}

/// The users API: `GET /users`, `GET /users/me`, `GET /users/{id}` (a user has a required
/// `name` and a nullable `email`) and `DELETE /users/{id}`, under the base path `/api/v1`.
const USERS_API: &str = include_str!("../fixtures/openapi/users.yaml");

/// A keep-alive HTTP/1.1 server for [`USERS_API`] on a free loopback port. With
/// `break_every`, every N-th answer to `GET /api/v1/users/{id}` (counted over all connections)
/// lacks the required `name`: a contract broken only under load. It also serves
/// `/openapi.json` (the document as JSON) and `/health` (not in the document).
fn users_target(break_every: Option<u64>) -> u16 {
    let served = AtomicU64::new(0);
    let document: serde_json::Value = serde_norway::from_str(USERS_API).unwrap();
    let document = document.to_string();
    http_target(move |request_line, _| {
        let mut parts = request_line.split_whitespace();
        let (method, path) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
        let (status, content_type, body) = match (method, path) {
            ("GET", "/api/v1/users") => (
                "200 OK",
                "application/json",
                r#"[{"id":1,"name":"ann","email":null}]"#.to_owned(),
            ),
            ("GET", "/openapi.json") => ("200 OK", "application/json", document.clone()),
            ("GET", "/health") => ("200 OK", "text/plain", "ok".to_owned()),
            ("GET", user) if user.starts_with("/api/v1/users/") => {
                let n = served.fetch_add(1, Ordering::Relaxed) + 1;
                let broken = break_every.is_some_and(|every| n.is_multiple_of(every));
                let body = if broken {
                    format!(r#"{{"id":{n}}}"#)
                } else {
                    format!(r#"{{"id":{n},"name":"user {n}","email":"u{n}@example.com"}}"#)
                };
                ("200 OK", "application/json; charset=utf-8", body)
            }
            _ => ("404 Not Found", "text/plain", "no".to_owned()),
        };
        format!(
            "HTTP/1.1 {status}\r\ncontent-type: {content_type}\r\ncontent-length: {}\r\n\r\n{body}",
            body.len()
        )
    })
}

/// A scenario against the users target on `port`: each iteration gets a user (a templated
/// path, matched per request), the list (matched once) and `/health` (in no operation).
fn users_scenario(port: u16, openapi: &str, thresholds: &str) -> String {
    format!(
        r#"backend version=1

scenario "users" {{
    base-url "http://127.0.0.1:{port}"
    {openapi}
    stages {{
        stage "1s" target=4
    }}
    request "get-user" "GET" "/api/v1/users/{{{{ vu }}}}"
    request "list-users" "GET" "/api/v1/users"
    request "health" "GET" "/health"
    thresholds {{
        {thresholds}
    }}
}}
"#
    )
}

fn a_target_that_drops_a_required_field_under_load_fails_the_gate_naming_the_field() {
    let port = users_target(Some(50));
    let ws = Workspace::new(&users_scenario(
        port,
        r#"openapi "openapi.yaml" sample="100%""#,
        r#"conformance "> 99.9%""#,
    ));
    std::fs::write(ws.join("openapi.yaml"), USERS_API).unwrap();
    let summary = ws.join("step-summary.md");
    let stdout = ws
        .backendctl()
        .args(["apply", "--yes"])
        .env("GITHUB_STEP_SUMMARY", &summary)
        .run()
        .assert_status(exit_code::THRESHOLD_BREACHED)
        .stdout()
        .to_owned();
    // The text report names the operation, the violation and the field's JSON path.
    assert!(stdout.contains("✗  GET /users/{id} · body ×"), "{stdout}");
    assert!(
        stdout.contains(r#"$.name: "name" is a required property"#),
        "{stdout}"
    );
    assert!(stdout.contains("✗  conformance > 99.9%"), "{stdout}");

    let run = ws.join(".backendctl/runs/latest");
    let report = json_file(&run.join("scenario-users.json"));
    let s = &report["scenarios"][0];
    let operations = s["conformance"]["operations"].as_array().unwrap();
    let get_user = operations
        .iter()
        .find(|o| o["operation"] == "GET /users/{id}")
        .unwrap();
    let requests = get_user["requests"].as_u64().unwrap();
    let failed = get_user["failed"].as_u64().unwrap();
    assert!(requests >= 50, "{get_user}");
    // Every 50th answer broke the contract, and every answer was checked.
    assert_eq!(get_user["checked"], requests, "{get_user}");
    assert!(
        failed >= requests / 50 && failed <= requests / 50 + 1,
        "{get_user}"
    );
    let violation = &get_user["violations"][0];
    assert_eq!(violation["kind"], "body");
    assert_eq!(violation["example"]["json-path"], "$.name");
    assert_eq!(violation["example"]["status"], 200);
    assert!(
        violation["example"]["body"]
            .as_str()
            .unwrap()
            .starts_with(r#"{"id":"#),
        "{violation}"
    );
    // A broken contract is a failure category of its own; the list kept its contract.
    assert_eq!(
        s["requests"][0]["errors"]["conformance"].as_u64(),
        Some(failed)
    );
    let list = operations
        .iter()
        .find(|o| o["operation"] == "GET /users")
        .unwrap();
    assert_eq!(list["failed"], 0);
    assert_eq!(s["thresholds"][0]["metric"], "conformance");
    assert_eq!(s["thresholds"][0]["passed"], false);

    let junit = std::fs::read_to_string(run.join("scenario-users.junit.xml")).unwrap();
    assert!(junit.contains(r#"<testcase name="GET /users/{id}" classname="contract.users">"#));
    assert!(junit.contains("at $.name"), "{junit}");
    let html = std::fs::read_to_string(run.join("scenario-users.html")).unwrap();
    assert!(html.contains("Contract checks") && html.contains("$.name"));
    let markdown = std::fs::read_to_string(&summary).unwrap();
    assert!(markdown.contains(r"GET /users/{id} | body ×"), "{markdown}");
    assert!(markdown.contains(r"\$.name"), "{markdown}");
}

fn a_conforming_target_passes_and_the_coverage_lists_the_operation_never_hit() {
    let port = users_target(None);
    // The document is the service's own, fetched once when the run starts; the default
    // sample checks about one response in twenty.
    let ws = Workspace::new(&users_scenario(
        port,
        &format!(r#"openapi "http://127.0.0.1:{port}/openapi.json""#),
        r#"conformance "> 99.9%"
        error-rate "< 1%""#,
    ));
    let stdout = ws
        .run(&["apply", "--yes"])
        .assert_status(exit_code::OK)
        .stdout()
        .to_owned();
    assert!(
        stdout.contains(
            "coverage      2 of 4 operations exercised; never hit: GET /users/me, DELETE /users/{id}"
        ),
        "{stdout}"
    );
    assert!(stdout.contains("undeclared    health ×"), "{stdout}");
    let report = json_file(&ws.join(".backendctl/runs/latest/scenario-users.json"));
    let conformance = &report["scenarios"][0]["conformance"];
    assert_eq!(conformance["sample"], 0.05);
    let operations = conformance["operations"].as_array().unwrap();
    let never = operations
        .iter()
        .find(|o| o["operation"] == "DELETE /users/{id}")
        .unwrap();
    assert_eq!(never["requests"], 0);
    let get_user = operations
        .iter()
        .find(|o| o["operation"] == "GET /users/{id}")
        .unwrap();
    let (requests, checked) = (
        get_user["requests"].as_u64().unwrap(),
        get_user["checked"].as_u64().unwrap(),
    );
    assert!(checked > 0 && checked < requests, "{get_user}");
    assert_eq!(get_user["failed"], 0);
    assert_eq!(conformance["undeclared"][0]["request"], "health");
}

fn the_ad_hoc_command_checks_responses_against_a_document_too() {
    let port = users_target(Some(50));
    let ws = Workspace::new("backend version=1\n");
    std::fs::write(ws.join("openapi.yaml"), USERS_API).unwrap();
    let url = format!("http://127.0.0.1:{port}/api/v1/users/1");
    let out = ws
        .run(&[
            "load",
            &url,
            "-u",
            "2",
            "-n",
            "200",
            "--openapi",
            "openapi.yaml",
            "--openapi-sample",
            "100%",
            "-t",
            "conformance>99.9%",
            "--json",
        ])
        .assert_status(exit_code::THRESHOLD_BREACHED);
    let report = out.json();
    let get_user = report["scenarios"][0]["conformance"]["operations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["operation"] == "GET /users/{id}")
        .unwrap()
        .clone();
    assert_eq!(get_user["checked"], 200);
    assert_eq!(get_user["failed"], 4);
    assert_eq!(get_user["violations"][0]["example"]["json-path"], "$.name");
}

fn validate_refuses_a_document_that_is_not_openapi() {
    let ws = Workspace::new(&users_scenario(
        1,
        r#"openapi "swagger.yaml""#,
        r#"p95 "< 1s""#,
    ));
    std::fs::write(ws.join("swagger.yaml"), "swagger: '2.0'\npaths: {}\n").unwrap();
    ws.run(&["validate"])
        .assert_status(exit_code::INVALID_MANIFEST)
        .stderr_contains("manifest::openapi-invalid")
        .stderr_contains("Swagger 2.0 is not supported");
    std::fs::write(ws.join("swagger.yaml"), USERS_API).unwrap();
    ws.run(&["validate"]).assert_status(exit_code::OK);
}

fn init_from_openapi_writes_a_gate_that_validates_and_passes_against_the_service() {
    let port = users_target(None);
    let ws = Workspace::new("");
    let document = USERS_API.replace("http://127.0.0.1:3000", &format!("http://127.0.0.1:{port}"));
    std::fs::write(ws.join("openapi.yaml"), document).unwrap();
    ws.run(&["init", "gate.kdl", "--from-openapi", "openapi.yaml"])
        .assert_status(exit_code::OK)
        .stdout_contains("Wrote gate.kdl: 3 request(s) for 4 operation(s) of openapi.yaml.");
    let manifest = std::fs::read_to_string(ws.join("gate.kdl")).unwrap();
    // The GETs, with the document's example for the path parameter; DELETE (no example
    // body) is left out and said so.
    assert!(
        manifest.contains(&format!("base-url \"http://127.0.0.1:{port}/api/v1\"")),
        "{manifest}"
    );
    assert!(
        manifest.contains("request \"listUsers\" \"GET\" \"/users\""),
        "{manifest}"
    );
    assert!(
        manifest.contains("request \"getUser\" \"GET\" \"/users/7\""),
        "{manifest}"
    );
    assert!(
        manifest.contains("request \"get-users-me\" \"GET\" \"/users/me\""),
        "{manifest}"
    );
    assert!(manifest.contains("//   DELETE /users/{id}"), "{manifest}");
    ws.run(&["validate", "gate.kdl"])
        .assert_status(exit_code::OK);
    // Run it, one second instead of thirty, against the service.
    let stdout = ws
        .backendctl()
        .args(["-f", "gate.kdl", "apply", "--yes"])
        .env(
            "BACKENDCTL_SCENARIO__USERS__STAGES__STAGE__0__DURATION",
            "1s",
        )
        .env("BACKENDCTL_SCENARIO__USERS__STAGES__STAGE__0__TARGET", "2")
        .run()
        .assert_status(exit_code::OK)
        .stdout()
        .to_owned();
    assert!(stdout.contains("thresholds passed"), "{stdout}");
    assert!(
        stdout.contains("3 of 4 operations exercised; never hit: DELETE /users/{id}"),
        "{stdout}"
    );
}
