//! Accepts connections and serves the router on them, with the limits that
//! `axum::serve` lacks: a header-read timeout (slow or half-sent request
//! heads are cut off), an idle keep-alive timeout, and a cap on open
//! connections past which accepting pauses while open ones are served.
//! A stop stops accepting, lets connections finish their requests, closes
//! WebSockets with 1001, and drops whatever is left after the drain time.

use std::{
    convert::Infallible,
    future::Future,
    io,
    net::SocketAddr,
    pin::{Pin, pin},
    sync::{
        Arc,
        atomic::{AtomicU64, AtomicUsize, Ordering},
    },
    task::{Context, Poll, ready},
    time::{Duration, Instant},
};

use axum::{
    Router,
    extract::ConnectInfo,
    http::{Method, header},
    response::Response,
};
use futures_util::FutureExt as _;
use hyper::{body::Incoming, service::Service};
use hyper_util::{
    rt::{TokioExecutor, TokioIo, TokioTimer},
    server::conn::auto::Builder,
};
use tokio::{
    net::{TcpListener, TcpStream},
    sync::{OwnedSemaphorePermit, Semaphore, oneshot, watch},
    task::JoinSet,
};
use tokio_util::task::AbortOnDropHandle;
use tower::{ServiceExt as _, util::Oneshot};

use super::{
    head_timer::{HeadDeadline, HeadTimer},
    ws::Sockets,
};

/// How connections are bounded.
#[derive(Clone, Copy, Debug)]
pub struct ConnectionLimits {
    /// Time to send a complete request head, from when the connection
    /// opens or its previous response ends.
    pub header_read_timeout: Duration,
    /// Time a connection may stay open with no request in flight.
    pub keep_alive_timeout: Duration,
    /// Connections open at once; more wait to be accepted.
    pub max_connections: usize,
    /// Time open connections get to finish after a stop.
    pub drain_timeout: Duration,
}

/// Serves `router` on `listener` until `stop` completes, then drains: HTTP
/// connections finish their requests, and every WebSocket in `sockets` is
/// closed with 1001 and waited for.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    limits: ConnectionLimits,
    sockets: Sockets,
    stop: impl Future<Output = ()>,
) {
    let mut builder = Builder::new(TokioExecutor::new());
    // Each connection gives HTTP/1 its own header-read timer (see
    // `head_timer`).
    builder
        .http1()
        .header_read_timeout(limits.header_read_timeout);
    builder.http2().timer(TokioTimer::new());
    let permits = Arc::new(Semaphore::new(limits.max_connections));
    let (draining, drain_signal) = watch::channel(false);
    let mut connections = JoinSet::new();
    let mut stop = pin!(stop);

    loop {
        let next = async {
            let permit = Arc::clone(&permits).acquire_owned().await;
            (permit, listener.accept().await)
        };
        tokio::select! {
            () = &mut stop => break,
            Some(_) = connections.join_next() => {}
            (permit, accepted) = next => {
                let Ok(permit) = permit else { break };
                match accepted {
                    Ok((stream, peer)) => {
                        let connection = Connection {
                            router: router.clone(),
                            peer,
                            limits,
                            draining: drain_signal.clone(),
                            slot: ConnectionSlot {
                                _permit: Arc::new(permit),
                            },
                        };
                        connections.spawn(connection.serve(builder.clone(), stream));
                    }
                    Err(err) => pause_after(&err).await,
                }
            }
        }
    }

    tracing::info!("shutting down; draining in-flight requests");
    drop(listener);
    let _ = draining.send(true);
    sockets.close_all();
    let drained = tokio::time::timeout(limits.drain_timeout, async {
        while connections.join_next().await.is_some() {}
        sockets.closed().await;
    })
    .await;
    if drained.is_err() {
        tracing::warn!(
            seconds = limits.drain_timeout.as_secs(),
            "drain timed out; closing remaining connections"
        );
        connections.shutdown().await;
    }
}

/// A failed accept that concerns one connection is skipped; any other
/// (out of file descriptors, say) pauses accepting for a second rather
/// than spinning.
async fn pause_after(err: &io::Error) {
    if matches!(
        err.kind(),
        io::ErrorKind::ConnectionAborted
            | io::ErrorKind::ConnectionRefused
            | io::ErrorKind::ConnectionReset
    ) {
        return;
    }
    tracing::error!(error = %err, "accepting a connection failed; pausing for 1 s");
    tokio::time::sleep(Duration::from_secs(1)).await;
}

/// A connection's place under the cap. hyper lets go of a connection once
/// it is upgraded to a WebSocket; the socket then holds this clone, so that
/// it keeps counting against the cap until it closes.
#[derive(Clone)]
pub struct ConnectionSlot {
    _permit: Arc<OwnedSemaphorePermit>,
}

/// One accepted connection and what it needs until it closes.
struct Connection {
    router: Router,
    peer: SocketAddr,
    limits: ConnectionLimits,
    draining: watch::Receiver<bool>,
    /// Held while the connection is open, so that it counts against the cap.
    slot: ConnectionSlot,
}

impl Connection {
    async fn serve(self, mut builder: Builder<TokioExecutor>, stream: TcpStream) {
        // Small responses go out at once instead of waiting on Nagle.
        let _ = stream.set_nodelay(true);
        let activity = Arc::new(Activity::new());
        let head = Arc::new(HeadDeadline::new());
        builder.http1().timer(HeadTimer(Arc::clone(&head)));
        let service = PeerService {
            router: self.router.clone(),
            peer: self.peer,
            slot: self.slot.clone(),
            activity: Arc::clone(&activity),
        };
        let connection = builder.serve_connection_with_upgrades(TokioIo::new(stream), service);
        let mut connection = pin!(connection);
        // The deadlines and the drain signal are watched in a task of
        // their own: polled beside the connection, they would be polled
        // again on every wake of the connection, that is on every request.
        let (close, mut close_asked) = oneshot::channel();
        // Aborted when the connection ends, or when this task is dropped.
        let _watch = AbortOnDropHandle::new(tokio::spawn(watch_connection(
            activity,
            head,
            self.limits,
            self.draining,
            close,
        )));
        let served = tokio::select! {
            served = connection.as_mut() => served,
            Ok(()) = &mut close_asked => {
                connection.as_mut().graceful_shutdown();
                connection.await
            }
        };
        if let Err(err) = served {
            tracing::debug!(peer = %self.peer, error = %err, "connection ended with an error");
        }
    }
}

/// Watches one connection until it ends (and aborts this task): asks it to close,
/// once, when no request has been in flight for the keep-alive timeout or
/// the server drains, and wakes hyper whenever a request head is overdue
/// (hyper then closes the connection), before and after asking. A closing
/// connection may still be reading a head: hyper lets a connection that
/// has its first head half read finish it.
///
/// It sleeps at most the header-read timeout at a time: a head deadline
/// armed while it sleeps lies at least that far from when it fell asleep,
/// so it never wakes hyper late.
async fn watch_connection(
    activity: Arc<Activity>,
    head: Arc<HeadDeadline>,
    limits: ConnectionLimits,
    mut draining: watch::Receiver<bool>,
    close: oneshot::Sender<()>,
) {
    let mut close = Some(close);
    loop {
        let now = Instant::now();
        head.wake_if_due(now);
        let idle_until = activity.idle_since().unwrap_or(now) + limits.keep_alive_timeout;
        if idle_until <= now {
            ask_to_close(&mut close);
        }
        let mut wake_at = now + limits.header_read_timeout;
        if close.is_some() {
            wake_at = wake_at.min(idle_until);
        }
        if let Some(deadline) = head.armed() {
            wake_at = wake_at.min(deadline);
        }
        tokio::select! {
            () = tokio::time::sleep_until(wake_at.into()) => {}
            _ = draining.wait_for(|draining| *draining), if close.is_some() => {
                ask_to_close(&mut close);
            }
        }
    }
}

/// Asks the connection to close, unless it has been asked already.
fn ask_to_close(close: &mut Option<oneshot::Sender<()>>) {
    if let Some(close) = close.take() {
        let _ = close.send(());
    }
}

/// A connection's requests in flight and when the last one ended. Requests
/// only count and stamp; nothing wakes the connection's task for them, so
/// the keep-alive watch costs a request two atomic updates and a clock
/// read, and the watch itself wakes once per keep-alive timeout at most.
struct Activity {
    opened: Instant,
    in_flight: AtomicUsize,
    /// Nanoseconds from `opened` to the end of the last request.
    last_end: AtomicU64,
}

impl Activity {
    fn new() -> Self {
        Self {
            opened: Instant::now(),
            in_flight: AtomicUsize::new(0),
            last_end: AtomicU64::new(0),
        }
    }

    /// Counts a request in flight while the returned guard lives.
    fn start(self: &Arc<Self>) -> InFlight {
        self.in_flight.fetch_add(1, Ordering::AcqRel);
        InFlight(Some(Arc::clone(self)))
    }

    /// Since when the connection has had no request in flight; `None`
    /// while one is.
    fn idle_since(&self) -> Option<Instant> {
        if self.in_flight.load(Ordering::Acquire) > 0 {
            return None;
        }
        let nanos = self.last_end.load(Ordering::Acquire);
        Some(self.opened + Duration::from_nanos(nanos))
    }
}

/// Counts a request in flight until it ends or is dropped.
struct InFlight(Option<Arc<Activity>>);

impl InFlight {
    /// Stamps the end of the request and stops counting it.
    fn end(&mut self) {
        let Some(activity) = self.0.take() else {
            return;
        };
        let nanos = u64::try_from(activity.opened.elapsed().as_nanos()).unwrap_or(u64::MAX);
        activity.last_end.fetch_max(nanos, Ordering::AcqRel);
        activity.in_flight.fetch_sub(1, Ordering::AcqRel);
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.end();
    }
}

/// The router as one connection's service: each request carries the
/// peer address (`ConnectInfo`), a handshake also the connection's slot,
/// and each counts as in flight until answered.
#[derive(Clone)]
struct PeerService {
    router: Router,
    peer: SocketAddr,
    slot: ConnectionSlot,
    activity: Arc<Activity>,
}

impl Service<hyper::Request<Incoming>> for PeerService {
    type Response = Response;
    type Error = Infallible;
    type Future = Answering;

    fn call(&self, mut request: hyper::Request<Incoming>) -> Self::Future {
        request.extensions_mut().insert(ConnectInfo(self.peer));
        // Only a request that may take the connection over (a WebSocket
        // handshake) needs its slot; inserting it into every request cost
        // an allocation each.
        if request.headers().contains_key(header::UPGRADE) || request.method() == Method::CONNECT {
            request.extensions_mut().insert(self.slot.clone());
        }
        Answering {
            in_flight: self.activity.start(),
            response: self.router.clone().oneshot(request),
        }
    }
}

/// A request being answered, counted in flight until it is: a named future
/// rather than a boxed `async` block, which would cost every request an
/// allocation and a copy of the router's future.
struct Answering {
    in_flight: InFlight,
    response: Oneshot<Router, hyper::Request<Incoming>>,
}

impl Future for Answering {
    type Output = Result<Response, Infallible>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let answered = ready!(self.response.poll_unpin(cx));
        self.in_flight.end();
        Poll::Ready(answered)
    }
}
