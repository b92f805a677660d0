//! Services end to end: real processes, real readiness probes, stopped at the end of apply.

mod common;

use common::{Workspace, free_port, process_alive, stdout};

fn manifest(body: &str) -> String {
    format!("backend version=1\n{body}")
}

#[test]
fn a_service_starts_gets_ready_logs_and_is_stopped_with_its_process_group() {
    let port = free_port();
    let workspace = Workspace::new(&manifest(&format!(
        r#"
service "web" {{
    run "sh" "-c" "sleep 300 & echo $! > grandchild.pid; echo started; exec python3 -m http.server {port} --bind 127.0.0.1"
    ready "http://127.0.0.1:{port}/" timeout="20s"
    stop-timeout "2s"
}}
"#
    )));
    let output = workspace.run(&["apply", "--json"]);
    let text = stdout(&output);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{text}\n{}",
        common::stderr(&output)
    );
    let report: serde_json::Value = serde_json::from_str(&text).expect("JSON");
    assert_eq!(report["steps"][0]["result"], "done");
    assert!(
        report["steps"][0]["outcome"]["summary"]
            .as_str()
            .unwrap()
            .starts_with("started (pid")
    );
    let run_dir = report["run-dir"].as_str().expect("run dir");
    let log = std::fs::read_to_string(std::path::Path::new(run_dir).join("service-web.log"))
        .expect("the log exists");
    assert!(log.contains("started"), "{log}");
    assert!(
        report["stopped"][0]
            .as_str()
            .unwrap()
            .starts_with("service.web stopped")
    );
    // The service no longer listens, and its whole group (the backgrounded sleep) is gone.
    assert!(std::net::TcpStream::connect(("127.0.0.1", port)).is_err());
    let grandchild = workspace.pid("grandchild.pid");
    assert!(
        !process_alive(grandchild),
        "the grandchild {grandchild} survived"
    );
}

#[test]
fn a_service_that_exits_early_fails_with_its_log_tail() {
    let port = free_port();
    let workspace = Workspace::new(&manifest(&format!(
        r#"
service "broken" {{
    run "sh" "-c" "echo 'config missing: DATABASE_URL' >&2; exit 3"
    ready "tcp://127.0.0.1:{port}" timeout="30s"
}}
"#
    )));
    let output = workspace.run(&["apply"]);
    let text = stdout(&output);
    assert_eq!(output.status.code(), Some(1), "{text}");
    assert!(
        text.contains("exited with exit status: 3 before it was ready"),
        "{text}"
    );
    assert!(text.contains("| config missing: DATABASE_URL"), "{text}");
    assert!(
        text.contains("Apply: 0 done, 1 failed (service.broken)."),
        "{text}"
    );
}

#[test]
fn a_service_that_never_gets_ready_times_out_and_is_killed() {
    let port = free_port();
    let workspace = Workspace::new(&manifest(&format!(
        r#"
service "silent" {{
    run "sh" "-c" "echo $$ > service.pid; exec sleep 300"
    ready "tcp://127.0.0.1:{port}" timeout="1s"
    stop-timeout "1s"
}}
"#
    )));
    let output = workspace.run(&["apply"]);
    let text = stdout(&output);
    assert_eq!(output.status.code(), Some(1), "{text}");
    assert!(
        text.contains(&format!("was not ready at tcp://127.0.0.1:{port} after 1s")),
        "{text}"
    );
    let pid = workspace.pid("service.pid");
    assert!(!process_alive(pid), "the service {pid} survived");
}

#[test]
fn a_failure_skips_later_steps_and_still_stops_started_services() {
    let port = free_port();
    let workspace = Workspace::new(&manifest(&format!(
        r#"
service "first" {{
    run "sh" "-c" "echo $$ > first.pid; exec python3 -m http.server {port} --bind 127.0.0.1"
    ready "tcp://127.0.0.1:{port}" timeout="20s"
}}
service "second" {{
    run "sh" "-c" "exit 7"
    ready "tcp://127.0.0.1:1" timeout="5s"
    after "service.first"
}}
service "third" {{
    run "true"
    after "service.second"
}}
"#
    )));
    let output = workspace.run(&["apply"]);
    let text = stdout(&output);
    assert_eq!(output.status.code(), Some(1), "{text}");
    assert!(
        text.contains("Apply: 1 done, 1 failed (service.second), 1 skipped."),
        "{text}"
    );
    let pid = workspace.pid("first.pid");
    assert!(!process_alive(pid), "service.first {pid} was not stopped");
}

#[test]
fn only_runs_a_node_and_what_it_needs() {
    let workspace = Workspace::new(&manifest(
        r#"
service "a" { run "sh" "-c" "touch a.ran"; }
service "b" {
    run "sh" "-c" "touch b.ran"
    after "service.a"
}
service "c" { run "sh" "-c" "touch c.ran"; }
"#,
    ));
    let output = workspace.run(&["apply", "--only", "service.b", "--json"]);
    assert_eq!(output.status.code(), Some(0), "{}", stdout(&output));
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).expect("JSON");
    let addresses: Vec<&str> = report["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|step| step["address"].as_str().unwrap())
        .collect();
    assert_eq!(addresses, ["service.a", "service.b"]);

    let output = workspace.run(&["apply", "--only", "service.nope"]);
    assert_eq!(output.status.code(), Some(64));
    assert!(common::stderr(&output).contains("the manifest has no node `service.nope`"));
}

#[test]
fn ctrl_c_stops_services_keeps_results_and_exits_130() {
    let port = free_port();
    let workspace = Workspace::new(&manifest(&format!(
        r#"
service "done" {{
    run "sh" "-c" "echo $$ > done.pid; exec sleep 300"
}}
service "waiting" {{
    run "sh" "-c" "echo $$ > waiting.pid; exec sleep 300"
    ready "tcp://127.0.0.1:{port}" timeout="120s"
    after "service.done"
}}
service "never" {{
    run "true"
    after "service.waiting"
}}
"#
    )));
    let child = std::process::Command::new(assert_cmd::cargo::cargo_bin("backendctl"))
        .current_dir(workspace.path())
        .env("NO_COLOR", "1")
        .arg("apply")
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("spawn");
    // Wait (bounded) until both services have written their pids: apply is then waiting for
    // the second one's readiness. (`done` has no readiness probe, so apply moves on as soon as
    // it is spawned; its shell may not have written its pid yet when `waiting` has.)
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    let started = || {
        ["done.pid", "waiting.pid"].iter().all(|file| {
            std::fs::read_to_string(workspace.join(file)).is_ok_and(|text| text.ends_with('\n'))
        })
    };
    while !started() {
        assert!(
            std::time::Instant::now() < deadline,
            "service.waiting never started"
        );
        std::thread::yield_now();
    }
    let pid = nix::unistd::Pid::from_raw(i32::try_from(child.id()).unwrap());
    nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGINT).expect("signal");
    let output = child.wait_with_output().expect("wait");
    let text = stdout(&output);
    assert_eq!(output.status.code(), Some(130), "{text}");
    assert!(
        text.contains("Apply interrupted: 1 done, 2 skipped."),
        "{text}"
    );
    for file in ["done.pid", "waiting.pid"] {
        let pid: i32 = std::fs::read_to_string(workspace.join(file))
            .unwrap()
            .trim()
            .parse()
            .unwrap();
        assert!(!process_alive(pid), "{file}: {pid} survived the interrupt");
    }
}

#[test]
fn apply_output_reports_each_step_and_a_summary() {
    let port = free_port();
    let workspace = Workspace::new(&manifest(&format!(
        r#"
service "web" {{
    run "python3" "-m" "http.server" "{port}" "--bind" "127.0.0.1"
    ready "http://127.0.0.1:{port}/" timeout="20s"
}}
service "broken" {{
    run "sh" "-c" "echo 'missing config' >&2; exit 2"
    ready "tcp://127.0.0.1:1" timeout="20s"
    after "service.web"
}}
service "later" {{
    run "true"
    after "service.broken"
}}
"#
    )));
    let output = workspace.run(&["apply"]);
    assert_eq!(output.status.code(), Some(1));
    insta::with_settings!({filters => vec![
        (r"pid \d+", "pid [pid]"),
        (r"\b\d+(\.\d+)?(ms|s)\b", "[time]"),
        (r"127\.0\.0\.1:\d+", "127.0.0.1:[port]"),
        (r"/\S*/\.backendctl/runs/[0-9TZ-]+", "[run-dir]"),
        (r"stopped \(.*\)", "stopped ([how])"),
        (&port.to_string(), "[port]"),
    ]}, {
        insta::assert_snapshot!("apply-failure", stdout(&output));
    });
}

#[test]
fn parallelism_starts_independent_services_together() {
    // `a` comes first in the order and is ready only once `b` listens: one at a time, `a` can
    // never get ready (`b` has not started), so it fails at its timeout and `b` is skipped;
    // with parallelism 2 they start together and both get ready (a generous timeout there,
    // so a loaded machine cannot make it fail).
    let port = free_port();
    let services = |a_timeout: &str| {
        manifest(&format!(
            r#"
service "a" {{
    run "sleep" "300"
    ready "tcp://127.0.0.1:{port}" timeout="{a_timeout}"
}}
service "b" {{
    run "python3" "-m" "http.server" "{port}" "--bind" "127.0.0.1"
    ready "http://127.0.0.1:{port}/" timeout="60s"
}}
"#
        ))
    };
    let workspace = Workspace::new(&services("1s"));
    let one_at_a_time = workspace.run(&["apply"]);
    let text = stdout(&one_at_a_time);
    assert_eq!(one_at_a_time.status.code(), Some(1), "{text}");
    assert!(text.contains("1 failed (service.a), 1 skipped"), "{text}");

    std::fs::write(workspace.join("backend.kdl"), services("60s")).unwrap();
    let together = common::backendctl()
        .current_dir(workspace.path())
        .env("BACKENDCTL_PARALLELISM", "2")
        .arg("apply")
        .output()
        .expect("runs");
    let text = stdout(&together);
    assert_eq!(
        together.status.code(),
        Some(0),
        "{text}{}",
        common::stderr(&together)
    );
    assert!(text.contains("Apply: 2 done."), "{text}");
}
