//! `migrate baseline --from TOOL`: a database migrated by another tool is adopted from that
//! tool's history table (created here exactly as the tool creates it, with the rows it writes),
//! and `up` then applies only the rest. Before adoption, `up` refuses to run again what the other
//! tool applied; a dirty or failed migration in the other tool's table, or versions that do not
//! match the files, are refused before anything is written.

use std::path::{Path, PathBuf};

use backendctl::exit_code;
use sha2::Digest;

use crate::common::{Workspace, copy_dir};
use crate::harness::{Test, trial};
use crate::migrate_layouts::fixture;
use crate::migrate_support::{Kind, TestDb, write};

pub(crate) fn tests() -> Vec<Test> {
    vec![
        trial!(diesel_on_postgres_is_adopted, needs = [Postgres]),
        trial!(prisma_on_sqlite_is_adopted_without_naming_the_tool),
        trial!(
            sqlx_on_mariadb_is_adopted_and_a_failed_row_refused,
            needs = [MariaDb]
        ),
        trial!(
            golang_migrate_on_postgres_is_adopted_unless_dirty,
            needs = [Postgres]
        ),
        trial!(dbmate_on_sqlite_is_adopted),
        trial!(goose_on_postgres_is_adopted, needs = [Postgres]),
        trial!(
            flyway_on_mariadb_is_adopted_from_its_baseline_and_versions,
            needs = [MariaDb]
        ),
        trial!(adoption_refusals_write_nothing),
    ]
}

/// Runs a migration file directly, as the other tool did before backendctl.
fn run_file(db: &TestDb, path: &Path) {
    db.exec(&std::fs::read_to_string(path).unwrap());
}

/// The history tables of backendctl are absent.
fn no_history(db: &TestDb) -> bool {
    !db.has_table("backendctl_migrations") && !db.has_table("backendctl_migration_log")
}

fn diesel_on_postgres_is_adopted() {
    let db = TestDb::new(Kind::Postgres, "adopt_diesel");
    let set = fixture(&db, "diesel-postgres");
    // What `diesel migration run` left: three migrations and its table (diesel's own DDL).
    let applied = [
        "00000000000000_diesel_initial_setup",
        "2024-01-15-093000_create_users",
        "2024-01-20-141500_create_posts",
    ];
    for dir in applied {
        run_file(&db, &set.join(dir).join("up.sql"));
    }
    db.exec(
        "CREATE TABLE IF NOT EXISTS __diesel_schema_migrations (
       version VARCHAR(50) PRIMARY KEY NOT NULL,
       run_on TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP
);
INSERT INTO __diesel_schema_migrations (version) VALUES ('00000000000000'), ('20240115093000'), ('20240120141500');",
    );

    // Before adoption, `up` and `status` refuse to run those three again, and say how to adopt.
    db.migrate(&set, &["up"])
        .assert_status(exit_code::ERROR)
        .stderr_contains(
            "diesel's __diesel_schema_migrations records 3 of its migrations as applied (0,",
        )
        .stderr_contains("baseline --from diesel");
    assert!(no_history(&db), "a refusal leaves no trace");
    db.migrate(&set, &["status"])
        .assert_status(exit_code::ERROR)
        .stdout_contains("`up` will refuse:")
        .stdout_contains("baseline --from diesel");
    let workspace = Workspace::new(
        "backend version=1\ndatabase \"main\" {\n    url \"{{ env.APP_DB }}\"\n}\nmigrations \"schema\" {\n    database \"main\"\n    path \"migrations\"\n}\n",
    );
    copy_dir(&set, &workspace.join("migrations"));
    workspace
        .backendctl()
        .env("APP_DB", &db.url)
        .args(["plan"])
        .run()
        .stdout_contains(
            "apply will refuse: schema: diesel's __diesel_schema_migrations records 3",
        );

    db.migrate(&set, &["baseline", "--from", "diesel"])
        .assert_status(exit_code::OK)
        .stdout_contains(
            "adopted 3 migration(s) of default from diesel's __diesel_schema_migrations",
        )
        .stdout_contains("1 newer migration(s) left for `up`");
    let status = db
        .migrate(&set, &["status"])
        .assert_status(exit_code::MIGRATIONS_PENDING)
        .text();
    assert!(status.contains("3 adopted, 1 pending"), "{status}");
    assert!(
        status.contains("adopted  ") && status.contains("diesel (adopted by "),
        "{status}"
    );
    let json = db
        .migrate(&set, &["status", "--json"])
        .assert_status(exit_code::MIGRATIONS_PENDING)
        .json();
    assert_eq!(json["migrations"][0]["state"], "adopted");
    assert_eq!(json["migrations"][0]["adopted_from"], "diesel");

    // `up` runs only the one diesel did not.
    db.migrate(&set, &["up"])
        .assert_status(exit_code::OK)
        .stdout_contains("applied 1 migration(s)");
    assert_eq!(
        db.scalar("SELECT count(*) FROM pg_indexes WHERE indexname = 'posts_published_idx'"),
        1
    );
    assert_eq!(
        db.scalar("SELECT count(*) FROM backendctl_migration_log WHERE action = 'adopt'"),
        3
    );
    db.migrate(&set, &["status"])
        .assert_status(exit_code::OK)
        .stdout_contains("1 applied, 3 adopted")
        .stdout_lacks("`up` will refuse");
    // An adopted migration reverts like any other (diesel's down.sql).
    db.migrate(&set, &["down", "--steps", "2", "--yes"])
        .assert_status(exit_code::OK);
    assert!(!db.has_table("posts") && db.has_table("users"));
}

fn prisma_on_sqlite_is_adopted_without_naming_the_tool() {
    let db = TestDb::new(Kind::Sqlite, "adopt_prisma");
    let set = fixture(&db, "prisma-sqlite");
    let applied = ["20240110120000_init", "20240115090000_add_posts"];
    for dir in applied {
        run_file(&db, &set.join(dir).join("migration.sql"));
    }
    let prisma_table = r#"CREATE TABLE "_prisma_migrations" (
    "id"                    TEXT PRIMARY KEY NOT NULL,
    "checksum"              TEXT NOT NULL,
    "finished_at"           DATETIME,
    "migration_name"        TEXT NOT NULL,
    "logs"                  TEXT,
    "rolled_back_at"        DATETIME,
    "started_at"            DATETIME NOT NULL DEFAULT current_timestamp,
    "applied_steps_count"   INTEGER UNSIGNED NOT NULL DEFAULT 0
);"#;
    db.exec(prisma_table);
    let sum = |dir: &str| {
        hex::encode(sha2::Sha256::digest(
            std::fs::read(set.join(dir).join("migration.sql")).unwrap(),
        ))
    };
    // As `prisma migrate deploy` writes them on SQLite (times in epoch milliseconds), with a
    // first attempt at the second migration that failed and was resolved as rolled back.
    db.exec(&format!(
        "INSERT INTO _prisma_migrations VALUES('0d5bc4da-1e93-48bc-a752-b45711d0e64f','{}',1704888000123,'20240110120000_init',NULL,NULL,1704888000100,1);
         INSERT INTO _prisma_migrations VALUES('3c7e2d8f-5a9b-4f21-9d0e-7b6a5c4d3e2f','{}',NULL,'20240115090000_add_posts','Database error: table Post already exists',1705309300000,1705309200000,0);
         INSERT INTO _prisma_migrations VALUES('995e9bfa-02e1-4baf-8bb8-e6258ad8362d','{}',1705309400456,'20240115090000_add_posts',NULL,NULL,1705309400400,1);",
        sum(applied[0]),
        sum(applied[1]),
        sum(applied[1]),
    ));
    db.migrate(&set, &["baseline"])
        .assert_status(exit_code::OK)
        .stdout_contains("found prisma's _prisma_migrations")
        .stdout_contains("adopted 2 migration(s)")
        .stderr_lacks("changed since");
    db.migrate(&set, &["up"])
        .assert_status(exit_code::OK)
        .stdout_contains("applied 1 migration(s)");
    assert_eq!(
        db.scalar("SELECT count(*) FROM sqlite_master WHERE name = 'Post_title_key'"),
        1
    );

    // A migration Prisma started and never finished (P3009) is refused with Prisma's remedy.
    let failed = TestDb::new(Kind::Sqlite, "adopt_prisma_failed");
    let set = fixture(&failed, "prisma-sqlite");
    failed.exec(prisma_table);
    failed.exec(
        "INSERT INTO _prisma_migrations VALUES('a','x',1704888000123,'20240110120000_init',NULL,NULL,1704888000100,1);
         INSERT INTO _prisma_migrations VALUES('b','y',NULL,'20240115090000_add_posts','\nDatabase error code: 1\nno such table: User\n',NULL,1705309200000,0);",
    );
    failed
        .migrate(&set, &["baseline", "--from", "prisma"])
        .assert_status(exit_code::ERROR)
        .stderr_contains("migrate::other-tool-failed")
        .stderr_contains("20240115090000_add_posts (started, not finished: Database error code: 1)")
        .stderr_contains("prisma migrate resolve --applied");
    assert!(no_history(&failed));
}

/// A set in sqlx's reversible layout.
fn sqlx_set(db: &TestDb) -> PathBuf {
    let set = db.migrations("sqlx");
    write(
        &set,
        &[
            (
                "1_users.up.sql",
                "CREATE TABLE users (id int PRIMARY KEY, email varchar(100));\n",
            ),
            ("1_users.down.sql", "DROP TABLE users;\n"),
            (
                "2_orders.up.sql",
                "CREATE TABLE orders (id int PRIMARY KEY, user_id int);\n",
            ),
            ("2_orders.down.sql", "DROP TABLE orders;\n"),
            (
                "3_items.up.sql",
                "CREATE TABLE items (id int PRIMARY KEY);\n",
            ),
            ("3_items.down.sql", "DROP TABLE items;\n"),
        ],
    );
    set
}

const SQLX_MYSQL_TABLE: &str = "CREATE TABLE IF NOT EXISTS _sqlx_migrations (
    version BIGINT PRIMARY KEY,
    description TEXT NOT NULL,
    installed_on TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    success BOOLEAN NOT NULL,
    checksum BLOB NOT NULL,
    execution_time BIGINT NOT NULL
);";

fn sqlx_on_mariadb_is_adopted_and_a_failed_row_refused() {
    let db = TestDb::new(Kind::MySql, "adopt_sqlx");
    let set = sqlx_set(&db);
    let sum =
        |file: &str| hex::encode(sha2::Sha384::digest(std::fs::read(set.join(file)).unwrap()));
    run_file(&db, &set.join("1_users.up.sql"));
    run_file(&db, &set.join("2_orders.up.sql"));
    db.exec(SQLX_MYSQL_TABLE);
    // Version 2's stored checksum is of an older content: reported, not refused.
    db.exec(&format!(
        "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) VALUES
         (1, 'users', TRUE, UNHEX('{}'), 4211000),
         (2, 'orders', TRUE, UNHEX('{}'), 3170000)",
        sum("1_users.up.sql"),
        hex::encode(sha2::Sha384::digest(b"CREATE TABLE orders (id int PRIMARY KEY);\n")),
    ));
    db.migrate(&set, &["up"])
        .assert_status(exit_code::ERROR)
        .stderr_contains("sqlx's _sqlx_migrations records 2 of its migrations as applied (1, 2)");
    assert!(no_history(&db));
    db.migrate(&set, &["baseline", "--from", "sqlx"])
        .assert_status(exit_code::OK)
        .stdout_contains("adopted 2 migration(s)")
        .stderr_contains("2_orders changed since sqlx applied it")
        .stderr_lacks("1_users changed");
    db.migrate(&set, &["up"])
        .assert_status(exit_code::OK)
        .stdout_contains("applied 1 migration(s)");
    assert!(db.has_table("items"));

    // success = false: sqlx's record of a migration that stopped part-way on MySQL.
    let dirty = TestDb::new(Kind::MySql, "adopt_sqlx_dirty");
    let set = sqlx_set(&dirty);
    dirty.exec(SQLX_MYSQL_TABLE);
    dirty.exec(
        "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) VALUES
         (1, 'users', TRUE, UNHEX('00'), 1), (2, 'orders', FALSE, UNHEX('00'), -1)",
    );
    dirty
        .migrate(&set, &["baseline", "--from", "sqlx"])
        .assert_status(exit_code::ERROR)
        .stderr_contains("migrate::other-tool-failed")
        .stderr_contains("2 (success = false)")
        .stderr_contains("then delete its row from");
    assert!(no_history(&dirty));
}

fn golang_migrate_on_postgres_is_adopted_unless_dirty() {
    let table = r#"CREATE TABLE IF NOT EXISTS "public"."schema_migrations" (version bigint not null primary key, dirty boolean not null)"#;
    let db = TestDb::new(Kind::Postgres, "adopt_gm");
    let set = sqlx_set(&db);
    run_file(&db, &set.join("1_users.up.sql"));
    run_file(&db, &set.join("2_orders.up.sql"));
    db.exec(table);
    // golang-migrate keeps one row: the current version.
    db.exec(r#"INSERT INTO "public"."schema_migrations" (version, dirty) VALUES (2, false)"#);
    db.migrate(&set, &["baseline", "--from", "golang-migrate"])
        .assert_status(exit_code::OK)
        .stdout_contains(
            "adopted 2 migration(s) of default from golang-migrate's schema_migrations",
        );
    db.migrate(&set, &["up"])
        .assert_status(exit_code::OK)
        .stdout_contains("applied 1 migration(s)");

    let dirty = TestDb::new(Kind::Postgres, "adopt_gm_dirty");
    let set = sqlx_set(&dirty);
    dirty.exec(table);
    dirty.exec(r#"INSERT INTO "public"."schema_migrations" (version, dirty) VALUES (2, true)"#);
    // Without --from: the one table there is golang-migrate's (it has `dirty`).
    dirty
        .migrate(&set, &["baseline"])
        .assert_status(exit_code::ERROR)
        .stderr_contains("golang-migrate's schema_migrations records a migration that did not")
        .stderr_contains("2 (dirty)")
        .stderr_contains("migrate force VERSION");
    assert!(no_history(&dirty));
}

fn dbmate_on_sqlite_is_adopted() {
    let db = TestDb::new(Kind::Sqlite, "adopt_dbmate");
    let set = db.migrations("db/migrations");
    write(
        &set,
        &[
            (
                "20240101120000_create_users.sql",
                "-- migrate:up\ncreate table users (id integer primary key, name text);\n\n-- migrate:down\ndrop table users;\n",
            ),
            (
                "20240102120000_create_orders.sql",
                "-- migrate:up\ncreate table orders (id integer primary key);\n\n-- migrate:down\ndrop table orders;\n",
            ),
            (
                "20240103120000_create_items.sql",
                "-- migrate:up\ncreate table items (id integer primary key);\n\n-- migrate:down\ndrop table items;\n",
            ),
        ],
    );
    db.exec(
        r#"create table if not exists "schema_migrations" (version varchar(128) primary key);
           create table users (id integer primary key, name text);
           create table orders (id integer primary key);
           insert into "schema_migrations" (version) values ('20240101120000'), ('20240102120000');"#,
    );
    db.migrate(&set, &["baseline", "--from", "dbmate"])
        .assert_status(exit_code::OK)
        .stdout_contains("adopted 2 migration(s) of default from dbmate's schema_migrations");
    // golang-migrate's table has the same name and a `dirty` column: not this one.
    db.migrate(
        &set,
        &[
            "--migrations",
            "other",
            "baseline",
            "--from",
            "golang-migrate",
        ],
    )
    .assert_status(exit_code::ERROR)
    .stderr_contains("migrate::other-tool-absent")
    .stderr_contains("found instead: dbmate's schema_migrations");
    db.migrate(&set, &["up"])
        .assert_status(exit_code::OK)
        .stdout_contains("applied 1 migration(s)");
    assert!(db.has_table("items"));
}

fn goose_on_postgres_is_adopted() {
    let db = TestDb::new(Kind::Postgres, "adopt_goose");
    let set = db.migrations("migrations");
    write(
        &set,
        &[
            (
                "00001_create_users.sql",
                "-- +goose Up\n-- +goose StatementBegin\nCREATE TABLE users (id int PRIMARY KEY);\n-- +goose StatementEnd\n\n-- +goose Down\nDROP TABLE users;\n",
            ),
            (
                "00002_create_orders.sql",
                "-- +goose Up\nCREATE TABLE orders (id int PRIMARY KEY);\n\n-- +goose Down\nDROP TABLE orders;\n",
            ),
            (
                "00003_create_items.sql",
                "-- +goose Up\nCREATE TABLE items (id int PRIMARY KEY);\n\n-- +goose Down\nDROP TABLE items;\n",
            ),
        ],
    );
    // `goose up` applied 1..3, then `goose down` rolled 3 back: goose appends a row each time.
    db.exec(
        "CREATE TABLE goose_db_version (
    id integer PRIMARY KEY GENERATED BY DEFAULT AS IDENTITY,
    version_id bigint NOT NULL,
    is_applied boolean NOT NULL,
    tstamp timestamp NOT NULL DEFAULT now()
);
INSERT INTO goose_db_version (version_id, is_applied) VALUES (0, true), (1, true), (2, true), (3, true), (3, false);
CREATE TABLE users (id int PRIMARY KEY);
CREATE TABLE orders (id int PRIMARY KEY);",
    );
    db.migrate(&set, &["baseline"])
        .assert_status(exit_code::OK)
        .stdout_contains("found goose's goose_db_version")
        .stdout_contains("adopted 2 migration(s) of default from goose's goose_db_version (1, 2)");
    db.migrate(&set, &["up"])
        .assert_status(exit_code::OK)
        .stdout_contains("applied 1 migration(s)");
    assert!(db.has_table("items"));
}

const FLYWAY_MYSQL_TABLE: &str = "CREATE TABLE `flyway_schema_history` (
    `installed_rank` INT NOT NULL,
    `version` VARCHAR(50),
    `description` VARCHAR(200) NOT NULL,
    `type` VARCHAR(20) NOT NULL,
    `script` VARCHAR(1000) NOT NULL,
    `checksum` INT,
    `installed_by` VARCHAR(100) NOT NULL,
    `installed_on` TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    `execution_time` INT NOT NULL,
    `success` BOOL NOT NULL,
    CONSTRAINT `flyway_schema_history_pk` PRIMARY KEY (`installed_rank`)
);
CREATE INDEX `flyway_schema_history_s_idx` ON `flyway_schema_history` (`success`);";

fn flyway_set(db: &TestDb) -> PathBuf {
    let set = db.migrations("sql");
    write(
        &set,
        &[
            (
                "V1__init.sql",
                "CREATE TABLE legacy (id INT PRIMARY KEY);\n",
            ),
            (
                "V2__users.sql",
                "CREATE TABLE users (id INT PRIMARY KEY);\n",
            ),
            (
                "V3__orders.sql",
                "CREATE TABLE orders (id INT PRIMARY KEY);\n",
            ),
            ("U3__orders.sql", "DROP TABLE orders;\n"),
        ],
    );
    set
}

fn flyway_on_mariadb_is_adopted_from_its_baseline_and_versions() {
    let db = TestDb::new(Kind::MySql, "adopt_flyway");
    let set = flyway_set(&db);
    run_file(&db, &set.join("V1__init.sql"));
    run_file(&db, &set.join("V2__users.sql"));
    db.exec(FLYWAY_MYSQL_TABLE);
    // `flyway baseline` at 1 on an existing database, then `flyway migrate` ran V2; a repeatable
    // migration is recorded with no version.
    db.exec(
        "INSERT INTO flyway_schema_history (installed_rank, version, description, type, script, checksum, installed_by, execution_time, success) VALUES
         (1, '1', '<< Flyway Baseline >>', 'BASELINE', '<< Flyway Baseline >>', NULL, 'root', 0, 1),
         (2, '2', 'users', 'SQL', 'V2__users.sql', -1535228263, 'root', 12, 1),
         (3, NULL, 'views', 'SQL', 'R__views.sql', 1093745125, 'root', 3, 1)",
    );
    db.migrate(&set, &["baseline", "--from", "flyway"])
        .assert_status(exit_code::OK)
        .stdout_contains(
            "adopted 2 migration(s) of default from flyway's flyway_schema_history (1, 2)",
        )
        .stderr_contains("repeatable migration \"views\" left out");
    db.migrate(&set, &["up"])
        .assert_status(exit_code::OK)
        .stdout_contains("applied 1 migration(s)");
    assert!(db.has_table("orders"));
    // Flyway's undo file is the down migration.
    db.migrate(&set, &["down", "--yes"])
        .assert_status(exit_code::OK);
    assert!(!db.has_table("orders"));

    let failed = TestDb::new(Kind::MySql, "adopt_flyway_failed");
    let set = flyway_set(&failed);
    failed.exec(FLYWAY_MYSQL_TABLE);
    failed.exec(
        "INSERT INTO flyway_schema_history (installed_rank, version, description, type, script, checksum, installed_by, execution_time, success) VALUES
         (1, '1', 'init', 'SQL', 'V1__init.sql', 1, 'root', 5, 1),
         (2, '2', 'users', 'SQL', 'V2__users.sql', 2, 'root', 7, 0)",
    );
    failed
        .migrate(&set, &["baseline", "--from", "flyway"])
        .assert_status(exit_code::ERROR)
        .stderr_contains("2 users (success = false)")
        .stderr_contains("flyway repair");
    assert!(no_history(&failed));
}

fn adoption_refusals_write_nothing() {
    let db = TestDb::new(Kind::Sqlite, "adopt_refusals");
    let set = sqlx_set(&db);
    // No other tool's table: baseline needs a version or --from.
    db.migrate(&set, &["baseline"])
        .assert_status(exit_code::ERROR)
        .stderr_contains("migrate::no-other-tool")
        .stderr_contains("`baseline --from sqlx|golang-migrate|dbmate|goose|diesel|prisma|");
    db.migrate(&set, &["baseline", "2", "--from", "diesel"])
        .assert_status(exit_code::USAGE);
    // Diesel applied a version that has no file here.
    db.exec(
        "CREATE TABLE IF NOT EXISTS __diesel_schema_migrations (
       version VARCHAR(50) PRIMARY KEY NOT NULL,
       run_on TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP
);
INSERT INTO __diesel_schema_migrations (version) VALUES ('1'), ('20990101000000');",
    );
    db.migrate(&set, &["baseline", "--from", "diesel"])
        .assert_status(exit_code::ERROR)
        .stderr_contains("migrate::other-tool-mismatch")
        .stderr_contains("version 20990101000000 was applied, and ")
        .stderr_contains("has no migration 20990101000000");
    assert!(no_history(&db));
    // Two tools' tables: baseline without --from asks which.
    db.exec(SQLX_MYSQL_TABLE);
    db.migrate(&set, &["baseline"])
        .assert_status(exit_code::ERROR)
        .stderr_contains("migrate::several-other-tools")
        .stderr_contains("baseline --from sqlx|diesel");
    assert!(no_history(&db));
    // A set with history of its own is not adopted again.
    db.exec("DELETE FROM __diesel_schema_migrations WHERE version = '20990101000000'");
    db.migrate(&set, &["baseline", "--from", "diesel"])
        .assert_status(exit_code::OK)
        .stdout_contains("adopted 1 migration(s)");
    db.migrate(&set, &["baseline", "--from", "diesel"])
        .assert_status(exit_code::ERROR)
        .stderr_contains("migrate::has-history");
}
