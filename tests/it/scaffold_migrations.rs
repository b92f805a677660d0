//! The SQL migration sets a scaffolded TypeScript project carries, through `backendctl migrate`
//! run in the rendered project: what `lint` (and so `plan`) says of them, and, on MariaDB, that
//! the MySQL set applies and reverts.

use std::path::{Path, PathBuf};

use backendctl::exit_code;

use crate::binary::Backendctl;
use crate::harness::{Test, trial};
use crate::migrate_support::{Kind, TestDb};

pub(crate) fn tests() -> Vec<Test> {
    vec![
        trial!(mysql_migrations_lint_clean_with_and_without_auth),
        trial!(postgres_migrations_lint_with_only_their_two_known_findings),
        trial!(
            mysql_migrations_apply_and_revert_on_mariadb,
            needs = [MariaDb]
        ),
    ]
}

/// `backendctl scaffold x --stack express-typescript --data-layer kysely` on `engine`, with
/// `features` (all when empty), rendered into `dir`; the project's directory.
fn render(dir: &Path, engine: &str, features: &[&str]) -> PathBuf {
    let mut args = vec![
        "scaffold",
        "x",
        "--stack",
        "express-typescript",
        "--data-layer",
        "kysely",
        "--database-engine",
        engine,
    ];
    let joined = features.join(",");
    if !features.is_empty() {
        args.extend(["--features", joined.as_str()]);
    }
    Backendctl::new()
        .current_dir(dir)
        .args(&args)
        .run()
        .assert_status(exit_code::OK);
    dir.join("x")
}

/// The migration files of a rendered project, sorted.
fn migration_files(project: &Path) -> Vec<String> {
    let mut files: Vec<String> = std::fs::read_dir(project.join("migrations"))
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    files.sort();
    files
}

/// `backendctl migrate lint` in the project finds nothing.
fn lints_clean(project: &Path) {
    Backendctl::new()
        .current_dir(project)
        .args(["migrate", "lint"])
        .run()
        .assert_status(exit_code::OK)
        .stdout_lacks("warning[");
}

/// MySQL commits each DDL statement: one table per migration, created with its indexes and
/// foreign keys, so nothing locks or copies a live table and no migration stops half-applied.
fn mysql_migrations_lint_clean_with_and_without_auth() {
    let tmp = tempfile::tempdir().unwrap();
    let project = render(tmp.path(), "mysql", &[]);
    assert_eq!(
        migration_files(&project),
        [
            "0001_users.down.sql",
            "0001_users.up.sql",
            "0002_products.down.sql",
            "0002_products.up.sql",
            "0003_refresh_token_families.down.sql",
            "0003_refresh_token_families.up.sql",
            "0004_refresh_tokens.down.sql",
            "0004_refresh_tokens.up.sql",
            "0005_password_reset_tokens.down.sql",
            "0005_password_reset_tokens.up.sql",
        ]
    );
    lints_clean(&project);

    let tmp = tempfile::tempdir().unwrap();
    let project = render(tmp.path(), "mysql", &["database"]);
    assert_eq!(
        migration_files(&project),
        ["0002_products.down.sql", "0002_products.up.sql"]
    );
    let products =
        std::fs::read_to_string(project.join("migrations/0002_products.up.sql")).unwrap();
    assert!(
        !products.contains("users"),
        "no users table to refer to: {products}"
    );
    lints_clean(&project);
}

/// The PostgreSQL set as released (projects in use have applied it, so its files stay as they
/// are): 0002 adds the products' owner index and foreign key to a table that may hold rows.
fn postgres_migrations_lint_with_only_their_two_known_findings() {
    let tmp = tempfile::tempdir().unwrap();
    let project = render(tmp.path(), "postgresql", &[]);
    let lint = Backendctl::new()
        .current_dir(&project)
        .args(["migrate", "lint"])
        .run()
        .assert_status(exit_code::LINT_FINDINGS);
    let findings: Vec<&str> = lint
        .stdout()
        .lines()
        .filter(|line| line.contains(": warning["))
        .collect();
    assert_eq!(
        findings.len(),
        2,
        "only the two known findings: {}",
        lint.stdout()
    );
    assert!(findings[0].contains("0002_users.up.sql:9: warning[adding-foreign-key-constraint]"));
    assert!(
        findings[1].contains("0002_users.up.sql:11: warning[require-concurrent-index-creation]")
    );
}

/// The MySQL set on a real server: up creates every table, down reverts them all in order (a
/// table referred to by another is dropped after it).
fn mysql_migrations_apply_and_revert_on_mariadb() {
    let tmp = tempfile::tempdir().unwrap();
    let project = render(tmp.path(), "mysql", &[]);
    let db = TestDb::new(Kind::MySql, "scaffold_mysql_set");
    let migrations = project.join("migrations");
    db.migrate(&migrations, &["up"])
        .assert_status(exit_code::OK)
        .stdout_contains("applied 5 migration(s)");
    for table in [
        "users",
        "products",
        "refresh_token_families",
        "refresh_tokens",
        "password_reset_tokens",
    ] {
        assert!(db.has_table(table), "{table}");
    }
    // The foreign keys declared with the tables hold.
    assert_eq!(
        db.scalar(
            "SELECT CAST(count(*) AS SIGNED) FROM information_schema.referential_constraints \
             WHERE constraint_schema = DATABASE()"
        ),
        5
    );
    db.migrate(&migrations, &["down", "--to", "0", "--yes"])
        .assert_status(exit_code::OK)
        .stdout_contains("reverted 5 migration(s)");
    assert!(!db.has_table("users") && !db.has_table("products"));
}
