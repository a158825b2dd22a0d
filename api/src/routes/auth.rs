//! `/auth`: logging in and out, and who am I.

use actix_web::{get, post, web, HttpRequest, HttpResponse};
use persistence::users as store;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

use crate::accounts::UserBody;
use crate::auth::{self, Authenticated, TokenKeys};
use crate::error::{ApiError, Problem};
use crate::extract::limits as limit;
use crate::extract::JsonBody;
use crate::state::AppState;

#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    #[schema(example = "admin", max_length = 32)]
    #[validate(length(max = limit::USERNAME))]
    pub username: String,
    #[schema(write_only, max_length = 128)]
    #[validate(length(max = limit::PASSWORD))]
    pub password: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TokenResponse {
    /// Send it as `Authorization: Bearer <access_token>`.
    pub access_token: String,
    #[schema(example = "Bearer")]
    pub token_type: String,
    /// Seconds until it expires.
    #[schema(example = 28800)]
    pub expires_in: u64,
}

/// Log in: a username and password for a bearer token.
///
/// A wrong username and a wrong password get the same answer. After 5 failures for
/// one username, or 20 from one address, within 15 minutes, attempts are refused
/// with 429 (even with the right password) until the window has passed.
#[utoipa::path(
    tag = "auth",
    request_body = LoginRequest,
    responses(
        (status = 200, description = "Logged in", body = TokenResponse),
        (status = 400, description = "The body is not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Wrong username or password", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "The body is not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A field is missing", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many failures; `Retry-After` says when to try again", body = Problem,
            content_type = "application/problem+json", headers(("Retry-After" = u32, description = "Seconds to wait"))),
        (status = 503, description = "The database is unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/auth/login")]
pub async fn login(
    state: web::Data<AppState>,
    keys: web::Data<TokenKeys>,
    req: HttpRequest,
    body: JsonBody<LoginRequest>,
) -> Result<web::Json<TokenResponse>, ApiError> {
    let LoginRequest { username, password } = body.0;
    let context = auth::write_context(&req, None);
    let client_ip = context.client_ip.clone().unwrap_or_default();
    let throttle = state.login_throttle;

    let lookup_name = username.clone();
    let found = state
        .db(move |conn| {
            match store::begin_login_attempt(conn, &throttle, &lookup_name, &client_ip)? {
                store::Attempt::Throttled { retry_after } => {
                    Err(ApiError::RateLimited { retry_after })
                }
                store::Attempt::Allowed => Ok(store::find_credentials(conn, &lookup_name)?),
            }
        })
        .await?;
    let (account, hash) = match found {
        Some((account, hash)) => (Some(account), Some(hash)),
        None => (None, None),
    };
    let verified = auth::verify_password_blocking(password, hash).await?;
    let account = account.filter(|a| verified && a.active);

    let Some(account) = account else {
        state
            .db(move |conn| Ok(store::record_login_failure(conn, &context, &username)?))
            .await?;
        return Err(ApiError::InvalidCredentials);
    };

    let (token, _, _) = keys.issue(&account)?;
    let mut context = context;
    context.actor_id = Some(account.id);
    context.actor_role = Some(account.role.as_str().to_owned());
    state
        .db(move |conn| Ok(store::record_login(conn, &context, &account)?))
        .await?;
    Ok(web::Json(TokenResponse {
        access_token: token,
        token_type: "Bearer".to_owned(),
        expires_in: keys.ttl.as_secs(),
    }))
}

/// Log out: the token stops working at once.
#[utoipa::path(
    tag = "auth",
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Logged out"),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/auth/logout")]
pub async fn logout(
    state: web::Data<AppState>,
    req: HttpRequest,
    auth: Authenticated,
) -> Result<HttpResponse, ApiError> {
    let context = auth::write_context(&req, Some(&auth.actor));
    let (jti, expires_at, user_id) = (auth.jti, auth.expires_at, auth.actor.user_id);
    state
        .db(move |conn| {
            Ok(store::record_logout(
                conn, &context, user_id, jti, expires_at,
            )?)
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// The account the token belongs to.
#[utoipa::path(
    tag = "auth",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Your account", body = UserBody),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/auth/me")]
pub async fn me(auth: Authenticated) -> web::Json<UserBody> {
    web::Json(UserBody::from(auth.account))
}
