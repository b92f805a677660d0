//! One connection per run, per engine.
//!
//! The engine holds a single dedicated connection for the whole run: the lock is taken on it,
//! every migration runs on it, and it is closed at the end, which releases the lock even when the
//! process is killed (PostgreSQL advisory locks and MySQL `GET_LOCK` die with the session; the
//! SQLite lock is an OS file lock that dies with the process). Holding the lock on the same
//! session that runs the migrations matters: a lock on a second connection would be released the
//! moment a killed client's sockets close, while the server may still be executing the first
//! connection's statement.

mod mysql;
mod postgres;
mod sqlite;

use std::time::Duration;

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
        ExecFailure { message, position }
    }
}

/// Reads the history with the dialect's `sql`, which returns every row as one JSON text (the
/// same for every engine once the text is in hand).
async fn read_history<'c, E>(
    conn: E,
    url: &DbUrl,
    sql: &str,
) -> Result<Vec<HistoryRow>, MigrateError>
where
    E: sqlx::Executor<'c>,
    (String,): for<'r> sqlx::FromRow<'r, <E::Database as sqlx::Database>::Row>,
    <E::Database as sqlx::Database>::Arguments: sqlx::IntoArguments<E::Database>,
{
    let json: String = sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
        .fetch_one(conn)
        .await
        .map_err(|e| super::error::db_error(&url.masked(), &e))?;
    super::history::parse_rows(&json).map_err(|message| MigrateError::Database {
        url: url.masked(),
        message,
    })
}

/// An open connection to one of the supported engines.
pub(crate) enum Conn {
    Postgres(postgres::Postgres),
    MySql(mysql::MySql),
    Sqlite(sqlite::Sqlite),
}

macro_rules! each {
    ($self:ident, $c:ident => $e:expr) => {
        match $self {
            Conn::Postgres($c) => $e,
            Conn::MySql($c) => $e,
            Conn::Sqlite($c) => $e,
        }
    };
}

impl Conn {
    /// Opens the connection.
    pub(crate) async fn connect(url: &DbUrl) -> Result<Conn, MigrateError> {
        Ok(match url.dialect {
            Dialect::Postgres => Conn::Postgres(postgres::Postgres::connect(url).await?),
            Dialect::MySql => Conn::MySql(mysql::MySql::connect(url).await?),
            Dialect::Sqlite => Conn::Sqlite(sqlite::Sqlite::connect(url).await?),
        })
    }

    pub(crate) fn dialect(&self) -> Dialect {
        match self {
            Conn::Postgres(_) => Dialect::Postgres,
            Conn::MySql(_) => Dialect::MySql,
            Conn::Sqlite(_) => Dialect::Sqlite,
        }
    }

    /// Takes the database's migration lock, waiting up to `timeout`. `waiting` is called with a
    /// description of the holder when the lock is busy (and again every few seconds).
    pub(crate) async fn lock(
        &mut self,
        timeout: Duration,
        waiting: &mut dyn FnMut(&str),
    ) -> Result<(), MigrateError> {
        each!(self, c => c.lock(timeout, waiting).await)
    }

    /// Releases the lock (closing the connection also does).
    pub(crate) async fn unlock(&mut self) -> Result<(), MigrateError> {
        each!(self, c => c.unlock().await)
    }

    /// Whether the history table exists.
    pub(crate) async fn history_exists(&mut self) -> Result<bool, MigrateError> {
        each!(self, c => c.history_exists().await)
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
        each!(self, c => c.read_history(&sql).await)
    }

    /// Runs `sql` (one or more statements) as it is.
    pub(crate) async fn exec(&mut self, sql: &str) -> Result<(), ExecFailure> {
        each!(self, c => c.exec(sql).await)
    }

    /// Runs `body` and then `record` in one transaction; on failure nothing is left behind.
    /// Positions in the returned failure are relative to `body`.
    /// `record` receives an SQL expression for the migration's duration in milliseconds.
    pub(crate) async fn run_in_transaction(
        &mut self,
        body: &str,
        record: &dyn Fn(&str) -> String,
    ) -> Result<(), ExecFailure> {
        match self {
            Conn::Postgres(c) => c.run_in_transaction(body, record).await,
            Conn::Sqlite(c) => c.run_in_transaction(body, record).await,
            Conn::MySql(_) => {
                unreachable!("MySQL DDL is not transactional; the engine runs it step by step")
            }
        }
    }

    /// Runs a batch of statements in one round trip and says how many completed before an error.
    pub(crate) async fn exec_counted(&mut self, sql: &str) -> (usize, Result<(), ExecFailure>) {
        match self {
            Conn::MySql(c) => c.exec_counted(sql).await,
            other => match other.exec(sql).await {
                Ok(()) => (usize::MAX, Ok(())),
                Err(e) => (0, Err(e)),
            },
        }
    }

    pub(crate) fn masked_url(&self) -> String {
        each!(self, c => c.url.masked())
    }

    /// Closes the connection.
    pub(crate) async fn close(self) {
        each!(self, c => c.close().await);
    }
}

/// Sleeps between lock attempts: short at first, then up to half a second.
fn backoff(attempt: u32) -> Duration {
    Duration::from_millis((25u64 << attempt.min(5)).min(500))
}
