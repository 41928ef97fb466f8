//! What the API needs to know about this instance, decided once at start from the
//! configuration.

use url::Url;

use crate::rate_limit::RateLimits;

#[derive(Clone, Debug)]
pub struct Settings {
    /// Where the instance is reached, e.g. `https://hamlet.example` (no path).
    pub public_url: Url,
    pub instance: InstanceSettings,
    /// Largest request body accepted by API endpoints.
    pub max_request_bytes: usize,
    /// Whether `X-Forwarded-For` names the client (only behind a trusted proxy).
    pub trust_proxy_headers: bool,
    pub rate_limits: RateLimits,
    pub timelines: TimelineAccess,
    /// DEVELOPMENT ONLY: let federation use `http://` and loopback addresses, so that
    /// several instances can talk on one machine. Off by default; logged loudly when on.
    pub insecure_local_federation: bool,
    /// How requests to other servers are signed.
    pub outbound_signatures: OutboundSignatures,
    /// Deliveries in flight at most.
    pub delivery_concurrency: usize,
    /// How long a claimed delivery stays claimed (after a crash, the wait before it is
    /// sent again).
    pub delivery_lease: std::time::Duration,
    /// Where apps and other servers are sent for media files, when not this server's
    /// `/media/` (a CDN pulling from it). Pages always use `/media/`.
    pub media_base_url: Option<Url>,
}

/// The HTTP signature scheme of outbound requests.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum OutboundSignatures {
    /// draft-cavage-http-signatures-12: what nearly every server verifies.
    #[default]
    DraftCavage,
    /// RFC 9421 HTTP Message Signatures.
    Rfc9421,
}

/// Whether visitors who are not signed in may read the public timelines.
#[derive(Clone, Copy, Debug)]
pub struct TimelineAccess {
    /// The community (local) timeline; off by default, for small communities.
    pub local_public: bool,
    /// The federated timeline.
    pub remote_public: bool,
}

impl Default for TimelineAccess {
    fn default() -> TimelineAccess {
        TimelineAccess {
            local_public: false,
            remote_public: true,
        }
    }
}

#[derive(Clone, Debug)]
pub struct InstanceSettings {
    pub name: String,
    pub description: String,
    pub contact_email: String,
    pub languages: Vec<String>,
    pub max_characters: u32,
    pub source_url: String,
}

impl Settings {
    /// A configuration for the given public URL with every other value at its default.
    pub fn for_url(public_url: Url) -> Settings {
        Settings {
            public_url,
            instance: InstanceSettings {
                name: "Hamlet".into(),
                description: String::new(),
                contact_email: String::new(),
                languages: vec!["en".into()],
                max_characters: 5000,
                source_url: env!("CARGO_PKG_REPOSITORY").to_owned(),
            },
            max_request_bytes: 1024 * 1024,
            trust_proxy_headers: false,
            rate_limits: RateLimits::default(),
            timelines: TimelineAccess::default(),
            insecure_local_federation: false,
            outbound_signatures: OutboundSignatures::DraftCavage,
            delivery_concurrency: 8,
            delivery_lease: std::time::Duration::from_secs(300),
            media_base_url: None,
        }
    }

    /// The instance's domain as Mastodon reports it: the host, with the port when it is
    /// not the scheme's default.
    pub fn domain(&self) -> String {
        let host = self.public_url.host_str().unwrap_or("localhost");
        match self.public_url.port() {
            Some(port) => format!("{host}:{port}"),
            None => host.to_owned(),
        }
    }

    /// An absolute URL for `path` (which starts with `/`) on this instance.
    pub fn url(&self, path: &str) -> String {
        let base = self.public_url.as_str().trim_end_matches('/');
        format!("{base}{path}")
    }

    /// Where apps are sent for the stored file `key` (as federation's
    /// `LocalInstance::media_url`, which the same setting configures).
    pub fn media_url(&self, key: &str) -> String {
        match &self.media_base_url {
            Some(base) => format!("{}/{key}", base.as_str().trim_end_matches('/')),
            None => self.url(&format!("/media/{key}")),
        }
    }

    pub fn is_https(&self) -> bool {
        self.public_url.scheme() == "https"
    }
}
