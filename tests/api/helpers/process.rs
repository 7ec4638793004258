//! The real `storefront` binary as a server process on a test database,
//! for tests that need a process to die (killed when dropped).

use std::{
    io::{BufRead, BufReader},
    net::SocketAddr,
    process::{Child, Command, ExitStatus, Stdio},
    sync::mpsc,
    time::Duration,
};

use serde_json::Value;

use super::{TEST_JWT_SECRET, redis_server};

/// How long the binary may take to start serving before the test fails.
const STARTUP_PATIENCE: Duration = Duration::from_secs(60);

/// A running `storefront serve`.
pub struct ServerProcess {
    child: Option<Child>,
    pub address: SocketAddr,
}

impl ServerProcess {
    /// Starts `storefront serve` on `database_url` and port 0 with the test
    /// JWT secret and `env`; returns once it logs its address.
    pub async fn start(database_url: &str, env: &[(&str, &str)]) -> Self {
        let mut child = Command::new(env!("CARGO_BIN_EXE_storefront"))
            .arg("serve")
            .env("DATABASE_URL", database_url)
            .env("STOREFRONT_REDIS_PREFIX", redis_server::unique_prefix())
            .env("STOREFRONT_LISTEN", "127.0.0.1:0")
            .env("JWT_SECRET", TEST_JWT_SECRET)
            .env("STOREFRONT_LOG_FORMAT", "json")
            .env("RUST_LOG", "info,sqlx=warn,sea_orm=warn")
            .envs(env.iter().copied())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start storefront serve");
        let stderr = child.stderr.take().expect("stderr");
        let (found, address) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines() {
                let Ok(line) = line else { return };
                let Ok(entry) = serde_json::from_str::<Value>(&line) else {
                    continue;
                };
                if entry["fields"]["message"] == "serving"
                    && let Some(address) = entry["fields"]["address"].as_str()
                {
                    let _ = found.send(address.to_owned());
                }
            }
        });
        let address = tokio::task::spawn_blocking(move || address.recv_timeout(STARTUP_PATIENCE))
            .await
            .expect("join")
            .expect("the server did not start serving");
        Self {
            child: Some(child),
            address: address.parse().expect("a socket address"),
        }
    }

    /// Waits for the process to exit by itself.
    pub async fn exited(mut self) -> ExitStatus {
        let mut child = self.child.take().expect("a running server");
        tokio::task::spawn_blocking(move || child.wait())
            .await
            .expect("join")
            .expect("wait for the server")
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}
