//! Starting the service: prepare the database (migrate, seed), then serve.

use std::net::SocketAddr;

use actix_web::dev::Server;
use actix_web::error::{JsonPayloadError, PathError, QueryPayloadError};
use actix_web::middleware::{from_fn, Compress};
use actix_web::{web, App, HttpRequest, HttpServer};
use domain::{FieldError, Violation};
use persistence::db::{build_pool, DbManager, PoolOptions};
use persistence::{DbPool, PersistenceError};
use utoipa::OpenApi;
use utoipa_actix_web::AppExt;
use utoipa_swagger_ui::{Config as SwaggerConfig, SwaggerUi};

use crate::config::Config;
use crate::context::request_context;
use crate::error::ApiError;
use crate::metrics::Metrics;
use crate::openapi::ApiDoc;
use crate::routes;

/// Where the OpenAPI document is served.
pub const OPENAPI_PATH: &str = "/api/v1/openapi.json";
use crate::state::AppState;

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("cannot connect to {url}: {cause}")]
    Connect { url: String, cause: String },
    #[error(transparent)]
    Database(#[from] PersistenceError),
    #[error("cannot listen on {addr}: {cause}")]
    Bind {
        addr: SocketAddr,
        cause: std::io::Error,
    },
}

/// Connects once (so a wrong URL or a down server is reported with the database's
/// own words), applies pending migrations, and loads the divisions into an empty
/// database. Returns the pool the server will use.
pub fn prepare_database(config: &Config) -> Result<DbPool, StartError> {
    let manager = DbManager::new(config.database_url.clone());
    let mut conn = manager.establish().map_err(|e| StartError::Connect {
        url: config.database_url.redacted(),
        cause: e.to_string(),
    })?;
    let applied = persistence::migrations::run_pending(&mut conn)?;
    if !applied.is_empty() {
        log::info!("applied migrations: {}", applied.join(", "));
    }
    if !persistence::seed::regions_present(&mut conn).map_err(PersistenceError::from)? {
        let inserted = persistence::seed::seed_regions(&mut conn)?;
        log::info!("loaded {inserted} divisions of Yunnan");
    }
    drop(conn);
    Ok(build_pool(
        config.database_url.clone(),
        PoolOptions {
            max_size: config.db_pool_size,
            connection_timeout: config.db_timeout,
        },
    ))
}

/// A server that is bound and ready to be awaited.
pub struct Running {
    pub addr: SocketAddr,
    pub server: Server,
}

/// Binds the HTTP server. Await `Running::server` inside an actix system to serve.
pub fn start(config: &Config, pool: DbPool) -> Result<Running, StartError> {
    let state = AppState {
        pool,
        backend: config.database_url.backend(),
        max_body_bytes: config.max_body_bytes,
    };
    let metrics = web::Data::new(Metrics::new());
    let state = web::Data::new(state);
    let limit = config.max_body_bytes;
    let spec = web::Data::new(routes::OpenApiJson(crate::openapi::document()));
    let server = HttpServer::new(move || {
        App::new()
            .into_utoipa_app()
            .openapi(ApiDoc::openapi())
            .app_data(state.clone())
            .app_data(metrics.clone())
            .app_data(
                web::JsonConfig::default()
                    .limit(limit)
                    .error_handler(move |e, _| json_error(e, limit).into()),
            )
            .app_data(web::PayloadConfig::default().limit(limit))
            .app_data(web::QueryConfig::default().error_handler(|e, _| query_error(e).into()))
            .app_data(
                web::PathConfig::default().error_handler(|e: PathError, _: &HttpRequest| {
                    log::debug!("path not understood: {e}");
                    ApiError::NotFound.into()
                }),
            )
            .configure(routes::configure)
            .app_data(spec.clone())
            .map(|app| {
                app.service(
                    SwaggerUi::new("/docs/{_:.*}").config(SwaggerConfig::new([OPENAPI_PATH])),
                )
                .route("/docs", web::get().to(redirect_to_docs))
            })
            .default_service(web::to(routes::unrouted))
            // Compress outermost, so problems rendered by the request context are compressed
            // (or not) like any other body.
            .map(|app| app.wrap(from_fn(request_context)).wrap(Compress::default()))
            .into_app()
    })
    .workers(config.workers);
    let server = server
        .bind(config.bind_addr)
        .map_err(|cause| StartError::Bind {
            addr: config.bind_addr,
            cause,
        })?;
    let addr = server.addrs().first().copied().unwrap_or(config.bind_addr);
    Ok(Running {
        addr,
        server: server.run(),
    })
}

async fn redirect_to_docs() -> actix_web::HttpResponse {
    actix_web::HttpResponse::PermanentRedirect()
        .insert_header((actix_web::http::header::LOCATION, "/docs/"))
        .finish()
}

fn json_error(e: JsonPayloadError, limit: usize) -> ApiError {
    match e {
        JsonPayloadError::Overflow { .. } | JsonPayloadError::OverflowKnownLength { .. } => {
            ApiError::PayloadTooLarge { limit: Some(limit) }
        }
        JsonPayloadError::ContentType => ApiError::UnsupportedMediaType,
        JsonPayloadError::Deserialize(e) if e.is_data() => {
            ApiError::Validation(vec![FieldError::new(
                "body",
                Violation::InvalidFormat {
                    expected: e.to_string(),
                },
            )])
        }
        other => ApiError::MalformedBody(other.to_string()),
    }
}

fn query_error(e: QueryPayloadError) -> ApiError {
    ApiError::MalformedQuery(vec![FieldError::new(
        "query",
        Violation::InvalidFormat {
            expected: e.to_string(),
        },
    )])
}
