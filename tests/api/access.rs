//! Who may do what: the role matrix of the protected endpoints, and `PATCH
//! /api/v1/regions/{code}` with its field-level rights, `If-Match` and lost updates,
//! black-box over HTTP.

use serde_json::{json, Value};
use tests::{Response, TestApp, TestUser};

const COUNTY: &str = "530102";
const OTHER_COUNTY: &str = "530103";
const VILLAGE: &str = "530102001001";

fn region_path(code: &str) -> String {
    format!("/api/v1/regions/{code}")
}

/// The region as stored, read back over the public GET.
fn region(app: &TestApp, code: &str) -> Response {
    let res = app.get(&region_path(code));
    assert_eq!(res.status, 200, "{code}: {}", res.text);
    res
}

fn patch_region(
    app: &TestApp,
    token: Option<&str>,
    code: &str,
    if_match: Option<&str>,
    body: &Value,
) -> Response {
    let headers: Vec<(&str, &str)> = if_match.map(|v| ("If-Match", v)).into_iter().collect();
    app.request("PATCH", &region_path(code), token, Some(body), &headers)
}

/// PATCH with the ETag a GET just gave.
fn patch_current(app: &TestApp, token: &str, code: &str, body: &Value) -> Response {
    let tag = region(app, code).header("etag").unwrap().to_owned();
    patch_region(app, Some(token), code, Some(&tag), body)
}

/// A 403 naming exactly `fields`, each with code `forbidden`.
fn assert_forbidden_fields(res: &Response, fields: &[&str], what: &str) {
    assert_eq!(res.status, 403, "{what}: {}", res.text);
    let body = res.problem(403, "forbidden");
    let errors = body["errors"].as_array().unwrap();
    let named: Vec<&str> = errors
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(named, fields, "{what}: {body}");
    assert!(
        errors.iter().all(|e| e["code"] == "forbidden"),
        "{what}: {body}"
    );
}

fn total(app: &TestApp, token: &str, path: &str) -> i64 {
    let res = app.request("GET", path, Some(token), None, &[]);
    assert_eq!(res.status, 200, "{path}: {}", res.text);
    res.json()["total"].as_i64().unwrap()
}

/// One account of every role but the province admin's.
fn everyone_else(app: &TestApp) -> Vec<(&'static str, TestUser)> {
    let org = app.create_organization("测试社会组织", 1);
    vec![
        (
            "prefecture_officer",
            app.create_user("prefecture_officer", Some("5301"), None),
        ),
        (
            "county_officer",
            app.create_user("county_officer", Some(COUNTY), None),
        ),
        ("org_user", app.create_user("org_user", None, Some(&org))),
        ("viewer", app.create_user("viewer", None, None)),
        ("integration", app.create_user("integration", None, None)),
    ]
}

#[test]
fn the_role_matrix_of_the_protected_endpoints() {
    let app = TestApp::spawn();
    let admin = app.admin_token();
    let others = everyone_else(&app);
    let users_before = total(&app, &admin, "/api/v1/users");
    let new_account = |name: &str| {
        json!({
            "username": name,
            "display_name": "made by whom?",
            "role": "province_admin",
            "password": "an-escalation-attempt-1",
        })
    };

    for (role, user) in &others {
        let token = Some(user.token.as_str());
        app.request("GET", "/api/v1/users", token, None, &[])
            .problem(403, "forbidden");
        app.request(
            "POST",
            "/api/v1/users",
            token,
            Some(&new_account(&format!("made.by.{role}"))),
            &[],
        )
        .problem(403, "forbidden");
        app.request("GET", "/api/v1/audit-log", token, None, &[])
            .problem(403, "forbidden");
        let events = app.request("GET", "/api/v1/events", token, None, &[]);
        if *role == "integration" {
            assert_eq!(events.status, 200, "{role}: {}", events.text);
            assert!(events.json()["items"].is_array());
        } else {
            events.problem(403, "forbidden");
        }
        // Everyone sees their own account.
        let own = app.request(
            "GET",
            &format!("/api/v1/users/{}", user.id),
            token,
            None,
            &[],
        );
        assert_eq!(own.status, 200, "{role}: {}", own.text);
    }

    // The province admin may do all of it.
    assert_eq!(total(&app, &admin, "/api/v1/users"), users_before);
    let res = app.request(
        "POST",
        "/api/v1/users",
        Some(&admin),
        Some(&new_account("made.by.admin")),
        &[],
    );
    assert_eq!(res.status, 201, "{}", res.text);
    assert!(total(&app, &admin, "/api/v1/audit-log") > 0);
    let events = app.request("GET", "/api/v1/events", Some(&admin), None, &[]);
    assert_eq!(events.status, 200);

    // Without a token: 401 everywhere.
    for (method, path) in [
        ("GET", "/api/v1/users"),
        ("POST", "/api/v1/users"),
        ("GET", "/api/v1/audit-log"),
        ("GET", "/api/v1/events"),
    ] {
        let body = (method == "POST").then(|| new_account("made.by.nobody"));
        app.request(method, path, None, body.as_ref(), &[])
            .problem(401, "unauthorized");
    }
    // The refused creations left no account behind.
    assert_eq!(
        total(&app, &admin, "/api/v1/users?q=made.by"),
        1,
        "only the admin's"
    );
}

#[test]
fn admins_designate_counties() {
    let app = TestApp::spawn();
    let admin = app.admin_token();
    let before = region(&app, COUNTY);
    assert_eq!(before.header("etag"), Some("\"1\""));

    let res = patch_region(
        &app,
        Some(&admin),
        COUNTY,
        Some("\"1\""),
        &json!({"key_county": "national", "border_county": true}),
    );
    assert_eq!(res.status, 200, "{}", res.text);
    assert_eq!(res.header("etag"), Some("\"2\""));
    let body = res.json();
    assert_eq!(body["version"], 2);
    assert_eq!(body["key_county"], "national");
    assert_eq!(body["border_county"], true);
    assert_eq!(body["code"], COUNTY);

    let stored = region(&app, COUNTY);
    assert_eq!(stored.header("etag"), Some("\"2\""));
    let stored = stored.json();
    assert_eq!(stored["key_county"], "national");
    assert_eq!(stored["border_county"], true);
    assert_eq!(stored["version"], 2);
    assert_ne!(stored["updated_at"], before.json()["updated_at"]);
    // The county list sees it too.
    let county = app.get(&format!("/api/v1/counties/{COUNTY}")).json();
    assert_eq!(county["key_county"], "national");
    assert_eq!(county["border_county"], true);

    // null clears a designation; an absent field stays as it is.
    let res = patch_region(
        &app,
        Some(&admin),
        COUNTY,
        Some("\"2\""),
        &json!({"key_county": null}),
    );
    assert_eq!(res.status, 200, "{}", res.text);
    let stored = region(&app, COUNTY).json();
    assert_eq!(stored["key_county"], Value::Null);
    assert_eq!(stored["border_county"], true);
    assert_eq!(stored["version"], 3);

    let res = patch_current(&app, &admin, COUNTY, &json!({"key_county": "provincial"}));
    assert_eq!(res.status, 200);
    assert_eq!(region(&app, COUNTY).json()["key_county"], "provincial");
}

#[test]
fn region_patches_need_a_current_if_match() {
    let app = TestApp::spawn();
    let admin = app.admin_token();
    let change = json!({"border_county": true});
    patch_region(&app, Some(&admin), COUNTY, None, &change).problem(428, "precondition_required");
    let body = patch_region(&app, Some(&admin), COUNTY, Some("\"5\""), &change)
        .problem(412, "precondition_failed");
    assert_eq!(body["instance"], region_path(COUNTY));
    patch_region(&app, Some(&admin), COUNTY, Some("\"0\""), &change)
        .problem(412, "precondition_failed");
    let stored = region(&app, COUNTY).json();
    assert_eq!(stored["version"], 1);
    assert_eq!(stored["border_county"], false);

    // A weak ETag of the current version is as good.
    let res = patch_region(&app, Some(&admin), COUNTY, Some("W/\"1\""), &change);
    assert_eq!(res.status, 200, "{}", res.text);
    assert_eq!(region(&app, COUNTY).json()["border_county"], true);

    // Nor can a region that does not exist be changed.
    patch_region(&app, Some(&admin), "539999", Some("\"1\""), &change).problem(404, "not_found");
}

#[test]
fn the_second_of_two_patches_from_one_version_is_refused() {
    let app = TestApp::spawn();
    let admin = app.admin_token();
    let officer = app.create_user("county_officer", Some(COUNTY), None);
    let first = patch_region(
        &app,
        Some(&admin),
        VILLAGE,
        Some("\"1\""),
        &json!({"tags": ["demonstration"]}),
    );
    assert_eq!(first.status, 200, "{}", first.text);
    let second = patch_region(
        &app,
        Some(&officer.token),
        VILLAGE,
        Some("\"1\""),
        &json!({"tags": ["green_beautiful"]}),
    );
    second.problem(412, "precondition_failed");
    let stored = region(&app, VILLAGE).json();
    assert_eq!(stored["tags"], json!(["demonstration"]));
    assert_eq!(stored["version"], 2);
}

#[test]
fn concurrent_patches_from_one_version_let_exactly_one_through() {
    let app = TestApp::spawn();
    let admin = app.admin_token();
    let barrier = std::sync::Barrier::new(4);
    let tags = [
        "demonstration",
        "green_beautiful",
        "border_happy",
        "relocation_community",
    ];
    let statuses: Vec<u16> = std::thread::scope(|s| {
        let handles: Vec<_> = tags
            .iter()
            .map(|tag| {
                let (app, admin, barrier) = (&app, &admin, &barrier);
                s.spawn(move || {
                    barrier.wait();
                    let res = patch_region(
                        app,
                        Some(admin),
                        VILLAGE,
                        Some("\"1\""),
                        &json!({"tags": [tag]}),
                    );
                    if res.status != 200 {
                        res.problem(412, "precondition_failed");
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
    let stored = region(&app, VILLAGE).json();
    assert_eq!(stored["version"], 2);
    assert_eq!(stored["tags"].as_array().unwrap().len(), 1);
}

#[test]
fn the_county_officer_tags_its_own_villages() {
    let app = TestApp::spawn();
    let officer = app.create_user("county_officer", Some(COUNTY), None);
    let res = patch_region(
        &app,
        Some(&officer.token),
        VILLAGE,
        Some("\"1\""),
        &json!({"tags": ["green_beautiful", "demonstration", "green_beautiful"]}),
    );
    assert_eq!(res.status, 200, "{}", res.text);
    assert_eq!(res.header("etag"), Some("\"2\""));
    let body = res.json();
    assert_eq!(body["tags"], json!(["demonstration", "green_beautiful"]));
    assert_eq!(body["version"], 2);

    let stored = region(&app, VILLAGE);
    assert_eq!(stored.header("etag"), Some("\"2\""));
    let stored = stored.json();
    assert_eq!(stored["tags"], json!(["demonstration", "green_beautiful"]));
    assert_eq!(stored["version"], 2);
    assert_eq!(
        app.get("/api/v1/regions?tag=demonstration").json()["items"][0]["code"],
        VILLAGE
    );

    // The province admin may tag too, and an empty list clears the tags.
    let admin = app.admin_token();
    let res = patch_region(
        &app,
        Some(&admin),
        VILLAGE,
        Some("\"2\""),
        &json!({"tags": ["weak_collective_economy", "border_happy"]}),
    );
    assert_eq!(res.status, 200, "{}", res.text);
    assert_eq!(
        region(&app, VILLAGE).json()["tags"],
        json!(["border_happy", "weak_collective_economy"])
    );
    let res = patch_current(&app, &officer.token, VILLAGE, &json!({"tags": []}));
    assert_eq!(res.status, 200, "{}", res.text);
    let stored = region(&app, VILLAGE).json();
    assert_eq!(stored["tags"], json!([]));
    assert_eq!(stored["version"], 4);

    // A village of another township in the same county is the officer's too.
    let elsewhere = app
        .get("/api/v1/regions?level=village&parent=530102002&page_size=1")
        .json()["items"][0]["code"]
        .as_str()
        .unwrap()
        .to_owned();
    let res = patch_current(
        &app,
        &officer.token,
        &elsewhere,
        &json!({"tags": ["demonstration"]}),
    );
    assert_eq!(res.status, 200, "{elsewhere}: {}", res.text);
}

#[test]
fn fields_one_may_not_set_are_403_naming_them() {
    let app = TestApp::spawn();
    let officer = app.create_user("county_officer", Some(COUNTY), None);
    let neighbour = app.create_user("county_officer", Some(OTHER_COUNTY), None);
    let tags = json!({"tags": ["demonstration"]});

    // Another county's officer may not tag this county's villages.
    let res = patch_region(&app, Some(&neighbour.token), VILLAGE, Some("\"1\""), &tags);
    assert_forbidden_fields(&res, &["tags"], "the officer of 530103");
    // Even without If-Match the answer is the refusal.
    let res = patch_region(&app, Some(&neighbour.token), VILLAGE, None, &tags);
    assert_forbidden_fields(&res, &["tags"], "the officer of 530103, no If-Match");

    // A county officer does not designate, not even its own county.
    let res = patch_region(
        &app,
        Some(&officer.token),
        COUNTY,
        Some("\"1\""),
        &json!({"key_county": "national"}),
    );
    assert_forbidden_fields(&res, &["key_county"], "county officer, key_county");
    let res = patch_region(
        &app,
        Some(&officer.token),
        COUNTY,
        Some("\"1\""),
        &json!({"border_county": true}),
    );
    assert_forbidden_fields(&res, &["border_county"], "county officer, border_county");
    let res = patch_region(
        &app,
        Some(&officer.token),
        COUNTY,
        Some("\"1\""),
        &json!({"key_county": null, "border_county": false}),
    );
    assert_forbidden_fields(
        &res,
        &["key_county", "border_county"],
        "county officer, both",
    );
    // A field it may set does not carry one it may not.
    let res = patch_region(
        &app,
        Some(&officer.token),
        VILLAGE,
        Some("\"1\""),
        &json!({"tags": ["demonstration"], "key_county": "national"}),
    );
    assert_forbidden_fields(&res, &["key_county"], "county officer, tags and key_county");

    // Everyone else tags nothing, and designates nothing.
    let org = app.create_organization("测试社会组织", 1);
    for (role, user) in [
        (
            "prefecture_officer",
            app.create_user("prefecture_officer", Some("5301"), None),
        ),
        ("viewer", app.create_user("viewer", None, None)),
        ("integration", app.create_user("integration", None, None)),
        ("org_user", app.create_user("org_user", None, Some(&org))),
    ] {
        let res = patch_region(&app, Some(&user.token), VILLAGE, Some("\"1\""), &tags);
        assert_forbidden_fields(&res, &["tags"], role);
        let res = patch_region(
            &app,
            Some(&user.token),
            COUNTY,
            Some("\"1\""),
            &json!({"key_county": "national"}),
        );
        assert_forbidden_fields(&res, &["key_county"], role);
    }

    // No token at all.
    let res = patch_region(&app, None, VILLAGE, Some("\"1\""), &tags);
    res.problem(401, "unauthorized");

    // Nothing was stored.
    let village = region(&app, VILLAGE).json();
    assert_eq!(village["tags"], json!([]));
    assert_eq!(village["version"], 1);
    let county = region(&app, COUNTY).json();
    assert_eq!(county["key_county"], Value::Null);
    assert_eq!(county["version"], 1);
}

#[test]
fn fields_follow_the_level_and_the_schema() {
    let app = TestApp::spawn();
    let admin = app.admin_token();
    let res = patch_region(
        &app,
        Some(&admin),
        VILLAGE,
        Some("\"1\""),
        &json!({"key_county": "national"}),
    );
    let body = res.problem(422, "validation_failed");
    assert_eq!(body["errors"][0]["field"], "key_county");
    assert_eq!(body["errors"][0]["code"], "not_applicable");
    let body = patch_region(
        &app,
        Some(&admin),
        VILLAGE,
        Some("\"1\""),
        &json!({"border_county": true}),
    )
    .problem(422, "validation_failed");
    assert_eq!(body["errors"][0]["field"], "border_county");
    assert_eq!(body["errors"][0]["code"], "not_applicable");
    for code in [COUNTY, "5301", "530102001"] {
        let body = patch_region(
            &app,
            Some(&admin),
            code,
            Some("\"1\""),
            &json!({"tags": []}),
        )
        .problem(422, "validation_failed");
        assert_eq!(body["errors"][0]["field"], "tags", "{code}");
        assert_eq!(body["errors"][0]["code"], "not_applicable", "{code}");
    }
    let body = patch_region(
        &app,
        Some(&admin),
        "5301",
        Some("\"1\""),
        &json!({"key_county": "national"}),
    )
    .problem(422, "validation_failed");
    assert_eq!(body["errors"][0]["code"], "not_applicable");

    // Unknown fields and unknown values.
    let body = patch_region(
        &app,
        Some(&admin),
        COUNTY,
        Some("\"1\""),
        &json!({"name": "改名"}),
    )
    .problem(422, "validation_failed");
    assert_eq!(body["errors"][0]["field"], "name");
    assert_eq!(body["errors"][0]["code"], "unknown_field");
    patch_region(
        &app,
        Some(&admin),
        COUNTY,
        Some("\"1\""),
        &json!({"key_county": "global"}),
    )
    .problem(422, "validation_failed");
    patch_region(
        &app,
        Some(&admin),
        VILLAGE,
        Some("\"1\""),
        &json!({"tags": ["haunted"]}),
    )
    .problem(422, "validation_failed");
    patch_region(
        &app,
        Some(&admin),
        COUNTY,
        Some("\"1\""),
        &json!({"border_county": "yes"}),
    )
    .problem(422, "validation_failed");
    app.request(
        "PATCH",
        &region_path(COUNTY),
        Some(&admin),
        None,
        &[("If-Match", "\"1\""), ("Content-Type", "text/plain")],
    )
    .problem(415, "unsupported_media_type");

    for code in [VILLAGE, COUNTY, "5301"] {
        assert_eq!(region(&app, code).json()["version"], 1, "{code}");
    }
}

#[test]
fn a_patch_that_changes_nothing_keeps_the_version() {
    let app = TestApp::spawn();
    let admin = app.admin_token();
    let res = patch_region(
        &app,
        Some(&admin),
        COUNTY,
        Some("\"1\""),
        &json!({"key_county": null, "border_county": false}),
    );
    assert_eq!(res.status, 200, "{}", res.text);
    assert_eq!(res.header("etag"), Some("\"1\""));
    assert_eq!(res.json()["version"], 1);
    let res = patch_region(&app, Some(&admin), VILLAGE, Some("\"1\""), &json!({}));
    assert_eq!(res.status, 200, "{}", res.text);
    assert_eq!(res.json()["version"], 1);

    let res = patch_region(
        &app,
        Some(&admin),
        VILLAGE,
        Some("\"1\""),
        &json!({"tags": ["green_beautiful", "demonstration"]}),
    );
    assert_eq!(res.json()["version"], 2);
    // The same set in another order, repeated: no change.
    let res = patch_region(
        &app,
        Some(&admin),
        VILLAGE,
        Some("\"2\""),
        &json!({"tags": ["demonstration", "green_beautiful", "demonstration"]}),
    );
    assert_eq!(res.status, 200, "{}", res.text);
    assert_eq!(res.json()["version"], 2);
    assert_eq!(res.header("etag"), Some("\"2\""));
    assert_eq!(region(&app, VILLAGE).json()["version"], 2);
}
