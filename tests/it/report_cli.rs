//! `backendctl report render|compare|merge` over real run files.

use std::path::{Path, PathBuf};

use backendctl::exit_code;
use base64::Engine as _;
use hdrhistogram::Histogram;
use hdrhistogram::serialization::Deserializer;

use crate::binary::Backendctl;
use crate::harness::{Test, trial};
use crate::load_common::{MockProcess, json_file};

pub(crate) fn tests() -> Vec<Test> {
    vec![
        trial!(merging_shards_adds_histograms_exactly),
        trial!(compare_gates_on_regressions),
        trial!(render_turns_a_results_file_into_every_format),
        trial!(a_broken_results_file_is_reported),
        trial!(the_html_report_escapes_names_from_the_run),
    ]
}

fn histogram(encoded: &str) -> Histogram<u64> {
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(encoded)
        .unwrap();
    Deserializer::new()
        .deserialize(&mut bytes.as_slice())
        .unwrap()
}

fn load_to(mock: &MockProcess, dir: &Path, file: &str, extra: &[&str]) -> PathBuf {
    let out = dir.join(file);
    let output = Backendctl::new()
        .args([
            "load",
            &mock.url("/ok"),
            "-u",
            "3",
            "-o",
            "json",
            "--out",
            out.to_str().unwrap(),
        ])
        .args(extra)
        .run();
    let status = output.status().and_then(|code| u8::try_from(code).ok());
    assert!(
        matches!(status, Some(exit_code::OK | exit_code::THRESHOLD_BREACHED)),
        "{}",
        output.stderr()
    );
    out
}

fn merging_shards_adds_histograms_exactly() {
    let mock = MockProcess::start(r#"route "GET" "/ok" latency="2ms" latency-p99="30ms""#);
    let dir = tempfile::tempdir().unwrap();
    let a = load_to(
        &mock,
        dir.path(),
        "shard-1.json",
        &["-n", "300", "--shard", "1/2", "-t", "p99<10s"],
    );
    let b = load_to(
        &mock,
        dir.path(),
        "shard-2.json",
        &["-n", "300", "--shard", "2/2", "-t", "p99<10s"],
    );
    let (ja, jb) = (json_file(&a), json_file(&b));
    assert_eq!(ja["scenarios"][0]["total"]["count"], 150);
    assert_eq!(ja["scenarios"][0]["shard"], "1/2");
    let merged = Backendctl::new()
        .args([
            "report",
            "merge",
            a.to_str().unwrap(),
            b.to_str().unwrap(),
            "-o",
            "json",
        ])
        .run()
        .assert_status(exit_code::OK)
        .json();
    let total = &merged["scenarios"][0]["total"];
    assert_eq!(total["count"], 300);
    let mut expected = histogram(ja["scenarios"][0]["total"]["histogram"].as_str().unwrap());
    expected
        .add(histogram(
            jb["scenarios"][0]["total"]["histogram"].as_str().unwrap(),
        ))
        .unwrap();
    let got = histogram(total["histogram"].as_str().unwrap());
    assert_eq!(got, expected, "bucket for bucket");
    for (key, q) in [("p50", 0.5), ("p95", 0.95), ("p99", 0.99)] {
        let exact = expected.value_at_quantile(q) as f64 / 1000.0;
        assert!(
            (total["latency"][key].as_f64().unwrap() - exact).abs() < 1e-9,
            "{key}"
        );
    }
    assert_eq!(
        merged["scenarios"][0]["thresholds"][0]["passed"], true,
        "thresholds re-evaluated"
    );
}

fn compare_gates_on_regressions() {
    let mock = MockProcess::start(r#"route "GET" "/ok""#);
    let dir = tempfile::tempdir().unwrap();
    let base = load_to(&mock, dir.path(), "base.json", &["-n", "100"]);
    Backendctl::new()
        .args([
            "report",
            "compare",
            base.to_str().unwrap(),
            base.to_str().unwrap(),
        ])
        .run()
        .assert_status(exit_code::OK)
        .stdout_contains("0 regression(s) beyond 10.0%");
    // A run twice as slow.
    let mut worse = json_file(&base);
    for key in ["p50", "p95", "p99", "mean"] {
        let v = worse["scenarios"][0]["total"]["latency"][key]
            .as_f64()
            .unwrap();
        worse["scenarios"][0]["total"]["latency"][key] = serde_json::json!(v * 2.0 + 1.0);
    }
    let worse_path = dir.path().join("worse.json");
    std::fs::write(&worse_path, worse.to_string()).unwrap();
    Backendctl::new()
        .args([
            "report",
            "compare",
            base.to_str().unwrap(),
            worse_path.to_str().unwrap(),
            "--max-regression",
            "10%",
        ])
        .run()
        .assert_status(exit_code::THRESHOLD_BREACHED)
        .stdout_contains("load/total")
        .stdout_contains("✗ regression");
}

fn render_turns_a_results_file_into_every_format() {
    let mock = MockProcess::start(r#"route "GET" "/ok""#);
    let dir = tempfile::tempdir().unwrap();
    let run = load_to(
        &mock,
        dir.path(),
        "run.json",
        &["-n", "50", "-t", "p95<1ms"],
    );
    for (format, needle) in [
        ("text", "thresholds"),
        ("html", "<svg"),
        ("junit", "<testsuites"),
        ("markdown", "| request |"),
        ("json", "\"histogram\""),
    ] {
        Backendctl::new()
            .args(["report", "render", run.to_str().unwrap(), "-o", format])
            .run()
            .stdout_contains(needle);
    }
}

fn a_broken_results_file_is_reported() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("run.json");
    std::fs::write(&path, "{ not json").unwrap();
    Backendctl::new()
        .args(["report", "render", path.to_str().unwrap()])
        .run()
        .assert_status(exit_code::ERROR)
        .stderr_contains("cannot read");
}

fn the_html_report_escapes_names_from_the_run() {
    let mock = MockProcess::start(r#"route "GET" "/ok""#);
    let dir = tempfile::tempdir().unwrap();
    let run = load_to(&mock, dir.path(), "run.json", &["-n", "5"]);
    let mut report = json_file(&run);
    report["scenarios"][0]["name"] = serde_json::json!("<script>alert(1)</script>");
    report["scenarios"][0]["requests"][0]["name"] =
        serde_json::json!("<img src=x onerror=alert(1)>");
    std::fs::write(&run, report.to_string()).unwrap();
    let output = Backendctl::new()
        .args(["report", "render", run.to_str().unwrap(), "-o", "html"])
        .run();
    let html = output.stdout();
    assert!(
        !html.contains("<script>") && !html.contains("<img"),
        "unescaped markup"
    );
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
}
