//! MongoDB migration sets on a real MongoDB-wire server: SecantusDB (`secantusd-py`, a test-time
//! dependency installed by `.ci/run` into a virtualenv; never linked or shipped).
//!
//! Each test starts its own server on a free port with in-memory storage ([`Server`]) and stops
//! it when the test ends (also on panic), so tests share nothing and leave nothing behind.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use backendctl::exit_code;
use mongodb::bson::{Document, doc};

use crate::binary::{Backendctl, Output};
use crate::common::free_port;
use crate::harness::{Test, secantusd, trial};
use crate::migrate_support::{migrations_applied, write};

pub(crate) fn tests() -> Vec<Test> {
    vec![
        trial!(new_up_status_down_on_mongodb, needs = [MongoDb]),
        trial!(
            ten_processes_apply_each_migration_once_mongodb,
            needs = [MongoDb]
        ),
        trial!(
            failing_command_reports_what_ran_and_resolve_resumes,
            needs = [MongoDb]
        ),
        trial!(
            transactional_migration_keeps_nothing_on_failure,
            needs = [MongoDb]
        ),
        trial!(drift_is_reported_and_repaired_mongodb, needs = [MongoDb]),
        trial!(
            stale_lock_is_taken_over_and_live_lock_names_its_holder,
            needs = [MongoDb]
        ),
        trial!(
            manifest_database_node_plans_and_applies_mongodb,
            needs = [MongoDb]
        ),
        trial!(
            golang_migrate_directory_applies_unchanged,
            needs = [MongoDb]
        ),
        trial!(
            kill_9_mid_migration_leaves_progress_and_a_stale_lock,
            needs = [MongoDb]
        ),
        trial!(lint_flags_drops_index_builds_and_unfiltered_writes),
        trial!(
            baseline_counts_versions_as_applied_mongodb,
            needs = [MongoDb]
        ),
        trial!(
            baseline_from_golang_migrate_adopts_its_version_mongodb,
            needs = [MongoDb]
        ),
        trial!(
            baseline_from_migrate_mongo_adopts_its_changelog,
            needs = [MongoDb]
        ),
        trial!(
            statement_timeout_is_each_commands_max_time_ms,
            needs = [MongoDb]
        ),
    ]
}

/// A SecantusDB server of one test, stopped when dropped.
pub(crate) struct Server {
    child: Child,
    port: u16,
    dir: tempfile::TempDir,
}

impl Server {
    pub(crate) fn start() -> Server {
        let port = free_port();
        let child = Command::new(secantusd())
            .args(["--port", &port.to_string(), "--storage-path", ":memory:"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", secantusd()));
        let server = Server {
            child,
            port,
            dir: tempfile::tempdir().unwrap(),
        };
        // Ready when it accepts connections (the server has no readiness signal of its own).
        let started = Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                started.elapsed() < Duration::from_secs(60),
                "SecantusDB did not listen on {port} within 60s"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        server
    }

    pub(crate) fn url_of(&self, database: &str) -> String {
        format!("mongodb://127.0.0.1:{}/{database}", self.port)
    }

    pub(crate) fn url(&self) -> String {
        self.url_of("app")
    }

    fn migrations(&self) -> PathBuf {
        let p = self.dir.path().join("migrations");
        std::fs::create_dir_all(&p).unwrap();
        p
    }

    fn backendctl(&self, dir: &Path, args: &[&str]) -> Backendctl {
        Backendctl::new()
            .args(["migrate", "-D", &self.url(), "--dir"])
            .arg(dir)
            .args(args)
    }

    fn migrate(&self, dir: &Path, args: &[&str]) -> Output {
        self.backendctl(dir, args).run()
    }

    /// `migrate ARGS` on `dir`, which must exit with `code`.
    fn migrate_exits(&self, dir: &Path, args: &[&str], code: u8) -> Output {
        self.migrate(dir, args).assert_status(code)
    }

    /// `migrate status` on `dir`, which must exit with `code`.
    fn status_exits(&self, dir: &Path, code: u8) -> Output {
        self.migrate_exits(dir, &["status"], code)
    }

    /// `migrate ARGS` (an `up`) on `dir`, which must succeed applying `n` migrations.
    fn applies(&self, dir: &Path, args: &[&str], n: usize) -> Output {
        self.migrate_exits(dir, args, exit_code::OK)
            .stdout_contains(&format!("applied {n} migration(s)"))
    }

    /// Runs `work` with a driver connected to the test database.
    fn with_db<T>(&self, work: impl AsyncFnOnce(mongodb::Database) -> T) -> T {
        self.with_database("app", work)
    }

    /// Runs `work` with a driver connected to `database`.
    fn with_database<T>(
        &self,
        database: &str,
        work: impl AsyncFnOnce(mongodb::Database) -> T,
    ) -> T {
        let url = self.url_of(database);
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
            .block_on(async move {
                let client = mongodb::Client::with_uri_str(&url).await.unwrap();
                work(client.database(database)).await
            })
    }

    fn count(&self, collection: &str, filter: Document) -> u64 {
        self.with_db(async |db| {
            db.collection::<Document>(collection)
                .count_documents(filter)
                .await
                .unwrap()
        })
    }

    fn collections(&self) -> Vec<String> {
        self.collections_of("app")
    }

    /// The collections of `database`.
    pub(crate) fn collections_of(&self, database: &str) -> Vec<String> {
        self.with_database(database, async |db| {
            db.list_collection_names().await.unwrap()
        })
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn history(server: &Server) -> Vec<Document> {
    server.with_db(async |db| {
        use futures_util::TryStreamExt as _;
        db.collection::<Document>("backendctl_migrations")
            .find(doc! {})
            .await
            .unwrap()
            .try_collect()
            .await
            .unwrap()
    })
}

fn new_up_status_down_on_mongodb() {
    let server = Server::start();
    let m = server.migrations();
    server
        .migrate_exits(&m, &["new", "create users"], exit_code::OK)
        .stdout_contains("0001_create_users.up.json");
    assert_eq!(
        std::fs::read_to_string(m.join("0001_create_users.down.json")).unwrap(),
        "[\n]\n"
    );
    write(
        &m,
        &[
            (
                "0001_create_users.up.json",
                r#"[{"create": "users"},
                    {"createIndexes": "users", "indexes": [{"key": {"email": 1}, "name": "email_1", "unique": true}]}]"#,
            ),
            ("0001_create_users.down.json", r#"[{"drop": "users"}]"#),
            (
                "0002_seed.up.json",
                r#"[{"insert": "users", "documents": [{"_id": {"$oid": "5f1b2c3d4e5f6a7b8c9d0e1f"}, "email": "a@x", "n": {"$numberLong": "1"}}]}]"#,
            ),
            (
                "0002_seed.down.json",
                r#"[{"delete": "users", "deletes": [{"q": {"email": "a@x"}, "limit": 1}]}]"#,
            ),
        ],
    );
    server.status_exits(&m, exit_code::MIGRATIONS_PENDING);
    server.applies(&m, &["up", "--to", "1"], 1);
    assert!(server.collections().contains(&"users".to_string()));
    server
        .migrate_exits(&m, &["up"], exit_code::OK)
        .stdout_contains("applied default/0002_seed");
    assert_eq!(server.count("users", doc! {"email": "a@x"}), 1);
    let status = server
        .migrate_exits(&m, &["status", "--json"], exit_code::OK)
        .json();
    assert_eq!(status["server"]["engine"], "mongodb");
    assert_eq!(status["migrations"].as_array().unwrap().len(), 2);
    let rows = history(&server);
    assert_eq!(rows.len(), 2);
    for row in &rows {
        assert_eq!(row.get_str("state").unwrap(), "applied");
        assert_eq!(row.get_str("checksum").unwrap().len(), 64);
        assert!(row.get_str("applied_by").unwrap().contains('@'));
        assert_eq!(
            row.get_i64("commands_done").unwrap(),
            row.get_i64("commands_total").unwrap()
        );
    }
    server
        .migrate_exits(&m, &["up"], exit_code::OK)
        .stdout_contains("nothing to apply");
    // Down needs confirmation without a terminal.
    server
        .migrate_exits(&m, &["down"], exit_code::ERROR)
        .stderr_contains("--yes");
    server
        .migrate_exits(&m, &["down", "--steps", "1", "--yes"], exit_code::OK)
        .stdout_contains("reverted 1 migration(s)");
    assert_eq!(server.count("users", doc! {}), 0);
    server
        .migrate_exits(&m, &["redo", "--yes"], exit_code::OK)
        .stdout_contains("redid version 1");
    server.migrate_exits(&m, &["down", "--to", "0", "--yes"], exit_code::OK);
    assert!(!server.collections().contains(&"users".to_string()));
    assert!(history(&server).is_empty());
    // The lock is released at the end of every run.
    assert_eq!(server.count("backendctl_migration_lock", doc! {}), 0);
    let dry = server.migrate_exits(&m, &["up", "--dry-run"], exit_code::OK);
    assert!(
        dry.stdout()
            .contains("db.runCommand({\"create\":\"users\"})"),
        "{}",
        dry.stdout()
    );
    assert!(history(&server).is_empty(), "a dry run changes nothing");
}

const N: usize = 30;

fn ten_processes_apply_each_migration_once_mongodb() {
    let server = Server::start();
    let m = server.migrations();
    for i in 1..=N {
        // A double apply inserts a duplicate `_id` into the ledger and fails.
        let up = format!(r#"[{{"insert": "ledger", "documents": [{{"_id": {i}}}]}}]"#);
        std::fs::write(m.join(format!("{i:04}_c{i}.up.json")), up).unwrap();
    }
    let children: Vec<_> = (0..10)
        .map(|_| {
            server
                .backendctl(&m, &["--lock-timeout", "120s", "up"])
                .spawn(Stdio::piped(), Stdio::piped())
        })
        .collect();
    let outputs: Vec<Output> = children
        .into_iter()
        .map(|c| c.wait().assert_status(exit_code::OK))
        .collect();
    let applied: usize = migrations_applied(&outputs);
    assert_eq!(applied, N, "each migration applied exactly once");
    assert_eq!(server.count("ledger", doc! {}), N as u64);
    assert_eq!(history(&server).len(), N);
    assert_eq!(server.count("backendctl_migration_lock", doc! {}), 0);
}

fn failing_command_reports_what_ran_and_resolve_resumes() {
    let server = Server::start();
    let m = server.migrations();
    // `create` runs outside a transaction; the second command fails (an unknown command).
    let broken = r#"[{"create": "orders"},
        {"noSuchCommand": 1},
        {"insert": "orders", "documents": [{"_id": 1}]}]"#;
    write(&m, &[("0001_orders.up.json", broken)]);
    let failed = server.migrate_exits(&m, &["up"], exit_code::ERROR);
    failed
        .stderr_contains("failed at command 2 of 3")
        .stderr_contains("Commands 1 to 1 of 3 ran and were kept")
        .stderr_contains("--resume");
    assert!(server.collections().contains(&"orders".to_string()));
    let row = &history(&server)[0];
    assert_eq!(row.get_str("state").unwrap(), "failed");
    assert_eq!(row.get_i64("commands_done").unwrap(), 1);
    let status = server
        .status_exits(&m, exit_code::ERROR)
        .stdout_contains("failed");
    // A MongoDB migration is made of commands: status counts and advises in commands.
    let dir = regex::escape(&server.dir.path().display().to_string());
    let url = regex::escape(&server.url());
    insta::with_settings!({filters => vec![
        (dir.as_str(), "[tmp]"),
        (url.as_str(), "[url]"),
        (r"\d{4}-\d\d-\d\d[ T]\d\d:\d\d:\d\d(\.\d+)?Z?", "[time]"),
        (r"(?m)  [^ \n]+@[^ \n]+$", "  [actor]"),
        (r"\(code [^)]*\)", "(code [code])"),
    ]}, {
        insta::assert_snapshot!("mongodb-status-failed", status.stdout());
    });
    assert!(
        !status.stdout().contains("statement"),
        "{}",
        status.stdout()
    );
    server
        .migrate_exits(&m, &["up"], exit_code::ERROR)
        .stderr_contains("stopped part-way")
        .stderr_contains("command 1 of 3 ran");
    // Fix the failing command and resume from it.
    let fixed = r#"[{"create": "orders"},
        {"ping": 1},
        {"insert": "orders", "documents": [{"_id": 1}]}]"#;
    write(&m, &[("0001_orders.up.json", fixed)]);
    server.migrate_exits(&m, &["resolve", "1", "--resume"], exit_code::OK);
    assert_eq!(server.count("orders", doc! {}), 1);
    server.status_exits(&m, exit_code::OK);
}

fn transactional_migration_keeps_nothing_on_failure() {
    let server = Server::start();
    let m = server.migrations();
    write(&m, &[("0001_things.up.json", r#"[{"create": "things"}]"#)]);
    server.migrate_exits(&m, &["up"], exit_code::OK);
    // CRUD only: one transaction with its history write. The second insert repeats an `_id`.
    write(
        &m,
        &[(
            "0002_seed.up.json",
            r#"[{"insert": "things", "documents": [{"_id": 1}]},
                {"insert": "things", "documents": [{"_id": 1}]}]"#,
        )],
    );
    let status = server.migrate(&m, &["status", "--json"]).json();
    let transactions = status["server"]["transactions"].as_bool().unwrap();
    let failed = server.migrate_exits(&m, &["up"], exit_code::ERROR);
    let failed = failed.stderr_contains("failed at command 2 of 2");
    if transactions {
        failed.stderr_contains("nothing of it was kept");
        assert_eq!(server.count("things", doc! {}), 0);
        assert_eq!(history(&server).len(), 1);
        server.status_exits(&m, exit_code::MIGRATIONS_PENDING);
    } else {
        assert_eq!(server.count("things", doc! {}), 1);
    }
}

fn drift_is_reported_and_repaired_mongodb() {
    let server = Server::start();
    let m = server.migrations();
    write(&m, &[("0001_a.up.json", "[{\"create\": \"a\"}]\n")]);
    server.migrate_exits(&m, &["up"], exit_code::OK);
    // Line endings and trailing spaces are not drift (the SQL checksum's normalisation).
    write(&m, &[("0001_a.up.json", "[{\"create\": \"a\"}]   \r\n")]);
    server.status_exits(&m, exit_code::OK);
    write(&m, &[("0001_a.up.json", "[{\"create\": \"a2\"}]\n")]);
    server
        .status_exits(&m, exit_code::ERROR)
        .stdout_contains("drifted");
    server
        .migrate_exits(&m, &["up"], exit_code::ERROR)
        .stderr_contains("repair 1");
    server.migrate_exits(&m, &["repair"], exit_code::OK);
    server.status_exits(&m, exit_code::OK);
    let row = &history(&server)[0];
    assert!(row.get_str("repaired_by").is_ok());
}

fn stale_lock_is_taken_over_and_live_lock_names_its_holder() {
    let server = Server::start();
    let m = server.migrations();
    write(&m, &[("0001_a.up.json", "[{\"create\": \"a\"}]")]);
    let lock = |expires_in_ms: i64| {
        server.with_db(async |db| {
            let now = mongodb::bson::DateTime::now();
            let locks = db.collection::<Document>("backendctl_migration_lock");
            locks.delete_many(doc! {}).await.unwrap();
            locks
                .insert_one(doc! {"_id": "lock", "token": "t", "holder": "ghost@elsewhere pid 42",
                    "acquired_at": now,
                    "expires_at": mongodb::bson::DateTime::from_millis(now.timestamp_millis() + expires_in_ms)})
                .await
                .unwrap();
        });
    };
    lock(600_000);
    server
        .migrate_exits(&m, &["--lock-timeout", "1s", "up"], exit_code::ERROR)
        .stderr_contains("ghost@elsewhere pid 42");
    assert_eq!(history(&server).len(), 0);
    lock(-1_000);
    server
        .migrate_exits(&m, &["up"], exit_code::OK)
        .stderr_contains("took over a stale migration lock held by ghost@elsewhere pid 42");
    assert_eq!(history(&server).len(), 1);
    assert_eq!(server.count("backendctl_migration_lock", doc! {}), 0);
}

fn manifest_database_node_plans_and_applies_mongodb() {
    let server = Server::start();
    let root = server.dir.path();
    let m = root.join("db/mongo");
    std::fs::create_dir_all(&m).unwrap();
    write(
        &m,
        &[
            ("1_users.up.json", "[{\"create\": \"users\"}]"),
            ("1_users.down.json", "[{\"drop\": \"users\"}]"),
        ],
    );
    let sql = root.join("db/sql");
    std::fs::create_dir_all(&sql).unwrap();
    write(&sql, &[("0001_t.up.sql", "CREATE TABLE t (id int);\n")]);
    std::fs::write(
        root.join("backend.kdl"),
        format!(
            "backend version=1\ndatabase \"docs\" {{\n    url \"{}\"\n}}\nmigrations \"docs\" {{\n    database \"docs\"\n    path \"db/mongo\"\n}}\ndatabase \"main\" {{\n    url \"sqlite://var/app.db\"\n}}\nmigrations \"main\" {{\n    database \"main\"\n    path \"db/sql\"\n}}\n",
            server.url()
        ),
    )
    .unwrap();
    let plan = Backendctl::new().current_dir(root).args(["plan"]).run();
    let text = plan.text();
    assert!(
        text.contains("MongoDB") && text.contains("transactions"),
        "{text}"
    );
    assert!(text.contains("1_users"), "{text}");
    Backendctl::new()
        .current_dir(root)
        .args(["apply", "--yes"])
        .run()
        .assert_status(exit_code::OK);
    assert!(server.collections().contains(&"users".to_string()));
    Backendctl::new()
        .current_dir(root)
        .args(["migrate", "status", "--migrations", "docs"])
        .run()
        .assert_status(exit_code::OK)
        .stdout_contains("users  applied");
    Backendctl::new()
        .current_dir(root)
        .args(["migrate", "down", "--migrations", "docs", "--yes"])
        .run()
        .assert_status(exit_code::OK);
    assert!(!server.collections().contains(&"users".to_string()));
}

fn golang_migrate_directory_applies_unchanged() {
    let server = Server::start();
    let m = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/migrations/golang-migrate-mongodb");
    server.applies(&m, &["up", "--to", "3"], 3);
    assert_eq!(server.count("accounts", doc! {"status": "active"}), 2);
    // The validator of 001 holds.
    let rejected = server.with_db(async |db| {
        db.collection::<Document>("accounts")
            .insert_one(doc! {"login": 7})
            .await
            .is_err()
    });
    assert!(
        rejected,
        "the $jsonSchema validator rejects a document without email"
    );
    server.applies(&m, &["up"], 1);
    assert_eq!(
        server.count("account_names", doc! {"display": "Ada Lovelace"}),
        1
    );
    server
        .migrate_exits(&m, &["down", "--to", "0", "--yes"], exit_code::OK)
        .stdout_contains("reverted 4 migration(s)");
    let left = server.collections();
    assert!(
        !left.contains(&"accounts".to_string()) && !left.contains(&"account_names".to_string()),
        "{left:?}"
    );
}

fn lint_flags_drops_index_builds_and_unfiltered_writes() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        &[
            (
                "1_x.up.json",
                "[{\"createIndexes\": \"a\", \"indexes\": [{\"key\": {\"k\": 1}, \"name\": \"k\"}]},\n {\"update\": \"a\", \"updates\": [{\"q\": {}, \"u\": {\"$set\": {\"x\": 1}}, \"multi\": true}]},\n {\"drop\": \"b\"}]",
            ),
            (
                "2_y.up.json",
                "[{\"createIndexes\": \"a\", \"comment\": \"a holds 300 documents\", \"indexes\": [{\"key\": {\"j\": 1}, \"name\": \"j\"}]}]",
            ),
        ],
    );
    let out = Backendctl::new()
        .args(["migrate", "--dir"])
        .arg(dir.path())
        .args(["-D", "mongodb://127.0.0.1:1/app", "lint"])
        .run()
        .assert_status(exit_code::LINT_FINDINGS);
    out.stdout_contains("1_x.up.json:1: warning[mongodb-index-build-without-comment]")
        .stdout_contains("1_x.up.json:2: warning[mongodb-write-without-filter]")
        .stdout_contains("1_x.up.json:3: warning[mongodb-drop-without-down]")
        .stdout_contains("3 finding(s)")
        .stdout_lacks("2_y");
}

const COMMANDS: usize = 400;

fn kill_9_mid_migration_leaves_progress_and_a_stale_lock() {
    let server = Server::start();
    let m = server.migrations();
    // `create` makes it run command by command; the upserts are idempotent, so the command in
    // flight when the process dies may run again on `resume`.
    let mut commands = vec![r#"{"create": "marks"}"#.to_string()];
    for i in 1..=COMMANDS {
        commands.push(format!(
            r#"{{"update": "marks", "updates": [{{"q": {{"_id": {i}}}, "u": {{"$set": {{"n": {i}}}}}, "upsert": true}}]}}"#
        ));
    }
    write(
        &m,
        &[("0001_marks.up.json", &format!("[{}]", commands.join(",\n")))],
    );
    let mut child = server
        .backendctl(&m, &["up"])
        .spawn(Stdio::null(), Stdio::null());
    let pid = child.child().id();
    let started = Instant::now();
    loop {
        let done = history(&server)
            .first()
            .and_then(|row| row.get_i64("commands_done").ok())
            .unwrap_or(0);
        if done >= 5 {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "the run made no progress"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    child.child().kill().unwrap();
    child.wait();
    let row = &history(&server)[0];
    assert_eq!(row.get_str("state").unwrap(), "running");
    let done = row.get_i64("commands_done").unwrap();
    assert!(done >= 5 && done < (COMMANDS + 1) as i64, "{done}");
    // The dead run's process is gone from this machine: its lock holds no one, and status
    // names the migration as stopped part-way.
    server
        .status_exits(&m, exit_code::ERROR)
        .stdout_contains("failed");
    // The next run takes the dead run's lock over, naming it, and refuses.
    server
        .migrate_exits(&m, &["--lock-timeout", "5s", "up"], exit_code::ERROR)
        .stderr_contains("took over a stale migration lock held by ")
        .stderr_contains(&format!("pid {pid}"))
        .stderr_contains("stopped part-way");
    server.migrate_exits(&m, &["resolve", "1", "--resume"], exit_code::OK);
    assert_eq!(server.count("marks", doc! {}), COMMANDS as u64);
    server.status_exits(&m, exit_code::OK);
}

/// Three `create` migrations, `0001_a` … `0003_c` (or with `versions`' numbers).
fn three_creates(m: &Path, versions: [&str; 3]) {
    let files: Vec<(String, String)> = versions
        .iter()
        .zip(["a", "b", "c"])
        .flat_map(|(v, name)| {
            [
                (
                    format!("{v}_{name}.up.json"),
                    format!("[{{\"create\": \"{name}\"}}]"),
                ),
                (
                    format!("{v}_{name}.down.json"),
                    format!("[{{\"drop\": \"{name}\"}}]"),
                ),
            ]
        })
        .collect();
    let files: Vec<(&str, &str)> = files
        .iter()
        .map(|(f, c)| (f.as_str(), c.as_str()))
        .collect();
    write(m, &files);
}

fn insert(server: &Server, collection: &str, documents: Vec<Document>) {
    server.with_db(async |db| {
        db.collection::<Document>(collection)
            .insert_many(documents)
            .await
            .unwrap();
    });
}

fn baseline_counts_versions_as_applied_mongodb() {
    let server = Server::start();
    let m = server.migrations();
    three_creates(&m, ["0001", "0002", "0003"]);
    server
        .migrate_exits(&m, &["baseline", "2"], exit_code::OK)
        .stdout_contains("versions up to 2 count as applied");
    let rows = history(&server);
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].get_str("state").unwrap(), "baseline");
    server.status_exits(&m, exit_code::MIGRATIONS_PENDING);
    server.applies(&m, &["up"], 1);
    // Only the migration above the baseline ran.
    let collections = server.collections();
    assert!(collections.contains(&"c".to_string()));
    assert!(!collections.contains(&"a".to_string()) && !collections.contains(&"b".to_string()));
    server.status_exits(&m, exit_code::OK);
    server
        .migrate_exits(&m, &["baseline", "3"], exit_code::ERROR)
        .stderr_contains("already has history");
}

fn baseline_from_golang_migrate_adopts_its_version_mongodb() {
    let server = Server::start();
    let m = server.migrations();
    three_creates(&m, ["1", "2", "3"]);
    // golang-migrate's MongoDB driver keeps one document; Go's driver writes an `int` that fits
    // in 32 bits as an int32. A dirty database is refused.
    insert(
        &server,
        "schema_migrations",
        vec![doc! {"version": 2_i32, "dirty": true}],
    );
    server
        .migrate_exits(
            &m,
            &["baseline", "--from", "golang-migrate"],
            exit_code::ERROR,
        )
        .stderr_contains("2 (dirty)");
    assert!(history(&server).is_empty());
    server.with_db(async |db| {
        db.collection::<Document>("schema_migrations")
            .update_one(doc! {}, doc! {"$set": {"dirty": false}})
            .await
            .unwrap();
    });
    // Found without --from: the one other tool's collection there.
    server
        .migrate_exits(&m, &["baseline"], exit_code::OK)
        .stdout_contains("found golang-migrate's schema_migrations")
        .stdout_contains(
            "adopted 2 migration(s) of default from golang-migrate's schema_migrations (1, 2)",
        );
    let rows = history(&server);
    assert_eq!(rows.len(), 2);
    for row in &rows {
        assert_eq!(row.get_str("state").unwrap(), "adopted");
        assert_eq!(row.get_str("tool_version").unwrap(), "golang-migrate");
    }
    server.applies(&m, &["up"], 1);
    let collections = server.collections();
    assert!(collections.contains(&"c".to_string()));
    assert!(
        !collections.contains(&"a".to_string()),
        "adopted migrations do not run"
    );
}

fn baseline_from_migrate_mongo_adopts_its_changelog() {
    let server = Server::start();
    let m = server.migrations();
    three_creates(&m, ["20240101000000", "20240102000000", "20240103000000"]);
    // migrate-mongo's changelog, as its `up` writes it: one document per applied file.
    let applied_at = mongodb::bson::DateTime::now();
    insert(
        &server,
        "changelog",
        vec![
            doc! {"fileName": "20240101000000-a.js", "appliedAt": applied_at, "migrationBlock": 1_704_067_200_000_i64},
            doc! {"fileName": "20240102000000-b.js", "appliedAt": applied_at, "migrationBlock": 1_704_067_200_000_i64},
        ],
    );
    // With golang-migrate's collection there too, the tool must be named.
    insert(
        &server,
        "schema_migrations",
        vec![doc! {"version": 20_240_101_000_000_i64, "dirty": false}],
    );
    server
        .migrate_exits(&m, &["baseline"], exit_code::ERROR)
        .stderr_contains("golang-migrate|migrate-mongo");
    server.migrate_exits(&m, &["baseline", "--from", "migrate-mongo"], exit_code::OK)
        .stdout_contains("adopted 2 migration(s) of default from migrate-mongo's changelog (20240101000000, 20240102000000)");
    let rows = history(&server);
    assert_eq!(rows.len(), 2);
    assert!(
        rows.iter()
            .all(|r| r.get_str("tool_version").unwrap() == "migrate-mongo")
    );
    server
        .status_exits(&m, exit_code::MIGRATIONS_PENDING)
        .stdout_contains("adopted");
    server.applies(&m, &["up"], 1);
}

/// `--statement-timeout` becomes `maxTimeMS` on the commands that take it, and the server stops a
/// command that runs longer; `--session-sql` has no meaning on MongoDB and is refused.
fn statement_timeout_is_each_commands_max_time_ms() {
    let server = Server::start();
    let m = server.migrations();
    let documents: Vec<String> = (0..20_000)
        .map(|i| {
            format!(
                "{{\"_id\": {i}, \"v\": {}, \"s\": \"xxxxxxxxxxxxxxxxxxxx\"}}",
                i % 97
            )
        })
        .collect();
    let fill = format!(
        "[{{\"create\": \"big\"}}, {{\"insert\": \"big\", \"documents\": [{}]}}]",
        documents.join(",")
    );
    let slow = r#"[{"aggregate": "big", "pipeline": [{"$group": {"_id": "$v", "n": {"$sum": 1}}}, {"$sort": {"n": -1}}], "cursor": {}},
                   {"insert": "done", "documents": [{"_id": 1}]}]"#;
    write(
        &m,
        &[
            ("0001_fill.up.json", fill.as_str()),
            ("0002_slow.up.json", slow),
        ],
    );
    let dry = server.migrate_exits(
        &m,
        &["--statement-timeout", "30s", "up", "--dry-run"],
        exit_code::OK,
    );
    assert!(
        dry.stdout().contains(r#"db.runCommand({"create":"big"})"#),
        "{}",
        dry.stdout()
    );
    assert!(
        dry.stdout().contains(r#""maxTimeMS":30000"#),
        "{}",
        dry.stdout()
    );
    server.migrate_exits(&m, &["up", "--to", "1"], exit_code::OK);
    server
        .migrate_exits(&m, &["--statement-timeout", "1ms", "up"], exit_code::ERROR)
        .stderr_contains("failed at command 1 of 2")
        .stderr_contains("MaxTimeMSExpired");
    assert_eq!(server.count("done", doc! {}), 0);
    // `0s` lifts the limit.
    server.applies(&m, &["--statement-timeout", "0s", "up"], 1);
    server
        .migrate_exits(
            &m,
            &["--session-sql", "SET x = 1", "status"],
            exit_code::USAGE,
        )
        .stderr_contains("session-sql-on-mongodb");
}
