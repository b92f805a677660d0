//! `backendctl migrate` end to end on SQLite, PostgreSQL and MariaDB: up / down / redo / status,
//! failures, drift, out-of-order, baseline, several sets, other tools' file layouts.

mod migrate_support;

use migrate_support::{Kind, TestDb, expect_code, write};

macro_rules! per_engine {
    ($name:ident) => {
        mod $name {
            use super::*;
            #[test]
            fn postgres() {
                super::$name(Kind::Postgres);
            }
            #[test]
            fn mariadb() {
                super::$name(Kind::MySql);
            }
            #[test]
            fn sqlite() {
                super::$name(Kind::Sqlite);
            }
        }
    };
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

per_engine!(up_down_redo_status);
fn up_down_redo_status(kind: Kind) {
    let Some(db) = TestDb::new(kind, "updown") else {
        return;
    };
    let m = three(&db);

    // status before anything: pending → exit 2, and it creates nothing.
    let out = expect_code(&db.migrate(&m, &["status"]), 2);
    assert!(out.contains("3 pending"), "{out}");

    // dry-run prints the SQL in order and changes nothing.
    let out = expect_code(&db.migrate(&m, &["up", "--dry-run"]), 0);
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

    let out = expect_code(&db.migrate(&m, &["up", "--to", "2"]), 0);
    assert!(out.contains("applied 2 migration(s)"), "{out}");
    assert!(db.has_table("orders") && !db.has_table("items"));
    expect_code(&db.migrate(&m, &["up"]), 0);
    assert!(db.has_table("items"));
    assert_eq!(db.history(), 3);
    let out = expect_code(&db.migrate(&m, &["status"]), 0);
    assert!(out.contains("3 applied"), "{out}");
    assert_eq!(
        db.scalar("SELECT COUNT(*) FROM backendctl_migration_log WHERE action = 'apply'"),
        3
    );

    // A second `up` has nothing to do.
    let out = expect_code(&db.migrate(&m, &["up"]), 0);
    assert!(out.contains("nothing to apply"), "{out}");

    // down without a terminal needs --yes, and reverts nothing without it.
    let out = expect_code(&db.migrate(&m, &["down"]), 1);
    assert!(out.contains("--yes"), "{out}");
    assert!(db.has_table("items"));

    let out = expect_code(&db.migrate(&m, &["down", "--steps", "2", "--yes"]), 0);
    assert!(out.contains("reverted 2 migration(s)"), "{out}");
    assert!(db.has_table("users") && !db.has_table("orders") && !db.has_table("items"));
    assert_eq!(db.history(), 1);
    expect_code(&db.migrate(&m, &["status"]), 2);

    expect_code(&db.migrate(&m, &["up"]), 0);
    let out = expect_code(&db.migrate(&m, &["redo", "--yes"]), 0);
    assert!(out.contains("redid version 3"), "{out}");
    assert!(db.has_table("items"));
    assert_eq!(db.history(), 3);

    // down --to 0 reverts everything in one process.
    expect_code(&db.migrate(&m, &["down", "--to", "0", "--yes"]), 0);
    assert!(!db.has_table("users"));
    assert_eq!(db.history(), 0);
    assert_eq!(
        db.scalar("SELECT COUNT(*) FROM backendctl_migration_log WHERE action = 'revert'"),
        6
    );
}

per_engine!(failing_second_statement);
fn failing_second_statement(kind: Kind) {
    let Some(db) = TestDb::new(kind, "failing") else {
        return;
    };
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
    let out = expect_code(&db.migrate(&m, &["up"]), 1);
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
        let status = expect_code(&db.migrate(&m, &["status"]), 1);
        assert!(
            status.contains("failed") && status.contains("statement 1 of 3 ran"),
            "{status}"
        );
        // `up` refuses until it is resolved.
        let again = expect_code(&db.migrate(&m, &["up"]), 1);
        assert!(again.contains("stopped part-way"), "{again}");
        // Editing a statement that already ran is refused on resume.
        write(
            &m,
            &[(
                "0003_half.up.sql",
                "CREATE TABLE half_x (id int);\nINSERT INTO f_1 VALUES (1);\nCREATE TABLE half_c (id int);\n",
            )],
        );
        let refused = expect_code(&db.migrate(&m, &["resolve", "3", "--resume"]), 1);
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
        expect_code(&db.migrate(&m, &["resolve", "3", "--resume"]), 0);
        assert!(db.has_table("half_c"));
        expect_code(&db.migrate(&m, &["status"]), 0);
        assert_eq!(db.scalar("SELECT CAST(COUNT(*) AS SIGNED) FROM f_1"), 1);
    } else {
        // Transactional DDL: no trace of migration 3.
        assert!(
            !db.has_table("half_a"),
            "the failed migration left a table behind"
        );
        assert_eq!(db.history(), 2);
        assert!(out.contains("rolled back"), "{out}");
        expect_code(&db.migrate(&m, &["status"]), 2);
        write(
            &m,
            &[(
                "0003_half.up.sql",
                "CREATE TABLE half_a (id int);\nINSERT INTO f_1 VALUES (1);\nCREATE TABLE half_c (id int);\n",
            )],
        );
        expect_code(&db.migrate(&m, &["up"]), 0);
        assert!(db.has_table("half_c"));
    }
    assert_eq!(db.history(), 3);
}

#[test]
fn mariadb_resolve_rolled_back_and_applied() {
    let Some(db) = TestDb::new(Kind::MySql, "resolve") else {
        return;
    };
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
    expect_code(&db.migrate(&m, &["up"]), 1);
    assert!(db.has_table("x1"));
    // Undo by hand, then mark rolled back: the migration is pending again.
    db.exec("DROP TABLE x1");
    expect_code(&db.migrate(&m, &["resolve", "1", "--rolled-back"]), 0);
    expect_code(&db.migrate(&m, &["status"]), 2);
    // The file still fails at statement 2: this time finish it by hand and mark it applied.
    expect_code(&db.migrate(&m, &["up"]), 1);
    assert!(db.has_table("x1"));
    expect_code(&db.migrate(&m, &["resolve", "1", "--applied"]), 0);
    expect_code(&db.migrate(&m, &["status"]), 0);
    let log = db.scalar("SELECT CAST(COUNT(*) AS SIGNED) FROM backendctl_migration_log WHERE action LIKE 'resolve-%'");
    assert_eq!(log, 2);
}

per_engine!(crlf_is_not_drift_but_content_is);
fn crlf_is_not_drift_but_content_is(kind: Kind) {
    let Some(db) = TestDb::new(kind, "drift") else {
        return;
    };
    let m = three(&db);
    expect_code(&db.migrate(&m, &["up"]), 0);
    let f = m.join("0002_orders.up.sql");
    let lf = std::fs::read_to_string(&f).unwrap();
    std::fs::write(&f, format!("\u{feff}{}", lf.replace('\n', "\r\n"))).unwrap();
    write(
        &m,
        &[("0004_more.up.sql", "CREATE TABLE more_1 (id int);\n")],
    );
    let out = expect_code(&db.migrate(&m, &["status"]), 2);
    assert!(!out.contains("drifted"), "{out}");
    expect_code(&db.migrate(&m, &["up"]), 0);
    assert!(db.has_table("more_1"));

    // A real change is drift: status exits 1, up refuses and applies nothing else.
    std::fs::write(&f, lf.replace("user_id int", "user_id bigint")).unwrap();
    write(
        &m,
        &[("0005_more.up.sql", "CREATE TABLE more_2 (id int);\n")],
    );
    let out = expect_code(&db.migrate(&m, &["status"]), 1);
    assert!(out.contains("drifted") && out.contains("repair 2"), "{out}");
    let out = expect_code(&db.migrate(&m, &["up"]), 1);
    assert!(out.contains("changed after it was applied"), "{out}");
    assert!(!db.has_table("more_2"));
    // repair records who accepted it, then up proceeds.
    expect_code(&db.migrate(&m, &["repair"]), 0);
    expect_code(&db.migrate(&m, &["up"]), 0);
    assert!(db.has_table("more_2"));
    assert_eq!(
        db.scalar("SELECT COUNT(*) FROM backendctl_migrations WHERE repaired_by IS NOT NULL"),
        1
    );
    expect_code(&db.migrate(&m, &["status"]), 0);
}

per_engine!(out_of_order_and_baseline);
fn out_of_order_and_baseline(kind: Kind) {
    let Some(db) = TestDb::new(kind, "ooo") else {
        return;
    };
    let m = db.migrations("m");
    write(
        &m,
        &[
            ("1_a.up.sql", "CREATE TABLE o_1 (id int);"),
            ("2_b.up.sql", "CREATE TABLE o_2 (id int);"),
            ("4_d.up.sql", "CREATE TABLE o_4 (id int);"),
        ],
    );
    expect_code(&db.migrate(&m, &["up"]), 0);
    write(&m, &[("3_c.up.sql", "CREATE TABLE o_3 (id int);")]);
    let out = expect_code(&db.migrate(&m, &["status"]), 1);
    assert!(out.contains("out-of-order"), "{out}");
    let out = expect_code(&db.migrate(&m, &["up"]), 1);
    assert!(out.contains("--allow-out-of-order"), "{out}");
    assert!(!db.has_table("o_3"));
    expect_code(&db.migrate(&m, &["up", "--allow-out-of-order"]), 0);
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
    expect_code(
        &db.migrate(&b, &["--migrations", "legacy", "baseline", "2"]),
        0,
    );
    expect_code(&db.migrate(&b, &["--migrations", "legacy", "up"]), 0);
    assert!(db.has_table("legacy_3") && !db.has_table("legacy_1"));
    let out = expect_code(&db.migrate(&b, &["--migrations", "legacy", "status"]), 0);
    assert!(out.contains("below baseline"), "{out}");
    // Baseline on a set with history is refused.
    expect_code(
        &db.migrate(&b, &["--migrations", "legacy", "baseline", "3"]),
        1,
    );
}

per_engine!(sets_do_not_interfere);
fn sets_do_not_interfere(kind: Kind) {
    let Some(db) = TestDb::new(kind, "sets") else {
        return;
    };
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
    expect_code(&db.migrate(&core, &["--migrations", "core", "up"]), 0);
    // The same version in another set is pending there, not "applied".
    expect_code(
        &db.migrate(&refdata, &["--migrations", "reference-data", "status"]),
        2,
    );
    expect_code(
        &db.migrate(&refdata, &["--migrations", "reference-data", "up"]),
        0,
    );
    expect_code(
        &db.migrate(&core, &["--migrations", "core", "down", "--yes"]),
        0,
    );
    assert!(!db.has_table("core_a") && db.has_table("ref_a"));
    expect_code(
        &db.migrate(&refdata, &["--migrations", "reference-data", "status"]),
        0,
    );
}

per_engine!(other_tools_layouts);
fn other_tools_layouts(kind: Kind) {
    let Some(db) = TestDb::new(kind, "layouts") else {
        return;
    };
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
    expect_code(&db.migrate(&m, &["up"]), 0);
    assert!(db.has_table("dm") && db.has_table("sx") && db.has_table("gm"));
    expect_code(&db.migrate(&m, &["down", "--yes"]), 0);
    assert!(!db.has_table("gm"));
    // The sqlx simple file has no down: refused, with the reason.
    let out = expect_code(&db.migrate(&m, &["down", "--yes"]), 1);
    assert!(out.contains("has no down migration"), "{out}");
    assert!(db.has_table("sx"));
    // `new` continues the timestamp numbering in the directory's own layout.
    let out = expect_code(&db.migrate(&m, &["new", "add things"]), 0);
    assert!(
        out.contains("_add_things.up.sql") && out.contains("created") && !out.contains("0004_"),
        "{out}"
    );
}

#[test]
fn postgres_no_transaction_directive_runs_concurrent_index() {
    let Some(db) = TestDb::new(Kind::Postgres, "cic") else {
        return;
    };
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
    expect_code(&db.migrate(&m, &["up"]), 0);
    assert_eq!(
        db.scalar("SELECT count(*) FROM pg_indexes WHERE tablename = 't'"),
        2
    );
    expect_code(&db.migrate(&m, &["down", "--yes"]), 0);
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
    let out = expect_code(&db.migrate(&m, &["up"]), 1);
    assert!(out.contains("backendctl:no-transaction"), "{out}");
}

#[test]
fn transaction_control_in_a_file_is_refused() {
    let Some(db) = TestDb::new(Kind::Sqlite, "txctl") else {
        return;
    };
    let m = db.migrations("m");
    write(
        &m,
        &[("1_a.up.sql", "BEGIN;\nCREATE TABLE a (id int);\nCOMMIT;\n")],
    );
    let out = expect_code(&db.migrate(&m, &["up"]), 1);
    assert!(
        out.contains("line 1") && out.contains("must not open or close one"),
        "{out}"
    );
    assert!(!db.has_table("a"));
}

per_engine!(json_outcomes);
fn json_outcomes(kind: Kind) {
    let Some(db) = TestDb::new(kind, "json") else {
        return;
    };
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
    let outcome = |args: &[&str], code: i32| -> serde_json::Value {
        let o = db.migrate(&m, args);
        assert_eq!(o.status.code(), Some(code), "{}", migrate_support::text(&o));
        let stdout = String::from_utf8(o.stdout).unwrap();
        assert_eq!(stdout.lines().count(), 1, "{stdout}");
        serde_json::from_str(&stdout).unwrap()
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
    let failed = outcome(&["up", "--json"], 1);
    assert_eq!(failed["command"], "up");
    assert_eq!(failed["set"], "default");
    assert_eq!(failed["success"], false);
    assert_eq!(ran(&failed), [applied(1), applied(2)]);
    assert!(
        failed["error"].as_str().unwrap().contains("0003_c"),
        "{failed}"
    );
    if kind == Kind::MySql {
        expect_code(&db.migrate(&m, &["resolve", "3", "--rolled-back"]), 0);
    }

    write(&m, &[("0003_c.up.sql", "CREATE TABLE j_3 (id int);\n")]);
    let up = outcome(&["up", "--json"], 0);
    assert_eq!(up["success"], true);
    assert_eq!(up["error"], serde_json::Value::Null);
    assert_eq!(ran(&up), [applied(3)]);
    assert_eq!(ran(&outcome(&["up", "--json"], 0)), []);

    let down = outcome(&["down", "--steps", "2", "--yes", "--json"], 0);
    assert_eq!(down["command"], "down");
    assert_eq!(ran(&down), [reverted(3), reverted(2)]);
    assert!(!db.has_table("j_2"));

    let redo = outcome(&["redo", "--yes", "--json"], 0);
    assert_eq!(ran(&redo), [reverted(1), applied(1)]);
    assert!(db.has_table("j_1"));

    // `--json` and `--dry-run` are refused together (usage error).
    let both = db.migrate(&m, &["up", "--json", "--dry-run"]);
    assert_eq!(
        both.status.code(),
        Some(64),
        "{}",
        migrate_support::text(&both)
    );
}

/// `migrate status` text and `--json`, exactly: an applied, a drifted and a pending migration of
/// a named set (SQLite; times, durations, the actor and the temp dir are redacted).
#[test]
fn status_text_and_json_are_stable() {
    let db = TestDb::new(Kind::Sqlite, "status_snapshot").expect("SQLite needs no server");
    let m = three(&db);
    let set = ["--migrations", "core"];
    expect_code(
        &db.migrate(&m, &[&set[..], &["up", "--to", "2"]].concat()),
        0,
    );
    let orders = m.join("0002_orders.up.sql");
    let text = std::fs::read_to_string(&orders).unwrap();
    std::fs::write(&orders, text.replace("user_id int", "user_id bigint")).unwrap();

    let status = db.migrate(&m, &[&set[..], &["status"]].concat());
    assert_eq!(status.status.code(), Some(1), "drift needs attention");
    let json = db.migrate(&m, &[&set[..], &["status", "--json"]].concat());
    assert_eq!(
        json.status.code(),
        Some(1),
        "the same exit code with --json"
    );
    let json: serde_json::Value = serde_json::from_slice(&json.stdout).expect("JSON");

    let dir = regex_escape(&db.dir.path().display().to_string());
    insta::with_settings!({filters => vec![
        (dir.as_str(), "[tmp]"),
        (r"\d{4}-\d\d-\d\d[ T]\d\d:\d\d:\d\d(\.\d+)?Z?", "[time]"),
        (r"(?m)  [^ \n]+@[^ \n]+$", "  [actor]"),
    ]}, {
        insta::assert_snapshot!("status-text", String::from_utf8_lossy(&status.stdout));
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
    let mut child = db
        .command(m, args)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
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
#[test]
fn closed_stdout_is_not_a_panic() {
    let Some(db) = TestDb::new(Kind::Sqlite, "brokenpipe") else {
        return;
    };
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

/// The diagnostic as one line: miette's wrapping and gutter removed.
fn flat(text: &str) -> String {
    text.replace('│', " ")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
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
) -> std::process::Output {
    let child = db
        .command(m, &["up"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let session = wait_until_nonzero(db, running);
    kill(session);
    child.wait_with_output().unwrap()
}

/// Regression (issue 11): on MariaDB a connection lost mid-statement was reported as "FAILED
/// statement 2 … fix statement 2", although the statement may have completed. It is now an
/// unknown outcome, with how to check and how to settle it either way; the `running` row says
/// statement 1 ran, and `resolve --resume` finishes the migration.
#[test]
fn mariadb_connection_lost_mid_statement_is_an_unknown_outcome() {
    let Some(db) = TestDb::new(Kind::MySql, "lostmid") else {
        return;
    };
    let m = db.migrations("m");
    let up = "CREATE TABLE a (id int);\nSELECT SLEEP(5);\nCREATE TABLE b (id int);\n";
    write(&m, &[("0001_slow.up.sql", up)]);
    let name = db.url.rsplit('/').next().unwrap().to_string();
    let running = format!(
        "SELECT CAST(COALESCE(MAX(ID), 0) AS SIGNED) FROM information_schema.PROCESSLIST \
         WHERE DB = '{name}' AND INFO LIKE 'SELECT SLEEP(5)%'"
    );
    let out = up_killed_mid_statement(&db, &m, &running, |id| db.exec(&format!("KILL {id}")));
    let text = flat(&expect_code(&out, 1));
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
    expect_code(&db.migrate(&m, &["resolve", "1", "--resume"]), 0);
    assert!(db.has_table("b"));
    expect_code(&db.migrate(&m, &["status"]), 0);
}

/// Regression (issue 11): on PostgreSQL a session terminated mid-migration says the transaction
/// rolled back unless the connection went during COMMIT, and that `status` tells which (the
/// history row commits with the migration); here it rolled back, so the migration is pending.
#[test]
fn postgres_connection_lost_mid_migration_is_a_commit_unknown() {
    let Some(db) = TestDb::new(Kind::Postgres, "lostmid") else {
        return;
    };
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
    let text = flat(&expect_code(&out, 1));
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
    expect_code(&db.migrate(&m, &["status"]), 2);
}
