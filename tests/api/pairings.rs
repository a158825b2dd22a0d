//! `/api/v1/pairings` (百会结百县): opening pairings of organizations with counties,
//! signing their agreements, ending them, who sees agreement numbers, the list's
//! filters, and `/api/v1/counties/{code}/pairing-summary`, black-box over HTTP.

use crate::support::{assert_error, id_of, register_organization as organization, set_org_status};
use serde_json::{json, Value};
use tests::{civil_date, shanghai_day, today, Response, TestApp};

const PAIRINGS: &str = "/api/v1/pairings";
const COUNTY: &str = "530102";
const OTHER_COUNTY: &str = "530103";
const QUJING_COUNTY: &str = "530302";

#[test]
fn the_test_calendar_is_right() {
    assert_eq!(civil_date(0), "1970-01-01");
    assert_eq!(civil_date(19_782), "2024-02-29");
    assert_eq!(civil_date(19_783), "2024-03-01");
    assert_eq!(civil_date(20_088), "2024-12-31");
}

// --- Helpers --------------------------------------------------------------------

fn create(app: &TestApp, token: Option<&str>, body: &Value) -> Response {
    app.request("POST", PAIRINGS, token, Some(body), &[])
}

/// Opens a pairing (as the admin); returns it.
fn open(app: &TestApp, admin: &str, org: &str, county: &str, extra: &Value) -> Value {
    let mut body = json!({"organization_id": org, "county_code": county});
    for (k, v) in extra.as_object().unwrap() {
        body[k] = v.clone();
    }
    let res = create(app, Some(admin), &body);
    assert_eq!(res.status, 201, "{body}: {}", res.text);
    res.json()
}

fn pairing_path(id: &str) -> String {
    format!("{PAIRINGS}/{id}")
}

fn get_pairing(app: &TestApp, token: Option<&str>, id: &str) -> Value {
    let res = app.request("GET", &pairing_path(id), token, None, &[]);
    assert_eq!(res.status, 200, "{id}: {}", res.text);
    res.json()
}

fn action(
    app: &TestApp,
    token: Option<&str>,
    id: &str,
    what: &str,
    body: &Value,
    headers: &[(&str, &str)],
) -> Response {
    app.request(
        "POST",
        &format!("{PAIRINGS}/{id}/{what}"),
        token,
        Some(body),
        headers,
    )
}

fn sign(app: &TestApp, token: Option<&str>, id: &str, body: &Value) -> Response {
    action(app, token, id, "sign", body, &[])
}

fn terminate(app: &TestApp, token: Option<&str>, id: &str, body: &Value) -> Response {
    action(app, token, id, "terminate", body, &[])
}

fn list(app: &TestApp, token: Option<&str>, query: &str) -> Value {
    let res = app.request("GET", &format!("{PAIRINGS}?{query}"), token, None, &[]);
    assert_eq!(res.status, 200, "{query}: {}", res.text);
    res.json()
}

fn ids(page: &Value) -> Vec<String> {
    let mut ids: Vec<String> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(id_of)
        .collect();
    ids.sort();
    ids
}

fn sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v
}

fn audit_actions(app: &TestApp, admin: &str, entity: &str, id: &str) -> Vec<String> {
    let res = app.request(
        "GET",
        &format!("/api/v1/audit-log?entity={entity}&entity_id={id}&page_size=100"),
        Some(admin),
        None,
        &[],
    );
    assert_eq!(res.status, 200, "{}", res.text);
    res.json()["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap().to_owned())
        .collect()
}

fn event_actions(app: &TestApp, admin: &str, entity: &str, id: &str) -> Vec<String> {
    let res = app.request("GET", "/api/v1/events?limit=1000", Some(admin), None, &[]);
    assert_eq!(res.status, 200, "{}", res.text);
    res.json()["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["entity"] == entity && e["entity_id"] == id)
        .map(|e| e["action"].as_str().unwrap().to_owned())
        .collect()
}

fn total_pairings(app: &TestApp) -> i64 {
    list(app, None, "")["total"].as_i64().unwrap()
}

// --- Opening --------------------------------------------------------------------

#[test]
fn admins_open_pairings() {
    let app = TestApp::spawn();
    let admin = app.admin_token();
    let org = organization(&app, &admin, "云南省乡村振兴促进会", 1);

    let res = create(
        &app,
        Some(&admin),
        &json!({"organization_id": org, "county_code": COUNTY}),
    );
    assert_eq!(res.status, 201, "{}", res.text);
    let p = res.json();
    let id = id_of(&p);
    assert!(uuid::Uuid::parse_str(&id).is_ok());
    assert_eq!(res.header("location"), Some(pairing_path(&id).as_str()));
    assert_eq!(res.header("etag"), Some("\"1\""));
    assert_eq!(p["organization_id"], org.as_str());
    assert_eq!(p["organization_name"], "云南省乡村振兴促进会");
    assert_eq!(p["county_code"], COUNTY);
    assert_eq!(p["county_name"], "五华区");
    assert_eq!(p["prefecture_code"], "5301");
    assert_eq!(p["prefecture_name"], "昆明市");
    assert_eq!(p["key_county"], Value::Null);
    assert_eq!(p["batch"], 1);
    assert_eq!(p["status"], "pending_agreement");
    let today = today();
    assert_eq!(p["established_on"], today.as_str());
    assert_eq!(
        p["agreement_deadline"],
        format!("{}-12-31", &today[..4]).as_str()
    );
    assert_eq!(p["overdue"], false);
    assert_eq!(p["agreement_no"], Value::Null);
    assert!(
        p.as_object().unwrap().contains_key("agreement_no"),
        "the admin sees the (empty) agreement number: {p}"
    );
    assert_eq!(p["agreement_signed_on"], Value::Null);
    assert_eq!(p["terminated_on"], Value::Null);
    assert_eq!(p["termination_reason"], Value::Null);
    assert_eq!(p["version"], 1);

    // Read back the same.
    let res = app.request("GET", &pairing_path(&id), Some(&admin), None, &[]);
    assert_eq!(res.status, 200, "{}", res.text);
    assert_eq!(res.header("etag"), Some("\"1\""));
    assert_eq!(res.json(), p);

    // Batch, dates and deadline given.
    let q = open(
        &app,
        &admin,
        &org,
        QUJING_COUNTY,
        &json!({"batch": 2, "established_on": "2024-03-01", "agreement_deadline": "2024-06-30"}),
    );
    assert_eq!(q["batch"], 2);
    assert_eq!(q["established_on"], "2024-03-01");
    assert_eq!(q["agreement_deadline"], "2024-06-30");
    assert_eq!(q["county_name"], "麒麟区");
    assert_eq!(q["prefecture_code"], "5303");
    assert_eq!(q["prefecture_name"], "曲靖市");
    assert_eq!(q["overdue"], true, "pending past its deadline");
    // The default deadline is Dec 31 of the year established.
    let r = open(
        &app,
        &admin,
        &org,
        OTHER_COUNTY,
        &json!({"established_on": "2023-03-01"}),
    );
    assert_eq!(r["agreement_deadline"], "2023-12-31");
    assert_eq!(total_pairings(&app), 3);

    // Journaled.
    assert_eq!(audit_actions(&app, &admin, "pairing", &id), ["create"]);
    assert_eq!(event_actions(&app, &admin, "pairing", &id), ["create"]);
}

#[test]
fn a_pairing_needs_a_county_an_active_organization_and_sensible_dates() {
    let app = TestApp::spawn();
    let admin = app.admin_token();
    let org = organization(&app, &admin, "正常的协会", 1);
    let body = |county: &str, extra: Value| {
        let mut b = json!({"organization_id": org, "county_code": county});
        for (k, v) in extra.as_object().unwrap() {
            b[k] = v.clone();
        }
        b
    };

    for not_county in ["5301", "530102001", "530102001001", "53"] {
        let res = create(&app, Some(&admin), &body(not_county, json!({})));
        assert_error(&res, 422, "county_code", "not_a_county", not_county);
    }
    let res = create(&app, Some(&admin), &body("539999", json!({})));
    assert_error(&res, 422, "county_code", "unknown_region", "539999");
    let res = create(&app, Some(&admin), &body("abc", json!({})));
    assert_eq!(res.status, 422, "{}", res.text);
    let problem = res.problem(422, "validation_failed");
    assert_eq!(problem["errors"][0]["field"], "county_code");

    let res = create(
        &app,
        Some(&admin),
        &json!({"organization_id": uuid::Uuid::now_v7(), "county_code": COUNTY}),
    );
    assert_error(
        &res,
        422,
        "organization_id",
        "unknown_organization",
        "no such organization",
    );
    let res = create(
        &app,
        Some(&admin),
        &json!({"organization_id": "not-a-uuid", "county_code": COUNTY}),
    );
    assert_eq!(res.status, 422, "{}", res.text);

    let res = create(&app, Some(&admin), &body(COUNTY, json!({"batch": 0})));
    assert_error(&res, 422, "batch", "out_of_range", "batch 0");
    let res = create(
        &app,
        Some(&admin),
        &body(COUNTY, json!({"established_on": shanghai_day(1)})),
    );
    assert_error(&res, 422, "established_on", "in_future", "tomorrow");
    let res = create(
        &app,
        Some(&admin),
        &body(
            COUNTY,
            json!({"established_on": "2024-05-01", "agreement_deadline": "2024-04-30"}),
        ),
    );
    assert_error(
        &res,
        422,
        "agreement_deadline",
        "before_established",
        "deadline first",
    );
    let res = create(
        &app,
        Some(&admin),
        &body(COUNTY, json!({"established_on": "2024-13-01"})),
    );
    assert_eq!(res.status, 422, "{}", res.text);
    let res = create(&app, Some(&admin), &body(COUNTY, json!({"colour": "red"})));
    assert_error(&res, 422, "colour", "unknown_field", "unknown field");
    assert_eq!(total_pairings(&app), 0);

    // Suspended and deregistered organizations start no pairing.
    for (n, status) in [(2, "suspended"), (3, "deregistered")] {
        let other = organization(&app, &admin, &format!("{status}的协会"), n);
        set_org_status(&app, &admin, &other, status);
        let res = create(
            &app,
            Some(&admin),
            &json!({"organization_id": other, "county_code": COUNTY}),
        );
        assert_eq!(res.status, 409, "{status}: {}", res.text);
        let problem = res.problem(409, "conflict");
        assert_eq!(
            problem["errors"][0]["code"], "organization_not_active",
            "{problem}"
        );
    }
    assert_eq!(total_pairings(&app), 0);

    // One open pairing per organization and county.
    let first = open(&app, &admin, &org, COUNTY, &json!({}));
    let res = create(&app, Some(&admin), &body(COUNTY, json!({"batch": 2})));
    assert_error(&res, 409, "county_code", "already_paired", "second");
    // Signed is still open.
    let res = sign(
        &app,
        Some(&admin),
        &id_of(&first),
        &json!({"agreement_no": "协议1号", "signed_on": today()}),
    );
    assert_eq!(res.status, 200, "{}", res.text);
    let res = create(&app, Some(&admin), &body(COUNTY, json!({})));
    assert_error(&res, 409, "county_code", "already_paired", "signed");
    // Another county, or another organization, is fine.
    open(&app, &admin, &org, OTHER_COUNTY, &json!({}));
    let second_org = organization(&app, &admin, "第二个协会", 4);
    open(&app, &admin, &second_org, COUNTY, &json!({}));
    // After the first one ends, the county can be paired again.
    let res = terminate(
        &app,
        Some(&admin),
        &id_of(&first),
        &json!({"reason": "到期"}),
    );
    assert_eq!(res.status, 200, "{}", res.text);
    let again = open(&app, &admin, &org, COUNTY, &json!({}));
    assert_ne!(id_of(&again), id_of(&first));
    assert_eq!(again["status"], "pending_agreement");
    assert_eq!(total_pairings(&app), 4);
}

#[test]
fn only_province_admins_open_pairings() {
    let app = TestApp::spawn();
    let admin = app.admin_token();
    let org = organization(&app, &admin, "某协会", 1);
    let body = json!({"organization_id": org, "county_code": COUNTY});
    for user in [
        app.create_user("viewer", None, None),
        app.create_user("integration", None, None),
        app.create_user("county_officer", Some(COUNTY), None),
        app.create_user("prefecture_officer", Some("5301"), None),
        app.create_user("org_user", None, Some(&org)),
    ] {
        create(&app, Some(&user.token), &body).problem(403, "forbidden");
    }
    create(&app, None, &body).problem(401, "unauthorized");
    assert_eq!(total_pairings(&app), 0);
}

// --- Signing and ending -----------------------------------------------------------

#[test]
fn signing_the_agreement() {
    let app = TestApp::spawn();
    let admin = app.admin_token();
    let org = organization(&app, &admin, "签约的协会", 1);
    let other_org = organization(&app, &admin, "别的协会", 2);
    let member = app.create_user("org_user", None, Some(&org));
    let outsider = app.create_user("org_user", None, Some(&other_org));
    let viewer = app.create_user("viewer", None, None);
    let officer = app.create_user("county_officer", Some(COUNTY), None);
    let p = open(
        &app,
        &admin,
        &org,
        COUNTY,
        &json!({"established_on": "2024-03-01"}),
    );
    let id = id_of(&p);
    let good = json!({"agreement_no": " 滇社助振协〔2024〕15号 ", "signed_on": "2024-04-01"});

    // Not theirs to sign.
    sign(&app, Some(&outsider.token), &id, &good).problem(403, "forbidden");
    sign(&app, Some(&viewer.token), &id, &good).problem(403, "forbidden");
    sign(&app, Some(&officer.token), &id, &good).problem(403, "forbidden");
    sign(&app, None, &id, &good).problem(401, "unauthorized");
    // Not a valid signing.
    for (body, field, code) in [
        (
            json!({"agreement_no": "", "signed_on": "2024-04-01"}),
            "agreement_no",
            "required",
        ),
        (
            json!({"agreement_no": "   ", "signed_on": "2024-04-01"}),
            "agreement_no",
            "required",
        ),
        (
            json!({"agreement_no": "号".repeat(65), "signed_on": "2024-04-01"}),
            "agreement_no",
            "too_long",
        ),
        (
            json!({"agreement_no": "1号", "signed_on": shanghai_day(1)}),
            "signed_on",
            "in_future",
        ),
        (
            json!({"agreement_no": "1号", "signed_on": "2024-02-29"}),
            "signed_on",
            "before_established",
        ),
        (json!({"agreement_no": "1号"}), "signed_on", "required"),
    ] {
        let res = sign(&app, Some(&admin), &id, &body);
        assert_error(&res, 422, field, code, &body.to_string());
    }
    // A stale If-Match.
    action(
        &app,
        Some(&admin),
        &id,
        "sign",
        &good,
        &[("If-Match", "\"2\"")],
    )
    .problem(412, "precondition_failed");
    let unchanged = get_pairing(&app, Some(&admin), &id);
    assert_eq!(unchanged["status"], "pending_agreement");
    assert_eq!(unchanged["version"], 1);
    assert_eq!(unchanged["agreement_no"], Value::Null);

    // The organization's own user signs.
    let res = action(
        &app,
        Some(&member.token),
        &id,
        "sign",
        &good,
        &[("If-Match", "\"1\"")],
    );
    assert_eq!(res.status, 200, "{}", res.text);
    assert_eq!(res.header("etag"), Some("\"2\""));
    let signed = res.json();
    assert_eq!(signed["status"], "signed");
    assert_eq!(signed["agreement_no"], "滇社助振协〔2024〕15号");
    assert_eq!(signed["agreement_signed_on"], "2024-04-01");
    assert_eq!(signed["overdue"], false);
    assert_eq!(signed["version"], 2);
    let now = get_pairing(&app, Some(&admin), &id);
    assert_eq!(now["status"], "signed");
    assert_eq!(now["agreement_no"], "滇社助振协〔2024〕15号");
    assert_eq!(now["agreement_signed_on"], "2024-04-01");

    // Signing twice.
    let res = sign(&app, Some(&admin), &id, &good);
    assert_error(&res, 409, "status", "already_signed", "twice");
    let res = sign(&app, Some(&member.token), &id, &good);
    assert_error(&res, 409, "status", "already_signed", "twice, member");

    // The admin signs another; a terminated one cannot be signed.
    let second = id_of(&open(&app, &admin, &org, OTHER_COUNTY, &json!({})));
    let res = sign(
        &app,
        Some(&admin),
        &second,
        &json!({"agreement_no": "2号", "signed_on": today()}),
    );
    assert_eq!(res.status, 200, "{}", res.text);
    assert_eq!(res.json()["agreement_signed_on"], today().as_str());
    let third = id_of(&open(&app, &admin, &org, QUJING_COUNTY, &json!({})));
    let res = terminate(&app, Some(&admin), &third, &json!({"reason": "撤销"}));
    assert_eq!(res.status, 200, "{}", res.text);
    let res = sign(
        &app,
        Some(&admin),
        &third,
        &json!({"agreement_no": "3号", "signed_on": today()}),
    );
    assert_error(&res, 409, "status", "terminated", "terminated");

    // No such pairing.
    sign(&app, Some(&admin), &uuid::Uuid::now_v7().to_string(), &good).problem(404, "not_found");
    sign(&app, Some(&admin), "nope", &good).problem(404, "not_found");

    // One audit entry and one event per signing, none for the refusals.
    assert_eq!(
        audit_actions(&app, &admin, "pairing", &id),
        ["sign", "create"]
    );
    assert_eq!(
        event_actions(&app, &admin, "pairing", &id),
        ["create", "sign"]
    );
    assert_eq!(
        audit_actions(&app, &admin, "pairing", &third),
        ["terminate", "create"]
    );
}

#[test]
fn ending_pairings() {
    let app = TestApp::spawn();
    let admin = app.admin_token();
    let org = organization(&app, &admin, "终止的协会", 1);
    let member = app.create_user("org_user", None, Some(&org));
    let viewer = app.create_user("viewer", None, None);
    let p = open(
        &app,
        &admin,
        &org,
        COUNTY,
        &json!({"established_on": "2024-03-01"}),
    );
    let id = id_of(&p);

    terminate(
        &app,
        Some(&member.token),
        &id,
        &json!({"reason": "不想干了"}),
    )
    .problem(403, "forbidden");
    terminate(&app, Some(&viewer.token), &id, &json!({"reason": "x"})).problem(403, "forbidden");
    terminate(&app, None, &id, &json!({"reason": "x"})).problem(401, "unauthorized");
    for body in [json!({"reason": ""}), json!({"reason": "  "}), json!({})] {
        let res = terminate(&app, Some(&admin), &id, &body);
        assert_error(&res, 422, "reason", "required", &body.to_string());
    }
    let res = terminate(
        &app,
        Some(&admin),
        &id,
        &json!({"reason": "原".repeat(501)}),
    );
    assert_error(&res, 422, "reason", "too_long", "long reason");
    let res = terminate(
        &app,
        Some(&admin),
        &id,
        &json!({"reason": "x", "terminated_on": shanghai_day(1)}),
    );
    assert_error(&res, 422, "terminated_on", "in_future", "tomorrow");
    let res = terminate(
        &app,
        Some(&admin),
        &id,
        &json!({"reason": "x", "terminated_on": "2024-02-01"}),
    );
    assert_error(
        &res,
        422,
        "terminated_on",
        "before_established",
        "before it began",
    );
    action(
        &app,
        Some(&admin),
        &id,
        "terminate",
        &json!({"reason": "x"}),
        &[("If-Match", "\"9\"")],
    )
    .problem(412, "precondition_failed");
    let unchanged = get_pairing(&app, Some(&admin), &id);
    assert_eq!(unchanged["status"], "pending_agreement");
    assert_eq!(unchanged["version"], 1);

    let res = action(
        &app,
        Some(&admin),
        &id,
        "terminate",
        &json!({"reason": " 社会组织注销 ", "terminated_on": "2024-06-01"}),
        &[("If-Match", "\"1\"")],
    );
    assert_eq!(res.status, 200, "{}", res.text);
    assert_eq!(res.header("etag"), Some("\"2\""));
    let ended = res.json();
    assert_eq!(ended["status"], "terminated");
    assert_eq!(ended["terminated_on"], "2024-06-01");
    assert_eq!(ended["termination_reason"], "社会组织注销");
    assert_eq!(
        ended["overdue"], false,
        "a terminated pairing is not overdue"
    );
    assert_eq!(get_pairing(&app, None, &id)["status"], "terminated");

    // Twice.
    let res = terminate(&app, Some(&admin), &id, &json!({"reason": "再来一次"}));
    assert_error(&res, 409, "status", "terminated", "twice");

    // A signed pairing can end too, by default today.
    let second = id_of(&open(&app, &admin, &org, OTHER_COUNTY, &json!({})));
    let res = sign(
        &app,
        Some(&admin),
        &second,
        &json!({"agreement_no": "9号", "signed_on": today()}),
    );
    assert_eq!(res.status, 200, "{}", res.text);
    let res = terminate(&app, Some(&admin), &second, &json!({"reason": "调整"}));
    assert_eq!(res.status, 200, "{}", res.text);
    let ended = res.json();
    assert_eq!(ended["status"], "terminated");
    assert_eq!(ended["terminated_on"], today().as_str());
    assert_eq!(ended["agreement_no"], "9号");

    assert_eq!(
        audit_actions(&app, &admin, "pairing", &id),
        ["terminate", "create"]
    );
    assert_eq!(
        event_actions(&app, &admin, "pairing", &second),
        ["create", "sign", "terminate"]
    );
}

// --- Reading ------------------------------------------------------------------------

#[test]
fn agreement_numbers_are_shown_only_to_those_who_may_see_them() {
    let app = TestApp::spawn();
    let admin = app.admin_token();
    let org = organization(&app, &admin, "有协议的协会", 1);
    let other_org = organization(&app, &admin, "旁观的协会", 2);
    let id = id_of(&open(&app, &admin, &org, COUNTY, &json!({})));
    let res = sign(
        &app,
        Some(&admin),
        &id,
        &json!({"agreement_no": "滇协〔2024〕7号", "signed_on": today()}),
    );
    assert_eq!(res.status, 200, "{}", res.text);

    let token = |role: &str, region: Option<&str>, org: Option<&str>| {
        app.create_user(role, region, org).token
    };
    let sees: Vec<(&str, String)> = vec![
        ("admin", admin.clone()),
        ("viewer", token("viewer", None, None)),
        ("integration", token("integration", None, None)),
        (
            "county officer of 530102",
            token("county_officer", Some(COUNTY), None),
        ),
        (
            "prefecture officer of 5301",
            token("prefecture_officer", Some("5301"), None),
        ),
        (
            "the organization's user",
            token("org_user", None, Some(&org)),
        ),
    ];
    let does_not: Vec<(&str, Option<String>)> = vec![
        ("anonymous", None),
        (
            "county officer of 530103",
            Some(token("county_officer", Some(OTHER_COUNTY), None)),
        ),
        (
            "prefecture officer of 5303",
            Some(token("prefecture_officer", Some("5303"), None)),
        ),
        (
            "another organization's user",
            Some(token("org_user", None, Some(&other_org))),
        ),
    ];
    for (who, token) in &sees {
        let p = get_pairing(&app, Some(token), &id);
        assert_eq!(p["agreement_no"], "滇协〔2024〕7号", "{who}: {p}");
        let page = list(&app, Some(token), "");
        assert_eq!(page["items"][0]["agreement_no"], "滇协〔2024〕7号", "{who}");
    }
    for (who, token) in &does_not {
        let res = app.request("GET", &pairing_path(&id), token.as_deref(), None, &[]);
        assert_eq!(res.status, 200, "{who}: {}", res.text);
        let p = res.json();
        assert!(
            !p.as_object().unwrap().contains_key("agreement_no"),
            "{who}: {p}"
        );
        assert!(!res.text.contains("7号"), "{who}: {}", res.text);
        // The rest of the pairing is public.
        assert_eq!(p["status"], "signed", "{who}");
        assert_eq!(p["organization_name"], "有协议的协会", "{who}");
        let res = app.request("GET", PAIRINGS, token.as_deref(), None, &[]);
        assert_eq!(res.status, 200, "{who}: {}", res.text);
        let page = res.json();
        assert_eq!(page["total"], 1, "{who}");
        assert!(
            !page["items"][0]
                .as_object()
                .unwrap()
                .contains_key("agreement_no"),
            "{who}: {page}"
        );
        assert!(!res.text.contains("7号"), "{who}");
    }

    // A token that is not valid is refused, not taken for none.
    for path in [PAIRINGS.to_owned(), pairing_path(&id)] {
        app.request("GET", &path, Some("garbage"), None, &[])
            .problem(401, "unauthorized");
    }
    // Unknown ids.
    app.get(&pairing_path(&uuid::Uuid::now_v7().to_string()))
        .problem(404, "not_found");
    app.get(&pairing_path("nope")).problem(404, "not_found");
}

#[test]
fn the_pairing_list_filters_and_pages() {
    let app = TestApp::spawn();
    let admin = app.admin_token();
    let a = organization(&app, &admin, "甲协会", 1);
    let b = organization(&app, &admin, "乙协会", 2);
    let a_wuhua = id_of(&open(&app, &admin, &a, COUNTY, &json!({})));
    let a_panlong = id_of(&open(&app, &admin, &a, OTHER_COUNTY, &json!({"batch": 2})));
    let b_wuhua = id_of(&open(
        &app,
        &admin,
        &b,
        COUNTY,
        &json!({"established_on": "2023-03-01"}),
    ));
    let b_qilin = id_of(&open(&app, &admin, &b, QUJING_COUNTY, &json!({})));
    let res = sign(
        &app,
        Some(&admin),
        &a_panlong,
        &json!({"agreement_no": "1号", "signed_on": today()}),
    );
    assert_eq!(res.status, 200, "{}", res.text);
    let res = terminate(&app, Some(&admin), &b_qilin, &json!({"reason": "调整"}));
    assert_eq!(res.status, 200, "{}", res.text);

    let all = list(&app, None, "");
    assert_eq!(all["total"], 4);
    let filtered = |query: &str| ids(&list(&app, None, query));
    assert_eq!(
        filtered(&format!("organization_id={a}")),
        sorted(vec![a_wuhua.clone(), a_panlong.clone()])
    );
    assert_eq!(
        filtered(&format!("county={COUNTY}")),
        sorted(vec![a_wuhua.clone(), b_wuhua.clone()])
    );
    assert_eq!(
        filtered("prefecture=5301"),
        sorted(vec![a_wuhua.clone(), a_panlong.clone(), b_wuhua.clone()])
    );
    assert_eq!(filtered("prefecture=5303"), [b_qilin.as_str()]);
    assert!(filtered("prefecture=5304").is_empty());
    assert_eq!(filtered("status=signed"), [a_panlong.as_str()]);
    assert_eq!(filtered("status=terminated"), [b_qilin.as_str()]);
    assert_eq!(
        filtered("status=pending_agreement"),
        sorted(vec![a_wuhua.clone(), b_wuhua.clone()])
    );
    assert_eq!(filtered("batch=2"), [a_panlong.as_str()]);
    assert_eq!(filtered("batch=1").len(), 3);
    assert_eq!(
        filtered(&format!("organization_id={b}&county={COUNTY}")),
        [b_wuhua.as_str()]
    );

    // Overdue: pending past its deadline (2023-12-31).
    let overdue = get_pairing(&app, None, &b_wuhua);
    assert_eq!(overdue["agreement_deadline"], "2023-12-31");
    assert_eq!(overdue["overdue"], true);
    assert_eq!(filtered("overdue=true"), [b_wuhua.as_str()]);
    assert_eq!(
        filtered("overdue=false"),
        sorted(vec![a_wuhua.clone(), a_panlong.clone(), b_qilin.clone()])
    );
    for item in all["items"].as_array().unwrap() {
        assert_eq!(item["overdue"], item["id"] == b_wuhua.as_str(), "{item}");
    }

    // Key counties, designated through the regions.
    assert!(filtered("key_county=any").is_empty());
    let res = app.request(
        "PATCH",
        &format!("/api/v1/regions/{OTHER_COUNTY}"),
        Some(&admin),
        Some(&json!({"key_county": "national"})),
        &[("If-Match", "\"1\"")],
    );
    assert_eq!(res.status, 200, "{}", res.text);
    assert_eq!(filtered("key_county=national"), [a_panlong.as_str()]);
    assert_eq!(filtered("key_county=any"), [a_panlong.as_str()]);
    assert!(filtered("key_county=provincial").is_empty());
    assert_eq!(
        get_pairing(&app, None, &a_panlong)["key_county"],
        "national"
    );

    // Paging.
    let first = list(&app, None, "page_size=3");
    assert_eq!(first["total"], 4);
    assert_eq!(first["page_size"], 3);
    assert_eq!(first["items"].as_array().unwrap().len(), 3);
    let second = list(&app, None, "page_size=3&page=2");
    assert_eq!(second["total"], 4);
    assert_eq!(second["page"], 2);
    assert_eq!(second["items"].as_array().unwrap().len(), 1);
    let mut seen = ids(&first);
    seen.extend(ids(&second));
    assert_eq!(sorted(seen), ids(&all));
    let page = list(&app, None, "status=pending_agreement&page_size=1");
    assert_eq!(page["total"], 2);
    assert_eq!(page["items"].as_array().unwrap().len(), 1);
    let by_date = list(&app, None, "sort=established_on");
    assert_eq!(by_date["items"][0]["id"], b_wuhua.as_str());

    // Filters that cannot be read.
    for query in [
        "status=bogus",
        "batch=0",
        "county=abc",
        "organization_id=x",
        "overdue=maybe",
        "key_county=global",
        "sort=name",
    ] {
        let res = app.get(&format!("{PAIRINGS}?{query}"));
        assert!(
            res.status == 400 || res.status == 422,
            "{query}: {} {}",
            res.status,
            res.text
        );
        assert_eq!(
            res.header("content-type"),
            Some("application/problem+json"),
            "{query}"
        );
    }
}

#[test]
fn the_county_summary_tells_how_it_is_helped() {
    let app = TestApp::spawn();
    let admin = app.admin_token();
    let summary = |code: &str| {
        let res = app.get(&format!("/api/v1/counties/{code}/pairing-summary"));
        assert_eq!(res.status, 200, "{code}: {}", res.text);
        res.json()
    };
    let s = summary(COUNTY);
    assert_eq!(s["county_code"], COUNTY);
    assert_eq!(s["county_name"], "五华区");
    assert_eq!(s["help_mode"], "none");
    assert_eq!(s["organizations_count"], 0);
    assert_eq!(s["organizations"], json!([]));

    let orgs: Vec<String> = (1..=3)
        .map(|n| organization(&app, &admin, &format!("第{n}个协会"), n))
        .collect();
    let mut pairings = Vec::new();
    for (org, mode) in orgs.iter().zip(["one_to_one", "many_to_one", "group"]) {
        pairings.push(id_of(&open(&app, &admin, org, COUNTY, &json!({}))));
        let s = summary(COUNTY);
        assert_eq!(s["help_mode"], mode, "{s}");
        assert_eq!(s["organizations_count"], pairings.len(), "{s}");
        assert_eq!(s["organizations"].as_array().unwrap().len(), pairings.len());
    }
    let s = summary(COUNTY);
    let first = &s["organizations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["pairing_id"] == pairings[0].as_str())
        .unwrap()
        .clone();
    assert_eq!(first["organization_id"], orgs[0].as_str());
    assert_eq!(first["organization_name"], "第1个协会");
    assert_eq!(first["status"], "pending_agreement");
    assert_eq!(first["batch"], 1);
    assert_eq!(first["overdue"], false);
    // Other counties are not affected.
    assert_eq!(summary(OTHER_COUNTY)["help_mode"], "none");

    // A terminated pairing no longer counts.
    let res = terminate(&app, Some(&admin), &pairings[2], &json!({"reason": "退出"}));
    assert_eq!(res.status, 200, "{}", res.text);
    let s = summary(COUNTY);
    assert_eq!(s["help_mode"], "many_to_one", "{s}");
    assert_eq!(s["organizations_count"], 2);
    assert!(s["organizations"]
        .as_array()
        .unwrap()
        .iter()
        .all(|o| o["pairing_id"] != pairings[2].as_str()));
    let res = terminate(&app, Some(&admin), &pairings[1], &json!({"reason": "退出"}));
    assert_eq!(res.status, 200, "{}", res.text);
    let s = summary(COUNTY);
    assert_eq!(s["help_mode"], "one_to_one", "{s}");
    assert_eq!(s["organizations_count"], 1);
    // A signed pairing counts.
    let res = sign(
        &app,
        Some(&admin),
        &pairings[0],
        &json!({"agreement_no": "1号", "signed_on": today()}),
    );
    assert_eq!(res.status, 200, "{}", res.text);
    let s = summary(COUNTY);
    assert_eq!(s["help_mode"], "one_to_one", "{s}");
    assert_eq!(s["organizations"][0]["status"], "signed");

    // Only counties have a summary.
    for code in ["5301", "530102001", "539999", "53", "abc"] {
        app.get(&format!("/api/v1/counties/{code}/pairing-summary"))
            .problem(404, "not_found");
    }
}

#[test]
fn overdue_is_judged_by_the_shanghai_calendar() {
    let app = TestApp::spawn();
    let admin = app.admin_token();
    let org = organization(&app, &admin, "期限的协会", 1);
    // Due yesterday: overdue. Due today: not yet.
    let late = id_of(&open(
        &app,
        &admin,
        &org,
        COUNTY,
        &json!({"established_on": shanghai_day(-2), "agreement_deadline": shanghai_day(-1)}),
    ));
    let due_today = id_of(&open(
        &app,
        &admin,
        &org,
        OTHER_COUNTY,
        &json!({"established_on": shanghai_day(-2), "agreement_deadline": today()}),
    ));
    assert_eq!(get_pairing(&app, None, &late)["overdue"], true);
    assert_eq!(get_pairing(&app, None, &due_today)["overdue"], false);
    assert_eq!(ids(&list(&app, None, "overdue=true")), [late.as_str()]);
    assert_eq!(
        ids(&list(&app, None, "overdue=false")),
        [due_today.as_str()]
    );
    // Signing ends being overdue, even late.
    let res = sign(
        &app,
        Some(&admin),
        &late,
        &json!({"agreement_no": "迟到的协议", "signed_on": today()}),
    );
    assert_eq!(res.status, 200, "{}", res.text);
    assert_eq!(res.json()["overdue"], false);
    assert!(ids(&list(&app, None, "overdue=true")).is_empty());
    assert_eq!(list(&app, None, "overdue=false")["total"], 2);
    // So does ending it.
    let old = id_of(&open(
        &app,
        &admin,
        &org,
        QUJING_COUNTY,
        &json!({"established_on": "2023-03-01"}),
    ));
    assert_eq!(ids(&list(&app, None, "overdue=true")), [old.as_str()]);
    let summary = app
        .get(&format!("/api/v1/counties/{QUJING_COUNTY}/pairing-summary"))
        .json();
    assert_eq!(summary["organizations"][0]["overdue"], true, "{summary}");
    let res = terminate(&app, Some(&admin), &old, &json!({"reason": "逾期未签"}));
    assert_eq!(res.status, 200, "{}", res.text);
    assert!(ids(&list(&app, None, "overdue=true")).is_empty());
}

#[test]
fn conditional_gets_of_a_pairing() {
    let app = TestApp::spawn();
    let admin = app.admin_token();
    let org = organization(&app, &admin, "条件读取的协会", 1);
    let id = id_of(&open(&app, &admin, &org, COUNTY, &json!({})));
    let res = app.get_with(&pairing_path(&id), &[("If-None-Match", "\"1\"")]);
    assert_eq!(res.status, 304, "{}", res.text);
    let res = sign(
        &app,
        Some(&admin),
        &id,
        &json!({"agreement_no": "1号", "signed_on": today()}),
    );
    assert_eq!(res.status, 200, "{}", res.text);
    let res = app.get_with(&pairing_path(&id), &[("If-None-Match", "\"1\"")]);
    assert_eq!(res.status, 200, "{}", res.text);
    assert_eq!(res.header("etag"), Some("\"2\""));
}

#[test]
fn concurrent_openings_of_one_pairing_let_exactly_one_through() {
    let app = TestApp::spawn();
    let admin = app.admin_token();
    let org = organization(&app, &admin, "并发结对的协会", 1);
    let barrier = std::sync::Barrier::new(4);
    let statuses: Vec<u16> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..4)
            .map(|_| {
                let (app, admin, barrier, org) = (&app, &admin, &barrier, &org);
                s.spawn(move || {
                    barrier.wait();
                    let res = create(
                        app,
                        Some(admin),
                        &json!({"organization_id": org, "county_code": COUNTY}),
                    );
                    if res.status != 201 {
                        assert_error(
                            &res,
                            409,
                            "county_code",
                            "already_paired",
                            "a racing opening",
                        );
                    }
                    res.status
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    assert_eq!(
        statuses.iter().filter(|s| **s == 201).count(),
        1,
        "{statuses:?}"
    );
    assert_eq!(total_pairings(&app), 1);
}

#[test]
fn concurrent_signings_let_exactly_one_through() {
    let app = TestApp::spawn();
    let admin = app.admin_token();
    let org = organization(&app, &admin, "并发签约的协会", 1);
    let member = app.create_user("org_user", None, Some(&org));
    let id = id_of(&open(&app, &admin, &org, COUNTY, &json!({})));
    let barrier = std::sync::Barrier::new(4);
    let tokens = [&admin, &member.token, &admin, &member.token];
    let results: Vec<(u16, String)> = std::thread::scope(|s| {
        let handles: Vec<_> = tokens
            .iter()
            .enumerate()
            .map(|(i, token)| {
                let (app, barrier, id) = (&app, &barrier, &id);
                s.spawn(move || {
                    let number = format!("协议{i}号");
                    barrier.wait();
                    let res = sign(
                        app,
                        Some(token),
                        id,
                        &json!({"agreement_no": number, "signed_on": today()}),
                    );
                    if res.status != 200 {
                        assert_error(&res, 409, "status", "already_signed", "a racing signing");
                    }
                    (res.status, number)
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let winners: Vec<&(u16, String)> = results.iter().filter(|(s, _)| *s == 200).collect();
    assert_eq!(winners.len(), 1, "{results:?}");
    let p = get_pairing(&app, Some(&admin), &id);
    assert_eq!(p["agreement_no"], winners[0].1.as_str());
    assert_eq!(p["version"], 2);
    assert_eq!(
        audit_actions(&app, &admin, "pairing", &id),
        ["sign", "create"]
    );
}

#[test]
fn the_servers_clock_decides_today() {
    // 2024-12-31 16:30 UTC is already 2025-01-01 in Asia/Shanghai.
    let app = TestApp::spawn_with(|config| {
        config.clock = api::services::clock::Clock::fixed_at("2024-12-31T16:30:00Z").unwrap();
    });
    let admin = app.admin_token();
    let org = organization(&app, &admin, "时钟测试协会", 41);
    let pairing = open(&app, &admin, &org, COUNTY, &json!({}));
    assert_eq!(pairing["established_on"], "2025-01-01", "{pairing}");
    assert_eq!(pairing["agreement_deadline"], "2025-12-31", "{pairing}");
    // Not overdue on the server's day, whatever the machine's date.
    assert_eq!(pairing["overdue"], false, "{pairing}");
    // A date after the server's today is in the future, even if the machine is past it.
    let res = sign(
        &app,
        Some(&admin),
        &id_of(&pairing),
        &json!({"agreement_no": "滇社助振协〔2025〕1号", "signed_on": "2025-01-02"}),
    );
    assert_eq!(res.status, 422, "{}", res.text);
}
