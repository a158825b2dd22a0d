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
/// category) and up to four numbers. The sums `a`, `b` and `c` saturate at
/// `i64::MAX` rather than wrap; add them up with `saturating_add`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grouped {
    pub code: String,
    pub key: String,
    pub n: i64,
    pub a: i64,
    pub b: i64,
    pub c: i64,
}

/// A grouped row as the database gives it: each sum in two halves (see `sum`).
#[derive(QueryableByName)]
struct GroupedRow {
    #[diesel(sql_type = Text)]
    code: String,
    #[diesel(sql_type = Text)]
    key: String,
    #[diesel(sql_type = BigInt)]
    n: i64,
    #[diesel(sql_type = BigInt)]
    a_hi: i64,
    #[diesel(sql_type = BigInt)]
    a_lo: i64,
    #[diesel(sql_type = BigInt)]
    b_hi: i64,
    #[diesel(sql_type = BigInt)]
    b_lo: i64,
    #[diesel(sql_type = BigInt)]
    c_hi: i64,
    #[diesel(sql_type = BigInt)]
    c_lo: i64,
}

/// The halves of a sum joined in 128 bits, saturating into 64.
pub fn join_halves(hi: i64, lo: i64) -> i64 {
    let exact = i128::from(hi) * i128::from(HALF) + i128::from(lo);
    i64::try_from(exact).unwrap_or(if exact < 0 { i64::MIN } else { i64::MAX })
}

fn grouped(conn: &mut DbConnection, sql: &str) -> QueryResult<Vec<Grouped>> {
    let rows: Vec<GroupedRow> = diesel::sql_query(sql).load(conn)?;
    Ok(rows
        .into_iter()
        .map(|r| Grouped {
            code: r.code,
            key: r.key,
            n: r.n,
            a: join_halves(r.a_hi, r.a_lo),
            b: join_halves(r.b_hi, r.b_lo),
            c: join_halves(r.c_hi, r.c_lo),
        })
        .collect())
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

/// A `SUM` named `name` that can neither overflow in the database nor wrap after it:
/// the values are summed as their high and low halves (`x / 2^32` and `x % 2^32`),
/// whose sums fit in 64 bits over billions of rows on both backends (SQLite's `SUM`
/// fails on overflow; PostgreSQL's is NUMERIC, cast back), and `Grouped` joins them
/// exactly in 128 bits. Amounts are capped at input (`MAX_AMOUNT_FEN`); this keeps
/// the figures right even over rows stored before the cap.
fn sum(expr: &str, name: &str) -> String {
    format!(
        "CAST(COALESCE(SUM(({expr}) / {HALF}), 0) AS BIGINT) AS {name}_hi, \
         CAST(COALESCE(SUM(({expr}) % {HALF}), 0) AS BIGINT) AS {name}_lo"
    )
}

/// 2^32: where `sum` splits a value.
pub(crate) const HALF: i64 = 1 << 32;

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
                "SELECT county_code AS code, status AS key, COUNT(*) AS n, {ZERO} AS a_hi, {ZERO} AS a_lo, {ZERO} AS b_hi, {ZERO} AS b_lo, {ZERO} AS c_hi, {ZERO} AS c_lo \
                 FROM pairings GROUP BY county_code, status"
            ),
        )?,
        agreements: grouped(
            conn,
            &format!(
                "SELECT county_code AS code, '' AS key, COUNT(*) AS n, \
                 {}, {}, {} \
                 FROM pairings WHERE agreement_deadline BETWEEN {first} AND {last} GROUP BY county_code",
                sum("CASE WHEN agreement_signed_on IS NOT NULL AND agreement_signed_on <= agreement_deadline THEN 1 ELSE 0 END", "a"),
                sum("CASE WHEN agreement_signed_on IS NOT NULL AND agreement_signed_on > agreement_deadline THEN 1 ELSE 0 END", "b"),
                sum(&format!("CASE WHEN status = 'pending_agreement' AND agreement_deadline < {today} THEN 1 ELSE 0 END"), "c"),
            ),
        )?,
        projects: grouped(
            conn,
            &format!(
                "SELECT county_code AS code, category AS key, COUNT(*) AS n, {}, {}, {} \
                 FROM projects WHERE status <> 'cancelled' AND start_on <= {last} \
                 AND (end_on IS NULL OR end_on >= {first}) GROUP BY county_code, category",
                sum("committed_fen", "a"),
                sum("disbursed_fen", "b"),
                sum("beneficiaries", "c"),
            ),
        )?,
        villages: grouped(
            conn,
            &format!(
                "SELECT county_code AS code, '' AS key, COUNT(DISTINCT village_code) AS n, {ZERO} AS a_hi, {ZERO} AS a_lo, {ZERO} AS b_hi, {ZERO} AS b_lo, {ZERO} AS c_hi, {ZERO} AS c_lo \
                 FROM village_pairings WHERE status = 'active' GROUP BY county_code"
            ),
        )?,
        households: grouped(
            conn,
            &format!(
                "SELECT h.county_code AS code, '' AS key, COUNT(DISTINCT a.household_id) AS n, {ZERO} AS a_hi, {ZERO} AS a_lo, {ZERO} AS b_hi, {ZERO} AS b_lo, {ZERO} AS c_hi, {ZERO} AS c_lo \
                 FROM assistance_records a JOIN households h ON h.id = a.household_id \
                 WHERE a.given_on <= {last} GROUP BY h.county_code"
            ),
        )?,
        party_pairings: grouped(
            conn,
            &format!(
                "SELECT county_code AS code, '' AS key, COUNT(*) AS n, {ZERO} AS a_hi, {ZERO} AS a_lo, {ZERO} AS b_hi, {ZERO} AS b_lo, {ZERO} AS c_hi, {ZERO} AS c_lo \
                 FROM party_pairings WHERE status = 'active' GROUP BY county_code"
            ),
        )?,
        wishes: grouped(
            conn,
            &format!(
                "SELECT county_code AS code, status AS key, COUNT(*) AS n, {ZERO} AS a_hi, {ZERO} AS a_lo, {ZERO} AS b_hi, {ZERO} AS b_lo, {ZERO} AS c_hi, {ZERO} AS c_lo \
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
                "SELECT {} AS code, '' AS key, COUNT(*) AS n, {}, {ZERO} AS b_hi, {ZERO} AS b_lo, {ZERO} AS c_hi, {ZERO} AS c_lo \
                 FROM pairings WHERE agreement_deadline BETWEEN {first} AND {last} \
                 AND (status <> 'terminated' OR agreement_signed_on IS NOT NULL){} GROUP BY organization_id",
                id("organization_id"),
                sum("CASE WHEN agreement_signed_on IS NOT NULL AND agreement_signed_on <= agreement_deadline THEN 1 ELSE 0 END", "a"),
                only("organization_id"),
            ),
        )?,
        counties: grouped(
            conn,
            &format!(
                "SELECT {} AS code, county_code AS key, COUNT(*) AS n, {ZERO} AS a_hi, {ZERO} AS a_lo, {ZERO} AS b_hi, {ZERO} AS b_lo, {ZERO} AS c_hi, {ZERO} AS c_lo \
                 FROM pairings WHERE status <> 'terminated' AND established_on <= {last}{} \
                 GROUP BY organization_id, county_code",
                id("organization_id"),
                only("organization_id"),
            ),
        )?,
        projects: grouped(
            conn,
            &format!(
                "SELECT {} AS code, '' AS key, COUNT(*) AS n, {}, {ZERO} AS b_hi, {ZERO} AS b_lo, {ZERO} AS c_hi, {ZERO} AS c_lo \
                 FROM projects WHERE status <> 'cancelled' AND start_on <= {last} \
                 AND (end_on IS NULL OR end_on >= {first}){} GROUP BY organization_id",
                id("organization_id"),
                sum("disbursed_fen", "a"),
                only("organization_id"),
            ),
        )?,
        villages: grouped(
            conn,
            &format!(
                "SELECT {} AS code, '' AS key, COUNT(DISTINCT village_code) AS n, {ZERO} AS a_hi, {ZERO} AS a_lo, {ZERO} AS b_hi, {ZERO} AS b_lo, {ZERO} AS c_hi, {ZERO} AS c_lo \
                 FROM village_pairings WHERE status = 'active'{} GROUP BY organization_id",
                id("organization_id"),
                only("organization_id"),
            ),
        )?,
        households: grouped(
            conn,
            &format!(
                "SELECT {} AS code, '' AS key, COUNT(DISTINCT household_id) AS n, {ZERO} AS a_hi, {ZERO} AS a_lo, {ZERO} AS b_hi, {ZERO} AS b_lo, {ZERO} AS c_hi, {ZERO} AS c_lo \
                 FROM assistance_records WHERE given_on BETWEEN {first} AND {last}{} GROUP BY organization_id",
                id("organization_id"),
                only("organization_id"),
            ),
        )?,
        wishes: grouped(
            conn,
            &format!(
                "SELECT {} AS code, '' AS key, COUNT(*) AS n, {ZERO} AS a_hi, {ZERO} AS a_lo, {ZERO} AS b_hi, {ZERO} AS b_lo, {ZERO} AS c_hi, {ZERO} AS c_lo \
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
                   WHERE x.party_pairing_id = p.id AND x.held_on BETWEEN {first} AND {last})), 0) AS BIGINT) AS a_lo, {ZERO} AS a_hi, \
                 {ZERO} AS b_hi, {ZERO} AS b_lo, {ZERO} AS c_hi, {ZERO} AS c_lo \
                 FROM party_pairings p WHERE 1 = 1{} GROUP BY p.organization_id",
                id("p.organization_id"),
                only("p.organization_id"),
            ),
        )?,
        cases: grouped(
            conn,
            &format!(
                "SELECT {} AS code, '' AS key, COUNT(*) AS n, {ZERO} AS a_hi, {ZERO} AS a_lo, {ZERO} AS b_hi, {ZERO} AS b_lo, {ZERO} AS c_hi, {ZERO} AS c_lo \
                 FROM cases WHERE status = 'published' AND published_on BETWEEN {first} AND {last}{} \
                 GROUP BY organization_id",
                id("organization_id"),
                only("organization_id"),
            ),
        )?,
        supervision: grouped(
            conn,
            &format!(
                "SELECT {} AS code, kind AS key, COUNT(*) AS n, {ZERO} AS a_hi, {ZERO} AS a_lo, {ZERO} AS b_hi, {ZERO} AS b_lo, {ZERO} AS c_hi, {ZERO} AS c_lo \
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn halves_join_exactly_and_saturate() {
        let split = |x: i64| (x / HALF, x % HALF);
        for x in [
            0,
            1,
            -1,
            HALF - 1,
            HALF,
            -HALF - 7,
            i64::MAX,
            i64::MIN,
            123_456_789_012_345,
        ] {
            let (hi, lo) = split(x);
            assert_eq!(join_halves(hi, lo), x, "{x}");
        }
        // Two values near i64::MAX: the sums of their halves fit, the total saturates.
        let (hi, lo) = split(i64::MAX);
        assert_eq!(join_halves(hi * 2, lo * 2), i64::MAX);
        let (hi, lo) = split(i64::MIN);
        assert_eq!(join_halves(hi * 2, lo * 2), i64::MIN);
    }
}
