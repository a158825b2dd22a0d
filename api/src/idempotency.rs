//! `Idempotency-Key` on `POST`: a retry of a create (same user, same key, same
//! request) within 24 hours gets the first answer again, status and body, without a
//! second write; the same key with another request is a 422; a retry arriving while
//! the first is still being handled waits for its answer. Keys live in the database,
//! so a retry may reach any replica.
//!
//! Only successful answers (2xx) are kept: a request that failed wrote nothing, so a
//! retry simply runs again.

use std::time::{Duration, Instant};

use actix_web::body::{to_bytes, BoxBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::http::StatusCode;
use actix_web::middleware::Next;
use actix_web::{web, HttpMessage, HttpResponse};
use domain::Rule;
use domain::{FieldError, Violation};
use futures_util::StreamExt;
use persistence::idempotency::{self as store, Claim};

use crate::auth::TokenKeys;
use crate::error::ApiError;
use crate::state::AppState;

pub const HEADER: &str = "idempotency-key";
/// Set on an answer given again.
pub const REPLAYED: &str = "idempotent-replayed";
/// The longest key.
pub const KEY_MAX: usize = 128;
/// How long a key is kept.
pub const KEEP_FOR: Duration = Duration::from_secs(24 * 3600);
/// How long a retry waits for the first request's answer before a 409.
const WAIT_FOR_FIRST: Duration = Duration::from_secs(15);

/// The headers an answer is given again with.
const KEPT_HEADERS: &[HeaderName] = &[header::CONTENT_TYPE, header::LOCATION, header::ETAG];

/// An error answer that keeps the `ApiError`, so that the request context renders it
/// in the caller's language with the request id.
fn problem(req: ServiceRequest, error: ApiError) -> ServiceResponse<BoxBody> {
    let (req, _) = req.into_parts();
    ServiceResponse::new(req, HttpResponse::from_error(error))
}

/// A key is 1–128 visible ASCII characters.
fn check_key(raw: &HeaderValue) -> Result<String, ApiError> {
    let key = raw.to_str().unwrap_or("").trim();
    let violation = if key.is_empty() {
        Some(Violation::Required)
    } else if key.len() > KEY_MAX {
        Some(Violation::TooLong { max: KEY_MAX })
    } else if !key.bytes().all(|b| b.is_ascii_graphic()) {
        Some(Violation::InvalidFormat {
            expected: "1-128 visible ASCII characters".to_owned(),
        })
    } else {
        None
    };
    match violation {
        Some(v) => Err(ApiError::MalformedQuery(vec![FieldError::new(
            "Idempotency-Key",
            v,
        )])),
        None => Ok(key.to_owned()),
    }
}

/// The request as the idempotency table keeps it: a keyed hash (see
/// `Vault::fingerprint`), never the body or an unkeyed digest of it.
fn fingerprint(
    req: &ServiceRequest,
    vault: &persistence::personal_data::Vault,
    body: &[u8],
) -> String {
    vault.fingerprint(&[
        req.method().as_str().as_bytes(),
        req.path().as_bytes(),
        req.query_string().as_bytes(),
        body,
    ])
}

fn replay(req: ServiceRequest, row: &store::IdempotencyRow) -> ServiceResponse<BoxBody> {
    let status = row
        .status
        .and_then(|s| u16::try_from(s).ok())
        .and_then(|s| StatusCode::from_u16(s).ok())
        .unwrap_or(StatusCode::OK);
    let mut res = HttpResponse::build(status);
    let headers: serde_json::Map<String, serde_json::Value> = row
        .response_headers
        .as_deref()
        .and_then(|h| serde_json::from_str(h).ok())
        .unwrap_or_default();
    for (name, value) in headers {
        if let Some(value) = value.as_str() {
            res.insert_header((name, value.to_owned()));
        }
    }
    res.insert_header((REPLAYED, "true"));
    req.into_response(res.body(row.response_body.clone().unwrap_or_default()))
}

/// The middleware.
pub async fn idempotent_posts(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let Some(raw_key) = req.headers().get(HEADER).cloned() else {
        return Ok(next.call(req).await?.map_into_boxed_body());
    };
    if req.method() != actix_web::http::Method::POST || req.path().starts_with("/api/v1/auth/") {
        return Ok(next.call(req).await?.map_into_boxed_body());
    }
    let key = match check_key(&raw_key) {
        Ok(key) => key,
        Err(e) => return Ok(problem(req, e)),
    };
    // Keys belong to an account: without a valid token the handler answers 401.
    let user = crate::auth::bearer_token(req.request()).and_then(|token| {
        let keys = req.app_data::<web::Data<TokenKeys>>()?;
        let claims = keys.verify(&token).ok()?;
        uuid::Uuid::parse_str(&claims.sub).ok()
    });
    let (Some(user), Some(state)) = (user, req.app_data::<web::Data<AppState>>().cloned()) else {
        return Ok(next.call(req).await?.map_into_boxed_body());
    };

    // Read the body to fingerprint it, then hand it on.
    let limit = state.max_body_bytes.max(state.max_import_bytes);
    let mut body = web::BytesMut::new();
    let mut payload = req.take_payload();
    while let Some(chunk) = payload.next().await {
        let chunk = match chunk {
            Ok(c) => c,
            Err(e) => return Ok(problem(req, ApiError::MalformedBody(e.to_string()))),
        };
        if body.len() + chunk.len() > limit {
            return Ok(problem(
                req,
                ApiError::PayloadTooLarge { limit: Some(limit) },
            ));
        }
        body.extend_from_slice(&chunk);
    }
    let body = body.freeze();
    let print = fingerprint(&req, &state.vault, &body);
    req.set_payload(Payload::from(body));

    let started = Instant::now();
    loop {
        let now = persistence::now();
        let expired_before = now
            - chrono::Duration::from_std(KEEP_FOR).unwrap_or_else(|_| chrono::Duration::days(1));
        let (k, p) = (key.clone(), print.clone());
        let claim = state
            .db(move |conn| Ok(store::claim(conn, user, &k, &p, now, expired_before)?))
            .await;
        let claim = match claim {
            Ok(c) => c,
            Err(e) => return Ok(problem(req, e)),
        };
        match claim {
            Claim::Seen(row) if row.fingerprint != print => {
                return Ok(problem(
                    req,
                    ApiError::Validation(vec![FieldError::rule(
                        "Idempotency-Key",
                        Rule::IdempotencyKeyReused,
                    )]),
                ));
            }
            Claim::Seen(row) if row.status.is_some() => return Ok(replay(req, &row)),
            Claim::Seen(_) => {
                // The first request is still being handled: wait for its answer.
                if started.elapsed() > WAIT_FOR_FIRST {
                    return Ok(problem(
                        req,
                        ApiError::Conflict(vec![FieldError::rule(
                            "Idempotency-Key",
                            Rule::IdempotencyKeyInProgress,
                        )]),
                    ));
                }
                actix_web::rt::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
            Claim::First => break,
        }
    }
    purge_now_and_then(&state);

    let res = next.call(req).await?.map_into_boxed_body();
    let status = res.status();
    if !status.is_success() {
        let k = key.clone();
        let _ = state
            .db(move |conn| Ok(store::release(conn, user, &k)?))
            .await;
        return Ok(res);
    }
    let (req, res) = res.into_parts();
    let mut headers = serde_json::Map::new();
    for name in KEPT_HEADERS {
        if let Some(value) = res.headers().get(name).and_then(|v| v.to_str().ok()) {
            headers.insert(name.to_string(), serde_json::Value::from(value));
        }
    }
    let (res, body) = res.into_parts();
    let bytes = match to_bytes(body).await {
        Ok(b) => b,
        Err(_) => {
            let _ = state
                .db(move |conn| Ok(store::release(conn, user, &key)?))
                .await;
            return Ok(ServiceResponse::new(
                req,
                HttpResponse::InternalServerError().finish(),
            ));
        }
    };
    let text = String::from_utf8(bytes.to_vec()).ok();
    let headers = serde_json::Value::Object(headers).to_string();
    let stored = match text {
        // The answer to give again.
        Some(text) => {
            let k = key.clone();
            state
                .db(move |conn| {
                    Ok(store::complete(
                        conn,
                        user,
                        &k,
                        i32::from(status.as_u16()),
                        &headers,
                        &text,
                    )?)
                })
                .await
        }
        // Not text (never a JSON create): nothing to give again.
        None => {
            state
                .db(move |conn| Ok(store::release(conn, user, &key)?))
                .await
        }
    };
    if let Err(e) = stored {
        log::warn!("idempotency key not kept: {e}");
    }
    Ok(ServiceResponse::new(req, res.set_body(BoxBody::new(bytes))))
}

/// Removes expired keys, at most every ten minutes per process.
fn purge_now_and_then(state: &web::Data<AppState>) {
    use std::sync::atomic::{AtomicI64, Ordering};
    static LAST: AtomicI64 = AtomicI64::new(0);
    let now = persistence::now();
    let last = LAST.load(Ordering::Relaxed);
    if now.timestamp() - last < 600
        || LAST
            .compare_exchange(last, now.timestamp(), Ordering::Relaxed, Ordering::Relaxed)
            .is_err()
    {
        return;
    }
    let state = state.clone();
    actix_web::rt::spawn(async move {
        let before = now
            - chrono::Duration::from_std(KEEP_FOR).unwrap_or_else(|_| chrono::Duration::days(1));
        match state.db(move |conn| Ok(store::purge(conn, before)?)).await {
            Ok(n) if n > 0 => log::info!("purged {n} expired idempotency keys"),
            Ok(_) => {}
            Err(e) => log::warn!("purging idempotency keys: {e}"),
        }
    });
}
