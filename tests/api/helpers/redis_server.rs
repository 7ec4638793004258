//! Redis for tests: the server `REDIS_URL` names (CI's second pass), or a
//! test-owned `redis-server` that a test may kill (never the shared one).

use std::{
    net::TcpListener,
    process::{Child, Command, Stdio},
    sync::atomic::{AtomicU16, Ordering},
    time::Duration,
};

/// A Redis a test may use with its own key prefix but must not break.
pub enum TestRedis {
    /// The server `REDIS_URL` names, shared by every test.
    Shared(String),
    /// Started for this test alone, when `REDIS_URL` is unset.
    Owned(OwnedRedis),
}

impl TestRedis {
    /// `REDIS_URL`'s server when set, else a `redis-server` of the test's own,
    /// so that `cargo test` needs no running Redis.
    pub async fn get() -> Self {
        match std::env::var("REDIS_URL") {
            Ok(url) if !url.is_empty() => Self::Shared(url),
            _ => Self::Owned(OwnedRedis::start().await),
        }
    }

    pub fn url(&self) -> &str {
        match self {
            Self::Shared(url) => url,
            Self::Owned(owned) => &owned.url,
        }
    }
}

/// A fresh key and channel prefix, so that tests never see each other.
pub fn unique_prefix() -> String {
    format!("test:{}:", uuid::Uuid::new_v4().simple())
}

/// A `redis-server` owned by one test, killed when dropped.
pub struct OwnedRedis {
    child: Child,
    pub url: String,
    port: u16,
}

impl OwnedRedis {
    /// Starts `redis-server` on a free port and waits until it answers.
    pub async fn start() -> Self {
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|listener| listener.local_addr())
            .expect("a free port")
            .port();
        Self::start_on(port).await
    }

    /// Starts a fresh, empty server where a killed one was, as a restart
    /// without persistence would.
    pub async fn restart(&mut self) {
        self.kill();
        *self = Self::start_on(self.port).await;
    }

    async fn start_on(port: u16) -> Self {
        let mut owned = Self {
            child: Command::new("redis-server")
                .args(["--bind", "127.0.0.1", "--port", &port.to_string()])
                .args(["--save", "", "--appendonly", "no"])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect("start redis-server"),
            url: format!("redis://127.0.0.1:{port}"),
            port,
        };
        if answers_ping(&owned.url).await {
            return owned;
        }
        owned.kill();
        panic!("redis-server on port {port} did not start");
    }

    /// Kills the server, as a crash or network loss would.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for OwnedRedis {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Waits until `count` connections subscribe to `channel` on the Redis at
/// `url` (each instance subscribes once it is up).
pub async fn wait_for_subscribers(url: &str, channel: &str, count: i64) {
    let client = redis::Client::open(url).expect("Redis URL");
    let mut connection = client
        .get_multiplexed_async_connection()
        .await
        .expect("connect to Redis");
    for _ in 0..400 {
        let (_, subscribers): (String, i64) = redis::cmd("PUBSUB")
            .arg("NUMSUB")
            .arg(channel)
            .query_async(&mut connection)
            .await
            .expect("PUBSUB NUMSUB");
        if subscribers >= count {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("{channel} never had {count} subscribers");
}

/// A connection to the Redis at `url`, and the keys there that match
/// `pattern` (`KEYS`: tests only, on their own prefix).
pub async fn keys_matching(
    url: &str,
    pattern: &str,
) -> (redis::aio::MultiplexedConnection, Vec<String>) {
    let client = redis::Client::open(url).expect("a Redis URL");
    let mut connection = client
        .get_multiplexed_async_connection()
        .await
        .expect("connect to Redis");
    let keys: Vec<String> = redis::cmd("KEYS")
        .arg(pattern)
        .query_async(&mut connection)
        .await
        .expect("KEYS");
    (connection, keys)
}

/// A three-master Redis Cluster owned by one test (no replicas), on local
/// ports; every node is killed when dropped.
pub struct OwnedCluster {
    nodes: Vec<Child>,
    /// `redis+cluster://` naming every node.
    pub url: String,
    _dir: tempfile::TempDir,
}

impl OwnedCluster {
    /// Starts three `redis-server --cluster-enabled yes`, joins them with
    /// `redis-cli --cluster create` and waits until the cluster is up.
    pub async fn start() -> Self {
        let dir = tempfile::tempdir().expect("a temp dir");
        let ports = cluster_ports(3);
        let mut cluster = Self {
            nodes: Vec::new(),
            url: String::new(),
            _dir: dir,
        };
        let dir = cluster._dir.path().to_owned();
        for port in &ports {
            let config = dir.join(format!("nodes-{port}.conf"));
            let node = Command::new("redis-server")
                .args(["--bind", "127.0.0.1", "--port", &port.to_string()])
                .args(["--cluster-enabled", "yes", "--cluster-config-file"])
                .arg(&config)
                .arg("--dir")
                .arg(&dir)
                .args(["--save", "", "--appendonly", "no"])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect("start a cluster redis-server");
            cluster.nodes.push(node);
            let url = format!("redis://127.0.0.1:{port}");
            assert!(answers_ping(&url).await, "{url} did not answer");
        }
        let addresses: Vec<String> = ports
            .iter()
            .map(|port| format!("127.0.0.1:{port}"))
            .collect();
        // `redis-cli --cluster create` waits for the join without a bound.
        let created = Command::new("timeout")
            .args(["60", "redis-cli", "--cluster", "create"])
            .args(&addresses)
            .args(["--cluster-replicas", "0", "--cluster-yes"])
            .output()
            .expect("run redis-cli --cluster create");
        assert!(
            created.status.success(),
            "redis-cli --cluster create failed: {}",
            String::from_utf8_lossy(&created.stdout)
        );
        for address in &addresses {
            wait_for_cluster_ok(&format!("redis://{address}")).await;
        }
        cluster.url = format!("redis+cluster://{}", addresses.join(","));
        cluster
    }
}

impl Drop for OwnedCluster {
    fn drop(&mut self) {
        for node in &mut self.nodes {
            let _ = node.kill();
            let _ = node.wait();
        }
    }
}

/// The next cluster port candidate of this test process: one counter, so
/// that clusters started by parallel tests never pick the same ports.
static NEXT_CLUSTER_PORT: AtomicU16 = AtomicU16::new(0);

/// `count` free ports whose cluster-bus ports (port + 10000) are free too,
/// all below the kernel's ephemeral range (32768 and up), so that no port
/// the OS hands out (an [`OwnedRedis`], a server under test) can take one
/// between this check and the node's bind.
fn cluster_ports(count: usize) -> Vec<u16> {
    const FIRST: u16 = 12_000;
    const SPAN: u16 = 10_000;
    let offset = u16::try_from(std::process::id() % u32::from(SPAN)).unwrap_or(0);
    let _ = NEXT_CLUSTER_PORT.compare_exchange(0, offset, Ordering::SeqCst, Ordering::SeqCst);
    let mut ports = Vec::new();
    while ports.len() < count {
        let step = NEXT_CLUSTER_PORT.fetch_add(1, Ordering::SeqCst);
        let candidate = FIRST + step % SPAN;
        let free = |port: u16| TcpListener::bind(("127.0.0.1", port)).is_ok();
        if free(candidate) && free(candidate + 10_000) {
            ports.push(candidate);
        }
    }
    ports
}

/// Whether the Redis at `url` answers a PING within 10 s.
async fn answers_ping(url: &str) -> bool {
    let client = redis::Client::open(url).expect("Redis URL");
    for _ in 0..200 {
        if let Ok(mut connection) = client.get_multiplexed_async_connection().await
            && redis::cmd("PING")
                .query_async::<String>(&mut connection)
                .await
                .is_ok()
        {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    false
}

async fn wait_for_cluster_ok(url: &str) {
    let client = redis::Client::open(url).expect("Redis URL");
    for _ in 0..200 {
        if let Ok(mut connection) = client.get_multiplexed_async_connection().await
            && let Ok(info) = redis::cmd("CLUSTER")
                .arg("INFO")
                .query_async::<String>(&mut connection)
                .await
            && info.contains("cluster_state:ok")
        {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the cluster at {url} never came up");
}
