//! `/api/v1/regions` and `/api/v1/counties`, black-box over HTTP.

use serde_json::Value;
use tests::TestApp;

fn total(app: &TestApp, path: &str) -> i64 {
    let res = app.get(path);
    assert_eq!(res.status, 200, "{path}: {}", res.text);
    res.json()["total"].as_i64().unwrap()
}

fn codes(body: &Value) -> Vec<String> {
    body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["code"].as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn every_division_of_yunnan_is_loaded() {
    let app = TestApp::spawn();
    for (level, expected) in [
        ("province", 1),
        ("prefecture", 16),
        ("county", 129),
        ("township", 1461),
        ("village", 14888),
    ] {
        assert_eq!(
            total(&app, &format!("/api/v1/regions?level={level}")),
            expected,
            "{level}"
        );
    }
    assert_eq!(total(&app, "/api/v1/regions"), 16495);
}

#[test]
fn a_region_by_code() {
    let app = TestApp::spawn();
    let res = app.get("/api/v1/regions/530102");
    assert_eq!(res.status, 200);
    assert_eq!(res.header("etag"), Some("\"1\""));
    let body = res.json();
    assert_eq!(body["code"], "530102");
    assert_eq!(body["name"], "五华区");
    assert_eq!(body["level"], "county");
    assert_eq!(body["parent_code"], "5301");
    assert_eq!(body["full_name"], "云南省昆明市五华区");
    assert_eq!(body["key_county"], Value::Null);
    assert_eq!(body["border_county"], false);
    assert_eq!(body["tags"], Value::Null);
    assert_eq!(body["version"], 1);
    assert!(body["children_count"].as_i64().unwrap() > 0);
    assert!(body["villages_count"].as_i64().unwrap() > 0);
    assert!(body["updated_at"].as_str().unwrap().ends_with('Z'));

    let province = app.get("/api/v1/regions/53").json();
    assert_eq!(province["parent_code"], Value::Null);
    assert_eq!(province["children_count"], 16);
    assert_eq!(province["townships_count"], 1461);
    assert_eq!(province["villages_count"], 14888);
    assert_eq!(province["border_county"], Value::Null);

    // A village carries its tags (none yet) and the whole chain of names.
    let village_code = app
        .get("/api/v1/regions?level=village&parent=530102001&page_size=1")
        .json()["items"][0]["code"]
        .as_str()
        .unwrap()
        .to_owned();
    let village = app.get(&format!("/api/v1/regions/{village_code}")).json();
    assert_eq!(village["tags"], serde_json::json!([]));
    assert!(village["full_name"]
        .as_str()
        .unwrap()
        .starts_with("云南省昆明市五华区"));
}

#[test]
fn a_fresh_copy_is_not_sent_twice() {
    let app = TestApp::spawn();
    let res = app.get_with("/api/v1/regions/530102", &[("If-None-Match", "\"1\"")]);
    assert_eq!(res.status, 304);
    assert_eq!(res.text, "");
    let res = app.get_with("/api/v1/regions/530102", &[("If-None-Match", "\"0\"")]);
    assert_eq!(res.status, 200);
}

#[test]
fn unknown_codes_are_404_problems() {
    let app = TestApp::spawn();
    for path in [
        "/api/v1/regions/539999",
        "/api/v1/regions/not-a-code",
        "/api/v1/regions/539999/children",
        "/api/v1/counties/539999",
        "/api/v1/counties/5301",
    ] {
        let body = app.get(path).problem(404, "not_found");
        assert_eq!(body["instance"], path);
    }
}

#[test]
fn children_of_a_prefecture_are_its_counties() {
    let app = TestApp::spawn();
    let body = app
        .get("/api/v1/regions/5301/children?page_size=100")
        .json();
    assert_eq!(body["total"], 14);
    let items = body["items"].as_array().unwrap();
    assert_eq!(items.len(), 14);
    assert!(items
        .iter()
        .all(|i| i["level"] == "county" && i["parent_code"] == "5301"));
    assert!(codes(&body).contains(&"530102".to_owned()));
    // A village has no children: an empty page, not a 404.
    let village = app.get("/api/v1/regions?level=village&page_size=1").json()["items"][0]["code"]
        .as_str()
        .unwrap()
        .to_owned();
    let body = app
        .get(&format!("/api/v1/regions/{village}/children"))
        .json();
    assert_eq!(body["total"], 0);
    assert_eq!(body["items"], serde_json::json!([]));
}

#[test]
fn filters_narrow_the_list() {
    let app = TestApp::spawn();
    // Designations arrive with the PATCH of a later issue; arrange them directly.
    app.db.execute(
        "UPDATE regions SET key_county = 'national' WHERE code IN ('530102', '530103');
         UPDATE regions SET key_county = 'provincial' WHERE code = '532923';
         UPDATE regions SET border_county = TRUE WHERE code IN ('533102', '530102');
         UPDATE regions SET tags = '[\"demonstration\",\"green_beautiful\"]' WHERE code = '530102001001';
         UPDATE regions SET tags = '[\"green_beautiful\"]' WHERE code = '530102001002';",
    );
    let listed = |path: &str| codes(&app.get(path).json());
    assert_eq!(
        listed("/api/v1/regions?parent=5301&page_size=100").len(),
        14
    );
    assert_eq!(
        listed("/api/v1/regions?q=五华&level=county"),
        vec!["530102"]
    );
    assert!(listed("/api/v1/regions?q=五华&page_size=100").len() > 1);
    assert_eq!(
        listed("/api/v1/regions?key_county=national"),
        vec!["530102", "530103"]
    );
    assert_eq!(
        listed("/api/v1/regions?key_county=provincial"),
        vec!["532923"]
    );
    assert_eq!(
        listed("/api/v1/regions?key_county=any"),
        vec!["530102", "530103", "532923"]
    );
    assert_eq!(
        listed("/api/v1/regions?tag=demonstration"),
        vec!["530102001001"]
    );
    assert_eq!(
        listed("/api/v1/regions?tag=green_beautiful"),
        vec!["530102001001", "530102001002"]
    );
    assert_eq!(
        listed("/api/v1/regions?tag=green_beautiful&q=不存在的村"),
        Vec::<String>::new()
    );
    assert_eq!(
        listed("/api/v1/regions?level=county&parent=5301&key_county=national&q=盘龙"),
        vec!["530103"]
    );
    // LIKE wildcards in q match literally.
    assert_eq!(total(&app, "/api/v1/regions?q=%25"), 0);
    assert_eq!(total(&app, "/api/v1/regions?q=_"), 0);

    let tagged = app.get("/api/v1/regions/530102001001").json();
    assert_eq!(
        tagged["tags"],
        serde_json::json!(["demonstration", "green_beautiful"])
    );

    let counties = |path: &str| codes(&app.get(path).json());
    assert_eq!(
        counties("/api/v1/counties?key_county=any"),
        vec!["530102", "530103", "532923"]
    );
    assert_eq!(
        counties("/api/v1/counties?border_county=true"),
        vec!["530102", "533102"]
    );
    assert_eq!(total(&app, "/api/v1/counties?border_county=false"), 127);
    assert_eq!(
        counties("/api/v1/counties?prefecture=5301&key_county=national&border_county=true"),
        vec!["530102"]
    );
}

#[test]
fn lists_sort_by_the_named_field() {
    let app = TestApp::spawn();
    let first = |path: &str| codes(&app.get(path).json())[0].clone();
    assert_eq!(first("/api/v1/regions?level=prefecture"), "5301");
    assert_eq!(first("/api/v1/regions?level=prefecture&sort=-code"), "5334");
    assert_eq!(first("/api/v1/regions?level=prefecture&sort=code"), "5301");
    let by_name = codes(
        &app.get("/api/v1/regions?level=prefecture&sort=name&page_size=16")
            .json(),
    );
    let by_name_desc = codes(
        &app.get("/api/v1/regions?level=prefecture&sort=-name&page_size=16")
            .json(),
    );
    assert_eq!(by_name.len(), 16);
    assert_eq!(
        by_name.iter().rev().collect::<Vec<_>>(),
        by_name_desc.iter().collect::<Vec<_>>()
    );

    let most = app
        .get("/api/v1/counties?sort=-villages_count&page_size=100")
        .json();
    let counts: Vec<i64> = most["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["villages_count"].as_i64().unwrap())
        .collect();
    assert!(counts.windows(2).all(|w| w[0] >= w[1]), "{counts:?}");
    let fewest = app.get("/api/v1/counties?sort=townships_count").json();
    let counts: Vec<i64> = fewest["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["townships_count"].as_i64().unwrap())
        .collect();
    assert!(counts.windows(2).all(|w| w[0] <= w[1]), "{counts:?}");
}

#[test]
fn paging_walks_the_whole_list_once() {
    let app = TestApp::spawn();
    let mut seen = Vec::new();
    for page in 1..=7 {
        let body = app
            .get(&format!("/api/v1/counties?page={page}&page_size=20"))
            .json();
        assert_eq!(body["page"], page);
        assert_eq!(body["page_size"], 20);
        assert_eq!(body["total"], 129);
        seen.extend(codes(&body));
    }
    assert_eq!(seen.len(), 129);
    let mut unique = seen.clone();
    unique.dedup();
    assert_eq!(unique.len(), 129);
    let beyond = app.get("/api/v1/counties?page=8&page_size=20").json();
    assert_eq!(beyond["items"], serde_json::json!([]));
    assert_eq!(beyond["total"], 129);
    let default = app.get("/api/v1/counties").json();
    assert_eq!(default["page"], 1);
    assert_eq!(default["page_size"], 20);
    assert_eq!(default["items"].as_array().unwrap().len(), 20);
}

#[test]
fn paging_bounds_are_enforced() {
    let app = TestApp::spawn();
    for (query, status, code, field, field_code) in [
        (
            "page_size=0",
            422,
            "validation_failed",
            "page_size",
            "out_of_range",
        ),
        (
            "page_size=101",
            422,
            "validation_failed",
            "page_size",
            "out_of_range",
        ),
        (
            "page_size=-1",
            422,
            "validation_failed",
            "page_size",
            "out_of_range",
        ),
        ("page=0", 422, "validation_failed", "page", "out_of_range"),
        (
            "page_size=abc",
            400,
            "malformed_query",
            "page_size",
            "invalid_format",
        ),
        ("page=1.5", 400, "malformed_query", "page", "invalid_format"),
        (
            "sort=population",
            400,
            "malformed_query",
            "sort",
            "not_allowed",
        ),
        (
            "level=planet",
            400,
            "malformed_query",
            "level",
            "not_allowed",
        ),
        (
            "parent=53x",
            400,
            "malformed_query",
            "parent",
            "invalid_format",
        ),
        (
            "colour=red",
            400,
            "malformed_query",
            "colour",
            "unknown_field",
        ),
    ] {
        let res = app.get(&format!("/api/v1/regions?{query}"));
        let body = res.problem(status, code);
        let errors = body["errors"].as_array().unwrap();
        assert_eq!(errors.len(), 1, "{query}: {body}");
        assert_eq!(errors[0]["field"], field, "{query}");
        assert_eq!(errors[0]["code"], field_code, "{query}");
        assert!(!errors[0]["message"].as_str().unwrap().is_empty());
    }
    let res = app.get("/api/v1/counties?border_county=maybe&page_size=0");
    let body = res.problem(400, "malformed_query");
    assert_eq!(body["errors"].as_array().unwrap().len(), 2);
    app.get("/api/v1/regions/5301/children?page_size=101")
        .problem(422, "validation_failed");
}

#[test]
fn counties_carry_their_prefecture() {
    let app = TestApp::spawn();
    assert_eq!(total(&app, "/api/v1/counties"), 129);
    let body = app
        .get("/api/v1/counties?prefecture=5301&page_size=100")
        .json();
    assert_eq!(body["total"], 14);
    for item in body["items"].as_array().unwrap() {
        assert_eq!(item["prefecture_code"], "5301");
        assert_eq!(item["prefecture_name"], "昆明市");
    }
    let res = app.get("/api/v1/counties/530102");
    assert_eq!(res.status, 200);
    assert_eq!(res.header("etag"), Some("\"1\""));
    let county = res.json();
    assert_eq!(county["name"], "五华区");
    assert_eq!(county["full_name"], "云南省昆明市五华区");
    assert_eq!(county["prefecture_name"], "昆明市");
    assert_eq!(county["key_county"], Value::Null);
    assert_eq!(county["border_county"], false);
    let region = app.get("/api/v1/regions/530102").json();
    assert_eq!(county["townships_count"], region["townships_count"]);
    assert_eq!(county["villages_count"], region["villages_count"]);
    assert_eq!(total(&app, "/api/v1/counties?q=五华"), 1);
}
