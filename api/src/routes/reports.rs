//! `/reports`: prefectures' half-year reports and province-level organizations'
//! annual reports, their due dates and lateness, and who has not yet submitted.

use actix_web::http::header;
use actix_web::{get, patch, post, web, HttpRequest, HttpResponse};
use chrono::{DateTime, NaiveDate, Utc};
use domain::identity::{Role, Scope};
use domain::organization::{OrgLevel, OrgStatus};
use domain::report::{self, Period, Report, ReportKind, ReportStatus};
use domain::{rules::Inapplicable, Rule};
use domain::{Actor, Changes, FieldError, PageRequest, RegionCode, RegionLevel, Violation};
use persistence::journal::{self, Entry, Written};
use persistence::reports::{self as store, ReportFilter};
use persistence::DbConnection;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use crate::auth::{self, Authenticated};
use crate::error::{ApiError, Problem};
use crate::extract::limits as limit;
use crate::extract::{etag, with_etag, IfMatch, JsonBody, PageParams, Paged, QueryReader};
use crate::state::AppState;

/// The longest section, in characters.
const SECTION_MAX: usize = 20_000;

/// A report's sections. Semiannual: `progress`, `problems`, `good_practices`.
/// Annual: `summary`, `cases_submitted` (ids of the organization's typical cases).
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct Sections {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(max_length = 20_000)]
    #[validate(length(max = limit::REPORT_SECTION))]
    pub progress: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(max_length = 20_000)]
    #[validate(length(max = limit::REPORT_SECTION))]
    pub problems: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(max_length = 20_000)]
    #[validate(length(max = limit::REPORT_SECTION))]
    pub good_practices: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(max_length = 20_000)]
    #[validate(length(max = limit::REPORT_SECTION))]
    pub summary: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(max_items = 1_000)]
    #[validate(length(max = limit::ITEMS))]
    pub cases_submitted: Option<Vec<uuid::Uuid>>,
}

/// A kind's own text sections, by name.
type TextSections<'a> = Vec<(&'static str, &'a Option<String>)>;
/// Another kind's sections, by name, with whether they were sent.
type PresentSections = Vec<(&'static str, bool)>;

impl Sections {
    /// Checks the sections against the kind: only its own, bounded; on submission,
    /// every text section filled.
    fn check(&self, kind: ReportKind, submitting: bool) -> Result<(), ApiError> {
        let mut errors = Vec::new();
        let (own, foreign): (TextSections<'_>, PresentSections) = match kind {
            ReportKind::Semiannual => (
                vec![
                    ("progress", &self.progress),
                    ("problems", &self.problems),
                    ("good_practices", &self.good_practices),
                ],
                vec![
                    ("summary", self.summary.is_some()),
                    ("cases_submitted", self.cases_submitted.is_some()),
                ],
            ),
            ReportKind::Annual => (
                vec![("summary", &self.summary)],
                vec![
                    ("progress", self.progress.is_some()),
                    ("problems", self.problems.is_some()),
                    ("good_practices", self.good_practices.is_some()),
                ],
            ),
        };
        for (field, present) in foreign {
            if present {
                errors.push(FieldError::rule(
                    format!("sections.{field}"),
                    Rule::NotApplicable(Inapplicable::ReportSection),
                ));
            }
        }
        for (field, value) in own {
            let len = value.as_deref().map_or(0, |v| v.trim().chars().count());
            if len > SECTION_MAX {
                errors.push(FieldError::new(
                    format!("sections.{field}"),
                    Violation::TooLong { max: SECTION_MAX },
                ));
            } else if submitting && len == 0 {
                errors.push(FieldError::new(
                    format!("sections.{field}"),
                    Violation::Required,
                ));
            }
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(ApiError::Validation(errors))
        }
    }
}

/// A report.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = Report)]
pub struct ReportBody {
    pub id: uuid::Uuid,
    pub kind: ReportKind,
    /// A prefecture code (semiannual) or an organization id (annual).
    pub subject: String,
    #[schema(example = "2024S1")]
    pub period: String,
    pub status: ReportStatus,
    pub sections: Sections,
    pub submitted_at: Option<DateTime<Utc>>,
    /// Jul 15 / Jan 15 after a half-year; Dec 15 of the year.
    pub due_on: NaiveDate,
    /// Submitted after the due date, or still not submitted after it (Asia/Shanghai).
    pub late: bool,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

fn shanghai_date(at: DateTime<Utc>) -> NaiveDate {
    domain::pairing::shanghai_today(at)
}

impl ReportBody {
    /// `today` decides whether an unsubmitted report is late.
    fn new(r: Report, today: NaiveDate) -> Self {
        let sections = serde_json::from_value(r.sections.clone()).unwrap_or_default();
        ReportBody {
            late: report::is_late(r.submitted_at.map(shanghai_date), r.due_on, today),
            id: r.id,
            kind: r.kind,
            subject: r.subject,
            period: r.period,
            status: r.status,
            sections,
            submitted_at: r.submitted_at,
            due_on: r.due_on,
            version: r.version,
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}

#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct CreateReport {
    pub kind: ReportKind,
    /// Default: a prefecture officer's prefecture (semiannual), an organization user's
    /// organization (annual). Province admins name it.
    #[schema(max_length = 64)]
    #[validate(length(max = limit::CODE))]
    pub subject: Option<String>,
    #[schema(example = "2024S1", max_length = 64)]
    #[validate(length(max = limit::CODE))]
    pub period: String,
    #[serde(default)]
    #[validate(nested)]
    pub sections: Sections,
}

#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct UpdateReport {
    #[validate(nested)]
    pub sections: Sections,
}

/// Whether `actor` writes reports of `kind` about `subject` (the subject's own
/// officer or organization, or a province admin).
fn writes(actor: &Actor, kind: ReportKind, subject: &str) -> bool {
    match (kind, &actor.role, &actor.scope) {
        (_, Role::ProvinceAdmin, _) => true,
        (ReportKind::Semiannual, Role::PrefectureOfficer, Scope::Prefecture(code)) => {
            code.as_str() == subject
        }
        (ReportKind::Annual, Role::OrgUser, Scope::Organization(id)) => id.to_string() == subject,
        _ => false,
    }
}

/// Whether `actor` reads it: the writers, and the province-wide read roles.
fn reads(actor: &Actor, kind: ReportKind, subject: &str) -> bool {
    matches!(actor.role, Role::Viewer | Role::Integration) || writes(actor, kind, subject)
}

fn own_subject(actor: &Actor, kind: ReportKind) -> Option<String> {
    match (kind, &actor.scope) {
        (ReportKind::Semiannual, Scope::Prefecture(code)) => Some(code.to_string()),
        (ReportKind::Annual, Scope::Organization(id)) => Some(id.to_string()),
        _ => None,
    }
}

/// Annual reports list typical cases of their own organization only (one query for all
/// the cited ids; the rule is `report::check_cases_submitted`).
fn check_cases(
    conn: &mut DbConnection,
    subject: &str,
    sections: &Sections,
) -> Result<(), ApiError> {
    let Some(cited) = &sections.cases_submitted else {
        return Ok(());
    };
    // An annual report's subject is its organization's id; anything else owns no cases.
    let own = match uuid::Uuid::parse_str(subject) {
        Ok(org) => persistence::supervision::own_case_ids(conn, org, cited)?
            .into_iter()
            .collect(),
        Err(_) => std::collections::HashSet::new(),
    };
    report::check_cases_submitted(cited, &own).map_err(|e| ApiError::Validation(vec![e]))
}

/// The subject exists and may report: a prefecture (semiannual); an organization of
/// level `provincial` (annual).
fn check_subject(conn: &mut DbConnection, kind: ReportKind, subject: &str) -> Result<(), ApiError> {
    let invalid = |rule: Rule| ApiError::Validation(vec![FieldError::rule("subject", rule)]);
    match kind {
        ReportKind::Semiannual => {
            let code = RegionCode::parse(subject)
                .map_err(|v| ApiError::Validation(vec![FieldError::new("subject", v)]))?;
            match persistence::regions::find_region(conn, &code)? {
                Some(r) if r.level == RegionLevel::Prefecture => Ok(()),
                _ => Err(invalid(Rule::NotAPrefecture)),
            }
        }
        ReportKind::Annual => {
            let id =
                uuid::Uuid::parse_str(subject).map_err(|_| invalid(Rule::UnknownOrganization))?;
            match persistence::organizations::find_organization(conn, id)? {
                Some(o) if o.level == OrgLevel::Provincial => Ok(()),
                Some(_) => Err(invalid(Rule::NotProvincial)),
                None => Err(invalid(Rule::UnknownOrganization)),
            }
        }
    }
}

/// Filters of the report list and of the outstanding list (documentation).
#[derive(Debug, IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct ReportQuery {
    kind: Option<ReportKind>,
    #[param(example = "2024S1")]
    period: Option<String>,
    status: Option<ReportStatus>,
}

/// List reports: each officer and organization its own; viewers, integrations and
/// province admins all.
#[utoipa::path(
    tag = "reports",
    params(ReportQuery, PageParams),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "A page of reports", body = Paged<ReportBody>),
        (status = 400, description = "A parameter cannot be read", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A parameter is out of range", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/reports")]
pub async fn list_reports(
    state: web::Data<AppState>,
    req: HttpRequest,
    auth: Authenticated,
) -> Result<web::Json<Paged<ReportBody>>, ApiError> {
    let mut reader = QueryReader::parse(req.query_string());
    let kind = reader.parse_with::<ReportKind>("kind");
    let period = reader.text("period");
    let status = reader.parse_with::<ReportStatus>("status");
    let (raw_page, raw_size) = (reader.text("page"), reader.text("page_size"));
    reader.finish()?;
    let page = PageRequest::parse(raw_page.as_deref(), raw_size.as_deref())
        .map_err(ApiError::from_field_errors)?;
    let actor = &auth.actor;
    let subjects = match actor.role {
        Role::ProvinceAdmin | Role::Viewer | Role::Integration => None,
        _ => Some(
            ReportKind::ALL
                .iter()
                .filter_map(|k| own_subject(actor, *k))
                .collect::<Vec<_>>(),
        ),
    };
    let filter = ReportFilter {
        kind,
        period,
        status,
        subjects,
    };
    let listed = state
        .db(move |conn| Ok(store::list_reports(conn, &filter, page)?))
        .await?;
    Ok(web::Json(Paged::new(listed, page, |r| {
        ReportBody::new(r, state.clock.today())
    })))
}

/// Start a report (a draft): a prefecture officer's half-year report of its
/// prefecture, a province-level organization's annual report. One per kind, subject
/// and period.
#[utoipa::path(
    tag = "reports",
    request_body = CreateReport,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "A draft", body = ReportBody,
            headers(("Location" = String, description = "Its URL"), ("ETag" = String, description = "Its version"))),
        (status = 400, description = "The body is not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not yours to write", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "That report exists already", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "The body is not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A field is invalid", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/reports")]
pub async fn create_report(
    state: web::Data<AppState>,
    req: HttpRequest,
    auth: Authenticated,
    body: JsonBody<CreateReport>,
) -> Result<HttpResponse, ApiError> {
    let body = body.0;
    let period = Period::parse(body.kind, &body.period)
        .map_err(|v| ApiError::Validation(vec![FieldError::new("period", v)]))?;
    let subject = body
        .subject
        .clone()
        .map(|s| s.trim().to_owned())
        .or_else(|| own_subject(&auth.actor, body.kind))
        .ok_or_else(|| {
            ApiError::Validation(vec![FieldError::new("subject", Violation::Required)])
        })?;
    if !writes(&auth.actor, body.kind, &subject) {
        return Err(ApiError::Forbidden {
            fields: vec!["subject".to_owned()],
        });
    }
    body.sections.check(body.kind, false)?;
    let context = auth::write_context(&req, Some(&auth.actor));
    let created = state
        .db(move |conn| {
            journal::write::<_, ApiError, _>(conn, &context, |conn| {
                check_subject(conn, body.kind, &subject)?;
                check_cases(conn, &subject, &body.sections)?;
                if store::report_exists(conn, body.kind, &subject, &period.code())? {
                    return Err(ApiError::Conflict(vec![FieldError::rule(
                        "period",
                        Rule::AlreadyReported,
                    )]));
                }
                let now = persistence::now();
                let report = Report {
                    id: uuid::Uuid::now_v7(),
                    kind: body.kind,
                    subject,
                    period: period.code(),
                    status: ReportStatus::Draft,
                    sections: serde_json::to_value(&body.sections).unwrap_or_default(),
                    submitted_at: None,
                    due_on: period.due_on(),
                    version: 1,
                    created_at: now,
                    updated_at: now,
                };
                store::insert_report(conn, &report)?;
                let mut changes = Changes::new();
                changes.created("kind", &report.kind);
                changes.created("subject", &report.subject);
                changes.created("period", &report.period);
                let entry = Entry {
                    entity: "report",
                    entity_id: report.id.to_string(),
                    action: "create",
                    changes,
                };
                Ok(Written::new(report, vec![entry]))
            })
        })
        .await?;
    let body = ReportBody::new(created, state.clock.today());
    Ok(HttpResponse::Created()
        .insert_header((header::LOCATION, format!("/api/v1/reports/{}", body.id)))
        .insert_header(header::ETag(etag(body.version)))
        .json(body))
}

/// Get a report (404 unless it is yours to see).
#[utoipa::path(
    tag = "reports",
    params(("id" = uuid::Uuid, Path, description = "Report id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The report", body = ReportBody),
        (status = 304, description = "Unchanged since the `If-None-Match` version"),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such report, or not yours to see", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/reports/{id}")]
pub async fn get_report(
    state: web::Data<AppState>,
    req: HttpRequest,
    auth: Authenticated,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = uuid::Uuid::parse_str(&id).map_err(|_| ApiError::NotFound)?;
    let report = state
        .db(move |conn| store::find_report(conn, id)?.ok_or(ApiError::NotFound))
        .await?;
    if !reads(&auth.actor, report.kind, &report.subject) {
        return Err(ApiError::NotFound);
    }
    let body = ReportBody::new(report, state.clock.today());
    Ok(with_etag(&req, body.version, body))
}

/// Runs a change of a draft report (its writer only) and answers with the result.
async fn change_report<F>(
    state: web::Data<AppState>,
    req: HttpRequest,
    auth: Authenticated,
    id: uuid::Uuid,
    if_match: IfMatch,
    require_if_match: bool,
    change: F,
) -> Result<HttpResponse, ApiError>
where
    F: FnOnce(&mut DbConnection, &Report) -> Result<(Report, &'static str), ApiError>
        + Send
        + 'static,
{
    let actor = auth.actor.clone();
    let context = auth::write_context(&req, Some(&auth.actor));
    let report = state
        .db(move |conn| {
            journal::write::<_, ApiError, _>(conn, &context, |conn| {
                let current = store::find_report(conn, id)?.ok_or(ApiError::NotFound)?;
                if !reads(&actor, current.kind, &current.subject) {
                    return Err(ApiError::NotFound);
                }
                if !writes(&actor, current.kind, &current.subject) {
                    return Err(ApiError::Forbidden { fields: Vec::new() });
                }
                if require_if_match || if_match.is_present() {
                    if_match.check(current.version)?;
                }
                if current.status == ReportStatus::Submitted {
                    return Err(ApiError::Conflict(vec![FieldError::rule(
                        "status",
                        Rule::Submitted,
                    )]));
                }
                let (mut next, action) = change(conn, &current)?;
                next.version = current.version + 1;
                next.updated_at = persistence::now();
                store::update_report(conn, &next)?;
                let mut changes = Changes::new();
                changes.compare("status", &current.status, &next.status);
                changes.compare("sections", &current.sections, &next.sections);
                let entry = Entry {
                    entity: "report",
                    entity_id: id.to_string(),
                    action,
                    changes,
                };
                Ok(Written::new(next, vec![entry]))
            })
        })
        .await?;
    let body = ReportBody::new(report, state.clock.today());
    Ok(HttpResponse::Ok()
        .insert_header(header::ETag(etag(body.version)))
        .json(body))
}

/// Change a draft report's sections. Needs `If-Match`.
#[utoipa::path(
    tag = "reports",
    params(("id" = uuid::Uuid, Path, description = "Report id"),
        ("If-Match" = String, Header, description = "The ETag from GET")),
    request_body = UpdateReport,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The draft as changed", body = ReportBody),
        (status = 400, description = "The body is not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not yours to write", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such report, or not yours to see", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Submitted already: read-only", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "Changed since your ETag", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "The body is not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A section is invalid", body = Problem, content_type = "application/problem+json"),
        (status = 428, description = "If-Match is missing", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/reports/{id}")]
pub async fn update_report(
    state: web::Data<AppState>,
    req: HttpRequest,
    auth: Authenticated,
    id: web::Path<String>,
    if_match: IfMatch,
    body: JsonBody<UpdateReport>,
) -> Result<HttpResponse, ApiError> {
    let id = uuid::Uuid::parse_str(&id).map_err(|_| ApiError::NotFound)?;
    let sections = body.0.sections;
    change_report(
        state,
        req,
        auth,
        id,
        if_match,
        true,
        move |conn, current| {
            sections.check(current.kind, false)?;
            check_cases(conn, &current.subject, &sections)?;
            let mut next = current.clone();
            next.sections = serde_json::to_value(&sections).unwrap_or_default();
            Ok((next, "update"))
        },
    )
    .await
}

/// Submit a report: every section filled; afterwards it is read-only.
#[utoipa::path(
    tag = "reports",
    params(("id" = uuid::Uuid, Path, description = "Report id"),
        ("If-Match" = Option<String>, Header, description = "The ETag from GET (optional)")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Submitted", body = ReportBody),
        (status = 400, description = "If-Match cannot be read", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not yours to submit", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such report, or not yours to see", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Submitted already", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "Changed since your ETag", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A section is missing", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/reports/{id}/submit")]
pub async fn submit_report(
    state: web::Data<AppState>,
    req: HttpRequest,
    auth: Authenticated,
    id: web::Path<String>,
    if_match: IfMatch,
) -> Result<HttpResponse, ApiError> {
    let id = uuid::Uuid::parse_str(&id).map_err(|_| ApiError::NotFound)?;
    change_report(state, req, auth, id, if_match, false, move |_, current| {
        let sections: Sections =
            serde_json::from_value(current.sections.clone()).unwrap_or_default();
        sections.check(current.kind, true)?;
        let mut next = current.clone();
        next.status = ReportStatus::Submitted;
        next.submitted_at = Some(persistence::now());
        Ok((next, "submit"))
    })
    .await
}

/// Someone who still owes a report.
#[derive(Debug, Serialize, ToSchema)]
pub struct OutstandingReport {
    /// A prefecture code or an organization id.
    pub subject: String,
    pub name: String,
    pub due_on: NaiveDate,
    /// The due date has passed.
    pub late: bool,
}

/// Who has not submitted the report of a period: prefectures (semiannual) or active
/// province-level organizations (annual). Province-wide roles.
#[utoipa::path(
    tag = "reports",
    params(
        ("kind" = ReportKind, Query, description = "Which reports"),
        ("period" = String, Query, description = "2024S1, 2024S2 or 2024", example = "2024S1"),
    ),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Still outstanding", body = Vec<OutstandingReport>),
        (status = 400, description = "A parameter cannot be read", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not a province-wide role", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A parameter is missing or out of range", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/reports/outstanding")]
pub async fn list_outstanding_reports(
    state: web::Data<AppState>,
    req: HttpRequest,
    auth: Authenticated,
) -> Result<web::Json<Vec<OutstandingReport>>, ApiError> {
    if !matches!(
        auth.actor.role,
        Role::ProvinceAdmin | Role::Viewer | Role::Integration
    ) {
        return Err(ApiError::Forbidden { fields: Vec::new() });
    }
    let mut reader = QueryReader::parse(req.query_string());
    let kind = reader.parse_with::<ReportKind>("kind");
    let raw_period = reader.text("period");
    reader.finish()?;
    let kind = kind
        .ok_or_else(|| ApiError::Validation(vec![FieldError::new("kind", Violation::Required)]))?;
    let raw_period = raw_period.ok_or_else(|| {
        ApiError::Validation(vec![FieldError::new("period", Violation::Required)])
    })?;
    let period = Period::parse(kind, &raw_period)
        .map_err(|v| ApiError::from_field_errors(vec![FieldError::new("period", v)]))?;
    let code = period.code();
    let (submitted, candidates) = state
        .db(move |conn| {
            let submitted = store::submitted_subjects(conn, kind, &code)?;
            let candidates: Vec<(String, String)> = match kind {
                ReportKind::Semiannual => persistence::regions::upper_regions(conn)?
                    .into_iter()
                    .filter(|r| r.level == RegionLevel::Prefecture)
                    .map(|r| (r.code.to_string(), r.name))
                    .collect(),
                ReportKind::Annual => persistence::organizations::organization_levels(conn)?
                    .into_iter()
                    .filter(|(_, _, level, status)| {
                        *level == OrgLevel::Provincial && *status == OrgStatus::Active
                    })
                    .map(|(id, name, _, _)| (id.to_string(), name))
                    .collect(),
            };
            Ok((submitted, candidates))
        })
        .await?;
    let submitted: std::collections::HashSet<String> = submitted.into_iter().collect();
    let due = period.due_on();
    let late = report::is_late(None, due, state.clock.today());
    Ok(web::Json(
        candidates
            .into_iter()
            .filter(|(subject, _)| !submitted.contains(subject))
            .map(|(subject, name)| OutstandingReport {
                subject,
                name,
                due_on: due,
                late,
            })
            .collect(),
    ))
}
