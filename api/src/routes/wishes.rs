//! `/wishes` (小心愿): small wishes of monitored households. The county officer posts
//! and cancels them; an organization paired with the county claims one (one claim at
//! a time, whoever commits first wins), and only it fulfils it, which records the help
//! as an assistance entry in the same transaction.

use actix_web::http::header;
use actix_web::{get, post, web, HttpRequest, HttpResponse};
use chrono::{DateTime, NaiveDate, Utc};
use domain::household::{self, Assistance, AssistanceKind, Wish, WishStatus};
use domain::identity::{Actor, Role, Scope};
use domain::policy::{authorize, Action, Resource};
use domain::Rule;
use domain::{Changes, FieldError, RegionCode};
use persistence::households::{self as store, WishFilter, WishRecord, WishSort};
use persistence::journal::{self, Entry, Written};
use persistence::DbConnection;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use crate::auth::{self, Authenticated};
use crate::error::{ApiError, Problem};
use crate::extract::limits as limit;
use crate::extract::{
    etag, with_etag, IfMatch, JsonBody, ListFilter, ListQuery, PageParams, Paged, QueryReader,
};
use crate::services::households::{assistance_entry, authorized_household, household_resource};
use crate::services::organizations::check_organization_active;
use crate::state::AppState;

/// A small wish.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = Wish)]
pub struct WishBody {
    pub id: uuid::Uuid,
    pub household_id: uuid::Uuid,
    #[schema(example = "530102")]
    pub county_code: String,
    #[schema(example = "530102001001")]
    pub village_code: String,
    pub description: String,
    pub estimated_fen: i64,
    pub status: WishStatus,
    /// The organization holding the claim (while `claimed`, and once `fulfilled`).
    pub claimed_by: Option<uuid::Uuid>,
    pub claimed_at: Option<DateTime<Utc>>,
    pub fulfilled_on: Option<NaiveDate>,
    pub fulfilment_note: Option<String>,
    pub cancel_reason: Option<String>,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<WishRecord> for WishBody {
    fn from(r: WishRecord) -> Self {
        let w = r.wish;
        WishBody {
            id: w.id,
            household_id: w.household_id,
            county_code: r.county_code.to_string(),
            village_code: r.village_code.to_string(),
            description: w.description,
            estimated_fen: w.estimated_fen,
            status: w.status,
            claimed_by: w.claimed_by,
            claimed_at: w.claimed_at,
            fulfilled_on: w.fulfilled_on,
            fulfilment_note: w.fulfilment_note,
            cancel_reason: w.cancel_reason,
            version: w.version,
            created_at: w.created_at,
            updated_at: w.updated_at,
        }
    }
}

#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct CreateWish {
    pub household_id: uuid::Uuid,
    /// What the household wishes for (no personal data).
    #[schema(min_length = 1, max_length = 1_000, example = "一台洗衣机")]
    #[validate(length(max = limit::HOUSEHOLD_TEXT))]
    pub description: String,
    /// The estimated cost in fen (at most 10,000,000: 100,000 yuan).
    #[schema(minimum = 0, maximum = 10_000_000)]
    #[validate(range(min = 0, max = limit::WISH_ESTIMATE_FEN))]
    pub estimated_fen: i64,
}

#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct FulfilWish {
    /// Not in the future, nor before the claim.
    pub fulfilled_on: NaiveDate,
    /// What was given or done (recorded as the assistance entry's description).
    #[schema(min_length = 1, max_length = 1_000)]
    #[validate(length(max = limit::HOUSEHOLD_TEXT))]
    pub note: String,
    /// `goods` (default) or `service`.
    pub kind: Option<AssistanceKind>,
    /// The value given, in fen (default: the wish's estimate).
    #[schema(minimum = 0, maximum = 10_000_000_000_i64)]
    #[validate(range(min = 0, max = limit::ASSISTANCE_FEN))]
    pub value_fen: Option<i64>,
}

#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct CancelWish {
    #[schema(min_length = 1, max_length = 500)]
    #[validate(length(max = limit::REASON))]
    pub reason: String,
}

/// Filters of the wish list.
#[derive(Debug, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct WishQuery {
    status: Option<WishStatus>,
    #[param(value_type = Option<String>, pattern = "^[0-9]{6}$")]
    county: Option<RegionCode>,
    #[param(value_type = Option<String>, pattern = "^[0-9]{4}$")]
    prefecture: Option<RegionCode>,
    #[param(value_type = Option<String>, pattern = "^[0-9]{12}$")]
    village: Option<RegionCode>,
    household_id: Option<uuid::Uuid>,
    /// Wishes claimed (or fulfilled) by this organization.
    claimed_by: Option<uuid::Uuid>,
}

impl ListFilter for WishQuery {
    type Sort = WishSort;

    fn read(q: &mut QueryReader) -> Self {
        WishQuery {
            status: q.parse_with("status"),
            county: q.region_code("county"),
            prefecture: q.region_code("prefecture"),
            village: q.region_code("village"),
            household_id: q.uuid("household_id"),
            claimed_by: q.uuid("claimed_by"),
        }
    }
}

/// List wishes: officers their region's, organizations those of the counties they are
/// paired with (to find one to claim), province admins all. Viewers and integrations
/// see counts (`/stats/households`).
#[utoipa::path(
    tag = "wishes",
    params(WishQuery, PageParams),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "A page of wishes", body = Paged<WishBody>),
        (status = 400, description = "A parameter cannot be read", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Viewers and integrations see counts only", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A parameter is out of range", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/wishes")]
pub async fn list_wishes(
    state: web::Data<AppState>,
    auth: Authenticated,
    query: ListQuery<WishQuery>,
) -> Result<web::Json<Paged<WishBody>>, ApiError> {
    ApiError::from_decision(authorize(
        Some(&auth.actor),
        Action::ListHouseholds,
        &Resource::Households,
    ))?;
    let ListQuery {
        filter: q,
        page,
        sort,
    } = query;
    let filter = WishFilter {
        status: q.status,
        county: q.county,
        prefecture: q.prefecture,
        village: q.village,
        household_id: q.household_id,
        claimed_by: q.claimed_by,
    };
    let visibility = auth::visibility(&auth.actor);
    let listed = state
        .db(move |conn| Ok(store::list_wishes(conn, &visibility, &filter, sort, page)?))
        .await?;
    Ok(web::Json(Paged::new(listed, page, WishBody::from)))
}

/// Post a wish for a household (the county officer of its county, province admins).
#[utoipa::path(
    tag = "wishes",
    request_body = CreateWish,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Posted, `open`", body = WishBody,
            headers(("Location" = String, description = "Its URL"), ("ETag" = String, description = "Its version"))),
        (status = 400, description = "The body is not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not the officer of the household's county", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such household, or not yours to see", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "The body is not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A field is invalid", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/wishes")]
pub async fn create_wish(
    state: web::Data<AppState>,
    req: HttpRequest,
    auth: Authenticated,
    body: JsonBody<CreateWish>,
) -> Result<HttpResponse, ApiError> {
    let body = body.0;
    let description = household::check_wish(&body.description, body.estimated_fen)
        .map_err(ApiError::Validation)?;
    let actor = auth.actor.clone();
    let context = auth::write_context(&req, Some(&auth.actor));
    let created = state
        .db(move |conn| {
            journal::write::<_, ApiError, _>(conn, &context, |conn| {
                let row =
                    authorized_household(conn, &actor, body.household_id, Action::WriteHousehold)?;
                let record = row.record()?;
                let now = persistence::now();
                let wish = WishRecord {
                    county_code: record.county_code,
                    village_code: record.village_code,
                    wish: Wish {
                        id: uuid::Uuid::now_v7(),
                        household_id: body.household_id,
                        description,
                        estimated_fen: body.estimated_fen,
                        status: WishStatus::Open,
                        claimed_by: None,
                        claimed_at: None,
                        fulfilled_on: None,
                        fulfilment_note: None,
                        cancel_reason: None,
                        version: 1,
                        created_at: now,
                        updated_at: now,
                    },
                };
                store::insert_wish(conn, &wish)?;
                let mut changes = Changes::new();
                changes.created("household_id", &wish.wish.household_id);
                changes.created("description", &wish.wish.description);
                changes.created("estimated_fen", &wish.wish.estimated_fen);
                let entry = Entry {
                    entity: "wish",
                    entity_id: wish.wish.id.to_string(),
                    action: "create",
                    changes,
                };
                Ok(Written::new(wish, vec![entry]))
            })
        })
        .await?;
    Ok(HttpResponse::Created()
        .insert_header((
            header::LOCATION,
            format!("/api/v1/wishes/{}", created.wish.id),
        ))
        .insert_header(header::ETag(etag(created.wish.version)))
        .json(WishBody::from(created)))
}

/// The wish if `actor` may see its household (404 otherwise), with the policy's view.
fn visible_wish(
    conn: &mut DbConnection,
    actor: &Actor,
    id: uuid::Uuid,
) -> Result<(WishRecord, bool), ApiError> {
    let wish = store::find_wish(conn, id)?.ok_or(ApiError::NotFound)?;
    let resource = household_resource(conn, actor, &wish.county_code)?;
    ApiError::from_decision(authorize(Some(actor), Action::ReadHousehold, &resource))?;
    let Resource::Household {
        organization_paired,
        ..
    } = resource
    else {
        return Err(ApiError::Internal("household resource expected".to_owned()));
    };
    Ok((wish, organization_paired))
}

/// Get a wish (404 unless you may see its household).
#[utoipa::path(
    tag = "wishes",
    params(("id" = uuid::Uuid, Path, description = "Wish id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The wish", body = WishBody, headers(("ETag" = String, description = "Its version"))),
        (status = 304, description = "Unchanged since the `If-None-Match` version"),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such wish, or not yours to see", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/wishes/{id}")]
pub async fn get_wish(
    state: web::Data<AppState>,
    req: HttpRequest,
    auth: Authenticated,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = uuid::Uuid::parse_str(&id).map_err(|_| ApiError::NotFound)?;
    let actor = auth.actor.clone();
    let wish = state
        .db(move |conn| Ok(visible_wish(conn, &actor, id)?.0))
        .await?;
    let version = wish.wish.version;
    Ok(with_etag(&req, version, WishBody::from(wish)))
}

/// The policy's view of a wish: its county, whether the actor's organization is paired
/// there, and who holds its claim.
fn wish_resource(current: &WishRecord, organization_paired: bool) -> Resource<'_> {
    Resource::Wish {
        county_code: &current.county_code,
        organization_paired,
        claimed_by: current.wish.claimed_by,
    }
}

/// The acting organization user's organization (claims and fulfilments are theirs).
fn own_organization(actor: &Actor) -> Option<uuid::Uuid> {
    match (actor.role, &actor.scope) {
        (Role::OrgUser, Scope::Organization(id)) => Some(*id),
        _ => None,
    }
}

/// Changes a wish under the writers' lock: `change` gets the actor, the current wish and
/// whether the actor's organization is paired with its county, and returns the next
/// wish, its journal action, and (for a fulfilment) the assistance it records.
async fn change_wish(
    state: web::Data<AppState>,
    req: HttpRequest,
    auth: Authenticated,
    id: String,
    if_match: IfMatch,
    action: &'static str,
    change: impl FnOnce(
            &mut DbConnection,
            &Actor,
            &WishRecord,
            bool,
        ) -> Result<(Wish, Option<Assistance>), ApiError>
        + Send
        + 'static,
) -> Result<HttpResponse, ApiError> {
    let id = uuid::Uuid::parse_str(&id).map_err(|_| ApiError::NotFound)?;
    let actor = auth.actor.clone();
    let context = auth::write_context(&req, Some(&auth.actor));
    let updated = state
        .db(move |conn| {
            journal::write::<_, ApiError, _>(conn, &context, |conn| {
                let (current, paired) = visible_wish(conn, &actor, id)?;
                if if_match.is_present() {
                    if_match.check(current.wish.version)?;
                }
                let (mut wish, assistance) = change(conn, &actor, &current, paired)?;
                wish.version = current.wish.version + 1;
                wish.updated_at = persistence::now();
                let next = WishRecord {
                    wish,
                    county_code: current.county_code.clone(),
                    village_code: current.village_code.clone(),
                };
                // The writers' lock already orders concurrent changes; the version
                // check makes the loser of a race fail rather than overwrite.
                if !store::update_wish(conn, &next, current.wish.version)? {
                    return Err(ApiError::Conflict(vec![FieldError::rule(
                        "status",
                        Rule::ChangedConcurrently,
                    )]));
                }
                let mut changes = Changes::new();
                let (b, a) = (&current.wish, &next.wish);
                changes.compare("status", &b.status, &a.status);
                changes.compare("claimed_by", &b.claimed_by, &a.claimed_by);
                changes.compare("fulfilled_on", &b.fulfilled_on, &a.fulfilled_on);
                changes.compare("fulfilment_note", &b.fulfilment_note, &a.fulfilment_note);
                changes.compare("cancel_reason", &b.cancel_reason, &a.cancel_reason);
                let mut entries = vec![Entry {
                    entity: "wish",
                    entity_id: id.to_string(),
                    action,
                    changes,
                }];
                if let Some(record) = assistance {
                    store::insert_assistance(conn, &record)?;
                    entries.push(assistance_entry(&record));
                }
                Ok(Written::new(next, entries))
            })
        })
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header(header::ETag(etag(updated.wish.version)))
        .json(WishBody::from(updated)))
}

/// Claim an open wish for your organization (organization users whose organization
/// is paired with the household's county). One organization holds a claim at a time:
/// of two claims at once, one wins and the other gets 409.
#[utoipa::path(
    tag = "wishes",
    params(("id" = uuid::Uuid, Path, description = "Wish id"),
        ("If-Match" = Option<String>, Header, description = "The ETag from GET (optional)")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Claimed", body = WishBody),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Only organizations paired with the county claim", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such wish, or not yours to see", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Already claimed, fulfilled or cancelled; or the organization is not active", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "Changed since your ETag", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/wishes/{id}/claim")]
pub async fn claim_wish(
    state: web::Data<AppState>,
    req: HttpRequest,
    auth: Authenticated,
    id: web::Path<String>,
    if_match: IfMatch,
) -> Result<HttpResponse, ApiError> {
    change_wish(
        state,
        req,
        auth,
        id.into_inner(),
        if_match,
        "claim",
        |conn, actor, current, paired| {
            let resource = Resource::Household {
                county_code: &current.county_code,
                organization_paired: paired,
            };
            ApiError::from_decision(authorize(Some(actor), Action::ClaimWish, &resource))?;
            let organization =
                own_organization(actor).ok_or(ApiError::Forbidden { fields: Vec::new() })?;
            let mut next = current.wish.clone();
            next.status = household::claim(current.wish.status)?;
            check_organization_active(conn, organization)?;
            next.claimed_by = Some(organization);
            next.claimed_at = Some(persistence::now());
            Ok((next, None))
        },
    )
    .await
}

/// Return a claim: the wish is `open` again (the claiming organization, the county
/// officer, province admins).
#[utoipa::path(
    tag = "wishes",
    params(("id" = uuid::Uuid, Path, description = "Wish id"),
        ("If-Match" = Option<String>, Header, description = "The ETag from GET (optional)")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Released, `open`", body = WishBody),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not your claim", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such wish, or not yours to see", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The wish is not claimed", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "Changed since your ETag", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/wishes/{id}/release")]
pub async fn release_wish(
    state: web::Data<AppState>,
    req: HttpRequest,
    auth: Authenticated,
    id: web::Path<String>,
    if_match: IfMatch,
) -> Result<HttpResponse, ApiError> {
    change_wish(
        state,
        req,
        auth,
        id.into_inner(),
        if_match,
        "release",
        |_, actor, current, paired| {
            ApiError::from_decision(authorize(
                Some(actor),
                Action::ReleaseWish,
                &wish_resource(current, paired),
            ))?;
            let mut next = current.wish.clone();
            next.status = household::release(current.wish.status)?;
            next.claimed_by = None;
            next.claimed_at = None;
            Ok((next, None))
        },
    )
    .await
}

/// Fulfil a claimed wish (only the claiming organization). Records an assistance entry
/// of kind `goods` or `service` in the same transaction.
#[utoipa::path(
    tag = "wishes",
    params(("id" = uuid::Uuid, Path, description = "Wish id"),
        ("If-Match" = Option<String>, Header, description = "The ETag from GET (optional)")),
    request_body = FulfilWish,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Fulfilled", body = WishBody),
        (status = 400, description = "The body is not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not your claim", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such wish, or not yours to see", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The wish is not claimed", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "Changed since your ETag", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "The body is not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A field is invalid", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/wishes/{id}/fulfil")]
pub async fn fulfil_wish(
    state: web::Data<AppState>,
    req: HttpRequest,
    auth: Authenticated,
    id: web::Path<String>,
    if_match: IfMatch,
    body: JsonBody<FulfilWish>,
) -> Result<HttpResponse, ApiError> {
    let body = body.0;
    let today = state.clock.today();
    change_wish(
        state,
        req,
        auth,
        id.into_inner(),
        if_match,
        "fulfil",
        move |_, actor, current, paired| {
            ApiError::from_decision(authorize(
                Some(actor),
                Action::FulfilWish,
                &wish_resource(current, paired),
            ))?;
            let organization =
                own_organization(actor).ok_or(ApiError::Forbidden { fields: Vec::new() })?;
            let kind = body.kind.unwrap_or(AssistanceKind::Goods);
            let value_fen = body.value_fen.unwrap_or(current.wish.estimated_fen);
            let claimed_on = current
                .wish
                .claimed_at
                .map(domain::pairing::shanghai_today)
                .unwrap_or(body.fulfilled_on);
            let note = household::fulfil(
                current.wish.status,
                claimed_on,
                body.fulfilled_on,
                kind,
                &body.note,
                today,
            )?;
            let description =
                household::check_assistance(body.fulfilled_on, value_fen, &note, today)
                    .map_err(ApiError::Validation)?;
            let now = persistence::now();
            let mut next = current.wish.clone();
            next.status = WishStatus::Fulfilled;
            next.fulfilled_on = Some(body.fulfilled_on);
            next.fulfilment_note = Some(note);
            let assistance = Assistance {
                id: uuid::Uuid::now_v7(),
                household_id: current.wish.household_id,
                organization_id: organization,
                kind,
                given_on: body.fulfilled_on,
                value_fen,
                description,
                wish_id: Some(current.wish.id),
                created_by: actor.user_id,
                created_at: now,
                updated_at: now,
            };
            Ok((next, Some(assistance)))
        },
    )
    .await
}

/// Cancel an open or claimed wish (the county officer of its county, province admins).
#[utoipa::path(
    tag = "wishes",
    params(("id" = uuid::Uuid, Path, description = "Wish id"),
        ("If-Match" = Option<String>, Header, description = "The ETag from GET (optional)")),
    request_body = CancelWish,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Cancelled", body = WishBody),
        (status = 400, description = "The body is not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not the officer of the household's county", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such wish, or not yours to see", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Already fulfilled or cancelled", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "Changed since your ETag", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "The body is not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "No reason", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/wishes/{id}/cancel")]
pub async fn cancel_wish(
    state: web::Data<AppState>,
    req: HttpRequest,
    auth: Authenticated,
    id: web::Path<String>,
    if_match: IfMatch,
    body: JsonBody<CancelWish>,
) -> Result<HttpResponse, ApiError> {
    let reason = body.0.reason;
    change_wish(
        state,
        req,
        auth,
        id.into_inner(),
        if_match,
        "cancel",
        move |_, actor, current, paired| {
            let resource = Resource::Household {
                county_code: &current.county_code,
                organization_paired: paired,
            };
            ApiError::from_decision(authorize(Some(actor), Action::WriteHousehold, &resource))?;
            let (status, reason) = household::cancel(current.wish.status, &reason)?;
            let mut next = current.wish.clone();
            next.status = status;
            next.claimed_by = None;
            next.claimed_at = None;
            next.cancel_reason = Some(reason);
            Ok((next, None))
        },
    )
    .await
}
