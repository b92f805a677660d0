//! docs/ci.md works as written: its files (fenced blocks whose info string names one,
//! ```` ```sh file=ci/gate.sh ````) are written into a fresh directory, the shell CI's scripts
//! run there against the page's loopback mock (the passing one exits 0, the one failing on
//! purpose 99), and the GitHub Actions and GitLab CI files parse as YAML of the shape each
//! system reads.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use backendctl::exit_code;

use crate::common::free_port;
use crate::harness::{Test, trial};

pub(crate) fn tests() -> Vec<Test> {
    vec![
        trial!(the_shell_ci_examples_pass_and_fail_on_purpose),
        trial!(the_github_and_gitlab_examples_are_yaml_of_their_shape),
    ]
}

/// The address the page's manifests listen on; each test run swaps in a free port.
const DOCUMENTED_ADDRESS: &str = "127.0.0.1:8787";

/// The inputs of the GitHub Action (action.yml), as docs/ci.md documents them.
const ACTION_INPUTS: [&str; 6] = [
    "command",
    "manifest",
    "working-directory",
    "version",
    "pr-comment",
    "annotations-limit",
];

/// docs/ci.md's files: path → contents.
fn documented_files() -> BTreeMap<String, String> {
    let page = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/ci.md"))
        .expect("docs/ci.md");
    let mut files = BTreeMap::new();
    let mut lines = page.lines();
    while let Some(line) = lines.next() {
        let Some(info) = line.strip_prefix("```") else {
            continue;
        };
        let name = info
            .split_whitespace()
            .find_map(|word| word.strip_prefix("file="))
            .map(str::to_owned);
        let mut body = String::new();
        for line in lines.by_ref() {
            if line.starts_with("```") {
                break;
            }
            body.push_str(line);
            body.push('\n');
        }
        if let Some(name) = name {
            assert!(
                files.insert(name.clone(), body).is_none(),
                "docs/ci.md names {name} twice"
            );
        }
    }
    files
}

fn the_shell_ci_examples_pass_and_fail_on_purpose() {
    let files = documented_files();
    for expected in [
        "backend.kdl",
        "ci/breach.kdl",
        "ci/gate.sh",
        "ci/gate-breach.sh",
    ] {
        assert!(files.contains_key(expected), "docs/ci.md has no {expected}");
    }
    let project = tempfile::tempdir().expect("tempdir");
    let address = format!("127.0.0.1:{}", free_port());
    for (name, contents) in &files {
        let path = project.path().join(name);
        std::fs::create_dir_all(path.parent().expect("a parent")).expect("mkdir");
        std::fs::write(&path, contents.replace(DOCUMENTED_ADDRESS, &address)).expect("write");
    }

    let run = |script: &str| {
        let binary_dir = Path::new(env!("CARGO_BIN_EXE_backendctl"))
            .parent()
            .expect("the binary's directory");
        let path = std::env::join_paths(std::iter::once(binary_dir.to_path_buf()).chain(
            std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default()),
        ))
        .expect("PATH");
        let mut command = Command::new("sh");
        command
            .arg(script)
            .current_dir(project.path().join("ci"))
            .env("PATH", path)
            .env("NO_COLOR", "1")
            .env(
                "XDG_STATE_HOME",
                std::env::temp_dir().join("backendctl-it-state"),
            );
        for (key, _) in std::env::vars_os() {
            if key.to_string_lossy().starts_with("BACKENDCTL_") {
                command.env_remove(key);
            }
        }
        let output = command.output().expect("sh runs");
        let shown = format!(
            "sh {script}: {}\nstdout:\n{}\nstderr:\n{}",
            output.status,
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        (output.status.code(), shown)
    };

    let (status, shown) = run("gate.sh");
    assert_eq!(status, Some(i32::from(exit_code::OK)), "{shown}");
    assert!(shown.contains("thresholds passed"), "{shown}");
    let latest = project.path().join("reports/latest");
    for report in [
        "scenario-smoke.html",
        "scenario-smoke.junit.xml",
        "scenario-smoke.json",
    ] {
        assert!(latest.join(report).is_file(), "no {report}\n{shown}");
    }

    let (status, shown) = run("gate-breach.sh");
    assert_eq!(
        status,
        Some(i32::from(exit_code::THRESHOLD_BREACHED)),
        "{shown}"
    );
    assert!(shown.contains("p95"), "{shown}");
}

fn the_github_and_gitlab_examples_are_yaml_of_their_shape() {
    let files = documented_files();
    let yaml = |name: &str| -> serde_norway::Value {
        let text = files
            .get(name)
            .unwrap_or_else(|| panic!("docs/ci.md has no {name}"));
        serde_norway::from_str(text).unwrap_or_else(|e| panic!("{name} is not YAML: {e}"))
    };
    let mut inputs: Vec<String> = ACTION_INPUTS.iter().map(|&s| s.to_owned()).collect();
    // Once the action is in the repository, the examples use only what it declares.
    let action = Path::new(env!("CARGO_MANIFEST_DIR")).join("action.yml");
    if let Ok(text) = std::fs::read_to_string(&action) {
        let action: serde_norway::Value = serde_norway::from_str(&text).expect("action.yml");
        let declared = action["inputs"].as_mapping().expect("action.yml inputs");
        inputs.retain(|input| declared.contains_key(input.as_str()));
    }

    let mut uses_of_the_action = 0;
    for name in [
        ".github/workflows/backend-gate.yml",
        ".github/workflows/backend-gate-breach.yml",
    ] {
        let workflow = yaml(name);
        assert!(workflow["on"].is_mapping(), "{name}: no triggers");
        let jobs = workflow["jobs"].as_mapping().expect("jobs");
        for (job, definition) in jobs {
            assert!(definition["runs-on"].is_string(), "{name}: {job:?} runs-on");
            let steps = definition["steps"].as_sequence().expect("steps");
            for step in steps {
                let Some(uses) = step["uses"].as_str() else {
                    continue;
                };
                if !uses.starts_with("<owner>/backendctl@") {
                    continue;
                }
                uses_of_the_action += 1;
                assert_eq!(uses, "<owner>/backendctl@v1", "{name}");
                for (input, _) in step["with"].as_mapping().expect("with") {
                    let input = input.as_str().expect("an input name");
                    assert!(
                        inputs.iter().any(|known| known == input),
                        "{name}: the action has no input {input}"
                    );
                }
            }
        }
    }
    assert_eq!(uses_of_the_action, 2, "each workflow uses the action");

    let gitlab = yaml(".gitlab-ci.yml");
    let template = &gitlab[".backendctl"];
    assert_eq!(
        template["artifacts"]["reports"]["codequality"].as_str(),
        Some("gl-code-quality-report.json")
    );
    assert_eq!(template["artifacts"]["when"].as_str(), Some("always"));
    for job in ["backend-gate", "backend-gate-breach"] {
        assert_eq!(
            gitlab[job]["extends"].as_str(),
            Some(".backendctl"),
            "{job}"
        );
        let script = gitlab[job]["script"][0].as_str().expect("script");
        assert!(
            script.contains("apply --yes")
                && script.contains("--format gitlab > gl-code-quality-report.json"),
            "{job}: {script}"
        );
    }
}
