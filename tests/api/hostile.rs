//! Hostile input never takes the service down (issue 16): spreadsheets that would
//! have exhausted memory, imports that amplify, money that overflowed, formulas in
//! exports, security headers, oversized request heads, impossible ID numbers, keyed
//! request fingerprints. Each test reproduces a finding that failed before its fix.
//! (JSON bodies and query strings: `hostile_json.rs`; the login throttle: `auth.rs`.)

use std::io::{Read, Write};

use crate::support::upload;
use api::spreadsheet;
use serde_json::{json, Value};
use tests::{Response, TestApp};

const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// The server still answers (it did not abort).
fn assert_alive(app: &TestApp) {
    assert_eq!(
        app.get("/healthz").status,
        200,
        "the server stopped answering"
    );
}

fn created(res: Response, what: &str) -> Value {
    assert_eq!(res.status, 201, "{what}: {}", res.text);
    res.json()
}

/// The sheet that aborted the server: one cell at A1, one at XFD1048576 (the dense
/// range of the used area would be 2^34 cells, 512 GiB).
fn sparse_xlsx(header: &str) -> Vec<u8> {
    let mut workbook = rust_xlsxwriter::Workbook::new();
    let sheet = workbook.add_worksheet();
    sheet.write_string(0, 0, header).unwrap();
    sheet.write_string(1_048_575, 16_383, "x").unwrap();
    workbook.save_to_buffer().unwrap()
}

#[test]
fn a_sparse_spreadsheet_does_not_stop_the_server() {
    let app = TestApp::spawn();
    let admin = app.admin_token();
    let officer = app.create_user("county_officer", Some("530102"), None);
    for (path, token) in [
        ("/api/v1/imports/households?dry_run=true", &officer.token),
        ("/api/v1/imports/pairings?dry_run=true", &admin),
    ] {
        let res = upload(&app, token, path, XLSX, &sparse_xlsx("组织名称"));
        // Read cell by cell: the far cell is outside the columns read, and the header
        // lacks the import's required columns.
        let body = res.problem(422, "validation_failed");
        assert!(
            body["errors"][0]["field"]
                .as_str()
                .unwrap()
                .starts_with("header."),
            "{body}"
        );
        assert_alive(&app);
    }
    // A far cell in a known column is refused by the row ceiling, not allocated.
    let mut workbook = rust_xlsxwriter::Workbook::new();
    let sheet = workbook.add_worksheet();
    sheet.write_string(0, 0, "组织名称").unwrap();
    sheet.write_string(1_048_575, 0, "far").unwrap();
    let far = workbook.save_to_buffer().unwrap();
    let res = upload(
        &app,
        &admin,
        "/api/v1/imports/pairings?dry_run=true",
        XLSX,
        &far,
    );
    let body = res.problem(413, "payload_too_large");
    assert_eq!(body["errors"][0]["code"], "too_many_rows", "{body}");
    assert_alive(&app);
}

/// An XLSX whose one extra part inflates to `megabytes` of zeros from a few KB.
fn zip_bomb(megabytes: usize) -> Vec<u8> {
    let valid = spreadsheet::write_xlsx("结对", &["组织名称"], &[]).unwrap();
    let mut source = zip::ZipArchive::new(std::io::Cursor::new(valid)).unwrap();
    let mut out = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for i in 0..source.len() {
        out.raw_copy_file(source.by_index(i).unwrap()).unwrap();
    }
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    out.start_file("xl/sharedStrings2.xml", options).unwrap();
    let zeros = vec![b'0'; 1024 * 1024];
    for _ in 0..megabytes {
        out.write_all(&zeros).unwrap();
    }
    out.finish().unwrap().into_inner()
}

#[test]
fn a_zip_bomb_is_refused_before_it_is_unpacked() {
    let app = TestApp::spawn_with(|config| {
        config.sheet_limits.unpacked_bytes = 8 * 1024 * 1024;
    });
    let admin = app.admin_token();
    let bomb = zip_bomb(64);
    assert!(bomb.len() < 256 * 1024, "{} bytes", bomb.len());
    let res = upload(
        &app,
        &admin,
        "/api/v1/imports/pairings?dry_run=true",
        XLSX,
        &bomb,
    );
    let body = res.problem(413, "payload_too_large");
    assert_eq!(body["errors"][0]["code"], "unpacked_too_large", "{body}");
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("MAX_IMPORT_UNPACKED_BYTES"),
        "{body}"
    );
    assert_alive(&app);
}

fn pairing_sheet(rows: usize, credit_code: &str) -> String {
    let mut text = "组织名称,统一社会信用代码,县（市、区）,批次\r\n".to_owned();
    for i in 0..rows {
        // Each row bad twice: an unknown county and a batch that is not a number.
        text.push_str(&format!("某协会,{credit_code},无此县{i},x\r\n"));
    }
    text
}

#[test]
fn imports_have_a_row_ceiling_and_list_only_the_first_errors() {
    let app = TestApp::spawn_with(|config| config.sheet_limits.rows = 1_000);
    let admin = app.admin_token();
    let code = tests::credit_code(7);

    // One row over the ceiling: refused before anything is planned.
    let res = upload(
        &app,
        &admin,
        "/api/v1/imports/pairings?dry_run=true",
        "text/csv",
        pairing_sheet(1_001, &code).as_bytes(),
    );
    let body = res.problem(413, "payload_too_large");
    assert_eq!(body["errors"][0]["code"], "too_many_rows", "{body}");
    assert!(res.text.len() < 4_096, "{} bytes", res.text.len());

    // A full sheet of bad rows: a dry run lists the first 200 problems and counts all.
    let res = upload(
        &app,
        &admin,
        "/api/v1/imports/pairings?dry_run=true",
        "text/csv",
        pairing_sheet(1_000, &code).as_bytes(),
    );
    assert_eq!(res.status, 200, "{}", res.text);
    let report = res.json();
    assert_eq!(report["valid"], false);
    assert_eq!(report["errors"].as_array().unwrap().len(), 200);
    let total = report["errors_total"].as_u64().unwrap();
    assert!(total >= 1_000, "errors_total {total}");
    assert!(res.text.len() < 100_000, "{} bytes", res.text.len());

    // The same sheet for real: a 422 of the first 200, with the count, nothing stored.
    let res = upload(
        &app,
        &admin,
        "/api/v1/imports/pairings",
        "text/csv",
        pairing_sheet(1_000, &code).as_bytes(),
    );
    let body = res.problem(422, "validation_failed");
    assert_eq!(body["errors"].as_array().unwrap().len(), 200);
    assert_eq!(body["errors_total"].as_u64(), Some(total));
    assert_eq!(app.get("/api/v1/pairings").json()["total"], 0);
}

/// An organization, paired with `county`, and a project of it there.
fn project(app: &TestApp, admin: &str, name: &str, n: u32, county: &str) -> String {
    let org = app.create_organization(name, n);
    created(
        app.request(
            "POST",
            "/api/v1/pairings",
            Some(admin),
            Some(&json!({"organization_id": org, "county_code": county})),
            &[],
        ),
        "pairing",
    );
    let body = json!({
        "organization_id": org,
        "county_code": county,
        "title": format!("{name}的项目"),
        "category": "industry",
        "dimension": "industry",
        "committed_fen": 100,
        "disbursed_fen": 0,
    });
    let project = created(
        app.request("POST", "/api/v1/projects", Some(admin), Some(&body), &[]),
        "project",
    );
    project["id"].as_str().unwrap().to_owned()
}

#[test]
fn sums_of_money_cannot_overflow() {
    let app = TestApp::spawn_with(|config| config.stats_cache = std::time::Duration::ZERO);
    let admin = app.admin_token();
    // Amounts are capped at input now (10^12 fen) …
    let org = app.create_organization("上限测试协会", 9);
    created(
        app.request(
            "POST",
            "/api/v1/pairings",
            Some(&admin),
            Some(&json!({"organization_id": org, "county_code": "530102"})),
            &[],
        ),
        "pairing",
    );
    let over = json!({
        "organization_id": org, "county_code": "530102", "title": "超大项目",
        "category": "industry", "dimension": "industry",
        "committed_fen": i64::MAX - 1, "disbursed_fen": 0,
    });
    let res = app.request("POST", "/api/v1/projects", Some(&admin), Some(&over), &[]);
    let body = res.problem(422, "validation_failed");
    assert_eq!(body["errors"][0]["field"], "committed_fen", "{body}");

    // … and rows stored before the cap still add up without an error: two projects
    // near i64::MAX made every statistic answer 500 for everyone.
    let a = project(&app, &admin, "甲协会", 1, "530102");
    let b = project(&app, &admin, "乙协会", 2, "530102");
    app.db.execute(&format!(
        "UPDATE projects SET committed_fen = {}, disbursed_fen = {} WHERE id IN ('{a}', '{b}')",
        i64::MAX - 10,
        i64::MAX - 20,
    ));
    let overview = app.get("/api/v1/stats/overview");
    assert_eq!(overview.status, 200, "{}", overview.text);
    let total = &overview.json()["projects_total"];
    assert_eq!(total["committed_fen"].as_i64(), Some(i64::MAX), "{total}");
    assert_eq!(total["disbursed_fen"].as_i64(), Some(i64::MAX), "{total}");
    for path in [
        "/api/v1/stats/prefectures",
        "/api/v1/stats/counties?prefecture=5301",
        "/api/v1/exports/stats.xlsx",
    ] {
        let res = app.request("GET", path, Some(&admin), None, &[]);
        assert_eq!(res.status, 200, "{path}: {}", res.text);
    }
}

#[test]
fn exports_neutralize_formulas() {
    let app = TestApp::spawn();
    let admin = app.admin_token();
    let name = "=HYPERLINK(\"http://example.invalid\",\"协会\")";
    let org = app.create_organization(name, 3);
    let pairing = created(
        app.request(
            "POST",
            "/api/v1/pairings",
            Some(&admin),
            Some(&json!({"organization_id": org, "county_code": "530102"})),
            &[],
        ),
        "pairing",
    );
    let id = pairing["id"].as_str().unwrap();
    let res = app.request(
        "POST",
        &format!("/api/v1/pairings/{id}/sign"),
        Some(&admin),
        Some(&json!({"agreement_no": "@SUM(1+1)*cmd|' /C calc'!A0", "signed_on": tests::today()})),
        &[],
    );
    assert_eq!(res.status, 200, "{}", res.text);

    let csv = app.request(
        "GET",
        "/api/v1/exports/pairings.csv",
        Some(&admin),
        None,
        &[],
    );
    assert_eq!(csv.status, 200);
    let row = csv.text.lines().nth(1).unwrap();
    let cells: Vec<&str> = row.split(',').collect();
    assert!(
        cells
            .iter()
            .all(|c| !c.trim_start_matches('"').starts_with(['=', '+', '-', '@'])),
        "a live formula in {row}"
    );
    assert!(row.contains("'=HYPERLINK"), "{row}");
    assert!(row.contains("'@SUM"), "{row}");

    // XLSX: the text is kept as it is, marked as text (quotePrefix), never a formula.
    let xlsx = app.request(
        "GET",
        "/api/v1/exports/pairings.xlsx",
        Some(&admin),
        None,
        &[],
    );
    assert_eq!(xlsx.status, 200);
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(xlsx.bytes.clone())).unwrap();
    let mut sheet = String::new();
    archive
        .by_name("xl/worksheets/sheet1.xml")
        .unwrap()
        .read_to_string(&mut sheet)
        .unwrap();
    assert!(!sheet.contains("<f>"), "a formula in the sheet");
    let mut styles = String::new();
    archive
        .by_name("xl/styles.xml")
        .unwrap()
        .read_to_string(&mut styles)
        .unwrap();
    assert!(styles.contains("quotePrefix=\"1\""), "{styles}");

    // An export imports back as it was: the neutralizing quote is taken off.
    let res = upload(
        &app,
        &admin,
        "/api/v1/imports/pairings?dry_run=true",
        "text/csv",
        csv.bytes.as_slice(),
    );
    assert_eq!(res.status, 200, "{}", res.text);
    let report = res.json();
    assert_eq!(report["items"][0]["organization_name"], name, "{report}");
    assert_eq!(report["items"][0]["action"], "unchanged", "{report}");
}

#[test]
fn every_response_carries_the_security_headers() {
    let app = TestApp::spawn();
    for res in [
        app.get("/api/v1/regions/53"),
        app.get("/api/v1/regions/00"),
        app.get("/api/v1/nowhere"),
        app.get("/healthz"),
    ] {
        assert_eq!(res.header("x-content-type-options"), Some("nosniff"));
        assert_eq!(res.header("x-frame-options"), Some("DENY"));
        assert!(res
            .header("content-security-policy")
            .is_some_and(|v| v.contains("frame-ancestors 'none'")));
        // Public answers may be cached.
        assert_eq!(res.header("cache-control"), None);
    }
    // The token, and anything asked with one, is never stored by a cache.
    let login = app.request(
        "POST",
        "/api/v1/auth/login",
        None,
        Some(&json!({"username": "admin", "password": tests::ADMIN_PASSWORD})),
        &[],
    );
    assert_eq!(login.status, 200);
    assert_eq!(login.header("cache-control"), Some("no-store"));
    let token = login.json()["access_token"].as_str().unwrap().to_owned();
    for path in ["/api/v1/auth/me", "/api/v1/households", "/api/v1/nowhere"] {
        let res = app.request("GET", path, Some(&token), None, &[]);
        assert_eq!(res.header("cache-control"), Some("no-store"), "{path}");
        assert_eq!(
            res.header("x-content-type-options"),
            Some("nosniff"),
            "{path}"
        );
    }
}

/// A request written by hand, for heads no HTTP client library would send.
fn raw_request(app: &TestApp, head: &str) -> (u16, String, String) {
    let mut stream = std::net::TcpStream::connect(app.addr).unwrap();
    stream
        .set_read_timeout(Some(std::time::Duration::from_secs(20)))
        .unwrap();
    stream.write_all(head.as_bytes()).unwrap();
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer);
    let answer = String::from_utf8_lossy(&answer).into_owned();
    let (head, body) = answer.split_once("\r\n\r\n").unwrap_or((&answer, ""));
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    (status, head.to_lowercase(), body.to_owned())
}

#[test]
fn oversized_request_heads_get_problems() {
    let app = TestApp::spawn();
    let long = format!(
        "GET /api/v1/regions?q={} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        "a".repeat(10_000)
    );
    let (status, head, body) = raw_request(&app, &long);
    assert_eq!(status, 414, "{head}");
    assert!(
        head.contains("content-type: application/problem+json"),
        "{head}"
    );
    let problem: Value = serde_json::from_str(body.trim()).unwrap_or_else(|_| {
        // Chunked or not, the JSON object is in there.
        let start = body.find('{').unwrap();
        let end = body.rfind('}').unwrap();
        serde_json::from_str(&body[start..=end]).unwrap()
    });
    assert_eq!(problem["code"], "uri_too_long");

    let mut many = "GET /api/v1/regions/53 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n".to_owned();
    for i in 0..80 {
        many.push_str(&format!("X-Filler-{i}: {i}\r\n"));
    }
    many.push_str("\r\n");
    let (status, head, body) = raw_request(&app, &many);
    assert_eq!(status, 431, "{head}");
    assert!(
        head.contains("content-type: application/problem+json"),
        "{head}"
    );
    assert!(body.contains("request_header_fields_too_large"), "{body}");

    let big = format!(
        "GET /api/v1/regions/53 HTTP/1.1\r\nHost: x\r\nConnection: close\r\nX-Big: {}\r\n\r\n",
        "b".repeat(40_000)
    );
    let (status, head, _) = raw_request(&app, &big);
    assert_eq!(status, 431, "{head}");
    assert!(
        head.contains("content-type: application/problem+json"),
        "{head}"
    );
    assert_alive(&app);
}

/// A valid 18-character ID number from its first 17 digits.
fn id_number(first17: &str) -> String {
    let check = domain::household::IdNumber::check_char(first17).unwrap();
    format!("{first17}{check}")
}

#[test]
fn no_household_head_is_born_in_the_future() {
    let app = TestApp::spawn();
    let officer = app.create_user("county_officer", Some("530102"), None);
    let body = |id: &str| {
        json!({
            "village_code": "530102001001",
            "head_name": "张三",
            "id_number": id,
            "members": 3,
            "category": "marginal_at_risk",
        })
    };
    let res = app.request(
        "POST",
        "/api/v1/households",
        Some(&officer.token),
        Some(&body(&id_number("53010220991231011"))),
        &[],
    );
    let problem = res.problem(422, "validation_failed");
    assert_eq!(problem["errors"][0]["field"], "id_number", "{problem}");
    assert_eq!(
        problem["errors"][0]["code"], "birth_date_in_future",
        "{problem}"
    );
    assert_eq!(
        app.request("GET", "/api/v1/households", Some(&officer.token), None, &[])
            .json()["total"],
        0
    );
    // The import refuses it the same way.
    let sheet = format!(
        "村代码,户主姓名,身份证号,家庭人口,监测类别\n530102001001,李四,{},3,边缘易致贫户\n",
        id_number("53010220991231012")
    );
    let res = upload(
        &app,
        &officer.token,
        "/api/v1/imports/households?dry_run=true",
        "text/csv",
        sheet.as_bytes(),
    );
    assert_eq!(res.status, 200, "{}", res.text);
    assert_eq!(
        res.json()["errors"][0]["code"],
        "birth_date_in_future",
        "{}",
        res.text
    );
    let res = app.request(
        "POST",
        "/api/v1/households",
        Some(&officer.token),
        Some(&body(&id_number("53010219800101011"))),
        &[],
    );
    assert_eq!(res.status, 201, "{}", res.text);
}

#[test]
fn idempotency_keeps_a_keyed_fingerprint_of_the_request() {
    use sha2::Digest;
    let app = TestApp::spawn();
    let officer = app.create_user("county_officer", Some("530102"), None);
    let body = json!({
        "village_code": "530102001001",
        "head_name": "王五",
        "id_number": id_number("53010219700101011"),
        "phone": "13800138000",
        "members": 2,
        "category": "sudden_hardship",
    });
    let res = app.request(
        "POST",
        "/api/v1/households",
        Some(&officer.token),
        Some(&body),
        &[("Idempotency-Key", "hostile-fingerprint-1")],
    );
    assert_eq!(res.status, 201, "{}", res.text);

    #[derive(diesel::QueryableByName)]
    struct Print {
        #[diesel(sql_type = diesel::sql_types::Text)]
        fingerprint: String,
    }
    let sql = "SELECT fingerprint FROM idempotency_keys";
    let mut conn = app.db.connect();
    let prints: Vec<Print> = match &mut conn {
        persistence::DbConnection::Pg(c) => diesel::RunQueryDsl::load(diesel::sql_query(sql), c),
        persistence::DbConnection::Sqlite(c) => {
            diesel::RunQueryDsl::load(diesel::sql_query(sql), c)
        }
    }
    .unwrap();
    assert_eq!(prints.len(), 1);
    // The unkeyed digest of the request (as it was stored before) is not what is kept:
    // from a database copy, a guessed ID number can no longer be confirmed.
    let sent = serde_json::to_vec(&body).unwrap();
    let mut unkeyed = sha2::Sha256::new();
    unkeyed.update(b"POST /api/v1/households?\n");
    unkeyed.update(&sent);
    let unkeyed: String = unkeyed
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_ne!(prints[0].fingerprint, unkeyed);
    assert_eq!(prints[0].fingerprint.len(), 64);
    // And it still recognises the same request.
    let again = app.request(
        "POST",
        "/api/v1/households",
        Some(&officer.token),
        Some(&body),
        &[("Idempotency-Key", "hostile-fingerprint-1")],
    );
    assert_eq!(again.status, 201);
    assert_eq!(again.header("idempotent-replayed"), Some("true"));
}
