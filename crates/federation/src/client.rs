//! The one outbound HTTP client ("one door out"): every request Hamlet makes to another
//! server goes through [`OutboundClient`].
//!
//! For every request and every redirect hop it applies, in this order:
//!
//! 1. the scheme rule: `https` only (`http` too with the development switch);
//! 2. the federation policy hook ([`DomainPolicy`], allow-all until domain blocks arrive);
//! 3. the SSRF guard ([`AddressPolicy`]): IP-literal hosts are checked before sending,
//!    names are checked at connect time for *every* address they resolve to, by the
//!    resolver reqwest connects through (see `resolve.rs` for why one forbidden address
//!    refuses the whole answer);
//! 4. request signing ([`RequestSigner`]), again for each hop's own URL;
//! 5. limits: a connect timeout, one total deadline covering all hops and the body,
//!    a bounded number of redirects (followed by hand, never by reqwest), a body size cap
//!    enforced both on `Content-Length` and while streaming.
//!
//! Proxies from the environment are ignored (a proxy would resolve names for us and
//! defeat the guard), and no `Referer` is sent.
//!
//! ActivityPub fetches ([`OutboundClient::fetch_object`]) additionally check the content
//! type and that the document's `id` has the origin of the final URL and is not on the
//! local origin. Deliveries ([`OutboundClient::post_activity`]) are classified into
//! [`DeliveryOutcome`]s for the delivery queue.
//!
//! The development switch [`ClientConfig::insecure_local_federation`] allows `http://`
//! and plain loopback addresses (127.0.0.0/8, `::1`) for local multi-instance tests; it is
//! off by default and logged loudly when on. Private ranges stay forbidden even then.

mod address;
mod delivery;
mod resolve;

pub use address::{AddressPolicy, is_forbidden};
pub use delivery::{DeliveryOutcome, RetryReason, parse_retry_after};
pub use resolve::{HostResolver, ResolveFuture, StaticResolver, SystemResolver};

use std::error::Error as _;
use std::fmt;
use std::future::Future;
use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use reqwest::header::{self, HeaderValue};
use reqwest::{Method, StatusCode};
use serde_json::Value;
use url::{Host, Origin, Url};

use resolve::{GuardRefusal, GuardedResolver};

/// `Accept` for ActivityPub fetches.
pub const ACTIVITY_ACCEPT: &str = "application/activity+json, application/ld+json; profile=\"https://www.w3.org/ns/activitystreams\"";
/// `Content-Type` of deliveries.
pub const ACTIVITY_CONTENT_TYPE: &str = "application/activity+json";
/// `Accept` for WebFinger.
pub const JRD_ACCEPT: &str = "application/jrd+json, application/json";
/// Default size cap for JSON documents: 1 MiB.
pub const DEFAULT_MAX_DOCUMENT_BYTES: usize = 1024 * 1024;
/// Default number of redirects followed.
pub const DEFAULT_MAX_REDIRECTS: usize = 5;
/// Default connect timeout.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// Default total timeout (all redirect hops and the body).
pub const DEFAULT_TOTAL_TIMEOUT: Duration = Duration::from_secs(30);

/// The error a [`RequestSigner`] reports.
pub type SignError = Box<dyn std::error::Error + Send + Sync>;

/// Signs an outgoing request (HTTP signatures), as the instance actor or a member.
///
/// Called once per request and again for every redirect hop, with the hop's URL, after
/// the client has set `User-Agent`, `Accept` and (for POST) `Content-Type` and the body
/// (readable with `request.body().and_then(|b| b.as_bytes())`). The signer adds what it
/// signs itself: `Host` (taken from the URL; hyper keeps an explicit one), `Date`,
/// `Digest`/`Content-Digest`, `Signature`/`Signature-Input`.
pub trait RequestSigner: Send + Sync {
    /// Adds the signature headers to `request`.
    fn sign(&self, request: &mut reqwest::Request) -> Result<(), SignError>;
}

/// The federation policy hook: consulted before every request and every redirect hop.
/// Domain blocks and the allowlist plug in here; the default allows everything.
pub trait DomainPolicy: Send + Sync {
    /// May the client contact `url` (in practice: its host)?
    fn may_contact(&self, url: &Url) -> bool;
}

/// The default [`DomainPolicy`]: every domain may be contacted.
#[derive(Clone, Copy, Debug, Default)]
pub struct AllowAllDomains;

impl DomainPolicy for AllowAllDomains {
    fn may_contact(&self, _url: &Url) -> bool {
        true
    }
}

/// The client's settings.
#[derive(Clone, Debug)]
pub struct ClientConfig {
    /// This instance's origin (`https://social.example`): documents claiming ids here are
    /// refused, and it appears in the `User-Agent`.
    pub local_origin: Url,
    /// Time allowed to establish a connection (TCP and TLS).
    pub connect_timeout: Duration,
    /// Time allowed for a whole call: every redirect hop plus reading the body.
    pub total_timeout: Duration,
    /// Redirects followed before giving up.
    pub max_redirects: usize,
    /// Body size cap of [`OutboundClient::fetch_object`] and [`OutboundClient::fetch_jrd`].
    pub max_document_bytes: usize,
    /// DEVELOPMENT ONLY: allow `http://` and loopback addresses, for several instances on
    /// one machine. Never on in production; logged as a warning when on.
    pub insecure_local_federation: bool,
}

impl ClientConfig {
    /// The defaults: 10 s to connect, 30 s in total, 5 redirects, 1 MiB documents,
    /// https and public addresses only.
    pub fn new(local_origin: Url) -> Self {
        Self {
            local_origin,
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            total_timeout: DEFAULT_TOTAL_TIMEOUT,
            max_redirects: DEFAULT_MAX_REDIRECTS,
            max_document_bytes: DEFAULT_MAX_DOCUMENT_BYTES,
            insecure_local_federation: false,
        }
    }
}

/// The client could not be built.
#[derive(Debug, thiserror::Error)]
pub enum ClientBuildError {
    /// The local origin is not an http(s) URL with a host.
    #[error("the local origin {0} is not an http(s) URL with a host")]
    InvalidLocalOrigin(String),
    /// reqwest refused the configuration.
    #[error("cannot build the HTTP client")]
    Http(#[source] reqwest::Error),
}

/// Why a request failed. Each refusal by the client's own rules has its own variant.
#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    /// The URL cannot be requested (no host, embedded credentials, ...).
    #[error("invalid URL {url}: {reason}")]
    InvalidUrl {
        /// The URL.
        url: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// The scheme is not https (or http with the development switch).
    #[error("the scheme {scheme:?} is not allowed")]
    SchemeNotAllowed {
        /// The refused scheme.
        scheme: String,
    },
    /// The federation policy does not allow contacting this host.
    #[error("{host} may not be contacted (federation policy)")]
    BlockedDomain {
        /// The host.
        host: String,
    },
    /// The SSRF guard refused the host: it is, or resolves to, a forbidden address.
    #[error("refused to connect to {host}: {addr} is a forbidden address")]
    ForbiddenAddress {
        /// The host as written in the URL.
        host: String,
        /// The forbidden address.
        addr: IpAddr,
    },
    /// More redirects than allowed.
    #[error("more than {limit} redirects")]
    TooManyRedirects {
        /// The configured limit.
        limit: usize,
    },
    /// A redirect from https to http.
    #[error("refused redirect from {from} to {to}: https downgraded to http")]
    InsecureRedirect {
        /// The URL that answered with the redirect.
        from: String,
        /// Where it pointed.
        to: String,
    },
    /// A redirect without a usable `Location`.
    #[error("redirect without a usable Location header")]
    InvalidRedirect,
    /// The body is larger than the cap.
    #[error("the response is larger than {limit} bytes")]
    TooLarge {
        /// The cap.
        limit: usize,
    },
    /// The response's content type is not what the call expects.
    #[error("unexpected content type {content_type:?}")]
    WrongContentType {
        /// The `Content-Type` received, if any.
        content_type: Option<String>,
    },
    /// The connect timeout or the total deadline passed.
    #[error("timed out")]
    Timeout,
    /// 404.
    #[error("not found (404)")]
    NotFound,
    /// 410: the thing was deleted; callers should delete their copy.
    #[error("gone (410)")]
    Gone,
    /// Any other non-2xx status.
    #[error("unexpected status {0}")]
    Status(u16),
    /// The body is not the JSON expected.
    #[error("invalid JSON document: {0}")]
    InvalidJson(String),
    /// The fetched document has no string `id`.
    #[error("the document has no id")]
    MissingId,
    /// The document's `id` is not on the origin it was fetched from.
    #[error("the document's id {id} does not have the origin of {final_url}")]
    IdOriginMismatch {
        /// The claimed id.
        id: String,
        /// Where the document was actually fetched from (after redirects).
        final_url: String,
    },
    /// A remote document claims an id on this instance's origin.
    #[error("a remote document claims the local id {id}")]
    ClaimsLocalId {
        /// The claimed id.
        id: String,
    },
    /// The signer failed.
    #[error("signing the request failed")]
    Signing(#[source] SignError),
    /// Connection, TLS, DNS or protocol failure.
    #[error("network error")]
    Network(#[source] reqwest::Error),
}

impl FetchError {
    /// True when trying again later may succeed (timeouts, network errors, 408, 429, 5xx).
    pub fn is_transient(&self) -> bool {
        match self {
            Self::Timeout | Self::Network(_) => true,
            Self::Status(status) => matches!(status, 408 | 429 | 500..=599),
            _ => false,
        }
    }
}

/// A successful GET.
#[derive(Clone, Debug)]
pub struct FetchedBody {
    /// The URL that answered, after redirects.
    pub final_url: Url,
    /// The (2xx) status.
    pub status: u16,
    /// The `Content-Type` header, if any.
    pub content_type: Option<String>,
    /// The body, at most the call's cap.
    pub body: Vec<u8>,
}

/// A fetched, checked JSON document.
#[derive(Clone, Debug)]
pub struct FetchedDocument {
    /// The URL that answered, after redirects. For ActivityPub documents, the `id` has
    /// this URL's origin.
    pub final_url: Url,
    /// The document.
    pub json: Value,
}

/// True for content types an ActivityPub document may come with:
/// `application/activity+json`, `application/ld+json` (any profile), `application/json`.
pub fn is_activity_content_type(content_type: &str) -> bool {
    matches!(
        media_type_essence(content_type).as_str(),
        "application/activity+json" | "application/ld+json" | "application/json"
    )
}

/// True for content types a WebFinger answer may come with: `application/jrd+json`,
/// `application/json`.
pub fn is_jrd_content_type(content_type: &str) -> bool {
    matches!(
        media_type_essence(content_type).as_str(),
        "application/jrd+json" | "application/json"
    )
}

fn media_type_essence(content_type: &str) -> String {
    content_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase()
}

/// Builds an [`OutboundClient`] with a non-default resolver or domain policy.
pub struct OutboundClientBuilder {
    config: ClientConfig,
    resolver: Arc<dyn HostResolver>,
    domain_policy: Arc<dyn DomainPolicy>,
}

impl OutboundClientBuilder {
    /// Resolves names with `resolver` (tests: a [`StaticResolver`]). The SSRF guard
    /// applies to whatever it returns.
    pub fn resolver(mut self, resolver: Arc<dyn HostResolver>) -> Self {
        self.resolver = resolver;
        self
    }

    /// Consults `policy` before every request and redirect hop.
    pub fn domain_policy(mut self, policy: Arc<dyn DomainPolicy>) -> Self {
        self.domain_policy = policy;
        self
    }

    /// Builds the client.
    pub fn build(self) -> Result<OutboundClient, ClientBuildError> {
        let config = self.config;
        let origin_ok = matches!(config.local_origin.scheme(), "http" | "https")
            && config.local_origin.host().is_some();
        if !origin_ok {
            return Err(ClientBuildError::InvalidLocalOrigin(
                config.local_origin.to_string(),
            ));
        }
        let local_origin = config.local_origin.origin();
        let dev = config.insecure_local_federation;
        if dev {
            tracing::warn!(
                local_origin = %local_origin.ascii_serialization(),
                "INSECURE LOCAL FEDERATION IS ON: the outbound client allows http:// and \
                 loopback addresses. This is for local multi-instance tests only; never \
                 run a public server like this."
            );
        }
        let address_policy = AddressPolicy::new(dev);
        let user_agent = format!(
            "Hamlet/{} (+{}/)",
            env!("CARGO_PKG_VERSION"),
            local_origin.ascii_serialization()
        );
        let user_agent_header = HeaderValue::from_str(&user_agent)
            .map_err(|_| ClientBuildError::InvalidLocalOrigin(user_agent.clone()))?;
        let http = reqwest::Client::builder()
            .dns_resolver(Arc::new(GuardedResolver {
                inner: self.resolver,
                policy: address_policy,
            }))
            .no_proxy()
            .redirect(reqwest::redirect::Policy::none())
            .referer(false)
            .https_only(!dev)
            .connect_timeout(config.connect_timeout)
            .user_agent(user_agent_header.clone())
            .build()
            .map_err(ClientBuildError::Http)?;
        Ok(OutboundClient {
            inner: Arc::new(Inner {
                http,
                config,
                local_origin,
                address_policy,
                domain_policy: self.domain_policy,
                user_agent,
                user_agent_header,
            }),
        })
    }
}

/// The one outbound HTTP client. Cheap to clone (shares one connection pool).
#[derive(Clone)]
pub struct OutboundClient {
    inner: Arc<Inner>,
}

struct Inner {
    http: reqwest::Client,
    config: ClientConfig,
    local_origin: Origin,
    address_policy: AddressPolicy,
    domain_policy: Arc<dyn DomainPolicy>,
    user_agent: String,
    user_agent_header: HeaderValue,
}

impl fmt::Debug for OutboundClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OutboundClient")
            .field("config", &self.inner.config)
            .field("user_agent", &self.inner.user_agent)
            .finish_non_exhaustive()
    }
}

/// One logical request, possibly several hops.
struct Outgoing<'a> {
    method: Method,
    url: Url,
    accept: &'static str,
    content_type: Option<&'static str>,
    body: Option<Vec<u8>>,
    signer: Option<&'a dyn RequestSigner>,
    follow_redirects: bool,
}

impl OutboundClient {
    /// A client with the system resolver and no domain policy.
    pub fn new(config: ClientConfig) -> Result<Self, ClientBuildError> {
        Self::builder(config).build()
    }

    /// A builder, to inject a resolver or a domain policy.
    pub fn builder(config: ClientConfig) -> OutboundClientBuilder {
        OutboundClientBuilder {
            config,
            resolver: Arc::new(SystemResolver),
            domain_policy: Arc::new(AllowAllDomains),
        }
    }

    /// The configuration.
    pub fn config(&self) -> &ClientConfig {
        &self.inner.config
    }

    /// The `User-Agent` sent: `Hamlet/<version> (+<local origin>/)`.
    pub fn user_agent(&self) -> &str {
        &self.inner.user_agent
    }

    /// GETs `url`, following redirects, and returns a 2xx body of at most `max_bytes`.
    /// 404 and 410 are [`FetchError::NotFound`] and [`FetchError::Gone`]; other non-2xx
    /// statuses are [`FetchError::Status`]. No content-type check.
    pub async fn get(
        &self,
        url: &Url,
        accept: &'static str,
        max_bytes: usize,
        signer: Option<&dyn RequestSigner>,
    ) -> Result<FetchedBody, FetchError> {
        self.with_deadline(self.get_checked(url, accept, max_bytes, signer, None))
            .await
    }

    /// Fetches an ActivityPub object with the configured size cap. See
    /// [`OutboundClient::fetch_object_with_limit`].
    pub async fn fetch_object(
        &self,
        url: &Url,
        signer: Option<&dyn RequestSigner>,
    ) -> Result<FetchedDocument, FetchError> {
        self.fetch_object_with_limit(url, signer, self.inner.config.max_document_bytes)
            .await
    }

    /// Fetches an ActivityPub object: GET with the ActivityPub `Accept` (signed when a
    /// signer is given, re-signed on every redirect hop), an ActivityPub content type,
    /// at most `max_bytes`, a JSON object whose `id` has the origin of the final URL and
    /// is not on the local origin.
    pub async fn fetch_object_with_limit(
        &self,
        url: &Url,
        signer: Option<&dyn RequestSigner>,
        max_bytes: usize,
    ) -> Result<FetchedDocument, FetchError> {
        let fetched = self
            .with_deadline(self.get_checked(
                url,
                ACTIVITY_ACCEPT,
                max_bytes,
                signer,
                Some(is_activity_content_type),
            ))
            .await?;
        let json = parse_json_object(&fetched.body)?;
        self.check_document_id(&json, &fetched.final_url)?;
        Ok(FetchedDocument {
            final_url: fetched.final_url,
            json,
        })
    }

    /// Fetches a WebFinger (JRD) document: unsigned GET, JRD content type, a JSON object
    /// within the configured size cap. No `id` check (JRD has none; the caller checks
    /// `subject` and links).
    pub async fn fetch_jrd(&self, url: &Url) -> Result<FetchedDocument, FetchError> {
        let fetched = self
            .with_deadline(self.get_checked(
                url,
                JRD_ACCEPT,
                self.inner.config.max_document_bytes,
                None,
                Some(is_jrd_content_type),
            ))
            .await?;
        let json = parse_json_object(&fetched.body)?;
        Ok(FetchedDocument {
            final_url: fetched.final_url,
            json,
        })
    }

    /// POSTs an activity to an inbox (`Content-Type: application/activity+json`), signed
    /// when a signer is given, and classifies the answer. Redirects are not followed
    /// (a 3xx is retryable, as for Mastodon).
    ///
    /// `Err` means the client itself refused (scheme, policy, forbidden address, signing
    /// failure): retrying will not help until the configuration changes. Network errors
    /// and timeouts are `Ok(DeliveryOutcome::Retryable { .. })`.
    pub async fn post_activity(
        &self,
        inbox: &Url,
        body: Vec<u8>,
        signer: Option<&dyn RequestSigner>,
    ) -> Result<DeliveryOutcome, FetchError> {
        let outgoing = Outgoing {
            method: Method::POST,
            url: inbox.clone(),
            accept: ACTIVITY_ACCEPT,
            content_type: Some(ACTIVITY_CONTENT_TYPE),
            body: Some(body),
            signer,
            follow_redirects: false,
        };
        let result = self
            .with_deadline(async {
                let (_, response) = self.send(outgoing).await?;
                let retry_after = response
                    .headers()
                    .get(header::RETRY_AFTER)
                    .and_then(|value| value.to_str().ok())
                    .and_then(|value| parse_retry_after(value, time::OffsetDateTime::now_utc()));
                Ok(delivery::classify(response.status().as_u16(), retry_after))
            })
            .await;
        match result {
            Ok(outcome) => Ok(outcome),
            Err(FetchError::Timeout) => Ok(DeliveryOutcome::Retryable {
                reason: RetryReason::Timeout,
                retry_after: None,
            }),
            Err(FetchError::Network(error)) => Ok(DeliveryOutcome::Retryable {
                reason: RetryReason::Network(error_chain(&error)),
                retry_after: None,
            }),
            Err(refused) => Err(refused),
        }
    }

    /// Runs `call` under the total deadline.
    async fn with_deadline<T>(
        &self,
        call: impl Future<Output = Result<T, FetchError>>,
    ) -> Result<T, FetchError> {
        tokio::time::timeout(self.inner.config.total_timeout, call)
            .await
            .unwrap_or(Err(FetchError::Timeout))
    }

    async fn get_checked(
        &self,
        url: &Url,
        accept: &'static str,
        max_bytes: usize,
        signer: Option<&dyn RequestSigner>,
        content_type_ok: Option<fn(&str) -> bool>,
    ) -> Result<FetchedBody, FetchError> {
        let (final_url, mut response) = self
            .send(Outgoing {
                method: Method::GET,
                url: url.clone(),
                accept,
                content_type: None,
                body: None,
                signer,
                follow_redirects: true,
            })
            .await?;
        let status = response.status();
        check_status(status)?;
        let content_type = response
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|value| value.to_str().ok())
            .map(str::to_owned);
        if let Some(ok) = content_type_ok
            && !content_type.as_deref().is_some_and(ok)
        {
            return Err(FetchError::WrongContentType { content_type });
        }
        let body = read_capped(&mut response, max_bytes).await?;
        Ok(FetchedBody {
            final_url,
            status: status.as_u16(),
            content_type,
            body,
        })
    }

    /// Sends one logical request, following redirects by hand when asked. Returns the
    /// final URL and the response (body unread).
    async fn send(
        &self,
        mut outgoing: Outgoing<'_>,
    ) -> Result<(Url, reqwest::Response), FetchError> {
        let mut url = outgoing.url.clone();
        let mut redirects = 0;
        loop {
            self.check_target(&url)?;
            let mut request = reqwest::Request::new(outgoing.method.clone(), url.clone());
            let headers = request.headers_mut();
            headers.insert(header::USER_AGENT, self.inner.user_agent_header.clone());
            headers.insert(header::ACCEPT, HeaderValue::from_static(outgoing.accept));
            if let Some(content_type) = outgoing.content_type {
                headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
            }
            // Bodies are only sent without redirects, so one use is enough.
            if let Some(body) = outgoing.body.take() {
                *request.body_mut() = Some(body.into());
            }
            if let Some(signer) = outgoing.signer {
                signer.sign(&mut request).map_err(FetchError::Signing)?;
            }
            let response = self
                .inner
                .http
                .execute(request)
                .await
                .map_err(map_reqwest_error)?;
            if !(outgoing.follow_redirects && is_redirect(response.status())) {
                return Ok((url, response));
            }
            if redirects >= self.inner.config.max_redirects {
                return Err(FetchError::TooManyRedirects {
                    limit: self.inner.config.max_redirects,
                });
            }
            let location = response
                .headers()
                .get(header::LOCATION)
                .and_then(|value| value.to_str().ok())
                .ok_or(FetchError::InvalidRedirect)?;
            let next = next_hop(&url, location)?;
            tracing::debug!(from = %url, to = %next, "following redirect");
            url = next;
            redirects += 1;
        }
    }

    /// The checks made before every hop: scheme, URL shape, federation policy, and the
    /// SSRF guard for IP-literal hosts (names are guarded by the resolver).
    fn check_target(&self, url: &Url) -> Result<(), FetchError> {
        match url.scheme() {
            "https" => {}
            "http" if self.inner.config.insecure_local_federation => {}
            other => {
                return Err(FetchError::SchemeNotAllowed {
                    scheme: other.to_owned(),
                });
            }
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(FetchError::InvalidUrl {
                url: url.to_string(),
                reason: "credentials in the URL",
            });
        }
        let Some(host) = url.host() else {
            return Err(FetchError::InvalidUrl {
                url: url.to_string(),
                reason: "no host",
            });
        };
        if !self.inner.domain_policy.may_contact(url) {
            return Err(FetchError::BlockedDomain {
                host: host.to_string(),
            });
        }
        let literal = match host {
            Host::Ipv4(v4) => Some(IpAddr::V4(v4)),
            Host::Ipv6(v6) => Some(IpAddr::V6(v6)),
            Host::Domain(_) => None,
        };
        if let Some(addr) = literal
            && !self.inner.address_policy.permits(addr)
        {
            tracing::warn!(%addr, "refused to connect: forbidden address");
            return Err(FetchError::ForbiddenAddress {
                host: host.to_string(),
                addr,
            });
        }
        Ok(())
    }

    /// A fetched ActivityPub document must name an id on the origin it came from, and
    /// never one on ours.
    fn check_document_id(&self, json: &Value, final_url: &Url) -> Result<(), FetchError> {
        let id = json
            .get("id")
            .and_then(Value::as_str)
            .ok_or(FetchError::MissingId)?;
        let parsed = Url::parse(id).ok();
        if let Some(parsed) = &parsed
            && parsed.origin() == self.inner.local_origin
        {
            return Err(FetchError::ClaimsLocalId { id: id.to_owned() });
        }
        match parsed {
            Some(parsed) if parsed.origin() == final_url.origin() => Ok(()),
            _ => Err(FetchError::IdOriginMismatch {
                id: id.to_owned(),
                final_url: final_url.to_string(),
            }),
        }
    }
}

fn is_redirect(status: StatusCode) -> bool {
    matches!(status.as_u16(), 301 | 302 | 303 | 307 | 308)
}

fn check_status(status: StatusCode) -> Result<(), FetchError> {
    match status.as_u16() {
        200..=299 => Ok(()),
        404 => Err(FetchError::NotFound),
        410 => Err(FetchError::Gone),
        other => Err(FetchError::Status(other)),
    }
}

/// The URL a redirect points to, relative to the URL that answered. https -> http is
/// refused here; everything else is re-checked by `check_target` before the next hop.
fn next_hop(current: &Url, location: &str) -> Result<Url, FetchError> {
    let location = location.trim();
    if location.is_empty() {
        return Err(FetchError::InvalidRedirect);
    }
    let mut next = current
        .join(location)
        .map_err(|_| FetchError::InvalidRedirect)?;
    next.set_fragment(None);
    if current.scheme() == "https" && next.scheme() == "http" {
        return Err(FetchError::InsecureRedirect {
            from: current.to_string(),
            to: next.to_string(),
        });
    }
    Ok(next)
}

/// Reads the body, refusing more than `limit` bytes (announced or actually sent).
async fn read_capped(
    response: &mut reqwest::Response,
    limit: usize,
) -> Result<Vec<u8>, FetchError> {
    let announced = response.content_length();
    if announced.is_some_and(|length| length > limit as u64) {
        return Err(FetchError::TooLarge { limit });
    }
    let capacity = announced.map_or(0, |length| length as usize).min(limit);
    let mut body = Vec::with_capacity(capacity);
    while let Some(chunk) = response.chunk().await.map_err(map_reqwest_error)? {
        if chunk.len() > limit - body.len() {
            return Err(FetchError::TooLarge { limit });
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

fn parse_json_object(body: &[u8]) -> Result<Value, FetchError> {
    let json: Value =
        serde_json::from_slice(body).map_err(|error| FetchError::InvalidJson(error.to_string()))?;
    if !json.is_object() {
        return Err(FetchError::InvalidJson("not a JSON object".to_owned()));
    }
    Ok(json)
}

/// Turns reqwest's error back into ours: a refusal by the guard inside the resolver
/// becomes `ForbiddenAddress`, timeouts `Timeout`, anything else `Network`.
fn map_reqwest_error(error: reqwest::Error) -> FetchError {
    let mut source = error.source();
    while let Some(cause) = source {
        if let Some(refusal) = cause.downcast_ref::<GuardRefusal>() {
            return FetchError::ForbiddenAddress {
                host: refusal.host.clone(),
                addr: refusal.addr,
            };
        }
        source = cause.source();
    }
    if error.is_timeout() {
        return FetchError::Timeout;
    }
    FetchError::Network(error)
}

/// An error and its causes on one line, for logs and retry reasons.
fn error_chain(error: &(dyn std::error::Error + 'static)) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(s: &str) -> Url {
        Url::parse(s).unwrap()
    }

    #[test]
    fn content_types() {
        for ok in [
            "application/activity+json",
            "application/activity+json; charset=utf-8",
            "application/ld+json; profile=\"https://www.w3.org/ns/activitystreams\"",
            "application/ld+json",
            "Application/LD+JSON ; profile=\"x\"",
            "application/json",
            "application/json; charset=utf-8",
        ] {
            assert!(is_activity_content_type(ok), "{ok}");
        }
        for bad in [
            "text/html",
            "text/html; charset=utf-8",
            "application/jrd+json",
            "application/xml",
            "",
            "application/activity+json+evil",
            "text/plain; x=application/json",
        ] {
            assert!(!is_activity_content_type(bad), "{bad}");
        }
        for ok in [
            "application/jrd+json",
            "application/jrd+json; charset=utf-8",
            "application/json",
        ] {
            assert!(is_jrd_content_type(ok), "{ok}");
        }
        for bad in [
            "application/activity+json",
            "text/html",
            "application/xrd+xml",
        ] {
            assert!(!is_jrd_content_type(bad), "{bad}");
        }
    }

    #[test]
    fn redirect_targets() {
        let here = url("https://a.example/users/alice?x=1");
        assert_eq!(
            next_hop(&here, "/users/bob").unwrap().as_str(),
            "https://a.example/users/bob"
        );
        assert_eq!(
            next_hop(&here, "bob#frag").unwrap().as_str(),
            "https://a.example/users/bob"
        );
        assert_eq!(
            next_hop(&here, "https://b.example/x").unwrap().as_str(),
            "https://b.example/x"
        );
        assert_eq!(
            next_hop(&here, "//c.example/y").unwrap().as_str(),
            "https://c.example/y"
        );
        assert!(matches!(
            next_hop(&here, "http://a.example/users/alice"),
            Err(FetchError::InsecureRedirect { .. })
        ));
        // Other schemes come through here and are refused by check_target.
        assert_eq!(
            next_hop(&here, "file:///etc/passwd").unwrap().scheme(),
            "file"
        );
        for invalid in ["http://[::1", "", "  "] {
            assert!(matches!(
                next_hop(&here, invalid),
                Err(FetchError::InvalidRedirect)
            ));
        }
        // http -> https and http -> http are fine (development switch decides on http).
        let plain = url("http://127.0.0.1:8080/a");
        assert_eq!(
            next_hop(&plain, "https://b.example/").unwrap().scheme(),
            "https"
        );
        assert_eq!(
            next_hop(&plain, "/b").unwrap().as_str(),
            "http://127.0.0.1:8080/b"
        );
    }

    #[test]
    fn statuses() {
        assert!(check_status(StatusCode::OK).is_ok());
        assert!(check_status(StatusCode::NON_AUTHORITATIVE_INFORMATION).is_ok());
        assert!(matches!(
            check_status(StatusCode::NOT_FOUND),
            Err(FetchError::NotFound)
        ));
        assert!(matches!(
            check_status(StatusCode::GONE),
            Err(FetchError::Gone)
        ));
        assert!(matches!(
            check_status(StatusCode::FORBIDDEN),
            Err(FetchError::Status(403))
        ));
        assert!(matches!(
            check_status(StatusCode::NOT_MODIFIED),
            Err(FetchError::Status(304))
        ));
        for status in [301, 302, 303, 307, 308] {
            assert!(is_redirect(StatusCode::from_u16(status).unwrap()));
        }
        for status in [200, 300, 304, 305, 306, 404] {
            assert!(!is_redirect(StatusCode::from_u16(status).unwrap()));
        }
    }

    #[test]
    fn check_target_rules() {
        let production =
            OutboundClient::new(ClientConfig::new(url("https://hamlet.test"))).expect("client");
        let mut dev_config = ClientConfig::new(url("http://127.0.0.1:3000"));
        dev_config.insecure_local_federation = true;
        let dev = OutboundClient::new(dev_config).expect("client");

        let refused = |client: &OutboundClient, u: &str| client.check_target(&url(u)).unwrap_err();

        assert!(
            production
                .check_target(&url("https://remote.example/x"))
                .is_ok()
        );
        assert!(matches!(
            refused(&production, "http://remote.example/x"),
            FetchError::SchemeNotAllowed { .. }
        ));
        for u in ["ftp://remote.example/", "file:///etc/passwd", "gopher://x/"] {
            assert!(matches!(
                refused(&production, u),
                FetchError::SchemeNotAllowed { .. }
            ));
            assert!(matches!(
                refused(&dev, u),
                FetchError::SchemeNotAllowed { .. }
            ));
        }
        assert!(matches!(
            refused(&production, "https://user:pw@remote.example/"),
            FetchError::InvalidUrl { .. }
        ));
        for u in [
            "https://127.0.0.1/",
            "https://0x7f.1/",
            "https://2130706433/",
            "https://[::1]/",
            "https://[::ffff:10.0.0.1]/",
            "https://169.254.169.254/latest/meta-data/",
            "https://0.0.0.0/",
        ] {
            assert!(
                matches!(refused(&production, u), FetchError::ForbiddenAddress { .. }),
                "{u}"
            );
        }
        assert!(dev.check_target(&url("http://127.0.0.1:4000/x")).is_ok());
        assert!(dev.check_target(&url("http://[::1]:4000/x")).is_ok());
        assert!(dev.check_target(&url("http://127.0.0.2:4000/x")).is_ok());
        for u in [
            "http://10.0.0.1/",
            "http://[::ffff:127.0.0.1]/",
            "http://169.254.169.254/",
            "http://192.168.1.1/",
        ] {
            assert!(
                matches!(refused(&dev, u), FetchError::ForbiddenAddress { .. }),
                "{u}"
            );
        }
    }

    #[test]
    fn user_agent_names_the_local_origin() {
        let client =
            OutboundClient::new(ClientConfig::new(url("https://hamlet.test/some/path"))).unwrap();
        assert_eq!(
            client.user_agent(),
            format!(
                "Hamlet/{} (+https://hamlet.test/)",
                env!("CARGO_PKG_VERSION")
            )
        );
        let err =
            OutboundClient::new(ClientConfig::new(url("mailto:admin@hamlet.test"))).unwrap_err();
        assert!(matches!(err, ClientBuildError::InvalidLocalOrigin(_)));
    }

    #[test]
    fn transient_errors() {
        assert!(FetchError::Timeout.is_transient());
        assert!(FetchError::Status(503).is_transient());
        assert!(FetchError::Status(429).is_transient());
        assert!(!FetchError::Status(403).is_transient());
        assert!(!FetchError::Gone.is_transient());
        assert!(!FetchError::TooManyRedirects { limit: 5 }.is_transient());
    }
}
