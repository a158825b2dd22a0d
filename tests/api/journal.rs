//! The journal: `/api/v1/audit-log` (one entry per write, who/what/request, no
//! secrets, failed logins too, nothing for failed writes) and `/api/v1/events` (the
//! change feed: `seq` from 1 without gaps, paging, parameters, and no gaps while
//! writers race), black-box over HTTP.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use tests::{Response, TestApp, ADMIN_PASSWORD};

const COUNTY: &str = "530102";
const VILLAGE: &str = "530102001001";

fn audit(app: &TestApp, token: &str, query: &str) -> Value {
    let res = app.request(
        "GET",
        &format!("/api/v1/audit-log?{query}"),
        Some(token),
        None,
        &[],
    );
    assert_eq!(res.status, 200, "audit-log?{query}: {}", res.text);
    res.json()
}

fn items(page: &Value) -> &Vec<Value> {
    page["items"].as_array().unwrap()
}

fn events(app: &TestApp, token: &str, query: &str) -> Value {
    let res = app.request(
        "GET",
        &format!("/api/v1/events?{query}"),
        Some(token),
        None,
        &[],
    );
    assert_eq!(res.status, 200, "events?{query}: {}", res.text);
    res.json()
}

fn seqs(page: &Value) -> Vec<i64> {
    items(page)
        .iter()
        .map(|e| e["seq"].as_i64().unwrap())
        .collect()
}

fn me_id(app: &TestApp, token: &str) -> String {
    let res = app.request("GET", "/api/v1/auth/me", Some(token), None, &[]);
    res.json()["id"].as_str().unwrap().to_owned()
}

fn patch_region(
    app: &TestApp,
    token: &str,
    code: &str,
    if_match: Option<&str>,
    body: &Value,
    request_id: &str,
) -> Response {
    let mut headers = vec![("X-Request-Id", request_id)];
    if let Some(tag) = if_match {
        headers.push(("If-Match", tag));
    }
    app.request(
        "PATCH",
        &format!("/api/v1/regions/{code}"),
        Some(token),
        Some(body),
        &headers,
    )
}

/// PATCH with the ETag a GET just gave.
fn patch_region_current(app: &TestApp, token: &str, code: &str, body: &Value) -> Response {
    let current = app.get(&format!("/api/v1/regions/{code}"));
    assert_eq!(current.status, 200, "{}", current.text);
    let tag = current.header("etag").unwrap().to_owned();
    patch_region(app, token, code, Some(&tag), body, "patch-current")
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

#[test]
fn every_write_has_one_audit_entry_naming_who_what_and_the_request() {
    let app = TestApp::spawn();
    let admin = app.admin_token();
    let admin_id = me_id(&app, &admin);
    let first_password = "first-secret-of-the-user";
    let second_password = "second-secret-of-the-user";
    let guessed_password = "a-guessed-password-for-admin";

    let res = app.request(
        "POST",
        "/api/v1/users",
        Some(&admin),
        Some(&json!({
            "username": "audit.target",
            "display_name": "原来的名字",
            "role": "county_officer",
            "region_code": COUNTY,
            "password": first_password,
        })),
        &[("X-Request-Id", "req-create-1")],
    );
    assert_eq!(res.status, 201, "{}", res.text);
    let id = res.json()["id"].as_str().unwrap().to_owned();
    let user_token = app.login("audit.target", first_password);

    let res = app.request(
        "PATCH",
        &format!("/api/v1/users/{id}"),
        Some(&admin),
        Some(&json!({"display_name": "改过的名字", "department": "civil_affairs"})),
        &[("X-Request-Id", "req-update-1"), ("If-Match", "\"1\"")],
    );
    assert_eq!(res.status, 200, "{}", res.text);
    let res = app.request(
        "POST",
        &format!("/api/v1/users/{id}/password"),
        Some(&admin),
        Some(&json!({"new_password": second_password})),
        &[("X-Request-Id", "req-password-1")],
    );
    assert_eq!(res.status, 204, "{}", res.text);
    let res = patch_region(
        &app,
        &admin,
        COUNTY,
        Some("\"1\""),
        &json!({"key_county": "national"}),
        "req-region-1",
    );
    assert_eq!(res.status, 200, "{}", res.text);
    assert_eq!(login_status(&app, "admin", guessed_password), 401);

    // The account's writes, newest first (its login is journaled too: skip it).
    let page = audit(&app, &admin, &format!("entity=user&entity_id={id}"));
    let writes: Vec<&Value> = items(&page)
        .iter()
        .filter(|e| e["action"] != "login")
        .collect();
    let actions: Vec<&str> = writes
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["set_password", "update", "create"], "{page}");
    for (entry, request_id) in writes
        .iter()
        .zip(["req-password-1", "req-update-1", "req-create-1"])
    {
        assert_eq!(entry["actor_id"], admin_id.as_str(), "{entry}");
        assert_eq!(entry["actor_role"], "province_admin", "{entry}");
        assert_eq!(entry["entity"], "user", "{entry}");
        assert_eq!(entry["entity_id"], id.as_str(), "{entry}");
        assert_eq!(entry["request_id"], request_id, "{entry}");
        assert_eq!(entry["client_ip"], "127.0.0.1", "{entry}");
        assert!(uuid::Uuid::parse_str(entry["id"].as_str().unwrap()).is_ok());
        assert!(entry["at"].as_str().unwrap().ends_with('Z'), "{entry}");
    }
    let created = &writes[2]["changes"];
    assert_eq!(
        created["username"],
        json!({"before": null, "after": "audit.target"})
    );
    assert_eq!(
        created["display_name"],
        json!({"before": null, "after": "原来的名字"})
    );
    assert_eq!(
        created["role"],
        json!({"before": null, "after": "county_officer"})
    );
    assert_eq!(
        created["region_code"],
        json!({"before": null, "after": COUNTY})
    );
    assert_eq!(created["active"], json!({"before": null, "after": true}));
    assert!(created.get("password").is_none(), "{created}");
    assert!(created.get("password_hash").is_none(), "{created}");
    assert_eq!(
        writes[1]["changes"],
        json!({
            "display_name": {"before": "原来的名字", "after": "改过的名字"},
            "department": {"before": null, "after": "civil_affairs"},
        })
    );
    assert_eq!(
        writes[0]["changes"],
        json!({"password": {"before": "[redacted]", "after": "[redacted]"}})
    );

    let page = audit(&app, &admin, &format!("entity=region&entity_id={COUNTY}"));
    assert_eq!(page["total"], 1, "{page}");
    let entry = &items(&page)[0];
    assert_eq!(entry["action"], "update");
    assert_eq!(entry["entity"], "region");
    assert_eq!(entry["entity_id"], COUNTY);
    assert_eq!(entry["actor_id"], admin_id.as_str());
    assert_eq!(entry["actor_role"], "province_admin");
    assert_eq!(entry["request_id"], "req-region-1");
    assert_eq!(entry["client_ip"], "127.0.0.1");
    assert_eq!(
        entry["changes"],
        json!({"key_county": {"before": null, "after": "national"}})
    );

    // No secret anywhere in the whole log.
    let whole = app.request(
        "GET",
        "/api/v1/audit-log?page_size=100",
        Some(&admin),
        None,
        &[],
    );
    assert_eq!(whole.status, 200);
    assert!(
        whole.json()["total"].as_i64().unwrap() < 100,
        "one page holds it all"
    );
    for secret in [
        first_password,
        second_password,
        guessed_password,
        ADMIN_PASSWORD,
        admin.as_str(),
        user_token.as_str(),
        "$argon2",
    ] {
        assert!(
            !whole.text.contains(secret),
            "{secret:?} is in the audit log"
        );
    }
    for part in admin.split('.').chain(user_token.split('.')) {
        assert!(
            !whole.text.contains(part),
            "a token part is in the audit log"
        );
    }

    // The feed has the same writes, in order, after the first admin's creation.
    let feed = events(&app, &admin, "");
    let got: Vec<(i64, String, String, String)> = items(&feed)
        .iter()
        .map(|e| {
            (
                e["seq"].as_i64().unwrap(),
                e["entity"].as_str().unwrap().to_owned(),
                e["entity_id"].as_str().unwrap().to_owned(),
                e["action"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let want: Vec<(i64, String, String, String)> = [
        (1, "user", admin_id.as_str(), "create"),
        (2, "user", id.as_str(), "create"),
        (3, "user", id.as_str(), "update"),
        (4, "user", id.as_str(), "set_password"),
        (5, "region", COUNTY, "update"),
    ]
    .into_iter()
    .map(|(s, e, i, a)| (s, e.to_owned(), i.to_owned(), a.to_owned()))
    .collect();
    assert_eq!(got, want);
    assert_eq!(feed["next_after"], 5);
    assert!(!feed.to_string().contains(first_password));
}

#[test]
fn failed_logins_are_audited_under_the_attempted_username() {
    let app = TestApp::spawn();
    assert_eq!(login_status(&app, "admin", "wrong-password-for-admin"), 401);
    assert_eq!(
        login_status(&app, "nobody.here", "wrong-password-for-nobody"),
        401
    );
    let admin = app.admin_token();

    for attempted in ["admin", "nobody.here"] {
        let page = audit(&app, &admin, &format!("entity=user&entity_id={attempted}"));
        assert_eq!(page["total"], 1, "{page}");
        let entry = &items(&page)[0];
        assert_eq!(entry["action"], "login_failed");
        assert_eq!(entry["entity"], "user");
        assert_eq!(entry["entity_id"], attempted);
        assert_eq!(entry["actor_id"], Value::Null);
        assert_eq!(entry["client_ip"], "127.0.0.1");
    }
    let whole = app.request("GET", "/api/v1/audit-log", Some(&admin), None, &[]);
    assert!(!whole.text.contains("wrong-password-for"));

    // Without an X-Request-Id of the client's, the entry has the id the server made
    // and sent back.
    let res = app.request(
        "POST",
        "/api/v1/auth/login",
        None,
        Some(&json!({"username": "someone.else", "password": "wrong-password-again"})),
        &[],
    );
    assert_eq!(res.status, 401);
    let made = res.header("x-request-id").unwrap();
    let page = audit(&app, &admin, "entity_id=someone.else");
    assert_eq!(items(&page)[0]["request_id"], made);
    // Logins change nothing: the feed still holds only the first admin.
    assert_eq!(seqs(&events(&app, &admin, "")), [1]);
}

#[test]
fn failed_and_empty_writes_leave_no_trace() {
    let app = TestApp::spawn();
    let admin = app.admin_token();
    let admin_id = me_id(&app, &admin);
    let viewer = app.create_user("viewer", None, None);
    let neighbour = app.create_user("county_officer", Some("530103"), None);
    let audited = |app: &TestApp| audit(app, &admin, "page_size=1")["total"].as_i64().unwrap();
    let before_audit = audited(&app);
    let before_events = seqs(&events(&app, &admin, ""));
    assert_eq!(before_events, [1, 2, 3]);

    let tags = json!({"tags": ["demonstration"]});
    let region_failures = [
        (&admin, VILLAGE, Some("\"9\""), tags.clone(), 412),
        (&admin, VILLAGE, None, tags.clone(), 428),
        (&viewer.token, VILLAGE, Some("\"1\""), tags.clone(), 403),
        (&neighbour.token, VILLAGE, Some("\"1\""), tags.clone(), 403),
        (
            &neighbour.token,
            COUNTY,
            Some("\"1\""),
            json!({"key_county": "national"}),
            403,
        ),
        (
            &admin,
            VILLAGE,
            Some("\"1\""),
            json!({"key_county": "national"}),
            422,
        ),
        (&admin, COUNTY, Some("\"1\""), json!({"colour": "red"}), 422),
        (
            &admin,
            "539999",
            Some("\"1\""),
            json!({"border_county": true}),
            404,
        ),
    ];
    for (token, code, if_match, body, status) in &region_failures {
        let res = patch_region(&app, token, code, *if_match, body, "failed-write");
        assert_eq!(res.status, *status, "{code} {body}: {}", res.text);
    }

    let users = "/api/v1/users";
    let duplicate = json!({
        "username": viewer.username, "display_name": "dup", "role": "viewer",
        "password": "duplicate-password-1",
    });
    let res = app.request("POST", users, Some(&admin), Some(&duplicate), &[]);
    assert_eq!(res.status, 409, "{}", res.text);
    let mut bad = duplicate.clone();
    bad["username"] = json!("X");
    let res = app.request("POST", users, Some(&admin), Some(&bad), &[]);
    assert_eq!(res.status, 422, "{}", res.text);
    let res = app.request("POST", users, Some(&viewer.token), Some(&duplicate), &[]);
    assert_eq!(res.status, 403, "{}", res.text);

    let viewer_path = format!("{users}/{}", viewer.id);
    let rename = json!({"display_name": "never"});
    for (token, path, headers, body, status) in [
        (
            &admin,
            &viewer_path,
            vec![("If-Match", "\"5\"")],
            &rename,
            412,
        ),
        (&admin, &viewer_path, vec![], &rename, 428),
        (
            &viewer.token,
            &viewer_path,
            vec![("If-Match", "\"1\"")],
            &rename,
            403,
        ),
        (
            &admin,
            &format!("{users}/{admin_id}"),
            vec![("If-Match", "\"1\"")],
            &json!({"active": false}),
            409,
        ),
    ] {
        let res = app.request("PATCH", path, Some(token.as_str()), Some(body), &headers);
        assert_eq!(res.status, status, "{path} {body}: {}", res.text);
    }
    let res = app.request(
        "POST",
        &format!("{viewer_path}/password"),
        Some(&viewer.token),
        Some(&json!({"old_password": "not-the-old-one", "new_password": "never-set-password"})),
        &[],
    );
    assert_eq!(res.status, 422, "{}", res.text);
    let res = app.request(
        "POST",
        &format!("{viewer_path}/password"),
        Some(&neighbour.token),
        Some(&json!({"new_password": "never-set-password"})),
        &[],
    );
    assert_eq!(res.status, 404, "{}", res.text);

    // Writes that change nothing succeed and leave nothing either.
    let res = patch_region(
        &app,
        &admin,
        COUNTY,
        Some("\"1\""),
        &json!({"key_county": null, "border_county": false}),
        "empty-write",
    );
    assert_eq!(res.status, 200, "{}", res.text);
    assert_eq!(res.json()["version"], 1);
    let res = patch_region(
        &app,
        &admin,
        VILLAGE,
        Some("\"1\""),
        &json!({"tags": []}),
        "e",
    );
    assert_eq!(res.status, 200, "{}", res.text);
    let res = app.request(
        "PATCH",
        &viewer_path,
        Some(&admin),
        Some(&json!({"active": true, "role": "viewer"})),
        &[("If-Match", "\"1\"")],
    );
    assert_eq!(res.status, 200, "{}", res.text);
    assert_eq!(res.json()["version"], 1);

    assert_eq!(audited(&app), before_audit, "{}", audit(&app, &admin, ""));
    assert_eq!(seqs(&events(&app, &admin, "")), before_events);
    assert_eq!(
        audit(&app, &admin, "entity=region")["total"],
        0,
        "no region entry"
    );
}

#[test]
fn the_audit_log_is_newest_first_and_filters() {
    let app = TestApp::spawn();
    let admin = app.admin_token();
    let admin_id = me_id(&app, &admin);
    let officer = app.create_user("county_officer", Some(COUNTY), None);
    let second_village = "530102001002";

    let res = patch_region_current(&app, &admin, COUNTY, &json!({"border_county": true}));
    assert_eq!(res.status, 200, "{}", res.text);
    let res = patch_region_current(
        &app,
        &officer.token,
        VILLAGE,
        &json!({"tags": ["demonstration"]}),
    );
    assert_eq!(res.status, 200, "{}", res.text);
    let res = patch_region_current(
        &app,
        &admin,
        second_village,
        &json!({"tags": ["border_happy"]}),
    );
    assert_eq!(res.status, 200, "{}", res.text);

    let regions = audit(&app, &admin, "entity=region");
    assert_eq!(regions["total"], 3);
    let ids: Vec<&str> = items(&regions)
        .iter()
        .map(|e| e["entity_id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [second_village, VILLAGE, COUNTY]);
    let at: Vec<&str> = items(&regions)
        .iter()
        .map(|e| e["at"].as_str().unwrap())
        .collect();
    let parsed: Vec<i64> = at.iter().map(|t| micros(t)).collect();
    assert!(parsed.windows(2).all(|w| w[0] >= w[1]), "{at:?}");

    // The whole log is newest first too.
    let whole = audit(&app, &admin, "page_size=100");
    let all: Vec<i64> = items(&whole)
        .iter()
        .map(|e| micros(e["at"].as_str().unwrap()))
        .collect();
    assert!(all.windows(2).all(|w| w[0] >= w[1]), "{whole}");
    assert_eq!(items(&whole)[0]["entity_id"], second_village);

    let one = audit(&app, &admin, &format!("entity_id={VILLAGE}"));
    assert_eq!(one["total"], 1);
    assert_eq!(items(&one)[0]["actor_id"], officer.id.as_str());
    assert_eq!(items(&one)[0]["actor_role"], "county_officer");
    assert_eq!(
        items(&one)[0]["changes"]["tags"],
        json!({"before": [], "after": ["demonstration"]})
    );

    let by_officer = audit(&app, &admin, &format!("actor_id={}", officer.id));
    assert!(items(&by_officer)
        .iter()
        .all(|e| e["actor_id"] == officer.id.as_str()));
    assert_eq!(
        audit(
            &app,
            &admin,
            &format!("entity=region&actor_id={}", officer.id)
        )["total"],
        1
    );
    assert_eq!(
        audit(&app, &admin, &format!("entity=region&actor_id={admin_id}"))["total"],
        2
    );
    assert_eq!(
        audit(&app, &admin, &format!("actor_id={}", uuid::Uuid::now_v7()))["total"],
        0
    );

    // from is inclusive, to exclusive.
    let middle = at[1];
    let from = audit(&app, &admin, &format!("entity=region&from={middle}"));
    assert_eq!(from["total"], 2, "from={middle}: {from}");
    let to = audit(&app, &admin, &format!("entity=region&to={middle}"));
    assert_eq!(to["total"], 1, "to={middle}: {to}");
    assert_eq!(items(&to)[0]["entity_id"], COUNTY);
    let both = audit(
        &app,
        &admin,
        &format!("entity=region&from={middle}&to={}", at[0]),
    );
    assert_eq!(both["total"], 1);
    assert_eq!(items(&both)[0]["entity_id"], VILLAGE);
    assert_eq!(
        audit(&app, &admin, "entity=region&from=2099-01-01T00:00:00Z")["total"],
        0
    );
    assert_eq!(
        audit(&app, &admin, "entity=region&to=2000-01-01T00:00:00Z")["total"],
        0
    );
    // An offset is read as the instant it names (+ percent-encoded).
    assert_eq!(
        audit(
            &app,
            &admin,
            "entity=region&from=2000-01-01T08:00:00%2B08:00"
        )["total"],
        3
    );

    // Paging.
    let second = audit(&app, &admin, "entity=region&page=2&page_size=1");
    assert_eq!(second["total"], 3);
    assert_eq!(items(&second).len(), 1);
    assert_eq!(items(&second)[0]["entity_id"], VILLAGE);

    // Parameters that cannot be read.
    let get = |query: &str| {
        app.request(
            "GET",
            &format!("/api/v1/audit-log?{query}"),
            Some(&admin),
            None,
            &[],
        )
    };
    let body = get("actor_id=someone").problem(400, "malformed_query");
    assert_eq!(body["errors"][0]["field"], "actor_id");
    let body = get("from=yesterday").problem(400, "malformed_query");
    assert_eq!(body["errors"][0]["field"], "from");
    get("sort=at").problem(400, "malformed_query");
    get("colour=red").problem(400, "malformed_query");
    get("page_size=0").problem(422, "validation_failed");
}

/// Microseconds since the epoch of an RFC 3339 UTC instant `YYYY-MM-DDTHH:MM:SS[.f]Z`
/// (enough to compare instants of one day's test run).
fn micros(at: &str) -> i64 {
    let (date, time) = at.trim_end_matches('Z').split_once('T').unwrap();
    let day: i64 = date.replace('-', "").parse().unwrap();
    let (hms, fraction) = time.split_once('.').unwrap_or((time, "0"));
    let mut parts = hms.split(':').map(|p| p.parse::<i64>().unwrap());
    let (h, m, s) = (
        parts.next().unwrap(),
        parts.next().unwrap(),
        parts.next().unwrap(),
    );
    let fraction: i64 = format!("{fraction:0<6}")[..6].parse().unwrap();
    ((day * 86_400) + h * 3600 + m * 60 + s) * 1_000_000 + fraction
}

#[test]
fn the_feed_starts_at_one_and_pages() {
    let app = TestApp::spawn();
    let admin = app.admin_token();
    let admin_id = me_id(&app, &admin);
    let feed = events(&app, &admin, "");
    assert_eq!(
        items(&feed).len(),
        1,
        "a fresh database has the first admin's creation only: {feed}"
    );
    let first = &items(&feed)[0];
    assert_eq!(first["seq"], 1);
    assert_eq!(first["entity"], "user");
    assert_eq!(first["entity_id"], admin_id.as_str());
    assert_eq!(first["action"], "create");
    assert!(first["at"].as_str().unwrap().ends_with('Z'));
    assert_eq!(feed["next_after"], 1);

    let villages: Vec<String> = app
        .get("/api/v1/regions?level=village&parent=530102001&page_size=5")
        .json()["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["code"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(villages.len(), 5);
    for code in &villages {
        let res = patch_region_current(&app, &admin, code, &json!({"tags": ["demonstration"]}));
        assert_eq!(res.status, 200, "{}", res.text);
    }

    let all = events(&app, &admin, "after=0");
    assert_eq!(seqs(&all), [1, 2, 3, 4, 5, 6]);
    assert_eq!(all["next_after"], 6);
    let region_ids: Vec<&str> = items(&all)[1..]
        .iter()
        .map(|e| e["entity_id"].as_str().unwrap())
        .collect();
    assert_eq!(
        region_ids,
        villages.iter().map(String::as_str).collect::<Vec<_>>()
    );
    assert!(items(&all)[1..]
        .iter()
        .all(|e| e["entity"] == "region" && e["action"] == "update"));

    let page = events(&app, &admin, "after=2&limit=2");
    assert_eq!(seqs(&page), [3, 4]);
    assert_eq!(page["next_after"], 4);
    let page = events(&app, &admin, "after=4&limit=2");
    assert_eq!(seqs(&page), [5, 6]);
    assert_eq!(page["next_after"], 6);
    let page = events(&app, &admin, "after=6&limit=2");
    assert_eq!(seqs(&page), Vec::<i64>::new());
    assert_eq!(page["next_after"], 6, "nothing new: next_after stays");
    let page = events(&app, &admin, "after=100");
    assert_eq!(seqs(&page), Vec::<i64>::new());
    assert_eq!(page["next_after"], 100);
    assert_eq!(seqs(&events(&app, &admin, "limit=1")), [1]);
    assert_eq!(seqs(&events(&app, &admin, "limit=1000")).len(), 6);

    // Walking the feed in steps of one reads every event once.
    let mut after = 0;
    let mut walked = Vec::new();
    loop {
        let page = events(&app, &admin, &format!("after={after}&limit=1"));
        if items(&page).is_empty() {
            break;
        }
        walked.extend(seqs(&page));
        after = page["next_after"].as_i64().unwrap();
    }
    assert_eq!(walked, [1, 2, 3, 4, 5, 6]);

    // An integration reads the same feed.
    let integration = app.create_user("integration", None, None);
    let theirs = events(&app, &integration.token, "after=5");
    assert_eq!(
        seqs(&theirs),
        [6, 7],
        "6, and 7: the integration's own creation"
    );
    assert_eq!(items(&theirs)[1]["entity_id"], integration.id.as_str());
}

#[test]
fn feed_parameters_are_checked() {
    let app = TestApp::spawn();
    let admin = app.admin_token();
    let get = |query: &str| {
        app.request(
            "GET",
            &format!("/api/v1/events?{query}"),
            Some(&admin),
            None,
            &[],
        )
    };
    for (query, status, code, field, field_code) in [
        ("limit=0", 422, "validation_failed", "limit", "out_of_range"),
        (
            "limit=1001",
            422,
            "validation_failed",
            "limit",
            "out_of_range",
        ),
        (
            "limit=-5",
            422,
            "validation_failed",
            "limit",
            "out_of_range",
        ),
        (
            "after=-1",
            422,
            "validation_failed",
            "after",
            "out_of_range",
        ),
        (
            "after=abc",
            400,
            "malformed_query",
            "after",
            "invalid_format",
        ),
        (
            "after=1.5",
            400,
            "malformed_query",
            "after",
            "invalid_format",
        ),
        (
            "limit=ten",
            400,
            "malformed_query",
            "limit",
            "invalid_format",
        ),
        ("since=3", 400, "malformed_query", "since", "unknown_field"),
        ("page=2", 400, "malformed_query", "page", "unknown_field"),
        (
            "after=1&after=2",
            400,
            "malformed_query",
            "after",
            "invalid_format",
        ),
    ] {
        let body = get(query).problem(status, code);
        let errors = body["errors"].as_array().unwrap();
        assert_eq!(errors.len(), 1, "{query}: {body}");
        assert_eq!(errors[0]["field"], field, "{query}");
        assert_eq!(errors[0]["code"], field_code, "{query}");
    }
    assert_eq!(get("after=0&limit=1000").status, 200);
    assert_eq!(get("after=&limit=").status, 200, "empty values are absent");
}

#[test]
fn the_feed_has_no_gaps_while_writers_race() {
    const WRITERS: usize = 4;
    const WRITES_EACH: usize = 20;
    const NEW_USERS: usize = 3;
    let app = TestApp::spawn();
    let admin = app.admin_token();
    let villages: Vec<String> = app
        .get(&format!(
            "/api/v1/regions?level=village&parent=530102001&page_size={WRITERS}"
        ))
        .json()["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["code"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(villages.len(), WRITERS);

    let done = AtomicBool::new(false);
    let polls = AtomicUsize::new(0);
    let (seen, writes) = std::thread::scope(|s| {
        let (app, admin, done, polls) = (&app, &admin, &done, &polls);
        let poller = s.spawn(move || {
            let deadline = Instant::now() + Duration::from_secs(300);
            let mut seen: Vec<Value> = Vec::new();
            let mut after = 0;
            loop {
                // Read before polling: a poll begun after the writers finished that
                // finds nothing new means everything has been read.
                let finished = done.load(Ordering::SeqCst);
                let page = events(app, admin, &format!("after={after}&limit=7"));
                polls.fetch_add(1, Ordering::Relaxed);
                let batch = items(&page).clone();
                after = page["next_after"].as_i64().unwrap();
                if finished && batch.is_empty() {
                    break;
                }
                seen.extend(batch);
                assert!(Instant::now() < deadline, "the poller never finished");
            }
            seen
        });
        let writers: Vec<_> = villages
            .iter()
            .map(|code| {
                s.spawn(move || {
                    let mut ok = 0;
                    for n in 0..WRITES_EACH {
                        let tags = if n % 2 == 0 {
                            json!(["demonstration"])
                        } else {
                            json!(["green_beautiful", "border_happy"])
                        };
                        let res = patch_region_current(app, admin, code, &json!({"tags": tags}));
                        assert_eq!(res.status, 200, "{code} #{n}: {}", res.text);
                        ok += 1;
                    }
                    ok
                })
            })
            .collect();
        let creator = s.spawn(move || {
            let mut ok = 0;
            for n in 0..NEW_USERS {
                let res = app.request(
                    "POST",
                    "/api/v1/users",
                    Some(admin),
                    Some(&json!({
                        "username": format!("racer.{n}"),
                        "display_name": "racing the writers",
                        "role": "viewer",
                        "password": "a-racing-password-1",
                    })),
                    &[],
                );
                assert_eq!(res.status, 201, "{}", res.text);
                ok += 1;
            }
            ok
        });
        let mut results: Vec<std::thread::Result<usize>> =
            writers.into_iter().map(|h| h.join()).collect();
        results.push(creator.join());
        // Stop the poller whatever happened, then report.
        done.store(true, Ordering::SeqCst);
        let seen = poller.join();
        let writes: usize = results
            .into_iter()
            .map(|r| r.unwrap_or_else(|e| std::panic::resume_unwind(e)))
            .sum();
        (
            seen.unwrap_or_else(|e| std::panic::resume_unwind(e)),
            writes,
        )
    });
    assert_eq!(writes, WRITERS * WRITES_EACH + NEW_USERS);

    let got: Vec<i64> = seen.iter().map(|e| e["seq"].as_i64().unwrap()).collect();
    let n = i64::try_from(1 + writes).unwrap();
    let want: Vec<i64> = (1..=n).collect();
    assert_eq!(
        got,
        want,
        "the feed as polled during the writes ({} polls) skipped or repeated events",
        polls.load(Ordering::Relaxed)
    );
    let region_updates = seen
        .iter()
        .filter(|e| e["entity"] == "region" && e["action"] == "update")
        .count();
    let user_creations = seen
        .iter()
        .filter(|e| e["entity"] == "user" && e["action"] == "create")
        .count();
    assert_eq!(region_updates, WRITERS * WRITES_EACH);
    assert_eq!(user_creations, 1 + NEW_USERS);
    for code in &villages {
        assert_eq!(
            seen.iter()
                .filter(|e| e["entity_id"] == code.as_str())
                .count(),
            WRITES_EACH,
            "{code}"
        );
        let stored = app.get(&format!("/api/v1/regions/{code}")).json();
        assert_eq!(stored["version"], 1 + WRITES_EACH, "{code}");
    }
    // Read again from the start after the dust settled: the same feed.
    let settled = events(&app, &admin, "limit=1000");
    assert_eq!(seqs(&settled), want);
}
