//! The conventions every endpoint shares (DESIGN.md §4): problem+json for every
//! error, request ids, languages, the docs and the spec.

use tests::TestApp;

#[test]
fn request_ids_are_echoed_or_made() {
    let app = TestApp::spawn();
    let res = app.get_with("/api/v1/regions/53", &[("X-Request-Id", "trace-42.a_b:c")]);
    assert_eq!(res.status, 200);
    assert_eq!(res.header("x-request-id"), Some("trace-42.a_b:c"));

    let res = app.get("/api/v1/regions/53");
    let made = res.header("x-request-id").unwrap();
    assert!(uuid::Uuid::parse_str(made).is_ok(), "{made}");

    // Unsafe ids are replaced, not echoed.
    let res = app.get_with("/api/v1/regions/53", &[("X-Request-Id", "<script>")]);
    assert_ne!(res.header("x-request-id"), Some("<script>"));

    // Problems carry the same id in their body.
    let res = app.get_with("/api/v1/regions/00", &[("X-Request-Id", "lost-1")]);
    let body = res.problem(404, "not_found");
    assert_eq!(body["request_id"], "lost-1");
    assert_eq!(res.header("x-request-id"), Some("lost-1"));
}

#[test]
fn chinese_by_default_english_on_request() {
    let app = TestApp::spawn();
    let zh = app
        .get("/api/v1/regions?page_size=0")
        .problem(422, "validation_failed");
    assert_eq!(zh["title"], "请求参数校验失败");
    assert_eq!(zh["errors"][0]["message"], "取值应在 1 到 100 之间");

    let en = app
        .get_with(
            "/api/v1/regions?page_size=0",
            &[("Accept-Language", "en-GB,en;q=0.9")],
        )
        .problem(422, "validation_failed");
    assert_eq!(en["title"], "Validation failed");
    assert_eq!(en["errors"][0]["message"], "must be between 1 and 100");

    let preferred_zh = app
        .get_with(
            "/api/v1/regions/00",
            &[("Accept-Language", "zh-CN,zh;q=0.9,en;q=0.8")],
        )
        .problem(404, "not_found");
    assert_eq!(preferred_zh["title"], "资源不存在");
    let en = app
        .get_with("/api/v1/regions/00", &[("Accept-Language", "en")])
        .problem(404, "not_found");
    assert_eq!(en["title"], "Not found");
}

#[test]
fn no_error_is_plain_text() {
    let app = TestApp::spawn();
    // Unknown routes, under the API and outside it.
    app.get("/api/v1/nothing-here").problem(404, "not_found");
    app.get("/nothing-here").problem(404, "not_found");
    // A known route with a method it does not serve.
    for method in ["POST", "PUT", "DELETE", "PATCH", "TRACE"] {
        let res = app.send(method, "/api/v1/regions", "application/json", b"{}");
        res.problem(405, "method_not_allowed");
    }
    let res = app.send("DELETE", "/api/v1/regions/530102", "application/json", b"");
    let body = res.problem(405, "method_not_allowed");
    assert_eq!(body["instance"], "/api/v1/regions/530102");
}

#[test]
fn the_spec_and_the_docs_are_served_from_the_binary() {
    let app = TestApp::spawn();
    let res = app.get("/api/v1/openapi.json");
    assert_eq!(res.status, 200);
    let spec = res.json();
    assert_eq!(spec["openapi"], "3.1.0");
    for path in [
        "/api/v1/regions",
        "/api/v1/regions/{code}",
        "/api/v1/regions/{code}/children",
        "/api/v1/counties",
        "/api/v1/counties/{code}",
        "/healthz",
        "/readyz",
        "/metrics",
    ] {
        assert!(
            spec["paths"][path]["get"].is_object(),
            "{path} missing from the spec"
        );
    }
    assert_eq!(
        spec["paths"]["/api/v1/regions"]["get"]["operationId"],
        "list_regions"
    );
    assert!(spec["components"]["schemas"]["Problem"].is_object());
    // The spec served is the one the code generates.
    assert_eq!(
        spec,
        serde_json::to_value(api::openapi::document()).unwrap()
    );

    let docs = app.get("/docs/");
    assert_eq!(docs.status, 200, "{}", docs.text);
    assert!(docs
        .header("content-type")
        .unwrap()
        .starts_with("text/html"));
    assert!(docs.text.contains("swagger-ui"));
    // Offline: nothing is fetched from another host.
    assert!(
        !docs.text.contains("https://"),
        "the docs page loads something remotely"
    );
    let init = app.get("/docs/swagger-initializer.js");
    assert_eq!(init.status, 200);
    assert!(init.text.contains("/api/v1/openapi.json"));
    let css = app.get("/docs/swagger-ui.css");
    assert_eq!(css.status, 200);
    let bundle = app.get("/docs/swagger-ui-bundle.js");
    assert_eq!(bundle.status, 200);
    assert!(bundle.text.len() > 100_000);
}

#[test]
fn responses_are_compressed_when_asked() {
    let app = TestApp::spawn();
    let plain = app.get("/api/v1/regions?page_size=100");
    assert_eq!(plain.header("content-encoding"), None);
    let res = app.get_with(
        "/api/v1/regions?page_size=100",
        &[("Accept-Encoding", "gzip")],
    );
    assert_eq!(res.status, 200);
    assert_eq!(res.header("content-encoding"), Some("gzip"));
}
