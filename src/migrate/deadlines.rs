//! How long backendctl waits for a database, at every wait.
//!
//! Three limits, so that no wait is unbounded and no default kills legitimate work:
//!
//! - **connect** (default 10 s): TCP connect, TLS and login together. A server that accepts and
//!   never answers (a proxy with nothing behind it, a firewall that drops packets, a server stuck
//!   starting) fails the command, naming the server.
//! - **liveness**: once connected, a round trip that has waited one connect timeout makes the
//!   driver open a second connection (itself bounded by the connect timeout) and ask the server
//!   whether the migration's session still exists (`pg_stat_activity`, the MySQL processlist).
//!   A session that is there is working (a long index build) or waiting (a lock): the wait goes
//!   on. A session that is gone, or a server that does not answer a new connection, means the
//!   connection is lost: the command stops waiting and reports the statement's outcome as unknown.
//!   This is what TCP keepalive would give, without waiting for the kernel's two hours; sqlx
//!   exposes no socket options, and the check also sees a server that answers TCP but lost us.
//! - **statement** (default none): the longest one statement may run. The server enforces it
//!   (PostgreSQL `statement_timeout`, MariaDB `max_statement_time`, MySQL `max_execution_time`
//!   for SELECT only, MongoDB `maxTimeMS` on the commands that take it) and reports a normal
//!   error; the client stops waiting one connect timeout later if the server has not said
//!   anything by then. Unset, backendctl leaves the
//!   server's setting alone; `0s` lifts it.

use std::time::Duration;

/// Default of `database.connect-timeout` and `migrate --connect-timeout`.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// The limits of one database's waits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Deadlines {
    /// Connecting (TCP, TLS, login); also the liveness check's interval and its own limit.
    pub connect: Duration,
    /// The longest one statement may run. `None`: backendctl sets none (a limit configured on
    /// the server for the role or database still applies); zero: none at all.
    pub statement: Option<Duration>,
}

impl Default for Deadlines {
    fn default() -> Deadlines {
        Deadlines {
            connect: DEFAULT_CONNECT_TIMEOUT,
            statement: None,
        }
    }
}

impl Deadlines {
    /// Sets the statement limit; zero means none, and lifts a limit the server configures for
    /// the role or database.
    #[must_use]
    pub(crate) fn with_statement(mut self, limit: Duration) -> Deadlines {
        self.statement = Some(limit);
        self
    }

    /// The statement limit, if there is one (not zero).
    pub(crate) fn statement_limit(&self) -> Option<Duration> {
        self.statement.filter(|s| !s.is_zero())
    }

    /// How long the client waits for one statement before giving up on the server: the server's
    /// own limit plus a connect timeout for its error to arrive.
    pub(crate) fn client_limit(&self) -> Option<Duration> {
        self.statement_limit().map(|s| s + self.connect)
    }
}

/// `10s`, `1m 30s`: a duration as the user wrote it.
pub(crate) fn show(d: Duration) -> String {
    humantime::format_duration(d).to_string()
}
