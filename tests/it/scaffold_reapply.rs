//! Re-applying a scaffold through the real binary: clean 3-way merges, conflicts with markers
//! and a failing exit code, deleted files that stay deleted, and the safety refusals.

use std::path::Path;

use backendctl::exit_code;

use crate::binary::{Backendctl, Output};
use crate::harness::{Test, trial};

pub(crate) fn tests() -> Vec<Test> {
    vec![
        trial!(a_template_change_merges_cleanly_with_a_user_edit),
        trial!(a_conflicting_edit_gets_markers_and_fails_until_resolved),
        trial!(a_deleted_file_stays_deleted),
        trial!(turning_a_feature_off_removes_only_unedited_files),
        trial!(an_older_template_render_is_merged_three_ways),
        trial!(dry_run_writes_nothing),
        trial!(a_foreign_non_empty_directory_is_refused_without_force),
        trial!(unsafe_names_are_refused),
        trial!(fastapi_a_user_edit_survives_a_template_change),
        trial!(fastapi_a_conflicting_edit_fails_the_apply),
        trial!(fastapi_a_deleted_file_stays_deleted),
        trial!(fastapi_names_must_suit_python),
        trial!(deployment_files_merge_with_edits_when_features_change),
    ]
}

/// `backendctl scaffold shop --stack express-typescript ARGS` in `dir`.
fn scaffold(dir: &Path, args: &[&str]) -> Output {
    scaffold_stack(dir, "express-typescript", args)
}

/// `backendctl scaffold shop --stack STACK ARGS` in `dir`.
fn scaffold_stack(dir: &Path, stack: &str, args: &[&str]) -> Output {
    Backendctl::new()
        .current_dir(dir)
        .args(["scaffold", "shop", "--stack", stack])
        .args(args)
        .run()
}

fn read(path: impl AsRef<Path>) -> String {
    std::fs::read_to_string(path).unwrap()
}

fn a_template_change_merges_cleanly_with_a_user_edit() {
    let tmp = tempfile::tempdir().unwrap();
    scaffold(tmp.path(), &["--minimal"]).assert_status(exit_code::OK);
    let app = tmp.path().join("shop/src/app.ts");
    // The user adds a route at the end of the app; the new render adds helmet at the top.
    let edited = read(&app).replace(
        "  app.use(notFound);",
        "  app.get(\"/version\", (_req, res) => {\n    res.json({ version: 1 });\n  });\n\n  app.use(notFound);",
    );
    std::fs::write(&app, &edited).unwrap();

    scaffold(tmp.path(), &["--features", "helmet"])
        .assert_status(exit_code::OK)
        .stdout_contains("merge         src/app.ts");
    let merged = read(&app);
    assert!(merged.contains("app.get(\"/version\""), "{merged}");
    assert!(merged.contains("app.use(helmet());"), "{merged}");
    assert!(!merged.contains("<<<<<<<"), "{merged}");

    // Applying the same options again changes nothing and keeps the edit.
    scaffold(tmp.path(), &["--features", "helmet"])
        .assert_status(exit_code::OK)
        .stdout_contains("keep (edited) src/app.ts");
}

fn a_conflicting_edit_gets_markers_and_fails_until_resolved() {
    let tmp = tempfile::tempdir().unwrap();
    scaffold(tmp.path(), &["--minimal"]).assert_status(exit_code::OK);
    let package = tmp.path().join("shop/package.json");
    // The user changes the line next to where the new render inserts "helmet".
    std::fs::write(
        &package,
        read(&package).replace("\"express\": \"5.3.0\",", "\"express\": \"5.2.1\","),
    )
    .unwrap();

    scaffold(tmp.path(), &["--features", "helmet"])
        .assert_status(exit_code::ERROR)
        .stdout_contains("conflict      package.json")
        .stderr_contains("package.json")
        .stderr_contains("conflict");
    let marked = read(&package);
    assert!(marked.contains("<<<<<<< ours"), "{marked}");
    assert!(marked.contains("\"express\": \"5.2.1\""), "{marked}");
    assert!(marked.contains("\"helmet\": \"8.3.0\""), "{marked}");

    // Unresolved markers keep failing the apply; nothing is overwritten.
    scaffold(tmp.path(), &["--features", "helmet"])
        .assert_status(exit_code::ERROR)
        .stdout_contains("not resolved");
    assert_eq!(read(&package), marked);

    // The user resolves the conflict: the apply succeeds and keeps the resolution.
    let resolved = read(tmp.path().join("shop/package.json"))
        .lines()
        .filter(|l| {
            !l.starts_with("<<<<<<<") && !l.starts_with("=======") && !l.starts_with(">>>>>>>")
        })
        .filter(|l| !l.contains("\"express\": \"5.3.0\""))
        .collect::<Vec<_>>()
        .join("\n");
    std::fs::write(&package, format!("{resolved}\n")).unwrap();
    scaffold(tmp.path(), &["--features", "helmet"]).assert_status(exit_code::OK);
    assert!(read(&package).contains("\"express\": \"5.2.1\""));
}

fn a_deleted_file_stays_deleted() {
    let tmp = tempfile::tempdir().unwrap();
    scaffold(tmp.path(), &["--minimal"]).assert_status(exit_code::OK);
    let readme = tmp.path().join("shop/README.md");
    std::fs::remove_file(&readme).unwrap();
    // README.md's rendering changes with the features, and still is not re-created.
    scaffold(tmp.path(), &["--features", "helmet,docker"])
        .assert_status(exit_code::OK)
        .stdout_contains("keep deleted  README.md")
        .stdout_contains("create        Dockerfile");
    assert!(!readme.exists());
    scaffold(tmp.path(), &[]).assert_status(exit_code::OK);
    assert!(!readme.exists());
}

fn turning_a_feature_off_removes_only_unedited_files() {
    let tmp = tempfile::tempdir().unwrap();
    scaffold(tmp.path(), &["--features", "docker"]).assert_status(exit_code::OK);
    let compose = tmp.path().join("shop/docker-compose.yml");
    std::fs::write(&compose, read(&compose) + "# mine\n").unwrap();
    scaffold(tmp.path(), &["--minimal"])
        .assert_status(exit_code::OK)
        .stdout_contains("remove        Dockerfile")
        .stdout_contains("docker-compose.yml");
    assert!(!tmp.path().join("shop/Dockerfile").exists());
    assert!(compose.exists());
}

fn an_older_template_render_is_merged_three_ways() {
    let tmp = tempfile::tempdir().unwrap();
    scaffold(tmp.path(), &["--minimal"]).assert_status(exit_code::OK);
    // Pretend the last render came from an older template whose errors.ts lacked ConflictError.
    let record_path = tmp.path().join("shop/.backendctl/scaffold.json");
    let mut record: serde_json::Value = serde_json::from_str(&read(&record_path)).unwrap();
    let current = record["files"]["src/errors.ts"]["base"]
        .as_str()
        .unwrap()
        .to_owned();
    let start = current.find("export class ConflictError").unwrap();
    let end = start + current[start..].find("}\n}\n").unwrap() + 4;
    let old = format!("{}{}", &current[..start], &current[end + 1..]);
    record["files"]["src/errors.ts"]["base"] = old.clone().into();
    record["template-version"] = "0.0.1+older".into();
    std::fs::write(&record_path, serde_json::to_string(&record).unwrap()).unwrap();
    // The user's copy is the old render plus an edit at the top.
    let errors = tmp.path().join("shop/src/errors.ts");
    std::fs::write(&errors, format!("// my header\n{old}")).unwrap();

    scaffold(tmp.path(), &["--minimal"])
        .assert_status(exit_code::OK)
        .stdout_contains("merge         src/errors.ts");
    let merged = read(&errors);
    assert!(merged.starts_with("// my header\n"), "{merged}");
    assert!(merged.contains("export class ConflictError"), "{merged}");
}

fn dry_run_writes_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    scaffold(tmp.path(), &["--dry-run"])
        .assert_status(exit_code::OK)
        .stdout_contains("create        package.json");
    assert!(!tmp.path().join("shop").exists());
}

fn a_foreign_non_empty_directory_is_refused_without_force() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::create_dir(tmp.path().join("shop")).unwrap();
    std::fs::write(
        tmp.path().join("shop/package.json"),
        "{\"name\": \"mine\"}\n",
    )
    .unwrap();
    scaffold(tmp.path(), &["--minimal"])
        .assert_status(exit_code::ERROR)
        .stderr_contains("not empty");
    // With --force, the differing file is merged with markers, never overwritten.
    scaffold(tmp.path(), &["--minimal", "--force"]).assert_status(exit_code::ERROR);
    let package = read(tmp.path().join("shop/package.json"));
    assert!(package.contains("\"name\": \"mine\""), "{package}");
    assert!(package.contains("<<<<<<<"), "{package}");
}

fn unsafe_names_are_refused() {
    let tmp = tempfile::tempdir().unwrap();
    for name in ["../escape", "Upper", "a/b", ".hidden"] {
        Backendctl::new()
            .current_dir(tmp.path())
            .args(["scaffold", name, "--stack", "express-typescript"])
            .run()
            .assert_status(exit_code::ERROR)
            .stderr_contains("invalid project name");
    }
    assert_eq!(std::fs::read_dir(tmp.path()).unwrap().count(), 0);
}

fn fastapi_a_user_edit_survives_a_template_change() {
    let tmp = tempfile::tempdir().unwrap();
    scaffold_stack(tmp.path(), "fastapi", &["--minimal"]).assert_status(exit_code::OK);
    let main = tmp.path().join("shop/app/main.py");
    // The user rewrites the module's docstring; the new render adds the security headers.
    let edited = read(&main).replacen(
        "\"\"\"The FastAPI application:",
        "\"\"\"The shop's API (edited):",
        1,
    );
    std::fs::write(&main, &edited).unwrap();

    scaffold_stack(tmp.path(), "fastapi", &["--features", "helmet"])
        .assert_status(exit_code::OK)
        .stdout_contains("merge         app/main.py")
        .stdout_contains("update        pyproject.toml")
        .stdout_contains("update        uv.lock");
    let merged = read(&main);
    assert!(merged.contains("The shop's API (edited):"), "{merged}");
    assert!(merged.contains("SecureASGIMiddleware"), "{merged}");
    assert!(!merged.contains("<<<<<<<"), "{merged}");
    assert!(read(tmp.path().join("shop/uv.lock")).contains("name = \"secure\""));

    scaffold_stack(tmp.path(), "fastapi", &["--features", "helmet"])
        .assert_status(exit_code::OK)
        .stdout_contains("keep (edited) app/main.py");
}

fn fastapi_a_conflicting_edit_fails_the_apply() {
    let tmp = tempfile::tempdir().unwrap();
    scaffold_stack(tmp.path(), "fastapi", &["--minimal"]).assert_status(exit_code::OK);
    let pyproject = tmp.path().join("shop/pyproject.toml");
    let starlette = read(&pyproject)
        .lines()
        .find(|l| l.contains("\"starlette=="))
        .unwrap()
        .to_owned();
    // The user pins another starlette; the new render adds `secure` on the line before it.
    std::fs::write(
        &pyproject,
        read(&pyproject).replace(&starlette, "    \"starlette==1.9.0\","),
    )
    .unwrap();

    scaffold_stack(tmp.path(), "fastapi", &["--features", "helmet"])
        .assert_status(exit_code::ERROR)
        .stdout_contains("conflict      pyproject.toml")
        .stderr_contains("pyproject.toml")
        .stderr_contains("conflict");
    let marked = read(&pyproject);
    assert!(marked.contains("<<<<<<< ours"), "{marked}");
    assert!(marked.contains("\"starlette==1.9.0\""), "{marked}");
    assert!(marked.contains("\"secure=="), "{marked}");
    // Still unresolved: the next apply fails again and leaves the file alone.
    scaffold_stack(tmp.path(), "fastapi", &["--features", "helmet"])
        .assert_status(exit_code::ERROR)
        .stdout_contains("not resolved");
    assert_eq!(read(&pyproject), marked);
}

fn fastapi_a_deleted_file_stays_deleted() {
    let tmp = tempfile::tempdir().unwrap();
    scaffold_stack(tmp.path(), "fastapi", &["--minimal"]).assert_status(exit_code::OK);
    let readme = tmp.path().join("shop/README.md");
    std::fs::remove_file(&readme).unwrap();
    // README.md's rendering changes with the features, and still is not re-created.
    scaffold_stack(tmp.path(), "fastapi", &["--features", "postgres,docker"])
        .assert_status(exit_code::OK)
        .stdout_contains("keep deleted  README.md")
        .stdout_contains("create        Dockerfile")
        .stdout_contains("create        migrations/0001_products.up.sql");
    assert!(!readme.exists());
    scaffold_stack(tmp.path(), "fastapi", &[]).assert_status(exit_code::OK);
    assert!(!readme.exists());
}

fn fastapi_names_must_suit_python() {
    let tmp = tempfile::tempdir().unwrap();
    Backendctl::new()
        .current_dir(tmp.path())
        .args(["scaffold", "shop-", "--stack", "fastapi"])
        .run()
        .assert_status(exit_code::ERROR)
        .stderr_contains("must end with a letter or a digit");
    assert_eq!(std::fs::read_dir(tmp.path()).unwrap().count(), 0);
}

/// The `kubernetes` and `grafana` files (one `_ops` template for every stack) take part in the
/// 3-way merge like any other: an edited manifest gets the new render's lines, and stays when
/// the feature goes.
fn deployment_files_merge_with_edits_when_features_change() {
    for stack in ["express-typescript", "fastapi"] {
        let tmp = tempfile::tempdir().unwrap();
        scaffold_stack(tmp.path(), stack, &["--features", "postgres,kubernetes"])
            .assert_status(exit_code::OK);
        let deployment = tmp.path().join("shop/k8s/app/deployment.yaml");
        let edited =
            read(&deployment).replace("  revisionHistoryLimit: 5\n", "  revisionHistoryLimit: 9\n");
        assert_ne!(edited, read(&deployment), "{stack}");
        std::fs::write(&deployment, &edited).unwrap();

        // redis adds REDIS_URL to the Secret's keys; grafana brings metrics, so METRICS_TOKEN.
        scaffold_stack(
            tmp.path(),
            stack,
            &["--features", "postgres,redis,kubernetes,grafana"],
        )
        .assert_status(exit_code::OK)
        .stdout_contains("merge         k8s/app/deployment.yaml")
        .stdout_contains("create        grafana/dashboard.json");
        let merged = read(&deployment);
        for expected in [
            "revisionHistoryLimit: 9",
            "key: REDIS_URL",
            "key: METRICS_TOKEN",
        ] {
            assert!(merged.contains(expected), "{stack}: {expected}\n{merged}");
        }
        assert!(!merged.contains("<<<<<<<"), "{stack}: {merged}");

        // Without kubernetes, the edited manifest stays and the unedited ones go.
        scaffold_stack(tmp.path(), stack, &["--features", "postgres,redis,grafana"])
            .assert_status(exit_code::OK)
            .stdout_contains("k8s/app/deployment.yaml");
        assert!(deployment.exists(), "{stack}");
        assert!(
            !tmp.path().join("shop/k8s/app/hpa.yaml").exists(),
            "{stack}"
        );
    }
}
