//! HTTP signatures: how a server proves that a request comes from one of its accounts, and
//! how we decide whether to believe a request that claims to.
//!
//! The fediverse speaks two dialects. Nearly every server sends and accepts
//! draft-cavage-http-signatures-12 (the `Signature` header Mastodon popularised); newer
//! ones (Fedify, and Mastodon's own roadmap) also speak RFC 9421 (`Signature-Input` plus
//! `Signature`). We verify both, preferring RFC 9421 when a request carries both, and sign
//! with whichever the caller picks (the delivery code remembers what each peer accepts).
//!
//! Verification is split in three steps so that the inbound gate can do the cheap, local
//! work before anything that costs a network round trip, and can retry once with a fresh
//! key when an actor has rotated theirs:
//!
//! 1. [`parse_request_signature`]: syntax only. Yields the `keyId` the caller has to fetch.
//! 2. [`ParsedSignature::check`]: everything that needs no key: the required headers or
//!    components are covered, the signature is fresh, the body matches its digest, and
//!    every signed value is present. A stale or tampered request is refused here, before
//!    it can make us fetch anything. The result, [`CheckedSignature`], is the only thing
//!    that can run the cryptography, so the policy cannot be skipped by accident.
//! 3. [`CheckedSignature::verify`]: RSA. Call it again with a refetched key if it fails.
//!
//! Freshness follows Mastodon 4 rather than a plain symmetric window, because that is what
//! every sender is already tuned to: a signature is created at its `(created)`/`created`
//! time or else its `Date`, lives until its `expires` (default 5 minutes, never more than
//! 12 hours), and we allow one hour of clock skew on both ends. In effect a Date-only
//! signature is accepted from one hour in the future to 65 minutes in the past. Every
//! number is a field of [`VerifyPolicy`].
//!
//! draft-cavage's `(request-target)` is the method and the path with its query, as the
//! draft says and Mastodon 4.3+ sends. Older Mastodon, Misskey and Friendica leave the
//! query out, so a signature over the bare path is accepted too (as Mastodon does).
//!
//! Only RSA exists here: actor keys on the fediverse are RSA (PKCS#1 v1.5 with SHA-256),
//! and aws-lc-rs is the only crypto we allow (the `rsa` crate carries RUSTSEC-2023-0071).
//! RSA-PSS-SHA512 is verified too, since RFC 9421 uses it for its own examples. Keys
//! below 2048 bits are refused unless the policy says otherwise.
//!
//! Signatures are computed over what the sender saw, so the verifier must see the same
//! request line: the gate has to pass the URI the client sent (axum's `OriginalUri`), not
//! one rewritten by path normalisation or nesting, and say which scheme clients used to
//! reach us (`VerifyPolicy::public_scheme`), since behind a TLS-terminating proxy the
//! request itself says `http`.

use std::fmt;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use aws_lc_rs::digest;
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{self as sig, KeyPair as _, RsaKeyPair, UnparsedPublicKey};
use base64::Engine;
use base64::alphabet;
use base64::engine::general_purpose::STANDARD;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use hamlet_core::secret::constant_time_eq;
use http::header::{ACCEPT, CONTENT_TYPE, DATE, HOST};
use http::request::Parts;
use http::uri::Scheme;
use http::{HeaderMap, HeaderName, HeaderValue, Method};

/// The largest `Signature`, `Signature-Input` or `Authorization` value we parse. Real
/// signatures are well under 1 KiB; a 8192-bit RSA signature in base64 is 1.4 KiB.
pub const MAX_SIGNATURE_HEADER_BYTES: usize = 8 * 1024;
/// The largest PEM document we parse. An RSA-8192 public key is about 1.5 KiB.
pub const MAX_PEM_BYTES: usize = 16 * 1024;
/// The most headers or components one signature may cover.
const MAX_COVERED: usize = 32;
/// The largest `Digest` or `Content-Digest` value we parse.
const MAX_DIGEST_HEADER_BYTES: usize = 4 * 1024;
/// RSA moduli above this are refused when parsed (they only cost CPU).
const MAX_RSA_BITS: u32 = 8192;

const DIGEST: &str = "digest";
const CONTENT_DIGEST: &str = "content-digest";
const SIGNATURE: &str = "signature";
const SIGNATURE_INPUT: &str = "signature-input";
/// The label we give our RFC 9421 signatures.
const LABEL: &str = "sig1";

/// Base64 that does not insist on padding: senders differ.
const LENIENT_BASE64: GeneralPurpose = GeneralPurpose::new(
    &alphabet::STANDARD,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

// ---------------------------------------------------------------------------------------
// Errors

/// Why a request's signature was refused. Variants are distinct so that the gate can log
/// and count them; none carries secret material. Values that come from the request are
/// bounded by [`MAX_SIGNATURE_HEADER_BYTES`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    #[error("the request carries no HTTP signature")]
    NotSigned,
    #[error("malformed signature: {0}")]
    Malformed(&'static str),
    #[error("signature header is larger than {MAX_SIGNATURE_HEADER_BYTES} bytes")]
    Oversized,
    #[error("unsupported signature algorithm {0:?}")]
    UnsupportedAlgorithm(String),
    #[error("unsupported covered component {0:?}")]
    UnsupportedComponent(String),
    #[error("signed header {0:?} is missing from the request")]
    MissingHeader(String),
    #[error("{0} must be covered by the signature")]
    UnsignedRequiredHeader(&'static str),
    #[error("signature has expired")]
    Stale,
    #[error("signature is dated in the future")]
    FutureDate,
    #[error("body digest: {0}")]
    Digest(#[from] DigestError),
    #[error("key has {0} bits, fewer than the {1} required")]
    KeyTooSmall(u32, u32),
    #[error("signature does not verify")]
    BadSignature,
}

/// Why a `Digest` or `Content-Digest` header was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum DigestError {
    #[error("malformed digest header")]
    Malformed,
    #[error("no SHA-256 or SHA-512 digest offered")]
    NoSupportedAlgorithm,
    #[error("body does not match its digest")]
    Mismatch,
}

/// Why a PEM key was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    #[error("key PEM is larger than {MAX_PEM_BYTES} bytes")]
    TooLarge,
    #[error("not a PEM document")]
    NotPem,
    #[error("unsupported PEM label {0:?}")]
    UnsupportedLabel(String),
    #[error("PEM body is not valid base64")]
    BadBase64,
    #[error("not a usable RSA key")]
    InvalidKey,
}

/// Why we could not sign an outgoing request. All of these are bugs in the caller.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignError {
    #[error("request URI must be absolute http(s) with an authority")]
    RelativeUri,
    #[error("a request with a body needs a Content-Type")]
    MissingContentType,
    #[error("key id must be non-empty printable ASCII without quotes or backslashes")]
    InvalidKeyId,
    #[error("RSA signing failed")]
    Crypto,
}

// ---------------------------------------------------------------------------------------
// Keys

/// A remote actor's RSA public key, as its `publicKeyPem` gives it.
#[derive(Clone, PartialEq, Eq)]
pub struct PublicKey {
    /// PKCS#1 `RSAPublicKey` DER.
    der: Vec<u8>,
    bits: u32,
}

impl PublicKey {
    /// Parses SubjectPublicKeyInfo (`BEGIN PUBLIC KEY`, what Mastodon publishes) or PKCS#1
    /// (`BEGIN RSA PUBLIC KEY`, what some older servers publish).
    pub fn from_pem(pem: &str) -> Result<PublicKey, KeyError> {
        let (label, der) = decode_pem(pem)?;
        match label.as_str() {
            "PUBLIC KEY" | "RSA PUBLIC KEY" => PublicKey::from_der(&der),
            _ => Err(KeyError::UnsupportedLabel(label)),
        }
    }

    fn from_der(der: &[u8]) -> Result<PublicKey, KeyError> {
        let key = aws_lc_rs::rsa::PublicKey::from_der(der).map_err(|_| KeyError::InvalidKey)?;
        let der = key.as_ref().to_vec();
        let bits =
            sig::RsaParameters::public_modulus_len(&der).map_err(|_| KeyError::InvalidKey)?;
        if bits > MAX_RSA_BITS {
            return Err(KeyError::InvalidKey);
        }
        Ok(PublicKey { der, bits })
    }

    pub fn modulus_bits(&self) -> u32 {
        self.bits
    }
}

impl fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PublicKey")
            .field("bits", &self.bits)
            .finish_non_exhaustive()
    }
}

/// One of our accounts' private keys. Never printed.
pub struct PrivateKey {
    pair: RsaKeyPair,
}

impl PrivateKey {
    /// Parses PKCS#8 (`BEGIN PRIVATE KEY`, what `hamlet_core::keys` stores) or PKCS#1
    /// (`BEGIN RSA PRIVATE KEY`). aws-lc-rs refuses keys under 2048 bits.
    pub fn from_pem(pem: &str) -> Result<PrivateKey, KeyError> {
        let (label, der) = decode_pem(pem)?;
        let pair = match label.as_str() {
            "PRIVATE KEY" => RsaKeyPair::from_pkcs8(&der),
            "RSA PRIVATE KEY" => RsaKeyPair::from_der(&der),
            _ => return Err(KeyError::UnsupportedLabel(label)),
        }
        .map_err(|_| KeyError::InvalidKey)?;
        Ok(PrivateKey { pair })
    }

    pub fn public_key(&self) -> PublicKey {
        PublicKey::from_der(self.pair.public_key().as_ref())
            .expect("a parsed key pair has a valid public key")
    }

    /// RSASSA-PKCS1-v1_5 with SHA-256: what every fediverse server verifies.
    fn sign(&self, message: &[u8]) -> Result<Vec<u8>, SignError> {
        let mut out = vec![0; self.pair.public_modulus_len()];
        self.pair
            .sign(
                &sig::RSA_PKCS1_SHA256,
                &SystemRandom::new(),
                message,
                &mut out,
            )
            .map_err(|_| SignError::Crypto)?;
        Ok(out)
    }
}

impl fmt::Debug for PrivateKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PrivateKey")
            .field("bits", &(self.pair.public_modulus_len() * 8))
            .finish_non_exhaustive()
    }
}

/// Returns the label and the DER body of the first PEM block in `pem`.
fn decode_pem(pem: &str) -> Result<(String, Vec<u8>), KeyError> {
    if pem.len() > MAX_PEM_BYTES {
        return Err(KeyError::TooLarge);
    }
    const BEGIN: &str = "-----BEGIN ";
    let start = pem.find(BEGIN).ok_or(KeyError::NotPem)?;
    let rest = &pem[start + BEGIN.len()..];
    let label_end = rest.find("-----").ok_or(KeyError::NotPem)?;
    let label = &rest[..label_end];
    if label.is_empty()
        || label.len() > 64
        || !label.bytes().all(|b| b.is_ascii_graphic() || b == b' ')
    {
        return Err(KeyError::NotPem);
    }
    let body = &rest[label_end + 5..];
    let end = body
        .find(&format!("-----END {label}-----"))
        .ok_or(KeyError::NotPem)?;
    let base64: String = body[..end]
        .chars()
        .filter(|c| !c.is_ascii_whitespace())
        .collect();
    let der = STANDARD.decode(base64).map_err(|_| KeyError::BadBase64)?;
    Ok((label.to_owned(), der))
}

// ---------------------------------------------------------------------------------------
// Digests

/// `Digest: SHA-256=...` (RFC 3230) for a draft-cavage signature.
pub fn digest_header(body: &[u8]) -> String {
    format!(
        "SHA-256={}",
        STANDARD.encode(digest::digest(&digest::SHA256, body))
    )
}

/// `Content-Digest: sha-256=:...:` (RFC 9530) for an RFC 9421 signature.
pub fn content_digest_header(body: &[u8]) -> String {
    format!(
        "sha-256=:{}:",
        STANDARD.encode(digest::digest(&digest::SHA256, body))
    )
}

fn digest_algorithm(name: &str) -> Option<&'static digest::Algorithm> {
    if name.eq_ignore_ascii_case("sha-256") {
        Some(&digest::SHA256)
    } else if name.eq_ignore_ascii_case("sha-512") {
        Some(&digest::SHA512)
    } else {
        None
    }
}

fn check_one_digest(
    algorithm: &'static digest::Algorithm,
    expected: &[u8],
    body: &[u8],
) -> Result<(), DigestError> {
    if constant_time_eq(digest::digest(algorithm, body).as_ref(), expected) {
        Ok(())
    } else {
        Err(DigestError::Mismatch)
    }
}

/// Checks a `Digest` value (`SHA-256=b64, SHA-512=b64`) against the body. Unknown
/// algorithms are ignored; at least one SHA-256 or SHA-512 must be offered and every one
/// offered must match.
pub fn verify_digest_header(value: &str, body: &[u8]) -> Result<(), DigestError> {
    if value.len() > MAX_DIGEST_HEADER_BYTES {
        return Err(DigestError::Malformed);
    }
    let mut checked = false;
    for part in value.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let (name, encoded) = part.split_once('=').ok_or(DigestError::Malformed)?;
        let Some(algorithm) = digest_algorithm(name.trim()) else {
            continue;
        };
        let expected = LENIENT_BASE64
            .decode(encoded.trim())
            .map_err(|_| DigestError::Malformed)?;
        check_one_digest(algorithm, &expected, body)?;
        checked = true;
    }
    if checked {
        Ok(())
    } else {
        Err(DigestError::NoSupportedAlgorithm)
    }
}

/// Checks a `Content-Digest` value (a structured-field dictionary such as
/// `sha-256=:b64:, sha-512=:b64:`) against the body, with the same rules as
/// [`verify_digest_header`].
pub fn verify_content_digest(value: &str, body: &[u8]) -> Result<(), DigestError> {
    if value.len() > MAX_DIGEST_HEADER_BYTES {
        return Err(DigestError::Malformed);
    }
    let dictionary = sf::parse_dictionary(value).map_err(|_| DigestError::Malformed)?;
    let mut checked = false;
    for (name, member) in &dictionary {
        let Some(algorithm) = digest_algorithm(name) else {
            continue;
        };
        let sf::Member::Item(sf::Item {
            value: sf::BareItem::ByteSeq(expected),
            ..
        }) = member
        else {
            return Err(DigestError::Malformed);
        };
        check_one_digest(algorithm, expected, body)?;
        checked = true;
    }
    if checked {
        Ok(())
    } else {
        Err(DigestError::NoSupportedAlgorithm)
    }
}

// ---------------------------------------------------------------------------------------
// Dates

const WEEKDAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// `Sun, 06 Nov 1994 08:49:37 GMT`: the IMF-fixdate form of the `Date` header.
pub fn http_date(at: SystemTime) -> String {
    let dt = time::OffsetDateTime::from_unix_timestamp(unix_secs(at))
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    format!(
        "{}, {:02} {} {:04} {:02}:{:02}:{:02} GMT",
        WEEKDAYS[usize::from(dt.weekday().number_days_from_monday())],
        dt.day(),
        MONTHS[usize::from(u8::from(dt.month()) - 1)],
        dt.year(),
        dt.hour(),
        dt.minute(),
        dt.second()
    )
}

/// Parses the three date forms HTTP recipients must accept: IMF-fixdate (also with
/// `+0000` or `UTC` for GMT), RFC 850 and asctime. The day name is not checked.
pub fn parse_http_date(value: &str) -> Option<SystemTime> {
    let secs = parse_http_date_secs(value)?;
    let magnitude = Duration::from_secs(secs.unsigned_abs());
    if secs >= 0 {
        UNIX_EPOCH.checked_add(magnitude)
    } else {
        UNIX_EPOCH.checked_sub(magnitude)
    }
}

fn parse_http_date_secs(value: &str) -> Option<i64> {
    let value = value.trim();
    let is_gmt = |zone: &str| matches!(zone, "GMT" | "UTC" | "+0000" | "Z");
    if let Some((_, rest)) = value.split_once(',') {
        let fields: Vec<&str> = rest.split_ascii_whitespace().collect();
        match fields.as_slice() {
            // IMF-fixdate: 06 Nov 1994 08:49:37 GMT
            [day, month, year, clock, zone] if is_gmt(zone) => {
                calendar_secs(year.parse().ok()?, month, day.parse().ok()?, clock)
            }
            // RFC 850: 06-Nov-94 08:49:37 GMT
            [date, clock, zone] if is_gmt(zone) => {
                let mut it = date.split('-');
                let (day, month, year) = (it.next()?, it.next()?, it.next()?);
                if it.next().is_some() || year.len() != 2 {
                    return None;
                }
                let yy: i32 = year.parse().ok()?;
                let year = if yy < 70 { 2000 + yy } else { 1900 + yy };
                calendar_secs(year, month, day.parse().ok()?, clock)
            }
            _ => None,
        }
    } else {
        // asctime: Sun Nov  6 08:49:37 1994
        match value
            .split_ascii_whitespace()
            .collect::<Vec<_>>()
            .as_slice()
        {
            [_, month, day, clock, year] => {
                calendar_secs(year.parse().ok()?, month, day.parse().ok()?, clock)
            }
            _ => None,
        }
    }
}

fn calendar_secs(year: i32, month: &str, day: u8, clock: &str) -> Option<i64> {
    let month = MONTHS
        .iter()
        .position(|m| m.eq_ignore_ascii_case(month))
        .and_then(|i| u8::try_from(i + 1).ok())?;
    let month = time::Month::try_from(month).ok()?;
    let date = time::Date::from_calendar_date(year, month, day).ok()?;
    let mut hms = clock.split(':');
    let (h, m, s) = (hms.next()?, hms.next()?, hms.next()?);
    if hms.next().is_some() || h.len() != 2 || m.len() != 2 || s.len() != 2 {
        return None;
    }
    let clock = time::Time::from_hms(h.parse().ok()?, m.parse().ok()?, s.parse().ok()?).ok()?;
    Some(
        time::PrimitiveDateTime::new(date, clock)
            .assume_utc()
            .unix_timestamp(),
    )
}

fn unix_secs(at: SystemTime) -> i64 {
    match at.duration_since(UNIX_EPOCH) {
        Ok(after) => i64::try_from(after.as_secs()).unwrap_or(i64::MAX),
        Err(before) => -i64::try_from(before.duration().as_secs()).unwrap_or(i64::MAX),
    }
}

fn duration_secs(d: Duration) -> i64 {
    i64::try_from(d.as_secs()).unwrap_or(i64::MAX)
}

// ---------------------------------------------------------------------------------------
// Policy

/// What a verifier demands beyond a valid signature. `Default` is Mastodon 4's behaviour
/// (see the module documentation) with RSA keys of at least 2048 bits, over HTTPS.
#[derive(Clone, Debug)]
pub struct VerifyPolicy {
    /// How far our clock and the sender's may disagree, in either direction. A signature
    /// created further in the future than this is refused, and one is accepted for this
    /// long past its expiry.
    pub clock_skew: Duration,
    /// How long a signature lives when it does not say (`expires` is optional).
    pub default_lifetime: Duration,
    /// The longest a signature may live, whatever its `expires` says.
    pub max_lifetime: Duration,
    /// The smallest RSA modulus accepted.
    pub min_rsa_bits: u32,
    /// The scheme clients use to reach us. RFC 9421's `@target-uri` and `@scheme` cover
    /// it, and behind a TLS-terminating proxy the request itself cannot tell.
    pub public_scheme: Scheme,
}

impl Default for VerifyPolicy {
    fn default() -> Self {
        VerifyPolicy {
            clock_skew: Duration::from_secs(60 * 60),
            default_lifetime: Duration::from_secs(5 * 60),
            max_lifetime: Duration::from_secs(12 * 60 * 60),
            min_rsa_bits: 2048,
            public_scheme: Scheme::HTTPS,
        }
    }
}

impl VerifyPolicy {
    fn check_fresh(
        &self,
        created: i64,
        expires: Option<i64>,
        now: i64,
    ) -> Result<(), SignatureError> {
        let skew = duration_secs(self.clock_skew);
        if created > now.saturating_add(skew) {
            return Err(SignatureError::FutureDate);
        }
        let latest = created.saturating_add(duration_secs(self.max_lifetime));
        let expires = expires
            .unwrap_or_else(|| created.saturating_add(duration_secs(self.default_lifetime)))
            .min(latest);
        if now > expires.saturating_add(skew) {
            return Err(SignatureError::Stale);
        }
        Ok(())
    }
}

// ---------------------------------------------------------------------------------------
// The request as a signature sees it

/// The parts of a request that signatures cover, the same way for a request we send and
/// one we receive.
#[derive(Clone)]
struct Target<'a> {
    method: &'a Method,
    scheme: &'a str,
    /// Lowercased host, with the port unless it is the scheme's default.
    authority: Option<String>,
    /// The authority exactly as the request carries it, for `host` when there is no Host
    /// header (HTTP/2).
    raw_authority: Option<&'a str>,
    path_and_query: &'a str,
    headers: &'a HeaderMap,
}

impl<'a> Target<'a> {
    fn inbound(parts: &'a Parts, scheme: &'a str) -> Target<'a> {
        let raw_authority = parts
            .headers
            .get(HOST)
            .and_then(|v| v.to_str().ok())
            .or_else(|| parts.uri.authority().map(|a| a.as_str()));
        Target {
            method: &parts.method,
            scheme,
            authority: raw_authority.and_then(|a| normalize_authority(a, scheme)),
            raw_authority,
            path_and_query: parts.uri.path_and_query().map_or("/", |pq| pq.as_str()),
            headers: &parts.headers,
        }
    }

    fn path(&self) -> &str {
        match self.path_and_query.split_once('?') {
            Some((path, _)) => path,
            None => self.path_and_query,
        }
    }

    fn query(&self) -> Option<&str> {
        self.path_and_query.split_once('?').map(|(_, query)| query)
    }

    /// The field's values, trimmed and joined with `", "`, as both specifications say.
    fn field(&self, name: &HeaderName) -> Option<Vec<u8>> {
        let mut values = self.headers.get_all(name).iter().peekable();
        values.peek()?;
        let mut out = Vec::new();
        for (i, value) in values.enumerate() {
            if i > 0 {
                out.extend_from_slice(b", ");
            }
            out.extend_from_slice(value.as_bytes().trim_ascii());
        }
        Some(out)
    }

    fn field_static(&self, name: &'static str) -> Option<Vec<u8>> {
        self.field(&HeaderName::from_static(name))
    }
}

fn normalize_authority(raw: &str, scheme: &str) -> Option<String> {
    if raw.contains('@') {
        return None;
    }
    let authority: http::uri::Authority = raw.parse().ok()?;
    let host = authority.host().to_ascii_lowercase();
    if host.is_empty() {
        return None;
    }
    let default_port = match scheme {
        "https" => Some(443),
        "http" => Some(80),
        _ => None,
    };
    Some(match authority.port_u16() {
        Some(port) if Some(port) != default_port => format!("{host}:{port}"),
        _ => host,
    })
}

/// Whether a request must prove its body: anything that carries one, and the methods
/// that normally do even when it is empty.
fn has_body(method: &Method, body: &[u8]) -> bool {
    !body.is_empty()
        || *method == Method::POST
        || *method == Method::PUT
        || *method == Method::PATCH
}

fn joined_header(headers: &HeaderMap, name: &str) -> Result<Option<String>, SignatureError> {
    let mut values = headers.get_all(name).iter().peekable();
    if values.peek().is_none() {
        return Ok(None);
    }
    let mut out = String::new();
    for (i, value) in values.enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        let value = value
            .to_str()
            .map_err(|_| SignatureError::Malformed("non-ASCII signature header"))?;
        if out.len() + value.len() > MAX_SIGNATURE_HEADER_BYTES {
            return Err(SignatureError::Oversized);
        }
        out.push_str(value.trim());
    }
    Ok(Some(out))
}

// ---------------------------------------------------------------------------------------
// Parsed signatures

/// Which specification a signature follows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SignatureScheme {
    /// draft-cavage-http-signatures-12: one `Signature` header, `rsa-sha256`.
    Cavage,
    /// RFC 9421: `Signature-Input` and `Signature`, `rsa-v1_5-sha256`.
    Rfc9421,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Algorithm {
    RsaPkcs1Sha256,
    RsaPssSha512,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum CavageAlgorithm {
    /// "Derive it from the key": RSA keys mean RSASSA-PKCS1-v1_5 with SHA-256.
    Hs2019,
    RsaSha256,
}

/// A numeric draft-cavage parameter: the text is what the signing string repeats.
#[derive(Clone, Debug)]
struct Seconds {
    text: String,
    secs: i64,
}

#[derive(Clone, Debug)]
enum Kind {
    Cavage {
        algorithm: CavageAlgorithm,
        headers: Vec<String>,
        created: Option<Seconds>,
        expires: Option<Seconds>,
    },
    Rfc9421 {
        components: Vec<sf::Item>,
        params: sf::Params,
        created: Option<i64>,
        expires: Option<i64>,
        algorithm: Option<Algorithm>,
    },
}

/// A request's signature, parsed but not yet checked. Tells the caller which key to fetch.
#[derive(Clone, Debug)]
pub struct ParsedSignature {
    key_id: String,
    signature: Vec<u8>,
    kind: Kind,
}

/// Finds and parses the request's signature: RFC 9421 when `Signature-Input` is present,
/// else draft-cavage from `Signature` or `Authorization: Signature ...`.
pub fn parse_request_signature(parts: &Parts) -> Result<ParsedSignature, SignatureError> {
    if let Some(input) = joined_header(&parts.headers, SIGNATURE_INPUT)? {
        let signatures = joined_header(&parts.headers, SIGNATURE)?.ok_or(
            SignatureError::Malformed("Signature-Input without Signature"),
        )?;
        return parse_rfc9421(&input, &signatures);
    }
    let mut signatures = parts.headers.get_all(SIGNATURE).iter();
    if let Some(value) = signatures.next() {
        if signatures.next().is_some() {
            return Err(SignatureError::Malformed("more than one Signature header"));
        }
        return parse_cavage(value.as_bytes());
    }
    for value in parts.headers.get_all(http::header::AUTHORIZATION) {
        let bytes = value.as_bytes();
        if bytes.len() > 10 && bytes[..10].eq_ignore_ascii_case(b"signature ") {
            return parse_cavage(bytes);
        }
    }
    Err(SignatureError::NotSigned)
}

impl ParsedSignature {
    /// The key the signature claims: an actor key URL (`https://host/users/a#main-key`).
    pub fn key_id(&self) -> &str {
        &self.key_id
    }

    pub fn scheme(&self) -> SignatureScheme {
        match self.kind {
            Kind::Cavage { .. } => SignatureScheme::Cavage,
            Kind::Rfc9421 { .. } => SignatureScheme::Rfc9421,
        }
    }

    /// What the signature covers, in its order: header names and pseudo-headers for
    /// draft-cavage, component identifiers (`@method`, `@query-param;name="a"`) for
    /// RFC 9421.
    pub fn covered(&self) -> Vec<String> {
        match &self.kind {
            Kind::Cavage { headers, .. } => headers.clone(),
            Kind::Rfc9421 { components, .. } => components
                .iter()
                .map(|c| match &c.value {
                    sf::BareItem::String(name) => {
                        let mut out = name.clone();
                        sf::serialize_params(&c.params, &mut out);
                        out
                    }
                    _ => sf::serialize_item(c),
                })
                .collect(),
        }
    }

    /// The exact bytes the signature is over (the draft-cavage signing string or the
    /// RFC 9421 signature base), rebuilt from this request. For diagnostics: log it when
    /// a peer's signature fails.
    pub fn signature_base(
        &self,
        parts: &Parts,
        policy: &VerifyPolicy,
    ) -> Result<Vec<u8>, SignatureError> {
        let target = Target::inbound(parts, policy.public_scheme.as_str());
        self.base(&target)
    }

    fn base(&self, target: &Target<'_>) -> Result<Vec<u8>, SignatureError> {
        match &self.kind {
            Kind::Cavage {
                algorithm,
                headers,
                created,
                expires,
            } => cavage_base(
                *algorithm,
                headers,
                created.as_ref(),
                expires.as_ref(),
                target,
            ),
            Kind::Rfc9421 {
                components, params, ..
            } => rfc9421_base(components, params, target),
        }
    }

    /// Applies the policy: required coverage, freshness against `now`, the body against
    /// its digest, every signed value present. Needs no key, so the gate runs it before
    /// fetching one.
    pub fn check(
        &self,
        parts: &Parts,
        body: &[u8],
        now: SystemTime,
        policy: &VerifyPolicy,
    ) -> Result<CheckedSignature, SignatureError> {
        let target = Target::inbound(parts, policy.public_scheme.as_str());
        let now = unix_secs(now);
        let algorithm = match &self.kind {
            Kind::Cavage {
                headers,
                created,
                expires,
                ..
            } => {
                check_cavage(
                    headers,
                    created.as_ref(),
                    expires.as_ref(),
                    &target,
                    body,
                    now,
                    policy,
                )?;
                None
            }
            Kind::Rfc9421 {
                components,
                created,
                expires,
                algorithm,
                ..
            } => {
                check_rfc9421(components, *created, *expires, &target, body, now, policy)?;
                *algorithm
            }
        };
        let base = self.base(&target)?;
        // Mastodon before 4.3, Misskey and Friendica put only the path in
        // `(request-target)`. Mastodon 4.3 accepts both forms and so do we; the query of
        // a signed GET only selects a page of something the signer may read anyway.
        let path_only_base = match &self.kind {
            Kind::Cavage { headers, .. }
                if target.query().is_some() && headers.iter().any(|h| h == "(request-target)") =>
            {
                let path_only = Target {
                    path_and_query: target.path(),
                    ..target.clone()
                };
                Some(self.base(&path_only)?)
            }
            _ => None,
        };
        Ok(CheckedSignature {
            key_id: self.key_id.clone(),
            base,
            path_only_base,
            signature: self.signature.clone(),
            algorithm: algorithm.unwrap_or(Algorithm::RsaPkcs1Sha256),
            min_rsa_bits: policy.min_rsa_bits,
        })
    }

    /// [`check`](Self::check) then [`CheckedSignature::verify`], for callers with the key
    /// already at hand.
    pub fn verify(
        &self,
        key: &PublicKey,
        parts: &Parts,
        body: &[u8],
        now: SystemTime,
        policy: &VerifyPolicy,
    ) -> Result<(), SignatureError> {
        self.check(parts, body, now, policy)?.verify(key)
    }
}

/// A signature that passed the policy; only the cryptography is left.
#[derive(Clone, Debug)]
pub struct CheckedSignature {
    key_id: String,
    base: Vec<u8>,
    /// draft-cavage only: the signing string with `(request-target)` lacking the query.
    path_only_base: Option<Vec<u8>>,
    signature: Vec<u8>,
    algorithm: Algorithm,
    min_rsa_bits: u32,
}

impl CheckedSignature {
    pub fn key_id(&self) -> &str {
        &self.key_id
    }

    /// The bytes that were signed, for logging a failure.
    pub fn signature_base(&self) -> &[u8] {
        &self.base
    }

    /// Verifies with `key`. Cheap to repeat with a refetched key after a failure.
    pub fn verify(&self, key: &PublicKey) -> Result<(), SignatureError> {
        let verify = |base: &[u8]| {
            verify_raw(
                key,
                self.algorithm,
                base,
                &self.signature,
                self.min_rsa_bits,
            )
        };
        match (verify(&self.base), &self.path_only_base) {
            (Err(SignatureError::BadSignature), Some(path_only)) => verify(path_only),
            (result, _) => result,
        }
    }
}

fn verify_raw(
    key: &PublicKey,
    algorithm: Algorithm,
    message: &[u8],
    signature: &[u8],
    min_rsa_bits: u32,
) -> Result<(), SignatureError> {
    if key.bits < min_rsa_bits {
        return Err(SignatureError::KeyTooSmall(key.bits, min_rsa_bits));
    }
    let parameters: &'static sig::RsaParameters = match algorithm {
        Algorithm::RsaPkcs1Sha256 if key.bits >= 2048 => &sig::RSA_PKCS1_2048_8192_SHA256,
        Algorithm::RsaPkcs1Sha256 => &sig::RSA_PKCS1_1024_8192_SHA256_FOR_LEGACY_USE_ONLY,
        Algorithm::RsaPssSha512 => &sig::RSA_PSS_2048_8192_SHA512,
    };
    UnparsedPublicKey::new(parameters, &key.der)
        .verify(message, signature)
        .map_err(|_| SignatureError::BadSignature)
}

// ---------------------------------------------------------------------------------------
// draft-cavage

fn parse_cavage(value: &[u8]) -> Result<ParsedSignature, SignatureError> {
    if value.len() > MAX_SIGNATURE_HEADER_BYTES {
        return Err(SignatureError::Oversized);
    }
    let value = std::str::from_utf8(value)
        .map_err(|_| SignatureError::Malformed("non-ASCII signature header"))?
        .trim();
    // `Authorization: Signature k=v,...`, and old node-http-signature puts the same
    // prefix in the Signature header.
    let value = match value.get(..10) {
        Some(prefix) if prefix.eq_ignore_ascii_case("signature ") => value[10..].trim_start(),
        _ => value,
    };

    let mut key_id = None;
    let mut algorithm = None;
    let mut headers = None;
    let mut signature = None;
    let mut created = None;
    let mut expires = None;
    for (name, value) in cavage_params(value)? {
        let slot = match name.to_ascii_lowercase().as_str() {
            "keyid" => &mut key_id,
            "algorithm" => &mut algorithm,
            "headers" => &mut headers,
            "signature" => &mut signature,
            "created" => &mut created,
            "expires" => &mut expires,
            _ => continue,
        };
        if slot.replace(value).is_some() {
            return Err(SignatureError::Malformed("repeated signature parameter"));
        }
    }

    let key_id = key_id
        .filter(|k| !k.is_empty())
        .ok_or(SignatureError::Malformed("keyId missing"))?;
    let signature = signature
        .filter(|s| !s.is_empty())
        .ok_or(SignatureError::Malformed("signature missing"))?;
    let signature = LENIENT_BASE64
        .decode(signature.trim())
        .map_err(|_| SignatureError::Malformed("signature is not base64"))?;
    let algorithm = match algorithm.as_deref() {
        None => CavageAlgorithm::Hs2019,
        Some(a) if a.eq_ignore_ascii_case("hs2019") => CavageAlgorithm::Hs2019,
        Some(a) if a.eq_ignore_ascii_case("rsa-sha256") => CavageAlgorithm::RsaSha256,
        Some(other) => {
            return Err(SignatureError::UnsupportedAlgorithm(truncated(other)));
        }
    };
    // Without `headers`, Mastodon (and the draft's own test vectors) sign `date` for
    // the legacy algorithms and `(created)` for hs2019.
    let headers = headers.unwrap_or_else(|| match algorithm {
        CavageAlgorithm::Hs2019 => "(created)".to_owned(),
        CavageAlgorithm::RsaSha256 => "date".to_owned(),
    });
    let headers: Vec<String> = headers
        .split_ascii_whitespace()
        .map(str::to_ascii_lowercase)
        .collect();
    if headers.len() > MAX_COVERED {
        return Err(SignatureError::Malformed("too many signed headers"));
    }
    let seconds = |text: Option<String>| -> Result<Option<Seconds>, SignatureError> {
        text.map(|text| {
            let secs = parse_seconds(&text).ok_or(SignatureError::Malformed(
                "created/expires is not a timestamp",
            ))?;
            Ok(Seconds { text, secs })
        })
        .transpose()
    };
    Ok(ParsedSignature {
        key_id,
        signature,
        kind: Kind::Cavage {
            algorithm,
            headers,
            created: seconds(created)?,
            expires: seconds(expires)?,
        },
    })
}

fn truncated(s: &str) -> String {
    s.chars().take(64).collect()
}

/// `1402170695` or `1402170695.123` (the draft allows sub-second `expires`).
fn parse_seconds(text: &str) -> Option<i64> {
    let (whole, fraction) = text.split_once('.').unwrap_or((text, "0"));
    let digits = |s: &str| !s.is_empty() && s.len() <= 15 && s.bytes().all(|b| b.is_ascii_digit());
    if !digits(whole) || !digits(fraction) {
        return None;
    }
    whole.parse().ok()
}

/// `name="value", name=token` pairs, with Mastodon's leniency: whitespace around `=` and
/// `,`, quoted or bare values, backslash escapes in quoted ones.
fn cavage_params(input: &str) -> Result<Vec<(String, String)>, SignatureError> {
    const MALFORMED: SignatureError = SignatureError::Malformed("unparseable Signature header");
    let bytes = input.as_bytes();
    let mut i = 0;
    let mut out = Vec::new();
    let skip_ws = |i: &mut usize| {
        while *i < bytes.len() && bytes[*i].is_ascii_whitespace() {
            *i += 1;
        }
    };
    loop {
        skip_ws(&mut i);
        if i == bytes.len() {
            break;
        }
        let start = i;
        while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || b"-_".contains(&bytes[i])) {
            i += 1;
        }
        if i == start {
            return Err(MALFORMED);
        }
        let name = input[start..i].to_owned();
        skip_ws(&mut i);
        if bytes.get(i) != Some(&b'=') {
            return Err(MALFORMED);
        }
        i += 1;
        skip_ws(&mut i);
        let value = if bytes.get(i) == Some(&b'"') {
            i += 1;
            let mut value = String::new();
            loop {
                match bytes.get(i) {
                    None => return Err(MALFORMED),
                    Some(b'"') => {
                        i += 1;
                        break;
                    }
                    Some(b'\\') => {
                        let escaped = *bytes.get(i + 1).ok_or(MALFORMED)?;
                        value.push(char::from(escaped));
                        i += 2;
                    }
                    Some(&b) => {
                        value.push(char::from(b));
                        i += 1;
                    }
                }
            }
            value
        } else {
            let start = i;
            while i < bytes.len() && bytes[i] != b',' {
                i += 1;
            }
            input[start..i].trim().to_owned()
        };
        out.push((name, value));
        skip_ws(&mut i);
        match bytes.get(i) {
            None => break,
            Some(b',') => i += 1,
            Some(_) => return Err(MALFORMED),
        }
    }
    Ok(out)
}

fn cavage_base(
    algorithm: CavageAlgorithm,
    headers: &[String],
    created: Option<&Seconds>,
    expires: Option<&Seconds>,
    target: &Target<'_>,
) -> Result<Vec<u8>, SignatureError> {
    let mut out = Vec::new();
    for (i, name) in headers.iter().enumerate() {
        if i > 0 {
            out.push(b'\n');
        }
        out.extend_from_slice(name.as_bytes());
        out.extend_from_slice(b": ");
        match name.as_str() {
            "(request-target)" => {
                out.extend_from_slice(target.method.as_str().to_ascii_lowercase().as_bytes());
                out.push(b' ');
                out.extend_from_slice(target.path_and_query.as_bytes());
            }
            "(created)" | "(expires)" => {
                if algorithm != CavageAlgorithm::Hs2019 {
                    return Err(SignatureError::Malformed(
                        "(created) and (expires) need algorithm hs2019",
                    ));
                }
                let value = if name == "(created)" {
                    created
                } else {
                    expires
                };
                let value = value.ok_or(SignatureError::Malformed(
                    "pseudo-header signed without its parameter",
                ))?;
                out.extend_from_slice(value.text.as_bytes());
            }
            pseudo if pseudo.starts_with('(') => {
                return Err(SignatureError::UnsupportedComponent(truncated(pseudo)));
            }
            field => {
                let header = HeaderName::from_bytes(field.as_bytes())
                    .map_err(|_| SignatureError::Malformed("invalid header name"))?;
                let value = match target.field(&header) {
                    Some(value) => value,
                    None if header == HOST => target
                        .raw_authority
                        .ok_or_else(|| SignatureError::MissingHeader("host".into()))?
                        .as_bytes()
                        .to_vec(),
                    None => return Err(SignatureError::MissingHeader(truncated(field))),
                };
                out.extend_from_slice(&value);
            }
        }
    }
    Ok(out)
}

fn check_cavage(
    headers: &[String],
    created: Option<&Seconds>,
    expires: Option<&Seconds>,
    target: &Target<'_>,
    body: &[u8],
    now: i64,
    policy: &VerifyPolicy,
) -> Result<(), SignatureError> {
    let signed = |name: &str| headers.iter().any(|h| h == name);
    if !signed("(request-target)") {
        return Err(SignatureError::UnsignedRequiredHeader("(request-target)"));
    }
    if !signed("host") {
        return Err(SignatureError::UnsignedRequiredHeader("host"));
    }
    if !signed("date") && !signed("(created)") {
        return Err(SignatureError::UnsignedRequiredHeader("date"));
    }
    if has_body(target.method, body) && !signed(DIGEST) {
        return Err(SignatureError::UnsignedRequiredHeader(DIGEST));
    }

    // Only signed times count: an unsigned `created` parameter proves nothing.
    let expires = if signed("(expires)") {
        Some(
            expires
                .ok_or(SignatureError::Malformed(
                    "(expires) signed without expires",
                ))?
                .secs,
        )
    } else {
        None
    };
    if signed("(created)") {
        let created = created.ok_or(SignatureError::Malformed(
            "(created) signed without created",
        ))?;
        policy.check_fresh(created.secs, expires, now)?;
    }
    if signed("date") {
        let date = target
            .field(&DATE)
            .ok_or_else(|| SignatureError::MissingHeader("date".into()))?;
        let date = std::str::from_utf8(&date)
            .ok()
            .and_then(parse_http_date_secs)
            .ok_or(SignatureError::Malformed("unparseable Date header"))?;
        policy.check_fresh(date, expires, now)?;
    }

    if signed(DIGEST) {
        let digest = target
            .field_static(DIGEST)
            .ok_or_else(|| SignatureError::MissingHeader(DIGEST.into()))?;
        let digest = String::from_utf8(digest).map_err(|_| DigestError::Malformed)?;
        verify_digest_header(&digest, body)?;
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------
// RFC 9421

fn parse_rfc9421(input: &str, signatures: &str) -> Result<ParsedSignature, SignatureError> {
    let inputs = sf::parse_dictionary(input)
        .map_err(|_| SignatureError::Malformed("unparseable Signature-Input"))?;
    let signatures = sf::parse_dictionary(signatures)
        .map_err(|_| SignatureError::Malformed("unparseable Signature"))?;
    let mut unsupported = None;
    for (label, member) in inputs {
        let Some((_, signature)) = signatures.iter().find(|(l, _)| *l == label) else {
            continue;
        };
        let sf::Member::InnerList(components, params) = member else {
            return Err(SignatureError::Malformed(
                "Signature-Input member is not a list",
            ));
        };
        let sf::Member::Item(sf::Item {
            value: sf::BareItem::ByteSeq(signature),
            ..
        }) = signature
        else {
            return Err(SignatureError::Malformed(
                "Signature member is not a byte sequence",
            ));
        };
        if components.len() > MAX_COVERED {
            return Err(SignatureError::Malformed("too many covered components"));
        }

        let mut created = None;
        let mut expires = None;
        let mut key_id = None;
        let mut alg = None;
        for (name, value) in &params {
            match (name.as_str(), value) {
                ("created", sf::BareItem::Integer(n)) => created = Some(*n),
                ("expires", sf::BareItem::Integer(n)) => expires = Some(*n),
                ("keyid", sf::BareItem::String(s)) => key_id = Some(s.clone()),
                ("alg", sf::BareItem::String(s)) => alg = Some(s.clone()),
                ("created" | "expires" | "keyid" | "alg", _) => {
                    return Err(SignatureError::Malformed(
                        "signature parameter of the wrong type",
                    ));
                }
                _ => {}
            }
        }
        let algorithm = match alg.as_deref() {
            None => None,
            Some("rsa-v1_5-sha256") => Some(Algorithm::RsaPkcs1Sha256),
            Some("rsa-pss-sha512") => Some(Algorithm::RsaPssSha512),
            Some(other) => {
                unsupported.get_or_insert_with(|| truncated(other));
                continue;
            }
        };
        let key_id = key_id
            .filter(|k| !k.is_empty())
            .ok_or(SignatureError::Malformed("keyid missing"))?;
        return Ok(ParsedSignature {
            key_id,
            signature: signature.clone(),
            kind: Kind::Rfc9421 {
                components,
                params,
                created,
                expires,
                algorithm,
            },
        });
    }
    Err(match unsupported {
        Some(alg) => SignatureError::UnsupportedAlgorithm(alg),
        None => SignatureError::Malformed("no Signature matches a Signature-Input label"),
    })
}

/// The `@query-param` encoding of RFC 9421 §2.2.8: the form-urlencoded percent-encode
/// set, with spaces as `%20`.
fn query_param_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"*-._".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn rfc9421_base(
    components: &[sf::Item],
    params: &sf::Params,
    target: &Target<'_>,
) -> Result<Vec<u8>, SignatureError> {
    let mut out = Vec::new();
    let mut seen: Vec<String> = Vec::new();
    for component in components {
        let sf::BareItem::String(name) = &component.value else {
            return Err(SignatureError::Malformed(
                "component identifier is not a string",
            ));
        };
        let identifier = sf::serialize_item(component);
        if seen.contains(&identifier) {
            return Err(SignatureError::Malformed("component covered twice"));
        }
        seen.push(identifier.clone());
        let mut line = |value: &[u8]| {
            out.extend_from_slice(identifier.as_bytes());
            out.extend_from_slice(b": ");
            out.extend_from_slice(value);
            out.push(b'\n');
        };
        let unsupported = || SignatureError::UnsupportedComponent(truncated(&identifier));
        if name == "@query-param" {
            let [(param, sf::BareItem::String(wanted))] = component.params.as_slice() else {
                return Err(unsupported());
            };
            if param != "name" {
                return Err(unsupported());
            }
            let mut found = false;
            for (key, value) in url::form_urlencoded::parse(target.query().unwrap_or("").as_bytes())
            {
                if query_param_encode(&key) == *wanted {
                    line(query_param_encode(&value).as_bytes());
                    found = true;
                }
            }
            if !found {
                return Err(SignatureError::MissingHeader(truncated(&identifier)));
            }
            continue;
        }
        if !component.params.is_empty() {
            // `sf`, `key`, `bs`, `req`, `tr`: nothing on the fediverse needs them.
            return Err(unsupported());
        }
        let authority = || {
            target
                .authority
                .clone()
                .ok_or_else(|| SignatureError::MissingHeader("host".into()))
        };
        match name.as_str() {
            "@method" => line(target.method.as_str().as_bytes()),
            "@target-uri" => line(
                format!(
                    "{}://{}{}",
                    target.scheme,
                    authority()?,
                    target.path_and_query
                )
                .as_bytes(),
            ),
            "@authority" => line(authority()?.as_bytes()),
            "@scheme" => line(target.scheme.as_bytes()),
            "@request-target" => line(target.path_and_query.as_bytes()),
            "@path" => line(if target.path().is_empty() {
                b"/"
            } else {
                target.path().as_bytes()
            }),
            "@query" => line(format!("?{}", target.query().unwrap_or("")).as_bytes()),
            "@signature-params" => {
                return Err(SignatureError::Malformed("@signature-params covered"));
            }
            derived if derived.starts_with('@') => return Err(unsupported()),
            field => {
                if field.bytes().any(|b| b.is_ascii_uppercase()) {
                    return Err(SignatureError::Malformed("field names must be lowercase"));
                }
                let header = HeaderName::from_bytes(field.as_bytes())
                    .map_err(|_| SignatureError::Malformed("invalid header name"))?;
                let value = target
                    .field(&header)
                    .ok_or_else(|| SignatureError::MissingHeader(truncated(field)))?;
                line(&value);
            }
        }
    }
    out.extend_from_slice(b"\"@signature-params\": ");
    out.extend_from_slice(sf::serialize_inner_list(components, params).as_bytes());
    Ok(out)
}

fn check_rfc9421(
    components: &[sf::Item],
    created: Option<i64>,
    expires: Option<i64>,
    target: &Target<'_>,
    body: &[u8],
    now: i64,
    policy: &VerifyPolicy,
) -> Result<(), SignatureError> {
    let covered = |name: &str| {
        components
            .iter()
            .any(|c| c.params.is_empty() && c.value == sf::BareItem::String(name.to_owned()))
    };
    let created = created.ok_or(SignatureError::UnsignedRequiredHeader("created"))?;
    if !covered("@method") {
        return Err(SignatureError::UnsignedRequiredHeader("@method"));
    }
    let target_covered = covered("@target-uri")
        || (covered("@authority")
            && (covered("@request-target")
                || (covered("@path") && (target.query().is_none() || covered("@query")))));
    if !target_covered {
        return Err(SignatureError::UnsignedRequiredHeader("@target-uri"));
    }
    if has_body(target.method, body) && !covered(CONTENT_DIGEST) {
        return Err(SignatureError::UnsignedRequiredHeader(CONTENT_DIGEST));
    }
    policy.check_fresh(created, expires, now)?;
    if covered(CONTENT_DIGEST) {
        let digest = target
            .field_static(CONTENT_DIGEST)
            .ok_or_else(|| SignatureError::MissingHeader(CONTENT_DIGEST.into()))?;
        let digest = String::from_utf8(digest).map_err(|_| DigestError::Malformed)?;
        verify_content_digest(&digest, body)?;
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Signing

/// Signs an outgoing request in place: sets `Host` (from the URI), `Date` (from `now`),
/// `Digest` or `Content-Digest` when the request has a body, and the signature headers.
///
/// draft-cavage signs `(request-target) host date` (plus `accept` when present) for
/// requests without a body and `(request-target) host date digest content-type` for
/// those with one, as `rsa-sha256`. RFC 9421 signs `("@method" "@target-uri")` or
/// `("@method" "@target-uri" "content-digest" "content-type")` under the label `sig1`,
/// with `created`, `keyid` and `alg="rsa-v1_5-sha256"`.
///
/// The URI must be absolute. Convert the result with `reqwest::Request::try_from`.
pub fn sign_request(
    request: &mut http::Request<Vec<u8>>,
    key_id: &str,
    key: &PrivateKey,
    scheme: SignatureScheme,
    now: SystemTime,
) -> Result<(), SignError> {
    if key_id.is_empty()
        || !key_id
            .bytes()
            .all(|b| (0x20..=0x7e).contains(&b) && b != b'"' && b != b'\\')
    {
        return Err(SignError::InvalidKeyId);
    }
    let uri_scheme = match request.uri().scheme_str() {
        Some(s) if s.eq_ignore_ascii_case("https") => "https",
        Some(s) if s.eq_ignore_ascii_case("http") => "http",
        _ => return Err(SignError::RelativeUri),
    };
    let authority = request
        .uri()
        .authority()
        .and_then(|a| normalize_authority(a.as_str(), uri_scheme))
        .ok_or(SignError::RelativeUri)?;
    let with_body = has_body(request.method(), request.body());
    let body_digest = with_body.then(|| match scheme {
        SignatureScheme::Cavage => digest_header(request.body()),
        SignatureScheme::Rfc9421 => content_digest_header(request.body()),
    });

    let headers = request.headers_mut();
    if with_body && !headers.contains_key(CONTENT_TYPE) {
        return Err(SignError::MissingContentType);
    }
    headers.insert(HOST, header_value(&authority)?);
    headers.insert(DATE, header_value(&http_date(now))?);
    if let Some(body_digest) = body_digest {
        let name = match scheme {
            SignatureScheme::Cavage => DIGEST,
            SignatureScheme::Rfc9421 => CONTENT_DIGEST,
        };
        headers.insert(HeaderName::from_static(name), header_value(&body_digest)?);
    }

    let signature_headers = signature_headers(
        request, &authority, uri_scheme, with_body, key_id, key, scheme, now,
    )?;
    for (name, value) in signature_headers {
        request.headers_mut().insert(name, value);
    }
    Ok(())
}

#[allow(clippy::too_many_arguments)]
fn signature_headers(
    request: &http::Request<Vec<u8>>,
    authority: &str,
    uri_scheme: &str,
    with_body: bool,
    key_id: &str,
    key: &PrivateKey,
    scheme: SignatureScheme,
    now: SystemTime,
) -> Result<Vec<(HeaderName, HeaderValue)>, SignError> {
    let target = Target {
        method: request.method(),
        scheme: uri_scheme,
        authority: Some(authority.to_owned()),
        raw_authority: Some(authority),
        path_and_query: request.uri().path_and_query().map_or("/", |pq| pq.as_str()),
        headers: request.headers(),
    };
    // Our own inputs cannot fail to build a base; map the impossible to Crypto.
    let internal = |_: SignatureError| SignError::Crypto;
    match scheme {
        SignatureScheme::Cavage => {
            let mut names = vec!["(request-target)", "host", "date"];
            if with_body {
                names.extend([DIGEST, "content-type"]);
            } else if request.headers().contains_key(ACCEPT) {
                names.push("accept");
            }
            let names: Vec<String> = names.into_iter().map(str::to_owned).collect();
            let base = cavage_base(CavageAlgorithm::RsaSha256, &names, None, None, &target)
                .map_err(internal)?;
            let signature = STANDARD.encode(key.sign(&base)?);
            let value = format!(
                "keyId=\"{key_id}\",algorithm=\"rsa-sha256\",headers=\"{}\",signature=\"{signature}\"",
                names.join(" ")
            );
            Ok(vec![(
                HeaderName::from_static(SIGNATURE),
                header_value(&value)?,
            )])
        }
        SignatureScheme::Rfc9421 => {
            let mut names = vec!["@method", "@target-uri"];
            if with_body {
                names.extend([CONTENT_DIGEST, "content-type"]);
            }
            let components: Vec<sf::Item> = names
                .into_iter()
                .map(|n| sf::Item {
                    value: sf::BareItem::String(n.to_owned()),
                    params: Vec::new(),
                })
                .collect();
            let params: sf::Params = vec![
                ("created".into(), sf::BareItem::Integer(unix_secs(now))),
                ("keyid".into(), sf::BareItem::String(key_id.to_owned())),
                ("alg".into(), sf::BareItem::String("rsa-v1_5-sha256".into())),
            ];
            let base = rfc9421_base(&components, &params, &target).map_err(internal)?;
            let signature = STANDARD.encode(key.sign(&base)?);
            let input = format!("{LABEL}={}", sf::serialize_inner_list(&components, &params));
            Ok(vec![
                (
                    HeaderName::from_static(SIGNATURE_INPUT),
                    header_value(&input)?,
                ),
                (
                    HeaderName::from_static(SIGNATURE),
                    header_value(&format!("{LABEL}=:{signature}:"))?,
                ),
            ])
        }
    }
}

fn header_value(value: &str) -> Result<HeaderValue, SignError> {
    HeaderValue::from_str(value).map_err(|_| SignError::InvalidKeyId)
}

// ---------------------------------------------------------------------------------------
// Structured fields (RFC 8941), as much as Signature-Input, Signature and Content-Digest
// need: dictionaries of items and inner lists, and canonical serialization of inner lists
// (the `@signature-params` line is the re-serialized list, not the received text).

mod sf {
    use base64::Engine;
    use base64::engine::general_purpose::STANDARD;

    #[derive(Clone, Debug, PartialEq, Eq)]
    pub(super) enum BareItem {
        Integer(i64),
        /// Kept in canonical text form: `-1.5`.
        Decimal(String),
        String(String),
        Token(String),
        ByteSeq(Vec<u8>),
        Boolean(bool),
    }

    pub(super) type Params = Vec<(String, BareItem)>;

    #[derive(Clone, Debug, PartialEq, Eq)]
    pub(super) struct Item {
        pub(super) value: BareItem,
        pub(super) params: Params,
    }

    #[derive(Clone, Debug, PartialEq, Eq)]
    pub(super) enum Member {
        Item(Item),
        InnerList(Vec<Item>, Params),
    }

    pub(super) type Dictionary = Vec<(String, Member)>;

    #[derive(Debug, PartialEq, Eq)]
    pub(super) struct ParseError;

    type Result<T> = std::result::Result<T, ParseError>;

    fn overwrite<T>(list: &mut Vec<(String, T)>, key: String, value: T) {
        match list.iter_mut().find(|(k, _)| *k == key) {
            Some(slot) => slot.1 = value,
            None => list.push((key, value)),
        }
    }

    struct Parser<'a> {
        s: &'a [u8],
        i: usize,
    }

    pub(super) fn parse_dictionary(input: &str) -> Result<Dictionary> {
        let mut p = Parser {
            s: input.trim_matches(' ').as_bytes(),
            i: 0,
        };
        let mut dictionary = Dictionary::new();
        if p.s.is_empty() {
            return Ok(dictionary);
        }
        loop {
            let key = p.key()?;
            let member = if p.peek() == Some(b'=') {
                p.i += 1;
                p.member()?
            } else {
                Member::Item(Item {
                    value: BareItem::Boolean(true),
                    params: p.params()?,
                })
            };
            overwrite(&mut dictionary, key, member);
            p.skip_ows();
            if p.eof() {
                return Ok(dictionary);
            }
            if p.bump() != Some(b',') {
                return Err(ParseError);
            }
            p.skip_ows();
            if p.eof() {
                return Err(ParseError);
            }
        }
    }

    impl Parser<'_> {
        fn peek(&self) -> Option<u8> {
            self.s.get(self.i).copied()
        }

        fn bump(&mut self) -> Option<u8> {
            let b = self.peek()?;
            self.i += 1;
            Some(b)
        }

        fn eof(&self) -> bool {
            self.i >= self.s.len()
        }

        fn skip_sp(&mut self) {
            while self.peek() == Some(b' ') {
                self.i += 1;
            }
        }

        fn skip_ows(&mut self) {
            while matches!(self.peek(), Some(b' ' | b'\t')) {
                self.i += 1;
            }
        }

        fn key(&mut self) -> Result<String> {
            let start = self.i;
            match self.peek() {
                Some(b) if b.is_ascii_lowercase() || b == b'*' => self.i += 1,
                _ => return Err(ParseError),
            }
            while matches!(self.peek(), Some(b) if b.is_ascii_lowercase() || b.is_ascii_digit() || b"_-.*".contains(&b))
            {
                self.i += 1;
            }
            Ok(String::from_utf8_lossy(&self.s[start..self.i]).into_owned())
        }

        fn member(&mut self) -> Result<Member> {
            if self.peek() == Some(b'(') {
                self.i += 1;
                let mut items = Vec::new();
                loop {
                    self.skip_sp();
                    if self.peek() == Some(b')') {
                        self.i += 1;
                        return Ok(Member::InnerList(items, self.params()?));
                    }
                    items.push(self.item()?);
                    match self.peek() {
                        Some(b' ' | b')') => {}
                        _ => return Err(ParseError),
                    }
                }
            }
            Ok(Member::Item(self.item()?))
        }

        fn item(&mut self) -> Result<Item> {
            let value = self.bare_item()?;
            Ok(Item {
                value,
                params: self.params()?,
            })
        }

        fn params(&mut self) -> Result<Params> {
            let mut params = Params::new();
            while self.peek() == Some(b';') {
                self.i += 1;
                self.skip_sp();
                let key = self.key()?;
                let value = if self.peek() == Some(b'=') {
                    self.i += 1;
                    self.bare_item()?
                } else {
                    BareItem::Boolean(true)
                };
                overwrite(&mut params, key, value);
            }
            Ok(params)
        }

        fn bare_item(&mut self) -> Result<BareItem> {
            match self.peek().ok_or(ParseError)? {
                b'-' | b'0'..=b'9' => self.number(),
                b'"' => self.string(),
                b':' => self.byte_seq(),
                b'?' => {
                    self.i += 1;
                    match self.bump() {
                        Some(b'1') => Ok(BareItem::Boolean(true)),
                        Some(b'0') => Ok(BareItem::Boolean(false)),
                        _ => Err(ParseError),
                    }
                }
                b if b.is_ascii_alphabetic() || b == b'*' => self.token(),
                _ => Err(ParseError),
            }
        }

        fn number(&mut self) -> Result<BareItem> {
            let negative = self.peek() == Some(b'-');
            if negative {
                self.i += 1;
            }
            let start = self.i;
            while matches!(self.peek(), Some(b'0'..=b'9')) {
                self.i += 1;
            }
            let whole = std::str::from_utf8(&self.s[start..self.i]).map_err(|_| ParseError)?;
            if whole.is_empty() {
                return Err(ParseError);
            }
            if self.peek() != Some(b'.') {
                if whole.len() > 15 {
                    return Err(ParseError);
                }
                let n: i64 = whole.parse().map_err(|_| ParseError)?;
                return Ok(BareItem::Integer(if negative { -n } else { n }));
            }
            self.i += 1;
            let start = self.i;
            while matches!(self.peek(), Some(b'0'..=b'9')) {
                self.i += 1;
            }
            let fraction = std::str::from_utf8(&self.s[start..self.i]).map_err(|_| ParseError)?;
            if whole.len() > 12 || fraction.is_empty() || fraction.len() > 3 {
                return Err(ParseError);
            }
            let whole: i64 = whole.parse().map_err(|_| ParseError)?;
            let fraction = fraction.trim_end_matches('0');
            let fraction = if fraction.is_empty() { "0" } else { fraction };
            let sign = if negative { "-" } else { "" };
            Ok(BareItem::Decimal(format!("{sign}{whole}.{fraction}")))
        }

        fn string(&mut self) -> Result<BareItem> {
            self.i += 1;
            let mut out = String::new();
            loop {
                match self.bump().ok_or(ParseError)? {
                    b'"' => return Ok(BareItem::String(out)),
                    b'\\' => match self.bump() {
                        Some(c @ (b'"' | b'\\')) => out.push(char::from(c)),
                        _ => return Err(ParseError),
                    },
                    c @ 0x20..=0x7e => out.push(char::from(c)),
                    _ => return Err(ParseError),
                }
            }
        }

        fn token(&mut self) -> Result<BareItem> {
            let start = self.i;
            self.i += 1;
            while matches!(self.peek(), Some(b) if b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~:/".contains(&b))
            {
                self.i += 1;
            }
            Ok(BareItem::Token(
                String::from_utf8_lossy(&self.s[start..self.i]).into_owned(),
            ))
        }

        fn byte_seq(&mut self) -> Result<BareItem> {
            self.i += 1;
            let start = self.i;
            while matches!(self.peek(), Some(b) if b.is_ascii_alphanumeric() || b"+/=".contains(&b))
            {
                self.i += 1;
            }
            let encoded = &self.s[start..self.i];
            if self.bump() != Some(b':') {
                return Err(ParseError);
            }
            super::LENIENT_BASE64
                .decode(encoded)
                .map(BareItem::ByteSeq)
                .map_err(|_| ParseError)
        }
    }

    fn serialize_bare(value: &BareItem, out: &mut String) {
        match value {
            BareItem::Integer(n) => out.push_str(&n.to_string()),
            BareItem::Decimal(d) => out.push_str(d),
            BareItem::String(s) => {
                out.push('"');
                for c in s.chars() {
                    if c == '"' || c == '\\' {
                        out.push('\\');
                    }
                    out.push(c);
                }
                out.push('"');
            }
            BareItem::Token(t) => out.push_str(t),
            BareItem::ByteSeq(b) => {
                out.push(':');
                out.push_str(&STANDARD.encode(b));
                out.push(':');
            }
            BareItem::Boolean(b) => out.push_str(if *b { "?1" } else { "?0" }),
        }
    }

    pub(super) fn serialize_params(params: &Params, out: &mut String) {
        for (key, value) in params {
            out.push(';');
            out.push_str(key);
            if *value != BareItem::Boolean(true) {
                out.push('=');
                serialize_bare(value, out);
            }
        }
    }

    pub(super) fn serialize_item(item: &Item) -> String {
        let mut out = String::new();
        serialize_bare(&item.value, &mut out);
        serialize_params(&item.params, &mut out);
        out
    }

    pub(super) fn serialize_inner_list(items: &[Item], params: &Params) -> String {
        let mut out = String::from("(");
        for (i, item) in items.iter().enumerate() {
            if i > 0 {
                out.push(' ');
            }
            out.push_str(&serialize_item(item));
        }
        out.push(')');
        serialize_params(params, &mut out);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(method: &str, target: &str, headers: &[(&str, &str)]) -> Parts {
        let mut builder = http::Request::builder().method(method).uri(target);
        for (name, value) in headers {
            builder = builder.header(*name, *value);
        }
        builder.body(()).unwrap().into_parts().0
    }

    #[test]
    fn structured_fields_parse_and_reserialize_canonically() {
        let input = r#"sig1=( "@method"  "@query-param";name="a\"b" );created=1;keyid="k";x;y=?0;z=tok/en:x;d=-1.50, sig2=:AAEC:;p=2, flag"#;
        let dictionary = sf::parse_dictionary(input).unwrap();
        assert_eq!(dictionary.len(), 3);
        let sf::Member::InnerList(items, params) = &dictionary[0].1 else {
            panic!("not a list")
        };
        assert_eq!(
            sf::serialize_inner_list(items, params),
            r#"("@method" "@query-param";name="a\"b");created=1;keyid="k";x;y=?0;z=tok/en:x;d=-1.5"#
        );
        assert_eq!(
            dictionary[1].1,
            sf::Member::Item(sf::Item {
                value: sf::BareItem::ByteSeq(vec![0, 1, 2]),
                params: vec![("p".into(), sf::BareItem::Integer(2))],
            })
        );
        assert_eq!(
            dictionary[2].1,
            sf::Member::Item(sf::Item {
                value: sf::BareItem::Boolean(true),
                params: vec![],
            })
        );
        // A later duplicate overwrites in place.
        let dictionary = sf::parse_dictionary("a=1, b=2, a=3").unwrap();
        assert_eq!(
            dictionary
                .iter()
                .map(|(k, _)| k.as_str())
                .collect::<Vec<_>>(),
            ["a", "b"]
        );
        for bad in [
            "a=1,",
            "A=1",
            "a=(1",
            "a=\"unterminated",
            "a=\"bad\\escape\"",
            "a=:not base64!:",
            "a=1.2345",
            "a=1234567890123456",
            "a=?2",
            "a=1 b=2",
            "a=(1)(2)",
        ] {
            assert_eq!(sf::parse_dictionary(bad), Err(sf::ParseError), "{bad}");
        }
        assert_eq!(sf::parse_dictionary("").unwrap(), vec![]);
    }

    #[test]
    fn cavage_parameters_are_parsed_leniently() {
        let params = cavage_params(
            r#"keyId = "a,b" , headers="(request-target) host", signature="x\"y",created=1402170695, algorithm=hs2019 ,"#,
        )
        .unwrap();
        assert_eq!(
            params,
            [
                ("keyId".to_owned(), "a,b".to_owned()),
                ("headers".into(), "(request-target) host".into()),
                ("signature".into(), "x\"y".into()),
                ("created".into(), "1402170695".into()),
                ("algorithm".into(), "hs2019".into()),
            ]
        );
        assert_eq!(parse_seconds("1402170695"), Some(1_402_170_695));
        assert_eq!(parse_seconds("1402170695.999"), Some(1_402_170_695));
        for bad in ["", "-1", "1e9", "1.", ".5", "12345678901234567"] {
            assert_eq!(parse_seconds(bad), None, "{bad}");
        }
    }

    #[test]
    fn created_and_expires_pseudo_headers_need_hs2019_and_are_checked() {
        let signature = |algorithm: &str, created: i64, expires: i64| {
            format!(
                r#"keyId="k",algorithm="{algorithm}",created={created},expires={expires},headers="(request-target) (created) (expires) host",signature="AAAA""#
            )
        };
        let now = 1_700_000_000;
        let check = |value: &str| {
            let parts = parts("GET", "/a", &[("host", "h.example"), ("signature", value)]);
            let parsed = parse_request_signature(&parts)?;
            parsed
                .check(
                    &parts,
                    b"",
                    UNIX_EPOCH + Duration::from_secs(now as u64),
                    &VerifyPolicy::default(),
                )
                .map(|checked| String::from_utf8(checked.base).unwrap())
        };
        assert_eq!(
            check(&signature("hs2019", now - 10, now + 300)).unwrap(),
            format!(
                "(request-target): get /a\n(created): {}\n(expires): {}\nhost: h.example",
                now - 10,
                now + 300
            )
        );
        assert_eq!(
            check(&signature("rsa-sha256", now - 10, now + 300)),
            Err(SignatureError::Malformed(
                "(created) and (expires) need algorithm hs2019"
            ))
        );
        // A signed expiry in the past beyond the skew is stale even when freshly created.
        assert_eq!(
            check(&signature("hs2019", now - 10, now - 3601)),
            Err(SignatureError::Stale)
        );
        // A signed expiry cannot stretch a signature past twelve hours.
        assert_eq!(
            check(&signature("hs2019", now - 14 * 3600, now + 3600)),
            Err(SignatureError::Stale)
        );
        // An unsigned `created` proves nothing; `date` is then required.
        let parts = parts(
            "GET",
            "/a",
            &[
                ("host", "h.example"),
                (
                    "signature",
                    r#"keyId="k",created=1700000000,headers="(request-target) host",signature="AAAA""#,
                ),
            ],
        );
        assert_eq!(
            parse_request_signature(&parts)
                .unwrap()
                .check(&parts, b"", UNIX_EPOCH, &VerifyPolicy::default())
                .unwrap_err(),
            SignatureError::UnsignedRequiredHeader("date")
        );
    }

    #[test]
    fn freshness_window_boundaries() {
        let policy = VerifyPolicy::default();
        let now = 1_000_000;
        assert_eq!(policy.check_fresh(now + 3600, None, now), Ok(()));
        assert_eq!(
            policy.check_fresh(now + 3601, None, now),
            Err(SignatureError::FutureDate)
        );
        assert_eq!(policy.check_fresh(now - 3900, None, now), Ok(()));
        assert_eq!(
            policy.check_fresh(now - 3901, None, now),
            Err(SignatureError::Stale)
        );
        assert_eq!(policy.check_fresh(now - 11 * 3600, Some(now), now), Ok(()));
        assert_eq!(
            policy.check_fresh(now - 13 * 3600 - 1, Some(now + 3600), now),
            Err(SignatureError::Stale)
        );
        assert_eq!(
            policy.check_fresh(i64::MIN, None, now),
            Err(SignatureError::Stale)
        );
        assert_eq!(
            policy.check_fresh(i64::MAX, None, now),
            Err(SignatureError::FutureDate)
        );
    }

    #[test]
    fn query_params_are_decoded_then_reencoded() {
        // RFC 9421 §2.2.8.
        let parts = parts(
            "POST",
            "/parameters?var=this%20is%20a%20big%0Amultiline%20value&bar=with+plus+whitespace&fa%C3%A7ade%22%3A%20=something",
            &[
                ("host", "www.example.com"),
                (
                    "signature-input",
                    r#"s=("@query-param";name="var" "@query-param";name="bar" "@query-param";name="fa%C3%A7ade%22%3A%20");keyid="k""#,
                ),
                ("signature", "s=:AAAA:"),
            ],
        );
        let base = parse_request_signature(&parts)
            .unwrap()
            .signature_base(&parts, &VerifyPolicy::default())
            .unwrap();
        let base = String::from_utf8(base).unwrap();
        assert_eq!(
            base.lines().take(3).collect::<Vec<_>>(),
            [
                r#""@query-param";name="var": this%20is%20a%20big%0Amultiline%20value"#,
                r#""@query-param";name="bar": with%20plus%20whitespace"#,
                r#""@query-param";name="fa%C3%A7ade%22%3A%20": something"#,
            ]
        );
    }

    #[test]
    fn derived_components_follow_rfc9421_section_2_2() {
        let parts = parts(
            "POST",
            "/path?param=value&foo=bar&baz=bat%2Dman",
            &[
                ("host", "WWW.Example.com:443"),
                (
                    "signature-input",
                    r#"s=("@method" "@target-uri" "@authority" "@scheme" "@request-target" "@path" "@query");keyid="k""#,
                ),
                ("signature", "s=:AAAA:"),
            ],
        );
        let base = parse_request_signature(&parts)
            .unwrap()
            .signature_base(&parts, &VerifyPolicy::default())
            .unwrap();
        assert_eq!(
            String::from_utf8(base).unwrap(),
            concat!(
                "\"@method\": POST\n",
                "\"@target-uri\": https://www.example.com/path?param=value&foo=bar&baz=bat%2Dman\n",
                "\"@authority\": www.example.com\n",
                "\"@scheme\": https\n",
                "\"@request-target\": /path?param=value&foo=bar&baz=bat%2Dman\n",
                "\"@path\": /path\n",
                "\"@query\": ?param=value&foo=bar&baz=bat%2Dman\n",
                "\"@signature-params\": (\"@method\" \"@target-uri\" \"@authority\" \"@scheme\" \"@request-target\" \"@path\" \"@query\");keyid=\"k\"",
            )
        );
        let parts = self::parts(
            "GET",
            "/",
            &[
                ("host", "example.com:8080"),
                (
                    "signature-input",
                    r#"s=("@query" "@authority" "@method" "@method");keyid="k""#,
                ),
                ("signature", "s=:AAAA:"),
            ],
        );
        assert_eq!(
            parse_request_signature(&parts)
                .unwrap()
                .signature_base(&parts, &VerifyPolicy::default()),
            Err(SignatureError::Malformed("component covered twice"))
        );
    }

    const CAVAGE_PUBLIC_KEY: &str = "-----BEGIN PUBLIC KEY-----
MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDCFENGw33yGihy92pDjZQhl0C3
6rPJj+CvfSC8+q28hxA161QFNUd13wuCTUcq0Qd2qsBe/2hFyc2DCJJg0h1L78+6
Z4UMR7EOcpfdUE9Hf3m/hs+FUR45uBJeDK1HSFHD8bHKD6kv8FPGfJTotc+2xjJw
oYi+1hqp1fIekaxsyQIDAQAB
-----END PUBLIC KEY-----";

    /// draft-cavage-http-signatures-12 C.1 and C.2: the cryptography alone, since our
    /// policy refuses what they cover.
    #[test]
    fn cavage_default_and_basic_test_signatures_verify() {
        let key = PublicKey::from_pem(CAVAGE_PUBLIC_KEY).unwrap();
        let verify = |message: &str, signature: &str| {
            verify_raw(
                &key,
                Algorithm::RsaPkcs1Sha256,
                message.as_bytes(),
                &STANDARD.decode(signature).unwrap(),
                1024,
            )
        };
        let default = "SjWJWbWN7i0wzBvtPl8rbASWz5xQW6mcJmn+ibttBqtifLN7Sazz6m79cNfwwb8DMJ5cou1s7uEGKKCs+FLEEaDV5lp7q25WqS+lavg7T8hc0GppauB6hbgEKTwblDHYGEtbGmtdHgVCk9SuS13F0hZ8FD0k/5OxEPXe5WozsbM=";
        let basic = "qdx+H7PHHDZgy4y/Ahn9Tny9V3GP6YgBPyUXMmoxWtLbHpUnXS2mg2+SbrQDMCJypxBLSPQR2aAjn7ndmw2iicw3HMbe8VfEdKFYRqzic+efkb3nndiv/x1xSHDJWeSWkx3ButlYSuBskLu6kd9Fswtemr3lgdDEmn04swr2Os0=";
        assert_eq!(
            verify("date: Sun, 05 Jan 2014 21:31:40 GMT", default),
            Ok(())
        );
        assert_eq!(
            verify(
                "(request-target): post /foo?param=value&pet=dog\nhost: example.com\ndate: Sun, 05 Jan 2014 21:31:40 GMT",
                basic
            ),
            Ok(())
        );
        assert_eq!(
            verify("date: Sun, 05 Jan 2014 21:31:41 GMT", default),
            Err(SignatureError::BadSignature)
        );
    }

    /// RFC 9421 `test-key-rsa-pss` (Appendix B.1.2).
    const RSA_PSS_PUBLIC_KEY: &str = "-----BEGIN PUBLIC KEY-----
MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAr4tmm3r20Wd/PbqvP1s2
+QEtvpuRaV8Yq40gjUR8y2Rjxa6dpG2GXHbPfvMs8ct+Lh1GH45x28Rw3Ry53mm+
oAXjyQ86OnDkZ5N8lYbggD4O3w6M6pAvLkhk95AndTrifbIFPNU8PPMO7OyrFAHq
gDsznjPFmTOtCEcN2Z1FpWgchwuYLPL+Wokqltd11nqqzi+bJ9cvSKADYdUAAN5W
Utzdpiy6LbTgSxP7ociU4Tn0g5I6aDZJ7A8Lzo0KSyZYoA485mqcO0GVAdVw9lq4
aOT9v6d+nb4bnNkQVklLQ3fVAvJm+xdDOp9LCNCN48V2pnDOkFV6+U9nV5oyc6XI
2wIDAQAB
-----END PUBLIC KEY-----";

    /// RFC 9421 B.2.1–B.2.3: our signature bases, verified against the published
    /// RSA-PSS-SHA512 signatures.
    #[test]
    fn rfc9421_rsa_pss_examples_verify_over_our_signature_bases() {
        let key = PublicKey::from_pem(RSA_PSS_PUBLIC_KEY).unwrap();
        let examples = [
            (
                r#"sig-b21=();created=1618884473;keyid="test-key-rsa-pss";nonce="b3k2pp5k7z-50gnwp.yemd""#,
                "sig-b21=:d2pmTvmbncD3xQm8E9ZV2828BjQWGgiwAaw5bAkgibUopemLJcWDy/lkbbHAve4cRAtx31Iq786U7it++wgGxbtRxf8Udx7zFZsckzXaJMkA7ChG52eSkFxykJeNqsrWH5S+oxNFlD4dzVuwe8DhTSja8xxbR/Z2cOGdCbzR72rgFWhzx2VjBqJzsPLMIQKhO4DGezXehhWwE56YCE+O6c0mKZsfxVrogUvA4HELjVKWmAvtl6UnCh8jYzuVG5WSb/QEVPnP5TmcAnLH1g+s++v6d4s8m0gCw1fV5/SITLq9mhho8K3+7EPYTU8IU1bLhdxO5Nyt8C8ssinQ98Xw9Q==:",
            ),
            (
                r#"sig-b22=("@authority" "content-digest" "@query-param";name="Pet");created=1618884473;keyid="test-key-rsa-pss";tag="header-example""#,
                "sig-b22=:LjbtqUbfmvjj5C5kr1Ugj4PmLYvx9wVjZvD9GsTT4F7GrcQEdJzgI9qHxICagShLRiLMlAJjtq6N4CDfKtjvuJyE5qH7KT8UCMkSowOB4+ECxCmT8rtAmj/0PIXxi0A0nxKyB09RNrCQibbUjsLS/2YyFYXEu4TRJQzRw1rLEuEfY17SARYhpTlaqwZVtR8NV7+4UKkjqpcAoFqWFQh62s7Cl+H2fjBSpqfZUJcsIk4N6wiKYd4je2U/lankenQ99PZfB4jY3I5rSV2DSBVkSFsURIjYErOs0tFTQosMTAoxk//0RoKUqiYY8Bh0aaUEb0rQl3/XaVe4bXTugEjHSw==:",
            ),
            (
                r#"sig-b23=("date" "@method" "@path" "@query" "@authority" "content-type" "content-digest" "content-length");created=1618884473;keyid="test-key-rsa-pss""#,
                "sig-b23=:bbN8oArOxYoyylQQUU6QYwrTuaxLwjAC9fbY2F6SVWvh0yBiMIRGOnMYwZ/5MR6fb0Kh1rIRASVxFkeGt683+qRpRRU5p2voTp768ZrCUb38K0fUxN0O0iC59DzYx8DFll5GmydPxSmme9v6ULbMFkl+V5B1TP/yPViV7KsLNmvKiLJH1pFkh/aYA2HXXZzNBXmIkoQoLd7YfW91kE9o/CCoC1xMy7JA1ipwvKvfrs65ldmlu9bpG6A9BmzhuzF8Eim5f8ui9eH8LZH896+QIF61ka39VBrohr9iyMUJpvRX2Zbhl5ZJzSRxpJyoEZAFL2FUo5fTIztsDZKEgM4cUA==:",
            ),
        ];
        for (input, signature) in examples {
            let parts = parts(
                "POST",
                "/foo?param=Value&Pet=dog",
                &[
                    ("host", "example.com"),
                    ("date", "Tue, 20 Apr 2021 02:07:55 GMT"),
                    ("content-type", "application/json"),
                    (
                        "content-digest",
                        "sha-512=:WZDPaVn/7XgHaAy8pmojAkGWoRx2UFChF41A2svX+TaPm+AbwAgBWnrIiYllu7BNNyealdVLvRwEmTHWXvJwew==:",
                    ),
                    ("content-length", "18"),
                    ("signature-input", input),
                    ("signature", signature),
                ],
            );
            let parsed = parse_request_signature(&parts).unwrap();
            let base = parsed
                .signature_base(&parts, &VerifyPolicy::default())
                .unwrap();
            assert_eq!(
                verify_raw(
                    &key,
                    Algorithm::RsaPssSha512,
                    &base,
                    &parsed.signature,
                    2048
                ),
                Ok(()),
                "{input}"
            );
            // Without a stated alg an RSA key means PKCS#1 v1.5, which these are not.
            assert_eq!(
                verify_raw(
                    &key,
                    Algorithm::RsaPkcs1Sha256,
                    &base,
                    &parsed.signature,
                    2048
                ),
                Err(SignatureError::BadSignature)
            );
        }
        // With `alg="rsa-pss-sha512"` stated, the policy path picks PSS by itself.
        let parts = parts(
            "GET",
            "/",
            &[
                (
                    "signature-input",
                    r#"s=("@method" "@target-uri");created=1;keyid="k";alg="rsa-pss-sha512""#,
                ),
                ("signature", "s=:AAAA:"),
            ],
        );
        let Kind::Rfc9421 { algorithm, .. } = parse_request_signature(&parts).unwrap().kind else {
            panic!("not RFC 9421")
        };
        assert_eq!(algorithm, Some(Algorithm::RsaPssSha512));
    }

    #[test]
    fn authorities_are_normalized() {
        assert_eq!(
            normalize_authority("Example.COM:443", "https").as_deref(),
            Some("example.com")
        );
        assert_eq!(
            normalize_authority("example.com:443", "http").as_deref(),
            Some("example.com:443")
        );
        assert_eq!(
            normalize_authority("example.com:80", "http").as_deref(),
            Some("example.com")
        );
        assert_eq!(
            normalize_authority("[::1]:8080", "http").as_deref(),
            Some("[::1]:8080")
        );
        assert_eq!(normalize_authority("user@example.com", "https"), None);
        assert_eq!(normalize_authority("", "https"), None);
    }
}
