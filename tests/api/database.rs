//! The schema and the seed on the backend under test: migrations up, down and up
//! again; the seed idempotent and respectful of flags set since.

use diesel::prelude::*;
use persistence::schema::regions;
use persistence::{migrations, regions as store, seed};
use tests::TestDb;

#[test]
fn migrations_go_up_down_and_up_again() {
    let db = TestDb::new();
    let mut conn = db.connect();
    let applied = migrations::run_pending(&mut conn).unwrap();
    assert!(!applied.is_empty());
    assert!(migrations::is_up_to_date(&mut conn).unwrap());
    seed::seed_regions(&mut conn).unwrap();

    let reverted = migrations::revert_all(&mut conn).unwrap();
    assert_eq!(reverted.len(), applied.len());
    assert!(!migrations::is_up_to_date(&mut conn).unwrap());
    assert!(
        regions::table.count().get_result::<i64>(&mut conn).is_err(),
        "the table is gone"
    );

    let again = migrations::run_pending(&mut conn).unwrap();
    assert_eq!(again, applied);
    assert!(!seed::regions_present(&mut conn).unwrap());
}

#[test]
fn the_schema_module_matches_the_migrations() {
    let db = TestDb::new();
    let mut conn = db.connect();
    migrations::run_pending(&mut conn).unwrap();
    seed::seed_regions(&mut conn).unwrap();
    // Every column of schema.rs is read with its declared type.
    let rows = regions::table
        .select(store::RegionRow::as_select())
        .limit(5)
        .load::<store::RegionRow>(&mut conn)
        .unwrap();
    assert_eq!(rows.len(), 5);
}

#[test]
fn seeding_is_idempotent_and_keeps_flags() {
    let db = TestDb::new();
    let mut conn = db.connect();
    migrations::run_pending(&mut conn).unwrap();
    assert_eq!(seed::seed_regions(&mut conn).unwrap(), 16495);
    diesel::update(regions::table.find("530102"))
        .set(regions::key_county.eq(Some("national")))
        .execute(&mut conn)
        .unwrap();
    diesel::delete(regions::table.find("530102001001"))
        .execute(&mut conn)
        .unwrap();

    // A second run adds only what is missing and leaves the rest alone.
    assert_eq!(seed::seed_regions(&mut conn).unwrap(), 1);
    assert_eq!(seed::seed_regions(&mut conn).unwrap(), 0);
    let key: Option<String> = regions::table
        .find("530102")
        .select(regions::key_county)
        .first(&mut conn)
        .unwrap();
    assert_eq!(key.as_deref(), Some("national"));
    let counts = store::count_by_level(&mut conn).unwrap();
    let count = |level: &str| {
        counts
            .iter()
            .find(|(l, _)| l == level)
            .map(|(_, n)| *n)
            .unwrap()
    };
    assert_eq!(count("county"), 129);
    assert_eq!(count("village"), 14888);
}

#[test]
fn the_database_refuses_inconsistent_rows() {
    let db = TestDb::new();
    let mut conn = db.connect();
    migrations::run_pending(&mut conn).unwrap();
    seed::seed_regions(&mut conn).unwrap();
    // A key-county designation on a village, tags on a county, an orphan: all refused.
    assert!(diesel::update(regions::table.find("530102001001"))
        .set(regions::key_county.eq(Some("national")))
        .execute(&mut conn)
        .is_err());
    assert!(diesel::update(regions::table.find("530102"))
        .set(regions::tags.eq("[\"demonstration\"]"))
        .execute(&mut conn)
        .is_err());
    assert!(diesel::update(regions::table.find("530102"))
        .set(regions::parent_code.eq(Some("5399")))
        .execute(&mut conn)
        .is_err());
}
