//! The `project` node through `backendctl plan` / `apply`: one plan step per project listing its
//! files, an apply that writes them, a second plan that is up to date, and manifest paths that
//! cannot leave the manifest's directory.

use std::path::Path;

use backendctl::exit_code;

use crate::binary::{Backendctl, Output};
use crate::harness::{Test, trial};

pub(crate) fn tests() -> Vec<Test> {
    vec![
        trial!(plan_apply_and_replan_a_project),
        trial!(a_project_path_cannot_leave_the_manifest_directory),
        trial!(install_is_planned_until_node_modules_exists),
    ]
}

fn backendctl(dir: &Path, args: &[&str]) -> Output {
    Backendctl::new().current_dir(dir).args(args).run()
}

fn manifest(dir: &Path, project: &str) {
    std::fs::write(
        dir.join("backend.kdl"),
        format!("backend version=1\n\nproject \"shop-api\" {{\n{project}\n}}\n"),
    )
    .unwrap();
}

fn plan_apply_and_replan_a_project() {
    let tmp = tempfile::tempdir().unwrap();
    manifest(
        tmp.path(),
        "    stack \"fastify-typescript\"\n    path \"services/api\"\n    features \"auth\" \"docker\"",
    );
    backendctl(tmp.path(), &["plan", "-v"])
        .assert_status(exit_code::OK)
        .stdout_contains("project.shop-api")
        .stdout_contains("create    src/services/auth-service.ts")
        .stdout_contains("create    Dockerfile");
    assert!(!tmp.path().join("services").exists(), "plan writes nothing");

    backendctl(tmp.path(), &["apply", "--yes"]).assert_status(exit_code::OK);
    let root = tmp.path().join("services/api");
    assert!(root.join("src/app.ts").exists());
    assert!(root.join(".backendctl/scaffold.json").exists());
    assert!(
        !root.join("src/repositories/postgres").exists(),
        "postgres is not a chosen feature"
    );

    backendctl(tmp.path(), &["plan", "--detailed-exitcode"])
        .assert_status(exit_code::OK)
        .stdout_contains("unchanged");

    // Turning a feature on is a change; the plan lists what the merge will do.
    manifest(
        tmp.path(),
        "    stack \"fastify-typescript\"\n    path \"services/api\"\n    features \"auth\" \"docker\" \"postgres\"",
    );
    backendctl(tmp.path(), &["plan", "-v", "--detailed-exitcode"])
        .assert_status(exit_code::PLAN_HAS_CHANGES)
        .stdout_contains("create    migrations/0001_products.up.sql")
        .stdout_contains("update    src/container.ts");
}

fn a_project_path_cannot_leave_the_manifest_directory() {
    let tmp = tempfile::tempdir().unwrap();
    let inner = tmp.path().join("inner");
    std::fs::create_dir(&inner).unwrap();
    manifest(
        &inner,
        "    stack \"express-typescript\"\n    path \"../outside\"",
    );
    backendctl(&inner, &["plan"])
        .assert_status(exit_code::ERROR)
        .stderr_contains("unsafe path");
    backendctl(&inner, &["apply", "--yes"]).assert_status(exit_code::ERROR);
    assert!(!tmp.path().join("outside").exists());
}

fn install_is_planned_until_node_modules_exists() {
    let tmp = tempfile::tempdir().unwrap();
    manifest(
        tmp.path(),
        "    stack \"express-typescript\"\n    path \"api\"\n    minimal #true\n    install #true",
    );
    backendctl(tmp.path(), &["plan", "-v"])
        .assert_status(exit_code::OK)
        .stdout_contains("run       npm install --strict-allow-scripts");
    // Write the same render without installing, then pretend the install happened: with
    // node_modules present and package.json unchanged, no install is planned.
    backendctl(
        tmp.path(),
        &[
            "scaffold",
            "shop-api",
            "--stack",
            "express-typescript",
            "--minimal",
            "--path",
            "api",
        ],
    )
    .assert_status(exit_code::OK);
    std::fs::create_dir_all(tmp.path().join("api/node_modules")).unwrap();
    backendctl(tmp.path(), &["plan", "-v"])
        .assert_status(exit_code::OK)
        .stdout_lacks("npm install");
}
