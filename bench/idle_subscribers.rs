//! Idle `orderEvents` subscribers under a steady stream of orders, for
//! `bench/idle_subscribers.sh`: opens N graphql-transport-ws sockets (one
//! subscription each, the access token in `connection_init`), places orders
//! over HTTP at a fixed rate, checks every delivered event and reports the
//! delivery latency, the deliveries per second and the server's memory and
//! CPU (read from `/proc/PID`).
//!
//! Two scenarios: `admin` (every socket an admin who sees every order: N
//! deliveries per order) and `customer` (socket i is customer i, orders are
//! placed by the subscribed customers in turn: one delivery per order).
//! Tokens are signed with the `JWT_SECRET` the server was started with.
//!
//!     JWT_SECRET=... cargo run --release --example idle_subscribers -- \
//!       --url http://127.0.0.1:8000 --server-pid 1234 --scenario admin \
//!       --subscribers 1000 --admin-id 1 --customers ids.txt --products gids.txt

use std::{
    collections::{HashMap, HashSet},
    path::PathBuf,
    sync::{
        Arc,
        atomic::{AtomicUsize, Ordering},
    },
    time::{Duration, Instant},
};

use anyhow::{Context, bail, ensure};
use base64::Engine as _;
use chrono::{DateTime, Utc};
use clap::{Parser, ValueEnum};
use futures_util::{SinkExt, StreamExt};
use serde::Deserialize;
use serde_json::json;
use storefront::{
    auth::{KeyRing, Role},
    cli::Cli,
    startup,
};
use tokio::{
    sync::{Semaphore, watch},
    task::JoinSet,
};
use tokio_tungstenite::tungstenite::{Message, client::IntoClientRequest, http::HeaderValue};

/// What every subscriber selects: the event and the order's own columns.
const SUBSCRIPTION: &str = "subscription Idle { orderEvents { cursor type occurredAt \
                            order { id number status total { amount } } } }";

const PLACE_ORDER: &str =
    "mutation Place($input: PlaceOrderInput!) { placeOrder(input: $input) { id } }";

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum Scenario {
    /// Every subscriber is one admin, who sees every order.
    Admin,
    /// Subscriber i is customer i and sees only their own orders.
    Customer,
}

#[derive(Parser, Debug)]
struct Args {
    /// The server, e.g. http://127.0.0.1:8000.
    #[arg(long)]
    url: String,
    /// The server's process id, for VmRSS and CPU time.
    #[arg(long)]
    server_pid: u32,
    #[arg(long, value_enum)]
    scenario: Scenario,
    #[arg(long)]
    subscribers: usize,
    /// The admin's user id (scenario `admin`).
    #[arg(long)]
    admin_id: i64,
    /// A file of customer user ids, one a line: subscribers (scenario
    /// `customer`) and the placers of orders.
    #[arg(long)]
    customers: PathBuf,
    /// A file of global product ids with plenty of stock, one a line.
    #[arg(long)]
    products: PathBuf,
    /// Orders placed per second.
    #[arg(long, default_value_t = 10)]
    rate: u32,
    /// Seconds of steady orders.
    #[arg(long, default_value_t = 30)]
    seconds: u64,
    /// Sockets being opened at once.
    #[arg(long, default_value_t = 100)]
    connect_concurrency: usize,
    /// How long to wait for the last deliveries after the last order.
    #[arg(long, default_value_t = 10)]
    drain_seconds: u64,
    /// Open and acknowledge the sockets without subscribing, report the
    /// memory and stop: what a socket costs apart from its subscription.
    #[arg(long)]
    sockets_only: bool,
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let settings = Cli::try_parse_from(["idle_subscribers"])?.serve;
    ensure!(
        settings.auth.jwt_secret.is_some() || settings.auth.private_key_file.is_some(),
        "set JWT_SECRET (or the key files) to the server's"
    );
    let keys = startup::key_ring(&settings)?;
    rlimit::increase_nofile_limit(u64::MAX).context("raising the open file limit")?;
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?
        .block_on(run(args, keys))
}

/// One delivered event: the order's row id and when it arrived.
struct Delivery {
    order: i64,
    at: Instant,
    /// Receive time minus the event's `occurredAt`, in microseconds.
    since_occurred_us: i64,
}

/// What one subscriber saw.
#[derive(Default)]
struct Seen {
    deliveries: Vec<Delivery>,
    /// Messages that were not the expected `next` (first few kept).
    bad: Vec<String>,
    bad_count: usize,
    /// Why the socket ended before it was told to stop.
    ended: Option<String>,
}

/// A placed order: its row id, who placed it and when it was sent.
struct Placed {
    order: i64,
    customer_index: usize,
    sent: Instant,
}

async fn run(args: Args, keys: KeyRing) -> anyhow::Result<()> {
    let customers = read_lines(&args.customers)?
        .iter()
        .map(|line| line.parse::<i64>().context("customer id"))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let products = read_lines(&args.products)?;
    ensure!(!products.is_empty(), "no products");
    if args.scenario == Scenario::Customer {
        ensure!(
            customers.len() >= args.subscribers,
            "need {} customers, got {}",
            args.subscribers,
            customers.len()
        );
    }
    let customer_tokens = customers
        .iter()
        .map(|id| sign(&keys, *id, Role::Customer))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let admin_token = sign(&keys, args.admin_id, Role::Admin)?;
    let ws_url = format!("{}/graphql", args.url.replacen("http", "ws", 1));
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(64)
        .build()?;
    let proc = ProcStats::new(args.server_pid);

    let warm_up_orders = warm_up(&args, &http, &customer_tokens, &products).await?;
    // Let the dispatcher publish the warm-up events before anyone listens.
    tokio::time::sleep(Duration::from_secs(1)).await;
    let rss_before = proc.rss_kb()?;
    let cpu_before_idle = proc.cpu_secs()?;

    // 1. Open the sockets.
    let opened = Instant::now();
    let (stop_tx, stop_rx) = watch::channel(false);
    let gate = Arc::new(Semaphore::new(args.connect_concurrency));
    let received = Arc::new(AtomicUsize::new(0));
    let skip = Arc::new(warm_up_orders.clone());
    let mut subscribers = JoinSet::new();
    let (ready_tx, mut ready_rx) = tokio::sync::mpsc::unbounded_channel::<Result<(), String>>();
    let subscriber_tokens: Vec<String> = match args.scenario {
        Scenario::Admin => std::iter::repeat_n(admin_token.clone(), args.subscribers).collect(),
        Scenario::Customer => customer_tokens[..args.subscribers].to_vec(),
    };
    for (index, token) in subscriber_tokens.into_iter().enumerate() {
        let url = ws_url.clone();
        let gate = gate.clone();
        let stop = stop_rx.clone();
        let ready = ready_tx.clone();
        let counter = Counter {
            received: received.clone(),
            skip: skip.clone(),
        };
        let subscribe = !args.sockets_only;
        subscribers.spawn(async move {
            let seen = subscriber(url, token, subscribe, gate, ready, stop, counter).await;
            (index, seen)
        });
    }
    drop(ready_tx);
    let mut open_failures = Vec::new();
    for _ in 0..args.subscribers {
        match ready_rx.recv().await {
            Some(Ok(())) => {}
            Some(Err(err)) => open_failures.push(err),
            None => break,
        }
    }
    let open_secs = opened.elapsed().as_secs_f64();
    if !open_failures.is_empty() {
        bail!(
            "{} of {} subscribers failed to open; first: {}",
            open_failures.len(),
            args.subscribers,
            open_failures[0]
        );
    }
    if args.sockets_only {
        tokio::time::sleep(Duration::from_secs(3)).await;
        let rss = proc.rss_kb()?;
        println!(
            "server RSS: {:.1} MB before, {:.1} MB with {} acknowledged sockets without subscriptions ({:.1} KB each)",
            mb(rss_before),
            mb(rss),
            args.subscribers,
            (rss as f64 - rss_before as f64) / args.subscribers as f64
        );
        stop_tx.send(true)?;
        while subscribers.join_next().await.is_some() {}
        return Ok(());
    }
    let active = wait_for_active(&http, &args.url, args.subscribers).await?;
    println!(
        "opened {} subscribers in {open_secs:.1} s; server reports {active} active orderEvents",
        args.subscribers
    );

    // 2. Idle: memory and CPU with N subscribers and no events.
    let idle_from = Instant::now();
    let cpu_idle_from = proc.cpu_secs()?;
    tokio::time::sleep(Duration::from_secs(5)).await;
    let idle_cpu = (proc.cpu_secs()? - cpu_idle_from) / idle_from.elapsed().as_secs_f64();
    let rss_idle = proc.rss_kb()?;
    let open_cpu = cpu_idle_from - cpu_before_idle;

    // 3. Steady orders.
    let (placed, rss_peak, load_cpu, load_secs, place_errors) =
        place_orders(&args, &http, &customer_tokens, &products, &proc).await?;

    // 4. Drain, then stop every subscriber and collect what it saw.
    let expected: HashMap<usize, HashSet<i64>> = expected_per_subscriber(&args, &placed);
    let expected_total: usize = expected.values().map(HashSet::len).sum();
    let drain_until = Instant::now() + Duration::from_secs(args.drain_seconds);
    while Instant::now() < drain_until && received.load(Ordering::Relaxed) < expected_total {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    stop_tx.send(true)?;
    let mut seen_by = HashMap::new();
    while let Some(joined) = subscribers.join_next().await {
        let (index, seen) = joined?;
        seen_by.insert(index, seen);
    }

    // 5. Check and summarise.
    let sent_at: HashMap<i64, Instant> = placed.iter().map(|p| (p.order, p.sent)).collect();
    let mut latencies_ms = Vec::new();
    let mut occurred_ms = Vec::new();
    let (mut missing, mut unexpected, mut duplicates, mut bad, mut ended) = (0, 0, 0, 0, 0);
    let mut examples = Vec::new();
    for index in 0..args.subscribers {
        let seen = seen_by.remove(&index).unwrap_or_default();
        let wanted = expected.get(&index).cloned().unwrap_or_default();
        let mut got = HashSet::new();
        for delivery in &seen.deliveries {
            if warm_up_orders.contains(&delivery.order) {
                continue;
            }
            if !wanted.contains(&delivery.order) {
                unexpected += 1;
                continue;
            }
            if !got.insert(delivery.order) {
                duplicates += 1;
                continue;
            }
            if let Some(sent) = sent_at.get(&delivery.order) {
                latencies_ms.push(delivery.at.duration_since(*sent).as_secs_f64() * 1e3);
            }
            occurred_ms.push(delivery.since_occurred_us as f64 / 1e3);
        }
        missing += wanted.difference(&got).count();
        bad += seen.bad_count;
        examples.extend(seen.bad.into_iter().take(3 - examples.len().min(3)));
        if let Some(why) = seen.ended {
            ended += 1;
            if examples.len() < 3 {
                examples.push(why);
            }
        }
    }
    latencies_ms.sort_by(f64::total_cmp);
    occurred_ms.sort_by(f64::total_cmp);
    let delivered = latencies_ms.len();
    let per_sub_kb = (rss_idle as f64 - rss_before as f64) / args.subscribers as f64;
    let scenario = match args.scenario {
        Scenario::Admin => "admin",
        Scenario::Customer => "customer",
    };
    println!(
        "orders placed: {} in {load_secs:.1} s ({:.1}/s), {place_errors} failed",
        placed.len(),
        placed.len() as f64 / load_secs
    );
    println!(
        "deliveries: {delivered} of {expected_total} expected; missing {missing}, \
         unexpected {unexpected}, duplicates {duplicates}, bad messages {bad}, sockets ended early {ended}"
    );
    for example in &examples {
        println!("  e.g. {example}");
    }
    println!(
        "latency from placeOrder sent: p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
        quantile(&latencies_ms, 0.50),
        quantile(&latencies_ms, 0.99),
        latencies_ms.last().copied().unwrap_or(f64::NAN)
    );
    println!(
        "latency from occurredAt:      p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
        quantile(&occurred_ms, 0.50),
        quantile(&occurred_ms, 0.99),
        occurred_ms.last().copied().unwrap_or(f64::NAN)
    );
    println!(
        "server RSS: {:.1} MB before, {:.1} MB with {} idle subscribers ({per_sub_kb:.1} KB each), \
         {:.1} MB peak under load",
        mb(rss_before),
        mb(rss_idle),
        args.subscribers,
        mb(rss_peak)
    );
    println!(
        "server CPU: {:.1} s to open the sockets, {:.0}% idle, {:.0}% under load (100% = one core)",
        open_cpu,
        idle_cpu * 100.0,
        load_cpu * 100.0
    );
    println!(
        "RESULT scenario={scenario} subscribers={} orders={} place_errors={place_errors} \
         expected={expected_total} delivered={delivered} missing={missing} unexpected={unexpected} \
         duplicates={duplicates} bad={bad} ended={ended} p50_ms={:.1} p99_ms={:.1} max_ms={:.1} \
         occurred_p50_ms={:.1} occurred_p99_ms={:.1} deliveries_per_s={:.0} rss_before_mb={:.1} \
         rss_idle_mb={:.1} rss_peak_mb={:.1} kb_per_subscriber={per_sub_kb:.1} open_s={open_secs:.1} \
         cpu_idle_pct={:.0} cpu_load_pct={:.0}",
        args.subscribers,
        placed.len(),
        quantile(&latencies_ms, 0.50),
        quantile(&latencies_ms, 0.99),
        latencies_ms.last().copied().unwrap_or(f64::NAN),
        quantile(&occurred_ms, 0.50),
        quantile(&occurred_ms, 0.99),
        delivered as f64 / load_secs,
        mb(rss_before),
        mb(rss_idle),
        mb(rss_peak),
        idle_cpu * 100.0,
        load_cpu * 100.0,
    );
    ensure!(
        place_errors == 0
            && missing == 0
            && unexpected == 0
            && duplicates == 0
            && bad == 0
            && ended == 0,
        "the run is not valid: see the counts above"
    );
    Ok(())
}

/// One subscriber: connect, init with the token, subscribe, report ready,
/// then record every event until told to stop.
async fn subscriber(
    url: String,
    token: String,
    subscribe: bool,
    gate: Arc<Semaphore>,
    ready: tokio::sync::mpsc::UnboundedSender<Result<(), String>>,
    mut stop: watch::Receiver<bool>,
    counter: Counter,
) -> Seen {
    let mut seen = Seen::default();
    let permit = gate.acquire_owned().await;
    let socket = match open(&url, &token, subscribe).await {
        Ok(socket) => socket,
        Err(err) => {
            let _ = ready.send(Err(format!("{err:#}")));
            seen.ended = Some(format!("open failed: {err:#}"));
            return seen;
        }
    };
    drop(permit);
    let _ = ready.send(Ok(()));
    let (mut sink, mut stream) = socket.split();
    loop {
        let message = tokio::select! {
            _ = stop.wait_for(|stop| *stop) => break,
            message = stream.next() => message,
        };
        let text = match message {
            Some(Ok(Message::Text(text))) => text,
            Some(Ok(Message::Ping(_) | Message::Pong(_) | Message::Frame(_))) => continue,
            Some(Ok(Message::Close(frame))) => {
                seen.ended = Some(format!("closed by the server: {frame:?}"));
                break;
            }
            Some(Ok(Message::Binary(_))) => {
                note_bad(&mut seen, "a binary frame".to_owned());
                continue;
            }
            Some(Err(err)) => {
                seen.ended = Some(format!("socket error: {err}"));
                break;
            }
            None => {
                seen.ended = Some("socket ended".to_owned());
                break;
            }
        };
        let at = Instant::now();
        let wall = Utc::now();
        match serde_json::from_str::<Frame>(&text) {
            Ok(frame) if frame.kind == "ping" => {
                let pong = json!({ "type": "pong" }).to_string();
                if sink.send(Message::Text(pong.into())).await.is_err() {
                    seen.ended = Some("could not answer a ping".to_owned());
                    break;
                }
            }
            Ok(Frame {
                kind,
                payload: Some(payload),
            }) if kind == "next" => match delivery(payload, at, wall) {
                Some(delivery) => {
                    if !counter.skip.contains(&delivery.order) {
                        counter.received.fetch_add(1, Ordering::Relaxed);
                    }
                    seen.deliveries.push(delivery);
                }
                None => note_bad(&mut seen, text.to_string()),
            },
            _ => note_bad(&mut seen, text.to_string()),
        }
    }
    let _ = sink.send(Message::Close(None)).await;
    seen
}

/// Deliveries received so far by every subscriber, warm-up orders left
/// out: the run stops waiting once all expected deliveries arrived.
struct Counter {
    received: Arc<AtomicUsize>,
    skip: Arc<HashSet<i64>>,
}

fn note_bad(seen: &mut Seen, message: String) {
    seen.bad_count += 1;
    if seen.bad.len() < 3 {
        seen.bad.push(message);
    }
}

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// Connects, sends `connection_init` with the token, waits for the ack and
/// subscribes (unless told not to).
async fn open(url: &str, token: &str, subscribe: bool) -> anyhow::Result<Socket> {
    let mut request = url.into_client_request()?;
    request.headers_mut().insert(
        "Sec-WebSocket-Protocol",
        HeaderValue::from_static("graphql-transport-ws"),
    );
    let (mut socket, _) = tokio::time::timeout(
        Duration::from_secs(30),
        tokio_tungstenite::connect_async(request),
    )
    .await
    .context("connect timed out")??;
    let init = json!({
        "type": "connection_init",
        "payload": { "authorization": format!("Bearer {token}") }
    });
    socket.send(Message::Text(init.to_string().into())).await?;
    loop {
        let message = tokio::time::timeout(Duration::from_secs(30), socket.next())
            .await
            .context("no connection_ack")?
            .context("socket ended before connection_ack")??;
        if let Message::Text(text) = message {
            let frame: Frame = serde_json::from_str(&text)?;
            match frame.kind.as_str() {
                "connection_ack" => break,
                "ping" => {
                    let pong = json!({ "type": "pong" }).to_string();
                    socket.send(Message::Text(pong.into())).await?;
                }
                other => bail!("expected connection_ack, got {other}: {text}"),
            }
        } else if let Message::Close(frame) = message {
            bail!("closed before connection_ack: {frame:?}");
        }
    }
    if subscribe {
        let message =
            json!({ "id": "1", "type": "subscribe", "payload": { "query": SUBSCRIPTION } });
        socket
            .send(Message::Text(message.to_string().into()))
            .await?;
    }
    Ok(socket)
}

#[derive(Deserialize)]
struct Frame {
    #[serde(rename = "type")]
    kind: String,
    payload: Option<Payload>,
}

#[derive(Deserialize)]
struct Payload {
    data: Option<EventData>,
    errors: Option<serde_json::Value>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct EventData {
    order_events: Option<EventBody>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct EventBody {
    cursor: String,
    #[serde(rename = "type")]
    kind: String,
    occurred_at: DateTime<Utc>,
    order: Option<OrderBody>,
}

#[derive(Deserialize)]
struct OrderBody {
    id: String,
    number: String,
    status: String,
    total: Option<serde_json::Value>,
}

/// The delivery in a `next` payload, if it is a complete PLACED event
/// without errors.
fn delivery(payload: Payload, at: Instant, wall: DateTime<Utc>) -> Option<Delivery> {
    if payload.errors.is_some() {
        return None;
    }
    let event = payload.data?.order_events?;
    let order = event.order?;
    let complete = event.kind == "PLACED"
        && !event.cursor.is_empty()
        && !order.number.is_empty()
        && order.status == "PENDING"
        && order.total.is_some_and(|total| total["amount"].is_string());
    if !complete {
        return None;
    }
    Some(Delivery {
        order: row_id(&order.id)?,
        at,
        since_occurred_us: (wall - event.occurred_at).num_microseconds()?,
    })
}

/// The row id in a global id (`base64url("Order:42")`).
fn row_id(global: &str) -> Option<i64> {
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(global.trim_end_matches('='))
        .ok()?;
    let text = String::from_utf8(bytes).ok()?;
    text.strip_prefix("Order:")?.parse().ok()
}

/// Places orders at `args.rate` per second for `args.seconds`, each by the
/// next customer in turn (scenario `customer`: the next subscriber). Returns
/// the placed orders, the server's peak RSS (KB) and CPU share during the
/// load, the load's length and the failed placements.
async fn place_orders(
    args: &Args,
    http: &reqwest::Client,
    tokens: &[String],
    products: &[String],
    proc: &ProcStats,
) -> anyhow::Result<(Vec<Placed>, u64, f64, f64, usize)> {
    let placers = match args.scenario {
        Scenario::Admin => tokens.len(),
        Scenario::Customer => args.subscribers,
    };
    let count = args.rate as u64 * args.seconds;
    let period = Duration::from_secs_f64(1.0 / f64::from(args.rate));
    let mut ticks = tokio::time::interval(period);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
    let mut requests = JoinSet::new();
    let cpu_from = proc.cpu_secs()?;
    let started = Instant::now();
    let mut rss_peak = proc.rss_kb()?;
    let mut last_sample = Instant::now();
    for n in 0..count as usize {
        ticks.tick().await;
        let customer_index = n % placers;
        let token = tokens[customer_index].clone();
        let product = products[n % products.len()].clone();
        let http = http.clone();
        let url = format!("{}/graphql", args.url);
        requests.spawn(async move {
            let sent = Instant::now();
            let body = json!({
                "query": PLACE_ORDER,
                "variables": { "input": { "items": [{ "productId": product, "quantity": 1 }] } }
            });
            let reply: anyhow::Result<serde_json::Value> = async {
                Ok(http
                    .post(url)
                    .bearer_auth(token)
                    .json(&body)
                    .send()
                    .await?
                    .json()
                    .await?)
            }
            .await;
            let order = reply
                .ok()
                .and_then(|reply| reply["data"]["placeOrder"]["id"].as_str().and_then(row_id));
            order.map(|order| Placed {
                order,
                customer_index,
                sent,
            })
        });
        if last_sample.elapsed() >= Duration::from_millis(500) {
            rss_peak = rss_peak.max(proc.rss_kb()?);
            last_sample = Instant::now();
        }
    }
    let mut placed = Vec::new();
    let mut errors = 0;
    while let Some(joined) = requests.join_next().await {
        match joined? {
            Some(order) => placed.push(order),
            None => errors += 1,
        }
    }
    let load_secs = started.elapsed().as_secs_f64();
    let cpu = (proc.cpu_secs()? - cpu_from) / load_secs;
    rss_peak = rss_peak.max(proc.rss_kb()?);
    Ok((placed, rss_peak, cpu, load_secs, errors))
}

/// A few orders before any subscriber exists, so that the pool, the
/// allocator's arenas and the statement caches are warm when the memory
/// before subscribers is read. Returns their ids: a subscriber may still
/// receive the last of them, published just after it began listening.
async fn warm_up(
    args: &Args,
    http: &reqwest::Client,
    tokens: &[String],
    products: &[String],
) -> anyhow::Result<HashSet<i64>> {
    let mut orders = HashSet::new();
    for n in 0..20 {
        let body = json!({
            "query": PLACE_ORDER,
            "variables": { "input": { "items": [{ "productId": products[n % products.len()], "quantity": 1 }] } }
        });
        let reply: serde_json::Value = http
            .post(format!("{}/graphql", args.url))
            .bearer_auth(&tokens[n % tokens.len()])
            .json(&body)
            .send()
            .await?
            .json()
            .await?;
        let order = reply["data"]["placeOrder"]["id"].as_str().and_then(row_id);
        orders.insert(order.with_context(|| format!("a warm-up placeOrder failed: {reply}"))?);
    }
    Ok(orders)
}

/// The orders each subscriber must receive.
fn expected_per_subscriber(args: &Args, placed: &[Placed]) -> HashMap<usize, HashSet<i64>> {
    match args.scenario {
        Scenario::Admin => {
            let all: HashSet<i64> = placed.iter().map(|p| p.order).collect();
            (0..args.subscribers).map(|i| (i, all.clone())).collect()
        }
        Scenario::Customer => {
            let mut expected: HashMap<usize, HashSet<i64>> = HashMap::new();
            for p in placed {
                expected
                    .entry(p.customer_index)
                    .or_default()
                    .insert(p.order);
            }
            expected
        }
    }
}

/// Waits until the server's gauge shows `n` active `orderEvents`
/// subscriptions (they start a moment after the subscribe message).
async fn wait_for_active(http: &reqwest::Client, url: &str, n: usize) -> anyhow::Result<f64> {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let active = metric(
            http,
            url,
            "graphql_ws_subscriptions_active{field=\"orderEvents\"}",
        )
        .await?;
        if active as usize >= n || Instant::now() > deadline {
            return Ok(active);
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

/// A sample of `/metrics` by its exact series name (0 when absent).
async fn metric(http: &reqwest::Client, url: &str, series: &str) -> anyhow::Result<f64> {
    let text = http
        .get(format!("{url}/metrics"))
        .send()
        .await?
        .text()
        .await?;
    Ok(text
        .lines()
        .filter_map(|line| line.strip_prefix(series))
        .filter_map(|rest| rest.trim().parse().ok())
        .next()
        .unwrap_or(0.0))
}

/// VmRSS and CPU time of a process, from `/proc`.
struct ProcStats {
    pid: u32,
    ticks_per_sec: f64,
}

impl ProcStats {
    fn new(pid: u32) -> Self {
        // The times in /proc/PID/stat count USER_HZ ticks, 100 a second on Linux.
        Self {
            pid,
            ticks_per_sec: 100.0,
        }
    }

    fn rss_kb(&self) -> anyhow::Result<u64> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.pid))?;
        status
            .lines()
            .find_map(|line| line.strip_prefix("VmRSS:"))
            .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
            .context("no VmRSS in /proc/PID/status")
    }

    /// User plus system CPU seconds so far.
    fn cpu_secs(&self) -> anyhow::Result<f64> {
        let stat = std::fs::read_to_string(format!("/proc/{}/stat", self.pid))?;
        // Fields after the command name (which may hold spaces) start at ')'.
        let rest = stat.rsplit_once(')').context("odd /proc/PID/stat")?.1;
        let fields: Vec<&str> = rest.split_whitespace().collect();
        let utime: f64 = fields.get(11).context("utime")?.parse()?;
        let stime: f64 = fields.get(12).context("stime")?.parse()?;
        Ok((utime + stime) / self.ticks_per_sec)
    }
}

fn sign(keys: &KeyRing, id: i64, role: Role) -> anyhow::Result<String> {
    keys.issue(id, role)
        .map(|token| token.token)
        .map_err(|_| anyhow::anyhow!("could not sign a token for user {id}"))
}

fn read_lines(path: &PathBuf) -> anyhow::Result<Vec<String>> {
    Ok(std::fs::read_to_string(path)
        .with_context(|| format!("reading {}", path.display()))?
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty())
        .map(str::to_owned)
        .collect())
}

fn quantile(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let index = ((sorted.len() - 1) as f64 * q).round() as usize;
    sorted[index]
}

fn mb(kb: u64) -> f64 {
    kb as f64 / 1024.0
}
