//! Hostile JSON bodies and query strings, black-box over HTTP on both backends: NUL
//! characters (which PostgreSQL cannot store) in values, keys, query parameters and
//! path segments; arrays where objects are expected; text, amounts and depth past
//! their ceilings (and exactly at them); and error messages that speak JSON, never
//! Rust.

use domain::limits::{DESCRIPTION_MAX, JSON_DEPTH_MAX, MAX_AMOUNT_FEN};
use serde_json::{json, Value};
use tests::{credit_code, Response, TestApp, ADMIN_PASSWORD};

const LOGIN: &str = "/api/v1/auth/login";
const ORGANIZATIONS: &str = "/api/v1/organizations";
const PROJECTS: &str = "/api/v1/projects";
const COUNTY: &str = "530102";

/// The one problem of a 422 `validation_failed`, as `(field, code)`.
fn only_error(res: &Response) -> (String, String) {
    let problem = res.problem(422, "validation_failed");
    let errors = problem["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 1, "{problem}");
    (
        errors[0]["field"].as_str().unwrap().to_owned(),
        errors[0]["code"].as_str().unwrap().to_owned(),
    )
}

fn error_is(res: &Response, field: &str, code: &str) {
    assert_eq!(
        only_error(res),
        (field.to_owned(), code.to_owned()),
        "{}",
        res.text
    );
}

fn total(app: &TestApp, token: &str, list: &str) -> i64 {
    let res = app.request("GET", list, Some(token), None, &[]);
    assert_eq!(res.status, 200, "{}", res.text);
    res.json()["total"].as_i64().unwrap()
}

fn organization(n: u32, extra: Value) -> Value {
    let mut body = json!({
        "name": "云南省乡村振兴促进会",
        "credit_code": credit_code(n),
        "org_type": "social_group",
        "level": "provincial",
        "sector": "charity",
        "registration_region_code": "53",
    });
    for (k, v) in extra.as_object().unwrap() {
        body[k] = v.clone();
    }
    body
}

/// An app with an organization paired with [`COUNTY`], and the admin's token.
fn paired() -> (TestApp, String, String) {
    let app = TestApp::spawn();
    let admin = app.admin_token();
    let org = app.create_organization("云南省乡村振兴促进会", 1);
    let res = app.request(
        "POST",
        "/api/v1/pairings",
        Some(&admin),
        Some(&json!({"organization_id": org, "county_code": COUNTY})),
        &[],
    );
    assert_eq!(res.status, 201, "{}", res.text);
    (app, admin, org)
}

fn project(org: &str, extra: Value) -> Value {
    let mut body = json!({
        "organization_id": org,
        "county_code": COUNTY,
        "title": "翠湖社区养老食堂",
        "category": "elderly_care",
        "dimension": "organization",
        "committed_fen": 1_000_000,
    });
    for (k, v) in extra.as_object().unwrap() {
        body[k] = v.clone();
    }
    body
}

#[test]
fn nul_in_a_login_is_a_422_naming_the_field_anonymously_too() {
    let app = TestApp::spawn();
    let res = app.request(
        "POST",
        LOGIN,
        None,
        Some(&json!({"username": "ad\u{0}min", "password": ADMIN_PASSWORD})),
        &[],
    );
    error_is(&res, "username", "invalid_character");
    let message = res.json()["errors"][0]["message"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(message.contains("U+0000"), "{message}");
    let res = app.request(
        "POST",
        LOGIN,
        None,
        Some(&json!({"username": "admin", "password": "\u{0}"})),
        &[],
    );
    error_is(&res, "password", "invalid_character");
    // Not counted as a failed login: the right password still works at once.
    app.admin_token();
}

#[test]
fn nul_in_an_organization_is_refused_and_nothing_is_stored() {
    let app = TestApp::spawn();
    let admin = app.admin_token();
    let before = total(&app, &admin, ORGANIZATIONS);
    for (body, field) in [
        (organization(1, json!({"name": "振兴\u{0}促进会"})), "name"),
        (
            organization(2, json!({"address": "昆明市\u{0}五华区"})),
            "address",
        ),
        (
            organization(3, json!({"contact_name\u{0}": "张三"})),
            "contact_name\\u0000",
        ),
    ] {
        let res = app.request("POST", ORGANIZATIONS, Some(&admin), Some(&body), &[]);
        error_is(&res, field, "invalid_character");
    }
    assert_eq!(total(&app, &admin, ORGANIZATIONS), before);
    // The same body without the NUL is taken.
    let res = app.request(
        "POST",
        ORGANIZATIONS,
        Some(&admin),
        Some(&organization(1, json!({"name": "振兴促进会"}))),
        &[],
    );
    assert_eq!(res.status, 201, "{}", res.text);
}

#[test]
fn nul_deep_in_a_project_is_refused_and_nothing_is_stored() {
    let (app, admin, org) = paired();
    let before = total(&app, &admin, PROJECTS);
    let res = app.request(
        "POST",
        PROJECTS,
        Some(&admin),
        Some(&project(&org, json!({"description": "食堂\u{0}"}))),
        &[],
    );
    error_is(&res, "description", "invalid_character");
    assert_eq!(total(&app, &admin, PROJECTS), before);
}

#[test]
fn nul_in_a_query_parameter_is_a_422_naming_it() {
    let app = TestApp::spawn();
    let admin = app.admin_token();
    for (query, field) in [
        ("q=%00", "q"),
        ("q=a%00b&page=1", "q"),
        ("%00=1", "\\u0000"),
    ] {
        let res = app.request(
            "GET",
            &format!("{ORGANIZATIONS}?{query}"),
            Some(&admin),
            None,
            &[],
        );
        error_is(&res, field, "invalid_character");
    }
    let res = app.request("GET", "/api/v1/regions?q=%00", None, None, &[]);
    assert!(res.status < 500, "{}", res.text);
    assert_eq!(only_error(&res).1, "invalid_character");
}

/// Every operation with a path parameter, called with `%00` in it: a 4xx, never a
/// 500 (on PostgreSQL a NUL reaching SQL is one).
#[test]
fn nul_in_a_path_parameter_is_never_a_500() {
    let app = TestApp::spawn();
    let admin = app.admin_token();
    let document = app.get("/api/v1/openapi.json").json();
    let mut tried = 0;
    for (path, item) in document["paths"].as_object().unwrap() {
        if !path.contains('{') {
            continue;
        }
        let concrete: String = path
            .split('/')
            .map(|segment| {
                if segment.starts_with('{') {
                    "%00"
                } else {
                    segment
                }
            })
            .collect::<Vec<_>>()
            .join("/");
        for method in item.as_object().unwrap().keys() {
            if !["get", "post", "put", "patch", "delete"].contains(&method.as_str()) {
                continue;
            }
            let body = (method != "get" && method != "delete").then(|| json!({}));
            let res = app.request(
                &method.to_uppercase(),
                &concrete,
                Some(&admin),
                body.as_ref(),
                &[("If-Match", "\"1\"")],
            );
            assert!(
                (400..500).contains(&res.status),
                "{method} {concrete}: {} {}",
                res.status,
                res.text
            );
            tried += 1;
        }
    }
    assert!(tried > 30, "only {tried} operations tried");
}

#[test]
fn an_array_body_does_not_log_in() {
    let app = TestApp::spawn();
    let res = app.request(
        "POST",
        LOGIN,
        None,
        Some(&json!(["admin", ADMIN_PASSWORD])),
        &[],
    );
    error_is(&res, "body", "invalid_format");
    let message = res.json()["errors"][0]["message"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(message.contains("对象"), "{message}");
    for body in [json!("admin"), json!(null), json!(1), json!(true)] {
        let res = app.request("POST", LOGIN, None, Some(&body), &[]);
        error_is(&res, "body", "invalid_format");
    }
}

#[test]
fn an_array_where_a_nested_object_is_expected_is_named() {
    let app = TestApp::spawn();
    let admin = app.admin_token();
    let res = app.request(
        "POST",
        "/api/v1/reports",
        Some(&admin),
        Some(&json!({"kind": "annual", "period": "2024", "sections": ["总结"]})),
        &[],
    );
    error_is(&res, "sections", "invalid_format");
}

#[test]
fn a_description_may_be_as_long_as_its_ceiling_and_no_longer() {
    let (app, admin, org) = paired();
    let res = app.request(
        "POST",
        PROJECTS,
        Some(&admin),
        Some(&project(
            &org,
            json!({"description": "述".repeat(DESCRIPTION_MAX + 1)}),
        )),
        &[],
    );
    error_is(&res, "description", "too_long");
    assert!(
        !res.text.contains("述述"),
        "the value came back: {}",
        res.text.chars().take(200).collect::<String>()
    );
    let res = app.request(
        "POST",
        PROJECTS,
        Some(&admin),
        Some(&project(
            &org,
            json!({"description": "述".repeat(DESCRIPTION_MAX)}),
        )),
        &[],
    );
    assert_eq!(
        res.status,
        201,
        "{}",
        res.text.chars().take(500).collect::<String>()
    );
    assert_eq!(
        res.json()["description"].as_str().unwrap().chars().count(),
        DESCRIPTION_MAX
    );
}

#[test]
fn an_amount_may_be_as_large_as_its_ceiling_and_no_larger() {
    let (app, admin, org) = paired();
    let before = total(&app, &admin, PROJECTS);
    for field in ["committed_fen", "disbursed_fen"] {
        let res = app.request(
            "POST",
            PROJECTS,
            Some(&admin),
            Some(&project(&org, json!({field: MAX_AMOUNT_FEN + 1}))),
            &[],
        );
        error_is(&res, field, "out_of_range");
        let message = res.json()["errors"][0]["message"]
            .as_str()
            .unwrap()
            .to_owned();
        assert!(message.contains("1000000000000"), "{message}");
    }
    // Past what an i64 holds: the same answer.
    let res = app.request(
        "POST",
        PROJECTS,
        Some(&admin),
        Some(&project(&org, json!({"committed_fen": u64::MAX}))),
        &[],
    );
    assert_eq!(only_error(&res).0, "committed_fen");
    assert_eq!(total(&app, &admin, PROJECTS), before);
    let res = app.request(
        "POST",
        PROJECTS,
        Some(&admin),
        Some(&project(
            &org,
            json!({"committed_fen": MAX_AMOUNT_FEN, "disbursed_fen": MAX_AMOUNT_FEN}),
        )),
        &[],
    );
    assert_eq!(res.status, 201, "{}", res.text);
    assert_eq!(res.json()["committed_fen"], MAX_AMOUNT_FEN);
}

#[test]
fn deep_json_is_refused_and_the_server_keeps_answering() {
    let app = TestApp::spawn();
    let arrays = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
    let objects = format!("{}1{}", "{\"a\":".repeat(10_000), "}".repeat(10_000));
    let just_past = format!(
        "{}{}",
        "[".repeat(JSON_DEPTH_MAX + 1),
        "]".repeat(JSON_DEPTH_MAX + 1)
    );
    let unclosed = "[".repeat(1_000_000);
    for body in [&arrays, &objects, &just_past, &unclosed] {
        let res = app.send("POST", LOGIN, "application/json", body.as_bytes());
        error_is(&res, "body", "too_deep");
        assert_eq!(app.get("/healthz").status, 200);
    }
    // As deep as allowed: read, and refused for its shape alone.
    let at_ceiling = format!(
        "{}{}",
        "[".repeat(JSON_DEPTH_MAX),
        "]".repeat(JSON_DEPTH_MAX)
    );
    let res = app.send("POST", LOGIN, "application/json", at_ceiling.as_bytes());
    error_is(&res, "body", "invalid_format");
}

#[test]
fn wrong_types_are_named_in_json_words_in_both_languages() {
    let (app, admin, org) = paired();
    let cases = [
        (LOGIN, json!(["admin", "x"]), "body", "an object", "对象"),
        (
            LOGIN,
            json!({"username": 1, "password": "x"}),
            "username",
            "a string",
            "字符串",
        ),
        (
            PROJECTS,
            project(&org, json!({"committed_fen": "lots"})),
            "committed_fen",
            "an integer",
            "整数",
        ),
        (
            PROJECTS,
            project(&org, json!({"committed_fen": 1.5})),
            "committed_fen",
            "an integer",
            "整数",
        ),
        (
            PROJECTS,
            project(&org, json!({"start_on": "2024-02-30"})),
            "start_on",
            "a date",
            "日期",
        ),
        (
            PROJECTS,
            project(&org, json!({"organization_id": "not-a-uuid"})),
            "organization_id",
            "a UUID",
            "UUID",
        ),
        (
            PROJECTS,
            project(&org, json!({"brand": "yes"})),
            "brand",
            "a boolean",
            "布尔值",
        ),
        (
            PROJECTS,
            project(&org, json!({"category": 5})),
            "category",
            "elderly_care",
            "elderly_care",
        ),
        (
            "/api/v1/households",
            json!({"village_code": "530102001001", "head_name": "张三", "id_number": "x",
                   "members": 4_000_000_000_i64, "category": "sudden_hardship"}),
            "members",
            "between -2147483648 and 2147483647",
            "-2147483648",
        ),
    ];
    for (path, body, field, en, zh) in cases {
        for (lang, words) in [("en", en), ("zh-CN", zh)] {
            let res = app.request(
                "POST",
                path,
                Some(&admin),
                Some(&body),
                &[("Accept-Language", lang)],
            );
            let problem = res.problem(422, "validation_failed");
            let error = &problem["errors"][0];
            assert_eq!(error["field"], field, "{problem}");
            let message = error["message"].as_str().unwrap();
            assert!(message.contains(words), "{lang} {body}: {message}");
            for rust in [
                "struct",
                "u32",
                "u64",
                "i32",
                "i64",
                "sequence",
                "borrowed",
                "identifier",
                "enum ",
                "UUID parsing",
                "premature",
            ] {
                assert!(!message.contains(rust), "{lang} {body}: {message}");
            }
        }
    }
}

#[test]
fn a_key_named_twice_is_refused() {
    let app = TestApp::spawn();
    let body =
        format!(r#"{{"username":"nobody","username":"admin","password":"{ADMIN_PASSWORD}"}}"#);
    let res = app.send("POST", LOGIN, "application/json", body.as_bytes());
    error_is(&res, "username", "duplicate_field");
}
