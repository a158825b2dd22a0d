//! `/organizations`: the social organizations that join the programme.

use actix_web::http::header;
use actix_web::{get, patch, post, web, HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use domain::organization::{
    CreditCode, EvaluationGrade, OrgLevel, OrgStatus, OrgType, Organization, Phone, Sector,
};
use domain::policy::{authorize, Action, Resource};
use domain::Rule;
use domain::{Actor, Changes, FieldError, RegionCode, RegionLevel, Violation};
use persistence::journal::{self, Entry, Written};
use persistence::organizations::{self as store, OrganizationFilter, OrganizationSort};
use persistence::DbConnection;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use crate::auth::{self, Authenticated, MaybeAuthenticated};
use crate::error::{ApiError, Problem};
use crate::extract::limits as limit;
use crate::extract::{
    etag, nullable, with_etag, IfMatch, JsonBody, ListFilter, ListQuery, PageParams, Paged,
    QueryReader,
};
use crate::state::AppState;

/// A social organization. `contact_name`, `contact_phone` and `address` are left out
/// for callers without the right to see them (the public, other organizations).
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = Organization)]
pub struct OrganizationBody {
    pub id: uuid::Uuid,
    #[schema(example = "云南省乡村振兴促进会")]
    pub name: String,
    /// 统一社会信用代码.
    #[schema(example = "51530000MJ0000000X")]
    pub credit_code: String,
    pub org_type: OrgType,
    pub level: OrgLevel,
    /// Null for organizations created by an import until the province sets it.
    pub sector: Option<Sector>,
    #[schema(example = "53")]
    pub registration_region_code: String,
    /// 业务主管单位.
    pub supervising_unit: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>)]
    pub contact_name: Option<Option<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>, example = "0871-65123456")]
    pub contact_phone: Option<Option<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>)]
    pub address: Option<Option<String>>,
    pub has_party_organization: bool,
    pub evaluation_grade: Option<EvaluationGrade>,
    pub status: OrgStatus,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl OrganizationBody {
    fn new(o: Organization, with_contacts: bool) -> Self {
        let contact = |v: Option<String>| with_contacts.then_some(v);
        OrganizationBody {
            id: o.id,
            name: o.name,
            credit_code: o.credit_code.to_string(),
            org_type: o.org_type,
            level: o.level,
            sector: o.sector,
            registration_region_code: o.registration_region_code.to_string(),
            supervising_unit: o.supervising_unit,
            contact_name: contact(o.contact_name),
            contact_phone: contact(o.contact_phone.map(|p| p.to_string())),
            address: contact(o.address),
            has_party_organization: o.has_party_organization,
            evaluation_grade: o.evaluation_grade,
            status: o.status,
            version: o.version,
            created_at: o.created_at,
            updated_at: o.updated_at,
        }
    }

    /// As `actor` may see it.
    pub fn for_actor(o: Organization, actor: Option<&Actor>) -> Self {
        let contacts = authorize(
            actor,
            Action::ReadOrganizationContacts,
            &Resource::Organization { id: o.id },
        );
        OrganizationBody::new(o, contacts.is_allowed())
    }
}

/// A new organization (province admins).
#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct CreateOrganization {
    #[schema(min_length = 1, max_length = 200)]
    #[validate(length(max = limit::NAME))]
    pub name: String,
    #[schema(example = "51530000MJ0000000X", min_length = 18, max_length = 64)]
    #[validate(length(max = limit::CODE))]
    pub credit_code: String,
    pub org_type: OrgType,
    pub level: OrgLevel,
    pub sector: Sector,
    /// Where it is registered: the province (53), a prefecture or a county.
    #[schema(example = "53", max_length = 64)]
    #[validate(length(max = limit::CODE))]
    pub registration_region_code: String,
    #[schema(max_length = 200)]
    #[validate(length(max = limit::NAME))]
    pub supervising_unit: Option<String>,
    #[schema(max_length = 100)]
    #[validate(length(max = limit::PERSON_NAME))]
    pub contact_name: Option<String>,
    #[schema(max_length = 40)]
    #[validate(length(max = limit::PHONE))]
    pub contact_phone: Option<String>,
    #[schema(max_length = 300)]
    #[validate(length(max = limit::ADDRESS))]
    pub address: Option<String>,
    #[serde(default)]
    pub has_party_organization: bool,
    pub evaluation_grade: Option<EvaluationGrade>,
    /// `active` unless given.
    pub status: Option<OrgStatus>,
}

/// Changes to an organization; absent fields stay as they are, `null` clears. An
/// organization's own users may change the contact fields and
/// `has_party_organization`; everything else is the province's.
#[derive(Debug, Default, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct UpdateOrganization {
    #[schema(max_length = 200)]
    #[validate(length(max = limit::NAME))]
    pub name: Option<String>,
    #[schema(max_length = 64)]
    #[validate(length(max = limit::CODE))]
    pub credit_code: Option<String>,
    pub org_type: Option<OrgType>,
    pub level: Option<OrgLevel>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<Sector>)]
    pub sector: Option<Option<Sector>>,
    #[schema(max_length = 64)]
    #[validate(length(max = limit::CODE))]
    pub registration_region_code: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>, max_length = 200)]
    #[validate(length(max = limit::NAME))]
    pub supervising_unit: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>, max_length = 100)]
    #[validate(length(max = limit::PERSON_NAME))]
    pub contact_name: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>, max_length = 40)]
    #[validate(length(max = limit::PHONE))]
    pub contact_phone: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>, max_length = 300)]
    #[validate(length(max = limit::ADDRESS))]
    pub address: Option<Option<String>>,
    pub has_party_organization: Option<bool>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<EvaluationGrade>)]
    pub evaluation_grade: Option<Option<EvaluationGrade>>,
    pub status: Option<OrgStatus>,
}

impl UpdateOrganization {
    /// The fields present, each with the action that sets it.
    fn fields(&self) -> Vec<(&'static str, Action)> {
        let profile = Action::UpdateOrganizationProfile;
        let contacts = Action::UpdateOrganizationContacts;
        let status = Action::SetOrganizationStatus;
        [
            ("name", self.name.is_some(), profile),
            ("credit_code", self.credit_code.is_some(), profile),
            ("org_type", self.org_type.is_some(), profile),
            ("level", self.level.is_some(), profile),
            ("sector", self.sector.is_some(), profile),
            (
                "registration_region_code",
                self.registration_region_code.is_some(),
                profile,
            ),
            ("supervising_unit", self.supervising_unit.is_some(), profile),
            ("contact_name", self.contact_name.is_some(), contacts),
            ("contact_phone", self.contact_phone.is_some(), contacts),
            ("address", self.address.is_some(), contacts),
            (
                "has_party_organization",
                self.has_party_organization.is_some(),
                contacts,
            ),
            ("evaluation_grade", self.evaluation_grade.is_some(), status),
            ("status", self.status.is_some(), status),
        ]
        .into_iter()
        .filter(|(_, present, _)| *present)
        .map(|(field, _, action)| (field, action))
        .collect()
    }
}

/// Trims optional text; blank is absent. Longer than `max` characters is an error.
fn optional_text(
    field: &str,
    value: Option<String>,
    max: usize,
    errors: &mut Vec<FieldError>,
) -> Option<String> {
    let value = value
        .map(|v| v.trim().to_owned())
        .filter(|v| !v.is_empty())?;
    if value.chars().count() > max {
        errors.push(FieldError::new(field, Violation::TooLong { max }));
    }
    Some(value)
}

fn check_name(name: &str, errors: &mut Vec<FieldError>) -> String {
    let name = name.trim().to_owned();
    match name.chars().count() {
        0 => errors.push(FieldError::new("name", Violation::Required)),
        n if n > 200 => errors.push(FieldError::new("name", Violation::TooLong { max: 200 })),
        _ => {}
    }
    name
}

/// A registration region: the province, a prefecture or a county that exists.
fn registration_region(conn: &mut DbConnection, raw: &str) -> Result<RegionCode, ApiError> {
    let invalid =
        |v: Violation| ApiError::Validation(vec![FieldError::new("registration_region_code", v)]);
    let code = RegionCode::parse(raw).map_err(invalid)?;
    let region = persistence::regions::find_region(conn, &code)?;
    match region.map(|r| r.level) {
        Some(RegionLevel::Province | RegionLevel::Prefecture | RegionLevel::County) => Ok(code),
        Some(_) => Err(invalid(Violation::Rule(Rule::WrongLevel {
            allowed: vec![
                RegionLevel::Province,
                RegionLevel::Prefecture,
                RegionLevel::County,
            ],
        }))),
        None => Err(invalid(Violation::Rule(Rule::UnknownRegion))),
    }
}

/// 409 when another organization already has the credit code, or another active one
/// the name.
fn check_unique(
    conn: &mut DbConnection,
    o: &Organization,
    except: Option<uuid::Uuid>,
) -> Result<(), ApiError> {
    let mut errors = Vec::new();
    if store::credit_code_taken(conn, &o.credit_code, except)? {
        errors.push(FieldError::new("credit_code", Violation::Taken));
    }
    if o.status == OrgStatus::Active && store::active_name_taken(conn, &o.name, except)? {
        errors.push(FieldError::rule("name", Rule::Taken));
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(ApiError::Conflict(errors))
    }
}

fn record_all(changes: &mut Changes, o: &Organization) {
    changes.created("name", &o.name);
    changes.created("credit_code", &o.credit_code.to_string());
    changes.created("org_type", &o.org_type);
    changes.created("level", &o.level);
    changes.created("sector", &o.sector);
    changes.created(
        "registration_region_code",
        &o.registration_region_code.to_string(),
    );
    changes.created("status", &o.status);
}

fn compare(current: &Organization, next: &Organization) -> Changes {
    let mut c = Changes::new();
    c.compare("name", &current.name, &next.name);
    c.compare(
        "credit_code",
        &current.credit_code.to_string(),
        &next.credit_code.to_string(),
    );
    c.compare("org_type", &current.org_type, &next.org_type);
    c.compare("level", &current.level, &next.level);
    c.compare("sector", &current.sector, &next.sector);
    c.compare(
        "registration_region_code",
        &current.registration_region_code.to_string(),
        &next.registration_region_code.to_string(),
    );
    c.compare(
        "supervising_unit",
        &current.supervising_unit,
        &next.supervising_unit,
    );
    c.compare("contact_name", &current.contact_name, &next.contact_name);
    c.compare(
        "contact_phone",
        &current.contact_phone.as_ref().map(|p| p.to_string()),
        &next.contact_phone.as_ref().map(|p| p.to_string()),
    );
    c.compare("address", &current.address, &next.address);
    c.compare(
        "has_party_organization",
        &current.has_party_organization,
        &next.has_party_organization,
    );
    c.compare(
        "evaluation_grade",
        &current.evaluation_grade,
        &next.evaluation_grade,
    );
    c.compare("status", &current.status, &next.status);
    c
}

fn organization_id(raw: &str) -> Result<uuid::Uuid, ApiError> {
    uuid::Uuid::parse_str(raw).map_err(|_| ApiError::NotFound)
}

/// Filters of the organization list.
#[derive(Debug, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OrganizationQuery {
    /// Name contains this text.
    q: Option<String>,
    org_type: Option<OrgType>,
    level: Option<OrgLevel>,
    sector: Option<Sector>,
    status: Option<OrgStatus>,
    /// Has a pairing (not terminated) with this county.
    #[param(value_type = Option<String>, pattern = "^[0-9]{6}$", example = "530102")]
    county: Option<RegionCode>,
    /// Has a pairing (not terminated) with a county of this prefecture.
    #[param(value_type = Option<String>, pattern = "^[0-9]{4}$", example = "5301")]
    prefecture: Option<RegionCode>,
}

impl ListFilter for OrganizationQuery {
    type Sort = OrganizationSort;

    fn read(q: &mut QueryReader) -> Self {
        OrganizationQuery {
            q: q.text("q"),
            org_type: q.parse_with("org_type"),
            level: q.parse_with("level"),
            sector: q.parse_with("sector"),
            status: q.parse_with("status"),
            county: q.region_code("county"),
            prefecture: q.region_code("prefecture"),
        }
    }
}

/// Sort of the organization list (documentation; `ListQuery` reads it).
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct OrganizationSortParam {
    /// `name` (default) or `created_at`; `-` in front for descending.
    #[param(pattern = "^-?(name|created_at)$")]
    sort: Option<String>,
}

/// List organizations (public; contacts only for those who may see them).
#[utoipa::path(
    tag = "organizations",
    params(OrganizationQuery, PageParams, OrganizationSortParam),
    responses(
        (status = 200, description = "A page of organizations", body = Paged<OrganizationBody>),
        (status = 400, description = "A parameter cannot be read", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "A token was sent but is not valid", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A parameter is out of range", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/organizations")]
pub async fn list_organizations(
    state: web::Data<AppState>,
    auth: MaybeAuthenticated,
    query: ListQuery<OrganizationQuery>,
) -> Result<web::Json<Paged<OrganizationBody>>, ApiError> {
    let ListQuery { filter, page, sort } = query;
    let filter = OrganizationFilter {
        q: filter.q,
        org_type: filter.org_type,
        level: filter.level,
        sector: filter.sector,
        status: filter.status,
        county: filter.county,
        prefecture: filter.prefecture,
    };
    let listed = state
        .db(move |conn| Ok(store::list_organizations(conn, &filter, sort, page)?))
        .await?;
    let actor = auth.actor();
    Ok(web::Json(Paged::new(listed, page, |o| {
        OrganizationBody::for_actor(o, actor)
    })))
}

/// Register an organization (province admins).
#[utoipa::path(
    tag = "organizations",
    request_body = CreateOrganization,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Created", body = OrganizationBody,
            headers(("Location" = String, description = "Its URL"), ("ETag" = String, description = "Its version"))),
        (status = 400, description = "The body is not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not a province admin", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The credit code, or the name of an active organization, is taken", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "The body is not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A field is invalid (a credit code's failed check is named)", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/organizations")]
pub async fn create_organization(
    state: web::Data<AppState>,
    req: HttpRequest,
    auth: Authenticated,
    body: JsonBody<CreateOrganization>,
) -> Result<HttpResponse, ApiError> {
    ApiError::from_decision(authorize(
        Some(&auth.actor),
        Action::CreateOrganization,
        &Resource::Organizations,
    ))?;
    let body = body.0;
    let mut errors = Vec::new();
    let name = check_name(&body.name, &mut errors);
    let credit_code = CreditCode::parse(&body.credit_code)
        .map_err(|v| errors.push(FieldError::new("credit_code", v)))
        .ok();
    let contact_phone = match optional_text("contact_phone", body.contact_phone, 40, &mut errors) {
        Some(raw) => Phone::parse(&raw)
            .map_err(|v| errors.push(FieldError::new("contact_phone", v)))
            .ok(),
        None => None,
    };
    let supervising_unit =
        optional_text("supervising_unit", body.supervising_unit, 200, &mut errors);
    let contact_name = optional_text("contact_name", body.contact_name, 100, &mut errors);
    let address = optional_text("address", body.address, 300, &mut errors);
    let (Some(credit_code), true) = (credit_code, errors.is_empty()) else {
        return Err(ApiError::Validation(errors));
    };
    let context = auth::write_context(&req, Some(&auth.actor));
    let organization = state
        .db(move |conn| {
            journal::write(conn, &context, |conn| {
                let registration_region_code =
                    registration_region(conn, &body.registration_region_code)?;
                let now = persistence::now();
                let organization = Organization {
                    id: uuid::Uuid::now_v7(),
                    name,
                    credit_code,
                    org_type: body.org_type,
                    level: body.level,
                    sector: Some(body.sector),
                    registration_region_code,
                    supervising_unit,
                    contact_name,
                    contact_phone,
                    address,
                    has_party_organization: body.has_party_organization,
                    evaluation_grade: body.evaluation_grade,
                    status: body.status.unwrap_or(OrgStatus::Active),
                    version: 1,
                    created_at: now,
                    updated_at: now,
                };
                check_unique(conn, &organization, None)?;
                store::insert_organization(conn, &organization)?;
                let mut changes = Changes::new();
                record_all(&mut changes, &organization);
                let entry = Entry {
                    entity: "organization",
                    entity_id: organization.id.to_string(),
                    action: "create",
                    changes,
                };
                Ok(Written::new(organization, vec![entry]))
            })
        })
        .await?;
    Ok(HttpResponse::Created()
        .insert_header((
            header::LOCATION,
            format!("/api/v1/organizations/{}", organization.id),
        ))
        .insert_header(header::ETag(etag(organization.version)))
        .json(OrganizationBody::for_actor(organization, Some(&auth.actor))))
}

/// Get an organization (public profile; contacts for those who may see them).
#[utoipa::path(
    tag = "organizations",
    params(("id" = uuid::Uuid, Path, description = "Organization id")),
    responses(
        (status = 200, description = "The organization", body = OrganizationBody, headers(("ETag" = String, description = "Its version"))),
        (status = 304, description = "Unchanged since the `If-None-Match` version"),
        (status = 401, description = "A token was sent but is not valid", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such organization", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/organizations/{id}")]
pub async fn get_organization(
    state: web::Data<AppState>,
    req: HttpRequest,
    auth: MaybeAuthenticated,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = organization_id(&id)?;
    let organization = state
        .db(move |conn| store::find_organization(conn, id)?.ok_or(ApiError::NotFound))
        .await?;
    let version = organization.version;
    Ok(with_etag(
        &req,
        version,
        OrganizationBody::for_actor(organization, auth.actor()),
    ))
}

/// Change an organization. Needs `If-Match`.
///
/// Province admins change everything; an organization's own users change
/// `contact_name`, `contact_phone`, `address` and `has_party_organization`. A field
/// you may not set is a 403 naming it.
#[utoipa::path(
    tag = "organizations",
    params(
        ("id" = uuid::Uuid, Path, description = "Organization id"),
        ("If-Match" = String, Header, description = "The ETag from GET"),
    ),
    request_body = UpdateOrganization,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The organization as changed", body = OrganizationBody, headers(("ETag" = String, description = "Its new version"))),
        (status = 400, description = "The body is not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "A field you may not set (named in errors)", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such organization", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The credit code or active name is taken", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "Changed since your ETag", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "The body is not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A field is invalid", body = Problem, content_type = "application/problem+json"),
        (status = 428, description = "If-Match is missing", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/organizations/{id}")]
pub async fn update_organization(
    state: web::Data<AppState>,
    req: HttpRequest,
    auth: Authenticated,
    id: web::Path<String>,
    if_match: IfMatch,
    body: JsonBody<UpdateOrganization>,
) -> Result<HttpResponse, ApiError> {
    let id = organization_id(&id)?;
    let patch = body.0;
    let resource = Resource::Organization { id };
    let forbidden: Vec<String> = patch
        .fields()
        .into_iter()
        .filter(|(_, action)| !authorize(Some(&auth.actor), *action, &resource).is_allowed())
        .map(|(field, _)| field.to_owned())
        .collect();
    let mut errors = Vec::new();
    let name = patch.name.as_deref().map(|n| check_name(n, &mut errors));
    let credit_code = patch.credit_code.as_deref().and_then(|raw| {
        CreditCode::parse(raw)
            .map_err(|v| errors.push(FieldError::new("credit_code", v)))
            .ok()
    });
    // Present (`Some`): the new phone, or `None` to clear it.
    let phone = patch.contact_phone.clone().map(|raw| {
        optional_text("contact_phone", raw, 40, &mut errors).and_then(|raw| {
            Phone::parse(&raw)
                .map_err(|v| errors.push(FieldError::new("contact_phone", v)))
                .ok()
        })
    });
    let supervising_unit = patch
        .supervising_unit
        .clone()
        .map(|v| optional_text("supervising_unit", v, 200, &mut errors));
    let contact_name = patch
        .contact_name
        .clone()
        .map(|v| optional_text("contact_name", v, 100, &mut errors));
    let address = patch
        .address
        .clone()
        .map(|v| optional_text("address", v, 300, &mut errors));
    let actor = auth.actor.clone();
    let context = auth::write_context(&req, Some(&auth.actor));
    let organization = state
        .db(move |conn| {
            journal::write(conn, &context, |conn| {
                let current = store::find_organization(conn, id)?.ok_or(ApiError::NotFound)?;
                if !forbidden.is_empty() {
                    return Err(ApiError::Forbidden { fields: forbidden });
                }
                if !errors.is_empty() {
                    return Err(ApiError::Validation(errors));
                }
                if_match.check(current.version)?;
                let mut next = current.clone();
                if let Some(name) = name {
                    next.name = name;
                }
                if let Some(code) = credit_code {
                    next.credit_code = code;
                }
                if let Some(t) = patch.org_type {
                    next.org_type = t;
                }
                if let Some(l) = patch.level {
                    next.level = l;
                }
                if let Some(s) = patch.sector {
                    next.sector = s;
                }
                if let Some(raw) = &patch.registration_region_code {
                    next.registration_region_code = registration_region(conn, raw)?;
                }
                if let Some(v) = supervising_unit {
                    next.supervising_unit = v;
                }
                if let Some(v) = contact_name {
                    next.contact_name = v;
                }
                if let Some(v) = phone {
                    next.contact_phone = v;
                }
                if let Some(v) = address {
                    next.address = v;
                }
                if let Some(v) = patch.has_party_organization {
                    next.has_party_organization = v;
                }
                if let Some(v) = patch.evaluation_grade {
                    next.evaluation_grade = v;
                }
                if let Some(v) = patch.status {
                    next.status = v;
                }
                let changes = compare(&current, &next);
                if changes.is_empty() {
                    return Ok(Written::unchanged(current));
                }
                check_unique(conn, &next, Some(id))?;
                next.version += 1;
                next.updated_at = persistence::now();
                store::update_organization(conn, &next)?;
                let entry = Entry {
                    entity: "organization",
                    entity_id: id.to_string(),
                    action: "update",
                    changes,
                };
                Ok(Written::new(next, vec![entry]))
            })
        })
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header(header::ETag(etag(organization.version)))
        .json(OrganizationBody::for_actor(organization, Some(&actor))))
}
