//! `backendctl report render|compare|merge` over real run files.

mod common;
mod load_common;

use base64::Engine as _;
use common::backendctl;
use hdrhistogram::Histogram;
use hdrhistogram::serialization::Deserializer;
use load_common::{MockProcess, json, json_file};
use std::path::{Path, PathBuf};

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
    let output = backendctl()
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
        .output()
        .unwrap();
    assert!(
        matches!(output.status.code(), Some(0 | 99)),
        "{}",
        common::stderr(&output)
    );
    out
}

#[test]
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
    let output = backendctl()
        .args([
            "report",
            "merge",
            a.to_str().unwrap(),
            b.to_str().unwrap(),
            "-o",
            "json",
        ])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", common::stderr(&output));
    let merged = json(&String::from_utf8_lossy(&output.stdout));
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

#[test]
fn compare_gates_on_regressions() {
    let mock = MockProcess::start(r#"route "GET" "/ok""#);
    let dir = tempfile::tempdir().unwrap();
    let base = load_to(&mock, dir.path(), "base.json", &["-n", "100"]);
    let same = backendctl()
        .args([
            "report",
            "compare",
            base.to_str().unwrap(),
            base.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert_eq!(same.status.code(), Some(0));
    assert!(common::stdout(&same).contains("0 regression(s) beyond 10.0%"));
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
    let output = backendctl()
        .args([
            "report",
            "compare",
            base.to_str().unwrap(),
            worse_path.to_str().unwrap(),
            "--max-regression",
            "10%",
        ])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(99));
    let text = common::stdout(&output);
    assert!(
        text.contains("load/total") && text.contains("✗ regression"),
        "{text}"
    );
}

#[test]
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
        let output = backendctl()
            .args(["report", "render", run.to_str().unwrap(), "-o", format])
            .output()
            .unwrap();
        let text = common::stdout(&output);
        assert!(text.contains(needle), "{format}: {text}");
    }
}

#[test]
fn a_broken_results_file_is_reported() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("run.json");
    std::fs::write(&path, "{ not json").unwrap();
    let output = backendctl()
        .args(["report", "render", path.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(common::stderr(&output).contains("cannot read"));
}

#[test]
fn the_html_report_escapes_names_from_the_run() {
    let mock = MockProcess::start(r#"route "GET" "/ok""#);
    let dir = tempfile::tempdir().unwrap();
    let run = load_to(&mock, dir.path(), "run.json", &["-n", "5"]);
    let mut report = json_file(&run);
    report["scenarios"][0]["name"] = serde_json::json!("<script>alert(1)</script>");
    report["scenarios"][0]["requests"][0]["name"] =
        serde_json::json!("<img src=x onerror=alert(1)>");
    std::fs::write(&run, report.to_string()).unwrap();
    let output = backendctl()
        .args(["report", "render", run.to_str().unwrap(), "-o", "html"])
        .output()
        .unwrap();
    let html = common::stdout(&output);
    assert!(
        !html.contains("<script>") && !html.contains("<img"),
        "unescaped markup"
    );
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
}
