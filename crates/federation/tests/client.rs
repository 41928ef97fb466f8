//! The outbound client against fake remote servers on 127.0.0.1 (axum, or a raw TCP
//! server where the test needs byte-level control). Names are resolved by a
//! `StaticResolver`, never by real DNS.

use std::io::{Read, Write};
use std::net::{IpAddr, SocketAddr, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::Path;
use axum::http::header::{CONTENT_TYPE, LOCATION, RETRY_AFTER};
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use hamlet_federation::client::{
    ACTIVITY_ACCEPT, ClientConfig, DEFAULT_MAX_DOCUMENT_BYTES, DeliveryOutcome, DomainPolicy,
    FetchError, OutboundClient, RequestSigner, RetryReason, SignError, StaticResolver,
};
use url::Url;

// ---------------------------------------------------------------------------------------
// helpers

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

fn url(s: &str) -> Url {
    Url::parse(s).unwrap()
}

const LOCAL_ORIGIN: &str = "http://hamlet.test";

/// Names every test may use; all fake remotes listen on 127.0.0.1.
fn resolver() -> StaticResolver {
    let loopback = [ip("127.0.0.1")];
    StaticResolver::new()
        .with("a.example", loopback)
        .with("b.example", loopback)
        .with("blocked.example", loopback)
        .with("internal.example", [ip("10.0.0.1")])
        .with("mapped.example", [ip("::ffff:127.0.0.1")])
        .with("metadata.example", [ip("169.254.169.254")])
}

fn config(dev: bool) -> ClientConfig {
    let mut config = ClientConfig::new(url(LOCAL_ORIGIN));
    config.insecure_local_federation = dev;
    config.connect_timeout = Duration::from_secs(1);
    config.total_timeout = Duration::from_millis(1500);
    config
}

fn build(config: ClientConfig, resolver: StaticResolver) -> OutboundClient {
    OutboundClient::builder(config)
        .resolver(Arc::new(resolver))
        .build()
        .expect("client")
}

/// The development switch on, names from `resolver()`.
fn dev_client() -> OutboundClient {
    build(config(true), resolver())
}

/// The production settings (https and public addresses only).
fn production_client(resolver: StaticResolver) -> OutboundClient {
    build(config(false), resolver)
}

async fn spawn(router: Router) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    addr
}

fn activity_json(body: String) -> Response {
    ([(CONTENT_TYPE, "application/activity+json")], body).into_response()
}

fn note(id: &str) -> String {
    serde_json::json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": id,
        "type": "Note",
        "content": "hello",
    })
    .to_string()
}

/// A server whose every answer is a note with the id `http://{Host}{path}`, counting hits.
async fn echo_server() -> (SocketAddr, Arc<AtomicUsize>) {
    let hits = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&hits);
    let router = Router::new().fallback(move |headers: HeaderMap, uri: Uri| {
        let counter = Arc::clone(&counter);
        async move {
            counter.fetch_add(1, Ordering::SeqCst);
            let host = headers["host"].to_str().unwrap().to_owned();
            activity_json(note(&format!("http://{host}{}", uri.path())))
        }
    });
    (spawn(router).await, hits)
}

/// A raw HTTP/1.1 server: reads each request head, then lets `respond` write anything.
fn raw_server(respond: impl Fn(SocketAddr, &mut TcpStream) + Send + 'static) -> SocketAddr {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { break };
            let mut head = Vec::new();
            let mut byte = [0u8; 1];
            while !head.ends_with(b"\r\n\r\n") {
                match stream.read(&mut byte) {
                    Ok(1) => head.push(byte[0]),
                    _ => break,
                }
            }
            respond(addr, &mut stream);
        }
    });
    addr
}

fn write_chunked(stream: &mut TcpStream, chunks: impl IntoIterator<Item = Vec<u8>>) {
    let head = "HTTP/1.1 200 OK\r\nContent-Type: application/activity+json\r\n\
                Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n";
    if stream.write_all(head.as_bytes()).is_err() {
        return;
    }
    for chunk in chunks {
        let framed = [
            format!("{:x}\r\n", chunk.len()).into_bytes(),
            chunk,
            b"\r\n".to_vec(),
        ]
        .concat();
        if stream.write_all(&framed).is_err() {
            return;
        }
    }
    let _ = stream.write_all(b"0\r\n\r\n");
}

// ---------------------------------------------------------------------------------------
// the SSRF guard

#[tokio::test]
async fn ip_literal_loopback_is_refused_without_the_switch() {
    let (addr, hits) = echo_server().await;
    let client = production_client(resolver());
    let port = addr.port();

    for (target, refused) in [
        (format!("https://127.0.0.1:{port}/doc"), ip("127.0.0.1")),
        (format!("https://[::1]:{port}/doc"), ip("::1")),
        (
            format!("https://[::ffff:127.0.0.1]:{port}/doc"),
            ip("::ffff:127.0.0.1"),
        ),
        (format!("https://2130706433:{port}/doc"), ip("127.0.0.1")),
        (
            "https://169.254.169.254/latest/meta-data/".to_owned(),
            ip("169.254.169.254"),
        ),
        ("https://10.0.0.1/".to_owned(), ip("10.0.0.1")),
    ] {
        match client.fetch_object(&url(&target), None).await {
            Err(FetchError::ForbiddenAddress { addr, .. }) => assert_eq!(addr, refused, "{target}"),
            other => panic!("{target}: {other:?}"),
        }
    }
    match client
        .fetch_object(&url(&format!("http://127.0.0.1:{port}/doc")), None)
        .await
    {
        Err(FetchError::SchemeNotAllowed { scheme }) => assert_eq!(scheme, "http"),
        other => panic!("{other:?}"),
    }
    assert_eq!(
        hits.load(Ordering::SeqCst),
        0,
        "the server must never be contacted"
    );

    // The same server is reachable with the switch on: the refusals above are the guard's.
    let ok = dev_client()
        .fetch_object(&url(&format!("http://127.0.0.1:{port}/doc")), None)
        .await
        .expect("reachable in development");
    assert_eq!(ok.json["id"], format!("http://127.0.0.1:{port}/doc"));
    assert_eq!(hits.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn names_resolving_to_forbidden_addresses_are_refused_at_connect_time() {
    let (addr, hits) = echo_server().await;
    let port = addr.port();
    for bad in [
        "127.0.0.1",
        "10.0.0.1",
        "::ffff:127.0.0.1",
        "::ffff:10.0.0.1",
        "169.254.169.254",
        "::1",
        "100.64.0.1",
        "192.168.1.20",
        "fd00::1",
        "fe80::1",
        "0.0.0.0",
        "64:ff9b::7f00:1",
    ] {
        let client = production_client(StaticResolver::new().with("evil.example", [ip(bad)]));
        let target = url(&format!("https://evil.example:{port}/doc"));
        match client.fetch_object(&target, None).await {
            Err(FetchError::ForbiddenAddress { host, addr }) => {
                assert_eq!(host, "evil.example");
                assert_eq!(addr, ip(bad));
            }
            other => panic!("{bad}: {other:?}"),
        }
        // Deliveries are refused the same way, as an error (not a retry).
        match client.post_activity(&target, b"{}".to_vec(), None).await {
            Err(FetchError::ForbiddenAddress { .. }) => {}
            other => panic!("{bad}: {other:?}"),
        }
    }

    // One forbidden address in the answer refuses the whole name.
    let client = production_client(
        StaticResolver::new().with("mixed.example", [ip("93.184.215.14"), ip("127.0.0.1")]),
    );
    match client
        .fetch_object(&url(&format!("https://mixed.example:{port}/doc")), None)
        .await
    {
        Err(FetchError::ForbiddenAddress { addr, .. }) => assert_eq!(addr, ip("127.0.0.1")),
        other => panic!("{other:?}"),
    }

    // localhost is loopback whatever the resolver says.
    let client = production_client(StaticResolver::new());
    match client
        .fetch_object(&url(&format!("https://localhost:{port}/doc")), None)
        .await
    {
        Err(FetchError::ForbiddenAddress { host, .. }) => assert_eq!(host, "localhost"),
        other => panic!("{other:?}"),
    }
    assert_eq!(hits.load(Ordering::SeqCst), 0);
}

#[tokio::test]
async fn the_switch_allows_plain_loopback_and_nothing_else() {
    let (addr, hits) = echo_server().await;
    let port = addr.port();
    let client = dev_client();

    for ok in [
        format!("http://a.example:{port}/doc"),
        format!("http://127.0.0.1:{port}/doc"),
        format!("http://localhost:{port}/doc"),
    ] {
        let fetched = client.fetch_object(&url(&ok), None).await;
        assert!(fetched.is_ok(), "{ok}: {fetched:?}");
    }
    for (bad, refused) in [
        (format!("http://internal.example:{port}/doc"), "10.0.0.1"),
        (
            format!("http://mapped.example:{port}/doc"),
            "::ffff:127.0.0.1",
        ),
        (
            format!("http://metadata.example:{port}/doc"),
            "169.254.169.254",
        ),
        (
            format!("http://[::ffff:7f00:1]:{port}/doc"),
            "::ffff:127.0.0.1",
        ),
        ("http://10.0.0.1/doc".to_owned(), "10.0.0.1"),
        ("http://192.168.0.1/doc".to_owned(), "192.168.0.1"),
    ] {
        match client.fetch_object(&url(&bad), None).await {
            Err(FetchError::ForbiddenAddress { addr, .. }) => assert_eq!(addr, ip(refused)),
            other => panic!("{bad}: {other:?}"),
        }
    }
    assert_eq!(hits.load(Ordering::SeqCst), 3);
}

// ---------------------------------------------------------------------------------------
// redirects

/// Routes: `/doc` (note with its own id), `/redirect?to=...` (302 to `to`), `/loop/{n}`
/// (to `/loop/{n+1}`), `/chain/{n}` (to `/chain/{n-1}`, `/chain/0` is a note).
async fn redirect_server() -> (SocketAddr, Arc<Mutex<Vec<String>>>) {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = Arc::clone(&seen);
    let record = move |headers: &HeaderMap, uri: &Uri| {
        let host = headers["host"].to_str().unwrap();
        log.lock().unwrap().push(format!("http://{host}{uri}"));
        format!("http://{host}")
    };
    let r1 = record.clone();
    let r2 = record.clone();
    let r3 = record.clone();
    let r4 = record;
    let router = Router::new()
        .route(
            "/doc",
            get(move |headers: HeaderMap, uri: Uri| async move {
                let origin = r1(&headers, &uri);
                activity_json(note(&format!("{origin}/doc")))
            }),
        )
        .route(
            "/redirect",
            get(move |headers: HeaderMap, uri: Uri| async move {
                r2(&headers, &uri);
                let query = uri.query().unwrap_or_default().to_owned();
                let mut response = StatusCode::FOUND.into_response();
                if let Some(to) = query.strip_prefix("to=") {
                    response.headers_mut().insert(LOCATION, to.parse().unwrap());
                }
                response
            }),
        )
        .route(
            "/loop/{n}",
            get(
                move |Path(n): Path<u32>, headers: HeaderMap, uri: Uri| async move {
                    r3(&headers, &uri);
                    (StatusCode::FOUND, [(LOCATION, format!("/loop/{}", n + 1))]).into_response()
                },
            ),
        )
        .route(
            "/chain/{n}",
            get(
                move |Path(n): Path<u32>, headers: HeaderMap, uri: Uri| async move {
                    let origin = r4(&headers, &uri);
                    if n == 0 {
                        activity_json(note(&format!("{origin}/chain/0")))
                    } else {
                        let status = if n % 2 == 0 {
                            StatusCode::MOVED_PERMANENTLY
                        } else {
                            StatusCode::TEMPORARY_REDIRECT
                        };
                        (status, [(LOCATION, format!("/chain/{}", n - 1))]).into_response()
                    }
                },
            ),
        );
    (spawn(router).await, seen)
}

#[tokio::test]
async fn redirects_are_followed_and_the_final_url_is_returned() {
    let (addr, seen) = redirect_server().await;
    let port = addr.port();
    let client = dev_client();

    // a.example -> b.example (absolute), b.example -> /doc (relative)
    let inner = format!("http://b.example:{port}/redirect?to=/doc");
    let start = url(&format!("http://a.example:{port}/redirect?to={inner}"));
    let fetched = client.fetch_object(&start, None).await.expect("followed");
    assert_eq!(
        fetched.final_url.as_str(),
        format!("http://b.example:{port}/doc")
    );
    assert_eq!(fetched.json["id"], format!("http://b.example:{port}/doc"));
    assert_eq!(seen.lock().unwrap().len(), 3);

    // Exactly the default limit of 5 redirects is fine.
    let fetched = client
        .fetch_object(&url(&format!("http://a.example:{port}/chain/5")), None)
        .await
        .expect("5 redirects are allowed");
    assert_eq!(fetched.final_url.path(), "/chain/0");
}

#[tokio::test]
async fn too_many_redirects_are_refused() {
    let (addr, seen) = redirect_server().await;
    let port = addr.port();
    let mut config = config(true);
    config.max_redirects = 3;
    let client = build(config, resolver());

    match client
        .fetch_object(&url(&format!("http://a.example:{port}/loop/0")), None)
        .await
    {
        Err(FetchError::TooManyRedirects { limit }) => assert_eq!(limit, 3),
        other => panic!("{other:?}"),
    }
    // The first request and three redirects, no more.
    assert_eq!(seen.lock().unwrap().len(), 4);

    seen.lock().unwrap().clear();
    assert!(matches!(
        client
            .fetch_object(&url(&format!("http://a.example:{port}/chain/4")), None)
            .await,
        Err(FetchError::TooManyRedirects { .. })
    ));
    let ok = client
        .fetch_object(&url(&format!("http://a.example:{port}/chain/3")), None)
        .await;
    assert!(ok.is_ok(), "{ok:?}");
}

#[tokio::test]
async fn redirects_to_forbidden_addresses_are_refused() {
    let (addr, seen) = redirect_server().await;
    let port = addr.port();
    let client = dev_client();

    for (to, refused) in [
        (
            "http://169.254.169.254/latest/meta-data/".to_owned(),
            "169.254.169.254",
        ),
        (format!("http://internal.example:{port}/doc"), "10.0.0.1"),
        (
            format!("http://metadata.example:{port}/doc"),
            "169.254.169.254",
        ),
        (
            format!("http://mapped.example:{port}/doc"),
            "::ffff:127.0.0.1",
        ),
        (
            format!("http://[::ffff:127.0.0.1]:{port}/doc"),
            "::ffff:127.0.0.1",
        ),
        ("http://10.1.2.3:8080/".to_owned(), "10.1.2.3"),
    ] {
        let start = url(&format!("http://a.example:{port}/redirect?to={to}"));
        match client.fetch_object(&start, None).await {
            Err(FetchError::ForbiddenAddress { addr, .. }) => assert_eq!(addr, ip(refused)),
            other => panic!("{to}: {other:?}"),
        }
    }
    // Only the redirecting hops reached the server; no /doc behind a forbidden name.
    assert!(
        seen.lock()
            .unwrap()
            .iter()
            .all(|hit| hit.contains("/redirect"))
    );

    // Schemes other than http(s) are refused on a hop too.
    let start = url(&format!(
        "http://a.example:{port}/redirect?to=file:///etc/passwd"
    ));
    assert!(matches!(
        client.fetch_object(&start, None).await,
        Err(FetchError::SchemeNotAllowed { .. })
    ));
    // A redirect without Location.
    let start = url(&format!("http://a.example:{port}/redirect"));
    assert!(matches!(
        client.fetch_object(&start, None).await,
        Err(FetchError::InvalidRedirect)
    ));
}

// ---------------------------------------------------------------------------------------
// the fetched document

/// `/{name}` answers with the canned (status, content type, body) of that name.
async fn canned_server(port_hint: &Arc<Mutex<u16>>) -> SocketAddr {
    let hint = Arc::clone(port_hint);
    let router = Router::new().route(
        "/{name}",
        get(move |Path(name): Path<String>| {
            let port = *hint.lock().unwrap();
            async move {
                let a = format!("http://a.example:{port}");
                let (status, content_type, body): (u16, Option<&str>, String) = match name.as_str()
                {
                    "html" => (200, Some("text/html; charset=utf-8"), note(&format!("{a}/html"))),
                    "untyped" => (200, None, note(&format!("{a}/untyped"))),
                    "ld" => (
                        200,
                        Some("application/ld+json; profile=\"https://www.w3.org/ns/activitystreams\""),
                        note(&format!("{a}/ld")),
                    ),
                    "json" => (200, Some("application/json"), note(&format!("{a}/json"))),
                    "foreign" => (
                        200,
                        Some("application/activity+json"),
                        note(&format!("http://b.example:{port}/foreign")),
                    ),
                    "other-port" => (
                        200,
                        Some("application/activity+json"),
                        note("http://a.example:1/other-port"),
                    ),
                    "https-id" => (
                        200,
                        Some("application/activity+json"),
                        note(&format!("https://a.example:{port}/https-id")),
                    ),
                    "relative-id" => (200, Some("application/activity+json"), note("/relative-id")),
                    "local" => (
                        200,
                        Some("application/activity+json"),
                        note(&format!("{LOCAL_ORIGIN}/users/alice")),
                    ),
                    "no-id" => (
                        200,
                        Some("application/activity+json"),
                        r#"{"type":"Note","content":"who am I"}"#.to_owned(),
                    ),
                    "numeric-id" => (
                        200,
                        Some("application/activity+json"),
                        r#"{"id":7,"type":"Note"}"#.to_owned(),
                    ),
                    "array" => (200, Some("application/activity+json"), "[1,2]".to_owned()),
                    "broken" => (200, Some("application/activity+json"), "{\"id\":".to_owned()),
                    "gone" => (410, Some("application/activity+json"), "{}".to_owned()),
                    "missing" => (404, Some("text/html"), "no".to_owned()),
                    "error" => (500, Some("text/plain"), "oops".to_owned()),
                    "forbidden" => (403, Some("application/activity+json"), "{}".to_owned()),
                    "big" => (
                        200,
                        Some("application/activity+json"),
                        " ".repeat(DEFAULT_MAX_DOCUMENT_BYTES + 1),
                    ),
                    "exactly-the-cap" => {
                        let mut doc = note(&format!("{a}/exactly-the-cap"));
                        doc.push_str(&" ".repeat(DEFAULT_MAX_DOCUMENT_BYTES - doc.len()));
                        (200, Some("application/activity+json"), doc)
                    }
                    _ => (404, None, String::new()),
                };
                let mut response = (StatusCode::from_u16(status).unwrap(), body).into_response();
                if let Some(content_type) = content_type {
                    response
                        .headers_mut()
                        .insert(CONTENT_TYPE, content_type.parse().unwrap());
                } else {
                    response.headers_mut().remove(CONTENT_TYPE);
                }
                response
            }
        }),
    );
    let addr = spawn(router).await;
    *port_hint.lock().unwrap() = addr.port();
    addr
}

async fn fetch_canned(name: &str) -> Result<serde_json::Value, FetchError> {
    let port = Arc::new(Mutex::new(0));
    let addr = canned_server(&port).await;
    dev_client()
        .fetch_object(
            &url(&format!("http://a.example:{}/{name}", addr.port())),
            None,
        )
        .await
        .map(|fetched| fetched.json)
}

#[tokio::test]
async fn content_types_are_checked() {
    for accepted in ["ld", "json"] {
        let fetched = fetch_canned(accepted).await;
        assert!(fetched.is_ok(), "{accepted}: {fetched:?}");
    }
    match fetch_canned("html").await {
        Err(FetchError::WrongContentType { content_type }) => {
            assert_eq!(content_type.as_deref(), Some("text/html; charset=utf-8"));
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        fetch_canned("untyped").await,
        Err(FetchError::WrongContentType { content_type: None })
    ));
}

#[tokio::test]
async fn the_id_must_have_the_origin_of_the_final_url() {
    for name in ["foreign", "other-port", "https-id", "relative-id"] {
        match fetch_canned(name).await {
            Err(FetchError::IdOriginMismatch { final_url, .. }) => {
                assert!(final_url.ends_with(&format!("/{name}")), "{final_url}");
            }
            other => panic!("{name}: {other:?}"),
        }
    }
    assert!(matches!(
        fetch_canned("no-id").await,
        Err(FetchError::MissingId)
    ));
    assert!(matches!(
        fetch_canned("numeric-id").await,
        Err(FetchError::MissingId)
    ));
    assert!(matches!(
        fetch_canned("array").await,
        Err(FetchError::InvalidJson(_))
    ));
    assert!(matches!(
        fetch_canned("broken").await,
        Err(FetchError::InvalidJson(_))
    ));
}

#[tokio::test]
async fn the_origin_is_judged_after_redirects() {
    // a.example redirects to b.example, which serves a document claiming an a.example id:
    // the id must match where the document came from, not where the fetch started.
    let router = Router::new()
        .route(
            "/start",
            get(|headers: HeaderMap| async move {
                let port = headers["host"]
                    .to_str()
                    .unwrap()
                    .rsplit(':')
                    .next()
                    .unwrap()
                    .to_owned();
                (
                    StatusCode::FOUND,
                    [(LOCATION, format!("http://b.example:{port}/doc"))],
                )
            }),
        )
        .route(
            "/doc",
            get(|headers: HeaderMap| async move {
                let port = headers["host"]
                    .to_str()
                    .unwrap()
                    .rsplit(':')
                    .next()
                    .unwrap()
                    .to_owned();
                activity_json(note(&format!("http://a.example:{port}/start")))
            }),
        );
    let port = spawn(router).await.port();
    match dev_client()
        .fetch_object(&url(&format!("http://a.example:{port}/start")), None)
        .await
    {
        Err(FetchError::IdOriginMismatch { id, final_url }) => {
            assert_eq!(id, format!("http://a.example:{port}/start"));
            assert_eq!(final_url, format!("http://b.example:{port}/doc"));
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn documents_claiming_local_ids_are_refused() {
    match fetch_canned("local").await {
        Err(FetchError::ClaimsLocalId { id }) => assert_eq!(id, "http://hamlet.test/users/alice"),
        other => panic!("{other:?}"),
    }

    // Even when the document is served from the local origin itself.
    let (addr, _) = echo_server().await;
    let local = format!("http://a.example:{}", addr.port());
    let mut config = config(true);
    config.local_origin = url(&local);
    let client = build(config, resolver());
    match client
        .fetch_object(&url(&format!("{local}/users/x")), None)
        .await
    {
        Err(FetchError::ClaimsLocalId { id }) => assert_eq!(id, format!("{local}/users/x")),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn statuses_are_told_apart() {
    assert!(matches!(fetch_canned("gone").await, Err(FetchError::Gone)));
    assert!(matches!(
        fetch_canned("missing").await,
        Err(FetchError::NotFound)
    ));
    assert!(matches!(
        fetch_canned("error").await,
        Err(FetchError::Status(500))
    ));
    assert!(matches!(
        fetch_canned("forbidden").await,
        Err(FetchError::Status(403))
    ));
}

// ---------------------------------------------------------------------------------------
// limits

#[tokio::test]
async fn content_length_above_the_cap_is_refused() {
    assert!(matches!(
        fetch_canned("big").await,
        Err(FetchError::TooLarge {
            limit: DEFAULT_MAX_DOCUMENT_BYTES
        })
    ));
    let fetched = fetch_canned("exactly-the-cap").await;
    assert!(
        fetched.is_ok(),
        "a body of exactly the cap is fine: {fetched:?}"
    );

    // Per-call cap.
    let port = Arc::new(Mutex::new(0));
    let addr = canned_server(&port).await;
    let client = dev_client();
    let small = url(&format!("http://a.example:{}/json", addr.port()));
    assert!(matches!(
        client.fetch_object_with_limit(&small, None, 50).await,
        Err(FetchError::TooLarge { limit: 50 })
    ));
    assert!(matches!(
        client.get(&small, ACTIVITY_ACCEPT, 50, None).await,
        Err(FetchError::TooLarge { limit: 50 })
    ));
    let body = client
        .get(&small, ACTIVITY_ACCEPT, 10_000, None)
        .await
        .unwrap();
    assert_eq!(body.status, 200);
    assert_eq!(body.content_type.as_deref(), Some("application/json"));

    // The announced length is refused up front: this server announces 10 MB, sends a few
    // bytes and stalls; waiting for the body would end in a timeout instead.
    let addr = raw_server(|_, stream| {
        let _ = stream.write_all(
            b"HTTP/1.1 200 OK\r\nContent-Type: application/activity+json\r\n\
              Content-Length: 10000000\r\n\r\n{\"id\":",
        );
        std::thread::sleep(Duration::from_secs(3));
    });
    assert!(matches!(
        client
            .fetch_object(&url(&format!("http://a.example:{}/doc", addr.port())), None)
            .await,
        Err(FetchError::TooLarge { .. })
    ));
}

#[tokio::test]
async fn streamed_bodies_above_the_cap_are_refused() {
    // Chunked, no Content-Length: 2 MiB in 64 KiB chunks.
    let addr = raw_server(|_, stream| {
        write_chunked(stream, (0..32).map(|_| vec![b' '; 64 * 1024]));
    });
    let client = dev_client();
    let target = url(&format!("http://a.example:{}/doc", addr.port()));
    assert!(matches!(
        client.fetch_object(&target, None).await,
        Err(FetchError::TooLarge {
            limit: DEFAULT_MAX_DOCUMENT_BYTES
        })
    ));

    // The same server shape with a small chunked document works.
    let addr = raw_server(|addr, stream| {
        let doc = note(&format!("http://a.example:{}/doc", addr.port())).into_bytes();
        let (first, second) = doc.split_at(10);
        write_chunked(stream, [first.to_vec(), second.to_vec()]);
    });
    let target = url(&format!("http://a.example:{}/doc", addr.port()));
    let fetched = client
        .fetch_object(&target, None)
        .await
        .expect("small chunked document");
    assert_eq!(fetched.json["type"], "Note");
}

#[tokio::test]
async fn slow_servers_time_out() {
    let router = Router::new()
        .route(
            "/slow",
            get(|| async {
                tokio::time::sleep(Duration::from_secs(5)).await;
                activity_json("{}".to_owned())
            }),
        )
        .route(
            "/inbox",
            post(|| async {
                tokio::time::sleep(Duration::from_secs(5)).await;
                StatusCode::ACCEPTED
            }),
        );
    let port = spawn(router).await.port();
    let mut config = config(true);
    config.total_timeout = Duration::from_millis(300);
    let client = build(config, resolver());

    let started = Instant::now();
    assert!(matches!(
        client
            .fetch_object(&url(&format!("http://a.example:{port}/slow")), None)
            .await,
        Err(FetchError::Timeout)
    ));
    assert!(started.elapsed() < Duration::from_millis(1500));

    let started = Instant::now();
    assert_eq!(
        client
            .post_activity(
                &url(&format!("http://a.example:{port}/inbox")),
                b"{}".to_vec(),
                None
            )
            .await
            .unwrap(),
        DeliveryOutcome::Retryable {
            reason: RetryReason::Timeout,
            retry_after: None
        }
    );
    assert!(started.elapsed() < Duration::from_millis(1500));

    // The deadline covers the body too: headers arrive at once, the body never finishes.
    let addr = raw_server(|_, stream| {
        let _ = stream.write_all(
            b"HTTP/1.1 200 OK\r\nContent-Type: application/activity+json\r\n\
              Content-Length: 100\r\n\r\n{\"id\":",
        );
        std::thread::sleep(Duration::from_secs(3));
    });
    let started = Instant::now();
    assert!(matches!(
        client
            .fetch_object(&url(&format!("http://a.example:{}/doc", addr.port())), None)
            .await,
        Err(FetchError::Timeout)
    ));
    assert!(started.elapsed() < Duration::from_millis(1500));
}

// ---------------------------------------------------------------------------------------
// delivery

#[derive(Default)]
struct InboxLog {
    content_types: Vec<String>,
    bodies: Vec<Vec<u8>>,
    signatures: Vec<Option<String>>,
}

async fn inbox_server() -> (SocketAddr, Arc<Mutex<InboxLog>>) {
    let log = Arc::new(Mutex::new(InboxLog::default()));
    let shared = Arc::clone(&log);
    let router = Router::new().route(
        "/inbox/{code}",
        post(
            move |Path(code): Path<u16>, headers: HeaderMap, body: axum::body::Bytes| {
                let shared = Arc::clone(&shared);
                async move {
                    {
                        let mut log = shared.lock().unwrap();
                        log.content_types.push(
                            headers
                                .get(CONTENT_TYPE)
                                .map(|v| v.to_str().unwrap().to_owned())
                                .unwrap_or_default(),
                        );
                        log.bodies.push(body.to_vec());
                        log.signatures.push(
                            headers
                                .get("x-fake-signature")
                                .map(|v| v.to_str().unwrap().to_owned()),
                        );
                    }
                    let mut response = StatusCode::from_u16(code).unwrap().into_response();
                    match code {
                        429 => {
                            response
                                .headers_mut()
                                .insert(RETRY_AFTER, "7".parse().unwrap());
                        }
                        503 => {
                            response.headers_mut().insert(
                                RETRY_AFTER,
                                "Wed, 21 Oct 2015 07:28:00 GMT".parse().unwrap(),
                            );
                        }
                        302 => {
                            response
                                .headers_mut()
                                .insert(LOCATION, "/inbox/202".parse().unwrap());
                        }
                        _ => {}
                    }
                    response
                }
            },
        ),
    );
    (spawn(router).await, log)
}

#[tokio::test]
async fn delivery_outcomes_are_classified() {
    let (addr, log) = inbox_server().await;
    let port = addr.port();
    let client = dev_client();
    let inbox = |code: u16| url(&format!("http://a.example:{port}/inbox/{code}"));
    let deliver = |code: u16| {
        let client = client.clone();
        let target = inbox(code);
        async move {
            client
                .post_activity(&target, br#"{"type":"Create"}"#.to_vec(), None)
                .await
                .expect("an outcome")
        }
    };

    assert_eq!(
        deliver(200).await,
        DeliveryOutcome::Delivered { status: 200 }
    );
    assert_eq!(
        deliver(202).await,
        DeliveryOutcome::Delivered { status: 202 }
    );
    assert_eq!(deliver(410).await, DeliveryOutcome::Gone);
    for permanent in [400, 401, 403, 404, 422] {
        assert_eq!(
            deliver(permanent).await,
            DeliveryOutcome::PermanentFailure { status: permanent }
        );
    }
    assert_eq!(
        deliver(429).await,
        DeliveryOutcome::Retryable {
            reason: RetryReason::Status(429),
            retry_after: Some(Duration::from_secs(7))
        }
    );
    // An HTTP date in the past: retry now.
    assert_eq!(
        deliver(503).await,
        DeliveryOutcome::Retryable {
            reason: RetryReason::Status(503),
            retry_after: Some(Duration::ZERO)
        }
    );
    for retryable in [408, 500, 502] {
        assert_eq!(
            deliver(retryable).await,
            DeliveryOutcome::Retryable {
                reason: RetryReason::Status(retryable),
                retry_after: None
            }
        );
    }
    // Redirects are not followed for deliveries.
    let before = log.lock().unwrap().bodies.len();
    assert!(deliver(302).await.is_retryable());
    assert_eq!(log.lock().unwrap().bodies.len(), before + 1);

    let log = log.lock().unwrap();
    assert!(
        log.content_types
            .iter()
            .all(|ct| ct == "application/activity+json")
    );
    assert!(
        log.bodies
            .iter()
            .all(|body| body == br#"{"type":"Create"}"#)
    );
}

#[tokio::test]
async fn network_failures_are_retryable_deliveries() {
    // A port nobody listens on.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    let outcome = dev_client()
        .post_activity(
            &url(&format!("http://a.example:{port}/inbox")),
            b"{}".to_vec(),
            None,
        )
        .await
        .expect("an outcome");
    match outcome {
        DeliveryOutcome::Retryable {
            reason: RetryReason::Network(message),
            retry_after: None,
        } => assert!(!message.is_empty()),
        other => panic!("{other:?}"),
    }
    // A name that does not resolve.
    let outcome = dev_client()
        .post_activity(&url("http://nowhere.example/inbox"), b"{}".to_vec(), None)
        .await
        .expect("an outcome");
    assert!(matches!(
        outcome,
        DeliveryOutcome::Retryable {
            reason: RetryReason::Network(_),
            ..
        }
    ));
    // Fetches report the same failures as errors.
    assert!(matches!(
        dev_client()
            .fetch_object(&url(&format!("http://a.example:{port}/doc")), None)
            .await,
        Err(FetchError::Network(_))
    ));
}

// ---------------------------------------------------------------------------------------
// signing and the policy hook

/// Adds `x-fake-signature: <url>` and remembers what it signed.
#[derive(Default)]
struct FakeSigner {
    signed: Mutex<Vec<(String, Option<Vec<u8>>)>>,
}

impl RequestSigner for FakeSigner {
    fn sign(&self, request: &mut reqwest::Request) -> Result<(), SignError> {
        let target = request.url().to_string();
        let body = request
            .body()
            .and_then(|body| body.as_bytes())
            .map(<[u8]>::to_vec);
        request
            .headers_mut()
            .insert("x-fake-signature", target.parse()?);
        self.signed.lock().unwrap().push((target, body));
        Ok(())
    }
}

struct FailingSigner;

impl RequestSigner for FailingSigner {
    fn sign(&self, _request: &mut reqwest::Request) -> Result<(), SignError> {
        Err("no key".into())
    }
}

#[tokio::test]
async fn the_signer_signs_every_hop_with_its_own_url() {
    let received = Arc::new(Mutex::new(Vec::new()));
    let log = Arc::clone(&received);
    let router = Router::new().fallback(move |headers: HeaderMap, uri: Uri| {
        let log = Arc::clone(&log);
        async move {
            let host = headers["host"].to_str().unwrap().to_owned();
            let port = host.rsplit(':').next().unwrap().to_owned();
            let here = format!("http://{host}{uri}");
            let signature = headers
                .get("x-fake-signature")
                .map(|v| v.to_str().unwrap().to_owned());
            log.lock().unwrap().push((here, signature));
            match uri.path() {
                "/one" => (StatusCode::FOUND, [(LOCATION, "/two?x=1")]).into_response(),
                "/two" => (
                    StatusCode::PERMANENT_REDIRECT,
                    [(LOCATION, format!("http://b.example:{port}/three"))],
                )
                    .into_response(),
                _ => activity_json(note(&format!("http://{host}/three"))),
            }
        }
    });
    let port = spawn(router).await.port();
    let signer = FakeSigner::default();
    let client = dev_client();

    let fetched = client
        .fetch_object(&url(&format!("http://a.example:{port}/one")), Some(&signer))
        .await
        .expect("fetched");
    assert_eq!(
        fetched.final_url.as_str(),
        format!("http://b.example:{port}/three")
    );

    let expected = [
        format!("http://a.example:{port}/one"),
        format!("http://a.example:{port}/two?x=1"),
        format!("http://b.example:{port}/three"),
    ];
    let signed: Vec<String> = signer
        .signed
        .lock()
        .unwrap()
        .iter()
        .map(|(u, _)| u.clone())
        .collect();
    assert_eq!(signed, expected);
    let received = received.lock().unwrap().clone();
    assert_eq!(received.len(), 3);
    for ((here, signature), want) in received.iter().zip(&expected) {
        assert_eq!(here, want);
        assert_eq!(
            signature.as_deref(),
            Some(want.as_str()),
            "hop {here} signed for itself"
        );
    }

    // The signer sees the delivery body, and its failure stops the request.
    let (addr, inbox_log) = inbox_server().await;
    let inbox = url(&format!("http://a.example:{}/inbox/202", addr.port()));
    let signer = FakeSigner::default();
    let outcome = client
        .post_activity(&inbox, b"{\"type\":\"Follow\"}".to_vec(), Some(&signer))
        .await
        .unwrap();
    assert_eq!(outcome, DeliveryOutcome::Delivered { status: 202 });
    assert_eq!(
        signer.signed.lock().unwrap().clone(),
        vec![(inbox.to_string(), Some(b"{\"type\":\"Follow\"}".to_vec()))]
    );
    assert_eq!(
        inbox_log.lock().unwrap().signatures,
        vec![Some(inbox.to_string())]
    );
    assert!(matches!(
        client
            .post_activity(&inbox, b"{}".to_vec(), Some(&FailingSigner))
            .await,
        Err(FetchError::Signing(_))
    ));
    assert!(matches!(
        client.fetch_object(&inbox, Some(&FailingSigner)).await,
        Err(FetchError::Signing(_))
    ));
    assert_eq!(
        inbox_log.lock().unwrap().bodies.len(),
        1,
        "unsigned requests are not sent"
    );
}

/// Blocks `blocked.example` and remembers every host it was asked about.
#[derive(Default)]
struct RecordingPolicy {
    asked: Mutex<Vec<String>>,
}

impl DomainPolicy for RecordingPolicy {
    fn may_contact(&self, url: &Url) -> bool {
        let host = url.host_str().unwrap_or_default().to_owned();
        let allowed = host != "blocked.example";
        self.asked.lock().unwrap().push(host);
        allowed
    }
}

#[tokio::test]
async fn the_domain_policy_is_consulted_for_every_hop() {
    let (addr, seen) = redirect_server().await;
    let port = addr.port();
    let policy = Arc::new(RecordingPolicy::default());
    let client = OutboundClient::builder(config(true))
        .resolver(Arc::new(resolver()))
        .domain_policy(policy.clone())
        .build()
        .unwrap();

    let start = url(&format!(
        "http://a.example:{port}/redirect?to=http://b.example:{port}/doc"
    ));
    client.fetch_object(&start, None).await.expect("allowed");
    assert_eq!(*policy.asked.lock().unwrap(), ["a.example", "b.example"]);

    policy.asked.lock().unwrap().clear();
    seen.lock().unwrap().clear();
    let start = url(&format!(
        "http://a.example:{port}/redirect?to=http://blocked.example:{port}/doc"
    ));
    match client.fetch_object(&start, None).await {
        Err(FetchError::BlockedDomain { host }) => assert_eq!(host, "blocked.example"),
        other => panic!("{other:?}"),
    }
    assert_eq!(
        *policy.asked.lock().unwrap(),
        ["a.example", "blocked.example"]
    );
    assert_eq!(
        seen.lock().unwrap().len(),
        1,
        "the blocked host is never contacted"
    );

    let blocked = url(&format!("http://blocked.example:{port}/doc"));
    assert!(matches!(
        client.post_activity(&blocked, b"{}".to_vec(), None).await,
        Err(FetchError::BlockedDomain { .. })
    ));
    assert!(matches!(
        client.fetch_jrd(&blocked).await,
        Err(FetchError::BlockedDomain { .. })
    ));
    assert_eq!(seen.lock().unwrap().len(), 1);
}

// ---------------------------------------------------------------------------------------
// headers and WebFinger

#[tokio::test]
async fn requests_carry_the_user_agent_and_accept_headers() {
    let received = Arc::new(Mutex::new(Vec::new()));
    let log = Arc::clone(&received);
    let router = Router::new().fallback(move |headers: HeaderMap, uri: Uri| {
        let log = Arc::clone(&log);
        async move {
            let get = |name: &str| {
                headers
                    .get(name)
                    .map(|v| v.to_str().unwrap().to_owned())
                    .unwrap_or_default()
            };
            log.lock()
                .unwrap()
                .push((get("user-agent"), get("accept"), get("referer")));
            let host = get("host");
            if uri.path().starts_with("/.well-known/webfinger") {
                (
                    [(CONTENT_TYPE, "application/jrd+json")],
                    r#"{"subject":"acct:alice@a.example","links":[]}"#,
                )
                    .into_response()
            } else {
                activity_json(note(&format!("http://{host}{}", uri.path())))
            }
        }
    });
    let port = spawn(router).await.port();
    let client = dev_client();
    client
        .fetch_object(&url(&format!("http://a.example:{port}/users/alice")), None)
        .await
        .unwrap();
    let jrd = client
        .fetch_jrd(&url(&format!(
            "http://a.example:{port}/.well-known/webfinger?resource=acct:alice@a.example"
        )))
        .await
        .unwrap();
    assert_eq!(jrd.json["subject"], "acct:alice@a.example");
    // A JRD fetch refuses ActivityPub-only content types, and vice versa.
    assert!(matches!(
        client
            .fetch_jrd(&url(&format!("http://a.example:{port}/users/alice")))
            .await,
        Err(FetchError::WrongContentType { .. })
    ));

    let received = received.lock().unwrap().clone();
    let user_agent = format!(
        "Hamlet/{} (+http://hamlet.test/)",
        env!("CARGO_PKG_VERSION")
    );
    assert_eq!(received[0].0, user_agent);
    assert_eq!(client.user_agent(), user_agent);
    assert_eq!(received[0].1, ACTIVITY_ACCEPT);
    assert_eq!(received[1].1, "application/jrd+json, application/json");
    assert!(received.iter().all(|(_, _, referer)| referer.is_empty()));
}
