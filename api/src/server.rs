//! Starting the service: prepare the database (migrate, seed), then serve.

use std::net::SocketAddr;

use actix_cors::Cors;
use actix_web::dev::Server;
use actix_web::error::{JsonPayloadError, PathError, QueryPayloadError};
use actix_web::middleware::{from_fn, Compress, Condition};
use actix_web::{web, App, HttpRequest, HttpServer};
use domain::{FieldError, Violation};
use persistence::db::{build_pool, DbManager, PoolOptions};
use persistence::personal_data::{self, PiiKey, Vault};
use persistence::{DbPool, PersistenceError};
use utoipa::OpenApi;
use utoipa_actix_web::AppExt;
use utoipa_swagger_ui::{Config as SwaggerConfig, SwaggerUi};

use crate::auth::TokenKeys;
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
    #[error("{0}")]
    Setup(String),
}

/// What the server needs that start-up prepares.
pub struct Prepared {
    pub pool: DbPool,
    pub jwt_secret: Vec<u8>,
    pub vault: std::sync::Arc<Vault>,
}

/// Connects once (so a wrong URL or a down server is reported with the database's
/// own words), applies pending migrations, loads the divisions into an empty
/// database, creates the first admin on a database without accounts, and settles the
/// token signing secret.
pub fn prepare(config: &Config) -> Result<Prepared, StartError> {
    let manager = DbManager::new(config.database_url.clone());
    let mut conn = manager.establish().map_err(|e| StartError::Connect {
        url: config.database_url.redacted(),
        cause: e.to_string(),
    })?;
    migrate_and_seed(&mut conn)?;
    let generated =
        crate::accounts::bootstrap_admin(&mut conn, config.bootstrap_admin_password.as_deref())
            .map_err(StartError::Setup)?;
    if let Some(password) = generated {
        log::warn!(
            "created the first account: username `admin` (province admin), password `{password}`. \
             This is shown once: log in and change it (POST /api/v1/users/{{id}}/password), \
             or set BOOTSTRAP_ADMIN_PASSWORD before the first start."
        );
    }
    let vault = resolve_vault(config, &mut conn).map_err(StartError::Setup)?;
    drop(conn);
    let jwt_secret = crate::auth::resolve_jwt_secret(
        config.jwt_secret.as_deref(),
        config.database_url.sqlite_path(),
    )
    .map_err(StartError::Setup)?;
    let pool = build_pool(
        config.database_url.clone(),
        PoolOptions {
            max_size: config.db_pool_size,
            connection_timeout: config.db_timeout,
        },
    );
    Ok(Prepared {
        pool,
        jwt_secret,
        vault: std::sync::Arc::new(vault),
    })
}

/// The vault for households' personal data: `PII_KEY`, or on SQLite without one a key
/// kept in `<database>.pii-key`, generated on first start. A key is never generated
/// over households already stored: they could no longer be opened.
pub fn resolve_vault(
    config: &Config,
    conn: &mut persistence::DbConnection,
) -> Result<Vault, String> {
    let previous = config.pii_previous_keys.clone();
    if let Some(key) = &config.pii_key {
        return Ok(Vault::new(key.clone(), previous));
    }
    let Some(db_path) = config.database_url.sqlite_path() else {
        return Err(
            "PII_KEY: required with PostgreSQL (base64 of 32 bytes, the same on every replica, \
             kept outside the database); generate one with `openssl rand -base64 32`"
                .to_owned(),
        );
    };
    let path = personal_data::key_file_path(db_path);
    if let Some(key) = personal_data::read_key_file(&path)? {
        return Ok(Vault::new(key, previous));
    }
    if persistence::households::any_household(conn).map_err(|e| e.to_string())? {
        return Err(format!(
            "PII_KEY: not set, and {} is missing while households are stored: restore the key \
             file or set PII_KEY to the key that sealed them (a new key would not open them)",
            path.display()
        ));
    }
    let key = PiiKey::generate();
    personal_data::write_key_file(&path, &key)?;
    log::warn!(
        "PII_KEY is not set: generated the key that seals households' personal data and kept it in {} \
         (back it up with the database: without it the personal data cannot be read; set PII_KEY to \
         manage the key yourself)",
        path.display()
    );
    Ok(Vault::new(key, previous))
}

/// Applies pending migrations and loads the divisions into a database without them.
pub fn migrate_and_seed(conn: &mut persistence::DbConnection) -> Result<(), StartError> {
    let applied = persistence::migrations::run_pending(conn)?;
    if !applied.is_empty() {
        log::info!("applied migrations: {}", applied.join(", "));
    }
    if !persistence::seed::regions_present(conn).map_err(PersistenceError::from)? {
        let inserted = persistence::seed::seed_regions(conn)?;
        log::info!("loaded {inserted} divisions of Yunnan");
    }
    Ok(())
}

/// A server that is bound and ready to be awaited.
pub struct Running {
    pub addr: SocketAddr,
    pub server: Server,
}

/// Binds the HTTP server. Await `Running::server` inside an actix system to serve.
pub fn start(config: &Config, prepared: Prepared) -> Result<Running, StartError> {
    let token_keys = web::Data::new(TokenKeys::new(&prepared.jwt_secret, config.token_ttl));
    let origins = config.cors_allowed_origins.clone();
    let state = AppState {
        pool: prepared.pool,
        backend: config.database_url.backend(),
        max_body_bytes: config.max_body_bytes,
        max_import_bytes: config.max_import_bytes,
        sheet_limits: config.sheet_limits,
        login_throttle: config.login_throttle,
        trust_forwarded_for: config.trust_forwarded_for,
        vault: prepared.vault,
        stats: std::sync::Arc::new(crate::services::stats_cache::StatsCache::new(
            config.stats_cache,
        )),
        clock: config.clock,
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
            .app_data(token_keys.clone())
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
            .map(|app| {
                app.wrap(from_fn(crate::idempotency::idempotent_posts))
                    .wrap(Condition::new(!origins.is_empty(), cors(&origins)))
                    .wrap(from_fn(request_context))
                    .wrap(Compress::default())
            })
            .into_app()
    })
    .workers(config.workers)
    // Database work runs on the blocking pool (one per worker); more threads in all
    // than connections would only wait for one, each holding its own allocator arena
    // (memory under load).
    .worker_max_blocking_threads((config.db_pool_size as usize / config.workers.max(1)).max(2));
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

/// Browsers on the listed origins may call the API (with a token; no cookies).
fn cors(origins: &[String]) -> Cors {
    let cors = origins
        .iter()
        .fold(Cors::default(), |cors, origin| cors.allowed_origin(origin));
    cors.allowed_methods(["GET", "POST", "PATCH", "PUT", "DELETE"])
        .allowed_headers([
            actix_web::http::header::AUTHORIZATION,
            actix_web::http::header::CONTENT_TYPE,
            actix_web::http::header::ACCEPT,
            actix_web::http::header::ACCEPT_LANGUAGE,
            actix_web::http::header::IF_MATCH,
            actix_web::http::header::IF_NONE_MATCH,
            crate::context::REQUEST_ID,
            actix_web::http::header::HeaderName::from_static("idempotency-key"),
        ])
        .expose_headers([
            actix_web::http::header::ETAG,
            actix_web::http::header::LOCATION,
            actix_web::http::header::RETRY_AFTER,
            crate::context::REQUEST_ID,
        ])
        .max_age(3600)
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
