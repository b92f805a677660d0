//! `backendctl load URL …` end to end, over real sockets against a real `backendctl mock`.

use std::time::{Duration, Instant};

use backendctl::exit_code;

use crate::binary::{Backendctl, Output};
use crate::common::free_port;
use crate::harness::{Test, trial};
use crate::load_common::{MockProcess, json_file};

pub(crate) fn tests() -> Vec<Test> {
    vec![
        trial!(a_fixed_count_sends_exactly_that_many_requests),
        trial!(the_text_summary_shows_percentiles_statuses_and_thresholds),
        trial!(latency_on_a_fixed_delay_target_is_measured_accurately),
        trial!(a_target_that_is_down_is_an_error_not_a_success),
        trial!(a_name_that_does_not_resolve_is_a_dns_error),
        trial!(status_errors_are_categorised),
        trial!(timeouts_and_resets_are_categorised_and_bounded),
        trial!(garbage_responses_are_protocol_errors),
        trial!(the_open_model_sends_at_the_requested_rate),
        trial!(the_open_model_shows_a_stall_that_the_closed_model_hides),
        trial!(post_bodies_from_files_and_headers_are_sent),
        trial!(reports_are_saved_by_extension_and_appended_to_the_step_summary),
        trial!(usage_errors_exit_64),
        trial!(http2_with_prior_knowledge_works),
        trial!(keep_alive_off_opens_a_connection_per_request),
        trial!(huge_bodies_are_counted_not_kept),
        trial!(a_run_ends_within_its_duration_plus_the_grace_period),
    ]
}

/// `backendctl load ARGS -o json`, run (`.json()` is the report).
fn load_json(args: &[&str]) -> Output {
    Backendctl::new()
        .arg("load")
        .args(args)
        .args(["-o", "json"])
        .run()
}

fn a_fixed_count_sends_exactly_that_many_requests() {
    let mock = MockProcess::start(r#"route "GET" "/ok" body="hello""#);
    let report = load_json(&[&mock.url("/ok"), "--users", "4", "--requests", "250"])
        .assert_status(exit_code::OK)
        .json();
    let total = &report["scenarios"][0]["total"];
    assert_eq!(total["count"], 250);
    assert_eq!(total["failed"], 0);
    assert_eq!(total["statuses"]["200"], 250);
    assert_eq!(report["scenarios"][0]["iterations"], 250);
    assert!(total["bytes-in"].as_u64().unwrap() >= 250 * 5);
    assert!(total["latency"]["p50"].as_f64().unwrap() > 0.0);
    assert!(!total["histogram"].as_str().unwrap().is_empty());
}

fn the_text_summary_shows_percentiles_statuses_and_thresholds() {
    let mock = MockProcess::start(r#"route "GET" "/ok" body="hello""#);
    let output = Backendctl::new()
        .args([
            "load",
            &mock.url("/ok"),
            "-u",
            "2",
            "-n",
            "50",
            "--expect-status",
            "200",
            "-t",
            "error-rate<1%",
            "-t",
            "checks>99%",
        ])
        .run()
        .assert_status(exit_code::OK);
    let text = output.stdout().to_owned();
    // What a run measures varies (its duration, rate and latencies); what it counts does not.
    // The request table's padding follows the latencies' widths, so its lines keep their
    // columns' order and every figure, with the padding collapsed.
    insta::with_settings!({filters => vec![
        (r"duration \d+\.\d\ds", "duration [secs]"),
        // Bytes sent name the mock's port.
        (r"received \d+(\.\d)? k?B, sent \d+(\.\d)? k?B", "received [size], sent [size]"),
        (
            r"(?m)^  request +count +rps +failed +min +mean +p50 +p90 +p95 +p99 +p99\.9 +max$",
            "  request count rps failed min mean p50 p90 p95 p99 p99.9 max",
        ),
        (
            r"(?m)^  (GET /ok) +(\d+) +\d+\.\d +(\d+\.\d\d%)(?: +\d+\.\d\dms){8}$",
            "  $1 $2 [rps] $3 [min mean p50 p90 p95 p99 p99.9 max]",
        ),
    ]}, {
        insta::assert_snapshot!("text-summary", text);
    });
}

fn latency_on_a_fixed_delay_target_is_measured_accurately() {
    let mock = MockProcess::start(r#"route "GET" "/slow" latency="20ms""#);
    // A breached threshold exits 99.
    let report = load_json(&[&mock.url("/slow"), "-u", "5", "-n", "100", "-t", "p50<5ms"])
        .assert_status(exit_code::THRESHOLD_BREACHED)
        .json();
    let l = &report["scenarios"][0]["total"]["latency"];
    let p50 = l["p50"].as_f64().unwrap();
    assert!((20.0..30.0).contains(&p50), "p50 {p50}");
    let t = &report["scenarios"][0]["thresholds"][0];
    assert_eq!(t["passed"], false);
    assert_eq!(t["metric"], "p50");
}

fn a_target_that_is_down_is_an_error_not_a_success() {
    let port = free_port();
    let url = format!("http://127.0.0.1:{port}/");
    Backendctl::new()
        .args(["load", &url, "-n", "5"])
        .run()
        .assert_status(exit_code::ERROR)
        .stderr_contains("every request failed (connect-refused 5)");
    let report = load_json(&[&url, "-n", "5", "-t", "error-rate<1%"])
        .assert_status(exit_code::THRESHOLD_BREACHED)
        .json();
    assert_eq!(
        report["scenarios"][0]["total"]["errors"]["connect-refused"],
        5
    );
}

fn a_name_that_does_not_resolve_is_a_dns_error() {
    // `.invalid` never resolves (RFC 2606); no request leaves the machine.
    for extra in [&[][..], &["--http2"][..]] {
        let mut args = vec!["http://no-such-host.invalid:8080/", "-n", "3"];
        args.extend_from_slice(extra);
        let report = load_json(&args).assert_status(exit_code::ERROR).json();
        assert_eq!(
            report["scenarios"][0]["total"]["errors"]["dns"], 3,
            "{extra:?}: {report}"
        );
    }
}

fn status_errors_are_categorised() {
    let mock = MockProcess::start(
        r#"route "GET" "/missing" status=404
           route "GET" "/broken" status=500
           route "GET" "/expected" status=404"#,
    );
    let r = load_json(&[&mock.url("/missing"), "-n", "10"]).json();
    assert_eq!(r["scenarios"][0]["total"]["errors"]["4xx"], 10);
    let r = load_json(&[&mock.url("/broken"), "-n", "10"]).json();
    assert_eq!(r["scenarios"][0]["total"]["errors"]["5xx"], 10);
    let r = load_json(&[&mock.url("/expected"), "-n", "10", "--expect-status", "404"]).json();
    assert_eq!(
        r["scenarios"][0]["total"]["failed"], 0,
        "an expected 404 is a success"
    );
    let r = load_json(&[&mock.url("/broken"), "-n", "10", "--expect-status", "200"]).json();
    assert_eq!(r["scenarios"][0]["total"]["errors"]["5xx"], 10);
    assert_eq!(r["scenarios"][0]["total"]["checks-failed"], 10);
}

fn timeouts_and_resets_are_categorised_and_bounded() {
    let mock = MockProcess::start(
        r#"route "GET" "/hang" latency="30s"
           route "GET" "/reset" reset-rate=1.0"#,
    );
    let started = Instant::now();
    let r = load_json(&[
        &mock.url("/hang"),
        "-u",
        "2",
        "-n",
        "4",
        "--timeout",
        "200ms",
    ])
    .json();
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "timeouts end the run promptly"
    );
    assert_eq!(r["scenarios"][0]["total"]["errors"]["timeout"], 4);
    let r = load_json(&[&mock.url("/reset"), "-n", "6"]).json();
    assert_eq!(r["scenarios"][0]["total"]["errors"]["reset"], 6);
}

fn garbage_responses_are_protocol_errors() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let server = std::thread::spawn(move || {
        use std::io::{Read, Write};
        for _ in 0..3 {
            let (mut s, _) = listener.accept().unwrap();
            let mut buf = [0_u8; 1024];
            let _ = s.read(&mut buf);
            let _ = s.write_all(b"this is not HTTP at all\r\n\r\n");
        }
    });
    let r = load_json(&[&format!("http://{addr}/"), "-u", "1", "-n", "3"]).json();
    server.join().unwrap();
    assert_eq!(r["scenarios"][0]["total"]["errors"]["protocol"], 3, "{r}");
}

fn the_open_model_sends_at_the_requested_rate() {
    let mock = MockProcess::start(r#"route "GET" "/ok""#);
    let r = load_json(&[&mock.url("/ok"), "--rate", "100", "--duration", "2s"])
        .assert_status(exit_code::OK)
        .json();
    let count = r["scenarios"][0]["total"]["count"].as_u64().unwrap();
    assert!(
        (190..=210).contains(&count),
        "{count} requests at 100/s for 2s"
    );
    assert_eq!(r["scenarios"][0]["dropped-iterations"], 0);
}

fn the_open_model_shows_a_stall_that_the_closed_model_hides() {
    // The target stops answering for 400ms at the end of every 1.5s.
    let mock = MockProcess::start(r#"route "GET" "/ok" stall-every="1500ms" stall-for="400ms""#);
    let open = load_json(&[&mock.url("/ok"), "--rate", "200", "--duration", "3s"]).json();
    let closed = load_json(&[&mock.url("/ok"), "-u", "2", "--duration", "3s"]).json();
    let p99 = |r: &serde_json::Value| {
        r["scenarios"][0]["total"]["latency"]["p99"]
            .as_f64()
            .unwrap()
    };
    assert!(
        p99(&open) > 150.0,
        "open-model p99 {} shows the stall",
        p99(&open)
    );
    assert!(
        p99(&closed) < p99(&open) / 2.0,
        "closed-model p99 {} hides it",
        p99(&closed)
    );
}

fn post_bodies_from_files_and_headers_are_sent() {
    let mock = MockProcess::start(r#"route "POST" "/orders" status=201"#);
    let dir = tempfile::tempdir().unwrap();
    let body = dir.path().join("order.json");
    std::fs::write(&body, r#"{"sku": "A1"}"#).unwrap();
    let r = load_json(&[
        &mock.url("/orders"),
        "-n",
        "5",
        "--data",
        body.to_str().unwrap(),
        "-H",
        "Authorization: Bearer secret-token",
    ])
    .assert_status(exit_code::OK)
    .json();
    assert_eq!(r["scenarios"][0]["requests"][0]["name"], "POST /orders");
    assert_eq!(r["scenarios"][0]["total"]["statuses"]["201"], 5);
    assert!(
        !r.to_string().contains("secret-token"),
        "headers never reach reports"
    );
}

fn reports_are_saved_by_extension_and_appended_to_the_step_summary() {
    let mock = MockProcess::start(r#"route "GET" "/ok""#);
    let dir = tempfile::tempdir().unwrap();
    let html = dir.path().join("report.html");
    let junit = dir.path().join("junit.xml");
    let run = dir.path().join("run.json");
    let summary = dir.path().join("summary.md");
    std::fs::write(&summary, "# before\n").unwrap();
    Backendctl::new()
        .args(["load", &mock.url("/ok"), "-n", "20", "-t", "p95<10s"])
        .args([
            "--save",
            html.to_str().unwrap(),
            "--save",
            junit.to_str().unwrap(),
        ])
        .args(["--out", run.to_str().unwrap()])
        .env("GITHUB_STEP_SUMMARY", &summary)
        .run()
        .assert_status(exit_code::OK);
    let html = std::fs::read_to_string(html).unwrap();
    assert!(html.starts_with("<!DOCTYPE html>") && html.matches("<svg").count() >= 4);
    let junit = std::fs::read_to_string(junit).unwrap();
    assert!(junit.contains("<testcase name=\"p95 &lt;10s\""), "{junit}");
    assert_eq!(json_file(&run)["scenarios"][0]["total"]["count"], 20);
    let summary = std::fs::read_to_string(summary).unwrap();
    assert!(
        summary.starts_with("# before\n") && summary.contains(r"| ✅ | p95 \<10s |"),
        "{summary}"
    );
}

fn usage_errors_exit_64() {
    // --rate needs --duration.
    Backendctl::new()
        .args(["load", "http://127.0.0.1:1/", "--rate", "10"])
        .run()
        .assert_status(exit_code::USAGE);
}

fn http2_with_prior_knowledge_works() {
    let mock = MockProcess::start(r#"route "GET" "/ok" body="h2""#);
    let r = load_json(&[&mock.url("/ok"), "--http2", "-u", "2", "-n", "20"])
        .assert_status(exit_code::OK)
        .json();
    assert_eq!(r["scenarios"][0]["total"]["statuses"]["200"], 20);
}

fn keep_alive_off_opens_a_connection_per_request() {
    let mock = MockProcess::start(r#"route "GET" "/ok""#);
    let r = load_json(&[&mock.url("/ok"), "--no-keepalive", "-u", "2", "-n", "30"])
        .assert_status(exit_code::OK)
        .json();
    assert_eq!(r["scenarios"][0]["total"]["statuses"]["200"], 30);
}

fn huge_bodies_are_counted_not_kept() {
    const SIZE: usize = 32 * 1024 * 1024;
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let server = std::thread::spawn(move || {
        use std::io::{Read, Write};
        let (mut s, _) = listener.accept().unwrap();
        for _ in 0..2 {
            let mut buf = [0_u8; 1024];
            let _ = s.read(&mut buf);
            let _ = write!(s, "HTTP/1.1 200 OK\r\ncontent-length: {SIZE}\r\n\r\n");
            let chunk = vec![b'x'; 1024 * 1024];
            for _ in 0..SIZE / chunk.len() {
                s.write_all(&chunk).unwrap();
            }
        }
    });
    let output = load_json(&[&format!("http://{addr}/big"), "-u", "1", "-n", "2"]);
    server.join().unwrap();
    let r = output.assert_status(exit_code::OK).json();
    let total = &r["scenarios"][0]["total"];
    assert_eq!(total["statuses"]["200"], 2);
    assert!(total["bytes-in"].as_u64().unwrap() >= 2 * SIZE as u64);
}

fn a_run_ends_within_its_duration_plus_the_grace_period() {
    let mock = MockProcess::start(r#"route "GET" "/hang" latency="60s""#);
    let started = Instant::now();
    let r = load_json(&[
        &mock.url("/hang"),
        "-u",
        "3",
        "--duration",
        "1s",
        "--timeout",
        "60s",
    ])
    .json();
    let took = started.elapsed();
    assert!(
        took < Duration::from_secs(8),
        "took {took:?}: 1s + at most 5s of grace"
    );
    assert!(took >= Duration::from_secs(1));
    assert_eq!(
        r["scenarios"][0]["total"]["count"], 0,
        "cancelled requests are not counted"
    );
}
