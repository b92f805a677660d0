//! Shared helpers for the migration tests: a fresh database per test on real servers.
//!
//! Server URLs (admin connections that may CREATE DATABASE):
//! - `BACKENDCTL_TEST_POSTGRES_URL`, default `postgres://postgres@127.0.0.1:5432/postgres`
//! - `BACKENDCTL_TEST_MYSQL_URL`, default `mysql://root@127.0.0.1:3306/mysql`
//!
//! A server that does not answer skips the test with a message, except under `CI=true`, where it
//! fails: CI must not pass by skipping.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicUsize, Ordering};

use sqlx::{AssertSqlSafe, Connection};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Postgres,
    MySql,
    Sqlite,
}

pub const ALL: [Kind; 3] = [Kind::Postgres, Kind::MySql, Kind::Sqlite];

/// Runs `$body` with `$c` bound to a new connection of the engine `$kind` at `$url` (sqlx has one
/// connection type per engine; this is the one place that chooses).
macro_rules! with_connection {
    ($kind:expr, $url:expr, |$c:ident| $body:expr) => {
        match $kind {
            Kind::Postgres => {
                let mut $c = sqlx::PgConnection::connect($url).await.unwrap();
                $body
            }
            Kind::MySql => {
                let mut $c = sqlx::MySqlConnection::connect($url).await.unwrap();
                $body
            }
            Kind::Sqlite => {
                let mut $c = sqlx::SqliteConnection::connect($url).await.unwrap();
                $body
            }
        }
    };
}

static COUNTER: AtomicUsize = AtomicUsize::new(0);

/// A database created for one test (dropped at the end).
pub struct TestDb {
    pub kind: Kind,
    pub url: String,
    admin: String,
    name: String,
    pub dir: tempfile::TempDir,
}

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

fn admin_url(kind: Kind) -> String {
    match kind {
        Kind::Postgres => std::env::var("BACKENDCTL_TEST_POSTGRES_URL")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_string()),
        Kind::MySql => std::env::var("BACKENDCTL_TEST_MYSQL_URL")
            .unwrap_or_else(|_| "mysql://root@127.0.0.1:3306/mysql".to_string()),
        Kind::Sqlite => String::new(),
    }
}

fn with_db(admin: &str, db: &str) -> String {
    let (base, query) = match admin.split_once('?') {
        Some((b, q)) => (b, format!("?{q}")),
        None => (admin, String::new()),
    };
    let scheme_end = base.find("://").map_or(0, |i| i + 3);
    let path_start = base[scheme_end..]
        .find('/')
        .map_or(base.len(), |i| scheme_end + i);
    format!("{}/{db}{query}", &base[..path_start])
}

impl TestDb {
    /// A fresh, empty database, or None when the server is unreachable outside CI.
    pub fn new(kind: Kind, test: &str) -> Option<TestDb> {
        let dir = tempfile::tempdir().unwrap();
        let n = COUNTER.fetch_add(1, Ordering::SeqCst);
        let name = format!(
            "bctl_{}_{}_{n}",
            test.chars()
                .filter(char::is_ascii_alphanumeric)
                .take(30)
                .collect::<String>(),
            std::process::id()
        );
        let admin = admin_url(kind);
        let url = match kind {
            Kind::Sqlite => format!("sqlite://{}/{name}.db", dir.path().display()),
            _ => {
                let created = rt().block_on(async {
                    let sql = match kind {
                        Kind::Postgres => format!("CREATE DATABASE {name}"),
                        _ => format!("CREATE DATABASE {name}"),
                    };
                    match kind {
                        Kind::Postgres => {
                            let mut c = sqlx::PgConnection::connect(&admin).await?;
                            sqlx::raw_sql(AssertSqlSafe(sql)).execute(&mut c).await?;
                        }
                        _ => {
                            let mut c = sqlx::MySqlConnection::connect(&admin).await?;
                            sqlx::raw_sql(AssertSqlSafe(sql)).execute(&mut c).await?;
                        }
                    }
                    Ok::<_, sqlx::Error>(())
                });
                if let Err(e) = created {
                    if std::env::var("CI").is_ok_and(|v| v == "true") {
                        panic!(
                            "{kind:?} test server unreachable in CI ({e}); start it as DEVELOPERS.md says"
                        );
                    }
                    eprintln!("SKIPPED: {kind:?} server unreachable: {e}");
                    return None;
                }
                with_db(&admin, &name)
            }
        };
        Some(TestDb {
            kind,
            url,
            admin,
            name,
            dir,
        })
    }

    /// A migrations directory inside the test's temp dir.
    pub fn migrations(&self, sub: &str) -> PathBuf {
        let p = self.dir.path().join(sub);
        std::fs::create_dir_all(&p).unwrap();
        p
    }

    /// `backendctl migrate -D URL --dir DIR ARGS…`
    pub fn migrate(&self, dir: &Path, args: &[&str]) -> Output {
        self.command(dir, args).output().unwrap()
    }

    pub fn command(&self, dir: &Path, args: &[&str]) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_backendctl"));
        c.arg("migrate")
            .arg("-D")
            .arg(&self.url)
            .arg("--dir")
            .arg(dir)
            .args(args)
            .env_remove("DATABASE_URL");
        c
    }

    /// One integer from a query.
    pub fn scalar(&self, sql: &str) -> i64 {
        let sql = sql.to_string();
        rt().block_on(async move {
            with_connection!(self.kind, &self.url, |c| sqlx::query_scalar::<_, i64>(
                AssertSqlSafe(sql)
            )
            .fetch_one(&mut c)
            .await
            .unwrap())
        })
    }

    /// Runs statements on the test database.
    pub fn exec(&self, sql: &str) {
        let sql = sql.to_string();
        rt().block_on(async move {
            with_connection!(self.kind, &self.url, |c| {
                sqlx::raw_sql(AssertSqlSafe(sql))
                    .execute(&mut c)
                    .await
                    .unwrap();
            });
        });
    }

    /// Whether a table exists.
    pub fn has_table(&self, table: &str) -> bool {
        let sql = match self.kind {
            Kind::Postgres => format!(
                "SELECT count(*)::bigint FROM information_schema.tables WHERE table_schema = 'public' AND table_name = '{table}'"
            ),
            Kind::MySql => format!(
                "SELECT CAST(count(*) AS SIGNED) FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name = '{table}'"
            ),
            Kind::Sqlite => format!(
                "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = '{table}'"
            ),
        };
        self.scalar(&sql) > 0
    }

    /// Rows of the history table for a set (as `version:state:done/total`).
    pub fn history(&self) -> i64 {
        self.scalar("SELECT COUNT(*) FROM backendctl_migrations")
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if self.kind == Kind::Sqlite || std::thread::panicking() {
            return;
        }
        let admin = self.admin.clone();
        let name = self.name.clone();
        let kind = self.kind;
        let _ = rt().block_on(async move {
            match kind {
                Kind::Postgres => {
                    let mut c = sqlx::PgConnection::connect(&admin).await?;
                    sqlx::raw_sql(AssertSqlSafe(format!(
                        "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
                    )))
                    .execute(&mut c)
                    .await?;
                }
                _ => {
                    let mut c = sqlx::MySqlConnection::connect(&admin).await?;
                    sqlx::raw_sql(AssertSqlSafe(format!("DROP DATABASE IF EXISTS {name}")))
                        .execute(&mut c)
                        .await?;
                }
            }
            Ok::<_, sqlx::Error>(())
        });
    }
}

/// Writes `files` (name, content) into `dir`.
pub fn write(dir: &Path, files: &[(&str, &str)]) {
    for (n, t) in files {
        std::fs::write(dir.join(n), t).unwrap();
    }
}

pub fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// Asserts the exit code and returns stdout+stderr.
pub fn expect_code(o: &Output, code: i32) -> String {
    let t = text(o);
    assert_eq!(
        o.status.code(),
        Some(code),
        "unexpected exit code; output:\n{t}"
    );
    t
}
