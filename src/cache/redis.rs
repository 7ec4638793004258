//! The caches shared by every instance, in Redis: whole responses, entities
//! (the L2 under every instance's L1), and the documents of automatic
//! persisted queries.
//!
//! Each invalidation takes the next number of one counter and writes it as
//! the version of every tag it names; an entry is stored with the counter's
//! value from before its operation read anything (its stamp), and is served
//! only while none of its tags has a newer version. Both checks run inside
//! Redis scripts, so a reader that read rows before a write committed can
//! never store them after that write's invalidation, and can never be
//! served them after it either.
//!
//! An invalidation also deletes the entity entries named by its tags and
//! publishes its number and tags, in the same script, so that every
//! instance applies them to its L1 in order ([`RedisStore::listen`]).
//!
//! Every key lives in one hash slot (`{rc}`), so that the scripts also run
//! on a cluster. Every call has a short timeout of its own and any failure
//! is a miss; after one, a breaker skips Redis for a moment, so that a dead
//! Redis costs requests nothing. A failed invalidation is retried in the
//! background until it lands or every entry it concerns has expired.

use std::{sync::Arc, time::Duration};

use redis::{Client, Script};

use super::{Stamp, breaker::Breaker, counter::CounterReads, local::Local, tags::Tag};
use crate::{
    metrics::cache as metrics,
    pubsub,
    redis_target::{RedisConnection, RedisTarget},
};

/// Longest wait for any single cache call to Redis.
const CALL_TIMEOUT: Duration = Duration::from_millis(200);
/// How often a quiet invalidation subscription is checked with a PING.
const HEALTH_CHECK: Duration = Duration::from_secs(5);
/// Pause between two attempts of a failed invalidation (or subscription).
const RETRY_EVERY: Duration = Duration::from_secs(1);
/// How long a persisted document stays after its last registration; a
/// client that finds it gone sends it again.
const DOCUMENT_TTL: Duration = Duration::from_secs(7 * 24 * 3600);
/// Format of stored entries; part of every key, so that a deploy that
/// changes it never reads the old one.
const FORMAT: &str = "v1";
/// Format of entity entries: bump it whenever a cached row type changes
/// shape (a column added, renamed or retyped).
const ENTITY_FORMAT: u32 = 1;

/// The Lua function every check shares: whether a tag of the
/// space-separated `tags` was invalidated after `stamp`. One `MGET` per 500
/// tags rather than a call per tag: a catalog page carries hundreds.
macro_rules! newer_fn {
    () => {
        r"
local function newer(prefix, tags, stamp)
  local keys = {}
  for tag in string.gmatch(tags, '%S+') do keys[#keys + 1] = prefix .. tag end
  for first = 1, #keys, 500 do
    local versions = redis.call('MGET', unpack(keys, first, math.min(first + 499, #keys)))
    for _, version in ipairs(versions) do
      if version and tonumber(version) > stamp then return true end
    end
  end
  return false
end
"
    };
}

/// Serves an entry (its data, stamp and tags) only if no tag of it is
/// newer than its stamp.
const GET: &str = concat!(
    newer_fn!(),
    r"
local entry = redis.call('HMGET', KEYS[1], 'd', 's', 't')
if not entry[1] then return false end
if newer(ARGV[1], entry[3], tonumber(entry[2])) then
  redis.call('DEL', KEYS[1])
  return false
end
return entry
"
);

/// Stores an entry unless a tag of it changed after its stamp was taken,
/// or the counter went back (Redis restarted empty since).
const PUT: &str = concat!(
    newer_fn!(),
    r"
local stamp = tonumber(ARGV[2])
local seq = tonumber(redis.call('GET', KEYS[2]) or '0')
if seq < stamp then return 0 end
if newer(ARGV[1], ARGV[5], stamp) then return 0 end
redis.call('HSET', KEYS[1], 'd', ARGV[4], 's', ARGV[2], 't', ARGV[5])
redis.call('EXPIRE', KEYS[1], ARGV[3])
return 1
"
);

/// Gives every named tag the counter's next number, deletes the entity
/// entries the tags name, and tells every instance.
const INVALIDATE: &str = r"
local seq = redis.call('INCR', KEYS[1])
for i = 5, #ARGV do
  redis.call('SET', ARGV[1] .. ARGV[i], seq, 'EX', ARGV[2])
  redis.call('DEL', ARGV[3] .. ARGV[i])
end
redis.call('PUBLISH', ARGV[4], seq .. ' ' .. table.concat(ARGV, ' ', 5))
return seq
";

/// Many entity entries at once: each one's value and stamp, or nothing
/// when absent or voided by a newer tag.
const GET_ENTITIES: &str = concat!(
    newer_fn!(),
    r"
local found = {}
for i, key in ipairs(KEYS) do
  local entry = redis.call('HMGET', key, 'd', 's', 't')
  local data, stamp = entry[1], entry[2]
  if data and newer(ARGV[1], entry[3], tonumber(stamp)) then
    redis.call('DEL', key)
    data, stamp = false, false
  end
  found[2 * i - 1] = data
  found[2 * i] = stamp
end
return found
"
);

/// Stores many entity entries read after one stamp, each unless one of its
/// tags changed since (or the counter went back); how many were stored.
const PUT_ENTITIES: &str = concat!(
    newer_fn!(),
    r"
local stamp = tonumber(ARGV[2])
local seq = tonumber(redis.call('GET', KEYS[1]) or '0')
if seq < stamp then return 0 end
local stored = 0
for i = 2, #KEYS do
  local data, tags = ARGV[2 * i], ARGV[2 * i + 1]
  if not newer(ARGV[1], tags, stamp) then
    redis.call('HSET', KEYS[i], 'd', data, 's', ARGV[2], 't', tags)
    redis.call('EXPIRE', KEYS[i], ARGV[3])
    stored = stored + 1
  end
end
return stored
"
);

struct Keys {
    document: String,
    entry: String,
    entity: String,
    channel: String,
    tag: String,
    seq: String,
}

struct Scripts {
    get: Script,
    put: Script,
    invalidate: Script,
    get_entities: Script,
    put_entities: Script,
}

/// Whole responses in Redis.
#[derive(Clone)]
pub struct RedisStore(Arc<Inner>);

struct Inner {
    client: Client,
    connection: RedisConnection,
    prefix: String,
    keys: Keys,
    scripts: Scripts,
    ttl: Duration,
    entity_ttl: Duration,
    breaker: Breaker,
    counter: CounterReads,
}

/// A response found in Redis, with what an L1 needs to keep it.
pub(super) struct Found {
    pub(super) data: Arc<str>,
    pub(super) stamp: Stamp,
    pub(super) tags: Vec<Tag>,
}

impl RedisStore {
    /// The cache on the Redis at `url`, under `prefix`; responses live at
    /// most `ttl`, entities at most `entity_ttl`. Only parses the URL:
    /// nothing connects before first use, so a Redis that is down at boot
    /// does not stop the server.
    pub fn new(
        url: &str,
        prefix: &str,
        ttl: Duration,
        entity_ttl: Duration,
    ) -> redis::RedisResult<Self> {
        let target = RedisTarget::parse(url)?;
        let connection = target.connection(CALL_TIMEOUT)?;
        Ok(Self(Arc::new(Inner {
            client: target.pubsub_client().clone(),
            connection,
            prefix: prefix.to_owned(),
            keys: Keys {
                document: format!("{prefix}apq:"),
                entry: format!("{prefix}{{rc}}:{FORMAT}:"),
                entity: format!("{prefix}{{rc}}:e{ENTITY_FORMAT}:"),
                channel: format!("{prefix}{{rc}}:invalidations"),
                tag: format!("{prefix}{{rc}}:tag:"),
                seq: format!("{prefix}{{rc}}:seq"),
            },
            scripts: Scripts {
                get: Script::new(GET),
                put: Script::new(PUT),
                invalidate: Script::new(INVALIDATE),
                get_entities: Script::new(GET_ENTITIES),
                put_entities: Script::new(PUT_ENTITIES),
            },
            ttl,
            entity_ttl,
            breaker: Breaker::default(),
            counter: CounterReads::default(),
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

    /// The counter, read after this call began; concurrent callers share
    /// one read.
    pub(super) async fn stamp(&self) -> Option<Stamp> {
        let read = || async {
            let mut connection = self.0.connection.clone();
            let mut seq = redis::cmd("GET");
            seq.arg(&self.0.keys.seq);
            let value: Option<u64> = self.call("stamp", seq.query_async(&mut connection)).await?;
            Some(value.unwrap_or(0))
        };
        self.0.counter.read(read).await.map(Stamp)
    }

    pub(super) async fn get(&self, key: &str) -> Option<Found> {
        let inner = &self.0;
        let mut connection = inner.connection.clone();
        let mut get = inner.scripts.get.key(format!("{}{key}", inner.keys.entry));
        get.arg(&inner.keys.tag);
        let entry: Option<(String, u64, String)> = self
            .call("get", get.invoke_async(&mut connection))
            .await
            .flatten();
        let (data, stamp, tags) = entry?;
        Some(Found {
            data: data.into(),
            stamp: Stamp(stamp),
            tags: parse_tags(tags.split_whitespace())?,
        })
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

    /// The entity entries under `keys`, in order: each one's encoded value
    /// and stamp when present and valid. `None` when Redis was skipped or
    /// failed.
    pub(super) async fn entities(&self, keys: &[&str]) -> Option<Vec<Option<(Vec<u8>, Stamp)>>> {
        let inner = &self.0;
        let mut connection = inner.connection.clone();
        let mut get = inner.scripts.get_entities.prepare_invoke();
        for key in keys {
            get.key(format!("{}{key}", inner.keys.entity));
        }
        get.arg(&inner.keys.tag);
        let found: Vec<Option<Vec<u8>>> = self
            .call("get_entities", get.invoke_async(&mut connection))
            .await?;
        let entries = found
            .chunks(2)
            .map(|pair| match pair {
                [Some(data), Some(stamp)] => {
                    let stamp = std::str::from_utf8(stamp).ok()?.parse().ok()?;
                    Some((data.clone(), Stamp(stamp)))
                }
                _ => None,
            })
            .collect();
        Some(entries)
    }

    /// Stores entity entries (key, encoded value, space-separated tags)
    /// read after `stamp`, in one round trip; how many were stored.
    pub(super) async fn put_entities(
        &self,
        entries: &[(String, Vec<u8>, String)],
        stamp: Stamp,
    ) -> usize {
        let inner = &self.0;
        let mut connection = inner.connection.clone();
        let mut put = inner.scripts.put_entities.key(&inner.keys.seq);
        put.arg(&inner.keys.tag)
            .arg(stamp.0)
            .arg(inner.entity_ttl.as_secs().max(1));
        for (key, data, tags) in entries {
            put.key(format!("{}{key}", inner.keys.entity))
                .arg(data.as_slice())
                .arg(tags);
        }
        let stored: Option<u64> = self
            .call("put_entities", put.invoke_async(&mut connection))
            .await;
        stored.map_or(0, |count| usize::try_from(count).unwrap_or(usize::MAX))
    }

    /// Feeds every invalidation of the fleet to each of `locals`, in order,
    /// until the task is aborted: an L1 is trusted only while subscribed,
    /// and starts empty after each (re)subscription.
    pub(super) async fn listen(self, locals: Vec<Arc<Local>>) {
        loop {
            match self.subscribe().await {
                Ok(pubsub) => {
                    // Subscribed first, then the counter: every invalidation
                    // after this number arrives as a message.
                    match self.stamp().await {
                        Some(stamp) => {
                            for local in &locals {
                                local.resumed(stamp.0);
                            }
                            tracing::info!("cache: L1 following invalidations");
                            self.follow(pubsub, &locals).await;
                            tracing::warn!("cache: L1 lost the invalidation stream");
                        }
                        None => tracing::debug!("cache: cannot read the counter"),
                    }
                    for local in &locals {
                        local.lost();
                    }
                }
                Err(reason) => {
                    tracing::debug!(%reason, "cache: cannot subscribe to invalidations");
                }
            }
            tokio::time::sleep(RETRY_EVERY).await;
        }
    }

    async fn subscribe(&self) -> Result<redis::aio::PubSub, String> {
        let inner = &self.0;
        pubsub::subscribe(&inner.client, &inner.keys.channel, CALL_TIMEOUT).await
    }

    /// Applies each message to `locals` until the subscription ends or
    /// stops answering PINGs.
    async fn follow(&self, pubsub: redis::aio::PubSub, locals: &[Arc<Local>]) {
        pubsub::follow(
            pubsub,
            HEALTH_CHECK,
            CALL_TIMEOUT,
            |message| match parse_invalidation(message.get_payload_bytes()) {
                Some((seq, tags)) => {
                    for local in locals {
                        local.apply(seq, &tags);
                    }
                    metrics::invalidation_applied();
                }
                None => tracing::warn!("cache: unreadable invalidation message"),
            },
        )
        .await;
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
            let deadline = tokio::time::Instant::now() + store.0.ttl.max(store.0.entity_ttl);
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
        let longest = inner.ttl.max(inner.entity_ttl);
        invalidate
            .arg(&inner.keys.tag)
            .arg(longest.as_secs().saturating_mul(2).max(2))
            .arg(&inner.keys.entity)
            .arg(&inner.keys.channel);
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

/// Reads an invalidation message: its number, then its tags.
fn parse_invalidation(payload: &[u8]) -> Option<(u64, Vec<Tag>)> {
    let text = std::str::from_utf8(payload).ok()?;
    let mut words = text.split_whitespace();
    let seq = words.next()?.parse().ok()?;
    Some((seq, parse_tags(words)?))
}

/// Tags as the scripts store and publish them, one per word.
fn parse_tags<'a>(words: impl Iterator<Item = &'a str>) -> Option<Vec<Tag>> {
    words.map(str::parse).collect::<Result<_, _>>().ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cache::tags::Table;

    #[test]
    fn invalidation_messages_read_back_as_sent() {
        assert_eq!(
            parse_invalidation(b"12 Product:4 Product:list Rating:4"),
            Some((
                12,
                vec![
                    Tag::Row(Table::Product, 4),
                    Tag::List(Table::Product),
                    Tag::Rating(4)
                ]
            ))
        );
        assert_eq!(parse_invalidation(b"x Product:4"), None);
        assert_eq!(parse_invalidation(b"3 Nothing:4"), None);
    }
}
