//! The engine's small commands and its exit codes.

use backendctl::exit_code;

use crate::binary::Backendctl;
use crate::common::Workspace;
use crate::harness::{Test, trial};

pub(crate) fn tests() -> Vec<Test> {
    vec![
        trial!(init_writes_a_starter_that_validates_and_refuses_to_overwrite),
        trial!(usage_errors_exit_64_and_help_exits_0),
        trial!(completions_are_generated),
        trial!(config_shows_each_setting_and_its_origin),
        trial!(every_example_validates),
        trial!(the_starter_manifest_validates_in_process),
        trial!(colour_only_when_asked_and_never_with_no_color),
    ]
}

fn init_writes_a_starter_that_validates_and_refuses_to_overwrite() {
    let workspace = Workspace::new("");
    std::fs::remove_file(workspace.join("backend.kdl")).unwrap();
    workspace
        .run(&["init"])
        .assert_status(exit_code::OK)
        .stdout_contains("migrations/schema/0001_items.up.sql");
    workspace
        .run(&["validate"])
        .assert_status(exit_code::OK)
        .expect_stdout("backend.kdl is valid: 4 nodes.\n");
    // Regression (issue 12): the starter named a migrations directory that did not exist, and
    // plan said "up to date (0 applied)". `init` writes the first migration; plan has it pending.
    workspace
        .run(&["plan"])
        .assert_status(exit_code::OK)
        .stdout_contains("1 pending migration: 0001_items");
    workspace
        .run(&["init"])
        .assert_status(exit_code::ERROR)
        .stderr_contains("backend.kdl already exists");
}

fn usage_errors_exit_64_and_help_exits_0() {
    Backendctl::new()
        .arg("frobnicate")
        .run()
        .assert_status(exit_code::USAGE);
    let output = Backendctl::new()
        .arg("--help")
        .run()
        .assert_status(exit_code::OK);
    insta::assert_snapshot!("help", output.stdout());
}

fn completions_are_generated() {
    Backendctl::new()
        .args(["completions", "bash"])
        .run()
        .assert_status(exit_code::OK)
        .stdout_contains("_backendctl()");
}

fn config_shows_each_setting_and_its_origin() {
    let home = tempfile::tempdir().unwrap();
    let config = home.path().join("config.toml");
    std::fs::write(&config, "report_dir = \"reports\"\n").unwrap();
    let settings = Backendctl::new()
        .env("BACKENDCTL_CONFIG", &config)
        .env("BACKENDCTL_PARALLELISM", "3")
        .args(["config", "--color", "never", "--json"])
        .run()
        .assert_status(exit_code::OK)
        .json();
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

fn every_example_validates() {
    let examples = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
    let mut count = 0;
    for entry in std::fs::read_dir(&examples).unwrap() {
        let manifest = entry.unwrap().path().join("backend.kdl");
        if !manifest.exists() {
            continue;
        }
        count += 1;
        Backendctl::new()
            .arg("validate")
            .arg(&manifest)
            .run()
            .assert_status(exit_code::OK);
    }
    assert!(count >= 1);
}

fn the_starter_manifest_validates_in_process() {
    let dir = tempfile::tempdir().unwrap();
    for (file, sql) in backendctl::command::STARTER_MIGRATIONS {
        let file = dir.path().join(file);
        std::fs::create_dir_all(file.parent().unwrap()).unwrap();
        std::fs::write(file, sql).unwrap();
    }
    let source = backendctl::manifest::ManifestSource::from_bytes(
        "backend.kdl",
        &dir.path().join("backend.kdl"),
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

fn colour_only_when_asked_and_never_with_no_color() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/invalid");
    let run = |no_color: Option<&str>| {
        let command = Backendctl::new().env_remove("NO_COLOR").current_dir(&dir);
        let command = match no_color {
            Some(value) => command.env("NO_COLOR", value),
            None => command,
        };
        command
            .args(["--color", "always", "validate", "cycle.kdl"])
            .run()
    };
    let coloured = run(None);
    assert!(
        coloured.stderr().contains('\u{1b}'),
        "--color always colours: {}",
        coloured.stderr()
    );
    run(Some("1")).stderr_lacks("\u{1b}");
    // Not a terminal and not asked: no colour.
    Backendctl::new()
        .current_dir(&dir)
        .args(["validate", "cycle.kdl"])
        .run()
        .stderr_lacks("\u{1b}");
}
