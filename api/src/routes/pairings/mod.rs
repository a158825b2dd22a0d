//! `/pairings`: 百会结百县 — organizations paired with counties, and their agreements.

pub mod export;

use actix_web::http::header;
use actix_web::{get, post, web, HttpRequest, HttpResponse};
use chrono::{DateTime, NaiveDate, Utc};
use domain::pairing::{self, HelpMode, PairingListing, PairingStatus};
use domain::policy::{authorize, Action, Resource};
use domain::Rule;
use domain::{Actor, Changes, KeyCounty, KeyCountyFilter, RegionCode};
use persistence::journal::{self, Entry, Written};
use persistence::pairings::{self as store, PairingFilter, PairingSort};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use crate::auth::{self, Authenticated, MaybeAuthenticated};
use crate::error::{ApiError, Problem};
use crate::extract::limits as limit;
use crate::extract::{
    etag, with_etag, IfMatch, JsonBody, ListFilter, ListQuery, PageParams, Paged, QueryReader,
};
use crate::services::{self, pairings::NewPairing};
use crate::state::AppState;

/// A pairing of an organization with a county. `agreement_no` is left out for
/// callers who may not see it (the public; other organizations; officers outside
/// their region).
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = Pairing)]
pub struct PairingBody {
    pub id: uuid::Uuid,
    pub organization_id: uuid::Uuid,
    #[schema(example = "云南省乡村振兴促进会")]
    pub organization_name: String,
    /// The organization's 统一社会信用代码.
    pub organization_credit_code: String,
    #[schema(example = "530102")]
    pub county_code: String,
    #[schema(example = "五华区")]
    pub county_name: String,
    #[schema(example = "5301")]
    pub prefecture_code: String,
    #[schema(example = "昆明市")]
    pub prefecture_name: String,
    /// The county's 重点帮扶县 designation.
    pub key_county: Option<KeyCounty>,
    /// 批次: the published list is batch 1.
    pub batch: i32,
    pub status: PairingStatus,
    pub established_on: NaiveDate,
    /// By when the written agreement is due (Dec 31 of the year established, unless set).
    pub agreement_deadline: NaiveDate,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>)]
    pub agreement_no: Option<Option<String>>,
    pub agreement_signed_on: Option<NaiveDate>,
    /// Not signed and past the deadline (judged in Asia/Shanghai).
    pub overdue: bool,
    pub terminated_on: Option<NaiveDate>,
    pub termination_reason: Option<String>,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl PairingBody {
    pub fn for_actor(listing: PairingListing, actor: Option<&Actor>, today: NaiveDate) -> Self {
        let p = listing.pairing;
        let details = authorize(
            actor,
            Action::ReadPairingDetails,
            &Resource::Pairing {
                organization_id: p.organization_id,
                county_code: &p.county_code,
            },
        )
        .is_allowed();
        PairingBody {
            id: p.id,
            organization_id: p.organization_id,
            organization_name: listing.organization_name,
            organization_credit_code: listing.organization_credit_code,
            county_code: p.county_code.to_string(),
            county_name: listing.county_name,
            prefecture_code: listing.prefecture_code,
            prefecture_name: listing.prefecture_name,
            key_county: listing.key_county,
            batch: p.batch,
            overdue: p.is_overdue(today),
            status: p.status,
            established_on: p.established_on,
            agreement_deadline: p.agreement_deadline,
            agreement_no: details.then_some(p.agreement_no),
            agreement_signed_on: p.agreement_signed_on,
            terminated_on: p.terminated_on,
            termination_reason: p.termination_reason,
            version: p.version,
            created_at: p.created_at,
            updated_at: p.updated_at,
        }
    }
}

#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct CreatePairing {
    pub organization_id: uuid::Uuid,
    #[schema(example = "530102", max_length = 64)]
    #[validate(length(max = limit::CODE))]
    pub county_code: String,
    /// Default 1 (the published list).
    #[schema(minimum = 1, maximum = 2_147_483_647)]
    #[validate(range(max = limit::BATCH))]
    pub batch: Option<i32>,
    /// Default: today (Asia/Shanghai).
    pub established_on: Option<NaiveDate>,
    /// Default: Dec 31 of the year established.
    pub agreement_deadline: Option<NaiveDate>,
}

#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct SignPairing {
    /// The written agreement's number.
    #[schema(example = "滇社助振协〔2024〕15号", min_length = 1, max_length = 64)]
    #[validate(length(max = limit::AGREEMENT_NO))]
    pub agreement_no: String,
    /// Not in the future, not before the pairing.
    pub signed_on: NaiveDate,
}

#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct TerminatePairing {
    #[schema(min_length = 1, max_length = 500)]
    #[validate(length(max = limit::REASON))]
    pub reason: String,
    /// Default: today (Asia/Shanghai).
    pub terminated_on: Option<NaiveDate>,
}

/// Filters of the pairing list (and its exports).
#[derive(Debug, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PairingQuery {
    organization_id: Option<uuid::Uuid>,
    #[param(value_type = Option<String>, pattern = "^[0-9]{6}$", example = "530102")]
    county: Option<RegionCode>,
    #[param(value_type = Option<String>, pattern = "^[0-9]{4}$", example = "5301")]
    prefecture: Option<RegionCode>,
    status: Option<PairingStatus>,
    #[param(minimum = 1)]
    batch: Option<i32>,
    /// Pairings with key assistance counties of this kind, or `any`.
    key_county: Option<KeyCountyFilter>,
    /// Only overdue (`true`) or only not overdue (`false`) pairings.
    overdue: Option<bool>,
}

impl PairingQuery {
    /// The stored filter; `today` decides what is overdue.
    pub fn into_filter(self, today: NaiveDate) -> PairingFilter {
        PairingFilter {
            organization_id: self.organization_id,
            county: self.county,
            prefecture: self.prefecture,
            status: self.status,
            batch: self.batch,
            key_county: self.key_county,
            overdue: self.overdue.map(|o| (o, today)),
        }
    }
}

impl ListFilter for PairingQuery {
    type Sort = PairingSort;

    fn read(q: &mut QueryReader) -> Self {
        PairingQuery {
            organization_id: q.uuid("organization_id"),
            county: q.region_code("county"),
            prefecture: q.region_code("prefecture"),
            status: q.parse_with("status"),
            batch: q
                .integer("batch", 1, i64::from(i32::MAX))
                .and_then(|b| i32::try_from(b).ok()),
            key_county: q.parse_with("key_county"),
            overdue: q.boolean("overdue"),
        }
    }
}

/// Sort of the pairing list (documentation; `ListQuery` reads it).
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct PairingSortParam {
    /// `created_at` (default), `established_on`, `agreement_deadline` or `county_code`; `-` for descending.
    #[param(pattern = "^-?(created_at|established_on|agreement_deadline|county_code)$")]
    sort: Option<String>,
}

fn pairing_id(raw: &str) -> Result<uuid::Uuid, ApiError> {
    uuid::Uuid::parse_str(raw).map_err(|_| ApiError::NotFound)
}

/// List pairings (public: the plan's pairing list is published; agreement numbers only
/// for those who may see them).
#[utoipa::path(
    tag = "pairings",
    params(PairingQuery, PageParams, PairingSortParam),
    responses(
        (status = 200, description = "A page of pairings", body = Paged<PairingBody>),
        (status = 400, description = "A parameter cannot be read", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "A token was sent but is not valid", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A parameter is out of range", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/pairings")]
pub async fn list_pairings(
    state: web::Data<AppState>,
    auth: MaybeAuthenticated,
    query: ListQuery<PairingQuery>,
) -> Result<web::Json<Paged<PairingBody>>, ApiError> {
    let ListQuery { filter, page, sort } = query;
    let filter = filter.into_filter(state.clock.today());
    let listed = state
        .db(move |conn| Ok(store::list_pairings(conn, &filter, sort, page)?))
        .await?;
    let (actor, today) = (auth.actor(), state.clock.today());
    Ok(web::Json(Paged::new(listed, page, |l| {
        PairingBody::for_actor(l, actor, today)
    })))
}

/// Create a pairing (province admins).
#[utoipa::path(
    tag = "pairings",
    request_body = CreatePairing,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Created, pending its agreement", body = PairingBody,
            headers(("Location" = String, description = "Its URL"), ("ETag" = String, description = "Its version"))),
        (status = 400, description = "The body is not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not a province admin", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Already paired, or the organization is not active", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "The body is not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Not a county, no such organization, or bad dates", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/pairings")]
pub async fn create_pairing(
    state: web::Data<AppState>,
    req: HttpRequest,
    auth: Authenticated,
    body: JsonBody<CreatePairing>,
) -> Result<HttpResponse, ApiError> {
    ApiError::from_decision(authorize(
        Some(&auth.actor),
        Action::CreatePairing,
        &Resource::Pairings,
    ))?;
    let body = body.0;
    let today = state.clock.today();
    let new = NewPairing {
        organization_id: body.organization_id,
        county_code: body.county_code,
        batch: body.batch.unwrap_or(1),
        established_on: body.established_on.unwrap_or(today),
        agreement_deadline: body.agreement_deadline,
    };
    let context = auth::write_context(&req, Some(&auth.actor));
    let listing = state
        .db(move |conn| {
            let pairing = journal::write::<_, ApiError, _>(conn, &context, |conn| {
                let (pairing, entry) = services::pairings::open(conn, &new, today)?;
                Ok(Written::new(pairing, vec![entry]))
            })?;
            store::find_listing(conn, pairing.id)?.ok_or(ApiError::NotFound)
        })
        .await?;
    let id = listing.pairing.id;
    Ok(HttpResponse::Created()
        .insert_header((header::LOCATION, format!("/api/v1/pairings/{id}")))
        .insert_header(header::ETag(etag(listing.pairing.version)))
        .json(PairingBody::for_actor(listing, Some(&auth.actor), today)))
}

/// Get a pairing (public).
#[utoipa::path(
    tag = "pairings",
    params(("id" = uuid::Uuid, Path, description = "Pairing id")),
    responses(
        (status = 200, description = "The pairing", body = PairingBody, headers(("ETag" = String, description = "Its version"))),
        (status = 304, description = "Unchanged since the `If-None-Match` version"),
        (status = 401, description = "A token was sent but is not valid", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such pairing", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/pairings/{id}")]
pub async fn get_pairing(
    state: web::Data<AppState>,
    req: HttpRequest,
    auth: MaybeAuthenticated,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = pairing_id(&id)?;
    let listing = state
        .db(move |conn| store::find_listing(conn, id)?.ok_or(ApiError::NotFound))
        .await?;
    let version = listing.pairing.version;
    Ok(with_etag(
        &req,
        version,
        PairingBody::for_actor(listing, auth.actor(), state.clock.today()),
    ))
}

/// Runs a state change of one pairing (sign, terminate) and answers with the result.
async fn change_pairing<F>(
    state: web::Data<AppState>,
    req: HttpRequest,
    auth: Authenticated,
    id: uuid::Uuid,
    action: Action,
    if_match: IfMatch,
    change: F,
) -> Result<HttpResponse, ApiError>
where
    F: FnOnce(&mut persistence::DbConnection, &domain::pairing::Pairing) -> Result<Entry, ApiError>
        + Send
        + 'static,
{
    let actor = auth.actor.clone();
    let context = auth::write_context(&req, Some(&auth.actor));
    let listing = state
        .db(move |conn| {
            journal::write::<_, ApiError, _>(conn, &context, |conn| {
                let current = store::find_pairing(conn, id)?.ok_or(ApiError::NotFound)?;
                let resource = Resource::Pairing {
                    organization_id: current.organization_id,
                    county_code: &current.county_code,
                };
                ApiError::from_decision(authorize(Some(&actor), action, &resource))?;
                if if_match.is_present() {
                    if_match.check(current.version)?;
                }
                let entry = change(conn, &current)?;
                Ok(Written::new((), vec![entry]))
            })?;
            store::find_listing(conn, id)?.ok_or(ApiError::NotFound)
        })
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header(header::ETag(etag(listing.pairing.version)))
        .json(PairingBody::for_actor(
            listing,
            Some(&auth.actor),
            state.clock.today(),
        )))
}

/// Record the signed agreement (province admins, or the organization's own users).
///
/// `If-Match` is optional on actions; when sent, a stale version is a 412.
#[utoipa::path(
    tag = "pairings",
    params(
        ("id" = uuid::Uuid, Path, description = "Pairing id"),
        ("If-Match" = Option<String>, Header, description = "The ETag from GET (optional)"),
    ),
    request_body = SignPairing,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Signed", body = PairingBody, headers(("ETag" = String, description = "Its new version"))),
        (status = 400, description = "The body is not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not yours to sign", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such pairing", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Already signed, or terminated", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "Changed since your ETag", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "The body is not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "No agreement number, or a date in the future", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/pairings/{id}/sign")]
pub async fn sign_pairing(
    state: web::Data<AppState>,
    req: HttpRequest,
    auth: Authenticated,
    id: web::Path<String>,
    if_match: IfMatch,
    body: JsonBody<SignPairing>,
) -> Result<HttpResponse, ApiError> {
    let id = pairing_id(&id)?;
    let SignPairing {
        agreement_no,
        signed_on,
    } = body.0;
    let today = state.clock.today();
    change_pairing(
        state,
        req,
        auth,
        id,
        Action::SignPairing,
        if_match,
        move |conn, current| {
            let status = pairing::sign(
                current.status,
                current.established_on,
                &agreement_no,
                signed_on,
                today,
            )?;
            let mut next = current.clone();
            next.status = status;
            next.agreement_no = Some(agreement_no.trim().to_owned());
            next.agreement_signed_on = Some(signed_on);
            next.version += 1;
            next.updated_at = persistence::now();
            persistence::pairings::update_pairing(conn, &next)?;
            let mut changes = Changes::new();
            changes.compare("status", &current.status, &next.status);
            changes.compare("agreement_no", &current.agreement_no, &next.agreement_no);
            changes.compare(
                "agreement_signed_on",
                &current.agreement_signed_on,
                &next.agreement_signed_on,
            );
            Ok(Entry {
                entity: "pairing",
                entity_id: id.to_string(),
                action: "sign",
                changes,
            })
        },
    )
    .await
}

/// End a pairing (province admins).
#[utoipa::path(
    tag = "pairings",
    params(
        ("id" = uuid::Uuid, Path, description = "Pairing id"),
        ("If-Match" = Option<String>, Header, description = "The ETag from GET (optional)"),
    ),
    request_body = TerminatePairing,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Terminated", body = PairingBody, headers(("ETag" = String, description = "Its new version"))),
        (status = 400, description = "The body is not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not a province admin", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such pairing", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Already terminated", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "Changed since your ETag", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "The body is not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "No reason given", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/pairings/{id}/terminate")]
pub async fn terminate_pairing(
    state: web::Data<AppState>,
    req: HttpRequest,
    auth: Authenticated,
    id: web::Path<String>,
    if_match: IfMatch,
    body: JsonBody<TerminatePairing>,
) -> Result<HttpResponse, ApiError> {
    let id = pairing_id(&id)?;
    let TerminatePairing {
        reason,
        terminated_on,
    } = body.0;
    let today = state.clock.today();
    let on = terminated_on.unwrap_or(today);
    if on > today {
        return Err(ApiError::Validation(vec![domain::FieldError::rule(
            "terminated_on",
            Rule::InFuture,
        )]));
    }
    change_pairing(
        state,
        req,
        auth,
        id,
        Action::TerminatePairing,
        if_match,
        move |conn, current| {
            services::pairings::terminate(conn, current, &reason, on).map(|(_, entry)| entry)
        },
    )
    .await
}

/// An organization paired with a county.
#[derive(Debug, Serialize, ToSchema)]
pub struct PairedOrganization {
    pub organization_id: uuid::Uuid,
    pub organization_name: String,
    pub pairing_id: uuid::Uuid,
    pub status: PairingStatus,
    pub batch: i32,
    pub overdue: bool,
}

/// Who helps a county, and how.
#[derive(Debug, Serialize, ToSchema)]
pub struct PairingSummary {
    #[schema(example = "530102")]
    pub county_code: String,
    pub county_name: String,
    pub key_county: Option<KeyCounty>,
    /// `none`, `one_to_one` (一对一), `many_to_one` (多对一, 2 organizations) or `group`
    /// (组团式, 3 or more).
    pub help_mode: HelpMode,
    pub organizations_count: usize,
    /// The organizations with a pairing that is not terminated.
    pub organizations: Vec<PairedOrganization>,
}

/// The organizations paired with a county and how it is helped (public).
#[utoipa::path(
    tag = "counties",
    params(("code" = String, Path, description = "County code", example = "530102")),
    responses(
        (status = 200, description = "The county's pairings", body = PairingSummary),
        (status = 404, description = "No such county", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/counties/{code}/pairing-summary")]
pub async fn get_county_pairing_summary(
    state: web::Data<AppState>,
    code: web::Path<String>,
) -> Result<web::Json<PairingSummary>, ApiError> {
    let code = RegionCode::parse(&code).map_err(|_| ApiError::NotFound)?;
    let (county, listings) = state
        .db(move |conn| {
            let county =
                persistence::regions::find_county(conn, &code)?.ok_or(ApiError::NotFound)?;
            let filter = PairingFilter {
                county: Some(code.clone()),
                ..PairingFilter::default()
            };
            let listings = store::all_pairings(
                conn,
                &filter,
                <PairingSort as domain::SortField>::DEFAULT,
                10_000,
            )?;
            Ok((county, listings))
        })
        .await?;
    let today = state.clock.today();
    let organizations: Vec<PairedOrganization> = listings
        .into_iter()
        .filter(|l| l.pairing.is_open())
        .map(|l| PairedOrganization {
            organization_id: l.pairing.organization_id,
            organization_name: l.organization_name,
            pairing_id: l.pairing.id,
            status: l.pairing.status,
            batch: l.pairing.batch,
            overdue: l.pairing.is_overdue(today),
        })
        .collect();
    Ok(web::Json(PairingSummary {
        county_code: county.region.code.to_string(),
        county_name: county.region.name,
        key_county: county.region.key_county,
        help_mode: HelpMode::for_organizations(organizations.len()),
        organizations_count: organizations.len(),
        organizations,
    }))
}
