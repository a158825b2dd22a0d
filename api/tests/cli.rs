//! The `zhenxing` command line, run as a user would run it.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failure report

use std::io::Write;
use std::process::{Command, Output, Stdio};

fn zhenxing(dir: &std::path::Path, args: &[&str], stdin: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_zhenxing"))
        .args(args)
        .current_dir(dir)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env(
            "DATABASE_URL",
            format!("sqlite://{}", dir.join("cli.db").display()),
        )
        .env("RUST_LOG", "warn")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn every_command_has_help() {
    let dir = tempfile::tempdir().unwrap();
    for command in [
        &[][..],
        &["serve"],
        &["migrate"],
        &["seed-regions"],
        &["create-user"],
        &["demo-data"],
        &["openapi"],
    ] {
        let mut args = command.to_vec();
        args.push("--help");
        let out = zhenxing(dir.path(), &args, "");
        assert!(out.status.success(), "{args:?}: {}", text(&out.stderr));
        assert!(text(&out.stdout).contains("Usage"), "{args:?}");
    }
}

#[test]
fn openapi_prints_the_committed_document() {
    let dir = tempfile::tempdir().unwrap();
    let out = zhenxing(dir.path(), &["openapi"], "");
    assert!(out.status.success());
    let committed = include_str!("../../openapi/openapi.json");
    assert_eq!(text(&out.stdout), committed);
}

#[test]
fn migrate_and_seed_are_idempotent() {
    let dir = tempfile::tempdir().unwrap();
    for args in [
        &["migrate"][..],
        &["migrate"],
        &["seed-regions"],
        &["seed-regions"],
    ] {
        let out = zhenxing(dir.path(), args, "");
        assert!(out.status.success(), "{args:?}: {}", text(&out.stderr));
    }
}

#[test]
fn create_user_reads_the_password_from_stdin() {
    let dir = tempfile::tempdir().unwrap();
    let out = zhenxing(
        dir.path(),
        &[
            "create-user",
            "--username",
            "wuhua.mz",
            "--role",
            "county_officer",
            "--region-code",
            "530102",
        ],
        "a-long-enough-password\n",
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let id = text(&out.stdout).trim().to_owned();
    assert!(uuid::Uuid::parse_str(&id).is_ok(), "{id}");

    // The same username again, a bad role, a short password, a missing region: refused,
    // each with a message naming the problem.
    for (args, stdin, needle) in [
        (
            &["create-user", "--username", "wuhua.mz", "--role", "viewer"][..],
            "another-long-password\n",
            "username",
        ),
        (
            &["create-user", "--username", "x.y.z", "--role", "mayor"],
            "another-long-password\n",
            "--role",
        ),
        (
            &["create-user", "--username", "x.y.z", "--role", "viewer"],
            "short\n",
            "password",
        ),
        (
            &[
                "create-user",
                "--username",
                "x.y.z",
                "--role",
                "county_officer",
            ],
            "another-long-password\n",
            "region_code",
        ),
    ] {
        let out = zhenxing(dir.path(), args, stdin);
        assert!(!out.status.success(), "{args:?} should fail");
        assert!(
            text(&out.stderr).contains(needle),
            "{args:?}: {}",
            text(&out.stderr)
        );
    }
}

#[test]
fn a_bad_setting_names_its_variable() {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_zhenxing"))
        .arg("migrate")
        .current_dir(dir.path())
        .env("DATABASE_URL", "mysql://nope")
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("DATABASE_URL"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn demo_data_fills_an_empty_database_once() {
    let dir = tempfile::tempdir().unwrap();
    let out = zhenxing(dir.path(), &["demo-data", "--scale", "small"], "");
    assert!(out.status.success(), "{}", text(&out.stderr));
    let summary = text(&out.stdout);
    assert!(summary.contains("演示数据（合成）"), "{summary}");
    assert!(summary.contains("organizations"), "{summary}");
    assert!(text(&out.stderr).contains("100%"), "progress on stderr");

    let again = zhenxing(dir.path(), &["demo-data", "--scale", "small"], "");
    assert!(!again.status.success());
    assert!(
        text(&again.stderr).contains("already holds 100 organizations"),
        "{}",
        text(&again.stderr)
    );

    let bad = zhenxing(dir.path(), &["demo-data", "--scale", "huge"], "");
    assert!(!bad.status.success());
}
