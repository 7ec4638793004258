//! Start-up and shutdown of the real application.

use std::time::Duration;

use storefront::{config::Environment, startup::Application};
use tokio::sync::oneshot;

use crate::helpers::{fresh_database, settings};

#[tokio::test]
async fn a_stop_signal_drains_and_stops_the_server() {
    let (url, _database) = fresh_database().await;
    let app = Application::build(settings(url, Environment::Development))
        .await
        .expect("build application");
    let address = app.address();
    let (stop, stopped) = oneshot::channel::<()>();
    let server = tokio::spawn(app.run_until(async {
        let _ = stopped.await;
    }));
    let client = reqwest::Client::new();
    let health = client
        .get(format!("http://{address}/healthz"))
        .send()
        .await
        .expect("healthz");
    assert!(health.status().is_success());

    stop.send(()).expect("server is running");
    let finished = tokio::time::timeout(Duration::from_secs(5), server).await;

    assert!(
        matches!(finished, Ok(Ok(Ok(())))),
        "server did not stop cleanly: {finished:?}"
    );
    let after = reqwest::Client::new()
        .get(format!("http://{address}/healthz"))
        .send()
        .await;
    assert!(
        after.is_err(),
        "the listener should be closed after shutdown"
    );
}

#[tokio::test]
async fn serving_refuses_to_start_with_pending_migrations_when_told_not_to_migrate() {
    let (url, _database) = fresh_database().await;
    let mut settings = settings(url, Environment::Development);
    settings.no_migrate = true;

    let error = Application::build(settings)
        .await
        .err()
        .expect("build must fail");

    assert!(
        error.to_string().contains("migrations are pending"),
        "{error}"
    );
}
