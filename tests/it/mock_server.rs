//! `backendctl mock`: routes, latency and injected errors, over real sockets.

use std::time::Instant;

use backendctl::exit_code;

use crate::binary::Backendctl;
use crate::common::Workspace;
use crate::harness::{Test, trial};
use crate::load_common::{MockProcess, raw_request};

pub(crate) fn tests() -> Vec<Test> {
    vec![
        trial!(routes_answer_with_their_status_headers_and_body),
        trial!(latency_delays_the_answer),
        trial!(errors_are_injected_at_the_configured_rate),
        trial!(a_mock_may_only_listen_on_loopback),
    ]
}

fn routes_answer_with_their_status_headers_and_body() {
    let mock = MockProcess::start(
        r#"route "GET" "/api/users" json="[{\"id\": 1}]" {
               header "X-Served-By" "mock"
           }
           route "POST" "/api/users" status=201 body="created"
           route "GET" "/api/users/{id}" body="one user""#,
    );
    let get = raw_request(
        &mock.authority(),
        "GET /api/users HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    );
    assert!(get.starts_with("HTTP/1.1 200 OK"), "{get}");
    assert!(
        get.to_ascii_lowercase()
            .contains("content-type: application/json")
    );
    assert!(get.to_ascii_lowercase().contains("x-served-by: mock"));
    assert!(get.ends_with("[{\"id\": 1}]"));
    let post = raw_request(
        &mock.authority(),
        "POST /api/users HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
    );
    assert!(
        post.starts_with("HTTP/1.1 201") && post.ends_with("created"),
        "{post}"
    );
    let one = raw_request(
        &mock.authority(),
        "GET /api/users/7 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    );
    assert!(one.ends_with("one user"), "{one}");
    let missing = raw_request(
        &mock.authority(),
        "GET /nope HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    );
    assert!(missing.starts_with("HTTP/1.1 404"), "{missing}");
}

fn latency_delays_the_answer() {
    let mock = MockProcess::start(r#"route "GET" "/slow" latency="150ms""#);
    let started = Instant::now();
    let answer = raw_request(
        &mock.authority(),
        "GET /slow HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    );
    assert!(answer.starts_with("HTTP/1.1 200"));
    assert!(started.elapsed().as_millis() >= 150);
}

fn errors_are_injected_at_the_configured_rate() {
    let mock = MockProcess::start(r#"route "GET" "/flaky" error-rate=0.3 error-status=503"#);
    let report = Backendctl::new()
        .args(["load", &mock.url("/flaky"), "-n", "1000", "-o", "json"])
        .run()
        .json();
    let errors = report["scenarios"][0]["total"]["errors"]["5xx"]
        .as_u64()
        .unwrap();
    assert!((220..=380).contains(&errors), "{errors} of 1000 at 30%");
    assert_eq!(report["scenarios"][0]["total"]["statuses"]["503"], errors);
}

fn a_mock_may_only_listen_on_loopback() {
    let ws = Workspace::new(
        r#"backend version=1
mock "api" {
    listen "0.0.0.0:3900"
    route "GET" "/"
}
"#,
    );
    ws.run(&["mock"])
        .assert_status(exit_code::INVALID_MANIFEST)
        .stderr_contains("not a loopback address");
}
