//! `Idempotency-Key` on creates: a retry gets the first answer without a second write.

use std::sync::{Arc, Barrier};

use crate::support::sql_bigint as count;
use serde_json::{json, Value};
use tests::{credit_code, TestApp};

fn organization(n: u32) -> Value {
    json!({
        "name": format!("云南省测试促进会{n}"),
        "credit_code": credit_code(n),
        "org_type": "social_group",
        "level": "provincial",
        "sector": "charity",
        "registration_region_code": "53",
    })
}

fn organizations(app: &TestApp) -> i64 {
    count(app, "SELECT COUNT(*) AS n FROM organizations")
}

#[test]
fn a_retry_gets_the_first_answer_without_a_second_write() {
    let app = TestApp::spawn();
    let admin = app.admin_token();
    let key = [("Idempotency-Key", "create-org-0001")];
    let first = app.request(
        "POST",
        "/api/v1/organizations",
        Some(&admin),
        Some(&organization(1)),
        &key,
    );
    assert_eq!(first.status, 201, "{}", first.text);
    assert_eq!(first.header("idempotent-replayed"), None);
    let again = app.request(
        "POST",
        "/api/v1/organizations",
        Some(&admin),
        Some(&organization(1)),
        &key,
    );
    assert_eq!(again.status, 201, "{}", again.text);
    assert_eq!(again.header("idempotent-replayed"), Some("true"));
    assert_eq!(again.json(), first.json(), "the same body");
    assert_eq!(again.header("location"), first.header("location"));
    assert_eq!(again.header("etag"), first.header("etag"));
    assert_eq!(organizations(&app), 1);
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) AS n FROM audit_log WHERE entity = 'organization' AND action = 'create'"
        ),
        1
    );

    // The same key with another request: 422, nothing written.
    let other = app.request(
        "POST",
        "/api/v1/organizations",
        Some(&admin),
        Some(&organization(2)),
        &key,
    );
    let body = other.problem(422, "validation_failed");
    assert_eq!(body["errors"][0]["field"], "Idempotency-Key");
    assert_eq!(body["errors"][0]["code"], "idempotency_key_reused");
    assert_eq!(organizations(&app), 1);

    // Keys are per account: another admin's same key is a new request.
    let other_admin = app.create_user("province_admin", None, None);
    let theirs = app.request(
        "POST",
        "/api/v1/organizations",
        Some(&other_admin.token),
        Some(&organization(3)),
        &key,
    );
    assert_eq!(theirs.status, 201, "{}", theirs.text);
    assert_ne!(theirs.json()["id"], first.json()["id"]);
    assert_eq!(organizations(&app), 2);
}

#[test]
fn concurrent_retries_with_one_key_make_one_write() {
    let app = Arc::new(TestApp::spawn());
    let admin = app.admin_token();
    let threads = 6;
    let barrier = Arc::new(Barrier::new(threads));
    let handles: Vec<_> = (0..threads)
        .map(|_| {
            let (app, admin, barrier) = (app.clone(), admin.clone(), barrier.clone());
            std::thread::spawn(move || {
                barrier.wait();
                let res = app.request(
                    "POST",
                    "/api/v1/organizations",
                    Some(&admin),
                    Some(&organization(7)),
                    &[("Idempotency-Key", "burst-of-retries")],
                );
                (res.status, res.json()["id"].clone())
            })
        })
        .collect();
    let answers: Vec<(u16, Value)> = handles.into_iter().map(|h| h.join().unwrap()).collect();
    for (status, id) in &answers {
        assert_eq!(*status, 201);
        assert_eq!(*id, answers[0].1, "every retry gets the one organization");
    }
    assert_eq!(organizations(&app), 1);
}

#[test]
fn a_failed_first_request_is_not_kept_and_expired_keys_run_again() {
    let app = TestApp::spawn();
    let admin = app.admin_token();
    let key = [("Idempotency-Key", "will-fail-first")];
    let mut bad = organization(4);
    bad["credit_code"] = json!("not a credit code");
    let res = app.request(
        "POST",
        "/api/v1/organizations",
        Some(&admin),
        Some(&bad),
        &key,
    );
    assert_eq!(res.status, 422);
    assert_eq!(
        count(&app, "SELECT COUNT(*) AS n FROM idempotency_keys"),
        0,
        "a failure keeps no key"
    );
    // Corrected, with the same key: it runs.
    let res = app.request(
        "POST",
        "/api/v1/organizations",
        Some(&admin),
        Some(&organization(4)),
        &key,
    );
    assert_eq!(res.status, 201, "{}", res.text);
    assert_eq!(count(&app, "SELECT COUNT(*) AS n FROM idempotency_keys"), 1);

    // After 24 hours the key is forgotten: the same request runs again (and now
    // meets the organization it created: 409).
    app.db.execute(if app.db.is_postgres() {
        "UPDATE idempotency_keys SET created_at = created_at - INTERVAL '25 hours'"
    } else {
        "UPDATE idempotency_keys SET created_at = '2020-01-01T00:00:00.000000Z'"
    });
    let res = app.request(
        "POST",
        "/api/v1/organizations",
        Some(&admin),
        Some(&organization(4)),
        &key,
    );
    assert_eq!(res.status, 409, "{}", res.text);
    assert_eq!(organizations(&app), 1);
}

#[test]
fn malformed_keys_are_refused_and_reads_ignore_them() {
    let app = TestApp::spawn();
    let admin = app.admin_token();
    let long = "k".repeat(129);
    for key in [long.as_str(), "has space"] {
        let res = app.request(
            "POST",
            "/api/v1/organizations",
            Some(&admin),
            Some(&organization(5)),
            &[("Idempotency-Key", key)],
        );
        let body = res.problem(400, "malformed_query");
        assert_eq!(body["errors"][0]["field"], "Idempotency-Key", "{key}");
    }
    assert_eq!(organizations(&app), 0);
    let res = app.request(
        "GET",
        "/api/v1/organizations",
        Some(&admin),
        None,
        &[("Idempotency-Key", "ignored-on-get")],
    );
    assert_eq!(res.status, 200);
    // Without a token the handler answers 401 as always.
    let res = app.request(
        "POST",
        "/api/v1/organizations",
        None,
        Some(&organization(5)),
        &[("Idempotency-Key", "no-token")],
    );
    assert_eq!(res.status, 401);
}
