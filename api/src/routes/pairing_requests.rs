//! `/pairing-requests`: an organization asks, with an official document, to add a
//! pairing or move one to another county; the province decides.

use actix_web::http::header;
use actix_web::{get, post, web, HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use domain::pairing::{self, PairingRequest, RequestKind, RequestStatus};
use domain::policy::{authorize, Action, Resource};
use domain::Rule;
use domain::{Changes, FieldError, RegionCode, Violation};
use persistence::journal::{self, Entry, Written};
use persistence::pairings::{self as store, RequestFilter, RequestSort};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use crate::auth::{self, Authenticated};
use crate::error::{ApiError, Problem};
use crate::extract::limits as limit;
use crate::extract::{
    etag, with_etag, JsonBody, ListFilter, ListQuery, PageParams, Paged, QueryReader,
};
use crate::services::{self, pairings::NewPairing};
use crate::state::AppState;

/// An add/adjust request.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = PairingRequest)]
pub struct PairingRequestBody {
    pub id: uuid::Uuid,
    pub organization_id: uuid::Uuid,
    pub kind: RequestKind,
    /// The county wanted.
    #[schema(example = "530102")]
    pub county_code: String,
    /// For `adjust`: the pairing to move.
    pub from_pairing_id: Option<uuid::Uuid>,
    /// The official document's number.
    #[schema(example = "滇社函〔2024〕8号")]
    pub document_no: String,
    pub reason: Option<String>,
    pub status: RequestStatus,
    pub decided_by: Option<uuid::Uuid>,
    pub decided_at: Option<DateTime<Utc>>,
    pub decision_note: Option<String>,
    /// The pairing an approval created.
    pub pairing_id: Option<uuid::Uuid>,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<PairingRequest> for PairingRequestBody {
    fn from(r: PairingRequest) -> Self {
        PairingRequestBody {
            id: r.id,
            organization_id: r.organization_id,
            kind: r.kind,
            county_code: r.county_code.to_string(),
            from_pairing_id: r.from_pairing_id,
            document_no: r.document_no,
            reason: r.reason,
            status: r.status,
            decided_by: r.decided_by,
            decided_at: r.decided_at,
            decision_note: r.decision_note,
            pairing_id: r.pairing_id,
            version: r.version,
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}

#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct CreatePairingRequest {
    /// An organization user's own by default; a province admin names one.
    pub organization_id: Option<uuid::Uuid>,
    pub kind: RequestKind,
    #[schema(example = "530102", max_length = 64)]
    #[validate(length(max = limit::CODE))]
    pub county_code: String,
    /// Required for `adjust`: the pairing to move.
    pub from_pairing_id: Option<uuid::Uuid>,
    #[schema(min_length = 1, max_length = 100)]
    #[validate(length(max = limit::DOCUMENT_NO))]
    pub document_no: String,
    #[schema(max_length = 1_000)]
    #[validate(length(max = limit::NOTE))]
    pub reason: Option<String>,
}

#[derive(Debug, Default, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct Decision {
    /// Required when rejecting.
    #[schema(max_length = 1_000)]
    #[validate(length(max = limit::NOTE))]
    pub note: Option<String>,
}

fn request_id(raw: &str) -> Result<uuid::Uuid, ApiError> {
    uuid::Uuid::parse_str(raw).map_err(|_| ApiError::NotFound)
}

fn resource(r: &PairingRequest) -> Resource<'_> {
    Resource::PairingRequest {
        organization_id: r.organization_id,
        county_code: &r.county_code,
    }
}

/// Filters of the request list.
#[derive(Debug, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PairingRequestQuery {
    organization_id: Option<uuid::Uuid>,
    status: Option<RequestStatus>,
    kind: Option<RequestKind>,
    #[param(value_type = Option<String>, pattern = "^[0-9]{6}$")]
    county: Option<RegionCode>,
}

impl ListFilter for PairingRequestQuery {
    type Sort = RequestSort;

    fn read(q: &mut QueryReader) -> Self {
        PairingRequestQuery {
            organization_id: q.uuid("organization_id"),
            status: q.parse_with("status"),
            kind: q.parse_with("kind"),
            county: q.region_code("county"),
        }
    }
}

/// List requests: an organization its own, officers those for their region, the
/// province-wide roles all. Newest first.
#[utoipa::path(
    tag = "pairing-requests",
    params(PairingRequestQuery, PageParams),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "A page of requests", body = Paged<PairingRequestBody>),
        (status = 400, description = "A parameter cannot be read", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A parameter is out of range", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/pairing-requests")]
pub async fn list_pairing_requests(
    state: web::Data<AppState>,
    auth: Authenticated,
    query: ListQuery<PairingRequestQuery>,
) -> Result<web::Json<Paged<PairingRequestBody>>, ApiError> {
    let ListQuery { filter, page, sort } = query;
    let filter = RequestFilter {
        organization_id: filter.organization_id,
        status: filter.status,
        kind: filter.kind,
        county: filter.county,
    };
    let visibility = auth::visibility(&auth.actor);
    let listed = state
        .db(move |conn| {
            Ok(store::list_requests(
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
        PairingRequestBody::from,
    )))
}

/// File an add/adjust request (an organization's users for their own organization,
/// or province admins for any).
#[utoipa::path(
    tag = "pairing-requests",
    request_body = CreatePairingRequest,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Submitted", body = PairingRequestBody,
            headers(("Location" = String, description = "Its URL"), ("ETag" = String, description = "Its version"))),
        (status = 400, description = "The body is not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not for your organization", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "The body is not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A field is invalid", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/pairing-requests")]
pub async fn create_pairing_request(
    state: web::Data<AppState>,
    req: HttpRequest,
    auth: Authenticated,
    body: JsonBody<CreatePairingRequest>,
) -> Result<HttpResponse, ApiError> {
    let body = body.0;
    let organization_id = auth::acting_organization(body.organization_id, &auth.actor)?;
    pairing::check_request(body.kind, body.from_pairing_id.is_some(), &body.document_no)?;
    let reason = body
        .reason
        .map(|r| r.trim().to_owned())
        .filter(|r| !r.is_empty());
    if reason.as_ref().is_some_and(|r| r.chars().count() > 1000) {
        return Err(ApiError::Validation(vec![FieldError::new(
            "reason",
            Violation::TooLong { max: 1000 },
        )]));
    }
    let actor = auth.actor.clone();
    let context = auth::write_context(&req, Some(&auth.actor));
    let request = state
        .db(move |conn| {
            journal::write(conn, &context, |conn| {
                let county_code =
                    services::regions::county(conn, "county_code", &body.county_code)?;
                let decision = authorize(
                    Some(&actor),
                    Action::FilePairingRequest,
                    &Resource::PairingRequest {
                        organization_id,
                        county_code: &county_code,
                    },
                );
                if !decision.is_allowed() {
                    return Err(ApiError::Forbidden {
                        fields: vec!["organization_id".to_owned()],
                    });
                }
                if persistence::organizations::find_organization(conn, organization_id)?.is_none() {
                    return Err(ApiError::Validation(vec![FieldError::rule(
                        "organization_id",
                        Rule::UnknownOrganization,
                    )]));
                }
                if let Some(from) = body.from_pairing_id {
                    let open = store::find_pairing(conn, from)?
                        .filter(|p| p.organization_id == organization_id && p.is_open());
                    if open.is_none() {
                        return Err(ApiError::Validation(vec![FieldError::rule(
                            "from_pairing_id",
                            Rule::UnknownPairing,
                        )]));
                    }
                }
                let now = persistence::now();
                let request = PairingRequest {
                    id: uuid::Uuid::now_v7(),
                    organization_id,
                    kind: body.kind,
                    county_code,
                    from_pairing_id: body.from_pairing_id,
                    document_no: body.document_no.trim().to_owned(),
                    reason,
                    status: RequestStatus::Submitted,
                    decided_by: None,
                    decided_at: None,
                    decision_note: None,
                    pairing_id: None,
                    version: 1,
                    created_at: now,
                    updated_at: now,
                };
                store::insert_request(conn, &request)?;
                let mut changes = Changes::new();
                changes.created("organization_id", &request.organization_id);
                changes.created("kind", &request.kind);
                changes.created("county_code", &request.county_code.to_string());
                changes.created("from_pairing_id", &request.from_pairing_id);
                changes.created("document_no", &request.document_no);
                changes.created("status", &request.status);
                let entry = Entry {
                    entity: "pairing_request",
                    entity_id: request.id.to_string(),
                    action: "create",
                    changes,
                };
                Ok(Written::new(request, vec![entry]))
            })
        })
        .await?;
    Ok(HttpResponse::Created()
        .insert_header((
            header::LOCATION,
            format!("/api/v1/pairing-requests/{}", request.id),
        ))
        .insert_header(header::ETag(etag(request.version)))
        .json(PairingRequestBody::from(request)))
}

/// Get a request (404 unless it is yours to see).
#[utoipa::path(
    tag = "pairing-requests",
    params(("id" = uuid::Uuid, Path, description = "Request id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The request", body = PairingRequestBody, headers(("ETag" = String, description = "Its version"))),
        (status = 304, description = "Unchanged since the `If-None-Match` version"),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such request, or not yours to see", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/pairing-requests/{id}")]
pub async fn get_pairing_request(
    state: web::Data<AppState>,
    req: HttpRequest,
    auth: Authenticated,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = request_id(&id)?;
    let request = state
        .db(move |conn| store::find_request(conn, id)?.ok_or(ApiError::NotFound))
        .await?;
    ApiError::from_decision(authorize(
        Some(&auth.actor),
        Action::ReadPairingRequest,
        &resource(&request),
    ))?;
    Ok(with_etag(
        &req,
        request.version,
        PairingRequestBody::from(request),
    ))
}

/// Decides a request in one transaction; an approval applies it there too, so a
/// refusal by the pairing rules leaves nothing changed.
async fn decide(
    state: web::Data<AppState>,
    req: HttpRequest,
    auth: Authenticated,
    id: uuid::Uuid,
    approve: bool,
    note: Option<String>,
) -> Result<HttpResponse, ApiError> {
    let actor = auth.actor.clone();
    let context = auth::write_context(&req, Some(&auth.actor));
    let today = state.clock.today();
    let request = state
        .db(move |conn| {
            journal::write(conn, &context, |conn| {
                let current = store::find_request(conn, id)?.ok_or(ApiError::NotFound)?;
                ApiError::from_decision(authorize(
                    Some(&actor),
                    Action::DecidePairingRequest,
                    &resource(&current),
                ))?;
                let status = pairing::decide(current.status, approve)?;
                let mut entries = Vec::new();
                let mut next = current.clone();
                if approve {
                    if let Some(from) = current.from_pairing_id {
                        let old = store::find_pairing(conn, from)?
                            .filter(|p| p.is_open())
                            .ok_or_else(|| {
                                ApiError::Conflict(vec![FieldError::rule(
                                    "from_pairing_id",
                                    Rule::PairingNotOpen,
                                )])
                            })?;
                        let reason = format!("调整结对（{}）", current.document_no);
                        let (_, entry) = services::pairings::terminate(conn, &old, &reason, today)?;
                        entries.push(entry);
                    }
                    let new = NewPairing {
                        organization_id: current.organization_id,
                        county_code: current.county_code.to_string(),
                        batch: 1,
                        established_on: today,
                        agreement_deadline: None,
                    };
                    let (pairing, entry) = services::pairings::open(conn, &new, today)?;
                    entries.push(entry);
                    next.pairing_id = Some(pairing.id);
                }
                let now = persistence::now();
                next.status = status;
                next.decided_by = Some(actor.user_id);
                next.decided_at = Some(now);
                next.decision_note = note;
                next.version += 1;
                next.updated_at = now;
                store::update_request(conn, &next)?;
                let mut changes = Changes::new();
                changes.compare("status", &current.status, &next.status);
                changes.compare("decision_note", &current.decision_note, &next.decision_note);
                changes.compare("pairing_id", &current.pairing_id, &next.pairing_id);
                entries.insert(
                    0,
                    Entry {
                        entity: "pairing_request",
                        entity_id: id.to_string(),
                        action: if approve { "approve" } else { "reject" },
                        changes,
                    },
                );
                Ok(Written::new(next, entries))
            })
        })
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header(header::ETag(etag(request.version)))
        .json(PairingRequestBody::from(request)))
}

/// Approve a request (province admins): `add` opens the pairing; `adjust` ends the
/// old pairing and opens the new one — all in one transaction.
#[utoipa::path(
    tag = "pairing-requests",
    params(("id" = uuid::Uuid, Path, description = "Request id")),
    request_body(content = Decision, description = "An optional note"),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Approved and applied", body = PairingRequestBody),
        (status = 400, description = "The body is not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not a province admin", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such request, or not yours to see", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Already decided, or the pairing rules refuse it (nothing changed)", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "The body is not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A field is invalid", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/pairing-requests/{id}/approve")]
pub async fn approve_pairing_request(
    state: web::Data<AppState>,
    req: HttpRequest,
    auth: Authenticated,
    id: web::Path<String>,
    body: JsonBody<Decision>,
) -> Result<HttpResponse, ApiError> {
    let id = request_id(&id)?;
    let note = body
        .0
        .note
        .map(|n| n.trim().to_owned())
        .filter(|n| !n.is_empty());
    decide(state, req, auth, id, true, note).await
}

/// Reject a request (province admins), with a note saying why.
#[utoipa::path(
    tag = "pairing-requests",
    params(("id" = uuid::Uuid, Path, description = "Request id")),
    request_body = Decision,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Rejected", body = PairingRequestBody),
        (status = 400, description = "The body is not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not a province admin", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such request, or not yours to see", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Already decided", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "The body is not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "No note", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/pairing-requests/{id}/reject")]
pub async fn reject_pairing_request(
    state: web::Data<AppState>,
    req: HttpRequest,
    auth: Authenticated,
    id: web::Path<String>,
    body: JsonBody<Decision>,
) -> Result<HttpResponse, ApiError> {
    let id = request_id(&id)?;
    let note = body
        .0
        .note
        .map(|n| n.trim().to_owned())
        .filter(|n| !n.is_empty());
    if note.is_none() {
        return Err(ApiError::Validation(vec![FieldError::new(
            "note",
            Violation::Required,
        )]));
    }
    decide(state, req, auth, id, false, note).await
}
