//! Configuration, from environment variables (and a `.env` file, if present). A bad
//! value stops the start with a message naming the variable.

use std::net::SocketAddr;
use std::time::Duration;

use persistence::DatabaseUrl;

pub const DEFAULT_DATABASE_URL: &str = "sqlite://zhenxing.db";
pub const DEFAULT_BIND_ADDR: &str = "127.0.0.1:8080";
pub const DEFAULT_MAX_BODY_BYTES: usize = 1024 * 1024;

#[derive(Debug, Clone)]
pub struct Config {
    /// `DATABASE_URL`
    pub database_url: DatabaseUrl,
    /// `BIND_ADDR`
    pub bind_addr: SocketAddr,
    /// `DB_POOL_SIZE`
    pub db_pool_size: u32,
    /// `DB_TIMEOUT_SECONDS`: how long a request waits for a connection before a 503.
    pub db_timeout: Duration,
    /// `MAX_BODY_BYTES`
    pub max_body_bytes: usize,
    /// `WORKERS`: HTTP worker threads.
    pub workers: usize,
}

#[derive(Debug, thiserror::Error)]
#[error("configuration: {variable}: {message}")]
pub struct ConfigError {
    pub variable: &'static str,
    pub message: String,
}

impl Config {
    /// Reads the process environment (after loading `.env`, if any).
    pub fn from_env() -> Result<Config, ConfigError> {
        Config::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads configuration through `lookup` (the environment, or a map in tests).
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Config, ConfigError> {
        let get = |name: &str| {
            lookup(name)
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
        };
        let database_url = get("DATABASE_URL").unwrap_or_else(|| DEFAULT_DATABASE_URL.to_owned());
        let database_url = DatabaseUrl::parse(&database_url).map_err(|message| ConfigError {
            variable: "DATABASE_URL",
            message,
        })?;
        let bind_addr = get("BIND_ADDR")
            .unwrap_or_else(|| DEFAULT_BIND_ADDR.to_owned())
            .parse::<SocketAddr>()
            .map_err(|e| ConfigError {
                variable: "BIND_ADDR",
                message: format!("{e}; expected IP:PORT such as 127.0.0.1:8080 or 0.0.0.0:8080"),
            })?;
        let default_pool = match database_url {
            DatabaseUrl::Postgres(_) => 10,
            DatabaseUrl::Sqlite(_) => 4,
        };
        let db_pool_size = number(&get, "DB_POOL_SIZE", default_pool, 1, 1000)?;
        let db_timeout = Duration::from_secs(number(&get, "DB_TIMEOUT_SECONDS", 5, 1, 300)?);
        let max_body_bytes = number(
            &get,
            "MAX_BODY_BYTES",
            DEFAULT_MAX_BODY_BYTES as u64,
            1024,
            1 << 30,
        )?;
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get()) as u64;
        let workers = number(&get, "WORKERS", cores, 1, 256)?;
        Ok(Config {
            database_url,
            bind_addr,
            db_pool_size: db_pool_size as u32,
            db_timeout,
            max_body_bytes: max_body_bytes as usize,
            workers: workers as usize,
        })
    }
}

fn number(
    get: &impl Fn(&str) -> Option<String>,
    variable: &'static str,
    default: u64,
    min: u64,
    max: u64,
) -> Result<u64, ConfigError> {
    let Some(raw) = get(variable) else {
        return Ok(default);
    };
    match raw.parse::<u64>() {
        Ok(n) if (min..=max).contains(&n) => Ok(n),
        _ => Err(ConfigError {
            variable,
            message: format!("{raw:?} is not a whole number from {min} to {max}"),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn config(pairs: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| ((*k).into(), (*v).into()))
            .collect();
        Config::from_lookup(|k| map.get(k).cloned())
    }

    #[test]
    fn defaults_give_the_embedded_setup() {
        let c = config(&[]).unwrap();
        assert_eq!(c.database_url, DatabaseUrl::Sqlite("zhenxing.db".into()));
        assert_eq!(c.bind_addr.to_string(), "127.0.0.1:8080");
        assert_eq!(c.db_pool_size, 4);
        assert_eq!(c.max_body_bytes, 1024 * 1024);
    }

    #[test]
    fn bad_values_name_their_variable() {
        for (var, value) in [
            ("DATABASE_URL", "mysql://x"),
            ("BIND_ADDR", "localhost"),
            ("DB_POOL_SIZE", "0"),
            ("DB_POOL_SIZE", "many"),
            ("MAX_BODY_BYTES", "-1"),
            ("DB_TIMEOUT_SECONDS", "0"),
            ("WORKERS", "1000"),
        ] {
            let err = config(&[(var, value)]).unwrap_err();
            assert_eq!(err.variable, var);
            assert!(err.to_string().contains(var));
        }
    }

    #[test]
    fn postgres_gets_a_bigger_pool() {
        let c = config(&[("DATABASE_URL", "postgres://u@h/db")]).unwrap();
        assert_eq!(c.db_pool_size, 10);
    }
}
