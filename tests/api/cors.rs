//! Browsers on the origins in `CORS_ALLOWED_ORIGINS` may call the API; others may not.

use tests::TestApp;

const ALLOWED: &str = "https://zhenxing.example.gov.cn";

fn preflight(app: &TestApp, origin: &str) -> tests::Response {
    app.request(
        "OPTIONS",
        "/api/v1/regions/530102",
        None,
        None,
        &[
            ("Origin", origin),
            ("Access-Control-Request-Method", "PATCH"),
            (
                "Access-Control-Request-Headers",
                "authorization, if-match, content-type",
            ),
        ],
    )
}

#[test]
fn listed_origins_are_allowed() {
    let app = TestApp::spawn_with(|c| c.cors_allowed_origins = vec![ALLOWED.to_owned()]);
    let res = preflight(&app, ALLOWED);
    assert_eq!(res.status, 200, "{}", res.text);
    assert_eq!(res.header("access-control-allow-origin"), Some(ALLOWED));
    let methods = res.header("access-control-allow-methods").unwrap();
    assert!(methods.contains("PATCH"), "{methods}");

    let res = app.get_with("/api/v1/regions/530102", &[("Origin", ALLOWED)]);
    assert_eq!(res.status, 200);
    assert_eq!(res.header("access-control-allow-origin"), Some(ALLOWED));
    let exposed = res
        .header("access-control-expose-headers")
        .unwrap()
        .to_ascii_lowercase();
    assert!(
        exposed.contains("etag") && exposed.contains("x-request-id"),
        "{exposed}"
    );
}

#[test]
fn other_origins_get_no_grant() {
    let app = TestApp::spawn_with(|c| c.cors_allowed_origins = vec![ALLOWED.to_owned()]);
    let res = preflight(&app, "https://evil.example");
    assert_eq!(res.header("access-control-allow-origin"), None);
    assert!(res.status >= 400, "{}", res.status);
    assert_eq!(res.header("content-type"), Some("application/problem+json"));
}

#[test]
fn without_origins_there_is_no_cors() {
    let app = TestApp::spawn();
    let res = app.get_with("/api/v1/regions/530102", &[("Origin", ALLOWED)]);
    assert_eq!(res.status, 200);
    assert_eq!(res.header("access-control-allow-origin"), None);
}
