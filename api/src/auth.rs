//! Authentication: passwords (Argon2id), tokens (JWT, HS256 pinned), the
//! `Authenticated` extractor, and the facts about a request the audit log keeps.

use std::future::Future;
use std::path::Path;
use std::pin::Pin;
use std::sync::OnceLock;
use std::time::Duration;

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{web, FromRequest, HttpMessage, HttpRequest};
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use chrono::{DateTime, Utc};
use domain::identity::{Account, Actor};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use persistence::journal::WriteContext;
use rand::Rng;
use serde::{Deserialize, Serialize};

use crate::config::MIN_JWT_SECRET_BYTES;
use crate::context::RequestId;
use crate::error::ApiError;
use crate::state::AppState;

/// What a token says. `role` and `scope` describe the account when the token was
/// issued; authorization always uses the account as it is now.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Claims {
    /// The account's id.
    pub sub: String,
    pub role: String,
    /// `province`, `prefecture:<code>`, `county:<code>` or `organization:<id>`.
    pub scope: String,
    /// The token's id, for revocation.
    pub jti: String,
    pub iat: i64,
    pub exp: i64,
    /// The account's session epoch when issued; a higher one ends the token.
    pub epoch: i32,
}

/// Signs and checks tokens. HS256 only: a token naming any other algorithm
/// (`none`, RS256, …) is refused.
pub struct TokenKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    pub ttl: Duration,
}

impl TokenKeys {
    pub fn new(secret: &[u8], ttl: Duration) -> TokenKeys {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.leeway = 5;
        validation.set_required_spec_claims(&["exp", "iat", "sub"]);
        TokenKeys {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            validation,
            ttl,
        }
    }

    /// A new token for `account`, with its id and expiry.
    pub fn issue(
        &self,
        account: &Account,
    ) -> Result<(String, uuid::Uuid, DateTime<Utc>), ApiError> {
        let actor = account
            .actor()
            .ok_or_else(|| ApiError::Internal(format!("account {} has no scope", account.id)))?;
        let now = persistence::now();
        let ttl =
            chrono::Duration::from_std(self.ttl).map_err(|e| ApiError::Internal(e.to_string()))?;
        let expires_at = now + ttl;
        let jti = uuid::Uuid::now_v7();
        let claims = Claims {
            sub: account.id.to_string(),
            role: account.role.as_str().to_owned(),
            scope: actor.scope.claim(),
            jti: jti.to_string(),
            iat: now.timestamp(),
            exp: expires_at.timestamp(),
            epoch: account.session_epoch,
        };
        let token = jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .map_err(|e| ApiError::Internal(format!("signing a token: {e}")))?;
        Ok((token, jti, expires_at))
    }

    pub fn verify(&self, token: &str) -> Result<Claims, ApiError> {
        jsonwebtoken::decode::<Claims>(token, &self.decoding, &self.validation)
            .map(|data| data.claims)
            .map_err(|_| ApiError::Unauthorized { token_given: true })
    }
}

/// The signing secret: `JWT_SECRET`, or on SQLite without one, a random secret kept
/// in `<database>.jwt-secret` (created on first start, readable by the owner only).
pub fn resolve_jwt_secret(
    configured: Option<&[u8]>,
    sqlite_path: Option<&Path>,
) -> Result<Vec<u8>, String> {
    if let Some(secret) = configured {
        return Ok(secret.to_vec());
    }
    let Some(db_path) = sqlite_path else {
        return Err(format!(
            "JWT_SECRET: required with PostgreSQL (at least {MIN_JWT_SECRET_BYTES} bytes, the same on every \
             replica); generate one with `openssl rand -base64 48`"
        ));
    };
    let mut path = db_path.as_os_str().to_owned();
    path.push(".jwt-secret");
    let path = std::path::PathBuf::from(path);
    match std::fs::read_to_string(&path) {
        Ok(existing) => {
            let secret = existing.trim().as_bytes().to_vec();
            if secret.len() < MIN_JWT_SECRET_BYTES {
                return Err(format!(
                    "{}: shorter than {MIN_JWT_SECRET_BYTES} bytes",
                    path.display()
                ));
            }
            Ok(secret)
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let secret = random_text(64);
            write_private(&path, &secret).map_err(|e| format!("{}: {e}", path.display()))?;
            log::warn!(
                "JWT_SECRET is not set: generated a signing secret and kept it in {} (set JWT_SECRET to choose your own; \
                 every replica must share it)",
                path.display()
            );
            Ok(secret.into_bytes())
        }
        Err(e) => Err(format!("{}: {e}", path.display())),
    }
}

fn write_private(path: &Path, contents: &str) -> std::io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path)?;
    file.write_all(contents.as_bytes())?;
    file.write_all(b"\n")
}

/// Random text of letters and digits, from the operating system's generator.
pub fn random_text(len: usize) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
    let mut rng = rand::rng();
    (0..len)
        .map(|_| char::from(ALPHABET[rng.random_range(0..ALPHABET.len())]))
        .collect()
}

// --- Passwords ----------------------------------------------------------------

/// Hashes a password with Argon2id (the crate's defaults: 19 MiB, 2 passes). Slow by
/// design: call it off the async workers.
pub fn hash_password(password: &str) -> Result<String, ApiError> {
    let salt = SaltString::encode_b64(&rand::random::<[u8; 16]>())
        .map_err(|e| ApiError::Internal(format!("salt: {e}")))?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|hash| hash.to_string())
        .map_err(|e| ApiError::Internal(format!("hashing a password: {e}")))
}

/// Checks a password against a stored hash; `None` (no such account) still spends the
/// time of a real check, so the answer's timing does not tell which was wrong.
pub fn verify_password(password: &str, stored: Option<&str>) -> bool {
    static DUMMY: OnceLock<String> = OnceLock::new();
    let dummy = DUMMY.get_or_init(|| hash_password(&random_text(24)).unwrap_or_default());
    let hash = stored.unwrap_or(dummy);
    let Ok(parsed) = PasswordHash::new(hash) else {
        return false;
    };
    let ok = Argon2::default()
        .verify_password(password.as_bytes(), &parsed)
        .is_ok();
    ok && stored.is_some()
}

/// Hashes off the async workers.
pub async fn hash_password_blocking(password: String) -> Result<String, ApiError> {
    web::block(move || hash_password(&password)).await?
}

/// Verifies off the async workers.
pub async fn verify_password_blocking(
    password: String,
    stored: Option<String>,
) -> Result<bool, ApiError> {
    Ok(web::block(move || verify_password(&password, stored.as_deref())).await?)
}

// --- The extractor ------------------------------------------------------------

/// The caller, proven by a bearer token that is signed, current, not revoked, and
/// whose account is active and in the same session epoch. Its presence in a handler's
/// signature makes the endpoint require a token (401 otherwise).
#[derive(Debug, Clone)]
pub struct Authenticated {
    pub account: Account,
    pub actor: Actor,
    pub jti: uuid::Uuid,
    pub expires_at: DateTime<Utc>,
}

pub(crate) fn bearer_token(req: &HttpRequest) -> Option<String> {
    let value = req.headers().get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.trim().split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim().to_owned())
        .filter(|t| !t.is_empty())
}

impl FromRequest for Authenticated {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let token = bearer_token(req);
        let keys = req.app_data::<web::Data<TokenKeys>>().cloned();
        let state = req.app_data::<web::Data<AppState>>().cloned();
        let req = req.clone();
        Box::pin(async move {
            let invalid = || ApiError::Unauthorized { token_given: true };
            let token = token.ok_or(ApiError::Unauthorized { token_given: false })?;
            let (Some(keys), Some(state)) = (keys, state) else {
                return Err(ApiError::Internal("token keys or state missing".to_owned()));
            };
            let claims = keys.verify(&token)?;
            let user_id = uuid::Uuid::parse_str(&claims.sub).map_err(|_| invalid())?;
            let jti = uuid::Uuid::parse_str(&claims.jti).map_err(|_| invalid())?;
            let account = state
                .db(move |conn| Ok(persistence::users::session_account(conn, user_id, jti)?))
                .await?
                .ok_or_else(invalid)?;
            if !account.active || account.session_epoch != claims.epoch {
                return Err(invalid());
            }
            let actor = account.actor().ok_or_else(invalid)?;
            let expires_at = DateTime::from_timestamp(claims.exp, 0).unwrap_or_else(Utc::now);
            let authenticated = Authenticated {
                account,
                actor,
                jti,
                expires_at,
            };
            req.extensions_mut().insert(authenticated.actor.clone());
            Ok(authenticated)
        })
    }
}

/// The client's address: the TCP peer, or with `TRUST_FORWARDED_FOR` the last
/// `X-Forwarded-For` entry (the one our own proxy appended; earlier ones are the
/// client's word).
pub fn client_ip(req: &HttpRequest) -> String {
    let trust = req
        .app_data::<web::Data<AppState>>()
        .is_some_and(|s| s.trust_forwarded_for);
    if trust {
        let forwarded = req
            .headers()
            .get_all("x-forwarded-for")
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .last();
        if let Some(ip) = forwarded {
            return ip.to_owned();
        }
    }
    req.peer_addr()
        .map(|a| a.ip().to_string())
        .unwrap_or_else(|| "unknown".to_owned())
}

/// The audit log's view of a request: who, from where, under which request id.
pub fn write_context(req: &HttpRequest, actor: Option<&Actor>) -> WriteContext {
    WriteContext {
        actor_id: actor.map(|a| a.user_id),
        actor_role: actor.map(|a| a.role.as_str().to_owned()),
        request_id: req
            .extensions()
            .get::<RequestId>()
            .map(|id| id.0.to_string()),
        client_ip: Some(client_ip(req)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_verify_only_against_their_hash() {
        let hash = hash_password("correct horse battery").unwrap();
        assert!(hash.starts_with("$argon2id$"));
        assert!(verify_password("correct horse battery", Some(&hash)));
        assert!(!verify_password("wrong horse battery", Some(&hash)));
        assert!(!verify_password("correct horse battery", None));
    }

    #[test]
    fn a_generated_secret_is_kept_and_reused() {
        let dir = tempfile_dir();
        let db = dir.join("z.db");
        let first = resolve_jwt_secret(None, Some(&db)).unwrap();
        assert!(first.len() >= MIN_JWT_SECRET_BYTES);
        let again = resolve_jwt_secret(None, Some(&db)).unwrap();
        assert_eq!(first, again);
        assert!(resolve_jwt_secret(None, None).is_err());
        assert_eq!(
            resolve_jwt_secret(Some(b"given"), Some(&db)).unwrap(),
            b"given"
        );
        let _ = std::fs::remove_dir_all(dir);
    }

    fn tempfile_dir() -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!("zhenxing-auth-{}", uuid::Uuid::now_v7()));
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }
}

/// The caller if a token was sent: `None` without an `Authorization` header, the
/// account with a valid token, and 401 with an invalid one (a bad token is never
/// quietly treated as no token). For endpoints the public may also call.
#[derive(Debug, Clone)]
pub struct MaybeAuthenticated(pub Option<Authenticated>);

impl MaybeAuthenticated {
    pub fn actor(&self) -> Option<&Actor> {
        self.0.as_ref().map(|a| &a.actor)
    }
}

impl FromRequest for MaybeAuthenticated {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        if !req.headers().contains_key(header::AUTHORIZATION) {
            return Box::pin(async { Ok(MaybeAuthenticated(None)) });
        }
        let authenticated = Authenticated::from_request(req, payload);
        Box::pin(async move { authenticated.await.map(|a| MaybeAuthenticated(Some(a))) })
    }
}

/// Whose records an actor's lists show (DESIGN.md §5).
pub fn visibility(actor: &Actor) -> persistence::Visibility {
    use domain::identity::{Role, Scope};
    match (&actor.role, &actor.scope) {
        (Role::OrgUser, Scope::Organization(id)) => persistence::Visibility::Organization(*id),
        (
            Role::PrefectureOfficer | Role::CountyOfficer,
            Scope::Prefecture(code) | Scope::County(code),
        ) => persistence::Visibility::Region(code.clone()),
        _ => persistence::Visibility::All,
    }
}

/// The organization a new record is for: the one named, or an organization user's
/// own; others must name one (422).
pub fn acting_organization(
    named: Option<uuid::Uuid>,
    actor: &Actor,
) -> Result<uuid::Uuid, ApiError> {
    match (named, &actor.scope) {
        (Some(id), _) => Ok(id),
        (None, domain::identity::Scope::Organization(own)) => Ok(*own),
        (None, _) => Err(ApiError::Validation(vec![domain::FieldError::new(
            "organization_id",
            domain::Violation::Required,
        )])),
    }
}
