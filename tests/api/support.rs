//! Fixtures that several test modules share, once each: ids, pairings, the organization-A
//! world, uploads, field errors, and readers of the test database's rows.

use diesel::prelude::*;
use persistence::DbConnection;
use serde_json::{json, Value};
use tests::{credit_code, Response, TestApp, TestUser};

/// The county organization A is paired with in [`world`].
const WORLD_COUNTY: &str = "530102";

/// The `id` of a JSON resource.
pub fn id_of(v: &Value) -> String {
    v["id"].as_str().unwrap().to_owned()
}

/// Pairs an organization with a county (as the admin); returns the pairing's id.
pub fn pair(app: &TestApp, admin: &str, org: &str, county: &str) -> String {
    let res = app.request(
        "POST",
        "/api/v1/pairings",
        Some(admin),
        Some(&json!({"organization_id": org, "county_code": county})),
        &[],
    );
    assert_eq!(res.status, 201, "pair {county}: {}", res.text);
    id_of(&res.json())
}

/// Registers a provincial social group named `name` with credit code `n` (as `admin`);
/// returns its id.
pub fn register_organization(app: &TestApp, admin: &str, name: &str, n: u32) -> String {
    let res = app.request(
        "POST",
        "/api/v1/organizations",
        Some(admin),
        Some(&json!({
            "name": name,
            "credit_code": credit_code(n),
            "org_type": "social_group",
            "level": "provincial",
            "sector": "charity",
            "registration_region_code": "53",
        })),
        &[],
    );
    assert_eq!(res.status, 201, "{name}: {}", res.text);
    id_of(&res.json())
}

/// Sets an organization's `status` through the API (as the admin, with its ETag).
pub fn set_org_status(app: &TestApp, admin: &str, id: &str, status: &str) {
    let path = format!("/api/v1/organizations/{id}");
    let tag = app
        .request("GET", &path, Some(admin), None, &[])
        .header("etag")
        .unwrap()
        .to_owned();
    let res = app.request(
        "PATCH",
        &path,
        Some(admin),
        Some(&json!({"status": status})),
        &[("If-Match", &tag)],
    );
    assert_eq!(res.status, 200, "{}", res.text);
}

/// An app with organization A paired with county 530102 and a user of A.
pub struct World {
    pub app: TestApp,
    pub admin: String,
    pub org: String,
    pub user: TestUser,
    pub pairing: String,
}

pub fn world() -> World {
    let app = TestApp::spawn();
    let admin = app.admin_token();
    let org = app.create_organization("云南省乡村振兴促进会", 1);
    let pairing = pair(&app, &admin, &org, WORLD_COUNTY);
    let user = app.create_user("org_user", None, Some(&org));
    World {
        app,
        admin,
        org,
        user,
        pairing,
    }
}

/// A second organization, paired with the world's county too, and its user.
pub fn organization_b(w: &World) -> (String, TestUser) {
    let org = w.app.create_organization("云南省慈善总会", 2);
    pair(&w.app, &w.admin, &org, WORLD_COUNTY);
    let user = w.app.create_user("org_user", None, Some(&org));
    (org, user)
}

/// POSTs `body` as `content_type` to `path` (an import) with the bearer `token`.
pub fn upload(app: &TestApp, token: &str, path: &str, content_type: &str, body: &[u8]) -> Response {
    let request = ureq::http::Request::builder()
        .method("POST")
        .uri(app.url(path))
        .header("authorization", format!("Bearer {token}"))
        .header("content-type", content_type)
        .body(body.to_vec())
        .unwrap();
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    Response::from(agent.run(request).unwrap())
}

/// Asserts a problem of `status` (422, 409 or 403) whose errors name `field` with `code`.
pub fn assert_error(res: &Response, status: u16, field: &str, code: &str, what: &str) {
    assert_eq!(res.status, status, "{what}: {}", res.text);
    let problem = match status {
        422 => "validation_failed",
        409 => "conflict",
        403 => "forbidden",
        other => panic!("no field errors on {other}"),
    };
    let body = res.problem(status, problem);
    assert!(
        body["errors"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["field"] == field && e["code"] == code),
        "{what}: wanted {field}/{code} in {body}"
    );
}

/// The fields a 403 names (each with the code `forbidden`).
pub fn forbidden_fields(res: &Response) -> Vec<String> {
    let body = res.problem(403, "forbidden");
    body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            assert_eq!(e["code"], "forbidden", "{body}");
            e["field"].as_str().unwrap().to_owned()
        })
        .collect()
}

/// The ids, sorted (to compare with a list read in any order).
pub fn set_of(ids: &[&str]) -> Vec<String> {
    let mut v: Vec<String> = ids.iter().map(|s| (*s).to_owned()).collect();
    v.sort();
    v
}

// --- Raw SQL on the test's database (not through the app) -----------------------

#[derive(QueryableByName)]
struct Line {
    #[diesel(sql_type = diesel::sql_types::Text)]
    t: String,
}

/// Runs `sql`, whose single column is named `t` and is text.
pub fn sql_texts(app: &TestApp, sql: &str) -> Vec<String> {
    let mut conn = app.db.connect();
    let lines: Vec<Line> = match &mut conn {
        DbConnection::Pg(c) => diesel::sql_query(sql).load(c),
        DbConnection::Sqlite(c) => diesel::sql_query(sql).load(c),
    }
    .unwrap_or_else(|e| panic!("{sql}: {e}"));
    lines.into_iter().map(|l| l.t).collect()
}

/// Like [`sql_texts`], for a query of exactly one row.
pub fn sql_text(app: &TestApp, sql: &str) -> String {
    let mut all = sql_texts(app, sql);
    assert_eq!(all.len(), 1, "{sql}: {all:?}");
    all.remove(0)
}

/// `SELECT COUNT(*) FROM <from_where>`.
pub fn sql_count_from(app: &TestApp, from_where: &str) -> i64 {
    sql_text(
        app,
        &format!("SELECT CAST(COUNT(*) AS TEXT) AS t FROM {from_where}"),
    )
    .parse()
    .unwrap()
}

/// Runs `sql`, whose single row has one BIGINT column named `n`.
pub fn sql_bigint(app: &TestApp, sql: &str) -> i64 {
    #[derive(QueryableByName)]
    struct N {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let mut conn = app.db.connect();
    diesel::sql_query(sql).get_result::<N>(&mut conn).unwrap().n
}
