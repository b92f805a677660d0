//! PostgreSQL: session advisory lock polled with `pg_try_advisory_lock`, one round trip per
//! migration (`BEGIN; body; history row; COMMIT`).
//!
//! Waiters poll instead of blocking in `pg_advisory_lock()`: a backend blocked in that call holds a
//! snapshot, and `CREATE INDEX CONCURRENTLY` in the holder waits for every older snapshot, so a
//! blocked waiter and a concurrent index build wait for each other forever (flyway #3682,
//! golang-migrate #284). Polling leaves no transaction open between attempts.

use std::str::FromStr;
use std::time::{Duration, Instant};

use sha2::{Digest, Sha256};
use sqlx::postgres::{PgConnectOptions, PgConnection};
use sqlx::{AssertSqlSafe, Connection, Executor};

use super::{ExecFailure, backoff};
use crate::migrate::error::{MigrateError, db_error};
use crate::migrate::history::{Actor, TABLE};
use crate::migrate::url::DbUrl;

/// pid, application_name, user, client address, seconds, current query.
type HolderRow = (i32, String, String, String, i64, String);

pub(crate) struct Postgres {
    conn: PgConnection,
    pub(crate) url: DbUrl,
    key: Option<i64>,
    /// The server's process id of this session.
    pub(crate) id: i64,
}

impl Postgres {
    /// Connects; `statement` becomes the session's `statement_timeout`.
    pub(crate) async fn connect(
        url: &DbUrl,
        statement: Option<Duration>,
    ) -> Result<Postgres, MigrateError> {
        let masked = url.masked();
        let actor = Actor::current();
        // In the startup packet, so no extra round trip; the engine's literals rely on it.
        let mut options = vec![("standard_conforming_strings", "on".to_string())];
        if let Some(limit) = statement {
            options.push(("statement_timeout", limit.as_millis().to_string()));
        }
        let opts = PgConnectOptions::from_str(&url.raw)
            .map_err(|e| db_error(&masked, &e))?
            .options(options)
            .application_name(&format!(
                "backendctl migrate {} pid {}",
                actor.by,
                std::process::id()
            ));
        let mut conn = PgConnection::connect_with(&opts)
            .await
            .map_err(|e| super::connect_error(url, &e))?;
        // For the liveness check (pg_stat_activity.pid).
        let id: i32 = sqlx::query_scalar("SELECT pg_backend_pid()")
            .fetch_one(&mut conn)
            .await
            .map_err(|e| db_error(&masked, &e))?;
        Ok(Postgres {
            conn,
            url: url.clone(),
            key: None,
            id: i64::from(id),
        })
    }

    pub(crate) async fn lock(
        &mut self,
        timeout: Duration,
        waiting: &mut dyn FnMut(&str),
    ) -> Result<(), MigrateError> {
        let masked = self.url.masked();
        // PostgreSQL 14+: notice a dead client during a long statement and end its session (and so
        // its lock) instead of running on until the statement ends. Older servers refuse: fine.
        let _ = self
            .conn
            .execute("SET client_connection_check_interval = '1s'")
            .await;
        let (db, schema): (String, String) =
            // No schema when the search_path names none that exists (a `session-sql` typo).
            sqlx::query_as(
                "SELECT current_database()::text, coalesce(current_schema()::text, '(none)')",
            )
                .fetch_one(&mut self.conn)
                .await
                .map_err(|e| db_error(&masked, &e))?;
        let digest = Sha256::digest(format!("backendctl-migrate:{db}:{schema}:{TABLE}").as_bytes());
        let key = i64::from_be_bytes(digest[..8].try_into().expect("8 bytes")) & i64::MAX;
        let start = Instant::now();
        let mut attempt = 0;
        let mut last_report: Option<Instant> = None;
        loop {
            let got: bool = sqlx::query_scalar("SELECT pg_try_advisory_lock($1)")
                .bind(key)
                .fetch_one(&mut self.conn)
                .await
                .map_err(|e| db_error(&masked, &e))?;
            if got {
                self.key = Some(key);
                return Ok(());
            }
            let holder = self.holder(key).await;
            if start.elapsed() >= timeout {
                return Err(MigrateError::LockTimeout {
                    waited: humantime::format_duration(Duration::from_secs(timeout.as_secs()))
                        .to_string(),
                    lock: format!("database {db} (schema {schema})"),
                    holder,
                    remedy: ", or end it with SELECT pg_terminate_backend(pid) if it is stuck",
                });
            }
            if last_report.is_none_or(|t| t.elapsed() >= Duration::from_secs(5)) {
                waiting(&format!(
                    "waiting for the migration lock of database {db}, held by {holder}"
                ));
                last_report = Some(Instant::now());
            }
            tokio::time::sleep(backoff(attempt).min(timeout.saturating_sub(start.elapsed()))).await;
            attempt += 1;
        }
    }

    async fn holder(&mut self, key: i64) -> String {
        let row: Result<Option<HolderRow>, _> = sqlx::query_as(
            "SELECT a.pid, coalesce(a.application_name, ''), coalesce(a.usename::text, ''), \
             coalesce(host(a.client_addr), 'local socket'), \
             coalesce(extract(epoch FROM now() - a.xact_start)::bigint, extract(epoch FROM now() - a.backend_start)::bigint, 0), \
             coalesce(left(a.query, 120), '') \
             FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid \
             WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1 \
             AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database()) \
             AND ((l.classid::bigint << 32) | l.objid::bigint) = $1 LIMIT 1",
        )
        .bind(key)
        .fetch_optional(&mut self.conn)
        .await;
        match row {
            Ok(Some((pid, app, user, addr, secs, query))) => format!(
                "pid {pid} ({}user {user} from {addr}, {secs}s; running: {})",
                if app.is_empty() {
                    String::new()
                } else {
                    format!("{app}, ")
                },
                query.split_whitespace().collect::<Vec<_>>().join(" ")
            ),
            _ => "another session".to_string(),
        }
    }

    pub(crate) async fn unlock(&mut self) -> Result<(), MigrateError> {
        if let Some(key) = self.key.take() {
            sqlx::query("SELECT pg_advisory_unlock($1)")
                .bind(key)
                .execute(&mut self.conn)
                .await
                .map_err(|e| db_error(&self.url.masked(), &e))?;
        }
        Ok(())
    }

    pub(crate) async fn history_exists(&mut self) -> Result<bool, MigrateError> {
        sqlx::query_scalar::<_, bool>("SELECT to_regclass($1) IS NOT NULL")
            .bind(TABLE)
            .fetch_one(&mut self.conn)
            .await
            .map_err(|e| db_error(&self.url.masked(), &e))
    }

    pub(crate) async fn query_json(&mut self, sql: &str) -> Result<String, MigrateError> {
        super::query_json(&mut self.conn, &self.url, sql).await
    }

    pub(crate) async fn exec(&mut self, sql: &str) -> Result<(), ExecFailure> {
        match sqlx::raw_sql(AssertSqlSafe(sql))
            .execute(&mut self.conn)
            .await
        {
            Ok(_) => Ok(()),
            Err(e) => {
                let f = ExecFailure::from_sqlx(&e);
                // A failed statement inside an explicit transaction leaves it aborted (a lost
                // session's transaction ended with it).
                if !f.lost {
                    let _ = sqlx::raw_sql("ROLLBACK").execute(&mut self.conn).await;
                }
                Err(f)
            }
        }
    }

    /// One round trip. The server parses the whole string before running any of it, so text the
    /// body leaves open (a quote, a comment) is a syntax error, never a swallowed COMMIT.
    pub(crate) async fn run_in_transaction(
        &mut self,
        body: &str,
        record: &dyn Fn(&str) -> String,
    ) -> Result<(), ExecFailure> {
        const PREFIX: &str = "BEGIN;\n";
        // now() is the transaction's start, clock_timestamp() the wall clock.
        let record = record("(extract(epoch FROM clock_timestamp() - now()) * 1000)::bigint");
        let sql = format!("{PREFIX}{body}\n;\n{record};\nCOMMIT");
        // Counted: an error without a position (`DROP TABLE` of a missing table) is still placed
        // by the statements that completed before it (BEGIN is the first).
        let Err(mut f) = super::exec_counting(&mut self.conn, &sql, 1).await else {
            return Ok(());
        };
        // The failed statement left the transaction aborted (a lost session's ended with it).
        if !f.lost {
            let _ = sqlx::raw_sql("ROLLBACK").execute(&mut self.conn).await;
        }
        f.position = f
            .position
            .and_then(|p| p.checked_sub(PREFIX.chars().count()));
        if f.position.is_some() {
            f.statement = None;
        }
        Err(f)
    }

    pub(crate) async fn close(self) {
        let _ = self.conn.close().await;
    }
}
