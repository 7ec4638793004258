//! `storefront user create`, run as the real binary against a test
//! database, then signed into through the API.

use std::{
    io::Write,
    process::{Command, Output, Stdio},
};

use crate::helpers::{TestApp, spawn_app, user_global_id};

/// Runs `storefront user create <args>` on the app's database, feeding
/// `stdin` (none: an empty, non-terminal standard input).
fn user_create(app: &TestApp, args: &[&str], stdin: Option<&str>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_storefront"))
        .args(["user", "create"])
        .args(args)
        .env("DATABASE_URL", &app.database_url)
        .env("RUST_LOG", "warn")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run storefront");
    let mut input = child.stdin.take().expect("stdin");
    if let Some(text) = stdin {
        input.write_all(text.as_bytes()).expect("write stdin");
    }
    drop(input);
    child.wait_with_output().expect("wait for storefront")
}

/// `user create --email EMAIL --name NAME --password-stdin`, with
/// `password` on standard input.
fn user_create_with_password(app: &TestApp, email: &str, name: &str, password: &str) -> Output {
    user_create(
        app,
        &["--email", email, "--name", name, "--password-stdin"],
        Some(password),
    )
}

#[tokio::test]
async fn user_create_with_password_stdin_makes_an_admin_who_can_sign_in() {
    let app = spawn_app().await;

    let output = user_create(
        &app,
        &[
            "--email",
            " Ops@Example.com",
            "--name",
            "Ops",
            "--admin",
            "--password-stdin",
        ],
        Some("a long enough password\n"),
    );

    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let printed = String::from_utf8(output.stdout).expect("utf-8");
    let user = app.user_by_email("ops@example.com").await;
    assert_eq!(printed.trim(), user_global_id(user.id));
    let session = app.login("ops@example.com", "a long enough password").await;
    assert_eq!(session["user"]["role"], "ADMIN");
    assert_eq!(session["user"]["id"], printed.trim());
}

#[tokio::test]
async fn user_create_without_admin_makes_a_customer() {
    let app = spawn_app().await;

    let output = user_create_with_password(
        &app,
        "shopper@example.com",
        "Shopper",
        "another good password",
    );

    assert!(output.status.success());
    let session = app
        .login("shopper@example.com", "another good password")
        .await;
    assert_eq!(session["user"]["role"], "CUSTOMER");
}

#[tokio::test]
async fn user_create_with_a_taken_email_fails_clearly_and_writes_nothing() {
    let app = spawn_app().await;
    let before = app.user_count().await;

    let output = user_create_with_password(
        &app,
        "admin@example.com",
        "Again",
        "a long enough password\n",
    );

    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("already exists"), "{stderr}");
    assert!(output.stdout.is_empty());
    assert_eq!(app.user_count().await, before);
}

#[tokio::test]
async fn user_create_applies_the_register_rules() {
    let app = spawn_app().await;
    let before = app.user_count().await;

    let short = user_create(
        &app,
        &[
            "--email",
            "new@example.com",
            "--name",
            "New",
            "--password-stdin",
        ],
        Some("short\n"),
    );
    let malformed = user_create(
        &app,
        &[
            "--email",
            "not-an-email",
            "--name",
            "New",
            "--password-stdin",
        ],
        Some("a long enough password\n"),
    );

    assert!(!short.status.success());
    assert!(String::from_utf8_lossy(&short.stderr).contains("--password"));
    assert!(!malformed.status.success());
    assert!(String::from_utf8_lossy(&malformed.stderr).contains("--email"));
    assert_eq!(app.user_count().await, before);
}

#[tokio::test]
async fn user_create_refuses_to_prompt_when_stdin_is_not_a_terminal() {
    let app = spawn_app().await;
    let before = app.user_count().await;

    let output = user_create(&app, &["--email", "new@example.com", "--name", "New"], None);

    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("--password-stdin"), "{stderr}");
    assert_eq!(app.user_count().await, before);
}
