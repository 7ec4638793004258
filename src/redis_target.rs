//! Where Redis is, for every user of it (caches, limits, fan-out): one node
//! (`redis://host:port`), or a cluster named by some of its nodes
//! (`redis+cluster://host:port,host:port,…`; a `user:password@` before the
//! first node applies to all of them).
//!
//! Connections are lazy, so that a Redis that is down at boot does not stop
//! the server: a node's `ConnectionManager` connects on first use, a
//! cluster's connection in the background from the start, or on a later
//! command when that failed. Every key a script touches lives in one hash slot, so
//! scripts route like single-key commands. Pub/sub uses one node of a
//! cluster: a cluster delivers every `PUBLISH` to subscribers on all nodes.

use std::{sync::Arc, time::Duration};

use redis::{
    Client, Cmd, Pipeline, RedisError, RedisFuture, RedisResult, Value,
    aio::{ConnectionLike, ConnectionManager, ConnectionManagerConfig},
    cluster::{ClusterClient, ClusterClientBuilder},
    cluster_async::ClusterConnection,
};
use tokio::sync::OnceCell;

/// The scheme of a cluster URL.
const CLUSTER_SCHEME: &str = "redis+cluster://";

/// A parsed `REDIS_URL`.
#[derive(Clone)]
pub struct RedisTarget {
    /// A client of the node (or of a cluster's first node, for pub/sub).
    node: Client,
    /// Every listed node of a cluster.
    cluster: Option<Vec<String>>,
}

impl RedisTarget {
    /// Reads `url`; nothing connects yet.
    pub fn parse(url: &str) -> RedisResult<Self> {
        let Some(rest) = url.strip_prefix(CLUSTER_SCHEME) else {
            return Ok(Self {
                node: Client::open(url)?,
                cluster: None,
            });
        };
        let rest = rest.split(['/', '?']).next().unwrap_or_default();
        let (credentials, hosts) = match rest.rsplit_once('@') {
            Some((credentials, hosts)) => (format!("{credentials}@"), hosts),
            None => (String::new(), rest),
        };
        let nodes: Vec<String> = hosts
            .split(',')
            .map(str::trim)
            .filter(|host| !host.is_empty())
            .map(|host| format!("redis://{credentials}{host}"))
            .collect();
        let first = nodes.first().ok_or_else(|| {
            RedisError::from((
                redis::ErrorKind::InvalidClientConfig,
                "a redis+cluster:// URL names no node",
            ))
        })?;
        Ok(Self {
            node: Client::open(first.as_str())?,
            cluster: Some(nodes),
        })
    }

    /// The client that subscriptions use.
    pub fn pubsub_client(&self) -> &Client {
        &self.node
    }

    /// A lazy connection whose calls give up after `timeout`, retried once.
    pub fn connection(&self, timeout: Duration) -> RedisResult<RedisConnection> {
        match &self.cluster {
            None => {
                let config = ConnectionManagerConfig::new()
                    .set_connection_timeout(Some(timeout))
                    .set_response_timeout(Some(timeout))
                    .set_number_of_retries(1);
                let manager = ConnectionManager::new_lazy_with_config(self.node.clone(), config)?;
                Ok(RedisConnection::Node(manager))
            }
            Some(nodes) => {
                let client = ClusterClientBuilder::new(nodes.clone())
                    .connection_timeout(timeout)
                    .response_timeout(timeout)
                    .retries(1)
                    .build()?;
                let cluster = LazyCluster(Arc::new(ClusterParts {
                    client,
                    connection: OnceCell::new(),
                }));
                cluster.warm();
                Ok(RedisConnection::Cluster(cluster))
            }
        }
    }
}

/// A cluster connection made on first use. Cheap to clone.
#[derive(Clone)]
pub struct LazyCluster(Arc<ClusterParts>);

struct ClusterParts {
    client: ClusterClient,
    connection: OnceCell<ClusterConnection>,
}

impl LazyCluster {
    /// Starts connecting in the background (within a runtime), so that the
    /// first requests do not pay the slot discovery under their timeout.
    fn warm(&self) {
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            let cluster = self.clone();
            runtime.spawn(async move {
                if let Err(err) = cluster.get().await {
                    tracing::debug!(error = %err, "Redis cluster: not reachable yet");
                }
            });
        }
    }

    async fn get(&self) -> RedisResult<ClusterConnection> {
        let parts = &self.0;
        let connection = parts
            .connection
            .get_or_try_init(|| parts.client.get_async_connection())
            .await?;
        Ok(connection.clone())
    }
}

/// A connection to a node or to a cluster, usable wherever the `redis`
/// crate takes an async connection. Cheap to clone.
#[derive(Clone)]
pub enum RedisConnection {
    /// One node, reconnecting by itself.
    Node(ConnectionManager),
    /// A cluster, routing each command to its slot's node.
    Cluster(LazyCluster),
}

impl ConnectionLike for RedisConnection {
    fn req_packed_command<'a>(&'a mut self, cmd: &'a Cmd) -> RedisFuture<'a, Value> {
        match self {
            Self::Node(manager) => manager.req_packed_command(cmd),
            Self::Cluster(cluster) => Box::pin(async move {
                let mut connection = cluster.get().await?;
                connection.req_packed_command(cmd).await
            }),
        }
    }

    fn req_packed_commands<'a>(
        &'a mut self,
        pipeline: &'a Pipeline,
        offset: usize,
        count: usize,
    ) -> RedisFuture<'a, Vec<Value>> {
        match self {
            Self::Node(manager) => manager.req_packed_commands(pipeline, offset, count),
            Self::Cluster(cluster) => Box::pin(async move {
                let mut connection = cluster.get().await?;
                connection
                    .req_packed_commands(pipeline, offset, count)
                    .await
            }),
        }
    }

    fn get_db(&self) -> i64 {
        match self {
            Self::Node(manager) => manager.get_db(),
            Self::Cluster(_) => 0,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cluster_url_lists_its_nodes_with_shared_credentials() {
        let target = RedisTarget::parse("redis+cluster://:secret@10.0.0.1:7000,10.0.0.2:7001/")
            .expect("a cluster URL");
        assert_eq!(
            target.cluster.as_deref(),
            Some(
                &[
                    "redis://:secret@10.0.0.1:7000".to_owned(),
                    "redis://:secret@10.0.0.2:7001".to_owned()
                ][..]
            )
        );
    }

    #[test]
    fn a_plain_url_is_one_node_and_an_empty_cluster_is_refused() {
        let node = RedisTarget::parse("redis://127.0.0.1:6379").expect("a URL");
        assert!(node.cluster.is_none());
        assert!(RedisTarget::parse("redis+cluster:///").is_err());
    }
}
