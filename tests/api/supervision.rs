//! Typical cases (submitted by organizations, published by the province, never with
//! personal data) and supervision records (commendations public; a violation may
//! suspend the organization).

use serde_json::json;
use tests::TestApp;

#[test]
fn cases_are_published_without_personal_data() {
    let app = TestApp::spawn();
    let admin = app.admin_token();
    let org = app.create_organization("云南省测试协会", 1);
    let member = app.create_user("org_user", None, Some(&org));
    let submit = |title: &str, summary: &str| {
        app.request(
            "POST",
            "/api/v1/cases",
            Some(&member.token),
            Some(&json!({"title": title, "summary": summary, "body": "正文：合作社带动 120 户增收。", "county_code": "530102"})),
            &[],
        )
    };
    let res = submit("茶叶合作社", "联系人电话 13812345678");
    let body = res.problem(422, "validation_failed");
    assert_eq!(body["errors"][0]["field"], "summary");
    assert_eq!(body["errors"][0]["code"], "personal_data");
    let res = submit("户主 530102199001011234 的故事", "摘要");
    assert_eq!(
        res.problem(422, "validation_failed")["errors"][0]["field"],
        "title"
    );

    let res = submit("茶叶合作社带动增收", "摘要");
    assert_eq!(res.status, 201, "{}", res.text);
    let case = res.json();
    let id = case["id"].as_str().unwrap();
    assert_eq!(case["status"], "submitted");
    // Unpublished: the public sees nothing; its organization and admins do.
    assert_eq!(app.get("/api/v1/cases").json()["total"], 0);
    app.get(&format!("/api/v1/cases/{id}"))
        .problem(404, "not_found");
    assert_eq!(
        app.request("GET", "/api/v1/cases", Some(&member.token), None, &[])
            .json()["total"],
        1
    );

    let publish = format!("/api/v1/cases/{id}/publish");
    app.request(
        "POST",
        &publish,
        Some(&member.token),
        Some(&json!({"channel": "公众号"})),
        &[],
    )
    .problem(403, "forbidden");
    let res = app.request(
        "POST",
        &publish,
        Some(&admin),
        Some(&json!({"channel": "云南民政微信公众号"})),
        &[],
    );
    assert_eq!(res.status, 200, "{}", res.text);
    assert_eq!(res.json()["status"], "published");
    assert_eq!(app.get("/api/v1/cases").json()["total"], 1);
    assert_eq!(
        app.get(&format!("/api/v1/cases/{id}")).json()["channel"],
        "云南民政微信公众号"
    );
    app.request(
        "POST",
        &publish,
        Some(&admin),
        Some(&json!({"channel": "again"})),
        &[],
    )
    .problem(409, "conflict");
    let audit = app
        .request(
            "GET",
            &format!("/api/v1/audit-log?entity=case&entity_id={id}"),
            Some(&admin),
            None,
            &[],
        )
        .json();
    assert_eq!(audit["total"], 2);
}

#[test]
fn a_violation_can_suspend_and_commendations_are_public() {
    let app = TestApp::spawn();
    let admin = app.admin_token();
    let org = app.create_organization("云南省测试协会", 1);
    let record = |token: &str, body: serde_json::Value| {
        app.request(
            "POST",
            "/api/v1/supervision-records",
            Some(token),
            Some(&body),
            &[],
        )
    };
    let res = record(
        &admin,
        json!({"organization_id": org, "kind": "commendation", "document_no": "滇民通〔2024〕1号", "decided_on": "2024-05-01", "description": "表扬"}),
    );
    assert_eq!(res.status, 201, "{}", res.text);
    record(&admin, json!({"organization_id": org, "kind": "commendation", "document_no": "x", "decided_on": "2024-05-01", "description": "表扬", "suspend": true}))
        .problem(422, "validation_failed");
    let viewer = app.create_user("viewer", None, None);
    record(&viewer.token, json!({"organization_id": org, "kind": "violation", "document_no": "x", "decided_on": "2024-05-01", "description": "违规"}))
        .problem(403, "forbidden");

    let res = record(
        &admin,
        json!({"organization_id": org, "kind": "violation", "document_no": "滇民查〔2024〕2号", "decided_on": "2024-06-01", "description": "挪用帮扶资金", "suspend": true}),
    );
    assert_eq!(res.status, 201, "{}", res.text);
    // Suspended in the same transaction: it starts nothing new.
    assert_eq!(
        app.get(&format!("/api/v1/organizations/{org}")).json()["status"],
        "suspended"
    );
    let res = app.request(
        "POST",
        "/api/v1/pairings",
        Some(&admin),
        Some(&json!({"organization_id": org, "county_code": "530102"})),
        &[],
    );
    assert_eq!(
        res.problem(409, "conflict")["errors"][0]["code"],
        "organization_not_active"
    );

    // The public sees the commendation only; the province sees both.
    let public = app.get("/api/v1/supervision-records").json();
    assert_eq!(public["total"], 1);
    assert_eq!(public["items"][0]["kind"], "commendation");
    assert_eq!(
        app.request(
            "GET",
            "/api/v1/supervision-records",
            Some(&viewer.token),
            None,
            &[]
        )
        .json()["total"],
        2
    );
    let member = app.create_user("org_user", None, Some(&org));
    assert_eq!(
        app.request(
            "GET",
            "/api/v1/supervision-records",
            Some(&member.token),
            None,
            &[]
        )
        .json()["total"],
        2
    );
    let audit = app
        .request(
            "GET",
            &format!("/api/v1/audit-log?entity=organization&entity_id={org}"),
            Some(&admin),
            None,
            &[],
        )
        .json();
    assert!(audit["items"]
        .as_array()
        .unwrap()
        .iter()
        .any(|e| e["changes"]["status"]["after"] == "suspended"));
}
