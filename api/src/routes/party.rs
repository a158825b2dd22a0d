//! 双百结对共建: `/party-organizations`, `/party-pairings` with their
//! `/activities`, and `/stats/party-pairings` against the targets of 100.

use std::collections::{BTreeMap, HashSet};

use actix_web::http::header;
use actix_web::{get, patch, post, web, HttpRequest, HttpResponse};
use chrono::{DateTime, NaiveDate, Utc};
use domain::party::{
    self, Activity, ActivityKind, PartyOrgKind, PartyOrganization, PartyPairing, PartyPairingStatus,
};
use domain::policy::{authorize, Action, Resource};
use domain::Rule;
use domain::{Changes, FieldError, PageRequest, RegionCode};
use persistence::journal::{self, Entry, Written};
use persistence::party::{self as store, PartyPairingFilter, PartyPairingSort};
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
use crate::services::organizations::check_can_start;
use crate::services::regions::{county_of, village};
use crate::state::AppState;

/// A social organization's party organization.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = PartyOrganization)]
pub struct PartyOrganizationBody {
    pub id: uuid::Uuid,
    pub organization_id: uuid::Uuid,
    #[schema(example = "云南省乡村振兴促进会党支部")]
    pub name: String,
    pub kind: PartyOrgKind,
    /// At least 3.
    pub members: i32,
    pub secretary_name: String,
    pub established_on: NaiveDate,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<PartyOrganization> for PartyOrganizationBody {
    fn from(p: PartyOrganization) -> Self {
        PartyOrganizationBody {
            id: p.id,
            organization_id: p.organization_id,
            name: p.name,
            kind: p.kind,
            members: p.members,
            secretary_name: p.secretary_name,
            established_on: p.established_on,
            version: p.version,
            created_at: p.created_at,
            updated_at: p.updated_at,
        }
    }
}

#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct CreatePartyOrganization {
    /// An organization user's own by default; a province admin names one.
    pub organization_id: Option<uuid::Uuid>,
    #[schema(min_length = 1, max_length = 200)]
    #[validate(length(max = limit::NAME))]
    pub name: String,
    pub kind: PartyOrgKind,
    #[schema(minimum = 3, maximum = 100_000_000)]
    #[validate(range(max = limit::PEOPLE_I32))]
    pub members: i32,
    #[schema(min_length = 1, max_length = 100)]
    #[validate(length(max = limit::PERSON_NAME))]
    pub secretary_name: String,
    pub established_on: NaiveDate,
}

/// A party organization paired with a village's party branch.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = PartyPairing)]
pub struct PartyPairingBody {
    pub id: uuid::Uuid,
    pub party_organization_id: uuid::Uuid,
    pub party_organization_name: String,
    pub organization_id: uuid::Uuid,
    pub organization_name: String,
    #[schema(example = "530102001001")]
    pub village_code: String,
    pub village_full_name: String,
    pub county_code: String,
    /// The village party branch, e.g. ××村党总支.
    pub branch_name: String,
    pub signed_on: NaiveDate,
    pub status: PartyPairingStatus,
    pub ended_on: Option<NaiveDate>,
    pub goals: Option<String>,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<store::PartyPairingListing> for PartyPairingBody {
    fn from(l: store::PartyPairingListing) -> Self {
        let p = l.pairing;
        PartyPairingBody {
            id: p.id,
            party_organization_id: p.party_organization_id,
            party_organization_name: l.party_organization_name,
            organization_id: p.organization_id,
            organization_name: l.organization_name,
            village_code: p.village_code.to_string(),
            village_full_name: l.village_full_name,
            county_code: l.county_code,
            branch_name: p.branch_name,
            signed_on: p.signed_on,
            status: p.status,
            ended_on: p.ended_on,
            goals: p.goals,
            version: p.version,
            created_at: p.created_at,
            updated_at: p.updated_at,
        }
    }
}

#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct CreatePartyPairing {
    pub party_organization_id: uuid::Uuid,
    #[schema(example = "530102001001", max_length = 64)]
    #[validate(length(max = limit::CODE))]
    pub village_code: String,
    #[schema(min_length = 1, max_length = 200)]
    #[validate(length(max = limit::NAME))]
    pub branch_name: String,
    /// Default: today (Asia/Shanghai).
    pub signed_on: Option<NaiveDate>,
    #[schema(max_length = 2_000)]
    #[validate(length(max = limit::GOALS))]
    pub goals: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct EndPartyPairing {
    pub ended_on: NaiveDate,
}

/// A joint activity.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = PartyActivity)]
pub struct ActivityBody {
    pub id: uuid::Uuid,
    pub party_pairing_id: uuid::Uuid,
    pub kind: ActivityKind,
    pub held_on: NaiveDate,
    pub title: String,
    pub participants: i32,
    pub summary: Option<String>,
    pub created_by: Option<uuid::Uuid>,
    pub created_at: DateTime<Utc>,
}

impl From<Activity> for ActivityBody {
    fn from(a: Activity) -> Self {
        ActivityBody {
            id: a.id,
            party_pairing_id: a.party_pairing_id,
            kind: a.kind,
            held_on: a.held_on,
            title: a.title,
            participants: a.participants,
            summary: a.summary,
            created_by: a.created_by,
            created_at: a.created_at,
        }
    }
}

#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct CreateActivity {
    pub kind: ActivityKind,
    pub held_on: NaiveDate,
    #[schema(min_length = 1, max_length = 200)]
    #[validate(length(max = limit::NAME))]
    pub title: String,
    #[schema(minimum = 1, maximum = 100_000_000)]
    #[validate(range(max = limit::PEOPLE_I32))]
    pub participants: i32,
    #[schema(max_length = 5_000)]
    #[validate(length(max = limit::DESCRIPTION))]
    pub summary: Option<String>,
}

fn id_of(raw: &str) -> Result<uuid::Uuid, ApiError> {
    uuid::Uuid::parse_str(raw).map_err(|_| ApiError::NotFound)
}

/// Filters of the party organization list (documentation; the handler reads them).
#[derive(Debug, IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct PartyOrganizationQuery {
    organization_id: Option<uuid::Uuid>,
}

/// List party organizations (any signed-in account).
#[utoipa::path(
    tag = "party",
    params(PartyOrganizationQuery, PageParams),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "A page of party organizations", body = Paged<PartyOrganizationBody>),
        (status = 400, description = "A parameter cannot be read", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A parameter is out of range", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/party-organizations")]
pub async fn list_party_organizations(
    state: web::Data<AppState>,
    auth: Authenticated,
    req: HttpRequest,
) -> Result<web::Json<Paged<PartyOrganizationBody>>, ApiError> {
    ApiError::from_decision(authorize(
        Some(&auth.actor),
        Action::ReadPartyOrganizations,
        &Resource::Organizations,
    ))?;
    let mut reader = QueryReader::parse(req.query_string());
    let organization_id = reader.uuid("organization_id");
    let raw_page = reader.text("page");
    let raw_size = reader.text("page_size");
    reader.finish()?;
    let page = PageRequest::parse(raw_page.as_deref(), raw_size.as_deref())
        .map_err(ApiError::from_field_errors)?;
    let listed = state
        .db(move |conn| {
            Ok(store::list_party_organizations(
                conn,
                organization_id,
                page,
            )?)
        })
        .await?;
    Ok(web::Json(Paged::new(
        listed,
        page,
        PartyOrganizationBody::from,
    )))
}

/// Register an organization's party organization (its own users, or province admins).
/// The organization's `has_party_organization` is set in the same transaction.
#[utoipa::path(
    tag = "party",
    request_body = CreatePartyOrganization,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Registered", body = PartyOrganizationBody,
            headers(("Location" = String, description = "Its URL"), ("ETag" = String, description = "Its version"))),
        (status = 400, description = "The body is not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not your organization", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "The body is not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A field is invalid", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/party-organizations")]
pub async fn create_party_organization(
    state: web::Data<AppState>,
    req: HttpRequest,
    auth: Authenticated,
    body: JsonBody<CreatePartyOrganization>,
) -> Result<HttpResponse, ApiError> {
    let body = body.0;
    let organization_id = auth::acting_organization(body.organization_id, &auth.actor)?;
    ApiError::from_decision(authorize(
        Some(&auth.actor),
        Action::WritePartyOrganization,
        &Resource::Organization {
            id: organization_id,
        },
    ))?;
    party::check_party_organization(
        &body.name,
        body.members,
        &body.secretary_name,
        body.established_on,
        state.clock.today(),
    )?;
    let context = auth::write_context(&req, Some(&auth.actor));
    let created = state
        .db(move |conn| {
            journal::write::<_, ApiError, _>(conn, &context, |conn| {
                let mut organization =
                    persistence::organizations::find_organization(conn, organization_id)?
                        .ok_or_else(|| {
                            ApiError::Validation(vec![FieldError::rule(
                                "organization_id",
                                Rule::UnknownOrganization,
                            )])
                        })?;
                let now = persistence::now();
                let party = PartyOrganization {
                    id: uuid::Uuid::now_v7(),
                    organization_id,
                    name: body.name.trim().to_owned(),
                    kind: body.kind,
                    members: body.members,
                    secretary_name: body.secretary_name.trim().to_owned(),
                    established_on: body.established_on,
                    version: 1,
                    created_at: now,
                    updated_at: now,
                };
                store::insert_party_organization(conn, &party)?;
                let mut changes = Changes::new();
                changes.created("organization_id", &party.organization_id);
                changes.created("name", &party.name);
                changes.created("kind", &party.kind);
                changes.created("members", &party.members);
                let mut entries = vec![Entry {
                    entity: "party_organization",
                    entity_id: party.id.to_string(),
                    action: "create",
                    changes,
                }];
                if !organization.has_party_organization {
                    let before = organization.clone();
                    organization.has_party_organization = true;
                    organization.version += 1;
                    organization.updated_at = now;
                    persistence::organizations::update_organization(conn, &organization)?;
                    let mut changes = Changes::new();
                    changes.compare(
                        "has_party_organization",
                        &before.has_party_organization,
                        &true,
                    );
                    entries.push(Entry {
                        entity: "organization",
                        entity_id: organization.id.to_string(),
                        action: "update",
                        changes,
                    });
                }
                Ok(Written::new(party, entries))
            })
        })
        .await?;
    Ok(HttpResponse::Created()
        .insert_header((
            header::LOCATION,
            format!("/api/v1/party-organizations/{}", created.id),
        ))
        .insert_header(header::ETag(etag(created.version)))
        .json(PartyOrganizationBody::from(created)))
}

/// Get a party organization (any signed-in account).
#[utoipa::path(
    tag = "party",
    params(("id" = uuid::Uuid, Path, description = "Party organization id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The party organization", body = PartyOrganizationBody),
        (status = 304, description = "Unchanged since the `If-None-Match` version"),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such party organization", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/party-organizations/{id}")]
pub async fn get_party_organization(
    state: web::Data<AppState>,
    req: HttpRequest,
    auth: Authenticated,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    ApiError::from_decision(authorize(
        Some(&auth.actor),
        Action::ReadPartyOrganizations,
        &Resource::Organizations,
    ))?;
    let id = id_of(&id)?;
    let party = state
        .db(move |conn| store::find_party_organization(conn, id)?.ok_or(ApiError::NotFound))
        .await?;
    Ok(with_etag(
        &req,
        party.version,
        PartyOrganizationBody::from(party),
    ))
}

/// Filters of the party pairing list.
#[derive(Debug, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PartyPairingQuery {
    organization_id: Option<uuid::Uuid>,
    party_organization_id: Option<uuid::Uuid>,
    #[param(value_type = Option<String>, pattern = "^[0-9]{6}$")]
    county: Option<RegionCode>,
    #[param(value_type = Option<String>, pattern = "^[0-9]{12}$")]
    village: Option<RegionCode>,
    status: Option<PartyPairingStatus>,
}

impl ListFilter for PartyPairingQuery {
    type Sort = PartyPairingSort;

    fn read(q: &mut QueryReader) -> Self {
        PartyPairingQuery {
            organization_id: q.uuid("organization_id"),
            party_organization_id: q.uuid("party_organization_id"),
            county: q.region_code("county"),
            village: q.region_code("village"),
            status: q.parse_with("status"),
        }
    }
}

/// List party pairings: an organization its own, officers their region's, the
/// province-wide roles all.
#[utoipa::path(
    tag = "party",
    params(PartyPairingQuery, PageParams),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "A page of party pairings", body = Paged<PartyPairingBody>),
        (status = 400, description = "A parameter cannot be read", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A parameter is out of range", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/party-pairings")]
pub async fn list_party_pairings(
    state: web::Data<AppState>,
    auth: Authenticated,
    query: ListQuery<PartyPairingQuery>,
) -> Result<web::Json<Paged<PartyPairingBody>>, ApiError> {
    let ListQuery {
        filter: q,
        page,
        sort,
    } = query;
    let filter = PartyPairingFilter {
        organization_id: q.organization_id,
        party_organization_id: q.party_organization_id,
        county: q.county,
        village: q.village,
        status: q.status,
    };
    let visibility = auth::visibility(&auth.actor);
    let listed = state
        .db(move |conn| {
            Ok(store::list_party_pairings(
                conn,
                &visibility,
                &filter,
                sort,
                page,
            )?)
        })
        .await?;
    Ok(web::Json(Paged::new(listed, page, PartyPairingBody::from)))
}

/// Pair a party organization with a village's party branch. The village's county must
/// be paired with the organization, which must be active.
#[utoipa::path(
    tag = "party",
    request_body = CreatePartyPairing,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Paired", body = PartyPairingBody,
            headers(("Location" = String, description = "Its URL"), ("ETag" = String, description = "Its version"))),
        (status = 400, description = "The body is not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not your organization", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not paired with the county, inactive, or already paired with the village", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "The body is not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A field is invalid", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/party-pairings")]
pub async fn create_party_pairing(
    state: web::Data<AppState>,
    req: HttpRequest,
    auth: Authenticated,
    body: JsonBody<CreatePartyPairing>,
) -> Result<HttpResponse, ApiError> {
    let body = body.0;
    let signed_on = body.signed_on.unwrap_or(state.clock.today());
    let goals = body
        .goals
        .map(|g| g.trim().to_owned())
        .filter(|g| !g.is_empty());
    party::check_party_pairing(
        &body.branch_name,
        signed_on,
        goals.as_deref(),
        state.clock.today(),
    )?;
    let actor = auth.actor.clone();
    let context = auth::write_context(&req, Some(&auth.actor));
    let created = state
        .db(move |conn| {
            let id = journal::write::<_, ApiError, _>(conn, &context, |conn| {
                let party_org = store::find_party_organization(conn, body.party_organization_id)?
                    .ok_or_else(|| {
                    ApiError::Validation(vec![FieldError::rule(
                        "party_organization_id",
                        Rule::UnknownPartyOrganization,
                    )])
                })?;
                let village_code = village(conn, &body.village_code)?;
                let county = county_of(&village_code)?;
                let resource = Resource::Project {
                    organization_id: party_org.organization_id,
                    county_code: &county,
                };
                if !authorize(Some(&actor), Action::WriteProject, &resource).is_allowed() {
                    return Err(ApiError::Forbidden {
                        fields: vec!["party_organization_id".to_owned()],
                    });
                }
                check_can_start(conn, party_org.organization_id, &county)?;
                if store::active_party_pairing_exists(conn, party_org.id, &village_code)? {
                    return Err(ApiError::Conflict(vec![FieldError::rule(
                        "village_code",
                        Rule::AlreadyPaired,
                    )]));
                }
                let now = persistence::now();
                let pairing = PartyPairing {
                    id: uuid::Uuid::now_v7(),
                    party_organization_id: party_org.id,
                    organization_id: party_org.organization_id,
                    village_code,
                    branch_name: body.branch_name.trim().to_owned(),
                    signed_on,
                    status: PartyPairingStatus::Active,
                    ended_on: None,
                    goals,
                    version: 1,
                    created_at: now,
                    updated_at: now,
                };
                store::insert_party_pairing(conn, &pairing)?;
                let mut changes = Changes::new();
                changes.created("party_organization_id", &pairing.party_organization_id);
                changes.created("village_code", &pairing.village_code.to_string());
                changes.created("branch_name", &pairing.branch_name);
                changes.created("signed_on", &pairing.signed_on);
                let entry = Entry {
                    entity: "party_pairing",
                    entity_id: pairing.id.to_string(),
                    action: "create",
                    changes,
                };
                Ok(Written::new(pairing.id, vec![entry]))
            })?;
            store::find_party_pairing_listing(conn, id)?.ok_or(ApiError::NotFound)
        })
        .await?;
    let body = PartyPairingBody::from(created);
    Ok(HttpResponse::Created()
        .insert_header((
            header::LOCATION,
            format!("/api/v1/party-pairings/{}", body.id),
        ))
        .insert_header(header::ETag(etag(body.version)))
        .json(body))
}

/// The pairing, if the actor may see it (404 otherwise).
fn visible_pairing(
    conn: &mut DbConnection,
    actor: &domain::Actor,
    id: uuid::Uuid,
) -> Result<PartyPairing, ApiError> {
    let pairing = store::find_party_pairing(conn, id)?.ok_or(ApiError::NotFound)?;
    let county = county_of(&pairing.village_code)?;
    let resource = Resource::Project {
        organization_id: pairing.organization_id,
        county_code: &county,
    };
    ApiError::from_decision(authorize(Some(actor), Action::ReadProject, &resource))?;
    Ok(pairing)
}

/// Get a party pairing (404 unless it is yours to see).
#[utoipa::path(
    tag = "party",
    params(("id" = uuid::Uuid, Path, description = "Party pairing id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The party pairing", body = PartyPairingBody),
        (status = 304, description = "Unchanged since the `If-None-Match` version"),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such party pairing, or not yours to see", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/party-pairings/{id}")]
pub async fn get_party_pairing(
    state: web::Data<AppState>,
    req: HttpRequest,
    auth: Authenticated,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = id_of(&id)?;
    let actor = auth.actor.clone();
    let body = state
        .db(move |conn| {
            visible_pairing(conn, &actor, id)?;
            store::find_party_pairing_listing(conn, id)?.ok_or(ApiError::NotFound)
        })
        .await?;
    let body = PartyPairingBody::from(body);
    Ok(with_etag(&req, body.version, body))
}

/// End a party pairing (its organization's users, or province admins).
#[utoipa::path(
    tag = "party",
    params(("id" = uuid::Uuid, Path, description = "Party pairing id"),
        ("If-Match" = Option<String>, Header, description = "The ETag from GET (optional)")),
    request_body = EndPartyPairing,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Ended", body = PartyPairingBody),
        (status = 400, description = "The body is not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not yours to end", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such party pairing, or not yours to see", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Already ended", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "Changed since your ETag", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "The body is not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "An end before the signing, or in the future", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/party-pairings/{id}/end")]
pub async fn end_party_pairing(
    state: web::Data<AppState>,
    req: HttpRequest,
    auth: Authenticated,
    id: web::Path<String>,
    if_match: IfMatch,
    body: JsonBody<EndPartyPairing>,
) -> Result<HttpResponse, ApiError> {
    let id = id_of(&id)?;
    let ended_on = body.0.ended_on;
    let actor = auth.actor.clone();
    let context = auth::write_context(&req, Some(&auth.actor));
    let today = state.clock.today();
    let body = state
        .db(move |conn| {
            journal::write::<_, ApiError, _>(conn, &context, |conn| {
                let current = visible_pairing(conn, &actor, id)?;
                let county = county_of(&current.village_code)?;
                let resource = Resource::Project {
                    organization_id: current.organization_id,
                    county_code: &county,
                };
                ApiError::from_decision(authorize(Some(&actor), Action::WriteProject, &resource))?;
                if if_match.is_present() {
                    if_match.check(current.version)?;
                }
                let status =
                    party::end_party_pairing(current.status, current.signed_on, ended_on, today)?;
                let mut next = current.clone();
                next.status = status;
                next.ended_on = Some(ended_on);
                next.version += 1;
                next.updated_at = persistence::now();
                store::update_party_pairing(conn, &next)?;
                let mut changes = Changes::new();
                changes.compare("status", &current.status, &next.status);
                changes.compare("ended_on", &current.ended_on, &next.ended_on);
                let entry = Entry {
                    entity: "party_pairing",
                    entity_id: id.to_string(),
                    action: "end",
                    changes,
                };
                Ok(Written::new((), vec![entry]))
            })?;
            store::find_party_pairing_listing(conn, id)?.ok_or(ApiError::NotFound)
        })
        .await?;
    let body = PartyPairingBody::from(body);
    Ok(HttpResponse::Ok()
        .insert_header(header::ETag(etag(body.version)))
        .json(body))
}

/// Record a joint activity of an active pair (its organization's users, or province admins).
#[utoipa::path(
    tag = "party",
    params(("id" = uuid::Uuid, Path, description = "Party pairing id")),
    request_body = CreateActivity,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Recorded", body = ActivityBody),
        (status = 400, description = "The body is not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not yours", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such party pairing, or not yours to see", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The pairing has ended", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "The body is not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A field is invalid", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/party-pairings/{id}/activities")]
pub async fn create_party_activity(
    state: web::Data<AppState>,
    req: HttpRequest,
    auth: Authenticated,
    id: web::Path<String>,
    body: JsonBody<CreateActivity>,
) -> Result<HttpResponse, ApiError> {
    let id = id_of(&id)?;
    let body = body.0;
    let summary = body
        .summary
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty());
    let actor = auth.actor.clone();
    let context = auth::write_context(&req, Some(&auth.actor));
    let today = state.clock.today();
    let activity = state
        .db(move |conn| {
            journal::write::<_, ApiError, _>(conn, &context, |conn| {
                let pairing = visible_pairing(conn, &actor, id)?;
                let county = county_of(&pairing.village_code)?;
                let resource = Resource::Project {
                    organization_id: pairing.organization_id,
                    county_code: &county,
                };
                ApiError::from_decision(authorize(Some(&actor), Action::WriteProject, &resource))?;
                if pairing.status != PartyPairingStatus::Active {
                    return Err(ApiError::Conflict(vec![FieldError::rule(
                        "status",
                        Rule::Ended,
                    )]));
                }
                party::check_activity(
                    &body.title,
                    body.participants,
                    body.held_on,
                    pairing.signed_on,
                    summary.as_deref(),
                    today,
                )?;
                let activity = Activity {
                    id: uuid::Uuid::now_v7(),
                    party_pairing_id: id,
                    kind: body.kind,
                    held_on: body.held_on,
                    title: body.title.trim().to_owned(),
                    participants: body.participants,
                    summary,
                    created_by: Some(actor.user_id),
                    created_at: persistence::now(),
                };
                store::insert_activity(conn, &activity)?;
                let mut changes = Changes::new();
                changes.created("kind", &activity.kind);
                changes.created("held_on", &activity.held_on);
                changes.created("title", &activity.title);
                changes.created("participants", &activity.participants);
                let entry = Entry {
                    entity: "party_activity",
                    entity_id: activity.id.to_string(),
                    action: "create",
                    changes,
                };
                Ok(Written::new(activity, vec![entry]))
            })
        })
        .await?;
    Ok(HttpResponse::Created()
        .insert_header((
            header::LOCATION,
            format!(
                "/api/v1/party-pairings/{}/activities/{}",
                activity.party_pairing_id, activity.id
            ),
        ))
        .json(ActivityBody::from(activity)))
}

/// A pair's activities, newest first (whoever may see the pairing).
#[utoipa::path(
    tag = "party",
    params(("id" = uuid::Uuid, Path, description = "Party pairing id"), PageParams),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "A page of activities", body = Paged<ActivityBody>),
        (status = 400, description = "A parameter cannot be read", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such party pairing, or not yours to see", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A parameter is out of range", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/party-pairings/{id}/activities")]
pub async fn list_party_activities(
    state: web::Data<AppState>,
    req: HttpRequest,
    auth: Authenticated,
    id: web::Path<String>,
) -> Result<web::Json<Paged<ActivityBody>>, ApiError> {
    let id = id_of(&id)?;
    let mut reader = QueryReader::parse(req.query_string());
    let raw_page = reader.text("page");
    let raw_size = reader.text("page_size");
    reader.finish()?;
    let page = PageRequest::parse(raw_page.as_deref(), raw_size.as_deref())
        .map_err(ApiError::from_field_errors)?;
    let actor = auth.actor.clone();
    let listed = state
        .db(move |conn| {
            visible_pairing(conn, &actor, id)?;
            Ok(store::list_activities(conn, id, page)?)
        })
        .await?;
    Ok(web::Json(Paged::new(listed, page, ActivityBody::from)))
}

/// One figure against its target.
#[derive(Debug, Serialize, ToSchema)]
pub struct Progress {
    pub value: i64,
    #[schema(example = 100)]
    pub target: i64,
    /// `value / target`, at most 1.
    pub progress: f64,
}

impl Progress {
    fn of(value: i64, target: i64) -> Self {
        Progress {
            value,
            target,
            progress: (value as f64 / target as f64).min(1.0),
        }
    }
}

/// 双百结对共建 against its targets.
#[derive(Debug, Serialize, ToSchema)]
pub struct PartyStats {
    /// Active pairs.
    pub active_pairs: Progress,
    /// Distinct party organizations with an active pair.
    pub party_organizations: Progress,
    /// Distinct village branches with an active pair.
    pub village_branches: Progress,
    /// Activities recorded, by kind.
    pub activities_by_kind: BTreeMap<String, i64>,
    /// Active pairs with no activity in the last six months.
    pub dormant_pairs: i64,
}

/// 双百结对共建 progress (public: counts only).
#[utoipa::path(
    tag = "stats",
    responses(
        (status = 200, description = "The figures", body = PartyStats),
        (status = 503, description = "The database is unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/stats/party-pairings")]
pub async fn get_party_stats(
    state: web::Data<AppState>,
) -> Result<web::Json<PartyStats>, ApiError> {
    let progress = state.db(|conn| Ok(store::party_progress(conn)?)).await?;
    let (pairs, by_kind) = (progress.active_pairs, progress.activities_by_kind);
    let today = state.clock.today();
    let party_orgs: HashSet<uuid::Uuid> = pairs.iter().map(|p| p.party_organization_id).collect();
    let villages: HashSet<&str> = pairs.iter().map(|p| p.village_code.as_str()).collect();
    let dormant = pairs
        .iter()
        .filter(|p| party::is_dormant(p.last_activity, today))
        .count() as i64;
    let mut activities_by_kind: BTreeMap<String, i64> = ActivityKind::NAMES
        .iter()
        .map(|k| ((*k).to_owned(), 0))
        .collect();
    for (kind, n) in by_kind {
        activities_by_kind.insert(kind, n);
    }
    let target = party::PARTY_PAIRS_TARGET;
    Ok(web::Json(PartyStats {
        active_pairs: Progress::of(pairs.len() as i64, target),
        party_organizations: Progress::of(party_orgs.len() as i64, target),
        village_branches: Progress::of(villages.len() as i64, target),
        activities_by_kind,
        dormant_pairs: dormant,
    }))
}

/// Changes to a party organization; absent fields stay as they are.
#[derive(Debug, Default, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct UpdatePartyOrganization {
    #[schema(min_length = 1, max_length = 200)]
    #[validate(length(max = limit::NAME))]
    pub name: Option<String>,
    pub kind: Option<PartyOrgKind>,
    #[schema(minimum = 3, maximum = 100_000_000)]
    #[validate(range(max = limit::PEOPLE_I32))]
    pub members: Option<i32>,
    #[schema(min_length = 1, max_length = 100)]
    #[validate(length(max = limit::PERSON_NAME))]
    pub secretary_name: Option<String>,
    pub established_on: Option<NaiveDate>,
}

/// Change a party organization (its organization's users, or province admins). Needs
/// `If-Match`.
#[utoipa::path(
    tag = "party",
    params(("id" = uuid::Uuid, Path, description = "Party organization id"),
        ("If-Match" = String, Header, description = "The ETag from GET")),
    request_body = UpdatePartyOrganization,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The party organization as changed", body = PartyOrganizationBody),
        (status = 400, description = "The body is not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not your organization's", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such party organization", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "Changed since your ETag", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "The body is not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A field is invalid", body = Problem, content_type = "application/problem+json"),
        (status = 428, description = "If-Match is missing", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/party-organizations/{id}")]
pub async fn update_party_organization(
    state: web::Data<AppState>,
    req: HttpRequest,
    auth: Authenticated,
    id: web::Path<String>,
    if_match: IfMatch,
    body: JsonBody<UpdatePartyOrganization>,
) -> Result<HttpResponse, ApiError> {
    let id = id_of(&id)?;
    let patch = body.0;
    let actor = auth.actor.clone();
    let context = auth::write_context(&req, Some(&auth.actor));
    let today = state.clock.today();
    let updated = state
        .db(move |conn| {
            journal::write::<_, ApiError, _>(conn, &context, |conn| {
                let current =
                    store::find_party_organization(conn, id)?.ok_or(ApiError::NotFound)?;
                ApiError::from_decision(authorize(
                    Some(&actor),
                    Action::WritePartyOrganization,
                    &Resource::Organization {
                        id: current.organization_id,
                    },
                ))?;
                if_match.check(current.version)?;
                let mut next = current.clone();
                if let Some(v) = &patch.name {
                    next.name = v.trim().to_owned();
                }
                if let Some(v) = patch.kind {
                    next.kind = v;
                }
                if let Some(v) = patch.members {
                    next.members = v;
                }
                if let Some(v) = &patch.secretary_name {
                    next.secretary_name = v.trim().to_owned();
                }
                if let Some(v) = patch.established_on {
                    next.established_on = v;
                }
                party::check_party_organization(
                    &next.name,
                    next.members,
                    &next.secretary_name,
                    next.established_on,
                    today,
                )?;
                let mut changes = Changes::new();
                changes.compare("name", &current.name, &next.name);
                changes.compare("kind", &current.kind, &next.kind);
                changes.compare("members", &current.members, &next.members);
                changes.compare(
                    "secretary_name",
                    &current.secretary_name,
                    &next.secretary_name,
                );
                changes.compare(
                    "established_on",
                    &current.established_on,
                    &next.established_on,
                );
                if changes.is_empty() {
                    return Ok(Written::unchanged(current));
                }
                next.version += 1;
                next.updated_at = persistence::now();
                store::update_party_organization(conn, &next)?;
                let entry = Entry {
                    entity: "party_organization",
                    entity_id: id.to_string(),
                    action: "update",
                    changes,
                };
                Ok(Written::new(next, vec![entry]))
            })
        })
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header(header::ETag(etag(updated.version)))
        .json(PartyOrganizationBody::from(updated)))
}
