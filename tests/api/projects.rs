//! `/api/v1/projects` (百会助千村): organizations' assistance projects in their paired
//! counties — creating them (the fields only some may set, the county pairing and the
//! organization's status they need), who sees and changes which, the list's filters
//! and sorts, `If-Match`, the `start`/`complete`/`cancel` state machine, and the
//! journal entries every write leaves (and refused writes do not), black-box over HTTP.

use crate::support::{
    assert_error, forbidden_fields, id_of, organization_b, pair, set_of, set_org_status, world,
};
use serde_json::{json, Value};
use tests::{civil_date, today, Response, TestApp};

const PROJECTS: &str = "/api/v1/projects";
const COUNTY: &str = "530102";
const OTHER_COUNTY: &str = "530103";
const QUJING_COUNTY: &str = "530302";
const VILLAGE: &str = "530102001001";
const VILLAGE_2: &str = "530102001002";
const OTHER_VILLAGE: &str = "530102002001";
const FOREIGN_VILLAGE: &str = "530103001001";
const TOWNSHIP: &str = "530102001";
/// A valid enterprise credit code (and one with a wrong check character).
const ENTERPRISE_CODE: &str = "91350100M000100Y43";
const BAD_ENTERPRISE_CODE: &str = "91350100M000100Y44";

#[test]
fn the_test_calendar_is_right() {
    assert_eq!(civil_date(0), "1970-01-01");
    assert_eq!(civil_date(19_782), "2024-02-29");
    assert_eq!(civil_date(20_088), "2024-12-31");
}

// --- Helpers --------------------------------------------------------------------

fn path(id: &str) -> String {
    format!("{PROJECTS}/{id}")
}

/// A minimal valid project in [`COUNTY`], with `extra` fields laid over it.
fn body(extra: &Value) -> Value {
    let mut b = json!({
        "county_code": COUNTY,
        "title": "翠湖社区养老食堂",
        "category": "elderly_care",
        "dimension": "organization",
        "committed_fen": 1_000_000,
        "disbursed_fen": 0,
        "beneficiaries": 0,
    });
    for (k, v) in extra.as_object().unwrap() {
        if v.is_null() {
            b.as_object_mut().unwrap().remove(k);
        } else {
            b[k] = v.clone();
        }
    }
    b
}

fn create(app: &TestApp, token: Option<&str>, body: &Value) -> Response {
    app.request("POST", PROJECTS, token, Some(body), &[])
}

/// Creates a project; panics unless it is 201.
fn made(app: &TestApp, token: &str, extra: &Value) -> Value {
    let b = body(extra);
    let res = create(app, Some(token), &b);
    assert_eq!(res.status, 201, "{b}: {}", res.text);
    res.json()
}

fn get(app: &TestApp, token: Option<&str>, id: &str) -> Response {
    app.request("GET", &path(id), token, None, &[])
}

fn fetch(app: &TestApp, token: &str, id: &str) -> Value {
    let res = get(app, Some(token), id);
    assert_eq!(res.status, 200, "{id}: {}", res.text);
    res.json()
}

fn patch(app: &TestApp, token: &str, id: &str, version: Option<i64>, body: &Value) -> Response {
    let tag = version.map(|v| format!("\"{v}\""));
    let headers: Vec<(&str, &str)> = tag.iter().map(|t| ("If-Match", t.as_str())).collect();
    app.request("PATCH", &path(id), Some(token), Some(body), &headers)
}

fn act(app: &TestApp, token: &str, id: &str, what: &str, body: &Value) -> Response {
    app.request(
        "POST",
        &format!("{PROJECTS}/{id}/{what}"),
        Some(token),
        Some(body),
        &[],
    )
}

fn list(app: &TestApp, token: &str, query: &str) -> Value {
    let res = app.request(
        "GET",
        &format!("{PROJECTS}?{query}"),
        Some(token),
        None,
        &[],
    );
    assert_eq!(res.status, 200, "{query}: {}", res.text);
    res.json()
}

/// The ids a list shows, in its order.
fn listed(app: &TestApp, token: &str, query: &str) -> Vec<String> {
    let page = list(app, token, &format!("page_size=100&{query}"));
    let ids: Vec<String> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(id_of)
        .collect();
    assert_eq!(page["total"], ids.len(), "{query}: {page}");
    ids
}

/// The ids a list shows, sorted.
fn listed_set(app: &TestApp, token: &str, query: &str) -> Vec<String> {
    let mut ids = listed(app, token, query);
    ids.sort();
    ids
}

fn audit_actions(app: &TestApp, admin: &str, id: &str) -> Vec<String> {
    let res = app.request(
        "GET",
        &format!("/api/v1/audit-log?entity=project&entity_id={id}&page_size=100"),
        Some(admin),
        None,
        &[],
    );
    assert_eq!(res.status, 200, "{}", res.text);
    // Newest first: turn it round.
    let mut actions: Vec<String> = res.json()["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap().to_owned())
        .collect();
    actions.reverse();
    actions
}

fn audit_total(app: &TestApp, admin: &str) -> i64 {
    let res = app.request(
        "GET",
        "/api/v1/audit-log?entity=project&page_size=1",
        Some(admin),
        None,
        &[],
    );
    assert_eq!(res.status, 200, "{}", res.text);
    res.json()["total"].as_i64().unwrap()
}

/// The project events after `after`, as (entity_id, action), and the cursor past them.
fn events_after(app: &TestApp, admin: &str, after: i64) -> (Vec<(String, String)>, i64) {
    let res = app.request(
        "GET",
        &format!("/api/v1/events?after={after}&limit=1000"),
        Some(admin),
        None,
        &[],
    );
    assert_eq!(res.status, 200, "{}", res.text);
    let page = res.json();
    let events = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["entity"] == "project")
        .map(|e| {
            (
                e["entity_id"].as_str().unwrap().to_owned(),
                e["action"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    (events, page["next_after"].as_i64().unwrap())
}

fn no_events() -> Vec<(String, String)> {
    Vec::new()
}

fn event_cursor(app: &TestApp, admin: &str) -> i64 {
    let mut after = 0;
    loop {
        let (_, next) = events_after(app, admin, after);
        if next == after {
            return after;
        }
        after = next;
    }
}

fn set_key_county(app: &TestApp, admin: &str, county: &str, key: &str) {
    let path = format!("/api/v1/regions/{county}");
    let tag = app
        .request("GET", &path, Some(admin), None, &[])
        .header("etag")
        .unwrap()
        .to_owned();
    let res = app.request(
        "PATCH",
        &path,
        Some(admin),
        Some(&json!({"key_county": key})),
        &[("If-Match", &tag)],
    );
    assert_eq!(res.status, 200, "{}", res.text);
}

// --- Creating -------------------------------------------------------------------

#[test]
fn organizations_create_projects_in_their_paired_counties() {
    let w = world();
    let (app, admin) = (&w.app, &w.admin);

    let b = body(&json!({
        "village_code": VILLAGE,
        "title": "  翠湖社区养老食堂  ",
        "description": "为 80 岁以上老人提供午餐",
        "category": "elderly_care",
        "dimension": "organization",
        "start_on": "2024-03-01",
        "end_on": "2024-12-31",
        "committed_fen": 5_000_000,
        "disbursed_fen": 1_200_000,
        "beneficiaries": 320,
        "enterprise_name": "某某食品有限公司",
        "enterprise_credit_code": ENTERPRISE_CODE,
    }));
    let res = create(app, Some(&w.user.token), &b);
    assert_eq!(res.status, 201, "{}", res.text);
    let p = res.json();
    let id = id_of(&p);
    assert!(uuid::Uuid::parse_str(&id).is_ok());
    assert_eq!(res.header("location"), Some(path(&id).as_str()));
    assert_eq!(res.header("etag"), Some("\"1\""));
    assert_eq!(p["organization_id"], w.org.as_str(), "its own by default");
    assert_eq!(p["organization_name"], "云南省乡村振兴促进会");
    assert_eq!(p["county_code"], COUNTY);
    assert_eq!(p["county_name"], "五华区");
    assert_eq!(p["village_code"], VILLAGE);
    assert_eq!(p["title"], "翠湖社区养老食堂", "trimmed");
    assert_eq!(p["description"], "为 80 岁以上老人提供午餐");
    assert_eq!(p["category"], "elderly_care");
    assert_eq!(p["dimension"], "organization");
    assert_eq!(p["status"], "planned");
    assert_eq!(p["start_on"], "2024-03-01");
    assert_eq!(p["end_on"], "2024-12-31");
    assert_eq!(p["committed_fen"], 5_000_000);
    assert_eq!(p["disbursed_fen"], 1_200_000);
    assert_eq!(p["beneficiaries"], 320);
    assert_eq!(p["enterprise_name"], "某某食品有限公司");
    assert_eq!(p["enterprise_credit_code"], ENTERPRISE_CODE);
    assert_eq!(p["in_county_library"], false);
    assert_eq!(p["brand"], false);
    assert_eq!(p["cancel_reason"], Value::Null);
    assert_eq!(p["version"], 1);

    // Read back the same, by its organization and by the admin.
    let res = get(app, Some(&w.user.token), &id);
    assert_eq!(res.status, 200, "{}", res.text);
    assert_eq!(res.header("etag"), Some("\"1\""));
    assert_eq!(res.json(), p);
    assert_eq!(fetch(app, admin, &id), p);

    // The defaults: today, no village, no enterprise, nothing disbursed.
    let q = made(
        app,
        &w.user.token,
        &json!({"disbursed_fen": null, "beneficiaries": null}),
    );
    assert_eq!(q["start_on"], today().as_str());
    assert_eq!(q["end_on"], Value::Null);
    assert_eq!(q["village_code"], Value::Null);
    assert_eq!(q["description"], Value::Null);
    assert_eq!(q["enterprise_name"], Value::Null);
    assert_eq!(q["enterprise_credit_code"], Value::Null);
    assert_eq!(q["disbursed_fen"], 0);
    assert_eq!(q["beneficiaries"], 0);

    // Every category and dimension is accepted.
    for category in [
        "industry",
        "employment",
        "education",
        "health",
        "consumption",
        "diversified",
    ] {
        let r = made(app, &w.user.token, &json!({"category": category}));
        assert_eq!(r["category"], category);
    }
    for dimension in ["industry", "talent", "culture", "ecology"] {
        let r = made(app, &w.user.token, &json!({"dimension": dimension}));
        assert_eq!(r["dimension"], dimension);
    }

    // The admin names the organization; without one it is a 422.
    let r = made(app, admin, &json!({"organization_id": w.org}));
    assert_eq!(r["organization_id"], w.org.as_str());
    let res = create(app, Some(admin), &body(&json!({})));
    assert_error(&res, 422, "organization_id", "required", "admin, no org");

    // Journaled: one create each, in the audit log and the change feed.
    assert_eq!(audit_actions(app, admin, &id), ["create"]);
    let (events, _) = events_after(app, admin, 0);
    let mine: Vec<&str> = events
        .iter()
        .filter(|(e, _)| *e == id)
        .map(|(_, a)| a.as_str())
        .collect();
    assert_eq!(mine, ["create"]);
    assert_eq!(list(app, admin, "")["total"], 13);
}

#[test]
fn a_project_is_checked_field_by_field() {
    let w = world();
    let (app, token) = (&w.app, w.user.token.as_str());
    let cursor = event_cursor(app, &w.admin);

    let cases: Vec<(Value, &str, &str)> = vec![
        (
            json!({"village_code": FOREIGN_VILLAGE}),
            "village_code",
            "outside_county",
        ),
        (
            json!({"village_code": TOWNSHIP}),
            "village_code",
            "not_a_village",
        ),
        (
            json!({"village_code": COUNTY}),
            "village_code",
            "not_a_village",
        ),
        (
            json!({"village_code": "530102999999"}),
            "village_code",
            "unknown_region",
        ),
        (
            json!({"start_on": "2024-05-01", "end_on": "2024-04-30"}),
            "end_on",
            "before_start",
        ),
        (
            json!({"committed_fen": 100, "disbursed_fen": 101}),
            "disbursed_fen",
            "exceeds_committed",
        ),
        (
            json!({"committed_fen": -1}),
            "committed_fen",
            "out_of_range",
        ),
        (
            json!({"disbursed_fen": -1}),
            "disbursed_fen",
            "out_of_range",
        ),
        (
            json!({"beneficiaries": -5}),
            "beneficiaries",
            "out_of_range",
        ),
        (json!({"title": "   "}), "title", "required"),
        (json!({"title": "长".repeat(201)}), "title", "too_long"),
        (
            json!({"enterprise_name": "某某食品有限公司"}),
            "enterprise_credit_code",
            "required",
        ),
        (
            json!({"enterprise_credit_code": ENTERPRISE_CODE}),
            "enterprise_name",
            "required",
        ),
        (
            json!({"enterprise_name": "某某食品有限公司", "enterprise_credit_code": BAD_ENTERPRISE_CODE}),
            "enterprise_credit_code",
            "check_character",
        ),
    ];
    for (extra, field, code) in &cases {
        let res = create(app, Some(token), &body(extra));
        assert_error(&res, 422, field, code, &extra.to_string());
    }

    // Negative figures are all named at once.
    let res = create(
        app,
        Some(token),
        &body(&json!({"committed_fen": -1, "beneficiaries": -5})),
    );
    let problem = res.problem(422, "validation_failed");
    let fields: Vec<&str> = problem["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert!(
        fields.contains(&"committed_fen") && fields.contains(&"beneficiaries"),
        "{problem}"
    );

    // Values that are not in the glossary, unknown fields, missing fields.
    for (extra, field) in [
        (json!({"category": "charity"}), "category"),
        (json!({"dimension": "economy"}), "dimension"),
        (json!({"colour": "red"}), "colour"),
        (json!({"start_on": "2024-13-01"}), "start_on"),
        (json!({"title": null}), "title"),
        (json!({"category": null}), "category"),
    ] {
        let res = create(app, Some(token), &body(&extra));
        let problem = res.problem(422, "validation_failed");
        assert_eq!(problem["errors"][0]["field"], field, "{extra}: {problem}");
    }

    // The edge values are fine: disbursed equal to committed, end on the start day,
    // the enterprise code in lower case (stored in upper case).
    let ok = made(
        app,
        token,
        &json!({
            "committed_fen": 100, "disbursed_fen": 100,
            "start_on": "2024-05-01", "end_on": "2024-05-01",
            "village_code": VILLAGE_2,
            "enterprise_name": "某某食品有限公司",
            "enterprise_credit_code": ENTERPRISE_CODE.to_lowercase(),
        }),
    );
    assert_eq!(ok["enterprise_credit_code"], ENTERPRISE_CODE);
    assert_eq!(ok["village_code"], VILLAGE_2);

    // Nothing refused was stored or journaled.
    assert_eq!(list(app, &w.admin, "")["total"], 1);
    assert_eq!(audit_total(app, &w.admin), 1);
    let (events, _) = events_after(app, &w.admin, cursor);
    assert_eq!(events, [(id_of(&ok), "create".to_owned())]);
}

#[test]
fn the_restricted_fields_on_create() {
    let w = world();
    let (app, admin) = (&w.app, &w.admin);
    let (org_b, _) = organization_b(&w);

    // An organization user creates for its own organization only.
    let res = create(
        app,
        Some(&w.user.token),
        &body(&json!({"organization_id": org_b})),
    );
    assert_eq!(forbidden_fields(&res), ["organization_id"]);
    // Naming its own is fine.
    made(app, &w.user.token, &json!({"organization_id": w.org}));

    // The county library is the county officer's and the admin's, the brand the admin's.
    let res = create(
        app,
        Some(&w.user.token),
        &body(&json!({"in_county_library": true})),
    );
    assert_eq!(forbidden_fields(&res), ["in_county_library"]);
    let res = create(
        app,
        Some(&w.user.token),
        &body(&json!({"in_county_library": false})),
    );
    assert_eq!(
        forbidden_fields(&res),
        ["in_county_library"],
        "even false: the field is not the organization's to send"
    );
    let res = create(app, Some(&w.user.token), &body(&json!({"brand": true})));
    assert_eq!(forbidden_fields(&res), ["brand"]);
    let res = create(
        app,
        Some(&w.user.token),
        &body(&json!({"brand": true, "in_county_library": true})),
    );
    assert_eq!(forbidden_fields(&res), ["in_county_library", "brand"]);

    // Officers and viewers create no project.
    let officer = app.create_user("county_officer", Some(COUNTY), None);
    let viewer = app.create_user("viewer", None, None);
    for token in [&officer.token, &viewer.token] {
        let res = create(app, Some(token), &body(&json!({"organization_id": w.org})));
        assert_eq!(res.status, 403, "{}", res.text);
    }
    // Nor does anyone without a token.
    let res = create(app, None, &body(&json!({"organization_id": w.org})));
    res.problem(401, "unauthorized");

    // The admin sets both.
    let p = made(
        app,
        admin,
        &json!({"organization_id": w.org, "brand": true, "in_county_library": true}),
    );
    assert_eq!(p["brand"], true);
    assert_eq!(p["in_county_library"], true);

    assert_eq!(list(app, admin, "")["total"], 2);
    assert_eq!(audit_total(app, admin), 2);
}

#[test]
fn projects_need_an_open_pairing_and_an_active_organization() {
    let w = world();
    let (app, admin) = (&w.app, &w.admin);

    // A county the organization is not paired with.
    let res = create(
        app,
        Some(&w.user.token),
        &body(&json!({"county_code": OTHER_COUNTY})),
    );
    assert_error(&res, 409, "county_code", "not_paired", "unpaired county");
    // Not a county at all.
    let res = create(
        app,
        Some(&w.user.token),
        &body(&json!({"county_code": "5301"})),
    );
    assert_eq!(res.status, 422, "{}", res.text);
    // An organization that does not exist.
    let res = create(
        app,
        Some(admin),
        &body(&json!({"organization_id": uuid::Uuid::now_v7()})),
    );
    assert_error(
        &res,
        422,
        "organization_id",
        "unknown_organization",
        "no such org",
    );

    // A project before the pairing ends.
    let p = made(app, &w.user.token, &json!({}));
    let id = id_of(&p);

    // A suspended organization starts nothing new, but its projects stay readable.
    set_org_status(app, admin, &w.org, "suspended");
    let res = create(app, Some(&w.user.token), &body(&json!({})));
    assert_error(
        &res,
        409,
        "organization_id",
        "organization_not_active",
        "suspended",
    );
    let res = create(app, Some(admin), &body(&json!({"organization_id": w.org})));
    assert_error(
        &res,
        409,
        "organization_id",
        "organization_not_active",
        "suspended, as admin",
    );
    set_org_status(app, admin, &w.org, "active");
    made(app, &w.user.token, &json!({}));

    // The pairing ends: the projects stay, nothing new starts in the county.
    let res = app.request(
        "POST",
        &format!("/api/v1/pairings/{}/terminate", w.pairing),
        Some(admin),
        Some(&json!({"reason": "组织调整"})),
        &[],
    );
    assert_eq!(res.status, 200, "{}", res.text);
    assert_eq!(fetch(app, &w.user.token, &id), p);
    assert_eq!(fetch(app, admin, &id)["status"], "planned");
    assert_eq!(listed(app, &w.user.token, "").len(), 2);
    assert!(listed(app, admin, &format!("county={COUNTY}")).contains(&id));
    let cursor = event_cursor(app, admin);
    for token in [&w.user.token, admin] {
        let res = create(app, Some(token), &body(&json!({"organization_id": w.org})));
        assert_error(&res, 409, "county_code", "not_paired", "terminated");
    }
    assert_eq!(audit_total(app, admin), 2);
    assert_eq!(events_after(app, admin, cursor).0, no_events());

    // A new pairing opens the county again.
    pair(app, admin, &w.org, COUNTY);
    made(app, &w.user.token, &json!({}));
}

// --- Who sees what --------------------------------------------------------------

#[test]
fn who_sees_which_projects() {
    let w = world();
    let (app, admin) = (&w.app, &w.admin);
    let (org_b, user_b) = organization_b(&w);
    let a = id_of(&made(app, &w.user.token, &json!({"title": "A 的项目"})));
    let b = id_of(&made(app, &user_b.token, &json!({"title": "B 的项目"})));
    assert_eq!(
        fetch(app, &user_b.token, &b)["organization_id"],
        org_b.as_str()
    );

    // Another organization, though in the same county, sees nothing of A's.
    get(app, Some(&user_b.token), &a).problem(404, "not_found");
    patch(app, &user_b.token, &a, Some(1), &json!({"title": "改"})).problem(404, "not_found");
    patch(app, &user_b.token, &a, None, &json!({"title": "改"})).problem(404, "not_found");
    assert_eq!(listed(app, &user_b.token, ""), set_of(&[&b]));
    assert_eq!(
        listed(app, &user_b.token, &format!("organization_id={}", w.org)),
        Vec::<String>::new()
    );
    assert_eq!(listed(app, &w.user.token, ""), set_of(&[&a]));
    assert_eq!(fetch(app, admin, &a)["title"], "A 的项目", "unchanged");

    // Officers see their region's, viewers and admins everything.
    let county = app.create_user("county_officer", Some(COUNTY), None);
    let other_county = app.create_user("county_officer", Some(OTHER_COUNTY), None);
    let prefecture = app.create_user("prefecture_officer", Some("5301"), None);
    let other_prefecture = app.create_user("prefecture_officer", Some("5303"), None);
    let viewer = app.create_user("viewer", None, None);
    let both = set_of(&[&a, &b]);
    for (who, token) in [
        ("county", &county.token),
        ("prefecture", &prefecture.token),
        ("viewer", &viewer.token),
        ("admin", admin),
    ] {
        assert_eq!(fetch(app, token, &a)["id"], a.as_str(), "{who}");
        assert_eq!(listed_set(app, token, ""), both, "{who}");
    }
    for token in [&other_county.token, &other_prefecture.token] {
        get(app, Some(token), &a).problem(404, "not_found");
        assert_eq!(listed(app, token, ""), Vec::<String>::new());
        assert_eq!(list(app, token, "")["total"], 0);
    }

    // Without a token, nothing.
    app.request("GET", PROJECTS, None, None, &[])
        .problem(401, "unauthorized");
    get(app, None, &a).problem(401, "unauthorized");
    // No such project.
    get(app, Some(admin), &uuid::Uuid::now_v7().to_string()).problem(404, "not_found");
    get(app, Some(admin), "not-a-uuid").problem(404, "not_found");
}

// --- The list -------------------------------------------------------------------

#[test]
fn the_list_filters_and_sorts() {
    let w = world();
    let (app, admin) = (&w.app, w.admin.as_str());
    pair(app, admin, &w.org, QUJING_COUNTY);
    let (org_b, user_b) = organization_b(&w);

    let p1 = id_of(&made(
        app,
        admin,
        &json!({
            "organization_id": w.org, "village_code": VILLAGE,
            "category": "industry", "dimension": "industry",
            "start_on": "2023-01-01", "end_on": "2023-12-31",
            "committed_fen": 300, "brand": true, "in_county_library": true,
        }),
    ));
    let p2 = id_of(&made(
        app,
        &w.user.token,
        &json!({
            "village_code": OTHER_VILLAGE,
            "category": "education", "dimension": "talent",
            "start_on": "2024-03-01", "committed_fen": 100,
        }),
    ));
    let p3 = id_of(&made(
        app,
        &w.user.token,
        &json!({
            "county_code": QUJING_COUNTY,
            "category": "health", "dimension": "culture",
            "start_on": "2022-06-01", "end_on": "2024-01-31", "committed_fen": 200,
        }),
    ));
    let p4 = id_of(&made(
        app,
        &user_b.token,
        &json!({
            "category": "consumption", "dimension": "ecology",
            "start_on": "2021-01-01", "end_on": "2021-12-31", "committed_fen": 50,
        }),
    ));
    let res = act(app, admin, &p2, "start", &json!({}));
    assert_eq!(res.status, 200, "{}", res.text);
    let res = act(
        app,
        &user_b.token,
        &p4,
        "cancel",
        &json!({"reason": "资金未到位"}),
    );
    assert_eq!(res.status, 200, "{}", res.text);

    let all = set_of(&[&p1, &p2, &p3, &p4]);
    let q = |query: &str| listed_set(app, admin, query);
    assert_eq!(q(""), all);
    assert_eq!(
        q(&format!("organization_id={}", w.org)),
        set_of(&[&p1, &p2, &p3])
    );
    assert_eq!(q(&format!("organization_id={org_b}")), set_of(&[&p4]));
    assert_eq!(
        q(&format!("organization_id={}", uuid::Uuid::now_v7())),
        set_of(&[])
    );
    assert_eq!(q(&format!("county={COUNTY}")), set_of(&[&p1, &p2, &p4]));
    assert_eq!(q(&format!("county={QUJING_COUNTY}")), set_of(&[&p3]));
    assert_eq!(q(&format!("county={OTHER_COUNTY}")), set_of(&[]));
    assert_eq!(q("prefecture=5301"), set_of(&[&p1, &p2, &p4]));
    assert_eq!(q("prefecture=5303"), set_of(&[&p3]));
    assert_eq!(q("prefecture=5304"), set_of(&[]));
    assert_eq!(q(&format!("village={VILLAGE}")), set_of(&[&p1]));
    assert_eq!(q(&format!("village={OTHER_VILLAGE}")), set_of(&[&p2]));
    assert_eq!(q(&format!("village={VILLAGE_2}")), set_of(&[]));
    assert_eq!(q("category=education"), set_of(&[&p2]));
    assert_eq!(q("category=elderly_care"), set_of(&[]));
    assert_eq!(q("dimension=culture"), set_of(&[&p3]));
    assert_eq!(q("dimension=industry"), set_of(&[&p1]));
    assert_eq!(q("status=planned"), set_of(&[&p1, &p3]));
    assert_eq!(q("status=in_progress"), set_of(&[&p2]));
    assert_eq!(q("status=cancelled"), set_of(&[&p4]));
    assert_eq!(q("status=completed"), set_of(&[]));
    assert_eq!(q("brand=true"), set_of(&[&p1]));
    assert_eq!(q("brand=false"), set_of(&[&p2, &p3, &p4]));
    assert_eq!(q("in_county_library=true"), set_of(&[&p1]));
    assert_eq!(q("in_county_library=false"), set_of(&[&p2, &p3, &p4]));
    // Years: p1 runs in 2023, p2 from 2024 on, p3 from 2022 to 2024, p4 in 2021.
    assert_eq!(q("year=2023"), set_of(&[&p1, &p3]));
    assert_eq!(q("year=2024"), set_of(&[&p2, &p3]));
    assert_eq!(q("year=2025"), set_of(&[&p2]));
    assert_eq!(q("year=2021"), set_of(&[&p4]));
    assert_eq!(q("year=2020"), set_of(&[]));
    // Filters combine.
    assert_eq!(
        q(&format!("county={COUNTY}&category=industry")),
        set_of(&[&p1])
    );
    assert_eq!(q("prefecture=5301&year=2024"), set_of(&[&p2]));
    assert_eq!(q("status=planned&brand=false"), set_of(&[&p3]));
    // And with the caller's own scope.
    assert_eq!(
        listed_set(app, &w.user.token, "prefecture=5301"),
        set_of(&[&p1, &p2])
    );
    assert_eq!(
        listed_set(app, &user_b.token, "status=cancelled"),
        set_of(&[&p4])
    );

    // Key counties.
    assert_eq!(q("key_county=any"), set_of(&[]));
    set_key_county(app, admin, QUJING_COUNTY, "national");
    assert_eq!(q("key_county=national"), set_of(&[&p3]));
    assert_eq!(q("key_county=any"), set_of(&[&p3]));
    assert_eq!(q("key_county=provincial"), set_of(&[]));
    set_key_county(app, admin, COUNTY, "provincial");
    assert_eq!(q("key_county=provincial"), set_of(&[&p1, &p2, &p4]));
    assert_eq!(q("key_county=any"), all);
    assert_eq!(
        q("key_county=provincial&category=education"),
        set_of(&[&p2])
    );

    // Sorts.
    let s = |query: &str| listed(app, admin, query);
    assert_eq!(
        s("sort=committed_fen"),
        [&p4, &p2, &p3, &p1].map(String::clone)
    );
    assert_eq!(
        s("sort=-committed_fen"),
        [&p1, &p3, &p2, &p4].map(String::clone)
    );
    assert_eq!(s("sort=start_on"), [&p4, &p3, &p1, &p2].map(String::clone));
    assert_eq!(s("sort=-start_on"), [&p2, &p1, &p3, &p4].map(String::clone));
    assert_eq!(
        s("sort=created_at"),
        [&p1, &p2, &p3, &p4].map(String::clone)
    );
    assert_eq!(
        s(""),
        [&p4, &p3, &p2, &p1].map(String::clone),
        "newest first"
    );

    // Pages.
    let page = list(app, admin, "sort=committed_fen&page_size=2&page=2");
    assert_eq!(page["total"], 4);
    let ids: Vec<String> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(id_of)
        .collect();
    assert_eq!(ids, [p3.clone(), p1.clone()]);
    // The list carries the names.
    let first = &list(app, admin, &format!("village={VILLAGE}"))["items"][0];
    assert_eq!(first["organization_name"], "云南省乡村振兴促进会");
    assert_eq!(first["county_name"], "五华区");
    assert_eq!(first["brand"], true);

    // What cannot be read is a 400, what is out of range a 422.
    for bad in [
        "sort=title",
        "sort=-colour",
        "category=charity",
        "status=done",
        "brand=maybe",
        "year=abc",
        "county=abc",
        "organization_id=nope",
        "colour=red",
    ] {
        let res = app.request("GET", &format!("{PROJECTS}?{bad}"), Some(admin), None, &[]);
        assert_eq!(res.status, 400, "{bad}: {}", res.text);
        res.problem(400, "malformed_query");
    }
    for bad in ["year=1999", "year=2101"] {
        let res = app.request("GET", &format!("{PROJECTS}?{bad}"), Some(admin), None, &[]);
        assert_eq!(res.status, 422, "{bad}: {}", res.text);
    }
}

// --- Changing -------------------------------------------------------------------

#[test]
fn changing_a_project_needs_if_match_and_the_right_to_each_field() {
    let w = world();
    let (app, admin) = (&w.app, w.admin.as_str());
    let p = made(app, &w.user.token, &json!({"committed_fen": 1000}));
    let id = id_of(&p);

    // If-Match: required, and current.
    patch(app, &w.user.token, &id, None, &json!({"title": "改名"}))
        .problem(428, "precondition_required");
    patch(app, &w.user.token, &id, Some(7), &json!({"title": "改名"}))
        .problem(412, "precondition_failed");
    assert_eq!(fetch(app, admin, &id), p, "nothing changed");

    // The organization edits its project.
    let res = patch(
        app,
        &w.user.token,
        &id,
        Some(1),
        &json!({
            "title": " 翠湖社区养老食堂（二期） ",
            "committed_fen": 2000,
            "disbursed_fen": 500,
            "beneficiaries": 40,
            "description": "扩建",
            "village_code": VILLAGE,
            "end_on": "2099-12-31",
        }),
    );
    assert_eq!(res.status, 200, "{}", res.text);
    assert_eq!(res.header("etag"), Some("\"2\""));
    let q = res.json();
    assert_eq!(q["title"], "翠湖社区养老食堂（二期）");
    assert_eq!(q["committed_fen"], 2000);
    assert_eq!(q["disbursed_fen"], 500);
    assert_eq!(q["beneficiaries"], 40);
    assert_eq!(q["description"], "扩建");
    assert_eq!(q["village_code"], VILLAGE);
    assert_eq!(q["end_on"], "2099-12-31");
    assert_eq!(q["version"], 2);
    assert_eq!(q["organization_name"], "云南省乡村振兴促进会");
    assert_eq!(q["county_name"], "五华区");
    assert_eq!(fetch(app, admin, &id), q);

    // A change that changes nothing keeps the version and is not journaled.
    let res = patch(
        app,
        &w.user.token,
        &id,
        Some(2),
        &json!({"title": "翠湖社区养老食堂（二期）", "committed_fen": 2000}),
    );
    assert_eq!(res.status, 200, "{}", res.text);
    assert_eq!(res.header("etag"), Some("\"2\""));
    assert_eq!(res.json()["version"], 2);
    assert_eq!(audit_actions(app, admin, &id), ["create", "update"]);

    // Null clears; invalid figures and villages are refused.
    let res = patch(
        app,
        &w.user.token,
        &id,
        Some(2),
        &json!({"description": null, "village_code": null, "end_on": null}),
    );
    assert_eq!(res.status, 200, "{}", res.text);
    let r = res.json();
    assert_eq!(r["description"], Value::Null);
    assert_eq!(r["village_code"], Value::Null);
    assert_eq!(r["end_on"], Value::Null);
    assert_eq!(r["version"], 3);
    let cursor = event_cursor(app, admin);
    for (body, field, code) in [
        (
            json!({"disbursed_fen": 2001}),
            "disbursed_fen",
            "exceeds_committed",
        ),
        (
            json!({"committed_fen": 499}),
            "disbursed_fen",
            "exceeds_committed",
        ),
        (
            json!({"beneficiaries": -1}),
            "beneficiaries",
            "out_of_range",
        ),
        (json!({"title": ""}), "title", "required"),
        (json!({"end_on": "2000-01-01"}), "end_on", "before_start"),
        (
            json!({"village_code": FOREIGN_VILLAGE}),
            "village_code",
            "outside_county",
        ),
        (
            json!({"village_code": TOWNSHIP}),
            "village_code",
            "not_a_village",
        ),
        (
            json!({"enterprise_name": "某某食品有限公司"}),
            "enterprise_credit_code",
            "required",
        ),
        (
            json!({"enterprise_name": "某某食品有限公司", "enterprise_credit_code": BAD_ENTERPRISE_CODE}),
            "enterprise_credit_code",
            "check_character",
        ),
    ] {
        let res = patch(app, &w.user.token, &id, Some(3), &body);
        assert_error(&res, 422, field, code, &body.to_string());
    }
    let res = patch(
        app,
        &w.user.token,
        &id,
        Some(3),
        &json!({"status": "completed"}),
    );
    assert_eq!(
        res.status, 422,
        "status is not a field to patch: {}",
        res.text
    );

    // The organization may not set the brand or the library flag: 403 naming them,
    // and nothing changes (not even the fields it may set).
    let res = patch(
        app,
        &w.user.token,
        &id,
        Some(3),
        &json!({"brand": true, "title": "品牌项目"}),
    );
    assert_eq!(forbidden_fields(&res), ["brand"]);
    let res = patch(
        app,
        &w.user.token,
        &id,
        Some(3),
        &json!({"in_county_library": true}),
    );
    assert_eq!(forbidden_fields(&res), ["in_county_library"]);
    let now = fetch(app, admin, &id);
    assert_eq!(now, r, "nothing changed");
    assert_eq!(now["brand"], false);
    assert_eq!(
        audit_actions(app, admin, &id),
        ["create", "update", "update"]
    );
    assert_eq!(events_after(app, admin, cursor).0, no_events());

    // The county officer sets the library flag, and nothing else.
    let officer = app.create_user("county_officer", Some(COUNTY), None);
    let res = patch(
        app,
        &officer.token,
        &id,
        Some(3),
        &json!({"in_county_library": true}),
    );
    assert_eq!(res.status, 200, "{}", res.text);
    assert_eq!(res.json()["in_county_library"], true);
    assert_eq!(res.header("etag"), Some("\"4\""));
    let res = patch(
        app,
        &officer.token,
        &id,
        Some(4),
        &json!({"title": "县里改的"}),
    );
    res.problem(403, "forbidden");
    let res = patch(
        app,
        &officer.token,
        &id,
        Some(4),
        &json!({"in_county_library": false, "committed_fen": 1}),
    );
    res.problem(403, "forbidden");
    let res = patch(app, &officer.token, &id, Some(4), &json!({"brand": true}));
    assert_eq!(forbidden_fields(&res), ["brand"]);
    // Other officers may not; one of another county does not even see it.
    let prefecture = app.create_user("prefecture_officer", Some("5301"), None);
    let res = patch(
        app,
        &prefecture.token,
        &id,
        Some(4),
        &json!({"in_county_library": false}),
    );
    assert_eq!(forbidden_fields(&res), ["in_county_library"]);
    let far = app.create_user("county_officer", Some(OTHER_COUNTY), None);
    patch(
        app,
        &far.token,
        &id,
        Some(4),
        &json!({"in_county_library": false}),
    )
    .problem(404, "not_found");
    let viewer = app.create_user("viewer", None, None);
    let res = patch(app, &viewer.token, &id, Some(4), &json!({"title": "看客"}));
    res.problem(403, "forbidden");
    assert_eq!(fetch(app, admin, &id)["version"], 4);

    // The admin sets the brand (and anything else).
    let res = patch(app, admin, &id, Some(4), &json!({"brand": true}));
    assert_eq!(res.status, 200, "{}", res.text);
    assert_eq!(res.json()["brand"], true);
    assert_eq!(res.header("etag"), Some("\"5\""));
    let res = patch(
        app,
        admin,
        &id,
        Some(5),
        &json!({"in_county_library": false, "category": "health", "dimension": "talent"}),
    );
    assert_eq!(res.status, 200, "{}", res.text);
    let s = res.json();
    assert_eq!(s["in_county_library"], false);
    assert_eq!(s["category"], "health");
    assert_eq!(s["dimension"], "talent");
    assert_eq!(s["version"], 6);

    assert_eq!(
        audit_actions(app, admin, &id),
        ["create", "update", "update", "update", "update", "update"]
    );
    let (events, _) = events_after(app, admin, cursor);
    assert_eq!(
        events,
        vec![(id.clone(), "update".to_owned()); 3],
        "the officer's and the admin's changes"
    );
}

#[test]
fn an_enterprise_is_changed_as_a_whole() {
    let w = world();
    let (app, admin) = (&w.app, w.admin.as_str());
    let p = made(
        app,
        &w.user.token,
        &json!({"enterprise_name": "某某食品有限公司", "enterprise_credit_code": ENTERPRISE_CODE}),
    );
    let id = id_of(&p);

    // Renaming the enterprise alone is a change: saved, versioned and journaled.
    let res = patch(
        app,
        &w.user.token,
        &id,
        Some(1),
        &json!({"enterprise_name": "某某食品股份有限公司"}),
    );
    assert_eq!(res.status, 200, "{}", res.text);
    let q = res.json();
    assert_eq!(
        q["enterprise_name"], "某某食品股份有限公司",
        "PATCH {{enterprise_name}} alone answered 200 but kept the old name (version {})",
        q["version"]
    );
    assert_eq!(q["enterprise_credit_code"], ENTERPRISE_CODE);
    assert_eq!(q["version"], 2, "{q}");
    assert_eq!(res.header("etag"), Some("\"2\""));
    assert_eq!(
        fetch(app, admin, &id)["enterprise_name"],
        "某某食品股份有限公司"
    );
    assert_eq!(audit_actions(app, admin, &id), ["create", "update"]);
}

#[test]
fn clearing_the_enterprise_takes_both_fields() {
    let w = world();
    let (app, admin) = (&w.app, w.admin.as_str());
    let p = made(
        app,
        &w.user.token,
        &json!({"enterprise_name": "某某食品有限公司", "enterprise_credit_code": ENTERPRISE_CODE}),
    );
    let id = id_of(&p);
    // Half an enterprise is refused.
    let res = patch(
        app,
        &w.user.token,
        &id,
        Some(1),
        &json!({"enterprise_credit_code": null}),
    );
    assert_error(
        &res,
        422,
        "enterprise_credit_code",
        "required",
        "name without code",
    );
    // Both cleared.
    let res = patch(
        app,
        &w.user.token,
        &id,
        Some(1),
        &json!({"enterprise_name": null, "enterprise_credit_code": null}),
    );
    assert_eq!(res.status, 200, "{}", res.text);
    let q = res.json();
    assert_eq!(q["enterprise_name"], Value::Null);
    assert_eq!(q["enterprise_credit_code"], Value::Null);
    assert_eq!(q["version"], 2);
    assert_eq!(fetch(app, admin, &id), q);
}

// --- The state machine ----------------------------------------------------------

#[test]
fn projects_start_complete_and_cancel() {
    let w = world();
    let (app, admin) = (&w.app, w.admin.as_str());
    let token = w.user.token.as_str();
    let p = id_of(&made(app, token, &json!({"start_on": "2024-03-01"})));

    // Planned: it cannot be completed yet.
    let res = act(app, token, &p, "complete", &json!({"end_on": "2024-12-31"}));
    assert_error(
        &res,
        409,
        "status",
        "illegal_transition",
        "complete a planned one",
    );

    // Start.
    let res = act(app, token, &p, "start", &json!({}));
    assert_eq!(res.status, 200, "{}", res.text);
    assert_eq!(res.header("etag"), Some("\"2\""));
    let started = res.json();
    assert_eq!(started["status"], "in_progress");
    assert_eq!(started["version"], 2);
    let res = act(app, token, &p, "start", &json!({}));
    assert_error(&res, 409, "status", "illegal_transition", "start twice");

    // Complete: it needs an end date, and not one before the start.
    let res = act(app, token, &p, "complete", &json!({}));
    assert_error(&res, 422, "end_on", "required_to_complete", "no end_on");
    let res = act(app, token, &p, "complete", &json!({"end_on": "2024-02-29"}));
    assert_error(&res, 422, "end_on", "before_start", "end before start");
    assert_eq!(fetch(app, admin, &p), started, "nothing changed");
    let res = act(app, token, &p, "complete", &json!({"end_on": "2024-12-31"}));
    assert_eq!(res.status, 200, "{}", res.text);
    let done = res.json();
    assert_eq!(done["status"], "completed");
    assert_eq!(done["end_on"], "2024-12-31");
    assert_eq!(done["version"], 3);
    assert_eq!(res.header("etag"), Some("\"3\""));

    // Completed: nothing more happens to it, and its end date stays.
    let res = act(app, token, &p, "cancel", &json!({"reason": "撤销"}));
    assert_error(
        &res,
        409,
        "status",
        "illegal_transition",
        "cancel a completed one",
    );
    let res = act(app, token, &p, "start", &json!({}));
    assert_error(&res, 409, "status", "illegal_transition", "restart");
    let res = act(app, token, &p, "complete", &json!({"end_on": "2024-12-31"}));
    assert_error(&res, 409, "status", "illegal_transition", "complete twice");
    let res = patch(app, token, &p, Some(3), &json!({"end_on": null}));
    assert_error(
        &res,
        422,
        "end_on",
        "required_to_complete",
        "a completed one keeps its end",
    );

    // A project with an end date completes without naming one.
    let q = id_of(&made(
        app,
        token,
        &json!({"start_on": "2024-01-01", "end_on": "2024-06-30"}),
    ));
    assert_eq!(act(app, token, &q, "start", &json!({})).status, 200);
    let res = act(app, token, &q, "complete", &json!({}));
    assert_eq!(res.status, 200, "{}", res.text);
    assert_eq!(res.json()["end_on"], "2024-06-30");

    // Cancel: planned or in progress, with a reason.
    let r = id_of(&made(app, token, &json!({})));
    let res = act(app, token, &r, "cancel", &json!({"reason": "  "}));
    assert_error(&res, 422, "reason", "required", "blank reason");
    let res = act(app, token, &r, "cancel", &json!({}));
    assert_eq!(res.status, 422, "no reason: {}", res.text);
    let res = act(app, token, &r, "cancel", &json!({"reason": " 资金未到位 "}));
    assert_eq!(res.status, 200, "{}", res.text);
    let cancelled = res.json();
    assert_eq!(cancelled["status"], "cancelled");
    assert_eq!(cancelled["cancel_reason"], "资金未到位");
    assert_eq!(cancelled["version"], 2);
    for what in ["start", "complete"] {
        let res = act(app, token, &r, what, &json!({"end_on": "2099-01-01"}));
        assert_error(&res, 409, "status", "illegal_transition", what);
    }
    let res = act(app, token, &r, "cancel", &json!({"reason": "再撤"}));
    assert_error(&res, 409, "status", "illegal_transition", "cancel twice");
    let s = id_of(&made(app, token, &json!({})));
    assert_eq!(act(app, token, &s, "start", &json!({})).status, 200);
    let res = act(app, admin, &s, "cancel", &json!({"reason": "村里另有安排"}));
    assert_eq!(res.status, 200, "{}", res.text);
    assert_eq!(res.json()["status"], "cancelled");

    // Journaled: each move once, and nothing for the refused ones.
    assert_eq!(
        audit_actions(app, admin, &p),
        ["create", "start", "complete"]
    );
    assert_eq!(audit_actions(app, admin, &r), ["create", "cancel"]);
    assert_eq!(audit_actions(app, admin, &s), ["create", "start", "cancel"]);
    let (events, _) = events_after(app, admin, 0);
    let of = |id: &str| -> Vec<String> {
        events
            .iter()
            .filter(|(e, _)| e == id)
            .map(|(_, a)| a.clone())
            .collect()
    };
    assert_eq!(of(&p), ["create", "start", "complete"]);
    assert_eq!(of(&r), ["create", "cancel"]);
    assert_eq!(of(&q), ["create", "start", "complete"]);
}

#[test]
fn a_cancel_reason_is_at_most_500_characters() {
    let w = world();
    let (app, token) = (&w.app, w.user.token.as_str());
    let p = id_of(&made(app, token, &json!({})));
    let res = act(
        app,
        token,
        &p,
        "cancel",
        &json!({"reason": "原".repeat(501)}),
    );
    assert_eq!(
        res.status, 422,
        "a reason of 501 characters (the schema's maxLength is 500) was accepted"
    );
    assert_error(
        &res,
        422,
        "reason",
        "too_long",
        "a reason of 501 characters",
    );
    assert_eq!(fetch(app, &w.admin, &p)["status"], "planned");
    let res = act(
        app,
        token,
        &p,
        "cancel",
        &json!({"reason": "原".repeat(500)}),
    );
    assert_eq!(res.status, 200, "{}", res.text);
    assert_eq!(
        res.json()["cancel_reason"]
            .as_str()
            .unwrap()
            .chars()
            .count(),
        500
    );
}

#[test]
fn only_the_organization_and_the_admin_move_a_project() {
    let w = world();
    let (app, admin) = (&w.app, w.admin.as_str());
    let (_, user_b) = organization_b(&w);
    let p = id_of(&made(app, &w.user.token, &json!({})));
    let cursor = event_cursor(app, admin);

    let viewer = app.create_user("viewer", None, None);
    let officer = app.create_user("county_officer", Some(COUNTY), None);
    let far = app.create_user("county_officer", Some(OTHER_COUNTY), None);
    for (what, body) in [
        ("start", json!({})),
        ("complete", json!({"end_on": "2099-01-01"})),
        ("cancel", json!({"reason": "不做了"})),
    ] {
        act(app, &viewer.token, &p, what, &body).problem(403, "forbidden");
        act(app, &officer.token, &p, what, &body).problem(403, "forbidden");
        act(app, &far.token, &p, what, &body).problem(404, "not_found");
        act(app, &user_b.token, &p, what, &body).problem(404, "not_found");
        let res = app.request(
            "POST",
            &format!("{PROJECTS}/{p}/{what}"),
            None,
            Some(&body),
            &[],
        );
        res.problem(401, "unauthorized");
    }
    let none = uuid::Uuid::now_v7().to_string();
    act(app, admin, &none, "start", &json!({})).problem(404, "not_found");
    assert_eq!(fetch(app, admin, &p)["status"], "planned");
    assert_eq!(audit_actions(app, admin, &p), ["create"]);
    assert_eq!(events_after(app, admin, cursor).0, no_events());

    // If-Match is optional on the actions, but checked when sent.
    let res = app.request(
        "POST",
        &format!("{PROJECTS}/{p}/start"),
        Some(&w.user.token),
        Some(&json!({})),
        &[("If-Match", "\"9\"")],
    );
    res.problem(412, "precondition_failed");
    let res = app.request(
        "POST",
        &format!("{PROJECTS}/{p}/start"),
        Some(&w.user.token),
        Some(&json!({})),
        &[("If-Match", "\"1\"")],
    );
    assert_eq!(res.status, 200, "{}", res.text);
    // The admin moves anyone's project.
    let res = act(app, admin, &p, "complete", &json!({"end_on": "2099-01-01"}));
    assert_eq!(res.status, 200, "{}", res.text);
    assert_eq!(
        audit_actions(app, admin, &p),
        ["create", "start", "complete"]
    );
}
