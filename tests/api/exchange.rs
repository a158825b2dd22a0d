//! The pairing list as spreadsheets: imports (CSV in UTF-8, with BOM, GB18030; XLSX;
//! dry runs; all or nothing) and exports (CSV, XLSX).

use api::spreadsheet::{self, Cell};
use serde_json::Value;
use tests::{Response, TestApp};

const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

// Valid credit codes of Yunnan-registered social organizations (see domain::organization).
const PROMOTION: &str = "51530000MJ0123456F";
const CENTRE: &str = "52530100MJ0123464C";
const FOUNDATION: &str = "53530000MJ00010298";

/// POSTs a pairing import (`query` after the path).
fn upload(app: &TestApp, token: &str, query: &str, content_type: &str, body: &[u8]) -> Response {
    let path = format!("/api/v1/imports/pairings{query}");
    crate::support::upload(app, token, &path, content_type, body)
}

fn sheet(rows: &[[&str; 4]]) -> String {
    let mut text = "组织名称,统一社会信用代码,县（市、区）,批次\r\n".to_owned();
    for r in rows {
        text.push_str(&r.join(","));
        text.push_str("\r\n");
    }
    text
}

fn total(app: &TestApp, path: &str) -> i64 {
    app.get(path).json()["total"].as_i64().unwrap()
}

fn events(app: &TestApp, token: &str) -> i64 {
    let page = app
        .request("GET", "/api/v1/events?limit=1000", Some(token), None, &[])
        .json();
    page["next_after"].as_i64().unwrap()
}

const GOOD: &[[&str; 4]] = &[
    ["云南省乡村振兴促进会", PROMOTION, "五华区", "1"],
    ["云南省乡村振兴促进会", PROMOTION, "530103", ""],
    ["昆明市社区服务中心", CENTRE, "云南省玉溪市红塔区", "2"],
];

#[test]
fn a_dry_run_reports_and_changes_nothing() {
    let app = TestApp::spawn();
    let admin = app.admin_token();
    let before = events(&app, &admin);
    let res = upload(
        &app,
        &admin,
        "?dry_run=true",
        "text/csv",
        sheet(GOOD).as_bytes(),
    );
    assert_eq!(res.status, 200, "{}", res.text);
    let report = res.json();
    assert_eq!(report["dry_run"], true);
    assert_eq!(report["valid"], true);
    assert_eq!(report["rows_read"], 3);
    assert_eq!(report["organizations_created"], 2);
    assert_eq!(report["pairings_created"], 3);
    let items = report["items"].as_array().unwrap();
    assert_eq!(items[0]["row"], 2);
    assert_eq!(items[2]["county_code"], "530402");
    assert_eq!(items[2]["batch"], 2);
    assert_eq!(items[0]["organization"], "create");
    // Nothing stored, nothing journaled.
    assert_eq!(total(&app, "/api/v1/pairings"), 0);
    assert_eq!(total(&app, "/api/v1/organizations"), 0);
    assert_eq!(events(&app, &admin), before);
}

#[test]
fn an_import_creates_organizations_and_pairings_once() {
    let app = TestApp::spawn();
    let admin = app.admin_token();
    let before = events(&app, &admin);
    let res = upload(&app, &admin, "", "text/csv", sheet(GOOD).as_bytes());
    assert_eq!(res.status, 200, "{}", res.text);
    let report = res.json();
    assert_eq!(report["dry_run"], false);
    assert_eq!(
        (
            report["organizations_created"].as_i64(),
            report["pairings_created"].as_i64()
        ),
        (Some(2), Some(3))
    );
    assert_eq!(total(&app, "/api/v1/pairings"), 3);
    assert_eq!(total(&app, "/api/v1/pairings?county=530402&batch=2"), 1);
    let orgs = app.get("/api/v1/organizations?q=促进会").json();
    let org = &orgs["items"][0];
    // Type, level and registration region follow from the credit code.
    assert_eq!(org["credit_code"], PROMOTION);
    assert_eq!(org["org_type"], "social_group");
    assert_eq!(org["level"], "provincial");
    assert_eq!(org["registration_region_code"], "53");
    assert_eq!(org["sector"], Value::Null);
    let centre = &app.get("/api/v1/organizations?q=服务中心").json()["items"][0];
    assert_eq!(centre["org_type"], "social_service_agency");
    assert_eq!(centre["level"], "prefectural");
    assert_eq!(centre["registration_region_code"], "5301");
    // 2 organizations + 3 pairings journaled, each with an audit entry.
    assert_eq!(events(&app, &admin), before + 5);
    let audit = app
        .request(
            "GET",
            "/api/v1/audit-log?entity=pairing&page_size=100",
            Some(&admin),
            None,
            &[],
        )
        .json();
    assert_eq!(audit["total"], 3);

    // Again: everything exists, nothing changes.
    let again = upload(&app, &admin, "", "text/csv", sheet(GOOD).as_bytes()).json();
    assert_eq!(again["unchanged"], 3);
    assert_eq!(again["pairings_created"], 0);
    assert_eq!(again["organizations_created"], 0);
    assert_eq!(total(&app, "/api/v1/pairings"), 3);
    assert_eq!(events(&app, &admin), before + 5);
}

#[test]
fn one_bad_row_among_many_stores_nothing() {
    let app = TestApp::spawn();
    let admin = app.admin_token();
    let mut rows: Vec<[&str; 4]> = GOOD.to_vec();
    rows.push(["坏的行", "51530000MJ0123456G", "五华区", "1"]);
    rows.push(["基金会", FOUNDATION, "不存在的县", "x"]);
    let before = events(&app, &admin);
    let res = upload(&app, &admin, "", "text/csv", sheet(&rows).as_bytes());
    let problem = res.problem(422, "validation_failed");
    let errors: Vec<(String, String)> = problem["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["field"].as_str().unwrap().to_owned(),
                e["code"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        errors,
        [
            (
                "rows[5].credit_code".to_owned(),
                "check_character".to_owned()
            ),
            ("rows[6].county".to_owned(), "unknown_county".to_owned()),
            ("rows[6].batch".to_owned(), "out_of_range".to_owned()),
        ]
    );
    assert_eq!(total(&app, "/api/v1/pairings"), 0);
    assert_eq!(total(&app, "/api/v1/organizations"), 0);
    assert_eq!(events(&app, &admin), before);

    // The dry run shows the same problems in its report, with a 200.
    let report = upload(
        &app,
        &admin,
        "?dry_run=true",
        "text/csv",
        sheet(&rows).as_bytes(),
    )
    .json();
    assert_eq!(report["valid"], false);
    assert_eq!(report["errors"].as_array().unwrap().len(), 3);
    assert_eq!(report["errors"][0]["row"], 5);
    assert_eq!(report["errors"][0]["column"], "credit_code");
}

#[test]
fn bom_gb18030_and_xlsx_all_parse() {
    let app = TestApp::spawn();
    let admin = app.admin_token();
    let text = sheet(&GOOD[..1]);
    let mut bom = b"\xEF\xBB\xBF".to_vec();
    bom.extend_from_slice(text.as_bytes());
    let res = upload(
        &app,
        &admin,
        "?dry_run=true",
        "text/csv; charset=utf-8",
        &bom,
    );
    assert_eq!(res.json()["pairings_created"], 1, "{}", res.text);

    let gb = gb18030(&text);
    assert!(std::str::from_utf8(&gb).is_err(), "really GB18030");
    let res = upload(&app, &admin, "?dry_run=true", "text/csv", &gb);
    assert_eq!(res.status, 200, "{}", res.text);
    assert_eq!(
        res.json()["items"][0]["organization_name"],
        "云南省乡村振兴促进会"
    );

    let xlsx = spreadsheet::write_xlsx(
        "Sheet1",
        &["organization_name", "credit_code", "county", "batch"],
        &[vec![
            Cell::Text("云南省乡村振兴促进会".into()),
            Cell::Text(PROMOTION.into()),
            Cell::Text("五华区".into()),
            Cell::Number(3.0),
        ]],
    )
    .unwrap();
    let res = upload(&app, &admin, "?dry_run=true", XLSX, &xlsx);
    assert_eq!(res.status, 200, "{}", res.text);
    assert_eq!(res.json()["items"][0]["batch"], 3);

    upload(&app, &admin, "", "image/png", b"\x89PNG").problem(415, "unsupported_media_type");
    upload(&app, &admin, "", XLSX, b"not a zip").problem(422, "validation_failed");
    let res = upload(
        &app,
        &admin,
        "",
        "text/csv",
        "名称,县\n会,五华区\n".as_bytes(),
    );
    let problem = res.problem(422, "validation_failed");
    assert_eq!(problem["errors"][0]["field"], "header.credit_code");
    upload(&app, &admin, "", "text/csv", b"").problem(422, "validation_failed");
}

/// The text as a GB18030 file (as Excel on a Chinese Windows saves CSV).
fn gb18030(text: &str) -> Vec<u8> {
    let (bytes, _, _) = encoding_rs::GB18030.encode(text);
    bytes.into_owned()
}

#[test]
fn only_province_admins_import() {
    let app = TestApp::spawn();
    for role in ["viewer", "integration"] {
        let user = app.create_user(role, None, None);
        upload(&app, &user.token, "", "text/csv", sheet(GOOD).as_bytes()).problem(403, "forbidden");
    }
    let county = app.create_user("county_officer", Some("530102"), None);
    upload(
        &app,
        &county.token,
        "?dry_run=true",
        "text/csv",
        sheet(GOOD).as_bytes(),
    )
    .problem(403, "forbidden");
    upload(&app, "not-a-token", "", "text/csv", sheet(GOOD).as_bytes())
        .problem(401, "unauthorized");
    assert_eq!(total(&app, "/api/v1/pairings"), 0);
}

#[test]
fn exports_carry_the_list_with_chinese_headers() {
    let app = TestApp::spawn();
    let admin = app.admin_token();
    upload(&app, &admin, "", "text/csv", sheet(GOOD).as_bytes());
    let res = app.request(
        "GET",
        "/api/v1/exports/pairings.csv?prefecture=5301",
        Some(&admin),
        None,
        &[],
    );
    assert_eq!(res.status, 200);
    assert!(res.header("content-type").unwrap().starts_with("text/csv"));
    assert!(res
        .header("content-disposition")
        .unwrap()
        .contains("pairings.csv"));
    assert!(res.bytes.starts_with(b"\xEF\xBB\xBF"));
    let lines: Vec<&str> = res.text.trim_start_matches('\u{feff}').lines().collect();
    assert!(lines[0].starts_with("序号,社会组织名称,统一社会信用代码"));
    assert_eq!(
        lines.len(),
        3,
        "header + the 2 pairings in 昆明市: {lines:?}"
    );
    assert!(lines[1].contains(PROMOTION) && lines[1].contains("待签协议"));

    let res = app.request(
        "GET",
        "/api/v1/exports/pairings.xlsx",
        Some(&admin),
        None,
        &[],
    );
    assert_eq!(res.status, 200);
    assert_eq!(res.header("content-type"), Some(XLSX));
    let table = spreadsheet::read_all(XLSX, &res.bytes).unwrap();
    assert_eq!(table.len(), 4);
    assert_eq!(table[0][1], "社会组织名称");
    // Dates are real dates: read back as YYYY-MM-DD, not as text typed in.
    assert!(
        table[1][9].len() == 10 && table[1][9].starts_with("20"),
        "{:?}",
        table[1]
    );

    // An export can be imported back unchanged.
    let report = upload(&app, &admin, "?dry_run=true", XLSX, &res.bytes).json();
    assert_eq!(report["valid"], true, "{report}");
    assert_eq!(report["unchanged"], 3);

    // Signed in only; filters are checked like the list's.
    app.get("/api/v1/exports/pairings.csv")
        .problem(401, "unauthorized");
    app.request(
        "GET",
        "/api/v1/exports/pairings.csv?page=2",
        Some(&admin),
        None,
        &[],
    )
    .problem(400, "malformed_query");
}
