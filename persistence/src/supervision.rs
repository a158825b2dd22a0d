//! Typical cases and supervision records.

use chrono::NaiveDate;
use diesel::prelude::*;
use domain::supervision::{Case, CaseStatus, SupervisionKind, SupervisionRecord};
use domain::{PageRequest, RegionCode};

use crate::db::{DbConnection, MultiBackend};
use crate::dialect::{DbTimestamp, DbUuid};
use crate::schema::{cases, pairings, supervision_records};
use crate::{Listed, Visibility};

fn corrupt(what: String) -> diesel::result::Error {
    diesel::result::Error::DeserializationError(what.into())
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = cases, treat_none_as_null = true)]
pub struct CaseRow {
    pub id: DbUuid,
    pub organization_id: DbUuid,
    pub title: String,
    pub summary: String,
    pub body: String,
    pub county_code: String,
    pub project_id: Option<DbUuid>,
    pub status: String,
    pub published_on: Option<NaiveDate>,
    pub channel: Option<String>,
    pub version: i32,
    pub created_at: DbTimestamp,
    pub updated_at: DbTimestamp,
}

impl TryFrom<CaseRow> for Case {
    type Error = diesel::result::Error;

    fn try_from(row: CaseRow) -> Result<Self, Self::Error> {
        let id = row.id.0;
        Ok(Case {
            id,
            organization_id: row.organization_id.0,
            title: row.title,
            summary: row.summary,
            body: row.body,
            county_code: RegionCode::parse(&row.county_code)
                .map_err(|_| corrupt(format!("case {id} county")))?,
            project_id: row.project_id.map(|p| p.0),
            status: row
                .status
                .parse::<CaseStatus>()
                .map_err(|_| corrupt(format!("case {id} status")))?,
            published_on: row.published_on,
            channel: row.channel,
            version: row.version,
            created_at: row.created_at.0,
            updated_at: row.updated_at.0,
        })
    }
}

impl From<&Case> for CaseRow {
    fn from(c: &Case) -> Self {
        CaseRow {
            id: DbUuid(c.id),
            organization_id: DbUuid(c.organization_id),
            title: c.title.clone(),
            summary: c.summary.clone(),
            body: c.body.clone(),
            county_code: c.county_code.as_str().to_owned(),
            project_id: c.project_id.map(DbUuid),
            status: c.status.as_str().to_owned(),
            published_on: c.published_on,
            channel: c.channel.clone(),
            version: c.version,
            created_at: DbTimestamp(c.created_at),
            updated_at: DbTimestamp(c.updated_at),
        }
    }
}

pub fn insert_case(conn: &mut DbConnection, c: &Case) -> QueryResult<()> {
    diesel::insert_into(cases::table)
        .values(CaseRow::from(c))
        .execute(conn)
        .map(|_| ())
}

pub fn update_case(conn: &mut DbConnection, c: &Case) -> QueryResult<()> {
    diesel::update(cases::table.find(DbUuid(c.id)))
        .set(CaseRow::from(c))
        .execute(conn)
        .map(|_| ())
}

pub fn find_case(conn: &mut DbConnection, id: uuid::Uuid) -> QueryResult<Option<Case>> {
    cases::table
        .find(DbUuid(id))
        .select(CaseRow::as_select())
        .first(conn)
        .optional()?
        .map(Case::try_from)
        .transpose()
}

/// A page of cases: the published ones for everyone, and the unpublished ones the
/// caller may see (`None`: the public, published only).
pub fn list_cases(
    conn: &mut DbConnection,
    visibility: Option<&Visibility>,
    status: Option<CaseStatus>,
    organization_id: Option<uuid::Uuid>,
    page: PageRequest,
) -> QueryResult<Listed<Case>> {
    let filtered = || {
        let mut q = cases::table.into_boxed::<MultiBackend>();
        let published = cases::status.eq(CaseStatus::Published.as_str());
        q = match visibility {
            None => q.filter(published),
            Some(Visibility::All) => q,
            Some(Visibility::Organization(id)) => {
                q.filter(published.or(cases::organization_id.eq(DbUuid(*id))))
            }
            Some(Visibility::Region(code)) => {
                q.filter(published.or(crate::within_codes!(cases::county_code, code.as_str())))
            }
        };
        if let Some(status) = status {
            q = q.filter(cases::status.eq(status.as_str()));
        }
        if let Some(id) = organization_id {
            q = q.filter(cases::organization_id.eq(DbUuid(id)));
        }
        q
    };
    let total = filtered().count().get_result::<i64>(conn)?;
    let items = filtered()
        .order((cases::created_at.desc(), cases::id.desc()))
        .select(CaseRow::as_select())
        .limit(page.page_size())
        .offset(page.offset())
        .load::<CaseRow>(conn)?
        .into_iter()
        .map(Case::try_from)
        .collect::<QueryResult<Vec<_>>>()?;
    Ok(Listed { items, total })
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = supervision_records)]
pub struct SupervisionRow {
    pub id: DbUuid,
    pub organization_id: DbUuid,
    pub kind: String,
    pub document_no: String,
    pub decided_on: NaiveDate,
    pub description: String,
    pub suspend: bool,
    pub created_at: DbTimestamp,
}

impl TryFrom<SupervisionRow> for SupervisionRecord {
    type Error = diesel::result::Error;

    fn try_from(row: SupervisionRow) -> Result<Self, Self::Error> {
        Ok(SupervisionRecord {
            id: row.id.0,
            organization_id: row.organization_id.0,
            kind: row
                .kind
                .parse::<SupervisionKind>()
                .map_err(|_| corrupt(format!("supervision record {} kind", row.id.0)))?,
            document_no: row.document_no,
            decided_on: row.decided_on,
            description: row.description,
            suspend: row.suspend,
            created_at: row.created_at.0,
        })
    }
}

pub fn insert_record(conn: &mut DbConnection, r: &SupervisionRecord) -> QueryResult<()> {
    diesel::insert_into(supervision_records::table)
        .values(SupervisionRow {
            id: DbUuid(r.id),
            organization_id: DbUuid(r.organization_id),
            kind: r.kind.as_str().to_owned(),
            document_no: r.document_no.clone(),
            decided_on: r.decided_on,
            description: r.description.clone(),
            suspend: r.suspend,
            created_at: DbTimestamp(r.created_at),
        })
        .execute(conn)
        .map(|_| ())
}

/// A page of supervision records: commendations for everyone; violations for the
/// province-wide roles, the organization's own users, and officers of a region where
/// the organization has an open pairing (`None`: the public).
pub fn list_records(
    conn: &mut DbConnection,
    visibility: Option<&Visibility>,
    organization_id: Option<uuid::Uuid>,
    kind: Option<SupervisionKind>,
    page: PageRequest,
) -> QueryResult<Listed<SupervisionRecord>> {
    let filtered = || {
        let mut q = supervision_records::table.into_boxed::<MultiBackend>();
        let commendation = supervision_records::kind.eq(SupervisionKind::Commendation.as_str());
        q = match visibility {
            None => q.filter(commendation),
            Some(Visibility::All) => q,
            Some(Visibility::Organization(id)) => {
                q.filter(commendation.or(supervision_records::organization_id.eq(DbUuid(*id))))
            }
            Some(Visibility::Region(code)) => q.filter(
                commendation.or(supervision_records::organization_id.eq_any(
                    pairings::table
                        .filter(pairings::status.ne("terminated"))
                        .filter(crate::within_codes!(pairings::county_code, code.as_str()))
                        .select(pairings::organization_id),
                )),
            ),
        };
        if let Some(id) = organization_id {
            q = q.filter(supervision_records::organization_id.eq(DbUuid(id)));
        }
        if let Some(kind) = kind {
            q = q.filter(supervision_records::kind.eq(kind.as_str()));
        }
        q
    };
    let total = filtered().count().get_result::<i64>(conn)?;
    let items = filtered()
        .order((
            supervision_records::decided_on.desc(),
            supervision_records::id.desc(),
        ))
        .select(SupervisionRow::as_select())
        .limit(page.page_size())
        .offset(page.offset())
        .load::<SupervisionRow>(conn)?
        .into_iter()
        .map(SupervisionRecord::try_from)
        .collect::<QueryResult<Vec<_>>>()?;
    Ok(Listed { items, total })
}

/// Of `ids`, those that are typical cases of `organization_id`: one query however many
/// ids a report cites.
pub fn own_case_ids(
    conn: &mut DbConnection,
    organization_id: uuid::Uuid,
    ids: &[uuid::Uuid],
) -> QueryResult<Vec<uuid::Uuid>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let rows: Vec<DbUuid> = cases::table
        .filter(cases::organization_id.eq(DbUuid(organization_id)))
        .filter(cases::id.eq_any(ids.iter().copied().map(DbUuid).collect::<Vec<_>>()))
        .select(cases::id)
        .load(conn)?;
    Ok(rows.into_iter().map(|DbUuid(id)| id).collect())
}
