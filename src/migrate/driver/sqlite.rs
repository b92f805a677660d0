//! SQLite: an OS file lock beside the database file, one transaction per migration.
//!
//! The lock file (`<db>.backendctl-lock`) is locked with `flock`-style advisory locking, which the
//! kernel releases when the process dies, so a killed run never leaves a stale lock. Its content
//! names the holder.

use std::io::{Read, Seek, Write};
use std::str::FromStr;
use std::time::{Duration, Instant};

use sqlx::sqlite::{SqliteConnectOptions, SqliteConnection};
use sqlx::{AssertSqlSafe, Connection};

use super::{ExecFailure, backoff};
use crate::migrate::error::{MigrateError, db_error};
use crate::migrate::history::{Actor, TABLE};
use crate::migrate::url::DbUrl;

pub(crate) struct Sqlite {
    conn: SqliteConnection,
    pub(crate) url: DbUrl,
    lock: Option<std::fs::File>,
}

impl Sqlite {
    pub(crate) async fn connect(url: &DbUrl) -> Result<Sqlite, MigrateError> {
        let masked = url.masked();
        if let Some(parent) = url
            .sqlite_path()
            .as_deref()
            .and_then(std::path::Path::parent)
            && !parent.as_os_str().is_empty()
        {
            std::fs::create_dir_all(parent).map_err(|e| MigrateError::Database {
                url: masked.clone(),
                message: format!("cannot create {}: {e}", parent.display()),
            })?;
        }
        let opts = SqliteConnectOptions::from_str(&url.raw)
            .map_err(|e| db_error(&masked, &e))?
            .create_if_missing(true)
            .busy_timeout(Duration::from_secs(30));
        let conn = SqliteConnection::connect_with(&opts)
            .await
            .map_err(|e| db_error(&masked, &e))?;
        Ok(Sqlite {
            conn,
            url: url.clone(),
            lock: None,
        })
    }

    pub(crate) async fn lock(
        &mut self,
        timeout: Duration,
        waiting: &mut dyn FnMut(&str),
    ) -> Result<(), MigrateError> {
        let Some(db) = self.url.sqlite_path() else {
            return Ok(());
        }; // in-memory: private
        let mut path = db.clone().into_os_string();
        path.push(".backendctl-lock");
        let path = std::path::PathBuf::from(path);
        let io = |e: std::io::Error| MigrateError::Database {
            url: self.url.masked(),
            message: format!("lock file {}: {e}", path.display()),
        };
        let mut file = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(io)?;
        let start = Instant::now();
        let mut attempt = 0;
        let mut last_report: Option<Instant> = None;
        loop {
            match file.try_lock() {
                Ok(()) => break,
                Err(std::fs::TryLockError::WouldBlock) => {}
                Err(std::fs::TryLockError::Error(e)) => return Err(io(e)),
            }
            let mut holder = String::new();
            let _ = file
                .rewind()
                .and_then(|()| file.read_to_string(&mut holder));
            let holder = if holder.trim().is_empty() {
                "another process".to_string()
            } else {
                holder.trim().to_string()
            };
            if start.elapsed() >= timeout {
                return Err(MigrateError::LockTimeout {
                    waited: format!("{}s", timeout.as_secs()),
                    lock: format!("{} ({})", db.display(), path.display()),
                    holder,
                    remedy: " or stop that process",
                });
            }
            if last_report.is_none_or(|t| t.elapsed() >= Duration::from_secs(5)) {
                waiting(&format!(
                    "waiting for the migration lock of {}, held by {holder}",
                    db.display()
                ));
                last_report = Some(Instant::now());
            }
            tokio::time::sleep(backoff(attempt)).await;
            attempt += 1;
        }
        let actor = Actor::current();
        let _ = file.set_len(0).and_then(|()| file.rewind()).and_then(|()| {
            writeln!(
                file,
                "pid {} ({}, {})",
                std::process::id(),
                actor.by,
                actor.tool
            )
        });
        self.lock = Some(file);
        Ok(())
    }

    pub(crate) async fn unlock(&mut self) -> Result<(), MigrateError> {
        if let Some(f) = self.lock.take() {
            let _ = f.set_len(0);
            let _ = f.unlock();
        }
        Ok(())
    }

    pub(crate) async fn history_exists(&mut self) -> Result<bool, MigrateError> {
        sqlx::query_scalar::<_, i64>(
            "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?",
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
        match sqlx::raw_sql(AssertSqlSafe(sql))
            .execute(&mut self.conn)
            .await
        {
            Ok(_) => Ok(()),
            Err(e) => {
                // Leave no transaction open behind a failed batch (an error when none is open).
                let _ = sqlx::raw_sql("ROLLBACK").execute(&mut self.conn).await;
                Err(ExecFailure::from_sqlx(&e))
            }
        }
    }

    /// Three calls on the same connection (in-process, no network): SQLite parses a string one
    /// statement at a time, so a body ending inside an unterminated comment would otherwise
    /// swallow the history row and the COMMIT.
    pub(crate) async fn run_in_transaction(
        &mut self,
        body: &str,
        record: &dyn Fn(&str) -> String,
    ) -> Result<(), ExecFailure> {
        let started = Instant::now();
        self.exec("BEGIN IMMEDIATE").await?;
        if let Err(f) = super::exec_counting(&mut self.conn, body, 0).await {
            let _ = sqlx::raw_sql("ROLLBACK").execute(&mut self.conn).await;
            return Err(f);
        }
        let record = record(&started.elapsed().as_millis().to_string());
        self.exec(&format!("{record};\nCOMMIT")).await
    }

    pub(crate) async fn close(mut self) {
        let _ = self.unlock().await;
        let _ = self.conn.close().await;
    }
}
