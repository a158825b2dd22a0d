//! Assistance projects and village pairings (百会助千村).

use chrono::NaiveDate;
use diesel::prelude::*;
use domain::listing::{PageRequest, Sort, SortField};
use domain::organization::CreditCode;
use domain::project::{
    Dimension, Enterprise, Project, ProjectCategory, ProjectStatus, VillagePairing,
    VillagePairingStatus,
};
use domain::{KeyCounty, KeyCountyFilter, RegionCode, VillageTag};

use crate::db::{DbConnection, MultiBackend};
use crate::dialect::{DbTimestamp, DbUuid};
use crate::schema::{organizations, projects, regions, village_pairings};
use crate::{Listed, Visibility};

fn corrupt(what: String) -> diesel::result::Error {
    diesel::result::Error::DeserializationError(what.into())
}

fn enterprise(
    name: Option<String>,
    code: Option<String>,
    id: uuid::Uuid,
) -> QueryResult<Option<Enterprise>> {
    match (name, code) {
        (Some(name), Some(code)) => Ok(Some(Enterprise {
            name,
            credit_code: CreditCode::parse(&code)
                .map_err(|_| corrupt(format!("{id} enterprise_credit_code")))?,
        })),
        _ => Ok(None),
    }
}

/// A row of `projects`, column for column.
#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = projects, treat_none_as_null = true)]
pub struct ProjectRow {
    pub id: DbUuid,
    pub organization_id: DbUuid,
    pub county_code: String,
    pub village_code: Option<String>,
    pub title: String,
    pub description: Option<String>,
    pub category: String,
    pub dimension: String,
    pub status: String,
    pub start_on: NaiveDate,
    pub end_on: Option<NaiveDate>,
    pub committed_fen: i64,
    pub disbursed_fen: i64,
    pub beneficiaries: i64,
    pub enterprise_name: Option<String>,
    pub enterprise_credit_code: Option<String>,
    pub in_county_library: bool,
    pub brand: bool,
    pub cancel_reason: Option<String>,
    pub version: i32,
    pub created_at: DbTimestamp,
    pub updated_at: DbTimestamp,
}

impl TryFrom<ProjectRow> for Project {
    type Error = diesel::result::Error;

    fn try_from(row: ProjectRow) -> Result<Self, Self::Error> {
        let id = row.id.0;
        let bad = |field: &str| corrupt(format!("project {id} {field}"));
        Ok(Project {
            id,
            organization_id: row.organization_id.0,
            county_code: RegionCode::parse(&row.county_code).map_err(|_| bad("county_code"))?,
            village_code: row
                .village_code
                .as_deref()
                .map(RegionCode::parse)
                .transpose()
                .map_err(|_| bad("village_code"))?,
            title: row.title,
            description: row.description,
            category: row
                .category
                .parse::<ProjectCategory>()
                .map_err(|_| bad("category"))?,
            dimension: row
                .dimension
                .parse::<Dimension>()
                .map_err(|_| bad("dimension"))?,
            status: row
                .status
                .parse::<ProjectStatus>()
                .map_err(|_| bad("status"))?,
            start_on: row.start_on,
            end_on: row.end_on,
            committed_fen: row.committed_fen,
            disbursed_fen: row.disbursed_fen,
            beneficiaries: row.beneficiaries,
            enterprise: enterprise(row.enterprise_name, row.enterprise_credit_code, id)?,
            in_county_library: row.in_county_library,
            brand: row.brand,
            cancel_reason: row.cancel_reason,
            version: row.version,
            created_at: row.created_at.0,
            updated_at: row.updated_at.0,
        })
    }
}

impl From<&Project> for ProjectRow {
    fn from(p: &Project) -> Self {
        ProjectRow {
            id: DbUuid(p.id),
            organization_id: DbUuid(p.organization_id),
            county_code: p.county_code.as_str().to_owned(),
            village_code: p.village_code.as_ref().map(|c| c.as_str().to_owned()),
            title: p.title.clone(),
            description: p.description.clone(),
            category: p.category.as_str().to_owned(),
            dimension: p.dimension.as_str().to_owned(),
            status: p.status.as_str().to_owned(),
            start_on: p.start_on,
            end_on: p.end_on,
            committed_fen: p.committed_fen,
            disbursed_fen: p.disbursed_fen,
            beneficiaries: p.beneficiaries,
            enterprise_name: p.enterprise.as_ref().map(|e| e.name.clone()),
            enterprise_credit_code: p
                .enterprise
                .as_ref()
                .map(|e| e.credit_code.as_str().to_owned()),
            in_county_library: p.in_county_library,
            brand: p.brand,
            cancel_reason: p.cancel_reason.clone(),
            version: p.version,
            created_at: DbTimestamp(p.created_at),
            updated_at: DbTimestamp(p.updated_at),
        }
    }
}

pub fn insert_project(conn: &mut DbConnection, project: &Project) -> QueryResult<()> {
    diesel::insert_into(projects::table)
        .values(ProjectRow::from(project))
        .execute(conn)
        .map(|_| ())
}

/// Inserts many projects (benchmarks and demo data): one statement per chunk on PostgreSQL.
pub fn insert_projects(conn: &mut DbConnection, rows: &[ProjectRow]) -> QueryResult<()> {
    for chunk in rows.chunks(500) {
        crate::insert_all!(conn, projects::table, chunk)?;
    }
    Ok(())
}

pub fn update_project(conn: &mut DbConnection, project: &Project) -> QueryResult<()> {
    diesel::update(projects::table.find(DbUuid(project.id)))
        .set(ProjectRow::from(project))
        .execute(conn)
        .map(|_| ())
}

pub fn find_project(conn: &mut DbConnection, id: uuid::Uuid) -> QueryResult<Option<Project>> {
    projects::table
        .find(DbUuid(id))
        .select(ProjectRow::as_select())
        .first(conn)
        .optional()?
        .map(Project::try_from)
        .transpose()
}

#[derive(Debug, Clone, Default)]
pub struct ProjectFilter {
    pub organization_id: Option<uuid::Uuid>,
    pub county: Option<RegionCode>,
    pub prefecture: Option<RegionCode>,
    pub village: Option<RegionCode>,
    pub category: Option<ProjectCategory>,
    pub dimension: Option<Dimension>,
    pub status: Option<ProjectStatus>,
    pub brand: Option<bool>,
    pub in_county_library: Option<bool>,
    pub key_county: Option<KeyCountyFilter>,
    /// Runs at some time in this year.
    pub year: Option<i32>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProjectSort {
    CommittedFen,
    StartOn,
    CreatedAt,
}

impl SortField for ProjectSort {
    const NAMES: &'static [&'static str] = &["committed_fen", "start_on", "created_at"];
    const DEFAULT: Sort<Self> = Sort {
        field: ProjectSort::CreatedAt,
        descending: true,
    };

    fn from_name(name: &str) -> Option<Self> {
        match name {
            "committed_fen" => Some(ProjectSort::CommittedFen),
            "start_on" => Some(ProjectSort::StartOn),
            "created_at" => Some(ProjectSort::CreatedAt),
            _ => None,
        }
    }
}

/// The project filters and the caller's visibility, on any query over `projects`
/// (none needs a join: the count runs on `projects` alone).
macro_rules! filter_projects {
    ($query:expr, $visibility:expr, $filter:expr) => {{
        let filter: &ProjectFilter = $filter;
        let mut query = $query;
        match $visibility {
            Visibility::All => {}
            Visibility::Organization(id) => {
                query = query.filter(projects::organization_id.eq(DbUuid(*id)))
            }
            Visibility::Region(code) => {
                query = query.filter(crate::within_codes!(projects::county_code, code.as_str()));
            }
        }
        if let Some(id) = filter.organization_id {
            query = query.filter(projects::organization_id.eq(DbUuid(id)));
        }
        if let Some(county) = &filter.county {
            query = query.filter(projects::county_code.eq(county.as_str().to_owned()));
        }
        if let Some(prefecture) = &filter.prefecture {
            query = query.filter(crate::within_codes!(
                projects::county_code,
                prefecture.as_str()
            ));
        }
        if let Some(village) = &filter.village {
            query = query.filter(projects::village_code.eq(village.as_str().to_owned()));
        }
        if let Some(category) = filter.category {
            query = query.filter(projects::category.eq(category.as_str()));
        }
        if let Some(dimension) = filter.dimension {
            query = query.filter(projects::dimension.eq(dimension.as_str()));
        }
        if let Some(status) = filter.status {
            query = query.filter(projects::status.eq(status.as_str()));
        }
        if let Some(brand) = filter.brand {
            query = query.filter(projects::brand.eq(brand));
        }
        if let Some(library) = filter.in_county_library {
            query = query.filter(projects::in_county_library.eq(library));
        }
        // Key counties through a subquery of `regions` (aliased: the page joins
        // `regions` for names), so that the count needs no join at all.
        if let Some(key) = filter.key_county {
            let designated = key_regions.field(regions::key_county);
            let codes = key_regions.select(key_regions.field(regions::code));
            query = match key {
                KeyCountyFilter::Any => query
                    .filter(projects::county_code.eq_any(codes.filter(designated.is_not_null()))),
                KeyCountyFilter::National => query.filter(
                    projects::county_code
                        .eq_any(codes.filter(designated.eq(KeyCounty::National.as_str()))),
                ),
                KeyCountyFilter::Provincial => query.filter(
                    projects::county_code
                        .eq_any(codes.filter(designated.eq(KeyCounty::Provincial.as_str()))),
                ),
            };
        }
        if let Some(year) = filter.year {
            let (first, last) = (
                NaiveDate::from_ymd_opt(year, 1, 1).unwrap_or(NaiveDate::MIN),
                NaiveDate::from_ymd_opt(year, 12, 31).unwrap_or(NaiveDate::MAX),
            );
            query = query
                .filter(projects::start_on.le(last))
                .filter(projects::end_on.is_null().or(projects::end_on.ge(first)));
        }
        query
    }};
}

diesel::alias!(regions as key_regions: KeyRegions);

/// A project with the names a list shows beside it.
#[derive(Debug, Clone)]
pub struct ProjectListing {
    pub project: Project,
    pub organization_name: String,
    pub county_name: String,
}

pub fn list_projects(
    conn: &mut DbConnection,
    visibility: &Visibility,
    filter: &ProjectFilter,
    sort: Sort<ProjectSort>,
    page: PageRequest,
) -> QueryResult<Listed<ProjectListing>> {
    let total = filter_projects!(
        projects::table.into_boxed::<MultiBackend>(),
        visibility,
        filter
    )
    .count()
    .get_result::<i64>(conn)?;
    let query = filter_projects!(
        projects::table
            .inner_join(regions::table)
            .inner_join(organizations::table)
            .into_boxed::<MultiBackend>(),
        visibility,
        filter
    );
    let query = match (sort.field, sort.descending) {
        (ProjectSort::CommittedFen, false) => {
            query.order((projects::committed_fen.asc(), projects::id.asc()))
        }
        (ProjectSort::CommittedFen, true) => {
            query.order((projects::committed_fen.desc(), projects::id.asc()))
        }
        (ProjectSort::StartOn, false) => {
            query.order((projects::start_on.asc(), projects::id.asc()))
        }
        (ProjectSort::StartOn, true) => {
            query.order((projects::start_on.desc(), projects::id.asc()))
        }
        (ProjectSort::CreatedAt, false) => {
            query.order((projects::created_at.asc(), projects::id.asc()))
        }
        (ProjectSort::CreatedAt, true) => {
            query.order((projects::created_at.desc(), projects::id.desc()))
        }
    };
    let items = query
        .select((ProjectRow::as_select(), organizations::name, regions::name))
        .limit(page.page_size())
        .offset(page.offset())
        .load::<(ProjectRow, String, String)>(conn)?
        .into_iter()
        .map(|(row, organization_name, county_name)| {
            Ok(ProjectListing {
                project: Project::try_from(row)?,
                organization_name,
                county_name,
            })
        })
        .collect::<QueryResult<Vec<_>>>()?;
    Ok(Listed { items, total })
}

// --- Village pairings -------------------------------------------------------------

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = village_pairings, treat_none_as_null = true)]
pub struct VillagePairingRow {
    pub id: DbUuid,
    pub organization_id: DbUuid,
    pub village_code: String,
    pub county_code: String,
    pub enterprise_name: Option<String>,
    pub enterprise_credit_code: Option<String>,
    pub focus: String,
    pub started_on: NaiveDate,
    pub ended_on: Option<NaiveDate>,
    pub status: String,
    pub note: Option<String>,
    pub end_reason: Option<String>,
    pub version: i32,
    pub created_at: DbTimestamp,
    pub updated_at: DbTimestamp,
}

impl TryFrom<VillagePairingRow> for VillagePairing {
    type Error = diesel::result::Error;

    fn try_from(row: VillagePairingRow) -> Result<Self, Self::Error> {
        let id = row.id.0;
        let bad = |field: &str| corrupt(format!("village pairing {id} {field}"));
        Ok(VillagePairing {
            id,
            organization_id: row.organization_id.0,
            village_code: RegionCode::parse(&row.village_code).map_err(|_| bad("village_code"))?,
            enterprise: enterprise(row.enterprise_name, row.enterprise_credit_code, id)?,
            focus: serde_json::from_str(&row.focus).map_err(|_| bad("focus"))?,
            started_on: row.started_on,
            ended_on: row.ended_on,
            status: row
                .status
                .parse::<VillagePairingStatus>()
                .map_err(|_| bad("status"))?,
            note: row.note,
            end_reason: row.end_reason,
            version: row.version,
            created_at: row.created_at.0,
            updated_at: row.updated_at.0,
        })
    }
}

impl VillagePairingRow {
    pub fn from_pairing(p: &VillagePairing) -> QueryResult<Self> {
        let focus = serde_json::to_string(&p.focus)
            .map_err(|e| diesel::result::Error::SerializationError(Box::new(e)))?;
        let county = p
            .village_code
            .parent()
            .and_then(|township| township.parent())
            .ok_or_else(|| corrupt(format!("village {} has no county", p.village_code)))?;
        Ok(VillagePairingRow {
            id: DbUuid(p.id),
            organization_id: DbUuid(p.organization_id),
            village_code: p.village_code.as_str().to_owned(),
            county_code: county.as_str().to_owned(),
            enterprise_name: p.enterprise.as_ref().map(|e| e.name.clone()),
            enterprise_credit_code: p
                .enterprise
                .as_ref()
                .map(|e| e.credit_code.as_str().to_owned()),
            focus,
            started_on: p.started_on,
            ended_on: p.ended_on,
            status: p.status.as_str().to_owned(),
            note: p.note.clone(),
            end_reason: p.end_reason.clone(),
            version: p.version,
            created_at: DbTimestamp(p.created_at),
            updated_at: DbTimestamp(p.updated_at),
        })
    }
}

pub fn insert_village_pairing(
    conn: &mut DbConnection,
    pairing: &VillagePairing,
) -> QueryResult<()> {
    diesel::insert_into(village_pairings::table)
        .values(VillagePairingRow::from_pairing(pairing)?)
        .execute(conn)
        .map(|_| ())
}

pub fn update_village_pairing(
    conn: &mut DbConnection,
    pairing: &VillagePairing,
) -> QueryResult<()> {
    diesel::update(village_pairings::table.find(DbUuid(pairing.id)))
        .set(VillagePairingRow::from_pairing(pairing)?)
        .execute(conn)
        .map(|_| ())
}

pub fn find_village_pairing(
    conn: &mut DbConnection,
    id: uuid::Uuid,
) -> QueryResult<Option<VillagePairing>> {
    village_pairings::table
        .find(DbUuid(id))
        .select(VillagePairingRow::as_select())
        .first(conn)
        .optional()?
        .map(VillagePairing::try_from)
        .transpose()
}

/// True when the organization (through `enterprise`, if any) already helps the village.
pub fn active_village_pairing_exists(
    conn: &mut DbConnection,
    organization_id: uuid::Uuid,
    village: &RegionCode,
    enterprise_credit_code: Option<&str>,
) -> QueryResult<bool> {
    let mut query = village_pairings::table
        .filter(village_pairings::organization_id.eq(DbUuid(organization_id)))
        .filter(village_pairings::village_code.eq(village.as_str().to_owned()))
        .filter(village_pairings::status.eq(VillagePairingStatus::Active.as_str()))
        .into_boxed::<MultiBackend>();
    query = match enterprise_credit_code {
        Some(code) => query.filter(village_pairings::enterprise_credit_code.eq(code.to_owned())),
        None => query.filter(village_pairings::enterprise_credit_code.is_null()),
    };
    Ok(query.count().get_result::<i64>(conn)? > 0)
}

#[derive(Debug, Clone, Default)]
pub struct VillagePairingFilter {
    pub organization_id: Option<uuid::Uuid>,
    pub county: Option<RegionCode>,
    pub prefecture: Option<RegionCode>,
    pub village: Option<RegionCode>,
    pub tag: Option<VillageTag>,
    pub status: Option<VillagePairingStatus>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VillagePairingSort {
    StartedOn,
    CreatedAt,
}

impl SortField for VillagePairingSort {
    const NAMES: &'static [&'static str] = &["started_on", "created_at"];
    const DEFAULT: Sort<Self> = Sort {
        field: VillagePairingSort::CreatedAt,
        descending: true,
    };

    fn from_name(name: &str) -> Option<Self> {
        match name {
            "started_on" => Some(VillagePairingSort::StartedOn),
            "created_at" => Some(VillagePairingSort::CreatedAt),
            _ => None,
        }
    }
}

/// A village pairing with the village's full name and tags.
#[derive(Debug, Clone)]
pub struct VillagePairingListing {
    pub pairing: VillagePairing,
    pub county_code: String,
    pub village_full_name: String,
    pub village_tags: Vec<VillageTag>,
    pub organization_name: String,
}

macro_rules! filter_village_pairings {
    ($query:expr, $visibility:expr, $filter:expr) => {{
        let filter: &VillagePairingFilter = $filter;
        let mut query = $query;
        match $visibility {
            Visibility::All => {}
            Visibility::Organization(id) => {
                query = query.filter(village_pairings::organization_id.eq(DbUuid(*id)))
            }
            Visibility::Region(code) => {
                query = query.filter(crate::within_codes!(
                    village_pairings::county_code,
                    code.as_str()
                ))
            }
        }
        if let Some(id) = filter.organization_id {
            query = query.filter(village_pairings::organization_id.eq(DbUuid(id)));
        }
        if let Some(county) = &filter.county {
            query = query.filter(village_pairings::county_code.eq(county.as_str().to_owned()));
        }
        if let Some(prefecture) = &filter.prefecture {
            query = query.filter(crate::within_codes!(
                village_pairings::county_code,
                prefecture.as_str()
            ));
        }
        if let Some(village) = &filter.village {
            query = query.filter(village_pairings::village_code.eq(village.as_str().to_owned()));
        }
        if let Some(tag) = filter.tag {
            query = query.filter(regions::tags.like(format!("%\"{}\"%", tag.as_str())));
        }
        if let Some(status) = filter.status {
            query = query.filter(village_pairings::status.eq(status.as_str()));
        }
        query
    }};
}

pub fn list_village_pairings(
    conn: &mut DbConnection,
    visibility: &Visibility,
    filter: &VillagePairingFilter,
    sort: Sort<VillagePairingSort>,
    page: PageRequest,
) -> QueryResult<Listed<VillagePairingListing>> {
    let total = filter_village_pairings!(
        village_pairings::table
            .inner_join(regions::table)
            .into_boxed::<MultiBackend>(),
        visibility,
        filter
    )
    .count()
    .get_result::<i64>(conn)?;
    let query = filter_village_pairings!(
        village_pairings::table
            .inner_join(regions::table)
            .inner_join(organizations::table)
            .into_boxed::<MultiBackend>(),
        visibility,
        filter
    );
    let query = match (sort.field, sort.descending) {
        (VillagePairingSort::StartedOn, false) => query.order((
            village_pairings::started_on.asc(),
            village_pairings::id.asc(),
        )),
        (VillagePairingSort::StartedOn, true) => query.order((
            village_pairings::started_on.desc(),
            village_pairings::id.asc(),
        )),
        (VillagePairingSort::CreatedAt, false) => query.order((
            village_pairings::created_at.asc(),
            village_pairings::id.asc(),
        )),
        (VillagePairingSort::CreatedAt, true) => query.order((
            village_pairings::created_at.desc(),
            village_pairings::id.desc(),
        )),
    };
    let items = query
        .select((
            VillagePairingRow::as_select(),
            regions::full_name,
            regions::tags,
            organizations::name,
        ))
        .limit(page.page_size())
        .offset(page.offset())
        .load::<(VillagePairingRow, String, String, String)>(conn)?
        .into_iter()
        .map(|(row, village_full_name, tags, organization_name)| {
            let county_code = row.county_code.clone();
            Ok(VillagePairingListing {
                pairing: VillagePairing::try_from(row)?,
                county_code,
                village_full_name,
                village_tags: serde_json::from_str(&tags)
                    .map_err(|_| corrupt("region tags".to_owned()))?,
                organization_name,
            })
        })
        .collect::<QueryResult<Vec<_>>>()?;
    Ok(Listed { items, total })
}

/// The distinct villages with an active village pairing: code, county and tags (at
/// most the 14,888 villages of Yunnan; the caller counts them).
pub fn villages_helped(
    conn: &mut DbConnection,
) -> QueryResult<Vec<(String, String, Vec<VillageTag>)>> {
    let rows: Vec<(String, String, String)> = village_pairings::table
        .filter(village_pairings::status.eq(VillagePairingStatus::Active.as_str()))
        .inner_join(regions::table)
        .select((
            village_pairings::village_code,
            village_pairings::county_code,
            regions::tags,
        ))
        .distinct()
        .load(conn)?;
    rows.into_iter()
        .map(|(village, county, tags)| {
            let tags = serde_json::from_str(&tags)
                .map_err(|_| corrupt(format!("region {village} tags")))?;
            Ok((village, county, tags))
        })
        .collect()
}

/// One village pairing with its village's names, in one query.
pub fn find_village_pairing_listing(
    conn: &mut DbConnection,
    id: uuid::Uuid,
) -> QueryResult<Option<VillagePairingListing>> {
    let row = village_pairings::table
        .inner_join(regions::table)
        .inner_join(organizations::table)
        .filter(village_pairings::id.eq(DbUuid(id)))
        .select((
            VillagePairingRow::as_select(),
            regions::full_name,
            regions::tags,
            organizations::name,
        ))
        .first::<(VillagePairingRow, String, String, String)>(conn)
        .optional()?;
    row.map(|(row, village_full_name, tags, organization_name)| {
        let county_code = row.county_code.clone();
        Ok(VillagePairingListing {
            pairing: VillagePairing::try_from(row)?,
            county_code,
            village_full_name,
            village_tags: serde_json::from_str(&tags)
                .map_err(|_| corrupt("region tags".to_owned()))?,
            organization_name,
        })
    })
    .transpose()
}
