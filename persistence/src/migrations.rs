//! The SQL migrations, embedded in the binary: `migrations/postgres/` and
//! `migrations/sqlite/` hold the same steps under the same names.

use diesel::connection::SimpleConnection;
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};

use crate::db::DbConnection;
use crate::error::PersistenceError;

const POSTGRES: EmbeddedMigrations = embed_migrations!("../migrations/postgres");
const SQLITE: EmbeddedMigrations = embed_migrations!("../migrations/sqlite");

/// An arbitrary constant naming our advisory lock: "zhenxing" in ASCII, as an i64.
const MIGRATION_LOCK: i64 = 0x7a68_656e_7869_6e67;

/// Applies every pending migration; returns the names of those applied.
///
/// diesel takes no lock while migrating, so on PostgreSQL replicas starting together
/// would race; an advisory lock lets one migrate while the others wait and then find
/// nothing to do. (SQLite is one process's file: its own locking suffices.)
pub fn run_pending(conn: &mut DbConnection) -> Result<Vec<String>, PersistenceError> {
    let applied = match conn {
        DbConnection::Pg(c) => {
            c.batch_execute(&format!("SELECT pg_advisory_lock({MIGRATION_LOCK})"))?;
            let applied = c.run_pending_migrations(POSTGRES).map(|v| names(&v));
            c.batch_execute(&format!("SELECT pg_advisory_unlock({MIGRATION_LOCK})"))?;
            applied
        }
        DbConnection::Sqlite(c) => c.run_pending_migrations(SQLITE).map(|v| names(&v)),
    };
    applied.map_err(|e| PersistenceError::Migration(e.to_string()))
}

fn names(versions: &[diesel::migration::MigrationVersion<'_>]) -> Vec<String> {
    versions.iter().map(ToString::to_string).collect()
}

/// Reverts every applied migration, newest first (used by the up/down/up test and
/// by operators starting over).
pub fn revert_all(conn: &mut DbConnection) -> Result<Vec<String>, PersistenceError> {
    let reverted = match conn {
        DbConnection::Pg(c) => c.revert_all_migrations(POSTGRES),
        DbConnection::Sqlite(c) => c.revert_all_migrations(SQLITE),
    };
    reverted
        .map(|versions| versions.iter().map(ToString::to_string).collect())
        .map_err(|e| PersistenceError::Migration(e.to_string()))
}

/// True when every embedded migration has been applied.
pub fn is_up_to_date(conn: &mut DbConnection) -> Result<bool, PersistenceError> {
    let pending = match conn {
        DbConnection::Pg(c) => c.has_pending_migration(POSTGRES),
        DbConnection::Sqlite(c) => c.has_pending_migration(SQLITE),
    };
    pending
        .map(|p| !p)
        .map_err(|e| PersistenceError::Migration(e.to_string()))
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;
    use std::path::Path;

    fn names(dir: &str) -> BTreeSet<String> {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../migrations")
            .join(dir);
        std::fs::read_dir(root)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect()
    }

    #[test]
    fn both_backends_have_the_same_migrations() {
        let pg = names("postgres");
        assert!(!pg.is_empty());
        assert_eq!(pg, names("sqlite"));
    }
}
