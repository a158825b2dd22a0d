//! 百会兴万户 over HTTP: `/api/v1/households` (masked everywhere, sealed at rest,
//! revealed only with an audited reason), `/households/{id}/assistance`, `/wishes`
//! (claimed by one organization at a time, fulfilled into an assistance record),
//! `/imports/households` and `/stats/households`. Every test checks what was stored
//! too, by raw SQL on the backend under test (SQLite, or PostgreSQL when
//! `TEST_DATABASE_URL` names one).

use std::collections::HashSet;
use std::sync::Barrier;

use crate::support::{
    assert_error, id_of, pair, sql_count_from as count, sql_text as text, sql_texts as texts,
};
use domain::household::IdNumber;
use serde_json::{json, Value};
use tests::{civil_date, shanghai_day, today, Response, TestApp, TestUser};

const HOUSEHOLDS: &str = "/api/v1/households";
const WISHES: &str = "/api/v1/wishes";
const IMPORTS: &str = "/api/v1/imports/households";

const COUNTY: &str = "530102";
const OTHER_COUNTY: &str = "530103";
const PREFECTURE: &str = "5301";
const VILLAGE: &str = "530102001001";
const VILLAGE_2: &str = "530102001002";
const FOREIGN_VILLAGE: &str = "530103001001";
const QUJING_VILLAGE: &str = "530302001001";

/// The first household's personal data in clear, and as every response shows it.
const NAME: &str = "张三丰";
const NAME_MASKED: &str = "张**";
/// GB 11643-1999's own example (Beijing, Chaoyang, born 1949-12-31).
const ID: &str = "11010519491231002X";
const ID_MASKED: &str = "110105********002X";
const ID_HIDDEN: &str = "19491231";
const PHONE: &str = "13812345678";
const PHONE_MASKED: &str = "138****5678";

const REASON: &str = "入户核实帮扶需求";

// --- ID numbers -------------------------------------------------------------------

/// A valid ID number: 17 digits and their check character.
fn id_number(first17: &str) -> String {
    format!("{first17}{}", IdNumber::check_char(first17).unwrap())
}

/// The same 17 digits with a wrong check character.
fn bad_id_number(first17: &str) -> String {
    let right = IdNumber::check_char(first17).unwrap();
    let wrong = if right == '0' { '1' } else { '0' };
    format!("{first17}{wrong}")
}

#[test]
fn the_test_helpers_are_right() {
    assert_eq!(civil_date(0), "1970-01-01");
    assert_eq!(civil_date(19_782), "2024-02-29");
    assert_eq!(id_number("11010519491231002"), ID);
    assert!(IdNumber::parse(&bad_id_number("11010519491231002")).is_err());
    assert!(IdNumber::parse(&id_number("53010219850105011")).is_ok());
}

// --- Raw SQL ----------------------------------------------------------------------

/// `COALESCE(CAST(c AS TEXT), '')` for each column, joined by ` | ` (the same SQL on
/// both backends).
fn all_columns(columns: &[&str]) -> String {
    columns
        .iter()
        .map(|c| format!("COALESCE(CAST({c} AS TEXT), '')"))
        .collect::<Vec<_>>()
        .join(" || ' | ' || ")
}

const HOUSEHOLD_COLUMNS: &[&str] = &[
    "id",
    "village_code",
    "county_code",
    "head_name_sealed",
    "head_name_masked",
    "id_number_sealed",
    "id_number_masked",
    "id_number_index",
    "phone_sealed",
    "phone_masked",
    "members",
    "category",
    "special_groups",
    "risk_eliminated",
    "note",
    "version",
    "created_at",
    "updated_at",
];

/// Every column of every stored household, as text, one line per row.
fn household_rows(app: &TestApp) -> Vec<String> {
    texts(
        app,
        &format!(
            "SELECT {} AS t FROM households ORDER BY id",
            all_columns(HOUSEHOLD_COLUMNS)
        ),
    )
}

/// One column of one household, as text.
fn household_column(app: &TestApp, id: &str, column: &str) -> String {
    text(
        app,
        &format!(
            "SELECT COALESCE(CAST({column} AS TEXT), '') AS t FROM households WHERE id = '{id}'"
        ),
    )
}

/// The whole audit log and change feed, as text.
fn journal_text(app: &TestApp) -> String {
    let audit = texts(
        app,
        &format!(
            "SELECT {} AS t FROM audit_log",
            all_columns(&[
                "id",
                "at",
                "actor_id",
                "actor_role",
                "action",
                "entity",
                "entity_id",
                "changes",
                "request_id",
                "client_ip"
            ])
        ),
    );
    let events = texts(
        app,
        &format!(
            "SELECT {} AS t FROM events",
            all_columns(&["seq", "at", "entity", "entity_id", "action"])
        ),
    );
    [audit, events].concat().join("\n")
}

/// The audit entries' `changes` of an entity and action, oldest first.
fn audit_changes(app: &TestApp, entity: &str, id: &str, action: &str) -> Vec<Value> {
    texts(
        app,
        &format!(
            "SELECT changes AS t FROM audit_log WHERE entity = '{entity}' AND entity_id = '{id}' \
             AND action = '{action}' ORDER BY at, id"
        ),
    )
    .iter()
    .map(|c| serde_json::from_str(c).unwrap())
    .collect()
}

fn assert_no_clear_values(what: &str, haystack: &str, secrets: &[&str]) {
    for secret in secrets {
        assert!(
            !haystack.contains(secret),
            "{what} holds {secret:?} in clear: {haystack}"
        );
    }
}

fn is_lower_hex(s: &str) -> bool {
    s.bytes()
        .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// `<8 lower-case hex>:<standard base64 without padding>`; returns the key id.
fn assert_sealed(value: &str) -> String {
    let (key_id, body) = value
        .split_once(':')
        .unwrap_or_else(|| panic!("not sealed: {value}"));
    assert_eq!(key_id.len(), 8, "{value}");
    assert!(is_lower_hex(key_id), "{value}");
    // Nonce (12) + tag (16) at least: 28 bytes, 38 characters of base64.
    assert!(body.len() >= 38, "{value}");
    assert!(
        body.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'+' || b == b'/'),
        "{value}"
    );
    key_id.to_owned()
}

// --- HTTP helpers -------------------------------------------------------------------

fn household_path(id: &str) -> String {
    format!("{HOUSEHOLDS}/{id}")
}

fn household(village: &str, name: &str, id_number: &str, phone: Option<&str>) -> Value {
    json!({
        "village_code": village,
        "head_name": name,
        "id_number": id_number,
        "phone": phone,
        "members": 4,
        "category": "marginal_at_risk",
        "special_groups": ["left_behind_children", "disabled"],
        "risk_eliminated": false,
        "note": "因病致贫",
    })
}

/// The first household's body, in `village`.
fn first_household(village: &str) -> Value {
    household(village, NAME, ID, Some(PHONE))
}

fn create(app: &TestApp, token: Option<&str>, body: &Value) -> Response {
    app.request("POST", HOUSEHOLDS, token, Some(body), &[])
}

/// Registers a household; panics unless 201.
fn made(app: &TestApp, token: &str, body: &Value) -> Value {
    let res = create(app, Some(token), body);
    assert_eq!(res.status, 201, "{body}: {}", res.text);
    res.json()
}

fn get(app: &TestApp, token: Option<&str>, path: &str) -> Response {
    app.request("GET", path, token, None, &[])
}

/// The ids a household list shows (all on one page), sorted.
fn listed(app: &TestApp, token: &str, query: &str) -> Vec<String> {
    let res = get(
        app,
        Some(token),
        &format!("{HOUSEHOLDS}?page_size=100&{query}"),
    );
    assert_eq!(res.status, 200, "{query}: {}", res.text);
    let page = res.json();
    let mut ids: Vec<String> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(id_of)
        .collect();
    assert_eq!(page["total"], ids.len(), "{query}: {page}");
    ids.sort();
    ids
}

fn set_of(ids: &[&String]) -> Vec<String> {
    let mut v: Vec<String> = ids.iter().map(|s| (*s).clone()).collect();
    v.sort();
    v
}

fn reveal(app: &TestApp, token: Option<&str>, id: &str, reason: Option<&str>) -> Response {
    let path = match reason {
        Some(r) => format!("{HOUSEHOLDS}/{id}/personal-data?reason={r}"),
        None => format!("{HOUSEHOLDS}/{id}/personal-data"),
    };
    get(app, token, &path)
}

fn record_assistance(app: &TestApp, token: &str, household: &str, body: &Value) -> Response {
    app.request(
        "POST",
        &format!("{HOUSEHOLDS}/{household}/assistance"),
        Some(token),
        Some(body),
        &[],
    )
}

fn visit(organization: Option<&str>) -> Value {
    let mut body = json!({
        "kind": "visit",
        "given_on": today(),
        "value_fen": 0,
        "description": "走访慰问，了解就医需求",
    });
    if let Some(org) = organization {
        body["organization_id"] = json!(org);
    }
    body
}

fn post_wish(app: &TestApp, token: &str, household: &str, description: &str) -> Value {
    let res = app.request(
        "POST",
        WISHES,
        Some(token),
        Some(&json!({"household_id": household, "description": description, "estimated_fen": 150_000})),
        &[],
    );
    assert_eq!(res.status, 201, "{}", res.text);
    res.json()
}

fn wish_action(
    app: &TestApp,
    token: &str,
    wish: &str,
    action: &str,
    body: Option<&Value>,
) -> Response {
    app.request(
        "POST",
        &format!("{WISHES}/{wish}/{action}"),
        Some(token),
        body,
        &[],
    )
}

fn wish_column(app: &TestApp, id: &str, column: &str) -> String {
    text(
        app,
        &format!("SELECT COALESCE(CAST({column} AS TEXT), '') AS t FROM wishes WHERE id = '{id}'"),
    )
}

/// POSTs a household import as CSV (`query` after the path).
fn upload(app: &TestApp, token: &str, query: &str, body: &str) -> Response {
    let path = format!("{IMPORTS}{query}");
    crate::support::upload(app, token, &path, "text/csv", body.as_bytes())
}

/// An app with the county officer of [`COUNTY`], and organization A paired with it.
struct World {
    app: TestApp,
    admin: String,
    officer: TestUser,
    org_a: String,
    user_a: TestUser,
    pairing_a: String,
}

fn world() -> World {
    let app = TestApp::spawn();
    let admin = app.admin_token();
    let officer = app.create_user("county_officer", Some(COUNTY), None);
    let org_a = app.create_organization("云南省乡村振兴促进会", 1);
    let pairing_a = pair(&app, &admin, &org_a, COUNTY);
    let user_a = app.create_user("org_user", None, Some(&org_a));
    World {
        app,
        admin,
        officer,
        org_a,
        user_a,
        pairing_a,
    }
}

/// Another organization paired with `county`, and its user.
fn organization(w: &World, name: &str, n: u32, county: &str) -> (String, TestUser) {
    let org = w.app.create_organization(name, n);
    pair(&w.app, &w.admin, &org, county);
    let user = w.app.create_user("org_user", None, Some(&org));
    (org, user)
}

// --- 1. Registering -----------------------------------------------------------------

#[test]
fn county_officers_register_households_and_see_them_masked() {
    let w = world();
    let app = &w.app;
    let officer = &w.officer.token;
    let village = text(
        app,
        "SELECT code AS t FROM regions WHERE level = 'village' AND code LIKE '530102%' \
         ORDER BY code LIMIT 1",
    );
    assert!(village.starts_with(COUNTY), "{village}");

    let res = create(app, Some(officer), &first_household(&village));
    assert_eq!(res.status, 201, "{}", res.text);
    assert_no_clear_values("the answer", &res.text, &[NAME, ID, ID_HIDDEN, PHONE]);
    let h = res.json();
    let id = id_of(&h);
    assert_eq!(res.header("location"), Some(household_path(&id).as_str()));
    assert_eq!(res.header("etag"), Some("\"1\""));
    assert_eq!(h["head_name"], NAME_MASKED);
    assert_eq!(h["id_number"], ID_MASKED);
    assert_eq!(h["phone"], PHONE_MASKED);
    assert_eq!(h["village_code"], village.as_str());
    assert_eq!(h["county_code"], COUNTY);
    assert!(h["village_full_name"]
        .as_str()
        .is_some_and(|n| !n.is_empty()));
    assert_eq!(h["members"], 4);
    assert_eq!(h["category"], "marginal_at_risk");
    assert_eq!(
        h["special_groups"],
        json!(["disabled", "left_behind_children"])
    );
    assert_eq!(h["risk_eliminated"], false);
    assert_eq!(h["note"], "因病致贫");
    assert_eq!(h["version"], 1);

    // Stored once, masked columns as answered.
    assert_eq!(count(app, "households"), 1);
    assert_eq!(household_column(app, &id, "head_name_masked"), NAME_MASKED);
    assert_eq!(household_column(app, &id, "id_number_masked"), ID_MASKED);
    assert_eq!(household_column(app, &id, "phone_masked"), PHONE_MASKED);
    assert_eq!(household_column(app, &id, "county_code"), COUNTY);

    // A follow-up GET shows the same masked values.
    let res = get(app, Some(officer), &household_path(&id));
    assert_eq!(res.status, 200, "{}", res.text);
    assert_eq!(res.json()["head_name"], NAME_MASKED);
    assert_eq!(res.json()["id_number"], ID_MASKED);
    assert_no_clear_values("GET", &res.text, &[NAME, ID, PHONE]);
    assert_eq!(listed(app, officer, ""), vec![id.clone()]);

    // Nobody else registers households in 530102.
    let other_officer = app.create_user("county_officer", Some(OTHER_COUNTY), None);
    let second = household(VILLAGE_2, "李四", &id_number("53010219800101123"), None);
    let res = create(app, Some(&other_officer.token), &second);
    assert_error(
        &res,
        403,
        "village_code",
        "forbidden",
        "the officer of 530103",
    );
    let res = create(app, Some(&w.user_a.token), &second);
    assert_error(
        &res,
        403,
        "village_code",
        "forbidden",
        "a paired organization",
    );
    let (_, stranger) = organization(&w, "昆明市慈善会", 3, OTHER_COUNTY);
    let res = create(app, Some(&stranger.token), &second);
    assert!(
        [403, 404].contains(&res.status),
        "an unpaired organization: {}",
        res.text
    );
    let prefecture = app.create_user("prefecture_officer", Some(PREFECTURE), None);
    let res = create(app, Some(&prefecture.token), &second);
    assert_error(
        &res,
        403,
        "village_code",
        "forbidden",
        "the prefecture officer",
    );
    create(app, None, &second).problem(401, "unauthorized");
    // Not a village.
    let res = create(
        app,
        Some(officer),
        &household(COUNTY, "李四", &id_number("53010219800101123"), None),
    );
    assert_error(&res, 422, "village_code", "not_a_village", "a county code");
    assert_eq!(count(app, "households"), 1);

    // Viewers see counts, never households; the anonymous nothing.
    let viewer = app.create_user("viewer", None, None);
    get(app, Some(&viewer.token), HOUSEHOLDS).problem(403, "forbidden");
    get(app, Some(&viewer.token), &household_path(&id)).problem(404, "not_found");
    get(app, None, HOUSEHOLDS).problem(401, "unauthorized");
    get(app, None, &household_path(&id)).problem(401, "unauthorized");
    // The officer of another county does not see it.
    assert!(listed(app, &other_officer.token, "").is_empty());
    get(app, Some(&other_officer.token), &household_path(&id)).problem(404, "not_found");
    // The admin created it nowhere else: the journal has exactly one creation.
    assert_eq!(
        count(
            app,
            &format!(
                "audit_log WHERE entity = 'household' AND entity_id = '{id}' AND action = 'create'"
            )
        ),
        1
    );
}

// --- 2. Encryption at rest ------------------------------------------------------------

#[test]
fn personal_data_is_sealed_at_rest_and_never_journaled_in_clear() {
    let w = world();
    let app = &w.app;
    let h = made(app, &w.officer.token, &first_household(VILLAGE));
    let id = id_of(&h);
    // A reveal writes to the audit log too: it must not copy the values there.
    assert_eq!(
        reveal(app, Some(&w.officer.token), &id, Some(REASON)).status,
        200
    );

    let secrets = [NAME, "三丰", ID, ID_HIDDEN, PHONE];
    let rows = household_rows(app);
    assert_eq!(rows.len(), 1);
    assert_no_clear_values("the households row", &rows[0], &secrets);
    assert!(rows[0].contains(&id), "{}", rows[0]);

    let name_sealed = household_column(app, &id, "head_name_sealed");
    let id_sealed = household_column(app, &id, "id_number_sealed");
    let phone_sealed = household_column(app, &id, "phone_sealed");
    let key_ids: HashSet<String> = [&name_sealed, &id_sealed, &phone_sealed]
        .iter()
        .map(|v| assert_sealed(v))
        .collect();
    assert_eq!(key_ids.len(), 1, "one key seals all three: {key_ids:?}");
    assert_ne!(name_sealed, id_sealed);
    let index = household_column(app, &id, "id_number_index");
    assert_eq!(index.len(), 64, "{index}");
    assert!(is_lower_hex(&index), "{index}");

    // The journal: the creation is recorded masked; nothing anywhere in clear.
    let created = audit_changes(app, "household", &id, "create");
    assert_eq!(created.len(), 1);
    assert_eq!(created[0]["head_name"]["after"], NAME_MASKED);
    assert_eq!(created[0]["id_number"]["after"], ID_MASKED);
    assert_eq!(created[0]["phone"]["after"], PHONE_MASKED);
    let journal = journal_text(app);
    assert!(journal.contains(&id), "the household is journaled");
    assert_no_clear_values("the audit log and events", &journal, &secrets);
    assert_eq!(
        count(
            app,
            &format!(
                "events WHERE entity = 'household' AND entity_id = '{id}' AND action = 'create'"
            )
        ),
        1
    );
    // Nor through the audit-log and change-feed APIs.
    for path in [
        "/api/v1/audit-log?entity=household&page_size=100",
        "/api/v1/events?limit=1000",
    ] {
        let res = get(app, Some(&w.admin), path);
        assert_eq!(res.status, 200, "{path}: {}", res.text);
        assert!(res.text.contains(&id), "{path}: {}", res.text);
        assert_no_clear_values(path, &res.text, &secrets);
    }
}

// --- 3. Duplicates and bad numbers ----------------------------------------------------

#[test]
fn duplicate_and_invalid_id_numbers_are_refused_and_nothing_is_stored() {
    let w = world();
    let app = &w.app;
    let officer = &w.officer.token;
    let first = made(app, officer, &first_household(VILLAGE));

    // The same ID number (with a lower-case x) under another name: found by its index.
    let res = create(
        app,
        Some(officer),
        &household(VILLAGE_2, "李四", &ID.to_lowercase(), None),
    );
    assert_error(&res, 409, "id_number", "duplicate_id_number", "duplicate");
    let lower = ID.to_lowercase();
    assert_no_clear_values("the 409", &res.text, &[ID, lower.as_str(), ID_HIDDEN]);
    assert_eq!(count(app, "households"), 1);

    let bad = bad_id_number("53010219850105011");
    let res = create(app, Some(officer), &household(VILLAGE, "李四", &bad, None));
    assert_error(&res, 422, "id_number", "check_digit", "check digit");
    assert_no_clear_values("the 422", &res.text, &[bad.as_str()]);

    let mut zero = household(VILLAGE, "李四", &id_number("53010219850105011"), None);
    zero["members"] = json!(0);
    let res = create(app, Some(officer), &zero);
    assert_error(&res, 422, "members", "out_of_range", "no members");
    assert_eq!(count(app, "households"), 1);

    // Editing another household onto the same ID number is a conflict too.
    let second_id = id_number("53010219850105011");
    let second = made(
        app,
        officer,
        &household(VILLAGE_2, "李四", &second_id, None),
    );
    let res = app.request(
        "PATCH",
        &household_path(&id_of(&second)),
        Some(officer),
        Some(&json!({"id_number": ID})),
        &[("If-Match", "\"1\"")],
    );
    assert_error(
        &res,
        409,
        "id_number",
        "duplicate_id_number",
        "edited to a duplicate",
    );
    assert_eq!(count(app, "households"), 2);
    assert_eq!(
        household_column(app, &id_of(&second), "id_number_masked"),
        format!("530102********{}", &second_id[14..])
    );
    assert_eq!(household_column(app, &id_of(&second), "version"), "1");
    assert_eq!(household_column(app, &id_of(&first), "version"), "1");
}

// --- 4. Revealing personal data --------------------------------------------------------

#[test]
fn personal_data_is_revealed_with_a_reason_to_officers_and_audited() {
    let w = world();
    let app = &w.app;
    let id = id_of(&made(app, &w.officer.token, &first_household(VILLAGE)));
    let reveals = format!(
        "audit_log WHERE entity = 'household' AND entity_id = '{id}' AND action = 'reveal_personal_data'"
    );

    let res = reveal(app, Some(&w.officer.token), &id, Some(REASON));
    assert_eq!(res.status, 200, "{}", res.text);
    assert_eq!(res.header("cache-control"), Some("no-store"));
    let body = res.json();
    assert_eq!(body["household_id"], id.as_str());
    assert_eq!(body["head_name"], NAME);
    assert_eq!(body["id_number"], ID);
    assert_eq!(body["phone"], PHONE);
    assert_eq!(body["reason"], REASON);

    assert_eq!(count(app, &reveals), 1);
    let changes = text(app, &format!("SELECT changes AS t FROM {reveals}"));
    assert!(changes.contains(REASON), "{changes}");
    assert_eq!(
        text(
            app,
            &format!("SELECT COALESCE(CAST(actor_id AS TEXT), '') AS t FROM {reveals}")
        ),
        w.officer.id
    );

    // A reason is needed, of 5 characters at least.
    let res = reveal(app, Some(&w.officer.token), &id, None);
    assert_error(&res, 422, "reason", "required", "no reason");
    let res = reveal(app, Some(&w.officer.token), &id, Some("核实需求"));
    assert_error(&res, 422, "reason", "too_short", "4 characters");
    assert_eq!(count(app, &reveals), 1);

    // Those who see the household masked but may not reveal: 403; the rest 404.
    let prefecture = app.create_user("prefecture_officer", Some(PREFECTURE), None);
    reveal(app, Some(&prefecture.token), &id, Some(REASON)).problem(403, "forbidden");
    reveal(app, Some(&w.user_a.token), &id, Some(REASON)).problem(403, "forbidden");
    let (_, elsewhere) = organization(&w, "昆明市慈善会", 3, OTHER_COUNTY);
    reveal(app, Some(&elsewhere.token), &id, Some(REASON)).problem(404, "not_found");
    let other_officer = app.create_user("county_officer", Some(OTHER_COUNTY), None);
    reveal(app, Some(&other_officer.token), &id, Some(REASON)).problem(404, "not_found");
    let viewer = app.create_user("viewer", None, None);
    reveal(app, Some(&viewer.token), &id, Some(REASON)).problem(404, "not_found");
    reveal(app, None, &id, Some(REASON)).problem(401, "unauthorized");
    assert_eq!(count(app, &reveals), 1, "refusals are not reveals");

    // Province admins may.
    let res = reveal(app, Some(&w.admin), &id, Some("省级抽查核实身份"));
    assert_eq!(res.status, 200, "{}", res.text);
    assert_eq!(res.json()["id_number"], ID);
    assert_eq!(count(app, &reveals), 2);
    let reasons = texts(app, &format!("SELECT changes AS t FROM {reveals}")).join("\n");
    assert!(reasons.contains("省级抽查核实身份"), "{reasons}");
    // A household that does not exist.
    reveal(
        app,
        Some(&w.admin),
        "0190a4c2-7d1e-7000-8000-000000000001",
        Some(REASON),
    )
    .problem(404, "not_found");
}

// --- 5. Visibility and filters --------------------------------------------------------------

#[test]
fn organizations_see_the_households_of_the_counties_they_are_paired_with() {
    let w = world();
    let app = &w.app;
    let id = id_of(&made(app, &w.officer.token, &first_household(VILLAGE)));
    let (_, elsewhere) = organization(&w, "昆明市慈善会", 3, OTHER_COUNTY);

    let res = get(app, Some(&w.user_a.token), HOUSEHOLDS);
    assert_eq!(res.status, 200, "{}", res.text);
    let page = res.json();
    assert_eq!(page["total"], 1);
    assert_eq!(page["items"][0]["id"], id.as_str());
    assert_eq!(page["items"][0]["head_name"], NAME_MASKED);
    assert_eq!(page["items"][0]["id_number"], ID_MASKED);
    assert_eq!(page["items"][0]["phone"], PHONE_MASKED);
    assert_no_clear_values("an organization's list", &res.text, &[NAME, ID, PHONE]);
    let res = get(app, Some(&w.user_a.token), &household_path(&id));
    assert_eq!(res.status, 200, "{}", res.text);
    assert_eq!(res.json()["head_name"], NAME_MASKED);

    assert!(listed(app, &elsewhere.token, "").is_empty());
    get(app, Some(&elsewhere.token), &household_path(&id)).problem(404, "not_found");
    get(
        app,
        Some(&elsewhere.token),
        &format!("{}/assistance", household_path(&id)),
    )
    .problem(404, "not_found");

    // Once the pairing ends, so does the sight.
    let res = app.request(
        "POST",
        &format!("/api/v1/pairings/{}/terminate", w.pairing_a),
        Some(&w.admin),
        Some(&json!({"reason": "结对调整"})),
        &[],
    );
    assert_eq!(res.status, 200, "{}", res.text);
    assert_eq!(res.json()["status"], "terminated");
    assert!(listed(app, &w.user_a.token, "").is_empty());
    get(app, Some(&w.user_a.token), &household_path(&id)).problem(404, "not_found");
    let res = record_assistance(app, &w.user_a.token, &id, &visit(None));
    res.problem(404, "not_found");
    assert_eq!(count(app, "assistance_records"), 0);
    // The household itself is untouched.
    assert_eq!(listed(app, &w.officer.token, ""), vec![id]);
}

#[test]
fn the_household_list_filters() {
    let w = world();
    let app = &w.app;
    let admin = &w.admin;
    let mut h1 = household(VILLAGE, "王大明", &id_number("53010219700101001"), None);
    h1["special_groups"] = json!(["disabled"]);
    let h1 = id_of(&made(app, &w.officer.token, &h1));
    let mut h2 = household(VILLAGE_2, "李小红", &id_number("53010219750202002"), None);
    h2["category"] = json!("unstable_out_of_poverty");
    h2["special_groups"] = json!([]);
    h2["risk_eliminated"] = json!(true);
    let h2 = id_of(&made(app, &w.officer.token, &h2));
    let mut h3 = household(
        FOREIGN_VILLAGE,
        "赵铁柱",
        &id_number("53010319800303003"),
        None,
    );
    h3["category"] = json!("sudden_hardship");
    h3["special_groups"] = json!(["left_behind_children"]);
    let h3 = id_of(&made(app, admin, &h3));
    let mut h4 = household(
        QUJING_VILLAGE,
        "孙美丽",
        &id_number("53030219850404004"),
        None,
    );
    h4["special_groups"] = json!(["elderly_alone"]);
    let h4 = id_of(&made(app, admin, &h4));
    assert_eq!(count(app, "households"), 4);

    // Help from A for h2; an open wish for h1 (and a cancelled one for h3).
    let res = record_assistance(app, &w.user_a.token, &h2, &visit(None));
    assert_eq!(res.status, 201, "{}", res.text);
    post_wish(app, &w.officer.token, &h1, "一台洗衣机");
    let cancelled = id_of(&post_wish(app, admin, &h3, "一辆轮椅"));
    let res = wish_action(
        app,
        admin,
        &cancelled,
        "cancel",
        Some(&json!({"reason": "已由民政解决"})),
    );
    assert_eq!(res.status, 200, "{}", res.text);

    for (query, want) in [
        ("", vec![&h1, &h2, &h3, &h4]),
        ("county=530102", vec![&h1, &h2]),
        ("county=530103", vec![&h3]),
        ("village=530102001002", vec![&h2]),
        ("prefecture=5301", vec![&h1, &h2, &h3]),
        ("prefecture=5303", vec![&h4]),
        ("category=marginal_at_risk", vec![&h1, &h4]),
        ("category=sudden_hardship", vec![&h3]),
        ("special_group=disabled", vec![&h1]),
        ("special_group=left_behind_children", vec![&h3]),
        ("special_group=left_behind_women", vec![]),
        ("risk_eliminated=true", vec![&h2]),
        ("risk_eliminated=false", vec![&h1, &h3, &h4]),
        (&*format!("helped_by={}", w.org_a), vec![&h2]),
        ("helped_by=0190a4c2-7d1e-7000-8000-000000000001", vec![]),
        ("has_open_wish=true", vec![&h1]),
        ("has_open_wish=false", vec![&h2, &h3, &h4]),
        ("county=530102&risk_eliminated=false", vec![&h1]),
    ] {
        assert_eq!(listed(app, admin, query), set_of(&want), "{query}");
    }
    // Scopes narrow before filters do.
    assert_eq!(listed(app, &w.officer.token, ""), set_of(&[&h1, &h2]));
    assert!(listed(app, &w.officer.token, "county=530103").is_empty());
    let prefecture = app.create_user("prefecture_officer", Some(PREFECTURE), None);
    assert_eq!(listed(app, &prefecture.token, ""), set_of(&[&h1, &h2, &h3]));
    assert_eq!(
        listed(app, &prefecture.token, "category=marginal_at_risk"),
        set_of(&[&h1])
    );
    assert_eq!(listed(app, &w.user_a.token, ""), set_of(&[&h1, &h2]));
    assert_eq!(
        listed(app, &w.user_a.token, "has_open_wish=true"),
        set_of(&[&h1])
    );
    // A parameter that cannot be read.
    let res = get(app, Some(admin), &format!("{HOUSEHOLDS}?category=rich"));
    assert!([400, 422].contains(&res.status), "{}", res.text);
}

// --- 6. Editing --------------------------------------------------------------------------

#[test]
fn editing_needs_if_match_and_journals_masked_values_only() {
    let w = world();
    let app = &w.app;
    let officer = &w.officer.token;
    let id = id_of(&made(app, officer, &first_household(VILLAGE)));
    let path = household_path(&id);
    let change = json!({"head_name": "李四光", "phone": "13987654321"});
    let patch = |token: &str, headers: &[(&str, &str)]| {
        app.request("PATCH", &path, Some(token), Some(&change), headers)
    };

    patch(officer, &[]).problem(428, "precondition_required");
    patch(officer, &[("If-Match", "\"9\"")]).problem(412, "precondition_failed");
    patch(&w.user_a.token, &[("If-Match", "\"1\"")]).problem(403, "forbidden");
    let other_officer = app.create_user("county_officer", Some(OTHER_COUNTY), None);
    patch(&other_officer.token, &[("If-Match", "\"1\"")]).problem(404, "not_found");
    assert_eq!(household_column(app, &id, "version"), "1");
    assert_eq!(household_column(app, &id, "head_name_masked"), NAME_MASKED);
    assert_eq!(
        count(
            app,
            &format!("audit_log WHERE entity_id = '{id}' AND action = 'update'")
        ),
        0
    );

    let res = patch(officer, &[("If-Match", "\"1\"")]);
    assert_eq!(res.status, 200, "{}", res.text);
    assert_eq!(res.header("etag"), Some("\"2\""));
    let h = res.json();
    assert_eq!(h["head_name"], "李**");
    assert_eq!(h["phone"], "139****4321");
    assert_eq!(h["id_number"], ID_MASKED);
    assert_eq!(h["version"], 2);
    assert_no_clear_values("the answer", &res.text, &["李四光", "13987654321"]);
    assert_eq!(household_column(app, &id, "version"), "2");
    assert_eq!(household_column(app, &id, "head_name_masked"), "李**");
    assert_eq!(household_column(app, &id, "phone_masked"), "139****4321");
    let secrets = [
        NAME,
        "三丰",
        "李四光",
        "四光",
        ID,
        ID_HIDDEN,
        PHONE,
        "13987654321",
    ];
    assert_no_clear_values("the row", &household_rows(app)[0], &secrets);
    assert_sealed(&household_column(app, &id, "head_name_sealed"));
    assert_sealed(&household_column(app, &id, "phone_sealed"));

    // The old version is stale now.
    patch(officer, &[("If-Match", "\"1\"")]).problem(412, "precondition_failed");

    // The audit log has the masked before and after, and nothing in clear.
    let updates = audit_changes(app, "household", &id, "update");
    assert_eq!(updates.len(), 1);
    assert_eq!(
        updates[0]["head_name"],
        json!({"before": NAME_MASKED, "after": "李**"})
    );
    assert_eq!(
        updates[0]["phone"],
        json!({"before": PHONE_MASKED, "after": "139****4321"})
    );
    assert!(updates[0].get("id_number").is_none(), "{}", updates[0]);
    assert_no_clear_values("the journal", &journal_text(app), &secrets);

    // The clear values are the new ones.
    let res = reveal(app, Some(officer), &id, Some(REASON));
    assert_eq!(res.status, 200, "{}", res.text);
    let body = res.json();
    assert_eq!(body["head_name"], "李四光");
    assert_eq!(body["phone"], "13987654321");
    assert_eq!(body["id_number"], ID);

    // Clearing the phone clears both its columns.
    let res = app.request(
        "PATCH",
        &path,
        Some(officer),
        Some(&json!({"phone": null})),
        &[("If-Match", "\"2\"")],
    );
    assert_eq!(res.status, 200, "{}", res.text);
    assert_eq!(res.json()["phone"], Value::Null);
    assert_eq!(household_column(app, &id, "phone_sealed"), "");
    assert_eq!(household_column(app, &id, "phone_masked"), "");
    assert_eq!(
        reveal(app, Some(officer), &id, Some(REASON)).json()["phone"],
        Value::Null
    );
}

// --- 7. Assistance ---------------------------------------------------------------------

#[test]
fn assistance_is_recorded_by_paired_organizations_and_county_officers() {
    let w = world();
    let app = &w.app;
    let id = id_of(&made(app, &w.officer.token, &first_household(VILLAGE)));
    let (org_b, _) = organization(&w, "云南省慈善总会", 2, COUNTY);
    let (org_c, elsewhere) = organization(&w, "昆明市慈善会", 3, OTHER_COUNTY);
    let assistance = format!("{}/assistance", household_path(&id));

    let res = record_assistance(app, &w.user_a.token, &id, &visit(None));
    assert_eq!(res.status, 201, "{}", res.text);
    assert_eq!(res.header("location"), Some(assistance.as_str()));
    let a = res.json();
    assert_eq!(a["household_id"], id.as_str());
    assert_eq!(a["organization_id"], w.org_a.as_str());
    assert_eq!(a["organization_name"], "云南省乡村振兴促进会");
    assert_eq!(a["kind"], "visit");
    assert_eq!(a["given_on"], today().as_str());
    assert_eq!(a["value_fen"], 0);
    assert_eq!(a["wish_id"], Value::Null);
    assert_eq!(a["created_by"], w.user_a.id.as_str());
    let listed_now = get(app, Some(&w.user_a.token), &assistance);
    assert_eq!(listed_now.status, 200, "{}", listed_now.text);
    let page = listed_now.json();
    assert_eq!(page["total"], 1);
    assert_eq!(page["items"][0]["id"], a["id"]);
    assert_eq!(count(app, "assistance_records"), 1);
    assert_eq!(
        text(
            app,
            &format!(
                "SELECT kind || ' ' || CAST(value_fen AS TEXT) || ' ' || CAST(organization_id AS TEXT) AS t \
                 FROM assistance_records WHERE id = '{}'",
                id_of(&a)
            )
        ),
        format!("visit 0 {}", w.org_a)
    );

    // Bad input.
    let mut future = visit(None);
    future["given_on"] = json!(shanghai_day(1));
    let res = record_assistance(app, &w.user_a.token, &id, &future);
    assert_error(&res, 422, "given_on", "in_future", "tomorrow");
    let mut negative = visit(None);
    negative["value_fen"] = json!(-1);
    let res = record_assistance(app, &w.user_a.token, &id, &negative);
    assert_error(&res, 422, "value_fen", "out_of_range", "negative");
    // An organization records its own help only.
    let res = record_assistance(app, &w.user_a.token, &id, &visit(Some(&org_b)));
    assert_error(
        &res,
        403,
        "organization_id",
        "forbidden",
        "another organization",
    );
    // An organization not paired with the county does not see the household.
    record_assistance(app, &elsewhere.token, &id, &visit(None)).problem(404, "not_found");
    // The prefecture officer sees but does not record.
    let prefecture = app.create_user("prefecture_officer", Some(PREFECTURE), None);
    record_assistance(app, &prefecture.token, &id, &visit(Some(&w.org_a)))
        .problem(403, "forbidden");
    let viewer = app.create_user("viewer", None, None);
    record_assistance(app, &viewer.token, &id, &visit(Some(&w.org_a))).problem(404, "not_found");
    assert_eq!(count(app, "assistance_records"), 1);

    // The county officer records for any organization, and must name one.
    let res = record_assistance(app, &w.officer.token, &id, &visit(None));
    assert_error(&res, 422, "organization_id", "required", "none named");
    let res = record_assistance(app, &w.officer.token, &id, &visit(Some(&org_c)));
    assert_eq!(res.status, 201, "{}", res.text);
    assert_eq!(res.json()["organization_id"], org_c.as_str());
    assert_eq!(res.json()["created_by"], w.officer.id.as_str());
    assert_eq!(count(app, "assistance_records"), 2);
    assert_eq!(
        count(
            app,
            &format!(
                "assistance_records WHERE organization_id = '{org_c}' AND household_id = '{id}'"
            )
        ),
        1
    );
    assert_eq!(
        get(app, Some(&w.officer.token), &assistance).json()["total"],
        2
    );
    // Journaled.
    assert_eq!(
        count(
            app,
            "audit_log WHERE entity = 'assistance' AND action = 'create'"
        ),
        2
    );
}

// --- 8. Wishes -------------------------------------------------------------------------

#[test]
fn wishes_are_posted_claimed_fulfilled_and_cancelled() {
    let w = world();
    let app = &w.app;
    let officer = &w.officer.token;
    let household = id_of(&made(app, officer, &first_household(VILLAGE)));
    let (org_b, user_b) = organization(&w, "云南省慈善总会", 2, COUNTY);
    let (_, elsewhere) = organization(&w, "昆明市慈善会", 3, OTHER_COUNTY);

    // Posting.
    let res = app.request(
        "POST",
        WISHES,
        Some(officer),
        Some(&json!({"household_id": household, "description": "一台洗衣机", "estimated_fen": 150_000})),
        &[],
    );
    assert_eq!(res.status, 201, "{}", res.text);
    let wish = res.json();
    let id = id_of(&wish);
    assert_eq!(
        res.header("location"),
        Some(format!("{WISHES}/{id}").as_str())
    );
    assert_eq!(res.header("etag"), Some("\"1\""));
    assert_eq!(wish["status"], "open");
    assert_eq!(wish["household_id"], household.as_str());
    assert_eq!(wish["county_code"], COUNTY);
    assert_eq!(wish["claimed_by"], Value::Null);
    assert_eq!(wish_column(app, &id, "status"), "open");
    // Only the officer (or an admin) posts.
    let res = app.request(
        "POST",
        WISHES,
        Some(&w.user_a.token),
        Some(&json!({"household_id": household, "description": "一床棉被", "estimated_fen": 0})),
        &[],
    );
    res.problem(403, "forbidden");
    assert_eq!(count(app, "wishes"), 1);

    // Who lists wishes.
    let viewer = app.create_user("viewer", None, None);
    get(app, Some(&viewer.token), WISHES).problem(403, "forbidden");
    get(app, None, WISHES).problem(401, "unauthorized");
    let page = get(app, Some(&w.user_a.token), WISHES).json();
    assert_eq!(page["total"], 1);
    assert_eq!(get(app, Some(&elsewhere.token), WISHES).json()["total"], 0);
    get(app, Some(&elsewhere.token), &format!("{WISHES}/{id}")).problem(404, "not_found");

    // Only organizations claim; A first.
    let res = wish_action(app, officer, &id, "claim", None);
    res.problem(403, "forbidden");
    wish_action(app, &elsewhere.token, &id, "claim", None).problem(404, "not_found");
    let res = wish_action(app, &w.user_a.token, &id, "claim", None);
    assert_eq!(res.status, 200, "{}", res.text);
    let claimed = res.json();
    assert_eq!(claimed["status"], "claimed");
    assert_eq!(claimed["claimed_by"], w.org_a.as_str());
    assert_eq!(claimed["version"], 2);
    let res = wish_action(app, &user_b.token, &id, "claim", None);
    assert_error(&res, 409, "status", "already_claimed", "B claims too");
    assert_eq!(wish_column(app, &id, "claimed_by"), w.org_a);
    assert_eq!(wish_column(app, &id, "status"), "claimed");

    // Only the claimant fulfils.
    let fulfilment = json!({"fulfilled_on": today(), "note": "已送达洗衣机一台", "kind": "goods"});
    let res = wish_action(app, &user_b.token, &id, "fulfil", Some(&fulfilment));
    res.problem(403, "forbidden");
    let mut cash = fulfilment.clone();
    cash["kind"] = json!("cash");
    let res = wish_action(app, &w.user_a.token, &id, "fulfil", Some(&cash));
    assert_error(&res, 422, "kind", "not_allowed", "cash");
    assert_eq!(wish_column(app, &id, "status"), "claimed");
    assert_eq!(count(app, "assistance_records"), 0);

    let res = wish_action(app, &w.user_a.token, &id, "fulfil", Some(&fulfilment));
    assert_eq!(res.status, 200, "{}", res.text);
    let done = res.json();
    assert_eq!(done["status"], "fulfilled");
    assert_eq!(done["claimed_by"], w.org_a.as_str());
    assert_eq!(done["fulfilled_on"], today().as_str());
    assert_eq!(done["fulfilment_note"], "已送达洗衣机一台");
    assert_eq!(wish_column(app, &id, "status"), "fulfilled");
    assert_eq!(wish_column(app, &id, "fulfilled_on"), today());
    // The help is recorded with the wish.
    assert_eq!(
        text(
            app,
            &format!(
                "SELECT CAST(household_id AS TEXT) || ' ' || CAST(organization_id AS TEXT) || ' ' || kind \
                 || ' ' || CAST(value_fen AS TEXT) || ' ' || CAST(given_on AS TEXT) || ' ' || description AS t \
                 FROM assistance_records WHERE wish_id = '{id}'"
            )
        ),
        format!("{household} {} goods 150000 {} 已送达洗衣机一台", w.org_a, today())
    );
    let page = get(
        app,
        Some(officer),
        &format!("{}/assistance", household_path(&household)),
    )
    .json();
    assert_eq!(page["total"], 1);
    assert_eq!(page["items"][0]["wish_id"], id.as_str());
    assert_eq!(page["items"][0]["kind"], "goods");
    // In one transaction: one journal write, at one instant, under one request.
    let journaled = texts(
        app,
        &format!(
            "SELECT entity || ' ' || action || ' ' || CAST(at AS TEXT) || ' ' || COALESCE(request_id, '') AS t \
             FROM audit_log WHERE (entity = 'wish' AND entity_id = '{id}' AND action = 'fulfil') \
             OR (entity = 'assistance' AND action = 'create')"
        ),
    );
    assert_eq!(journaled.len(), 2, "{journaled:?}");
    let tail = |s: &String| s.splitn(3, ' ').nth(2).unwrap().to_owned();
    assert_eq!(tail(&journaled[0]), tail(&journaled[1]), "{journaled:?}");
    assert_eq!(
        listed(app, officer, &format!("helped_by={}", w.org_a)),
        vec![household.clone()]
    );
    assert!(listed(app, officer, &format!("helped_by={org_b}")).is_empty());

    // Nothing after fulfilment.
    let res = wish_action(app, &w.user_a.token, &id, "release", None);
    assert_error(
        &res,
        409,
        "status",
        "illegal_transition",
        "release after fulfil",
    );
    let res = wish_action(
        app,
        officer,
        &id,
        "cancel",
        Some(&json!({"reason": "重复登记"})),
    );
    assert_error(
        &res,
        409,
        "status",
        "illegal_transition",
        "cancel after fulfil",
    );
    assert_eq!(wish_column(app, &id, "status"), "fulfilled");
    assert_eq!(count(app, "assistance_records"), 1);

    // Cancelling an open wish: the officer, with a reason; never an organization.
    let second = id_of(&post_wish(app, officer, &household, "一辆电动三轮车"));
    let cancel = json!({"reason": "户主已搬迁"});
    wish_action(app, &w.user_a.token, &second, "cancel", Some(&cancel)).problem(403, "forbidden");
    let res = wish_action(
        app,
        officer,
        &second,
        "cancel",
        Some(&json!({"reason": " "})),
    );
    assert_error(&res, 422, "reason", "required", "no reason");
    assert_eq!(wish_column(app, &second, "status"), "open");
    let res = wish_action(app, officer, &second, "cancel", Some(&cancel));
    assert_eq!(res.status, 200, "{}", res.text);
    assert_eq!(res.json()["status"], "cancelled");
    assert_eq!(res.json()["cancel_reason"], "户主已搬迁");
    assert_eq!(wish_column(app, &second, "status"), "cancelled");
    assert_eq!(wish_column(app, &second, "cancel_reason"), "户主已搬迁");

    // Releasing a claim makes the wish open again, for anyone paired to claim.
    let third = id_of(&post_wish(app, officer, &household, "一套学习桌椅"));
    assert_eq!(
        wish_action(app, &w.user_a.token, &third, "claim", None).status,
        200
    );
    wish_action(app, &user_b.token, &third, "release", None).problem(403, "forbidden");
    let res = wish_action(app, &w.user_a.token, &third, "release", None);
    assert_eq!(res.status, 200, "{}", res.text);
    assert_eq!(res.json()["status"], "open");
    assert_eq!(wish_column(app, &third, "claimed_by"), "");
    let res = wish_action(app, &user_b.token, &third, "claim", None);
    assert_eq!(res.status, 200, "{}", res.text);
    assert_eq!(wish_column(app, &third, "claimed_by"), org_b);

    let mut actions = texts(
        app,
        &format!("SELECT action AS t FROM audit_log WHERE entity = 'wish' AND entity_id = '{id}'"),
    );
    actions.sort();
    assert_eq!(actions, ["claim", "create", "fulfil"]);
}

// --- 9. The claim race --------------------------------------------------------------------

#[test]
fn of_two_organizations_claiming_at_once_exactly_one_wins() {
    let w = world();
    let app = &w.app;
    let household = id_of(&made(app, &w.officer.token, &first_household(VILLAGE)));
    let (org_b, user_b) = organization(&w, "云南省慈善总会", 2, COUNTY);
    let contenders = [
        (w.org_a.clone(), w.user_a.token.clone()),
        (org_b, user_b.token),
    ];

    for round in 0..5 {
        let wish = id_of(&post_wish(
            app,
            &w.officer.token,
            &household,
            &format!("心愿 {round}"),
        ));
        let url = app.url(&format!("{WISHES}/{wish}/claim"));
        let barrier = Barrier::new(contenders.len());
        let results: Vec<(String, Response)> = std::thread::scope(|s| {
            let handles: Vec<_> = contenders
                .iter()
                .map(|(org, token)| {
                    let (url, barrier) = (&url, &barrier);
                    s.spawn(move || {
                        let agent: ureq::Agent = ureq::Agent::config_builder()
                            .http_status_as_error(false)
                            .build()
                            .into();
                        let request = ureq::http::Request::builder()
                            .method("POST")
                            .uri(url.as_str())
                            .header("authorization", format!("Bearer {token}"))
                            .body(Vec::new())
                            .unwrap();
                        barrier.wait();
                        (org.clone(), Response::from(agent.run(request).unwrap()))
                    })
                })
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });

        let mut statuses: Vec<u16> = results.iter().map(|(_, r)| r.status).collect();
        statuses.sort_unstable();
        assert_eq!(
            statuses,
            [200, 409],
            "round {round}: {:?}",
            results.iter().map(|(_, r)| &r.text).collect::<Vec<_>>()
        );
        let (winner, won) = results.iter().find(|(_, r)| r.status == 200).unwrap();
        let (_, lost) = results.iter().find(|(_, r)| r.status == 409).unwrap();
        assert_eq!(won.json()["claimed_by"], winner.as_str());
        assert_error(lost, 409, "status", "already_claimed", "the loser");
        assert_eq!(
            wish_column(app, &wish, "claimed_by"),
            *winner,
            "round {round}"
        );
        assert_eq!(wish_column(app, &wish, "status"), "claimed");
        assert_eq!(wish_column(app, &wish, "version"), "2");
        assert_eq!(
            count(
                app,
                &format!(
                    "audit_log WHERE entity = 'wish' AND entity_id = '{wish}' AND action = 'claim'"
                )
            ),
            1,
            "round {round}"
        );
        assert_eq!(
            count(
                app,
                &format!(
                    "events WHERE entity = 'wish' AND entity_id = '{wish}' AND action = 'claim'"
                )
            ),
            1,
            "round {round}"
        );
    }
}

// --- 10. Imports ---------------------------------------------------------------------------

const IMPORT_HEADER: &str =
    "村代码,户主姓名,身份证号,联系电话,家庭人口,监测类别,特殊群体,风险是否消除";

fn sheet(rows: &[String]) -> String {
    let mut text = format!("{IMPORT_HEADER}\r\n");
    for r in rows {
        text.push_str(r);
        text.push_str("\r\n");
    }
    text
}

#[test]
fn households_are_imported_all_or_nothing_and_masked_in_reports() {
    let w = world();
    let app = &w.app;
    let officer = &w.officer.token;
    let (id1, id2, id3) = (
        id_number("53010219700101001"),
        id_number("53010219750202002"),
        id_number("53010219800303003"),
    );
    let good = [
        format!("{VILLAGE},王大明,{id1},13800001111,4,边缘易致贫户,留守儿童、残疾人,否"),
        format!("{VILLAGE_2},李小红,{id2},,3,脱贫不稳定户,,是"),
        format!("{VILLAGE},赵铁柱,{id3},0871-65125678,2,突发严重困难户,孤寡老人,否"),
    ];
    let good_sheet = sheet(&good);
    let secrets = [
        "王大明",
        "李小红",
        "赵铁柱",
        id1.as_str(),
        id2.as_str(),
        id3.as_str(),
        "13800001111",
        "65125678",
    ];

    // A dry run: a report, nothing stored.
    let res = upload(app, officer, "?dry_run=true", &good_sheet);
    assert_eq!(res.status, 200, "{}", res.text);
    assert_no_clear_values("the dry run's report", &res.text, &secrets);
    let report = res.json();
    assert_eq!(report["dry_run"], true);
    assert_eq!(report["valid"], true);
    assert_eq!(report["rows_read"], 3);
    assert_eq!(report["households_created"], 3);
    assert_eq!(report["unchanged"], 0);
    let items = report["items"].as_array().unwrap();
    assert_eq!(items.len(), 3);
    assert_eq!(items[0]["row"], 2);
    assert_eq!(items[0]["action"], "create_household");
    assert_eq!(items[0]["head_name"], "王**");
    assert_eq!(
        items[0]["id_number"],
        format!("530102********{}", &id1[14..])
    );
    assert_eq!(items[1]["village_code"], VILLAGE_2);
    assert_eq!(count(app, "households"), 0);
    assert_eq!(count(app, "audit_log WHERE entity = 'household'"), 0);

    // A bad row: 422 naming it, nothing stored.
    let bad = bad_id_number("53010219900404004");
    let bad_sheet = sheet(&[
        good[0].clone(),
        good[1].clone(),
        format!("{VILLAGE},钱多多,{bad},,2,边缘易致贫户,,否"),
    ]);
    let res = upload(app, officer, "", &bad_sheet);
    assert_error(
        &res,
        422,
        "rows[4].id_number",
        "check_digit",
        "a bad check digit",
    );
    assert_no_clear_values(
        "the 422",
        &res.text,
        &[bad.as_str(), "钱多多", id1.as_str(), "王大明"],
    );
    assert_eq!(count(app, "households"), 0);

    // The good file.
    let res = upload(app, officer, "", &good_sheet);
    assert_eq!(res.status, 200, "{}", res.text);
    assert_no_clear_values("the report", &res.text, &secrets);
    let report = res.json();
    assert_eq!(report["dry_run"], false);
    assert_eq!(report["households_created"], 3);
    assert_eq!(count(app, "households"), 3);
    assert_eq!(
        count(
            app,
            "audit_log WHERE entity = 'household' AND action = 'import'"
        ),
        3
    );
    let rows = household_rows(app).join("\n");
    assert_no_clear_values("the stored rows", &rows, &secrets);
    assert_no_clear_values("the journal", &journal_text(app), &secrets);
    // Stored as read: the categories, groups and risk flags follow the sheet.
    let li = listed(app, officer, "risk_eliminated=true");
    assert_eq!(li.len(), 1);
    let h = get(app, Some(officer), &household_path(&li[0])).json();
    assert_eq!(h["head_name"], "李**");
    assert_eq!(h["category"], "unstable_out_of_poverty");
    assert_eq!(h["village_code"], VILLAGE_2);
    assert_eq!(h["phone"], Value::Null);
    assert_eq!(listed(app, officer, "special_group=disabled").len(), 1);
    assert_eq!(listed(app, officer, "category=sudden_hardship").len(), 1);
    let revealed = reveal(app, Some(officer), &li[0], Some(REASON)).json();
    assert_eq!(revealed["head_name"], "李小红");
    assert_eq!(revealed["id_number"], id2.as_str());

    // Again: every ID number is registered, nothing changes.
    let res = upload(app, officer, "", &good_sheet);
    assert_eq!(res.status, 200, "{}", res.text);
    let again = res.json();
    assert_eq!(again["households_created"], 0);
    assert_eq!(again["unchanged"], 3);
    assert!(again["items"]
        .as_array()
        .unwrap()
        .iter()
        .all(|i| i["action"] == "unchanged"));
    assert_eq!(count(app, "households"), 3);
    assert_eq!(
        count(
            app,
            "audit_log WHERE entity = 'household' AND action = 'import'"
        ),
        3
    );

    // A village of another county is outside the officer's scope.
    let foreign = sheet(&[format!(
        "{FOREIGN_VILLAGE},周大福,{},,2,边缘易致贫户,,否",
        id_number("53010319650505005")
    )]);
    let res = upload(app, officer, "", &foreign);
    assert_error(
        &res,
        422,
        "rows[2].village_code",
        "outside_scope",
        "another county",
    );
    assert_eq!(count(app, "households"), 3);
    // Organizations and viewers do not import; the admin imports anywhere.
    upload(app, &w.user_a.token, "", &foreign).problem(403, "forbidden");
    let viewer = app.create_user("viewer", None, None);
    upload(app, &viewer.token, "", &foreign).problem(403, "forbidden");
    let res = upload(app, &w.admin, "", &foreign);
    assert_eq!(res.status, 200, "{}", res.text);
    assert_eq!(count(app, "households"), 4);
    assert_eq!(
        count(
            app,
            &format!("households WHERE county_code = '{OTHER_COUNTY}'")
        ),
        1
    );
}

// --- 11. Counts ------------------------------------------------------------------------------

#[test]
fn household_counts_are_open_to_viewers_and_name_nobody() {
    let w = world();
    let app = &w.app;
    let officer = &w.officer.token;
    let h1 = id_of(&made(app, officer, &first_household(VILLAGE)));
    let mut second = household(VILLAGE_2, "李小红", &id_number("53010219750202002"), None);
    second["risk_eliminated"] = json!(true);
    second["category"] = json!("unstable_out_of_poverty");
    second["special_groups"] = json!([]);
    made(app, officer, &second);
    let mut value = visit(None);
    value["value_fen"] = json!(5_000);
    assert_eq!(
        record_assistance(app, &w.user_a.token, &h1, &value).status,
        201
    );
    assert_eq!(
        record_assistance(app, &w.user_a.token, &h1, &visit(None)).status,
        201
    );
    post_wish(app, officer, &h1, "一台洗衣机");

    let viewer = app.create_user("viewer", None, None);
    let res = get(app, Some(&viewer.token), "/api/v1/stats/households");
    assert_eq!(res.status, 200, "{}", res.text);
    assert_no_clear_values(
        "the counts",
        &res.text,
        &[NAME, NAME_MASKED, ID, ID_MASKED, PHONE],
    );
    let stats = res.json();
    assert_eq!(stats["region_code"], "53");
    assert_eq!(stats["households"], 2);
    assert_eq!(stats["households"], count(app, "households"));
    assert_eq!(stats["households_helped"], 1);
    assert_eq!(stats["target"], 10_000);
    assert!(
        (stats["progress"].as_f64().unwrap() - 0.0001).abs() < 1e-12,
        "{stats}"
    );
    assert_eq!(stats["risk_eliminated"], 1);
    assert_eq!(stats["assistance_records"], 2);
    assert_eq!(stats["assistance_value_fen"], 5_000);
    let by = |list: &str, code: &str| {
        stats[list]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["code"] == code)
            .map(|c| c["count"].as_i64().unwrap())
    };
    assert_eq!(by("by_category", "marginal_at_risk"), Some(1));
    assert_eq!(by("by_category", "unstable_out_of_poverty"), Some(1));
    assert_eq!(by("by_special_group", "disabled"), Some(1));
    assert_eq!(by("wishes_by_status", "open"), Some(1));

    // An officer of another county counts its own (none).
    let other = app.create_user("county_officer", Some(OTHER_COUNTY), None);
    let theirs = get(app, Some(&other.token), "/api/v1/stats/households").json();
    assert_eq!(theirs["region_code"], OTHER_COUNTY);
    assert_eq!(theirs["households"], 0);
    assert_eq!(theirs["households_helped"], 0);
    get(app, None, "/api/v1/stats/households").problem(401, "unauthorized");
}

// --- Problems never quote personal data ---------------------------------------------------

#[test]
fn problems_never_quote_personal_data_sent_with_the_wrong_type() {
    let w = world();
    let app = &w.app;
    let officer = &w.officer.token;
    // A spreadsheet's numbers pasted as JSON numbers: the wrong type, and personal data.
    for (field, value, secret) in [
        (
            "id_number",
            json!(530_102_198_501_050_113_i64),
            "530102198501050113",
        ),
        ("phone", json!(13_812_345_678_i64), PHONE),
        ("head_name", json!(true), "true"),
    ] {
        let mut body = first_household(VILLAGE);
        body[field] = value;
        let res = create(app, Some(officer), &body);
        assert_error(&res, 422, field, "invalid_format", field);
        assert_no_clear_values(field, &res.text, &[secret]);
    }
    let id = id_of(&made(app, officer, &first_household(VILLAGE)));
    let res = app.request(
        "PATCH",
        &household_path(&id),
        Some(officer),
        Some(&json!({"phone": 13_987_654_321_i64})),
        &[("If-Match", "\"1\"")],
    );
    assert_error(&res, 422, "phone", "invalid_format", "PATCH phone");
    assert_no_clear_values("PATCH", &res.text, &["13987654321"]);
    assert_eq!(count(app, "households"), 1);
}

// --- Moving a household ---------------------------------------------------------------------

#[test]
fn a_household_moved_to_another_county_takes_its_wishes_along() {
    let w = world();
    let app = &w.app;
    let id = id_of(&made(app, &w.officer.token, &first_household(VILLAGE)));
    let wish = id_of(&post_wish(app, &w.officer.token, &id, "一台洗衣机"));
    let other_officer = app.create_user("county_officer", Some(OTHER_COUNTY), None);
    let move_to = |token: &str, village: &str, version: &str| {
        app.request(
            "PATCH",
            &household_path(&id),
            Some(token),
            Some(&json!({"village_code": village})),
            &[("If-Match", version)],
        )
    };

    // The officer of 530102 moves it within the county, not out of it.
    let res = move_to(&w.officer.token, FOREIGN_VILLAGE, "\"1\"");
    assert_error(&res, 403, "village_code", "forbidden", "out of the county");
    assert_eq!(household_column(app, &id, "county_code"), COUNTY);
    let res = move_to(&w.officer.token, VILLAGE_2, "\"1\"");
    assert_eq!(res.status, 200, "{}", res.text);
    assert_eq!(res.json()["village_code"], VILLAGE_2);
    assert_eq!(wish_column(app, &wish, "village_code"), VILLAGE_2);

    // The admin moves it to 530103: its wish follows it there.
    let res = move_to(&w.admin, FOREIGN_VILLAGE, "\"2\"");
    assert_eq!(res.status, 200, "{}", res.text);
    assert_eq!(res.json()["county_code"], OTHER_COUNTY);
    assert_eq!(household_column(app, &id, "county_code"), OTHER_COUNTY);
    assert_eq!(wish_column(app, &wish, "county_code"), OTHER_COUNTY);
    assert_eq!(wish_column(app, &wish, "village_code"), FOREIGN_VILLAGE);
    // Its new county's officer sees and manages it; its old county's no longer.
    assert_eq!(listed(app, &other_officer.token, ""), vec![id.clone()]);
    let res = get(app, Some(&other_officer.token), WISHES);
    assert_eq!(res.json()["total"], 1, "{}", res.text);
    assert_eq!(get(app, Some(&w.officer.token), WISHES).json()["total"], 0);
    get(app, Some(&w.user_a.token), &format!("{WISHES}/{wish}")).problem(404, "not_found");
    wish_action(app, &w.user_a.token, &wish, "claim", None).problem(404, "not_found");
    assert_eq!(wish_column(app, &wish, "status"), "open");
    let res = wish_action(
        app,
        &other_officer.token,
        &wish,
        "cancel",
        Some(&json!({"reason": "已迁出原县"})),
    );
    assert_eq!(res.status, 200, "{}", res.text);
    assert_eq!(wish_column(app, &wish, "status"), "cancelled");
}
