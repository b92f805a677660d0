//! Ten `up` processes at once, and `kill -9` in the middle of a long migration.

use std::process::Stdio;
use std::time::{Duration, Instant};

use backendctl::exit_code;

use crate::binary::Spawned;
use crate::harness::{Test, trial};
use crate::migrate_support::{Kind, TestDb, migrations_applied, write};

pub(crate) fn tests() -> Vec<Test> {
    vec![
        trial!(ten_processes_postgres, needs = [Postgres]),
        trial!(ten_processes_mariadb, needs = [MariaDb]),
        trial!(ten_processes_sqlite),
        trial!(kill_9_during_pg_sleep_postgres, needs = [Postgres]),
        trial!(kill_9_during_sleep_mariadb, needs = [MariaDb]),
        trial!(
            lock_waiter_names_the_holder_and_times_out,
            needs = [Postgres]
        ),
        trial!(
            status_during_a_run_shows_it_running_mariadb,
            needs = [MariaDb]
        ),
    ]
}

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
    let db = TestDb::new(kind, "ten");
    let m = ledger_set(&db);
    let children: Vec<_> = (0..10)
        .map(|_| {
            db.backendctl(&m, &["--lock-timeout", "120s", "up"])
                .spawn(Stdio::piped(), Stdio::piped())
        })
        .collect();
    // Each concurrent run succeeds.
    let outputs: Vec<_> = children
        .into_iter()
        .map(|c| c.wait().assert_status(exit_code::OK))
        .collect();
    let mut applied_by_one = 0;
    for o in &outputs {
        if o.text().contains(&format!("applied {N} migration(s)")) {
            applied_by_one += 1;
        }
    }
    let applied_total: usize = migrations_applied(&outputs);
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
    db.migrate(&m, &["status"]).assert_status(exit_code::OK);
}

fn ten_processes_postgres() {
    ten_processes(Kind::Postgres);
}

fn ten_processes_mariadb() {
    ten_processes(Kind::MySql);
}

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
fn start_slow_up(db: &TestDb, m: &std::path::Path, running_sql: &str) -> Spawned {
    let child = db
        .backendctl(m, &["up"])
        .spawn(Stdio::null(), Stdio::null());
    let running = wait_for(Duration::from_secs(20), || db.scalar(running_sql) > 0);
    assert!(running, "the slow migration never started");
    child
}

/// SIGKILL: no cleanup code runs in the client.
fn kill_9(mut process: Spawned) {
    process.child().kill().unwrap();
    process.child().wait().unwrap();
}

fn kill_9_during_pg_sleep_postgres() {
    let db = TestDb::new(Kind::Postgres, "kill");
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
        "SELECT count(*) FROM pg_stat_activity WHERE query LIKE '%pg_sleep(3)%' AND pid <> pg_backend_pid() AND datname = current_database()",
    ));
    // The next run takes the lock once the orphaned session is gone, finds migration 2 not
    // applied (its transaction never committed) and finishes everything.
    let out = db
        .migrate(&m, &["--lock-timeout", "60s", "up"])
        .assert_status(exit_code::OK)
        .text();
    assert!(out.contains("applied 2 migration(s)"), "{out}");
    assert!(db.has_table("k_3") && db.has_table("k_4"));
    assert_eq!(db.history(), 3);
    db.migrate(&m, &["status"]).assert_status(exit_code::OK);
}

fn kill_9_during_sleep_mariadb() {
    let db = TestDb::new(Kind::MySql, "kill");
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
        "SELECT CAST(COUNT(*) AS SIGNED) FROM information_schema.PROCESSLIST WHERE INFO LIKE '%SLEEP(3)%' AND ID <> CONNECTION_ID() AND DB = DATABASE()",
    ));
    // DDL committed as it went: the next run refuses with the exact state instead of a bare
    // "dirty", and the documented command finishes it.
    let out = db
        .migrate(&m, &["--lock-timeout", "60s", "up"])
        .assert_status(exit_code::ERROR)
        .text();
    assert!(
        out.contains("interrupted") || out.contains("failed"),
        "{out}"
    );
    assert!(out.contains("resolve 1 --resume"), "{out}");
    db.migrate(&m, &["--lock-timeout", "60s", "resolve", "1", "--resume"])
        .assert_status(exit_code::OK);
    db.migrate(&m, &["up"]).assert_status(exit_code::OK);
    assert!(db.has_table("k_2") && db.has_table("k_3"));
    db.migrate(&m, &["status"]).assert_status(exit_code::OK);
}

fn lock_waiter_names_the_holder_and_times_out() {
    let db = TestDb::new(Kind::Postgres, "lockmsg");
    let m = db.migrations("m");
    write(&m, &[("1_slow.up.sql", "SELECT pg_sleep(4);\n")]);
    let holder = start_slow_up(
        &db,
        &m,
        "SELECT count(*) FROM pg_stat_activity WHERE query LIKE '%pg_sleep(4)%' AND pid <> pg_backend_pid() AND datname = current_database()",
    );
    let out = db
        .migrate(&m, &["--lock-timeout", "1s", "up"])
        .assert_status(exit_code::ERROR)
        .text();
    assert!(
        out.contains("timed out") && out.contains("backendctl migrate") && out.contains("pid"),
        "{out}"
    );
    holder.wait().assert_status(exit_code::OK);
}

fn status_during_a_run_shows_it_running_mariadb() {
    let db = TestDb::new(Kind::MySql, "live");
    let m = db.migrations("m");
    write(
        &m,
        &[(
            "1_slow.up.sql",
            "CREATE TABLE l_1 (id int);\nDO SLEEP(3);\n",
        )],
    );
    let child = start_slow_up(
        &db,
        &m,
        "SELECT CAST(COUNT(*) AS SIGNED) FROM information_schema.PROCESSLIST WHERE INFO LIKE '%SLEEP(3)%' AND ID <> CONNECTION_ID() AND DB = DATABASE()",
    );
    let out = db
        .migrate(&m, &["status"])
        .assert_status(exit_code::MIGRATIONS_PENDING)
        .text();
    assert!(
        out.contains("running now: 1 of 2 statements done") && out.contains("in progress"),
        "{out}"
    );
    child.wait().assert_status(exit_code::OK);
    db.migrate(&m, &["status"]).assert_status(exit_code::OK);
}
