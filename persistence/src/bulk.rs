//! Writing many rows of one table at once (the demo data): one multi-row statement per
//! chunk on PostgreSQL, row by row on SQLite, chunks sized under PostgreSQL's limit of
//! 65,535 bind parameters.
//!
//! A narrow door for a caller outside this crate that writes rows it built itself:
//! it names the row structs, never the schema or the per-backend insert.

use diesel::QueryResult;

use crate::db::DbConnection;
use crate::households::{AssistanceRow, HouseholdRow, WishRow};
use crate::liaisons::LiaisonRow;
use crate::organizations::OrganizationRow;
use crate::pairings::{PairingRequestRow, PairingRow};
use crate::party::{ActivityRow, PartyOrganizationRow, PartyPairingRow};
use crate::projects::{ProjectRow, VillagePairingRow};
use crate::reports::ReportRow;
use crate::schema::{
    assistance_records, cases, households, liaisons, organizations, pairing_requests, pairings,
    party_activities, party_organizations, party_pairings, projects, reports, supervision_records,
    village_pairings, wishes,
};
use crate::supervision::{CaseRow, SupervisionRow};

/// Bind parameters per statement: under PostgreSQL's limit of 65,535.
const MAX_BINDS: usize = 60_000;
/// Rows per statement at most, however narrow the table.
pub const MAX_ROWS_PER_STATEMENT: usize = 5_000;

/// A row struct that can be inserted many at a time. Implemented here, for the rows
/// the demo data writes; sealed, so the set stays in this crate.
pub trait BulkRow: Sized + sealed::InsertStatement {
    /// Columns of the table, which is the bind parameters a row takes.
    const COLUMNS: usize;
}

mod sealed {
    use super::{DbConnection, QueryResult};

    /// One `INSERT` of a slice of rows (the per-backend difference, behind the trait so
    /// that no caller outside this crate names the schema).
    pub trait InsertStatement: Sized {
        fn insert_statement(conn: &mut DbConnection, rows: &[Self]) -> QueryResult<usize>;
    }
}

/// How many rows of `R` one statement carries.
fn rows_per_statement<R: BulkRow>() -> usize {
    (MAX_BINDS / R::COLUMNS).clamp(1, MAX_ROWS_PER_STATEMENT)
}

/// Inserts `rows` in statements of `rows_per_statement::<R>()` rows, calling
/// `inserted` with each statement's row count after it has run (for progress). Inside
/// the caller's transaction: on an error, what was inserted stays until it rolls back.
pub fn insert_rows<R: BulkRow>(
    conn: &mut DbConnection,
    rows: &[R],
    mut inserted: impl FnMut(usize),
) -> QueryResult<()> {
    for chunk in rows.chunks(rows_per_statement::<R>()) {
        R::insert_statement(conn, chunk)?;
        inserted(chunk.len());
    }
    Ok(())
}

macro_rules! bulk_rows {
    ($($row:ty => $table:ident, $columns:literal;)+) => {
        $(
            impl BulkRow for $row {
                const COLUMNS: usize = $columns;
            }

            impl sealed::InsertStatement for $row {
                fn insert_statement(conn: &mut DbConnection, rows: &[Self]) -> QueryResult<usize> {
                    crate::insert_all!(conn, $table::table, rows)
                }
            }
        )+

        /// Every implementation's table and column count, for the test that holds
        /// `COLUMNS` to the migrated schema.
        #[cfg(test)]
        const TABLES: &[(&str, usize)] = &[$((stringify!($table), <$row as BulkRow>::COLUMNS)),+];
    };
}

bulk_rows! {
    OrganizationRow => organizations, 17;
    PairingRow => pairings, 14;
    PairingRequestRow => pairing_requests, 15;
    ProjectRow => projects, 22;
    VillagePairingRow => village_pairings, 15;
    CaseRow => cases, 13;
    SupervisionRow => supervision_records, 8;
    PartyOrganizationRow => party_organizations, 10;
    PartyPairingRow => party_pairings, 13;
    ActivityRow => party_activities, 9;
    LiaisonRow => liaisons, 11;
    ReportRow => reports, 11;
    HouseholdRow => households, 18;
    WishRow => wishes, 15;
    AssistanceRow => assistance_records, 11;
}

#[cfg(test)]
mod tests {
    use diesel::prelude::*;
    use diesel::sql_types::BigInt;

    use super::*;

    #[derive(QueryableByName)]
    struct Count {
        #[diesel(sql_type = BigInt)]
        n: i64,
    }

    #[test]
    fn column_counts_match_the_migrated_tables() {
        let mut conn = DbConnection::Sqlite(SqliteConnection::establish(":memory:").unwrap());
        crate::migrations::run_pending(&mut conn).unwrap();
        for &(table, columns) in TABLES {
            let counted = diesel::sql_query(format!(
                "SELECT count(*) AS n FROM pragma_table_info('{table}')"
            ))
            .get_result::<Count>(&mut conn)
            .unwrap();
            assert_eq!(counted.n, columns as i64, "columns of {table}");
        }
    }

    #[test]
    fn statements_stay_under_the_bind_limit() {
        assert_eq!(
            rows_per_statement::<SupervisionRow>(),
            MAX_ROWS_PER_STATEMENT
        );
        assert_eq!(rows_per_statement::<ProjectRow>(), 60_000 / 22);
        assert!(rows_per_statement::<ProjectRow>() * ProjectRow::COLUMNS <= 65_535);
    }
}
