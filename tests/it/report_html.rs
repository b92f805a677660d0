//! The HTML report as a person sees it: rendered by headless Chromium (when installed; CI
//! installs it), every chart drawn and every table filled.

use std::process::Command;

use crate::binary::Backendctl;
use crate::common::rendered_dom;
use crate::harness::{Test, chromium, trial};
use crate::load_common::MockProcess;

pub(crate) fn tests() -> Vec<Test> {
    vec![trial!(
        headless_chromium_renders_the_charts_and_tables,
        needs = [Chromium]
    )]
}

fn headless_chromium_renders_the_charts_and_tables() {
    let browser = chromium();
    let mock = MockProcess::start(r#"route "GET" "/ok" latency="1ms" error-rate=0.1"#);
    let dir = tempfile::tempdir().unwrap();
    let html = dir.path().join("report.html");
    let output = Backendctl::new()
        .args([
            "load",
            &mock.url("/ok"),
            "-u",
            "4",
            "--duration",
            "2s",
            "-t",
            "p95<1s",
        ])
        .args(["--save", html.to_str().unwrap()])
        .run();
    assert!(html.exists(), "{}", output.stderr());
    let url = format!("file://{}", html.display());
    let dom = rendered_dom(&url);
    assert_eq!(
        dom.matches("<svg").count(),
        4,
        "four charts in the rendered DOM"
    );
    for needle in [
        "Latency percentiles per second",
        "p95 &lt;1s",
        "GET /ok",
        ">200<",
        ">500<",
    ] {
        assert!(
            dom.contains(needle),
            "missing {needle:?} in the rendered page"
        );
    }
    let png = dir.path().join("shot.png");
    let shot = Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--window-size=1000,2400",
        ])
        .arg(format!("--screenshot={}", png.display()))
        .arg(&url)
        .output()
        .expect("run chromium");
    assert!(shot.status.success());
    assert!(
        std::fs::metadata(&png).unwrap().len() > 20_000,
        "a screenshot with content"
    );
}
