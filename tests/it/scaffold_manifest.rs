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
        trial!(uv_sync_is_planned_for_python_until_the_venv_exists),
        trial!(symlinks_cannot_carry_a_scaffold_outside_the_manifest_directory),
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
    // Issue 11: found only by plan (exit 1); validate reports it at the path.
    backendctl(&inner, &["validate"])
        .assert_status(exit_code::INVALID_MANIFEST)
        .stderr_contains("manifest::unsafe-path")
        .stderr_contains("\"../outside\" is not a path inside");
    backendctl(&inner, &["plan"]).assert_status(exit_code::INVALID_MANIFEST);
    backendctl(&inner, &["apply", "--yes"]).assert_status(exit_code::INVALID_MANIFEST);
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

fn uv_sync_is_planned_for_python_until_the_venv_exists() {
    let tmp = tempfile::tempdir().unwrap();
    manifest(
        tmp.path(),
        "    stack \"fastapi\"\n    path \"api\"\n    minimal #true\n    install #true",
    );
    backendctl(tmp.path(), &["plan", "-v"])
        .assert_status(exit_code::OK)
        .stdout_contains("run       uv sync --locked");
    backendctl(
        tmp.path(),
        &[
            "scaffold",
            "shop-api",
            "--stack",
            "fastapi",
            "--minimal",
            "--path",
            "api",
        ],
    )
    .assert_status(exit_code::OK);
    std::fs::create_dir_all(tmp.path().join("api/.venv")).unwrap();
    backendctl(tmp.path(), &["plan", "-v"])
        .assert_status(exit_code::OK)
        .stdout_lacks("uv sync");
}

/// Regression (issue 11): the scaffold wrote outside the manifest's directory through symlinks —
/// a project path that is a link, a parent directory that is one, and `.backendctl/` or its
/// `scaffold.json` linking elsewhere (re-apply overwrote the target). Each is refused now, and
/// nothing lands outside.
fn symlinks_cannot_carry_a_scaffold_outside_the_manifest_directory() {
    use std::os::unix::fs::symlink;
    let project = "    stack \"fastify-typescript\"\n    path \"services/api\"";
    let outside_is_untouched = |outside: &Path| {
        let entries: Vec<_> = std::fs::read_dir(outside)
            .unwrap()
            .map(|entry| entry.unwrap().file_name())
            .collect();
        assert!(
            entries.iter().all(|name| name == "keep.json"),
            "written outside: {entries:?}"
        );
    };
    // The project directory, then its parent, is a link to a directory elsewhere.
    for link in ["services/api", "services"] {
        let tmp = tempfile::tempdir().unwrap();
        let outside = tempfile::tempdir().unwrap();
        manifest(tmp.path(), project);
        let link_path = tmp.path().join(link);
        std::fs::create_dir_all(link_path.parent().unwrap()).unwrap();
        symlink(outside.path(), &link_path).unwrap();
        backendctl(tmp.path(), &["apply", "--yes"])
            .assert_status(exit_code::ERROR)
            .stdout_contains("resolves outside the project directory");
        outside_is_untouched(outside.path());
    }
    // After a first apply, `.backendctl/scaffold.json`, then `.backendctl/`, links elsewhere.
    for link in [".backendctl/scaffold.json", ".backendctl"] {
        let tmp = tempfile::tempdir().unwrap();
        let outside = tempfile::tempdir().unwrap();
        std::fs::write(outside.path().join("keep.json"), "{}").unwrap();
        manifest(tmp.path(), project);
        backendctl(tmp.path(), &["apply", "--yes"]).assert_status(exit_code::OK);
        let link_path = tmp.path().join("services/api").join(link);
        if link == ".backendctl" {
            std::fs::remove_dir_all(&link_path).unwrap();
            symlink(outside.path(), &link_path).unwrap();
        } else {
            std::fs::remove_file(&link_path).unwrap();
            symlink(outside.path().join("keep.json"), &link_path).unwrap();
        }
        manifest(
            tmp.path(),
            "    stack \"fastify-typescript\"\n    path \"services/api\"\n    features \"docker\"",
        );
        backendctl(tmp.path(), &["apply", "--yes"]).assert_status(exit_code::ERROR);
        assert_eq!(
            std::fs::read_to_string(outside.path().join("keep.json")).unwrap(),
            "{}",
            "{link}: the file behind the link was overwritten"
        );
        outside_is_untouched(outside.path());
    }
}
