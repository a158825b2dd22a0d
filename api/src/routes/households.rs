//! `/households` (百会兴万户): monitored households, masked everywhere; their personal
//! data in full only through `/households/{id}/personal-data`, with a reason that is
//! audited; `/households/{id}/assistance`, the help given; `/stats/households`, counts.

use actix_web::http::header;
use actix_web::{get, patch, post, web, FromRequest, HttpRequest, HttpResponse};
use chrono::{DateTime, NaiveDate, Utc};
use domain::household::{
    self, Assistance, AssistanceKind, Household, HouseholdCategory, IdNumber, PersonalData, Phone,
    SpecialGroup, WishStatus,
};
use domain::identity::{Role, Scope};
use domain::policy::{authorize, Action, Resource};
use domain::Rule;
use domain::{Changes, FieldError, RegionCode, Violation};
use persistence::households::{self as store, HouseholdFilter, HouseholdRow, HouseholdSort};
use persistence::journal::{self, Entry, Written};
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
use crate::services::households::{
    assistance_entry, authorized_household, created_changes, household_resource,
};
use crate::services::organizations::check_organization_active;
use crate::services::regions::{county_of, village};
use crate::state::AppState;

/// The plan's target: households helped.
pub const HOUSEHOLDS_TARGET: i64 = 10_000;

/// The shortest and longest reason for reading personal data, in characters.
pub const REASON_MIN: usize = 5;
pub const REASON_MAX: usize = 200;

/// A monitored household. Personal data is always masked here.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = Household)]
pub struct HouseholdBody {
    pub id: uuid::Uuid,
    #[schema(example = "530102001001")]
    pub village_code: String,
    pub village_full_name: String,
    #[schema(example = "530102")]
    pub county_code: String,
    /// Masked: 张*, 欧阳**.
    #[schema(example = "张*")]
    pub head_name: String,
    /// Masked: the first 6 and last 4 characters.
    #[schema(example = "530102********011X")]
    pub id_number: String,
    /// Masked: 138****5678.
    #[schema(example = "138****5678")]
    pub phone: Option<String>,
    pub members: i32,
    pub category: HouseholdCategory,
    pub special_groups: Vec<SpecialGroup>,
    pub risk_eliminated: bool,
    pub note: Option<String>,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<store::HouseholdListing> for HouseholdBody {
    fn from(l: store::HouseholdListing) -> Self {
        let h = l.household;
        HouseholdBody {
            id: h.id,
            village_code: h.village_code.to_string(),
            village_full_name: l.village_full_name,
            county_code: h.county_code.to_string(),
            head_name: h.masked.head_name,
            id_number: h.masked.id_number,
            phone: h.masked.phone,
            members: h.members,
            category: h.category,
            special_groups: h.special_groups,
            risk_eliminated: h.risk_eliminated,
            note: h.note,
            version: h.version,
            created_at: h.created_at,
            updated_at: h.updated_at,
        }
    }
}

#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct CreateHousehold {
    #[schema(example = "530102001001", max_length = 64)]
    #[validate(length(max = limit::CODE))]
    pub village_code: String,
    /// The head of household's name.
    #[schema(min_length = 1, max_length = 50, example = "张三")]
    #[validate(length(max = limit::HEAD_NAME))]
    pub head_name: String,
    /// 18-character resident ID number (GB 11643-1999); `x` is read as `X`.
    #[schema(example = "11010519491231002X", max_length = 64)]
    #[validate(length(max = limit::CODE))]
    pub id_number: String,
    #[schema(example = "13812345678", max_length = 40)]
    #[validate(length(max = limit::PHONE))]
    pub phone: Option<String>,
    #[schema(minimum = 1, maximum = 30)]
    #[validate(range(max = limit::HOUSEHOLD_MEMBERS))]
    pub members: i32,
    pub category: HouseholdCategory,
    #[serde(default)]
    #[schema(max_items = 1_000)]
    #[validate(length(max = limit::ITEMS))]
    pub special_groups: Vec<SpecialGroup>,
    #[serde(default)]
    pub risk_eliminated: bool,
    #[schema(max_length = 1_000)]
    #[validate(length(max = limit::NOTE))]
    pub note: Option<String>,
}

/// Changes to a household; absent fields stay as they are, `null` clears.
#[derive(Debug, Default, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct UpdateHousehold {
    #[schema(max_length = 64)]
    #[validate(length(max = limit::CODE))]
    pub village_code: Option<String>,
    #[schema(min_length = 1, max_length = 50)]
    #[validate(length(max = limit::HEAD_NAME))]
    pub head_name: Option<String>,
    #[schema(max_length = 64)]
    #[validate(length(max = limit::CODE))]
    pub id_number: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>, max_length = 40)]
    #[validate(length(max = limit::PHONE))]
    pub phone: Option<Option<String>>,
    #[schema(minimum = 1, maximum = 30)]
    #[validate(range(max = limit::HOUSEHOLD_MEMBERS))]
    pub members: Option<i32>,
    pub category: Option<HouseholdCategory>,
    #[schema(max_items = 1_000)]
    #[validate(length(max = limit::ITEMS))]
    pub special_groups: Option<Vec<SpecialGroup>>,
    pub risk_eliminated: Option<bool>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>, max_length = 1_000)]
    #[validate(length(max = limit::NOTE))]
    pub note: Option<Option<String>>,
}

/// A household's personal data in full.
#[derive(Debug, Serialize, ToSchema)]
pub struct PersonalDataBody {
    pub household_id: uuid::Uuid,
    pub head_name: String,
    pub id_number: String,
    pub phone: Option<String>,
    /// The reason given, as the audit log keeps it.
    pub reason: String,
}

fn listing(conn: &mut DbConnection, id: uuid::Uuid) -> Result<HouseholdBody, ApiError> {
    store::find_household_listing(conn, id)?
        .map(HouseholdBody::from)
        .ok_or(ApiError::NotFound)
}

fn vault_error(e: persistence::personal_data::VaultError) -> ApiError {
    ApiError::Internal(format!("personal data cannot be opened: {e}"))
}

/// Personal data from a request, checked; every problem at once.
fn personal_data(
    head_name: &str,
    id_number: &str,
    phone: Option<&str>,
    today: chrono::NaiveDate,
    errors: &mut Vec<FieldError>,
) -> Option<PersonalData> {
    let head_name = household::parse_head_name(head_name)
        .map_err(|v| errors.push(FieldError::new("head_name", v)))
        .ok();
    let id_number = IdNumber::parse_as_of(id_number, today)
        .map_err(|v| errors.push(FieldError::new("id_number", v)))
        .ok();
    let phone = match phone.map(str::trim).filter(|p| !p.is_empty()) {
        Some(raw) => match Phone::parse(raw) {
            Ok(p) => Some(Some(p)),
            Err(v) => {
                errors.push(FieldError::new("phone", v));
                None
            }
        },
        None => Some(None),
    };
    Some(PersonalData {
        head_name: head_name?,
        id_number: id_number?,
        phone: phone?,
    })
}

/// 409 when another household has this ID number (found by its blind index).
fn check_id_number_free(
    conn: &mut DbConnection,
    state: &persistence::personal_data::Vault,
    id_number: &IdNumber,
    except: Option<uuid::Uuid>,
) -> Result<(), ApiError> {
    let indexes = state.blind_indexes(id_number.as_str());
    if store::household_with_id_number(conn, &indexes, except)?.is_some() {
        return Err(ApiError::Conflict(vec![FieldError::rule(
            "id_number",
            Rule::DuplicateIdNumber,
        )]));
    }
    Ok(())
}

/// Filters of the household list.
#[derive(Debug, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct HouseholdQuery {
    #[param(value_type = Option<String>, pattern = "^[0-9]{12}$")]
    village: Option<RegionCode>,
    #[param(value_type = Option<String>, pattern = "^[0-9]{6}$")]
    county: Option<RegionCode>,
    #[param(value_type = Option<String>, pattern = "^[0-9]{4}$")]
    prefecture: Option<RegionCode>,
    category: Option<HouseholdCategory>,
    /// Households with this special group among theirs.
    special_group: Option<SpecialGroup>,
    risk_eliminated: Option<bool>,
    /// Households this organization has recorded assistance for.
    helped_by: Option<uuid::Uuid>,
    /// Households with (`true`) or without (`false`) an open wish.
    has_open_wish: Option<bool>,
}

impl ListFilter for HouseholdQuery {
    type Sort = HouseholdSort;

    fn read(q: &mut QueryReader) -> Self {
        HouseholdQuery {
            village: q.region_code("village"),
            county: q.region_code("county"),
            prefecture: q.region_code("prefecture"),
            category: q.parse_with("category"),
            special_group: q.parse_with("special_group"),
            risk_eliminated: q.boolean("risk_eliminated"),
            helped_by: q.uuid("helped_by"),
            has_open_wish: q.boolean("has_open_wish"),
        }
    }
}

/// List households (masked): officers their region's, organizations those of the
/// counties they are paired with, province admins all. Viewers and integrations get
/// 403: they see counts (`/stats/households`), not households.
#[utoipa::path(
    tag = "households",
    params(HouseholdQuery, PageParams),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "A page of households, personal data masked", body = Paged<HouseholdBody>),
        (status = 400, description = "A parameter cannot be read", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Viewers and integrations see counts only", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A parameter is out of range", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/households")]
pub async fn list_households(
    state: web::Data<AppState>,
    auth: Authenticated,
    query: ListQuery<HouseholdQuery>,
) -> Result<web::Json<Paged<HouseholdBody>>, ApiError> {
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
    let filter = HouseholdFilter {
        village: q.village,
        county: q.county,
        prefecture: q.prefecture,
        category: q.category,
        special_group: q.special_group,
        risk_eliminated: q.risk_eliminated,
        helped_by: q.helped_by,
        has_open_wish: q.has_open_wish,
    };
    let visibility = auth::visibility(&auth.actor);
    let listed = state
        .db(move |conn| {
            Ok(store::list_households(
                conn,
                &visibility,
                &filter,
                sort,
                page,
            )?)
        })
        .await?;
    Ok(web::Json(Paged::new(listed, page, HouseholdBody::from)))
}

/// Register a household (the county officer of the village's county, province admins).
#[utoipa::path(
    tag = "households",
    request_body = CreateHousehold,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Registered; personal data masked in the answer", body = HouseholdBody,
            headers(("Location" = String, description = "Its URL"), ("ETag" = String, description = "Its version"))),
        (status = 400, description = "The body is not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not the officer of the village's county", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "A household with this ID number exists", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "The body is not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A field is invalid", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/households")]
pub async fn create_household(
    state: web::Data<AppState>,
    req: HttpRequest,
    auth: Authenticated,
    body: JsonBody<CreateHousehold>,
) -> Result<HttpResponse, ApiError> {
    let body = body.0;
    let mut errors = Vec::new();
    let personal = personal_data(
        &body.head_name,
        &body.id_number,
        body.phone.as_deref(),
        state.clock.today(),
        &mut errors,
    );
    let checked = household::check_household(body.members, body.note, body.special_groups)
        .map_err(|e| errors.extend(e))
        .ok();
    let (Some(personal), Some((note, special_groups))) = (personal, checked) else {
        return Err(ApiError::Validation(errors));
    };
    let actor = auth.actor.clone();
    let vault = state.vault.clone();
    let context = auth::write_context(&req, Some(&auth.actor));
    let created = state
        .db(move |conn| {
            let id = journal::write::<_, ApiError, _>(conn, &context, |conn| {
                let village_code = village(conn, &body.village_code)?;
                let county = county_of(&village_code)?;
                let resource = household_resource(conn, &actor, &county)?;
                if !authorize(Some(&actor), Action::WriteHousehold, &resource).is_allowed() {
                    return Err(ApiError::Forbidden {
                        fields: vec!["village_code".to_owned()],
                    });
                }
                check_id_number_free(conn, &vault, &personal.id_number, None)?;
                let now = persistence::now();
                let household = Household {
                    id: uuid::Uuid::now_v7(),
                    village_code,
                    personal,
                    members: body.members,
                    category: body.category,
                    special_groups,
                    risk_eliminated: body.risk_eliminated,
                    note,
                    version: 1,
                    created_at: now,
                    updated_at: now,
                };
                store::insert_household(conn, &HouseholdRow::seal(&household, &vault)?)?;
                let entry = Entry {
                    entity: "household",
                    entity_id: household.id.to_string(),
                    action: "create",
                    changes: created_changes(&household),
                };
                Ok(Written::new(household.id, vec![entry]))
            })?;
            listing(conn, id)
        })
        .await?;
    Ok(HttpResponse::Created()
        .insert_header((
            header::LOCATION,
            format!("/api/v1/households/{}", created.id),
        ))
        .insert_header(header::ETag(etag(created.version)))
        .json(created))
}

/// Get a household, masked (404 unless you may see it).
#[utoipa::path(
    tag = "households",
    params(("id" = uuid::Uuid, Path, description = "Household id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The household, personal data masked", body = HouseholdBody, headers(("ETag" = String, description = "Its version"))),
        (status = 304, description = "Unchanged since the `If-None-Match` version"),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such household, or not yours to see", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/households/{id}")]
pub async fn get_household(
    state: web::Data<AppState>,
    req: HttpRequest,
    auth: Authenticated,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = uuid::Uuid::parse_str(&id).map_err(|_| ApiError::NotFound)?;
    let actor = auth.actor.clone();
    let body = state
        .db(move |conn| {
            authorized_household(conn, &actor, id, Action::ReadHousehold)?;
            listing(conn, id)
        })
        .await?;
    Ok(with_etag(&req, body.version, body))
}

/// Change a household (the county officer of its county, province admins), under
/// `If-Match`. Personal data changes are journaled by their masked forms.
#[utoipa::path(
    tag = "households",
    params(("id" = uuid::Uuid, Path, description = "Household id"),
        ("If-Match" = String, Header, description = "The ETag from GET")),
    request_body = UpdateHousehold,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Changed", body = HouseholdBody, headers(("ETag" = String, description = "The new version"))),
        (status = 400, description = "The body is not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not yours to change", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such household, or not yours to see", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Another household has this ID number", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "Changed since your ETag", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "The body is not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A field is invalid", body = Problem, content_type = "application/problem+json"),
        (status = 428, description = "`If-Match` is missing", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/households/{id}")]
pub async fn update_household(
    state: web::Data<AppState>,
    req: HttpRequest,
    auth: Authenticated,
    id: web::Path<String>,
    if_match: IfMatch,
    body: JsonBody<UpdateHousehold>,
) -> Result<HttpResponse, ApiError> {
    let id = uuid::Uuid::parse_str(&id).map_err(|_| ApiError::NotFound)?;
    let patch = body.0;
    let mut errors = Vec::new();
    let head_name = patch.head_name.as_deref().and_then(|raw| {
        household::parse_head_name(raw)
            .map_err(|v| errors.push(FieldError::new("head_name", v)))
            .ok()
    });
    let id_number = patch.id_number.as_deref().and_then(|raw| {
        IdNumber::parse_as_of(raw, state.clock.today())
            .map_err(|v| errors.push(FieldError::new("id_number", v)))
            .ok()
    });
    let phone = match &patch.phone {
        None => None,
        Some(raw) => match raw.as_deref().map(str::trim).filter(|p| !p.is_empty()) {
            None => Some(None),
            Some(raw) => Phone::parse(raw)
                .map_err(|v| errors.push(FieldError::new("phone", v)))
                .ok()
                .map(Some),
        },
    };
    if let Some(Err(e)) = patch.members.map(household::check_members) {
        errors.push(e);
    }
    let note = patch
        .note
        .map(household::check_note)
        .transpose()
        .map_err(|e| errors.push(e))
        .ok()
        .flatten();
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let actor = auth.actor.clone();
    let vault = state.vault.clone();
    let context = auth::write_context(&req, Some(&auth.actor));
    let body = state
        .db(move |conn| {
            journal::write::<_, ApiError, _>(conn, &context, |conn| {
                let row = authorized_household(conn, &actor, id, Action::WriteHousehold)?;
                if_match.check(row.version)?;
                let current = row.open(&vault).map_err(vault_error)?;
                let mut next = current.clone();
                if let Some(raw) = &patch.village_code {
                    let code = village(conn, raw)?;
                    let county = county_of(&code)?;
                    let resource = household_resource(conn, &actor, &county)?;
                    if !authorize(Some(&actor), Action::WriteHousehold, &resource).is_allowed() {
                        return Err(ApiError::Forbidden {
                            fields: vec!["village_code".to_owned()],
                        });
                    }
                    next.village_code = code;
                }
                if let Some(name) = head_name {
                    next.personal.head_name = name;
                }
                if let Some(number) = id_number {
                    if number != current.personal.id_number {
                        check_id_number_free(conn, &vault, &number, Some(id))?;
                    }
                    next.personal.id_number = number;
                }
                if let Some(phone) = phone {
                    next.personal.phone = phone;
                }
                if let Some(members) = patch.members {
                    next.members = members;
                }
                if let Some(category) = patch.category {
                    next.category = category;
                }
                if let Some(groups) = patch.special_groups {
                    next.special_groups = household::special_groups_set(groups);
                }
                if let Some(eliminated) = patch.risk_eliminated {
                    next.risk_eliminated = eliminated;
                }
                if let Some(note) = note {
                    next.note = note;
                }
                let changes = household_changes(&current, &next);
                if changes.is_empty() {
                    return Ok(Written::unchanged(()));
                }
                next.version += 1;
                next.updated_at = persistence::now();
                let next_row = if next.personal == current.personal {
                    // Nothing personal changed: keep the sealed values as they are.
                    let mut sealed = HouseholdRow::seal(&next, &vault)?;
                    sealed.head_name_sealed = row.head_name_sealed;
                    sealed.id_number_sealed = row.id_number_sealed;
                    sealed.id_number_index = row.id_number_index;
                    sealed.phone_sealed = row.phone_sealed;
                    sealed
                } else {
                    HouseholdRow::seal(&next, &vault)?
                };
                store::update_household(conn, &next_row)?;
                if next.village_code != current.village_code {
                    let county = county_of(&next.village_code)?;
                    store::move_wishes(conn, id, &next.village_code, &county)?;
                }
                let entry = Entry {
                    entity: "household",
                    entity_id: id.to_string(),
                    action: "update",
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

/// The changes between two versions of a household; personal data by masked forms.
fn household_changes(before: &Household, after: &Household) -> Changes {
    let mut c = Changes::new();
    let (b, a) = (before.personal.masked(), after.personal.masked());
    c.compare(
        "village_code",
        &before.village_code.to_string(),
        &after.village_code.to_string(),
    );
    if before.personal.head_name != after.personal.head_name {
        c.masked("head_name", &b.head_name, &a.head_name);
    }
    if before.personal.id_number != after.personal.id_number {
        c.masked("id_number", &b.id_number, &a.id_number);
    }
    if before.personal.phone != after.personal.phone {
        c.masked("phone", &b.phone, &a.phone);
    }
    c.compare("members", &before.members, &after.members);
    c.compare("category", &before.category, &after.category);
    c.compare(
        "special_groups",
        &before.special_groups,
        &after.special_groups,
    );
    c.compare(
        "risk_eliminated",
        &before.risk_eliminated,
        &after.risk_eliminated,
    );
    c.compare("note", &before.note, &after.note);
    c
}

/// Why personal data is read.
#[derive(Debug, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RevealQuery {
    /// Why you need the full values (5–200 characters); kept in the audit log.
    #[param(min_length = 5, max_length = 200, example = "入户核实帮扶需求")]
    reason: String,
}

impl FromRequest for RevealQuery {
    type Error = ApiError;
    type Future = std::future::Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        let mut reader = QueryReader::parse(req.query_string());
        let reason = reader.text("reason");
        let result = reader.finish().and_then(|()| {
            let reason = reason.map(|r| r.trim().to_owned()).unwrap_or_default();
            let violation = match reason.chars().count() {
                0 => Some(Violation::Required),
                n if n < REASON_MIN => Some(Violation::TooShort { min: REASON_MIN }),
                n if n > REASON_MAX => Some(Violation::TooLong { max: REASON_MAX }),
                _ => None,
            };
            match violation {
                Some(v) => Err(ApiError::Validation(vec![FieldError::new("reason", v)])),
                None => Ok(RevealQuery { reason }),
            }
        });
        std::future::ready(result)
    }
}

/// Read a household's personal data in full (the county officer of its county,
/// province admins). Each read is written to the audit log (`reveal_personal_data`)
/// with its reason. Never cached.
#[utoipa::path(
    tag = "households",
    params(("id" = uuid::Uuid, Path, description = "Household id"), RevealQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The personal data in clear", body = PersonalDataBody),
        (status = 400, description = "A parameter cannot be read", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "You may see the household, masked, but not its personal data", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such household, or not yours to see", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "No reason, or one too short or too long", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/households/{id}/personal-data")]
pub async fn reveal_personal_data(
    state: web::Data<AppState>,
    req: HttpRequest,
    auth: Authenticated,
    id: web::Path<String>,
    query: RevealQuery,
) -> Result<HttpResponse, ApiError> {
    let id = uuid::Uuid::parse_str(&id).map_err(|_| ApiError::NotFound)?;
    let actor = auth.actor.clone();
    let vault = state.vault.clone();
    let context = auth::write_context(&req, Some(&auth.actor));
    let reason = query.reason;
    let body = state
        .db(move |conn| {
            let row = authorized_household(conn, &actor, id, Action::RevealPersonalData)?;
            let personal = row.open_personal_data(&vault).map_err(vault_error)?;
            let mut changes = Changes::new();
            changes.created("reason", &reason);
            changes.created("fields", &["head_name", "id_number", "phone"]);
            journal::audit_only(
                conn,
                &context,
                &Entry {
                    entity: "household",
                    entity_id: id.to_string(),
                    action: "reveal_personal_data",
                    changes,
                },
            )?;
            Ok(PersonalDataBody {
                household_id: id,
                head_name: personal.head_name,
                id_number: personal.id_number.as_str().to_owned(),
                phone: personal.phone.map(|p| p.as_str().to_owned()),
                reason,
            })
        })
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header((header::PRAGMA, "no-cache"))
        .json(body))
}

// --- Assistance -----------------------------------------------------------------------

/// Help given to a household.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = Assistance)]
pub struct AssistanceBody {
    pub id: uuid::Uuid,
    pub household_id: uuid::Uuid,
    pub organization_id: uuid::Uuid,
    pub organization_name: String,
    pub kind: AssistanceKind,
    pub given_on: NaiveDate,
    pub value_fen: i64,
    pub description: String,
    /// The wish whose fulfilment this records, if any.
    pub wish_id: Option<uuid::Uuid>,
    pub created_by: Option<uuid::Uuid>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<store::AssistanceListing> for AssistanceBody {
    fn from(a: store::AssistanceListing) -> Self {
        AssistanceBody {
            id: a.id,
            household_id: a.household_id,
            organization_id: a.organization_id,
            organization_name: a.organization_name,
            kind: a.kind,
            given_on: a.given_on,
            value_fen: a.value_fen,
            description: a.description,
            wish_id: a.wish_id,
            created_by: a.created_by,
            created_at: a.created_at,
            updated_at: a.updated_at,
        }
    }
}

#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct CreateAssistance {
    /// An organization user's own by default; county officers and province admins
    /// name the organization that helped.
    pub organization_id: Option<uuid::Uuid>,
    pub kind: AssistanceKind,
    /// Not in the future.
    pub given_on: NaiveDate,
    /// The value of the help, in fen (default 0).
    #[serde(default)]
    #[schema(minimum = 0, maximum = 10_000_000_000_i64)]
    #[validate(range(min = 0, max = limit::ASSISTANCE_FEN))]
    pub value_fen: i64,
    #[schema(min_length = 1, max_length = 1_000)]
    #[validate(length(max = limit::HOUSEHOLD_TEXT))]
    pub description: String,
}

/// A household's assistance records, latest first (whoever sees the household).
#[utoipa::path(
    tag = "households",
    params(("id" = uuid::Uuid, Path, description = "Household id"), PageParams),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "A page of assistance records", body = Paged<AssistanceBody>),
        (status = 400, description = "A parameter cannot be read", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such household, or not yours to see", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A parameter is out of range", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/households/{id}/assistance")]
pub async fn list_assistance(
    state: web::Data<AppState>,
    auth: Authenticated,
    id: web::Path<String>,
    query: ListQuery<NoFilter>,
) -> Result<web::Json<Paged<AssistanceBody>>, ApiError> {
    let id = uuid::Uuid::parse_str(&id).map_err(|_| ApiError::NotFound)?;
    let page = query.page;
    let actor = auth.actor.clone();
    let listed = state
        .db(move |conn| {
            authorized_household(conn, &actor, id, Action::ReadHousehold)?;
            Ok(store::list_assistance(conn, id, page)?)
        })
        .await?;
    Ok(web::Json(Paged::new(listed, page, AssistanceBody::from)))
}

/// No filters: only the page.
#[derive(Debug)]
pub struct NoFilter;

/// The assistance list has one order (latest first).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GivenOn {
    GivenOn,
}

impl domain::listing::SortField for GivenOn {
    const NAMES: &'static [&'static str] = &["given_on"];
    const DEFAULT: domain::listing::Sort<Self> = domain::listing::Sort {
        field: GivenOn::GivenOn,
        descending: true,
    };

    fn from_name(name: &str) -> Option<Self> {
        (name == "given_on").then_some(GivenOn::GivenOn)
    }
}

impl ListFilter for NoFilter {
    type Sort = GivenOn;

    fn read(_: &mut QueryReader) -> Self {
        NoFilter
    }
}

/// Record help given to a household: an organization user for its organization, in a
/// county it is paired with; the county officer (or a province admin) for any
/// organization.
#[utoipa::path(
    tag = "households",
    params(("id" = uuid::Uuid, Path, description = "Household id")),
    request_body = CreateAssistance,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Recorded", body = AssistanceBody,
            headers(("Location" = String, description = "The household's assistance list"))),
        (status = 400, description = "The body is not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not yours to record (or another organization named)", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such household, or not yours to see", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The organization is not active", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "The body is not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A field is invalid", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/households/{id}/assistance")]
pub async fn create_assistance(
    state: web::Data<AppState>,
    req: HttpRequest,
    auth: Authenticated,
    id: web::Path<String>,
    body: JsonBody<CreateAssistance>,
) -> Result<HttpResponse, ApiError> {
    let id = uuid::Uuid::parse_str(&id).map_err(|_| ApiError::NotFound)?;
    let body = body.0;
    let description = household::check_assistance(
        body.given_on,
        body.value_fen,
        &body.description,
        state.clock.today(),
    )
    .map_err(ApiError::Validation)?;
    let organization_id = auth::acting_organization(body.organization_id, &auth.actor)?;
    if auth.actor.role == Role::OrgUser && auth.actor.scope != Scope::Organization(organization_id)
    {
        return Err(ApiError::Forbidden {
            fields: vec!["organization_id".to_owned()],
        });
    }
    let actor = auth.actor.clone();
    let context = auth::write_context(&req, Some(&auth.actor));
    let created = state
        .db(move |conn| {
            let record_id = journal::write::<_, ApiError, _>(conn, &context, |conn| {
                authorized_household(conn, &actor, id, Action::RecordAssistance)?;
                check_organization_active(conn, organization_id)?;
                let now = persistence::now();
                let record = Assistance {
                    id: uuid::Uuid::now_v7(),
                    household_id: id,
                    organization_id,
                    kind: body.kind,
                    given_on: body.given_on,
                    value_fen: body.value_fen,
                    description,
                    wish_id: None,
                    created_by: actor.user_id,
                    created_at: now,
                    updated_at: now,
                };
                store::insert_assistance(conn, &record)?;
                let entry = assistance_entry(&record);
                Ok(Written::new(record.id, vec![entry]))
            })?;
            store::find_assistance(conn, record_id)?.ok_or(ApiError::NotFound)
        })
        .await?;
    Ok(HttpResponse::Created()
        .insert_header((
            header::LOCATION,
            format!("/api/v1/households/{id}/assistance"),
        ))
        .json(AssistanceBody::from(created)))
}

// --- Counts ---------------------------------------------------------------------------

/// A count per code.
#[derive(Debug, Serialize, ToSchema)]
pub struct CodeCount {
    pub code: String,
    pub count: i64,
}

/// Household figures (百会兴万户) against the plan's target: counts, never a person.
#[derive(Debug, Serialize, ToSchema)]
pub struct HouseholdStats {
    /// The region the figures cover: the caller's prefecture or county, or the province.
    #[schema(example = "53")]
    pub region_code: String,
    pub households: i64,
    pub risk_eliminated: i64,
    /// Distinct households with at least one assistance record.
    pub households_helped: i64,
    #[schema(example = 10000)]
    pub target: i64,
    /// `households_helped / target`, at most 1.
    pub progress: f64,
    pub assistance_records: i64,
    pub assistance_value_fen: i64,
    pub by_category: Vec<CodeCount>,
    pub by_special_group: Vec<CodeCount>,
    pub wishes_by_status: Vec<CodeCount>,
}

/// Household figures (any signed-in account; officers see their region's).
#[utoipa::path(
    tag = "stats",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The figures", body = HouseholdStats),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/stats/households")]
pub async fn get_household_stats(
    state: web::Data<AppState>,
    auth: Authenticated,
) -> Result<web::Json<HouseholdStats>, ApiError> {
    let region = match &auth.actor.scope {
        Scope::Prefecture(code) | Scope::County(code) => Some(code.clone()),
        _ => None,
    };
    let region_code = region
        .as_ref()
        .map_or_else(|| "53".to_owned(), |c| c.to_string());
    let counts = state
        .db(move |conn| Ok(store::household_counts(conn, region.as_ref())?))
        .await?;
    let pairs = |v: Vec<(String, i64)>| {
        v.into_iter()
            .map(|(code, count)| CodeCount { code, count })
            .collect::<Vec<_>>()
    };
    Ok(web::Json(HouseholdStats {
        region_code,
        households: counts.households,
        risk_eliminated: counts.risk_eliminated,
        households_helped: counts.helped,
        target: HOUSEHOLDS_TARGET,
        progress: (counts.helped as f64 / HOUSEHOLDS_TARGET as f64).min(1.0),
        assistance_records: counts.assistance_records,
        assistance_value_fen: counts.assistance_value_fen,
        by_category: pairs(
            counts
                .by_category
                .into_iter()
                .map(|(c, n)| (c.as_str().to_owned(), n))
                .collect(),
        ),
        by_special_group: pairs(
            counts
                .by_special_group
                .into_iter()
                .map(|(g, n)| (g.as_str().to_owned(), n))
                .collect(),
        ),
        wishes_by_status: pairs(
            counts
                .wishes_by_status
                .into_iter()
                .map(|(s, n): (WishStatus, i64)| (s.as_str().to_owned(), n))
                .collect(),
        ),
    }))
}
