//! Reports (半年报告、年度报告).

use chrono::NaiveDate;
use diesel::prelude::*;
use domain::report::{Report, ReportKind, ReportStatus};
use domain::PageRequest;

use crate::db::{DbConnection, MultiBackend};
use crate::dialect::{DbTimestamp, DbUuid};
use crate::schema::reports;
use crate::Listed;

fn corrupt(what: String) -> diesel::result::Error {
    diesel::result::Error::DeserializationError(what.into())
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = reports, treat_none_as_null = true)]
pub struct ReportRow {
    pub id: DbUuid,
    pub kind: String,
    pub subject: String,
    pub period: String,
    pub status: String,
    pub sections: String,
    pub submitted_at: Option<DbTimestamp>,
    pub due_on: NaiveDate,
    pub version: i32,
    pub created_at: DbTimestamp,
    pub updated_at: DbTimestamp,
}

impl TryFrom<ReportRow> for Report {
    type Error = diesel::result::Error;

    fn try_from(row: ReportRow) -> Result<Self, Self::Error> {
        let id = row.id.0;
        Ok(Report {
            id,
            kind: row
                .kind
                .parse::<ReportKind>()
                .map_err(|_| corrupt(format!("report {id} kind")))?,
            subject: row.subject,
            period: row.period,
            status: row
                .status
                .parse::<ReportStatus>()
                .map_err(|_| corrupt(format!("report {id} status")))?,
            sections: serde_json::from_str(&row.sections)
                .map_err(|_| corrupt(format!("report {id} sections")))?,
            submitted_at: row.submitted_at.map(|t| t.0),
            due_on: row.due_on,
            version: row.version,
            created_at: row.created_at.0,
            updated_at: row.updated_at.0,
        })
    }
}

impl From<&Report> for ReportRow {
    fn from(r: &Report) -> Self {
        ReportRow {
            id: DbUuid(r.id),
            kind: r.kind.as_str().to_owned(),
            subject: r.subject.clone(),
            period: r.period.clone(),
            status: r.status.as_str().to_owned(),
            sections: r.sections.to_string(),
            submitted_at: r.submitted_at.map(DbTimestamp),
            due_on: r.due_on,
            version: r.version,
            created_at: DbTimestamp(r.created_at),
            updated_at: DbTimestamp(r.updated_at),
        }
    }
}

pub fn insert_report(conn: &mut DbConnection, r: &Report) -> QueryResult<()> {
    diesel::insert_into(reports::table)
        .values(ReportRow::from(r))
        .execute(conn)
        .map(|_| ())
}

pub fn update_report(conn: &mut DbConnection, r: &Report) -> QueryResult<()> {
    diesel::update(reports::table.find(DbUuid(r.id)))
        .set(ReportRow::from(r))
        .execute(conn)
        .map(|_| ())
}

pub fn find_report(conn: &mut DbConnection, id: uuid::Uuid) -> QueryResult<Option<Report>> {
    reports::table
        .find(DbUuid(id))
        .select(ReportRow::as_select())
        .first(conn)
        .optional()?
        .map(Report::try_from)
        .transpose()
}

pub fn report_exists(
    conn: &mut DbConnection,
    kind: ReportKind,
    subject: &str,
    period: &str,
) -> QueryResult<bool> {
    let n: i64 = reports::table
        .filter(reports::kind.eq(kind.as_str()))
        .filter(reports::subject.eq(subject.to_owned()))
        .filter(reports::period.eq(period.to_owned()))
        .count()
        .get_result(conn)?;
    Ok(n > 0)
}

/// The subjects with a submitted report of `kind` for `period`.
pub fn submitted_subjects(
    conn: &mut DbConnection,
    kind: ReportKind,
    period: &str,
) -> QueryResult<Vec<String>> {
    reports::table
        .filter(reports::kind.eq(kind.as_str()))
        .filter(reports::period.eq(period.to_owned()))
        .filter(reports::status.eq(ReportStatus::Submitted.as_str()))
        .select(reports::subject)
        .load(conn)
}

#[derive(Debug, Clone, Default)]
pub struct ReportFilter {
    pub kind: Option<ReportKind>,
    pub period: Option<String>,
    pub status: Option<ReportStatus>,
    /// Only these subjects (the caller's own); `None`: all.
    pub subjects: Option<Vec<String>>,
}

pub fn list_reports(
    conn: &mut DbConnection,
    filter: &ReportFilter,
    page: PageRequest,
) -> QueryResult<Listed<Report>> {
    let filtered = || {
        let mut q = reports::table.into_boxed::<MultiBackend>();
        if let Some(kind) = filter.kind {
            q = q.filter(reports::kind.eq(kind.as_str()));
        }
        if let Some(period) = &filter.period {
            q = q.filter(reports::period.eq(period.clone()));
        }
        if let Some(status) = filter.status {
            q = q.filter(reports::status.eq(status.as_str()));
        }
        if let Some(subjects) = &filter.subjects {
            q = q.filter(reports::subject.eq_any(subjects.clone()));
        }
        q
    };
    let total = filtered().count().get_result::<i64>(conn)?;
    let items = filtered()
        .order((
            reports::period.desc(),
            reports::subject.asc(),
            reports::id.asc(),
        ))
        .select(ReportRow::as_select())
        .limit(page.page_size())
        .offset(page.offset())
        .load::<ReportRow>(conn)?
        .into_iter()
        .map(Report::try_from)
        .collect::<QueryResult<Vec<_>>>()?;
    Ok(Listed { items, total })
}
