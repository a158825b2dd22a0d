//! The black-box test harness: each test gets a fresh database (a temporary SQLite
//! file, or a PostgreSQL database created for it when `TEST_DATABASE_URL` names a
//! server) and the real server on a free port, and talks to it over HTTP.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::net::SocketAddr;
use std::thread::JoinHandle;
use std::time::Duration;

use actix_web::dev::ServerHandle;
use api::Config;
use diesel::connection::SimpleConnection;
use diesel::Connection;
use persistence::db::DbManager;
use persistence::{DatabaseUrl, DbConnection};
use serde_json::Value;

/// The first admin's password in every test app (username `admin`).
pub const ADMIN_PASSWORD: &str = "test-root-password-1";
/// The token signing secret of every test app (tests forge tokens with it).
pub const JWT_SECRET: &str = "test-secret-test-secret-test-secret-0123";

/// The personal-data key of every test app on PostgreSQL (on SQLite the app generates
/// and keeps its own beside the database, as the embedded default does).
pub const PII_KEY: &str = "dGVzdC1rZXktdGVzdC1rZXktdGVzdC1rZXktMDEyMzQ=";

/// The environment variable naming a PostgreSQL server for the tests, e.g.
/// `postgres://postgres@127.0.0.1:5432/postgres`. Unset: SQLite.
pub const TEST_DATABASE_URL: &str = "TEST_DATABASE_URL";

/// A database made for one test and removed after it.
pub struct TestDb {
    pub url: DatabaseUrl,
    _dir: Option<tempfile::TempDir>,
    postgres: Option<PgTestDb>,
}

struct PgTestDb {
    admin_url: String,
    name: String,
}

impl TestDb {
    pub fn new() -> TestDb {
        match std::env::var(TEST_DATABASE_URL)
            .ok()
            .filter(|v| !v.is_empty())
        {
            Some(admin_url) => {
                let name = format!("zhenxing_test_{}", uuid::Uuid::now_v7().simple());
                let mut admin = diesel::PgConnection::establish(&admin_url).unwrap_or_else(|e| {
                    panic!("{TEST_DATABASE_URL}={admin_url} is set but unreachable: {e}")
                });
                admin
                    .batch_execute(&format!("CREATE DATABASE {name}"))
                    .unwrap();
                TestDb {
                    url: DatabaseUrl::Postgres(with_database(&admin_url, &name)),
                    _dir: None,
                    postgres: Some(PgTestDb { admin_url, name }),
                }
            }
            None => {
                let dir = tempfile::tempdir().unwrap();
                let url = DatabaseUrl::Sqlite(dir.path().join("zhenxing-test.db"));
                TestDb {
                    url,
                    _dir: Some(dir),
                    postgres: None,
                }
            }
        }
    }

    pub fn is_postgres(&self) -> bool {
        self.postgres.is_some()
    }

    /// A direct connection, for arranging data and checking what was stored.
    pub fn connect(&self) -> DbConnection {
        DbManager::new(self.url.clone()).establish().unwrap()
    }

    /// Runs SQL directly (test arrangement only).
    pub fn execute(&self, sql: &str) {
        self.connect().batch_execute(sql).unwrap();
    }

    /// Makes the database unreachable: drops it on PostgreSQL (ending its sessions),
    /// overwrites the file with garbage on SQLite.
    pub fn break_database(&self) {
        match (&self.postgres, &self.url) {
            (Some(pg), _) => {
                let mut admin = diesel::PgConnection::establish(&pg.admin_url).unwrap();
                admin
                    .batch_execute(&format!("DROP DATABASE {} WITH (FORCE)", pg.name))
                    .unwrap();
            }
            (None, DatabaseUrl::Sqlite(path)) => {
                for suffix in ["-wal", "-shm"] {
                    let mut p = path.clone().into_os_string();
                    p.push(suffix);
                    let _ = std::fs::remove_file(p);
                }
                std::fs::write(path, vec![0x5a; 64 * 1024]).unwrap();
            }
            (None, DatabaseUrl::Postgres(_)) => unreachable!(),
        }
    }
}

impl TestDb {
    /// After `break_database` on PostgreSQL: the database comes back, migrated.
    pub fn recreate(&self) {
        let pg = self.postgres.as_ref().expect("recreate is for PostgreSQL");
        let mut admin = diesel::PgConnection::establish(&pg.admin_url).unwrap();
        admin
            .batch_execute(&format!("CREATE DATABASE {}", pg.name))
            .unwrap();
        persistence::migrations::run_pending(&mut self.connect()).unwrap();
    }
}

impl Default for TestDb {
    fn default() -> Self {
        TestDb::new()
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Some(pg) = &self.postgres {
            if let Ok(mut admin) = diesel::PgConnection::establish(&pg.admin_url) {
                let _ = admin
                    .batch_execute(&format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", pg.name));
            }
        }
    }
}

fn with_database(admin_url: &str, name: &str) -> String {
    let (base, query) = match admin_url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (admin_url, None),
    };
    let scheme_end = base.find("://").map_or(0, |i| i + 3);
    let path_start = base[scheme_end..].find('/').map(|i| i + scheme_end);
    let host_part = path_start.map_or(base, |i| &base[..i]);
    match query {
        Some(q) => format!("{host_part}/{name}?{q}"),
        None => format!("{host_part}/{name}"),
    }
}

/// The real server, on a free port, over its own fresh database.
pub struct TestApp {
    pub addr: SocketAddr,
    pub db: TestDb,
    handle: ServerHandle,
    thread: Option<JoinHandle<()>>,
    agent: ureq::Agent,
}

impl TestApp {
    pub fn spawn() -> TestApp {
        TestApp::spawn_with(|_| {})
    }

    /// Starts the server after `adjust` has changed the configuration.
    pub fn spawn_with(adjust: impl FnOnce(&mut Config)) -> TestApp {
        let _ = env_logger_init();
        let db = TestDb::new();
        let mut config = Config::from_lookup(|_| None).unwrap();
        config.database_url = db.url.clone();
        config.bind_addr = "127.0.0.1:0".parse().unwrap();
        config.workers = 1;
        config.db_timeout = Duration::from_secs(2);
        config.bootstrap_admin_password = Some(ADMIN_PASSWORD.to_owned());
        config.jwt_secret = Some(JWT_SECRET.as_bytes().to_vec());
        // Tests read their own writes in the statistics at once.
        config.stats_cache = Duration::ZERO;
        if db.is_postgres() {
            config.pii_key =
                Some(persistence::personal_data::PiiKey::from_base64(PII_KEY).unwrap());
        }
        adjust(&mut config);
        let prepared = api::server::prepare(&config).unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        let thread = std::thread::spawn(move || {
            actix_web::rt::System::new().block_on(async move {
                let running = api::server::start(&config, prepared).unwrap();
                tx.send((running.addr, running.server.handle())).unwrap();
                let _ = running.server.await;
            });
        });
        let (addr, handle) = rx.recv_timeout(Duration::from_secs(30)).unwrap();
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(30)))
            .build()
            .into();
        TestApp {
            addr,
            db,
            handle,
            thread: Some(thread),
            agent,
        }
    }

    /// The full URL of `path`, with non-ASCII characters percent-encoded as a
    /// browser would.
    pub fn url(&self, path: &str) -> String {
        let mut encoded = String::with_capacity(path.len());
        for ch in path.chars() {
            if ch.is_ascii() {
                encoded.push(ch);
            } else {
                let mut buf = [0u8; 4];
                for byte in ch.encode_utf8(&mut buf).bytes() {
                    encoded.push_str(&format!("%{byte:02X}"));
                }
            }
        }
        format!("http://{}{}", self.addr, encoded)
    }

    /// `GET path` with extra headers.
    pub fn get_with(&self, path: &str, headers: &[(&str, &str)]) -> Response {
        let mut req = self.agent.get(&self.url(path));
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        Response::from(req.call().unwrap())
    }

    pub fn get(&self, path: &str) -> Response {
        self.get_with(path, &[])
    }

    /// A request with a body and any method.
    pub fn send(&self, method: &str, path: &str, content_type: &str, body: &[u8]) -> Response {
        let req = actix_web::http::Method::from_bytes(method.as_bytes()).unwrap();
        let request = ureq::http::Request::builder()
            .method(req.as_str())
            .uri(self.url(path))
            .header("content-type", content_type)
            .body(body.to_vec())
            .unwrap();
        Response::from(self.agent.run(request).unwrap())
    }
}

/// An account made for a test, logged in.
#[derive(Debug, Clone)]
pub struct TestUser {
    pub id: String,
    pub username: String,
    pub password: String,
    pub token: String,
}

impl TestApp {
    /// Any request: `token` as a bearer token, `body` as JSON, extra headers.
    pub fn request(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Option<&Value>,
        headers: &[(&str, &str)],
    ) -> Response {
        let mut builder = ureq::http::Request::builder()
            .method(method)
            .uri(self.url(path));
        if let Some(token) = token {
            builder = builder.header("authorization", format!("Bearer {token}"));
        }
        let bytes = match body {
            Some(body) => {
                builder = builder.header("content-type", "application/json");
                serde_json::to_vec(body).unwrap()
            }
            None => Vec::new(),
        };
        for (k, v) in headers {
            builder = builder.header(*k, *v);
        }
        Response::from(self.agent.run(builder.body(bytes).unwrap()).unwrap())
    }

    /// Logs in; panics unless it works.
    pub fn login(&self, username: &str, password: &str) -> String {
        let res = self.request(
            "POST",
            "/api/v1/auth/login",
            None,
            Some(&serde_json::json!({"username": username, "password": password})),
            &[],
        );
        assert_eq!(res.status, 200, "login {username}: {}", res.text);
        res.json()["access_token"].as_str().unwrap().to_owned()
    }

    /// A token of the bootstrap admin.
    pub fn admin_token(&self) -> String {
        self.login("admin", ADMIN_PASSWORD)
    }

    /// Creates an account through the API (as the admin) and logs it in.
    /// `region_code` for officers, `organization_id` for org users.
    pub fn create_user(
        &self,
        role: &str,
        region_code: Option<&str>,
        organization_id: Option<&str>,
    ) -> TestUser {
        let admin = self.admin_token();
        let username = format!(
            "{}-{}",
            role.replace('_', "-"),
            &uuid::Uuid::now_v7().simple().to_string()[20..]
        );
        let password = "pw-for-tests-0123".to_owned();
        let body = serde_json::json!({
            "username": username,
            "display_name": format!("{role} for tests"),
            "role": role,
            "region_code": region_code,
            "organization_id": organization_id,
            "password": password,
        });
        let res = self.request("POST", "/api/v1/users", Some(&admin), Some(&body), &[]);
        assert_eq!(res.status, 201, "create {role}: {}", res.text);
        let id = res.json()["id"].as_str().unwrap().to_owned();
        let token = self.login(&username, &password);
        TestUser {
            id,
            username,
            password,
            token,
        }
    }
}

const CREDIT_ALPHABET: &[u8; 31] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";

/// A valid credit code of a provincial social group of Yunnan (`51530000…`).
pub fn credit_code(n: u32) -> String {
    credit_code_with("51530000", n)
}

/// A valid credit code: `prefix` (8 characters: department, kind, division), an
/// organization code `MJ` + `n` as 6 digits with its GB 11714 check, and the GB 32100
/// check character.
pub fn credit_code_with(prefix: &str, n: u32) -> String {
    assert_eq!(prefix.len(), 8);
    let body = format!("MJ{n:06}");
    let value11 = |b: u8| match b {
        b'0'..=b'9' => u32::from(b - b'0'),
        _ => u32::from(b - b'A') + 10,
    };
    let sum: u32 = body
        .bytes()
        .zip([3, 7, 9, 10, 5, 8, 4, 2])
        .map(|(b, w)| value11(b) * w)
        .sum();
    let c9 = match 11 - sum % 11 {
        10 => 'X',
        11 => '0',
        d => char::from(b'0' + u8::try_from(d).unwrap()),
    };
    let first17 = format!("{prefix}{body}{c9}");
    let (mut weight, mut sum) = (1u32, 0u32);
    for b in first17.bytes() {
        let value = u32::try_from(CREDIT_ALPHABET.iter().position(|&c| c == b).unwrap()).unwrap();
        sum += value * weight;
        weight = weight * 3 % 31;
    }
    let c18 = char::from(CREDIT_ALPHABET[((31 - sum % 31) % 31) as usize]);
    format!("{first17}{c18}")
}

impl TestApp {
    /// Registers an active organization through the API (as the admin); returns its id.
    pub fn create_organization(&self, name: &str, n: u32) -> String {
        let body = serde_json::json!({
            "name": name,
            "credit_code": credit_code(n),
            "org_type": "social_group",
            "level": "provincial",
            "sector": "charity",
            "registration_region_code": "53",
        });
        let res = self.request(
            "POST",
            "/api/v1/organizations",
            Some(&self.admin_token()),
            Some(&body),
            &[],
        );
        assert_eq!(res.status, 201, "create organization: {}", res.text);
        res.json()["id"].as_str().unwrap().to_owned()
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        let handle = self.handle.clone();
        actix_web::rt::System::new().block_on(handle.stop(false));
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn env_logger_init() -> Result<(), ()> {
    // Log lines only when a test run asks for them with RUST_LOG.
    if std::env::var_os("RUST_LOG").is_some() {
        let _ = env_logger::builder().is_test(true).try_init();
    }
    Ok(())
}

/// What came back.
#[derive(Debug)]
pub struct Response {
    pub status: u16,
    pub headers: ureq::http::HeaderMap,
    pub bytes: Vec<u8>,
    pub text: String,
}

impl Response {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.text).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text))
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// Asserts this is a problem+json of `status` and `code`, and returns its body.
    pub fn problem(&self, status: u16, code: &str) -> Value {
        assert_eq!(self.status, status, "{}", self.text);
        assert_eq!(
            self.header("content-type"),
            Some("application/problem+json"),
            "{}",
            self.text
        );
        let body = self.json();
        assert_eq!(body["status"], status);
        assert_eq!(body["code"], code, "{body}");
        assert_eq!(body["type"], format!("urn:zhenxing:problem:{code}"));
        assert!(body["title"].as_str().is_some_and(|t| !t.is_empty()));
        assert!(body["detail"].as_str().is_some_and(|t| !t.is_empty()));
        assert!(body["request_id"].as_str().is_some_and(|t| !t.is_empty()));
        body
    }
}

impl From<ureq::http::Response<ureq::Body>> for Response {
    fn from(mut res: ureq::http::Response<ureq::Body>) -> Self {
        let status = res.status().as_u16();
        let headers = res.headers().clone();
        let bytes = res
            .body_mut()
            .with_config()
            .limit(64 * 1024 * 1024)
            .read_to_vec()
            .unwrap();
        let text = String::from_utf8_lossy(&bytes).into_owned();
        Response {
            status,
            headers,
            bytes,
            text,
        }
    }
}

/// The civil date `days` days after 1970-01-01, as YYYY-MM-DD.
pub fn civil_date(days: i64) -> String {
    // Howard Hinnant's days_from_civil, inverted.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}")
}

/// Today plus `offset` days in Asia/Shanghai (UTC+8), as the server counts days.
pub fn shanghai_day(offset: i64) -> String {
    let secs = i64::try_from(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs(),
    )
    .unwrap();
    civil_date((secs + 8 * 3600).div_euclid(86_400) + offset)
}

/// Today in Asia/Shanghai, as YYYY-MM-DD.
pub fn today() -> String {
    shanghai_day(0)
}
