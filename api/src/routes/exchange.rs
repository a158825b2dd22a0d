//! The pairing list as spreadsheets: `POST /imports/pairings` (CSV or XLSX, with a dry
//! run; all or nothing) and `GET /exports/pairings.csv|.xlsx`.

use std::collections::{HashMap, HashSet};

use actix_web::http::header;
use actix_web::{post, web, FromRequest, HttpRequest, HttpResponse};
use domain::organization::{OrgStatus, Organization};
use domain::pairing::{self, Pairing, PairingStatus};
use domain::pairing_import::{self, CountyRef, OrganizationRef, RowAction};
use domain::policy::{authorize, Action, Resource};
use domain::Rule;
use domain::{FieldError, RegionLevel};
use futures_util::StreamExt;
use persistence::households::{self as household_store, HouseholdRow};
use persistence::journal::{self, Written};
use persistence::organizations::{self as org_store, OrganizationRow};
use persistence::pairings::{self as pairing_store, PairingRow};
use serde::Serialize;
use utoipa::{IntoParams, ToSchema};

use crate::auth::{self, Authenticated};
use crate::error::{ApiError, Problem};
use crate::extract::QueryReader;
use crate::services;
use crate::spreadsheet::{self};
use crate::state::AppState;

/// Whether to change anything.
#[derive(Debug, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ImportQuery {
    /// Check and report only; store nothing.
    #[param(default = false)]
    dry_run: Option<bool>,
}

impl FromRequest for ImportQuery {
    type Error = ApiError;
    type Future = std::future::Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        let mut reader = QueryReader::parse(req.query_string());
        let query = ImportQuery {
            dry_run: reader.boolean("dry_run"),
        };
        std::future::ready(reader.finish().map(|()| query))
    }
}

/// What one row does.
#[derive(Debug, Serialize, ToSchema)]
pub struct ImportItem {
    /// As the spreadsheet numbers it (the header is row 1).
    pub row: usize,
    /// `create_pairing`, or `unchanged` when the pairing exists already.
    #[schema(example = "create_pairing")]
    pub action: String,
    pub organization_name: String,
    pub credit_code: String,
    /// `existing`, or `create` when the import registers the organization.
    #[schema(example = "existing")]
    pub organization: String,
    pub county_code: String,
    pub batch: i32,
}

/// One problem in the sheet.
#[derive(Debug, Serialize, ToSchema)]
pub struct ImportError {
    pub row: usize,
    /// `organization_name`, `credit_code`, `county`, `county_code` or `batch`.
    pub column: String,
    pub code: String,
    pub message: String,
}

/// What an import did, or (with `dry_run`) would do.
#[derive(Debug, Serialize, ToSchema)]
pub struct ImportReport {
    pub dry_run: bool,
    /// No errors: the import was (or would be) stored.
    pub valid: bool,
    pub rows_read: usize,
    pub organizations_created: usize,
    pub pairings_created: usize,
    pub unchanged: usize,
    pub items: Vec<ImportItem>,
    /// The first 200 problems (`ERRORS_LISTED_MAX`), in row order.
    pub errors: Vec<ImportError>,
    /// Every problem found, listed or not.
    pub errors_total: usize,
    /// The same problems, for the 422 of an import that is refused.
    #[serde(skip)]
    #[schema(ignore)]
    row_errors: Vec<pairing_import::RowError>,
}

/// The upload's media type: CSV or XLSX, else 415.
fn upload_media_type(req: &HttpRequest) -> Result<String, ApiError> {
    let media_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(|v| v.trim().to_ascii_lowercase())
        .unwrap_or_default();
    if matches!(
        media_type.as_str(),
        spreadsheet::CSV | spreadsheet::XLSX | "application/csv"
    ) {
        Ok(media_type)
    } else {
        Err(ApiError::UnsupportedMediaType)
    }
}

/// The uploaded sheet (CSV or XLSX, within `MAX_IMPORT_BYTES` and the sheet
/// ceilings): its header row and the rows below it, in the import's `columns` only;
/// an empty file is a 422.
async fn read_sheet(
    req: &HttpRequest,
    payload: web::Payload,
    state: &AppState,
    columns: &'static [(&'static str, &'static [&'static str])],
) -> Result<(Vec<String>, Vec<Vec<String>>), ApiError> {
    let media_type = upload_media_type(req)?;
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    let bytes = read_upload(payload, state.max_import_bytes, declared).await?;
    let limits = state.sheet_limits;
    let table = web::block(move || {
        spreadsheet::read_table(&media_type, &bytes, limits, &|header| {
            spreadsheet::column_of(header, columns).is_some()
        })
    })
    .await??;
    if table.blank {
        return Err(ApiError::Validation(vec![FieldError::rule(
            "body",
            Rule::EmptyFile,
        )]));
    }
    Ok((table.header, table.rows))
}

/// Reads the upload within `MAX_IMPORT_BYTES`.
async fn read_upload(
    mut payload: web::Payload,
    limit: usize,
    declared: Option<usize>,
) -> Result<Vec<u8>, ApiError> {
    if declared.is_some_and(|n| n > limit) {
        return Err(ApiError::PayloadTooLarge { limit: Some(limit) });
    }
    // Sized once from Content-Length when there is one, rather than doubled as it grows.
    let mut bytes = Vec::with_capacity(declared.unwrap_or(0));
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|e| ApiError::MalformedBody(e.to_string()))?;
        if bytes.len() + chunk.len() > limit {
            return Err(ApiError::PayloadTooLarge { limit: Some(limit) });
        }
        bytes.extend_from_slice(&chunk);
    }
    Ok(bytes)
}

/// Import the pairing list (province admins).
///
/// A CSV (`text/csv`: UTF-8 with or without BOM, or GB18030) or XLSX file whose first
/// row names the columns in Chinese or English: `组织名称`/`organization_name`,
/// `统一社会信用代码`/`credit_code`, `县`/`县（市、区）`/`county` (a name or a code) or
/// `县代码`/`county_code`, and optionally `批次`/`batch` (default 1). Organizations not
/// yet registered are created from their row (type, level and registration region
/// follow from the credit code). Pairings that exist already are left as they are.
/// With `dry_run=true` nothing is stored and the report says what would happen.
/// Otherwise it is all or nothing: any bad row is a 422 listing every problem, and
/// nothing is stored.
#[utoipa::path(
    tag = "exchange",
    params(ImportQuery),
    request_body(description = "The spreadsheet", content(
        (Vec<u8> = "text/csv"),
        (Vec<u8> = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    )),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Imported, or the dry run's report", body = ImportReport),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not a province admin", body = Problem, content_type = "application/problem+json"),
        (status = 400, description = "A parameter cannot be read", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "The file is larger than MAX_IMPORT_BYTES", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Neither CSV nor XLSX", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Bad rows (each named as `rows[<row>].<column>`) or an unreadable file; nothing stored",
            body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/imports/pairings")]
pub async fn import_pairings(
    state: web::Data<AppState>,
    req: HttpRequest,
    auth: Authenticated,
    query: ImportQuery,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    ApiError::from_decision(authorize(
        Some(&auth.actor),
        Action::CreatePairing,
        &Resource::Pairings,
    ))?;
    let dry_run = query.dry_run.unwrap_or(false);
    let (header_row, rows) = read_sheet(&req, payload, &state, pairing_import::COLUMNS).await?;
    let positions = pairing_import::header_columns(&header_row, |h| {
        spreadsheet::column_of(h, pairing_import::COLUMNS)
    })
    .map_err(|missing| spreadsheet::missing_columns(&missing))?;
    let lang = crate::context::request_lang(&req);
    let context = auth::write_context(&req, Some(&auth.actor));
    let today = state.clock.today();
    let report = state
        .db(move |conn| {
            journal::write::<_, ApiError, _>(conn, &context, |conn| {
                let upper = persistence::regions::upper_regions(conn)?;
                let registration_regions: HashSet<String> =
                    upper.iter().map(|r| r.code.to_string()).collect();
                let counties: Vec<CountyRef> = upper
                    .into_iter()
                    .filter(|r| r.level == RegionLevel::County)
                    .map(|r| CountyRef {
                        code: r.code,
                        name: r.name,
                        full_name: r.full_name,
                    })
                    .collect();
                let mut organizations = HashMap::new();
                let mut active_names = HashMap::new();
                for (id, name, credit_code, status) in org_store::organization_keys(conn)? {
                    let status: OrgStatus = status
                        .parse()
                        .map_err(|_| ApiError::Internal(format!("organization {} status", id.0)))?;
                    if status == OrgStatus::Active {
                        active_names.insert(name.clone(), credit_code.clone());
                    }
                    organizations.insert(
                        credit_code,
                        OrganizationRef {
                            id: id.0,
                            name,
                            status,
                        },
                    );
                }
                let open_pairs: HashSet<(uuid::Uuid, String)> = pairing_store::open_pairs(conn)?
                    .into_iter()
                    .map(|(id, county)| (id.0, county))
                    .collect();
                let plan = pairing_import::plan(
                    &rows,
                    &positions,
                    &counties,
                    &organizations,
                    &active_names,
                    &open_pairs,
                    &registration_regions,
                );
                if dry_run || !plan.is_valid() {
                    return Ok(Written::unchanged(report(plan, dry_run, 0, lang)));
                }
                let (written, entries) = store_plan(conn, &plan, today)?;
                Ok(Written::new(report(plan, dry_run, written, lang), entries))
            })
        })
        .await?;
    if !report.valid && !dry_run {
        return Err(ApiError::Validation(
            report
                .row_errors
                .into_iter()
                .map(|e| FieldError::new(format!("rows[{}].{}", e.row, e.column), e.violation))
                .collect(),
        ));
    }
    Ok(HttpResponse::Ok().json(report))
}

fn report(
    plan: pairing_import::ImportPlan,
    dry_run: bool,
    organizations_created: usize,
    lang: domain::Lang,
) -> ImportReport {
    let new_orgs = plan.new_organizations().len();
    ImportReport {
        dry_run,
        valid: plan.is_valid(),
        rows_read: plan.read,
        organizations_created: if dry_run {
            new_orgs
        } else {
            organizations_created
        },
        pairings_created: plan
            .rows
            .iter()
            .filter(|r| r.action == RowAction::CreatePairing)
            .count(),
        unchanged: plan
            .rows
            .iter()
            .filter(|r| r.action == RowAction::Unchanged)
            .count(),
        items: plan
            .rows
            .iter()
            .map(|r| ImportItem {
                row: r.row,
                action: match r.action {
                    RowAction::CreatePairing => "create_pairing",
                    RowAction::Unchanged => "unchanged",
                }
                .to_owned(),
                organization_name: r.organization_name.clone(),
                credit_code: r.credit_code.to_string(),
                organization: if r.organization_id.is_some() {
                    "existing"
                } else {
                    "create"
                }
                .to_owned(),
                county_code: r.county_code.to_string(),
                batch: r.batch,
            })
            .collect(),
        errors: listed_errors(
            plan.errors.iter().map(|e| (e.row, e.column, &e.violation)),
            lang,
        ),
        errors_total: plan.errors.len(),
        row_errors: plan.errors,
    }
}

/// The first `ERRORS_LISTED_MAX` problems of an import, for its report: a sheet of a
/// million bad rows answers in kilobytes (`errors_total` counts them all).
fn listed_errors<'a>(
    errors: impl Iterator<Item = (usize, &'a str, &'a domain::Violation)>,
    lang: domain::Lang,
) -> Vec<ImportError> {
    errors
        .take(domain::limits::ERRORS_LISTED_MAX)
        .map(|(row, column, violation)| ImportError {
            row,
            column: column.to_owned(),
            code: violation.code().to_owned(),
            message: violation.message(lang),
        })
        .collect()
}

/// Stores a valid plan: the new organizations, then the new pairings, each in bulk.
fn store_plan(
    conn: &mut persistence::DbConnection,
    plan: &pairing_import::ImportPlan,
    today: chrono::NaiveDate,
) -> Result<(usize, Vec<journal::Entry>), ApiError> {
    let now = persistence::now();
    let mut entries = Vec::new();
    let mut created: HashMap<String, uuid::Uuid> = HashMap::new();
    let mut org_rows = Vec::new();
    for row in plan.new_organizations() {
        let registration = row.credit_code.registration().map_err(|_| {
            ApiError::Internal("planned organization without registration".to_owned())
        })?;
        let organization = Organization {
            id: uuid::Uuid::now_v7(),
            name: row.organization_name.clone(),
            credit_code: row.credit_code.clone(),
            org_type: registration.org_type,
            level: registration.level,
            sector: None,
            registration_region_code: registration.region_code,
            supervising_unit: None,
            contact_name: None,
            contact_phone: None,
            address: None,
            has_party_organization: false,
            evaluation_grade: None,
            status: OrgStatus::Active,
            version: 1,
            created_at: now,
            updated_at: now,
        };
        let mut changes = domain::Changes::new();
        changes.created("name", &organization.name);
        changes.created("credit_code", &organization.credit_code.to_string());
        changes.created("source", &"import");
        entries.push(journal::Entry {
            entity: "organization",
            entity_id: organization.id.to_string(),
            action: "create",
            changes,
        });
        created.insert(row.credit_code.to_string(), organization.id);
        org_rows.push(OrganizationRow::from(&organization));
    }
    org_store::insert_organizations(conn, &org_rows)?;
    let mut pairing_rows = Vec::new();
    for row in plan
        .rows
        .iter()
        .filter(|r| r.action == RowAction::CreatePairing)
    {
        let organization_id = match row.organization_id {
            Some(id) => id,
            None => *created
                .get(row.credit_code.as_str())
                .ok_or_else(|| ApiError::Internal("planned organization not created".to_owned()))?,
        };
        let pairing = Pairing {
            id: uuid::Uuid::now_v7(),
            organization_id,
            county_code: row.county_code.clone(),
            batch: row.batch,
            status: PairingStatus::PendingAgreement,
            established_on: today,
            agreement_deadline: pairing::default_deadline(today),
            agreement_no: None,
            agreement_signed_on: None,
            terminated_on: None,
            termination_reason: None,
            version: 1,
            created_at: now,
            updated_at: now,
        };
        entries.push(services::pairings::created_entry(&pairing));
        pairing_rows.push(PairingRow::from(&pairing));
    }
    pairing_store::insert_pairings(conn, &pairing_rows)?;
    Ok((org_rows.len(), entries))
}

/// What one household row does.
#[derive(Debug, Serialize, ToSchema)]
pub struct HouseholdImportItem {
    /// As the spreadsheet numbers it (the header is row 1).
    pub row: usize,
    /// `create_household`, or `unchanged` when a household with the row's ID number
    /// is registered already (it is left as it is).
    #[schema(example = "create_household")]
    pub action: String,
    pub village_code: String,
    /// Masked.
    #[schema(example = "张*")]
    pub head_name: String,
    /// Masked.
    #[schema(example = "530102********011X")]
    pub id_number: String,
}

/// What a household import did, or (with `dry_run`) would do. Personal data is masked
/// here too, and problems never quote the value.
#[derive(Debug, Serialize, ToSchema)]
pub struct HouseholdImportReport {
    pub dry_run: bool,
    pub valid: bool,
    pub rows_read: usize,
    pub households_created: usize,
    pub unchanged: usize,
    pub items: Vec<HouseholdImportItem>,
    /// The first 200 problems (`ERRORS_LISTED_MAX`), in row order.
    pub errors: Vec<ImportError>,
    /// Every problem found, listed or not.
    pub errors_total: usize,
}

/// Import monitored households from the monitoring system (county officers for their
/// county, province admins).
///
/// A CSV (UTF-8 with or without BOM, or GB18030) or XLSX file whose first row names
/// the columns in Chinese or English: `村代码`/`village_code`, `户主姓名`/`head_name`,
/// `身份证号`/`id_number`, `家庭人口`/`members`, `监测类别`/`category` (code or
/// 脱贫不稳定户/边缘易致贫户/突发严重困难户), and optionally `联系电话`/`phone`,
/// `特殊群体`/`special_groups` (codes or Chinese names separated by 、), `风险是否消除`/
/// `risk_eliminated` (是/否) and `备注`/`note`. A row whose ID number is registered
/// already is left as it is (`unchanged`). With `dry_run=true` nothing is stored;
/// otherwise it is all or nothing: any bad row is a 422 naming every problem as
/// `rows[<row>].<column>`, and nothing is stored.
#[utoipa::path(
    tag = "households",
    params(ImportQuery),
    request_body(description = "The spreadsheet", content(
        (Vec<u8> = "text/csv"),
        (Vec<u8> = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    )),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Imported, or the dry run's report", body = HouseholdImportReport),
        (status = 400, description = "A parameter cannot be read", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Neither a county officer nor a province admin", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "The file is larger than MAX_IMPORT_BYTES", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Neither CSV nor XLSX", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Bad rows (each named as `rows[<row>].<column>`) or an unreadable file; nothing stored",
            body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/imports/households")]
pub async fn import_households(
    state: web::Data<AppState>,
    req: HttpRequest,
    auth: Authenticated,
    query: ImportQuery,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    use domain::household_import;
    use domain::identity::Role;

    if !matches!(auth.actor.role, Role::ProvinceAdmin | Role::CountyOfficer) {
        return Err(ApiError::Forbidden { fields: Vec::new() });
    }
    let dry_run = query.dry_run.unwrap_or(false);
    let (header_row, rows) = read_sheet(&req, payload, &state, household_import::COLUMNS).await?;
    let positions = household_import::header_columns(&header_row, |h| {
        spreadsheet::column_of(h, household_import::COLUMNS)
    })
    .map_err(|missing| spreadsheet::missing_columns(&missing))?;
    let lang = crate::context::request_lang(&req);
    let actor = auth.actor.clone();
    let vault = state.vault.clone();
    let context = auth::write_context(&req, Some(&auth.actor));
    let today = state.clock.today();
    let (report, row_errors) = state
        .db(move |conn| {
            journal::write::<_, ApiError, _>(conn, &context, |conn| {
                let named: Vec<String> = positions
                    .get("village_code")
                    .map(|&i| {
                        rows.iter()
                            .filter_map(|r| r.get(i))
                            .map(|c| c.trim().to_owned())
                            .filter(|c| !c.is_empty())
                            .collect::<HashSet<_>>()
                            .into_iter()
                            .collect()
                    })
                    .unwrap_or_default();
                let villages = persistence::regions::villages_among(conn, &named)?;
                let plan = household_import::plan(
                    &rows,
                    &positions,
                    &villages,
                    |county| {
                        let resource = Resource::Household {
                            county_code: county,
                            organization_paired: false,
                        };
                        authorize(Some(&actor), Action::WriteHousehold, &resource).is_allowed()
                    },
                    today,
                );
                let indexes: Vec<Vec<String>> = plan
                    .rows
                    .iter()
                    .map(|r| vault.blind_indexes(r.personal.id_number.as_str()))
                    .collect();
                let all: Vec<String> = indexes.iter().flatten().cloned().collect();
                let taken: HashSet<String> = household_store::taken_id_number_indexes(conn, &all)?
                    .into_iter()
                    .collect();
                let exists: Vec<bool> = indexes
                    .iter()
                    .map(|ix| ix.iter().any(|i| taken.contains(i)))
                    .collect();
                let errors = listed_errors(
                    plan.errors.iter().map(|e| (e.row, e.column, &e.violation)),
                    lang,
                );
                let items: Vec<HouseholdImportItem> = plan
                    .rows
                    .iter()
                    .zip(&exists)
                    .map(|(r, exists)| {
                        let masked = r.personal.masked();
                        HouseholdImportItem {
                            row: r.row,
                            action: if *exists {
                                "unchanged"
                            } else {
                                "create_household"
                            }
                            .to_owned(),
                            village_code: r.village_code.to_string(),
                            head_name: masked.head_name,
                            id_number: masked.id_number,
                        }
                    })
                    .collect();
                let created = exists.iter().filter(|e| !**e).count();
                let report = HouseholdImportReport {
                    dry_run,
                    valid: plan.is_valid(),
                    rows_read: plan.read,
                    households_created: created,
                    unchanged: exists.len() - created,
                    items,
                    errors,
                    errors_total: plan.errors.len(),
                };
                if dry_run || !plan.is_valid() {
                    return Ok(Written::unchanged((report, plan.errors)));
                }
                let now = persistence::now();
                let mut stored = Vec::with_capacity(created);
                let mut entries = Vec::with_capacity(created);
                for (planned, _) in plan.rows.into_iter().zip(exists).filter(|(_, e)| !e) {
                    let household = domain::household::Household {
                        id: uuid::Uuid::now_v7(),
                        village_code: planned.village_code,
                        personal: planned.personal,
                        members: planned.members,
                        category: planned.category,
                        special_groups: planned.special_groups,
                        risk_eliminated: planned.risk_eliminated,
                        note: planned.note,
                        version: 1,
                        created_at: now,
                        updated_at: now,
                    };
                    stored.push(HouseholdRow::seal(&household, &vault)?);
                    entries.push(journal::Entry {
                        entity: "household",
                        entity_id: household.id.to_string(),
                        action: "import",
                        changes: crate::services::households::created_changes(&household),
                    });
                }
                household_store::insert_households(conn, &stored)?;
                Ok(Written::new((report, Vec::new()), entries))
            })
        })
        .await?;
    if !report.valid && !dry_run {
        return Err(ApiError::Validation(
            row_errors
                .into_iter()
                .map(|e| FieldError::new(format!("rows[{}].{}", e.row, e.column), e.violation))
                .collect(),
        ));
    }
    Ok(HttpResponse::Ok().json(report))
}
