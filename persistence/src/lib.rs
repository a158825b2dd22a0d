//! Zhenxing's storage: the diesel schema, rows and queries, the migrations and the
//! region seed — one code path over PostgreSQL (production) and SQLite (embedded).

pub mod bulk;
pub mod db;
pub mod dialect;
pub mod error;
pub mod households;
pub mod idempotency;
pub mod journal;
pub mod liaisons;
pub mod migrations;
pub mod organizations;
pub mod pairings;
pub mod party;
pub mod personal_data;
pub mod projects;
pub mod regions;
pub mod reports;
pub mod schema;
pub mod seed;
pub mod stats;
pub mod supervision;
pub mod users;

pub use db::{Backend, DatabaseUrl, DbConnection, DbPool, MultiBackend};
pub use error::PersistenceError;

/// Whose records (requests, projects, village pairings) a caller may list: the
/// province-wide roles all, an organization its own, an officer its region's.
#[derive(Debug, Clone)]
pub enum Visibility {
    All,
    Organization(uuid::Uuid),
    /// Within this prefecture or county (by code prefix).
    Region(domain::RegionCode),
}

/// A page of a list and the number of items across all pages.
#[derive(Debug, Clone)]
pub struct Listed<T> {
    pub items: Vec<T>,
    pub total: i64,
}

/// The current instant as the database keeps it (microseconds), so that what a write
/// answers equals what a later read returns.
pub fn now() -> chrono::DateTime<chrono::Utc> {
    use chrono::SubsecRound;
    chrono::Utc::now().trunc_subsecs(6)
}
