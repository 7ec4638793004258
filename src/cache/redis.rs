//! The caches shared by every instance, in Redis: whole responses, and the
//! documents of automatic persisted queries.
//!
//! Each invalidation takes the next number of one counter and writes it as
//! the version of every tag it names; an entry is stored with the counter's
//! value from before its operation read anything (its stamp), and is served
//! only while none of its tags has a newer version. Both checks run inside
//! Redis scripts, so a reader that read rows before a write committed can
//! never store them after that write's invalidation, and can never be
//! served them after it either.
//!
//! Every key lives in one hash slot (`{rc}`), so that the scripts also run
//! on a cluster. Every call has a short timeout of its own and any failure
//! is a miss; after one, a breaker skips Redis for a moment, so that a dead
//! Redis costs requests nothing. A failed invalidation is retried in the
//! background until it lands or every entry it concerns has expired.

use std::{sync::Arc, time::Duration};

use redis::{
    Client, Script,
    aio::{ConnectionManager, ConnectionManagerConfig},
};

use super::{Stamp, breaker::Breaker, tags::Tag};
use crate::metrics::cache as metrics;

/// Longest wait for any single cache call to Redis.
const CALL_TIMEOUT: Duration = Duration::from_millis(200);
/// Pause between two attempts of a failed invalidation.
const RETRY_EVERY: Duration = Duration::from_secs(1);
/// How long a persisted document stays after its last registration; a
/// client that finds it gone sends it again.
const DOCUMENT_TTL: Duration = Duration::from_secs(7 * 24 * 3600);
/// Format of stored entries; part of every key, so that a deploy that
/// changes it never reads the old one.
const FORMAT: &str = "v1";

/// Serves an entry only if no tag of it is newer than its stamp.
const GET: &str = r"
local entry = redis.call('HMGET', KEYS[1], 'd', 's', 't')
if not entry[1] then return false end
local stamp = tonumber(entry[2])
for tag in string.gmatch(entry[3], '%S+') do
  local version = redis.call('GET', ARGV[1] .. tag)
  if version and tonumber(version) > stamp then
    redis.call('DEL', KEYS[1])
    return false
  end
end
return entry[1]
";

/// Stores an entry unless a tag of it changed after its stamp was taken,
/// or the counter went back (Redis restarted empty since).
const PUT: &str = r"
local stamp = tonumber(ARGV[2])
local seq = tonumber(redis.call('GET', KEYS[2]) or '0')
if seq < stamp then return 0 end
for tag in string.gmatch(ARGV[5], '%S+') do
  local version = redis.call('GET', ARGV[1] .. tag)
  if version and tonumber(version) > stamp then return 0 end
end
redis.call('HSET', KEYS[1], 'd', ARGV[4], 's', ARGV[2], 't', ARGV[5])
redis.call('EXPIRE', KEYS[1], ARGV[3])
return 1
";

/// Gives every named tag the counter's next number.
const INVALIDATE: &str = r"
local seq = redis.call('INCR', KEYS[1])
for i = 3, #ARGV do
  redis.call('SET', ARGV[1] .. ARGV[i], seq, 'EX', ARGV[2])
end
return seq
";

struct Keys {
    document: String,
    entry: String,
    tag: String,
    seq: String,
}

struct Scripts {
    get: Script,
    put: Script,
    invalidate: Script,
}

/// Whole responses in Redis.
#[derive(Clone)]
pub struct RedisStore(Arc<Inner>);

struct Inner {
    connection: ConnectionManager,
    prefix: String,
    keys: Keys,
    scripts: Scripts,
    ttl: Duration,
    breaker: Breaker,
}

impl RedisStore {
    /// The cache on the Redis at `url`, under `prefix`; entries live at
    /// most `ttl`. Only parses the URL: nothing connects before first use,
    /// so a Redis that is down at boot does not stop the server.
    pub fn new(url: &str, prefix: &str, ttl: Duration) -> redis::RedisResult<Self> {
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(CALL_TIMEOUT))
            .set_response_timeout(Some(CALL_TIMEOUT))
            .set_number_of_retries(1);
        let connection = ConnectionManager::new_lazy_with_config(Client::open(url)?, config)?;
        Ok(Self(Arc::new(Inner {
            connection,
            prefix: prefix.to_owned(),
            keys: Keys {
                document: format!("{prefix}apq:"),
                entry: format!("{prefix}{{rc}}:{FORMAT}:"),
                tag: format!("{prefix}{{rc}}:tag:"),
                seq: format!("{prefix}{{rc}}:seq"),
            },
            scripts: Scripts {
                get: Script::new(GET),
                put: Script::new(PUT),
                invalidate: Script::new(INVALIDATE),
            },
            ttl,
            breaker: Breaker::default(),
        })))
    }

    /// Runs `script` on `key` with integer `args` under the timeout and the
    /// breaker, for other users of this connection (shared limits); `None`
    /// when skipped, failed or late.
    pub async fn run_script<T: redis::FromRedisValue>(
        &self,
        name: &'static str,
        script: &Script,
        key: &str,
        args: &[u64],
    ) -> Option<T> {
        let mut connection = self.0.connection.clone();
        let mut invocation = script.key(key);
        for arg in args {
            invocation.arg(*arg);
        }
        self.call(name, invocation.invoke_async(&mut connection))
            .await
    }

    /// The prefix of every key of this deployment.
    pub fn prefix(&self) -> &str {
        &self.0.prefix
    }

    /// True while recent calls failed and Redis is being skipped.
    pub fn is_failing(&self) -> bool {
        self.0.breaker.is_open()
    }

    /// Runs one Redis call under the timeout and the breaker; `None` when
    /// skipped, failed or late.
    async fn call<T>(
        &self,
        name: &'static str,
        call: impl Future<Output = redis::RedisResult<T>>,
    ) -> Option<T> {
        let inner = &self.0;
        if !inner.breaker.allows() {
            return None;
        }
        match tokio::time::timeout(CALL_TIMEOUT, call).await {
            Ok(Ok(value)) => {
                if inner.breaker.is_open() {
                    metrics::breaker_open(false);
                }
                inner.breaker.succeeded();
                Some(value)
            }
            Ok(Err(err)) => {
                tracing::debug!(error = %err, call = name, "response cache: Redis call failed");
                self.failed(name);
                None
            }
            Err(_) => {
                tracing::debug!(call = name, "response cache: Redis call timed out");
                self.failed(name);
                None
            }
        }
    }

    fn failed(&self, name: &'static str) {
        metrics::redis_error(name);
        self.0.breaker.failed();
        metrics::breaker_open(true);
    }

    pub(super) async fn stamp(&self) -> Option<Stamp> {
        let mut connection = self.0.connection.clone();
        let mut seq = redis::cmd("GET");
        seq.arg(&self.0.keys.seq);
        let value: Option<u64> = self.call("stamp", seq.query_async(&mut connection)).await?;
        Some(Stamp(value.unwrap_or(0)))
    }

    pub(super) async fn get(&self, key: &str) -> Option<Arc<str>> {
        let inner = &self.0;
        let mut connection = inner.connection.clone();
        let mut get = inner.scripts.get.key(format!("{}{key}", inner.keys.entry));
        get.arg(&inner.keys.tag);
        let data: Option<String> = self
            .call("get", get.invoke_async(&mut connection))
            .await
            .flatten();
        data.map(Arc::from)
    }

    pub(super) async fn put(&self, key: &str, data: &str, tags: &[Tag], stamp: Stamp) -> bool {
        let inner = &self.0;
        let mut connection = inner.connection.clone();
        let tags = tags
            .iter()
            .map(Tag::to_string)
            .collect::<Vec<_>>()
            .join(" ");
        let mut put = inner.scripts.put.key(format!("{}{key}", inner.keys.entry));
        put.key(&inner.keys.seq)
            .arg(&inner.keys.tag)
            .arg(stamp.0)
            .arg(inner.ttl.as_secs().max(1))
            .arg(data)
            .arg(tags);
        let stored: Option<i64> = self.call("put", put.invoke_async(&mut connection)).await;
        stored == Some(1)
    }

    /// The document registered under `hash`, if any.
    pub(super) async fn document(&self, hash: &str) -> Option<Arc<str>> {
        let mut connection = self.0.connection.clone();
        let mut get = redis::cmd("GET");
        get.arg(format!("{}{hash}", self.0.keys.document));
        let text: Option<String> = self
            .call("document", get.query_async(&mut connection))
            .await
            .flatten();
        text.map(Arc::from)
    }

    /// Registers `text` under its `hash` for every instance.
    pub(super) async fn put_document(&self, hash: &str, text: &str) {
        let mut connection = self.0.connection.clone();
        let mut set = redis::cmd("SET");
        set.arg(format!("{}{hash}", self.0.keys.document))
            .arg(text)
            .arg("EX")
            .arg(DOCUMENT_TTL.as_secs());
        let _: Option<()> = self
            .call("put_document", set.query_async(&mut connection))
            .await;
    }

    /// Invalidates `tags`, or, if Redis cannot be reached now, keeps trying
    /// in the background for as long as an entry could still carry them.
    pub(super) async fn invalidate(&self, tags: &[Tag]) {
        let tags: Vec<String> = tags.iter().map(Tag::to_string).collect();
        if self.try_invalidate(&tags).await {
            return;
        }
        tracing::warn!(
            tags = tags.len(),
            "response cache: invalidation failed; retrying"
        );
        let store = self.clone();
        tokio::spawn(async move {
            let deadline = tokio::time::Instant::now() + store.0.ttl;
            while tokio::time::Instant::now() < deadline {
                tokio::time::sleep(RETRY_EVERY).await;
                if store.try_invalidate(&tags).await {
                    return;
                }
            }
        });
    }

    async fn try_invalidate(&self, tags: &[String]) -> bool {
        let inner = &self.0;
        let mut connection = inner.connection.clone();
        let mut invalidate = inner.scripts.invalidate.key(&inner.keys.seq);
        // Tag versions outlive every entry that could carry them.
        invalidate
            .arg(&inner.keys.tag)
            .arg(inner.ttl.as_secs().saturating_mul(2).max(2));
        for tag in tags {
            invalidate.arg(tag);
        }
        // An invalidation must not be skipped by an open breaker: try it.
        let call = invalidate.invoke_async::<i64>(&mut connection);
        match tokio::time::timeout(CALL_TIMEOUT, call).await {
            Ok(Ok(_)) => true,
            Ok(Err(err)) => {
                tracing::debug!(error = %err, "response cache: invalidation failed");
                self.failed("invalidate");
                false
            }
            Err(_) => {
                self.failed("invalidate");
                false
            }
        }
    }
}
