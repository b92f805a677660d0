//! Ten `up` processes at once, and `kill -9` in the middle of a long migration.

mod migrate_support;

use std::process::Stdio;
use std::time::{Duration, Instant};

use migrate_support::{Kind, TestDb, expect_code, text, write};

const N: usize = 40;

fn ledger_set(db: &TestDb) -> std::path::PathBuf {
    let m = db.migrations("m");
    write(
        &m,
        &[("0001_ledger.up.sql", "CREATE TABLE ledger (n int);\n")],
    );
    for i in 2..=N {
        // A double apply would show up as a duplicate ledger row.
        let up = format!(
            "CREATE TABLE c_{i} (id int primary key);\nINSERT INTO ledger (n) VALUES ({i});\n"
        );
        std::fs::write(m.join(format!("{i:04}_c{i}.up.sql")), up).unwrap();
    }
    m
}

fn ten_processes(kind: Kind) {
    let Some(db) = TestDb::new(kind, "ten") else {
        return;
    };
    let m = ledger_set(&db);
    let children: Vec<_> = (0..10)
        .map(|_| {
            db.command(&m, &["--lock-timeout", "120s", "up"])
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let outputs: Vec<_> = children
        .into_iter()
        .map(|c| c.wait_with_output().unwrap())
        .collect();
    let mut applied_by_one = 0;
    for o in &outputs {
        let t = text(o);
        assert_eq!(o.status.code(), Some(0), "a concurrent run failed:\n{t}");
        if t.contains(&format!("applied {N} migration(s)")) {
            applied_by_one += 1;
        }
    }
    let applied_total: usize = outputs
        .iter()
        .map(|o| {
            let t = text(o);
            t.lines()
                .filter(|l| l.starts_with("applied default/"))
                .count()
        })
        .sum();
    assert_eq!(
        applied_total, N,
        "every migration applied exactly once across the ten processes"
    );
    assert!(applied_by_one <= 1);
    assert_eq!(db.history() as usize, N);
    let cast = if kind == Kind::MySql {
        "CAST(COUNT(*) AS SIGNED)"
    } else {
        "COUNT(*)"
    };
    assert_eq!(
        db.scalar(&format!("SELECT {cast} FROM ledger")) as usize,
        N - 1
    );
    let distinct = if kind == Kind::MySql {
        "CAST(COUNT(DISTINCT n) AS SIGNED)"
    } else {
        "COUNT(DISTINCT n)"
    };
    assert_eq!(
        db.scalar(&format!("SELECT {distinct} FROM ledger")) as usize,
        N - 1
    );
    expect_code(&db.migrate(&m, &["status"]), 0);
}

#[test]
fn ten_processes_postgres() {
    ten_processes(Kind::Postgres);
}

#[test]
fn ten_processes_mariadb() {
    ten_processes(Kind::MySql);
}

#[test]
fn ten_processes_sqlite() {
    ten_processes(Kind::Sqlite);
}

/// Polls `cond` until it holds or `limit` passes.
fn wait_for(limit: Duration, mut cond: impl FnMut() -> bool) -> bool {
    let start = Instant::now();
    while start.elapsed() < limit {
        if cond() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    false
}

/// Starts `migrate up` in the background and returns once `running_sql` (run on the server)
/// counts its slow statement.
fn start_slow_up(db: &TestDb, m: &std::path::Path, running_sql: &str) -> std::process::Child {
    let child = db
        .command(m, &["up"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let running = wait_for(Duration::from_secs(20), || db.scalar(running_sql) > 0);
    assert!(running, "the slow migration never started");
    child
}

/// SIGKILL: no cleanup code runs in the client.
fn kill_9(mut child: std::process::Child) {
    child.kill().unwrap();
    child.wait().unwrap();
}

#[test]
fn kill_9_during_pg_sleep_postgres() {
    let Some(db) = TestDb::new(Kind::Postgres, "kill") else {
        return;
    };
    let m = db.migrations("m");
    write(
        &m,
        &[
            ("1_a.up.sql", "CREATE TABLE k_1 (id int);\n"),
            (
                "2_slow.up.sql",
                "CREATE TABLE k_2 (id int);\nSELECT pg_sleep(3);\nCREATE TABLE k_3 (id int);\n",
            ),
            ("3_c.up.sql", "CREATE TABLE k_4 (id int);\n"),
        ],
    );
    kill_9(start_slow_up(
        &db,
        &m,
        "SELECT count(*) FROM pg_stat_activity WHERE query LIKE '%pg_sleep(3)%' AND pid <> pg_backend_pid()",
    ));
    // The next run takes the lock once the orphaned session is gone, finds migration 2 not
    // applied (its transaction never committed) and finishes everything.
    let out = expect_code(&db.migrate(&m, &["--lock-timeout", "60s", "up"]), 0);
    assert!(out.contains("applied 2 migration(s)"), "{out}");
    assert!(db.has_table("k_3") && db.has_table("k_4"));
    assert_eq!(db.history(), 3);
    expect_code(&db.migrate(&m, &["status"]), 0);
}

#[test]
fn kill_9_during_sleep_mariadb() {
    let Some(db) = TestDb::new(Kind::MySql, "kill") else {
        return;
    };
    let m = db.migrations("m");
    write(
        &m,
        &[
            (
                "1_slow.up.sql",
                "CREATE TABLE k_1 (id int);\nDO SLEEP(3);\nCREATE TABLE k_2 (id int);\n",
            ),
            ("2_b.up.sql", "CREATE TABLE k_3 (id int);\n"),
        ],
    );
    kill_9(start_slow_up(
        &db,
        &m,
        "SELECT CAST(COUNT(*) AS SIGNED) FROM information_schema.PROCESSLIST WHERE INFO LIKE '%SLEEP(3)%' AND ID <> CONNECTION_ID()",
    ));
    // DDL committed as it went: the next run refuses with the exact state instead of a bare
    // "dirty", and the documented command finishes it.
    let out = expect_code(&db.migrate(&m, &["--lock-timeout", "60s", "up"]), 1);
    assert!(
        out.contains("interrupted") || out.contains("failed"),
        "{out}"
    );
    assert!(out.contains("resolve 1 --resume"), "{out}");
    expect_code(
        &db.migrate(&m, &["--lock-timeout", "60s", "resolve", "1", "--resume"]),
        0,
    );
    expect_code(&db.migrate(&m, &["up"]), 0);
    assert!(db.has_table("k_2") && db.has_table("k_3"));
    expect_code(&db.migrate(&m, &["status"]), 0);
}

#[test]
fn lock_waiter_names_the_holder_and_times_out() {
    let Some(db) = TestDb::new(Kind::Postgres, "lockmsg") else {
        return;
    };
    let m = db.migrations("m");
    write(&m, &[("1_slow.up.sql", "SELECT pg_sleep(4);\n")]);
    let mut holder = start_slow_up(
        &db,
        &m,
        "SELECT count(*) FROM pg_stat_activity WHERE query LIKE '%pg_sleep(4)%' AND pid <> pg_backend_pid()",
    );
    let out = expect_code(&db.migrate(&m, &["--lock-timeout", "1s", "up"]), 1);
    assert!(
        out.contains("timed out") && out.contains("backendctl migrate") && out.contains("pid"),
        "{out}"
    );
    assert!(holder.wait().unwrap().success());
}

#[test]
fn status_during_a_run_shows_it_running_mariadb() {
    let Some(db) = TestDb::new(Kind::MySql, "live") else {
        return;
    };
    let m = db.migrations("m");
    write(
        &m,
        &[(
            "1_slow.up.sql",
            "CREATE TABLE l_1 (id int);\nDO SLEEP(3);\n",
        )],
    );
    let mut child = start_slow_up(
        &db,
        &m,
        "SELECT CAST(COUNT(*) AS SIGNED) FROM information_schema.PROCESSLIST WHERE INFO LIKE '%SLEEP(3)%' AND ID <> CONNECTION_ID()",
    );
    let out = expect_code(&db.migrate(&m, &["status"]), 2);
    assert!(
        out.contains("running now: 1 of 2 statements done") && out.contains("in progress"),
        "{out}"
    );
    assert!(child.wait().unwrap().success());
    expect_code(&db.migrate(&m, &["status"]), 0);
}
