//! `backendctl migrate` end to end on SQLite, PostgreSQL and MariaDB: up / down / redo / status,
//! failures, drift, out-of-order, baseline, several sets, other tools' file layouts.

use backendctl::exit_code;

use crate::binary::Output;
use crate::harness::{Test, trial};
use crate::migrate_support::{Kind, TestDb, flat, per_engine, server_address, write};

pub(crate) fn tests() -> Vec<Test> {
    [
        per_engine!(up_down_redo_status),
        per_engine!(failing_second_statement),
        per_engine!(crlf_is_not_drift_but_content_is),
        per_engine!(out_of_order_and_baseline),
        per_engine!(sets_do_not_interfere),
        per_engine!(other_tools_layouts),
        per_engine!(json_outcomes),
        per_engine!(every_engine_names_the_failing_statement_and_line),
        per_engine!(down_all_reverts_a_set_whose_first_version_is_0),
    ]
    .into_iter()
    .flatten()
    .chain([
        trial!(mariadb_resolve_rolled_back_and_applied, needs = [MariaDb]),
        trial!(
            postgres_no_transaction_directive_runs_concurrent_index,
            needs = [Postgres]
        ),
        trial!(transaction_control_in_a_file_is_refused),
        trial!(status_text_and_json_are_stable),
        trial!(closed_stdout_is_not_a_panic),
        trial!(a_directory_that_does_not_exist_is_an_error),
        trial!(
            mariadb_connection_lost_mid_statement_is_an_unknown_outcome,
            needs = [MariaDb]
        ),
        trial!(
            postgres_connection_lost_mid_migration_is_a_commit_unknown,
            needs = [Postgres]
        ),
        trial!(
            postgres_a_connection_that_freezes_mid_run_fails_within_the_statement_timeout,
            needs = [Postgres]
        ),
    ])
    .collect()
}

fn three(db: &TestDb) -> std::path::PathBuf {
    let m = db.migrations("m");
    write(
        &m,
        &[
            (
                "0001_users.up.sql",
                "CREATE TABLE users (id int primary key, name text);\n",
            ),
            ("0001_users.down.sql", "DROP TABLE users;\n"),
            (
                "0002_orders.up.sql",
                "CREATE TABLE orders (id int primary key, user_id int);\nINSERT INTO orders VALUES (1, 1);\n",
            ),
            ("0002_orders.down.sql", "DROP TABLE orders;\n"),
            (
                "0003_items.up.sql",
                "CREATE TABLE items (id int primary key);\n",
            ),
            ("0003_items.down.sql", "DROP TABLE items;\n"),
        ],
    );
    m
}

fn up_down_redo_status(kind: Kind) {
    let db = TestDb::new(kind, "updown");
    let m = three(&db);

    // status before anything: pending → exit 2, and it creates nothing.
    let out = db
        .migrate(&m, &["status"])
        .assert_status(exit_code::MIGRATIONS_PENDING)
        .text();
    assert!(out.contains("3 pending"), "{out}");

    // dry-run prints the SQL in order and changes nothing.
    let out = db
        .migrate(&m, &["up", "--dry-run"])
        .assert_status(exit_code::OK)
        .text();
    let a = out.find("CREATE TABLE users").unwrap();
    let b = out.find("CREATE TABLE orders").unwrap();
    assert!(
        a < b && out.contains("INSERT INTO backendctl_migrations"),
        "{out}"
    );
    assert!(!db.has_table("users") && !db.has_table("backendctl_migrations"));
    if kind == Kind::MySql {
        // One `running` row per migration, each written once (in the previous one's last commit).
        assert_eq!(out.matches("'running'").count(), 3, "{out}");
        assert!(
            out.contains("SET autocommit = 0;\nCREATE TABLE users"),
            "{out}"
        );
    } else {
        assert!(out.contains("COMMIT;"), "{out}");
    }

    let out = db
        .migrate(&m, &["up", "--to", "2"])
        .assert_status(exit_code::OK)
        .text();
    assert!(out.contains("applied 2 migration(s)"), "{out}");
    assert!(db.has_table("orders") && !db.has_table("items"));
    db.migrate(&m, &["up"]).assert_status(exit_code::OK);
    assert!(db.has_table("items"));
    assert_eq!(db.history(), 3);
    let out = db
        .migrate(&m, &["status"])
        .assert_status(exit_code::OK)
        .text();
    assert!(out.contains("3 applied"), "{out}");
    assert_eq!(
        db.scalar("SELECT COUNT(*) FROM backendctl_migration_log WHERE action = 'apply'"),
        3
    );

    // A second `up` has nothing to do.
    let out = db.migrate(&m, &["up"]).assert_status(exit_code::OK).text();
    assert!(out.contains("nothing to apply"), "{out}");

    // down without a terminal needs --yes, and reverts nothing without it.
    let out = db
        .migrate(&m, &["down"])
        .assert_status(exit_code::ERROR)
        .text();
    assert!(out.contains("--yes"), "{out}");
    assert!(db.has_table("items"));

    let out = db
        .migrate(&m, &["down", "--steps", "2", "--yes"])
        .assert_status(exit_code::OK)
        .text();
    assert!(out.contains("reverted 2 migration(s)"), "{out}");
    assert!(db.has_table("users") && !db.has_table("orders") && !db.has_table("items"));
    assert_eq!(db.history(), 1);
    db.migrate(&m, &["status"])
        .assert_status(exit_code::MIGRATIONS_PENDING);

    db.migrate(&m, &["up"]).assert_status(exit_code::OK);
    let out = db
        .migrate(&m, &["redo", "--yes"])
        .assert_status(exit_code::OK)
        .text();
    assert!(out.contains("redid version 3"), "{out}");
    assert!(db.has_table("items"));
    assert_eq!(db.history(), 3);

    // down --to 0 reverts everything in one process.
    db.migrate(&m, &["down", "--to", "0", "--yes"])
        .assert_status(exit_code::OK);
    assert!(!db.has_table("users"));
    assert_eq!(db.history(), 0);
    assert_eq!(
        db.scalar("SELECT COUNT(*) FROM backendctl_migration_log WHERE action = 'revert'"),
        6
    );
}

fn failing_second_statement(kind: Kind) {
    let db = TestDb::new(kind, "failing");
    let m = db.migrations("m");
    write(
        &m,
        &[
            ("0001_a.up.sql", "CREATE TABLE f_1 (id int);\n"),
            ("0002_b.up.sql", "CREATE TABLE f_2 (id int);\n"),
            (
                "0003_half.up.sql",
                "CREATE TABLE half_a (id int);\nINSERT INTO no_such_table VALUES (1);\nCREATE TABLE half_c (id int);\n",
            ),
            (
                "0003_half.down.sql",
                "DROP TABLE half_c;\nDROP TABLE half_a;\n",
            ),
        ],
    );
    let out = db
        .migrate(&m, &["up"])
        .assert_status(exit_code::ERROR)
        .text();
    assert!(out.contains("0003_half.up.sql"), "{out}");
    assert!(
        db.has_table("f_2"),
        "migrations before the failure stay applied"
    );
    if kind == Kind::MySql {
        // DDL auto-commits: the precise report, then the documented recovery.
        assert!(db.has_table("half_a"));
        assert!(out.contains("ran      statement 1 (line 1)"), "{out}");
        assert!(out.contains("FAILED   statement 2 (line 2)"), "{out}");
        assert!(out.contains("not run  statement 3 (line 3)"), "{out}");
        assert!(out.contains("resolve 3 --resume"), "{out}");
        let status = db
            .migrate(&m, &["status"])
            .assert_status(exit_code::ERROR)
            .text();
        assert!(
            status.contains("failed") && status.contains("statement 1 of 3 ran"),
            "{status}"
        );
        // `up` refuses until it is resolved.
        let again = db
            .migrate(&m, &["up"])
            .assert_status(exit_code::ERROR)
            .text();
        assert!(again.contains("stopped part-way"), "{again}");
        // Editing a statement that already ran is refused on resume.
        write(
            &m,
            &[(
                "0003_half.up.sql",
                "CREATE TABLE half_x (id int);\nINSERT INTO f_1 VALUES (1);\nCREATE TABLE half_c (id int);\n",
            )],
        );
        let refused = db
            .migrate(&m, &["resolve", "3", "--resume"])
            .assert_status(exit_code::ERROR)
            .text();
        assert!(
            refused.contains("ran already and have changed"),
            "{refused}"
        );
        // Fix the failing statement only, then resume.
        write(
            &m,
            &[(
                "0003_half.up.sql",
                "CREATE TABLE half_a (id int);\nINSERT INTO f_1 VALUES (1);\nCREATE TABLE half_c (id int);\n",
            )],
        );
        db.migrate(&m, &["resolve", "3", "--resume"])
            .assert_status(exit_code::OK);
        assert!(db.has_table("half_c"));
        db.migrate(&m, &["status"]).assert_status(exit_code::OK);
        assert_eq!(db.scalar("SELECT CAST(COUNT(*) AS SIGNED) FROM f_1"), 1);
    } else {
        // Transactional DDL: no trace of migration 3.
        assert!(
            !db.has_table("half_a"),
            "the failed migration left a table behind"
        );
        assert_eq!(db.history(), 2);
        assert!(out.contains("rolled back"), "{out}");
        db.migrate(&m, &["status"])
            .assert_status(exit_code::MIGRATIONS_PENDING);
        write(
            &m,
            &[(
                "0003_half.up.sql",
                "CREATE TABLE half_a (id int);\nINSERT INTO f_1 VALUES (1);\nCREATE TABLE half_c (id int);\n",
            )],
        );
        db.migrate(&m, &["up"]).assert_status(exit_code::OK);
        assert!(db.has_table("half_c"));
    }
    assert_eq!(db.history(), 3);
}

fn mariadb_resolve_rolled_back_and_applied() {
    let db = TestDb::new(Kind::MySql, "resolve");
    let m = db.migrations("m");
    write(
        &m,
        &[
            (
                "0001_x.up.sql",
                "CREATE TABLE x1 (id int);\nCREATE TABLE x1 (id int);\n",
            ),
            ("0001_x.down.sql", "DROP TABLE x1;\n"),
        ],
    );
    db.migrate(&m, &["up"]).assert_status(exit_code::ERROR);
    assert!(db.has_table("x1"));
    // Undo by hand, then mark rolled back: the migration is pending again.
    db.exec("DROP TABLE x1");
    db.migrate(&m, &["resolve", "1", "--rolled-back"])
        .assert_status(exit_code::OK);
    db.migrate(&m, &["status"])
        .assert_status(exit_code::MIGRATIONS_PENDING);
    // The file still fails at statement 2: this time finish it by hand and mark it applied.
    db.migrate(&m, &["up"]).assert_status(exit_code::ERROR);
    assert!(db.has_table("x1"));
    db.migrate(&m, &["resolve", "1", "--applied"])
        .assert_status(exit_code::OK);
    db.migrate(&m, &["status"]).assert_status(exit_code::OK);
    let log = db.scalar("SELECT CAST(COUNT(*) AS SIGNED) FROM backendctl_migration_log WHERE action LIKE 'resolve-%'");
    assert_eq!(log, 2);
}

fn crlf_is_not_drift_but_content_is(kind: Kind) {
    let db = TestDb::new(kind, "drift");
    let m = three(&db);
    db.migrate(&m, &["up"]).assert_status(exit_code::OK);
    let f = m.join("0002_orders.up.sql");
    let lf = std::fs::read_to_string(&f).unwrap();
    std::fs::write(&f, format!("\u{feff}{}", lf.replace('\n', "\r\n"))).unwrap();
    write(
        &m,
        &[("0004_more.up.sql", "CREATE TABLE more_1 (id int);\n")],
    );
    let out = db
        .migrate(&m, &["status"])
        .assert_status(exit_code::MIGRATIONS_PENDING)
        .text();
    assert!(!out.contains("drifted"), "{out}");
    db.migrate(&m, &["up"]).assert_status(exit_code::OK);
    assert!(db.has_table("more_1"));

    // A real change is drift: status exits 1, up refuses and applies nothing else.
    std::fs::write(&f, lf.replace("user_id int", "user_id bigint")).unwrap();
    write(
        &m,
        &[("0005_more.up.sql", "CREATE TABLE more_2 (id int);\n")],
    );
    let out = db
        .migrate(&m, &["status"])
        .assert_status(exit_code::ERROR)
        .text();
    assert!(out.contains("drifted") && out.contains("repair 2"), "{out}");
    let out = db
        .migrate(&m, &["up"])
        .assert_status(exit_code::ERROR)
        .text();
    assert!(out.contains("changed after it was applied"), "{out}");
    assert!(!db.has_table("more_2"));
    // repair records who accepted it, then up proceeds.
    db.migrate(&m, &["repair"]).assert_status(exit_code::OK);
    db.migrate(&m, &["up"]).assert_status(exit_code::OK);
    assert!(db.has_table("more_2"));
    assert_eq!(
        db.scalar("SELECT COUNT(*) FROM backendctl_migrations WHERE repaired_by IS NOT NULL"),
        1
    );
    db.migrate(&m, &["status"]).assert_status(exit_code::OK);
}

fn out_of_order_and_baseline(kind: Kind) {
    let db = TestDb::new(kind, "ooo");
    let m = db.migrations("m");
    write(
        &m,
        &[
            ("1_a.up.sql", "CREATE TABLE o_1 (id int);"),
            ("2_b.up.sql", "CREATE TABLE o_2 (id int);"),
            ("4_d.up.sql", "CREATE TABLE o_4 (id int);"),
        ],
    );
    db.migrate(&m, &["up"]).assert_status(exit_code::OK);
    write(&m, &[("3_c.up.sql", "CREATE TABLE o_3 (id int);")]);
    let out = db
        .migrate(&m, &["status"])
        .assert_status(exit_code::ERROR)
        .text();
    assert!(out.contains("out-of-order"), "{out}");
    let out = db
        .migrate(&m, &["up"])
        .assert_status(exit_code::ERROR)
        .text();
    assert!(out.contains("--allow-out-of-order"), "{out}");
    assert!(!db.has_table("o_3"));
    db.migrate(&m, &["up", "--allow-out-of-order"])
        .assert_status(exit_code::OK);
    assert!(db.has_table("o_3"));

    // Baseline: adopt a database whose first two migrations were applied by other means.
    let b = db.migrations("legacy");
    write(
        &b,
        &[
            ("1_x.up.sql", "CREATE TABLE legacy_1 (id int);"),
            ("2_y.up.sql", "CREATE TABLE legacy_2 (id int);"),
            ("3_z.up.sql", "CREATE TABLE legacy_3 (id int);"),
        ],
    );
    db.migrate(&b, &["--migrations", "legacy", "baseline", "2"])
        .assert_status(exit_code::OK);
    db.migrate(&b, &["--migrations", "legacy", "up"])
        .assert_status(exit_code::OK);
    assert!(db.has_table("legacy_3") && !db.has_table("legacy_1"));
    let out = db
        .migrate(&b, &["--migrations", "legacy", "status"])
        .assert_status(exit_code::OK)
        .text();
    assert!(out.contains("below baseline"), "{out}");
    // Baseline on a set with history is refused.
    db.migrate(&b, &["--migrations", "legacy", "baseline", "3"])
        .assert_status(exit_code::ERROR);
}

fn sets_do_not_interfere(kind: Kind) {
    let db = TestDb::new(kind, "sets");
    let core = db.migrations("core");
    let refdata = db.migrations("ref");
    write(
        &core,
        &[
            ("0001_a.up.sql", "CREATE TABLE core_a (id int);"),
            ("0001_a.down.sql", "DROP TABLE core_a;"),
        ],
    );
    write(
        &refdata,
        &[
            ("0001_a.up.sql", "CREATE TABLE ref_a (id int);"),
            ("0001_a.down.sql", "DROP TABLE ref_a;"),
        ],
    );
    db.migrate(&core, &["--migrations", "core", "up"])
        .assert_status(exit_code::OK);
    // The same version in another set is pending there, not "applied".
    db.migrate(&refdata, &["--migrations", "reference-data", "status"])
        .assert_status(exit_code::MIGRATIONS_PENDING);
    db.migrate(&refdata, &["--migrations", "reference-data", "up"])
        .assert_status(exit_code::OK);
    db.migrate(&core, &["--migrations", "core", "down", "--yes"])
        .assert_status(exit_code::OK);
    assert!(!db.has_table("core_a") && db.has_table("ref_a"));
    db.migrate(&refdata, &["--migrations", "reference-data", "status"])
        .assert_status(exit_code::OK);
}

fn other_tools_layouts(kind: Kind) {
    let db = TestDb::new(kind, "layouts");
    // dbmate: one file with sections; sqlx: simple up-only file; golang-migrate: pairs.
    let m = db.migrations("m");
    write(
        &m,
        &[
            (
                "20240101000000_dbmate.sql",
                "-- migrate:up\nCREATE TABLE dm (id int);\n\n-- migrate:down\nDROP TABLE dm;\n",
            ),
            ("20240102000000_sqlx.sql", "CREATE TABLE sx (id int);\n"),
            ("20240103000000_gm.up.sql", "CREATE TABLE gm (id int);\n"),
            ("20240103000000_gm.down.sql", "DROP TABLE gm;\n"),
        ],
    );
    db.migrate(&m, &["up"]).assert_status(exit_code::OK);
    assert!(db.has_table("dm") && db.has_table("sx") && db.has_table("gm"));
    db.migrate(&m, &["down", "--yes"])
        .assert_status(exit_code::OK);
    assert!(!db.has_table("gm"));
    // The sqlx simple file has no down: refused, with the reason.
    let out = db
        .migrate(&m, &["down", "--yes"])
        .assert_status(exit_code::ERROR)
        .text();
    assert!(out.contains("has no down migration"), "{out}");
    assert!(db.has_table("sx"));
    // `new` continues the timestamp numbering in the directory's own layout.
    let out = db
        .migrate(&m, &["new", "add things"])
        .assert_status(exit_code::OK)
        .text();
    assert!(
        out.contains("_add_things.up.sql") && out.contains("created") && !out.contains("0004_"),
        "{out}"
    );
}

fn postgres_no_transaction_directive_runs_concurrent_index() {
    let db = TestDb::new(Kind::Postgres, "cic");
    let m = db.migrations("m");
    write(
        &m,
        &[
            (
                "1_t.up.sql",
                "CREATE TABLE t (id int, v text);\nINSERT INTO t SELECT g, g::text FROM generate_series(1, 1000) g;\n",
            ),
            (
                "2_i.up.sql",
                "-- backendctl:no-transaction\nCREATE INDEX CONCURRENTLY t_v ON t (v);\nCREATE INDEX CONCURRENTLY t_id ON t (id);\n",
            ),
            (
                "2_i.down.sql",
                "-- backendctl:no-transaction\nDROP INDEX CONCURRENTLY t_id;\nDROP INDEX CONCURRENTLY t_v;\n",
            ),
        ],
    );
    db.migrate(&m, &["up"]).assert_status(exit_code::OK);
    assert_eq!(
        db.scalar("SELECT count(*) FROM pg_indexes WHERE tablename = 't'"),
        2
    );
    db.migrate(&m, &["down", "--yes"])
        .assert_status(exit_code::OK);
    assert_eq!(
        db.scalar("SELECT count(*) FROM pg_indexes WHERE tablename = 't'"),
        0
    );
    // Without the directive, the failure says what to do.
    write(
        &m,
        &[("3_j.up.sql", "CREATE INDEX CONCURRENTLY t_j ON t (id);\n")],
    );
    std::fs::remove_file(m.join("2_i.up.sql")).unwrap();
    std::fs::remove_file(m.join("2_i.down.sql")).unwrap();
    let out = db
        .migrate(&m, &["up"])
        .assert_status(exit_code::ERROR)
        .text();
    assert!(out.contains("backendctl:no-transaction"), "{out}");
}

fn transaction_control_in_a_file_is_refused() {
    let db = TestDb::new(Kind::Sqlite, "txctl");
    let m = db.migrations("m");
    write(
        &m,
        &[("1_a.up.sql", "BEGIN;\nCREATE TABLE a (id int);\nCOMMIT;\n")],
    );
    let out = db
        .migrate(&m, &["up"])
        .assert_status(exit_code::ERROR)
        .text();
    assert!(
        out.contains("line 1") && out.contains("must not open or close one"),
        "{out}"
    );
    assert!(!db.has_table("a"));
}

fn json_outcomes(kind: Kind) {
    let db = TestDb::new(kind, "json");
    let m = db.migrations("m");
    write(
        &m,
        &[
            ("0001_a.up.sql", "CREATE TABLE j_1 (id int);\n"),
            ("0001_a.down.sql", "DROP TABLE j_1;\n"),
            ("0002_b.up.sql", "CREATE TABLE j_2 (id int);\n"),
            ("0002_b.down.sql", "DROP TABLE j_2;\n"),
            ("0003_c.up.sql", "INSERT INTO no_such_table VALUES (1);\n"),
            ("0003_c.down.sql", "SELECT 1;\n"),
        ],
    );
    // stdout is exactly one line of JSON, whatever happened.
    let outcome = |args: &[&str], code: u8| -> serde_json::Value {
        let o = db.migrate(&m, args).assert_status(code);
        assert_eq!(o.stdout().lines().count(), 1, "{}", o.stdout());
        o.json()
    };
    let ran = |v: &serde_json::Value| -> Vec<(String, i64)> {
        v["migrations"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| {
                assert!(m["duration_ms"].is_u64(), "{m}");
                (
                    m["action"].as_str().unwrap().to_string(),
                    m["version"].as_i64().unwrap(),
                )
            })
            .collect()
    };
    let applied = |v: i64| ("applied".to_string(), v);
    let reverted = |v: i64| ("reverted".to_string(), v);

    // A failure still lists what was committed before it.
    let failed = outcome(&["up", "--json"], exit_code::ERROR);
    assert_eq!(failed["command"], "up");
    assert_eq!(failed["set"], "default");
    assert_eq!(failed["success"], false);
    assert_eq!(ran(&failed), [applied(1), applied(2)]);
    assert!(
        failed["error"].as_str().unwrap().contains("0003_c"),
        "{failed}"
    );
    // Its only statement failed: nothing ran, so there is nothing to resolve on any engine.
    db.migrate(&m, &["status"])
        .assert_status(exit_code::MIGRATIONS_PENDING);

    write(&m, &[("0003_c.up.sql", "CREATE TABLE j_3 (id int);\n")]);
    let up = outcome(&["up", "--json"], exit_code::OK);
    assert_eq!(up["success"], true);
    assert_eq!(up["error"], serde_json::Value::Null);
    assert_eq!(ran(&up), [applied(3)]);
    assert_eq!(ran(&outcome(&["up", "--json"], exit_code::OK)), []);

    let down = outcome(&["down", "--steps", "2", "--yes", "--json"], exit_code::OK);
    assert_eq!(down["command"], "down");
    assert_eq!(ran(&down), [reverted(3), reverted(2)]);
    assert!(!db.has_table("j_2"));

    let redo = outcome(&["redo", "--yes", "--json"], exit_code::OK);
    assert_eq!(ran(&redo), [reverted(1), applied(1)]);
    assert!(db.has_table("j_1"));

    // `--json` and `--dry-run` are refused together (usage error).
    db.migrate(&m, &["up", "--json", "--dry-run"])
        .assert_status(exit_code::USAGE);
}

/// `migrate status` text and `--json`, exactly: an applied, a drifted and a pending migration of
/// a named set (SQLite; times, durations, the actor and the temp dir are redacted).
fn status_text_and_json_are_stable() {
    let db = TestDb::new(Kind::Sqlite, "status_snapshot");
    let m = three(&db);
    let set = ["--migrations", "core"];
    db.migrate(&m, &[&set[..], &["up", "--to", "2"]].concat())
        .assert_status(exit_code::OK);
    let orders = m.join("0002_orders.up.sql");
    let text = std::fs::read_to_string(&orders).unwrap();
    std::fs::write(&orders, text.replace("user_id int", "user_id bigint")).unwrap();

    // Drift needs attention: exit 1, the same with --json.
    let status = db
        .migrate(&m, &[&set[..], &["status"]].concat())
        .assert_status(exit_code::ERROR);
    let json = db
        .migrate(&m, &[&set[..], &["status", "--json"]].concat())
        .assert_status(exit_code::ERROR)
        .json();

    let dir = regex_escape(&db.dir.path().display().to_string());
    insta::with_settings!({filters => vec![
        (dir.as_str(), "[tmp]"),
        (r"bctl_statussnapshot_\d+_\d+", "[db]"),
        (r"\d{4}-\d\d-\d\d[ T]\d\d:\d\d:\d\d(\.\d+)?Z?", "[time]"),
        (r"(?m)  [^ \n]+@[^ \n]+$", "  [actor]"),
    ]}, {
        insta::assert_snapshot!("status-text", status.stdout());
        insta::assert_json_snapshot!("status-json", json, {
            ".dir" => "[tmp]/m",
            ".migrations[].applied_at" => insta::dynamic_redaction(|value, _| {
                if value.as_str().is_some() { "[time]".into() } else { value }
            }),
            ".migrations[].applied_by" => insta::dynamic_redaction(|value, _| {
                if value.as_str().is_some() { "[actor]".into() } else { value }
            }),
            ".migrations[].duration_ms" => insta::dynamic_redaction(|value, _| {
                if value.as_u64().is_some() { "[ms]".into() } else { value }
            }),
        });
    });
}

fn regex_escape(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '/' || c == '_' || c == '-' {
                c.to_string()
            } else {
                format!("\\{c}")
            }
        })
        .collect()
}

/// Runs `args` with stdout a pipe that is closed after its first line is read, and returns the
/// exit code and stderr. The output must exceed the pipe's buffer (64 KiB on Linux), so the
/// program writes to the closed pipe whatever the timing.
fn run_into_closed_pipe(db: &TestDb, m: &std::path::Path, args: &[&str]) -> (Option<i32>, String) {
    use std::io::{BufRead, BufReader, Read};
    let mut spawned = db
        .backendctl(m, args)
        .spawn(std::process::Stdio::piped(), std::process::Stdio::piped());
    let child = spawned.child();
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    assert!(!first.is_empty(), "no output at all");
    // The reader is dropped here: the rest goes to a closed pipe.
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    (child.wait().unwrap().code(), stderr)
}

/// Regression (issue 11): `migrate up --dry-run | head -1` panicked ("failed printing to stdout:
/// Broken pipe", exit 101). A closed stdout ends the output quietly: exit 0 for the dry run,
/// and `status` keeps its own exit code (2: pending).
fn closed_stdout_is_not_a_panic() {
    let db = TestDb::new(Kind::Sqlite, "brokenpipe");
    let m = db.migrations("m");
    // Long names and statements: every output below is larger than the pipe's buffer.
    let padding = "x".repeat(400);
    let name = "n".repeat(200);
    for v in 1..=800 {
        std::fs::write(
            m.join(format!("{v:04}_{name}.up.sql")),
            format!("CREATE TABLE t{v} (id int); -- {padding}\n"),
        )
        .unwrap();
    }
    for (args, code) in [
        (&["up", "--dry-run"][..], 0),
        (&["status"][..], 2),
        (&["status", "--json"][..], 2),
    ] {
        let (exit, stderr) = run_into_closed_pipe(&db, &m, args);
        assert_eq!(exit, Some(code), "{args:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
        assert!(!stderr.contains("Broken pipe"), "{args:?}: {stderr}");
    }
    assert!(!db.has_table("t1"), "a dry run changes nothing");
}

/// Polls `sql` (one integer) on the test database until it is not 0, for at most 60 s, and
/// returns it: waits for a condition, not for a time.
fn wait_until_nonzero(db: &TestDb, sql: &str) -> i64 {
    let started = std::time::Instant::now();
    loop {
        let value = db.scalar(sql);
        if value != 0 {
            return value;
        }
        assert!(
            started.elapsed() < std::time::Duration::from_secs(60),
            "never became true: {sql}"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

/// Starts `migrate up` on `m`, ends its server-side session with `kill` once `running` (the
/// session's id, 0 while not yet there) sees its statement under way, and returns the output.
fn up_killed_mid_statement(
    db: &TestDb,
    m: &std::path::Path,
    running: &str,
    kill: impl Fn(i64),
) -> Output {
    let spawned = db
        .backendctl(m, &["up"])
        .spawn(std::process::Stdio::piped(), std::process::Stdio::piped());
    let session = wait_until_nonzero(db, running);
    kill(session);
    spawned.wait()
}

/// Regression (issue 11): on MariaDB a connection lost mid-statement was reported as "FAILED
/// statement 2 … fix statement 2", although the statement may have completed. It is now an
/// unknown outcome, with how to check and how to settle it either way; the `running` row says
/// statement 1 ran, and `resolve --resume` finishes the migration.
fn mariadb_connection_lost_mid_statement_is_an_unknown_outcome() {
    let db = TestDb::new(Kind::MySql, "lostmid");
    let m = db.migrations("m");
    let up = "CREATE TABLE a (id int);\nSELECT SLEEP(5);\nCREATE TABLE b (id int);\n";
    write(&m, &[("0001_slow.up.sql", up)]);
    let name = db.url.rsplit('/').next().unwrap().to_string();
    let running = format!(
        "SELECT CAST(COALESCE(MAX(ID), 0) AS SIGNED) FROM information_schema.PROCESSLIST \
         WHERE DB = '{name}' AND INFO LIKE 'SELECT SLEEP(5)%'"
    );
    let out = up_killed_mid_statement(&db, &m, &running, |id| db.exec(&format!("KILL {id}")));
    let text = flat(&out.assert_status(exit_code::ERROR).text());
    for expected in [
        "migrate::outcome-unknown",
        "the connection was lost during statement 2",
        "Whether statement 2 took effect is unknown",
        "UNKNOWN statement 2",
        "not run statement 3",
        "records statement 1 as done",
        "resolve 1 --resume",
        "resolve 1 --applied",
        "resolve 1 --rolled-back",
    ] {
        assert!(text.contains(expected), "{expected}\n{text}");
    }
    assert!(!text.contains("FAILED"), "{text}");
    assert!(!text.contains("fix statement"), "{text}");
    assert!(db.has_table("a") && !db.has_table("b"), "{text}");
    assert_eq!(
        db.scalar("SELECT CAST(statements_done AS SIGNED) FROM backendctl_migrations"),
        1
    );

    // It did not take effect (a SELECT): resume runs statements 2–3.
    write(&m, &[("0001_slow.up.sql", &up.replace("SLEEP(5)", "1"))]);
    db.migrate(&m, &["resolve", "1", "--resume"])
        .assert_status(exit_code::OK);
    assert!(db.has_table("b"));
    db.migrate(&m, &["status"]).assert_status(exit_code::OK);
}

/// Regression (issue 11): on PostgreSQL a session terminated mid-migration says the transaction
/// rolled back unless the connection went during COMMIT, and that `status` tells which (the
/// history row commits with the migration); here it rolled back, so the migration is pending.
fn postgres_connection_lost_mid_migration_is_a_commit_unknown() {
    let db = TestDb::new(Kind::Postgres, "lostmid");
    let m = db.migrations("m");
    write(
        &m,
        &[(
            "0001_slow.up.sql",
            "CREATE TABLE a (id int);\nSELECT pg_sleep(5);\n",
        )],
    );
    let running = "SELECT coalesce(max(pid), 0)::bigint FROM pg_stat_activity \
                   WHERE datname = current_database() AND pid <> pg_backend_pid() \
                   AND application_name LIKE 'backendctl migrate%' AND query LIKE '%pg_sleep(5)%'";
    let out = up_killed_mid_statement(&db, &m, running, |pid| {
        db.scalar(&format!(
            "SELECT CASE WHEN pg_terminate_backend({pid}) THEN 1 ELSE 0 END::bigint"
        ));
    });
    let text = flat(&out.assert_status(exit_code::ERROR).text());
    for expected in [
        "migrate::commit-unknown",
        "the connection was lost before the server confirmed its transaction",
        "unless the connection was lost during its COMMIT",
        "status",
    ] {
        assert!(text.contains(expected), "{expected}\n{text}");
    }
    assert!(!text.contains("FAILED"), "{text}");
    assert!(!db.has_table("a"), "rolled back: {text}");
    db.migrate(&m, &["status"])
        .assert_status(exit_code::MIGRATIONS_PENDING);
}

/// Regression (issue 12): `migrate up --dir D` where D does not exist exited 0 with "nothing to
/// apply", so a typo passed CI. Every command that reads the directory now fails naming it, with
/// a hint; `new` still creates it.
fn a_directory_that_does_not_exist_is_an_error() {
    let db = TestDb::new(Kind::Sqlite, "nodir");
    let missing = db.dir.path().join("migrtions");
    for args in [
        &["up"][..],
        &["status"][..],
        &["up", "--dry-run"][..],
        &["lint"][..],
    ] {
        db.migrate(&missing, args)
            .assert_status(exit_code::ERROR)
            .stderr_contains("migrate::no-directory")
            .stderr_contains("migrtions does not exist")
            .stderr_contains(&format!("--dir {} new NAME", missing.display()));
    }
    db.migrate(&missing, &["new", "first"])
        .assert_status(exit_code::OK);
    db.migrate(&missing, &["status"])
        .assert_status(exit_code::MIGRATIONS_PENDING);
}

/// Regression (issue 12): SQLite failures named the file but not the statement or its line
/// (PostgreSQL and MariaDB did). Every engine now says which statement failed, counted as
/// `split.rs` counts them, and its line, skipping comments and blank lines, also when the failing
/// migration runs after others (SQLite groups their commits) and for a down migration.
fn every_engine_names_the_failing_statement_and_line(kind: Kind) {
    let db = TestDb::new(kind, "stmtline");
    let m = db.migrations("m");
    write(
        &m,
        &[
            ("0001_a.up.sql", "CREATE TABLE loc_1 (id int);\n"),
            (
                "0001_a.down.sql",
                "-- the table below does not exist\n\nDROP TABLE loc_1;\nDROP TABLE no_such_table;\n",
            ),
            ("0002_b.up.sql", "CREATE TABLE loc_2 (id int);\n"),
            ("0002_b.down.sql", "DROP TABLE loc_2;\n"),
            (
                "0003_c.up.sql",
                "-- three statements\nCREATE TABLE loc_a (id int);\n\n/* the next one fails */\nINSERT INTO no_such_table\n  VALUES (1);\nCREATE TABLE loc_c (id int);\n",
            ),
        ],
    );
    let up = flat(
        &db.migrate(&m, &["up"])
            .assert_status(exit_code::ERROR)
            .text(),
    );
    assert!(
        up.contains("0003_c.up.sql failed (statement 2 of 3, line 5)"),
        "{up}"
    );
    assert!(db.has_table("loc_2"), "{up}");

    if kind == Kind::MySql {
        // Statement 1 ran: undo it and record that, then drop the file.
        db.exec("DROP TABLE loc_a");
        db.migrate(&m, &["resolve", "3", "--rolled-back"])
            .assert_status(exit_code::OK);
    }
    std::fs::remove_file(m.join("0003_c.up.sql")).unwrap();
    let down = flat(
        &db.migrate(&m, &["down", "--to", "0", "--yes"])
            .assert_status(exit_code::ERROR)
            .text(),
    );
    assert!(
        down.contains("0001_a.down.sql failed (statement 2 of 2, line 4)"),
        "{down}"
    );
}

/// Regression (issue 12): `down --to 0` keeps version 0, and nothing reverted a set whose first
/// version is 0. `--to V` reverts what is newer than V; `--all` reverts everything.
fn down_all_reverts_a_set_whose_first_version_is_0(kind: Kind) {
    let db = TestDb::new(kind, "downall");
    let m = db.migrations("m");
    write(
        &m,
        &[
            ("0000_init.up.sql", "CREATE TABLE v0 (id int);\n"),
            ("0000_init.down.sql", "DROP TABLE v0;\n"),
            ("0001_next.up.sql", "CREATE TABLE v1 (id int);\n"),
            ("0001_next.down.sql", "DROP TABLE v1;\n"),
        ],
    );
    db.migrate(&m, &["up"]).assert_status(exit_code::OK);
    db.migrate(&m, &["down", "--to", "0", "--yes"])
        .assert_status(exit_code::OK)
        .stdout_contains("reverted 1 migration(s)");
    assert!(db.has_table("v0") && !db.has_table("v1"));
    db.migrate(&m, &["up"]).assert_status(exit_code::OK);
    db.migrate(&m, &["down", "--all", "--yes"])
        .assert_status(exit_code::OK)
        .stdout_contains("reverted 2 migration(s)");
    assert!(!db.has_table("v0") && !db.has_table("v1"));
    assert_eq!(db.history(), 0);
    db.migrate(&m, &["down", "--all", "--steps", "1", "--yes"])
        .assert_status(exit_code::USAGE);
}

/// A TCP proxy on 127.0.0.1 to `server` that forwards both ways until a client sends `marker`,
/// then freezes that connection: it stays open and nothing more goes through, either way (a
/// network that drops packets, a hung middlebox). Other connections are not affected.
fn freezing_proxy(server: String, marker: &'static [u8]) -> u16 {
    use std::io::{Read, Write};
    use std::net::{Shutdown, TcpListener, TcpStream};
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};

    fn pump(mut from: TcpStream, mut to: TcpStream, marker: Option<&[u8]>, frozen: &AtomicBool) {
        let mut buffer = [0u8; 16 * 1024];
        while let Ok(n) = from.read(&mut buffer) {
            if n == 0 {
                break;
            }
            if marker.is_some_and(|m| buffer[..n].windows(m.len()).any(|w| w == m)) {
                frozen.store(true, Ordering::SeqCst);
            }
            // Frozen: read and drop, so the socket stays open and nothing arrives.
            if !frozen.load(Ordering::SeqCst) && to.write_all(&buffer[..n]).is_err() {
                break;
            }
        }
        let _ = to.shutdown(Shutdown::Both);
    }

    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    std::thread::spawn(move || {
        for client in listener.incoming().flatten() {
            let Ok(upstream) = TcpStream::connect(&server) else {
                continue;
            };
            let frozen = Arc::new(AtomicBool::new(false));
            let (c2, u2, f2) = (
                client.try_clone().expect("clone"),
                upstream.try_clone().expect("clone"),
                Arc::clone(&frozen),
            );
            std::thread::spawn(move || pump(c2, u2, Some(marker), &f2));
            std::thread::spawn(move || pump(upstream, client, None, &frozen));
        }
    });
    port
}

/// Issue 11: a connection that freezes mid-run (after the handshake, the lock and the history
/// table, while the migration's statement is in flight) must not hang `migrate up`: it fails
/// within its statement timeout plus one connect timeout, saying it got no answer and what that
/// left; nothing was applied, and `status` says so.
fn postgres_a_connection_that_freezes_mid_run_fails_within_the_statement_timeout() {
    let db = TestDb::new(Kind::Postgres, "frozen");
    let m = db.migrations("m");
    write(
        &m,
        &[(
            "0001_t.up.sql",
            "CREATE TABLE frozen_a (id int);\nSELECT 'freeze here';\n",
        )],
    );
    let port = freezing_proxy(server_address(Kind::Postgres), b"freeze here");
    let mut proxied = url::Url::parse(&db.url).unwrap();
    proxied.set_host(Some("127.0.0.1")).unwrap();
    proxied.set_port(Some(port)).unwrap();
    let started = std::time::Instant::now();
    let out = crate::binary::Backendctl::new()
        .args(["migrate", "-D", proxied.as_str(), "--dir"])
        .arg(&m)
        .args(["--connect-timeout", "1s", "--statement-timeout", "2s", "up"])
        .timeout(std::time::Duration::from_secs(60))
        .run();
    let took = started.elapsed();
    let text = flat(&out.assert_status(exit_code::ERROR).text());
    assert!(
        took < std::time::Duration::from_secs(15),
        "took {took:?}: {text}"
    );
    for expected in [
        "migrate::commit-unknown",
        "no answer after",
        "the server did not cancel the statement at its limit (2s) nor answer since",
    ] {
        assert!(text.contains(expected), "{expected}\n{text}");
    }
    assert!(!db.has_table("frozen_a"), "{text}");
    db.migrate(&m, &["status"])
        .assert_status(exit_code::MIGRATIONS_PENDING);
}
