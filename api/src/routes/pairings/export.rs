//! `GET /exports/pairings.csv|.xlsx`: the pairing list as the province's spreadsheets,
//! with the list's filters.

use actix_web::{get, web, HttpResponse};
use domain::pairing::PairingStatus;
use domain::policy::{authorize, Action, Resource};
use domain::Rule;
use domain::{FieldError, KeyCounty};
use persistence::pairings as pairing_store;

use super::{PairingQuery, PairingSortParam};
use crate::auth::Authenticated;
use crate::error::{ApiError, Problem};
use crate::extract::FilterQuery;
use crate::spreadsheet::{self, Cell};
use crate::state::AppState;

/// The export's columns, as the province's list names them.
const EXPORT_HEADERS: &[&str] = &[
    "序号",
    "社会组织名称",
    "统一社会信用代码",
    "州（市）",
    "县（市、区）",
    "县代码",
    "重点帮扶县",
    "批次",
    "状态",
    "结对日期",
    "协议签订期限",
    "协议编号",
    "协议签订日期",
    "是否逾期",
    "终止日期",
];

/// At most this many rows in one export; more must be narrowed with filters.
pub const EXPORT_LIMIT: usize = 100_000;

fn status_label(status: PairingStatus) -> &'static str {
    match status {
        PairingStatus::PendingAgreement => "待签协议",
        PairingStatus::Signed => "已签协议",
        PairingStatus::Terminated => "已终止",
    }
}

fn key_county_label(key: Option<KeyCounty>) -> &'static str {
    match key {
        Some(KeyCounty::National) => "国家乡村振兴重点帮扶县",
        Some(KeyCounty::Provincial) => "省级乡村振兴重点帮扶县",
        None => "",
    }
}

/// The export's rows: agreement numbers only where the caller may see them.
async fn export_rows(
    state: &web::Data<AppState>,
    auth: &Authenticated,
    query: FilterQuery<PairingQuery>,
) -> Result<Vec<Vec<Cell>>, ApiError> {
    let FilterQuery { filter, sort } = query;
    let filter = filter.into_filter(state.clock.today());
    let listings = state
        .db(move |conn| {
            Ok(pairing_store::all_pairings(
                conn,
                &filter,
                sort,
                EXPORT_LIMIT as i64 + 1,
            )?)
        })
        .await?;
    if listings.len() > EXPORT_LIMIT {
        return Err(ApiError::Validation(vec![FieldError::rule(
            "query",
            Rule::TooManyRows {
                max: EXPORT_LIMIT,
                export: true,
            },
        )]));
    }
    let today = state.clock.today();
    let date = |d: Option<chrono::NaiveDate>| d.map_or(Cell::Empty, Cell::Date);
    Ok(listings
        .into_iter()
        .enumerate()
        .map(|(i, l)| {
            let p = &l.pairing;
            let details = authorize(
                Some(&auth.actor),
                Action::ReadPairingDetails,
                &Resource::Pairing {
                    organization_id: p.organization_id,
                    county_code: &p.county_code,
                },
            )
            .is_allowed();
            vec![
                Cell::Number((i + 1) as f64),
                Cell::Text(l.organization_name.clone()),
                Cell::Text(l.organization_credit_code.clone()),
                Cell::Text(l.prefecture_name.clone()),
                Cell::Text(l.county_name.clone()),
                Cell::Text(p.county_code.to_string()),
                Cell::Text(key_county_label(l.key_county).to_owned()),
                Cell::Number(f64::from(p.batch)),
                Cell::Text(status_label(p.status).to_owned()),
                Cell::Date(p.established_on),
                Cell::Date(p.agreement_deadline),
                match (&p.agreement_no, details) {
                    (Some(no), true) => Cell::Text(no.clone()),
                    _ => Cell::Empty,
                },
                date(p.agreement_signed_on),
                Cell::Text(if p.is_overdue(today) { "是" } else { "否" }.to_owned()),
                date(p.terminated_on),
            ]
        })
        .collect())
}

/// Export the pairing list as CSV (UTF-8 with BOM; Chinese column headers), with the
/// list's filters (any signed-in account).
#[utoipa::path(
    tag = "exchange",
    params(PairingQuery, PairingSortParam),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The pairing list", body = String, content_type = "text/csv"),
        (status = 400, description = "A parameter cannot be read", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A parameter is out of range, or too many rows", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/exports/pairings.csv")]
pub async fn export_pairings_csv(
    state: web::Data<AppState>,
    auth: Authenticated,
    query: FilterQuery<PairingQuery>,
) -> Result<HttpResponse, ApiError> {
    let rows = export_rows(&state, &auth, query).await?;
    let bytes = web::block(move || spreadsheet::write_csv(EXPORT_HEADERS, &rows)).await??;
    Ok(spreadsheet::attachment(
        "text/csv; charset=utf-8",
        "pairings.csv",
        bytes,
    ))
}

/// Export the pairing list as XLSX (dates as dates), with the list's filters (any
/// signed-in account).
#[utoipa::path(
    tag = "exchange",
    params(PairingQuery, PairingSortParam),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The pairing list", body = Vec<u8>,
            content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        (status = 400, description = "A parameter cannot be read", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A parameter is out of range, or too many rows", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/exports/pairings.xlsx")]
pub async fn export_pairings_xlsx(
    state: web::Data<AppState>,
    auth: Authenticated,
    query: FilterQuery<PairingQuery>,
) -> Result<HttpResponse, ApiError> {
    let rows = export_rows(&state, &auth, query).await?;
    let bytes =
        web::block(move || spreadsheet::write_xlsx("结对帮扶", EXPORT_HEADERS, &rows)).await??;
    Ok(spreadsheet::attachment(
        spreadsheet::XLSX,
        "pairings.xlsx",
        bytes,
    ))
}
