//! `/api/v1/liaisons`: naming, succeeding and retiring the liaison officers of
//! prefectures and counties, who may do it, and which regions still lack one.

use serde_json::{json, Value};
use tests::{Response, TestApp};

fn name(app: &TestApp, token: &str, region: &str, department: &str, who: &str) -> Response {
    app.request(
        "POST",
        "/api/v1/liaisons",
        Some(token),
        Some(&json!({
            "region_code": region,
            "department": department,
            "name": who,
            "position": "科长",
            "phone": "0871 6512 3456",
            "email": "Liaison@Example.GOV.cn",
        })),
        &[],
    )
}

fn missing(app: &TestApp, token: &str) -> Vec<Value> {
    let res = app.request("GET", "/api/v1/liaisons/missing", Some(token), None, &[]);
    assert_eq!(res.status, 200, "{}", res.text);
    res.json().as_array().unwrap().clone()
}

#[test]
fn a_new_liaison_retires_the_current_one() {
    let app = TestApp::spawn();
    let county = app.create_user("county_officer", Some("530102"), None);
    let first = name(&app, &county.token, "530102", "civil_affairs", "张三");
    assert_eq!(first.status, 201, "{}", first.text);
    assert_eq!(first.header("etag"), Some("\"1\""));
    let first = first.json();
    assert_eq!(first["region_name"], "五华区");
    assert_eq!(first["phone"], "0871-65123456");
    assert_eq!(first["email"], "Liaison@example.gov.cn");
    assert_eq!(first["active"], true);

    let second = name(&app, &county.token, "530102", "civil_affairs", "李四").json();
    let old = app
        .request(
            "GET",
            &format!("/api/v1/liaisons/{}", first["id"].as_str().unwrap()),
            Some(&county.token),
            None,
            &[],
        )
        .json();
    assert_eq!(old["active"], false);
    assert_eq!(old["version"], 2);
    let active = app
        .request(
            "GET",
            "/api/v1/liaisons?region_code=530102&department=civil_affairs&active=true",
            Some(&county.token),
            None,
            &[],
        )
        .json();
    assert_eq!(active["total"], 1);
    assert_eq!(active["items"][0]["id"], second["id"]);
    // Another department is independent.
    assert_eq!(
        name(
            &app,
            &county.token,
            "530102",
            "rural_revitalization",
            "王五"
        )
        .status,
        201
    );

    // Journaled: two creations and one retirement.
    let admin = app.admin_token();
    let audit = app
        .request(
            "GET",
            "/api/v1/audit-log?entity=liaison",
            Some(&admin),
            None,
            &[],
        )
        .json();
    let actions: Vec<&str> = audit["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions.iter().filter(|a| **a == "create").count(), 3);
    assert_eq!(actions.iter().filter(|a| **a == "retire").count(), 1);
}

#[test]
fn officers_name_liaisons_of_their_own_regions_only() {
    let app = TestApp::spawn();
    let admin = app.admin_token();
    let prefecture = app.create_user("prefecture_officer", Some("5301"), None);
    let county = app.create_user("county_officer", Some("530102"), None);
    let viewer = app.create_user("viewer", None, None);
    let org = app.create_organization("测试社会组织", 1);
    let member = app.create_user("org_user", None, Some(&org));
    for (token, region, status) in [
        (&prefecture.token, "5301", 201),
        (&prefecture.token, "530103", 201),
        (&prefecture.token, "5303", 403),
        (&prefecture.token, "530302", 403),
        (&county.token, "530102", 201),
        (&county.token, "530103", 403),
        (&county.token, "5301", 403),
        (&viewer.token, "530102", 403),
        (&member.token, "530102", 403),
        (&admin, "5334", 201),
    ] {
        let res = name(&app, token, region, "rural_revitalization", "赵六");
        assert_eq!(res.status, status, "{region}: {}", res.text);
        if status == 403 {
            res.problem(403, "forbidden");
        }
    }
    // The public sees none.
    app.get("/api/v1/liaisons").problem(401, "unauthorized");
    app.get("/api/v1/liaisons/missing")
        .problem(401, "unauthorized");
    // Everyone signed in reads them.
    let listed = app
        .request("GET", "/api/v1/liaisons", Some(&member.token), None, &[])
        .json();
    assert_eq!(listed["total"], 4);
}

#[test]
fn liaisons_are_checked() {
    let app = TestApp::spawn();
    let admin = app.admin_token();
    let field = |res: Response| {
        let body = res.problem(422, "validation_failed");
        (
            body["errors"][0]["field"].as_str().unwrap().to_owned(),
            body["errors"][0]["code"].as_str().unwrap().to_owned(),
        )
    };
    assert_eq!(
        field(name(&app, &admin, "530102001", "civil_affairs", "甲")),
        ("region_code".into(), "wrong_level".into())
    );
    assert_eq!(
        field(name(&app, &admin, "539999", "civil_affairs", "甲")),
        ("region_code".into(), "unknown_region".into())
    );
    assert_eq!(
        field(name(&app, &admin, "530102", "civil_affairs", " ")),
        ("name".into(), "required".into())
    );
    let bad_email = app.request(
        "POST",
        "/api/v1/liaisons",
        Some(&admin),
        Some(&json!({"region_code": "530102", "department": "civil_affairs", "name": "甲", "phone": "13812345678", "email": "not-an-email"})),
        &[],
    );
    assert_eq!(field(bad_email), ("email".into(), "invalid_format".into()));
    let bad_phone = app.request(
        "POST",
        "/api/v1/liaisons",
        Some(&admin),
        Some(&json!({"region_code": "530102", "department": "civil_affairs", "name": "甲", "phone": "12345"})),
        &[],
    );
    assert_eq!(field(bad_phone), ("phone".into(), "invalid_format".into()));
    let unknown = app.request(
        "POST",
        "/api/v1/liaisons",
        Some(&admin),
        Some(&json!({"region_code": "530102", "department": "finance", "name": "甲", "phone": "13812345678"})),
        &[],
    );
    assert_eq!(unknown.status, 422);
    let listed = app
        .request("GET", "/api/v1/liaisons", Some(&admin), None, &[])
        .json();
    assert_eq!(listed["total"], 0, "nothing stored");
}

#[test]
fn changes_need_if_match_and_reactivation_respects_the_successor() {
    let app = TestApp::spawn();
    let admin = app.admin_token();
    let first = name(&app, &admin, "530102", "civil_affairs", "张三").json();
    let id = first["id"].as_str().unwrap().to_owned();
    let path = format!("/api/v1/liaisons/{id}");
    app.request(
        "PATCH",
        &path,
        Some(&admin),
        Some(&json!({"phone": "13812345678"})),
        &[],
    )
    .problem(428, "precondition_required");
    app.request(
        "PATCH",
        &path,
        Some(&admin),
        Some(&json!({"phone": "13812345678"})),
        &[("If-Match", "\"9\"")],
    )
    .problem(412, "precondition_failed");
    let res = app.request(
        "PATCH",
        &path,
        Some(&admin),
        Some(&json!({"phone": "13812345678", "email": null})),
        &[("If-Match", "\"1\"")],
    );
    assert_eq!(res.status, 200, "{}", res.text);
    assert_eq!(res.json()["phone"], "13812345678");
    assert_eq!(res.json()["email"], Value::Null);
    assert_eq!(res.header("etag"), Some("\"2\""));

    name(&app, &admin, "530102", "civil_affairs", "李四");
    let retired = app.request("GET", &path, Some(&admin), None, &[]).json();
    assert_eq!(retired["active"], false);
    let etag = format!("\"{}\"", retired["version"]);
    app.request(
        "PATCH",
        &path,
        Some(&admin),
        Some(&json!({"active": true})),
        &[("If-Match", etag.as_str())],
    )
    .problem(409, "conflict");
    // A county officer elsewhere may not touch it.
    let other = app.create_user("county_officer", Some("530103"), None);
    app.request(
        "PATCH",
        &path,
        Some(&other.token),
        Some(&json!({"name": "王五"})),
        &[("If-Match", etag.as_str())],
    )
    .problem(403, "forbidden");
}

#[test]
fn the_missing_list_shrinks_as_liaisons_are_named() {
    let app = TestApp::spawn();
    let admin = app.admin_token();
    let before = missing(&app, &admin);
    assert_eq!(
        before.len(),
        16 + 129,
        "every prefecture and county lacks both"
    );
    assert!(before
        .iter()
        .all(|r| r["missing"].as_array().unwrap().len() == 2));

    name(&app, &admin, "530102", "civil_affairs", "张三");
    name(&app, &admin, "5301", "civil_affairs", "李四");
    name(&app, &admin, "5301", "rural_revitalization", "王五");
    let after = missing(&app, &admin);
    assert_eq!(after.len(), 16 + 129 - 1, "昆明市 is complete");
    let wuhua = after.iter().find(|r| r["region_code"] == "530102").unwrap();
    assert_eq!(wuhua["missing"], json!(["rural_revitalization"]));
    assert_eq!(wuhua["level"], "county");
    assert!(!after.iter().any(|r| r["region_code"] == "5301"));
}

#[test]
fn concurrent_namings_leave_exactly_one_active_liaison() {
    let app = TestApp::spawn();
    let admin = app.admin_token();
    std::thread::scope(|scope| {
        let handles: Vec<_> = (0..4)
            .map(|i| {
                let (app, admin) = (&app, &admin);
                scope.spawn(move || {
                    name(app, admin, "530102", "civil_affairs", &format!("联络员{i}")).status
                })
            })
            .collect();
        for handle in handles {
            assert_eq!(handle.join().unwrap(), 201);
        }
    });
    let all = app
        .request(
            "GET",
            "/api/v1/liaisons?region_code=530102&department=civil_affairs",
            Some(&admin),
            None,
            &[],
        )
        .json();
    assert_eq!(all["total"], 4);
    let active = app
        .request(
            "GET",
            "/api/v1/liaisons?region_code=530102&department=civil_affairs&active=true",
            Some(&admin),
            None,
            &[],
        )
        .json();
    assert_eq!(active["total"], 1, "{active}");
}
