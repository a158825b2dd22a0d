//! Where PostgreSQL and SQLite differ, the difference lives here and nowhere else.
//!
//! diesel's `MultiBackend` covers the common subset of both. Beyond it:
//! - UUIDs and timestamps with time zone get SQL types of our own (`PortableUuid`,
//!   `PortableTimestamp`, held in rows as `DbUuid`/`DbTimestamp`): native `uuid` and
//!   `timestamptz` on PostgreSQL, hyphenated / RFC 3339 `TEXT` on SQLite.
//! - `ilike` is missing: `contains_text` compares `lower()` of both sides.
//! - `ON CONFLICT` and multi-row inserts compile per backend only: `insert_or_ignore!`
//!   matches on the connection.
//! - `.returning(...)` does not compile on `MultiBackend`: write, then read back by key.

use chrono::{DateTime, SecondsFormat, Utc};
use diesel::deserialize::FromSqlRow;
use diesel::deserialize::{self, FromSql};
use diesel::expression::AsExpression;
use diesel::pg::Pg;
use diesel::serialize::{self, IsNull, Output, ToSql};
use diesel::sql_types::{HasSqlType, SqlType, Text};
use diesel::sqlite::Sqlite;

use crate::db::MultiBackend;

diesel::define_sql_function! {
    /// `lower(text)`, the same on both backends.
    fn lower(x: Text) -> Text;
}

/// A case-insensitive "contains" pattern for `LIKE … ESCAPE '\'`: the needle's own
/// `%`, `_` and `\` match literally.
pub fn contains_pattern(needle: &str) -> String {
    let mut pattern = String::with_capacity(needle.len() + 2);
    pattern.push('%');
    for ch in needle.to_lowercase().chars() {
        if matches!(ch, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(ch);
    }
    pattern.push('%');
    pattern
}

/// `lower(column) LIKE lower('%needle%')`: case-insensitive substring match on both
/// backends.
#[macro_export]
macro_rules! contains_text {
    ($column:expr, $needle:expr) => {{
        use diesel::TextExpressionMethods as _;
        $crate::dialect::lower($column)
            .like($crate::dialect::contains_pattern($needle))
            .escape('\\')
    }};
}

/// Inserts a slice of rows, skipping any whose key already exists; returns how many
/// were inserted. Multi-row `INSERT … ON CONFLICT` only compiles per backend, hence
/// the match.
#[macro_export]
macro_rules! insert_or_ignore {
    ($conn:expr, $table:expr, $values:expr) => {{
        use diesel::RunQueryDsl as _;
        match $conn {
            $crate::db::DbConnection::Pg(c) => diesel::insert_into($table)
                .values($values)
                .on_conflict_do_nothing()
                .execute(c),
            // Row by row: diesel has no multi-row `ON CONFLICT` for SQLite, and
            // `INSERT OR IGNORE` would also skip rows that break a CHECK. Inside the
            // caller's transaction, with the statement cached, this stays fast.
            $crate::db::DbConnection::Sqlite(c) => {
                $values.into_iter().try_fold(0, |inserted, row| {
                    diesel::insert_into($table)
                        .values(row)
                        .on_conflict_do_nothing()
                        .execute(c)
                        .map(|n| inserted + n)
                })
            }
        }
    }};
}

/// Inserts a slice of rows: one multi-row statement on PostgreSQL, row by row on
/// SQLite (in-process, inside the caller's transaction, that is as fast).
#[macro_export]
macro_rules! insert_all {
    ($conn:expr, $table:expr, $values:expr) => {{
        use diesel::RunQueryDsl as _;
        match $conn {
            $crate::db::DbConnection::Pg(c) => {
                diesel::insert_into($table).values($values).execute(c)
            }
            $crate::db::DbConnection::Sqlite(c) => $values.iter().try_fold(0, |inserted, row| {
                diesel::insert_into($table)
                    .values(row)
                    .execute(c)
                    .map(|n| inserted + n)
            }),
        }
    }};
}

/// The half-open range of digit codes that begin with `prefix` (`"5301"` →
/// `("5301", "5302")`): compared as text it selects a region's descendants with a plain
/// index range scan on either backend, where `LIKE 'prefix%'` would need a C collation.
pub fn code_range(prefix: &str) -> (String, String) {
    let next = prefix
        .parse::<u64>()
        .map(|n| format!("{:0width$}", n + 1, width = prefix.len()))
        .unwrap_or_else(|_| format!("{prefix}\u{10ffff}"));
    (prefix.to_owned(), next)
}

/// `column` holds a code beginning with `prefix`, as an index-friendly range (see
/// `code_range`).
#[macro_export]
macro_rules! within_codes {
    ($column:expr, $prefix:expr) => {{
        let (low, high) = $crate::dialect::code_range($prefix);
        $column.ge(low).and($column.lt(high))
    }};
}

/// A UUID: `uuid` on PostgreSQL, hyphenated lower-case `TEXT` on SQLite.
#[derive(Debug, Clone, Copy, SqlType, diesel::query_builder::QueryId)]
#[diesel(postgres_type(oid = 2950, array_oid = 2951))]
#[diesel(sqlite_type(name = "Text"))]
pub struct PortableUuid;

/// An instant: `timestamptz` on PostgreSQL, RFC 3339 UTC `TEXT` with microseconds on
/// SQLite (fixed width, so it sorts as text in time order).
#[derive(Debug, Clone, Copy, SqlType, diesel::query_builder::QueryId)]
#[diesel(postgres_type(oid = 1184, array_oid = 1185))]
#[diesel(sqlite_type(name = "Text"))]
pub struct PortableTimestamp;

/// A UUID as rows hold it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, AsExpression, FromSqlRow)]
#[diesel(sql_type = PortableUuid)]
pub struct DbUuid(pub uuid::Uuid);

/// An instant as rows hold it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, AsExpression, FromSqlRow)]
#[diesel(sql_type = PortableTimestamp)]
pub struct DbTimestamp(pub DateTime<Utc>);

// Instants compare in time order on both backends (fixed-width text on SQLite), so
// MIN/MAX and ORDER BY mean what they say.
impl diesel::sql_types::SqlOrd for PortableTimestamp {}

impl HasSqlType<PortableUuid> for MultiBackend {
    fn metadata(lookup: &mut Self::MetadataLookup) -> Self::TypeMetadata {
        MultiBackend::lookup_sql_type::<PortableUuid>(lookup)
    }
}

impl HasSqlType<PortableTimestamp> for MultiBackend {
    fn metadata(lookup: &mut Self::MetadataLookup) -> Self::TypeMetadata {
        MultiBackend::lookup_sql_type::<PortableTimestamp>(lookup)
    }
}

type RawValue<'a, DB> = <DB as diesel::backend::Backend>::RawValue<'a>;

// --- UUID -------------------------------------------------------------------

impl ToSql<PortableUuid, Pg> for DbUuid {
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Pg>) -> serialize::Result {
        <uuid::Uuid as ToSql<diesel::sql_types::Uuid, Pg>>::to_sql(&self.0, out)
    }
}

impl FromSql<PortableUuid, Pg> for DbUuid {
    fn from_sql(bytes: RawValue<'_, Pg>) -> deserialize::Result<Self> {
        <uuid::Uuid as FromSql<diesel::sql_types::Uuid, Pg>>::from_sql(bytes).map(DbUuid)
    }
}

impl ToSql<PortableUuid, Sqlite> for DbUuid {
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Sqlite>) -> serialize::Result {
        out.set_value(self.0.hyphenated().to_string());
        Ok(IsNull::No)
    }
}

impl FromSql<PortableUuid, Sqlite> for DbUuid {
    fn from_sql(bytes: RawValue<'_, Sqlite>) -> deserialize::Result<Self> {
        let text = <String as FromSql<Text, Sqlite>>::from_sql(bytes)?;
        Ok(DbUuid(uuid::Uuid::parse_str(&text)?))
    }
}

impl ToSql<PortableUuid, MultiBackend> for DbUuid {
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, MultiBackend>) -> serialize::Result {
        out.set_value((PortableUuid, self));
        Ok(IsNull::No)
    }
}

impl FromSql<PortableUuid, MultiBackend> for DbUuid {
    fn from_sql(bytes: RawValue<'_, MultiBackend>) -> deserialize::Result<Self> {
        bytes.from_sql::<DbUuid, PortableUuid>()
    }
}

// --- Timestamps -------------------------------------------------------------

impl ToSql<PortableTimestamp, Pg> for DbTimestamp {
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Pg>) -> serialize::Result {
        <DateTime<Utc> as ToSql<diesel::sql_types::Timestamptz, Pg>>::to_sql(&self.0, out)
    }
}

impl FromSql<PortableTimestamp, Pg> for DbTimestamp {
    fn from_sql(bytes: RawValue<'_, Pg>) -> deserialize::Result<Self> {
        <DateTime<Utc> as FromSql<diesel::sql_types::Timestamptz, Pg>>::from_sql(bytes)
            .map(DbTimestamp)
    }
}

/// The text form of an instant on SQLite.
pub fn sqlite_timestamp(at: &DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Micros, true)
}

impl ToSql<PortableTimestamp, Sqlite> for DbTimestamp {
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Sqlite>) -> serialize::Result {
        out.set_value(sqlite_timestamp(&self.0));
        Ok(IsNull::No)
    }
}

impl FromSql<PortableTimestamp, Sqlite> for DbTimestamp {
    fn from_sql(bytes: RawValue<'_, Sqlite>) -> deserialize::Result<Self> {
        let text = <String as FromSql<Text, Sqlite>>::from_sql(bytes)?;
        Ok(DbTimestamp(
            DateTime::parse_from_rfc3339(&text)?.with_timezone(&Utc),
        ))
    }
}

impl ToSql<PortableTimestamp, MultiBackend> for DbTimestamp {
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, MultiBackend>) -> serialize::Result {
        out.set_value((PortableTimestamp, self));
        Ok(IsNull::No)
    }
}

impl FromSql<PortableTimestamp, MultiBackend> for DbTimestamp {
    fn from_sql(bytes: RawValue<'_, MultiBackend>) -> deserialize::Result<Self> {
        bytes.from_sql::<DbTimestamp, PortableTimestamp>()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn code_ranges_hold_exactly_the_descendants() {
        let (low, high) = code_range("5301");
        assert_eq!((low.as_str(), high.as_str()), ("5301", "5302"));
        for inside in ["5301", "530102", "530102001001", "530199"] {
            assert!(low.as_str() <= inside && inside < high.as_str(), "{inside}");
        }
        for outside in ["5302", "530200", "5300", "53"] {
            assert!(
                !(low.as_str() <= outside && outside < high.as_str()),
                "{outside}"
            );
        }
        assert_eq!(code_range("5309").1, "5310");
        assert_eq!(code_range("530199").1, "530200");
    }

    #[test]
    fn patterns_escape_wildcards() {
        assert_eq!(contains_pattern("五华"), "%五华%");
        assert_eq!(contains_pattern("a%b_c\\"), "%a\\%b\\_c\\\\%");
        assert_eq!(contains_pattern("ABC"), "%abc%");
    }

    #[test]
    fn sqlite_timestamps_sort_as_text() {
        let a = DateTime::parse_from_rfc3339("2024-01-02T03:04:05Z")
            .unwrap()
            .with_timezone(&Utc);
        let b = a + chrono::Duration::microseconds(1);
        assert_eq!(sqlite_timestamp(&a), "2024-01-02T03:04:05.000000Z");
        assert!(sqlite_timestamp(&a) < sqlite_timestamp(&b));
    }
}
