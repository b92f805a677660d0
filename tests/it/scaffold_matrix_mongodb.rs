//! The MongoDB cells of the npm matrix: every TypeScript stack with every feature on
//! `database-engine "mongodb"` through `data-layer "mongodb-driver"`, rendered by the real binary,
//! installed, type-checked, linted, and its own tests run against a MongoDB-wire server started
//! for the cell (SecantusDB, as in `migrate_mongodb`) and the machine's Redis.
//!
//! One trial per stack (`scaffold_matrix_mongodb::mongodb_driver_on_nestjs`), so a cell runs
//! alone with a filter; like the rest of the matrix they run when `CI` or
//! `BACKENDCTL_SCAFFOLD_MATRIX` is set, one at a time (`exclusive`). The timings are printed and
//! appended to `target/scaffold-matrix-mongodb.txt`.

use std::io::Write;

use backendctl::exit_code;

use crate::binary::Backendctl;
use crate::harness::{Test, trial};
use crate::migrate_mongodb::Server;
use crate::scaffold_matrix::{NPM_INSTALL, run, target_dir};

pub(crate) fn tests() -> Vec<Test> {
    vec![
        trial!(
            mongodb_projects_render_the_driver_and_json_migrations_that_backendctl_applies,
            needs = [MongoDb]
        ),
        trial!(@with mongodb_driver_on_express_typescript, || cell("express-typescript"),
            needs = [ScaffoldMatrix, Npm, Node, MongoDb, Redis], exclusive),
        trial!(@with mongodb_driver_on_fastify_typescript, || cell("fastify-typescript"),
            needs = [ScaffoldMatrix, Npm, Node, MongoDb, Redis], exclusive),
        trial!(@with mongodb_driver_on_nestjs, || cell("nestjs"),
            needs = [ScaffoldMatrix, Npm, Node, MongoDb, Redis], exclusive),
        trial!(@with mongodb_driver_on_apollo_graphql, || cell("apollo-graphql"),
            needs = [ScaffoldMatrix, Npm, Node, MongoDb, Redis], exclusive),
    ]
}

/// Renders `stack` with every feature on MongoDB, installs it, type-checks, lints and runs its
/// tests with `DATABASE_URL` pointing at a fresh SecantusDB server.
fn cell(stack: &str) {
    let redis_url = std::env::var("BACKENDCTL_TEST_REDIS_URL")
        .unwrap_or_else(|_| "redis://127.0.0.1:6379".to_owned());
    let work = tempfile::tempdir().unwrap();
    let name = format!("{stack}-mongodb");
    Backendctl::new()
        .current_dir(work.path())
        .args(["scaffold", &name, "--stack", stack])
        .args([
            "--database-engine",
            "mongodb",
            "--data-layer",
            "mongodb-driver",
        ])
        .run()
        .assert_status(exit_code::OK);
    let dir = work.path().join(&name);
    assert!(dir.join("migrations/0003_auth_tokens.up.json").is_file());
    assert!(!dir.join("migrations/0001_products.up.sql").exists());

    let (out, install) = run(&dir, "npm", &NPM_INSTALL, &[]);
    assert!(
        !out.contains("EBADENGINE"),
        "{name}: a package does not support the Node.js it targets:\n{out}"
    );
    let (_, tsc) = run(&dir, "npm", &["run", "typecheck"], &[]);
    let (_, lint) = run(&dir, "npm", &["run", "lint"], &[]);

    let server = Server::start();
    let database_url = server.url();
    let verbose = if stack == "nestjs" {
        "--reporter=verbose"
    } else {
        "--verbose"
    };
    let envs = [
        ("DATABASE_URL", database_url.as_str()),
        ("REDIS_URL", redis_url.as_str()),
    ];
    let (out, test) = run(&dir, "npm", &["test", "--", verbose], &envs);
    let passed = |title: &str| {
        out.lines()
            .any(|l| l.contains(title) && (l.contains('✓') || l.contains('√')))
    };
    for title in [
        "is ready",
        "rotates a refresh token once under 8 concurrent refreshes",
        "registers an email once under 6 concurrent registrations",
        "creates the collections with validators",
        "answers a ping",
    ] {
        assert!(
            passed(title),
            "{name}: `{title}` did not run and pass:\n{out}"
        );
    }

    let line = format!(
        "{name:<30} {:>7.1}s {:>7.1}s {:>7.1}s {:>7.1}s  (install, tsc, lint, test)",
        install.as_secs_f64(),
        tsc.as_secs_f64(),
        lint.as_secs_f64(),
        test.as_secs_f64(),
    );
    eprintln!("{line}");
    if let Ok(mut file) = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(target_dir().join("scaffold-matrix-mongodb.txt"))
    {
        let _ = writeln!(file, "{line}");
    }
}

/// Without npm: every TypeScript stack on MongoDB renders the driver and no SQL, and its
/// `migrations/` is a set `backendctl migrate` applies, lints clean and reverts.
fn mongodb_projects_render_the_driver_and_json_migrations_that_backendctl_applies() {
    let work = tempfile::tempdir().unwrap();
    for stack in [
        "express-typescript",
        "fastify-typescript",
        "nestjs",
        "apollo-graphql",
    ] {
        Backendctl::new()
            .current_dir(work.path())
            .args([
                "scaffold",
                stack,
                "--stack",
                stack,
                "--database-engine",
                "mongodb",
            ])
            .run()
            .assert_status(exit_code::OK);
        let dir = work.path().join(stack);
        let package: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(dir.join("package.json")).unwrap())
                .unwrap();
        let dependencies = &package["dependencies"];
        assert!(
            dependencies["mongodb"].is_string(),
            "{stack}: {dependencies}"
        );
        assert!(
            dependencies["pg"].is_null() && dependencies["kysely"].is_null(),
            "{stack}: {dependencies}"
        );
        assert!(!dir.join("src/db/database.ts").exists());
        let compose = std::fs::read_to_string(dir.join("docker-compose.yml")).unwrap();
        assert!(
            compose.contains("image: mongo:") && !compose.contains("postgres"),
            "{compose}"
        );
    }

    let server = Server::start();
    let migrations = work.path().join("nestjs/migrations");
    let migrate = |args: &[&str]| {
        Backendctl::new()
            .args(["migrate", "-D", &server.url(), "--dir"])
            .arg(&migrations)
            .args(args)
            .run()
    };
    let up = migrate(&["up"]).assert_status(exit_code::OK);
    assert!(
        up.stdout().contains("applied 3 migration(s)"),
        "{}",
        up.stdout()
    );
    migrate(&["lint"])
        .assert_status(exit_code::OK)
        .stdout_contains("no findings");
    // `--all`: every migration, as on SQL (the MongoDB engine used to revert only the newest).
    let down = migrate(&["down", "--all", "--yes"]).assert_status(exit_code::OK);
    assert!(
        down.stdout().contains("reverted 3 migration(s)"),
        "{}",
        down.stdout()
    );
    migrate(&["up"]).assert_status(exit_code::OK);
}
