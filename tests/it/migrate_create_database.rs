//! A server database that does not exist (issue 12, item 14): an error that says how to create
//! it, or, when the manifest's `database` node says `create #true`, a `+` step that `apply`
//! carries out before migrating.

use backendctl::exit_code;

use crate::common::Workspace;
use crate::harness::{Test, trial};
use crate::migrate_support::{Kind, TestDb, flat, write};

pub(crate) fn tests() -> Vec<Test> {
    vec![
        trial!(
            postgres_a_missing_database_is_created_when_asked,
            needs = [Postgres]
        ),
        trial!(
            mariadb_a_missing_database_is_created_when_asked,
            needs = [MariaDb]
        ),
    ]
}

fn postgres_a_missing_database_is_created_when_asked() {
    a_missing_database_is_created_when_asked(Kind::Postgres);
}

fn mariadb_a_missing_database_is_created_when_asked() {
    a_missing_database_is_created_when_asked(Kind::MySql);
}

/// The manifest of a set on `url`, with `create #true` when `create`.
fn manifest(url: &str, create: bool) -> String {
    format!(
        "backend version=1\ndatabase \"main\" {{\n    url \"{url}\"\n{}}}\nmigrations \"schema\" {{\n    database \"main\"\n    path \"db\"\n}}\n",
        if create { "    create #true\n" } else { "" }
    )
}

/// Regression (issue 12): a PostgreSQL database that does not exist was reported as `database
/// "x" does not exist at line 948` (a line of the server's source) with no hint. Without `create`
/// the error (`migrate::database-missing`) names the database and how to create it, for
/// `plan`, `apply` and ad-hoc `migrate`; with `create #true`, `plan` shows `+ create database`,
/// `migrate status` shows everything pending, and `apply` creates the database and migrates it.
fn a_missing_database_is_created_when_asked(kind: Kind) {
    let db = TestDb::unborn(kind, "createdb");
    let name = db.name().to_string();
    let workspace = Workspace::new(&manifest(&db.url, false));
    std::fs::create_dir_all(workspace.join("db")).unwrap();
    write(
        &workspace.join("db"),
        &[("0001_t.up.sql", "CREATE TABLE t (id int);\n")],
    );
    let create_command = match kind {
        Kind::Postgres => format!("createdb -h 127.0.0.1 -p 5432 -U postgres {name}"),
        _ => format!("mysql -h 127.0.0.1 -P 3306 -u root -e 'CREATE DATABASE `{name}`'"),
    };

    for args in [&["plan"][..], &["apply", "--yes"][..]] {
        let text = flat(&workspace.run(args).assert_status(exit_code::ERROR).text());
        for expected in [
            "migrate::database-missing",
            &format!("server has no database `{name}`"),
            "add `create #true` to `database \"main\"`",
            &create_command,
        ] {
            assert!(text.contains(expected), "{args:?}: {expected}\n{text}");
        }
        assert!(!text.contains("at line"), "{args:?}: {text}");
    }
    let adhoc = flat(
        &db.migrate(&workspace.join("db"), &["up"])
            .assert_status(exit_code::ERROR)
            .text(),
    );
    assert!(
        adhoc.contains(&format!("create it: `{create_command}`")),
        "{adhoc}"
    );
    assert!(!adhoc.contains("create #true"), "{adhoc}");

    std::fs::write(workspace.join("backend.kdl"), manifest(&db.url, true)).unwrap();
    workspace
        .run(&["migrate", "status"])
        .assert_status(exit_code::MIGRATIONS_PENDING);
    workspace
        .run(&["plan"])
        .assert_status(exit_code::OK)
        .stdout_contains(&format!("+ database.main      create database {name}"))
        .stdout_contains("~ migrations.schema  1 pending migration: 0001_t");
    workspace
        .run(&["apply", "--yes"])
        .assert_status(exit_code::OK)
        .stdout_contains(&format!("created database {name}"));
    assert!(db.has_table("t"));
    workspace
        .run(&["plan"])
        .assert_status(exit_code::OK)
        .stdout_contains("= database.main")
        .stdout_contains("up to date (1 applied)");
}
