//! Shared helpers for the migration tests: a fresh database per test on real servers.
//!
//! Server URLs (admin connections that may CREATE DATABASE):
//! - `BACKENDCTL_TEST_POSTGRES_URL`, default `postgres://postgres@127.0.0.1:5432/postgres`
//! - `BACKENDCTL_TEST_MYSQL_URL`, default `mysql://root@127.0.0.1:3306/mysql`
//!
//! A test that uses a server is registered with `needs = [Postgres]` or `needs = [MariaDb]`
//! (`per_engine!` does it for the three engines): the harness ignores it when the server does not
//! answer, except under `CI=true`, where it fails. CI must not pass by skipping.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use crate::binary::{Backendctl, Output};
use crate::harness::{Requirement, server_url};
use sqlx::{AssertSqlSafe, Connection};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Postgres,
    MySql,
    Sqlite,
}

impl Kind {
    /// The server a test on this engine needs (SQLite needs none).
    pub(crate) fn requirement(self) -> Option<Requirement> {
        match self {
            Self::Postgres => Some(Requirement::Postgres),
            Self::MySql => Some(Requirement::MariaDb),
            Self::Sqlite => None,
        }
    }
}

/// Registers `$test(kind: Kind)` three times, as `$test::postgres`, `$test::mariadb` and
/// `$test::sqlite`, each needing its server.
macro_rules! per_engine {
    ($test:ident) => {
        [
            ("postgres", $crate::migrate_support::Kind::Postgres),
            ("mariadb", $crate::migrate_support::Kind::MySql),
            ("sqlite", $crate::migrate_support::Kind::Sqlite),
        ]
        .map(|(engine, kind)| {
            $crate::harness::Test::new(
                module_path!(),
                &format!("{}::{engine}", stringify!($test)),
                move || $test(kind),
            )
            .needs(kind.requirement().as_slice())
        })
    };
}
pub(crate) use per_engine;

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
pub(crate) struct TestDb {
    pub(crate) kind: Kind,
    pub(crate) url: String,
    admin: String,
    name: String,
    pub(crate) dir: tempfile::TempDir,
}

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

/// `bctl_<test>_<pid>_<n>`: unique per process and call.
fn unique_name(test: &str) -> String {
    let n = COUNTER.fetch_add(1, Ordering::SeqCst);
    format!(
        "bctl_{}_{}_{n}",
        test.chars()
            .filter(char::is_ascii_alphanumeric)
            .take(30)
            .collect::<String>(),
        std::process::id()
    )
}

/// The server's address (`host:port`) of an engine's admin URL.
pub(crate) fn server_address(kind: Kind) -> String {
    let url = url::Url::parse(&admin_url(kind)).unwrap();
    format!(
        "{}:{}",
        url.host_str().unwrap(),
        url.port()
            .unwrap_or(if kind == Kind::Postgres { 5432 } else { 3306 })
    )
}

fn admin_url(kind: Kind) -> String {
    match kind {
        Kind::Postgres => server_url("BACKENDCTL_TEST_POSTGRES_URL"),
        Kind::MySql => server_url("BACKENDCTL_TEST_MYSQL_URL"),
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
    /// A uniquely named database that does not exist yet, on a server engine (dropped at the end
    /// if something created it).
    pub(crate) fn unborn(kind: Kind, test: &str) -> TestDb {
        assert_ne!(kind, Kind::Sqlite, "a server database");
        let name = unique_name(test);
        let admin = admin_url(kind);
        TestDb {
            kind,
            url: with_db(&admin, &name),
            admin,
            name,
            dir: tempfile::tempdir().unwrap(),
        }
    }

    /// The database's name on its server.
    pub(crate) fn name(&self) -> &str {
        &self.name
    }

    /// A fresh, empty database (the harness checked that its server answers).
    pub(crate) fn new(kind: Kind, test: &str) -> TestDb {
        let dir = tempfile::tempdir().unwrap();
        let name = unique_name(test);
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
                    panic!("cannot create a {kind:?} test database: {e}");
                }
                with_db(&admin, &name)
            }
        };
        TestDb {
            kind,
            url,
            admin,
            name,
            dir,
        }
    }

    /// A migrations directory inside the test's temp dir.
    pub(crate) fn migrations(&self, sub: &str) -> PathBuf {
        let p = self.dir.path().join(sub);
        std::fs::create_dir_all(&p).unwrap();
        p
    }

    /// `backendctl migrate -D URL --dir DIR ARGS…`, run.
    pub(crate) fn migrate(&self, dir: &Path, args: &[&str]) -> Output {
        self.backendctl(dir, args).run()
    }

    /// `backendctl migrate -D URL --dir DIR ARGS…`, to run or spawn.
    pub(crate) fn backendctl(&self, dir: &Path, args: &[&str]) -> Backendctl {
        Backendctl::new()
            .args(["migrate", "-D", &self.url, "--dir"])
            .arg(dir)
            .args(args)
    }

    /// One integer from a query.
    pub(crate) fn scalar(&self, sql: &str) -> i64 {
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

    /// Runs statements on the test database (creating a SQLite file that does not exist yet).
    pub(crate) fn exec(&self, sql: &str) {
        let sql = sql.to_string();
        let url = if self.kind == Kind::Sqlite {
            format!("{}?mode=rwc", self.url)
        } else {
            self.url.clone()
        };
        rt().block_on(async move {
            with_connection!(self.kind, &url, |c| {
                sqlx::raw_sql(AssertSqlSafe(sql))
                    .execute(&mut c)
                    .await
                    .unwrap();
            });
        });
    }

    /// Whether a table exists.
    pub(crate) fn has_table(&self, table: &str) -> bool {
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
    pub(crate) fn history(&self) -> i64 {
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

/// The diagnostic as one line: miette's wrapping and gutter removed.
/// How many migrations `migrate up` runs applied, over all their outputs (each prints one
/// `applied default/…` line per migration it ran).
pub(crate) fn migrations_applied(outputs: &[Output]) -> usize {
    outputs
        .iter()
        .map(|o| {
            o.text()
                .lines()
                .filter(|l| l.starts_with("applied default/"))
                .count()
        })
        .sum()
}

pub(crate) fn flat(text: &str) -> String {
    text.replace('│', " ")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// Writes `files` (name, content) into `dir`.
pub(crate) fn write(dir: &Path, files: &[(&str, &str)]) {
    for (n, t) in files {
        std::fs::write(dir.join(n), t).unwrap();
    }
}
