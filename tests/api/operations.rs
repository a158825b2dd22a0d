//! Liveness, readiness (including a database outage) and metrics.

use std::time::Duration;

use tests::TestApp;

#[test]
fn liveness_and_readiness() {
    let app = TestApp::spawn();
    let health = app.get("/healthz");
    assert_eq!(health.status, 200);
    assert_eq!(health.json()["status"], "ok");
    let ready = app.get("/readyz");
    assert_eq!(ready.status, 200);
    let body = ready.json();
    assert_eq!(body["status"], "ready");
    let backend = if app.db.is_postgres() {
        "postgres"
    } else {
        "sqlite"
    };
    assert_eq!(body["database"], backend);
}

#[test]
fn readiness_fails_while_the_database_is_gone_and_liveness_holds() {
    let app = TestApp::spawn();
    assert_eq!(app.get("/readyz").status, 200);
    app.db.break_database();

    let res = app.get("/readyz");
    let body = res.problem(503, "service_unavailable");
    assert_eq!(res.header("retry-after"), Some("5"));
    assert!(
        !body["detail"].as_str().unwrap().contains("zhenxing_test"),
        "no internals leak"
    );
    // Requests that need the database are 503 too, never 500.
    let res = app.get("/api/v1/regions/53");
    assert!(res.status == 503, "{}: {}", res.status, res.text);
    // The process itself is alive.
    assert_eq!(app.get("/healthz").status, 200);
}

#[test]
fn readiness_recovers_when_the_database_returns() {
    let app = TestApp::spawn();
    if !app.db.is_postgres() {
        // On SQLite the "server" is the file; outage and return are covered above.
        return;
    }
    app.db.break_database();
    assert_eq!(app.get("/readyz").status, 503);
    app.db.recreate();
    let mut status = 0;
    for _ in 0..20 {
        status = app.get("/readyz").status;
        if status == 200 {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    assert_eq!(status, 200);
}

#[test]
fn metrics_count_requests_by_route_and_status() {
    let app = TestApp::spawn();
    app.get("/api/v1/regions/530102");
    app.get("/api/v1/regions/530103");
    app.get("/api/v1/regions/539999");
    let res = app.get("/metrics");
    assert_eq!(res.status, 200);
    assert!(res
        .header("content-type")
        .unwrap()
        .starts_with("text/plain"));
    let text = &res.text;
    let line = |prefix: &str| {
        text.lines()
            .find(|l| l.starts_with(prefix))
            .unwrap_or_else(|| panic!("no line {prefix} in\n{text}"))
            .to_owned()
    };
    let ok = line("zhenxing_http_requests_total{method=\"GET\",route=\"/api/v1/regions/{code}\",status=\"200\"}");
    assert!(ok.ends_with(" 2"), "{ok}");
    let missing = line("zhenxing_http_requests_total{method=\"GET\",route=\"/api/v1/regions/{code}\",status=\"404\"}");
    assert!(missing.ends_with(" 1"), "{missing}");
    line("zhenxing_http_request_duration_seconds_bucket{");
    line("zhenxing_db_pool_connections ");
    line("zhenxing_db_pool_idle_connections ");
    line("zhenxing_db_pool_max_connections ");
    // Raw paths never become labels.
    assert!(!text.contains("route=\"/api/v1/regions/530102\""));
}
