//! Bounding every round trip on an open connection (see `deadlines.rs` for the policy).
//!
//! [`Watch::guard`] lets a round trip run. Each time it has waited one connect timeout, a fresh
//! connection, bounded by the same timeout, asks the server whether the migration's session
//! still exists: a session that is there is working or waiting for a lock, and the wait goes on
//! (a two-hour index build is never cut short); a session that is gone, or a server that does
//! not answer a new connection, ends the wait. With a statement limit, the client also stops
//! waiting one connect timeout after the server should have cancelled the statement. Once a wait
//! was abandoned the connection is in an unknown state and is not used again.

use std::time::{Duration, Instant};

use sqlx::Connection;

use crate::migrate::deadlines::{Deadlines, show};
use crate::migrate::dialect::Dialect;
use crate::migrate::url::DbUrl;

/// A wait that was abandoned: after how long, and why.
#[derive(Debug, Clone)]
pub(crate) struct Stall {
    pub(crate) after: Duration,
    pub(crate) reason: String,
}

/// The liveness check of one connection.
pub(crate) struct Watch {
    pub(crate) url: DbUrl,
    /// The server's id of the migration session (PostgreSQL pid, MySQL connection id); `None`
    /// for SQLite, which has no server to lose.
    session: Option<i64>,
    pub(crate) deadlines: Deadlines,
    /// The session SQL, run on the probe's connection too (every connection gets it).
    session_sql: Option<String>,
    /// Why the connection must not be used again, once a wait was abandoned.
    pub(crate) lost: Option<String>,
}

impl Watch {
    pub(crate) fn new(
        url: &DbUrl,
        session: Option<i64>,
        deadlines: Deadlines,
        session_sql: Option<&str>,
    ) -> Watch {
        Watch {
            url: url.clone(),
            session,
            deadlines,
            session_sql: session_sql.map(str::to_string),
            lost: None,
        }
    }

    /// Runs `work` (one round trip or a few), checking on the server while it waits.
    pub(crate) async fn guard<T>(&mut self, work: impl Future<Output = T>) -> Result<T, Stall> {
        if let Some(reason) = &self.lost {
            return Err(Stall {
                after: Duration::ZERO,
                reason: format!("the connection was already lost ({reason})"),
            });
        }
        let Some(session) = self.session else {
            return Ok(work.await);
        };
        let started = Instant::now();
        let limit = self.deadlines.client_limit();
        let mut work = std::pin::pin!(work);
        loop {
            let tick = limit.map_or(self.deadlines.connect, |l| {
                self.deadlines
                    .connect
                    .min(l.saturating_sub(started.elapsed()))
            });
            tokio::select! {
                out = &mut work => return Ok(out),
                () = tokio::time::sleep(tick) => {}
            }
            let reason = if limit.is_some_and(|l| started.elapsed() >= l) {
                Some(format!(
                    "the server did not cancel the statement at its limit ({}) nor answer since",
                    show(self.deadlines.statement_limit().unwrap_or_default())
                ))
            } else {
                tokio::select! {
                    out = &mut work => return Ok(out),
                    checked = probe(&self.url, session, self.deadlines.connect, self.session_sql.as_deref()) => checked.err(),
                }
            };
            if let Some(reason) = reason {
                self.lost = Some(reason.clone());
                return Err(Stall {
                    after: started.elapsed(),
                    reason,
                });
            }
        }
    }
}

/// Asks the server, on a new connection (given the session SQL, as every connection is), whether
/// session `session` still exists. `Err` says why the migration's connection must be taken as
/// lost.
async fn probe(
    url: &DbUrl,
    session: i64,
    limit: Duration,
    session_sql: Option<&str>,
) -> Result<(), String> {
    let check = async {
        let count: i64 = match url.dialect {
            Dialect::Postgres => {
                let mut c = sqlx::PgConnection::connect(&url.raw).await?;
                if let Some(sql) = session_sql {
                    sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
                        .execute(&mut c)
                        .await?;
                }
                let n = sqlx::query_scalar("SELECT count(*) FROM pg_stat_activity WHERE pid = $1")
                    .bind(session)
                    .fetch_one(&mut c)
                    .await?;
                let _ = c.close().await;
                n
            }
            Dialect::MySql => {
                let mut c = sqlx::MySqlConnection::connect(&url.raw).await?;
                if let Some(sql) = session_sql {
                    sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
                        .execute(&mut c)
                        .await?;
                }
                let n = sqlx::query_scalar(
                    "SELECT CAST(COUNT(*) AS SIGNED) FROM information_schema.PROCESSLIST WHERE ID = ?",
                )
                .bind(session)
                .fetch_one(&mut c)
                .await?;
                let _ = c.close().await;
                n
            }
            Dialect::Sqlite => 1,
        };
        Ok::<_, sqlx::Error>(count)
    };
    match tokio::time::timeout(limit, check).await {
        Err(_) => Err(format!(
            "the server stopped answering: a new connection got no answer within {}",
            show(limit)
        )),
        Ok(Ok(0)) => Err(format!(
            "the server no longer has the migration's session (id {session})"
        )),
        // The session is there; or the server answered (too many connections, no privilege),
        // which says nothing against it.
        Ok(Ok(_) | Err(sqlx::Error::Database(_))) => Ok(()),
        Ok(Err(e)) => Err(format!(
            "the server stopped answering: a new connection failed ({e})"
        )),
    }
}
