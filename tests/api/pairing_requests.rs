//! `/api/v1/pairing-requests`: organizations ask, with an official document, to add a
//! pairing or move one to another county; who files, who sees, who decides; an
//! approval applies the change in the same transaction, so a refused one leaves
//! nothing behind, black-box over HTTP.

use crate::support::{assert_error, id_of, register_organization as organization, set_org_status};
use serde_json::{json, Value};
use tests::{Response, TestApp, TestUser};

const REQUESTS: &str = "/api/v1/pairing-requests";
const COUNTY: &str = "530102";
const OTHER_COUNTY: &str = "530103";
const QUJING_COUNTY: &str = "530302";

// --- Helpers --------------------------------------------------------------------

/// Opens a pairing as the admin; returns its id.
fn open_pairing(app: &TestApp, admin: &str, org: &str, county: &str) -> String {
    let res = app.request(
        "POST",
        "/api/v1/pairings",
        Some(admin),
        Some(&json!({"organization_id": org, "county_code": county})),
        &[],
    );
    assert_eq!(res.status, 201, "{}", res.text);
    id_of(&res.json())
}

fn get_pairing(app: &TestApp, admin: &str, id: &str) -> Value {
    let res = app.request(
        "GET",
        &format!("/api/v1/pairings/{id}"),
        Some(admin),
        None,
        &[],
    );
    assert_eq!(res.status, 200, "{id}: {}", res.text);
    res.json()
}

fn pairings_of(app: &TestApp, org: &str) -> Vec<Value> {
    let res = app.get(&format!("/api/v1/pairings?organization_id={org}"));
    assert_eq!(res.status, 200, "{}", res.text);
    res.json()["items"].as_array().unwrap().clone()
}

fn request_path(id: &str) -> String {
    format!("{REQUESTS}/{id}")
}

fn file(app: &TestApp, token: Option<&str>, body: &Value) -> Response {
    app.request("POST", REQUESTS, token, Some(body), &[])
}

/// Files a request that must go through; returns it.
fn filed(app: &TestApp, token: &str, body: &Value) -> Value {
    let res = file(app, Some(token), body);
    assert_eq!(res.status, 201, "{body}: {}", res.text);
    res.json()
}

fn add(county: &str, document_no: &str) -> Value {
    json!({"kind": "add", "county_code": county, "document_no": document_no})
}

fn adjust(from: &str, county: &str, document_no: &str) -> Value {
    json!({
        "kind": "adjust",
        "county_code": county,
        "from_pairing_id": from,
        "document_no": document_no,
        "reason": "调整帮扶县",
    })
}

fn get_request(app: &TestApp, token: &str, id: &str) -> Response {
    app.request("GET", &request_path(id), Some(token), None, &[])
}

fn stored_request(app: &TestApp, admin: &str, id: &str) -> Value {
    let res = get_request(app, admin, id);
    assert_eq!(res.status, 200, "{}", res.text);
    res.json()
}

fn list(app: &TestApp, token: &str, query: &str) -> Value {
    let res = app.request(
        "GET",
        &format!("{REQUESTS}?{query}"),
        Some(token),
        None,
        &[],
    );
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

fn decide(app: &TestApp, token: Option<&str>, id: &str, how: &str, body: &Value) -> Response {
    app.request(
        "POST",
        &format!("{REQUESTS}/{id}/{how}"),
        token,
        Some(body),
        &[],
    )
}

fn audit(app: &TestApp, admin: &str, query: &str) -> Value {
    let res = app.request(
        "GET",
        &format!("/api/v1/audit-log?page_size=100&{query}"),
        Some(admin),
        None,
        &[],
    );
    assert_eq!(res.status, 200, "{}", res.text);
    res.json()
}

fn audit_actions(app: &TestApp, admin: &str, entity: &str, id: &str) -> Vec<String> {
    audit(app, admin, &format!("entity={entity}&entity_id={id}"))["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap().to_owned())
        .collect()
}

fn events(app: &TestApp, admin: &str) -> Vec<Value> {
    let res = app.request("GET", "/api/v1/events?limit=1000", Some(admin), None, &[]);
    assert_eq!(res.status, 200, "{}", res.text);
    res.json()["items"].as_array().unwrap().clone()
}

fn event_actions(app: &TestApp, admin: &str, entity: &str, id: &str) -> Vec<String> {
    events(app, admin)
        .iter()
        .filter(|e| e["entity"] == entity && e["entity_id"] == id)
        .map(|e| e["action"].as_str().unwrap().to_owned())
        .collect()
}

/// How much the journal holds: audit entries and events.
fn journal_size(app: &TestApp, admin: &str) -> (i64, usize) {
    (
        audit(app, admin, "")["total"].as_i64().unwrap(),
        events(app, admin).len(),
    )
}

/// The events about pairings and requests.
fn pairing_events(app: &TestApp, admin: &str) -> Vec<Value> {
    events(app, admin)
        .into_iter()
        .filter(|e| e["entity"] == "pairing" || e["entity"] == "pairing_request")
        .collect()
}

/// An organization with one member.
struct Org {
    id: String,
    member: TestUser,
}

fn org_with_member(app: &TestApp, admin: &str, name: &str, n: u32) -> Org {
    let id = organization(app, admin, name, n);
    let member = app.create_user("org_user", None, Some(&id));
    Org { id, member }
}

// --- Filing ---------------------------------------------------------------------

#[test]
fn organizations_file_requests_for_themselves() {
    let app = TestApp::spawn();
    let admin = app.admin_token();
    let mine = org_with_member(&app, &admin, "申请的协会", 1);
    let theirs = org_with_member(&app, &admin, "别人的协会", 2);

    // Their own organization by default.
    let res = file(
        &app,
        Some(&mine.member.token),
        &json!({
            "kind": "add",
            "county_code": COUNTY,
            "document_no": " 滇社函〔2024〕8号 ",
            "reason": "  结对帮扶  ",
        }),
    );
    assert_eq!(res.status, 201, "{}", res.text);
    let r = res.json();
    let id = id_of(&r);
    assert!(uuid::Uuid::parse_str(&id).is_ok());
    assert_eq!(res.header("location"), Some(request_path(&id).as_str()));
    assert_eq!(res.header("etag"), Some("\"1\""));
    assert_eq!(r["organization_id"], mine.id.as_str());
    assert_eq!(r["kind"], "add");
    assert_eq!(r["county_code"], COUNTY);
    assert_eq!(r["from_pairing_id"], Value::Null);
    assert_eq!(r["document_no"], "滇社函〔2024〕8号");
    assert_eq!(r["reason"], "结对帮扶");
    assert_eq!(r["status"], "submitted");
    assert_eq!(r["decided_by"], Value::Null);
    assert_eq!(r["decided_at"], Value::Null);
    assert_eq!(r["decision_note"], Value::Null);
    assert_eq!(r["pairing_id"], Value::Null);
    assert_eq!(r["version"], 1);
    assert_eq!(stored_request(&app, &admin, &id), r);
    assert_eq!(
        audit_actions(&app, &admin, "pairing_request", &id),
        ["create"]
    );
    assert_eq!(
        event_actions(&app, &admin, "pairing_request", &id),
        ["create"]
    );

    // Naming their own organization is the same.
    let mut body = add(OTHER_COUNTY, "2号");
    body["organization_id"] = json!(mine.id);
    assert_eq!(
        filed(&app, &mine.member.token, &body)["organization_id"],
        mine.id.as_str()
    );
    // Naming another is refused, naming the field.
    let mut body = add(COUNTY, "3号");
    body["organization_id"] = json!(theirs.id);
    let res = file(&app, Some(&mine.member.token), &body);
    assert_error(
        &res,
        403,
        "organization_id",
        "forbidden",
        "another organization",
    );
    // Other roles file for nobody.
    for user in [
        app.create_user("viewer", None, None),
        app.create_user("county_officer", Some(COUNTY), None),
    ] {
        let res = file(&app, Some(&user.token), &body);
        assert_error(&res, 403, "organization_id", "forbidden", "not an org user");
    }
    file(&app, None, &add(COUNTY, "4号")).problem(401, "unauthorized");

    // A province admin files for any organization, naming it.
    let res = file(&app, Some(&admin), &add(COUNTY, "5号"));
    assert_error(
        &res,
        422,
        "organization_id",
        "required",
        "admin, no organization",
    );
    let mut body = add(COUNTY, "5号");
    body["organization_id"] = json!(theirs.id);
    assert_eq!(
        filed(&app, &admin, &body)["organization_id"],
        theirs.id.as_str()
    );

    assert_eq!(list(&app, &admin, "")["total"], 3);
}

#[test]
fn requests_are_validated() {
    let app = TestApp::spawn();
    let admin = app.admin_token();
    let org = org_with_member(&app, &admin, "校验的协会", 1);
    let other = organization(&app, &admin, "另一个协会", 2);
    let token = org.member.token.as_str();
    let mine = open_pairing(&app, &admin, &org.id, COUNTY);
    let foreign = open_pairing(&app, &admin, &other, COUNTY);

    let res = file(
        &app,
        Some(token),
        &json!({"kind": "adjust", "county_code": OTHER_COUNTY, "document_no": "1号"}),
    );
    assert_error(
        &res,
        422,
        "from_pairing_id",
        "required",
        "adjust without from",
    );
    let res = file(
        &app,
        Some(token),
        &json!({"kind": "add", "county_code": OTHER_COUNTY, "from_pairing_id": mine, "document_no": "1号"}),
    );
    assert_error(
        &res,
        422,
        "from_pairing_id",
        "not_applicable",
        "add with from",
    );
    for document_no in ["", "   "] {
        let res = file(&app, Some(token), &add(OTHER_COUNTY, document_no));
        assert_error(&res, 422, "document_no", "required", "no document");
    }
    let res = file(
        &app,
        Some(token),
        &json!({"kind": "add", "county_code": OTHER_COUNTY}),
    );
    assert_error(&res, 422, "document_no", "required", "document missing");
    let res = file(&app, Some(token), &add(OTHER_COUNTY, &"号".repeat(101)));
    assert_error(&res, 422, "document_no", "too_long", "long document");
    for not_county in ["5301", "530102001", "53"] {
        let res = file(&app, Some(token), &add(not_county, "1号"));
        assert_error(&res, 422, "county_code", "not_a_county", not_county);
    }
    let res = file(&app, Some(token), &add("539999", "1号"));
    assert_error(&res, 422, "county_code", "unknown_region", "unknown county");
    let res = file(
        &app,
        Some(token),
        &json!({"kind": "swap", "county_code": OTHER_COUNTY, "document_no": "1号"}),
    );
    assert_eq!(res.status, 422, "{}", res.text);
    assert_eq!(
        res.problem(422, "validation_failed")["errors"][0]["field"],
        "kind"
    );
    // Moving a pairing that is not the organization's own, or not open.
    let res = file(&app, Some(token), &adjust(&foreign, OTHER_COUNTY, "1号"));
    assert_error(
        &res,
        422,
        "from_pairing_id",
        "unknown_pairing",
        "another's pairing",
    );
    let res = file(
        &app,
        Some(token),
        &adjust(&uuid::Uuid::now_v7().to_string(), OTHER_COUNTY, "1号"),
    );
    assert_error(
        &res,
        422,
        "from_pairing_id",
        "unknown_pairing",
        "no pairing",
    );
    let ended = open_pairing(&app, &admin, &org.id, QUJING_COUNTY);
    let res = app.request(
        "POST",
        &format!("/api/v1/pairings/{ended}/terminate"),
        Some(&admin),
        Some(&json!({"reason": "结束"})),
        &[],
    );
    assert_eq!(res.status, 200, "{}", res.text);
    let res = file(&app, Some(token), &adjust(&ended, OTHER_COUNTY, "1号"));
    assert_error(
        &res,
        422,
        "from_pairing_id",
        "unknown_pairing",
        "a terminated pairing",
    );
    // An organization that does not exist.
    let mut body = add(COUNTY, "1号");
    body["organization_id"] = json!(uuid::Uuid::now_v7());
    let res = file(&app, Some(&admin), &body);
    assert_error(
        &res,
        422,
        "organization_id",
        "unknown_organization",
        "no organization",
    );

    assert_eq!(list(&app, &admin, "")["total"], 0);
    // The valid adjust goes through.
    let r = filed(
        &app,
        token,
        &adjust(&mine, OTHER_COUNTY, "滇社函〔2024〕9号"),
    );
    assert_eq!(r["kind"], "adjust");
    assert_eq!(r["from_pairing_id"], mine.as_str());
    assert_eq!(r["reason"], "调整帮扶县");
}

// --- Reading ----------------------------------------------------------------------

#[test]
fn organizations_see_only_their_own_requests() {
    let app = TestApp::spawn();
    let admin = app.admin_token();
    let a = org_with_member(&app, &admin, "甲协会", 1);
    let b = org_with_member(&app, &admin, "乙协会", 2);
    let a1 = id_of(&filed(&app, &a.member.token, &add(COUNTY, "甲1号")));
    let pairing = open_pairing(&app, &admin, &a.id, QUJING_COUNTY);
    let a2 = id_of(&filed(
        &app,
        &a.member.token,
        &adjust(&pairing, OTHER_COUNTY, "甲2号"),
    ));
    let b1 = id_of(&filed(&app, &b.member.token, &add(QUJING_COUNTY, "乙1号")));

    // Their own list, their own requests.
    let page = list(&app, &a.member.token, "");
    assert_eq!(page["total"], 2);
    assert_eq!(ids(&page), sorted(vec![a1.clone(), a2.clone()]));
    assert_eq!(ids(&list(&app, &b.member.token, "")), [b1.as_str()]);
    // Asking for another's by filter does not show them either.
    let page = list(&app, &a.member.token, &format!("organization_id={}", b.id));
    assert_eq!(page["total"], 0, "{page}");
    // Another's request is not there for them.
    get_request(&app, &a.member.token, &b1).problem(404, "not_found");
    get_request(&app, &b.member.token, &a1).problem(404, "not_found");
    let res = get_request(&app, &a.member.token, &a1);
    assert_eq!(res.status, 200, "{}", res.text);
    assert_eq!(res.header("etag"), Some("\"1\""));

    // The province-wide roles see all.
    let viewer = app.create_user("viewer", None, None);
    for token in [&admin, &viewer.token] {
        assert_eq!(
            ids(&list(&app, token, "")),
            sorted(vec![a1.clone(), a2.clone(), b1.clone()])
        );
        assert_eq!(get_request(&app, token, &b1).status, 200);
    }
    // Officers see those for their region.
    let wuhua = app.create_user("county_officer", Some(COUNTY), None);
    assert_eq!(ids(&list(&app, &wuhua.token, "")), [a1.as_str()]);
    get_request(&app, &wuhua.token, &b1).problem(404, "not_found");
    let kunming = app.create_user("prefecture_officer", Some("5301"), None);
    assert_eq!(
        ids(&list(&app, &kunming.token, "")),
        sorted(vec![a1.clone(), a2.clone()])
    );
    // No token: no requests.
    app.request("GET", REQUESTS, None, None, &[])
        .problem(401, "unauthorized");
    app.request("GET", &request_path(&a1), None, None, &[])
        .problem(401, "unauthorized");
    get_request(&app, &admin, &uuid::Uuid::now_v7().to_string()).problem(404, "not_found");
    get_request(&app, &admin, "nope").problem(404, "not_found");

    // Filters.
    assert_eq!(ids(&list(&app, &admin, "kind=adjust")), [a2.as_str()]);
    assert_eq!(
        ids(&list(&app, &admin, &format!("organization_id={}", a.id))),
        sorted(vec![a1.clone(), a2.clone()])
    );
    assert_eq!(
        ids(&list(&app, &admin, &format!("county={QUJING_COUNTY}"))),
        [b1.as_str()]
    );
    assert_eq!(list(&app, &admin, "status=submitted")["total"], 3);
    let res = decide(
        &app,
        Some(&admin),
        &b1,
        "reject",
        &json!({"note": "不符合条件"}),
    );
    assert_eq!(res.status, 200, "{}", res.text);
    assert_eq!(ids(&list(&app, &admin, "status=rejected")), [b1.as_str()]);
    assert_eq!(list(&app, &admin, "status=submitted")["total"], 2);
    assert_eq!(
        list(&app, &admin, "page_size=2")["items"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    assert_eq!(
        list(&app, &admin, "page_size=2&page=2")["items"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    for query in ["status=pending", "kind=swap", "county=x"] {
        let res = app.request(
            "GET",
            &format!("{REQUESTS}?{query}"),
            Some(&admin),
            None,
            &[],
        );
        assert!(
            res.status == 400 || res.status == 422,
            "{query}: {}",
            res.text
        );
    }
}

// --- Deciding -------------------------------------------------------------------

#[test]
fn approving_an_add_opens_the_pairing() {
    let app = TestApp::spawn();
    let admin = app.admin_token();
    let admin_id = app
        .request("GET", "/api/v1/auth/me", Some(&admin), None, &[])
        .json()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let org = org_with_member(&app, &admin, "新增结对的协会", 1);
    let id = id_of(&filed(
        &app,
        &org.member.token,
        &add(COUNTY, "滇社函〔2024〕1号"),
    ));
    assert!(pairings_of(&app, &org.id).is_empty());

    let res = decide(&app, Some(&admin), &id, "approve", &json!({}));
    assert_eq!(res.status, 200, "{}", res.text);
    assert_eq!(res.header("etag"), Some("\"2\""));
    let r = res.json();
    assert_eq!(r["status"], "approved");
    assert_eq!(r["decided_by"], admin_id.as_str());
    assert!(
        r["decided_at"].as_str().is_some_and(|t| t.ends_with('Z')),
        "{r}"
    );
    assert_eq!(r["decision_note"], Value::Null);
    assert_eq!(r["version"], 2);
    let pairing_id = r["pairing_id"].as_str().expect("pairing_id set").to_owned();
    assert_eq!(stored_request(&app, &admin, &id), r);

    // The pairing is there, open, for the organization and the county.
    let p = get_pairing(&app, &admin, &pairing_id);
    assert_eq!(p["organization_id"], org.id.as_str());
    assert_eq!(p["county_code"], COUNTY);
    assert_eq!(p["status"], "pending_agreement");
    let listed = pairings_of(&app, &org.id);
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0]["id"], pairing_id.as_str());

    // Journaled: the decision and the pairing it opened.
    assert_eq!(
        audit_actions(&app, &admin, "pairing_request", &id),
        ["approve", "create"]
    );
    let approval = &audit(
        &app,
        &admin,
        &format!("entity=pairing_request&entity_id={id}"),
    )["items"][0];
    assert_eq!(
        approval["changes"]["status"]["after"], "approved",
        "{approval}"
    );
    assert_eq!(
        approval["changes"]["pairing_id"]["after"],
        pairing_id.as_str()
    );
    assert_eq!(
        audit_actions(&app, &admin, "pairing", &pairing_id),
        ["create"]
    );
    assert_eq!(
        event_actions(&app, &admin, "pairing_request", &id),
        ["create", "approve"]
    );
    assert_eq!(
        event_actions(&app, &admin, "pairing", &pairing_id),
        ["create"]
    );

    // Deciding again.
    let before = journal_size(&app, &admin);
    let res = decide(&app, Some(&admin), &id, "approve", &json!({}));
    assert_error(&res, 409, "status", "already_decided", "approve twice");
    let res = decide(
        &app,
        Some(&admin),
        &id,
        "reject",
        &json!({"note": "改主意"}),
    );
    assert_error(
        &res,
        409,
        "status",
        "already_decided",
        "reject after approve",
    );
    assert_eq!(journal_size(&app, &admin), before);
    assert_eq!(pairings_of(&app, &org.id).len(), 1);

    // With a note.
    let second = id_of(&filed(&app, &org.member.token, &add(OTHER_COUNTY, "2号")));
    let res = decide(
        &app,
        Some(&admin),
        &second,
        "approve",
        &json!({"note": " 同意 "}),
    );
    assert_eq!(res.status, 200, "{}", res.text);
    assert_eq!(res.json()["decision_note"], "同意");
    assert_eq!(pairings_of(&app, &org.id).len(), 2);
}

#[test]
fn approving_an_adjust_moves_the_pairing() {
    let app = TestApp::spawn();
    let admin = app.admin_token();
    let org = org_with_member(&app, &admin, "调整结对的协会", 1);
    let old = open_pairing(&app, &admin, &org.id, COUNTY);
    let id = id_of(&filed(
        &app,
        &org.member.token,
        &adjust(&old, OTHER_COUNTY, "滇社函〔2024〕2号"),
    ));

    let res = decide(
        &app,
        Some(&admin),
        &id,
        "approve",
        &json!({"note": "同意调整"}),
    );
    assert_eq!(res.status, 200, "{}", res.text);
    let r = res.json();
    assert_eq!(r["status"], "approved");
    assert_eq!(r["decision_note"], "同意调整");
    let new = r["pairing_id"].as_str().expect("pairing_id set").to_owned();
    assert_ne!(new, old);

    let ended = get_pairing(&app, &admin, &old);
    assert_eq!(ended["status"], "terminated");
    assert!(ended["terminated_on"].is_string(), "{ended}");
    assert!(
        ended["termination_reason"]
            .as_str()
            .is_some_and(|r| r.contains("滇社函〔2024〕2号")),
        "names the document: {ended}"
    );
    let opened = get_pairing(&app, &admin, &new);
    assert_eq!(opened["status"], "pending_agreement");
    assert_eq!(opened["county_code"], OTHER_COUNTY);
    assert_eq!(opened["organization_id"], org.id.as_str());

    // The county summaries follow.
    let summary = |code: &str| {
        app.get(&format!("/api/v1/counties/{code}/pairing-summary"))
            .json()
    };
    assert_eq!(summary(COUNTY)["organizations_count"], 0);
    assert_eq!(summary(OTHER_COUNTY)["organizations_count"], 1);

    // All of it journaled.
    assert_eq!(
        audit_actions(&app, &admin, "pairing_request", &id),
        ["approve", "create"]
    );
    assert_eq!(
        audit_actions(&app, &admin, "pairing", &old),
        ["terminate", "create"]
    );
    assert_eq!(audit_actions(&app, &admin, "pairing", &new), ["create"]);
    assert_eq!(
        event_actions(&app, &admin, "pairing", &old),
        ["create", "terminate"]
    );
    assert_eq!(event_actions(&app, &admin, "pairing", &new), ["create"]);
    assert_eq!(
        event_actions(&app, &admin, "pairing_request", &id),
        ["create", "approve"]
    );
}

#[test]
fn rejections_need_a_note() {
    let app = TestApp::spawn();
    let admin = app.admin_token();
    let org = org_with_member(&app, &admin, "被驳回的协会", 1);
    let id = id_of(&filed(&app, &org.member.token, &add(COUNTY, "1号")));
    let before = journal_size(&app, &admin);
    for body in [
        json!({}),
        json!({"note": ""}),
        json!({"note": "   "}),
        json!({"note": null}),
    ] {
        let res = decide(&app, Some(&admin), &id, "reject", &body);
        assert_error(&res, 422, "note", "required", &body.to_string());
    }
    let res = decide(
        &app,
        Some(&admin),
        &id,
        "reject",
        &json!({"note": "x", "colour": 1}),
    );
    assert_error(&res, 422, "colour", "unknown_field", "unknown field");
    assert_eq!(journal_size(&app, &admin), before);
    assert_eq!(stored_request(&app, &admin, &id)["status"], "submitted");

    let res = decide(
        &app,
        Some(&admin),
        &id,
        "reject",
        &json!({"note": " 材料不全 "}),
    );
    assert_eq!(res.status, 200, "{}", res.text);
    let r = res.json();
    assert_eq!(r["status"], "rejected");
    assert_eq!(r["decision_note"], "材料不全");
    assert_eq!(r["pairing_id"], Value::Null);
    assert!(r["decided_by"].is_string());
    assert!(pairings_of(&app, &org.id).is_empty(), "no pairing");
    assert_eq!(
        audit_actions(&app, &admin, "pairing_request", &id),
        ["reject", "create"]
    );
    assert_eq!(
        event_actions(&app, &admin, "pairing_request", &id),
        ["create", "reject"]
    );

    let res = decide(
        &app,
        Some(&admin),
        &id,
        "reject",
        &json!({"note": "再驳回"}),
    );
    assert_error(&res, 409, "status", "already_decided", "reject twice");
    let res = decide(&app, Some(&admin), &id, "approve", &json!({}));
    assert_error(
        &res,
        409,
        "status",
        "already_decided",
        "approve after reject",
    );
    assert!(pairings_of(&app, &org.id).is_empty());
}

#[test]
fn only_province_admins_decide() {
    let app = TestApp::spawn();
    let admin = app.admin_token();
    let org = org_with_member(&app, &admin, "等待决定的协会", 1);
    let other = org_with_member(&app, &admin, "无关的协会", 2);
    let id = id_of(&filed(&app, &org.member.token, &add(COUNTY, "1号")));
    let before = pairing_events(&app, &admin);

    for how in ["approve", "reject"] {
        let body = json!({"note": "自己批准自己"});
        // Those who see the request: 403.
        decide(&app, Some(&org.member.token), &id, how, &body).problem(403, "forbidden");
        for (role, region) in [
            ("viewer", None),
            ("integration", None),
            ("county_officer", Some(COUNTY)),
            ("prefecture_officer", Some("5301")),
        ] {
            let user = app.create_user(role, region, None);
            decide(&app, Some(&user.token), &id, how, &body).problem(403, "forbidden");
        }
        // Those who do not: 404.
        decide(&app, Some(&other.member.token), &id, how, &body).problem(404, "not_found");
        let elsewhere = app.create_user("county_officer", Some(OTHER_COUNTY), None);
        decide(&app, Some(&elsewhere.token), &id, how, &body).problem(404, "not_found");
        decide(&app, None, &id, how, &body).problem(401, "unauthorized");
        decide(
            &app,
            Some(&admin),
            &uuid::Uuid::now_v7().to_string(),
            how,
            &body,
        )
        .problem(404, "not_found");
    }
    let r = stored_request(&app, &admin, &id);
    assert_eq!(r["status"], "submitted");
    assert_eq!(r["version"], 1);
    assert!(pairings_of(&app, &org.id).is_empty());
    assert_eq!(
        pairing_events(&app, &admin),
        before,
        "no events for refused decisions"
    );
    assert_eq!(
        audit_actions(&app, &admin, "pairing_request", &id),
        ["create"]
    );
}

// --- Atomicity --------------------------------------------------------------------

#[test]
fn an_adjust_onto_a_county_already_paired_changes_nothing() {
    let app = TestApp::spawn();
    let admin = app.admin_token();
    let org = org_with_member(&app, &admin, "重复结对的协会", 1);
    let from = open_pairing(&app, &admin, &org.id, COUNTY);
    let already = open_pairing(&app, &admin, &org.id, OTHER_COUNTY);
    let id = id_of(&filed(
        &app,
        &org.member.token,
        &adjust(&from, OTHER_COUNTY, "滇社函〔2024〕3号"),
    ));
    let from_before = get_pairing(&app, &admin, &from);
    let before = journal_size(&app, &admin);

    let res = decide(&app, Some(&admin), &id, "approve", &json!({}));
    assert_error(
        &res,
        409,
        "county_code",
        "already_paired",
        "adjust onto a paired county",
    );

    // Nothing changed: the old pairing still open, the request still submitted, no
    // new pairing, nothing journaled.
    let from_after = get_pairing(&app, &admin, &from);
    assert_eq!(from_after["status"], "pending_agreement", "{from_after}");
    assert_eq!(from_after["terminated_on"], Value::Null);
    assert_eq!(from_after["version"], 1);
    assert_eq!(from_after, from_before);
    assert_eq!(
        get_pairing(&app, &admin, &already)["status"],
        "pending_agreement"
    );
    let r = stored_request(&app, &admin, &id);
    assert_eq!(r["status"], "submitted");
    assert_eq!(r["pairing_id"], Value::Null);
    assert_eq!(r["decided_by"], Value::Null);
    assert_eq!(r["version"], 1);
    assert_eq!(pairings_of(&app, &org.id).len(), 2);
    assert_eq!(journal_size(&app, &admin), before);
    assert_eq!(audit_actions(&app, &admin, "pairing", &from), ["create"]);
    assert_eq!(event_actions(&app, &admin, "pairing", &from), ["create"]);
    assert_eq!(
        audit_actions(&app, &admin, "pairing_request", &id),
        ["create"]
    );
    let summary = app
        .get(&format!("/api/v1/counties/{COUNTY}/pairing-summary"))
        .json();
    assert_eq!(summary["organizations_count"], 1);

    // It can still be rejected; or, once the other pairing ends, approved.
    let res = app.request(
        "POST",
        &format!("/api/v1/pairings/{already}/terminate"),
        Some(&admin),
        Some(&json!({"reason": "让位"})),
        &[],
    );
    assert_eq!(res.status, 200, "{}", res.text);
    let res = decide(&app, Some(&admin), &id, "approve", &json!({}));
    assert_eq!(res.status, 200, "{}", res.text);
    assert_eq!(get_pairing(&app, &admin, &from)["status"], "terminated");
}

#[test]
fn an_add_for_a_suspended_organization_changes_nothing() {
    let app = TestApp::spawn();
    let admin = app.admin_token();
    let org = org_with_member(&app, &admin, "将被暂停的协会", 1);
    let id = id_of(&filed(&app, &org.member.token, &add(COUNTY, "1号")));
    set_org_status(&app, &admin, &org.id, "suspended");
    let before = journal_size(&app, &admin);

    let res = decide(&app, Some(&admin), &id, "approve", &json!({}));
    assert_error(
        &res,
        409,
        "organization_id",
        "organization_not_active",
        "suspended",
    );
    let r = stored_request(&app, &admin, &id);
    assert_eq!(r["status"], "submitted");
    assert_eq!(r["version"], 1);
    assert_eq!(r["pairing_id"], Value::Null);
    assert!(pairings_of(&app, &org.id).is_empty());
    assert_eq!(journal_size(&app, &admin), before);

    // An adjust of a deregistered organization: its old pairing stays open.
    let other = org_with_member(&app, &admin, "将被注销的协会", 2);
    let from = open_pairing(&app, &admin, &other.id, COUNTY);
    let move_id = id_of(&filed(
        &app,
        &other.member.token,
        &adjust(&from, OTHER_COUNTY, "2号"),
    ));
    set_org_status(&app, &admin, &other.id, "deregistered");
    let before = journal_size(&app, &admin);
    let res = decide(&app, Some(&admin), &move_id, "approve", &json!({}));
    assert_error(
        &res,
        409,
        "organization_id",
        "organization_not_active",
        "deregistered",
    );
    assert_eq!(
        get_pairing(&app, &admin, &from)["status"],
        "pending_agreement"
    );
    assert_eq!(
        stored_request(&app, &admin, &move_id)["status"],
        "submitted"
    );
    assert_eq!(journal_size(&app, &admin), before);

    // Rejecting still works.
    let res = decide(
        &app,
        Some(&admin),
        &id,
        "reject",
        &json!({"note": "组织已暂停"}),
    );
    assert_eq!(res.status, 200, "{}", res.text);
}

#[test]
fn an_adjust_of_a_pairing_ended_meanwhile_is_refused() {
    let app = TestApp::spawn();
    let admin = app.admin_token();
    let org = org_with_member(&app, &admin, "结对已终止的协会", 1);
    let from = open_pairing(&app, &admin, &org.id, COUNTY);
    let id = id_of(&filed(
        &app,
        &org.member.token,
        &adjust(&from, OTHER_COUNTY, "1号"),
    ));
    let res = app.request(
        "POST",
        &format!("/api/v1/pairings/{from}/terminate"),
        Some(&admin),
        Some(&json!({"reason": "提前结束"})),
        &[],
    );
    assert_eq!(res.status, 200, "{}", res.text);
    let before = journal_size(&app, &admin);
    let res = decide(&app, Some(&admin), &id, "approve", &json!({}));
    assert_error(
        &res,
        409,
        "from_pairing_id",
        "pairing_not_open",
        "ended meanwhile",
    );
    assert_eq!(stored_request(&app, &admin, &id)["status"], "submitted");
    assert_eq!(pairings_of(&app, &org.id).len(), 1);
    assert_eq!(journal_size(&app, &admin), before);
}

#[test]
fn concurrent_approvals_of_one_request_let_exactly_one_through() {
    let app = TestApp::spawn();
    let admin = app.admin_token();
    let org = org_with_member(&app, &admin, "并发审批的协会", 1);
    let id = id_of(&filed(&app, &org.member.token, &add(COUNTY, "1号")));
    let barrier = std::sync::Barrier::new(4);
    let statuses: Vec<u16> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..4)
            .map(|_| {
                let (app, admin, barrier, id) = (&app, &admin, &barrier, &id);
                s.spawn(move || {
                    barrier.wait();
                    let res = decide(app, Some(admin), id, "approve", &json!({}));
                    if res.status != 200 {
                        assert_error(&res, 409, "status", "already_decided", "a racing approval");
                    }
                    res.status
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    assert_eq!(
        statuses.iter().filter(|s| **s == 200).count(),
        1,
        "{statuses:?}"
    );
    assert_eq!(pairings_of(&app, &org.id).len(), 1);
    assert_eq!(
        audit_actions(&app, &admin, "pairing_request", &id),
        ["approve", "create"]
    );
}

#[test]
fn an_add_for_a_county_already_paired_changes_nothing() {
    let app = TestApp::spawn();
    let admin = app.admin_token();
    let org = org_with_member(&app, &admin, "已结对的协会", 1);
    let existing = open_pairing(&app, &admin, &org.id, COUNTY);
    let id = id_of(&filed(&app, &org.member.token, &add(COUNTY, "1号")));
    let before = journal_size(&app, &admin);
    let res = decide(&app, Some(&admin), &id, "approve", &json!({}));
    assert_error(
        &res,
        409,
        "county_code",
        "already_paired",
        "add onto a paired county",
    );
    assert_eq!(stored_request(&app, &admin, &id)["status"], "submitted");
    assert_eq!(pairings_of(&app, &org.id).len(), 1);
    assert_eq!(get_pairing(&app, &admin, &existing)["version"], 1);
    assert_eq!(journal_size(&app, &admin), before);
}

#[test]
fn requests_filed_by_the_province_are_the_organizations_to_see() {
    let app = TestApp::spawn();
    let admin = app.admin_token();
    let org = org_with_member(&app, &admin, "代为申请的协会", 1);
    let other = org_with_member(&app, &admin, "其他协会", 2);
    let mut body = add(COUNTY, "省代1号");
    body["organization_id"] = json!(org.id);
    let id = id_of(&filed(&app, &admin, &body));
    assert_eq!(ids(&list(&app, &org.member.token, "")), [id.as_str()]);
    assert_eq!(get_request(&app, &org.member.token, &id).status, 200);
    assert_eq!(list(&app, &other.member.token, "")["total"], 0);
    get_request(&app, &other.member.token, &id).problem(404, "not_found");
    let entry = &audit(
        &app,
        &admin,
        &format!("entity=pairing_request&entity_id={id}"),
    )["items"][0];
    assert_eq!(entry["actor_role"], "province_admin");
}
