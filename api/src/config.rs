//! Configuration, from environment variables (and a `.env` file, if present). A bad
//! value stops the start with a message naming the variable.

use std::net::SocketAddr;
use std::time::Duration;

use persistence::personal_data::PiiKey;
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
    /// `MAX_IMPORT_BYTES`: the largest spreadsheet an import accepts.
    pub max_import_bytes: usize,
    /// `MAX_IMPORT_ROWS` and `MAX_IMPORT_UNPACKED_BYTES`: the other ceilings of one
    /// uploaded sheet.
    pub sheet_limits: crate::spreadsheet::SheetLimits,
    /// How failed logins slow further attempts (not configured from the environment;
    /// `LoginThrottle::DEFAULT`, documented in the README).
    pub login_throttle: domain::identity::LoginThrottle,
    /// The time every rule reads (the system clock; tests pin one).
    pub clock: crate::services::clock::Clock,
    /// `WORKERS`: HTTP worker threads.
    pub workers: usize,
    /// `JWT_SECRET`: the key that signs tokens. `None` only on SQLite, where one is
    /// generated and kept beside the database file.
    pub jwt_secret: Option<Vec<u8>>,
    /// `TOKEN_TTL_SECONDS`
    pub token_ttl: Duration,
    /// `BOOTSTRAP_ADMIN_PASSWORD`: the first admin's password, on a database with no users.
    pub bootstrap_admin_password: Option<String>,
    /// `CORS_ALLOWED_ORIGINS`: comma-separated origins allowed to call from a browser.
    pub cors_allowed_origins: Vec<String>,
    /// `TRUST_FORWARDED_FOR`: take the client address from the last `X-Forwarded-For`
    /// entry (set it only behind a proxy that appends one).
    pub trust_forwarded_for: bool,
    /// `STATS_CACHE_SECONDS`: how long the statistics of a year are reused before
    /// they are counted again (0: every request counts).
    pub stats_cache: Duration,
    /// `PII_KEY`: the key (base64 of 32 bytes) that seals households' personal data.
    /// `None` only on SQLite, where one is generated and kept beside the database file.
    pub pii_key: Option<PiiKey>,
    /// `PII_PREVIOUS_KEYS`: comma-separated keys that sealed data before a rotation;
    /// they only open (run `zhenxing reseal-personal-data` to move everything to `PII_KEY`).
    pub pii_previous_keys: Vec<PiiKey>,
}

/// The shortest acceptable `JWT_SECRET`, in bytes.
pub const MIN_JWT_SECRET_BYTES: usize = 32;

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
        let max_import_bytes = number(&get, "MAX_IMPORT_BYTES", 32 * 1024 * 1024, 1024, 1 << 30)?;
        let sheet_limits = crate::spreadsheet::SheetLimits {
            rows: number(&get, "MAX_IMPORT_ROWS", 20_000, 1, 1_000_000)? as usize,
            unpacked_bytes: number(
                &get,
                "MAX_IMPORT_UNPACKED_BYTES",
                64 * 1024 * 1024,
                1024 * 1024,
                4 << 30,
            )?,
        };
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get()) as u64;
        let workers = number(&get, "WORKERS", cores, 1, 256)?;
        let jwt_secret = match (get("JWT_SECRET"), &database_url) {
            (Some(secret), _) if secret.len() < MIN_JWT_SECRET_BYTES => {
                return Err(ConfigError {
                    variable: "JWT_SECRET",
                    message: format!(
                        "must be at least {MIN_JWT_SECRET_BYTES} bytes (it is {}); generate one with `openssl rand -base64 48`",
                        secret.len()
                    ),
                })
            }
            (Some(secret), _) => Some(secret.into_bytes()),
            // Required to serve on PostgreSQL; `serve` says so (maintenance commands
            // such as `migrate` need no secret).
            (None, _) => None,
        };
        let token_ttl =
            Duration::from_secs(number(&get, "TOKEN_TTL_SECONDS", 28_800, 60, 604_800)?);
        let bootstrap_admin_password = get("BOOTSTRAP_ADMIN_PASSWORD");
        let cors_allowed_origins = get("CORS_ALLOWED_ORIGINS")
            .map(|raw| {
                raw.split(',')
                    .map(|o| o.trim().trim_end_matches('/').to_owned())
                    .filter(|o| !o.is_empty())
                    .collect::<Vec<_>>()
            })
            .unwrap_or_default();
        if let Some(bad) = cors_allowed_origins
            .iter()
            .find(|o| !(o.starts_with("http://") || o.starts_with("https://")) || o.contains('*'))
        {
            return Err(ConfigError {
                variable: "CORS_ALLOWED_ORIGINS",
                message: format!(
                    "{bad:?} is not an origin such as https://zhenxing.example.gov.cn"
                ),
            });
        }
        let stats_cache = Duration::from_secs(number(&get, "STATS_CACHE_SECONDS", 30, 0, 3600)?);
        let trust_forwarded_for = match get("TRUST_FORWARDED_FOR").as_deref() {
            None | Some("false") | Some("0") => false,
            Some("true") | Some("1") => true,
            Some(other) => {
                return Err(ConfigError {
                    variable: "TRUST_FORWARDED_FOR",
                    message: format!("{other:?} is not true or false"),
                })
            }
        };
        let pii_key = get("PII_KEY")
            .map(|raw| PiiKey::from_base64(&raw))
            .transpose()
            .map_err(|message| ConfigError {
                variable: "PII_KEY",
                message,
            })?;
        let pii_previous_keys = get("PII_PREVIOUS_KEYS")
            .map(|raw| {
                raw.split(',')
                    .map(str::trim)
                    .filter(|k| !k.is_empty())
                    .map(PiiKey::from_base64)
                    .collect::<Result<Vec<_>, _>>()
            })
            .transpose()
            .map_err(|message| ConfigError {
                variable: "PII_PREVIOUS_KEYS",
                message,
            })?
            .unwrap_or_default();
        Ok(Config {
            database_url,
            bind_addr,
            db_pool_size: db_pool_size as u32,
            db_timeout,
            max_body_bytes: max_body_bytes as usize,
            max_import_bytes: max_import_bytes as usize,
            sheet_limits,
            login_throttle: domain::identity::LoginThrottle::DEFAULT,
            clock: crate::services::clock::Clock::System,
            workers: workers as usize,
            jwt_secret,
            token_ttl,
            bootstrap_admin_password,
            cors_allowed_origins,
            trust_forwarded_for,
            stats_cache,
            pii_key,
            pii_previous_keys,
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
            ("JWT_SECRET", "too-short"),
            ("TOKEN_TTL_SECONDS", "5"),
            ("CORS_ALLOWED_ORIGINS", "*"),
            ("TRUST_FORWARDED_FOR", "perhaps"),
            ("STATS_CACHE_SECONDS", "7200"),
            ("PII_KEY", "c2hvcnQ="),
            ("PII_PREVIOUS_KEYS", "not base64!"),
        ] {
            let err = config(&[(var, value)]).unwrap_err();
            assert_eq!(err.variable, var);
            assert!(err.to_string().contains(var));
        }
    }

    #[test]
    fn postgres_gets_a_bigger_pool() {
        assert!(config(&[("DATABASE_URL", "postgres://u@h/db")])
            .unwrap()
            .jwt_secret
            .is_none());
        let secret = "x".repeat(32);
        let c = config(&[
            ("DATABASE_URL", "postgres://u@h/db"),
            ("JWT_SECRET", &secret),
        ])
        .unwrap();
        assert_eq!(c.db_pool_size, 10);
        assert_eq!(c.jwt_secret.as_deref(), Some(secret.as_bytes()));
    }

    #[test]
    fn origins_are_listed() {
        let c = config(&[(
            "CORS_ALLOWED_ORIGINS",
            "https://a.example, http://localhost:5173/",
        )])
        .unwrap();
        assert_eq!(
            c.cors_allowed_origins,
            ["https://a.example", "http://localhost:5173"]
        );
        assert_eq!(c.token_ttl, Duration::from_secs(28_800));
    }
}
