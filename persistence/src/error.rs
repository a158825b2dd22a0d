//! What can go wrong below the API, kept apart so the API can map each case to a status.

use diesel::result::{DatabaseErrorKind, Error as DieselError};

#[derive(Debug, thiserror::Error)]
pub enum PersistenceError {
    /// No connection could be had from the pool in time: the database is down or saturated.
    #[error("database unavailable: {0}")]
    Unavailable(String),
    /// A query failed.
    #[error(transparent)]
    Query(#[from] DieselError),
    /// Migrations could not be applied or reverted.
    #[error("migration failed: {0}")]
    Migration(String),
    /// The bundled division data is inconsistent (a bug in the shipped file).
    #[error("region data invalid: {0}")]
    Seed(String),
}

impl From<diesel::r2d2::PoolError> for PersistenceError {
    fn from(e: diesel::r2d2::PoolError) -> Self {
        PersistenceError::Unavailable(e.to_string())
    }
}

impl PersistenceError {
    /// True when the database itself could not be reached (as opposed to a query that
    /// the database refused): the caller should retry later.
    pub fn is_unavailable(&self) -> bool {
        match self {
            PersistenceError::Unavailable(_) => true,
            PersistenceError::Query(DieselError::DatabaseError(kind, info)) => {
                matches!(kind, DatabaseErrorKind::ClosedConnection)
                    || is_operational_failure(info.message())
            }
            PersistenceError::Query(DieselError::BrokenTransactionManager) => true,
            _ => false,
        }
    }
}

/// Failures of the database itself rather than of the query: the server went away
/// or the SQLite file cannot be used. diesel reports these as `Unknown` with the
/// driver's message and no code, so the messages are matched here, in one place.
fn is_operational_failure(message: &str) -> bool {
    const MARKERS: &[&str] = &[
        // PostgreSQL (libpq and server)
        "terminating connection",
        "server closed the connection",
        "no connection to the server",
        "could not connect to server",
        "connection to server",
        "the database system is shutting down",
        "the database system is starting up",
        "the database system is in recovery mode",
        // SQLite
        "file is not a database",
        "unable to open database file",
        "disk I/O error",
        "database disk image is malformed",
        "database or disk is full",
        "database is locked",
    ];
    MARKERS.iter().any(|m| message.contains(m))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outages_are_told_from_query_errors() {
        assert!(is_operational_failure("file is not a database"));
        assert!(is_operational_failure(
            "FATAL:  terminating connection due to administrator command"
        ));
        assert!(!is_operational_failure("syntax error at or near \"SELEC\""));
    }
}
