//! `scenario` and `mock` nodes through `apply`: stages, sequences with extraction, the CSV
//! feeder, checks, thresholds, abort-on-fail and the open model's dropped iterations.

use std::path::PathBuf;

use backendctl::exit_code;

use crate::common::{Workspace, free_port};
use crate::harness::{Test, trial};
use crate::load_common::json_file;

pub(crate) fn tests() -> Vec<Test> {
    vec![
        trial!(a_journey_extracts_values_feeds_data_and_passes_its_thresholds),
        trial!(abort_on_fail_stops_the_run_early_and_exits_99),
        trial!(the_open_model_counts_dropped_iterations_when_users_run_out),
        trial!(weighted_requests_are_picked_by_weight),
        trial!(mixing_users_and_rates_in_one_scenario_is_refused_by_validate),
        trial!(parallel_scenarios_run_at_the_same_time),
        trial!(a_scenario_whose_every_request_fails_fails_its_step_even_without_thresholds),
        trial!(apply_runs_one_shard_of_each_scenario_from_the_flag_or_the_environment),
        trial!(each_user_keeps_cookies_within_an_iteration_unless_cookies_are_off),
        trial!(env_and_runtime_variables_mix_in_one_scenario_string),
        trial!(a_scenario_against_a_silent_target_ends_within_its_stages_plus_the_grace_and_fails),
        trial!(apply_json_carries_each_scenario_s_figures_and_threshold_verdicts),
        trial!(report_dir_flag_overrides_the_setting_and_latest_names_the_last_run),
    ]
}

/// The report of scenario `name` in the last run (`.backendctl/runs/latest`).
fn scenario_json(ws: &Workspace, name: &str) -> serde_json::Value {
    json_file(&ws.join(&format!(".backendctl/runs/latest/scenario-{name}.json")))
}

/// Runs `apply --yes` in `ws`, expects `code`, and returns stdout.
fn apply_expecting(ws: &Workspace, code: u8) -> String {
    ws.run(&["apply", "--yes"])
        .assert_status(code)
        .stdout()
        .to_owned()
}

fn a_journey_extracts_values_feeds_data_and_passes_its_thresholds() {
    let port = free_port();
    let ws = Workspace::new(&format!(
        r#"backend version=1

mock "api" {{
    listen "127.0.0.1:{port}"
    route "POST" "/login" json="{{\"token\": \"t0k3n\"}}"
    route "GET" "/api/users/t0k3n" json="[{{\"id\": 1}}]" {{
        header "X-Served-By" "mock"
    }}
    route "GET" "/api/items/A1" body="item A1"
    route "GET" "/api/items/B2" body="item B2"
}}

scenario "journey" {{
    after "mock.api"
    base-url "http://127.0.0.1:{port}"
    data-file "items.csv"
    stages {{
        stage "500ms" target=3
        stage "1s" target=3
    }}
    request "login" "POST" "/login" {{
        json "{{\"user\": \"vu-{{{{ vu }}}}\"}}"
        expect status=200
        extract "token" json="$.token"
    }}
    request "users" "GET" "/api/users/{{{{ vars.token }}}}" {{
        expect status=200 header="X-Served-By" body-contains="id"
        expect-json "$[0].id" 1
    }}
    request "item" "GET" "/api/items/{{{{ data.sku }}}}" {{
        expect status=200 body-contains="item"
        thresholds {{
            p99 "< 1s"
        }}
    }}
    thresholds {{
        p95 "< 500ms"
        error-rate "< 1%"
        checks "> 99%"
        rps "> 10"
    }}
}}
"#
    ));
    std::fs::write(ws.join("items.csv"), "sku\nA1\nB2\n").unwrap();
    let stdout = apply_expecting(&ws, exit_code::OK);
    assert!(stdout.contains("thresholds passed"), "{stdout}");
    let report = scenario_json(&ws, "journey");
    let s = &report["scenarios"][0];
    assert_eq!(s["total"]["failed"], 0, "{s}");
    let names: Vec<&str> = s["requests"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["login", "users", "item"]);
    assert!(s["requests"][1]["checks-passed"].as_u64().unwrap() >= 4);
    assert_eq!(s["thresholds"].as_array().unwrap().len(), 5);
    assert!(s["max-vus"].as_u64().unwrap() <= 3);
    let html = ws.join(".backendctl/runs/latest/scenario-journey.html");
    assert!(std::fs::read_to_string(html).unwrap().contains("<svg"));
}

fn abort_on_fail_stops_the_run_early_and_exits_99() {
    let port = free_port();
    let ws = Workspace::new(&format!(
        r#"backend version=1
mock "api" {{
    listen "127.0.0.1:{port}"
    route "GET" "/down" status=503
}}
scenario "gate" {{
    after "mock.api"
    base-url "http://127.0.0.1:{port}"
    stages {{
        stage "20s" target=2
    }}
    request "down" "GET" "/down"
    thresholds abort-on-fail=#true abort-delay="1s" {{
        error-rate "< 1%"
    }}
}}
"#
    ));
    let stdout = apply_expecting(&ws, exit_code::THRESHOLD_BREACHED);
    let s = &scenario_json(&ws, "gate")["scenarios"][0];
    assert_eq!(s["aborted"], true);
    assert!(
        s["duration-secs"].as_f64().unwrap() < 19.0,
        "aborted before the 20s stage ended: {}",
        s["duration-secs"]
    );
    assert_eq!(s["thresholds"][0]["passed"], false);
    assert!(stdout.contains("✗  error-rate < 1%"), "{stdout}");
}

fn the_open_model_counts_dropped_iterations_when_users_run_out() {
    let port = free_port();
    let ws = Workspace::new(&format!(
        r#"backend version=1
mock "api" {{
    listen "127.0.0.1:{port}"
    route "GET" "/slow" latency="300ms"
}}
scenario "arrivals" {{
    after "mock.api"
    base-url "http://127.0.0.1:{port}"
    stages max-vus=2 {{
        stage "1s" rate=20
    }}
    request "slow" "GET" "/slow"
}}
"#
    ));
    apply_expecting(&ws, exit_code::OK);
    let s = &scenario_json(&ws, "arrivals")["scenarios"][0];
    let dropped = s["dropped-iterations"].as_u64().unwrap();
    let sent = s["total"]["count"].as_u64().unwrap();
    assert!(dropped >= 10, "dropped {dropped}");
    assert_eq!(dropped + sent, 20, "every due iteration is sent or dropped");
    assert!(s["max-vus"].as_u64().unwrap() <= 2);
    // Measured from the intended start: queued work shows in latency.
    assert!(s["total"]["latency"]["min"].as_f64().unwrap() >= 290.0);
}

fn weighted_requests_are_picked_by_weight() {
    let port = free_port();
    let ws = Workspace::new(&format!(
        r#"backend version=1
mock "api" {{
    listen "127.0.0.1:{port}"
    route "GET" "/a"
    route "GET" "/b"
}}
scenario "mix" {{
    after "mock.api"
    base-url "http://127.0.0.1:{port}"
    stages {{
        stage "1s" rate=400
    }}
    request "a" "GET" "/a" weight=9
    request "b" "GET" "/b" weight=1
}}
"#
    ));
    apply_expecting(&ws, exit_code::OK);
    let s = &scenario_json(&ws, "mix")["scenarios"][0];
    let a = s["requests"][0]["count"].as_f64().unwrap();
    let b = s["requests"][1]["count"].as_f64().unwrap();
    assert!((a + b - 400.0).abs() <= 4.0, "{a} + {b}");
    assert!(
        a / (a + b) > 0.8 && a / (a + b) < 0.97,
        "share of a: {}",
        a / (a + b)
    );
}

fn mixing_users_and_rates_in_one_scenario_is_refused_by_validate() {
    let ws = Workspace::new(
        r#"backend version=1
scenario "bad" {
    base-url "http://127.0.0.1:9"
    stages {
        stage "1s" target=2
        stage "1s" rate=5
    }
    request "a" "GET" "/"
}
"#,
    );
    // Issue 11: found only by plan (exit 1); it is a manifest problem at the stage's line.
    for command in ["validate", "plan"] {
        ws.run(&[command])
            .assert_status(exit_code::INVALID_MANIFEST)
            .stderr_contains("this stage sets `rate` but the first stage sets `target`")
            .stderr_contains("backend.kdl:6:9");
    }
}

fn parallel_scenarios_run_at_the_same_time() {
    let port = free_port();
    let scenario = |name: &str| {
        format!(
            r#"scenario "{name}" {{
    after "mock.api"
    parallel #true
    base-url "http://127.0.0.1:{port}"
    stages {{
        stage "2s" rate=20
    }}
    request "{name}" "GET" "/ok"
}}
"#
        )
    };
    let ws = Workspace::new(&format!(
        "backend version=1\nmock \"api\" {{\n    listen \"127.0.0.1:{port}\"\n    route \"GET\" \"/ok\"\n}}\n{}{}",
        scenario("first"),
        scenario("second")
    ));
    apply_expecting(&ws, exit_code::OK);
    // Each scenario's window is [started-at, started-at + duration]; run together, they overlap
    // (one after the other, the second would start when the first ended).
    let window = |name: &str| {
        let report = scenario_json(&ws, name);
        let started = time::OffsetDateTime::parse(
            report["started-at"].as_str().unwrap(),
            &time::format_description::well_known::Rfc3339,
        )
        .unwrap();
        let seconds = report["scenarios"][0]["duration-secs"].as_f64().unwrap();
        (started, started + time::Duration::seconds_f64(seconds))
    };
    let (first_start, first_end) = window("first");
    let (second_start, second_end) = window("second");
    assert!(
        first_start < second_end - time::Duration::seconds(1)
            && second_start < first_end - time::Duration::seconds(1),
        "the scenarios did not overlap: first {first_start}..{first_end}, second {second_start}..{second_end}"
    );
    for name in ["first", "second"] {
        let count = scenario_json(&ws, name)["scenarios"][0]["total"]["count"]
            .as_u64()
            .unwrap();
        assert!((38..=42).contains(&count), "{name}: {count}");
    }
}

fn a_scenario_whose_every_request_fails_fails_its_step_even_without_thresholds() {
    let port = free_port();
    let ws = Workspace::new(&format!(
        r#"backend version=1
scenario "dead" {{
    base-url "http://127.0.0.1:{port}"
    stages {{
        stage "1s" target=1
    }}
    request "home" "GET" "/"
}}
"#
    ));
    ws.run(&["apply", "--yes"])
        .assert_status(exit_code::ERROR)
        .stdout_contains("every request failed (connect-refused");
    // The failed step still carries its figures in `apply --json` (issue 12): nothing sent, no
    // latency (`null`), the failures by category.
    let json = ws
        .run(&["apply", "--yes", "--json"])
        .assert_status(exit_code::ERROR)
        .json();
    let step = &json["steps"][0];
    assert_eq!(step["result"], "failed", "{step}");
    assert!(
        step["error"]
            .as_str()
            .unwrap()
            .contains("every request failed"),
        "{step}"
    );
    let total = &step["metrics"]["total"];
    assert!(
        total["errors"]["connect-refused"].as_u64().unwrap() > 0,
        "{total}"
    );
    assert_eq!(
        total["bytes-out"], 0,
        "refused connections send nothing: {total}"
    );
    assert!(total["latency"]["p95"].is_null(), "{total}");
}

fn apply_runs_one_shard_of_each_scenario_from_the_flag_or_the_environment() {
    let port = free_port();
    let ws = Workspace::new(&format!(
        r#"backend version=1
mock "api" {{
    listen "127.0.0.1:{port}"
    route "GET" "/ok"
}}
scenario "steady" {{
    after "mock.api"
    base-url "http://127.0.0.1:{port}"
    stages {{
        stage "2s" rate=20
    }}
    request "ok" "GET" "/ok"
}}
"#
    ));
    let count = |ws: &Workspace| {
        scenario_json(ws, "steady")["scenarios"][0]["total"]["count"]
            .as_u64()
            .unwrap()
    };
    ws.run(&["apply", "--yes", "--shard", "1/2"])
        .assert_status(exit_code::OK);
    let half = count(&ws);
    assert!((18..=22).contains(&half), "half of 40 arrivals: {half}");

    ws.backendctl()
        .env("BACKENDCTL_SHARD", "2/2")
        .args(["apply", "--yes"])
        .run()
        .assert_status(exit_code::OK);
    let other_half = count(&ws);
    assert!(
        (18..=22).contains(&other_half),
        "half of 40 arrivals: {other_half}"
    );

    ws.run(&["apply", "--yes", "--shard", "3/2"])
        .assert_status(exit_code::ERROR);
}

/// A target for cookie tests: `/login` sets `session=s3cr3t`; `/me` answers 200 only when that
/// cookie comes back, 401 otherwise. Keep-alive, one thread per connection; it lives as long
/// as the test process.
fn cookie_target() -> u16 {
    use std::io::{BufRead, BufReader, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            std::thread::spawn(move || {
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                let mut writer = stream;
                loop {
                    let mut request_line = String::new();
                    if reader.read_line(&mut request_line).unwrap_or(0) == 0 {
                        return;
                    }
                    let mut has_session = false;
                    loop {
                        let mut line = String::new();
                        if reader.read_line(&mut line).unwrap_or(0) == 0 {
                            return;
                        }
                        if line == "\r\n" {
                            break;
                        }
                        let lower = line.to_ascii_lowercase();
                        has_session |=
                            lower.starts_with("cookie:") && lower.contains("session=s3cr3t");
                    }
                    let response = if request_line.starts_with("GET /login ") {
                        "HTTP/1.1 200 OK\r\nset-cookie: session=s3cr3t; Path=/; HttpOnly\r\ncontent-length: 2\r\n\r\nok"
                    } else if has_session {
                        "HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nme"
                    } else {
                        "HTTP/1.1 401 Unauthorized\r\ncontent-length: 0\r\n\r\n"
                    };
                    if writer.write_all(response.as_bytes()).is_err() {
                        return;
                    }
                }
            });
        }
    });
    port
}

fn each_user_keeps_cookies_within_an_iteration_unless_cookies_are_off() {
    let port = cookie_target();
    let journey = |name: &str, extra: &str, after_status: u16| {
        format!(
            r#"scenario "{name}" {{
    base-url "http://127.0.0.1:{port}"
    {extra}
    stages {{
        stage "1s" target=2
    }}
    request "before" "GET" "/me" {{
        expect status=401
    }}
    request "login" "GET" "/login" {{
        expect status=200
    }}
    request "after" "GET" "/me" {{
        expect status={after_status}
    }}
}}
"#
        )
    };
    let ws = Workspace::new(&format!(
        "backend version=1\n{}{}",
        // The jar sends the cookie back, and is empty again when the next iteration starts
        // (`before` sees 401 every time).
        journey("with-cookies", "", 200),
        journey("without-cookies", "cookies #false", 401),
    ));
    apply_expecting(&ws, exit_code::OK);
    for name in ["with-cookies", "without-cookies"] {
        let report = scenario_json(&ws, name);
        let s = &report["scenarios"][0];
        assert_eq!(s["total"]["failed"], 0, "{name}: {s}");
        let before = &s["requests"][0];
        assert!(
            before["count"].as_u64().unwrap() >= 10,
            "{name}: each user ran several iterations: {s}"
        );
        assert_eq!(before["checks-failed"], 0, "{name}: {s}");
    }
}

/// Regression (issue 11): `{{ env.X }}` and `{{ vu }}` in one scenario string made every
/// request fail with category `other`, and neither validate nor plan said anything: the string
/// was left whole for the load engine, where `env` is undefined. The env part is now
/// interpolated with the manifest and the run-time part rendered per request. (A path is not a
/// secret position, so the tenant is shown in the plan; in a header it is a secret.)
fn env_and_runtime_variables_mix_in_one_scenario_string() {
    let port = free_port();
    let ws = Workspace::new(&format!(
        r#"backend version=1
mock "api" {{
    listen "127.0.0.1:{port}"
    route "GET" "/t/acme-7f3e/users/{{id}}" body="ok"
}}
scenario "tenant" {{
    after "mock.api"
    base-url "http://127.0.0.1:{port}"
    stages {{
        stage "500ms" target=2
    }}
    request "user" "GET" "/t/{{{{ env.TENANT }}}}/users/{{{{ vu }}}}" {{
        header "X-Tenant" "{{{{ env.TENANT }}}}-{{{{ iteration }}}}"
        expect status=200 body-contains="ok"
    }}
}}
"#
    ));
    let run = |args: &[&str], tenant: Option<&str>| {
        let command = ws.backendctl().args(args);
        match tenant {
            Some(tenant) => command.env("TENANT", tenant),
            None => command,
        }
        .run()
    };
    // An unset variable is noted by validate (which needs no secret) and named by plan.
    run(&["validate"], None)
        .assert_status(exit_code::OK)
        .stdout_contains("note: environment variable `TENANT` is not set");
    run(&["plan"], None)
        .assert_status(exit_code::INVALID_MANIFEST)
        .stderr_contains("environment variable `TENANT` is not set");

    let plan = run(&["plan", "--json"], Some("acme-7f3e")).assert_status(exit_code::OK);
    assert!(
        plan.stdout().contains("/t/acme-7f3e/users/{{ vu }}"),
        "{}",
        plan.stdout()
    );

    run(&["apply", "--yes"], Some("acme-7f3e")).assert_status(exit_code::OK);
    let total = &scenario_json(&ws, "tenant")["scenarios"][0]["total"];
    assert!(total["count"].as_u64().unwrap() > 0, "{total}");
    assert_eq!(total["failed"], 0, "{total}");
    assert_eq!(total["statuses"]["200"], total["count"], "{total}");
}

/// Regression (issue 11): a scenario with `timeout "30s"` and a 5 s stage against a target that
/// never answers ended after 34.4 s and passed with no request. The closed model's users now
/// get the documented grace (5 s) after the last stage, then are cancelled, counted as
/// timeouts, and the step fails.
fn a_scenario_against_a_silent_target_ends_within_its_stages_plus_the_grace_and_fails() {
    let target = crate::load_common::SilentTarget::start();
    let ws = Workspace::new(&format!(
        r#"backend version=1
scenario "stuck" {{
    base-url "http://{}"
    timeout "30s"
    stages {{
        stage "1s" target=2
    }}
    request "home" "GET" "/"
}}
"#,
        target.authority
    ));
    let started = std::time::Instant::now();
    let output = ws.run(&["apply", "--yes"]);
    let took = started.elapsed();
    // 1 s of stages, the documented 5 s of grace, and room for starting and writing reports.
    let bound = std::time::Duration::from_secs(1 + 5 + 4);
    assert!(
        took < bound,
        "took {took:?}, more than {bound:?}: {}",
        output.stdout()
    );
    output
        .assert_status(exit_code::ERROR)
        .stdout_contains("no request completed in")
        .stdout_contains("2 were still waiting for an answer when the run ended");
    let total = &scenario_json(&ws, "stuck")["scenarios"][0]["total"];
    assert_eq!(total["errors"]["timeout"], 2, "{total}");
}

/// A mock and a scenario of two requests with thresholds on the whole and on one request.
fn browsing_workspace() -> Workspace {
    let port = free_port();
    Workspace::new(&format!(
        r#"backend version=1
mock "api" {{
    listen "127.0.0.1:{port}"
    route "GET" "/products" json="[]"
    route "GET" "/cart" body="empty"
}}
scenario "browse" {{
    after "mock.api"
    base-url "http://127.0.0.1:{port}"
    stages {{
        stage "300ms" target=2
    }}
    request "products" "GET" "/products" {{
        expect status=200
        thresholds {{
            p99 "< 10s"
        }}
    }}
    request "cart" "GET" "/cart"
    thresholds {{
        p95 "< 10s"
        error-rate "< 1%"
        rps "> 0"
    }}
}}
"#
    ))
}

/// Replaces what varies from run to run: every number but 0 (so a failure count of 0 stays
/// one), and the texts that carry numbers, ports or paths. Types stay visible: a number is
/// `"[number]"`, a missing figure stays `null`.
fn redact_varying(value: &mut serde_json::Value) {
    use serde_json::Value;
    match value {
        Value::Number(n) if n.as_u64() != Some(0) => *value = Value::from("[number]"),
        Value::Array(items) => items.iter_mut().for_each(redact_varying),
        Value::Object(fields) => {
            for (key, field) in fields.iter_mut() {
                match key.as_str() {
                    "run-dir" | "summary" | "shown" => *field = Value::from(format!("[{key}]")),
                    "details" => *field = Value::from("[lines]"),
                    _ => redact_varying(field),
                }
            }
        }
        _ => {}
    }
}

/// Regression (issue 12): `apply --json` carried a scenario's figures and verdicts only as
/// preformatted text lines (`details`). Each scenario step's outcome now has `metrics`: its
/// run.json entry without histograms — counts, failures by category, rps, latency in ms,
/// bytes, per request, and every threshold with its value and verdict.
fn apply_json_carries_each_scenario_s_figures_and_threshold_verdicts() {
    let ws = browsing_workspace();
    let mut json = ws
        .run(&["apply", "--yes", "--json"])
        .assert_status(exit_code::OK)
        .json();
    let metrics = &json["steps"][1]["outcome"]["metrics"];
    let total = &metrics["total"];
    let count = total["count"].as_u64().unwrap();
    assert!(count > 0, "{metrics}");
    assert_eq!(total["statuses"]["200"], count, "{metrics}");
    assert!(total["latency"]["p95"].as_f64().unwrap() > 0.0, "{metrics}");
    assert!(total["bytes-out"].as_u64().unwrap() > 0, "{metrics}");
    let verdicts: Vec<(&str, bool)> = metrics["thresholds"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            (
                t["metric"].as_str().unwrap(),
                t["value"].is_f64() && t["passed"] == true,
            )
        })
        .collect();
    assert_eq!(
        verdicts,
        [
            ("p95", true),
            ("error-rate", true),
            ("rps", true),
            ("p99", true)
        ]
    );
    redact_varying(&mut json);
    insta::assert_json_snapshot!("apply-json-metrics", json);
}

/// `apply --report-dir DIR` (relative to the current directory) wins over the `report_dir`
/// setting (here from the environment, relative to the manifest's directory), and DIR/latest
/// names the last run's directory.
fn report_dir_flag_overrides_the_setting_and_latest_names_the_last_run() {
    let ws = browsing_workspace();
    let manifest = ws.join("backend.kdl");
    let cwd = tempfile::tempdir().unwrap();
    let apply = |flag: &[&str]| {
        ws.backendctl()
            .current_dir(cwd.path())
            .arg("-f")
            .arg(&manifest)
            .args(["apply", "--yes", "--json"])
            .args(flag)
            .env("BACKENDCTL_REPORT_DIR", "from-env")
            .run()
            .assert_status(exit_code::OK)
            .json()["run-dir"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let first = PathBuf::from(apply(&["--report-dir", "out"]));
    let second = PathBuf::from(apply(&["--report-dir", "out"]));
    let out = cwd.path().join("out");
    for run in [&first, &second] {
        assert_eq!(run.parent(), Some(out.as_path()), "{}", run.display());
        assert!(run.join("scenario-browse.json").is_file());
    }
    assert_eq!(
        std::fs::read_link(out.join("latest")).unwrap(),
        PathBuf::from(second.file_name().unwrap())
    );
    assert!(!ws.join("from-env").exists() && !cwd.path().join("from-env").exists());
    // Without the flag, the setting: relative to the manifest's directory, with its own latest.
    let from_env = PathBuf::from(apply(&[]));
    assert_eq!(from_env.parent(), Some(ws.join("from-env").as_path()));
    assert_eq!(
        std::fs::canonicalize(ws.join("from-env/latest")).unwrap(),
        std::fs::canonicalize(&from_env).unwrap()
    );
}
