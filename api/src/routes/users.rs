//! `/users`: accounts, their roles and scopes (province admins), and passwords.

use actix_web::http::header;
use actix_web::{get, patch, post, web, HttpRequest, HttpResponse};
use domain::identity::{check_password, Department, Role, Username};
use domain::policy::{authorize, Action, Resource};
use domain::Rule;
use domain::{Changes, FieldError, RegionCode, Violation};
use persistence::journal::{self, Entry, Written};
use persistence::users::{self as store, UserFilter, UserSort};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use crate::accounts::UserBody;
use crate::accounts::{self, NewAccount};
use crate::auth::{self, Authenticated};
use crate::error::{ApiError, Problem};
use crate::extract::limits as limit;
use crate::extract::{
    etag, nullable, with_etag, IfMatch, JsonBody, ListFilter, ListQuery, PageParams, Paged,
    QueryReader,
};
use crate::state::AppState;

/// A new account.
#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct CreateUser {
    /// 3–32 of `a-z 0-9 _ . -`; unique.
    #[schema(
        example = "kunming.wuhua",
        pattern = "^[a-z0-9_.-]{3,32}$",
        max_length = 32
    )]
    #[validate(length(max = limit::USERNAME))]
    pub username: String,
    #[schema(example = "五华区民政局 张三", min_length = 1, max_length = 100)]
    #[validate(length(max = limit::PERSON_NAME))]
    pub display_name: String,
    pub role: Role,
    /// Required for `prefecture_officer` (a prefecture) and `county_officer` (a county).
    #[schema(example = "530102", pattern = "^([0-9]{4}|[0-9]{6})$", max_length = 64)]
    #[validate(length(max = limit::CODE))]
    pub region_code: Option<String>,
    /// Required for `org_user`.
    pub organization_id: Option<uuid::Uuid>,
    pub department: Option<Department>,
    /// At least 10 characters, not containing the username. Write-only.
    #[schema(
        example = "change-me-2024!",
        write_only,
        min_length = 10,
        max_length = 128
    )]
    #[validate(length(max = limit::PASSWORD))]
    pub password: String,
}

/// Changes to an account; absent fields stay as they are, `null` clears.
#[derive(Debug, Default, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct UpdateUser {
    #[schema(min_length = 1, max_length = 100)]
    #[validate(length(max = limit::PERSON_NAME))]
    pub display_name: Option<String>,
    pub role: Option<Role>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>, max_length = 64)]
    #[validate(length(max = limit::CODE))]
    pub region_code: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<uuid::Uuid>)]
    pub organization_id: Option<Option<uuid::Uuid>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<Department>)]
    pub department: Option<Option<Department>>,
    /// `false` deactivates the account and ends its sessions.
    pub active: Option<bool>,
}

/// A new password: the account's own holder gives the old one too; a province
/// admin setting another account's password does not.
#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct SetPassword {
    /// Required when changing one's own password.
    #[schema(write_only, max_length = 128)]
    #[validate(length(max = limit::PASSWORD))]
    pub old_password: Option<String>,
    /// At least 10 characters, not containing the username.
    #[schema(write_only, min_length = 10, max_length = 128)]
    #[validate(length(max = limit::PASSWORD))]
    pub new_password: String,
}

/// Filters of the account list.
#[derive(Debug, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UserQuery {
    role: Option<Role>,
    /// Accounts scoped to this region.
    #[param(value_type = Option<String>, example = "530102")]
    region_code: Option<RegionCode>,
    active: Option<bool>,
    /// Username or display name contains this text.
    q: Option<String>,
}

impl ListFilter for UserQuery {
    type Sort = UserSort;

    fn read(q: &mut QueryReader) -> Self {
        UserQuery {
            role: q.parse_with("role"),
            region_code: q.region_code("region_code"),
            active: q.boolean("active"),
            q: q.text("q"),
        }
    }
}

/// Sort of the account list (documentation; `ListQuery` reads it).
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct UserSortParam {
    /// `username` (default) or `created_at`; `-` in front for descending.
    #[param(pattern = "^-?(username|created_at)$")]
    sort: Option<String>,
}

fn user_id(raw: &str) -> Result<uuid::Uuid, ApiError> {
    uuid::Uuid::parse_str(raw).map_err(|_| ApiError::NotFound)
}

/// List accounts (province admins).
#[utoipa::path(
    tag = "users",
    params(UserQuery, PageParams, UserSortParam),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "A page of accounts", body = Paged<UserBody>),
        (status = 400, description = "A parameter cannot be read", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not a province admin", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A parameter is out of range", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/users")]
pub async fn list_users(
    state: web::Data<AppState>,
    auth: Authenticated,
    query: ListQuery<UserQuery>,
) -> Result<web::Json<Paged<UserBody>>, ApiError> {
    ApiError::from_decision(authorize(
        Some(&auth.actor),
        Action::ManageUsers,
        &Resource::Users,
    ))?;
    let ListQuery { filter, page, sort } = query;
    let filter = UserFilter {
        role: filter.role,
        region_code: filter.region_code,
        active: filter.active,
        q: filter.q,
    };
    let listed = state
        .db(move |conn| Ok(store::list_users(conn, &filter, sort, page)?))
        .await?;
    Ok(web::Json(Paged::new(listed, page, UserBody::from)))
}

/// Create an account (province admins).
#[utoipa::path(
    tag = "users",
    request_body = CreateUser,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Created", body = UserBody,
            headers(("Location" = String, description = "The account's URL"), ("ETag" = String, description = "Its version"))),
        (status = 400, description = "The body is not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not a province admin", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The username is taken", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "The body is too large", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "The body is not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A field is invalid", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/users")]
pub async fn create_user(
    state: web::Data<AppState>,
    req: HttpRequest,
    auth: Authenticated,
    body: JsonBody<CreateUser>,
) -> Result<HttpResponse, ApiError> {
    ApiError::from_decision(authorize(
        Some(&auth.actor),
        Action::ManageUsers,
        &Resource::Users,
    ))?;
    let body = body.0;
    let new = NewAccount {
        username: body.username,
        display_name: body.display_name,
        role: body.role,
        region_code: body.region_code,
        organization_id: body.organization_id,
        department: body.department,
        password: body.password,
    };
    accounts::check_new(&new)?;
    let hash = auth::hash_password_blocking(new.password.clone()).await?;
    let context = auth::write_context(&req, Some(&auth.actor));
    let account = state
        .db(move |conn| accounts::create(conn, &context, &new, hash))
        .await?;
    Ok(HttpResponse::Created()
        .insert_header((header::LOCATION, format!("/api/v1/users/{}", account.id)))
        .insert_header(header::ETag(etag(account.version)))
        .json(UserBody::from(account)))
}

/// Get an account (province admins, or the account's own holder).
#[utoipa::path(
    tag = "users",
    params(("id" = uuid::Uuid, Path, description = "Account id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The account", body = UserBody, headers(("ETag" = String, description = "Its version"))),
        (status = 304, description = "Unchanged since the `If-None-Match` version"),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such account, or not yours to see", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/users/{id}")]
pub async fn get_user(
    state: web::Data<AppState>,
    req: HttpRequest,
    auth: Authenticated,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = user_id(&id)?;
    ApiError::from_decision(authorize(
        Some(&auth.actor),
        Action::ReadUser,
        &Resource::User { id },
    ))?;
    let account = state
        .db(move |conn| store::find_user(conn, id)?.ok_or(ApiError::NotFound))
        .await?;
    Ok(with_etag(&req, account.version, UserBody::from(account)))
}

/// Change an account (province admins). Needs `If-Match`.
///
/// Deactivating an account (`active: false`) ends its sessions at once. The last
/// active province admin cannot be deactivated or given another role.
#[utoipa::path(
    tag = "users",
    params(
        ("id" = uuid::Uuid, Path, description = "Account id"),
        ("If-Match" = String, Header, description = "The ETag from GET"),
    ),
    request_body = UpdateUser,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The account as changed", body = UserBody, headers(("ETag" = String, description = "Its new version"))),
        (status = 400, description = "The body is not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Your own account: only a province admin changes it", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such account, or not yours to see", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "It would leave no active province admin", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "Changed since your ETag", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "The body is not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A field is invalid", body = Problem, content_type = "application/problem+json"),
        (status = 428, description = "If-Match is missing", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/users/{id}")]
pub async fn update_user(
    state: web::Data<AppState>,
    req: HttpRequest,
    auth: Authenticated,
    id: web::Path<String>,
    if_match: IfMatch,
    body: JsonBody<UpdateUser>,
) -> Result<HttpResponse, ApiError> {
    let id = user_id(&id)?;
    ApiError::from_decision(authorize(
        Some(&auth.actor),
        Action::UpdateUser,
        &Resource::User { id },
    ))?;
    let patch = body.0;
    if let Some(name) = &patch.display_name {
        accounts::check_display_name(name).map_err(|e| ApiError::Validation(vec![e]))?;
    }
    let context = auth::write_context(&req, Some(&auth.actor));
    let account = state
        .db(move |conn| {
            journal::write(conn, &context, |conn| {
                let current = store::find_user(conn, id)?.ok_or(ApiError::NotFound)?;
                if_match.check(current.version)?;
                let mut next = current.clone();
                if let Some(name) = &patch.display_name {
                    next.display_name = name.trim().to_owned();
                }
                if let Some(role) = patch.role {
                    next.role = role;
                }
                if let Some(department) = patch.department {
                    next.department = department;
                }
                if let Some(active) = patch.active {
                    next.active = active;
                }
                let region = match &patch.region_code {
                    Some(code) => code.clone(),
                    None => current.region_code.as_ref().map(|c| c.to_string()),
                };
                let organization = patch.organization_id.unwrap_or(current.organization_id);
                let (region_code, _) =
                    accounts::resolve_scope(conn, next.role, region.as_deref(), organization)?;
                next.region_code = region_code;
                next.organization_id = organization;

                let was_admin = current.active && current.role == Role::ProvinceAdmin;
                let stays_admin = next.active && next.role == Role::ProvinceAdmin;
                if was_admin && !stays_admin && store::other_active_admins(conn, id)? == 0 {
                    return Err(ApiError::Conflict(vec![FieldError::rule(
                        if next.active { "role" } else { "active" },
                        Rule::LastAdmin,
                    )]));
                }
                let mut changes = Changes::new();
                changes.compare("display_name", &current.display_name, &next.display_name);
                changes.compare("role", &current.role, &next.role);
                changes.compare(
                    "region_code",
                    &current.region_code.as_ref().map(|c| c.to_string()),
                    &next.region_code.as_ref().map(|c| c.to_string()),
                );
                changes.compare(
                    "organization_id",
                    &current.organization_id,
                    &next.organization_id,
                );
                changes.compare("department", &current.department, &next.department);
                changes.compare("active", &current.active, &next.active);
                if changes.is_empty() {
                    return Ok(Written::unchanged(current));
                }
                // A new role, scope or status ends the account's sessions: its tokens
                // described it as it was.
                let scope_changed = changes
                    .fields()
                    .any(|f| matches!(f, "role" | "region_code" | "organization_id" | "active"));
                if scope_changed {
                    next.session_epoch += 1;
                }
                next.version += 1;
                let saved = store::update_user(conn, &next, persistence::now())?;
                let entry = Entry {
                    entity: "user",
                    entity_id: id.to_string(),
                    action: "update",
                    changes,
                };
                Ok(Written::new(saved, vec![entry]))
            })
        })
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header(header::ETag(etag(account.version)))
        .json(UserBody::from(account)))
}

/// Set an account's password.
///
/// The account's holder gives `old_password`; a province admin setting another
/// account's password does not. Every session of the account ends (log in again).
#[utoipa::path(
    tag = "users",
    params(("id" = uuid::Uuid, Path, description = "Account id")),
    request_body = SetPassword,
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Changed; the account's tokens no longer work"),
        (status = 400, description = "The body is not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such account, or not yours", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "The body is not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "The old password is wrong or the new one breaks the policy", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/users/{id}/password")]
pub async fn set_user_password(
    state: web::Data<AppState>,
    req: HttpRequest,
    auth: Authenticated,
    id: web::Path<String>,
    body: JsonBody<SetPassword>,
) -> Result<HttpResponse, ApiError> {
    let id = user_id(&id)?;
    ApiError::from_decision(authorize(
        Some(&auth.actor),
        Action::SetPassword,
        &Resource::User { id },
    ))?;
    let body = body.0;
    let target = state
        .db(move |conn| {
            let account = store::find_user(conn, id)?.ok_or(ApiError::NotFound)?;
            let hash = store::password_hash(conn, id)?.ok_or(ApiError::NotFound)?;
            Ok((account, hash))
        })
        .await?;
    let (account, current_hash) = target;
    let username = Username::parse(&account.username)
        .map_err(|_| ApiError::Internal("stored username".to_owned()))?;
    check_password(&body.new_password, &username)
        .map_err(|v| ApiError::Validation(vec![FieldError::new("new_password", v)]))?;
    // One's own password needs the old one, admins included: a stolen session alone
    // must not be enough to take the account over.
    if id == auth.actor.user_id {
        let Some(old) = body.old_password else {
            return Err(ApiError::Validation(vec![FieldError::new(
                "old_password",
                Violation::Required,
            )]));
        };
        if !auth::verify_password_blocking(old, Some(current_hash)).await? {
            return Err(ApiError::Validation(vec![FieldError::rule(
                "old_password",
                Rule::Incorrect,
            )]));
        }
    }
    let hash = auth::hash_password_blocking(body.new_password).await?;
    let context = auth::write_context(&req, Some(&auth.actor));
    state
        .db(move |conn| {
            journal::write(conn, &context, |conn| {
                if store::set_password(conn, id, &hash, persistence::now())? == 0 {
                    return Err(ApiError::NotFound);
                }
                let mut changes = Changes::new();
                changes.redacted("password");
                let entry = Entry {
                    entity: "user",
                    entity_id: id.to_string(),
                    action: "set_password",
                    changes,
                };
                Ok(Written::new((), vec![entry]))
            })
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
