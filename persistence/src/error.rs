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
            PersistenceError::Query(DieselError::DatabaseError(kind, _)) => {
                matches!(kind, DatabaseErrorKind::ClosedConnection)
            }
            PersistenceError::Query(DieselError::BrokenTransactionManager) => true,
            _ => false,
        }
    }
}
