//! Incentives and supervision: `/cases` (typical cases the province publishes) and
//! `/supervision-records` (commendations and violations).

use actix_web::http::header;
use actix_web::{get, post, web, HttpRequest, HttpResponse};
use chrono::{DateTime, NaiveDate, Utc};
use domain::organization::OrgStatus;
use domain::policy::{authorize, Action, Resource};
use domain::supervision::{self, Case, CaseStatus, SupervisionKind, SupervisionRecord};
use domain::{rules::Inapplicable, Rule};
use domain::{Changes, FieldError, PageRequest, Violation};
use persistence::journal::{self, Entry, Written};
use persistence::supervision as store;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use crate::auth::{self, Authenticated, MaybeAuthenticated};
use crate::error::{ApiError, Problem};
use crate::extract::limits as limit;
use crate::extract::{etag, with_etag, JsonBody, PageParams, Paged, QueryReader};
use crate::services;
use crate::state::AppState;

/// A typical case (典型案例).
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = Case)]
pub struct CaseBody {
    pub id: uuid::Uuid,
    pub organization_id: uuid::Uuid,
    pub title: String,
    pub summary: String,
    pub body: String,
    pub county_code: String,
    pub project_id: Option<uuid::Uuid>,
    pub status: CaseStatus,
    pub published_on: Option<NaiveDate>,
    /// Where it was published, e.g. the province's WeChat column.
    pub channel: Option<String>,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<Case> for CaseBody {
    fn from(c: Case) -> Self {
        CaseBody {
            id: c.id,
            organization_id: c.organization_id,
            title: c.title,
            summary: c.summary,
            body: c.body,
            county_code: c.county_code.to_string(),
            project_id: c.project_id,
            status: c.status,
            published_on: c.published_on,
            channel: c.channel,
            version: c.version,
            created_at: c.created_at,
            updated_at: c.updated_at,
        }
    }
}

#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct CreateCase {
    /// An organization user's own by default; a province admin names one.
    pub organization_id: Option<uuid::Uuid>,
    #[schema(min_length = 1, max_length = 200)]
    #[validate(length(max = limit::NAME))]
    pub title: String,
    #[schema(min_length = 1, max_length = 1_000)]
    #[validate(length(max = limit::NOTE))]
    pub summary: String,
    #[schema(min_length = 1, max_length = 50_000)]
    #[validate(length(max = limit::LONG_TEXT))]
    pub body: String,
    #[schema(example = "530102", max_length = 64)]
    #[validate(length(max = limit::CODE))]
    pub county_code: String,
    /// A project of the same organization.
    pub project_id: Option<uuid::Uuid>,
}

#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct PublishCase {
    #[schema(example = "云南民政微信公众号", max_length = 200)]
    #[validate(length(max = limit::NAME))]
    pub channel: String,
    /// Default: today (Asia/Shanghai).
    pub published_on: Option<NaiveDate>,
}

fn page_of(
    req: &HttpRequest,
    extra: &mut dyn FnMut(&mut QueryReader),
) -> Result<PageRequest, ApiError> {
    let mut reader = QueryReader::parse(req.query_string());
    extra(&mut reader);
    let raw_page = reader.text("page");
    let raw_size = reader.text("page_size");
    reader.finish()?;
    PageRequest::parse(raw_page.as_deref(), raw_size.as_deref())
        .map_err(ApiError::from_field_errors)
}

/// Filters of the case list (documentation; the handler reads them).
#[derive(Debug, IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct CaseQuery {
    status: Option<CaseStatus>,
    organization_id: Option<uuid::Uuid>,
}

/// List cases: the published ones for everyone; unpublished ones for their
/// organization, officers of their region, and the province-wide roles.
#[utoipa::path(
    tag = "cases",
    params(CaseQuery, PageParams),
    responses(
        (status = 200, description = "A page of cases", body = Paged<CaseBody>),
        (status = 400, description = "A parameter cannot be read", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "A token was sent but is not valid", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A parameter is out of range", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/cases")]
pub async fn list_cases(
    state: web::Data<AppState>,
    req: HttpRequest,
    auth: MaybeAuthenticated,
) -> Result<web::Json<Paged<CaseBody>>, ApiError> {
    let (mut status, mut organization_id) = (None, None);
    let page = page_of(&req, &mut |r| {
        status = r.parse_with::<CaseStatus>("status");
        organization_id = r.uuid("organization_id");
    })?;
    let visibility = auth.actor().map(auth::visibility);
    let listed = state
        .db(move |conn| {
            Ok(store::list_cases(
                conn,
                visibility.as_ref(),
                status,
                organization_id,
                page,
            )?)
        })
        .await?;
    Ok(web::Json(Paged::new(listed, page, CaseBody::from)))
}

/// Submit a typical case (an organization's users; province admins for any).
#[utoipa::path(
    tag = "cases",
    request_body = CreateCase,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Submitted", body = CaseBody,
            headers(("Location" = String, description = "Its URL"), ("ETag" = String, description = "Its version"))),
        (status = 400, description = "The body is not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not your organization", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "The body is not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A field is invalid, or carries personal data", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/cases")]
pub async fn create_case(
    state: web::Data<AppState>,
    req: HttpRequest,
    auth: Authenticated,
    body: JsonBody<CreateCase>,
) -> Result<HttpResponse, ApiError> {
    let body = body.0;
    let organization_id = auth::acting_organization(body.organization_id, &auth.actor)?;
    ApiError::from_decision(authorize(
        Some(&auth.actor),
        Action::SubmitCase,
        &Resource::Organization {
            id: organization_id,
        },
    ))?;
    supervision::check_case_texts(&body.title, &body.summary, &body.body)
        .map_err(ApiError::Validation)?;
    let context = auth::write_context(&req, Some(&auth.actor));
    let case = state
        .db(move |conn| {
            journal::write::<_, ApiError, _>(conn, &context, |conn| {
                let county_code =
                    services::regions::county(conn, "county_code", &body.county_code)?;
                if persistence::organizations::find_organization(conn, organization_id)?.is_none() {
                    return Err(ApiError::Validation(vec![FieldError::rule(
                        "organization_id",
                        Rule::UnknownOrganization,
                    )]));
                }
                if let Some(project) = body.project_id {
                    let mine = persistence::projects::find_project(conn, project)?
                        .is_some_and(|p| p.organization_id == organization_id);
                    if !mine {
                        return Err(ApiError::Validation(vec![FieldError::rule(
                            "project_id",
                            Rule::NotTheOrganizations,
                        )]));
                    }
                }
                let now = persistence::now();
                let case = Case {
                    id: uuid::Uuid::now_v7(),
                    organization_id,
                    title: body.title.trim().to_owned(),
                    summary: body.summary.trim().to_owned(),
                    body: body.body.trim().to_owned(),
                    county_code,
                    project_id: body.project_id,
                    status: CaseStatus::Submitted,
                    published_on: None,
                    channel: None,
                    version: 1,
                    created_at: now,
                    updated_at: now,
                };
                store::insert_case(conn, &case)?;
                let mut changes = Changes::new();
                changes.created("organization_id", &case.organization_id);
                changes.created("title", &case.title);
                changes.created("county_code", &case.county_code.to_string());
                let entry = Entry {
                    entity: "case",
                    entity_id: case.id.to_string(),
                    action: "create",
                    changes,
                };
                Ok(Written::new(case, vec![entry]))
            })
        })
        .await?;
    Ok(HttpResponse::Created()
        .insert_header((header::LOCATION, format!("/api/v1/cases/{}", case.id)))
        .insert_header(header::ETag(etag(case.version)))
        .json(CaseBody::from(case)))
}

fn can_see(case: &Case, actor: Option<&domain::Actor>) -> bool {
    case.status == CaseStatus::Published
        || authorize(
            actor,
            Action::ReadProject,
            &Resource::Project {
                organization_id: case.organization_id,
                county_code: &case.county_code,
            },
        )
        .is_allowed()
}

/// Get a case (published cases are public).
#[utoipa::path(
    tag = "cases",
    params(("id" = uuid::Uuid, Path, description = "Case id")),
    responses(
        (status = 200, description = "The case", body = CaseBody),
        (status = 304, description = "Unchanged since the `If-None-Match` version"),
        (status = 401, description = "A token was sent but is not valid", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such case, or not yours to see", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/cases/{id}")]
pub async fn get_case(
    state: web::Data<AppState>,
    req: HttpRequest,
    auth: MaybeAuthenticated,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = uuid::Uuid::parse_str(&id).map_err(|_| ApiError::NotFound)?;
    let case = state
        .db(move |conn| store::find_case(conn, id)?.ok_or(ApiError::NotFound))
        .await?;
    if !can_see(&case, auth.actor()) {
        return Err(ApiError::NotFound);
    }
    Ok(with_etag(&req, case.version, CaseBody::from(case)))
}

/// Publish a case (province admins). A text that looks like it carries a resident ID
/// number or a mobile number is refused (422 naming the field).
#[utoipa::path(
    tag = "cases",
    params(("id" = uuid::Uuid, Path, description = "Case id")),
    request_body = PublishCase,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Published", body = CaseBody),
        (status = 400, description = "The body is not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not a province admin", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such case, or not yours to see", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Already published", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "The body is not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Personal data in a text, or no channel", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/cases/{id}/publish")]
pub async fn publish_case(
    state: web::Data<AppState>,
    req: HttpRequest,
    auth: Authenticated,
    id: web::Path<String>,
    body: JsonBody<PublishCase>,
) -> Result<HttpResponse, ApiError> {
    let id = uuid::Uuid::parse_str(&id).map_err(|_| ApiError::NotFound)?;
    let PublishCase {
        channel,
        published_on,
    } = body.0;
    let channel = channel.trim().to_owned();
    if channel.is_empty() {
        return Err(ApiError::Validation(vec![FieldError::new(
            "channel",
            Violation::Required,
        )]));
    }
    let on = published_on.unwrap_or(state.clock.today());
    let actor = auth.actor.clone();
    let context = auth::write_context(&req, Some(&auth.actor));
    let case = state
        .db(move |conn| {
            journal::write::<_, ApiError, _>(conn, &context, |conn| {
                let current = store::find_case(conn, id)?.ok_or(ApiError::NotFound)?;
                if !can_see(&current, Some(&actor)) {
                    return Err(ApiError::NotFound);
                }
                let resource = Resource::Project {
                    organization_id: current.organization_id,
                    county_code: &current.county_code,
                };
                ApiError::from_decision(authorize(Some(&actor), Action::PublishCase, &resource))?;
                if current.status == CaseStatus::Published {
                    return Err(ApiError::Conflict(vec![FieldError::rule(
                        "status",
                        Rule::AlreadyPublished,
                    )]));
                }
                supervision::check_case_texts(&current.title, &current.summary, &current.body)
                    .map_err(ApiError::Validation)?;
                let mut next = current.clone();
                next.status = CaseStatus::Published;
                next.published_on = Some(on);
                next.channel = Some(channel);
                next.version += 1;
                next.updated_at = persistence::now();
                store::update_case(conn, &next)?;
                let mut changes = Changes::new();
                changes.compare("status", &current.status, &next.status);
                changes.compare("published_on", &current.published_on, &next.published_on);
                changes.compare("channel", &current.channel, &next.channel);
                let entry = Entry {
                    entity: "case",
                    entity_id: id.to_string(),
                    action: "publish",
                    changes,
                };
                Ok(Written::new(next, vec![entry]))
            })
        })
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header(header::ETag(etag(case.version)))
        .json(CaseBody::from(case)))
}

/// A commendation or a violation.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = SupervisionRecord)]
pub struct SupervisionBody {
    pub id: uuid::Uuid,
    pub organization_id: uuid::Uuid,
    pub kind: SupervisionKind,
    pub document_no: String,
    pub decided_on: NaiveDate,
    pub description: String,
    /// The organization was suspended by this decision.
    pub suspend: bool,
    pub created_at: DateTime<Utc>,
}

impl From<SupervisionRecord> for SupervisionBody {
    fn from(r: SupervisionRecord) -> Self {
        SupervisionBody {
            id: r.id,
            organization_id: r.organization_id,
            kind: r.kind,
            document_no: r.document_no,
            decided_on: r.decided_on,
            description: r.description,
            suspend: r.suspend,
            created_at: r.created_at,
        }
    }
}

#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct CreateSupervisionRecord {
    pub organization_id: uuid::Uuid,
    pub kind: SupervisionKind,
    #[schema(min_length = 1, max_length = 100)]
    #[validate(length(max = limit::DOCUMENT_NO))]
    pub document_no: String,
    /// Not in the future.
    pub decided_on: NaiveDate,
    #[schema(min_length = 1, max_length = 5_000)]
    #[validate(length(max = limit::DESCRIPTION))]
    pub description: String,
    /// Violations only: suspend the organization in the same transaction.
    #[serde(default)]
    pub suspend: bool,
}

/// Filters of the supervision list (documentation; the handler reads them).
#[derive(Debug, IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct SupervisionQuery {
    organization_id: Option<uuid::Uuid>,
    kind: Option<SupervisionKind>,
}

/// List commendations (public) and violations (province-wide roles, the organization's
/// own users, officers of regions where it has a pairing).
#[utoipa::path(
    tag = "supervision",
    params(SupervisionQuery, PageParams),
    responses(
        (status = 200, description = "A page of records", body = Paged<SupervisionBody>),
        (status = 400, description = "A parameter cannot be read", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "A token was sent but is not valid", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A parameter is out of range", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/supervision-records")]
pub async fn list_supervision_records(
    state: web::Data<AppState>,
    req: HttpRequest,
    auth: MaybeAuthenticated,
) -> Result<web::Json<Paged<SupervisionBody>>, ApiError> {
    let (mut organization_id, mut kind) = (None, None);
    let page = page_of(&req, &mut |r| {
        organization_id = r.uuid("organization_id");
        kind = r.parse_with::<SupervisionKind>("kind");
    })?;
    let visibility = auth.actor().map(auth::visibility);
    let listed = state
        .db(move |conn| {
            Ok(store::list_records(
                conn,
                visibility.as_ref(),
                organization_id,
                kind,
                page,
            )?)
        })
        .await?;
    Ok(web::Json(Paged::new(listed, page, SupervisionBody::from)))
}

/// Record a commendation or a violation (province admins). A violation with `suspend`
/// suspends the organization in the same transaction.
#[utoipa::path(
    tag = "supervision",
    request_body = CreateSupervisionRecord,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Recorded", body = SupervisionBody),
        (status = 400, description = "The body is not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not a province admin", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "The body is not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A field is invalid", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/supervision-records")]
pub async fn create_supervision_record(
    state: web::Data<AppState>,
    req: HttpRequest,
    auth: Authenticated,
    body: JsonBody<CreateSupervisionRecord>,
) -> Result<HttpResponse, ApiError> {
    ApiError::from_decision(authorize(
        Some(&auth.actor),
        Action::WriteSupervision,
        &Resource::Organizations,
    ))?;
    let body = body.0;
    let mut errors = Vec::new();
    for (field, value, max) in [
        ("document_no", &body.document_no, 100),
        ("description", &body.description, 5000),
    ] {
        match value.trim().chars().count() {
            0 => errors.push(FieldError::new(field, Violation::Required)),
            n if n > max => errors.push(FieldError::new(field, Violation::TooLong { max })),
            _ => {}
        }
    }
    if body.decided_on > state.clock.today() {
        errors.push(FieldError::rule("decided_on", Rule::InFuture));
    }
    if body.suspend && body.kind != SupervisionKind::Violation {
        errors.push(FieldError::rule(
            "suspend",
            Rule::NotApplicable(Inapplicable::Suspension),
        ));
    }
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let context = auth::write_context(&req, Some(&auth.actor));
    let record = state
        .db(move |conn| {
            journal::write::<_, ApiError, _>(conn, &context, |conn| {
                let mut organization =
                    persistence::organizations::find_organization(conn, body.organization_id)?
                        .ok_or_else(|| {
                            ApiError::Validation(vec![FieldError::rule(
                                "organization_id",
                                Rule::UnknownOrganization,
                            )])
                        })?;
                let now = persistence::now();
                let record = SupervisionRecord {
                    id: uuid::Uuid::now_v7(),
                    organization_id: organization.id,
                    kind: body.kind,
                    document_no: body.document_no.trim().to_owned(),
                    decided_on: body.decided_on,
                    description: body.description.trim().to_owned(),
                    suspend: body.suspend,
                    created_at: now,
                };
                store::insert_record(conn, &record)?;
                let mut changes = Changes::new();
                changes.created("organization_id", &record.organization_id);
                changes.created("kind", &record.kind);
                changes.created("document_no", &record.document_no);
                changes.created("suspend", &record.suspend);
                let mut entries = vec![Entry {
                    entity: "supervision_record",
                    entity_id: record.id.to_string(),
                    action: "create",
                    changes,
                }];
                if record.suspend && organization.status == OrgStatus::Active {
                    let before = organization.status;
                    organization.status = OrgStatus::Suspended;
                    organization.version += 1;
                    organization.updated_at = now;
                    persistence::organizations::update_organization(conn, &organization)?;
                    let mut changes = Changes::new();
                    changes.compare("status", &before, &organization.status);
                    entries.push(Entry {
                        entity: "organization",
                        entity_id: organization.id.to_string(),
                        action: "update",
                        changes,
                    });
                }
                Ok(Written::new(record, entries))
            })
        })
        .await?;
    Ok(HttpResponse::Created()
        .insert_header((
            header::LOCATION,
            format!("/api/v1/supervision-records/{}", record.id),
        ))
        .json(SupervisionBody::from(record)))
}
