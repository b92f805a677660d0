//! The GitHub Action (action.yml): its script (`scripts/action/run.sh`) run here as a runner
//! would, with `GITHUB_STEP_SUMMARY`, `GITHUB_OUTPUT` and `GITHUB_EVENT_PATH` pointing at temp
//! files; its pull-request comment against a local stand-in for api.github.com
//! (`GITHUB_API_URL`); action.yml and the workflow checked by actionlint.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, Mutex};

use backendctl::exit_code;

use crate::common::{Workspace, free_port};
use crate::harness::{Test, actionlint, trial};

pub(crate) fn tests() -> Vec<Test> {
    vec![
        trial!(
            a_passing_gate_writes_the_summary_and_outputs,
            needs = [ShellTools]
        ),
        trial!(
            a_breached_threshold_is_annotated_and_fails_the_step,
            needs = [ShellTools]
        ),
        trial!(
            an_invalid_manifest_is_annotated_in_a_subdirectory,
            needs = [ShellTools]
        ),
        trial!(
            the_pull_request_comment_is_created_once_then_updated_in_place,
            needs = [ShellTools]
        ),
        trial!(
            actionlint_accepts_the_action_and_its_workflow,
            needs = [Actionlint]
        ),
    ]
}

/// A mock answering `status` and a scenario whose error rate must stay under 1%.
fn gate_manifest(port: u16, status: u16) -> String {
    format!(
        r#"backend version=1
mock "api" {{
    listen "127.0.0.1:{port}"
    route "GET" "/items" status={status}
}}
scenario "gate" {{
    after "mock.api"
    base-url "http://127.0.0.1:{port}"
    stages {{
        stage "1s" target=1
    }}
    request "items" "GET" "/items"
    thresholds {{
        error-rate "< 1%"
    }}
}}
"#
    )
}

/// What one run of the action's script left.
struct ActionRun {
    status: Option<i32>,
    stdout: String,
    stderr: String,
    summary: String,
    outputs: String,
    /// `RUNNER_TEMP`, where the reports are (kept until the run is dropped).
    _runner_temp: tempfile::TempDir,
}

fn repository() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Runs `scripts/action/run.sh` in `ws` as the action's step would, with `inputs` and `env`.
fn run_action(ws: &Workspace, inputs: &[(&str, &str)], env: &[(&str, &str)]) -> ActionRun {
    run_action_in(ws, ws.path(), inputs, env)
}

/// [`run_action`] with `working_directory` inside the checkout `ws`.
fn run_action_in(
    ws: &Workspace,
    working_directory: &Path,
    inputs: &[(&str, &str)],
    env: &[(&str, &str)],
) -> ActionRun {
    let github = tempfile::tempdir().unwrap();
    let summary = github.path().join("step_summary.md");
    let outputs = github.path().join("output.txt");
    std::fs::write(&summary, "").unwrap();
    std::fs::write(&outputs, "").unwrap();
    let mut command = Command::new("bash");
    command
        .arg(repository().join("scripts/action/run.sh"))
        .current_dir(working_directory)
        .env("BACKENDCTL", env!("CARGO_BIN_EXE_backendctl"))
        .env("NO_COLOR", "1")
        .env("GITHUB_STEP_SUMMARY", &summary)
        .env("GITHUB_OUTPUT", &outputs)
        .env("GITHUB_WORKSPACE", ws.path())
        .env("RUNNER_TEMP", github.path());
    for (key, _) in std::env::vars() {
        if key.starts_with("BACKENDCTL_") || key.starts_with("GITHUB_") || key.starts_with("INPUT_")
        {
            command.env_remove(key);
        }
    }
    command
        .env("GITHUB_STEP_SUMMARY", &summary)
        .env("GITHUB_OUTPUT", &outputs)
        .env("GITHUB_WORKSPACE", ws.path());
    for (key, value) in inputs {
        command.env(format!("INPUT_{key}"), value);
    }
    for (key, value) in env {
        command.env(key, value);
    }
    let output = command.output().expect("run bash");
    let read = |path: &Path| std::fs::read_to_string(path).unwrap();
    ActionRun {
        status: output.status.code(),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        summary: read(&summary),
        outputs: read(&outputs),
        _runner_temp: github,
    }
}

impl ActionRun {
    fn assert_status(&self, expected: u8) -> &Self {
        assert_eq!(
            self.status,
            Some(i32::from(expected)),
            "stdout:\n{}\nstderr:\n{}",
            self.stdout,
            self.stderr
        );
        self
    }
}

/// The summary and outputs with what changes between runs (figures, times, paths) replaced.
fn snapshot(name: &str, text: &str) {
    insta::with_settings!({filters => vec![
        (r"(?m)^\| items \|.*$", "| items | [figures] |"),
        (r"(?m)^closed: 1 stage\(s\), up to 1 VUs · .*$", "closed: 1 stage(s), up to 1 VUs · [figures]"),
        (r"(?m)^\| (✅|❌) \| error-rate \\< 1% \| .*$", "| $1 | error-rate \\< 1% | [value] |"),
        (r"\d{8}T\d{6}Z", "[run]"),
        (r"(?m)^report-dir=.*/runs/", "report-dir=[temp]/runs/"),
        (r"(?s)<details>.*</details>", "<details>[the output]</details>"),
    ]}, {
        insta::assert_snapshot!(name, text);
    });
}

fn a_passing_gate_writes_the_summary_and_outputs() {
    let ws = Workspace::new(&gate_manifest(free_port(), 200));
    let run = run_action(&ws, &[], &[]);
    run.assert_status(exit_code::OK);
    assert_eq!(run.stdout, "", "no annotation for a passing gate");
    // The log shows the run, as backendctl prints it.
    assert!(run.stderr.contains("Apply: 2 done."), "{}", run.stderr);
    snapshot("action-pass-summary", &run.summary);
    snapshot("action-pass-outputs", &run.outputs);
    let report_dir = run
        .outputs
        .lines()
        .find_map(|line| line.strip_prefix("report-dir="))
        .unwrap();
    assert!(Path::new(report_dir).join("scenario-gate.json").is_file());
}

fn a_breached_threshold_is_annotated_and_fails_the_step() {
    let ws = Workspace::new(&gate_manifest(free_port(), 503));
    let run = run_action(
        &ws,
        &[("COMMAND", "apply --yes"), ("ANNOTATIONS_LIMIT", "5")],
        &[],
    );
    run.assert_status(exit_code::THRESHOLD_BREACHED);
    snapshot("action-breach-annotations", &run.stdout);
    snapshot("action-breach-summary", &run.summary);
    snapshot("action-breach-outputs", &run.outputs);
}

fn an_invalid_manifest_is_annotated_in_a_subdirectory() {
    // working-directory: services/api, manifest gate.kdl; annotations name the file from the
    // checkout's root, where GitHub looks it up.
    let ws = Workspace::new("");
    let dir = ws.join("services/api");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("gate.kdl"),
        "backend version=1\nscenario \"gate\" {\n    base-url \"http://127.0.0.1:1\"\n    stages {\n        stage \"1s\" target=1\n    }\n    request \"items\" \"GET\" \"/items\"\n    thresholds {\n        p95 \"fast\"\n    }\n}\n",
    )
    .unwrap();
    let run = run_action_in(
        &ws,
        &dir,
        &[("COMMAND", "validate"), ("MANIFEST", "gate.kdl")],
        &[],
    );
    run.assert_status(exit_code::INVALID_MANIFEST);
    snapshot("action-invalid-annotations", &run.stdout);
    snapshot("action-invalid-summary", &run.summary);
    snapshot("action-invalid-outputs", &run.outputs);
}

/// A stand-in for api.github.com's issue comments: list, create, update; every request logged.
#[derive(Default)]
struct CommentApi {
    requests: Vec<String>,
    comments: Vec<(u64, String)>,
}

fn serve_comments(listener: &TcpListener, api: &Arc<Mutex<CommentApi>>) {
    for stream in listener.incoming() {
        let Ok(stream) = stream else { return };
        if answer(stream, api).is_none() {
            return;
        }
    }
}

/// Answers one request; `None` for the stop request.
fn answer(mut stream: TcpStream, api: &Arc<Mutex<CommentApi>>) -> Option<()> {
    let mut reader = BufReader::new(stream.try_clone().ok()?);
    let mut request_line = String::new();
    reader.read_line(&mut request_line).ok()?;
    let mut length = 0;
    let mut authorized = false;
    loop {
        let mut header = String::new();
        reader.read_line(&mut header).ok()?;
        let header = header.trim_end();
        if header.is_empty() {
            break;
        }
        let lower = header.to_ascii_lowercase();
        if let Some(value) = lower.strip_prefix("content-length:") {
            length = value.trim().parse().unwrap_or(0);
        }
        authorized |= lower == "authorization: bearer test-token";
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body).ok()?;
    let mut parts = request_line.split_whitespace();
    let (method, path) = (parts.next()?.to_owned(), parts.next()?.to_owned());
    if path == "/stop" {
        return None;
    }
    let mut api = api.lock().unwrap();
    api.requests.push(format!("{method} {path}"));
    let body_text = || -> String {
        let value: serde_json::Value = serde_json::from_slice(&body).unwrap();
        value["body"].as_str().unwrap().to_owned()
    };
    let (status, reply) = if !authorized {
        (
            "401 Unauthorized",
            serde_json::json!({"message": "Bad credentials"}),
        )
    } else if method == "GET" && path == "/repos/owner/repo/issues/7/comments?per_page=100" {
        // Someone else's comment first: only the marked one is ours.
        let mut list = vec![serde_json::json!({"id": 99, "body": "LGTM"})];
        list.extend(
            api.comments
                .iter()
                .map(|(id, body)| serde_json::json!({"id": id, "body": body})),
        );
        ("200 OK", serde_json::Value::Array(list))
    } else if method == "POST" && path == "/repos/owner/repo/issues/7/comments" {
        let id = 1000 + api.comments.len() as u64;
        api.comments.push((id, body_text()));
        ("201 Created", serde_json::json!({"id": id}))
    } else if let (Some(id), "PATCH") = (
        path.strip_prefix("/repos/owner/repo/issues/comments/"),
        method.as_str(),
    ) {
        let id: u64 = id.parse().ok()?;
        let text = body_text();
        match api.comments.iter_mut().find(|(known, _)| *known == id) {
            Some(comment) => {
                comment.1 = text;
                ("200 OK", serde_json::json!({"id": id}))
            }
            None => ("404 Not Found", serde_json::json!({"message": "Not Found"})),
        }
    } else {
        ("404 Not Found", serde_json::json!({"message": "Not Found"}))
    };
    let reply = reply.to_string();
    let _ = write!(
        stream,
        "HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{reply}",
        reply.len()
    );
    Some(())
}

fn the_pull_request_comment_is_created_once_then_updated_in_place() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap();
    let api = Arc::new(Mutex::new(CommentApi::default()));
    let server = {
        let api = Arc::clone(&api);
        std::thread::spawn(move || serve_comments(&listener, &api))
    };
    let port = free_port();
    let ws = Workspace::new(&gate_manifest(port, 200));
    let event = ws.join("event.json");
    std::fs::write(&event, r#"{"pull_request": {"number": 7}}"#).unwrap();
    let api_url = format!("http://{address}");
    let env = [
        ("GITHUB_API_URL", api_url.as_str()),
        ("GITHUB_EVENT_PATH", event.to_str().unwrap()),
        ("GITHUB_REPOSITORY", "owner/repo"),
        ("GITHUB_TOKEN", "test-token"),
        ("GITHUB_JOB", "gate"),
    ];
    run_action(&ws, &[("PR_COMMENT", "true")], &env).assert_status(exit_code::OK);
    {
        let api = api.lock().unwrap();
        assert_eq!(api.comments.len(), 1, "{:?}", api.requests);
        assert!(
            api.comments[0]
                .1
                .starts_with("<!-- backendctl-action:gate -->\n")
        );
        assert!(api.comments[0].1.contains("✅ passed"));
    }
    // The next push breaches: the same comment now says so.
    std::fs::write(ws.join("backend.kdl"), gate_manifest(port, 503)).unwrap();
    run_action(&ws, &[("PR_COMMENT", "true")], &env).assert_status(exit_code::THRESHOLD_BREACHED);
    // Not a pull request: no comment, no request.
    std::fs::write(&event, r#"{"ref": "refs/heads/main"}"#).unwrap();
    let push = run_action(&ws, &[("PR_COMMENT", "true")], &env);
    push.assert_status(exit_code::THRESHOLD_BREACHED);
    assert!(
        push.stderr.contains("not a pull request event"),
        "{}",
        push.stderr
    );
    let _ =
        TcpStream::connect(address).and_then(|mut s| s.write_all(b"GET /stop HTTP/1.1\r\n\r\n"));
    server.join().unwrap();
    let api = api.lock().unwrap();
    assert_eq!(
        api.requests,
        [
            "GET /repos/owner/repo/issues/7/comments?per_page=100",
            "POST /repos/owner/repo/issues/7/comments",
            "GET /repos/owner/repo/issues/7/comments?per_page=100",
            "PATCH /repos/owner/repo/issues/comments/1000",
        ]
    );
    assert_eq!(api.comments.len(), 1);
    let body = &api.comments[0].1;
    assert!(body.contains("❌ threshold breached"), "{body}");
    assert!(
        body.contains("**backend.kdl:14** error-rate < 1% breached in scenario.gate"),
        "{body}"
    );
}

fn actionlint_accepts_the_action_and_its_workflow() {
    // Every workflow, named (actionlint finds them by the git repository, which a copy lacks).
    let lint = |dir: &Path| {
        let mut workflows: Vec<PathBuf> = std::fs::read_dir(dir.join(".github/workflows"))
            .unwrap()
            .map(|entry| entry.unwrap().path())
            .filter(|path| path.extension().is_some_and(|e| e == "yml" || e == "yaml"))
            .collect();
        workflows.sort();
        assert!(!workflows.is_empty());
        Command::new(actionlint())
            .arg("-no-color")
            .args(&workflows)
            .current_dir(dir)
            .output()
            .expect("run actionlint")
    };
    // A copy of the action and the workflows, in a directory marked as a project root
    // (actionlint resolves `uses: ./` from the root a `.git` directory marks; a worktree's `.git`
    // is a file).
    let copy = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(copy.path().join(".github/workflows")).unwrap();
    std::fs::create_dir_all(copy.path().join(".git")).unwrap();
    std::fs::copy(
        repository().join("action.yml"),
        copy.path().join("action.yml"),
    )
    .unwrap();
    for entry in std::fs::read_dir(repository().join(".github/workflows")).unwrap() {
        let path = entry.unwrap().path();
        std::fs::copy(
            &path,
            copy.path()
                .join(".github/workflows")
                .join(path.file_name().unwrap()),
        )
        .unwrap();
    }
    let output = lint(copy.path());
    assert!(
        output.status.success(),
        "actionlint:\n{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    // It did read action.yml: an input the action does not declare is caught.
    std::fs::write(
        copy.path().join(".github/workflows/gate.yml"),
        "on: push\njobs:\n  gate:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n      - uses: ./\n        with:\n          comand: apply --yes\n",
    )
    .unwrap();
    let broken = lint(copy.path());
    let stdout = String::from_utf8_lossy(&broken.stdout);
    assert!(!broken.status.success());
    assert!(
        stdout.contains(r#"input "comand" is not defined"#),
        "{stdout}"
    );
}
