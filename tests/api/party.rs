//! 双百结对共建: party organizations, their pairings with village party branches,
//! joint activities, who may do what, and the progress figures.

use serde_json::{json, Value};
use tests::{Response, TestApp, TestUser};

struct World {
    app: TestApp,
    admin: String,
    org: String,
    member: TestUser,
}

/// An organization paired with 五华区, and one of its users.
fn world() -> World {
    let app = TestApp::spawn();
    let admin = app.admin_token();
    let org = app.create_organization("云南省测试协会", 1);
    let res = app.request(
        "POST",
        "/api/v1/pairings",
        Some(&admin),
        Some(&json!({"organization_id": org, "county_code": "530102"})),
        &[],
    );
    assert_eq!(res.status, 201, "{}", res.text);
    let member = app.create_user("org_user", None, Some(&org));
    World {
        app,
        admin,
        org,
        member,
    }
}

fn party_org(w: &World, token: &str, body: &Value) -> Response {
    w.app.request(
        "POST",
        "/api/v1/party-organizations",
        Some(token),
        Some(body),
        &[],
    )
}

fn new_party_org(w: &World) -> String {
    let res = party_org(
        w,
        &w.member.token,
        &json!({"name": "云南省测试协会党支部", "kind": "branch", "members": 5, "secretary_name": "张三", "established_on": "2020-07-01"}),
    );
    assert_eq!(res.status, 201, "{}", res.text);
    res.json()["id"].as_str().unwrap().to_owned()
}

fn pair(w: &World, token: &str, party: &str, village: &str) -> Response {
    w.app.request(
        "POST",
        "/api/v1/party-pairings",
        Some(token),
        Some(&json!({"party_organization_id": party, "village_code": village, "branch_name": "社区党总支", "signed_on": "2024-01-10", "goals": "共建"})),
        &[],
    )
}

#[test]
fn the_first_party_organization_marks_the_organization() {
    let w = world();
    let before = w
        .app
        .get(&format!("/api/v1/organizations/{}", w.org))
        .json();
    assert_eq!(before["has_party_organization"], false);
    new_party_org(&w);
    let after = w
        .app
        .get(&format!("/api/v1/organizations/{}", w.org))
        .json();
    assert_eq!(after["has_party_organization"], true);
    assert_eq!(after["version"], 2);

    // At least three members; a secretary; not founded in the future.
    let res = party_org(
        &w,
        &w.member.token,
        &json!({"name": "支部", "kind": "branch", "members": 2, "secretary_name": " ", "established_on": "2999-01-01"}),
    );
    let body = res.problem(422, "validation_failed");
    let fields: Vec<&str> = body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["members", "secretary_name", "established_on"]);
    // Another organization's user may not register one for this organization.
    let other_org = w.app.create_organization("另一协会", 2);
    let stranger = w.app.create_user("org_user", None, Some(&other_org));
    let res = party_org(
        &w,
        &stranger.token,
        &json!({"organization_id": w.org, "name": "支部", "kind": "branch", "members": 3, "secretary_name": "李四", "established_on": "2020-01-01"}),
    );
    res.problem(403, "forbidden");
    let viewer = w.app.create_user("viewer", None, None);
    let listed = w
        .app
        .request(
            "GET",
            &format!("/api/v1/party-organizations?organization_id={}", w.org),
            Some(&viewer.token),
            None,
            &[],
        )
        .json();
    assert_eq!(listed["total"], 1);
    w.app
        .get("/api/v1/party-organizations")
        .problem(401, "unauthorized");
}

#[test]
fn party_pairings_follow_the_county_pairing() {
    let w = world();
    let party = new_party_org(&w);
    let res = pair(&w, &w.member.token, &party, "530102001001");
    assert_eq!(res.status, 201, "{}", res.text);
    let body = res.json();
    assert_eq!(body["organization_name"], "云南省测试协会");
    assert_eq!(body["party_organization_name"], "云南省测试协会党支部");
    assert!(body["village_full_name"]
        .as_str()
        .unwrap()
        .starts_with("云南省昆明市五华区"));
    assert_eq!(body["county_code"], "530102");
    // One active pairing per party organization and village.
    pair(&w, &w.member.token, &party, "530102001001").problem(409, "conflict");
    // A village of a county the organization is not paired with.
    let res = pair(&w, &w.member.token, &party, "530103001001");
    assert_eq!(
        res.problem(409, "conflict")["errors"][0]["code"],
        "not_paired"
    );
    // Not a village.
    let res = pair(&w, &w.member.token, &party, "530102001");
    assert_eq!(
        res.problem(422, "validation_failed")["errors"][0]["code"],
        "not_a_village"
    );
    // A suspended organization starts none.
    let org = w
        .app
        .get(&format!("/api/v1/organizations/{}", w.org))
        .json();
    let etag = format!("\"{}\"", org["version"]);
    let res = w.app.request(
        "PATCH",
        &format!("/api/v1/organizations/{}", w.org),
        Some(&w.admin),
        Some(&json!({"status": "suspended"})),
        &[("If-Match", etag.as_str())],
    );
    assert_eq!(res.status, 200, "{}", res.text);
    let res = pair(&w, &w.admin, &party, "530102001002");
    assert_eq!(
        res.problem(409, "conflict")["errors"][0]["code"],
        "organization_not_active"
    );
}

#[test]
fn activities_and_scope() {
    let w = world();
    let party = new_party_org(&w);
    let pairing = pair(&w, &w.member.token, &party, "530102001001").json();
    let id = pairing["id"].as_str().unwrap();
    let activities = format!("/api/v1/party-pairings/{id}/activities");
    let res = w.app.request("POST", &activities, Some(&w.member.token), Some(&json!({"kind": "education", "held_on": "2024-03-01", "title": "主题党课", "participants": 25})), &[]);
    assert_eq!(res.status, 201, "{}", res.text);
    let res = w.app.request("POST", &activities, Some(&w.member.token), Some(&json!({"kind": "education", "held_on": "2023-12-01", "title": "早于签订", "participants": 0})), &[]);
    let fields: Vec<String> = res.problem(422, "validation_failed")["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(fields, ["participants", "held_on"]);

    // Who sees the pair: the county officer of 530102, not of 530103; another org's user gets 404.
    let county = w.app.create_user("county_officer", Some("530102"), None);
    let far = w.app.create_user("county_officer", Some("530103"), None);
    let other_org = w.app.create_organization("另一协会", 2);
    let stranger = w.app.create_user("org_user", None, Some(&other_org));
    let path = format!("/api/v1/party-pairings/{id}");
    assert_eq!(
        w.app
            .request("GET", &path, Some(&county.token), None, &[])
            .status,
        200
    );
    w.app
        .request("GET", &path, Some(&far.token), None, &[])
        .problem(404, "not_found");
    w.app
        .request("GET", &activities, Some(&stranger.token), None, &[])
        .problem(404, "not_found");
    assert_eq!(
        w.app
            .request(
                "GET",
                "/api/v1/party-pairings",
                Some(&stranger.token),
                None,
                &[]
            )
            .json()["total"],
        0
    );
    // A county officer may see but not record.
    w.app
        .request("POST", &activities, Some(&county.token), Some(&json!({"kind": "education", "held_on": "2024-03-02", "title": "党课", "participants": 3})), &[])
        .problem(403, "forbidden");
    let listed = w
        .app
        .request("GET", &activities, Some(&county.token), None, &[])
        .json();
    assert_eq!(listed["total"], 1);

    // Ending: once; then no more activities.
    let end = format!("/api/v1/party-pairings/{id}/end");
    let res = w.app.request(
        "POST",
        &end,
        Some(&w.member.token),
        Some(&json!({"ended_on": "2024-06-01"})),
        &[],
    );
    assert_eq!(res.status, 200, "{}", res.text);
    assert_eq!(res.json()["status"], "ended");
    w.app
        .request(
            "POST",
            &end,
            Some(&w.member.token),
            Some(&json!({"ended_on": "2024-06-01"})),
            &[],
        )
        .problem(409, "conflict");
    w.app
        .request("POST", &activities, Some(&w.member.token), Some(&json!({"kind": "education", "held_on": "2024-05-01", "title": "党课", "participants": 3})), &[])
        .problem(409, "conflict");
    // Journaled.
    let audit = w
        .app
        .request(
            "GET",
            &format!("/api/v1/audit-log?entity=party_pairing&entity_id={id}"),
            Some(&w.admin),
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
    assert_eq!(actions, ["end", "create"]);
}

#[test]
fn progress_counts_distinct_organizations_and_branches() {
    let w = world();
    let party = new_party_org(&w);
    let first = pair(&w, &w.member.token, &party, "530102001001").json();
    pair(&w, &w.member.token, &party, "530102001002");
    let id = first["id"].as_str().unwrap();
    w.app.request(
        "POST",
        &format!("/api/v1/party-pairings/{id}/activities"),
        Some(&w.member.token),
        Some(&json!({"kind": "position_building", "held_on": "2024-02-01", "title": "阵地共建", "participants": 8})),
        &[],
    );
    let stats = w.app.get("/api/v1/stats/party-pairings").json();
    assert_eq!(stats["active_pairs"]["value"], 2);
    assert_eq!(stats["active_pairs"]["target"], 100);
    assert_eq!(stats["party_organizations"]["value"], 1);
    assert_eq!(stats["village_branches"]["value"], 2);
    assert_eq!(stats["activities_by_kind"]["position_building"], 1);
    assert_eq!(stats["activities_by_kind"]["education"], 0);
    // Neither pair has had an activity in the last six months (the one there was is from 2024).
    assert_eq!(stats["dormant_pairs"], 2);
}

#[test]
fn a_party_organization_is_changed_under_its_etag() {
    let w = world();
    let id = new_party_org(&w);
    let path = format!("/api/v1/party-organizations/{id}");
    let change = json!({"members": 8, "secretary_name": " 王五 "});
    // No If-Match: refused, nothing changed.
    w.app
        .request("PATCH", &path, Some(&w.member.token), Some(&change), &[])
        .problem(428, "precondition_required");
    w.app
        .request(
            "PATCH",
            &path,
            Some(&w.member.token),
            Some(&change),
            &[("If-Match", "\"9\"")],
        )
        .problem(412, "precondition_failed");
    // Another organization's user may not change it.
    let other_org = w.app.create_organization("另一协会", 2);
    let stranger = w.app.create_user("org_user", None, Some(&other_org));
    w.app
        .request(
            "PATCH",
            &path,
            Some(&stranger.token),
            Some(&change),
            &[("If-Match", "\"1\"")],
        )
        .problem(403, "forbidden");
    // Fewer than three members is invalid.
    let body = w
        .app
        .request(
            "PATCH",
            &path,
            Some(&w.member.token),
            Some(&json!({"members": 2})),
            &[("If-Match", "\"1\"")],
        )
        .problem(422, "validation_failed");
    assert_eq!(body["errors"][0]["field"], "members");
    let stored = w
        .app
        .request("GET", &path, Some(&w.member.token), None, &[])
        .json();
    assert_eq!(stored["members"], 5);
    assert_eq!(stored["version"], 1);

    let res = w.app.request(
        "PATCH",
        &path,
        Some(&w.member.token),
        Some(&change),
        &[("If-Match", "\"1\"")],
    );
    assert_eq!(res.status, 200, "{}", res.text);
    assert_eq!(res.header("etag"), Some("\"2\""));
    let stored = w
        .app
        .request("GET", &path, Some(&w.member.token), None, &[])
        .json();
    assert_eq!(stored["members"], 8);
    assert_eq!(stored["secretary_name"], "王五");
    assert_eq!(stored["version"], 2);
    // A province admin may correct it too.
    let res = w.app.request(
        "PATCH",
        &path,
        Some(&w.admin),
        Some(&json!({"name": "云南省测试协会党总支", "kind": "general_branch"})),
        &[("If-Match", "\"2\"")],
    );
    assert_eq!(res.status, 200, "{}", res.text);
    assert_eq!(res.json()["kind"], "general_branch");
}
