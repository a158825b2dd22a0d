//! The programme's figures, counted per county in a handful of grouped queries (the
//! caller adds them up per prefecture and for the province), and per organization for
//! the participation indicator. Counts only: nothing here reads personal data.
//!
//! The queries are plain SQL that reads the same on PostgreSQL and SQLite. Their only
//! inputs are dates and years the caller computed (never text from a request), written
//! in as ISO literals, which both compare with the stored dates.

use std::collections::HashMap;

use chrono::NaiveDate;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};

use crate::db::DbConnection;

/// One grouped row: a code (county or organization), an optional key (a status, a
/// category) and up to four numbers.
#[derive(Debug, Clone, QueryableByName)]
pub struct Grouped {
    #[diesel(sql_type = Text)]
    pub code: String,
    #[diesel(sql_type = Text)]
    pub key: String,
    #[diesel(sql_type = BigInt)]
    pub n: i64,
    #[diesel(sql_type = BigInt)]
    pub a: i64,
    #[diesel(sql_type = BigInt)]
    pub b: i64,
    #[diesel(sql_type = BigInt)]
    pub c: i64,
}

fn grouped(conn: &mut DbConnection, sql: &str) -> QueryResult<Vec<Grouped>> {
    diesel::sql_query(sql).load(conn)
}

fn day(d: NaiveDate) -> String {
    d.format("'%Y-%m-%d'").to_string()
}

/// A calendar year as the first and last day.
#[derive(Debug, Clone, Copy)]
pub struct Year {
    pub first: NaiveDate,
    pub last: NaiveDate,
}

impl Year {
    pub fn new(year: i32) -> Option<Year> {
        Some(Year {
            first: NaiveDate::from_ymd_opt(year, 1, 1)?,
            last: NaiveDate::from_ymd_opt(year, 12, 31)?,
        })
    }
}

/// `SUM` that is a BIGINT on both backends (PostgreSQL sums BIGINT into NUMERIC).
fn sum(expr: &str) -> String {
    format!("CAST(COALESCE(SUM({expr}), 0) AS BIGINT)")
}

const ZERO: &str = "CAST(0 AS BIGINT)";

/// Everything counted per county (`code` = county code).
#[derive(Debug, Clone, Default)]
pub struct CountyCounts {
    /// key = pairing status; n.
    pub pairings: Vec<Grouped>,
    /// a = signed on time, b = signed late, c = overdue (deadline in the year).
    pub agreements: Vec<Grouped>,
    /// key = category; n, a = committed, b = disbursed, c = beneficiaries (projects
    /// running in the year, not cancelled).
    pub projects: Vec<Grouped>,
    /// n = distinct villages with an active village pairing.
    pub villages: Vec<Grouped>,
    /// n = distinct households with assistance given up to the end of the year.
    pub households: Vec<Grouped>,
    /// n = active party pairings.
    pub party_pairings: Vec<Grouped>,
    /// key = wish status; n.
    pub wishes: Vec<Grouped>,
}

pub fn county_counts(
    conn: &mut DbConnection,
    year: Year,
    today: NaiveDate,
) -> QueryResult<CountyCounts> {
    let (first, last, today) = (day(year.first), day(year.last), day(today));
    Ok(CountyCounts {
        pairings: grouped(
            conn,
            &format!(
                "SELECT county_code AS code, status AS key, COUNT(*) AS n, {ZERO} AS a, {ZERO} AS b, {ZERO} AS c \
                 FROM pairings GROUP BY county_code, status"
            ),
        )?,
        agreements: grouped(
            conn,
            &format!(
                "SELECT county_code AS code, '' AS key, COUNT(*) AS n, \
                 {} AS a, {} AS b, {} AS c \
                 FROM pairings WHERE agreement_deadline BETWEEN {first} AND {last} GROUP BY county_code",
                sum("CASE WHEN agreement_signed_on IS NOT NULL AND agreement_signed_on <= agreement_deadline THEN 1 ELSE 0 END"),
                sum("CASE WHEN agreement_signed_on IS NOT NULL AND agreement_signed_on > agreement_deadline THEN 1 ELSE 0 END"),
                sum(&format!("CASE WHEN status = 'pending_agreement' AND agreement_deadline < {today} THEN 1 ELSE 0 END")),
            ),
        )?,
        projects: grouped(
            conn,
            &format!(
                "SELECT county_code AS code, category AS key, COUNT(*) AS n, {} AS a, {} AS b, {} AS c \
                 FROM projects WHERE status <> 'cancelled' AND start_on <= {last} \
                 AND (end_on IS NULL OR end_on >= {first}) GROUP BY county_code, category",
                sum("committed_fen"),
                sum("disbursed_fen"),
                sum("beneficiaries"),
            ),
        )?,
        villages: grouped(
            conn,
            &format!(
                "SELECT county_code AS code, '' AS key, COUNT(DISTINCT village_code) AS n, {ZERO} AS a, {ZERO} AS b, {ZERO} AS c \
                 FROM village_pairings WHERE status = 'active' GROUP BY county_code"
            ),
        )?,
        households: grouped(
            conn,
            &format!(
                "SELECT h.county_code AS code, '' AS key, COUNT(DISTINCT a.household_id) AS n, {ZERO} AS a, {ZERO} AS b, {ZERO} AS c \
                 FROM assistance_records a JOIN households h ON h.id = a.household_id \
                 WHERE a.given_on <= {last} GROUP BY h.county_code"
            ),
        )?,
        party_pairings: grouped(
            conn,
            &format!(
                "SELECT county_code AS code, '' AS key, COUNT(*) AS n, {ZERO} AS a, {ZERO} AS b, {ZERO} AS c \
                 FROM party_pairings WHERE status = 'active' GROUP BY county_code"
            ),
        )?,
        wishes: grouped(
            conn,
            &format!(
                "SELECT county_code AS code, status AS key, COUNT(*) AS n, {ZERO} AS a, {ZERO} AS b, {ZERO} AS c \
                 FROM wishes GROUP BY county_code, status"
            ),
        )?,
    })
}

/// Reports of a year: (kind, subject, period, submitted on (UTC date of
/// `submitted_at`), due on) for every submitted report whose period is in the year.
#[derive(Debug, Clone, QueryableByName)]
pub struct SubmittedReport {
    #[diesel(sql_type = Text)]
    pub kind: String,
    #[diesel(sql_type = Text)]
    pub subject: String,
    #[diesel(sql_type = Text)]
    pub period: String,
    #[diesel(sql_type = diesel::sql_types::Nullable<crate::dialect::PortableTimestamp>)]
    pub submitted_at: Option<crate::dialect::DbTimestamp>,
    #[diesel(sql_type = diesel::sql_types::Date)]
    pub due_on: NaiveDate,
}

pub fn submitted_reports(conn: &mut DbConnection, year: i32) -> QueryResult<Vec<SubmittedReport>> {
    diesel::sql_query(format!(
        "SELECT kind, subject, period, submitted_at, due_on FROM reports \
         WHERE status = 'submitted' AND period IN ('{year}', '{year}S1', '{year}S2')"
    ))
    .load(conn)
}

/// Everything counted per organization for the participation indicator of a year
/// (`code` = organization id as text).
#[derive(Debug, Clone, Default)]
pub struct OrganizationCounts {
    /// n = pairings whose agreement was due in the year (not those ended unsigned: an
    /// adjusted pairing is no failure), a = signed on time.
    pub agreements: Vec<Grouped>,
    /// key = county code of each non-terminated pairing (one row per pairing).
    pub counties: Vec<Grouped>,
    /// n = projects running in the year, a = disbursed fen.
    pub projects: Vec<Grouped>,
    /// n = distinct villages with an active village pairing.
    pub villages: Vec<Grouped>,
    /// n = distinct households helped in the year.
    pub households: Vec<Grouped>,
    /// n = wishes fulfilled in the year.
    pub wishes: Vec<Grouped>,
    /// n = active party pairings, a = activities held in the year.
    pub party: Vec<Grouped>,
    /// n = cases published in the year.
    pub cases: Vec<Grouped>,
    /// key = `commendation` or `violation`; n = decided in the year.
    pub supervision: Vec<Grouped>,
}

pub fn organization_counts(
    conn: &mut DbConnection,
    year: Year,
    only: Option<uuid::Uuid>,
) -> QueryResult<OrganizationCounts> {
    let (first, last) = (day(year.first), day(year.last));
    // One organization (the id is formatted from a UUID, never request text), or all.
    let only = |column: &str| {
        only.map(|id| format!(" AND {column} = '{}'", id.hyphenated()))
            .unwrap_or_default()
    };
    // Ids are compared as text so that the same SQL reads on both backends.
    let id = |column: &str| format!("CAST({column} AS TEXT)");
    Ok(OrganizationCounts {
        agreements: grouped(
            conn,
            &format!(
                "SELECT {} AS code, '' AS key, COUNT(*) AS n, {} AS a, {ZERO} AS b, {ZERO} AS c \
                 FROM pairings WHERE agreement_deadline BETWEEN {first} AND {last} \
                 AND (status <> 'terminated' OR agreement_signed_on IS NOT NULL){} GROUP BY organization_id",
                id("organization_id"),
                sum("CASE WHEN agreement_signed_on IS NOT NULL AND agreement_signed_on <= agreement_deadline THEN 1 ELSE 0 END"),
                only("organization_id"),
            ),
        )?,
        counties: grouped(
            conn,
            &format!(
                "SELECT {} AS code, county_code AS key, COUNT(*) AS n, {ZERO} AS a, {ZERO} AS b, {ZERO} AS c \
                 FROM pairings WHERE status <> 'terminated' AND established_on <= {last}{} \
                 GROUP BY organization_id, county_code",
                id("organization_id"),
                only("organization_id"),
            ),
        )?,
        projects: grouped(
            conn,
            &format!(
                "SELECT {} AS code, '' AS key, COUNT(*) AS n, {} AS a, {ZERO} AS b, {ZERO} AS c \
                 FROM projects WHERE status <> 'cancelled' AND start_on <= {last} \
                 AND (end_on IS NULL OR end_on >= {first}){} GROUP BY organization_id",
                id("organization_id"),
                sum("disbursed_fen"),
                only("organization_id"),
            ),
        )?,
        villages: grouped(
            conn,
            &format!(
                "SELECT {} AS code, '' AS key, COUNT(DISTINCT village_code) AS n, {ZERO} AS a, {ZERO} AS b, {ZERO} AS c \
                 FROM village_pairings WHERE status = 'active'{} GROUP BY organization_id",
                id("organization_id"),
                only("organization_id"),
            ),
        )?,
        households: grouped(
            conn,
            &format!(
                "SELECT {} AS code, '' AS key, COUNT(DISTINCT household_id) AS n, {ZERO} AS a, {ZERO} AS b, {ZERO} AS c \
                 FROM assistance_records WHERE given_on BETWEEN {first} AND {last}{} GROUP BY organization_id",
                id("organization_id"),
                only("organization_id"),
            ),
        )?,
        wishes: grouped(
            conn,
            &format!(
                "SELECT {} AS code, '' AS key, COUNT(*) AS n, {ZERO} AS a, {ZERO} AS b, {ZERO} AS c \
                 FROM wishes WHERE status = 'fulfilled' AND fulfilled_on BETWEEN {first} AND {last}{} \
                 GROUP BY claimed_by",
                id("claimed_by"),
                only("claimed_by"),
            ),
        )?,
        party: grouped(
            conn,
            &format!(
                "SELECT {} AS code, '' AS key, \
                 CAST(SUM(CASE WHEN p.status = 'active' THEN 1 ELSE 0 END) AS BIGINT) AS n, \
                 CAST(COALESCE(SUM((SELECT COUNT(*) FROM party_activities x \
                   WHERE x.party_pairing_id = p.id AND x.held_on BETWEEN {first} AND {last})), 0) AS BIGINT) AS a, \
                 {ZERO} AS b, {ZERO} AS c \
                 FROM party_pairings p WHERE 1 = 1{} GROUP BY p.organization_id",
                id("p.organization_id"),
                only("p.organization_id"),
            ),
        )?,
        cases: grouped(
            conn,
            &format!(
                "SELECT {} AS code, '' AS key, COUNT(*) AS n, {ZERO} AS a, {ZERO} AS b, {ZERO} AS c \
                 FROM cases WHERE status = 'published' AND published_on BETWEEN {first} AND {last}{} \
                 GROUP BY organization_id",
                id("organization_id"),
                only("organization_id"),
            ),
        )?,
        supervision: grouped(
            conn,
            &format!(
                "SELECT {} AS code, kind AS key, COUNT(*) AS n, {ZERO} AS a, {ZERO} AS b, {ZERO} AS c \
                 FROM supervision_records WHERE decided_on BETWEEN {first} AND {last}{} \
                 GROUP BY organization_id, kind",
                id("organization_id"),
                only("organization_id"),
            ),
        )?,
    })
}

/// Groups rows by code.
pub fn by_code(rows: &[Grouped]) -> HashMap<&str, Vec<&Grouped>> {
    let mut map: HashMap<&str, Vec<&Grouped>> = HashMap::new();
    for row in rows {
        map.entry(row.code.as_str()).or_default().push(row);
    }
    map
}

/// The stored weights of the participation indicator (indicator, weight).
pub fn stored_weights(conn: &mut DbConnection) -> QueryResult<Vec<(String, i32)>> {
    use crate::schema::evaluation_weights as w;
    w::table
        .select((w::indicator, w::weight))
        .order(w::indicator.asc())
        .load(conn)
}

/// Replaces every stored weight.
pub fn replace_weights(
    conn: &mut DbConnection,
    weights: &[(String, i32)],
    at: chrono::DateTime<chrono::Utc>,
) -> QueryResult<()> {
    use crate::dialect::DbTimestamp;
    use crate::schema::evaluation_weights as w;
    diesel::delete(w::table).execute(conn)?;
    let rows: Vec<_> = weights
        .iter()
        .map(|(indicator, weight)| {
            (
                w::indicator.eq(indicator.clone()),
                w::weight.eq(*weight),
                w::updated_at.eq(DbTimestamp(at)),
            )
        })
        .collect();
    crate::insert_all!(conn, w::table, &rows)?;
    Ok(())
}
