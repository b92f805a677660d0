//! Services end to end: real processes, real readiness probes, stopped at the end of apply.

use std::process::Stdio;

use backendctl::exit_code;

use crate::common::{Workspace, free_port, process_alive};
use crate::harness::{Test, trial};

pub(crate) fn tests() -> Vec<Test> {
    vec![
        trial!(
            a_service_starts_gets_ready_logs_and_is_stopped_with_its_process_group,
            needs = [Python]
        ),
        trial!(a_service_that_exits_early_fails_with_its_log_tail),
        trial!(a_service_that_never_gets_ready_times_out_and_is_killed),
        trial!(
            a_failure_skips_later_steps_and_still_stops_started_services,
            needs = [Python]
        ),
        trial!(only_runs_a_node_and_what_it_needs),
        trial!(ctrl_c_stops_services_keeps_results_and_exits_130),
        trial!(sigterm_stops_services_keeps_results_and_exits_143),
        trial!(sighup_stops_services_keeps_results_and_exits_129),
        trial!(
            a_service_that_dies_while_apply_needs_it_fails_the_apply,
            needs = [Python]
        ),
        trial!(
            apply_output_reports_each_step_and_a_summary,
            needs = [Python]
        ),
        trial!(
            parallelism_starts_independent_services_together,
            needs = [Python]
        ),
    ]
}

fn manifest(body: &str) -> String {
    format!("backend version=1\n{body}")
}

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
    let report = workspace
        .run(&["apply", "--yes", "--json"])
        .assert_status(exit_code::OK)
        .json();
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
    workspace
        .run(&["apply", "--yes"])
        .assert_status(exit_code::ERROR)
        .stdout_contains("exited with exit status: 3 before it was ready")
        .stdout_contains("| config missing: DATABASE_URL")
        .stdout_contains("Apply: 0 done, 1 failed (service.broken).");
}

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
    workspace
        .run(&["apply", "--yes"])
        .assert_status(exit_code::ERROR)
        .stdout_contains(&format!("was not ready at tcp://127.0.0.1:{port} after 1s"));
    let pid = workspace.pid("service.pid");
    assert!(!process_alive(pid), "the service {pid} survived");
}

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
    workspace
        .run(&["apply", "--yes"])
        .assert_status(exit_code::ERROR)
        .stdout_contains("Apply: 1 done, 1 failed (service.second), 1 skipped.");
    let pid = workspace.pid("first.pid");
    assert!(!process_alive(pid), "service.first {pid} was not stopped");
}

fn only_runs_a_node_and_what_it_needs() {
    let workspace = Workspace::new(&manifest(
        r#"
service "a" { run "sh" "-c" "touch a.ran; exec sleep 300"; }
service "b" {
    run "sh" "-c" "touch b.ran; exec sleep 300"
    after "service.a"
}
service "c" { run "sh" "-c" "touch c.ran; exec sleep 300"; }
"#,
    ));
    let report = workspace
        .run(&["apply", "--yes", "--only", "service.b", "--json"])
        .assert_status(exit_code::OK)
        .json();
    let addresses: Vec<&str> = report["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|step| step["address"].as_str().unwrap())
        .collect();
    assert_eq!(addresses, ["service.a", "service.b"]);

    workspace
        .run(&["apply", "--yes", "--only", "service.nope"])
        .assert_status(exit_code::USAGE)
        .stderr_contains("the manifest has no node `service.nope`");
}

fn ctrl_c_stops_services_keeps_results_and_exits_130() {
    a_signal_stops_services_keeps_results(
        nix::sys::signal::Signal::SIGINT,
        exit_code::INTERRUPTED,
        "Apply interrupted: 1 done, 2 skipped.",
    );
}

/// Regression (issue 11): SIGTERM, how CI runners cancel a job, exited at once and left every
/// service running.
fn sigterm_stops_services_keeps_results_and_exits_143() {
    a_signal_stops_services_keeps_results(
        nix::sys::signal::Signal::SIGTERM,
        exit_code::TERMINATED,
        "Apply stopped by SIGTERM: 1 done, 2 skipped.",
    );
}

/// Regression (issue 11): SIGHUP likewise.
fn sighup_stops_services_keeps_results_and_exits_129() {
    a_signal_stops_services_keeps_results(
        nix::sys::signal::Signal::SIGHUP,
        exit_code::HANGUP,
        "Apply stopped by SIGHUP: 1 done, 2 skipped.",
    );
}

fn a_signal_stops_services_keeps_results(
    signal: nix::sys::signal::Signal,
    code: u8,
    summary: &str,
) {
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
    let mut apply = workspace
        .backendctl()
        .args(["apply", "--yes"])
        .spawn(Stdio::piped(), Stdio::piped());
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
    let pid = nix::unistd::Pid::from_raw(i32::try_from(apply.child().id()).unwrap());
    nix::sys::signal::kill(pid, signal).expect("signal");
    apply.wait().assert_status(code).stdout_contains(summary);
    for file in ["done.pid", "waiting.pid"] {
        let pid: i32 = std::fs::read_to_string(workspace.join(file))
            .unwrap()
            .trim()
            .parse()
            .unwrap();
        assert!(!process_alive(pid), "{file}: {pid} survived the interrupt");
    }
}

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
    let output = workspace
        .run(&["apply", "--yes"])
        .assert_status(exit_code::ERROR);
    insta::with_settings!({filters => vec![
        (r"pid \d+", "pid [pid]"),
        // A duration may have several parts under load ("1s 2ms").
        (r"\b\d+(\.\d+)?(ms|s)\b( \d+(\.\d+)?(ms|us|µs|ns|s)\b)*", "[time]"),
        (r"127\.0\.0\.1:\d+", "127.0.0.1:[port]"),
        (r"/\S*/\.backendctl/runs/[0-9TZ-]+", "[run-dir]"),
        (r"stopped \(.*\)", "stopped ([how])"),
        (&port.to_string(), "[port]"),
    ]}, {
        insta::assert_snapshot!("apply-failure", output.stdout());
    });
}

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
    workspace
        .run(&["apply", "--yes"])
        .assert_status(exit_code::ERROR)
        .stdout_contains("1 failed (service.a), 1 skipped");

    std::fs::write(workspace.join("backend.kdl"), services("60s")).unwrap();
    workspace
        .backendctl()
        .env("BACKENDCTL_PARALLELISM", "2")
        .args(["apply", "--yes"])
        .run()
        .assert_status(exit_code::OK)
        .stdout_contains("Apply: 2 done.");
}

/// Regression (issue 11): a service that exits on its own with no readiness probe let `apply`
/// exit 0. Here `dies` exits at once; `waiter` is ready only once `dies` has gone (it takes the
/// lock `dies` held, which the kernel releases when `dies` exits), so the run sees it dead.
fn a_service_that_dies_while_apply_needs_it_fails_the_apply() {
    let port = free_port();
    let workspace = Workspace::new(&manifest(&format!(
        r#"
service "dies" {{
    run "sh" "-c" "exec 9>dies.lock; flock 9; touch dies.locked; echo 'cannot bind' >&2; exit 3"
}}
service "waiter" {{
    run "sh" "-c" "while [ ! -e dies.locked ]; do sleep 0.01; done; exec flock dies.lock python3 -m http.server {port} --bind 127.0.0.1"
    ready "tcp://127.0.0.1:{port}" timeout="60s"
    after "service.dies"
}}
"#
    )));
    workspace
        .run(&["apply", "--yes"])
        .assert_status(exit_code::ERROR)
        .stdout_contains("service.dies failed: service.dies exited with exit status: 3")
        .stdout_contains("| cannot bind")
        .stdout_contains("Apply: 1 done, 1 failed (service.dies).");
}
