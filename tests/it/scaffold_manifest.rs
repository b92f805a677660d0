//! The `project` node through `backendctl plan` / `apply`: one plan step per project listing its
//! files, an apply that writes them, a second plan that is up to date, and manifest paths that
//! cannot leave the manifest's directory.

use std::path::Path;

use assert_cmd::Command;
use predicates::prelude::PredicateBooleanExt;
use predicates::str::contains;

fn backendctl(dir: &Path, args: &[&str]) -> assert_cmd::assert::Assert {
    Command::cargo_bin("backendctl")
        .unwrap()
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .args(args)
        .assert()
}

fn manifest(dir: &Path, project: &str) {
    std::fs::write(
        dir.join("backend.kdl"),
        format!("backend version=1\n\nproject \"shop-api\" {{\n{project}\n}}\n"),
    )
    .unwrap();
}

#[test]
fn plan_apply_and_replan_a_project() {
    let tmp = tempfile::tempdir().unwrap();
    manifest(
        tmp.path(),
        "    stack \"fastify-typescript\"\n    path \"services/api\"\n    features \"auth\" \"docker\"",
    );
    backendctl(tmp.path(), &["plan", "-v"])
        .success()
        .stdout(contains("project.shop-api"))
        .stdout(contains("create    src/services/auth-service.ts"))
        .stdout(contains("create    Dockerfile"));
    assert!(!tmp.path().join("services").exists(), "plan writes nothing");

    backendctl(tmp.path(), &["apply", "--yes"]).success();
    let root = tmp.path().join("services/api");
    assert!(root.join("src/app.ts").exists());
    assert!(root.join(".backendctl/scaffold.json").exists());
    assert!(
        !root.join("src/repositories/postgres").exists(),
        "postgres is not a chosen feature"
    );

    backendctl(tmp.path(), &["plan", "--detailed-exitcode"])
        .code(0)
        .stdout(contains("unchanged"));

    // Turning a feature on is a change; the plan lists what the merge will do.
    manifest(
        tmp.path(),
        "    stack \"fastify-typescript\"\n    path \"services/api\"\n    features \"auth\" \"docker\" \"postgres\"",
    );
    backendctl(tmp.path(), &["plan", "-v", "--detailed-exitcode"])
        .code(2)
        .stdout(contains("create    migrations/0001_products.up.sql"))
        .stdout(contains("update    src/container.ts"));
}

#[test]
fn a_project_path_cannot_leave_the_manifest_directory() {
    let tmp = tempfile::tempdir().unwrap();
    let inner = tmp.path().join("inner");
    std::fs::create_dir(&inner).unwrap();
    manifest(
        &inner,
        "    stack \"express-typescript\"\n    path \"../outside\"",
    );
    backendctl(&inner, &["plan"])
        .failure()
        .stderr(contains("unsafe path"));
    backendctl(&inner, &["apply", "--yes"]).failure();
    assert!(!tmp.path().join("outside").exists());
}

#[test]
fn install_is_planned_until_node_modules_exists() {
    let tmp = tempfile::tempdir().unwrap();
    manifest(
        tmp.path(),
        "    stack \"express-typescript\"\n    path \"api\"\n    minimal #true\n    install #true",
    );
    backendctl(tmp.path(), &["plan", "-v"])
        .success()
        .stdout(contains("run       npm install --strict-allow-scripts"));
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
    .success();
    std::fs::create_dir_all(tmp.path().join("api/node_modules")).unwrap();
    backendctl(tmp.path(), &["plan", "-v"])
        .success()
        .stdout(contains("npm install").not());
}
