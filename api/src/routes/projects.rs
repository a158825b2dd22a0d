//! `/projects`: 百会助千村 — the assistance projects organizations run in their
//! paired counties.

use actix_web::http::header;
use actix_web::{get, patch, post, web, HttpRequest, HttpResponse};
use chrono::{DateTime, NaiveDate, Utc};
use domain::policy::{authorize, Action, Resource};
use domain::project::{self, Dimension, Enterprise, Project, ProjectCategory, ProjectStatus};
use domain::Rule;
use domain::{Actor, Changes, FieldError, KeyCountyFilter, RegionCode, RegionLevel, Violation};
use persistence::journal::{self, Entry, Written};
use persistence::projects::{self as store, ProjectFilter, ProjectSort};
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
use crate::services;
use crate::services::organizations::check_can_start;
use crate::state::AppState;

/// An assistance project. Money is in fen (分).
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = Project)]
pub struct ProjectBody {
    pub id: uuid::Uuid,
    pub organization_id: uuid::Uuid,
    pub organization_name: String,
    #[schema(example = "530102")]
    pub county_code: String,
    pub county_name: String,
    /// A village of the county, if the project is in one.
    pub village_code: Option<String>,
    pub title: String,
    pub description: Option<String>,
    pub category: ProjectCategory,
    /// 五个振兴.
    pub dimension: Dimension,
    pub status: ProjectStatus,
    pub start_on: NaiveDate,
    pub end_on: Option<NaiveDate>,
    #[schema(example = 5_000_000)]
    pub committed_fen: i64,
    /// At most `committed_fen`; for consumption projects, the value of products bought.
    pub disbursed_fen: i64,
    pub beneficiaries: i64,
    /// The member enterprise carrying it out.
    pub enterprise_name: Option<String>,
    pub enterprise_credit_code: Option<String>,
    /// 县级项目库 (set by the county officer or a province admin).
    pub in_county_library: bool,
    /// 品牌项目 (set by a province admin).
    pub brand: bool,
    pub cancel_reason: Option<String>,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl ProjectBody {
    fn new(p: Project, organization_name: String, county_name: String) -> Self {
        ProjectBody {
            id: p.id,
            organization_id: p.organization_id,
            organization_name,
            county_code: p.county_code.to_string(),
            county_name,
            village_code: p.village_code.map(|c| c.to_string()),
            title: p.title,
            description: p.description,
            category: p.category,
            dimension: p.dimension,
            status: p.status,
            start_on: p.start_on,
            end_on: p.end_on,
            committed_fen: p.committed_fen,
            disbursed_fen: p.disbursed_fen,
            beneficiaries: p.beneficiaries,
            enterprise_name: p.enterprise.as_ref().map(|e| e.name.clone()),
            enterprise_credit_code: p.enterprise.map(|e| e.credit_code.to_string()),
            in_county_library: p.in_county_library,
            brand: p.brand,
            cancel_reason: p.cancel_reason,
            version: p.version,
            created_at: p.created_at,
            updated_at: p.updated_at,
        }
    }
}

#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct CreateProject {
    /// An organization user's own by default; a province admin names one.
    pub organization_id: Option<uuid::Uuid>,
    #[schema(example = "530102", max_length = 64)]
    #[validate(length(max = limit::CODE))]
    pub county_code: String,
    #[schema(max_length = 64)]
    #[validate(length(max = limit::CODE))]
    pub village_code: Option<String>,
    #[schema(min_length = 1, max_length = 200)]
    #[validate(length(max = limit::NAME))]
    pub title: String,
    #[schema(max_length = 5_000)]
    #[validate(length(max = limit::DESCRIPTION))]
    pub description: Option<String>,
    pub category: ProjectCategory,
    pub dimension: Dimension,
    /// Default: today (Asia/Shanghai).
    pub start_on: Option<NaiveDate>,
    pub end_on: Option<NaiveDate>,
    #[serde(default)]
    #[schema(minimum = 0, maximum = 1_000_000_000_000_i64)]
    #[validate(range(min = 0, max = limit::AMOUNT_FEN))]
    pub committed_fen: i64,
    #[serde(default)]
    #[schema(minimum = 0, maximum = 1_000_000_000_000_i64)]
    #[validate(range(min = 0, max = limit::AMOUNT_FEN))]
    pub disbursed_fen: i64,
    #[serde(default)]
    #[schema(minimum = 0, maximum = 100_000_000)]
    #[validate(range(min = 0, max = limit::PEOPLE))]
    pub beneficiaries: i64,
    #[schema(max_length = 200)]
    #[validate(length(max = limit::NAME))]
    pub enterprise_name: Option<String>,
    #[schema(max_length = 64)]
    #[validate(length(max = limit::CODE))]
    pub enterprise_credit_code: Option<String>,
    /// County officers of the county and province admins only.
    pub in_county_library: Option<bool>,
    /// Province admins only.
    pub brand: Option<bool>,
}

/// Changes to a project; absent fields stay as they are, `null` clears.
#[derive(Debug, Default, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct UpdateProject {
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>, max_length = 64)]
    #[validate(length(max = limit::CODE))]
    pub village_code: Option<Option<String>>,
    #[schema(max_length = 200)]
    #[validate(length(max = limit::NAME))]
    pub title: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>, max_length = 5_000)]
    #[validate(length(max = limit::DESCRIPTION))]
    pub description: Option<Option<String>>,
    pub category: Option<ProjectCategory>,
    pub dimension: Option<Dimension>,
    pub start_on: Option<NaiveDate>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<NaiveDate>)]
    pub end_on: Option<Option<NaiveDate>>,
    #[schema(minimum = 0, maximum = 1_000_000_000_000_i64)]
    #[validate(range(min = 0, max = limit::AMOUNT_FEN))]
    pub committed_fen: Option<i64>,
    #[schema(minimum = 0, maximum = 1_000_000_000_000_i64)]
    #[validate(range(min = 0, max = limit::AMOUNT_FEN))]
    pub disbursed_fen: Option<i64>,
    #[schema(minimum = 0, maximum = 100_000_000)]
    #[validate(range(min = 0, max = limit::PEOPLE))]
    pub beneficiaries: Option<i64>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>, max_length = 200)]
    #[validate(length(max = limit::NAME))]
    pub enterprise_name: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>, max_length = 64)]
    #[validate(length(max = limit::CODE))]
    pub enterprise_credit_code: Option<Option<String>>,
    pub in_county_library: Option<bool>,
    pub brand: Option<bool>,
}

#[derive(Debug, Default, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct CompleteProject {
    /// Sets the end date when the project has none.
    pub end_on: Option<NaiveDate>,
}

#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct CancelProject {
    #[schema(min_length = 1, max_length = 500)]
    #[validate(length(max = limit::REASON))]
    pub reason: String,
}

fn resource(p: &Project) -> Resource<'_> {
    Resource::Project {
        organization_id: p.organization_id,
        county_code: &p.county_code,
    }
}

/// Fields only some may set: 403 naming each one the actor may not.
fn check_restricted(
    actor: &Actor,
    resource: &Resource<'_>,
    library: bool,
    brand: bool,
) -> Result<(), ApiError> {
    let mut forbidden = Vec::new();
    if library && !authorize(Some(actor), Action::SetCountyLibrary, resource).is_allowed() {
        forbidden.push("in_county_library".to_owned());
    }
    if brand && !authorize(Some(actor), Action::SetBrand, resource).is_allowed() {
        forbidden.push("brand".to_owned());
    }
    if forbidden.is_empty() {
        Ok(())
    } else {
        Err(ApiError::Forbidden { fields: forbidden })
    }
}

/// A village of `county`, or 422 naming `village_code`.
fn village_in(
    conn: &mut DbConnection,
    county: &RegionCode,
    raw: &str,
) -> Result<RegionCode, ApiError> {
    let invalid = |v: Violation| ApiError::Validation(vec![FieldError::new("village_code", v)]);
    let code = RegionCode::parse(raw).map_err(invalid)?;
    let region = persistence::regions::find_region(conn, &code)?;
    match region {
        Some(r) if r.level == RegionLevel::Village && r.code.is_within(county) => Ok(code),
        Some(r) if r.level == RegionLevel::Village => {
            Err(invalid(Violation::Rule(Rule::OutsideCounty {
                county: county.to_string(),
            })))
        }
        Some(_) => Err(invalid(Violation::Rule(Rule::NotAVillage))),
        None => Err(invalid(Violation::Rule(Rule::UnknownRegion))),
    }
}

fn project_changes(before: Option<&Project>, after: &Project) -> Changes {
    let mut c = Changes::new();
    let code = |p: Option<&Project>| p.and_then(|p| p.village_code.as_ref().map(|c| c.to_string()));
    let enterprise = |p: Option<&Project>| {
        p.and_then(|p| p.enterprise.as_ref().map(|e| e.credit_code.to_string()))
    };
    c.compare(
        "title",
        &before.map(|p| p.title.clone()),
        &Some(after.title.clone()),
    );
    c.compare("village_code", &code(before), &code(Some(after)));
    c.compare(
        "description",
        &before.and_then(|p| p.description.clone()),
        &after.description,
    );
    c.compare(
        "category",
        &before.map(|p| p.category),
        &Some(after.category),
    );
    c.compare(
        "dimension",
        &before.map(|p| p.dimension),
        &Some(after.dimension),
    );
    c.compare("status", &before.map(|p| p.status), &Some(after.status));
    c.compare(
        "start_on",
        &before.map(|p| p.start_on),
        &Some(after.start_on),
    );
    c.compare("end_on", &before.and_then(|p| p.end_on), &after.end_on);
    c.compare(
        "committed_fen",
        &before.map(|p| p.committed_fen),
        &Some(after.committed_fen),
    );
    c.compare(
        "disbursed_fen",
        &before.map(|p| p.disbursed_fen),
        &Some(after.disbursed_fen),
    );
    c.compare(
        "beneficiaries",
        &before.map(|p| p.beneficiaries),
        &Some(after.beneficiaries),
    );
    let enterprise_name =
        |p: Option<&Project>| p.and_then(|p| p.enterprise.as_ref().map(|e| e.name.clone()));
    c.compare(
        "enterprise_name",
        &enterprise_name(before),
        &enterprise_name(Some(after)),
    );
    c.compare(
        "enterprise_credit_code",
        &enterprise(before),
        &enterprise(Some(after)),
    );
    c.compare(
        "in_county_library",
        &before.map(|p| p.in_county_library),
        &Some(after.in_county_library),
    );
    c.compare("brand", &before.map(|p| p.brand), &Some(after.brand));
    c.compare(
        "cancel_reason",
        &before.and_then(|p| p.cancel_reason.clone()),
        &after.cancel_reason,
    );
    c
}

/// One project with its names, as `actor` may see it (404 otherwise).
fn load_visible(
    conn: &mut DbConnection,
    actor: &Actor,
    id: uuid::Uuid,
) -> Result<ProjectBody, ApiError> {
    let project = store::find_project(conn, id)?.ok_or(ApiError::NotFound)?;
    ApiError::from_decision(authorize(
        Some(actor),
        Action::ReadProject,
        &resource(&project),
    ))?;
    body_of(conn, project)
}

fn body_of(conn: &mut DbConnection, project: Project) -> Result<ProjectBody, ApiError> {
    let organization =
        persistence::organizations::find_organization(conn, project.organization_id)?
            .map(|o| o.name)
            .unwrap_or_default();
    let county = persistence::regions::find_region(conn, &project.county_code)?
        .map(|r| r.name)
        .unwrap_or_default();
    Ok(ProjectBody::new(project, organization, county))
}

fn project_id(raw: &str) -> Result<uuid::Uuid, ApiError> {
    uuid::Uuid::parse_str(raw).map_err(|_| ApiError::NotFound)
}

/// Filters of the project list.
#[derive(Debug, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ProjectQuery {
    organization_id: Option<uuid::Uuid>,
    #[param(value_type = Option<String>, pattern = "^[0-9]{6}$")]
    county: Option<RegionCode>,
    #[param(value_type = Option<String>, pattern = "^[0-9]{4}$")]
    prefecture: Option<RegionCode>,
    #[param(value_type = Option<String>, pattern = "^[0-9]{12}$")]
    village: Option<RegionCode>,
    category: Option<ProjectCategory>,
    dimension: Option<Dimension>,
    status: Option<ProjectStatus>,
    brand: Option<bool>,
    in_county_library: Option<bool>,
    key_county: Option<KeyCountyFilter>,
    /// Running at some time in this year.
    #[param(minimum = 2000, maximum = 2100)]
    year: Option<i32>,
}

impl ListFilter for ProjectQuery {
    type Sort = ProjectSort;

    fn read(q: &mut QueryReader) -> Self {
        ProjectQuery {
            organization_id: q.uuid("organization_id"),
            county: q.region_code("county"),
            prefecture: q.region_code("prefecture"),
            village: q.region_code("village"),
            category: q.parse_with("category"),
            dimension: q.parse_with("dimension"),
            status: q.parse_with("status"),
            brand: q.boolean("brand"),
            in_county_library: q.boolean("in_county_library"),
            key_county: q.parse_with("key_county"),
            year: q
                .integer("year", 2000, 2100)
                .and_then(|y| i32::try_from(y).ok()),
        }
    }
}

/// Sort of the project list (documentation; `ListQuery` reads it).
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct ProjectSortParam {
    /// `created_at` (default, newest first as `-created_at`), `committed_fen` or `start_on`; `-` for descending.
    #[param(pattern = "^-?(created_at|committed_fen|start_on)$")]
    sort: Option<String>,
}

/// List projects: an organization its own, officers their region's, the province-wide
/// roles all.
#[utoipa::path(
    tag = "projects",
    params(ProjectQuery, PageParams, ProjectSortParam),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "A page of projects", body = Paged<ProjectBody>),
        (status = 400, description = "A parameter cannot be read", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A parameter is out of range", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/projects")]
pub async fn list_projects(
    state: web::Data<AppState>,
    auth: Authenticated,
    query: ListQuery<ProjectQuery>,
) -> Result<web::Json<Paged<ProjectBody>>, ApiError> {
    let ListQuery {
        filter: q,
        page,
        sort,
    } = query;
    let filter = ProjectFilter {
        organization_id: q.organization_id,
        county: q.county,
        prefecture: q.prefecture,
        village: q.village,
        category: q.category,
        dimension: q.dimension,
        status: q.status,
        brand: q.brand,
        in_county_library: q.in_county_library,
        key_county: q.key_county,
        year: q.year,
    };
    let visibility = auth::visibility(&auth.actor);
    let listed = state
        .db(move |conn| {
            Ok(store::list_projects(
                conn,
                &visibility,
                &filter,
                sort,
                page,
            )?)
        })
        .await?;
    Ok(web::Json(Paged::new(listed, page, |l| {
        ProjectBody::new(l.project, l.organization_name, l.county_name)
    })))
}

/// Create a project (an organization's users for their own organization; province admins).
///
/// The organization must be active and paired with the county (409 otherwise).
#[utoipa::path(
    tag = "projects",
    request_body = CreateProject,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Created, `planned`", body = ProjectBody,
            headers(("Location" = String, description = "Its URL"), ("ETag" = String, description = "Its version"))),
        (status = 400, description = "The body is not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not your organization, or a field you may not set (named)", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not paired with the county, or the organization is not active", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "The body is not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A field is invalid", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/projects")]
pub async fn create_project(
    state: web::Data<AppState>,
    req: HttpRequest,
    auth: Authenticated,
    body: JsonBody<CreateProject>,
) -> Result<HttpResponse, ApiError> {
    let body = body.0;
    let organization_id = auth::acting_organization(body.organization_id, &auth.actor)?;
    let start_on = body.start_on.unwrap_or(state.clock.today());
    project::check_project(
        &body.title,
        start_on,
        body.end_on,
        body.committed_fen,
        body.disbursed_fen,
        body.beneficiaries,
    )?;
    let enterprise = Enterprise::parse(
        body.enterprise_name.as_deref(),
        body.enterprise_credit_code.as_deref(),
    )
    .map_err(ApiError::Validation)?;
    let actor = auth.actor.clone();
    let context = auth::write_context(&req, Some(&auth.actor));
    let project = state
        .db(move |conn| {
            let project = journal::write::<_, ApiError, _>(conn, &context, |conn| {
                let county_code =
                    services::regions::county(conn, "county_code", &body.county_code)?;
                let resource = Resource::Project {
                    organization_id,
                    county_code: &county_code,
                };
                if !authorize(Some(&actor), Action::WriteProject, &resource).is_allowed() {
                    return Err(ApiError::Forbidden {
                        fields: vec!["organization_id".to_owned()],
                    });
                }
                check_restricted(
                    &actor,
                    &resource,
                    body.in_county_library.is_some(),
                    body.brand.is_some(),
                )?;
                let village_code = body
                    .village_code
                    .as_deref()
                    .map(str::trim)
                    .filter(|v| !v.is_empty())
                    .map(|v| village_in(conn, &county_code, v))
                    .transpose()?;
                check_can_start(conn, organization_id, &county_code)?;
                let now = persistence::now();
                let project = Project {
                    id: uuid::Uuid::now_v7(),
                    organization_id,
                    county_code,
                    village_code,
                    title: body.title.trim().to_owned(),
                    description: body
                        .description
                        .map(|d| d.trim().to_owned())
                        .filter(|d| !d.is_empty()),
                    category: body.category,
                    dimension: body.dimension,
                    status: ProjectStatus::Planned,
                    start_on,
                    end_on: body.end_on,
                    committed_fen: body.committed_fen,
                    disbursed_fen: body.disbursed_fen,
                    beneficiaries: body.beneficiaries,
                    enterprise,
                    in_county_library: body.in_county_library.unwrap_or(false),
                    brand: body.brand.unwrap_or(false),
                    cancel_reason: None,
                    version: 1,
                    created_at: now,
                    updated_at: now,
                };
                store::insert_project(conn, &project)?;
                let entry = Entry {
                    entity: "project",
                    entity_id: project.id.to_string(),
                    action: "create",
                    changes: project_changes(None, &project),
                };
                Ok(Written::new(project, vec![entry]))
            })?;
            body_of(conn, project)
        })
        .await?;
    Ok(HttpResponse::Created()
        .insert_header((header::LOCATION, format!("/api/v1/projects/{}", project.id)))
        .insert_header(header::ETag(etag(project.version)))
        .json(project))
}

/// Get a project (404 unless it is yours to see).
#[utoipa::path(
    tag = "projects",
    params(("id" = uuid::Uuid, Path, description = "Project id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The project", body = ProjectBody, headers(("ETag" = String, description = "Its version"))),
        (status = 304, description = "Unchanged since the `If-None-Match` version"),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such project, or not yours to see", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/projects/{id}")]
pub async fn get_project(
    state: web::Data<AppState>,
    req: HttpRequest,
    auth: Authenticated,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = project_id(&id)?;
    let actor = auth.actor.clone();
    let project = state.db(move |conn| load_visible(conn, &actor, id)).await?;
    Ok(with_etag(&req, project.version, project))
}

/// Runs one change of a project in a write transaction and answers with the result.
async fn change_project<F>(
    state: web::Data<AppState>,
    req: HttpRequest,
    auth: Authenticated,
    id: uuid::Uuid,
    if_match: IfMatch,
    require_if_match: bool,
    change: F,
) -> Result<HttpResponse, ApiError>
where
    F: FnOnce(&mut DbConnection, &Actor, &Project) -> Result<Project, ApiError> + Send + 'static,
{
    let actor = auth.actor.clone();
    let context = auth::write_context(&req, Some(&auth.actor));
    let project = state
        .db(move |conn| {
            let project = journal::write::<_, ApiError, _>(conn, &context, |conn| {
                let current = store::find_project(conn, id)?.ok_or(ApiError::NotFound)?;
                ApiError::from_decision(authorize(
                    Some(&actor),
                    Action::ReadProject,
                    &resource(&current),
                ))?;
                if require_if_match || if_match.is_present() {
                    if_match.check(current.version)?;
                }
                let mut next = change(conn, &actor, &current)?;
                let changes = project_changes(Some(&current), &next);
                if changes.is_empty() {
                    return Ok(Written::unchanged(current));
                }
                next.version = current.version + 1;
                next.updated_at = persistence::now();
                store::update_project(conn, &next)?;
                let action = match (current.status, next.status) {
                    (a, b) if a == b => "update",
                    (_, ProjectStatus::InProgress) => "start",
                    (_, ProjectStatus::Completed) => "complete",
                    _ => "cancel",
                };
                let entry = Entry {
                    entity: "project",
                    entity_id: id.to_string(),
                    action,
                    changes,
                };
                Ok(Written::new(next, vec![entry]))
            })?;
            body_of(conn, project)
        })
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header(header::ETag(etag(project.version)))
        .json(project))
}

fn require_write(actor: &Actor, project: &Project) -> Result<(), ApiError> {
    ApiError::from_decision(authorize(
        Some(actor),
        Action::WriteProject,
        &resource(project),
    ))
}

/// Change a project. Needs `If-Match`.
///
/// Its organization's users and province admins change it; `in_county_library` is the
/// county officer's (or a province admin's) and `brand` a province admin's: a field you
/// may not set is a 403 naming it.
#[utoipa::path(
    tag = "projects",
    params(
        ("id" = uuid::Uuid, Path, description = "Project id"),
        ("If-Match" = String, Header, description = "The ETag from GET"),
    ),
    request_body = UpdateProject,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The project as changed", body = ProjectBody, headers(("ETag" = String, description = "Its new version"))),
        (status = 400, description = "The body is not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not yours to change, or a field you may not set (named)", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such project, or not yours to see", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "Changed since your ETag", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "The body is not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A field is invalid", body = Problem, content_type = "application/problem+json"),
        (status = 428, description = "If-Match is missing", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/projects/{id}")]
pub async fn update_project(
    state: web::Data<AppState>,
    req: HttpRequest,
    auth: Authenticated,
    id: web::Path<String>,
    if_match: IfMatch,
    body: JsonBody<UpdateProject>,
) -> Result<HttpResponse, ApiError> {
    let id = project_id(&id)?;
    let patch = body.0;
    change_project(
        state,
        req,
        auth,
        id,
        if_match,
        true,
        move |conn, actor, current| {
            let only_flags = patch.village_code.is_none()
                && patch.title.is_none()
                && patch.description.is_none()
                && patch.category.is_none()
                && patch.dimension.is_none()
                && patch.start_on.is_none()
                && patch.end_on.is_none()
                && patch.committed_fen.is_none()
                && patch.disbursed_fen.is_none()
                && patch.beneficiaries.is_none()
                && patch.enterprise_name.is_none()
                && patch.enterprise_credit_code.is_none();
            // A county officer may set only the library flag; everything else is the
            // organization's (or the province's).
            if !only_flags {
                require_write(actor, current)?;
            }
            check_restricted(
                actor,
                &resource(current),
                patch.in_county_library.is_some(),
                patch.brand.is_some(),
            )?;
            let mut next = current.clone();
            if let Some(v) = &patch.village_code {
                next.village_code = match v.as_deref().map(str::trim).filter(|v| !v.is_empty()) {
                    Some(raw) => Some(village_in(conn, &current.county_code, raw)?),
                    None => None,
                };
            }
            if let Some(t) = &patch.title {
                next.title = t.trim().to_owned();
            }
            if let Some(d) = &patch.description {
                next.description = d
                    .as_ref()
                    .map(|d| d.trim().to_owned())
                    .filter(|d| !d.is_empty());
            }
            if let Some(c) = patch.category {
                next.category = c;
            }
            if let Some(d) = patch.dimension {
                next.dimension = d;
            }
            if let Some(s) = patch.start_on {
                next.start_on = s;
            }
            if let Some(e) = patch.end_on {
                next.end_on = e;
            }
            if let Some(v) = patch.committed_fen {
                next.committed_fen = v;
            }
            if let Some(v) = patch.disbursed_fen {
                next.disbursed_fen = v;
            }
            if let Some(v) = patch.beneficiaries {
                next.beneficiaries = v;
            }
            if patch.enterprise_name.is_some() || patch.enterprise_credit_code.is_some() {
                let name = match &patch.enterprise_name {
                    Some(v) => v.clone(),
                    None => current.enterprise.as_ref().map(|e| e.name.clone()),
                };
                let code = match &patch.enterprise_credit_code {
                    Some(v) => v.clone(),
                    None => current
                        .enterprise
                        .as_ref()
                        .map(|e| e.credit_code.to_string()),
                };
                next.enterprise = Enterprise::parse(name.as_deref(), code.as_deref())
                    .map_err(ApiError::Validation)?;
            }
            if let Some(v) = patch.in_county_library {
                next.in_county_library = v;
            }
            if let Some(v) = patch.brand {
                next.brand = v;
            }
            project::check_project(
                &next.title,
                next.start_on,
                next.end_on,
                next.committed_fen,
                next.disbursed_fen,
                next.beneficiaries,
            )?;
            if next.status == ProjectStatus::Completed && next.end_on.is_none() {
                return Err(ApiError::Validation(vec![FieldError::rule(
                    "end_on",
                    Rule::RequiredToComplete,
                )]));
            }
            Ok(next)
        },
    )
    .await
}

/// Start a project: `planned` → `in_progress`.
#[utoipa::path(
    tag = "projects",
    params(("id" = uuid::Uuid, Path, description = "Project id"),
        ("If-Match" = Option<String>, Header, description = "The ETag from GET (optional)")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Started", body = ProjectBody),
        (status = 400, description = "If-Match cannot be read", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not yours to change", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such project, or not yours to see", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not `planned`", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "Changed since your ETag", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/projects/{id}/start")]
pub async fn start_project(
    state: web::Data<AppState>,
    req: HttpRequest,
    auth: Authenticated,
    id: web::Path<String>,
    if_match: IfMatch,
) -> Result<HttpResponse, ApiError> {
    let id = project_id(&id)?;
    change_project(
        state,
        req,
        auth,
        id,
        if_match,
        false,
        |_, actor, current| {
            require_write(actor, current)?;
            let mut next = current.clone();
            next.status = project::start(current.status)?;
            Ok(next)
        },
    )
    .await
}

/// Complete a project: `in_progress` → `completed` (it needs its `end_on`).
#[utoipa::path(
    tag = "projects",
    params(("id" = uuid::Uuid, Path, description = "Project id"),
        ("If-Match" = Option<String>, Header, description = "The ETag from GET (optional)")),
    request_body = CompleteProject,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Completed", body = ProjectBody),
        (status = 400, description = "The body is not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not yours to change", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such project, or not yours to see", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not `in_progress`", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "Changed since your ETag", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "The body is not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "No end date", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/projects/{id}/complete")]
pub async fn complete_project(
    state: web::Data<AppState>,
    req: HttpRequest,
    auth: Authenticated,
    id: web::Path<String>,
    if_match: IfMatch,
    body: JsonBody<CompleteProject>,
) -> Result<HttpResponse, ApiError> {
    let id = project_id(&id)?;
    let end_on = body.0.end_on;
    change_project(
        state,
        req,
        auth,
        id,
        if_match,
        false,
        move |_, actor, current| {
            require_write(actor, current)?;
            let mut next = current.clone();
            if let Some(end) = end_on {
                next.end_on = Some(end);
            }
            next.status = project::complete(current.status, next.end_on)?;
            project::check_project(
                &next.title,
                next.start_on,
                next.end_on,
                next.committed_fen,
                next.disbursed_fen,
                next.beneficiaries,
            )?;
            Ok(next)
        },
    )
    .await
}

/// Cancel a project: `planned`/`in_progress` → `cancelled`, with a reason.
#[utoipa::path(
    tag = "projects",
    params(("id" = uuid::Uuid, Path, description = "Project id"),
        ("If-Match" = Option<String>, Header, description = "The ETag from GET (optional)")),
    request_body = CancelProject,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Cancelled", body = ProjectBody),
        (status = 400, description = "The body is not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not yours to change", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such project, or not yours to see", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Completed or cancelled already", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "Changed since your ETag", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "The body is not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "No reason", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/projects/{id}/cancel")]
pub async fn cancel_project(
    state: web::Data<AppState>,
    req: HttpRequest,
    auth: Authenticated,
    id: web::Path<String>,
    if_match: IfMatch,
    body: JsonBody<CancelProject>,
) -> Result<HttpResponse, ApiError> {
    let id = project_id(&id)?;
    let reason = body.0.reason;
    change_project(
        state,
        req,
        auth,
        id,
        if_match,
        false,
        move |_, actor, current| {
            require_write(actor, current)?;
            let mut next = current.clone();
            next.status = project::cancel(current.status, &reason)?;
            next.cancel_reason = Some(reason.trim().to_owned());
            Ok(next)
        },
    )
    .await
}
