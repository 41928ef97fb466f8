use std::fmt;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A uniqueness rule refused the write (for example a taken username).
    #[error("{0} already exists")]
    Conflict(Conflict),
    #[error("not found")]
    NotFound,
    #[error("database URL must start with sqlite: or postgres:// (got {0:?})")]
    UnsupportedUrl(String),
    #[error("database error: {0}")]
    Database(#[source] sqlx::Error),
    #[error("migration failed: {0}")]
    Migration(#[from] sqlx::migrate::MigrateError),
    #[error("stored data is corrupt: {0}")]
    Corrupt(String),
}

/// Which uniqueness rule a write broke.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Conflict {
    Username,
    Email,
    Other,
}

impl fmt::Display for Conflict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Conflict::Username => "username",
            Conflict::Email => "email",
            Conflict::Other => "record",
        })
    }
}

impl From<sqlx::Error> for StoreError {
    fn from(error: sqlx::Error) -> StoreError {
        if let sqlx::Error::Database(db) = &error
            && db.is_unique_violation()
        {
            let message = db.message().to_ascii_lowercase();
            let constraint = db.constraint().unwrap_or_default();
            let which = if constraint.contains("username") || message.contains("accounts") {
                Conflict::Username
            } else if constraint.contains("email") || message.contains("users") {
                Conflict::Email
            } else {
                Conflict::Other
            };
            return StoreError::Conflict(which);
        }
        if let sqlx::Error::RowNotFound = error {
            return StoreError::NotFound;
        }
        StoreError::Database(error)
    }
}
