//! Zhenxing's HTTP layer: actix-web handlers and extractors, problem+json errors,
//! the OpenAPI document, and the server the `zhenxing` binary runs.

pub mod accounts;
pub mod auth;
pub mod config;
pub mod context;
pub mod error;
pub mod extract;
pub mod idempotency;
pub mod metrics;
pub mod openapi;
pub mod routes;
pub mod server;
pub mod services;
pub mod spreadsheet;
pub mod state;

pub use config::Config;
pub use error::ApiError;
