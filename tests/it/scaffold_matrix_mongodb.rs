//! MongoDB projects without npm: every TypeScript stack on `database-engine "mongodb"` renders
//! the driver and no SQL, and its `migrations/` is a set `backendctl migrate` applies, lints clean
//! and reverts on a real MongoDB-wire server (SecantusDB). The installed MongoDB cells are part
//! of the data-choice covering array (`scaffold_matrix::every_data_choice_...`).

use backendctl::exit_code;

use crate::binary::Backendctl;
use crate::harness::{Test, trial};
use crate::migrate_mongodb::Server;

pub(crate) fn tests() -> Vec<Test> {
    vec![trial!(
        mongodb_projects_render_the_driver_and_json_migrations_that_backendctl_applies,
        needs = [MongoDb]
    )]
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
