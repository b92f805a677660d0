//! The engine's small commands and its exit codes.

mod common;

use common::{Workspace, backendctl, stderr, stdout};

#[test]
fn init_writes_a_starter_that_validates_and_refuses_to_overwrite() {
    let workspace = Workspace::new("");
    std::fs::remove_file(workspace.join("backend.kdl")).unwrap();
    let output = workspace.run(&["init"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let output = workspace.run(&["validate"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(stdout(&output), "backend.kdl is valid: 4 nodes.\n");
    let output = workspace.run(&["init"]);
    assert_eq!(output.status.code(), Some(1));
    assert!(stderr(&output).contains("backend.kdl already exists"));
}

#[test]
fn usage_errors_exit_64_and_help_exits_0() {
    let output = backendctl().arg("frobnicate").output().unwrap();
    assert_eq!(output.status.code(), Some(64));
    let output = backendctl().arg("--help").output().unwrap();
    assert_eq!(output.status.code(), Some(0));
    insta::assert_snapshot!("help", stdout(&output));
}

#[test]
fn completions_are_generated() {
    let output = backendctl().args(["completions", "bash"]).output().unwrap();
    assert_eq!(output.status.code(), Some(0));
    assert!(stdout(&output).contains("_backendctl()"));
}

#[test]
fn config_shows_each_setting_and_its_origin() {
    let home = tempfile::tempdir().unwrap();
    let config = home.path().join("config.toml");
    std::fs::write(&config, "report_dir = \"reports\"\n").unwrap();
    let output = backendctl()
        .env("BACKENDCTL_CONFIG", &config)
        .env("BACKENDCTL_PARALLELISM", "3")
        .args(["config", "--color", "never", "--json"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let settings: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(settings["report_dir"]["value"], "reports");
    assert!(
        settings["report_dir"]["origin"]
            .as_str()
            .unwrap()
            .contains("config.toml")
    );
    assert_eq!(settings["parallelism"]["value"], "3");
    assert!(
        settings["parallelism"]["origin"]
            .as_str()
            .unwrap()
            .contains("BACKENDCTL_")
    );
    assert_eq!(settings["color"]["value"], "never");
    assert_eq!(settings["output"]["value"], "text");
}

#[test]
fn every_example_validates() {
    let examples = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
    let mut count = 0;
    for entry in std::fs::read_dir(&examples).unwrap() {
        let manifest = entry.unwrap().path().join("backend.kdl");
        if !manifest.exists() {
            continue;
        }
        count += 1;
        let output = backendctl()
            .args(["validate"])
            .arg(&manifest)
            .output()
            .unwrap();
        assert_eq!(
            output.status.code(),
            Some(0),
            "{}: {}",
            manifest.display(),
            stderr(&output)
        );
    }
    assert!(count >= 1);
}

#[test]
fn the_starter_manifest_validates_in_process() {
    let source = backendctl::manifest::ManifestSource::from_bytes(
        "backend.kdl",
        std::path::Path::new("backend.kdl"),
        backendctl::command::STARTER_MANIFEST.as_bytes().to_vec(),
    )
    .unwrap();
    let loaded = backendctl::manifest::check(source, &backendctl::manifest::LoadOptions::default())
        .expect("the starter is valid");
    let order: Vec<String> = loaded
        .graph
        .order()
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(
        order,
        [
            "database.main",
            "migrations.schema",
            "mock.api",
            "scenario.browse"
        ]
    );
}

#[test]
fn colour_only_when_asked_and_never_with_no_color() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/invalid");
    let run = |no_color: Option<&str>| {
        let mut command = assert_cmd::Command::cargo_bin("backendctl").unwrap();
        command.env_remove("NO_COLOR").current_dir(&dir);
        if let Some(value) = no_color {
            command.env("NO_COLOR", value);
        }
        command
            .args(["--color", "always", "validate", "cycle.kdl"])
            .output()
            .unwrap()
    };
    let coloured = stderr(&run(None));
    assert!(
        coloured.contains('\u{1b}'),
        "--color always colours: {coloured}"
    );
    let plain = stderr(&run(Some("1")));
    assert!(!plain.contains('\u{1b}'), "NO_COLOR wins: {plain}");
    // Not a terminal and not asked: no colour.
    let output = backendctl()
        .current_dir(&dir)
        .args(["validate", "cycle.kdl"])
        .output()
        .unwrap();
    assert!(!stderr(&output).contains('\u{1b}'));
}
