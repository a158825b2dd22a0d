//! The key that seals households' personal data: where it comes from, that it is
//! never replaced over stored data, and rotation (re-sealing under a new key).

use api::Config;
use diesel::prelude::*;
use domain::household::IdNumber;
use persistence::households::{self, HouseholdRow};
use persistence::personal_data::{key_file_path, PiiKey, Vault};
use persistence::schema::households as households_table;
use serde_json::json;
use tests::{TestApp, TestDb};

fn config_for(db: &TestDb, key: Option<PiiKey>) -> Config {
    let mut config = Config::from_lookup(|_| None).unwrap();
    config.database_url = db.url.clone();
    config.pii_key = key;
    config
}

fn id_number(serial: u32) -> String {
    let first17 = format!("530102198001{:02}{:03}", 1 + serial % 28, serial % 1000);
    let first17 = &first17[..17];
    format!("{first17}{}", IdNumber::check_char(first17).unwrap())
}

/// A household registered through the API by a province admin; returns its id.
fn register(app: &TestApp, serial: u32) -> String {
    let village: String = {
        use persistence::schema::regions;
        let mut conn = app.db.connect();
        regions::table
            .filter(regions::level.eq("village"))
            .filter(regions::code.like("530102%"))
            .select(regions::code)
            .order(regions::code.asc())
            .first(&mut conn)
            .unwrap()
    };
    let res = app.request(
        "POST",
        "/api/v1/households",
        Some(&app.admin_token()),
        Some(&json!({
            "village_code": village,
            "head_name": "欧阳娜娜",
            "id_number": id_number(serial),
            "phone": "13812345678",
            "members": 3,
            "category": "marginal_at_risk",
        })),
        &[],
    );
    assert_eq!(res.status, 201, "{}", res.text);
    res.json()["id"].as_str().unwrap().to_owned()
}

fn rows(app: &TestApp) -> Vec<HouseholdRow> {
    let mut conn = app.db.connect();
    households_table::table
        .select(HouseholdRow::as_select())
        .load(&mut conn)
        .unwrap()
}

#[test]
fn postgres_needs_a_configured_key_and_sqlite_keeps_a_generated_one() {
    let db = TestDb::new();
    let mut conn = db.connect();
    api::server::migrate_and_seed(&mut conn).unwrap();
    let result = api::server::resolve_vault(&config_for(&db, None), &mut conn);
    if db.is_postgres() {
        let message = result.unwrap_err();
        assert!(message.contains("PII_KEY"), "{message}");
        return;
    }
    let vault = result.unwrap();
    let path = key_file_path(db.url.sqlite_path().unwrap());
    let stored = std::fs::read_to_string(&path).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o077, 0, "the key file is private to its owner");
    }
    // The next start reads the same key.
    let again = api::server::resolve_vault(&config_for(&db, None), &mut conn).unwrap();
    assert_eq!(again.current_key_id(), vault.current_key_id());
    assert_eq!(
        PiiKey::from_base64(stored.trim()).unwrap().id(),
        vault.current_key_id()
    );
}

#[test]
fn a_lost_key_file_is_not_replaced_over_stored_households() {
    let app = TestApp::spawn();
    if app.db.is_postgres() {
        return; // PostgreSQL never generates a key (see the test above).
    }
    register(&app, 1);
    let path = key_file_path(app.db.url.sqlite_path().unwrap());
    std::fs::remove_file(&path).unwrap();
    let mut conn = app.db.connect();
    let message = api::server::resolve_vault(&config_for(&app.db, None), &mut conn).unwrap_err();
    assert!(message.contains("households are stored"), "{message}");
    assert!(!path.exists(), "no new key was written");
}

#[test]
fn resealing_moves_every_household_to_the_new_key_and_keeps_duplicates_found() {
    let app = TestApp::spawn();
    let first = register(&app, 1);
    register(&app, 2);
    let mut conn = app.db.connect();
    // The key the app sealed with: the generated file on SQLite, the configured key on
    // PostgreSQL.
    let old_key = match app.db.url.sqlite_path() {
        Some(db) => {
            let text = std::fs::read_to_string(key_file_path(db)).unwrap();
            PiiKey::from_base64(text.trim()).unwrap()
        }
        None => PiiKey::from_base64(tests::PII_KEY).unwrap(),
    };
    let new_key = PiiKey::generate();
    let rotated = Vault::new(new_key.clone(), vec![old_key.clone()]);

    assert_eq!(households::reseal_all(&mut conn, &rotated).unwrap(), 2);
    assert_eq!(
        households::reseal_all(&mut conn, &rotated).unwrap(),
        0,
        "a second run has nothing left to do"
    );
    let after = rows(&app);
    for row in &after {
        for sealed in [&row.head_name_sealed, &row.id_number_sealed] {
            assert_eq!(Vault::key_id_of(sealed), Some(new_key.id().as_str()));
        }
        let personal = row
            .open_personal_data(&Vault::new(new_key.clone(), Vec::new()))
            .unwrap();
        assert_eq!(personal.head_name, "欧阳娜娜");
        assert_eq!(personal.phone.unwrap().as_str(), "13812345678");
        // The old key alone no longer opens anything.
        assert!(row
            .open_personal_data(&Vault::new(old_key.clone(), Vec::new()))
            .is_err());
    }
    let first_row = after.iter().find(|r| r.id.0.to_string() == first).unwrap();
    assert_eq!(
        first_row.id_number_index,
        rotated.blind_index(&id_number(1)),
        "re-indexed under the new key"
    );
    let found = households::household_with_id_number(
        &mut conn,
        &rotated.blind_indexes(&id_number(1)),
        None,
    )
    .unwrap();
    assert_eq!(found.map(|id| id.to_string()), Some(first));
    let count: i64 = households_table::table
        .count()
        .get_result(&mut conn)
        .unwrap();
    assert_eq!(count, 2);
}
