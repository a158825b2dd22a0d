//! `/liaisons`: the liaison officers (联络员) every prefecture and county names, one
//! from civil affairs and one from rural revitalization; and which are still missing.

use std::collections::HashSet;

use actix_web::http::header;
use actix_web::{get, patch, post, web, HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use domain::identity::Department;
use domain::liaison::{Email, Liaison};
use domain::organization::Phone;
use domain::policy::{authorize, Action, Resource};
use domain::Rule;
use domain::{Changes, FieldError, RegionCode, RegionLevel, Violation};
use persistence::journal::{self, Entry, Written};
use persistence::liaisons::{self as store, LiaisonFilter, LiaisonSort};
use persistence::DbConnection;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use crate::auth::{self, Authenticated};
use crate::error::{ApiError, Problem};
use crate::extract::limits as limit;
use crate::extract::{
    etag, nullable, with_etag, IfMatch, JsonBody, ListFilter, ListQuery, PageParams, Paged,
    QueryReader,
};
use crate::state::AppState;

/// A liaison officer.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = Liaison)]
pub struct LiaisonBody {
    pub id: uuid::Uuid,
    /// A prefecture or county.
    #[schema(example = "530102")]
    pub region_code: String,
    pub region_name: String,
    pub department: Department,
    pub name: String,
    pub position: Option<String>,
    #[schema(example = "0871-65123456")]
    pub phone: String,
    pub email: Option<String>,
    /// Naming a new liaison for the same region and department retires this one.
    pub active: bool,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl LiaisonBody {
    fn new(l: Liaison, region_name: String) -> Self {
        LiaisonBody {
            id: l.id,
            region_code: l.region_code.to_string(),
            region_name,
            department: l.department,
            name: l.name,
            position: l.position,
            phone: l.phone.to_string(),
            email: l.email.map(|e| e.as_str().to_owned()),
            active: l.active,
            version: l.version,
            created_at: l.created_at,
            updated_at: l.updated_at,
        }
    }
}

#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct CreateLiaison {
    #[schema(example = "530102", max_length = 64)]
    #[validate(length(max = limit::CODE))]
    pub region_code: String,
    pub department: Department,
    #[schema(min_length = 1, max_length = 100)]
    #[validate(length(max = limit::PERSON_NAME))]
    pub name: String,
    #[schema(max_length = 100)]
    #[validate(length(max = limit::PERSON_NAME))]
    pub position: Option<String>,
    #[schema(max_length = 40)]
    #[validate(length(max = limit::PHONE))]
    pub phone: String,
    #[schema(max_length = 254)]
    #[validate(length(max = limit::EMAIL))]
    pub email: Option<String>,
}

/// Changes to a liaison; absent fields stay as they are, `null` clears.
#[derive(Debug, Default, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct UpdateLiaison {
    #[schema(min_length = 1, max_length = 100)]
    #[validate(length(max = limit::PERSON_NAME))]
    pub name: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>, max_length = 100)]
    #[validate(length(max = limit::PERSON_NAME))]
    pub position: Option<Option<String>>,
    #[schema(max_length = 40)]
    #[validate(length(max = limit::PHONE))]
    pub phone: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>, max_length = 254)]
    #[validate(length(max = limit::EMAIL))]
    pub email: Option<Option<String>>,
    /// `false` retires the liaison. (To name a successor, create one: it retires the
    /// current liaison in the same transaction.)
    pub active: Option<bool>,
}

fn text(field: &str, raw: &str, max: usize, errors: &mut Vec<FieldError>) -> String {
    let value = raw.trim().to_owned();
    match value.chars().count() {
        0 => errors.push(FieldError::new(field, Violation::Required)),
        n if n > max => errors.push(FieldError::new(field, Violation::TooLong { max })),
        _ => {}
    }
    value
}

fn optional(
    field: &str,
    raw: Option<&str>,
    max: usize,
    errors: &mut Vec<FieldError>,
) -> Option<String> {
    raw.map(str::trim)
        .filter(|v| !v.is_empty())
        .map(|v| text(field, v, max, errors))
}

/// A prefecture or county that exists, with its level.
fn liaison_region(
    conn: &mut DbConnection,
    raw: &str,
) -> Result<(RegionCode, RegionLevel, String), ApiError> {
    let invalid = |v: Violation| ApiError::Validation(vec![FieldError::new("region_code", v)]);
    let code = RegionCode::parse(raw).map_err(invalid)?;
    match persistence::regions::find_region(conn, &code)? {
        Some(r) if matches!(r.level, RegionLevel::Prefecture | RegionLevel::County) => {
            Ok((r.code, r.level, r.name))
        }
        Some(_) => Err(invalid(Violation::Rule(Rule::WrongLevel {
            allowed: vec![RegionLevel::Prefecture, RegionLevel::County],
        }))),
        None => Err(invalid(Violation::Rule(Rule::UnknownRegion))),
    }
}

fn changes_of(before: Option<&Liaison>, after: &Liaison) -> Changes {
    let mut c = Changes::new();
    c.compare(
        "name",
        &before.map(|l| l.name.clone()),
        &Some(after.name.clone()),
    );
    c.compare(
        "position",
        &before.and_then(|l| l.position.clone()),
        &after.position,
    );
    c.compare(
        "phone",
        &before.map(|l| l.phone.to_string()),
        &Some(after.phone.to_string()),
    );
    c.compare(
        "email",
        &before.and_then(|l| l.email.as_ref().map(|e| e.as_str().to_owned())),
        &after.email.as_ref().map(|e| e.as_str().to_owned()),
    );
    c.compare("active", &before.map(|l| l.active), &Some(after.active));
    c
}

/// Filters of the liaison list.
#[derive(Debug, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LiaisonQuery {
    #[param(value_type = Option<String>, example = "530102")]
    region_code: Option<RegionCode>,
    department: Option<Department>,
    active: Option<bool>,
}

impl ListFilter for LiaisonQuery {
    type Sort = LiaisonSort;

    fn read(q: &mut QueryReader) -> Self {
        LiaisonQuery {
            region_code: q.region_code("region_code"),
            department: q.parse_with("department"),
            active: q.boolean("active"),
        }
    }
}

/// List liaison officers (any signed-in account; the public sees none).
#[utoipa::path(
    tag = "liaisons",
    params(LiaisonQuery, PageParams),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "A page of liaisons", body = Paged<LiaisonBody>),
        (status = 400, description = "A parameter cannot be read", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A parameter is out of range", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/liaisons")]
pub async fn list_liaisons(
    state: web::Data<AppState>,
    auth: Authenticated,
    query: ListQuery<LiaisonQuery>,
) -> Result<web::Json<Paged<LiaisonBody>>, ApiError> {
    ApiError::from_decision(authorize(
        Some(&auth.actor),
        Action::ReadLiaisons,
        &Resource::Liaisons,
    ))?;
    let ListQuery { filter, page, sort } = query;
    let filter = LiaisonFilter {
        region_code: filter.region_code,
        department: filter.department,
        active: filter.active,
    };
    let listed = state
        .db(move |conn| Ok(store::list_liaisons(conn, &filter, sort, page)?))
        .await?;
    Ok(web::Json(Paged::new(listed, page, |(l, name)| {
        LiaisonBody::new(l, name)
    })))
}

/// Name a region's liaison: the prefecture officer for its prefecture and the counties
/// under it, the county officer for its county, province admins for any. The current
/// liaison of that region and department is retired in the same transaction.
#[utoipa::path(
    tag = "liaisons",
    request_body = CreateLiaison,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Named", body = LiaisonBody,
            headers(("Location" = String, description = "Its URL"), ("ETag" = String, description = "Its version"))),
        (status = 400, description = "The body is not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not your region", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "The body is not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A field is invalid", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/liaisons")]
pub async fn create_liaison(
    state: web::Data<AppState>,
    req: HttpRequest,
    auth: Authenticated,
    body: JsonBody<CreateLiaison>,
) -> Result<HttpResponse, ApiError> {
    let body = body.0;
    let mut errors = Vec::new();
    let name = text("name", &body.name, 100, &mut errors);
    let position = optional("position", body.position.as_deref(), 100, &mut errors);
    let phone = Phone::parse(&body.phone)
        .map_err(|v| errors.push(FieldError::new("phone", v)))
        .ok();
    let email = match body
        .email
        .as_deref()
        .map(str::trim)
        .filter(|e| !e.is_empty())
    {
        Some(raw) => Email::parse(raw)
            .map_err(|v| errors.push(FieldError::new("email", v)))
            .ok(),
        None => None,
    };
    let (Some(phone), true) = (phone, errors.is_empty()) else {
        return Err(ApiError::Validation(errors));
    };
    let actor = auth.actor.clone();
    let context = auth::write_context(&req, Some(&auth.actor));
    let created = state
        .db(move |conn| {
            journal::write::<_, ApiError, _>(conn, &context, |conn| {
                let (region_code, level, region_name) = liaison_region(conn, &body.region_code)?;
                let resource = Resource::Region {
                    code: &region_code,
                    level,
                };
                ApiError::from_decision(authorize(Some(&actor), Action::WriteLiaison, &resource))?;
                let mut entries = Vec::new();
                let now = persistence::now();
                if let Some(current) = store::active_liaison(conn, &region_code, body.department)? {
                    let mut retired = current.clone();
                    retired.active = false;
                    retired.version += 1;
                    retired.updated_at = now;
                    store::update_liaison(conn, &retired)?;
                    entries.push(Entry {
                        entity: "liaison",
                        entity_id: retired.id.to_string(),
                        action: "retire",
                        changes: changes_of(Some(&current), &retired),
                    });
                }
                let liaison = Liaison {
                    id: uuid::Uuid::now_v7(),
                    region_code,
                    department: body.department,
                    name,
                    position,
                    phone,
                    email,
                    active: true,
                    version: 1,
                    created_at: now,
                    updated_at: now,
                };
                store::insert_liaison(conn, &liaison)?;
                entries.push(Entry {
                    entity: "liaison",
                    entity_id: liaison.id.to_string(),
                    action: "create",
                    changes: changes_of(None, &liaison),
                });
                Ok(Written::new(
                    LiaisonBody::new(liaison, region_name),
                    entries,
                ))
            })
        })
        .await?;
    Ok(HttpResponse::Created()
        .insert_header((header::LOCATION, format!("/api/v1/liaisons/{}", created.id)))
        .insert_header(header::ETag(etag(created.version)))
        .json(created))
}

/// Get a liaison (any signed-in account).
#[utoipa::path(
    tag = "liaisons",
    params(("id" = uuid::Uuid, Path, description = "Liaison id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The liaison", body = LiaisonBody, headers(("ETag" = String, description = "Its version"))),
        (status = 304, description = "Unchanged since the `If-None-Match` version"),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such liaison", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/liaisons/{id}")]
pub async fn get_liaison(
    state: web::Data<AppState>,
    req: HttpRequest,
    auth: Authenticated,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    ApiError::from_decision(authorize(
        Some(&auth.actor),
        Action::ReadLiaisons,
        &Resource::Liaisons,
    ))?;
    let id = uuid::Uuid::parse_str(&id).map_err(|_| ApiError::NotFound)?;
    let body = state
        .db(move |conn| {
            let liaison = store::find_liaison(conn, id)?.ok_or(ApiError::NotFound)?;
            let name = persistence::regions::find_region(conn, &liaison.region_code)?
                .map(|r| r.name)
                .unwrap_or_default();
            Ok(LiaisonBody::new(liaison, name))
        })
        .await?;
    Ok(with_etag(&req, body.version, body))
}

/// Change a liaison's details, or retire it (`active: false`). Needs `If-Match`.
#[utoipa::path(
    tag = "liaisons",
    params(("id" = uuid::Uuid, Path, description = "Liaison id"),
        ("If-Match" = String, Header, description = "The ETag from GET")),
    request_body = UpdateLiaison,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The liaison as changed", body = LiaisonBody, headers(("ETag" = String, description = "Its new version"))),
        (status = 400, description = "The body is not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not your region", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such liaison", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Reactivating while another liaison is active", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "Changed since your ETag", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "The body is not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A field is invalid", body = Problem, content_type = "application/problem+json"),
        (status = 428, description = "If-Match is missing", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/liaisons/{id}")]
pub async fn update_liaison(
    state: web::Data<AppState>,
    req: HttpRequest,
    auth: Authenticated,
    id: web::Path<String>,
    if_match: IfMatch,
    body: JsonBody<UpdateLiaison>,
) -> Result<HttpResponse, ApiError> {
    let id = uuid::Uuid::parse_str(&id).map_err(|_| ApiError::NotFound)?;
    let patch = body.0;
    let mut errors = Vec::new();
    let name = patch
        .name
        .as_deref()
        .map(|n| text("name", n, 100, &mut errors));
    let position = patch
        .position
        .as_ref()
        .map(|p| optional("position", p.as_deref(), 100, &mut errors));
    let phone = patch.phone.as_deref().and_then(|raw| {
        Phone::parse(raw)
            .map_err(|v| errors.push(FieldError::new("phone", v)))
            .ok()
    });
    let email = patch.email.as_ref().map(|raw| {
        raw.as_deref()
            .map(str::trim)
            .filter(|e| !e.is_empty())
            .and_then(|e| {
                Email::parse(e)
                    .map_err(|v| errors.push(FieldError::new("email", v)))
                    .ok()
            })
    });
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let actor = auth.actor.clone();
    let context = auth::write_context(&req, Some(&auth.actor));
    let updated = state
        .db(move |conn| {
            journal::write::<_, ApiError, _>(conn, &context, |conn| {
                let current = store::find_liaison(conn, id)?.ok_or(ApiError::NotFound)?;
                let (_, level, region_name) = liaison_region(conn, current.region_code.as_str())?;
                let resource = Resource::Region {
                    code: &current.region_code,
                    level,
                };
                ApiError::from_decision(authorize(Some(&actor), Action::WriteLiaison, &resource))?;
                if_match.check(current.version)?;
                let mut next = current.clone();
                if let Some(n) = name {
                    next.name = n;
                }
                if let Some(p) = position {
                    next.position = p;
                }
                if let Some(p) = phone {
                    next.phone = p;
                }
                if let Some(e) = email {
                    next.email = e;
                }
                if let Some(a) = patch.active {
                    if a && !current.active {
                        if let Some(other) =
                            store::active_liaison(conn, &current.region_code, current.department)?
                        {
                            return Err(ApiError::Conflict(vec![FieldError::rule(
                                "active",
                                Rule::AnotherActive {
                                    name: other.name.clone(),
                                },
                            )]));
                        }
                    }
                    next.active = a;
                }
                let changes = changes_of(Some(&current), &next);
                if changes.is_empty() {
                    return Ok(Written::unchanged(LiaisonBody::new(current, region_name)));
                }
                next.version += 1;
                next.updated_at = persistence::now();
                store::update_liaison(conn, &next)?;
                let entry = Entry {
                    entity: "liaison",
                    entity_id: id.to_string(),
                    action: "update",
                    changes,
                };
                Ok(Written::new(
                    LiaisonBody::new(next, region_name),
                    vec![entry],
                ))
            })
        })
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header(header::ETag(etag(updated.version)))
        .json(updated))
}

/// A region still lacking a liaison.
#[derive(Debug, Serialize, ToSchema)]
pub struct MissingLiaison {
    #[schema(example = "530102")]
    pub region_code: String,
    pub region_name: String,
    pub level: RegionLevel,
    /// The departments with no active liaison there.
    pub missing: Vec<Department>,
}

/// The prefectures and counties still lacking a liaison from either department.
#[utoipa::path(
    tag = "liaisons",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Regions with a department missing, by code", body = Vec<MissingLiaison>),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/liaisons/missing")]
pub async fn list_missing_liaisons(
    state: web::Data<AppState>,
    auth: Authenticated,
) -> Result<web::Json<Vec<MissingLiaison>>, ApiError> {
    ApiError::from_decision(authorize(
        Some(&auth.actor),
        Action::ReadLiaisons,
        &Resource::Liaisons,
    ))?;
    let (regions, active) = state
        .db(|conn| {
            Ok((
                persistence::regions::upper_regions(conn)?,
                store::active_pairs(conn)?,
            ))
        })
        .await?;
    let active: HashSet<(String, String)> = active.into_iter().collect();
    Ok(web::Json(
        regions
            .into_iter()
            .filter(|r| matches!(r.level, RegionLevel::Prefecture | RegionLevel::County))
            .filter_map(|r| {
                let missing: Vec<Department> = Department::ALL
                    .iter()
                    .copied()
                    .filter(|d| !active.contains(&(r.code.to_string(), d.as_str().to_owned())))
                    .collect();
                (!missing.is_empty()).then(|| MissingLiaison {
                    region_code: r.code.to_string(),
                    region_name: r.name,
                    level: r.level,
                    missing,
                })
            })
            .collect(),
    ))
}
