//! Pairings (organization ↔ county) and the add/adjust requests that change them.

use chrono::NaiveDate;
use diesel::prelude::*;
use domain::listing::{PageRequest, Sort, SortField};
use domain::pairing::{
    Pairing, PairingListing, PairingRequest, PairingStatus, RequestKind, RequestStatus,
};
use domain::{KeyCounty, KeyCountyFilter, RegionCode};

use crate::db::{DbConnection, MultiBackend};
use crate::dialect::{DbTimestamp, DbUuid};
use crate::schema::{organizations, pairing_requests, pairings, regions};
use crate::{Listed, Visibility};

/// A row of `pairings`, column for column.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = pairings)]
pub struct PairingRow {
    pub id: DbUuid,
    pub organization_id: DbUuid,
    pub county_code: String,
    pub batch: i32,
    pub status: String,
    pub established_on: NaiveDate,
    pub agreement_deadline: NaiveDate,
    pub agreement_no: Option<String>,
    pub agreement_signed_on: Option<NaiveDate>,
    pub terminated_on: Option<NaiveDate>,
    pub termination_reason: Option<String>,
    pub version: i32,
    pub created_at: DbTimestamp,
    pub updated_at: DbTimestamp,
}

fn corrupt(what: String) -> diesel::result::Error {
    diesel::result::Error::DeserializationError(what.into())
}

impl TryFrom<PairingRow> for Pairing {
    type Error = diesel::result::Error;

    fn try_from(row: PairingRow) -> Result<Self, Self::Error> {
        Ok(Pairing {
            id: row.id.0,
            organization_id: row.organization_id.0,
            county_code: RegionCode::parse(&row.county_code)
                .map_err(|_| corrupt(format!("pairing {} county", row.id.0)))?,
            batch: row.batch,
            status: row
                .status
                .parse::<PairingStatus>()
                .map_err(|_| corrupt(format!("pairing {} status", row.id.0)))?,
            established_on: row.established_on,
            agreement_deadline: row.agreement_deadline,
            agreement_no: row.agreement_no,
            agreement_signed_on: row.agreement_signed_on,
            terminated_on: row.terminated_on,
            termination_reason: row.termination_reason,
            version: row.version,
            created_at: row.created_at.0,
            updated_at: row.updated_at.0,
        })
    }
}

impl From<&Pairing> for PairingRow {
    fn from(p: &Pairing) -> Self {
        PairingRow {
            id: DbUuid(p.id),
            organization_id: DbUuid(p.organization_id),
            county_code: p.county_code.as_str().to_owned(),
            batch: p.batch,
            status: p.status.as_str().to_owned(),
            established_on: p.established_on,
            agreement_deadline: p.agreement_deadline,
            agreement_no: p.agreement_no.clone(),
            agreement_signed_on: p.agreement_signed_on,
            terminated_on: p.terminated_on,
            termination_reason: p.termination_reason.clone(),
            version: p.version,
            created_at: DbTimestamp(p.created_at),
            updated_at: DbTimestamp(p.updated_at),
        }
    }
}

/// The columns a pairing's state changes touch.
#[derive(Debug, Clone, AsChangeset)]
#[diesel(table_name = pairings, treat_none_as_null = true)]
struct PairingChangeset {
    status: String,
    agreement_no: Option<String>,
    agreement_signed_on: Option<NaiveDate>,
    terminated_on: Option<NaiveDate>,
    termination_reason: Option<String>,
    version: i32,
    updated_at: DbTimestamp,
}

pub fn insert_pairing(conn: &mut DbConnection, pairing: &Pairing) -> QueryResult<()> {
    diesel::insert_into(pairings::table)
        .values(PairingRow::from(pairing))
        .execute(conn)
        .map(|_| ())
}

/// Inserts many pairings: one multi-row statement per chunk on PostgreSQL.
pub fn insert_pairings(conn: &mut DbConnection, rows: &[PairingRow]) -> QueryResult<()> {
    for chunk in rows.chunks(500) {
        crate::insert_all!(conn, pairings::table, chunk)?;
    }
    Ok(())
}

/// Stores a pairing's new state (status, agreement, termination), as `pairing` has it.
pub fn update_pairing(conn: &mut DbConnection, pairing: &Pairing) -> QueryResult<()> {
    diesel::update(pairings::table.find(DbUuid(pairing.id)))
        .set(PairingChangeset {
            status: pairing.status.as_str().to_owned(),
            agreement_no: pairing.agreement_no.clone(),
            agreement_signed_on: pairing.agreement_signed_on,
            terminated_on: pairing.terminated_on,
            termination_reason: pairing.termination_reason.clone(),
            version: pairing.version,
            updated_at: DbTimestamp(pairing.updated_at),
        })
        .execute(conn)
        .map(|_| ())
}

pub fn find_pairing(conn: &mut DbConnection, id: uuid::Uuid) -> QueryResult<Option<Pairing>> {
    pairings::table
        .find(DbUuid(id))
        .select(PairingRow::as_select())
        .first(conn)
        .optional()?
        .map(Pairing::try_from)
        .transpose()
}

/// True when the organization has a pairing with the county that is not terminated.
pub fn open_pairing_exists(
    conn: &mut DbConnection,
    organization_id: uuid::Uuid,
    county: &RegionCode,
) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        pairings::table
            .filter(pairings::organization_id.eq(DbUuid(organization_id)))
            .filter(pairings::county_code.eq(county.as_str()))
            .filter(pairings::status.ne(PairingStatus::Terminated.as_str())),
    ))
    .get_result(conn)
}

/// Every (organization, county) pair with an open pairing (for imports).
pub fn open_pairs(conn: &mut DbConnection) -> QueryResult<Vec<(DbUuid, String)>> {
    pairings::table
        .filter(pairings::status.ne(PairingStatus::Terminated.as_str()))
        .select((pairings::organization_id, pairings::county_code))
        .load(conn)
}

diesel::alias!(regions as pairing_prefecture: PairingPrefecture);

/// Filters of `GET /pairings` and its exports.
#[derive(Debug, Clone, Default)]
pub struct PairingFilter {
    pub organization_id: Option<uuid::Uuid>,
    pub county: Option<RegionCode>,
    pub prefecture: Option<RegionCode>,
    pub status: Option<PairingStatus>,
    pub batch: Option<i32>,
    pub key_county: Option<KeyCountyFilter>,
    /// With the Shanghai date to judge it by.
    pub overdue: Option<(bool, NaiveDate)>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PairingSort {
    EstablishedOn,
    AgreementDeadline,
    CreatedAt,
    CountyCode,
}

impl SortField for PairingSort {
    const NAMES: &'static [&'static str] = &[
        "established_on",
        "agreement_deadline",
        "created_at",
        "county_code",
    ];
    const DEFAULT: Sort<Self> = Sort {
        field: PairingSort::CreatedAt,
        descending: false,
    };

    fn from_name(name: &str) -> Option<Self> {
        match name {
            "established_on" => Some(PairingSort::EstablishedOn),
            "agreement_deadline" => Some(PairingSort::AgreementDeadline),
            "created_at" => Some(PairingSort::CreatedAt),
            "county_code" => Some(PairingSort::CountyCode),
            _ => None,
        }
    }
}

/// The pairing filters, applied to any query that has `pairings` joined with the
/// county's row of `regions`.
macro_rules! filter_pairings {
    ($query:expr, $filter:expr) => {{
        let filter: &PairingFilter = $filter;
        let mut query = $query;
        if let Some(id) = filter.organization_id {
            query = query.filter(pairings::organization_id.eq(DbUuid(id)));
        }
        if let Some(county) = &filter.county {
            query = query.filter(pairings::county_code.eq(county.as_str().to_owned()));
        }
        if let Some(prefecture) = &filter.prefecture {
            query = query.filter(regions::parent_code.eq(prefecture.as_str().to_owned()));
        }
        if let Some(status) = filter.status {
            query = query.filter(pairings::status.eq(status.as_str()));
        }
        if let Some(batch) = filter.batch {
            query = query.filter(pairings::batch.eq(batch));
        }
        match filter.key_county {
            Some(KeyCountyFilter::Any) => query = query.filter(regions::key_county.is_not_null()),
            Some(KeyCountyFilter::National) => {
                query = query.filter(regions::key_county.eq(KeyCounty::National.as_str()))
            }
            Some(KeyCountyFilter::Provincial) => {
                query = query.filter(regions::key_county.eq(KeyCounty::Provincial.as_str()))
            }
            None => {}
        }
        match filter.overdue {
            Some((true, today)) => {
                query = query
                    .filter(pairings::status.eq(PairingStatus::PendingAgreement.as_str()))
                    .filter(pairings::agreement_deadline.lt(today))
            }
            Some((false, today)) => {
                query = query.filter(
                    pairings::status
                        .ne(PairingStatus::PendingAgreement.as_str())
                        .or(pairings::agreement_deadline.ge(today)),
                )
            }
            None => {}
        }
        query
    }};
}

type ListingColumns = (
    PairingRow,
    String,
    String,
    String,
    Option<String>,
    String,
    String,
);

fn listing_from(
    (
        row,
        organization_name,
        organization_credit_code,
        county_name,
        key_county,
        prefecture_code,
        prefecture_name,
    ): ListingColumns,
) -> QueryResult<PairingListing> {
    let key_county = key_county
        .as_deref()
        .map(str::parse::<KeyCounty>)
        .transpose()
        .map_err(|_| corrupt("region key_county".to_owned()))?;
    Ok(PairingListing {
        pairing: Pairing::try_from(row)?,
        organization_name,
        organization_credit_code,
        county_name,
        prefecture_code,
        prefecture_name,
        key_county,
    })
}

macro_rules! listing_query {
    () => {
        pairings::table
            .inner_join(organizations::table)
            .inner_join(regions::table)
            .inner_join(
                pairing_prefecture.on(pairing_prefecture
                    .field(regions::code)
                    .nullable()
                    .eq(regions::parent_code)),
            )
    };
}

macro_rules! listing_select {
    () => {
        (
            PairingRow::as_select(),
            organizations::name,
            organizations::credit_code,
            regions::name,
            regions::key_county,
            pairing_prefecture.field(regions::code),
            pairing_prefecture.field(regions::name),
        )
    };
}

/// A page of pairings with their organization's and county's names: one query plus
/// one count.
pub fn list_pairings(
    conn: &mut DbConnection,
    filter: &PairingFilter,
    sort: Sort<PairingSort>,
    page: PageRequest,
) -> QueryResult<Listed<PairingListing>> {
    let total = filter_pairings!(
        pairings::table
            .inner_join(regions::table)
            .into_boxed::<MultiBackend>(),
        filter
    )
    .count()
    .get_result::<i64>(conn)?;
    let items = sorted_listing(conn, filter, sort, Some(page))?;
    Ok(Listed { items, total })
}

/// All pairings matching `filter` (for exports), at most `limit`.
pub fn all_pairings(
    conn: &mut DbConnection,
    filter: &PairingFilter,
    sort: Sort<PairingSort>,
    limit: i64,
) -> QueryResult<Vec<PairingListing>> {
    let mut items = sorted_listing(conn, filter, sort, None)?;
    items.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
    Ok(items)
}

/// Orders any query over `pairings` by the sort key, then by id (stable pages).
macro_rules! order_pairings {
    ($query:expr, $sort:expr) => {{
        let sort: Sort<PairingSort> = $sort;
        match (sort.field, sort.descending) {
            (PairingSort::EstablishedOn, false) => {
                $query.order((pairings::established_on.asc(), pairings::id.asc()))
            }
            (PairingSort::EstablishedOn, true) => {
                $query.order((pairings::established_on.desc(), pairings::id.asc()))
            }
            (PairingSort::AgreementDeadline, false) => {
                $query.order((pairings::agreement_deadline.asc(), pairings::id.asc()))
            }
            (PairingSort::AgreementDeadline, true) => {
                $query.order((pairings::agreement_deadline.desc(), pairings::id.asc()))
            }
            (PairingSort::CreatedAt, false) => {
                $query.order((pairings::created_at.asc(), pairings::id.asc()))
            }
            (PairingSort::CreatedAt, true) => {
                $query.order((pairings::created_at.desc(), pairings::id.asc()))
            }
            (PairingSort::CountyCode, false) => {
                $query.order((pairings::county_code.asc(), pairings::id.asc()))
            }
            (PairingSort::CountyCode, true) => {
                $query.order((pairings::county_code.desc(), pairings::id.asc()))
            }
        }
    }};
}

fn sorted_listing(
    conn: &mut DbConnection,
    filter: &PairingFilter,
    sort: Sort<PairingSort>,
    page: Option<PageRequest>,
) -> QueryResult<Vec<PairingListing>> {
    let query = filter_pairings!(listing_query!().into_boxed::<MultiBackend>(), filter);
    let query = order_pairings!(query, sort).select(listing_select!());
    let rows: Vec<ListingColumns> = match page {
        Some(page) => query
            .limit(page.page_size())
            .offset(page.offset())
            .load(conn)?,
        None => query.load(conn)?,
    };
    rows.into_iter().map(listing_from).collect()
}

/// One pairing with its names.
pub fn find_listing(
    conn: &mut DbConnection,
    id: uuid::Uuid,
) -> QueryResult<Option<PairingListing>> {
    listing_query!()
        .filter(pairings::id.eq(DbUuid(id)))
        .select(listing_select!())
        .first::<ListingColumns>(conn)
        .optional()?
        .map(listing_from)
        .transpose()
}

// --- Requests -------------------------------------------------------------------

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = pairing_requests)]
pub struct PairingRequestRow {
    pub id: DbUuid,
    pub organization_id: DbUuid,
    pub kind: String,
    pub county_code: String,
    pub from_pairing_id: Option<DbUuid>,
    pub document_no: String,
    pub reason: Option<String>,
    pub status: String,
    pub decided_by: Option<DbUuid>,
    pub decided_at: Option<DbTimestamp>,
    pub decision_note: Option<String>,
    pub pairing_id: Option<DbUuid>,
    pub version: i32,
    pub created_at: DbTimestamp,
    pub updated_at: DbTimestamp,
}

impl TryFrom<PairingRequestRow> for PairingRequest {
    type Error = diesel::result::Error;

    fn try_from(row: PairingRequestRow) -> Result<Self, Self::Error> {
        let id = row.id.0;
        Ok(PairingRequest {
            id,
            organization_id: row.organization_id.0,
            kind: row
                .kind
                .parse::<RequestKind>()
                .map_err(|_| corrupt(format!("request {id} kind")))?,
            county_code: RegionCode::parse(&row.county_code)
                .map_err(|_| corrupt(format!("request {id} county")))?,
            from_pairing_id: row.from_pairing_id.map(|p| p.0),
            document_no: row.document_no,
            reason: row.reason,
            status: row
                .status
                .parse::<RequestStatus>()
                .map_err(|_| corrupt(format!("request {id} status")))?,
            decided_by: row.decided_by.map(|u| u.0),
            decided_at: row.decided_at.map(|t| t.0),
            decision_note: row.decision_note,
            pairing_id: row.pairing_id.map(|p| p.0),
            version: row.version,
            created_at: row.created_at.0,
            updated_at: row.updated_at.0,
        })
    }
}

impl From<&PairingRequest> for PairingRequestRow {
    fn from(r: &PairingRequest) -> Self {
        PairingRequestRow {
            id: DbUuid(r.id),
            organization_id: DbUuid(r.organization_id),
            kind: r.kind.as_str().to_owned(),
            county_code: r.county_code.as_str().to_owned(),
            from_pairing_id: r.from_pairing_id.map(DbUuid),
            document_no: r.document_no.clone(),
            reason: r.reason.clone(),
            status: r.status.as_str().to_owned(),
            decided_by: r.decided_by.map(DbUuid),
            decided_at: r.decided_at.map(DbTimestamp),
            decision_note: r.decision_note.clone(),
            pairing_id: r.pairing_id.map(DbUuid),
            version: r.version,
            created_at: DbTimestamp(r.created_at),
            updated_at: DbTimestamp(r.updated_at),
        }
    }
}

pub fn insert_request(conn: &mut DbConnection, request: &PairingRequest) -> QueryResult<()> {
    diesel::insert_into(pairing_requests::table)
        .values(PairingRequestRow::from(request))
        .execute(conn)
        .map(|_| ())
}

/// Stores a request as `request` has it (after a decision).
pub fn update_request(conn: &mut DbConnection, request: &PairingRequest) -> QueryResult<()> {
    diesel::update(pairing_requests::table.find(DbUuid(request.id)))
        .set((
            pairing_requests::status.eq(request.status.as_str()),
            pairing_requests::decided_by.eq(request.decided_by.map(DbUuid)),
            pairing_requests::decided_at.eq(request.decided_at.map(DbTimestamp)),
            pairing_requests::decision_note.eq(request.decision_note.clone()),
            pairing_requests::pairing_id.eq(request.pairing_id.map(DbUuid)),
            pairing_requests::version.eq(request.version),
            pairing_requests::updated_at.eq(DbTimestamp(request.updated_at)),
        ))
        .execute(conn)
        .map(|_| ())
}

pub fn find_request(
    conn: &mut DbConnection,
    id: uuid::Uuid,
) -> QueryResult<Option<PairingRequest>> {
    pairing_requests::table
        .find(DbUuid(id))
        .select(PairingRequestRow::as_select())
        .first(conn)
        .optional()?
        .map(PairingRequest::try_from)
        .transpose()
}

#[derive(Debug, Clone, Default)]
pub struct RequestFilter {
    pub organization_id: Option<uuid::Uuid>,
    pub status: Option<RequestStatus>,
    pub kind: Option<RequestKind>,
    pub county: Option<RegionCode>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RequestSort {
    CreatedAt,
}

impl SortField for RequestSort {
    const NAMES: &'static [&'static str] = &["created_at"];
    const DEFAULT: Sort<Self> = Sort {
        field: RequestSort::CreatedAt,
        descending: true,
    };

    fn from_name(name: &str) -> Option<Self> {
        (name == "created_at").then_some(RequestSort::CreatedAt)
    }
}

fn filtered_requests(
    visibility: &Visibility,
    filter: &RequestFilter,
) -> pairing_requests::BoxedQuery<'static, MultiBackend> {
    let mut query = pairing_requests::table.into_boxed();
    match visibility {
        Visibility::All => {}
        Visibility::Organization(id) => {
            query = query.filter(pairing_requests::organization_id.eq(DbUuid(*id)))
        }
        Visibility::Region(code) => {
            query = query.filter(crate::within_codes!(
                pairing_requests::county_code,
                code.as_str()
            ))
        }
    }
    if let Some(id) = filter.organization_id {
        query = query.filter(pairing_requests::organization_id.eq(DbUuid(id)));
    }
    if let Some(status) = filter.status {
        query = query.filter(pairing_requests::status.eq(status.as_str()));
    }
    if let Some(kind) = filter.kind {
        query = query.filter(pairing_requests::kind.eq(kind.as_str()));
    }
    if let Some(county) = &filter.county {
        query = query.filter(pairing_requests::county_code.eq(county.as_str().to_owned()));
    }
    query
}

pub fn list_requests(
    conn: &mut DbConnection,
    visibility: &Visibility,
    filter: &RequestFilter,
    sort: Sort<RequestSort>,
    page: PageRequest,
) -> QueryResult<Listed<PairingRequest>> {
    let total = filtered_requests(visibility, filter)
        .count()
        .get_result::<i64>(conn)?;
    let query = filtered_requests(visibility, filter);
    let query = if sort.descending {
        query.order((
            pairing_requests::created_at.desc(),
            pairing_requests::id.desc(),
        ))
    } else {
        query.order((
            pairing_requests::created_at.asc(),
            pairing_requests::id.asc(),
        ))
    };
    let items = query
        .select(PairingRequestRow::as_select())
        .limit(page.page_size())
        .offset(page.offset())
        .load::<PairingRequestRow>(conn)?
        .into_iter()
        .map(PairingRequest::try_from)
        .collect::<QueryResult<Vec<_>>>()?;
    Ok(Listed { items, total })
}
