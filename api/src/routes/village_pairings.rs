//! `/village-pairings`: organizations, alone or through member enterprises, helping
//! villages of their paired counties (一会帮一村, 一企帮多村, 多企帮一村); and
//! `/stats/villages`, the count against the plan's 1,000 villages.

use std::collections::{BTreeMap, HashMap};

use actix_web::http::header;
use actix_web::{get, post, web, HttpRequest, HttpResponse};
use chrono::{DateTime, NaiveDate, Utc};
use domain::policy::{authorize, Action, Resource};
use domain::project::{self, Enterprise, ProjectCategory, VillagePairing, VillagePairingStatus};
use domain::Rule;
use domain::{Changes, FieldError, RegionCode, VillageTag, Violation};
use persistence::journal::{self, Entry, Written};
use persistence::projects::{self as store, VillagePairingFilter, VillagePairingSort};
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
use crate::services::regions::village;
use crate::state::AppState;

/// The plan's target: villages helped.
pub const VILLAGES_TARGET: i64 = 1_000;

/// An organization (or its member enterprise) helping a village.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = VillagePairing)]
pub struct VillagePairingBody {
    pub id: uuid::Uuid,
    pub organization_id: uuid::Uuid,
    pub organization_name: String,
    #[schema(example = "530102001001")]
    pub village_code: String,
    /// The village's full name, e.g. 云南省昆明市五华区华山街道…
    pub village_full_name: String,
    pub village_tags: Vec<VillageTag>,
    #[schema(example = "530102")]
    pub county_code: String,
    /// The member enterprise (会员企业) that helps, if any.
    pub enterprise_name: Option<String>,
    pub enterprise_credit_code: Option<String>,
    /// The kinds of help given.
    pub focus: Vec<ProjectCategory>,
    pub started_on: NaiveDate,
    pub ended_on: Option<NaiveDate>,
    pub status: VillagePairingStatus,
    pub note: Option<String>,
    pub end_reason: Option<String>,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<store::VillagePairingListing> for VillagePairingBody {
    fn from(l: store::VillagePairingListing) -> Self {
        let p = l.pairing;
        VillagePairingBody {
            id: p.id,
            organization_id: p.organization_id,
            organization_name: l.organization_name,
            village_code: p.village_code.to_string(),
            village_full_name: l.village_full_name,
            village_tags: l.village_tags,
            county_code: l.county_code,
            enterprise_name: p.enterprise.as_ref().map(|e| e.name.clone()),
            enterprise_credit_code: p.enterprise.map(|e| e.credit_code.to_string()),
            focus: p.focus,
            started_on: p.started_on,
            ended_on: p.ended_on,
            status: p.status,
            note: p.note,
            end_reason: p.end_reason,
            version: p.version,
            created_at: p.created_at,
            updated_at: p.updated_at,
        }
    }
}

#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct CreateVillagePairing {
    /// An organization user's own by default; a province admin names one.
    pub organization_id: Option<uuid::Uuid>,
    #[schema(example = "530102001001", max_length = 64)]
    #[validate(length(max = limit::CODE))]
    pub village_code: String,
    #[schema(max_length = 200)]
    #[validate(length(max = limit::NAME))]
    pub enterprise_name: Option<String>,
    #[schema(max_length = 64)]
    #[validate(length(max = limit::CODE))]
    pub enterprise_credit_code: Option<String>,
    #[serde(default)]
    #[schema(max_items = 1_000)]
    #[validate(length(max = limit::ITEMS))]
    pub focus: Vec<ProjectCategory>,
    /// Default: today (Asia/Shanghai).
    pub started_on: Option<NaiveDate>,
    #[schema(max_length = 1_000)]
    #[validate(length(max = limit::NOTE))]
    pub note: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct EndVillagePairing {
    /// Not before it started.
    pub ended_on: NaiveDate,
    #[schema(min_length = 1, max_length = 500)]
    #[validate(length(max = limit::REASON))]
    pub reason: String,
}

fn resource_of(p: &VillagePairing) -> Result<(RegionCode, uuid::Uuid), ApiError> {
    let county = p
        .village_code
        .parent()
        .and_then(|t| t.parent())
        .ok_or_else(|| ApiError::Internal(format!("village {} has no county", p.village_code)))?;
    Ok((county, p.organization_id))
}

fn listing(conn: &mut DbConnection, id: uuid::Uuid) -> Result<VillagePairingBody, ApiError> {
    store::find_village_pairing_listing(conn, id)?
        .map(VillagePairingBody::from)
        .ok_or(ApiError::NotFound)
}

/// Filters of the village pairing list.
#[derive(Debug, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct VillagePairingQuery {
    organization_id: Option<uuid::Uuid>,
    #[param(value_type = Option<String>, pattern = "^[0-9]{6}$")]
    county: Option<RegionCode>,
    #[param(value_type = Option<String>, pattern = "^[0-9]{4}$")]
    prefecture: Option<RegionCode>,
    #[param(value_type = Option<String>, pattern = "^[0-9]{12}$")]
    village: Option<RegionCode>,
    /// Villages with this tag.
    tag: Option<VillageTag>,
    status: Option<VillagePairingStatus>,
}

impl ListFilter for VillagePairingQuery {
    type Sort = VillagePairingSort;

    fn read(q: &mut QueryReader) -> Self {
        VillagePairingQuery {
            organization_id: q.uuid("organization_id"),
            county: q.region_code("county"),
            prefecture: q.region_code("prefecture"),
            village: q.region_code("village"),
            tag: q.parse_with("tag"),
            status: q.parse_with("status"),
        }
    }
}

/// List village pairings: an organization its own, officers their region's, the
/// province-wide roles all.
#[utoipa::path(
    tag = "village-pairings",
    params(VillagePairingQuery, PageParams),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "A page of village pairings", body = Paged<VillagePairingBody>),
        (status = 400, description = "A parameter cannot be read", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A parameter is out of range", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/village-pairings")]
pub async fn list_village_pairings(
    state: web::Data<AppState>,
    auth: Authenticated,
    query: ListQuery<VillagePairingQuery>,
) -> Result<web::Json<Paged<VillagePairingBody>>, ApiError> {
    let ListQuery {
        filter: q,
        page,
        sort,
    } = query;
    let filter = VillagePairingFilter {
        organization_id: q.organization_id,
        county: q.county,
        prefecture: q.prefecture,
        village: q.village,
        tag: q.tag,
        status: q.status,
    };
    let visibility = auth::visibility(&auth.actor);
    let listed = state
        .db(move |conn| {
            Ok(store::list_village_pairings(
                conn,
                &visibility,
                &filter,
                sort,
                page,
            )?)
        })
        .await?;
    Ok(web::Json(Paged::new(
        listed,
        page,
        VillagePairingBody::from,
    )))
}

/// Pair an organization (or one of its member enterprises) with a village of a county
/// it is paired with.
#[utoipa::path(
    tag = "village-pairings",
    request_body = CreateVillagePairing,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Created, `active`", body = VillagePairingBody,
            headers(("Location" = String, description = "Its URL"), ("ETag" = String, description = "Its version"))),
        (status = 400, description = "The body is not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not your organization", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not paired with the village's county, inactive, or already helping the village", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "The body is not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A field is invalid", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/village-pairings")]
pub async fn create_village_pairing(
    state: web::Data<AppState>,
    req: HttpRequest,
    auth: Authenticated,
    body: JsonBody<CreateVillagePairing>,
) -> Result<HttpResponse, ApiError> {
    let body = body.0;
    let organization_id = auth::acting_organization(body.organization_id, &auth.actor)?;
    let enterprise = Enterprise::parse(
        body.enterprise_name.as_deref(),
        body.enterprise_credit_code.as_deref(),
    )
    .map_err(ApiError::Validation)?;
    let started_on = body.started_on.unwrap_or(state.clock.today());
    if started_on > state.clock.today() {
        return Err(ApiError::Validation(vec![FieldError::rule(
            "started_on",
            Rule::InFuture,
        )]));
    }
    let note = body
        .note
        .map(|n| n.trim().to_owned())
        .filter(|n| !n.is_empty());
    if note
        .as_ref()
        .is_some_and(|n| n.chars().count() > project::NOTE_MAX)
    {
        return Err(ApiError::Validation(vec![FieldError::new(
            "note",
            Violation::TooLong {
                max: project::NOTE_MAX,
            },
        )]));
    }
    let mut focus = body.focus;
    focus.sort();
    focus.dedup();
    let actor = auth.actor.clone();
    let context = auth::write_context(&req, Some(&auth.actor));
    let created = state
        .db(move |conn| {
            let id = journal::write::<_, ApiError, _>(conn, &context, |conn| {
                let village_code = village(conn, &body.village_code)?;
                let county = village_code
                    .parent()
                    .and_then(|t| t.parent())
                    .ok_or_else(|| ApiError::Internal("village without county".to_owned()))?;
                let resource = Resource::Project {
                    organization_id,
                    county_code: &county,
                };
                if !authorize(Some(&actor), Action::WriteProject, &resource).is_allowed() {
                    return Err(ApiError::Forbidden {
                        fields: vec!["organization_id".to_owned()],
                    });
                }
                check_can_start(conn, organization_id, &county)?;
                let code = enterprise
                    .as_ref()
                    .map(|e| e.credit_code.as_str().to_owned());
                if store::active_village_pairing_exists(
                    conn,
                    organization_id,
                    &village_code,
                    code.as_deref(),
                )? {
                    return Err(ApiError::Conflict(vec![FieldError::rule(
                        "village_code",
                        Rule::AlreadyHelping,
                    )]));
                }
                let now = persistence::now();
                let pairing = VillagePairing {
                    id: uuid::Uuid::now_v7(),
                    organization_id,
                    village_code,
                    enterprise,
                    focus,
                    started_on,
                    ended_on: None,
                    status: VillagePairingStatus::Active,
                    note,
                    end_reason: None,
                    version: 1,
                    created_at: now,
                    updated_at: now,
                };
                store::insert_village_pairing(conn, &pairing)?;
                let mut changes = Changes::new();
                changes.created("organization_id", &pairing.organization_id);
                changes.created("village_code", &pairing.village_code.to_string());
                changes.created(
                    "enterprise_credit_code",
                    &pairing
                        .enterprise
                        .as_ref()
                        .map(|e| e.credit_code.to_string()),
                );
                changes.created("focus", &pairing.focus);
                changes.created("started_on", &pairing.started_on);
                let entry = Entry {
                    entity: "village_pairing",
                    entity_id: pairing.id.to_string(),
                    action: "create",
                    changes,
                };
                Ok(Written::new(pairing.id, vec![entry]))
            })?;
            listing(conn, id)
        })
        .await?;
    Ok(HttpResponse::Created()
        .insert_header((
            header::LOCATION,
            format!("/api/v1/village-pairings/{}", created.id),
        ))
        .insert_header(header::ETag(etag(created.version)))
        .json(created))
}

/// Get a village pairing (404 unless it is yours to see).
#[utoipa::path(
    tag = "village-pairings",
    params(("id" = uuid::Uuid, Path, description = "Village pairing id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The village pairing", body = VillagePairingBody, headers(("ETag" = String, description = "Its version"))),
        (status = 304, description = "Unchanged since the `If-None-Match` version"),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such village pairing, or not yours to see", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/village-pairings/{id}")]
pub async fn get_village_pairing(
    state: web::Data<AppState>,
    req: HttpRequest,
    auth: Authenticated,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = uuid::Uuid::parse_str(&id).map_err(|_| ApiError::NotFound)?;
    let actor = auth.actor.clone();
    let body = state
        .db(move |conn| {
            let pairing = store::find_village_pairing(conn, id)?.ok_or(ApiError::NotFound)?;
            let (county, organization_id) = resource_of(&pairing)?;
            let resource = Resource::Project {
                organization_id,
                county_code: &county,
            };
            ApiError::from_decision(authorize(Some(&actor), Action::ReadProject, &resource))?;
            listing(conn, id)
        })
        .await?;
    Ok(with_etag(&req, body.version, body))
}

/// End a village pairing (its organization's users, the county officer of the
/// village's county, province admins).
#[utoipa::path(
    tag = "village-pairings",
    params(("id" = uuid::Uuid, Path, description = "Village pairing id"),
        ("If-Match" = Option<String>, Header, description = "The ETag from GET (optional)")),
    request_body = EndVillagePairing,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Ended", body = VillagePairingBody),
        (status = 400, description = "The body is not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not yours to end", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such village pairing, or not yours to see", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Already ended", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "Changed since your ETag", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "The body is not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "No reason, or an end before the start", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/village-pairings/{id}/end")]
pub async fn end_village_pairing(
    state: web::Data<AppState>,
    req: HttpRequest,
    auth: Authenticated,
    id: web::Path<String>,
    if_match: IfMatch,
    body: JsonBody<EndVillagePairing>,
) -> Result<HttpResponse, ApiError> {
    let id = uuid::Uuid::parse_str(&id).map_err(|_| ApiError::NotFound)?;
    let EndVillagePairing { ended_on, reason } = body.0;
    if ended_on > state.clock.today() {
        return Err(ApiError::Validation(vec![FieldError::rule(
            "ended_on",
            Rule::InFuture,
        )]));
    }
    let actor = auth.actor.clone();
    let context = auth::write_context(&req, Some(&auth.actor));
    let body = state
        .db(move |conn| {
            journal::write::<_, ApiError, _>(conn, &context, |conn| {
                let current = store::find_village_pairing(conn, id)?.ok_or(ApiError::NotFound)?;
                let (county, organization_id) = resource_of(&current)?;
                let resource = Resource::Project {
                    organization_id,
                    county_code: &county,
                };
                ApiError::from_decision(authorize(
                    Some(&actor),
                    Action::EndVillagePairing,
                    &resource,
                ))?;
                if if_match.is_present() {
                    if_match.check(current.version)?;
                }
                let status = project::end_village_pairing(
                    current.status,
                    current.started_on,
                    ended_on,
                    &reason,
                )?;
                let mut next = current.clone();
                next.status = status;
                next.ended_on = Some(ended_on);
                next.end_reason = Some(reason.trim().to_owned());
                next.version += 1;
                next.updated_at = persistence::now();
                store::update_village_pairing(conn, &next)?;
                let mut changes = Changes::new();
                changes.compare("status", &current.status, &next.status);
                changes.compare("ended_on", &current.ended_on, &next.ended_on);
                changes.compare("end_reason", &current.end_reason, &next.end_reason);
                let entry = Entry {
                    entity: "village_pairing",
                    entity_id: id.to_string(),
                    action: "end",
                    changes,
                };
                Ok(Written::new((), vec![entry]))
            })?;
            listing(conn, id)
        })
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header(header::ETag(etag(body.version)))
        .json(body))
}

/// Villages helped in one region.
#[derive(Debug, Serialize, ToSchema)]
pub struct RegionVillages {
    #[schema(example = "530102")]
    pub code: String,
    pub name: String,
    /// The prefecture, for a county.
    pub prefecture_code: Option<String>,
    pub villages_helped: i64,
}

/// Villages helped against the plan's target.
#[derive(Debug, Serialize, ToSchema)]
pub struct VillageStats {
    /// Distinct villages with an active village pairing.
    pub villages_helped: i64,
    #[schema(example = 1000)]
    pub target: i64,
    /// `villages_helped / target`, at most 1.
    pub progress: f64,
    pub by_prefecture: Vec<RegionVillages>,
    pub by_county: Vec<RegionVillages>,
    /// Helped villages per village tag (a village counts under each of its tags).
    pub by_tag: BTreeMap<String, i64>,
}

/// Villages helped (百会助千村), by prefecture, county and village tag (public: counts only).
#[utoipa::path(
    tag = "stats",
    responses(
        (status = 200, description = "The figures", body = VillageStats),
        (status = 503, description = "The database is unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/stats/villages")]
pub async fn get_village_stats(
    state: web::Data<AppState>,
) -> Result<web::Json<VillageStats>, ApiError> {
    let (helped, regions) = state
        .db(|conn| {
            Ok((
                store::villages_helped(conn)?,
                persistence::regions::upper_regions(conn)?,
            ))
        })
        .await?;
    let names: HashMap<String, (String, Option<String>)> = regions
        .into_iter()
        .map(|r| {
            (
                r.code.to_string(),
                (r.name, r.parent_code.map(|p| p.to_string())),
            )
        })
        .collect();
    let mut by_county: BTreeMap<String, i64> = BTreeMap::new();
    let mut by_prefecture: BTreeMap<String, i64> = BTreeMap::new();
    let mut by_tag: BTreeMap<String, i64> = VillageTag::NAMES
        .iter()
        .map(|t| ((*t).to_owned(), 0))
        .collect();
    for (_, county, tags) in &helped {
        *by_county.entry(county.clone()).or_default() += 1;
        *by_prefecture
            .entry(county.chars().take(4).collect())
            .or_default() += 1;
        for tag in tags {
            *by_tag.entry(tag.as_str().to_owned()).or_default() += 1;
        }
    }
    let region = |code: String, villages_helped: i64| {
        let (name, parent) = names.get(&code).cloned().unwrap_or_default();
        RegionVillages {
            code,
            name,
            prefecture_code: parent.filter(|p| p.len() == 4),
            villages_helped,
        }
    };
    let total = helped.len() as i64;
    Ok(web::Json(VillageStats {
        villages_helped: total,
        target: VILLAGES_TARGET,
        progress: (total as f64 / VILLAGES_TARGET as f64).min(1.0),
        by_prefecture: by_prefecture
            .into_iter()
            .map(|(c, n)| region(c, n))
            .collect(),
        by_county: by_county.into_iter().map(|(c, n)| region(c, n)).collect(),
        by_tag,
    }))
}
