//! `/api/v1/organizations`: registering social organizations (credit codes with both
//! check characters, phones, regions, uniqueness), the public profile and who sees
//! the contacts, the list's filters, and `PATCH` with its field-level rights and
//! `If-Match`, black-box over HTTP.

use crate::support::id_of;
use serde_json::{json, Value};
use tests::{credit_code as code, credit_code_with as credit_code, Response, TestApp};

const ORGS: &str = "/api/v1/organizations";

// --- Credit codes ---------------------------------------------------------------

#[test]
fn the_test_generator_agrees_with_the_known_samples() {
    assert_eq!(credit_code("51530000", 12345), "51530000MJ0123456F");
    assert_eq!(credit_code("52530100", 12346), "52530100MJ0123464C");
    assert_eq!(credit_code("53530000", 102), "53530000MJ00010298");
    assert_eq!(credit_code("51530000", 0), "51530000MJ000000X3");
}

// --- Helpers --------------------------------------------------------------------

/// A valid new organization's body, changed by `overrides` (a `null` override of a
/// key starting with `-` removes that key).
fn new_org(name: &str, credit_code: &str, overrides: &Value) -> Value {
    let mut body = json!({
        "name": name,
        "credit_code": credit_code,
        "org_type": "social_group",
        "level": "provincial",
        "sector": "charity",
        "registration_region_code": "53",
    });
    for (k, v) in overrides.as_object().unwrap() {
        if v.is_null() && k.starts_with('-') {
            body.as_object_mut().unwrap().remove(&k[1..]);
        } else {
            body[k] = v.clone();
        }
    }
    body
}

fn create(app: &TestApp, token: &str, body: &Value) -> Response {
    app.request("POST", ORGS, Some(token), Some(body), &[])
}

fn created(app: &TestApp, token: &str, body: &Value) -> Value {
    let res = create(app, token, body);
    assert_eq!(res.status, 201, "{body}: {}", res.text);
    res.json()
}

fn org_path(id: &str) -> String {
    format!("{ORGS}/{id}")
}

fn get_org(app: &TestApp, token: Option<&str>, id: &str) -> Response {
    app.request("GET", &org_path(id), token, None, &[])
}

/// The organization as stored, read back by the admin.
fn stored(app: &TestApp, admin: &str, id: &str) -> Value {
    let res = get_org(app, Some(admin), id);
    assert_eq!(res.status, 200, "{id}: {}", res.text);
    res.json()
}

fn list(app: &TestApp, token: Option<&str>, query: &str) -> Value {
    let res = app.request("GET", &format!("{ORGS}?{query}"), token, None, &[]);
    assert_eq!(res.status, 200, "{query}: {}", res.text);
    res.json()
}

fn names(page: &Value) -> Vec<String> {
    let mut names: Vec<String> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["name"].as_str().unwrap().to_owned())
        .collect();
    names.sort();
    names
}

fn patch(app: &TestApp, token: &str, id: &str, if_match: Option<&str>, body: &Value) -> Response {
    let headers: Vec<(&str, &str)> = if_match.map(|v| ("If-Match", v)).into_iter().collect();
    app.request("PATCH", &org_path(id), Some(token), Some(body), &headers)
}

/// PATCH with the ETag a GET just gave.
fn patch_current(app: &TestApp, token: &str, id: &str, body: &Value) -> Response {
    let admin = app.admin_token();
    let current = get_org(app, Some(&admin), id);
    let tag = current.header("etag").unwrap().to_owned();
    patch(app, token, id, Some(&tag), body)
}

/// Asserts a 422 with an error naming `field` with `code`; returns that error.
fn assert_invalid(res: &Response, field: &str, code: &str, what: &str) -> Value {
    assert_eq!(res.status, 422, "{what}: {}", res.text);
    let body = res.problem(422, "validation_failed");
    body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["field"] == field && e["code"] == code)
        .unwrap_or_else(|| panic!("{what}: wanted {field}/{code} in {body}"))
        .clone()
}

/// Asserts a 409 with an error naming `field` with `code`.
fn assert_conflict(res: &Response, field: &str, code: &str, what: &str) {
    assert_eq!(res.status, 409, "{what}: {}", res.text);
    let body = res.problem(409, "conflict");
    assert!(
        body["errors"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["field"] == field && e["code"] == code),
        "{what}: wanted {field}/{code} in {body}"
    );
}

/// A 403 naming exactly `fields` (in any order), each with code `forbidden`.
fn assert_forbidden_fields(res: &Response, fields: &[&str], what: &str) {
    assert_eq!(res.status, 403, "{what}: {}", res.text);
    let body = res.problem(403, "forbidden");
    let errors = body["errors"].as_array().unwrap();
    let mut named: Vec<&str> = errors
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    named.sort_unstable();
    let mut wanted = fields.to_vec();
    wanted.sort_unstable();
    assert_eq!(named, wanted, "{what}: {body}");
    assert!(
        errors.iter().all(|e| e["code"] == "forbidden"),
        "{what}: {body}"
    );
}

/// The audit entries of an organization, newest first.
fn audit(app: &TestApp, admin: &str, entity: &str, id: &str) -> Vec<Value> {
    let res = app.request(
        "GET",
        &format!("/api/v1/audit-log?entity={entity}&entity_id={id}&page_size=100"),
        Some(admin),
        None,
        &[],
    );
    assert_eq!(res.status, 200, "{}", res.text);
    res.json()["items"].as_array().unwrap().clone()
}

fn audit_actions(app: &TestApp, admin: &str, entity: &str, id: &str) -> Vec<String> {
    audit(app, admin, entity, id)
        .iter()
        .map(|e| e["action"].as_str().unwrap().to_owned())
        .collect()
}

/// The actions of the change feed's events about one entity, oldest first.
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

fn create_pairing(app: &TestApp, admin: &str, org: &str, county: &str) -> String {
    let res = app.request(
        "POST",
        "/api/v1/pairings",
        Some(admin),
        Some(&json!({"organization_id": org, "county_code": county})),
        &[],
    );
    assert_eq!(res.status, 201, "{org} {county}: {}", res.text);
    id_of(&res.json())
}

const CONTACT_KEYS: [&str; 3] = ["contact_name", "contact_phone", "address"];

fn has_contacts(org: &Value) -> bool {
    let present: Vec<bool> = CONTACT_KEYS
        .iter()
        .map(|k| org.as_object().unwrap().contains_key(*k))
        .collect();
    assert!(
        present.iter().all(|p| *p) || present.iter().all(|p| !*p),
        "contacts partly shown: {org}"
    );
    present[0]
}

// --- Creating -------------------------------------------------------------------

#[test]
fn admins_register_organizations() {
    let app = TestApp::spawn();
    let admin = app.admin_token();
    let credit = code(1);
    let body = new_org(
        "  云南省乡村振兴促进会 ",
        &credit.to_lowercase(),
        &json!({
            "org_type": "foundation",
            "level": "prefectural",
            "sector": "science_academic",
            "registration_region_code": "5301",
            "supervising_unit": "云南省农业农村厅",
            "contact_name": "张三",
            "contact_phone": "0871 6512 3456",
            "address": "昆明市五华区某路 1 号",
            "has_party_organization": true,
            "evaluation_grade": "4A",
        }),
    );
    let res = create(&app, &admin, &body);
    assert_eq!(res.status, 201, "{}", res.text);
    let org = res.json();
    let id = id_of(&org);
    assert!(uuid::Uuid::parse_str(&id).is_ok(), "{id}");
    assert_eq!(res.header("location"), Some(org_path(&id).as_str()));
    assert_eq!(res.header("etag"), Some("\"1\""));
    assert_eq!(org["name"], "云南省乡村振兴促进会");
    assert_eq!(org["credit_code"], credit, "stored upper-case");
    assert_eq!(org["org_type"], "foundation");
    assert_eq!(org["level"], "prefectural");
    assert_eq!(org["sector"], "science_academic");
    assert_eq!(org["registration_region_code"], "5301");
    assert_eq!(org["supervising_unit"], "云南省农业农村厅");
    assert_eq!(org["contact_name"], "张三");
    assert_eq!(org["contact_phone"], "0871-65123456");
    assert_eq!(org["address"], "昆明市五华区某路 1 号");
    assert_eq!(org["has_party_organization"], true);
    assert_eq!(org["evaluation_grade"], "4A");
    assert_eq!(org["status"], "active");
    assert_eq!(org["version"], 1);
    assert!(org["created_at"].as_str().unwrap().ends_with('Z'));

    // Read back, the same.
    let res = get_org(&app, Some(&admin), &id);
    assert_eq!(res.status, 200, "{}", res.text);
    assert_eq!(res.header("etag"), Some("\"1\""));
    assert_eq!(res.json(), org);

    // A minimal one: the defaults.
    let minimal = created(
        &app,
        &admin,
        &new_org("最小的社会组织", &code(2), &json!({})),
    );
    assert_eq!(minimal["status"], "active");
    assert_eq!(minimal["has_party_organization"], false);
    assert_eq!(minimal["evaluation_grade"], Value::Null);
    assert_eq!(minimal["supervising_unit"], Value::Null);
    assert_eq!(minimal["contact_name"], Value::Null);
    assert_eq!(minimal["contact_phone"], Value::Null);
    assert_eq!(minimal["address"], Value::Null);
    assert_eq!(minimal["registration_region_code"], "53");
    assert!(
        has_contacts(&minimal),
        "the admin sees the (empty) contacts"
    );

    // A county registration, a mobile, a status given.
    let county = created(
        &app,
        &admin,
        &new_org(
            "五华区社区服务中心",
            &credit_code("52530102", 3),
            &json!({
                "org_type": "social_service_agency",
                "level": "county",
                "sector": "community",
                "registration_region_code": "530102",
                "contact_phone": "+86 138 1234 5678",
                "status": "suspended",
            }),
        ),
    );
    assert_eq!(county["registration_region_code"], "530102");
    assert_eq!(county["contact_phone"], "13812345678");
    assert_eq!(county["status"], "suspended");

    // Journaled: one audit entry and one event each.
    let entries = audit(&app, &admin, "organization", &id);
    assert_eq!(entries.len(), 1, "{entries:?}");
    assert_eq!(entries[0]["action"], "create");
    assert_eq!(entries[0]["changes"]["credit_code"]["after"], credit);
    assert_eq!(
        entries[0]["changes"]["name"]["after"],
        "云南省乡村振兴促进会"
    );
    assert_eq!(event_actions(&app, &admin, "organization", &id), ["create"]);
    assert_eq!(
        event_actions(&app, &admin, "organization", &id_of(&county)),
        ["create"]
    );
    assert_eq!(list(&app, Some(&admin), "")["total"], 3);
}

#[test]
fn credit_codes_are_checked_and_the_failed_check_is_named() {
    let app = TestApp::spawn();
    let admin = app.admin_token();
    let good = code(12345);
    assert_eq!(good, "51530000MJ0123456F");

    // The 18th character is wrong: GB 32100's check.
    let res = create(
        &app,
        &admin,
        &new_org("校验位错误", "51530000MJ0123456G", &json!({})),
    );
    let body = res.problem(422, "validation_failed");
    assert_eq!(body["errors"][0]["field"], "credit_code", "{body}");
    assert_eq!(body["errors"][0]["code"], "check_character", "{body}");
    let message = body["errors"][0]["message"].as_str().unwrap();
    assert!(message.contains("GB 32100"), "{message}");
    assert!(
        message.contains('F'),
        "names the right character: {message}"
    );
    // In English too.
    let res = app.request(
        "POST",
        ORGS,
        Some(&admin),
        Some(&new_org("校验位错误", "51530000MJ0123456G", &json!({}))),
        &[("Accept-Language", "en")],
    );
    let body = res.problem(422, "validation_failed");
    let message = body["errors"][0]["message"].as_str().unwrap();
    assert!(message.contains("GB 32100-2015"), "{message}");
    assert!(message.contains("'F'"), "{message}");

    // The 17th (the organization code's own check) is wrong: GB 11714's.
    let res = create(
        &app,
        &admin,
        &new_org("组织机构代码错误", "51530000MJ0123457F", &json!({})),
    );
    let body = res.problem(422, "validation_failed");
    assert_eq!(body["errors"][0]["field"], "credit_code", "{body}");
    assert_eq!(
        body["errors"][0]["code"], "organization_code_check",
        "{body}"
    );
    let message = body["errors"][0]["message"].as_str().unwrap();
    assert!(message.contains("GB 11714"), "{message}");

    // Not the shape of a credit code.
    for bad in [
        "51530000MJ0123456",
        "51530000MJ0123456FF",
        "51530000MJ01234I6F",
        "51530000MJ0123456-",
        "",
    ] {
        let res = create(&app, &admin, &new_org("格式错误", bad, &json!({})));
        let error = assert_invalid(&res, "credit_code", "invalid_format", bad);
        assert!(error["message"].as_str().is_some_and(|m| !m.is_empty()));
    }

    // Nothing was stored.
    assert_eq!(list(&app, Some(&admin), "")["total"], 0);
    // The good one goes through, in lower case and with spaces around.
    let org = created(
        &app,
        &admin,
        &new_org(
            "校验正确",
            &format!(" {} ", good.to_lowercase()),
            &json!({}),
        ),
    );
    assert_eq!(org["credit_code"], good);
}

#[test]
fn the_other_fields_are_validated_too() {
    let app = TestApp::spawn();
    let admin = app.admin_token();
    let c = code(10);
    let region = |r: &str| new_org("某协会", &c, &json!({"registration_region_code": r}));

    for township in ["530102001", "530102001001"] {
        let res = create(&app, &admin, &region(township));
        assert_invalid(&res, "registration_region_code", "wrong_level", township);
    }
    let res = create(&app, &admin, &region("539999"));
    assert_invalid(&res, "registration_region_code", "unknown_region", "539999");
    let res = create(&app, &admin, &region("53x"));
    assert_eq!(res.status, 422, "{}", res.text);
    res.problem(422, "validation_failed");

    for bad in ["12345", "0871-1234", "phone me"] {
        let res = create(
            &app,
            &admin,
            &new_org("某协会", &c, &json!({"contact_phone": bad})),
        );
        assert_invalid(&res, "contact_phone", "invalid_format", bad);
    }
    let res = create(&app, &admin, &new_org("   ", &c, &json!({})));
    assert_invalid(&res, "name", "required", "blank name");
    let res = create(&app, &admin, &new_org(&"名".repeat(201), &c, &json!({})));
    assert_invalid(&res, "name", "too_long", "long name");
    for (field, value) in [
        ("org_type", json!("club")),
        ("level", json!("national")),
        ("sector", json!("sports")),
        ("evaluation_grade", json!("6A")),
        ("status", json!("dissolved")),
        ("has_party_organization", json!("yes")),
    ] {
        let res = create(&app, &admin, &new_org("某协会", &c, &json!({field: value})));
        assert_eq!(res.status, 422, "{field}: {}", res.text);
        let body = res.problem(422, "validation_failed");
        assert_eq!(body["errors"][0]["field"], field, "{body}");
    }
    let res = create(
        &app,
        &admin,
        &new_org("某协会", &c, &json!({"-sector": null})),
    );
    assert_invalid(&res, "sector", "required", "no sector");
    let res = create(
        &app,
        &admin,
        &new_org("某协会", &c, &json!({"colour": "red"})),
    );
    assert_invalid(&res, "colour", "unknown_field", "unknown field");
    app.request(
        "POST",
        ORGS,
        Some(&admin),
        None,
        &[("Content-Type", "text/plain")],
    )
    .problem(415, "unsupported_media_type");

    assert_eq!(list(&app, Some(&admin), "")["total"], 0);
}

#[test]
fn only_province_admins_register_organizations() {
    let app = TestApp::spawn();
    let admin = app.admin_token();
    let org = created(&app, &admin, &new_org("已有的组织", &code(1), &json!({})));
    let body = new_org("越权登记的组织", &code(2), &json!({}));
    for user in [
        app.create_user("viewer", None, None),
        app.create_user("integration", None, None),
        app.create_user("county_officer", Some("530102"), None),
        app.create_user("prefecture_officer", Some("5301"), None),
        app.create_user("org_user", None, Some(&id_of(&org))),
    ] {
        create(&app, &user.token, &body).problem(403, "forbidden");
    }
    app.request("POST", ORGS, None, Some(&body), &[])
        .problem(401, "unauthorized");
    assert_eq!(list(&app, None, "q=越权")["total"], 0);
}

#[test]
fn credit_codes_and_active_names_are_unique() {
    let app = TestApp::spawn();
    let admin = app.admin_token();
    let first = created(
        &app,
        &admin,
        &new_org("云南省某某协会", &code(1), &json!({})),
    );
    let first_id = id_of(&first);

    // The same credit code, even written in lower case.
    let res = create(
        &app,
        &admin,
        &new_org("另一个协会", &code(1).to_lowercase(), &json!({})),
    );
    assert_conflict(&res, "credit_code", "taken", "same credit code");
    // The same name as an active organization.
    let res = create(
        &app,
        &admin,
        &new_org("云南省某某协会", &code(2), &json!({})),
    );
    assert_conflict(&res, "name", "taken", "same name");
    let body = res.json();
    assert!(
        body["errors"]
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["field"] != "credit_code"),
        "{body}"
    );
    // Surrounding spaces do not make another name.
    let res = create(
        &app,
        &admin,
        &new_org(" 云南省某某协会  ", &code(2), &json!({})),
    );
    assert_conflict(&res, "name", "taken", "same name with spaces");
    // Both at once: both named.
    let res = create(
        &app,
        &admin,
        &new_org("云南省某某协会", &code(1), &json!({})),
    );
    assert_conflict(&res, "name", "taken", "both");
    assert_conflict(&res, "credit_code", "taken", "both");
    assert_eq!(list(&app, Some(&admin), "")["total"], 1);

    // A deregistered organization frees its name (not its credit code).
    let res = patch(
        &app,
        &admin,
        &first_id,
        Some("\"1\""),
        &json!({"status": "deregistered"}),
    );
    assert_eq!(res.status, 200, "{}", res.text);
    let second = created(
        &app,
        &admin,
        &new_org("云南省某某协会", &code(2), &json!({})),
    );
    assert_eq!(second["status"], "active");
    let res = create(&app, &admin, &new_org("又一个协会", &code(1), &json!({})));
    assert_conflict(&res, "credit_code", "taken", "deregistered keeps its code");

    // Reactivating the deregistered one would make two active of one name.
    let res = patch(
        &app,
        &admin,
        &first_id,
        Some("\"2\""),
        &json!({"status": "active"}),
    );
    assert_conflict(&res, "name", "taken", "reactivation");
    assert_eq!(stored(&app, &admin, &first_id)["status"], "deregistered");

    // Renaming onto an active name, or taking another's credit code.
    let third = created(&app, &admin, &new_org("第三个协会", &code(3), &json!({})));
    let third_id = id_of(&third);
    let res = patch(
        &app,
        &admin,
        &third_id,
        Some("\"1\""),
        &json!({"name": "云南省某某协会"}),
    );
    assert_conflict(&res, "name", "taken", "rename");
    let res = patch(
        &app,
        &admin,
        &third_id,
        Some("\"1\""),
        &json!({"credit_code": code(2)}),
    );
    assert_conflict(&res, "credit_code", "taken", "recode");
    let third_now = stored(&app, &admin, &third_id);
    assert_eq!(third_now["name"], "第三个协会");
    assert_eq!(third_now["credit_code"], code(3));
    assert_eq!(third_now["version"], 1);
}

// --- Reading ----------------------------------------------------------------------

#[test]
fn contacts_are_shown_only_to_those_who_may_see_them() {
    let app = TestApp::spawn();
    let admin = app.admin_token();
    let contacts = json!({
        "contact_name": "李四",
        "contact_phone": "13812345678",
        "address": "昆明市盘龙区某街 2 号",
    });
    let mine = created(&app, &admin, &new_org("甲协会", &code(1), &contacts));
    let theirs = created(&app, &admin, &new_org("乙协会", &code(2), &contacts));
    let (mine_id, theirs_id) = (id_of(&mine), id_of(&theirs));
    let member = app.create_user("org_user", None, Some(&mine_id));
    let outsider = app.create_user("org_user", None, Some(&theirs_id));

    // Without a token: the public profile, the contact keys absent (not null).
    let res = get_org(&app, None, &mine_id);
    assert_eq!(res.status, 200, "{}", res.text);
    let public = res.json();
    assert!(!has_contacts(&public), "{public}");
    assert_eq!(public["name"], "甲协会");
    assert_eq!(public["credit_code"], code(1));
    assert!(!res.text.contains("李四") && !res.text.contains("13812345678"));
    let page = list(&app, None, "");
    assert_eq!(page["total"], 2);
    for o in page["items"].as_array().unwrap() {
        assert!(!has_contacts(o), "{o}");
    }
    assert!(!serde_json::to_string(&page).unwrap().contains("李四"));

    // Those who may see them.
    let mut allowed = vec![("admin", admin.clone())];
    for (role, region) in [
        ("viewer", None),
        ("integration", None),
        ("county_officer", Some("530102")),
        ("prefecture_officer", Some("5301")),
    ] {
        allowed.push((role, app.create_user(role, region, None).token));
    }
    for (role, token) in &allowed {
        let o = get_org(&app, Some(token), &mine_id).json();
        assert!(has_contacts(&o), "{role}: {o}");
        assert_eq!(o["contact_name"], "李四", "{role}");
        assert_eq!(o["contact_phone"], "13812345678", "{role}");
        assert_eq!(o["address"], "昆明市盘龙区某街 2 号", "{role}");
        for o in list(&app, Some(token), "")["items"].as_array().unwrap() {
            assert!(has_contacts(o), "{role}: {o}");
        }
    }

    // An organization's users see their own contacts, not another's.
    let own = get_org(&app, Some(&member.token), &mine_id).json();
    assert!(has_contacts(&own), "{own}");
    assert_eq!(own["contact_name"], "李四");
    let other = get_org(&app, Some(&member.token), &theirs_id).json();
    assert!(!has_contacts(&other), "{other}");
    let other = get_org(&app, Some(&outsider.token), &mine_id).json();
    assert!(!has_contacts(&other), "{other}");
    for o in list(&app, Some(&member.token), "")["items"]
        .as_array()
        .unwrap()
    {
        assert_eq!(has_contacts(o), o["id"] == mine_id.as_str(), "{o}");
    }

    // A token that is not valid is refused, not taken for no token.
    for path in [ORGS.to_owned(), org_path(&mine_id)] {
        app.request("GET", &path, Some("not-a-token"), None, &[])
            .problem(401, "unauthorized");
    }
    let mut forged = admin.clone();
    forged.push('x');
    get_org(&app, Some(&forged), &mine_id).problem(401, "unauthorized");
}

#[test]
fn organizations_by_id() {
    let app = TestApp::spawn();
    let admin = app.admin_token();
    let org = created(&app, &admin, &new_org("按编号查询", &code(1), &json!({})));
    let id = id_of(&org);
    get_org(&app, None, &uuid::Uuid::now_v7().to_string()).problem(404, "not_found");
    get_org(&app, None, "not-a-uuid").problem(404, "not_found");
    // A conditional GET.
    let res = app.get_with(&org_path(&id), &[("If-None-Match", "\"1\"")]);
    assert_eq!(res.status, 304, "{}", res.text);
    let res = app.get_with(&org_path(&id), &[("If-None-Match", "\"7\"")]);
    assert_eq!(res.status, 200, "{}", res.text);
}

#[test]
fn the_list_filters_sorts_and_pages() {
    let app = TestApp::spawn();
    let admin = app.admin_token();
    let make = |name: &str, n: u32, extra: Value| {
        id_of(&created(&app, &admin, &new_org(name, &code(n), &extra)))
    };
    let a = make(
        "红河助学基金会",
        1,
        json!({"org_type": "foundation", "sector": "charity"}),
    );
    let b = make(
        "昆明科技协会",
        2,
        json!({"level": "prefectural", "registration_region_code": "5301", "sector": "science_academic"}),
    );
    let c = make(
        "五华社区服务社",
        3,
        json!({"org_type": "social_service_agency", "level": "county", "registration_region_code": "530102", "sector": "community"}),
    );
    let d = make(
        "暂停的文体协会",
        4,
        json!({"sector": "culture_sports", "status": "suspended"}),
    );

    assert_eq!(list(&app, None, "")["total"], 4);
    assert_eq!(
        names(&list(&app, None, "q=协会")),
        ["昆明科技协会", "暂停的文体协会"]
    );
    assert_eq!(
        names(&list(&app, None, "org_type=foundation")),
        ["红河助学基金会"]
    );
    assert_eq!(names(&list(&app, None, "level=county")), ["五华社区服务社"]);
    assert_eq!(
        names(&list(&app, None, "level=prefectural")),
        ["昆明科技协会"]
    );
    assert_eq!(
        names(&list(&app, None, "sector=science_academic")),
        ["昆明科技协会"]
    );
    assert_eq!(
        names(&list(&app, None, "status=suspended")),
        ["暂停的文体协会"]
    );
    assert_eq!(list(&app, None, "status=active")["total"], 3);
    assert_eq!(list(&app, None, "status=deregistered")["total"], 0);
    // q is a plain substring, case-insensitive for Latin letters, no wildcards.
    let e = make("ABC Rural Fund", 5, json!({"sector": "other"}));
    assert_eq!(names(&list(&app, None, "q=abc")), ["ABC Rural Fund"]);
    assert_eq!(names(&list(&app, None, "q=RURAL%20f")), ["ABC Rural Fund"]);
    for wildcard in ["%25", "_", "A_C", "%25Fund"] {
        assert_eq!(
            list(&app, None, &format!("q={wildcard}"))["total"],
            0,
            "{wildcard}"
        );
    }
    let res = patch(
        &app,
        &admin,
        &e,
        Some("\"1\""),
        &json!({"status": "deregistered"}),
    );
    assert_eq!(res.status, 200, "{}", res.text);
    assert_eq!(list(&app, None, "status=deregistered")["total"], 1);
    assert_eq!(
        names(&list(&app, None, "q=协会&status=active")),
        ["昆明科技协会"]
    );

    // Paired counties: open pairings only.
    create_pairing(&app, &admin, &a, "530102");
    create_pairing(&app, &admin, &b, "530103");
    create_pairing(&app, &admin, &c, "530302");
    let ended = create_pairing(&app, &admin, &c, "530111");
    let res = app.request(
        "POST",
        &format!("/api/v1/pairings/{ended}/terminate"),
        Some(&admin),
        Some(&json!({"reason": "调整"})),
        &[],
    );
    assert_eq!(res.status, 200, "{}", res.text);
    assert_eq!(
        names(&list(&app, None, "county=530102")),
        ["红河助学基金会"]
    );
    assert_eq!(names(&list(&app, None, "county=530103")), ["昆明科技协会"]);
    assert_eq!(list(&app, None, "county=530111")["total"], 0, "terminated");
    assert_eq!(
        names(&list(&app, None, "prefecture=5301")),
        ["昆明科技协会", "红河助学基金会"]
    );
    assert_eq!(
        names(&list(&app, None, "prefecture=5303")),
        ["五华社区服务社"]
    );
    assert_eq!(list(&app, None, "prefecture=5304")["total"], 0);
    assert_eq!(
        names(&list(&app, None, "prefecture=5301&org_type=foundation")),
        ["红河助学基金会"]
    );

    // Paging.
    let first = list(&app, None, "page_size=3&sort=name");
    assert_eq!(first["total"], 5);
    assert_eq!(first["page"], 1);
    assert_eq!(first["page_size"], 3);
    assert_eq!(first["items"].as_array().unwrap().len(), 3);
    let second = list(&app, None, "page_size=3&page=2&sort=name");
    assert_eq!(second["total"], 5);
    assert_eq!(second["items"].as_array().unwrap().len(), 2);
    let mut all: Vec<String> = first["items"]
        .as_array()
        .unwrap()
        .iter()
        .chain(second["items"].as_array().unwrap())
        .map(|o| o["id"].as_str().unwrap().to_owned())
        .collect();
    all.sort();
    let mut ids = vec![a, b, c, d, e];
    ids.sort();
    assert_eq!(all, ids);
    let newest = list(&app, None, "sort=-created_at");
    assert_eq!(newest["items"][0]["name"], "ABC Rural Fund");
    assert_eq!(newest["items"][1]["name"], "暂停的文体协会");
    // By name: the pages follow the order.
    let by_name: Vec<&str> = first["items"]
        .as_array()
        .unwrap()
        .iter()
        .chain(second["items"].as_array().unwrap())
        .map(|o| o["name"].as_str().unwrap())
        .collect();
    assert_eq!(by_name.len(), 5);
    assert_eq!(by_name[0], "ABC Rural Fund", "{by_name:?}");

    // Filters that cannot be read.
    for query in [
        "org_type=club",
        "level=national",
        "status=gone",
        "sector=x",
        "county=abc",
        "page_size=0",
        "sort=credit_code",
        "colour=red",
    ] {
        let res = app.get(&format!("{ORGS}?{query}"));
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

// --- Changing ------------------------------------------------------------------

#[test]
fn patches_need_a_current_if_match() {
    let app = TestApp::spawn();
    let admin = app.admin_token();
    let id = id_of(&created(
        &app,
        &admin,
        &new_org("条件更新", &code(1), &json!({})),
    ));
    let change = json!({"evaluation_grade": "3A"});
    patch(&app, &admin, &id, None, &change).problem(428, "precondition_required");
    patch(&app, &admin, &id, Some("\"2\""), &change).problem(412, "precondition_failed");
    patch(&app, &admin, &id, Some("\"0\""), &change).problem(412, "precondition_failed");
    assert_eq!(stored(&app, &admin, &id)["evaluation_grade"], Value::Null);

    let res = patch(&app, &admin, &id, Some("\"1\""), &change);
    assert_eq!(res.status, 200, "{}", res.text);
    assert_eq!(res.header("etag"), Some("\"2\""));
    assert_eq!(res.json()["version"], 2);
    // The old tag is stale now.
    patch(
        &app,
        &admin,
        &id,
        Some("\"1\""),
        &json!({"evaluation_grade": "5A"}),
    )
    .problem(412, "precondition_failed");
    let now = get_org(&app, Some(&admin), &id);
    assert_eq!(now.header("etag"), Some("\"2\""));
    assert_eq!(now.json()["evaluation_grade"], "3A");

    // Unknown organizations.
    patch(
        &app,
        &admin,
        &uuid::Uuid::now_v7().to_string(),
        Some("\"1\""),
        &change,
    )
    .problem(404, "not_found");
    patch(&app, &admin, "nope", Some("\"1\""), &change).problem(404, "not_found");
    app.request(
        "PATCH",
        &org_path(&id),
        None,
        Some(&change),
        &[("If-Match", "\"2\"")],
    )
    .problem(401, "unauthorized");
}

#[test]
fn admins_change_everything_and_null_clears() {
    let app = TestApp::spawn();
    let admin = app.admin_token();
    let org = created(
        &app,
        &admin,
        &new_org(
            "改名前的协会",
            &code(1),
            &json!({
                "supervising_unit": "某厅",
                "contact_name": "王五",
                "contact_phone": "0871-65123456",
                "address": "某地",
                "evaluation_grade": "2A",
            }),
        ),
    );
    let id = id_of(&org);
    let new_code = credit_code("53530100", 7);
    let res = patch(
        &app,
        &admin,
        &id,
        Some("\"1\""),
        &json!({
            "name": "改名后的基金会",
            "credit_code": new_code.to_lowercase(),
            "org_type": "foundation",
            "level": "prefectural",
            "sector": "other",
            "registration_region_code": "5301",
            "supervising_unit": "另一个厅",
            "contact_name": "赵六",
            "contact_phone": "0871 6512 3457",
            "address": "新地址",
            "has_party_organization": true,
            "evaluation_grade": "5A",
            "status": "suspended",
        }),
    );
    assert_eq!(res.status, 200, "{}", res.text);
    assert_eq!(res.header("etag"), Some("\"2\""));
    let changed = res.json();
    let now = stored(&app, &admin, &id);
    assert_eq!(changed, now);
    assert_eq!(now["name"], "改名后的基金会");
    assert_eq!(now["credit_code"], new_code);
    assert_eq!(now["org_type"], "foundation");
    assert_eq!(now["level"], "prefectural");
    assert_eq!(now["sector"], "other");
    assert_eq!(now["registration_region_code"], "5301");
    assert_eq!(now["supervising_unit"], "另一个厅");
    assert_eq!(now["contact_name"], "赵六");
    assert_eq!(now["contact_phone"], "0871-65123457");
    assert_eq!(now["address"], "新地址");
    assert_eq!(now["has_party_organization"], true);
    assert_eq!(now["evaluation_grade"], "5A");
    assert_eq!(now["status"], "suspended");
    assert_eq!(now["version"], 2);
    assert_eq!(now["created_at"], org["created_at"]);
    assert_ne!(now["updated_at"], org["updated_at"]);

    // null clears the optional fields; absent ones stay.
    let res = patch(
        &app,
        &admin,
        &id,
        Some("\"2\""),
        &json!({
            "supervising_unit": null,
            "contact_name": null,
            "contact_phone": null,
            "address": null,
            "evaluation_grade": null,
        }),
    );
    assert_eq!(res.status, 200, "{}", res.text);
    let now = stored(&app, &admin, &id);
    for key in [
        "supervising_unit",
        "contact_name",
        "contact_phone",
        "address",
        "evaluation_grade",
    ] {
        assert_eq!(now[key], Value::Null, "{key}: {now}");
    }
    assert_eq!(now["name"], "改名后的基金会");
    assert_eq!(now["status"], "suspended");
    assert_eq!(now["version"], 3);

    // Each change is one audit entry naming what changed, and one event.
    let entries = audit(&app, &admin, "organization", &id);
    let actions: Vec<&str> = entries
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["update", "update", "create"]);
    let first = &entries[1]["changes"];
    assert_eq!(first["name"]["before"], "改名前的协会", "{first}");
    assert_eq!(first["name"]["after"], "改名后的基金会", "{first}");
    assert_eq!(first["status"]["after"], "suspended", "{first}");
    assert_eq!(first["credit_code"]["after"], new_code, "{first}");
    let cleared = &entries[0]["changes"];
    assert_eq!(cleared["evaluation_grade"]["before"], "5A", "{cleared}");
    assert_eq!(
        cleared["evaluation_grade"]["after"],
        Value::Null,
        "{cleared}"
    );
    assert!(cleared.get("name").is_none(), "{cleared}");
    assert_eq!(
        event_actions(&app, &admin, "organization", &id),
        ["create", "update", "update"]
    );
}

#[test]
fn patches_are_validated() {
    let app = TestApp::spawn();
    let admin = app.admin_token();
    let id = id_of(&created(
        &app,
        &admin,
        &new_org("校验更新", &code(1), &json!({})),
    ));
    for (body, field, code) in [
        (
            json!({"credit_code": "51530000MJ0123456G"}),
            "credit_code",
            "check_character",
        ),
        (
            json!({"credit_code": "51530000MJ0123457F"}),
            "credit_code",
            "organization_code_check",
        ),
        (
            json!({"credit_code": "5153"}),
            "credit_code",
            "invalid_format",
        ),
        (
            json!({"registration_region_code": "530102001"}),
            "registration_region_code",
            "wrong_level",
        ),
        (
            json!({"registration_region_code": "539999"}),
            "registration_region_code",
            "unknown_region",
        ),
        (
            json!({"contact_phone": "12345"}),
            "contact_phone",
            "invalid_format",
        ),
        (json!({"name": " "}), "name", "required"),
        (json!({"status": "gone"}), "status", "invalid_format"),
        (json!({"colour": "red"}), "colour", "unknown_field"),
    ] {
        let res = patch(&app, &admin, &id, Some("\"1\""), &body);
        assert_eq!(res.status, 422, "{body}: {}", res.text);
        let problem = res.problem(422, "validation_failed");
        assert_eq!(problem["errors"][0]["field"], field, "{body}: {problem}");
        if field != "name" && field != "status" {
            assert_eq!(problem["errors"][0]["code"], code, "{body}: {problem}");
        }
    }
    let now = stored(&app, &admin, &id);
    assert_eq!(now["version"], 1);
    assert_eq!(now["credit_code"], code(1));
    assert_eq!(audit_actions(&app, &admin, "organization", &id), ["create"]);
}

#[test]
fn organization_users_change_their_contacts_only() {
    let app = TestApp::spawn();
    let admin = app.admin_token();
    let org = created(
        &app,
        &admin,
        &new_org(
            "自己的协会",
            &code(1),
            &json!({"contact_name": "原联系人", "evaluation_grade": "3A"}),
        ),
    );
    let id = id_of(&org);
    let other_id = id_of(&created(
        &app,
        &admin,
        &new_org("别人的协会", &code(2), &json!({})),
    ));
    let member = app.create_user("org_user", None, Some(&id));
    let outsider = app.create_user("org_user", None, Some(&other_id));

    // The contacts and the party organization are theirs to keep current.
    let res = patch(
        &app,
        &member.token,
        &id,
        Some("\"1\""),
        &json!({
            "contact_name": "新联系人",
            "contact_phone": "0871 6512 3456",
            "address": "新地址 8 号",
            "has_party_organization": true,
        }),
    );
    assert_eq!(res.status, 200, "{}", res.text);
    assert_eq!(res.header("etag"), Some("\"2\""));
    let body = res.json();
    assert_eq!(body["contact_name"], "新联系人");
    assert_eq!(body["contact_phone"], "0871-65123456");
    let now = stored(&app, &admin, &id);
    assert_eq!(now["contact_name"], "新联系人");
    assert_eq!(now["contact_phone"], "0871-65123456");
    assert_eq!(now["address"], "新地址 8 号");
    assert_eq!(now["has_party_organization"], true);
    assert_eq!(now["version"], 2);
    let member_id = &member.id;
    let entry = &audit(&app, &admin, "organization", &id)[0];
    assert_eq!(entry["action"], "update");
    assert_eq!(entry["actor_id"], member_id.as_str());
    assert_eq!(entry["actor_role"], "org_user");
    // null clears for them too.
    let res = patch(
        &app,
        &member.token,
        &id,
        Some("\"2\""),
        &json!({"address": null}),
    );
    assert_eq!(res.status, 200, "{}", res.text);
    assert_eq!(stored(&app, &admin, &id)["address"], Value::Null);
    // They need If-Match as well.
    patch(&app, &member.token, &id, None, &json!({"address": "x"}))
        .problem(428, "precondition_required");

    // Everything else is the province's: 403 naming exactly those fields, nothing changed.
    let res = patch(
        &app,
        &member.token,
        &id,
        Some("\"3\""),
        &json!({
            "status": "deregistered",
            "evaluation_grade": "5A",
            "name": "自封的名字",
            "credit_code": code(3),
            "contact_name": "这个可以",
        }),
    );
    assert_forbidden_fields(
        &res,
        &["status", "evaluation_grade", "name", "credit_code"],
        "org user, profile fields",
    );
    for (field, value) in [
        ("org_type", json!("foundation")),
        ("level", json!("county")),
        ("sector", json!("other")),
        ("registration_region_code", json!("5301")),
        ("supervising_unit", json!("某厅")),
        ("supervising_unit", Value::Null),
        ("evaluation_grade", Value::Null),
        ("status", json!("active")),
    ] {
        let res = patch(
            &app,
            &member.token,
            &id,
            Some("\"3\""),
            &json!({field: value}),
        );
        assert_forbidden_fields(&res, &[field], field);
    }
    // Without If-Match the answer is still the refusal.
    let res = patch(&app, &member.token, &id, None, &json!({"status": "active"}));
    assert_forbidden_fields(&res, &["status"], "no If-Match");
    let after = stored(&app, &admin, &id);
    assert_eq!(after["contact_name"], "新联系人", "nothing changed");
    assert_eq!(after["status"], "active");
    assert_eq!(after["evaluation_grade"], "3A");
    assert_eq!(after["name"], "自己的协会");
    assert_eq!(after["credit_code"], code(1));
    assert_eq!(after["version"], 3);

    // Another organization's user, and other roles, change nothing of it.
    let contact = json!({"contact_name": "冒名顶替"});
    let res = patch(&app, &outsider.token, &id, Some("\"3\""), &contact);
    assert_forbidden_fields(&res, &["contact_name"], "another organization's user");
    let res = patch(
        &app,
        &outsider.token,
        &id,
        Some("\"3\""),
        &json!({"has_party_organization": false, "address": "x", "contact_phone": "13812345678"}),
    );
    assert_forbidden_fields(
        &res,
        &["has_party_organization", "address", "contact_phone"],
        "another organization's user, all contacts",
    );
    for (role, region) in [
        ("viewer", None),
        ("county_officer", Some("530102")),
        ("prefecture_officer", Some("5301")),
        ("integration", None),
    ] {
        let user = app.create_user(role, region, None);
        let res = patch(&app, &user.token, &id, Some("\"3\""), &contact);
        assert_forbidden_fields(&res, &["contact_name"], role);
    }
    let after = stored(&app, &admin, &id);
    assert_eq!(after["contact_name"], "新联系人");
    assert_eq!(after["version"], 3);
    assert_eq!(
        audit_actions(&app, &admin, "organization", &id),
        ["update", "update", "create"]
    );
}

#[test]
fn a_patch_that_changes_nothing_keeps_the_version() {
    let app = TestApp::spawn();
    let admin = app.admin_token();
    let org = created(
        &app,
        &admin,
        &new_org(
            "不变的协会",
            &code(1),
            &json!({"contact_phone": "0871-65123456", "evaluation_grade": "1A"}),
        ),
    );
    let id = id_of(&org);
    for body in [
        json!({}),
        json!({"name": "不变的协会", "status": "active", "evaluation_grade": "1A"}),
        // The same number written differently, the same code in lower case.
        json!({"contact_phone": "0871 6512 3456", "credit_code": code(1).to_lowercase()}),
        json!({"address": null, "has_party_organization": false}),
    ] {
        let res = patch(&app, &admin, &id, Some("\"1\""), &body);
        assert_eq!(res.status, 200, "{body}: {}", res.text);
        assert_eq!(res.header("etag"), Some("\"1\""), "{body}");
        assert_eq!(res.json()["version"], 1, "{body}");
    }
    let now = stored(&app, &admin, &id);
    assert_eq!(now["version"], 1);
    assert_eq!(now["updated_at"], org["updated_at"]);
    assert_eq!(audit_actions(&app, &admin, "organization", &id), ["create"]);
    assert_eq!(event_actions(&app, &admin, "organization", &id), ["create"]);
    // And a real change still works from there.
    let res = patch_current(&app, &admin, &id, &json!({"evaluation_grade": "2A"}));
    assert_eq!(res.status, 200, "{}", res.text);
    assert_eq!(res.json()["version"], 2);
}

// --- Organization users ---------------------------------------------------------

#[test]
fn an_org_user_of_a_missing_organization_is_refused_not_a_server_error() {
    let app = TestApp::spawn();
    let admin = app.admin_token();
    let users_before = app
        .request("GET", "/api/v1/users", Some(&admin), None, &[])
        .json()["total"]
        .as_i64()
        .unwrap();
    let ghost = uuid::Uuid::now_v7().to_string();
    let res = app.request(
        "POST",
        "/api/v1/users",
        Some(&admin),
        Some(&json!({
            "username": "ghost.member",
            "display_name": "不存在的组织的成员",
            "role": "org_user",
            "organization_id": ghost,
            "password": "pw-for-tests-0123",
        })),
        &[],
    );
    assert!(
        res.status == 422 || res.status == 409,
        "an org user of an organization that does not exist: want 422 (or 409), got {} {}",
        res.status,
        res.text
    );
    assert_eq!(
        res.header("content-type"),
        Some("application/problem+json"),
        "{}",
        res.text
    );
    let body = res.json();
    assert!(
        body["errors"]
            .as_array()
            .is_some_and(|e| e.iter().any(|e| e["field"] == "organization_id")),
        "names organization_id: {body}"
    );
    let users_after = app
        .request("GET", "/api/v1/users", Some(&admin), None, &[])
        .json()["total"]
        .as_i64()
        .unwrap();
    assert_eq!(users_after, users_before, "no account was made");
}

#[test]
fn organization_users_see_their_organization_on_their_account() {
    let app = TestApp::spawn();
    let admin = app.admin_token();
    let org = id_of(&created(
        &app,
        &admin,
        &new_org("有成员的协会", &code(1), &json!({})),
    ));
    let member = app.create_user("org_user", None, Some(&org));
    let me = app
        .request("GET", "/api/v1/auth/me", Some(&member.token), None, &[])
        .json();
    assert_eq!(me["organization_id"], org.as_str(), "{me}");
}

#[test]
fn moving_an_org_user_to_a_missing_organization_is_refused_not_a_server_error() {
    let app = TestApp::spawn();
    let admin = app.admin_token();
    let org = id_of(&created(
        &app,
        &admin,
        &new_org("原来的协会", &code(1), &json!({})),
    ));
    let member = app.create_user("org_user", None, Some(&org));
    let ghost = uuid::Uuid::now_v7().to_string();
    let res = app.request(
        "PATCH",
        &format!("/api/v1/users/{}", member.id),
        Some(&admin),
        Some(&json!({"organization_id": ghost})),
        &[("If-Match", "\"1\"")],
    );
    assert!(
        res.status == 422 || res.status == 409,
        "moving an org user to an organization that does not exist: want 422 (or 409), got {} {}",
        res.status,
        res.text
    );
    assert_eq!(
        res.header("content-type"),
        Some("application/problem+json"),
        "{}",
        res.text
    );
    let user = app
        .request(
            "GET",
            &format!("/api/v1/users/{}", member.id),
            Some(&admin),
            None,
            &[],
        )
        .json();
    assert_eq!(user["organization_id"], org.as_str(), "{user}");
    assert_eq!(user["version"], 1, "{user}");
}

#[test]
fn concurrent_registrations_of_one_credit_code_let_exactly_one_through() {
    let app = TestApp::spawn();
    let admin = app.admin_token();
    let barrier = std::sync::Barrier::new(4);
    let statuses: Vec<u16> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..4)
            .map(|i| {
                let (app, admin, barrier) = (&app, &admin, &barrier);
                s.spawn(move || {
                    // Each its own name, all the same credit code.
                    let body = new_org(&format!("并发登记{i}"), &code(1), &json!({}));
                    barrier.wait();
                    let res = create(app, admin, &body);
                    if res.status != 201 {
                        assert_conflict(&res, "credit_code", "taken", "a racing registration");
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
    assert_eq!(list(&app, Some(&admin), "")["total"], 1);
}
