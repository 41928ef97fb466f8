//! `FakeRemote`: a minimal ActivityPub server on a random loopback port, playing the other
//! side of federation in tests.
//!
//! It publishes actors (`Person`s with real RSA keys), serves whatever documents a test
//! gives it (a `Note`, a key document, a redirect, a document claiming another origin's
//! id, an error status), accepts deliveries to its inboxes, and records every request it
//! receives so that a test can assert what Hamlet fetched and sent. It can be slow on
//! chosen paths ([`FakeRemote::delay`]).
//!
//! It also sends: [`FakeRemote::sign_and_post`] delivers an activity signed the way a real
//! server signs it, and [`Signing`] plus [`SignedPost`] let a test sign differently (RFC
//! 9421, another date, another actor's key, another key id, another host) or tamper with
//! the request after signing (change the body, drop or set headers) to play an attacker.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, SystemTime};

use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{self, HeaderMap, HeaderName, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use hamlet_core::keys::AccountKeys;
use hamlet_federation::signature::{
    self, PrivateKey, PublicKey, SignatureError, SignatureScheme, VerifyPolicy,
};
use serde_json::{Value, json};
use tokio::task::JoinHandle;

/// The content type of everything the fake serves and posts.
pub const ACTIVITY_JSON: &str = "application/activity+json";
/// The public collection, for addressing.
pub const PUBLIC: &str = "https://www.w3.org/ns/activitystreams#Public";
/// The largest request body the fake reads.
const MAX_RECORDED_BODY: usize = 16 * 1024 * 1024;

/// Makes every activity and object id the fakes create unique, across fakes and tests.
static NEXT_ID: AtomicU64 = AtomicU64::new(1);

fn next_id() -> u64 {
    NEXT_ID.fetch_add(1, Ordering::Relaxed)
}

/// The key of each actor name, made once per test process.
static KEYS: Mutex<Option<HashMap<String, Arc<AccountKeys>>>> = Mutex::new(None);

async fn keys_for(name: &str) -> Arc<AccountKeys> {
    if let Some(keys) = lock(&KEYS).as_ref().and_then(|keys| keys.get(name)) {
        return keys.clone();
    }
    let fresh = tokio::task::spawn_blocking(AccountKeys::generate)
        .await
        .expect("key generation");
    // Two tests may race to make the same name's key: the first one stored wins.
    lock(&KEYS)
        .get_or_insert_with(HashMap::new)
        .entry(name.to_owned())
        .or_insert_with(|| Arc::new(fresh))
        .clone()
}

/// A fake ActivityPub server. Stops when dropped.
pub struct FakeRemote {
    /// `http://127.0.0.1:PORT`: the origin of every actor and document it serves.
    pub address: String,
    shared: Arc<Shared>,
    /// Sends what the fake posts; does not follow redirects.
    pub client: reqwest::Client,
    server: JoinHandle<()>,
}

#[derive(Default)]
struct Shared {
    actors: Mutex<HashMap<String, FakeActor>>,
    documents: Mutex<HashMap<String, Served>>,
    requests: Mutex<Vec<RecordedRequest>>,
    delays: Mutex<HashMap<String, Duration>>,
}

/// Locks, ignoring poisoning: a panicking test must not hide what was recorded.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// An actor the fake holds, with its private key.
#[derive(Clone)]
pub struct FakeActor {
    pub name: String,
    /// `http://127.0.0.1:PORT/users/NAME`.
    pub id: String,
    /// `{id}#main-key`.
    pub key_id: String,
    /// `{id}/inbox`.
    pub inbox: String,
    pub followers: String,
    pub public_key_pem: String,
    key: Arc<PrivateKey>,
}

impl std::fmt::Debug for FakeActor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FakeActor")
            .field("id", &self.id)
            .finish_non_exhaustive()
    }
}

/// A canned answer: served for every request to its path, whatever the method.
#[derive(Clone, Debug)]
pub struct Served {
    pub status: StatusCode,
    pub headers: Vec<(HeaderName, HeaderValue)>,
    pub body: Vec<u8>,
}

impl Served {
    /// `200` with an ActivityStreams document.
    pub fn json(document: &Value) -> Served {
        Served {
            status: StatusCode::OK,
            headers: vec![(
                header::CONTENT_TYPE,
                HeaderValue::from_static(ACTIVITY_JSON),
            )],
            body: serde_json::to_vec(document).expect("serializable JSON"),
        }
    }

    /// `302 Found` to `location`.
    pub fn redirect(location: &str) -> Served {
        Served {
            status: StatusCode::FOUND,
            headers: vec![(
                header::LOCATION,
                HeaderValue::from_str(location).expect("a valid Location"),
            )],
            body: Vec::new(),
        }
    }

    /// An empty answer with `status`.
    pub fn status(status: StatusCode) -> Served {
        Served {
            status,
            headers: Vec::new(),
            body: Vec::new(),
        }
    }
}

/// One request the fake received.
#[derive(Clone, Debug)]
pub struct RecordedRequest {
    pub method: Method,
    /// The request target as sent: path and query.
    pub uri: String,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl RecordedRequest {
    pub fn path(&self) -> &str {
        self.uri.split('?').next().unwrap_or_default()
    }

    /// The body as JSON, if it is.
    pub fn json(&self) -> Option<Value> {
        serde_json::from_slice(&self.body).ok()
    }

    /// Verifies the request's HTTP signature (either scheme) as Hamlet's own inbox would,
    /// over plain `http`, with the public key `public_key_pem`. Returns the scheme used.
    pub fn verify_signature(
        &self,
        public_key_pem: &str,
    ) -> Result<SignatureScheme, SignatureError> {
        let key = PublicKey::from_pem(public_key_pem).expect("a PEM public key");
        let mut request = http::Request::builder()
            .method(self.method.clone())
            .uri(self.uri.as_str())
            .body(())
            .expect("a recorded request is valid");
        *request.headers_mut() = self.headers.clone();
        let (parts, ()) = request.into_parts();
        let parsed = signature::parse_request_signature(&parts)?;
        let policy = VerifyPolicy {
            public_scheme: http::uri::Scheme::HTTP,
            ..VerifyPolicy::default()
        };
        parsed.verify(&key, &parts, &self.body, SystemTime::now(), &policy)?;
        Ok(parsed.scheme())
    }
}

/// How to sign a request. [`FakeActor::signing`] gives the honest way; the builder
/// methods change one thing at a time.
#[derive(Clone)]
pub struct Signing {
    /// The `keyId` the signature names.
    pub key_id: String,
    /// The key that actually signs.
    pub key: Arc<PrivateKey>,
    pub scheme: SignatureScheme,
    /// The signature's date (`Date` header, and `created` for RFC 9421).
    pub at: SystemTime,
}

impl Signing {
    pub fn scheme(mut self, scheme: SignatureScheme) -> Signing {
        self.scheme = scheme;
        self
    }

    /// Dates the signature `at` instead of now.
    pub fn at(mut self, at: SystemTime) -> Signing {
        self.at = at;
        self
    }

    /// Dates the signature `age` ago.
    pub fn aged(self, age: Duration) -> Signing {
        self.at(SystemTime::now() - age)
    }

    /// Dates the signature `ahead` in the future.
    pub fn ahead(self, ahead: Duration) -> Signing {
        self.at(SystemTime::now() + ahead)
    }

    /// Signs with `other`'s private key, still naming this signing's key id.
    pub fn with_key_of(mut self, other: &FakeActor) -> Signing {
        self.key = other.key.clone();
        self
    }

    /// Names another key id (the key that signs is unchanged).
    pub fn key_id(mut self, key_id: impl Into<String>) -> Signing {
        self.key_id = key_id.into();
        self
    }

    /// Signs a POST of `document` to `url`.
    pub fn post(&self, url: &str, document: &Value) -> SignedPost {
        SignedPost::signed(url, serde_json::to_vec(document).expect("JSON"), self)
    }

    /// Signs a GET of `url` asking for ActivityStreams, as servers fetch documents.
    pub fn get(&self, url: &str) -> reqwest::Request {
        let mut request = http::Request::builder()
            .method(Method::GET)
            .uri(url)
            .header(header::ACCEPT, ACTIVITY_JSON)
            .body(Vec::new())
            .expect("a valid request");
        signature::sign_request(&mut request, &self.key_id, &self.key, self.scheme, self.at)
            .expect("sign the request");
        reqwest::Request::try_from(request).expect("a sendable request")
    }
}

/// A POST of an activity, built (and usually signed) but not sent, so that a test can
/// tamper with it first.
#[derive(Debug)]
pub struct SignedPost {
    pub request: http::Request<Vec<u8>>,
}

impl SignedPost {
    fn build(url: &str, body: Vec<u8>) -> SignedPost {
        let request = http::Request::builder()
            .method(Method::POST)
            .uri(url)
            .header(header::CONTENT_TYPE, ACTIVITY_JSON)
            .header(header::ACCEPT, ACTIVITY_JSON)
            .body(body)
            .expect("a valid request");
        SignedPost { request }
    }

    /// A POST of `body` to `url`, with no signature at all.
    pub fn unsigned(url: &str, document: &Value) -> SignedPost {
        SignedPost::build(url, serde_json::to_vec(document).expect("JSON"))
    }

    /// A POST of the bytes `body` to `url`, signed as `signing` says.
    pub fn signed(url: &str, body: Vec<u8>, signing: &Signing) -> SignedPost {
        let mut post = SignedPost::build(url, body);
        signature::sign_request(
            &mut post.request,
            &signing.key_id,
            &signing.key,
            signing.scheme,
            signing.at,
        )
        .expect("sign the request");
        post
    }

    /// Replaces the body, keeping the headers (and so the signature and digest) as signed.
    pub fn replace_body(mut self, body: Vec<u8>) -> SignedPost {
        *self.request.body_mut() = body;
        self
    }

    /// Replaces the body with `document`, keeping the headers as signed.
    pub fn replace_json(self, document: &Value) -> SignedPost {
        self.replace_body(serde_json::to_vec(document).expect("JSON"))
    }

    pub fn remove_header(mut self, name: &str) -> SignedPost {
        self.request.headers_mut().remove(name);
        self
    }

    pub fn set_header(mut self, name: &'static str, value: &str) -> SignedPost {
        self.request.headers_mut().insert(
            HeaderName::from_static(name),
            HeaderValue::from_str(value).expect("a valid header value"),
        );
        self
    }

    /// Sends the request to `url` instead of the URL it was signed for, keeping every
    /// header as signed (`Host` included): a replay.
    pub fn retarget(mut self, url: &str) -> SignedPost {
        *self.request.uri_mut() = url.parse().expect("a valid URL");
        self
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.request
            .headers()
            .get(name)
            .and_then(|value| value.to_str().ok())
    }

    /// Sends it with `client`.
    pub async fn send_with(self, client: &reqwest::Client) -> reqwest::Response {
        let request = reqwest::Request::try_from(self.request).expect("a sendable request");
        client.execute(request).await.expect("the POST is answered")
    }
}

impl FakeActor {
    /// Signs as this actor would: its key, draft-cavage, now.
    pub fn signing(&self) -> Signing {
        Signing {
            key_id: self.key_id.clone(),
            key: self.key.clone(),
            scheme: SignatureScheme::Cavage,
            at: SystemTime::now(),
        }
    }

    /// A fresh, unique id on this actor's origin: `{id}/{what}/{n}`.
    pub fn new_id(&self, what: &str) -> String {
        format!("{}/{what}/{}", self.id, next_id())
    }

    /// An activity of `kind` by this actor about `object`, with a fresh id.
    pub fn activity(&self, kind: &str, object: Value) -> Value {
        json!({
            "@context": "https://www.w3.org/ns/activitystreams",
            "id": self.new_id("activities"),
            "type": kind,
            "actor": self.id,
            "object": object,
        })
    }

    /// A public `Note` by this actor with id `id`.
    pub fn note(&self, id: &str, content: &str) -> Value {
        json!({
            "@context": "https://www.w3.org/ns/activitystreams",
            "id": id,
            "type": "Note",
            "attributedTo": self.id,
            "content": content,
            "published": "2024-01-01T00:00:00Z",
            "to": [PUBLIC],
            "cc": [self.followers],
        })
    }

    /// A `Create` of `object`, addressed as the object is.
    pub fn create(&self, object: Value) -> Value {
        let mut create = self.activity("Create", object.clone());
        for field in ["to", "cc"] {
            if let Some(audience) = object.get(field) {
                create[field] = audience.clone();
            }
        }
        create
    }

    /// The actor document the fake serves for this actor.
    pub fn document(&self) -> Value {
        json!({
            "@context": [
                "https://www.w3.org/ns/activitystreams",
                "https://w3id.org/security/v1"
            ],
            "id": self.id,
            "type": "Person",
            "preferredUsername": self.name,
            "name": self.name,
            "inbox": self.inbox,
            "outbox": format!("{}/outbox", self.id),
            "followers": self.followers,
            "following": format!("{}/following", self.id),
            "url": self.id,
            "publicKey": {
                "id": self.key_id,
                "owner": self.id,
                "publicKeyPem": self.public_key_pem,
            },
        })
    }
}

impl FakeRemote {
    /// Starts a fake server on `127.0.0.1` and a random port.
    pub async fn start() -> FakeRemote {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind a loopback port");
        let port = listener.local_addr().expect("local address").port();
        let address = format!("http://127.0.0.1:{port}");
        let shared = Arc::new(Shared::default());
        let app = Router::new().fallback(answer).with_state(shared.clone());
        let server = tokio::spawn(async move {
            axum::serve(listener, app)
                .await
                .expect("fake remote server");
        });
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("HTTP client");
        FakeRemote {
            address,
            shared,
            client,
            server,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    /// `host:port`, as `Host` headers and handles carry it.
    pub fn domain(&self) -> &str {
        self.address.trim_start_matches("http://")
    }

    /// Adds an actor `name` and serves its document at `/users/NAME` (and so its key at
    /// `/users/NAME#main-key`).
    ///
    /// RSA key generation is slow, so keys are made once per name and test process:
    /// actors with different names always have different keys; actors of the same name
    /// on different fakes share one (they are different actors all the same).
    pub async fn add_actor(&self, name: &str) -> FakeActor {
        let keys = keys_for(name).await;
        let key = PrivateKey::from_pem(&keys.private_key_pem).expect("a fresh key parses");
        let id = self.url(&format!("/users/{name}"));
        let actor = FakeActor {
            name: name.to_owned(),
            key_id: format!("{id}#main-key"),
            inbox: format!("{id}/inbox"),
            followers: format!("{id}/followers"),
            id,
            public_key_pem: keys.public_key_pem.clone(),
            key: Arc::new(key),
        };
        lock(&self.shared.actors).insert(name.to_owned(), actor.clone());
        actor
    }

    /// The actor `name` added before.
    pub fn actor(&self, name: &str) -> FakeActor {
        lock(&self.shared.actors)
            .get(name)
            .cloned()
            .unwrap_or_else(|| panic!("no fake actor {name}"))
    }

    /// Serves `answer` at `path` (any method), before anything else the fake serves there.
    pub fn serve(&self, path: &str, answer: Served) {
        lock(&self.shared.documents).insert(path.to_owned(), answer);
    }

    /// Serves `document` as ActivityStreams JSON at `path`.
    pub fn serve_json(&self, path: &str, document: &Value) {
        self.serve(path, Served::json(document));
    }

    /// Serves a `302` to `location` at `path`.
    pub fn serve_redirect(&self, path: &str, location: &str) {
        self.serve(path, Served::redirect(location));
    }

    /// Stops serving what [`serve`](Self::serve) set at `path`.
    pub fn unserve(&self, path: &str) {
        lock(&self.shared.documents).remove(path);
    }

    /// Answers requests to `path` (any method) only `delay` after they arrive: a slow
    /// server. Requests are recorded on arrival, before the wait.
    pub fn delay(&self, path: &str, delay: Duration) {
        lock(&self.shared.delays).insert(path.to_owned(), delay);
    }

    /// Answers requests to `path` at once again.
    pub fn undelay(&self, path: &str) {
        lock(&self.shared.delays).remove(path);
    }

    /// Every request received so far, in order.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        lock(&self.shared.requests).clone()
    }

    /// The requests received for `path` (query ignored).
    pub fn requests_to(&self, path: &str) -> Vec<RecordedRequest> {
        self.requests()
            .into_iter()
            .filter(|r| r.path() == path)
            .collect()
    }

    pub fn clear_requests(&self) {
        lock(&self.shared.requests).clear();
    }

    /// Waits (up to `timeout`) for a request matching `wanted`, and returns it.
    pub async fn wait_for_request(
        &self,
        timeout: Duration,
        wanted: impl Fn(&RecordedRequest) -> bool,
    ) -> Option<RecordedRequest> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            if let Some(found) = self.requests().into_iter().find(|r| wanted(r)) {
                return Some(found);
            }
            if tokio::time::Instant::now() >= deadline {
                return None;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// POSTs `document` to `url`, signed by `actor` with draft-cavage, as real servers do.
    pub async fn sign_and_post(
        &self,
        actor: &FakeActor,
        url: &str,
        document: &Value,
    ) -> reqwest::Response {
        self.send(actor.signing().post(url, document)).await
    }

    /// POSTs `document` to `url`, signed by `actor` with `scheme`.
    pub async fn sign_and_post_with(
        &self,
        actor: &FakeActor,
        scheme: SignatureScheme,
        url: &str,
        document: &Value,
    ) -> reqwest::Response {
        self.send(actor.signing().scheme(scheme).post(url, document))
            .await
    }

    /// POSTs `document` to `url` without any signature.
    pub async fn post_unsigned(&self, url: &str, document: &Value) -> reqwest::Response {
        self.send(SignedPost::unsigned(url, document)).await
    }

    /// Sends a prepared (possibly tampered) request.
    pub async fn send(&self, post: SignedPost) -> reqwest::Response {
        post.send_with(&self.client).await
    }
}

impl Drop for FakeRemote {
    fn drop(&mut self) {
        self.server.abort();
    }
}

/// Every request: recorded, then answered from the canned documents, the inboxes and
/// the actors, else 404.
async fn answer(State(shared): State<Arc<Shared>>, request: Request<Body>) -> Response {
    let (parts, body) = request.into_parts();
    let body = axum::body::to_bytes(body, MAX_RECORDED_BODY)
        .await
        .map(|bytes| bytes.to_vec())
        .unwrap_or_default();
    let recorded = RecordedRequest {
        method: parts.method.clone(),
        uri: parts
            .uri
            .path_and_query()
            .map_or_else(|| parts.uri.path().to_owned(), |pq| pq.as_str().to_owned()),
        headers: parts.headers.clone(),
        body,
    };
    let path = recorded.path().to_owned();
    lock(&shared.requests).push(recorded);
    let delay = lock(&shared.delays).get(&path).copied();
    if let Some(delay) = delay {
        tokio::time::sleep(delay).await;
    }

    if let Some(served) = lock(&shared.documents).get(&path).cloned() {
        return served.into_response();
    }
    let user = path.strip_prefix("/users/");
    if parts.method == Method::POST
        && (path == "/inbox" || user.and_then(|rest| rest.strip_suffix("/inbox")).is_some())
    {
        return StatusCode::ACCEPTED.into_response();
    }
    if parts.method == Method::GET
        && let Some(name) = user
        && let Some(actor) = lock(&shared.actors).get(name).cloned()
    {
        return Served::json(&actor.document()).into_response();
    }
    StatusCode::NOT_FOUND.into_response()
}

impl IntoResponse for Served {
    fn into_response(self) -> Response {
        let mut response = (self.status, self.body).into_response();
        for (name, value) in self.headers {
            response.headers_mut().insert(name, value);
        }
        response
    }
}
