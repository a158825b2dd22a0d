//! `/api/v1/village-pairings` (百会助千村: 一会帮一村, 一企帮多村, 多企帮一村):
//! organizations, alone or through member enterprises, helping villages of their
//! paired counties — creating and ending them, who sees and ends which, the list's
//! filters, the journal — and `/api/v1/stats/villages`, the count of distinct villages
//! helped against the plan's 1,000, black-box over HTTP.

use crate::support::{assert_error, forbidden_fields, id_of, organization_b, pair, set_of, world};
use serde_json::{json, Value};
use tests::{civil_date, shanghai_day, today, Response, TestApp};

const VILLAGE_PAIRINGS: &str = "/api/v1/village-pairings";
const COUNTY: &str = "530102";
const OTHER_COUNTY: &str = "530103";
const QUJING_COUNTY: &str = "530302";
const VILLAGE: &str = "530102001001";
const VILLAGE_2: &str = "530102001002";
const OTHER_TOWNSHIP_VILLAGE: &str = "530102002001";
const FOREIGN_VILLAGE: &str = "530103001001";
const QUJING_VILLAGE: &str = "530302001001";
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
    format!("{VILLAGE_PAIRINGS}/{id}")
}

fn create(app: &TestApp, token: Option<&str>, body: &Value) -> Response {
    app.request("POST", VILLAGE_PAIRINGS, token, Some(body), &[])
}

/// Creates a village pairing; panics unless it is 201.
fn made(app: &TestApp, token: &str, body: &Value) -> Value {
    let res = create(app, Some(token), body);
    assert_eq!(res.status, 201, "{body}: {}", res.text);
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

fn end(app: &TestApp, token: &str, id: &str, body: &Value) -> Response {
    app.request(
        "POST",
        &format!("{VILLAGE_PAIRINGS}/{id}/end"),
        Some(token),
        Some(body),
        &[],
    )
}

fn list(app: &TestApp, token: &str, query: &str) -> Value {
    let res = app.request(
        "GET",
        &format!("{VILLAGE_PAIRINGS}?{query}"),
        Some(token),
        None,
        &[],
    );
    assert_eq!(res.status, 200, "{query}: {}", res.text);
    res.json()
}

/// The ids a list shows, sorted.
fn listed(app: &TestApp, token: &str, query: &str) -> Vec<String> {
    let page = list(app, token, &format!("page_size=100&{query}"));
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

fn audit_actions(app: &TestApp, admin: &str, id: &str) -> Vec<String> {
    let res = app.request(
        "GET",
        &format!("/api/v1/audit-log?entity=village_pairing&entity_id={id}&page_size=100"),
        Some(admin),
        None,
        &[],
    );
    assert_eq!(res.status, 200, "{}", res.text);
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
        "/api/v1/audit-log?entity=village_pairing&page_size=1",
        Some(admin),
        None,
        &[],
    );
    assert_eq!(res.status, 200, "{}", res.text);
    res.json()["total"].as_i64().unwrap()
}

/// Every village pairing event, as (entity_id, action).
fn events(app: &TestApp, admin: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut after = 0;
    loop {
        let res = app.request(
            "GET",
            &format!("/api/v1/events?after={after}&limit=1000"),
            Some(admin),
            None,
            &[],
        );
        assert_eq!(res.status, 200, "{}", res.text);
        let page = res.json();
        out.extend(
            page["items"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|e| e["entity"] == "village_pairing")
                .map(|e| {
                    (
                        e["entity_id"].as_str().unwrap().to_owned(),
                        e["action"].as_str().unwrap().to_owned(),
                    )
                }),
        );
        let next = page["next_after"].as_i64().unwrap();
        if next == after {
            return out;
        }
        after = next;
    }
}

fn patch_with_etag(app: &TestApp, admin: &str, path: &str, body: &Value) -> Value {
    let tag = app
        .request("GET", path, Some(admin), None, &[])
        .header("etag")
        .unwrap()
        .to_owned();
    let res = app.request(
        "PATCH",
        path,
        Some(admin),
        Some(body),
        &[("If-Match", &tag)],
    );
    assert_eq!(res.status, 200, "{path}: {}", res.text);
    res.json()
}

fn tag_village(app: &TestApp, admin: &str, village: &str, tags: &[&str]) {
    let region = patch_with_etag(
        app,
        admin,
        &format!("/api/v1/regions/{village}"),
        &json!({ "tags": tags }),
    );
    assert_eq!(sorted_strings(&region["tags"]), set_of(tags));
}

fn set_org_status(app: &TestApp, admin: &str, id: &str, status: &str) {
    patch_with_etag(
        app,
        admin,
        &format!("/api/v1/organizations/{id}"),
        &json!({ "status": status }),
    );
}

fn sorted_strings(v: &Value) -> Vec<String> {
    let mut out: Vec<String> = v
        .as_array()
        .unwrap_or_else(|| panic!("not a list: {v}"))
        .iter()
        .map(|s| s.as_str().unwrap().to_owned())
        .collect();
    out.sort();
    out
}

fn stats(app: &TestApp) -> Value {
    let res = app.request("GET", "/api/v1/stats/villages", None, None, &[]);
    assert_eq!(res.status, 200, "{}", res.text);
    res.json()
}

/// `code → villages_helped` of a `by_county` or `by_prefecture` list.
fn counts(entries: &Value) -> Vec<(String, i64)> {
    entries
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["code"].as_str().unwrap().to_owned(),
                e["villages_helped"].as_i64().unwrap(),
            )
        })
        .collect()
}

fn pairs(list: &[(&str, i64)]) -> Vec<(String, i64)> {
    list.iter().map(|(c, n)| ((*c).to_owned(), *n)).collect()
}

// --- Creating -------------------------------------------------------------------

#[test]
fn organizations_pair_with_villages() {
    let w = world();
    let (app, admin) = (&w.app, w.admin.as_str());
    tag_village(
        app,
        admin,
        VILLAGE,
        &["demonstration", "lifted_out_of_poverty"],
    );
    let village = app.request(
        "GET",
        &format!("/api/v1/regions/{VILLAGE}"),
        None,
        None,
        &[],
    );
    assert_eq!(village.status, 200, "{}", village.text);
    let full_name = village.json()["full_name"].as_str().unwrap().to_owned();

    let res = create(
        app,
        Some(&w.user.token),
        &json!({
            "village_code": VILLAGE,
            "focus": ["health", "employment", "health"],
            "started_on": "2024-03-01",
            "note": "  每月走访一次  ",
        }),
    );
    assert_eq!(res.status, 201, "{}", res.text);
    let v = res.json();
    let id = id_of(&v);
    assert!(uuid::Uuid::parse_str(&id).is_ok());
    assert_eq!(res.header("location"), Some(path(&id).as_str()));
    assert_eq!(res.header("etag"), Some("\"1\""));
    assert_eq!(v["organization_id"], w.org.as_str(), "its own by default");
    assert_eq!(v["organization_name"], "云南省乡村振兴促进会");
    assert_eq!(v["village_code"], VILLAGE);
    let name = v["village_full_name"].as_str().unwrap();
    assert!(name.starts_with("云南省昆明市五华区"), "{name}");
    assert!(name.ends_with("翠湖西路社区居民委员会"), "{name}");
    assert_eq!(name, full_name);
    assert_eq!(
        sorted_strings(&v["village_tags"]),
        ["demonstration", "lifted_out_of_poverty"]
    );
    assert_eq!(v["county_code"], COUNTY);
    assert_eq!(v["enterprise_name"], Value::Null);
    assert_eq!(v["enterprise_credit_code"], Value::Null);
    assert_eq!(
        v["focus"],
        json!(["employment", "health"]),
        "duplicates removed, sorted"
    );
    assert_eq!(v["started_on"], "2024-03-01");
    assert_eq!(v["ended_on"], Value::Null);
    assert_eq!(v["status"], "active");
    assert_eq!(v["note"], "每月走访一次", "trimmed");
    assert_eq!(v["end_reason"], Value::Null);
    assert_eq!(v["version"], 1);

    // Read back the same.
    let res = get(app, Some(&w.user.token), &id);
    assert_eq!(res.status, 200, "{}", res.text);
    assert_eq!(res.header("etag"), Some("\"1\""));
    assert_eq!(res.json(), v);
    assert_eq!(fetch(app, admin, &id), v);

    // The defaults: started today, no focus, no note; an untagged village.
    let d = made(
        app,
        &w.user.token,
        &json!({"village_code": VILLAGE_2, "note": "  "}),
    );
    assert_eq!(d["started_on"], today().as_str());
    assert_eq!(d["focus"], json!([]));
    assert_eq!(d["note"], Value::Null);
    assert_eq!(d["village_tags"], json!([]));
    assert_eq!(d["status"], "active");
    // Started today is not the future.
    let t = made(
        app,
        &w.user.token,
        &json!({"village_code": OTHER_TOWNSHIP_VILLAGE, "started_on": today()}),
    );
    assert_eq!(t["started_on"], today().as_str());
    assert!(t["village_full_name"]
        .as_str()
        .unwrap()
        .starts_with("云南省昆明市五华区护国街道"));

    // A member enterprise (一企帮一村), its code normalized.
    let e = made(
        app,
        &w.user.token,
        &json!({
            "village_code": VILLAGE,
            "enterprise_name": "某某食品有限公司",
            "enterprise_credit_code": ENTERPRISE_CODE.to_lowercase(),
            "focus": ["consumption"],
        }),
    );
    assert_eq!(e["enterprise_name"], "某某食品有限公司");
    assert_eq!(e["enterprise_credit_code"], ENTERPRISE_CODE);

    // The admin names the organization; without one it is a 422.
    let res = create(app, Some(admin), &json!({"village_code": VILLAGE_2}));
    assert_error(&res, 422, "organization_id", "required", "admin, no org");
    let res = create(
        app,
        Some(admin),
        &json!({"organization_id": w.org, "village_code": VILLAGE_2, "enterprise_name": "某某食品有限公司", "enterprise_credit_code": ENTERPRISE_CODE}),
    );
    assert_eq!(res.status, 201, "{}", res.text);
    assert_eq!(res.json()["organization_id"], w.org.as_str());

    // Journaled.
    assert_eq!(audit_actions(app, admin, &id), ["create"]);
    assert_eq!(audit_total(app, admin), 5);
    let mine: Vec<String> = events(app, admin)
        .into_iter()
        .filter(|(e, _)| *e == id)
        .map(|(_, a)| a)
        .collect();
    assert_eq!(mine, ["create"]);
    assert_eq!(list(app, admin, "")["total"], 5);
}

#[test]
fn a_village_pairing_is_checked_field_by_field() {
    let w = world();
    let (app, token) = (&w.app, w.user.token.as_str());

    for (body, field, code) in [
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
            json!({"village_code": "5301"}),
            "village_code",
            "not_a_village",
        ),
        (
            json!({"village_code": "530102999999"}),
            "village_code",
            "unknown_region",
        ),
        (
            json!({"village_code": VILLAGE, "started_on": shanghai_day(1)}),
            "started_on",
            "in_future",
        ),
        (
            json!({"village_code": VILLAGE, "enterprise_name": "某某食品有限公司"}),
            "enterprise_credit_code",
            "required",
        ),
        (
            json!({"village_code": VILLAGE, "enterprise_credit_code": ENTERPRISE_CODE}),
            "enterprise_name",
            "required",
        ),
        (
            json!({"village_code": VILLAGE, "enterprise_name": "某某食品有限公司",
                   "enterprise_credit_code": BAD_ENTERPRISE_CODE}),
            "enterprise_credit_code",
            "check_character",
        ),
    ] {
        let res = create(app, Some(token), &body);
        assert_error(&res, 422, field, code, &body.to_string());
    }
    // Unreadable values, unknown and missing fields: 422 naming them.
    for (body, field) in [
        (json!({"village_code": "abc"}), "village_code"),
        (
            json!({"village_code": VILLAGE, "focus": ["charity"]}),
            "focus",
        ),
        (json!({"village_code": VILLAGE, "focus": "health"}), "focus"),
        (json!({"village_code": VILLAGE, "colour": "red"}), "colour"),
        (
            json!({"village_code": VILLAGE, "started_on": "2024-02-30"}),
            "started_on",
        ),
        (json!({"focus": ["health"]}), "village_code"),
    ] {
        let res = create(app, Some(token), &body);
        let problem = res.problem(422, "validation_failed");
        let named = problem["errors"][0]["field"].as_str().unwrap();
        assert!(named.starts_with(field), "{body}: {problem}");
    }
    // Without a token, nothing.
    create(app, None, &json!({"village_code": VILLAGE})).problem(401, "unauthorized");

    // Nothing was stored or journaled.
    assert_eq!(list(app, &w.admin, "")["total"], 0);
    assert_eq!(audit_total(app, &w.admin), 0);
    assert_eq!(events(app, &w.admin), Vec::<(String, String)>::new());
}

#[test]
fn a_village_pairing_note_is_at_most_1000_characters() {
    let w = world();
    let (app, token) = (&w.app, w.user.token.as_str());
    let res = create(
        app,
        Some(token),
        &json!({"village_code": VILLAGE, "note": "注".repeat(1001)}),
    );
    assert_eq!(
        res.status, 422,
        "a note of 1001 characters (the schema's maxLength is 1000) was accepted"
    );
    assert_error(&res, 422, "note", "too_long", "a note of 1001 characters");
    let ok = made(
        app,
        token,
        &json!({"village_code": VILLAGE, "note": "注".repeat(1000)}),
    );
    assert_eq!(ok["note"].as_str().unwrap().chars().count(), 1000);
}

#[test]
fn the_rules_of_who_helps_which_village() {
    let w = world();
    let (app, admin) = (&w.app, w.admin.as_str());
    let token = w.user.token.as_str();
    let (org_b, user_b) = organization_b(&w);

    // Only villages of a paired county.
    let res = create(app, Some(token), &json!({"village_code": FOREIGN_VILLAGE}));
    assert_error(&res, 409, "county_code", "not_paired", "unpaired county");
    let res = create(
        app,
        Some(admin),
        &json!({"organization_id": w.org, "village_code": QUJING_VILLAGE}),
    );
    assert_error(&res, 409, "county_code", "not_paired", "unpaired, as admin");

    // An organization user helps for its own organization only.
    let res = create(
        app,
        Some(token),
        &json!({"organization_id": org_b, "village_code": VILLAGE}),
    );
    assert_eq!(forbidden_fields(&res), ["organization_id"]);
    // Officers and viewers pair nobody.
    let officer = app.create_user("county_officer", Some(COUNTY), None);
    let viewer = app.create_user("viewer", None, None);
    for t in [&officer.token, &viewer.token] {
        let res = create(
            app,
            Some(t),
            &json!({"organization_id": w.org, "village_code": VILLAGE}),
        );
        assert_eq!(res.status, 403, "{}", res.text);
    }

    // One active pairing per organization, village and enterprise.
    let first = id_of(&made(app, token, &json!({"village_code": VILLAGE})));
    let res = create(app, Some(token), &json!({"village_code": VILLAGE}));
    assert_error(&res, 409, "village_code", "already_helping", "twice");
    let res = create(
        app,
        Some(admin),
        &json!({"organization_id": w.org, "village_code": VILLAGE, "focus": ["health"]}),
    );
    assert_error(
        &res,
        409,
        "village_code",
        "already_helping",
        "twice, as admin",
    );
    // Through member enterprises, several (多企帮一村), each once.
    let enterprise = |name: &str, code: &str| json!({"village_code": VILLAGE, "enterprise_name": name, "enterprise_credit_code": code});
    let code_2 = tests::credit_code(901);
    made(app, token, &enterprise("某某食品有限公司", ENTERPRISE_CODE));
    made(app, token, &enterprise("某某建材有限公司", &code_2));
    let res = create(
        app,
        Some(token),
        &enterprise("某某食品有限公司（改名）", ENTERPRISE_CODE),
    );
    assert_error(
        &res,
        409,
        "village_code",
        "already_helping",
        "same enterprise",
    );
    // One enterprise helps many villages (一企帮多村).
    let mut other = enterprise("某某食品有限公司", ENTERPRISE_CODE);
    other["village_code"] = json!(VILLAGE_2);
    made(app, token, &other);
    // Another organization helps the same village.
    made(app, &user_b.token, &json!({"village_code": VILLAGE}));
    assert_eq!(
        listed(app, admin, &format!("village={VILLAGE}&status=active")).len(),
        4
    );

    // Once ended, the organization may pair with the village again.
    let res = end(
        app,
        token,
        &first,
        &json!({"ended_on": today(), "reason": "阶段性任务完成"}),
    );
    assert_eq!(res.status, 200, "{}", res.text);
    let again = made(app, token, &json!({"village_code": VILLAGE}));
    assert_ne!(id_of(&again), first);
    assert_eq!(again["status"], "active");

    // A suspended organization starts nothing new.
    set_org_status(app, admin, &w.org, "suspended");
    let res = create(
        app,
        Some(token),
        &json!({"village_code": OTHER_TOWNSHIP_VILLAGE}),
    );
    assert_error(
        &res,
        409,
        "organization_id",
        "organization_not_active",
        "suspended",
    );
    set_org_status(app, admin, &w.org, "active");

    // A terminated county pairing closes its villages to new pairings.
    let res = app.request(
        "POST",
        &format!("/api/v1/pairings/{}/terminate", w.pairing),
        Some(admin),
        Some(&json!({"reason": "组织调整"})),
        &[],
    );
    assert_eq!(res.status, 200, "{}", res.text);
    let res = create(
        app,
        Some(token),
        &json!({"village_code": OTHER_TOWNSHIP_VILLAGE}),
    );
    assert_error(&res, 409, "county_code", "not_paired", "terminated");
    // Its existing village pairings stay readable.
    assert_eq!(fetch(app, token, &id_of(&again))["status"], "active");

    // Refused writes are not journaled: only the six that were made, and one end.
    assert_eq!(audit_total(app, admin), 7);
    assert_eq!(events(app, admin).len(), 7);
}

// --- Ending ---------------------------------------------------------------------

#[test]
fn ending_a_village_pairing() {
    let w = world();
    let (app, admin) = (&w.app, w.admin.as_str());
    let token = w.user.token.as_str();
    let (_, user_b) = organization_b(&w);
    let new = |village: &str| {
        id_of(&made(
            app,
            token,
            &json!({"village_code": village, "started_on": "2024-03-01"}),
        ))
    };
    let v = new(VILLAGE);
    let before = fetch(app, admin, &v);

    // Not before it started, not in the future, with a reason.
    for (body, field, code) in [
        (
            json!({"ended_on": "2024-02-29", "reason": "结束"}),
            "ended_on",
            "before_start",
        ),
        (
            json!({"ended_on": shanghai_day(1), "reason": "结束"}),
            "ended_on",
            "in_future",
        ),
        (
            json!({"ended_on": "2024-12-31", "reason": "  "}),
            "reason",
            "required",
        ),
        (json!({"reason": "结束"}), "ended_on", "required"),
        (json!({"ended_on": "2024-12-31"}), "reason", "required"),
    ] {
        let res = end(app, token, &v, &body);
        assert_error(&res, 422, field, code, &body.to_string());
    }

    // Who may not: viewers, other officers, other organizations.
    let viewer = app.create_user("viewer", None, None);
    let prefecture = app.create_user("prefecture_officer", Some("5301"), None);
    let far = app.create_user("county_officer", Some(OTHER_COUNTY), None);
    let body = json!({"ended_on": "2024-12-31", "reason": "阶段性任务完成"});
    end(app, &viewer.token, &v, &body).problem(403, "forbidden");
    end(app, &prefecture.token, &v, &body).problem(403, "forbidden");
    end(app, &far.token, &v, &body).problem(404, "not_found");
    end(app, &user_b.token, &v, &body).problem(404, "not_found");
    let res = app.request(
        "POST",
        &format!("{VILLAGE_PAIRINGS}/{v}/end"),
        None,
        Some(&body),
        &[],
    );
    res.problem(401, "unauthorized");
    end(app, admin, &uuid::Uuid::now_v7().to_string(), &body).problem(404, "not_found");
    // A stale If-Match.
    let res = app.request(
        "POST",
        &format!("{VILLAGE_PAIRINGS}/{v}/end"),
        Some(token),
        Some(&body),
        &[("If-Match", "\"5\"")],
    );
    res.problem(412, "precondition_failed");
    assert_eq!(fetch(app, admin, &v), before, "nothing changed");
    assert_eq!(audit_actions(app, admin, &v), ["create"]);

    // Its organization ends it (the day it started is fine).
    let res = app.request(
        "POST",
        &format!("{VILLAGE_PAIRINGS}/{v}/end"),
        Some(token),
        Some(&json!({"ended_on": "2024-03-01", "reason": " 阶段性任务完成 "})),
        &[("If-Match", "\"1\"")],
    );
    assert_eq!(res.status, 200, "{}", res.text);
    assert_eq!(res.header("etag"), Some("\"2\""));
    let ended = res.json();
    assert_eq!(ended["status"], "ended");
    assert_eq!(ended["ended_on"], "2024-03-01");
    assert_eq!(ended["end_reason"], "阶段性任务完成");
    assert_eq!(ended["version"], 2);
    assert_eq!(ended["village_full_name"], before["village_full_name"]);
    assert_eq!(fetch(app, admin, &v), ended);
    // Twice is a conflict.
    let res = end(app, token, &v, &body);
    assert_error(&res, 409, "status", "already_ended", "twice");
    let res = end(app, admin, &v, &body);
    assert_error(&res, 409, "status", "already_ended", "twice, as admin");

    // The county officer of the village's county ends one, and so does the admin.
    let county = app.create_user("county_officer", Some(COUNTY), None);
    let x = new(VILLAGE_2);
    let res = end(app, &county.token, &x, &body);
    assert_eq!(res.status, 200, "{}", res.text);
    assert_eq!(res.json()["status"], "ended");
    let y = new(OTHER_TOWNSHIP_VILLAGE);
    let res = end(
        app,
        admin,
        &y,
        &json!({"ended_on": today(), "reason": "调整"}),
    );
    assert_eq!(res.status, 200, "{}", res.text);
    assert_eq!(res.json()["ended_on"], today().as_str());

    // Journaled: create and end, once each.
    assert_eq!(audit_actions(app, admin, &v), ["create", "end"]);
    assert_eq!(audit_actions(app, admin, &x), ["create", "end"]);
    let of_v: Vec<String> = events(app, admin)
        .into_iter()
        .filter(|(e, _)| *e == v)
        .map(|(_, a)| a)
        .collect();
    assert_eq!(of_v, ["create", "end"]);
}

#[test]
fn an_end_reason_is_at_most_500_characters() {
    let w = world();
    let (app, token) = (&w.app, w.user.token.as_str());
    let v = id_of(&made(app, token, &json!({"village_code": VILLAGE})));
    let res = end(
        app,
        token,
        &v,
        &json!({"ended_on": today(), "reason": "原".repeat(501)}),
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
    assert_eq!(fetch(app, &w.admin, &v)["status"], "active");
    let res = end(
        app,
        token,
        &v,
        &json!({"ended_on": today(), "reason": "原".repeat(500)}),
    );
    assert_eq!(res.status, 200, "{}", res.text);
}

// --- The list -------------------------------------------------------------------

#[test]
fn who_sees_which_village_pairings_and_the_list_filters() {
    let w = world();
    let (app, admin) = (&w.app, w.admin.as_str());
    let (org_b, user_b) = organization_b(&w);
    pair(app, admin, &w.org, QUJING_COUNTY);
    tag_village(app, admin, VILLAGE, &["demonstration"]);
    tag_village(
        app,
        admin,
        QUJING_VILLAGE,
        &["demonstration", "border_happy"],
    );

    let a1 = id_of(&made(app, &w.user.token, &json!({"village_code": VILLAGE})));
    let a2 = id_of(&made(
        app,
        &w.user.token,
        &json!({"village_code": OTHER_TOWNSHIP_VILLAGE}),
    ));
    let a3 = id_of(&made(
        app,
        &w.user.token,
        &json!({"village_code": QUJING_VILLAGE}),
    ));
    let b1 = id_of(&made(app, &user_b.token, &json!({"village_code": VILLAGE})));
    let res = end(
        app,
        &w.user.token,
        &a2,
        &json!({"ended_on": today(), "reason": "调整"}),
    );
    assert_eq!(res.status, 200, "{}", res.text);

    // Who sees what.
    let all = set_of(&[&a1, &a2, &a3, &b1]);
    assert_eq!(listed(app, admin, ""), all);
    assert_eq!(listed(app, &w.user.token, ""), set_of(&[&a1, &a2, &a3]));
    assert_eq!(listed(app, &user_b.token, ""), set_of(&[&b1]));
    assert_eq!(
        listed(app, &user_b.token, &format!("organization_id={}", w.org)),
        set_of(&[])
    );
    get(app, Some(&user_b.token), &a1).problem(404, "not_found");
    let county = app.create_user("county_officer", Some(COUNTY), None);
    let far = app.create_user("county_officer", Some(OTHER_COUNTY), None);
    let prefecture = app.create_user("prefecture_officer", Some("5301"), None);
    let qujing = app.create_user("prefecture_officer", Some("5303"), None);
    let viewer = app.create_user("viewer", None, None);
    assert_eq!(listed(app, &county.token, ""), set_of(&[&a1, &a2, &b1]));
    assert_eq!(listed(app, &prefecture.token, ""), set_of(&[&a1, &a2, &b1]));
    assert_eq!(listed(app, &qujing.token, ""), set_of(&[&a3]));
    assert_eq!(listed(app, &far.token, ""), set_of(&[]));
    assert_eq!(listed(app, &viewer.token, ""), all);
    assert_eq!(fetch(app, &county.token, &a1)["id"], a1.as_str());
    assert_eq!(fetch(app, &viewer.token, &a3)["id"], a3.as_str());
    get(app, Some(&far.token), &a1).problem(404, "not_found");
    get(app, Some(&qujing.token), &a1).problem(404, "not_found");
    get(app, None, &a1).problem(401, "unauthorized");
    app.request("GET", VILLAGE_PAIRINGS, None, None, &[])
        .problem(401, "unauthorized");
    get(app, Some(admin), &uuid::Uuid::now_v7().to_string()).problem(404, "not_found");
    get(app, Some(admin), "nope").problem(404, "not_found");

    // Filters.
    let q = |query: &str| listed(app, admin, query);
    assert_eq!(
        q(&format!("organization_id={}", w.org)),
        set_of(&[&a1, &a2, &a3])
    );
    assert_eq!(q(&format!("organization_id={org_b}")), set_of(&[&b1]));
    assert_eq!(q(&format!("county={COUNTY}")), set_of(&[&a1, &a2, &b1]));
    assert_eq!(q(&format!("county={QUJING_COUNTY}")), set_of(&[&a3]));
    assert_eq!(q(&format!("county={OTHER_COUNTY}")), set_of(&[]));
    assert_eq!(q("prefecture=5301"), set_of(&[&a1, &a2, &b1]));
    assert_eq!(q("prefecture=5303"), set_of(&[&a3]));
    assert_eq!(q(&format!("village={VILLAGE}")), set_of(&[&a1, &b1]));
    assert_eq!(q(&format!("village={QUJING_VILLAGE}")), set_of(&[&a3]));
    assert_eq!(q(&format!("village={VILLAGE_2}")), set_of(&[]));
    assert_eq!(q("tag=demonstration"), set_of(&[&a1, &a3, &b1]));
    assert_eq!(q("tag=border_happy"), set_of(&[&a3]));
    assert_eq!(q("tag=relocation_community"), set_of(&[]));
    assert_eq!(q("status=active"), set_of(&[&a1, &a3, &b1]));
    assert_eq!(q("status=ended"), set_of(&[&a2]));
    assert_eq!(
        q(&format!("county={COUNTY}&status=active&tag=demonstration")),
        set_of(&[&a1, &b1])
    );
    assert_eq!(
        listed(app, &w.user.token, "tag=demonstration"),
        set_of(&[&a1, &a3])
    );
    // The list carries the village's names and tags.
    let page = list(app, admin, &format!("village={QUJING_VILLAGE}"));
    let item = &page["items"][0];
    assert!(item["village_full_name"]
        .as_str()
        .unwrap()
        .starts_with("云南省曲靖市麒麟区"));
    assert_eq!(
        sorted_strings(&item["village_tags"]),
        ["border_happy", "demonstration"]
    );
    assert_eq!(item["county_code"], QUJING_COUNTY);
    assert_eq!(item["organization_name"], "云南省乡村振兴促进会");
    // Pages.
    let page = list(app, admin, "page_size=3");
    assert_eq!(page["total"], 4);
    assert_eq!(page["items"].as_array().unwrap().len(), 3);

    for bad in [
        "status=paused",
        "tag=famous",
        "county=abc",
        "organization_id=nope",
        "sort=village_code",
        "colour=red",
    ] {
        let res = app.request(
            "GET",
            &format!("{VILLAGE_PAIRINGS}?{bad}"),
            Some(admin),
            None,
            &[],
        );
        res.problem(400, "malformed_query");
    }
}

// --- Statistics -----------------------------------------------------------------

#[test]
fn villages_helped_count_distinct_villages_with_an_active_pairing() {
    let w = world();
    let (app, admin) = (&w.app, w.admin.as_str());
    let (_, user_b) = organization_b(&w);
    pair(app, admin, &w.org, QUJING_COUNTY);
    tag_village(
        app,
        admin,
        VILLAGE,
        &["demonstration", "lifted_out_of_poverty"],
    );
    tag_village(app, admin, QUJING_VILLAGE, &["demonstration"]);

    // Nothing yet; public.
    let s = stats(app);
    assert_eq!(s["villages_helped"], 0);
    assert_eq!(s["target"], 1000);
    assert_eq!(s["progress"].as_f64(), Some(0.0));
    assert_eq!(s["by_county"], json!([]));
    assert_eq!(s["by_prefecture"], json!([]));
    let tags = s["by_tag"].as_object().unwrap();
    for tag in [
        "demonstration",
        "green_beautiful",
        "harmonious_beautiful",
        "border_happy",
        "relocation_community",
        "lifted_out_of_poverty",
        "weak_collective_economy",
    ] {
        assert_eq!(tags.get(tag), Some(&json!(0)), "{tag}: {s}");
    }

    // Two organizations and an enterprise on one village count it once.
    let a1 = id_of(&made(app, &w.user.token, &json!({"village_code": VILLAGE})));
    let b1 = id_of(&made(app, &user_b.token, &json!({"village_code": VILLAGE})));
    made(
        app,
        &w.user.token,
        &json!({"village_code": VILLAGE, "enterprise_name": "某某食品有限公司",
                "enterprise_credit_code": ENTERPRISE_CODE}),
    );
    let s = stats(app);
    assert_eq!(s["villages_helped"], 1, "{s}");
    assert_eq!(s["progress"].as_f64(), Some(0.001));
    assert_eq!(counts(&s["by_county"]), pairs(&[(COUNTY, 1)]));
    assert_eq!(counts(&s["by_prefecture"]), pairs(&[("5301", 1)]));
    assert_eq!(s["by_tag"]["demonstration"], 1);
    assert_eq!(s["by_tag"]["lifted_out_of_poverty"], 1);
    assert_eq!(s["by_tag"]["border_happy"], 0);

    // More villages, in two prefectures.
    made(app, &w.user.token, &json!({"village_code": VILLAGE_2}));
    let q = id_of(&made(
        app,
        &w.user.token,
        &json!({"village_code": QUJING_VILLAGE}),
    ));
    let s = stats(app);
    assert_eq!(s["villages_helped"], 3, "{s}");
    assert_eq!(s["progress"].as_f64(), Some(0.003));
    assert_eq!(
        counts(&s["by_county"]),
        pairs(&[(COUNTY, 2), (QUJING_COUNTY, 1)])
    );
    assert_eq!(
        counts(&s["by_prefecture"]),
        pairs(&[("5301", 2), ("5303", 1)])
    );
    let wuhua = &s["by_county"][0];
    assert_eq!(wuhua["name"], "五华区");
    assert_eq!(wuhua["prefecture_code"], "5301");
    let qilin = &s["by_county"][1];
    assert_eq!(qilin["name"], "麒麟区");
    assert_eq!(qilin["prefecture_code"], "5303");
    assert_eq!(s["by_prefecture"][0]["name"], "昆明市");
    assert_eq!(s["by_prefecture"][1]["name"], "曲靖市");
    assert_eq!(s["by_tag"]["demonstration"], 2);
    assert_eq!(s["by_tag"]["lifted_out_of_poverty"], 1);

    // Ended pairings do not count; a village still helped by someone else does.
    let body = json!({"ended_on": today(), "reason": "阶段性任务完成"});
    assert_eq!(end(app, &w.user.token, &q, &body).status, 200);
    assert_eq!(end(app, &w.user.token, &a1, &body).status, 200);
    let s = stats(app);
    assert_eq!(s["villages_helped"], 2, "{s}");
    assert_eq!(counts(&s["by_county"]), pairs(&[(COUNTY, 2)]));
    assert_eq!(counts(&s["by_prefecture"]), pairs(&[("5301", 2)]));
    assert_eq!(s["by_tag"]["demonstration"], 1);
    assert_eq!(s["by_tag"]["border_happy"], 0);
    assert_eq!(end(app, &user_b.token, &b1, &body).status, 200);
    let s = stats(app);
    assert_eq!(s["villages_helped"], 2, "the enterprise still helps: {s}");
    // Tags follow the village's current tags.
    tag_village(app, admin, VILLAGE, &["weak_collective_economy"]);
    let s = stats(app);
    assert_eq!(s["by_tag"]["weak_collective_economy"], 1);
    assert_eq!(s["by_tag"]["demonstration"], 0);
}
