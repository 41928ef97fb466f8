//! Configuration: one TOML file plus `HAMLET_*` environment variables (which win), read
//! and validated once at start into typed values. Errors name the key and where its
//! value came from.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use hamlet_api::Settings;
use hamlet_api::rate_limit::RateLimits;
use hamlet_api::settings::InstanceSettings;
use serde::{Deserialize, Serialize};
use url::Url;

pub const DEFAULT_CONFIG_FILE: &str = "hamlet.toml";
const ENV_PREFIX: &str = "HAMLET_";
const SECTIONS: &[&str] = &[
    "server",
    "database",
    "instance",
    "federation",
    "media",
    "limits",
    "log",
];

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RawConfig {
    pub server: ServerSection,
    pub database: DatabaseSection,
    pub instance: InstanceSection,
    pub federation: FederationSection,
    pub media: MediaSection,
    pub limits: LimitsSection,
    pub log: LogSection,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct FederationSection {
    /// DEVELOPMENT ONLY: federate over `http://` with loopback addresses, for several
    /// instances on one machine. Never on in production.
    pub allow_insecure_loopback_for_development: bool,
    /// How outbound requests are signed: `draft-cavage` (what most servers verify) or
    /// `rfc9421`.
    pub signature_scheme: String,
    /// Deliveries sent at once at most.
    pub delivery_concurrency: u32,
    /// How long a delivery stays claimed by a worker: after a crash, what it was sending
    /// is sent again once this has passed. Must exceed the 30 s request timeout.
    pub delivery_lease_seconds: u64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MediaSection {
    /// `local` (a directory) or `s3` (an S3-compatible bucket).
    pub backend: String,
    /// Where files are kept with the local backend; empty: `media` in `server.data_dir`.
    pub directory: PathBuf,
    /// Where apps and other servers fetch media: empty for this server's `/media/`, or a
    /// CDN whose origin is `<public_url>/media/`. The web pages always use `/media/`.
    pub base_url: String,
    /// The S3 backend: endpoint URL, bucket, region, credentials, and whether the
    /// bucket goes in the path (MinIO, Garage) rather than the host name (AWS).
    pub s3_endpoint: String,
    pub s3_bucket: String,
    pub s3_region: String,
    pub s3_access_key_id: String,
    pub s3_secret_access_key: String,
    pub s3_path_style: bool,
    /// Copies of other servers' pictures and videos older than this many days are
    /// removed (and copied again when someone asks for them).
    pub remote_cache_days: u32,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ServerSection {
    pub listen: String,
    pub public_url: String,
    pub data_dir: PathBuf,
    pub trust_proxy_headers: bool,
    pub max_request_bytes: u64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DatabaseSection {
    /// Empty: SQLite in `server.data_dir`.
    pub url: String,
    pub max_connections: u32,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct InstanceSection {
    pub name: String,
    pub description: String,
    pub contact_email: String,
    pub languages: Vec<String>,
    pub max_characters: u32,
    pub source_url: String,
    /// Whether visitors who are not signed in may read the community timeline.
    pub public_local_timeline: bool,
    /// Whether they may read remote posts in the federated timeline.
    pub public_federated_timeline: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LimitsSection {
    pub window_seconds: u64,
    pub sign_in_attempts: u32,
    pub token_requests: u32,
    pub app_registrations: u32,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LogSection {
    pub level: String,
    pub format: LogFormat,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Text,
    Json,
}

impl Default for RawConfig {
    fn default() -> Self {
        RawConfig {
            server: ServerSection {
                listen: "127.0.0.1:8080".into(),
                public_url: "http://localhost:8080".into(),
                data_dir: PathBuf::from("hamlet-data"),
                trust_proxy_headers: false,
                max_request_bytes: 1024 * 1024,
            },
            database: DatabaseSection {
                url: String::new(),
                max_connections: 8,
            },
            instance: InstanceSection {
                name: "Hamlet".into(),
                description: "A small community on the fediverse.".into(),
                contact_email: String::new(),
                languages: vec!["en".into()],
                max_characters: 5000,
                // The AGPL asks that users can get the source of what they run.
                source_url: env!("CARGO_PKG_REPOSITORY").to_owned(),
                public_local_timeline: false,
                public_federated_timeline: true,
            },
            federation: FederationSection {
                allow_insecure_loopback_for_development: false,
                signature_scheme: "draft-cavage".into(),
                delivery_concurrency: 8,
                delivery_lease_seconds: 300,
            },
            media: MediaSection {
                backend: "local".into(),
                directory: PathBuf::new(),
                base_url: String::new(),
                s3_endpoint: String::new(),
                s3_bucket: String::new(),
                s3_region: "us-east-1".into(),
                s3_access_key_id: String::new(),
                s3_secret_access_key: String::new(),
                s3_path_style: false,
                remote_cache_days: 14,
            },
            limits: LimitsSection {
                window_seconds: 300,
                sign_in_attempts: 10,
                token_requests: 60,
                app_registrations: 30,
            },
            log: LogSection {
                level: "info".into(),
                format: LogFormat::Text,
            },
        }
    }
}

impl Default for ServerSection {
    fn default() -> Self {
        RawConfig::default().server
    }
}
impl Default for DatabaseSection {
    fn default() -> Self {
        RawConfig::default().database
    }
}
impl Default for InstanceSection {
    fn default() -> Self {
        RawConfig::default().instance
    }
}
impl Default for FederationSection {
    fn default() -> Self {
        RawConfig::default().federation
    }
}
impl Default for MediaSection {
    fn default() -> Self {
        RawConfig::default().media
    }
}
impl Default for LimitsSection {
    fn default() -> Self {
        RawConfig::default().limits
    }
}
impl Default for LogSection {
    fn default() -> Self {
        RawConfig::default().log
    }
}

/// The validated configuration the server runs with.
#[derive(Debug, Clone)]
pub struct Config {
    pub listen: SocketAddr,
    pub data_dir: PathBuf,
    /// Where media files are kept: this directory, unless `media_s3` names a bucket.
    pub media_dir: PathBuf,
    pub media_s3: Option<hamlet_media::S3Config>,
    /// How long copies of other servers' media are kept.
    pub remote_media_cache: Duration,
    pub database_url: String,
    pub max_connections: u32,
    pub log_level: String,
    pub log_format: LogFormat,
    pub settings: Settings,
    /// Where the file came from, if one was read.
    pub file: Option<PathBuf>,
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("configuration file {0} does not exist")]
    MissingFile(PathBuf),
    #[error("{0}")]
    Invalid(String),
}

/// Where a key's value came from, for error messages.
fn origin(key: &str, file: Option<&Path>) -> String {
    let var = format!("{ENV_PREFIX}{}", key.replace('.', "_").to_ascii_uppercase());
    if std::env::var_os(&var).is_some() {
        return format!("from environment variable {var}");
    }
    if let Some(file) = file
        && let Ok(text) = std::fs::read_to_string(file)
        && let Ok(table) = text.parse::<toml::Table>()
    {
        let mut node = Some(&toml::Value::Table(table));
        for part in key.split('.') {
            node = node.and_then(|n| n.get(part));
        }
        if node.is_some() {
            return format!("from {}", file.display());
        }
    }
    "the default".into()
}

fn invalid(
    key: &str,
    file: Option<&Path>,
    value: impl std::fmt::Display,
    why: &str,
) -> ConfigError {
    ConfigError::Invalid(format!(
        "invalid {key} = {value:?} ({}): {why}",
        origin(key, file),
        value = value.to_string()
    ))
}

/// Reads the configuration: `explicit` if given (it must exist), else `hamlet.toml` in the
/// working directory if present, else defaults; `HAMLET_*` variables override either.
pub fn load(explicit: Option<&Path>) -> Result<Config, ConfigError> {
    let file = match explicit {
        Some(path) if !path.exists() => return Err(ConfigError::MissingFile(path.to_owned())),
        Some(path) => Some(path.to_owned()),
        None => Some(PathBuf::from(DEFAULT_CONFIG_FILE)).filter(|p| p.exists()),
    };
    let mut figment = Figment::from(Serialized::defaults(RawConfig::default()));
    if let Some(file) = &file {
        figment = figment.merge(Toml::file_exact(file));
    }
    figment = figment.merge(
        Env::prefixed(ENV_PREFIX)
            // `HAMLET_SERVER_PUBLIC_URL` is `server.public_url`: the first word names the
            // section. Other `HAMLET_*` variables (test settings, say) are not ours.
            .filter(|key| {
                let key = key.as_str().to_ascii_lowercase();
                SECTIONS.iter().any(|s| {
                    key.strip_prefix(s)
                        .is_some_and(|rest| rest.starts_with('_'))
                })
            })
            .map(|key| {
                key.as_str()
                    .to_ascii_lowercase()
                    .replacen('_', ".", 1)
                    .into()
            }),
    );
    let raw: RawConfig = figment.extract().map_err(|errors| {
        let messages: Vec<String> = errors
            .into_iter()
            .map(|e| {
                let key = e.path.join(".");
                let source = e
                    .metadata
                    .as_ref()
                    .map(|m| match &m.source {
                        Some(source) => format!("{} ({source})", m.name),
                        None => m.name.to_string(),
                    })
                    .unwrap_or_else(|| "configuration".into());
                if key.is_empty() {
                    format!("{} (in {source})", e.kind)
                } else {
                    format!("invalid {key}: {} (in {source})", e.kind)
                }
            })
            .collect();
        ConfigError::Invalid(messages.join("; "))
    })?;
    validate(raw, file)
}

fn validate(raw: RawConfig, file: Option<PathBuf>) -> Result<Config, ConfigError> {
    let f = file.as_deref();
    let listen: SocketAddr = raw.server.listen.parse().map_err(|_| {
        invalid(
            "server.listen",
            f,
            &raw.server.listen,
            "expected an address like 127.0.0.1:8080",
        )
    })?;
    let public_url = Url::parse(&raw.server.public_url).map_err(|e| {
        invalid(
            "server.public_url",
            f,
            &raw.server.public_url,
            &e.to_string(),
        )
    })?;
    if !matches!(public_url.scheme(), "http" | "https") || public_url.host_str().is_none() {
        return Err(invalid(
            "server.public_url",
            f,
            &raw.server.public_url,
            "expected an http:// or https:// URL",
        ));
    }
    if public_url.path() != "/" || public_url.query().is_some() || public_url.fragment().is_some() {
        return Err(invalid(
            "server.public_url",
            f,
            &raw.server.public_url,
            "must be the root of a domain, without a path (Hamlet cannot live under a subpath)",
        ));
    }
    if !public_url.username().is_empty() || public_url.password().is_some() {
        return Err(invalid(
            "server.public_url",
            f,
            &raw.server.public_url,
            "must not contain credentials",
        ));
    }
    if !(1024..=1024 * 1024 * 1024).contains(&raw.server.max_request_bytes) {
        return Err(invalid(
            "server.max_request_bytes",
            f,
            raw.server.max_request_bytes,
            "must be between 1024 and 1073741824",
        ));
    }
    let database_url = if raw.database.url.is_empty() {
        format!(
            "sqlite://{}",
            raw.server.data_dir.join("hamlet.db").display()
        )
    } else if raw.database.url.starts_with("sqlite:")
        || raw.database.url.starts_with("postgres://")
        || raw.database.url.starts_with("postgresql://")
    {
        raw.database.url.clone()
    } else {
        return Err(invalid(
            "database.url",
            f,
            redact(&raw.database.url),
            "must start with sqlite: or postgres://",
        ));
    };
    if !(1..=1000).contains(&raw.database.max_connections) {
        return Err(invalid(
            "database.max_connections",
            f,
            raw.database.max_connections,
            "must be between 1 and 1000",
        ));
    }
    let name = raw.instance.name.trim().to_owned();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(invalid(
            "instance.name",
            f,
            &raw.instance.name,
            "must be 1 to 100 characters",
        ));
    }
    if !(1..=100_000).contains(&raw.instance.max_characters) {
        return Err(invalid(
            "instance.max_characters",
            f,
            raw.instance.max_characters,
            "must be between 1 and 100000",
        ));
    }
    for language in &raw.instance.languages {
        if hamlet_core::account::Language::parse(language).is_err() {
            return Err(invalid(
                "instance.languages",
                f,
                language,
                "is not an ISO 639 language code",
            ));
        }
    }
    if !raw.instance.contact_email.is_empty() && !raw.instance.contact_email.contains('@') {
        return Err(invalid(
            "instance.contact_email",
            f,
            &raw.instance.contact_email,
            "is not an email address",
        ));
    }
    if !url::Url::parse(&raw.instance.source_url)
        .is_ok_and(|url| matches!(url.scheme(), "http" | "https"))
    {
        return Err(invalid(
            "instance.source_url",
            f,
            &raw.instance.source_url,
            "expected the http(s) address where this server's source code is published",
        ));
    }
    let signature_scheme = match raw.federation.signature_scheme.as_str() {
        "draft-cavage" => hamlet_api::settings::OutboundSignatures::DraftCavage,
        "rfc9421" => hamlet_api::settings::OutboundSignatures::Rfc9421,
        other => {
            return Err(invalid(
                "federation.signature_scheme",
                f,
                other,
                "expected draft-cavage or rfc9421",
            ));
        }
    };
    if raw.federation.delivery_concurrency == 0 || raw.federation.delivery_concurrency > 256 {
        return Err(invalid(
            "federation.delivery_concurrency",
            f,
            raw.federation.delivery_concurrency,
            "must be 1 to 256",
        ));
    }
    if raw.federation.delivery_lease_seconds < 5 {
        return Err(invalid(
            "federation.delivery_lease_seconds",
            f,
            raw.federation.delivery_lease_seconds,
            "must be at least 5",
        ));
    }
    let media_s3 = match raw.media.backend.as_str() {
        "local" => None,
        "s3" => {
            if !url::Url::parse(&raw.media.s3_endpoint)
                .is_ok_and(|url| matches!(url.scheme(), "http" | "https"))
            {
                return Err(invalid(
                    "media.s3_endpoint",
                    f,
                    &raw.media.s3_endpoint,
                    "expected the http(s) URL of the S3-compatible service",
                ));
            }
            for (key, value) in [
                ("media.s3_bucket", &raw.media.s3_bucket),
                ("media.s3_region", &raw.media.s3_region),
                ("media.s3_access_key_id", &raw.media.s3_access_key_id),
                (
                    "media.s3_secret_access_key",
                    &raw.media.s3_secret_access_key,
                ),
            ] {
                if value.is_empty() {
                    return Err(invalid(
                        key,
                        f,
                        "",
                        "is required with media.backend = \"s3\"",
                    ));
                }
            }
            Some(hamlet_media::S3Config {
                endpoint: raw.media.s3_endpoint.clone(),
                bucket: raw.media.s3_bucket.clone(),
                region: raw.media.s3_region.clone(),
                access_key_id: raw.media.s3_access_key_id.clone(),
                secret_access_key: raw.media.s3_secret_access_key.clone(),
                path_style: raw.media.s3_path_style,
            })
        }
        other => {
            return Err(invalid("media.backend", f, other, "expected local or s3"));
        }
    };
    let media_base_url = match raw.media.base_url.as_str() {
        "" => None,
        given => Some(
            url::Url::parse(given)
                .ok()
                .filter(|url| matches!(url.scheme(), "http" | "https") && url.query().is_none())
                .ok_or_else(|| {
                    invalid(
                        "media.base_url",
                        f,
                        given,
                        "expected the http(s) URL where media files are published",
                    )
                })?,
        ),
    };
    if raw.media.remote_cache_days == 0 || raw.media.remote_cache_days > 3650 {
        return Err(invalid(
            "media.remote_cache_days",
            f,
            raw.media.remote_cache_days,
            "must be 1 to 3650",
        ));
    }
    if raw.limits.window_seconds == 0 {
        return Err(invalid("limits.window_seconds", f, 0, "must be at least 1"));
    }
    if tracing_subscriber::EnvFilter::try_new(&raw.log.level).is_err() {
        return Err(invalid(
            "log.level",
            f,
            &raw.log.level,
            "expected a level (error, warn, info, debug, trace) or a tracing filter",
        ));
    }
    let mut settings = Settings::for_url(public_url);
    settings.instance = InstanceSettings {
        name,
        description: raw.instance.description,
        contact_email: raw.instance.contact_email,
        languages: raw.instance.languages,
        max_characters: raw.instance.max_characters,
        source_url: raw.instance.source_url,
    };
    settings.max_request_bytes =
        usize::try_from(raw.server.max_request_bytes).unwrap_or(usize::MAX);
    settings.trust_proxy_headers = raw.server.trust_proxy_headers;
    settings.insecure_local_federation = raw.federation.allow_insecure_loopback_for_development;
    settings.outbound_signatures = signature_scheme;
    settings.delivery_concurrency = raw.federation.delivery_concurrency as usize;
    settings.media_base_url = media_base_url;
    settings.delivery_lease = Duration::from_secs(raw.federation.delivery_lease_seconds);
    settings.timelines = hamlet_api::settings::TimelineAccess {
        local_public: raw.instance.public_local_timeline,
        remote_public: raw.instance.public_federated_timeline,
    };
    settings.rate_limits = RateLimits {
        window: Duration::from_secs(raw.limits.window_seconds),
        sign_in: raw.limits.sign_in_attempts,
        token: raw.limits.token_requests,
        app_registration: raw.limits.app_registrations,
    };
    let media_dir = if raw.media.directory.as_os_str().is_empty() {
        raw.server.data_dir.join("media")
    } else {
        raw.media.directory.clone()
    };
    Ok(Config {
        listen,
        media_dir,
        media_s3,
        remote_media_cache: Duration::from_secs(u64::from(raw.media.remote_cache_days) * 86_400),
        data_dir: raw.server.data_dir,
        database_url,
        max_connections: raw.database.max_connections,
        log_level: raw.log.level,
        log_format: raw.log.format,
        settings,
        file,
    })
}

/// A database URL with its password hidden, for messages.
pub fn redact(url: &str) -> String {
    match Url::parse(url) {
        Ok(mut parsed) if parsed.password().is_some() => {
            let _ = parsed.set_password(Some("***"));
            parsed.to_string()
        }
        _ => url.to_owned(),
    }
}
