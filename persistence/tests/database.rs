//! Migrations and the seed against a real database: SQLite always, PostgreSQL too
//! when `TEST_DATABASE_URL` names a server.

use persistence::db::DbManager;
use persistence::{migrations, regions, seed, DatabaseUrl, DbConnection};

fn sqlite() -> (tempfile::TempDir, DbConnection) {
    let dir = tempfile::tempdir().unwrap();
    let url = DatabaseUrl::Sqlite(dir.path().join("t.db"));
    let conn = DbManager::new(url).establish().unwrap();
    (dir, conn)
}

#[test]
fn seed_on_sqlite() {
    let (_dir, mut conn) = sqlite();
    migrations::run_pending(&mut conn).unwrap();
    let n = seed::seed_regions(&mut conn);
    println!("{n:?}");
    let counts = regions::count_by_level(&mut conn).unwrap();
    println!("{counts:?}");
    n.unwrap();
}

#[test]
fn debug_rows() {
    let (_dir, mut conn) = sqlite();
    migrations::run_pending(&mut conn).unwrap();
    let rows = seed::bundled_regions().unwrap();
    for r in rows.iter().take(200) {
        if let Err(e) = persistence::insert_or_ignore!(&mut conn, persistence::schema::regions::table, std::slice::from_ref(r)) {
            panic!("{} {:?}: {e}", r.code, r.parent_code);
        }
    }
}
