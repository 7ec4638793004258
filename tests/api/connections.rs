//! Connections as raw clients see them: an oversized body closes its
//! connection with a JSON 413 that says so, slow request heads are cut off
//! at the header-read timeout, idle connections at the keep-alive timeout
//! (never one with a request in flight), and past the connection cap new
//! clients wait while connected ones keep being served.

use std::time::Duration;

use serde_json::Value;
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpStream,
    task::JoinHandle,
};

use crate::helpers::{TestApp, spawn_app, spawn_app_with};

/// An HTTP/1.1 response as read off the socket.
struct RawResponse {
    status: u16,
    body: Vec<u8>,
}

/// Reads one response with a `Content-Length` body from `stream`.
async fn read_response(stream: &mut TcpStream) -> std::io::Result<RawResponse> {
    let mut buffer = Vec::new();
    let head_end = loop {
        if let Some(end) = buffer.windows(4).position(|window| window == b"\r\n\r\n") {
            break end;
        }
        let mut chunk = [0u8; 4096];
        let read = stream.read(&mut chunk).await?;
        if read == 0 {
            return Err(std::io::Error::new(
                std::io::ErrorKind::UnexpectedEof,
                format!(
                    "the connection closed before a response head; got {:?}",
                    String::from_utf8_lossy(&buffer)
                ),
            ));
        }
        buffer.extend_from_slice(&chunk[..read]);
    };
    let head = String::from_utf8_lossy(&buffer[..head_end]).into_owned();
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .and_then(|line| line.split(' ').nth(1))
        .and_then(|code| code.parse().ok())
        .unwrap_or_else(|| panic!("not an HTTP response: {head}"));
    let headers: Vec<(String, String)> = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(name, value)| (name.trim().to_owned(), value.trim().to_owned()))
        .collect();
    let length: usize = headers
        .iter()
        .find(|(name, _)| name.eq_ignore_ascii_case("content-length"))
        .and_then(|(_, value)| value.parse().ok())
        .unwrap_or_else(|| panic!("no Content-Length in {head}"));
    let mut body = buffer[head_end + 4..].to_vec();
    while body.len() < length {
        let mut chunk = vec![0u8; length - body.len()];
        let read = stream.read(&mut chunk).await?;
        if read == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        body.extend_from_slice(&chunk[..read]);
    }
    Ok(RawResponse { status, body })
}

/// `GET /healthz` on an open keep-alive connection.
async fn healthz(stream: &mut TcpStream) -> std::io::Result<RawResponse> {
    stream
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: storefront\r\n\r\n")
        .await?;
    read_response(stream).await
}

/// Waits for the server to close `stream`: end of stream or a reset, and
/// nothing sent before it. The bound only keeps a broken server from
/// hanging the test.
async fn closed_by_server(mut stream: TcpStream) -> bool {
    let mut byte = [0u8; 1];
    match tokio::time::timeout(Duration::from_secs(60), stream.read(&mut byte)).await {
        Ok(Ok(0)) => true,
        Ok(Err(err)) => err.kind() == std::io::ErrorKind::ConnectionReset,
        Ok(Ok(_)) | Err(_) => false,
    }
}

/// A keep-alive client posts a body far over `STOREFRONT_MAX_BODY_BYTES`
/// without waiting for `100 Continue`, as most clients do.
#[tokio::test]
async fn an_oversized_body_gets_a_json_413_that_closes_the_connection() {
    let app = spawn_app().await;
    let length = 5 << 20;
    let mut stream = TcpStream::connect(app.address).await.expect("connect");
    let head = format!(
        "POST /graphql HTTP/1.1\r\nHost: storefront\r\nContent-Type: application/json\r\n\
         Accept: application/graphql-response+json\r\nContent-Length: {length}\r\n\r\n"
    );
    stream.write_all(head.as_bytes()).await.expect("send head");
    let (mut reader, mut writer) = stream.into_split();
    // The server may answer before the body is sent, and stop reading it.
    let sender: JoinHandle<()> = tokio::spawn(async move {
        let chunk = vec![b' '; 64 << 10];
        for _ in 0..(length / chunk.len()) {
            if writer.write_all(&chunk).await.is_err() {
                return;
            }
        }
    });
    let mut raw = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(60), reader.read_to_end(&mut raw)).await;
    sender.abort();

    let text = String::from_utf8_lossy(&raw);
    assert!(
        matches!(read, Ok(Ok(_))),
        "the server did not close the connection cleanly after: {text:?} ({read:?})"
    );
    let (head, body) = text.split_once("\r\n\r\n").expect("an HTTP response");
    assert!(head.starts_with("HTTP/1.1 413"), "{head}");
    let head = head.to_ascii_lowercase();
    assert!(head.contains("\r\nconnection: close"), "{head}");
    assert!(
        head.contains("\r\ncontent-type: application/graphql-response+json"),
        "{head}"
    );
    let body: Value = serde_json::from_str(body).expect("a JSON body");
    assert_eq!(body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT");
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .is_some_and(|message| message.contains(&(1 << 20).to_string())),
        "{body}"
    );

    // Told to, the keep-alive client opens a new connection for its next request.
    let mut next = TcpStream::connect(app.address).await.expect("reconnect");
    let answer = healthz(&mut next).await.expect("next request");
    assert_eq!(answer.status, 200);
    assert_eq!(answer.body, b"ok");
}

#[tokio::test]
async fn a_keep_alive_client_is_answered_after_its_oversized_body() {
    let app = spawn_app().await;
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(1)
        .build()
        .expect("client");
    let oversized = client
        .post(app.url("/graphql"))
        .header("content-type", "application/json")
        .header("accept", "application/json")
        .body(vec![b' '; 3 << 20])
        .send()
        .await
        .expect("an answer to the oversized body");

    assert_eq!(oversized.status(), reqwest::StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(oversized.headers()["connection"], "close");
    assert!(
        oversized.headers()["content-type"]
            .to_str()
            .is_ok_and(|value| value.starts_with("application/json")),
        "{:?}",
        oversized.headers()
    );
    let body: Value = oversized.json().await.expect("a JSON body");
    assert_eq!(body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT");

    let next = client
        .get(app.url("/healthz"))
        .send()
        .await
        .expect("next request");
    assert_eq!(next.status(), reqwest::StatusCode::OK);
}

/// Sockets in this test: 1,000 half-sent clients, the server's side of
/// each, and the test's own. Raise the soft open-file limit if it is below.
fn allow_open_files(needed: u64) {
    let (soft, hard) = rlimit::getrlimit(rlimit::Resource::NOFILE).expect("read RLIMIT_NOFILE");
    if soft < needed {
        assert!(
            hard >= needed,
            "the hard open-file limit {hard} is below the {needed} this test needs"
        );
        rlimit::setrlimit(rlimit::Resource::NOFILE, needed, hard).expect("raise RLIMIT_NOFILE");
    }
}

#[tokio::test]
async fn half_sent_request_heads_do_not_lock_clients_out_and_are_closed_at_the_timeout() {
    allow_open_files(4096);
    let app =
        spawn_app_with(|settings| settings.http.header_read_timeout = Duration::from_secs(2)).await;

    let mut slow = Vec::with_capacity(1000);
    for _ in 0..1000 {
        let mut stream = TcpStream::connect(app.address).await.expect("connect");
        stream
            .write_all(b"POST /graphql HTTP/1.1\r\nHost: storefront\r\nContent-Type: appl")
            .await
            .expect("half a head");
        slow.push(stream);
    }

    app.assert_still_serving().await;
    let mut fresh = TcpStream::connect(app.address).await.expect("connect");
    assert_eq!(healthz(&mut fresh).await.expect("healthz").status, 200);

    let closed = futures_util::future::join_all(slow.into_iter().map(closed_by_server)).await;
    let still_open = closed.iter().filter(|closed| !**closed).count();
    assert_eq!(
        still_open, 0,
        "{still_open} half-sent requests were left open"
    );
}

const HEAD_TIMEOUT: Duration = Duration::from_secs(2);

/// The first part of a `GET /healthz` head; [`REST_OF_HEAD`] completes it.
const HALF_HEAD: &[u8] = b"GET /healthz HTTP/1.1\r\nHost: stor";
const REST_OF_HEAD: &[u8] = b"efront\r\n\r\n";

/// Sends half a head on `stream` and waits for the server to close it.
async fn assert_half_sent_head_closed(mut stream: TcpStream) {
    stream.write_all(HALF_HEAD).await.expect("half a head");
    assert!(
        closed_by_server(stream).await,
        "the half-sent head was left open"
    );
}

/// An app whose request heads must arrive within `HEAD_TIMEOUT` and whose
/// connections may idle far longer, so that only the header-read timeout
/// closes them.
async fn spawn_app_with_head_timeout() -> TestApp {
    spawn_app_with(|settings| {
        settings.http.header_read_timeout = HEAD_TIMEOUT;
        settings.http.keep_alive_timeout = Duration::from_secs(120);
    })
    .await
}

#[tokio::test]
async fn a_head_half_sent_after_an_answer_is_closed_at_the_header_read_timeout_from_that_answer() {
    let app = spawn_app_with_head_timeout().await;
    let mut stream = TcpStream::connect(app.address).await.expect("connect");
    assert_eq!(healthz(&mut stream).await.expect("healthz").status, 200);
    let answered = std::time::Instant::now();

    assert_half_sent_head_closed(stream).await;
    let elapsed = answered.elapsed();
    assert!(
        elapsed >= HEAD_TIMEOUT - Duration::from_millis(100) && elapsed < HEAD_TIMEOUT * 4,
        "closed {elapsed:?} after the answer, with a header-read timeout of {HEAD_TIMEOUT:?}"
    );
}

#[tokio::test]
async fn each_head_gets_the_whole_header_read_timeout_on_a_kept_alive_connection() {
    let app = spawn_app_with_head_timeout().await;
    let mut stream = TcpStream::connect(app.address).await.expect("connect");
    // Four requests, each head sent in two parts over three quarters of the
    // timeout: together they take longer than it, and every one is answered.
    for _ in 0..4 {
        stream.write_all(HALF_HEAD).await.expect("first half");
        tokio::time::sleep(HEAD_TIMEOUT * 3 / 4).await;
        stream.write_all(REST_OF_HEAD).await.expect("second half");
        assert_eq!(
            read_response(&mut stream).await.expect("an answer").status,
            200
        );
    }
}

/// hyper does not close a connection asked to close while it reads its
/// first head, so the header-read timeout must still end it.
#[tokio::test]
async fn a_first_head_half_sent_past_the_keep_alive_timeout_is_closed_at_the_header_read_timeout() {
    let app = spawn_app_with(|settings| {
        settings.http.keep_alive_timeout = Duration::from_secs(1);
        settings.http.header_read_timeout = Duration::from_secs(3);
    })
    .await;
    let stream = TcpStream::connect(app.address).await.expect("connect");
    let opened = std::time::Instant::now();
    assert_half_sent_head_closed(stream).await;
    assert!(
        opened.elapsed() < Duration::from_secs(10),
        "closed only after {:?}",
        opened.elapsed()
    );
}

#[tokio::test]
async fn past_the_connection_cap_new_clients_wait_while_connected_ones_are_served() {
    let app = spawn_app_with(|settings| settings.http.max_client_connections = 2).await;
    let mut first = TcpStream::connect(app.address).await.expect("connect");
    assert_eq!(healthz(&mut first).await.expect("healthz").status, 200);
    let mut second = TcpStream::connect(app.address).await.expect("connect");
    assert_eq!(healthz(&mut second).await.expect("healthz").status, 200);

    let address = app.address;
    let waiting = tokio::spawn(async move {
        let mut third = TcpStream::connect(address).await?;
        healthz(&mut third).await
    });
    // Both connections at the cap are still served, several times over...
    for _ in 0..3 {
        assert_eq!(healthz(&mut first).await.expect("healthz").status, 200);
        assert_eq!(healthz(&mut second).await.expect("healthz").status, 200);
    }
    // ...while the third client is not answered.
    assert!(
        !waiting.is_finished(),
        "a connection past the cap was served"
    );

    drop(second);
    let third = waiting.await.expect("client task").expect("third client");
    assert_eq!(third.status, 200);
    assert_eq!(healthz(&mut first).await.expect("healthz").status, 200);
}

/// An app whose connections may idle for `KEEP_ALIVE` and whose request
/// heads may take far longer, so that only the keep-alive watch closes them.
async fn spawn_app_with_keep_alive() -> TestApp {
    spawn_app_with(|settings| {
        settings.http.keep_alive_timeout = KEEP_ALIVE;
        settings.http.header_read_timeout = Duration::from_secs(120);
    })
    .await
}

const KEEP_ALIVE: Duration = Duration::from_secs(3);

#[tokio::test]
async fn an_idle_connection_is_closed_at_the_keep_alive_timeout_counted_from_its_last_answer() {
    let app = spawn_app_with_keep_alive().await;
    let mut stream = TcpStream::connect(app.address).await.expect("connect");
    assert_eq!(healthz(&mut stream).await.expect("healthz").status, 200);

    // Each answer restarts the idle clock: three pauses of half the
    // timeout add up to more than it, and the connection stays open.
    for _ in 0..3 {
        tokio::time::sleep(KEEP_ALIVE / 2).await;
        assert_eq!(healthz(&mut stream).await.expect("healthz").status, 200);
    }

    let idle_since = std::time::Instant::now();
    assert!(
        closed_by_server(stream).await,
        "the idle connection stayed open"
    );
    assert!(
        idle_since.elapsed() >= KEEP_ALIVE - Duration::from_millis(100),
        "closed after {:?} of idleness",
        idle_since.elapsed()
    );
}

#[tokio::test]
async fn a_request_in_flight_past_the_keep_alive_timeout_is_answered() {
    let app = spawn_app_with_keep_alive().await;
    let body = br#"{"query":"{ __typename }"}"#;
    let mut stream = TcpStream::connect(app.address).await.expect("connect");
    let head = format!(
        "POST /graphql HTTP/1.1\r\nHost: storefront\r\nContent-Type: application/json\r\n\
         Accept: application/json\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).await.expect("send head");
    // The request is in flight from its head on; its body comes slowly.
    let (start, rest) = body.split_at(5);
    stream.write_all(start).await.expect("send a part");
    tokio::time::sleep(KEEP_ALIVE * 2).await;
    stream.write_all(rest).await.expect("send the rest");

    let answer = read_response(&mut stream).await.expect("an answer");
    assert_eq!(answer.status, 200);
    let body: Value = serde_json::from_slice(&answer.body).expect("a JSON body");
    assert_eq!(body["data"]["__typename"], "Query");
}
