//! Errors of the migration engine. Each says what happened and what to do next.

/// Everything that can stop a migration command.
#[derive(Debug, thiserror::Error)]
pub enum MigrateError {
    /// A bad or unreadable migration directory or file.
    #[error("{0}")]
    Source(String),
    /// Cannot connect or talk to the database.
    #[error("database {url}: {message}")]
    Database { url: String, message: String },
    /// The lock stayed taken for the whole timeout.
    #[error("{0}")]
    LockTimeout(String),
    /// A migration's statement failed; the text says exactly what ran.
    #[error("{0}")]
    Failed(String),
    /// State that needs a person first (drift, out-of-order, failed migration, missing file…).
    #[error("{0}")]
    Refused(String),
    /// Bad arguments.
    #[error("{0}")]
    Usage(String),
}

impl MigrateError {
    /// The documented process exit code.
    pub fn exit_code(&self) -> u8 {
        match self {
            MigrateError::Usage(_) => 64,
            _ => 1,
        }
    }
}

/// Wraps a sqlx error with the (masked) database URL.
pub fn db_error(url: &str, e: &sqlx::Error) -> MigrateError {
    MigrateError::Database {
        url: url.to_string(),
        message: e.to_string(),
    }
}
