//! Progress against the plan's targets over HTTP: `/stats/overview` (public; officers
//! see their region), `/stats/prefectures` and `/stats/counties` (filters, sorts, sums),
//! `/exports/stats.xlsx`, and the participation indicator: `/organizations/{id}/
//! indicators`, the ranking `/stats/organizations` and the weights
//! `/evaluation/weights`. Each test builds the same small known world through the API
//! and checks the figures exactly.

use std::time::{SystemTime, UNIX_EPOCH};

use crate::support::id_of;
use api::spreadsheet;
use serde_json::{json, Map, Value};
use tests::{Response, TestApp, TestUser};

const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// National key county (五华区), provincial key county (盘龙区), both in 昆明市 (5301);
/// a county of another prefecture (楚雄市, 楚雄州 5323).
const NATIONAL: &str = "530102";
const PROVINCIAL: &str = "530103";
const ELSEWHERE: &str = "532301";
const VILLAGE: &str = "530102001001";

/// The household's personal data: it must never show in any figure.
const HEAD_NAME: &str = "张三丰";
const ID_NUMBER: &str = "11010519491231002X";
const PHONE: &str = "13812345678";
const LIAISON: &str = "李联络";

/// The project: committed 50,000 yuan, 12,000 yuan disbursed, 320 beneficiaries.
const CATEGORY: &str = "education";
const COMMITTED: i64 = 5_000_000;
const DISBURSED: i64 = 1_200_000;
const BENEFICIARIES: i64 = 320;

const PROJECT_CATEGORIES: &[&str] = &[
    "industry",
    "employment",
    "education",
    "health",
    "elderly_care",
    "consumption",
    "diversified",
];

/// Every indicator, in the order the API lists them, with its default weight and the
/// value that earns full marks.
const INDICATORS: &[(&str, i64, f64)] = &[
    ("pairings_signed_on_time", 15, 1.0),
    ("counties_helped", 10, 3.0),
    ("key_counties_helped", 10, 1.0),
    ("projects", 10, 5.0),
    ("funds_disbursed", 10, 100_000_000.0),
    ("villages_helped", 10, 5.0),
    ("households_helped", 10, 50.0),
    ("wishes_fulfilled", 5, 10.0),
    ("party_pairings", 5, 1.0),
    ("party_activities", 5, 4.0),
    ("annual_report_on_time", 5, 1.0),
    ("cases_published", 3, 1.0),
    ("commendations", 2, 1.0),
    ("violations", 20, 1.0),
];

// --- Dates ----------------------------------------------------------------------

/// The civil date `days` days after 1970-01-01, as (year, month, day).
fn civil(days: i64) -> (i64, i64, i64) {
    // Howard Hinnant's days_from_civil, inverted.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(month <= 2), month, day)
}

/// Today in Asia/Shanghai (UTC+8), as the server counts days.
fn shanghai_today() -> (i64, i64, i64) {
    let secs = i64::try_from(
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_secs(),
    )
    .unwrap();
    civil((secs + 8 * 3600).div_euclid(86_400))
}

fn today() -> String {
    let (y, m, d) = shanghai_today();
    format!("{y:04}-{m:02}-{d:02}")
}

/// The programme year the figures default to.
fn this_year() -> i64 {
    shanghai_today().0
}

#[test]
fn the_test_calendar_is_right() {
    assert_eq!(civil(0), (1970, 1, 1));
    assert_eq!(civil(19_782), (2024, 2, 29));
    assert_eq!(civil(20_088), (2024, 12, 31));
}

// --- The world ------------------------------------------------------------------

/// The known world every test starts from:
/// - 530102 a national key county, 530103 a provincial one;
/// - organization A (昆明市, prefecture-level) paired with 530102 (agreement signed
///   today) and 530103 (not yet signed); organization B (楚雄州) paired with 532301;
/// - A runs one education project in 530102, helps village 530102001001, has helped
///   one household there (which has one open wish), and its party branch is paired
///   with that village's branch, with one activity;
/// - 530102 has liaisons from both departments, 昆明市 from civil affairs only.
///
/// Both organizations are prefecture-level, so neither owes an annual report: every
/// figure is the same whatever day of the year the tests run.
struct World {
    app: TestApp,
    admin: String,
    org_a: String,
    org_b: String,
    user_a: TestUser,
    user_b: TestUser,
    /// B's pairing with 532301.
    pairing_b: String,
    wish: String,
}

fn ok(res: Response, what: &str) -> Value {
    assert!(
        res.status == 200 || res.status == 201,
        "{what}: {} {}",
        res.status,
        res.text
    );
    res.json()
}

fn post(app: &TestApp, token: &str, path: &str, body: &Value) -> Value {
    ok(
        app.request("POST", path, Some(token), Some(body), &[]),
        &format!("POST {path} {body}"),
    )
}

/// PATCH under the resource's current ETag.
fn patch(app: &TestApp, token: &str, path: &str, body: &Value) -> Value {
    let tag = app
        .request("GET", path, Some(token), None, &[])
        .header("etag")
        .unwrap()
        .to_owned();
    ok(
        app.request(
            "PATCH",
            path,
            Some(token),
            Some(body),
            &[("If-Match", &tag)],
        ),
        &format!("PATCH {path}"),
    )
}

/// A prefecture-level social group registered in `prefecture`.
fn organization(app: &TestApp, admin: &str, name: &str, prefecture: &str, n: u32) -> String {
    let body = json!({
        "name": name,
        "credit_code": tests::credit_code_with(&format!("5153{}00", &prefecture[2..]), n),
        "org_type": "social_group",
        "level": "prefectural",
        "sector": "charity",
        "registration_region_code": prefecture,
    });
    id_of(&post(app, admin, "/api/v1/organizations", &body))
}

fn pair(app: &TestApp, admin: &str, org: &str, county: &str) -> String {
    id_of(&post(
        app,
        admin,
        "/api/v1/pairings",
        &json!({"organization_id": org, "county_code": county}),
    ))
}

fn world() -> World {
    let app = TestApp::spawn();
    let admin = app.admin_token();
    for (county, key) in [(NATIONAL, "national"), (PROVINCIAL, "provincial")] {
        let region = patch(
            &app,
            &admin,
            &format!("/api/v1/regions/{county}"),
            &json!({"key_county": key}),
        );
        assert_eq!(region["key_county"], key);
    }

    let org_a = organization(&app, &admin, "昆明市乡村振兴促进会", "5301", 1);
    let org_b = organization(&app, &admin, "楚雄州慈善协会", "5323", 2);
    let signed = pair(&app, &admin, &org_a, NATIONAL);
    pair(&app, &admin, &org_a, PROVINCIAL);
    let pairing_b = pair(&app, &admin, &org_b, ELSEWHERE);
    let res = post(
        &app,
        &admin,
        &format!("/api/v1/pairings/{signed}/sign"),
        &json!({"agreement_no": "滇社助振协〔2026〕1号", "signed_on": today()}),
    );
    assert_eq!(res["status"], "signed");
    let user_a = app.create_user("org_user", None, Some(&org_a));
    let user_b = app.create_user("org_user", None, Some(&org_b));

    post(
        &app,
        &user_a.token,
        "/api/v1/projects",
        &json!({
            "county_code": NATIONAL,
            "title": "乡村学校图书室",
            "category": CATEGORY,
            "dimension": "talent",
            "committed_fen": COMMITTED,
            "disbursed_fen": DISBURSED,
            "beneficiaries": BENEFICIARIES,
        }),
    );
    post(
        &app,
        &user_a.token,
        "/api/v1/village-pairings",
        &json!({"village_code": VILLAGE}),
    );
    let household = id_of(&post(
        &app,
        &admin,
        "/api/v1/households",
        &json!({
            "village_code": VILLAGE,
            "head_name": HEAD_NAME,
            "id_number": ID_NUMBER,
            "phone": PHONE,
            "members": 4,
            "category": "marginal_at_risk",
            "special_groups": ["disabled"],
        }),
    ));
    post(
        &app,
        &user_a.token,
        &format!("/api/v1/households/{household}/assistance"),
        &json!({"kind": "visit", "given_on": today(), "value_fen": 0, "description": "走访慰问"}),
    );
    let wish = post(
        &app,
        &admin,
        "/api/v1/wishes",
        &json!({"household_id": household, "description": "一台轮椅", "estimated_fen": 150_000}),
    );
    assert_eq!(wish["status"], "open");
    let wish = id_of(&wish);
    let party = id_of(&post(
        &app,
        &user_a.token,
        "/api/v1/party-organizations",
        &json!({"name": "昆明市乡村振兴促进会党支部", "kind": "branch", "members": 5, "secretary_name": "王书记", "established_on": "2020-07-01"}),
    ));
    let party_pairing = id_of(&post(
        &app,
        &user_a.token,
        "/api/v1/party-pairings",
        &json!({"party_organization_id": party, "village_code": VILLAGE, "branch_name": "村党总支", "signed_on": today(), "goals": "共建"}),
    ));
    post(
        &app,
        &user_a.token,
        &format!("/api/v1/party-pairings/{party_pairing}/activities"),
        &json!({"kind": "education", "held_on": today(), "title": "主题党课", "participants": 12}),
    );
    for (region, department) in [
        (NATIONAL, "civil_affairs"),
        (NATIONAL, "rural_revitalization"),
        ("5301", "civil_affairs"),
    ] {
        post(
            &app,
            &admin,
            "/api/v1/liaisons",
            &json!({"region_code": region, "department": department, "name": LIAISON, "position": "科长", "phone": "0871 6512 3456"}),
        );
    }
    World {
        app,
        admin,
        org_a,
        org_b,
        user_a,
        user_b,
        pairing_b,
        wish,
    }
}

// --- Helpers ----------------------------------------------------------------------

fn get(app: &TestApp, token: Option<&str>, path: &str) -> Response {
    app.request("GET", path, token, None, &[])
}

/// GET, asserting 200.
fn fetch(app: &TestApp, token: Option<&str>, path: &str) -> Value {
    let res = get(app, token, path);
    assert_eq!(res.status, 200, "{path}: {}", res.text);
    res.json()
}

fn target(value: i64, of: i64) -> Value {
    let progress = if of > 0 {
        (value as f64 / of as f64).clamp(0.0, 1.0)
    } else {
        0.0
    };
    json!({"value": value, "target": of, "progress": progress})
}

/// Projects by category: `CATEGORY` with `count` projects of the world's project, the
/// others zero.
fn projects_by_category(count: i64) -> Value {
    let mut m = Map::new();
    for c in PROJECT_CATEGORIES {
        let n = if *c == CATEGORY { count } else { 0 };
        m.insert((*c).to_owned(), project_figures(n));
    }
    Value::Object(m)
}

fn project_figures(count: i64) -> Value {
    json!({
        "count": count,
        "committed_fen": COMMITTED * count,
        "disbursed_fen": DISBURSED * count,
        "beneficiaries": BENEFICIARIES * count,
    })
}

/// `body` without `computed_at` (checked to be an RFC 3339 instant).
fn without_computed_at(mut body: Value) -> Value {
    let at = body
        .as_object_mut()
        .unwrap()
        .remove("computed_at")
        .unwrap_or_else(|| panic!("no computed_at"));
    assert!(
        at.as_str()
            .is_some_and(|s| s.len() >= 20 && s.ends_with('Z')),
        "{at}"
    );
    body
}

/// The rows of a region table as (code, row).
fn rows(table: &Value) -> Vec<(String, Value)> {
    table["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["code"].as_str().unwrap().to_owned(), r.clone()))
        .collect()
}

fn codes(table: &Value) -> Vec<String> {
    rows(table).into_iter().map(|(c, _)| c).collect()
}

/// The field errors of a problem, as (field, code).
fn errors(body: &Value) -> Vec<(String, String)> {
    body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["field"].as_str().unwrap().to_owned(),
                e["code"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

fn pair_of(field: &str, code: &str) -> (String, String) {
    (field.to_owned(), code.to_owned())
}

fn assert_no_personal_data(what: &str, text: &str) {
    for secret in [HEAD_NAME, ID_NUMBER, PHONE, LIAISON, "张**", "138****5678"] {
        assert!(!text.contains(secret), "{what} shows {secret}: {text}");
    }
}

// --- The overview -----------------------------------------------------------------

/// The province's figures of the world.
fn province_figures(year: i64) -> Value {
    json!({
        "year": year,
        "region_code": "53",
        "region_name": "云南省",
        "counties_total": 129,
        "counties_covered": target(3, 129),
        "key_counties_total": 2,
        "key_counties_covered": target(2, 2),
        "key_counties_national": {"total": 1, "covered": target(1, 1)},
        "key_counties_provincial": {"total": 1, "covered": target(1, 1)},
        "organizations_participating": 2,
        "pairings_by_status": {"pending_agreement": 2, "signed": 1, "terminated": 0},
        "agreements_signed_on_time": 1,
        "agreements_signed_late": 0,
        "agreements_overdue": 0,
        "projects_by_category": projects_by_category(1),
        "projects_total": project_figures(1),
        "villages_helped": target(1, 1000),
        "households_helped": target(1, 10_000),
        "party_pairings_active": target(1, 100),
        "wishes_by_status": {"open": 1, "claimed": 0, "fulfilled": 0, "cancelled": 0},
        // 16 prefectures, two half-year reports each, none filed; no province-level
        // organization owes an annual report.
        "reports": {"on_time": 0, "late": 0, "outstanding": 32},
        // 129 counties and 16 prefectures; only 530102 has both departments' liaisons.
        "liaison_coverage": target(1, 145),
    })
}

#[test]
fn the_overview_shows_the_province_exactly_to_anyone() {
    let w = world();
    let app = &w.app;
    let year = this_year();

    let res = get(app, None, "/api/v1/stats/overview");
    assert_eq!(res.status, 200, "{}", res.text);
    assert_eq!(res.header("content-type"), Some("application/json"));
    assert_no_personal_data("overview", &res.text);
    let overview = without_computed_at(res.json());
    assert_eq!(overview, province_figures(year));
    assert_eq!(overview["counties_covered"]["progress"], 3.0 / 129.0);
    assert_eq!(overview["villages_helped"]["target"], 1000);
    assert_eq!(overview["households_helped"]["target"], 10_000);
    assert_eq!(overview["party_pairings_active"]["target"], 100);

    // Naming this year is the same; the province-wide roles see the province too.
    let named = fetch(app, None, &format!("/api/v1/stats/overview?year={year}"));
    assert_eq!(without_computed_at(named), province_figures(year));
    let viewer = app.create_user("viewer", None, None);
    for token in [&w.admin, &viewer.token, &w.user_a.token] {
        let seen = fetch(app, Some(token), "/api/v1/stats/overview");
        assert_eq!(without_computed_at(seen), province_figures(year));
    }

    // Another year: coverage and active pairings are as of today; the year's
    // agreements, projects and reports are that year's.
    let next = fetch(
        app,
        None,
        &format!("/api/v1/stats/overview?year={}", year + 1),
    );
    assert_eq!(next["year"], year + 1);
    assert_eq!(next["counties_covered"], target(3, 129));
    assert_eq!(next["agreements_signed_on_time"], 0);
    assert_eq!(next["projects_total"], project_figures(1), "still running");
    assert_eq!(next["reports"]["outstanding"], 32);
    let before = fetch(app, None, "/api/v1/stats/overview?year=2023");
    assert_eq!(before["agreements_signed_on_time"], 0);
    assert_eq!(before["projects_total"], project_figures(0), "not begun");
    assert_eq!(
        before["households_helped"],
        target(0, 10_000),
        "helped later"
    );

    // The year is 2023–2100; a parameter nobody reads is a 400.
    for year in ["1999", "2022", "2101"] {
        let body = get(app, None, &format!("/api/v1/stats/overview?year={year}"))
            .problem(422, "validation_failed");
        assert_eq!(errors(&body), [pair_of("year", "out_of_range")]);
    }
    let body = get(app, None, "/api/v1/stats/overview?year=last").problem(400, "malformed_query");
    assert_eq!(errors(&body), [pair_of("year", "invalid_format")]);
    let body = get(app, None, "/api/v1/stats/overview?region=5301").problem(400, "malformed_query");
    assert_eq!(errors(&body), [pair_of("region", "unknown_field")]);
}

#[test]
fn officers_see_the_figures_of_their_region() {
    let w = world();
    let app = &w.app;
    let year = this_year();

    // The county officer of 530102: its county alone.
    let county = app.create_user("county_officer", Some(NATIONAL), None);
    let res = get(app, Some(&county.token), "/api/v1/stats/overview");
    assert_eq!(res.status, 200, "{}", res.text);
    assert_no_personal_data("county overview", &res.text);
    let expected = json!({
        "year": year,
        "region_code": NATIONAL,
        "region_name": "五华区",
        "counties_total": 1,
        "counties_covered": target(1, 1),
        "key_counties_total": 1,
        "key_counties_covered": target(1, 1),
        "key_counties_national": {"total": 1, "covered": target(1, 1)},
        "key_counties_provincial": {"total": 0, "covered": target(0, 0)},
        "organizations_participating": 1,
        "pairings_by_status": {"pending_agreement": 0, "signed": 1, "terminated": 0},
        "agreements_signed_on_time": 1,
        "agreements_signed_late": 0,
        "agreements_overdue": 0,
        "projects_by_category": projects_by_category(1),
        "projects_total": project_figures(1),
        "villages_helped": target(1, 1000),
        "households_helped": target(1, 10_000),
        "party_pairings_active": target(1, 100),
        "wishes_by_status": {"open": 1, "claimed": 0, "fulfilled": 0, "cancelled": 0},
        "reports": null,
        "liaison_coverage": target(1, 1),
    });
    assert_eq!(without_computed_at(res.json()), expected);

    // The county officer of 530103: the other pairing of A, nothing else.
    let other = app.create_user("county_officer", Some(PROVINCIAL), None);
    let seen = fetch(app, Some(&other.token), "/api/v1/stats/overview");
    assert_eq!(seen["region_code"], PROVINCIAL);
    assert_eq!(seen["region_name"], "盘龙区");
    assert_eq!(seen["key_counties_provincial"]["covered"], target(1, 1));
    assert_eq!(seen["key_counties_national"]["total"], 0);
    assert_eq!(
        seen["pairings_by_status"],
        json!({"pending_agreement": 1, "signed": 0, "terminated": 0})
    );
    assert_eq!(seen["projects_total"], project_figures(0));
    assert_eq!(seen["households_helped"], target(0, 10_000));
    assert_eq!(seen["liaison_coverage"], target(0, 1));

    // The prefecture officer of 昆明市: its 14 counties, its own half-year reports and
    // liaisons (the city's own lacks rural revitalization).
    let prefecture = app.create_user("prefecture_officer", Some("5301"), None);
    let seen = without_computed_at(fetch(
        app,
        Some(&prefecture.token),
        "/api/v1/stats/overview",
    ));
    assert_eq!(seen["region_code"], "5301");
    assert_eq!(seen["region_name"], "昆明市");
    assert_eq!(seen["counties_total"], 14);
    assert_eq!(seen["counties_covered"], target(2, 14));
    assert_eq!(seen["key_counties_covered"], target(2, 2));
    assert_eq!(seen["organizations_participating"], 1);
    assert_eq!(
        seen["pairings_by_status"],
        json!({"pending_agreement": 1, "signed": 1, "terminated": 0})
    );
    assert_eq!(
        seen["reports"],
        json!({"on_time": 0, "late": 0, "outstanding": 2})
    );
    assert_eq!(seen["liaison_coverage"], target(1, 15));
    assert_eq!(seen["households_helped"], target(1, 10_000));

    // The region tables show an officer its own rows only.
    let table = fetch(app, Some(&county.token), "/api/v1/stats/counties");
    assert_eq!(codes(&table), [NATIONAL]);
    let table = fetch(app, Some(&county.token), "/api/v1/stats/prefectures");
    assert_eq!(codes(&table), ["5301"]);
    let row = &table["items"][0];
    assert_eq!(row["counties_total"], 1, "only its county's share");
    assert_eq!(row["counties_covered"], target(1, 1));
    assert_eq!(row["reports"], Value::Null);
    let table = fetch(app, Some(&prefecture.token), "/api/v1/stats/counties");
    assert_eq!(table["items"].as_array().unwrap().len(), 14);
    assert!(codes(&table).iter().all(|c| c.starts_with("5301")));
    let table = fetch(app, Some(&prefecture.token), "/api/v1/stats/prefectures");
    assert_eq!(codes(&table), ["5301"]);
    assert_eq!(table["items"][0]["counties_total"], 14);
    assert_eq!(
        table["items"][0]["reports"],
        json!({"on_time": 0, "late": 0, "outstanding": 2})
    );
}

// --- The region tables ------------------------------------------------------------

#[test]
fn the_county_table_filters_and_sorts() {
    let w = world();
    let app = &w.app;
    let year = this_year();

    // Every county, by code.
    let table = fetch(app, None, "/api/v1/stats/counties");
    assert_eq!(table["year"], year);
    assert_no_personal_data("county table", &table.to_string());
    let all = codes(&table);
    assert_eq!(all.len(), 129);
    let mut sorted = all.clone();
    sorted.sort();
    assert_eq!(all, sorted);

    // 昆明市 by projects, most first: 530102 (the only project) leads, then by code.
    let table = fetch(
        app,
        None,
        "/api/v1/stats/counties?prefecture=5301&sort=-projects",
    );
    let listed = rows(&table);
    assert_eq!(listed.len(), 14);
    assert_eq!(listed[0].0, NATIONAL);
    assert_eq!(listed[1].0, PROVINCIAL);
    assert!(listed
        .iter()
        .all(|(code, r)| code.starts_with("5301") && r["prefecture_code"] == "5301"));
    let first = &listed[0].1;
    assert_eq!(first["name"], "五华区");
    assert_eq!(first["key_county"], "national");
    assert_eq!(first["counties_total"], 1);
    assert_eq!(first["counties_covered"], target(1, 1));
    assert_eq!(first["organizations_participating"], 1);
    assert_eq!(first["projects_total"], project_figures(1));
    assert_eq!(first["projects_by_category"], projects_by_category(1));
    assert_eq!(first["villages_helped"], target(1, 1000));
    assert_eq!(first["households_helped"], target(1, 10_000));
    assert_eq!(first["party_pairings_active"], target(1, 100));
    assert_eq!(first["wishes_by_status"]["open"], 1);
    assert_eq!(first["liaison_coverage"], target(1, 1));
    assert_eq!(first["reports"], Value::Null);
    let second = &listed[1].1;
    assert_eq!(second["key_county"], "provincial");
    assert_eq!(second["projects_total"], project_figures(0));
    assert_eq!(second["counties_covered"], target(1, 1));
    assert_eq!(listed[2].1["counties_covered"], target(0, 1));
    assert_eq!(listed[2].1["key_county"], Value::Null);
    // Ascending puts it last.
    let table = fetch(
        app,
        None,
        "/api/v1/stats/counties?prefecture=5301&sort=projects",
    );
    assert_eq!(codes(&table).last().unwrap(), NATIONAL);
    // Covered counties first, province-wide: 530102, 530103, 532301.
    let table = fetch(app, None, "/api/v1/stats/counties?sort=-counties_covered");
    assert_eq!(codes(&table)[..3], [NATIONAL, PROVINCIAL, ELSEWHERE]);
    let table = fetch(app, None, "/api/v1/stats/counties?sort=-pairings");
    assert_eq!(codes(&table)[..3], [NATIONAL, PROVINCIAL, ELSEWHERE]);

    // Key counties.
    let table = fetch(app, None, "/api/v1/stats/counties?key_county=national");
    assert_eq!(codes(&table), [NATIONAL]);
    let table = fetch(app, None, "/api/v1/stats/counties?key_county=provincial");
    assert_eq!(codes(&table), [PROVINCIAL]);
    let table = fetch(
        app,
        None,
        "/api/v1/stats/counties?key_county=any&prefecture=5301",
    );
    assert_eq!(codes(&table), [NATIONAL, PROVINCIAL]);
    let table = fetch(
        app,
        None,
        "/api/v1/stats/counties?key_county=any&prefecture=5323",
    );
    assert_eq!(codes(&table), Vec::<String>::new());

    // An unknown sort is a 422 naming sort; a bad filter is named too.
    let body =
        get(app, None, "/api/v1/stats/counties?sort=-popularity").problem(422, "validation_failed");
    assert_eq!(errors(&body), [pair_of("sort", "not_allowed")]);
    let body =
        get(app, None, "/api/v1/stats/prefectures?sort=score").problem(422, "validation_failed");
    assert_eq!(errors(&body), [pair_of("sort", "not_allowed")]);
    let body = get(app, None, "/api/v1/stats/counties?prefecture=530102")
        .problem(422, "validation_failed");
    assert_eq!(errors(&body), [pair_of("prefecture", "not_a_prefecture")]);
    let body =
        get(app, None, "/api/v1/stats/counties?key_county=yes").problem(400, "malformed_query");
    assert_eq!(errors(&body)[0].0, "key_county");
    let body = get(app, None, "/api/v1/stats/counties?year=1999").problem(422, "validation_failed");
    assert_eq!(errors(&body), [pair_of("year", "out_of_range")]);
    let body =
        get(app, None, "/api/v1/stats/counties?county=530102").problem(400, "malformed_query");
    assert_eq!(errors(&body), [pair_of("county", "unknown_field")]);
}

#[test]
fn prefecture_rows_add_up_to_the_overview() {
    let w = world();
    let app = &w.app;
    let overview = fetch(app, None, "/api/v1/stats/overview");
    let table = fetch(app, None, "/api/v1/stats/prefectures");
    let listed = rows(&table);
    assert_eq!(listed.len(), 16);
    let mut sorted: Vec<String> = listed.iter().map(|(c, _)| c.clone()).collect();
    sorted.sort();
    assert_eq!(
        listed.iter().map(|(c, _)| c.clone()).collect::<Vec<_>>(),
        sorted
    );
    assert!(listed
        .iter()
        .all(|(c, r)| c.len() == 4 && r["prefecture_code"].is_null() && r["key_county"].is_null()));

    // Every additive figure sums to the province's.
    let sum = |pointer: &str| -> i64 {
        listed
            .iter()
            .map(|(code, r)| {
                r.pointer(pointer)
                    .and_then(Value::as_i64)
                    .unwrap_or_else(|| panic!("{code}: no {pointer} in {r}"))
            })
            .sum()
    };
    let mut pointers: Vec<String> = [
        "/counties_total",
        "/counties_covered/value",
        "/counties_covered/target",
        "/key_counties_total",
        "/key_counties_covered/value",
        "/key_counties_national/total",
        "/key_counties_national/covered/value",
        "/key_counties_provincial/total",
        "/key_counties_provincial/covered/value",
        "/agreements_signed_on_time",
        "/agreements_signed_late",
        "/agreements_overdue",
        "/villages_helped/value",
        "/households_helped/value",
        "/party_pairings_active/value",
        "/liaison_coverage/value",
        "/liaison_coverage/target",
        "/reports/on_time",
        "/reports/late",
        "/reports/outstanding",
    ]
    .iter()
    .map(|p| (*p).to_owned())
    .collect();
    for status in ["pending_agreement", "signed", "terminated"] {
        pointers.push(format!("/pairings_by_status/{status}"));
    }
    for status in ["open", "claimed", "fulfilled", "cancelled"] {
        pointers.push(format!("/wishes_by_status/{status}"));
    }
    for field in ["count", "committed_fen", "disbursed_fen", "beneficiaries"] {
        pointers.push(format!("/projects_total/{field}"));
        for category in PROJECT_CATEGORIES {
            pointers.push(format!("/projects_by_category/{category}/{field}"));
        }
    }
    for pointer in &pointers {
        let province = overview.pointer(pointer).and_then(Value::as_i64).unwrap();
        assert_eq!(sum(pointer), province, "{pointer}");
    }
    assert_eq!(sum("/counties_total"), 129);
    assert_eq!(sum("/counties_covered/value"), 3);
    assert_eq!(sum("/projects_total/committed_fen"), COMMITTED);
    assert_eq!(sum("/reports/outstanding"), 32);

    // Each prefecture's own row, with the province's targets beside its share.
    let kunming = &listed.iter().find(|(c, _)| c == "5301").unwrap().1;
    assert_eq!(kunming["name"], "昆明市");
    assert_eq!(kunming["counties_total"], 14);
    assert_eq!(kunming["counties_covered"], target(2, 14));
    assert_eq!(kunming["organizations_participating"], 1);
    assert_eq!(kunming["villages_helped"], target(1, 1000));
    assert_eq!(
        kunming["reports"],
        json!({"on_time": 0, "late": 0, "outstanding": 2})
    );
    assert_eq!(kunming["liaison_coverage"], target(1, 15));
    let chuxiong = &listed.iter().find(|(c, _)| c == "5323").unwrap().1;
    assert_eq!(chuxiong["counties_covered"]["value"], 1);
    assert_eq!(chuxiong["organizations_participating"], 1);
    assert_eq!(
        chuxiong["pairings_by_status"],
        json!({"pending_agreement": 1, "signed": 0, "terminated": 0})
    );
    assert_eq!(chuxiong["projects_total"], project_figures(0));

    // Sorted by a figure; filtered to key counties, a prefecture adds up those alone.
    let table = fetch(
        app,
        None,
        "/api/v1/stats/prefectures?sort=-counties_covered",
    );
    assert_eq!(codes(&table)[..2], ["5301", "5323"]);
    let table = fetch(
        app,
        None,
        "/api/v1/stats/prefectures?prefecture=5301&key_county=national",
    );
    assert_eq!(codes(&table), ["5301"]);
    assert_eq!(table["items"][0]["counties_total"], 1);
    assert_eq!(table["items"][0]["organizations_participating"], 1);
    assert_eq!(
        table["items"][0]["pairings_by_status"]["pending_agreement"],
        0
    );
    get(app, None, "/api/v1/stats/prefectures?year=1999").problem(422, "validation_failed");
    get(app, None, "/api/v1/stats/prefectures?page=2").problem(400, "malformed_query");
}

#[test]
fn the_county_table_exports_as_a_spreadsheet() {
    let w = world();
    let app = &w.app;
    let year = this_year();
    let res = get(
        app,
        None,
        "/api/v1/exports/stats.xlsx?prefecture=5301&sort=-projects",
    );
    assert_eq!(res.status, 200, "{}", res.text);
    assert_eq!(res.header("content-type"), Some(XLSX));
    assert!(
        res.header("content-disposition")
            .is_some_and(|d| d.contains("attachment") && d.contains(&format!("stats-{year}.xlsx"))),
        "{:?}",
        res.header("content-disposition")
    );
    assert!(res.bytes.starts_with(b"PK"), "a ZIP container");
    assert!(res.bytes.len() > 2000, "{} bytes", res.bytes.len());

    let table = spreadsheet::read_all(XLSX, &res.bytes).unwrap();
    assert_eq!(table.len(), 15, "the header and 昆明市's 14 counties");
    assert_eq!(table[0][0], "县代码");
    assert_eq!(table[0].len(), 18);
    let first = &table[1];
    assert_eq!(first[0], NATIONAL);
    assert_eq!(first[1], "五华区");
    assert_eq!(first[2], "5301");
    assert_eq!(first[3], "国家级");
    let number = |cell: &str| -> f64 { cell.parse().unwrap_or_else(|_| panic!("{cell}")) };
    assert_eq!(number(&first[4]), 1.0, "organizations");
    assert_eq!(number(&first[5]), 1.0, "pairings");
    assert_eq!(number(&first[6]), 1.0, "signed on time");
    assert_eq!(number(&first[8]), 1.0, "projects");
    assert_eq!(number(&first[9]), 50_000.0, "committed, yuan");
    assert_eq!(number(&first[10]), 12_000.0, "disbursed, yuan");
    assert_eq!(number(&first[11]), 320.0, "beneficiaries");
    assert_eq!(number(&first[12]), 1.0, "villages");
    assert_eq!(number(&first[13]), 1.0, "households");
    assert_eq!(number(&first[14]), 1.0, "party pairings");
    assert_eq!(number(&first[15]), 1.0, "open wishes");
    assert_eq!(first[17], "是", "both liaisons");
    assert_eq!(table[2][0], PROVINCIAL);
    assert_eq!(table[2][3], "省级");
    assert_eq!(table[2][17], "否");
    let text = String::from_utf8_lossy(&res.bytes).into_owned();
    assert_no_personal_data("xlsx", &text);

    // The whole province by default; the filters are checked like the table's.
    let all = get(app, None, "/api/v1/exports/stats.xlsx");
    assert_eq!(all.status, 200);
    assert_eq!(spreadsheet::read_all(XLSX, &all.bytes).unwrap().len(), 130);
    get(app, None, "/api/v1/exports/stats.xlsx?sort=bogus").problem(422, "validation_failed");
    get(app, None, "/api/v1/exports/stats.xlsx?year=1999").problem(422, "validation_failed");
    get(app, None, "/api/v1/exports/stats.xlsx?format=csv").problem(400, "malformed_query");
    // A county officer's export holds its county.
    let county = app.create_user("county_officer", Some(PROVINCIAL), None);
    let mine = get(app, Some(&county.token), "/api/v1/exports/stats.xlsx");
    assert_eq!(mine.status, 200);
    let table = spreadsheet::read_all(XLSX, &mine.bytes).unwrap();
    assert_eq!(table.len(), 2);
    assert_eq!(table[1][0], PROVINCIAL);
}

// --- The participation indicator ---------------------------------------------------

fn round1(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

/// Organization A's figures (this year): one of its two agreements signed on time;
/// two counties, both key; one project; 12,000 yuan; one village; one household; no
/// wish fulfilled; one party pairing with one activity; no annual report owed
/// (prefecture-level); no case, commendation or violation.
fn figures_of_a() -> Vec<(&'static str, f64, bool)> {
    vec![
        ("pairings_signed_on_time", 0.5, true),
        ("counties_helped", 2.0, true),
        ("key_counties_helped", 2.0, true),
        ("projects", 1.0, true),
        ("funds_disbursed", DISBURSED as f64, true),
        ("villages_helped", 1.0, true),
        ("households_helped", 1.0, true),
        ("wishes_fulfilled", 0.0, true),
        ("party_pairings", 1.0, true),
        ("party_activities", 1.0, true),
        ("annual_report_on_time", 0.0, false),
        ("cases_published", 0.0, true),
        ("commendations", 0.0, true),
        ("violations", 0.0, true),
    ]
}

/// The inputs the API should list for `figures` under the default weights: each
/// applicable positive figure earns `weight × min(1, value / full_at)`, scaled so that
/// full marks everywhere applicable make 100; each violation deducts its weight.
fn expected_inputs(figures: &[(&str, f64, bool)], weight_of: impl Fn(&str) -> i64) -> Value {
    let positive_max: i64 = INDICATORS
        .iter()
        .zip(figures)
        .filter(|((name, _, _), (_, _, applicable))| *name != "violations" && *applicable)
        .map(|((name, _, _), _)| weight_of(name))
        .sum();
    let scale = 100.0 / positive_max as f64;
    let inputs: Vec<Value> = INDICATORS
        .iter()
        .zip(figures)
        .map(|((name, _, full_at), (figure, value, applicable))| {
            assert_eq!(name, figure);
            let weight = weight_of(name);
            let points = if !applicable {
                0.0
            } else if *name == "violations" {
                -(weight as f64) * value
            } else {
                weight as f64 * (value / full_at).min(1.0) * scale
            };
            json!({
                "indicator": name,
                "value": value,
                "full_at": full_at,
                "weight": weight,
                "applicable": applicable,
                "points": round1(points),
            })
        })
        .collect();
    Value::Array(inputs)
}

fn default_weight(name: &str) -> i64 {
    INDICATORS.iter().find(|(n, _, _)| *n == name).unwrap().1
}

fn indicators_path(org: &str) -> String {
    format!("/api/v1/organizations/{org}/indicators")
}

fn input<'a>(body: &'a Value, name: &str) -> &'a Value {
    body["inputs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["indicator"] == name)
        .unwrap_or_else(|| panic!("no {name} in {body}"))
}

#[test]
fn an_organization_sees_its_own_indicator_with_every_input() {
    let w = world();
    let app = &w.app;
    let year = this_year();
    let res = get(app, Some(&w.user_a.token), &indicators_path(&w.org_a));
    assert_eq!(res.status, 200, "{}", res.text);
    assert!(!res.text.contains("-0.0"), "no negative zero: {}", res.text);
    let body = res.json();
    assert_eq!(body["organization_id"], w.org_a.as_str());
    assert_eq!(body["organization_name"], "昆明市乡村振兴促进会");
    assert_eq!(body["year"], year);
    assert_eq!(
        body["inputs"],
        expected_inputs(&figures_of_a(), default_weight)
    );
    // (15·½ + 10·⅔ + 10 + 10·⅕ + 10·0.012 + 10·⅕ + 10·1/50 + 5 + 5·¼) × 100/95.
    assert_eq!(body["score"], 36.6);
    let score = body["score"].as_f64().unwrap();
    assert!((0.0..=100.0).contains(&score));
    let sum: f64 = body["inputs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["points"].as_f64().unwrap())
        .sum();
    assert!((sum - score).abs() < 0.5, "{sum} vs {score}");
    assert_eq!(input(&body, "counties_helped")["value"], 2.0);
    assert_eq!(input(&body, "key_counties_helped")["value"], 2.0);
    assert_eq!(input(&body, "funds_disbursed")["value"], 1_200_000.0);
    assert_eq!(input(&body, "violations")["weight"], 20);

    // The same for the admin, a viewer and the county officer; a named year too.
    let viewer = app.create_user("viewer", None, None);
    let county = app.create_user("county_officer", Some(NATIONAL), None);
    for token in [&w.admin, &viewer.token, &county.token] {
        let seen = fetch(app, Some(token), &indicators_path(&w.org_a));
        assert_eq!(seen, body);
    }
    let named = fetch(
        app,
        Some(&w.user_a.token),
        &format!("{}?year={year}", indicators_path(&w.org_a)),
    );
    assert_eq!(named, body);
    // 2023: the pairings existed later, nothing was due, done or helped.
    let early = fetch(
        app,
        Some(&w.user_a.token),
        &format!("{}?year=2023", indicators_path(&w.org_a)),
    );
    assert_eq!(
        input(&early, "pairings_signed_on_time")["applicable"],
        false
    );
    assert_eq!(input(&early, "counties_helped")["value"], 0.0);
    assert_eq!(input(&early, "projects")["value"], 0.0);
    assert_eq!(input(&early, "households_helped")["value"], 0.0);
    assert_eq!(input(&early, "party_activities")["value"], 0.0);

    // Organization B: one county (not key), its agreement not yet signed.
    let b = fetch(app, Some(&w.user_b.token), &indicators_path(&w.org_b));
    let mut figures: Vec<(&str, f64, bool)> = figures_of_a()
        .into_iter()
        .map(|(n, _, applicable)| (n, 0.0, applicable))
        .collect();
    figures[1].1 = 1.0;
    assert_eq!(b["inputs"], expected_inputs(&figures, default_weight));
    assert_eq!(b["score"], 3.5, "10 · ⅓ × 100/95");

    // Another organization's user: as if it did not exist; no token: 401.
    get(app, Some(&w.user_b.token), &indicators_path(&w.org_a)).problem(404, "not_found");
    get(app, None, &indicators_path(&w.org_a)).problem(401, "unauthorized");
    get(
        app,
        Some(&w.admin),
        &indicators_path("0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b"),
    )
    .problem(404, "not_found");
    get(app, Some(&w.admin), &indicators_path("not-an-id")).problem(404, "not_found");
    // Its parameters are checked.
    get(
        app,
        Some(&w.user_a.token),
        &format!("{}?year=1999", indicators_path(&w.org_a)),
    )
    .problem(422, "validation_failed");
    let body = get(
        app,
        Some(&w.user_a.token),
        &format!("{}?sort=score", indicators_path(&w.org_a)),
    )
    .problem(400, "malformed_query");
    assert_eq!(errors(&body), [pair_of("sort", "unknown_field")]);
}

#[test]
fn organizations_are_ranked_by_their_score() {
    let w = world();
    let app = &w.app;
    let year = this_year();
    let ranked = |token: &str, query: &str| -> Value {
        fetch(
            app,
            Some(token),
            &format!("/api/v1/stats/organizations{query}"),
        )
    };
    let names = |page: &Value| -> Vec<(String, f64)> {
        page["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| {
                (
                    i["organization_id"].as_str().unwrap().to_owned(),
                    i["score"].as_f64().unwrap(),
                )
            })
            .collect()
    };
    let a = (w.org_a.clone(), 36.6);
    let b = (w.org_b.clone(), 3.5);

    let page = ranked(&w.admin, "?sort=-score");
    assert_eq!(page["year"], year);
    assert_eq!(page["page"], 1);
    assert_eq!(page["page_size"], 20);
    assert_eq!(page["total"], 2);
    assert_eq!(names(&page), [a.clone(), b.clone()]);
    // Each item is the organization's own indicator.
    let own = fetch(app, Some(&w.user_a.token), &indicators_path(&w.org_a));
    assert_eq!(page["items"][0], own);
    // The default is -score; ascending, by name, by an indicator; paged.
    assert_eq!(names(&ranked(&w.admin, "")), [a.clone(), b.clone()]);
    assert_eq!(
        names(&ranked(&w.admin, "?sort=score")),
        [b.clone(), a.clone()]
    );
    // 昆明市… sorts before 楚雄州… by code point (昆 U+6606 < 楚 U+695A).
    assert_eq!(
        names(&ranked(&w.admin, "?sort=name")),
        [a.clone(), b.clone()]
    );
    assert_eq!(
        names(&ranked(&w.admin, "?sort=-name")),
        [b.clone(), a.clone()]
    );
    assert_eq!(
        names(&ranked(&w.admin, "?sort=counties_helped")),
        [b.clone(), a.clone()]
    );
    let page = ranked(&w.admin, "?sort=-score&page=2&page_size=1");
    assert_eq!(page["total"], 2);
    assert_eq!(names(&page), std::slice::from_ref(&b));

    // Officers and the province-wide roles may rank; organization users may not.
    let viewer = app.create_user("viewer", None, None);
    let county = app.create_user("county_officer", Some(NATIONAL), None);
    for token in [&viewer.token, &county.token] {
        assert_eq!(
            names(&ranked(token, "?sort=-score")),
            [a.clone(), b.clone()]
        );
    }
    get(
        app,
        Some(&w.user_a.token),
        "/api/v1/stats/organizations?sort=-score",
    )
    .problem(403, "forbidden");
    get(app, None, "/api/v1/stats/organizations").problem(401, "unauthorized");
    // Unknown sorts and bad pages are named.
    let body = get(
        app,
        Some(&w.admin),
        "/api/v1/stats/organizations?sort=-fame",
    )
    .problem(422, "validation_failed");
    assert_eq!(errors(&body), [pair_of("sort", "not_allowed")]);
    let body = get(
        app,
        Some(&w.admin),
        "/api/v1/stats/organizations?page_size=101",
    )
    .problem(422, "validation_failed");
    assert_eq!(errors(&body), [pair_of("page_size", "out_of_range")]);
    get(app, Some(&w.admin), "/api/v1/stats/organizations?year=1999")
        .problem(422, "validation_failed");
    get(
        app,
        Some(&w.admin),
        "/api/v1/stats/organizations?level=provincial",
    )
    .problem(400, "malformed_query");
}

/// `{indicator: weight}` for every indicator: 0 except those named.
fn weights_with(named: &[(&str, i64)]) -> Value {
    let mut m = Map::new();
    for (name, _, _) in INDICATORS {
        let w = named.iter().find(|(n, _)| n == name).map_or(0, |(_, w)| *w);
        m.insert((*name).to_owned(), json!(w));
    }
    json!({ "weights": m })
}

fn put_weights(app: &TestApp, token: Option<&str>, body: &Value) -> Response {
    app.request("PUT", "/api/v1/evaluation/weights", token, Some(body), &[])
}

fn weights_audit(app: &TestApp, admin: &str) -> Value {
    fetch(
        app,
        Some(admin),
        "/api/v1/audit-log?entity=evaluation_weights",
    )
}

#[test]
fn province_admins_set_the_weights_whole_and_it_is_audited() {
    let w = world();
    let app = &w.app;

    // The defaults, to anyone signed in.
    let defaults: Vec<Value> = INDICATORS
        .iter()
        .map(|(name, weight, full_at)| {
            json!({"indicator": name, "weight": weight, "default_weight": weight, "full_at": full_at})
        })
        .collect();
    let expected = json!({ "weights": defaults });
    for token in [&w.admin, &w.user_a.token] {
        assert_eq!(
            fetch(app, Some(token), "/api/v1/evaluation/weights"),
            expected
        );
    }
    get(app, None, "/api/v1/evaluation/weights").problem(401, "unauthorized");

    // Not a province admin: 403, nothing changes.
    let only_projects = weights_with(&[("projects", 100), ("violations", 20)]);
    let county = app.create_user("county_officer", Some(NATIONAL), None);
    let viewer = app.create_user("viewer", None, None);
    for token in [&county.token, &viewer.token, &w.user_a.token] {
        put_weights(app, Some(token), &only_projects).problem(403, "forbidden");
    }
    put_weights(app, None, &only_projects).problem(401, "unauthorized");

    // Every indicator is needed, each 0–100, names known, not all positive ones 0.
    let mut missing = only_projects.clone();
    missing["weights"]
        .as_object_mut()
        .unwrap()
        .remove("households_helped");
    let body = put_weights(app, Some(&w.admin), &missing).problem(422, "validation_failed");
    assert_eq!(
        errors(&body),
        [pair_of("weights.households_helped", "required")]
    );
    let mut bad = only_projects.clone();
    bad["weights"]["projects"] = json!(101);
    bad["weights"]["fame"] = json!(5);
    let body = put_weights(app, Some(&w.admin), &bad).problem(422, "validation_failed");
    let fields: Vec<String> = errors(&body).into_iter().map(|(f, _)| f).collect();
    assert_eq!(fields, ["weights.fame", "weights.projects"]);
    let body = put_weights(app, Some(&w.admin), &weights_with(&[("violations", 20)]))
        .problem(422, "validation_failed");
    assert_eq!(errors(&body), [pair_of("weights", "all_zero")]);
    put_weights(
        app,
        Some(&w.admin),
        &json!({"weights": only_projects["weights"], "note": "x"}),
    )
    .problem(422, "validation_failed");
    assert_eq!(
        fetch(app, Some(&w.admin), "/api/v1/evaluation/weights"),
        expected
    );
    assert_eq!(weights_audit(app, &w.admin)["total"], 0);

    // The admin sets them: only projects count (and violations deduct 20).
    let res = put_weights(app, Some(&w.admin), &only_projects);
    assert_eq!(res.status, 200, "{}", res.text);
    let set = res.json();
    let weight_of = |name: &str| -> i64 {
        match name {
            "projects" => 100,
            "violations" => 20,
            _ => 0,
        }
    };
    let now: Vec<Value> = INDICATORS
        .iter()
        .map(|(name, default, full_at)| {
            json!({"indicator": name, "weight": weight_of(name), "default_weight": default, "full_at": full_at})
        })
        .collect();
    assert_eq!(set, json!({ "weights": now }));
    assert_eq!(
        fetch(app, Some(&w.user_b.token), "/api/v1/evaluation/weights"),
        set
    );

    // A's score is now its projects alone: 100 × min(1, 1/5).
    let a = fetch(app, Some(&w.user_a.token), &indicators_path(&w.org_a));
    assert_eq!(a["score"], 20.0);
    assert_eq!(a["inputs"], expected_inputs(&figures_of_a(), weight_of));
    assert_eq!(input(&a, "projects")["points"], 20.0);
    assert_eq!(input(&a, "counties_helped")["points"], 0.0);
    let b = fetch(app, Some(&w.user_b.token), &indicators_path(&w.org_b));
    assert_eq!(b["score"], 0.0);
    let page = fetch(
        app,
        Some(&w.admin),
        "/api/v1/stats/organizations?sort=-score",
    );
    let scores: Vec<f64> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["score"].as_f64().unwrap())
        .collect();
    assert_eq!(scores, [20.0, 0.0]);
    assert_eq!(page["items"][0]["organization_id"], w.org_a.as_str());

    // Audited: one update naming each weight that changed, by the admin.
    let audit = weights_audit(app, &w.admin);
    assert_eq!(audit["total"], 1, "{audit}");
    let entry = &audit["items"][0];
    assert_eq!(entry["entity"], "evaluation_weights");
    assert_eq!(entry["entity_id"], "weights");
    assert_eq!(entry["action"], "update");
    assert_eq!(entry["actor_role"], "province_admin");
    assert_eq!(
        entry["changes"]["projects"],
        json!({"before": 10, "after": 100})
    );
    assert_eq!(
        entry["changes"]["counties_helped"],
        json!({"before": 10, "after": 0})
    );
    assert!(entry["changes"].get("violations").is_none(), "{entry}");
    assert_eq!(entry["changes"].as_object().unwrap().len(), 13);
    // The same weights again change nothing and are not journaled again.
    let again = put_weights(app, Some(&w.admin), &only_projects);
    assert_eq!(again.status, 200, "{}", again.text);
    assert_eq!(again.json(), set);
    assert_eq!(weights_audit(app, &w.admin)["total"], 1);

    // Back to the defaults: the score is as it was.
    let defaults: Vec<(&str, i64)> = INDICATORS.iter().map(|(n, w, _)| (*n, *w)).collect();
    let res = put_weights(app, Some(&w.admin), &weights_with(&defaults));
    assert_eq!(res.status, 200, "{}", res.text);
    assert_eq!(res.json(), expected);
    let a = fetch(app, Some(&w.user_a.token), &indicators_path(&w.org_a));
    assert_eq!(a["score"], 36.6);
    assert_eq!(weights_audit(app, &w.admin)["total"], 2);
}

#[test]
fn a_violation_lowers_the_score_by_its_weight() {
    let w = world();
    let app = &w.app;
    let record = |kind: &str, org: &str| {
        post(
            app,
            &w.admin,
            "/api/v1/supervision-records",
            &json!({"organization_id": org, "kind": kind, "document_no": "滇民查〔2026〕1号", "decided_on": today(), "description": "记录"}),
        )
    };
    record("violation", &w.org_a);
    let a = fetch(app, Some(&w.user_a.token), &indicators_path(&w.org_a));
    let mut figures = figures_of_a();
    figures[13].1 = 1.0;
    assert_eq!(a["inputs"], expected_inputs(&figures, default_weight));
    assert_eq!(input(&a, "violations")["points"], -20.0);
    assert_eq!(a["score"], 16.6, "36.6 less the violation's 20");

    // A heavier weight deducts more; the score never drops below 0.
    let mut weights: Vec<(&str, i64)> = INDICATORS.iter().map(|(n, w, _)| (*n, *w)).collect();
    weights[13].1 = 30;
    let res = put_weights(app, Some(&w.admin), &weights_with(&weights));
    assert_eq!(res.status, 200, "{}", res.text);
    let a = fetch(app, Some(&w.user_a.token), &indicators_path(&w.org_a));
    assert_eq!(input(&a, "violations")["points"], -30.0);
    assert_eq!(a["score"], 6.6);
    record("violation", &w.org_a);
    let a = fetch(app, Some(&w.user_a.token), &indicators_path(&w.org_a));
    assert_eq!(input(&a, "violations")["value"], 2.0);
    assert_eq!(input(&a, "violations")["points"], -60.0);
    assert_eq!(a["score"], 0.0);

    // A commendation counts for B, with full marks at one.
    record("commendation", &w.org_b);
    let b = fetch(app, Some(&w.user_b.token), &indicators_path(&w.org_b));
    assert_eq!(input(&b, "commendations")["value"], 1.0);
    // (10 · ⅓ + 2) × 100/95.
    assert_eq!(b["score"], round1((10.0 / 3.0 + 2.0) * 100.0 / 95.0));
    assert_eq!(b["score"], 5.6);
    // The ranking follows: B above A now.
    let page = fetch(app, Some(&w.admin), "/api/v1/stats/organizations");
    assert_eq!(page["items"][0]["organization_id"], w.org_b.as_str());
    assert_eq!(page["items"][1]["organization_id"], w.org_a.as_str());
}

#[test]
fn terminated_pairings_and_fulfilled_wishes_move_the_figures() {
    let w = world();
    let app = &w.app;
    let year = this_year();

    // A claims the household's wish and fulfils it: a second assistance record for the
    // same household.
    let claimed = post(
        app,
        &w.user_a.token,
        &format!("/api/v1/wishes/{}/claim", w.wish),
        &json!({}),
    );
    assert_eq!(claimed["status"], "claimed");
    let fulfilled = post(
        app,
        &w.user_a.token,
        &format!("/api/v1/wishes/{}/fulfil", w.wish),
        &json!({"fulfilled_on": today(), "note": "送去一台轮椅"}),
    );
    assert_eq!(fulfilled["status"], "fulfilled");
    // B's pairing ends.
    let ended = post(
        app,
        &w.admin,
        &format!("/api/v1/pairings/{}/terminate", w.pairing_b),
        &json!({"reason": "双方协商终止"}),
    );
    assert_eq!(ended["status"], "terminated");

    let mut expected = province_figures(year);
    expected["counties_covered"] = target(2, 129);
    expected["organizations_participating"] = json!(1);
    expected["pairings_by_status"] = json!({"pending_agreement": 1, "signed": 1, "terminated": 1});
    expected["wishes_by_status"] = json!({"open": 0, "claimed": 0, "fulfilled": 1, "cancelled": 0});
    let overview = without_computed_at(fetch(app, None, "/api/v1/stats/overview"));
    assert_eq!(overview, expected, "one household, helped twice");

    let table = fetch(app, None, "/api/v1/stats/counties?sort=-counties_covered");
    assert_eq!(codes(&table)[..2], [NATIONAL, PROVINCIAL]);
    let chuxiong = rows(&table)
        .into_iter()
        .find(|(c, _)| c == ELSEWHERE)
        .unwrap()
        .1;
    assert_eq!(chuxiong["counties_covered"], target(0, 1));
    assert_eq!(chuxiong["organizations_participating"], 0);
    assert_eq!(chuxiong["pairings_by_status"]["terminated"], 1);
    let table = fetch(app, None, "/api/v1/stats/counties?sort=-wishes_fulfilled");
    assert_eq!(codes(&table)[0], NATIONAL);
    assert_eq!(table["items"][0]["wishes_by_status"]["fulfilled"], 1);

    // A's fulfilled wish counts (5 · 1/10 more); B helps no county now. (Whether B's
    // agreement, ended unsigned before its deadline, still counts as due is left open:
    // its score is 0 either way.)
    let a = fetch(app, Some(&w.user_a.token), &indicators_path(&w.org_a));
    let mut figures = figures_of_a();
    figures[7].1 = 1.0;
    assert_eq!(a["inputs"], expected_inputs(&figures, default_weight));
    assert_eq!(a["score"], 37.1);
    let b = fetch(app, Some(&w.user_b.token), &indicators_path(&w.org_b));
    assert_eq!(input(&b, "counties_helped")["value"], 0.0);
    assert_eq!(input(&b, "pairings_signed_on_time")["value"], 0.0);
    assert_eq!(b["score"], 0.0);
}

/// A report of `kind` for `period` with every section, submitted by `token`.
fn file_report(app: &TestApp, token: &str, kind: &str, period: &str) {
    let sections = if kind == "annual" {
        json!({"summary": "年度总结"})
    } else {
        json!({"progress": "进展", "problems": "问题", "good_practices": "经验"})
    };
    let report = post(
        app,
        token,
        "/api/v1/reports",
        &json!({"kind": kind, "period": period, "sections": sections}),
    );
    let submitted = post(
        app,
        token,
        &format!("/api/v1/reports/{}/submit", id_of(&report)),
        &json!({}),
    );
    assert_eq!(submitted["status"], "submitted");
}

#[test]
fn a_past_year_counts_its_own_agreements_and_reports() {
    let w = world();
    let app = &w.app;
    let year = this_year();

    // 2024: A signed one agreement on time and one late; B never signed its own.
    let pair_in_2024 = |org: &str, county: &str, deadline: &str| -> String {
        id_of(&post(
            app,
            &w.admin,
            "/api/v1/pairings",
            &json!({"organization_id": org, "county_code": county, "established_on": "2024-03-01", "agreement_deadline": deadline}),
        ))
    };
    let late = pair_in_2024(&w.org_a, "530111", "2024-06-30");
    let on_time = pair_in_2024(&w.org_a, "530112", "2024-12-31");
    pair_in_2024(&w.org_b, "532302", "2024-06-30");
    for (id, signed_on) in [(late, today()), (on_time, "2024-05-01".to_owned())] {
        let signed = post(
            app,
            &w.admin,
            &format!("/api/v1/pairings/{id}/sign"),
            &json!({"agreement_no": "滇社助振协〔2024〕9号", "signed_on": signed_on}),
        );
        assert_eq!(signed["status"], "signed");
    }
    // 昆明市 filed its first half of 2024 late and its second half of this year early; a
    // province-level organization filed its 2024 annual report late.
    let officer = app.create_user("prefecture_officer", Some("5301"), None);
    file_report(app, &officer.token, "semiannual", "2024S1");
    file_report(app, &officer.token, "semiannual", &format!("{year}S2"));
    let org_c = app.create_organization("云南省社会组织促进会", 3);
    let user_c = app.create_user("org_user", None, Some(&org_c));
    file_report(app, &user_c.token, "annual", "2024");

    let past = fetch(app, None, "/api/v1/stats/overview?year=2024");
    assert_eq!(past["year"], 2024);
    assert_eq!(past["counties_covered"], target(6, 129), "as of today");
    assert_eq!(past["organizations_participating"], 2);
    assert_eq!(
        past["pairings_by_status"],
        json!({"pending_agreement": 3, "signed": 3, "terminated": 0})
    );
    assert_eq!(past["agreements_signed_on_time"], 1);
    assert_eq!(past["agreements_signed_late"], 1);
    assert_eq!(past["agreements_overdue"], 1);
    assert_eq!(past["projects_total"], project_figures(0));
    assert_eq!(past["households_helped"], target(0, 10_000));
    assert_eq!(
        past["reports"],
        json!({"on_time": 0, "late": 2, "outstanding": 31})
    );
    // This year: the world's agreements; 昆明市's early report; C's annual report owed.
    let now = fetch(app, None, "/api/v1/stats/overview");
    assert_eq!(now["agreements_signed_on_time"], 1);
    assert_eq!(now["agreements_signed_late"], 0);
    assert_eq!(now["agreements_overdue"], 0);
    assert_eq!(
        now["reports"],
        json!({"on_time": 1, "late": 0, "outstanding": 32})
    );
    // 昆明市's officer sees its own reports.
    let seen = fetch(
        app,
        Some(&officer.token),
        "/api/v1/stats/overview?year=2024",
    );
    assert_eq!(
        seen["reports"],
        json!({"on_time": 0, "late": 1, "outstanding": 1})
    );
    assert_eq!(seen["agreements_signed_on_time"], 1);
    assert_eq!(seen["agreements_signed_late"], 1);
    assert_eq!(seen["agreements_overdue"], 0, "B's is in 楚雄州");
    let table = fetch(
        app,
        None,
        "/api/v1/stats/counties?year=2024&sort=-agreements_overdue",
    );
    assert_eq!(codes(&table)[0], "532302");
    assert_eq!(table["items"][0]["agreements_overdue"], 1);

    // The indicator of 2024: A signed one of its two due agreements on time and helped
    // the two counties paired that year; its village and party pairing still count.
    let a = fetch(
        app,
        Some(&w.user_a.token),
        &format!("{}?year=2024", indicators_path(&w.org_a)),
    );
    let figures = vec![
        ("pairings_signed_on_time", 0.5, true),
        ("counties_helped", 2.0, true),
        ("key_counties_helped", 0.0, true),
        ("projects", 0.0, true),
        ("funds_disbursed", 0.0, true),
        ("villages_helped", 1.0, true),
        ("households_helped", 0.0, true),
        ("wishes_fulfilled", 0.0, true),
        ("party_pairings", 1.0, true),
        ("party_activities", 0.0, true),
        ("annual_report_on_time", 0.0, false),
        ("cases_published", 0.0, true),
        ("commendations", 0.0, true),
        ("violations", 0.0, true),
    ];
    assert_eq!(a["inputs"], expected_inputs(&figures, default_weight));
    assert_eq!(a["score"], 22.3);
    // C owed its 2024 annual report and filed it late: it counts, as 0.
    let c = fetch(
        app,
        Some(&user_c.token),
        &format!("{}?year=2024", indicators_path(&org_c)),
    );
    let report = input(&c, "annual_report_on_time");
    assert_eq!(report["applicable"], true);
    assert_eq!(report["value"], 0.0);
    assert_eq!(report["weight"], 5);
    assert_eq!(input(&c, "pairings_signed_on_time")["applicable"], false);
    assert_eq!(c["score"], 0.0);
    let page = fetch(app, Some(&w.admin), "/api/v1/stats/organizations?year=2024");
    assert_eq!(page["year"], 2024);
    let ranked: Vec<(String, f64)> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                i["organization_id"].as_str().unwrap().to_owned(),
                i["score"].as_f64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        ranked,
        [
            (w.org_a.clone(), 22.3),
            (w.org_b.clone(), 3.5),
            (org_c, 0.0)
        ]
    );
}
