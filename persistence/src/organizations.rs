//! Social organizations.

use diesel::prelude::*;
use domain::listing::{PageRequest, Sort, SortField};
use domain::organization::{
    CreditCode, EvaluationGrade, OrgLevel, OrgStatus, OrgType, Organization, Phone, Sector,
};
use domain::pairing::PairingStatus;
use domain::RegionCode;

use crate::db::{DbConnection, MultiBackend};
use crate::dialect::{DbTimestamp, DbUuid};
use crate::schema::{organizations, pairings};
use crate::Listed;

/// A row of `organizations`, column for column.
#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = organizations, treat_none_as_null = true)]
pub struct OrganizationRow {
    pub id: DbUuid,
    pub name: String,
    pub credit_code: String,
    pub org_type: String,
    pub level: String,
    pub sector: Option<String>,
    pub registration_region_code: String,
    pub supervising_unit: Option<String>,
    pub contact_name: Option<String>,
    pub contact_phone: Option<String>,
    pub address: Option<String>,
    pub has_party_organization: bool,
    pub evaluation_grade: Option<String>,
    pub status: String,
    pub version: i32,
    pub created_at: DbTimestamp,
    pub updated_at: DbTimestamp,
}

fn corrupt(what: String) -> diesel::result::Error {
    diesel::result::Error::DeserializationError(what.into())
}

impl TryFrom<OrganizationRow> for Organization {
    type Error = diesel::result::Error;

    fn try_from(row: OrganizationRow) -> Result<Self, Self::Error> {
        let id = row.id.0;
        let bad = |field: &str| corrupt(format!("organization {id} {field}"));
        Ok(Organization {
            id,
            name: row.name,
            credit_code: CreditCode::parse(&row.credit_code).map_err(|_| bad("credit_code"))?,
            org_type: row
                .org_type
                .parse::<OrgType>()
                .map_err(|_| bad("org_type"))?,
            level: row.level.parse::<OrgLevel>().map_err(|_| bad("level"))?,
            sector: row
                .sector
                .as_deref()
                .map(str::parse::<Sector>)
                .transpose()
                .map_err(|_| bad("sector"))?,
            registration_region_code: RegionCode::parse(&row.registration_region_code)
                .map_err(|_| bad("registration_region_code"))?,
            supervising_unit: row.supervising_unit,
            contact_name: row.contact_name,
            contact_phone: row
                .contact_phone
                .as_deref()
                .map(Phone::parse)
                .transpose()
                .map_err(|_| bad("contact_phone"))?,
            address: row.address,
            has_party_organization: row.has_party_organization,
            evaluation_grade: row
                .evaluation_grade
                .as_deref()
                .map(str::parse::<EvaluationGrade>)
                .transpose()
                .map_err(|_| bad("evaluation_grade"))?,
            status: row.status.parse::<OrgStatus>().map_err(|_| bad("status"))?,
            version: row.version,
            created_at: row.created_at.0,
            updated_at: row.updated_at.0,
        })
    }
}

impl From<&Organization> for OrganizationRow {
    fn from(o: &Organization) -> Self {
        OrganizationRow {
            id: DbUuid(o.id),
            name: o.name.clone(),
            credit_code: o.credit_code.as_str().to_owned(),
            org_type: o.org_type.as_str().to_owned(),
            level: o.level.as_str().to_owned(),
            sector: o.sector.map(|s| s.as_str().to_owned()),
            registration_region_code: o.registration_region_code.as_str().to_owned(),
            supervising_unit: o.supervising_unit.clone(),
            contact_name: o.contact_name.clone(),
            contact_phone: o.contact_phone.as_ref().map(|p| p.as_str().to_owned()),
            address: o.address.clone(),
            has_party_organization: o.has_party_organization,
            evaluation_grade: o.evaluation_grade.map(|g| g.as_str().to_owned()),
            status: o.status.as_str().to_owned(),
            version: o.version,
            created_at: DbTimestamp(o.created_at),
            updated_at: DbTimestamp(o.updated_at),
        }
    }
}

pub fn insert_organization(
    conn: &mut DbConnection,
    organization: &Organization,
) -> QueryResult<()> {
    diesel::insert_into(organizations::table)
        .values(OrganizationRow::from(organization))
        .execute(conn)
        .map(|_| ())
}

/// Inserts many organizations (imports): one multi-row statement per chunk on PostgreSQL.
pub fn insert_organizations(conn: &mut DbConnection, rows: &[OrganizationRow]) -> QueryResult<()> {
    for chunk in rows.chunks(500) {
        crate::insert_all!(conn, organizations::table, chunk)?;
    }
    Ok(())
}

/// Stores every column of `organization` as it is now.
pub fn update_organization(
    conn: &mut DbConnection,
    organization: &Organization,
) -> QueryResult<()> {
    diesel::update(organizations::table.find(DbUuid(organization.id)))
        .set(OrganizationRow::from(organization))
        .execute(conn)
        .map(|_| ())
}

pub fn find_organization(
    conn: &mut DbConnection,
    id: uuid::Uuid,
) -> QueryResult<Option<Organization>> {
    organizations::table
        .find(DbUuid(id))
        .select(OrganizationRow::as_select())
        .first(conn)
        .optional()?
        .map(Organization::try_from)
        .transpose()
}

/// Every organization's id, name, credit code and status (for imports: a few
/// thousand small rows).
pub fn organization_keys(
    conn: &mut DbConnection,
) -> QueryResult<Vec<(DbUuid, String, String, String)>> {
    organizations::table
        .select((
            organizations::id,
            organizations::name,
            organizations::credit_code,
            organizations::status,
        ))
        .load(conn)
}

pub fn credit_code_taken(
    conn: &mut DbConnection,
    code: &CreditCode,
    except: Option<uuid::Uuid>,
) -> QueryResult<bool> {
    let mut query = organizations::table
        .filter(organizations::credit_code.eq(code.as_str().to_owned()))
        .into_boxed::<MultiBackend>();
    if let Some(id) = except {
        query = query.filter(organizations::id.ne(DbUuid(id)));
    }
    Ok(query.count().get_result::<i64>(conn)? > 0)
}

pub fn active_name_taken(
    conn: &mut DbConnection,
    name: &str,
    except: Option<uuid::Uuid>,
) -> QueryResult<bool> {
    let mut query = organizations::table
        .filter(organizations::name.eq(name.to_owned()))
        .filter(organizations::status.eq(OrgStatus::Active.as_str()))
        .into_boxed::<MultiBackend>();
    if let Some(id) = except {
        query = query.filter(organizations::id.ne(DbUuid(id)));
    }
    Ok(query.count().get_result::<i64>(conn)? > 0)
}

/// Filters of `GET /organizations`.
#[derive(Debug, Clone, Default)]
pub struct OrganizationFilter {
    pub q: Option<String>,
    pub org_type: Option<OrgType>,
    pub level: Option<OrgLevel>,
    pub sector: Option<Sector>,
    pub status: Option<OrgStatus>,
    /// Has an open pairing with this county.
    pub county: Option<RegionCode>,
    /// Has an open pairing with a county of this prefecture.
    pub prefecture: Option<RegionCode>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OrganizationSort {
    Name,
    CreatedAt,
}

impl SortField for OrganizationSort {
    const NAMES: &'static [&'static str] = &["name", "created_at"];
    const DEFAULT: Sort<Self> = Sort {
        field: OrganizationSort::Name,
        descending: false,
    };

    fn from_name(name: &str) -> Option<Self> {
        match name {
            "name" => Some(OrganizationSort::Name),
            "created_at" => Some(OrganizationSort::CreatedAt),
            _ => None,
        }
    }
}

fn filtered(filter: &OrganizationFilter) -> organizations::BoxedQuery<'static, MultiBackend> {
    let mut query = organizations::table.into_boxed();
    if let Some(needle) = &filter.q {
        query = query.filter(crate::contains_text!(organizations::name, needle));
    }
    if let Some(t) = filter.org_type {
        query = query.filter(organizations::org_type.eq(t.as_str()));
    }
    if let Some(l) = filter.level {
        query = query.filter(organizations::level.eq(l.as_str()));
    }
    if let Some(s) = filter.sector {
        query = query.filter(organizations::sector.eq(s.as_str()));
    }
    if let Some(s) = filter.status {
        query = query.filter(organizations::status.eq(s.as_str()));
    }
    let open = || pairings::table.filter(pairings::status.ne(PairingStatus::Terminated.as_str()));
    if let Some(county) = &filter.county {
        query = query.filter(diesel::dsl::exists(
            open()
                .filter(pairings::organization_id.eq(organizations::id))
                .filter(pairings::county_code.eq(county.as_str().to_owned())),
        ));
    }
    if let Some(prefecture) = &filter.prefecture {
        query = query.filter(diesel::dsl::exists(
            open()
                .filter(pairings::organization_id.eq(organizations::id))
                .filter(crate::within_codes!(
                    pairings::county_code,
                    prefecture.as_str()
                )),
        ));
    }
    query
}

pub fn list_organizations(
    conn: &mut DbConnection,
    filter: &OrganizationFilter,
    sort: Sort<OrganizationSort>,
    page: PageRequest,
) -> QueryResult<Listed<Organization>> {
    let total = filtered(filter).count().get_result::<i64>(conn)?;
    let query = filtered(filter);
    let query = match (sort.field, sort.descending) {
        (OrganizationSort::Name, false) => {
            query.order((organizations::name.asc(), organizations::id.asc()))
        }
        (OrganizationSort::Name, true) => {
            query.order((organizations::name.desc(), organizations::id.asc()))
        }
        (OrganizationSort::CreatedAt, false) => {
            query.order((organizations::created_at.asc(), organizations::id.asc()))
        }
        (OrganizationSort::CreatedAt, true) => {
            query.order((organizations::created_at.desc(), organizations::id.asc()))
        }
    };
    let items = query
        .select(OrganizationRow::as_select())
        .limit(page.page_size())
        .offset(page.offset())
        .load::<OrganizationRow>(conn)?
        .into_iter()
        .map(Organization::try_from)
        .collect::<QueryResult<Vec<_>>>()?;
    Ok(Listed { items, total })
}

/// How many organizations are stored.
pub fn count_organizations(conn: &mut DbConnection) -> QueryResult<i64> {
    organizations::table.count().get_result(conn)
}

/// Every organization's id, name, level and status (for the outstanding reports).
pub fn organization_levels(
    conn: &mut DbConnection,
) -> QueryResult<Vec<(uuid::Uuid, String, OrgLevel, OrgStatus)>> {
    let rows: Vec<(DbUuid, String, String, String)> = organizations::table
        .order(organizations::name)
        .select((
            organizations::id,
            organizations::name,
            organizations::level,
            organizations::status,
        ))
        .load(conn)?;
    rows.into_iter()
        .map(|(id, name, level, status)| {
            let level = level
                .parse::<OrgLevel>()
                .map_err(|_| corrupt(format!("organization {} level", id.0)))?;
            let status = status
                .parse::<OrgStatus>()
                .map_err(|_| corrupt(format!("organization {} status", id.0)))?;
            Ok((id.0, name, level, status))
        })
        .collect()
}
