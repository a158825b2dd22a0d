//! `/api/v1/users`: accounts (province admins), their validation, `If-Match` on
//! changes, the last active admin, and passwords, black-box over HTTP.

use serde_json::{json, Value};
use tests::{Response, TestApp, ADMIN_PASSWORD};

const USERS: &str = "/api/v1/users";

fn create(app: &TestApp, token: &str, body: &Value) -> Response {
    app.request("POST", USERS, Some(token), Some(body), &[])
}

/// A valid new account's body, changed by `overrides`.
fn new_user(username: &str, role: &str, overrides: &Value) -> Value {
    let mut body = json!({
        "username": username,
        "display_name": format!("{username} 测试"),
        "role": role,
        "password": "a-long-enough-secret-1",
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

fn created(app: &TestApp, token: &str, body: &Value) -> Value {
    let res = create(app, token, body);
    assert_eq!(res.status, 201, "{body}: {}", res.text);
    res.json()
}

fn get(app: &TestApp, token: &str, path: &str) -> Response {
    app.request("GET", path, Some(token), None, &[])
}

fn list(app: &TestApp, token: &str, query: &str) -> Value {
    let res = get(app, token, &format!("{USERS}?{query}"));
    assert_eq!(res.status, 200, "{query}: {}", res.text);
    res.json()
}

fn usernames(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["username"].as_str().unwrap().to_owned())
        .collect()
}

fn patch(app: &TestApp, token: &str, id: &str, if_match: Option<&str>, body: &Value) -> Response {
    let headers: Vec<(&str, &str)> = if_match.map(|v| ("If-Match", v)).into_iter().collect();
    app.request(
        "PATCH",
        &format!("{USERS}/{id}"),
        Some(token),
        Some(body),
        &headers,
    )
}

fn set_password(app: &TestApp, token: &str, id: &str, body: &Value) -> Response {
    app.request(
        "POST",
        &format!("{USERS}/{id}/password"),
        Some(token),
        Some(body),
        &[],
    )
}

fn login_status(app: &TestApp, username: &str, password: &str) -> u16 {
    app.request(
        "POST",
        "/api/v1/auth/login",
        None,
        Some(&json!({"username": username, "password": password})),
        &[],
    )
    .status
}

fn admin_id(app: &TestApp, token: &str) -> String {
    get(app, token, "/api/v1/auth/me").json()["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// Asserts a 422 whose first error names `field` with `code`.
fn assert_invalid(res: &Response, field: &str, code: &str, what: &str) {
    assert_eq!(res.status, 422, "{what}: {}", res.text);
    let body = res.problem(422, "validation_failed");
    let errors = body["errors"].as_array().unwrap();
    assert!(
        errors
            .iter()
            .any(|e| e["field"] == field && e["code"] == code),
        "{what}: wanted {field}/{code} in {body}"
    );
}

#[test]
fn admins_create_accounts_of_every_role() {
    let app = TestApp::spawn();
    let admin = app.admin_token();
    let org = app.create_organization("测试社会组织", 1);
    for (username, role, extra) in [
        ("viewer.one", "viewer", json!({})),
        ("integration.one", "integration", json!({})),
        (
            "kunming.pref",
            "prefecture_officer",
            json!({"region_code": "5301", "department": "rural_revitalization"}),
        ),
        (
            "wuhua.civil",
            "county_officer",
            json!({"region_code": "530102", "department": "civil_affairs"}),
        ),
        ("org.member", "org_user", json!({"organization_id": org})),
        ("second.admin", "province_admin", json!({})),
    ] {
        let body = new_user(username, role, &extra);
        let res = create(&app, &admin, &body);
        assert_eq!(res.status, 201, "{role}: {}", res.text);
        let user = res.json();
        let id = user["id"].as_str().unwrap();
        assert!(uuid::Uuid::parse_str(id).is_ok());
        assert_eq!(
            res.header("location"),
            Some(format!("/api/v1/users/{id}").as_str())
        );
        assert_eq!(res.header("etag"), Some("\"1\""));
        assert_eq!(user["username"], username);
        assert_eq!(user["display_name"], format!("{username} 测试"));
        assert_eq!(user["role"], role);
        assert_eq!(
            user["region_code"],
            extra.get("region_code").cloned().unwrap_or(Value::Null)
        );
        assert_eq!(
            user["organization_id"],
            extra.get("organization_id").cloned().unwrap_or(Value::Null)
        );
        assert_eq!(
            user["department"],
            extra.get("department").cloned().unwrap_or(Value::Null)
        );
        assert_eq!(user["active"], true);
        assert_eq!(user["version"], 1);
        assert!(user.get("password").is_none() && user.get("password_hash").is_none());
        assert!(!res.text.contains("a-long-enough-secret-1"));

        // It is there, as created, and it can log in.
        let res = get(&app, &admin, &format!("/api/v1/users/{id}"));
        assert_eq!(res.status, 200);
        assert_eq!(res.header("etag"), Some("\"1\""));
        assert_eq!(res.json(), user);
        let token = app.login(username, "a-long-enough-secret-1");
        assert_eq!(get(&app, &token, "/api/v1/auth/me").json()["id"], id);
    }
    assert_eq!(list(&app, &admin, "")["total"], 7);
}

#[test]
fn new_accounts_are_validated() {
    let app = TestApp::spawn();
    let admin = app.admin_token();
    let org = uuid::Uuid::now_v7().to_string();
    let cases: Vec<(Value, &str, &str, &str)> = vec![
        (
            new_user("ab", "viewer", &json!({})),
            "username",
            "too_short",
            "2 characters",
        ),
        (
            new_user(&"a".repeat(33), "viewer", &json!({})),
            "username",
            "too_long",
            "33 characters",
        ),
        (
            new_user("Zhang.san", "viewer", &json!({})),
            "username",
            "invalid_format",
            "capital",
        ),
        (
            new_user("zhang san", "viewer", &json!({})),
            "username",
            "invalid_format",
            "space",
        ),
        (
            new_user("张三丰", "viewer", &json!({})),
            "username",
            "invalid_format",
            "Chinese",
        ),
        (
            new_user("zhang@san", "viewer", &json!({})),
            "username",
            "invalid_format",
            "@",
        ),
        (
            new_user("zhang.san", "viewer", &json!({"password": "nine-char"})),
            "password",
            "too_short",
            "9-character password",
        ),
        (
            new_user(
                "zhang.san",
                "viewer",
                &json!({"password": "xx-zhang.san-2024"}),
            ),
            "password",
            "contains_username",
            "password with the username",
        ),
        (
            new_user(
                "zhang.san",
                "viewer",
                &json!({"password": "xx-ZHANG.SAN-2024"}),
            ),
            "password",
            "contains_username",
            "password with the username in capitals",
        ),
        (
            new_user("wuhua.one", "county_officer", &json!({})),
            "region_code",
            "required",
            "county officer without a region",
        ),
        (
            new_user(
                "wuhua.one",
                "county_officer",
                &json!({"region_code": "5301"}),
            ),
            "region_code",
            "wrong_level",
            "county officer with a prefecture",
        ),
        (
            new_user(
                "wuhua.one",
                "prefecture_officer",
                &json!({"region_code": "530102"}),
            ),
            "region_code",
            "wrong_level",
            "prefecture officer with a county",
        ),
        (
            new_user(
                "wuhua.one",
                "county_officer",
                &json!({"region_code": "539999"}),
            ),
            "region_code",
            "unknown_region",
            "a county that does not exist",
        ),
        (
            new_user("viewer.one", "viewer", &json!({"region_code": "530102"})),
            "region_code",
            "not_applicable",
            "viewer with a region",
        ),
        (
            new_user("org.one", "org_user", &json!({})),
            "organization_id",
            "required",
            "org user without an organization",
        ),
        (
            new_user("viewer.one", "viewer", &json!({"organization_id": org})),
            "organization_id",
            "not_applicable",
            "viewer with an organization",
        ),
        (
            new_user("viewer.one", "viewer", &json!({"-display_name": null})),
            "display_name",
            "required",
            "no display name",
        ),
        (
            new_user("viewer.one", "viewer", &json!({"display_name": "   "})),
            "display_name",
            "required",
            "a blank display name",
        ),
        (
            new_user("viewer.one", "viewer", &json!({"-password": null})),
            "password",
            "required",
            "no password",
        ),
        (
            new_user("viewer.one", "viewer", &json!({"is_admin": true})),
            "is_admin",
            "unknown_field",
            "an unknown field",
        ),
    ];
    for (body, field, code, what) in &cases {
        assert_invalid(&create(&app, &admin, body), field, code, what);
    }
    // A role that does not exist names the field.
    let res = create(&app, &admin, &new_user("viewer.one", "emperor", &json!({})));
    let body = res.problem(422, "validation_failed");
    assert_eq!(body["errors"][0]["field"], "role", "{body}");

    // Nothing was created.
    assert_eq!(list(&app, &admin, "")["total"], 1);
}

#[test]
fn usernames_are_unique() {
    let app = TestApp::spawn();
    let admin = app.admin_token();
    created(&app, &admin, &new_user("zhang.san", "viewer", &json!({})));
    let res = create(
        &app,
        &admin,
        &new_user(
            "zhang.san",
            "integration",
            &json!({"password": "another-password-2"}),
        ),
    );
    let body = res.problem(409, "conflict");
    assert_eq!(body["errors"][0]["field"], "username");
    assert_eq!(body["errors"][0]["code"], "taken");
    // The bootstrap admin's name too.
    let body =
        create(&app, &admin, &new_user("admin", "viewer", &json!({}))).problem(409, "conflict");
    assert_eq!(body["errors"][0]["code"], "taken");
    // The first account is untouched.
    let page = list(&app, &admin, "q=zhang.san");
    assert_eq!(page["total"], 1);
    assert_eq!(page["items"][0]["role"], "viewer");
}

#[test]
fn the_same_username_created_at_once_is_created_once() {
    let app = TestApp::spawn();
    let admin = app.admin_token();
    let statuses: Vec<u16> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..4)
            .map(|i| {
                let (app, admin) = (&app, &admin);
                s.spawn(move || {
                    let body = new_user(
                        "li.si",
                        "viewer",
                        &json!({"display_name": format!("attempt {i}")}),
                    );
                    let res = create(app, admin, &body);
                    if res.status != 201 {
                        let problem = res.problem(409, "conflict");
                        assert_eq!(problem["errors"][0]["code"], "taken");
                    }
                    res.status
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let mut sorted = statuses.clone();
    sorted.sort_unstable();
    assert_eq!(sorted, [201, 409, 409, 409], "{statuses:?}");
    assert_eq!(list(&app, &admin, "q=li.si")["total"], 1);
}

#[test]
fn the_account_list_pages_and_filters() {
    let app = TestApp::spawn();
    let admin = app.admin_token();
    let org = app.create_organization("测试社会组织", 1);
    for (username, role, display, extra) in [
        (
            "wuhua.one",
            "county_officer",
            "五华区民政局 张三",
            json!({"region_code": "530102"}),
        ),
        (
            "wuhua.two",
            "county_officer",
            "五华区乡村振兴局 李四",
            json!({"region_code": "530102"}),
        ),
        (
            "panlong.one",
            "county_officer",
            "盘龙区民政局 王五",
            json!({"region_code": "530103"}),
        ),
        (
            "kunming.one",
            "prefecture_officer",
            "昆明市 赵六",
            json!({"region_code": "5301"}),
        ),
        ("viewer.one", "viewer", "只读 张三丰", json!({})),
        (
            "org.one",
            "org_user",
            "社会组织 钱七",
            json!({"organization_id": org}),
        ),
    ] {
        let mut body = new_user(username, role, &extra);
        body["display_name"] = json!(display);
        created(&app, &admin, &body);
    }
    let gone = list(&app, &admin, "q=viewer.one")["items"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let res = patch(
        &app,
        &admin,
        &gone,
        Some("\"1\""),
        &json!({"active": false}),
    );
    assert_eq!(res.status, 200, "{}", res.text);

    let all = list(&app, &admin, "");
    assert_eq!(all["total"], 7);
    assert_eq!(all["page"], 1);
    assert_eq!(all["page_size"], 20);
    let names = usernames(&all);
    let mut sorted = names.clone();
    sorted.sort();
    assert_eq!(names, sorted, "sorted by username by default");
    assert!(!all.to_string().contains("password"));

    // Pages of 3 cover everyone once.
    let mut seen = Vec::new();
    for page in 1..=3 {
        let body = list(&app, &admin, &format!("page={page}&page_size=3"));
        assert_eq!(body["total"], 7);
        assert_eq!(body["page_size"], 3);
        seen.extend(usernames(&body));
    }
    assert_eq!(seen, names);

    assert_eq!(
        usernames(&list(&app, &admin, "role=county_officer")),
        ["panlong.one", "wuhua.one", "wuhua.two"]
    );
    assert_eq!(
        usernames(&list(&app, &admin, "region_code=530102")),
        ["wuhua.one", "wuhua.two"]
    );
    assert_eq!(
        usernames(&list(&app, &admin, "region_code=5301")),
        ["kunming.one"]
    );
    assert_eq!(
        usernames(&list(&app, &admin, "active=false")),
        ["viewer.one"]
    );
    assert_eq!(list(&app, &admin, "active=true")["total"], 6);
    assert_eq!(
        usernames(&list(&app, &admin, "q=wuhua")),
        ["wuhua.one", "wuhua.two"]
    );
    // q searches display names too.
    assert_eq!(
        usernames(&list(&app, &admin, "q=张三")),
        ["viewer.one", "wuhua.one"]
    );
    assert_eq!(
        usernames(&list(&app, &admin, "role=county_officer&q=民政局")),
        ["panlong.one", "wuhua.one"]
    );
    assert_eq!(list(&app, &admin, "q=nobody")["total"], 0);
    assert_eq!(
        usernames(&list(&app, &admin, "sort=-username&page_size=2")),
        ["wuhua.two", "wuhua.one"]
    );

    get(&app, &admin, &format!("{USERS}?role=emperor")).problem(400, "malformed_query");
    get(&app, &admin, &format!("{USERS}?active=maybe")).problem(400, "malformed_query");
    let body = get(&app, &admin, &format!("{USERS}?colour=red")).problem(400, "malformed_query");
    assert_eq!(body["errors"][0]["field"], "colour");
    get(&app, &admin, &format!("{USERS}?page_size=101")).problem(422, "validation_failed");
}

#[test]
fn an_account_is_seen_by_admins_and_its_holder_only() {
    let app = TestApp::spawn();
    let admin = app.admin_token();
    let a = app.create_user("viewer", None, None);
    let b = app.create_user("county_officer", Some("530102"), None);
    let path_a = format!("{USERS}/{}", a.id);
    let path_b = format!("{USERS}/{}", b.id);

    let own = get(&app, &a.token, &path_a);
    assert_eq!(own.status, 200, "{}", own.text);
    assert_eq!(own.json()["username"], a.username.as_str());
    assert_eq!(own.header("etag"), Some("\"1\""));
    assert_eq!(get(&app, &admin, &path_b).status, 200);

    // Another account is as absent as one that does not exist.
    get(&app, &a.token, &path_b).problem(404, "not_found");
    get(&app, &b.token, &path_a).problem(404, "not_found");
    let admin_path = format!("{USERS}/{}", admin_id(&app, &admin));
    get(&app, &a.token, &admin_path).problem(404, "not_found");
    let nobody = format!("{USERS}/{}", uuid::Uuid::now_v7());
    get(&app, &admin, &nobody).problem(404, "not_found");
    get(&app, &a.token, &nobody).problem(404, "not_found");
    get(&app, &admin, &format!("{USERS}/not-an-id")).problem(404, "not_found");
    app.get(&path_a).problem(401, "unauthorized");

    // A fresh copy is not sent twice.
    let res = app.request(
        "GET",
        &path_a,
        Some(&admin),
        None,
        &[("If-None-Match", "\"1\"")],
    );
    assert_eq!(res.status, 304);
}

#[test]
fn account_changes_need_if_match_and_an_admin() {
    let app = TestApp::spawn();
    let admin = app.admin_token();
    let user = app.create_user("viewer", None, None);
    let other = app.create_user("viewer", None, None);
    let path = format!("{USERS}/{}", user.id);
    let rename = json!({"display_name": "新名字"});

    patch(&app, &admin, &user.id, None, &rename).problem(428, "precondition_required");
    patch(&app, &admin, &user.id, Some("\"7\""), &rename).problem(412, "precondition_failed");
    patch(&app, &admin, &user.id, Some("\"0\""), &rename).problem(412, "precondition_failed");
    patch(
        &app,
        &admin,
        &user.id,
        Some("\"1\""),
        &json!({"colour": "red"}),
    )
    .problem(422, "validation_failed");
    patch(
        &app,
        &admin,
        &user.id,
        Some("\"1\""),
        &json!({"display_name": ""}),
    )
    .problem(422, "validation_failed");
    assert_eq!(
        get(&app, &admin, &path).json()["version"],
        1,
        "nothing changed yet"
    );

    // One's own account: visible, but not one's to change.
    let res = patch(&app, &user.token, &user.id, Some("\"1\""), &rename);
    res.problem(403, "forbidden");
    patch(
        &app,
        &user.token,
        &user.id,
        Some("\"1\""),
        &json!({"role": "province_admin"}),
    )
    .problem(403, "forbidden");
    // Another's: not even visible.
    patch(&app, &other.token, &user.id, Some("\"1\""), &rename).problem(404, "not_found");
    patch(
        &app,
        &admin,
        &uuid::Uuid::now_v7().to_string(),
        Some("\"1\""),
        &rename,
    )
    .problem(404, "not_found");
    let stored = get(&app, &admin, &path).json();
    assert_eq!(stored["version"], 1);
    assert_eq!(stored["role"], "viewer");

    let res = patch(&app, &admin, &user.id, Some("\"1\""), &rename);
    assert_eq!(res.status, 200, "{}", res.text);
    assert_eq!(res.header("etag"), Some("\"2\""));
    let body = res.json();
    assert_eq!(body["display_name"], "新名字");
    assert_eq!(body["version"], 2);
    let res = get(&app, &admin, &path);
    assert_eq!(res.header("etag"), Some("\"2\""));
    assert_eq!(res.json()["display_name"], "新名字");

    // The same ETag again: someone else's change came first.
    patch(
        &app,
        &admin,
        &user.id,
        Some("\"1\""),
        &json!({"display_name": "又一个"}),
    )
    .problem(412, "precondition_failed");
    assert_eq!(get(&app, &admin, &path).json()["display_name"], "新名字");

    // A new role and scope, checked like a new account's.
    let res = patch(
        &app,
        &admin,
        &user.id,
        Some("\"2\""),
        &json!({"role": "county_officer"}),
    );
    assert_invalid(
        &res,
        "region_code",
        "required",
        "county officer without a region",
    );
    let res = patch(
        &app,
        &admin,
        &user.id,
        Some("\"2\""),
        &json!({"role": "county_officer", "region_code": "5301"}),
    );
    assert_invalid(
        &res,
        "region_code",
        "wrong_level",
        "county officer with a prefecture",
    );
    let res = patch(
        &app,
        &admin,
        &user.id,
        Some("\"2\""),
        &json!({"role": "county_officer", "region_code": "530102", "department": "civil_affairs"}),
    );
    assert_eq!(res.status, 200, "{}", res.text);
    let stored = get(&app, &admin, &path).json();
    assert_eq!(stored["role"], "county_officer");
    assert_eq!(stored["region_code"], "530102");
    assert_eq!(stored["department"], "civil_affairs");
    assert_eq!(stored["version"], 3);

    // A change to nothing keeps the version.
    let res = patch(
        &app,
        &admin,
        &user.id,
        Some("\"3\""),
        &json!({"display_name": "新名字"}),
    );
    assert_eq!(res.status, 200, "{}", res.text);
    assert_eq!(res.json()["version"], 3);
    assert_eq!(res.header("etag"), Some("\"3\""));
}

#[test]
fn the_only_active_province_admin_stays_one() {
    let app = TestApp::spawn();
    let admin = app.admin_token();
    let id = admin_id(&app, &admin);

    let res = patch(&app, &admin, &id, Some("\"1\""), &json!({"active": false}));
    let body = res.problem(409, "conflict");
    assert_eq!(body["errors"][0]["code"], "last_admin", "{body}");
    assert_eq!(body["errors"][0]["field"], "active");
    let res = patch(&app, &admin, &id, Some("\"1\""), &json!({"role": "viewer"}));
    let body = res.problem(409, "conflict");
    assert_eq!(body["errors"][0]["code"], "last_admin", "{body}");
    let stored = get(&app, &admin, &format!("{USERS}/{id}")).json();
    assert_eq!(stored["active"], true);
    assert_eq!(stored["role"], "province_admin");
    assert_eq!(stored["version"], 1);

    // An inactive second admin does not count.
    let second = created(
        &app,
        &admin,
        &new_user("second.admin", "province_admin", &json!({})),
    );
    let second_id = second["id"].as_str().unwrap();
    let res = patch(
        &app,
        &admin,
        second_id,
        Some("\"1\""),
        &json!({"active": false}),
    );
    assert_eq!(res.status, 200, "{}", res.text);
    patch(&app, &admin, &id, Some("\"1\""), &json!({"active": false})).problem(409, "conflict");

    // With another active admin, the first may go.
    let res = patch(
        &app,
        &admin,
        second_id,
        Some("\"2\""),
        &json!({"active": true}),
    );
    assert_eq!(res.status, 200, "{}", res.text);
    let res = patch(&app, &admin, &id, Some("\"1\""), &json!({"active": false}));
    assert_eq!(res.status, 200, "{}", res.text);
    assert_eq!(get(&app, &admin, "/api/v1/auth/me").status, 401);
    let second_token = app.login("second.admin", "a-long-enough-secret-1");
    let res = patch(
        &app,
        &second_token,
        second_id,
        Some("\"3\""),
        &json!({"active": false}),
    );
    assert_eq!(
        res.problem(409, "conflict")["errors"][0]["code"],
        "last_admin"
    );
}

#[test]
fn two_admins_deactivating_each_other_at_once_leave_one() {
    let app = TestApp::spawn();
    let first = app.admin_token();
    let first_id = admin_id(&app, &first);
    let second = created(
        &app,
        &first,
        &new_user("second.admin", "province_admin", &json!({})),
    );
    let second_id = second["id"].as_str().unwrap().to_owned();
    let second_token = app.login("second.admin", "a-long-enough-secret-1");

    let barrier = std::sync::Barrier::new(2);
    let statuses: Vec<u16> = std::thread::scope(|s| {
        let jobs = [(&first, &second_id), (&second_token, &first_id)];
        let handles: Vec<_> = jobs
            .into_iter()
            .map(|(token, target)| {
                let (app, barrier) = (&app, &barrier);
                s.spawn(move || {
                    barrier.wait();
                    patch(app, token, target, Some("\"1\""), &json!({"active": false})).status
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let successes = statuses.iter().filter(|s| **s == 200).count();
    assert_eq!(successes, 1, "{statuses:?}");
    // The loser was either refused as the last admin or, deactivated first, lost its token.
    assert!(
        statuses.iter().all(|s| matches!(s, 200 | 401 | 409)),
        "{statuses:?}"
    );
    let survivor = if statuses[0] == 200 {
        &first
    } else {
        &second_token
    };
    let active = list(&app, survivor, "role=province_admin&active=true");
    assert_eq!(active["total"], 1, "{active}");
}

#[test]
fn holders_change_their_own_password_with_the_old_one() {
    let app = TestApp::spawn();
    let user = app.create_user("county_officer", Some("530102"), None);

    let res = set_password(
        &app,
        &user.token,
        &user.id,
        &json!({"old_password": "not-my-old-password", "new_password": "my-new-password-1"}),
    );
    assert_invalid(&res, "old_password", "incorrect", "a wrong old password");
    let res = set_password(
        &app,
        &user.token,
        &user.id,
        &json!({"new_password": "my-new-password-1"}),
    );
    assert_invalid(&res, "old_password", "required", "no old password");
    let res = set_password(
        &app,
        &user.token,
        &user.id,
        &json!({"old_password": user.password, "new_password": "short"}),
    );
    assert_invalid(&res, "new_password", "too_short", "a short new password");
    let res = set_password(
        &app,
        &user.token,
        &user.id,
        &json!({"old_password": user.password, "new_password": format!("x-{}-x", user.username)}),
    );
    assert_invalid(
        &res,
        "new_password",
        "contains_username",
        "the username in it",
    );
    let res = set_password(
        &app,
        &user.token,
        &user.id,
        &json!({"old_password": user.password}),
    );
    assert_invalid(&res, "new_password", "required", "no new password");
    // None of those changed anything.
    assert_eq!(login_status(&app, &user.username, &user.password), 200);

    let res = set_password(
        &app,
        &user.token,
        &user.id,
        &json!({"old_password": user.password, "new_password": "my-new-password-1"}),
    );
    assert_eq!(res.status, 204, "{}", res.text);
    assert!(res.bytes.is_empty());
    assert_eq!(login_status(&app, &user.username, &user.password), 401);
    assert_eq!(login_status(&app, &user.username, "my-new-password-1"), 200);
}

#[test]
fn admins_reset_other_passwords_and_others_cannot() {
    let app = TestApp::spawn();
    let admin = app.admin_token();
    let user = app.create_user("viewer", None, None);
    let stranger_org = app.create_organization("另一社会组织", 2);
    let stranger = app.create_user("org_user", None, Some(&stranger_org));

    // Someone else's password: as absent as a missing account.
    set_password(
        &app,
        &stranger.token,
        &user.id,
        &json!({"old_password": user.password, "new_password": "taken-over-password-1"}),
    )
    .problem(404, "not_found");
    set_password(
        &app,
        &stranger.token,
        &user.id,
        &json!({"new_password": "taken-over-password-1"}),
    )
    .problem(404, "not_found");
    assert_eq!(
        login_status(&app, &user.username, "taken-over-password-1"),
        401
    );

    let res = set_password(
        &app,
        &admin,
        &user.id,
        &json!({"new_password": "reset-by-admin-01"}),
    );
    assert_eq!(res.status, 204, "{}", res.text);
    assert_eq!(login_status(&app, &user.username, &user.password), 401);
    assert_eq!(login_status(&app, &user.username, "reset-by-admin-01"), 200);
    // The policy holds for resets too.
    let res = set_password(&app, &admin, &user.id, &json!({"new_password": "short"}));
    assert_invalid(&res, "new_password", "too_short", "a short reset");
    set_password(
        &app,
        &admin,
        &uuid::Uuid::now_v7().to_string(),
        &json!({"new_password": "reset-by-admin-02"}),
    )
    .problem(404, "not_found");

    // An admin's own password needs the old one like anyone's.
    let own = admin_id(&app, &admin);
    let res = set_password(
        &app,
        &admin,
        &own,
        &json!({"new_password": "fresh-root-secret-01"}),
    );
    assert_invalid(
        &res,
        "old_password",
        "required",
        "the admin's own, without the old",
    );
    let res = set_password(
        &app,
        &admin,
        &own,
        &json!({"old_password": ADMIN_PASSWORD, "new_password": "fresh-root-secret-01"}),
    );
    assert_eq!(res.status, 204, "{}", res.text);
    assert_eq!(login_status(&app, "admin", ADMIN_PASSWORD), 401);
    assert_eq!(login_status(&app, "admin", "fresh-root-secret-01"), 200);
}
