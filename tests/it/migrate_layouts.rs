//! Migration sets written by other tools (Diesel, Prisma; `tests/fixtures/migrations/`), a
//! directory in no layout backendctl reads, an empty one, and the `database` node's session SQL,
//! on SQLite, PostgreSQL and MariaDB.

use std::path::{Path, PathBuf};

use backendctl::exit_code;

use crate::binary::Backendctl;
use crate::common::{Workspace, copy_dir};
use crate::harness::{Test, trial};
use crate::migrate_support::{Kind, TestDb, per_engine, write};

pub(crate) fn tests() -> Vec<Test> {
    [
        per_engine!(a_diesel_set_applies_reverts_and_grows),
        per_engine!(a_prisma_set_applies_forward_only),
        per_engine!(a_directory_in_no_known_layout_fails_before_any_history_table),
    ]
    .into_iter()
    .flatten()
    .chain([
        trial!(an_empty_directory_says_why_nothing_applies),
        trial!(plan_fails_on_a_directory_in_no_known_layout),
        trial!(
            mariadb_session_sql_applies_a_set_that_needs_foreign_key_checks_off,
            needs = [MariaDb]
        ),
        trial!(
            postgres_session_sql_sets_the_schema_of_every_connection,
            needs = [Postgres]
        ),
    ])
    .collect()
}

/// A copy of `tests/fixtures/migrations/NAME` in the test's directory (tests may add files).
pub(crate) fn fixture(db: &TestDb, name: &str) -> PathBuf {
    let from = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/migrations")
        .join(name);
    let to = db.dir.path().join(name);
    copy_dir(&from, &to);
    to
}

fn engine_suffix(kind: Kind) -> &'static str {
    match kind {
        Kind::Postgres => "postgres",
        Kind::MySql => "mysql",
        Kind::Sqlite => "sqlite",
    }
}

/// `migrate -D URL --dir DIR [--session-sql …] ARGS`: the MySQL Diesel set needs its session SQL.
fn diesel_migrate(db: &TestDb, dir: &Path, args: &[&str]) -> Backendctl {
    let b = db.backendctl(dir, &[]);
    let b = if db.kind == Kind::MySql {
        b.args(["--session-sql", "SET FOREIGN_KEY_CHECKS=0"])
    } else {
        b
    };
    b.args(args)
}

fn a_diesel_set_applies_reverts_and_grows(kind: Kind) {
    let db = TestDb::new(kind, "diesel");
    let set = fixture(&db, &format!("diesel-{}", engine_suffix(kind)));
    let total = match kind {
        Kind::Postgres => 4,
        Kind::MySql => 3,
        Kind::Sqlite => 2,
    };
    diesel_migrate(&db, &set, &["status"])
        .run()
        .assert_status(exit_code::MIGRATIONS_PENDING)
        .stdout_contains("; Diesel layout): ")
        .stdout_contains(&format!("{total} pending"));
    diesel_migrate(&db, &set, &["up"])
        .run()
        .assert_status(exit_code::OK)
        .stdout_contains(&format!("applied {total} migration(s)"));
    match kind {
        Kind::Postgres => {
            // Diesel's initial setup: its functions, used by the next migrations' triggers.
            assert_eq!(
                db.scalar("SELECT count(*) FROM pg_proc WHERE proname IN ('diesel_manage_updated_at', 'diesel_set_updated_at')"),
                2
            );
            assert_eq!(
                db.scalar("SELECT count(*) FROM pg_trigger WHERE tgname = 'set_updated_at'"),
                2
            );
            // metadata.toml's run_in_transaction = false: CREATE INDEX CONCURRENTLY ran.
            assert_eq!(
                db.scalar(
                    "SELECT count(*) FROM pg_indexes WHERE indexname = 'posts_published_idx'"
                ),
                1
            );
            assert_eq!(
                db.scalar("SELECT version FROM backendctl_migrations ORDER BY version LIMIT 1"),
                0,
                "00000000000000_diesel_initial_setup is version 0"
            );
        }
        Kind::MySql => {
            assert_eq!(db.scalar("SELECT COUNT(*) FROM comments"), 1);
        }
        Kind::Sqlite => assert!(db.has_table("posts")),
    }
    let out = diesel_migrate(&db, &set, &["status"])
        .run()
        .assert_status(exit_code::OK)
        .text();
    assert!(out.contains(&format!("{total} applied")), "{out}");

    // down runs the newest migration's down.sql.
    diesel_migrate(&db, &set, &["down", "--yes"])
        .run()
        .assert_status(exit_code::OK)
        .stdout_contains("reverted 1 migration(s)");
    match kind {
        Kind::Postgres => assert_eq!(
            db.scalar("SELECT count(*) FROM pg_indexes WHERE indexname = 'posts_published_idx'"),
            0
        ),
        Kind::MySql => assert_eq!(db.scalar("SELECT COUNT(*) FROM posts"), 0),
        Kind::Sqlite => assert!(!db.has_table("posts") && db.has_table("users")),
    }
    diesel_migrate(&db, &set, &["up"])
        .run()
        .assert_status(exit_code::OK)
        .stdout_contains("applied 1 migration(s)");
    assert_eq!(db.history(), total);

    // `new` writes the next migration as Diesel does: a timestamped directory with up and down.
    let out = db
        .migrate(&set, &["new", "add tags"])
        .assert_status(exit_code::OK)
        .text();
    let created: Vec<&str> = out.lines().filter(|l| l.starts_with("created ")).collect();
    assert_eq!(created.len(), 2, "{out}");
    let up = PathBuf::from(created[0].trim_start_matches("created "));
    let dir = up
        .parent()
        .unwrap()
        .file_name()
        .unwrap()
        .to_string_lossy()
        .into_owned();
    assert!(
        up.ends_with("up.sql")
            && dir.ends_with("_add_tags")
            && dir.as_bytes()[4] == b'-'
            && dir.len() == 26,
        "{out}"
    );
    diesel_migrate(&db, &set, &["status"])
        .run()
        .assert_status(exit_code::MIGRATIONS_PENDING)
        .stdout_contains(&format!("{total} applied, 1 pending"));
}

fn a_prisma_set_applies_forward_only(kind: Kind) {
    let db = TestDb::new(kind, "prisma");
    let set = fixture(&db, &format!("prisma-{}", engine_suffix(kind)));
    db.migrate(&set, &["status"])
        .assert_status(exit_code::MIGRATIONS_PENDING)
        .stdout_contains("; Prisma layout): 3 pending")
        .stdout_contains("20240115090000  add_posts");
    db.migrate(&set, &["up"])
        .assert_status(exit_code::OK)
        .stdout_contains("applied 3 migration(s)");
    let post = if kind == Kind::MySql {
        "`Post`"
    } else {
        "\"Post\""
    };
    let user = if kind == Kind::MySql {
        "`User`"
    } else {
        "\"User\""
    };
    db.exec(&format!(
        "INSERT INTO {user} (email) VALUES ('a@example.com'); INSERT INTO {post} (title, {author}) VALUES ('hello', 1)",
        author = if kind == Kind::MySql { "`authorId`" } else { "\"authorId\"" }
    ));
    assert_eq!(db.scalar(&format!("SELECT COUNT(*) FROM {post}")), 1);
    db.migrate(&set, &["status"])
        .assert_status(exit_code::OK)
        .stdout_contains("3 applied");

    // Forward-only: `down` refuses, naming where a down migration would be read from…
    let last = db.migrations(&format!(
        "{}/{}",
        set.file_name().unwrap().to_string_lossy(),
        if kind == Kind::Sqlite {
            "20240201100000_post_title_unique"
        } else {
            "20240201100000_add_post_published_at"
        }
    ));
    db.migrate(&set, &["down", "--yes"])
        .assert_status(exit_code::ERROR)
        .stderr_contains("has no down migration")
        .stderr_contains(&last.join("down.sql").display().to_string());
    // …and reads a `down.sql` beside migration.sql (what Prisma's docs generate with
    // `prisma migrate diff … --script > down.sql`).
    let down = match kind {
        Kind::Sqlite => "DROP INDEX \"Post_title_key\";\n",
        Kind::MySql => {
            "DROP INDEX `Post_published_idx` ON `Post`;\nALTER TABLE `Post` DROP COLUMN `publishedAt`;\n"
        }
        Kind::Postgres => {
            "DROP INDEX \"Post_published_idx\";\nALTER TABLE \"Post\" DROP COLUMN \"publishedAt\";\n"
        }
    };
    write(&last, &[("down.sql", down)]);
    db.migrate(&set, &["down", "--yes"])
        .assert_status(exit_code::OK)
        .stdout_contains("reverted 1 migration(s)");
    db.migrate(&set, &["up"])
        .assert_status(exit_code::OK)
        .stdout_contains("applied 1 migration(s)");
}

fn a_directory_in_no_known_layout_fails_before_any_history_table(kind: Kind) {
    let db = TestDb::new(kind, "unread");
    let set = db.migrations("flyway-ish");
    write(
        &set,
        &[
            ("V1.1__init.sql", "CREATE TABLE t (id int);\n"),
            ("db.changelog-master.xml", "<databaseChangeLog/>\n"),
            ("README.md", "Our migrations.\n"),
        ],
    );
    for args in [
        &["up"][..],
        &["up", "--dry-run"],
        &["status"],
        &["baseline", "1"],
    ] {
        db.migrate(&set, args)
            .assert_status(exit_code::ERROR)
            .stderr_contains("migrate::unread-layout")
            .stderr_contains(
                "V1.1__init.sql: a Flyway migration with a version that is not an integer",
            )
            .stderr_contains("db.changelog-master.xml: a Liquibase changelog")
            .stderr_contains("`<timestamp>_name/up.sql` + `down.sql` (Diesel)")
            .stderr_contains("`<timestamp>_name/migration.sql` (Prisma)")
            .stderr_lacks("README");
    }
    assert!(nothing_created(&db), "nothing was created");
}

/// Whether the history tables are absent (for SQLite: the database file was not even created).
fn nothing_created(db: &TestDb) -> bool {
    if db.kind == Kind::Sqlite {
        let file = db.url.trim_start_matches("sqlite://");
        if !Path::new(file).exists() {
            return true;
        }
    }
    !db.has_table("backendctl_migrations") && !db.has_table("backendctl_migration_log")
}

fn an_empty_directory_says_why_nothing_applies() {
    let db = TestDb::new(Kind::Sqlite, "empty");
    let set = db.migrations("migrations");
    db.migrate(&set, &["up"])
        .assert_status(exit_code::OK)
        .stdout_contains("default: nothing to apply: ")
        .stdout_contains("migrations holds no migration files");
    write(&set, &[("README.md", "Migrations go here.\n")]);
    std::fs::create_dir_all(set.join("20240101000000_empty")).unwrap();
    db.migrate(&set, &["up"])
        .assert_status(exit_code::OK)
        .stdout_contains("holds no migration files (only 20240101000000_empty, README.md)");
    db.migrate(&set, &["status"])
        .assert_status(exit_code::OK)
        .stdout_contains("no migrations")
        .stdout_contains("holds no migration files (only");
    assert!(nothing_created(&db), "nothing to do leaves no trace");
    // `plan` says the same of a manifest's set.
    let workspace = Workspace::new(
        "backend version=1\ndatabase \"main\" {\n    url \"sqlite://var/app.db\"\n}\nmigrations \"schema\" {\n    database \"main\"\n    path \"migrations\"\n}\n",
    );
    copy_dir(&set, &workspace.join("migrations"));
    workspace
        .run(&["plan"])
        .assert_status(exit_code::OK)
        .stdout_contains("no migrations: ")
        .stdout_contains("holds no migration files (only 20240101000000_empty, README.md)");
}

fn plan_fails_on_a_directory_in_no_known_layout() {
    let workspace = Workspace::new(
        r#"backend version=1
database "main" {
    url "sqlite://var/app.db"
}
migrations "schema" {
    database "main"
    path "prisma"
}
"#,
    );
    // The set is one level down: pointed at `prisma/`, not `prisma/migrations/`.
    let inner = workspace.join("prisma/migrations/20240110120000_init");
    std::fs::create_dir_all(&inner).unwrap();
    std::fs::write(workspace.join("prisma/schema.prisma"), "datasource db {}\n").unwrap();
    std::fs::write(inner.join("migration.sql"), "CREATE TABLE t (id int);\n").unwrap();
    workspace
        .run(&["plan"])
        .assert_status(exit_code::ERROR)
        .stderr_contains("migrate::unread-layout")
        .stderr_contains("schema.prisma")
        .stderr_contains("prisma/migrations: point at it");
    assert!(!workspace.join("var/app.db").exists());
}

/// The MySQL Diesel set needs `SET FOREIGN_KEY_CHECKS=0`: without it MariaDB refuses its first
/// migration; with the database's `session-sql` the whole set applies (and reverts) through the
/// manifest, and `plan` shows the setting.
fn mariadb_session_sql_applies_a_set_that_needs_foreign_key_checks_off() {
    let without = TestDb::new(Kind::MySql, "fkoff_without");
    let set = fixture(&without, "diesel-mysql");
    without
        .migrate(&set, &["up"])
        .assert_status(exit_code::ERROR)
        .stderr_contains("2023-11-02-101010_create_comments");
    assert!(!without.has_table("comments"));

    let db = TestDb::new(Kind::MySql, "fkoff");
    let workspace = Workspace::new(
        r#"backend version=1
database "main" {
    url "{{ env.APP_DB }}"
    session-sql "SET FOREIGN_KEY_CHECKS=0"
}
migrations "schema" {
    database "main"
    path "migrations"
}
"#,
    );
    copy_dir(&set, &workspace.join("migrations"));
    let run = |args: &[&str]| {
        workspace
            .backendctl()
            .env("APP_DB", &db.url)
            .args(args)
            .run()
    };
    run(&["plan"])
        .assert_status(exit_code::OK)
        .stdout_contains("session SQL: SET FOREIGN_KEY_CHECKS=0")
        .stdout_contains("3 pending migrations");
    run(&["apply", "--yes"]).assert_status(exit_code::OK);
    assert_eq!(db.scalar("SELECT COUNT(*) FROM comments"), 1);
    assert_eq!(db.history(), 3);
    // Reverting drops `posts` while `comments` still references it: only with the setting.
    run(&["migrate", "down", "--steps", "3", "--yes"]).assert_status(exit_code::OK);
    assert!(!db.has_table("posts") && !db.has_table("comments"));
    // The flag overrides the manifest: without the setting the same set fails again.
    run(&["migrate", "--session-sql", "SET FOREIGN_KEY_CHECKS=1", "up"])
        .assert_status(exit_code::ERROR)
        .stderr_contains("2023-11-02-101010_create_comments");
}

fn postgres_session_sql_sets_the_schema_of_every_connection() {
    let db = TestDb::new(Kind::Postgres, "searchpath");
    db.exec("CREATE SCHEMA app");
    let set = db.migrations("m");
    write(
        &set,
        &[
            (
                "0001_users.up.sql",
                "CREATE TABLE users (id int PRIMARY KEY);\n",
            ),
            ("0001_users.down.sql", "DROP TABLE users;\n"),
            (
                "0002_orders.up.sql",
                "CREATE TABLE orders (id int PRIMARY KEY, user_id int REFERENCES users (id));\n",
            ),
        ],
    );
    let with = ["--session-sql", "SET search_path TO app"];
    let out = db
        .backendctl(&set, &with)
        .args(["up", "--dry-run"])
        .run()
        .assert_status(exit_code::OK)
        .text();
    assert!(
        out.starts_with("-- session SQL, run on every connection\nSET search_path TO app;\n"),
        "{out}"
    );
    db.backendctl(&set, &with)
        .args(["up"])
        .run()
        .assert_status(exit_code::OK)
        .stdout_contains("applied 2 migration(s)");
    let in_schema = |schema: &str, table: &str| {
        db.scalar(&format!(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = '{schema}' AND table_name = '{table}'"
        ))
    };
    for table in [
        "users",
        "orders",
        "backendctl_migrations",
        "backendctl_migration_log",
    ] {
        assert_eq!(in_schema("app", table), 1, "{table} is in app");
        assert_eq!(in_schema("public", table), 0, "{table} is not in public");
    }
    // Reads see the same schema: applied with the setting, pending without it.
    db.backendctl(&set, &with)
        .args(["status"])
        .run()
        .assert_status(exit_code::OK)
        .stdout_contains("2 applied");
    db.migrate(&set, &["status"])
        .assert_status(exit_code::MIGRATIONS_PENDING);
    // A session SQL that fails stops the command before anything runs, naming it.
    db.backendctl(&set, &["--session-sql", "SET search_pathh TO app"])
        .args(["up"])
        .run()
        .assert_status(exit_code::ERROR)
        .stderr_contains("migrate::session-sql")
        .stderr_contains("SET search_pathh TO app");
}
