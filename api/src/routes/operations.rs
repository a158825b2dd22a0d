//! Operations endpoints for load balancers and monitoring: liveness, readiness, metrics.

use actix_web::http::header;
use actix_web::{get, web, HttpResponse};
use serde::Serialize;
use utoipa::ToSchema;

use crate::error::{ApiError, Problem};
use crate::metrics::Metrics;
use crate::state::AppState;

/// The process's or the database's state.
#[derive(Debug, Serialize, ToSchema)]
pub struct Health {
    /// `ok` (alive) or `ready` (alive and the database answers).
    #[schema(example = "ready")]
    pub status: String,
    /// `postgres` or `sqlite`.
    #[schema(example = "postgres")]
    pub database: String,
    /// The server's version.
    #[schema(example = "0.1.0")]
    pub version: String,
}

/// Liveness: the process is up (no database check).
#[utoipa::path(
    tag = "operations",
    responses((status = 200, description = "The process is up", body = Health))
)]
#[get("/healthz")]
pub async fn healthz(state: web::Data<AppState>) -> web::Json<Health> {
    web::Json(Health {
        status: "ok".to_owned(),
        database: state.backend.as_str().to_owned(),
        version: env!("CARGO_PKG_VERSION").to_owned(),
    })
}

/// Readiness: the database answers and its schema is current.
#[utoipa::path(
    tag = "operations",
    responses(
        (status = 200, description = "Ready to serve", body = Health),
        (status = 503, description = "The database is unreachable or not migrated; `Retry-After` says when to ask again",
            body = Problem, content_type = "application/problem+json",
            headers(("Retry-After" = u32, description = "Seconds to wait"))),
    )
)]
#[get("/readyz")]
pub async fn readyz(state: web::Data<AppState>) -> Result<web::Json<Health>, ApiError> {
    state.check_ready().await?;
    Ok(web::Json(Health {
        status: "ready".to_owned(),
        database: state.backend.as_str().to_owned(),
        version: env!("CARGO_PKG_VERSION").to_owned(),
    }))
}

/// Metrics in the Prometheus text format: requests by route and status, latency
/// histogram, connection pool state.
#[utoipa::path(
    tag = "operations",
    responses((status = 200, description = "Prometheus text exposition", body = String,
        content_type = "text/plain; version=0.0.4"))
)]
#[get("/metrics")]
pub async fn metrics(
    state: web::Data<AppState>,
    metrics: web::Data<Metrics>,
) -> Result<HttpResponse, ApiError> {
    let text = metrics
        .render(&state.pool)
        .map_err(|e| ApiError::Internal(e.to_string()))?;
    Ok(HttpResponse::Ok()
        .insert_header((
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        ))
        .body(text))
}
