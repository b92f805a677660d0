//! The Python matrix: the `fastapi` stack minimal, full and with every feature alone (the same
//! strength-2 covering array as the npm matrix: every pair of features in all four on/off
//! combinations), each rendered by the real binary, then in each cell:
//! `uv sync --locked`, `ruff check` and `ruff format --check`, `mypy` (strict), the project's
//! own pytest suite (against the machine's PostgreSQL and Redis in the cells that have those
//! features: the suite creates a database of its own and drops it), and schemathesis with every
//! check against the running service's OpenAPI document, authenticated where the project has
//! auth, on a database migrated by `backendctl migrate up` through the project's own
//! `backend.kdl`; any finding fails the cell. The full cell also runs the project's
//! `backend.kdl` end to end (`backendctl apply`: migrations, the service, the smoke scenario).
//!
//! A second test renders every combination of the features that change the dependencies and
//! has uv check that the `uv.lock` cut from the master lock is the lock of that
//! `pyproject.toml` (`uv lock --locked`).
//!
//! uv and schemathesis come from `tests/python-tools.txt`: `.ci/run` installs them into a
//! virtualenv and sets `BACKENDCTL_PYTHON_TOOLS` to its `bin`; without it the test installs them
//! into `target/python-tools`. One uv cache under `target/uv-cache` is kept between runs. Same
//! switch as the npm matrix (`CI` or `BACKENDCTL_SCAFFOLD_MATRIX=1`), alone on the machine;
//! `BACKENDCTL_SCAFFOLD_MATRIX_SINGLES=0` skips the single-feature cells,
//! `BACKENDCTL_SCHEMATHESIS_EXAMPLES` sets schemathesis' examples per operation in the
//! single-feature cells (default 25; the minimal and full cells use schemathesis' own default).
//! Timings, cases and findings go to `target/scaffold-matrix-python.txt`.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use backendctl::exit_code;
use backendctl::scaffold::project_name::ProjectName;
use backendctl::scaffold::template_set::render_file;
use backendctl::scaffold::{Feature, ScaffoldOptions, Stack};

use crate::binary::Backendctl;
use crate::common::free_port;
use crate::harness::{Test, server_url, trial};
use crate::migrate_support::{Kind, TestDb};
use crate::scaffold_deploy::adds_only_deploy_files;
use crate::scaffold_matrix::{succeed, target_dir};

pub(crate) fn tests() -> Vec<Test> {
    vec![
        trial!(
            fastapi_cells_install_lint_type_check_pass_their_tests_and_schemathesis,
            needs = [ScaffoldMatrix, Python, Postgres, Redis],
            exclusive
        ),
        trial!(
            every_dependency_combination_has_a_lock_uv_accepts,
            needs = [ScaffoldMatrix, Python]
        ),
        trial!(regenerate_the_master_lock, manual),
    ]
}

/// The features that add packages to `pyproject.toml`; the others (cors, docker,
/// github-actions) add none.
const DEPENDENCY_FEATURES: [Feature; 8] = [
    Feature::Auth,
    Feature::Database,
    Feature::Redis,
    Feature::RateLimit,
    Feature::Logging,
    Feature::Helmet,
    Feature::Openapi,
    Feature::Metrics,
];

/// Runs `program args` in `dir`; panics with the output when it fails.
fn run(dir: &Path, program: &str, args: &[&str], envs: &[(&str, &str)]) -> (String, Duration) {
    succeed(
        Command::new(program)
            .args(args)
            .current_dir(dir)
            .envs(envs.iter().copied()),
    )
}

/// The bin directory holding `uv`, `schemathesis` and `kubernetes-validate`, installed from `tests/python-tools.txt`
/// when `.ci/run` did not.
pub(crate) fn tools() -> PathBuf {
    if let Some(bin) = std::env::var_os("BACKENDCTL_PYTHON_TOOLS") {
        return PathBuf::from(bin);
    }
    let venv = target_dir().join("python-tools");
    let bin = venv.join("bin");
    if ["uv", "schemathesis", "kubernetes-validate"]
        .iter()
        .any(|tool| !bin.join(tool).exists())
    {
        let requirements = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/python-tools.txt");
        run(
            Path::new("."),
            "python3",
            &["-m", "venv", venv.to_str().unwrap()],
            &[],
        );
        run(
            Path::new("."),
            bin.join("pip").to_str().unwrap(),
            &["install", "--quiet", "-r", requirements.to_str().unwrap()],
            &[],
        );
    }
    bin
}

/// The machine's Python, by absolute path: uv's own search through `PATH` (pyenv shims here)
/// costs more than many of the commands it precedes.
fn python() -> &'static str {
    static PYTHON: OnceLock<String> = OnceLock::new();
    PYTHON.get_or_init(|| {
        run(
            Path::new("."),
            "python3",
            &["-c", "import sys; print(sys.executable)"],
            &[],
        )
        .0
        .trim()
        .to_owned()
    })
}

/// The environment of every uv command: one cache, the machine's Python, no downloads, no
/// progress bars.
fn uv_env() -> Vec<(&'static str, String)> {
    vec![
        ("UV_PYTHON", python().to_owned()),
        (
            "UV_CACHE_DIR",
            target_dir().join("uv-cache").display().to_string(),
        ),
        ("UV_PYTHON_DOWNLOADS", "never".to_owned()),
        ("UV_NO_PROGRESS", "1".to_owned()),
    ]
}

fn uv(dir: &Path, args: &[&str], extra: &[(&str, &str)]) -> (String, Duration) {
    let env = uv_env();
    let mut envs: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    envs.extend_from_slice(extra);
    run(dir, tools().join("uv").to_str().unwrap(), args, &envs)
}

fn options(features: &[Feature]) -> ScaffoldOptions {
    ScaffoldOptions::new(
        ProjectName::new("shop-api").unwrap(),
        Stack::Fastapi,
        features.iter().copied().collect::<BTreeSet<_>>(),
    )
}

/// One cell of the matrix: its name and its features.
struct Cell {
    name: String,
    features: Vec<Feature>,
    /// schemathesis' examples per operation (None: its default).
    examples: Option<String>,
}

impl Cell {
    fn has(&self, feature: Feature) -> bool {
        self.features.contains(&feature)
    }
}

fn cells() -> Vec<Cell> {
    let singles = std::env::var("BACKENDCTL_SCAFFOLD_MATRIX_SINGLES").as_deref() != Ok("0");
    let examples =
        std::env::var("BACKENDCTL_SCHEMATHESIS_EXAMPLES").unwrap_or_else(|_| "25".to_owned());
    let mut cells = vec![
        Cell {
            name: "minimal".to_owned(),
            features: Vec::new(),
            examples: None,
        },
        Cell {
            name: "full".to_owned(),
            features: Feature::ALL.to_vec(),
            examples: None,
        },
    ];
    if singles {
        // A feature that adds deployment files only would check the minimal cell's code again
        // (tests/it/scaffold_deploy.rs checks those files).
        cells.extend(
            Feature::ALL
                .iter()
                .filter(|&&feature| !adds_only_deploy_files(Stack::Fastapi, feature))
                .map(|&feature| Cell {
                    name: feature.as_str().to_owned(),
                    features: vec![feature],
                    examples: Some(examples.clone()),
                }),
        );
    }
    cells
}

/// What one cell measured.
struct Measured {
    sync: Duration,
    lint: Duration,
    mypy: Duration,
    pytest: Duration,
    schemathesis: Duration,
    cases: String,
}

fn fastapi_cells_install_lint_type_check_pass_their_tests_and_schemathesis() {
    let work = tempfile::tempdir().unwrap();
    let start = Instant::now();
    let mut report = vec![format!(
        "{:<16} {:>7} {:>7} {:>7} {:>7} {:>13}  schemathesis cases",
        "cell", "sync", "lint", "mypy", "pytest", "schemathesis"
    )];
    for cell in cells() {
        let measured = check_cell(work.path(), &cell);
        let line = format!(
            "{:<16} {:>6.1}s {:>6.1}s {:>6.1}s {:>6.1}s {:>12.1}s  {}",
            cell.name,
            measured.sync.as_secs_f64(),
            measured.lint.as_secs_f64(),
            measured.mypy.as_secs_f64(),
            measured.pytest.as_secs_f64(),
            measured.schemathesis.as_secs_f64(),
            measured.cases
        );
        eprintln!("{line}");
        report.push(line);
    }
    let total = format!("total {:.1}s", start.elapsed().as_secs_f64());
    eprintln!("{total}");
    report.push(total);
    let _ = std::fs::write(
        target_dir().join("scaffold-matrix-python.txt"),
        report.join("\n") + "\n",
    );
}

fn check_cell(work: &Path, cell: &Cell) -> Measured {
    let dir = work.join(format!("fastapi-{}", cell.name));
    let mut args = vec!["scaffold", "shop-api", "--stack", "fastapi"];
    let features = cell
        .features
        .iter()
        .map(|f| f.as_str())
        .collect::<Vec<_>>()
        .join(",");
    if cell.features.is_empty() {
        args.push("--minimal");
    } else {
        args.extend(["--features", features.as_str()]);
    }
    Backendctl::new()
        .current_dir(work)
        .args(&args)
        .arg("--path")
        .arg(&dir)
        .run()
        .assert_status(exit_code::OK);
    Backendctl::new()
        .current_dir(&dir)
        .args(["validate"])
        .run()
        .assert_status(exit_code::OK);

    let (_, sync) = uv(&dir, &["sync", "--locked"], &[]);
    let lint_start = Instant::now();
    uv(&dir, &["run", "--locked", "ruff", "check"], &[]);
    uv(&dir, &["run", "--locked", "ruff", "format", "--check"], &[]);
    let lint = lint_start.elapsed();
    let (_, mypy) = uv(&dir, &["run", "--locked", "mypy"], &[]);

    let postgres = server_url("BACKENDCTL_TEST_POSTGRES_URL");
    let redis = server_url("BACKENDCTL_TEST_REDIS_URL");
    let mut services: Vec<(&str, &str)> = Vec::new();
    if cell.has(Feature::Database) {
        services.push(("DATABASE_URL", &postgres));
    }
    if cell.has(Feature::Redis) {
        services.push(("REDIS_URL", &redis));
    }
    let (out, pytest) = uv(
        &dir,
        &[
            "run",
            "--locked",
            "pytest",
            "-v",
            "-rs",
            "-p",
            "no:cacheprovider",
        ],
        &services,
    );
    assert!(
        !out.contains("SKIPPED"),
        "{}: a test was skipped although its server was given:\n{out}",
        cell.name
    );
    for (feature, test) in [
        (Feature::Database, "test_postgres.py::test_is_ready PASSED"),
        (
            Feature::Redis,
            "test_redis_cache.py::test_answers_a_ping PASSED",
        ),
    ] {
        assert!(
            !cell.has(feature) || out.contains(test),
            "{}: `{test}` is missing:\n{out}",
            cell.name
        );
    }

    let database = cell
        .has(Feature::Database)
        .then(|| TestDb::new(Kind::Postgres, &format!("fastapi_{}", cell.name)));
    if cell.name == "full" {
        let apply = Instant::now();
        apply_own_manifest(&dir);
        eprintln!(
            "full: backendctl apply of the project's own backend.kdl {:.1}s",
            apply.elapsed().as_secs_f64()
        );
    }
    let st_start = Instant::now();
    let cases = attack(&dir, cell, database.as_ref(), &redis);
    Measured {
        sync,
        lint,
        mypy,
        pytest,
        schemathesis: st_start.elapsed(),
        cases,
    }
}

/// `backendctl apply` with the project's own `backend.kdl`: its migrations on a fresh database,
/// the service (`uv run`), the smoke scenario and its thresholds.
fn apply_own_manifest(dir: &Path) {
    let database = TestDb::new(Kind::Postgres, "fastapi_apply");
    let port = free_port().to_string();
    let path = format!(
        "{}:{}",
        tools().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let mut command = Backendctl::new()
        .current_dir(dir)
        .args(["apply", "--yes"])
        .env("DATABASE_URL", &database.url)
        .env("PORT", &port)
        .env("PATH", path)
        .timeout(Duration::from_secs(300));
    for (key, value) in uv_env() {
        command = command.env(key, value);
    }
    command
        .run()
        .assert_status(exit_code::OK)
        .stdout_contains("migrations.schema")
        .stdout_contains("scenario.smoke");
}

/// Serves the project and runs schemathesis with every check against its OpenAPI document;
/// returns schemathesis' count of cases. Panics on any finding.
fn attack(dir: &Path, cell: &Cell, database: Option<&TestDb>, redis: &str) -> String {
    let port = free_port();
    let mut env: Vec<(&str, String)> = vec![
        ("ENVIRONMENT", "development".to_owned()),
        ("PORT", port.to_string()),
        ("JWT_SECRET", "matrix-".repeat(8)),
        ("ADMIN_EMAILS", "admin@example.com".to_owned()),
        ("RATE_LIMIT_MAX", "1000000".to_owned()),
        ("LOG_LEVEL", "warning".to_owned()),
    ];
    if let Some(database) = database {
        // The project's own manifest migrates the database: one migration tool.
        let mut migrate = Backendctl::new()
            .current_dir(dir)
            .args(["migrate", "up"])
            .env("DATABASE_URL", &database.url);
        for (key, value) in uv_env() {
            migrate = migrate.env(key, value);
        }
        migrate.run().assert_status(exit_code::OK);
        env.push(("DATABASE_URL", database.url.clone()));
    }
    if cell.has(Feature::Redis) {
        env.push(("REDIS_URL", redis.to_owned()));
    }
    let python = dir.join(".venv/bin/python");
    let log = dir.join("server.log");
    let server = Server(
        Command::new(&python)
            .args(["-m", "app"])
            .current_dir(dir)
            .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
            .stdin(Stdio::null())
            .stdout(std::fs::File::create(&log).unwrap())
            .stderr(std::fs::File::create(dir.join("server.err")).unwrap())
            .spawn()
            .unwrap(),
    );
    // Waits for the service, signs an admin in when the project has auth, and writes the OpenAPI
    // document (from the application itself, so cells without the openapi feature are attacked
    // on the same contract).
    let prepare = format!(
        r#"
import json, time, httpx
base = "http://127.0.0.1:{port}"
for _ in range(300):
    try:
        if httpx.get(base + "/health").status_code == 200:
            break
    except httpx.TransportError:
        time.sleep(0.1)
else:
    raise SystemExit("the service did not start")
from app.main import create_app
open("openapi.json", "w").write(json.dumps(create_app().openapi()))
if {auth}:
    body = {{"email": "admin@example.com", "password": "the admin password"}}
    httpx.post(base + "/auth/register", json=body).raise_for_status()
    login = httpx.post(base + "/auth/login", json=body)
    login.raise_for_status()
    open("token", "w").write(login.json()["accessToken"])
"#,
        auth = if cell.has(Feature::Auth) {
            "True"
        } else {
            "False"
        }
    );
    run(
        dir,
        python.to_str().unwrap(),
        &["-c", &prepare],
        &env.iter()
            .map(|(k, v)| (*k, v.as_str()))
            .collect::<Vec<_>>(),
    );
    let url = format!("http://127.0.0.1:{port}");
    let mut args = vec![
        "run".to_owned(),
        "openapi.json".to_owned(),
        "--url".to_owned(),
        url,
        "--checks".to_owned(),
        "all".to_owned(),
        "--no-color".to_owned(),
    ];
    if cell.has(Feature::Auth) {
        let token = std::fs::read_to_string(dir.join("token")).unwrap();
        args.extend(["-H".to_owned(), format!("Authorization: Bearer {token}")]);
    }
    if let Some(examples) = &cell.examples {
        args.extend(["--max-examples".to_owned(), examples.clone()]);
    }
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let output = Command::new(tools().join("schemathesis"))
        .args(&args)
        .current_dir(dir)
        .output()
        .unwrap();
    drop(server);
    let text = String::from_utf8_lossy(&output.stdout).into_owned()
        + &String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "{}: schemathesis found problems:\n{text}\n--- server log\n{}",
        cell.name,
        std::fs::read_to_string(dir.join("server.err")).unwrap_or_default()
    );
    text.lines()
        .skip_while(|l| !l.starts_with("Test cases:"))
        .nth(1)
        .map_or_else(String::new, |l| l.trim().to_owned())
}

/// A service process, stopped when dropped.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn every_dependency_combination_has_a_lock_uv_accepts() {
    let work = tempfile::tempdir().unwrap();
    // The features without dependencies leave pyproject.toml as it is.
    for feature in Feature::ALL
        .into_iter()
        .filter(|f| !DEPENDENCY_FEATURES.contains(f))
    {
        assert_eq!(
            render_file(&options(&[feature]), "pyproject.toml.j2").unwrap(),
            render_file(&options(&[]), "pyproject.toml.j2").unwrap(),
            "{feature} changes pyproject.toml: add it to DEPENDENCY_FEATURES"
        );
    }
    let start = Instant::now();
    let combinations = 1_usize << DEPENDENCY_FEATURES.len();
    let check = |bits: usize, offline: bool| {
        let features: Vec<Feature> = DEPENDENCY_FEATURES
            .iter()
            .enumerate()
            .filter(|(i, _)| bits & (1 << i) != 0)
            .map(|(_, &f)| f)
            .collect();
        let dir = work.path().join(bits.to_string());
        std::fs::create_dir(&dir).unwrap();
        for file in ["pyproject.toml", "uv.lock"] {
            let text = render_file(&options(&features), &format!("{file}.j2")).unwrap();
            std::fs::write(dir.join(file), text).unwrap();
        }
        let mut args = vec!["lock", "--locked"];
        if offline {
            args.push("--offline");
        }
        uv(&dir, &args, &[]);
        std::fs::remove_dir_all(&dir).unwrap();
    };
    // Every feature first, online: after it, every package is in the cache.
    check(combinations - 1, false);
    std::thread::scope(|scope| {
        for worker in 0..2 {
            scope.spawn(move || {
                for bits in (worker..combinations - 1).step_by(2) {
                    check(bits, true);
                }
            });
        }
    });
    eprintln!(
        "{combinations} dependency combinations locked in {:.1}s",
        start.elapsed().as_secs_f64()
    );
}

/// Regenerates `templates/fastapi/_lock/uv.lock` after a change to the Python pins of
/// `templates/versions.json` or to `_deps.j2`: renders the full `pyproject.toml` and lets uv lock
/// it, preferring the versions of the current master lock (delete it to upgrade everything).
/// `cargo test --test it -- --ignored regenerate_the_master_lock`.
fn regenerate_the_master_lock() {
    let work = tempfile::tempdir().unwrap();
    let master = Path::new(env!("CARGO_MANIFEST_DIR")).join("templates/fastapi/_lock/uv.lock");
    let full = options(&Feature::ALL);
    std::fs::write(
        work.path().join("pyproject.toml"),
        render_file(&full, "pyproject.toml.j2").unwrap(),
    )
    .unwrap();
    if master.exists() {
        std::fs::copy(&master, work.path().join("uv.lock")).unwrap();
    }
    uv(work.path(), &["lock"], &[]);
    std::fs::copy(work.path().join("uv.lock"), &master).unwrap();
}
