//! The waits a `database` node configures (lock, connect and statement timeouts), parsed once
//! for either engine, and what `migrate`'s flags say over them.

use std::time::Duration;

use super::deadlines::Deadlines;
use super::error::MigrateError;
use crate::manifest::model::database::Database;

/// How long a run waits for another run's lock by default.
pub const DEFAULT_LOCK_TIMEOUT: Duration = Duration::from_secs(300);

/// What `migrate`'s flags say about the database, ad hoc or over a manifest node's own values.
#[derive(Debug, Clone, Default)]
pub(crate) struct Overrides {
    pub(crate) lock_timeout: Option<Duration>,
    pub(crate) connect_timeout: Option<Duration>,
    pub(crate) statement_timeout: Option<Duration>,
    /// `--session-sql`; blank is none.
    pub(crate) session_sql: Option<String>,
}

/// The waits a `database` node configures, parsed once for either engine.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Limits {
    pub(crate) lock_timeout: Duration,
    pub(crate) deadlines: Deadlines,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            lock_timeout: DEFAULT_LOCK_TIMEOUT,
            deadlines: Deadlines::default(),
        }
    }
}

impl Limits {
    /// The node's `lock-timeout`, `connect-timeout` and `statement-timeout`.
    pub(crate) fn of_model(name: &str, model: &Database) -> Result<Limits, MigrateError> {
        let duration = |key: &'static str, value: Option<&str>| {
            value
                .map(|t| {
                    crate::manifest::model::Duration::parse(t)
                        .map(crate::manifest::model::Duration::get)
                        .map_err(|e| MigrateError::BadDuration {
                            database: name.to_string(),
                            key,
                            value: t.to_string(),
                            reason: e.to_string(),
                        })
                })
                .transpose()
        };
        let lock_timeout = duration("lock-timeout", model.lock_timeout.as_deref())?;
        let connect = duration("connect-timeout", model.connect_timeout.as_deref())?;
        let statement = duration("statement-timeout", model.statement_timeout.as_deref())?;
        let mut limits = Limits::default();
        if let Some(lock_timeout) = lock_timeout {
            limits.lock_timeout = lock_timeout;
        }
        if let Some(connect) = connect {
            limits.deadlines.connect = connect;
        }
        if let Some(statement) = statement {
            limits.deadlines = limits.deadlines.with_statement(statement);
        }
        Ok(limits)
    }

    /// These limits with the flags' applied.
    pub(crate) fn overridden(mut self, overrides: &Overrides) -> Limits {
        if let Some(lock_timeout) = overrides.lock_timeout {
            self.lock_timeout = lock_timeout;
        }
        if let Some(connect) = overrides.connect_timeout {
            self.deadlines.connect = connect;
        }
        if let Some(statement) = overrides.statement_timeout {
            self.deadlines = self.deadlines.with_statement(statement);
        }
        self
    }
}

impl Overrides {
    /// `--session-sql`, unless blank.
    pub(crate) fn session_sql(&self) -> Option<String> {
        self.session_sql.clone().filter(|s| !s.trim().is_empty())
    }
}
