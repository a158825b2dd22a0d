//! Reports: drafts, submission, read-only afterwards, who writes and reads them, due
//! dates and lateness, and who has not yet reported.

use serde_json::json;
use tests::TestApp;

#[test]
fn a_prefecture_reports_its_half_year() {
    let app = TestApp::spawn();
    let officer = app.create_user("prefecture_officer", Some("5301"), None);
    let other = app.create_user("prefecture_officer", Some("5303"), None);
    let res = app.request(
        "POST",
        "/api/v1/reports",
        Some(&officer.token),
        Some(&json!({"kind": "semiannual", "period": "2024S1", "sections": {"progress": "进展"}})),
        &[],
    );
    assert_eq!(res.status, 201, "{}", res.text);
    let report = res.json();
    assert_eq!(report["subject"], "5301");
    assert_eq!(report["due_on"], "2024-07-15");
    assert_eq!(report["status"], "draft");
    assert_eq!(report["late"], true, "a 2024 draft is long overdue");
    let id = report["id"].as_str().unwrap();
    // One per period; another prefecture's officer cannot write or see it.
    let again = app.request(
        "POST",
        "/api/v1/reports",
        Some(&officer.token),
        Some(&json!({"kind": "semiannual", "period": "2024S1"})),
        &[],
    );
    again.problem(409, "conflict");
    app.request(
        "POST",
        "/api/v1/reports",
        Some(&other.token),
        Some(&json!({"kind": "semiannual", "subject": "5301", "period": "2024S2"})),
        &[],
    )
    .problem(403, "forbidden");
    app.request(
        "GET",
        &format!("/api/v1/reports/{id}"),
        Some(&other.token),
        None,
        &[],
    )
    .problem(404, "not_found");
    // Annual sections do not belong in a half-year report; periods are checked.
    app.request(
        "POST",
        "/api/v1/reports",
        Some(&officer.token),
        Some(&json!({"kind": "semiannual", "period": "2024S2", "sections": {"summary": "x"}})),
        &[],
    )
    .problem(422, "validation_failed");
    app.request(
        "POST",
        "/api/v1/reports",
        Some(&officer.token),
        Some(&json!({"kind": "semiannual", "period": "2024"})),
        &[],
    )
    .problem(422, "validation_failed");

    // Submitting needs every section.
    let submit = format!("/api/v1/reports/{id}/submit");
    let res = app.request("POST", &submit, Some(&officer.token), None, &[]);
    let fields: Vec<String> = res.problem(422, "validation_failed")["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(fields, ["sections.problems", "sections.good_practices"]);
    let path = format!("/api/v1/reports/{id}");
    let res = app.request("PATCH", &path, Some(&officer.token), Some(&json!({"sections": {"progress": "进展", "problems": "问题", "good_practices": "经验"}})), &[("If-Match", "\"1\"")]);
    assert_eq!(res.status, 200, "{}", res.text);
    let res = app.request("POST", &submit, Some(&officer.token), None, &[]);
    assert_eq!(res.status, 200, "{}", res.text);
    assert_eq!(res.json()["status"], "submitted");
    assert_eq!(res.json()["late"], true, "submitted after Jul 15, 2024");
    // Read-only afterwards.
    app.request(
        "PATCH",
        &path,
        Some(&officer.token),
        Some(&json!({"sections": {"progress": "改"}})),
        &[("If-Match", "\"3\"")],
    )
    .problem(409, "conflict");
    app.request("POST", &submit, Some(&officer.token), None, &[])
        .problem(409, "conflict");
}

#[test]
fn province_level_organizations_report_their_year_and_the_outstanding_list_shrinks() {
    let app = TestApp::spawn();
    let admin = app.admin_token();
    let org = app.create_organization("云南省测试协会", 1);
    let member = app.create_user("org_user", None, Some(&org));
    let outstanding = |kind: &str, period: &str| {
        let res = app.request(
            "GET",
            &format!("/api/v1/reports/outstanding?kind={kind}&period={period}"),
            Some(&admin),
            None,
            &[],
        );
        assert_eq!(res.status, 200, "{}", res.text);
        res.json().as_array().unwrap().clone()
    };
    assert_eq!(outstanding("semiannual", "2024S2").len(), 16);
    assert_eq!(outstanding("annual", "2024").len(), 1);

    let res = app.request(
        "POST",
        "/api/v1/reports",
        Some(&member.token),
        Some(&json!({"kind": "annual", "period": "2024", "sections": {"summary": "年度总结"}})),
        &[],
    );
    assert_eq!(res.status, 201, "{}", res.text);
    assert_eq!(res.json()["due_on"], "2024-12-15");
    let id = res.json()["id"].as_str().unwrap().to_owned();
    assert_eq!(
        app.request(
            "POST",
            &format!("/api/v1/reports/{id}/submit"),
            Some(&member.token),
            None,
            &[]
        )
        .status,
        200
    );
    assert!(outstanding("annual", "2024").is_empty());

    let officer = app.create_user("prefecture_officer", Some("5301"), None);
    app.request("POST", "/api/v1/reports", Some(&officer.token), Some(&json!({"kind": "semiannual", "period": "2024S2", "sections": {"progress": "a", "problems": "b", "good_practices": "c"}})), &[]);
    let report = app
        .request(
            "GET",
            "/api/v1/reports?kind=semiannual",
            Some(&officer.token),
            None,
            &[],
        )
        .json();
    let id = report["items"][0]["id"].as_str().unwrap().to_owned();
    app.request(
        "POST",
        &format!("/api/v1/reports/{id}/submit"),
        Some(&officer.token),
        None,
        &[],
    );
    let left = outstanding("semiannual", "2024S2");
    assert_eq!(left.len(), 15);
    assert!(left.iter().all(|r| r["subject"] != "5301"));
    assert_eq!(left[0]["due_on"], "2025-01-15");
    // Only the province-wide roles see who is outstanding; an org user sees its own reports only.
    app.request(
        "GET",
        "/api/v1/reports/outstanding?kind=annual&period=2024",
        Some(&member.token),
        None,
        &[],
    )
    .problem(403, "forbidden");
    assert_eq!(
        app.request("GET", "/api/v1/reports", Some(&member.token), None, &[])
            .json()["total"],
        1
    );
    assert_eq!(
        app.request("GET", "/api/v1/reports", Some(&admin), None, &[])
            .json()["total"],
        2
    );
    // A prefecture-level organization files no annual report.
    let body = json!({"name": "昆明市服务中心", "credit_code": tests::credit_code_with("52530100", 7), "org_type": "social_service_agency", "level": "prefectural", "sector": "charity", "registration_region_code": "5301"});
    let local = app
        .request(
            "POST",
            "/api/v1/organizations",
            Some(&admin),
            Some(&body),
            &[],
        )
        .json();
    let res = app.request(
        "POST",
        "/api/v1/reports",
        Some(&admin),
        Some(&json!({"kind": "annual", "subject": local["id"], "period": "2024"})),
        &[],
    );
    assert_eq!(
        res.problem(422, "validation_failed")["errors"][0]["code"],
        "not_provincial"
    );
}

#[test]
fn an_annual_report_cites_only_its_own_cases_and_may_be_on_time() {
    let app = TestApp::spawn();
    let org = app.create_organization("云南省测试协会", 1);
    let member = app.create_user("org_user", None, Some(&org));
    let case_of = |token: &str| {
        let res = app.request(
            "POST",
            "/api/v1/cases",
            Some(token),
            Some(&json!({"title": "茶叶合作社带动增收", "summary": "摘要", "body": "正文", "county_code": "530102"})),
            &[],
        );
        assert_eq!(res.status, 201, "{}", res.text);
        res.json()["id"].as_str().unwrap().to_owned()
    };
    let own = case_of(&member.token);
    let other_org = app.create_organization("另一协会", 2);
    let theirs = case_of(&app.create_user("org_user", None, Some(&other_org)).token);
    // Another organization's case, or no case at all, cannot be cited; nothing is stored.
    for cited in [theirs.as_str(), "0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b"] {
        let res = app.request(
            "POST",
            "/api/v1/reports",
            Some(&member.token),
            Some(&json!({"kind": "annual", "period": "2026", "sections": {"summary": "总结", "cases_submitted": [own, cited]}})),
            &[],
        );
        let body = res.problem(422, "validation_failed");
        assert_eq!(body["errors"][0]["field"], "sections.cases_submitted[1]");
    }
    assert_eq!(
        app.request("GET", "/api/v1/reports", Some(&member.token), None, &[])
            .json()["total"],
        0
    );
    // Filed before its due date (the year's Dec 15, Asia/Shanghai): not late.
    let year = 1970
        + std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs()
            / 31_556_952
        + 1;
    let res = app.request(
        "POST",
        "/api/v1/reports",
        Some(&member.token),
        Some(&json!({"kind": "annual", "period": year.to_string(), "sections": {"summary": "年度总结", "cases_submitted": [own]}})),
        &[],
    );
    assert_eq!(res.status, 201, "{}", res.text);
    assert_eq!(res.json()["due_on"], format!("{year}-12-15"));
    assert_eq!(res.json()["sections"]["cases_submitted"], json!([own]));
    let id = res.json()["id"].as_str().unwrap().to_owned();
    let res = app.request(
        "POST",
        &format!("/api/v1/reports/{id}/submit"),
        Some(&member.token),
        None,
        &[],
    );
    assert_eq!(res.status, 200, "{}", res.text);
    assert_eq!(res.json()["late"], false);
}
