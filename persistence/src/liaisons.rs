//! Liaison officers (联络员).

use diesel::prelude::*;
use domain::identity::Department;
use domain::liaison::{Email, Liaison};
use domain::listing::{PageRequest, Sort, SortField};
use domain::organization::Phone;
use domain::RegionCode;

use crate::db::{DbConnection, MultiBackend};
use crate::dialect::{DbTimestamp, DbUuid};
use crate::schema::{liaisons, regions};
use crate::Listed;

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = liaisons, treat_none_as_null = true)]
pub struct LiaisonRow {
    pub id: DbUuid,
    pub region_code: String,
    pub department: String,
    pub name: String,
    pub position: Option<String>,
    pub phone: String,
    pub email: Option<String>,
    pub active: bool,
    pub version: i32,
    pub created_at: DbTimestamp,
    pub updated_at: DbTimestamp,
}

fn corrupt(what: String) -> diesel::result::Error {
    diesel::result::Error::DeserializationError(what.into())
}

impl TryFrom<LiaisonRow> for Liaison {
    type Error = diesel::result::Error;

    fn try_from(row: LiaisonRow) -> Result<Self, Self::Error> {
        let id = row.id.0;
        let bad = |field: &str| corrupt(format!("liaison {id} {field}"));
        Ok(Liaison {
            id,
            region_code: RegionCode::parse(&row.region_code).map_err(|_| bad("region_code"))?,
            department: row
                .department
                .parse::<Department>()
                .map_err(|_| bad("department"))?,
            name: row.name,
            position: row.position,
            phone: Phone::parse(&row.phone).map_err(|_| bad("phone"))?,
            email: row
                .email
                .as_deref()
                .map(Email::parse)
                .transpose()
                .map_err(|_| bad("email"))?,
            active: row.active,
            version: row.version,
            created_at: row.created_at.0,
            updated_at: row.updated_at.0,
        })
    }
}

impl From<&Liaison> for LiaisonRow {
    fn from(l: &Liaison) -> Self {
        LiaisonRow {
            id: DbUuid(l.id),
            region_code: l.region_code.as_str().to_owned(),
            department: l.department.as_str().to_owned(),
            name: l.name.clone(),
            position: l.position.clone(),
            phone: l.phone.as_str().to_owned(),
            email: l.email.as_ref().map(|e| e.as_str().to_owned()),
            active: l.active,
            version: l.version,
            created_at: DbTimestamp(l.created_at),
            updated_at: DbTimestamp(l.updated_at),
        }
    }
}

pub fn insert_liaison(conn: &mut DbConnection, liaison: &Liaison) -> QueryResult<()> {
    diesel::insert_into(liaisons::table)
        .values(LiaisonRow::from(liaison))
        .execute(conn)
        .map(|_| ())
}

pub fn update_liaison(conn: &mut DbConnection, liaison: &Liaison) -> QueryResult<()> {
    diesel::update(liaisons::table.find(DbUuid(liaison.id)))
        .set(LiaisonRow::from(liaison))
        .execute(conn)
        .map(|_| ())
}

pub fn find_liaison(conn: &mut DbConnection, id: uuid::Uuid) -> QueryResult<Option<Liaison>> {
    liaisons::table
        .find(DbUuid(id))
        .select(LiaisonRow::as_select())
        .first(conn)
        .optional()?
        .map(Liaison::try_from)
        .transpose()
}

/// The active liaison of a region and department, if any.
pub fn active_liaison(
    conn: &mut DbConnection,
    region: &RegionCode,
    department: Department,
) -> QueryResult<Option<Liaison>> {
    liaisons::table
        .filter(liaisons::region_code.eq(region.as_str().to_owned()))
        .filter(liaisons::department.eq(department.as_str()))
        .filter(liaisons::active.eq(true))
        .select(LiaisonRow::as_select())
        .first(conn)
        .optional()?
        .map(Liaison::try_from)
        .transpose()
}

/// Every (region, department) with an active liaison.
pub fn active_pairs(conn: &mut DbConnection) -> QueryResult<Vec<(String, String)>> {
    liaisons::table
        .filter(liaisons::active.eq(true))
        .select((liaisons::region_code, liaisons::department))
        .load(conn)
}

#[derive(Debug, Clone, Default)]
pub struct LiaisonFilter {
    pub region_code: Option<RegionCode>,
    pub department: Option<Department>,
    pub active: Option<bool>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LiaisonSort {
    RegionCode,
    CreatedAt,
}

impl SortField for LiaisonSort {
    const NAMES: &'static [&'static str] = &["region_code", "created_at"];
    const DEFAULT: Sort<Self> = Sort {
        field: LiaisonSort::RegionCode,
        descending: false,
    };

    fn from_name(name: &str) -> Option<Self> {
        match name {
            "region_code" => Some(LiaisonSort::RegionCode),
            "created_at" => Some(LiaisonSort::CreatedAt),
            _ => None,
        }
    }
}

fn filtered(filter: &LiaisonFilter) -> liaisons::BoxedQuery<'static, MultiBackend> {
    let mut query = liaisons::table.into_boxed();
    if let Some(code) = &filter.region_code {
        query = query.filter(liaisons::region_code.eq(code.as_str().to_owned()));
    }
    if let Some(department) = filter.department {
        query = query.filter(liaisons::department.eq(department.as_str()));
    }
    if let Some(active) = filter.active {
        query = query.filter(liaisons::active.eq(active));
    }
    query
}

/// A page of liaisons with their region's name: one query plus one count.
pub fn list_liaisons(
    conn: &mut DbConnection,
    filter: &LiaisonFilter,
    sort: Sort<LiaisonSort>,
    page: PageRequest,
) -> QueryResult<Listed<(Liaison, String)>> {
    let total = filtered(filter).count().get_result::<i64>(conn)?;
    let mut query = liaisons::table
        .inner_join(regions::table)
        .into_boxed::<MultiBackend>();
    if let Some(code) = &filter.region_code {
        query = query.filter(liaisons::region_code.eq(code.as_str().to_owned()));
    }
    if let Some(department) = filter.department {
        query = query.filter(liaisons::department.eq(department.as_str()));
    }
    if let Some(active) = filter.active {
        query = query.filter(liaisons::active.eq(active));
    }
    let query = match (sort.field, sort.descending) {
        (LiaisonSort::RegionCode, false) => query.order((
            liaisons::region_code.asc(),
            liaisons::department.asc(),
            liaisons::created_at.desc(),
        )),
        (LiaisonSort::RegionCode, true) => query.order((
            liaisons::region_code.desc(),
            liaisons::department.asc(),
            liaisons::created_at.desc(),
        )),
        (LiaisonSort::CreatedAt, false) => {
            query.order((liaisons::created_at.asc(), liaisons::id.asc()))
        }
        (LiaisonSort::CreatedAt, true) => {
            query.order((liaisons::created_at.desc(), liaisons::id.desc()))
        }
    };
    let items = query
        .select((LiaisonRow::as_select(), regions::name))
        .limit(page.page_size())
        .offset(page.offset())
        .load::<(LiaisonRow, String)>(conn)?
        .into_iter()
        .map(|(row, name)| Ok((Liaison::try_from(row)?, name)))
        .collect::<QueryResult<Vec<_>>>()?;
    Ok(Listed { items, total })
}
