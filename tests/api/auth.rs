//! `/api/v1/auth`: logging in and out, the login throttle, `me`, and which bearer
//! tokens are refused (forged, `alg: none`, other algorithms, expired, revoked, of a
//! deactivated account, of an earlier session epoch), black-box over HTTP.

use std::time::{SystemTime, UNIX_EPOCH};

use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{json, Value};
use tests::{Response, TestApp, ADMIN_PASSWORD, JWT_SECRET};

const LOGIN: &str = "/api/v1/auth/login";
const LOGOUT: &str = "/api/v1/auth/logout";
const ME: &str = "/api/v1/auth/me";
const REALM: &str = r#"Bearer realm="zhenxing""#;

fn login(app: &TestApp, username: &str, password: &str) -> Response {
    app.request(
        "POST",
        LOGIN,
        None,
        Some(&json!({"username": username, "password": password})),
        &[],
    )
}

fn me(app: &TestApp, token: &str) -> Response {
    app.request("GET", ME, Some(token), None, &[])
}

/// A wrong username or password: 401 `invalid_credentials` with the realm.
fn assert_invalid_credentials(res: &Response) -> Value {
    let body = res.problem(401, "invalid_credentials");
    assert_eq!(res.header("www-authenticate"), Some(REALM), "{}", res.text);
    body
}

/// A token the server does not accept: 401 `unauthorized`, `error="invalid_token"`.
fn assert_token_refused(res: &Response, what: &str) {
    assert_eq!(res.status, 401, "{what}: {}", res.text);
    res.problem(401, "unauthorized");
    let challenge = res.header("www-authenticate").unwrap_or_default();
    assert!(
        challenge.starts_with(REALM) && challenge.contains(r#"error="invalid_token""#),
        "{what}: WWW-Authenticate {challenge:?}"
    );
}

/// The 429 of the throttle, with a usable `Retry-After`.
fn assert_rate_limited(res: &Response) -> u64 {
    res.problem(429, "rate_limited");
    let retry_after = res.header("retry-after").expect("Retry-After on a 429");
    let seconds: u64 = retry_after
        .parse()
        .unwrap_or_else(|_| panic!("Retry-After {retry_after:?} is not integer seconds"));
    assert!(seconds > 0 && seconds <= 15 * 60, "Retry-After {seconds}");
    seconds
}

fn now() -> i64 {
    i64::try_from(
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_secs(),
    )
    .unwrap()
}

/// Claims as the server issues them, for the account `sub` in session epoch `epoch`.
fn claims(sub: &str, role: &str, epoch: i64) -> Value {
    let iat = now();
    json!({
        "sub": sub,
        "role": role,
        "scope": "province",
        "jti": uuid::Uuid::now_v7().to_string(),
        "iat": iat,
        "exp": iat + 3600,
        "epoch": epoch,
    })
}

/// A token signed by jsonwebtoken with `algorithm` and `secret`.
fn signed(claims: &Value, algorithm: Algorithm, secret: &[u8]) -> String {
    jsonwebtoken::encode(
        &Header::new(algorithm),
        claims,
        &EncodingKey::from_secret(secret),
    )
    .unwrap()
}

/// Unpadded base64url (RFC 4648 §5), as JWTs use it.
fn b64url(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..=chunk.len() {
            let index = (n >> (18 - 6 * i)) & 63;
            out.push(char::from(ALPHABET[index as usize]));
        }
    }
    out
}

/// A token built by hand: any header, the claims, and an HMAC-SHA256 signature with
/// `secret` (or no signature at all).
fn handmade(header: &Value, claims: &Value, secret: Option<&[u8]>) -> String {
    let message = format!(
        "{}.{}",
        b64url(header.to_string().as_bytes()),
        b64url(claims.to_string().as_bytes())
    );
    let signature = match secret {
        Some(secret) => jsonwebtoken::crypto::sign(
            message.as_bytes(),
            &EncodingKey::from_secret(secret),
            Algorithm::HS256,
        )
        .unwrap(),
        None => String::new(),
    };
    format!("{message}.{signature}")
}

fn base64url_decode(text: &str) -> Vec<u8> {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut bits = 0u32;
    let mut count = 0;
    let mut out = Vec::new();
    for c in text.bytes() {
        let v = ALPHABET.iter().position(|&a| a == c).unwrap();
        bits = (bits << 6) | u32::try_from(v).unwrap();
        count += 6;
        if count >= 8 {
            count -= 8;
            out.push(u8::try_from((bits >> count) & 0xff).unwrap());
        }
    }
    out
}

/// The claims of a token, read without checking it.
fn payload(token: &str) -> Value {
    let part = token.split('.').nth(1).unwrap();
    serde_json::from_slice(&base64url_decode(part)).unwrap()
}

#[test]
fn the_base64url_helper_is_right() {
    assert_eq!(b64url(b""), "");
    assert_eq!(b64url(b"f"), "Zg");
    assert_eq!(b64url(b"fo"), "Zm8");
    assert_eq!(b64url(b"foo"), "Zm9v");
    assert_eq!(b64url(b"foob"), "Zm9vYg");
    assert_eq!(b64url(&[0xfb, 0xff]), "-_8");
    assert_eq!(base64url_decode("Zm9vYg"), b"foob");
}

#[test]
fn logging_in_gives_a_bearer_token() {
    let app = TestApp::spawn();
    let res = login(&app, "admin", ADMIN_PASSWORD);
    assert_eq!(res.status, 200, "{}", res.text);
    assert!(res
        .header("content-type")
        .unwrap()
        .starts_with("application/json"));
    let body = res.json();
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 28800);
    let token = body["access_token"].as_str().unwrap();
    assert_eq!(token.split('.').count(), 3, "{token}");
    assert!(!res.text.contains(ADMIN_PASSWORD));

    let me = me(&app, token);
    assert_eq!(me.status, 200, "{}", me.text);
    let account = me.json();
    assert_eq!(account["username"], "admin");
    assert_eq!(account["role"], "province_admin");

    // What it says: the account, its role and scope, an id, and an 8-hour life.
    let claims = payload(token);
    assert_eq!(claims["sub"], account["id"]);
    assert_eq!(claims["role"], "province_admin");
    assert_eq!(claims["scope"], "province");
    assert_eq!(claims["epoch"], 1);
    assert!(uuid::Uuid::parse_str(claims["jti"].as_str().unwrap()).is_ok());
    let (iat, exp) = (
        claims["iat"].as_i64().unwrap(),
        claims["exp"].as_i64().unwrap(),
    );
    assert_eq!(exp - iat, 28800);
    assert!((iat - now()).abs() < 60);
    // HS256, as pinned.
    let header: Value =
        serde_json::from_slice(&base64url_decode(token.split('.').next().unwrap())).unwrap();
    assert_eq!(header["alg"], "HS256");

    // Two logins, two different tokens.
    let again = app.login("admin", ADMIN_PASSWORD);
    assert_ne!(again, token);
}

#[test]
fn a_wrong_password_and_an_unknown_username_get_the_same_answer() {
    let app = TestApp::spawn();
    let wrong_password = login(&app, "admin", "not-the-password-1");
    let unknown_user = login(&app, "nobody.here", "not-the-password-1");
    let a = assert_invalid_credentials(&wrong_password);
    let b = assert_invalid_credentials(&unknown_user);
    for key in ["type", "title", "status", "detail", "code", "instance"] {
        assert_eq!(a[key], b[key], "{key}");
    }
    assert_eq!(a.get("errors"), b.get("errors"));
    // An empty password and a wrong-case username are wrong too, the same way.
    assert_invalid_credentials(&login(&app, "admin", ""));
    assert_invalid_credentials(&login(&app, "ADMIN", ADMIN_PASSWORD));
    // And the right one still works (2 failures for `admin` are below the limit).
    assert_eq!(login(&app, "admin", ADMIN_PASSWORD).status, 200);
}

#[test]
fn login_bodies_are_checked() {
    let app = TestApp::spawn();
    let res = app.request(
        "POST",
        LOGIN,
        None,
        Some(&json!({"username": "admin", "password": ADMIN_PASSWORD, "remember_me": true})),
        &[],
    );
    let body = res.problem(422, "validation_failed");
    assert_eq!(body["errors"][0]["field"], "remember_me");
    assert_eq!(body["errors"][0]["code"], "unknown_field");

    let res = app.request(
        "POST",
        LOGIN,
        None,
        Some(&json!({"username": "admin"})),
        &[],
    );
    let body = res.problem(422, "validation_failed");
    assert_eq!(body["errors"][0]["field"], "password");
    assert_eq!(body["errors"][0]["code"], "required");

    let res = app.request(
        "POST",
        LOGIN,
        None,
        Some(&json!({"password": ADMIN_PASSWORD})),
        &[],
    );
    let body = res.problem(422, "validation_failed");
    assert_eq!(body["errors"][0]["field"], "username");
    assert_eq!(body["errors"][0]["code"], "required");

    let form = format!("username=admin&password={ADMIN_PASSWORD}");
    app.send(
        "POST",
        LOGIN,
        "application/x-www-form-urlencoded",
        form.as_bytes(),
    )
    .problem(415, "unsupported_media_type");
    let json_as_text = json!({"username": "admin", "password": ADMIN_PASSWORD}).to_string();
    app.send("POST", LOGIN, "text/plain", json_as_text.as_bytes())
        .problem(415, "unsupported_media_type");

    app.send(
        "POST",
        LOGIN,
        "application/json",
        b"{\"username\": \"admin\",",
    )
    .problem(400, "malformed_body");
    app.send("POST", LOGIN, "application/json", b"not json")
        .problem(400, "malformed_body");

    // None of these was a failed attempt: the password still works.
    assert_eq!(login(&app, "admin", ADMIN_PASSWORD).status, 200);
}

/// The throttle with a first delay long enough that a test never outruns it.
fn slow_throttle(config: &mut api::config::Config) {
    config.trust_forwarded_for = true;
    config.login_throttle.per_username_and_client.first_seconds = 60;
}

/// A login attempt from a client address (the last X-Forwarded-For entry counts).
fn login_from(app: &TestApp, username: &str, password: &str, ip: &str) -> Response {
    app.request(
        "POST",
        LOGIN,
        None,
        Some(&json!({"username": username, "password": password})),
        &[("X-Forwarded-For", ip)],
    )
}

#[test]
fn failures_for_a_username_from_one_address_slow_that_address_down() {
    let app = TestApp::spawn_with(slow_throttle);
    let other = app.create_user("viewer", None, None);
    for attempt in 1..=5 {
        let res = login_from(
            &app,
            "admin",
            &format!("wrong-password-{attempt}"),
            "203.0.113.7",
        );
        assert_invalid_credentials(&res);
    }
    // The sixth waits a minute after the fifth, whatever the password.
    let res = login_from(&app, "admin", ADMIN_PASSWORD, "203.0.113.7");
    let wait = assert_rate_limited(&res);
    assert!((50..=60).contains(&wait), "Retry-After {wait}");
    assert!(!res.text.contains("access_token"));
    assert_rate_limited(&login_from(
        &app,
        "admin",
        "wrong-password-6",
        "203.0.113.7",
    ));
    // No lock as a weapon: admin logs in from anywhere else, and another username
    // from the same address is not slowed.
    let res = login_from(&app, "admin", ADMIN_PASSWORD, "198.51.100.20");
    assert_eq!(res.status, 200, "{}", res.text);
    let res = login_from(&app, &other.username, &other.password, "203.0.113.7");
    assert_eq!(res.status, 200, "{}", res.text);
}

#[test]
fn failures_from_one_address_do_not_lock_its_other_users_out() {
    let app = TestApp::spawn_with(slow_throttle);
    for i in 1..=20 {
        let res = login_from(
            &app,
            &format!("nobody-{i}"),
            "wrong-password-0",
            "203.0.113.7",
        );
        assert_invalid_credentials(&res);
    }
    // Colleagues behind the same address still log in.
    let res = login_from(&app, "admin", ADMIN_PASSWORD, "203.0.113.7");
    assert_eq!(res.status, 200, "{}", res.text);
}

#[test]
fn failures_spread_over_many_addresses_slow_a_username_for_a_minute_at_most() {
    let app = TestApp::spawn_with(|config| {
        config.trust_forwarded_for = true;
        config.login_throttle.per_username.first_seconds = 60;
    });
    for i in 1..=20 {
        let res = login_from(&app, "admin", "wrong-password-0", &format!("203.0.113.{i}"));
        assert_invalid_credentials(&res);
    }
    let wait = assert_rate_limited(&login_from(&app, "admin", ADMIN_PASSWORD, "198.51.100.1"));
    assert!(wait <= 60, "Retry-After {wait}");
}

#[test]
fn unlock_login_forgets_the_failures_at_once() {
    let app = TestApp::spawn_with(slow_throttle);
    for attempt in 1..=5 {
        let res = login_from(
            &app,
            "admin",
            &format!("wrong-password-{attempt}"),
            "203.0.113.7",
        );
        assert_invalid_credentials(&res);
    }
    assert_rate_limited(&login_from(&app, "admin", ADMIN_PASSWORD, "203.0.113.7"));
    // What `zhenxing unlock-login --username admin` runs.
    let forgotten =
        persistence::users::unlock_login(&mut app.db.connect(), Some("admin"), None).unwrap();
    assert_eq!(forgotten, 5);
    let res = login_from(&app, "admin", ADMIN_PASSWORD, "203.0.113.7");
    assert_eq!(res.status, 200, "{}", res.text);
}

#[test]
fn a_successful_login_clears_the_usernames_failures() {
    let app = TestApp::spawn();
    for round in 0..2 {
        for attempt in 1..=4 {
            let res = login(&app, "admin", &format!("wrong-{round}-{attempt}-password"));
            assert_invalid_credentials(&res);
        }
        let res = login(&app, "admin", ADMIN_PASSWORD);
        assert_eq!(res.status, 200, "round {round}: {}", res.text);
    }
}

/// Every object key in a JSON document, however deep.
fn keys(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                out.push(k.clone());
                keys(v, out);
            }
        }
        Value::Array(items) => items.iter().for_each(|v| keys(v, out)),
        _ => {}
    }
}

#[test]
fn me_is_the_account_without_its_password() {
    let app = TestApp::spawn();
    let admin = me(&app, &app.admin_token());
    assert_eq!(admin.status, 200);
    let officer = app.create_user("county_officer", Some("530102"), None);
    let res = me(&app, &officer.token);
    assert_eq!(res.status, 200, "{}", res.text);
    let body = res.json();
    assert_eq!(body["id"], officer.id.as_str());
    assert_eq!(body["username"], officer.username.as_str());
    assert_eq!(body["role"], "county_officer");
    assert_eq!(body["region_code"], "530102");
    assert_eq!(body["active"], true);
    for res in [&admin, &res] {
        let mut all = Vec::new();
        keys(&res.json(), &mut all);
        assert!(
            all.iter().all(|k| !k.contains("password")),
            "a password key in {}",
            res.text
        );
        assert!(!res.text.contains("argon2"), "a hash in {}", res.text);
    }
    assert!(!res.text.contains(&officer.password));
}

#[test]
fn logging_out_ends_that_token_at_once() {
    let app = TestApp::spawn();
    let first = app.admin_token();
    let second = app.admin_token();
    assert_eq!(me(&app, &first).status, 200);

    let res = app.request("POST", LOGOUT, Some(&first), None, &[]);
    assert_eq!(res.status, 204, "{}", res.text);
    assert!(res.bytes.is_empty());

    assert_token_refused(&me(&app, &first), "after logout");
    assert_token_refused(
        &app.request("POST", LOGOUT, Some(&first), None, &[]),
        "logging out twice",
    );
    assert_token_refused(
        &app.request("GET", "/api/v1/users", Some(&first), None, &[]),
        "after logout, elsewhere",
    );
    // Only that token: the other session goes on.
    assert_eq!(me(&app, &second).status, 200);
}

#[test]
fn requests_without_a_token_are_401_with_the_realm() {
    let app = TestApp::spawn();
    for (method, path) in [
        ("GET", ME),
        ("POST", LOGOUT),
        ("GET", "/api/v1/users"),
        ("GET", "/api/v1/audit-log"),
        ("GET", "/api/v1/events"),
    ] {
        let res = app.request(method, path, None, None, &[]);
        res.problem(401, "unauthorized");
        assert_eq!(
            res.header("www-authenticate"),
            Some(REALM),
            "{method} {path}"
        );
    }
    // Another scheme is no bearer token at all.
    let res = app.get_with(ME, &[("Authorization", "Basic YWRtaW46YWRtaW4=")]);
    res.problem(401, "unauthorized");
    let res = app.get_with(ME, &[("Authorization", "Bearer ")]);
    res.problem(401, "unauthorized");
}

#[test]
fn garbage_tokens_are_refused() {
    let app = TestApp::spawn();
    let real = app.admin_token();
    let other = app.admin_token();
    // A real header and payload under the signature of another token.
    let (message, _) = real.rsplit_once('.').unwrap();
    let (_, other_signature) = other.rsplit_once('.').unwrap();
    let tampered = format!("{message}.{other_signature}");
    for token in [
        "garbage",
        "a.b.c",
        "eyJhbGciOiJIUzI1NiJ9..",
        "...",
        tampered.as_str(),
        &format!("{real}x"),
    ] {
        assert_token_refused(&me(&app, token), token);
    }
    assert_eq!(me(&app, &real).status, 200);
}

#[test]
fn forged_tokens_are_refused() {
    let app = TestApp::spawn();
    let admin = me(&app, &app.admin_token()).json();
    let id = admin["id"].as_str().unwrap();
    let good = claims(id, "province_admin", 1);

    // Controls: well-formed claims signed with the server's secret are accepted, by
    // jsonwebtoken and by the hand-built path alike, so the refusals below are about
    // what each one changes.
    let res = me(
        &app,
        &signed(&good, Algorithm::HS256, JWT_SECRET.as_bytes()),
    );
    assert_eq!(res.status, 200, "control: {}", res.text);
    assert_eq!(res.json()["username"], "admin");
    let hs256 = json!({"alg": "HS256", "typ": "JWT"});
    let res = me(&app, &handmade(&hs256, &good, Some(JWT_SECRET.as_bytes())));
    assert_eq!(res.status, 200, "hand-built control: {}", res.text);

    // The right claims, signed with another secret.
    let other_secret = "another-secret-another-secret-0123456789";
    assert_token_refused(
        &me(
            &app,
            &signed(&good, Algorithm::HS256, other_secret.as_bytes()),
        ),
        "another secret",
    );
    // `alg: none`, no signature.
    let none = json!({"alg": "none", "typ": "JWT"});
    assert_token_refused(&me(&app, &handmade(&none, &good, None)), "alg none");
    let none_upper = json!({"alg": "None", "typ": "JWT"});
    assert_token_refused(&me(&app, &handmade(&none_upper, &good, None)), "alg None");
    // `alg: none` with an HS256 signature appended anyway.
    assert_token_refused(
        &me(&app, &handmade(&none, &good, Some(JWT_SECRET.as_bytes()))),
        "alg none, signed",
    );
    // An RS256 header over an HS256 signature made with the secret (key confusion).
    let rs256 = json!({"alg": "RS256", "typ": "JWT"});
    assert_token_refused(
        &me(&app, &handmade(&rs256, &good, Some(JWT_SECRET.as_bytes()))),
        "RS256 header",
    );
    // Another HMAC algorithm with the right secret: only HS256 is accepted.
    assert_token_refused(
        &me(
            &app,
            &signed(&good, Algorithm::HS512, JWT_SECRET.as_bytes()),
        ),
        "HS512",
    );
}

#[test]
fn tokens_with_wrong_claims_are_refused() {
    let app = TestApp::spawn();
    let admin = me(&app, &app.admin_token()).json();
    let id = admin["id"].as_str().unwrap();
    let sign = |c: &Value| signed(c, Algorithm::HS256, JWT_SECRET.as_bytes());

    // Expired a few minutes ago (beyond any leeway).
    let mut expired = claims(id, "province_admin", 1);
    expired["iat"] = json!(now() - 28800 - 120);
    expired["exp"] = json!(now() - 120);
    assert_token_refused(&me(&app, &sign(&expired)), "expired");

    // A stale session epoch.
    assert_token_refused(
        &me(&app, &sign(&claims(id, "province_admin", 0))),
        "epoch 0",
    );
    // An account that does not exist.
    let ghost = uuid::Uuid::now_v7().to_string();
    assert_token_refused(
        &me(&app, &sign(&claims(&ghost, "province_admin", 1))),
        "unknown sub",
    );
    assert_token_refused(
        &me(&app, &sign(&claims("admin", "province_admin", 1))),
        "sub not an id",
    );
    // A jti that is not an id.
    let mut bad_jti = claims(id, "province_admin", 1);
    bad_jti["jti"] = json!("not-a-uuid");
    assert_token_refused(&me(&app, &sign(&bad_jti)), "jti not an id");
    // Required claims missing.
    for missing in ["exp", "sub", "epoch", "jti"] {
        let mut c = claims(id, "province_admin", 1);
        c.as_object_mut().unwrap().remove(missing);
        assert_token_refused(&me(&app, &sign(&c)), &format!("without {missing}"));
    }
    // The control: the same claims, well formed, are accepted.
    assert_eq!(
        me(&app, &sign(&claims(id, "province_admin", 1))).status,
        200
    );
}

fn etag(app: &TestApp, token: &str, id: &str) -> String {
    let res = app.request(
        "GET",
        &format!("/api/v1/users/{id}"),
        Some(token),
        None,
        &[],
    );
    assert_eq!(res.status, 200, "{}", res.text);
    res.header("etag").unwrap().to_owned()
}

fn patch_user(app: &TestApp, token: &str, id: &str, body: &Value) -> Response {
    let tag = etag(app, token, id);
    app.request(
        "PATCH",
        &format!("/api/v1/users/{id}"),
        Some(token),
        Some(body),
        &[("If-Match", &tag)],
    )
}

#[test]
fn a_deactivated_accounts_tokens_stop_working() {
    let app = TestApp::spawn();
    let admin = app.admin_token();
    let user = app.create_user("viewer", None, None);
    assert_eq!(me(&app, &user.token).status, 200);

    let res = patch_user(&app, &admin, &user.id, &json!({"active": false}));
    assert_eq!(res.status, 200, "{}", res.text);
    assert_eq!(res.json()["active"], false);
    assert_token_refused(&me(&app, &user.token), "deactivated");
    // It cannot log in again either, and is told no more than with a wrong password.
    assert_invalid_credentials(&login(&app, &user.username, &user.password));

    // Reactivated: it logs in again, but the old token stays dead.
    let res = patch_user(&app, &admin, &user.id, &json!({"active": true}));
    assert_eq!(res.status, 200, "{}", res.text);
    assert_token_refused(&me(&app, &user.token), "from before the deactivation");
    let fresh = app.login(&user.username, &user.password);
    assert_eq!(me(&app, &fresh).status, 200);
}

#[test]
fn a_new_password_ends_the_accounts_tokens() {
    let app = TestApp::spawn();
    let user = app.create_user("viewer", None, None);
    let other_session = app.login(&user.username, &user.password);
    let res = app.request(
        "POST",
        &format!("/api/v1/users/{}/password", user.id),
        Some(&user.token),
        Some(&json!({"old_password": user.password, "new_password": "a-brand-new-secret-42"})),
        &[],
    );
    assert_eq!(res.status, 204, "{}", res.text);
    assert_token_refused(&me(&app, &user.token), "the token that changed it");
    assert_token_refused(&me(&app, &other_session), "another session");
    let fresh = app.login(&user.username, "a-brand-new-secret-42");
    let body = me(&app, &fresh).json();
    assert_eq!(body["id"], user.id.as_str());
    assert_eq!(payload(&fresh)["epoch"], 2);

    // An admin's reset ends them too.
    let admin = app.admin_token();
    let res = app.request(
        "POST",
        &format!("/api/v1/users/{}/password", user.id),
        Some(&admin),
        Some(&json!({"new_password": "reset-by-the-admin-7"})),
        &[],
    );
    assert_eq!(res.status, 204, "{}", res.text);
    assert_token_refused(&me(&app, &fresh), "after an admin reset");
}

#[test]
fn the_token_of_an_earlier_epoch_is_refused_though_well_signed() {
    let app = TestApp::spawn();
    let admin = app.admin_token();
    let user = app.create_user("viewer", None, None);
    // A role change moves the account to epoch 2.
    let res = patch_user(&app, &admin, &user.id, &json!({"role": "integration"}));
    assert_eq!(res.status, 200, "{}", res.text);
    let sign = |epoch| {
        signed(
            &claims(&user.id, "integration", epoch),
            Algorithm::HS256,
            JWT_SECRET.as_bytes(),
        )
    };
    assert_token_refused(&me(&app, &sign(1)), "epoch 1 of 2");
    assert_token_refused(&me(&app, &user.token), "issued in epoch 1");
    assert_eq!(me(&app, &sign(2)).status, 200);
}

#[test]
fn the_role_a_token_claims_is_not_what_counts() {
    let app = TestApp::spawn();
    let viewer = app.create_user("viewer", None, None);
    // A well-signed token of the viewer that claims to be a province admin.
    let claiming = signed(
        &claims(&viewer.id, "province_admin", 1),
        Algorithm::HS256,
        JWT_SECRET.as_bytes(),
    );
    let res = me(&app, &claiming);
    assert_eq!(res.status, 200);
    assert_eq!(res.json()["role"], "viewer");
    app.request("GET", "/api/v1/users", Some(&claiming), None, &[])
        .problem(403, "forbidden");
    app.request("GET", "/api/v1/audit-log", Some(&claiming), None, &[])
        .problem(403, "forbidden");
}

#[test]
fn the_throttle_counts_the_address_the_proxy_saw() {
    // Behind a proxy the client's address is the last X-Forwarded-For entry.
    let app = TestApp::spawn_with(slow_throttle);
    for i in 1..=5 {
        let res = login_from(&app, "admin", &format!("wrong-password-{i}"), "203.0.113.7");
        assert_invalid_credentials(&res);
    }
    assert_rate_limited(&login_from(&app, "admin", ADMIN_PASSWORD, "203.0.113.7"));
    // The earlier entries are the client's word: only the last one counts.
    assert_rate_limited(&login_from(
        &app,
        "admin",
        ADMIN_PASSWORD,
        "198.51.100.1, 203.0.113.7",
    ));
    let res = login_from(&app, "admin", ADMIN_PASSWORD, "203.0.113.7, 203.0.113.9");
    assert_eq!(res.status, 200, "{}", res.text);

    // The audit log keeps the address the throttle counted.
    let token = res.json()["access_token"].as_str().unwrap().to_owned();
    let page = app
        .request(
            "GET",
            "/api/v1/audit-log?entity=user&entity_id=admin",
            Some(&token),
            None,
            &[],
        )
        .json();
    assert_eq!(page["items"][0]["client_ip"], "203.0.113.7", "{page}");
}

#[test]
fn a_burst_of_parallel_guesses_gets_no_more_than_five() {
    // The limit is on guesses, not on how fast they arrive: of attempts sent at the
    // same moment, at most five may be checked against the password; the rest are
    // refused as the sixth and later would be one after another.
    let app = TestApp::spawn_with(slow_throttle);
    const BURST: usize = 12;
    let barrier = std::sync::Barrier::new(BURST);
    let statuses: Vec<u16> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..BURST)
            .map(|i| {
                let (app, barrier) = (&app, &barrier);
                s.spawn(move || {
                    barrier.wait();
                    login(app, "admin", &format!("parallel-guess-{i}")).status
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    assert!(
        statuses.iter().all(|s| matches!(s, 401 | 429)),
        "{statuses:?}"
    );
    let checked = statuses.iter().filter(|s| **s == 401).count();
    assert!(
        checked <= 5,
        "{checked} of {BURST} parallel wrong passwords for one username were checked \
         (401) instead of refused (429): {statuses:?}"
    );
    assert_rate_limited(&login(&app, "admin", ADMIN_PASSWORD));
}
