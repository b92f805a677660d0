//! One connection per run, per engine.
//!
//! The engine holds a single dedicated connection for the whole run: the lock is taken on it,
//! every migration runs on it, and it is closed at the end, which releases the lock even when the
//! process is killed (PostgreSQL advisory locks and MySQL `GET_LOCK` die with the session; the
//! SQLite lock is an OS file lock that dies with the process). Holding the lock on the same
//! session that runs the migrations matters: a lock on a second connection would be released the
//! moment a killed client's sockets close, while the server may still be executing the first
//! connection's statement.

mod liveness;
mod mysql;
mod postgres;
mod sqlite;

use std::time::Duration;

use liveness::{Stall, Watch};

use super::deadlines::{Deadlines, show};
use super::dialect::Dialect;
use super::error::MigrateError;
use super::history::HistoryRow;
use super::url::DbUrl;

/// A statement that failed, as the server reported it.
#[derive(Debug, Clone)]
pub(crate) struct ExecFailure {
    pub(crate) message: String,
    /// 0-based character offset of the error in the text that was sent, when the server says.
    pub(crate) position: Option<usize>,
    /// 0-based number of the failing statement among the statements of the text that was sent,
    /// when the driver counted them (SQLite, which gives no offset).
    pub(crate) statement: Option<usize>,
    /// The connection was lost (I/O error, reset, the session ended, no answer) rather than the
    /// server rejecting the statement: whether the statement took effect is unknown.
    pub(crate) lost: bool,
}

impl ExecFailure {
    pub(crate) fn from_sqlx(e: &sqlx::Error) -> ExecFailure {
        let position = match e {
            sqlx::Error::Database(db) => db
                .try_downcast_ref::<sqlx::postgres::PgDatabaseError>()
                .and_then(|pg| match pg.position() {
                    Some(sqlx::postgres::PgErrorPosition::Original(p)) => Some(p.saturating_sub(1)),
                    _ => None,
                }),
            _ => None,
        };
        let message = match e {
            sqlx::Error::Database(db) => match db.code() {
                Some(code) => format!("{} (code {code})", db.message()),
                None => db.message().to_string(),
            },
            other => other.to_string(),
        };
        ExecFailure {
            message,
            position,
            statement: None,
            lost: is_lost(e),
        }
    }
}

/// Whether `e` means the connection is gone rather than a statement rejected: an I/O or protocol
/// error, or a server message that it is ending the session (PostgreSQL class 08 and 57P01–03,
/// `pg_terminate_backend`; MySQL/MariaDB 1927 "connection was killed", 1053 shutdown, and the
/// client codes 2006/2013).
fn is_lost(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::Io(_) | sqlx::Error::Protocol(_) | sqlx::Error::Tls(_) => true,
        sqlx::Error::Database(db) => {
            let code = db.code().unwrap_or_default();
            if db
                .try_downcast_ref::<sqlx::postgres::PgDatabaseError>()
                .is_some()
            {
                code.starts_with("08") || matches!(code.as_ref(), "57P01" | "57P02" | "57P03")
            } else {
                let number = db
                    .try_downcast_ref::<sqlx::mysql::MySqlDatabaseError>()
                    .map(sqlx::mysql::MySqlDatabaseError::number);
                matches!(number, Some(1927 | 1053 | 2006 | 2013))
            }
        }
        _ => false,
    }
}

/// The error of a failed connect: a database the server does not have is
/// [`MigrateError::DatabaseMissing`], with the command that creates it; anything else is a
/// database error.
pub(super) fn connect_error(url: &DbUrl, e: &sqlx::Error) -> MigrateError {
    let missing = match e {
        sqlx::Error::Database(db) => {
            db.code().as_deref() == Some("3D000")
                || db
                    .try_downcast_ref::<sqlx::mysql::MySqlDatabaseError>()
                    .is_some_and(|my| my.number() == 1049)
        }
        _ => false,
    };
    match url.server_database() {
        Some(db) if missing => MigrateError::DatabaseMissing {
            url: url.masked(),
            engine: url.dialect.to_string(),
            how: format!("create it: `{}`", db.create_command),
            name: db.name,
            create_command: db.create_command,
        },
        _ => super::error::db_error(&url.masked(), e),
    }
}

/// Creates the server database `url` names, through the server's maintenance database
/// (PostgreSQL: `postgres`; MySQL/MariaDB: none). A database that another run created meanwhile
/// is not an error.
pub(crate) async fn create_database(url: &DbUrl, deadlines: Deadlines) -> Result<(), MigrateError> {
    let Some(db) = url.server_database() else {
        return Ok(());
    };
    let sql = match url.dialect {
        Dialect::Postgres => format!("CREATE DATABASE \"{}\"", db.name.replace('"', "\"\"")),
        _ => format!(
            "CREATE DATABASE IF NOT EXISTS `{}`",
            db.name.replace('`', "``")
        ),
    };
    let mut conn = Conn::connect(&db.maintenance, deadlines, None).await?;
    let created = conn.exec(&sql).await;
    conn.close().await;
    match created {
        // 42P04: duplicate_database.
        Err(f) if !f.message.contains("(code 42P04)") => Err(MigrateError::Database {
            url: url.masked(),
            message: format!("cannot create database `{}`: {}", db.name, f.message),
        }),
        _ => Ok(()),
    }
}

/// Runs `sql` and counts its statements that completed before an error: PostgreSQL (simple query
/// protocol) and SQLite report each statement's completion, though not always where an error
/// is (issue 12). The failure's `statement` is the count, shifted by `skip` statements sent
/// before the ones it is about.
async fn exec_counting<'c, E>(conn: E, sql: &'c str, skip: usize) -> Result<(), ExecFailure>
where
    E: sqlx::Executor<'c>,
{
    use futures_util::StreamExt as _;
    let mut completed: usize = 0;
    let mut results = sqlx::raw_sql(sqlx::AssertSqlSafe(sql)).fetch_many(conn);
    while let Some(result) = results.next().await {
        match result {
            Ok(sqlx::Either::Left(_)) => completed += 1,
            Ok(sqlx::Either::Right(_)) => {}
            Err(e) => {
                let mut f = ExecFailure::from_sqlx(&e);
                f.statement = completed.checked_sub(skip);
                return Err(f);
            }
        }
    }
    Ok(())
}

/// Runs `sql`, which returns one text value (a JSON document built by the server: the history,
/// another tool's history), the same for every engine once the text is in hand.
async fn query_json<'c, E>(conn: E, url: &DbUrl, sql: &str) -> Result<String, MigrateError>
where
    E: sqlx::Executor<'c>,
    (String,): for<'r> sqlx::FromRow<'r, <E::Database as sqlx::Database>::Row>,
    <E::Database as sqlx::Database>::Arguments: sqlx::IntoArguments<E::Database>,
{
    sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
        .fetch_one(conn)
        .await
        .map_err(|e| super::error::db_error(&url.masked(), &e))
}

/// An open connection to one of the supported engines, every round trip bounded by its
/// [`Watch`].
pub(crate) struct Conn {
    session: Session,
    watch: Watch,
}

enum Session {
    Postgres(postgres::Postgres),
    MySql(mysql::MySql),
    Sqlite(sqlite::Sqlite),
}

macro_rules! each {
    ($session:expr, $c:ident => $e:expr) => {
        match $session {
            Session::Postgres($c) => $e,
            Session::MySql($c) => $e,
            Session::Sqlite($c) => $e,
        }
    };
}

/// What an abandoned wait becomes: an engine error naming the wait, or a statement's failure
/// whose outcome is unknown.
trait FromStall {
    fn from_stall(stall: Stall, url: String, waiting_for: &'static str) -> Self;
}

impl FromStall for MigrateError {
    fn from_stall(stall: Stall, url: String, waiting_for: &'static str) -> MigrateError {
        MigrateError::NoAnswer {
            url,
            waiting_for,
            after: show(Duration::from_secs(stall.after.as_secs())),
            reason: stall.reason,
        }
    }
}

impl FromStall for ExecFailure {
    fn from_stall(stall: Stall, _: String, _: &'static str) -> ExecFailure {
        ExecFailure {
            message: format!(
                "no answer after {}: {}",
                show(Duration::from_secs(stall.after.as_secs())),
                stall.reason
            ),
            position: None,
            statement: None,
            lost: true,
        }
    }
}

impl Conn {
    /// Opens the connection and runs the session SQL on it, within the connect timeout.
    pub(crate) async fn connect(
        url: &DbUrl,
        deadlines: Deadlines,
        session_sql: Option<&str>,
    ) -> Result<Conn, MigrateError> {
        let statement = deadlines.statement;
        let opening = async {
            let mut session = match url.dialect {
                Dialect::Postgres => {
                    Session::Postgres(postgres::Postgres::connect(url, statement).await?)
                }
                Dialect::MySql => Session::MySql(mysql::MySql::connect(url, statement).await?),
                Dialect::Sqlite => Session::Sqlite(sqlite::Sqlite::connect(url).await?),
            };
            if let Some(sql) = session_sql {
                each!(&mut session, c => c.exec(sql).await).map_err(|f| {
                    MigrateError::SessionSql {
                        url: url.masked(),
                        sql: sql.to_string(),
                        message: f.message,
                    }
                })?;
            }
            Ok::<_, MigrateError>(session)
        };
        let session = tokio::time::timeout(deadlines.connect, opening)
            .await
            .map_err(|_| MigrateError::ConnectTimeout {
                url: url.masked(),
                after: show(deadlines.connect),
            })??;
        let id = match &session {
            Session::Postgres(c) => Some(c.id),
            Session::MySql(c) => Some(c.id),
            Session::Sqlite(_) => None,
        };
        Ok(Conn {
            session,
            watch: Watch::new(url, id, deadlines, session_sql),
        })
    }

    /// Runs `work` on the session under the liveness check.
    async fn watched<T, E: FromStall>(
        &mut self,
        waiting_for: &'static str,
        work: impl AsyncFnOnce(&mut Session) -> Result<T, E>,
    ) -> Result<T, E> {
        let Conn { session, watch } = self;
        match watch.guard(work(session)).await {
            Ok(result) => result,
            Err(stall) => Err(E::from_stall(stall, watch.url.masked(), waiting_for)),
        }
    }

    pub(crate) fn dialect(&self) -> Dialect {
        self.watch.url.dialect
    }

    /// Takes the database's migration lock, waiting up to `timeout`. `waiting` is called with a
    /// description of the holder when the lock is busy (and again every few seconds).
    pub(crate) async fn lock(
        &mut self,
        timeout: Duration,
        waiting: &mut dyn FnMut(&str),
    ) -> Result<(), MigrateError> {
        self.watched(
            "waiting for the migration lock",
            async |s| each!(s, c => c.lock(timeout, waiting).await),
        )
        .await
    }

    /// Releases the lock (closing the connection also does; a lost connection's lock died with
    /// its session, or dies when its socket closes).
    pub(crate) async fn unlock(&mut self) -> Result<(), MigrateError> {
        if self.watch.lost.is_some() {
            return Ok(());
        }
        self.watched(
            "releasing the migration lock",
            async |s| each!(s, c => c.unlock().await),
        )
        .await
    }

    /// Whether the history table exists.
    pub(crate) async fn history_exists(&mut self) -> Result<bool, MigrateError> {
        self.watched(
            "reading the history table",
            async |s| each!(s, c => c.history_exists().await),
        )
        .await
    }

    /// Creates the history tables if they are missing. Call with the lock held.
    pub(crate) async fn ensure_history(&mut self) -> Result<(), MigrateError> {
        let sql = super::history::create_tables(self.dialect());
        self.exec(&sql).await.map_err(|f| MigrateError::Database {
            url: self.masked_url(),
            message: format!("cannot create the history table: {}", f.message),
        })
    }

    /// Every history row (empty when the table does not exist).
    pub(crate) async fn read_history(&mut self) -> Result<Vec<HistoryRow>, MigrateError> {
        if !self.history_exists().await? {
            return Ok(Vec::new());
        }
        let sql = super::history::select_all(self.dialect());
        let json = self.query_json("reading the history table", &sql).await?;
        super::history::parse_rows(&json).map_err(|message| MigrateError::Database {
            url: self.masked_url(),
            message,
        })
    }

    /// Runs a query that returns one text value (a JSON document built by the server).
    pub(crate) async fn query_json(
        &mut self,
        waiting_for: &'static str,
        sql: &str,
    ) -> Result<String, MigrateError> {
        self.watched(
            waiting_for,
            async |s| each!(s, c => c.query_json(sql).await),
        )
        .await
    }

    /// Runs `sql` (one or more statements) as it is.
    pub(crate) async fn exec(&mut self, sql: &str) -> Result<(), ExecFailure> {
        self.watched(
            "running a statement",
            async |s| each!(s, c => c.exec(sql).await),
        )
        .await
    }

    /// Runs `body` and then `record` in one transaction; on failure nothing is left behind.
    /// Positions in the returned failure are relative to `body`.
    /// `record` receives an SQL expression for the migration's duration in milliseconds.
    pub(crate) async fn run_in_transaction(
        &mut self,
        body: &str,
        record: &dyn Fn(&str) -> String,
    ) -> Result<(), ExecFailure> {
        self.watched("running a migration", async |s| match s {
            Session::Postgres(c) => c.run_in_transaction(body, record).await,
            Session::Sqlite(c) => c.run_in_transaction(body, record).await,
            Session::MySql(_) => {
                unreachable!("MySQL DDL is not transactional; the engine runs it step by step")
            }
        })
        .await
    }

    /// Runs a batch of statements in one round trip and says how many completed before an error.
    pub(crate) async fn exec_counted(&mut self, sql: &str) -> (usize, Result<(), ExecFailure>) {
        let counted = self
            .watched("running a statement", async |s| match s {
                Session::MySql(c) => Ok(c.exec_counted(sql).await),
                other => Ok(match each!(other, c => c.exec(sql).await) {
                    Ok(()) => (usize::MAX, Ok(())),
                    Err(e) => (0, Err(e)),
                }),
            })
            .await;
        // An abandoned wait: how many results arrived is unknown, so none is counted.
        counted.unwrap_or_else(|stall: ExecFailure| (0, Err(stall)))
    }

    pub(crate) fn masked_url(&self) -> String {
        self.watch.url.masked()
    }

    /// Closes the connection (within the connect timeout; a lost one is only dropped).
    pub(crate) async fn close(self) {
        if self.watch.lost.is_some() {
            return;
        }
        let limit = self.watch.deadlines.connect;
        let _ =
            tokio::time::timeout(limit, async { each!(self.session, c => c.close().await) }).await;
    }
}

/// Sleeps between lock attempts: short at first, then up to half a second.
fn backoff(attempt: u32) -> Duration {
    Duration::from_millis((25u64 << attempt.min(5)).min(500))
}
