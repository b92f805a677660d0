//! MySQL/MariaDB: `GET_LOCK` on the migration connection, and statement-by-statement execution
//! with progress, because DDL commits on its own.
//!
//! Each statement travels in one round trip with the history update that records it:
//! `START TRANSACTION; <statement>; UPDATE history …; COMMIT`. A DML statement and its progress
//! commit together; a DDL statement commits itself (implicitly) and the update commits right
//! after. The number of results the server returned before an error says exactly whether the
//! statement or the bookkeeping failed.

use std::str::FromStr;
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use sha2::{Digest, Sha256};
use sqlx::mysql::{MySqlConnectOptions, MySqlConnection};
use sqlx::{AssertSqlSafe, Connection, Either, Executor};

use super::ExecFailure;
use crate::migrate::error::{MigrateError, db_error};
use crate::migrate::history::TABLE;
use crate::migrate::url::DbUrl;

/// Connection id, user, host, seconds in state, current statement.
type HolderRow = (i64, String, String, i64, String);

pub(crate) struct MySql {
    conn: MySqlConnection,
    pub(crate) url: DbUrl,
    lock: Option<String>,
    /// The server's connection id of this session.
    pub(crate) id: i64,
    /// The session's statement limit.
    statement: Option<Duration>,
}

impl MySql {
    /// Connects; `statement` becomes the session's `max_statement_time` (MariaDB), or
    /// `max_execution_time` (MySQL, which limits SELECT only).
    pub(crate) async fn connect(
        url: &DbUrl,
        statement: Option<Duration>,
    ) -> Result<MySql, MigrateError> {
        let masked = url.masked();
        // Keep the server's sql_mode and time zone: migrations must mean what they mean in the
        // mysql client (sqlx would add PIPES_AS_CONCAT and force UTC).
        let opts = MySqlConnectOptions::from_str(&url.raw)
            .map_err(|e| db_error(&masked, &e))?
            .pipes_as_concat(false)
            .no_engine_substitution(false)
            .timezone(None);
        let mut conn = MySqlConnection::connect_with(&opts)
            .await
            .map_err(|e| super::connect_error(url, &e))?;
        conn.execute("SET autocommit = 1")
            .await
            .map_err(|e| db_error(&masked, &e))?;
        if let Some(limit) = statement {
            let set = format!("SET SESSION max_statement_time = {}", limit.as_secs_f64());
            if conn.execute(AssertSqlSafe(set)).await.is_err() {
                let set = format!("SET SESSION max_execution_time = {}", limit.as_millis());
                let _ = conn.execute(AssertSqlSafe(set)).await;
            }
        }
        // For the liveness check (the processlist's ID).
        let id: u64 = sqlx::query_scalar("SELECT CONNECTION_ID()")
            .fetch_one(&mut conn)
            .await
            .map_err(|e| db_error(&masked, &e))?;
        Ok(MySql {
            conn,
            url: url.clone(),
            lock: None,
            id: i64::try_from(id).unwrap_or(i64::MAX),
            statement,
        })
    }

    pub(crate) async fn lock(
        &mut self,
        timeout: Duration,
        waiting: &mut dyn FnMut(&str),
    ) -> Result<(), MigrateError> {
        let masked = self.url.masked();
        let db: Option<String> = sqlx::query_scalar("SELECT DATABASE()")
            .fetch_one(&mut self.conn)
            .await
            .map_err(|e| db_error(&masked, &e))?;
        let Some(db) = db else {
            return Err(MigrateError::NoDatabaseName { url: masked });
        };
        // GET_LOCK names are at most 64 characters.
        let name = format!(
            "backendctl_migrate_{}",
            &hex::encode(Sha256::digest(db.as_bytes()))[..32]
        );
        let start = Instant::now();
        let mut last_report: Option<Instant> = None;
        loop {
            let remaining = timeout.saturating_sub(start.elapsed());
            // Each GET_LOCK call waits server-side; under the statement limit, or the server
            // would cancel the wait itself.
            let most = self
                .statement
                .filter(|s| !s.is_zero())
                .map_or(Duration::from_secs(5), |s| {
                    (s / 2).min(Duration::from_secs(5))
                });
            let wait = remaining.min(most).as_secs_f64();
            let got: Option<i64> = sqlx::query_scalar("SELECT GET_LOCK(?, ?)")
                .bind(&name)
                .bind(wait)
                .fetch_one(&mut self.conn)
                .await
                .map_err(|e| db_error(&masked, &e))?;
            if got == Some(1) {
                self.lock = Some(name);
                return Ok(());
            }
            let holder = self.holder(&name).await;
            if start.elapsed() >= timeout {
                return Err(MigrateError::LockTimeout {
                    waited: format!("{}s", timeout.as_secs()),
                    lock: format!("database {db}"),
                    holder,
                    remedy: ", or end it with KILL <id> if it is stuck",
                });
            }
            if last_report.is_none_or(|t| t.elapsed() >= Duration::from_secs(5)) {
                waiting(&format!(
                    "waiting for the migration lock of database {db}, held by {holder}"
                ));
                last_report = Some(Instant::now());
            }
            if wait == 0.0 {
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
    }

    async fn holder(&mut self, name: &str) -> String {
        let row: Result<Option<HolderRow>, _> = sqlx::query_as(
            "SELECT CAST(p.ID AS SIGNED), p.USER, p.HOST, CAST(p.TIME AS SIGNED), COALESCE(LEFT(p.INFO, 120), '') \
             FROM information_schema.PROCESSLIST p WHERE p.ID = IS_USED_LOCK(?)",
        )
        .bind(name)
        .fetch_optional(&mut self.conn)
        .await;
        match row {
            Ok(Some((id, user, host, secs, info))) => format!(
                "connection {id} (user {user} from {host}, {secs}s in its current state; running: {})",
                if info.is_empty() {
                    "nothing right now".to_string()
                } else {
                    info.split_whitespace().collect::<Vec<_>>().join(" ")
                }
            ),
            _ => "another session".to_string(),
        }
    }

    pub(crate) async fn unlock(&mut self) -> Result<(), MigrateError> {
        if let Some(name) = self.lock.take() {
            sqlx::query("SELECT RELEASE_LOCK(?)")
                .bind(name)
                .execute(&mut self.conn)
                .await
                .map_err(|e| db_error(&self.url.masked(), &e))?;
        }
        Ok(())
    }

    pub(crate) async fn history_exists(&mut self) -> Result<bool, MigrateError> {
        sqlx::query_scalar::<_, i64>(
            "SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ?",
        )
        .bind(TABLE)
        .fetch_one(&mut self.conn)
        .await
        .map(|n| n > 0)
        .map_err(|e| db_error(&self.url.masked(), &e))
    }

    pub(crate) async fn query_json(&mut self, sql: &str) -> Result<String, MigrateError> {
        super::query_json(&mut self.conn, &self.url, sql).await
    }

    pub(crate) async fn exec(&mut self, sql: &str) -> Result<(), ExecFailure> {
        match self.exec_counted(sql).await {
            (_, Ok(())) => Ok(()),
            (_, Err(e)) => Err(e),
        }
    }

    /// Runs a multi-statement batch and counts the statements that completed before an error.
    /// On error, any open transaction is rolled back.
    pub(crate) async fn exec_counted(&mut self, sql: &str) -> (usize, Result<(), ExecFailure>) {
        let mut done = 0;
        let mut failure = None;
        {
            let mut stream = sqlx::raw_sql(AssertSqlSafe(sql)).fetch_many(&mut self.conn);
            while let Some(item) = stream.next().await {
                match item {
                    Ok(Either::Left(_)) => done += 1,
                    Ok(Either::Right(_)) => {}
                    Err(e) => {
                        failure = Some(ExecFailure::from_sqlx(&e));
                        break;
                    }
                }
            }
        }
        match failure {
            None => (done, Ok(())),
            Some(f) => {
                // A failed batch stops where it failed: undo its open transaction and restore
                // autocommit, which a statement batch turns off (nothing to do on a lost one).
                if !f.lost {
                    let _ = self.conn.execute("ROLLBACK").await;
                    let _ = self.conn.execute("SET autocommit = 1").await;
                }
                (done, Err(f))
            }
        }
    }

    pub(crate) async fn close(self) {
        let _ = self.conn.close().await;
    }
}
