//! What every handler shares: the pool, and the way to use it off the async workers.

use std::time::Duration;

use actix_web::web;
use persistence::db::PooledDb;
use persistence::{Backend, DbConnection, DbPool, PersistenceError};

use crate::error::ApiError;

#[derive(Clone)]
pub struct AppState {
    pub pool: DbPool,
    pub backend: Backend,
    pub max_body_bytes: usize,
    pub max_import_bytes: usize,
    pub sheet_limits: crate::spreadsheet::SheetLimits,
    pub login_throttle: domain::identity::LoginThrottle,
    pub trust_forwarded_for: bool,
    /// Seals and opens households' personal data.
    pub vault: std::sync::Arc<persistence::personal_data::Vault>,
    /// The statistics of recent years, counted at most once per `STATS_CACHE_SECONDS`.
    pub stats: std::sync::Arc<crate::services::stats_cache::StatsCache>,
    /// The time every rule reads.
    pub clock: crate::services::clock::Clock,
}

impl AppState {
    /// Runs `work` with a pooled connection on the blocking thread pool, so database
    /// IO never stalls an async worker. No connection in time is a 503.
    pub async fn db<T, F>(&self, work: F) -> Result<T, ApiError>
    where
        F: FnOnce(&mut DbConnection) -> Result<T, ApiError> + Send + 'static,
        T: Send + 'static,
    {
        let pool = self.pool.clone();
        web::block(move || {
            let mut conn: PooledDb = pool.get().map_err(PersistenceError::from)?;
            work(&mut conn)
        })
        .await?
    }

    /// Readiness: the database answers and is migrated, within two seconds.
    pub async fn check_ready(&self) -> Result<(), ApiError> {
        let pool = self.pool.clone();
        web::block(move || persistence::db::check_ready(&pool, Duration::from_secs(2)))
            .await?
            .map_err(|e| match e {
                PersistenceError::Query(_) | PersistenceError::Migration(_) => {
                    ApiError::Unavailable(e.to_string())
                }
                other => ApiError::from(other),
            })
    }
}
