//! The one door in: every request a remote server makes to an inbox (and every signed
//! fetch) is authenticated here before any other work, and before any fetch it could
//! make us do that a stale or tampered request could trigger.
//!
//! Order matters: the signature's own checks (covered headers, date window, body digest)
//! need no key and run first; only then is the key looked up (stored, or fetched once),
//! and a failed verification refetches it at most once per interval (key rotation).

use std::time::SystemTime;

use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use hamlet_store::RemoteAccount;
use url::Url;

use crate::fetch::{self, ResolveError};
use crate::routes::FederationState;
use crate::signature::{self, PublicKey, SignatureError, VerifyPolicy};

/// The request URI exactly as the client sent it (before any path normalization), put
/// in the request's extensions by the application: signatures cover it.
#[derive(Clone, Debug)]
pub struct SentUri(pub http::Uri);

/// The largest activity an inbox accepts.
pub const MAX_INBOX_BYTES: usize = 1024 * 1024;

#[derive(Debug, thiserror::Error)]
pub enum GateError {
    #[error("the request is not signed")]
    Unsigned,
    #[error("signature refused: {0}")]
    Signature(#[from] SignatureError),
    #[error("the request was addressed to another host")]
    WrongHost,
    #[error("the signing key could not be found: {0}")]
    UnknownKey(ResolveError),
    #[error("a remote server signed with a key of this instance")]
    LocalKey,
    #[error("the key id is not a URL")]
    BadKeyId,
    #[error("the stored key of the signer is unusable")]
    BadStoredKey,
    #[error(transparent)]
    Store(#[from] hamlet_store::StoreError),
}

impl GateError {
    pub fn status(&self) -> StatusCode {
        match self {
            GateError::Store(_) => StatusCode::SERVICE_UNAVAILABLE,
            _ => StatusCode::UNAUTHORIZED,
        }
    }
}

impl FederationState {
    /// Authenticates a signed request: returns the remote actor whose key signed it.
    /// `parts` must carry the URI the client sent (before any path normalization).
    pub async fn authenticate(
        &self,
        parts: &Parts,
        body: &[u8],
    ) -> Result<RemoteAccount, GateError> {
        let parsed = signature::parse_request_signature(parts).map_err(|error| match error {
            SignatureError::NotSigned => GateError::Unsigned,
            other => GateError::Signature(other),
        })?;
        self.check_host(parts)?;
        let policy = self.verify_policy();
        let checked = parsed.check(parts, body, SystemTime::now(), &policy)?;
        let key_id = Url::parse(checked.key_id()).map_err(|_| GateError::BadKeyId)?;
        let signer = self.resolve_key(&key_id).await.map_err(gate_error)?;
        match checked.verify(&public_key(&signer)?) {
            Ok(()) => Ok(signer),
            Err(SignatureError::BadSignature) if fetch::may_refetch_key(&signer) => {
                let refreshed = self.fetch_key(&key_id).await.map_err(gate_error)?;
                checked.verify(&public_key(&refreshed)?)?;
                Ok(refreshed)
            }
            Err(error) => Err(error.into()),
        }
    }

    fn verify_policy(&self) -> VerifyPolicy {
        let mut policy = VerifyPolicy::default();
        if self.local.origin().scheme() == "http" {
            policy.public_scheme = http::uri::Scheme::HTTP;
        }
        policy
    }

    /// A request signed for another server, replayed to us, is refused: the signed
    /// `Host` must be ours.
    fn check_host(&self, parts: &Parts) -> Result<(), GateError> {
        let host = parts
            .headers
            .get(header::HOST)
            .and_then(|value| value.to_str().ok())
            .or_else(|| parts.uri.authority().map(|a| a.as_str()))
            .ok_or(GateError::WrongHost)?;
        if host.eq_ignore_ascii_case(&self.local.domain()) {
            Ok(())
        } else {
            Err(GateError::WrongHost)
        }
    }
}

/// A key that could not be had: ours (a remote server claiming it), the database, or
/// anything else about fetching it.
fn gate_error(error: ResolveError) -> GateError {
    match error {
        ResolveError::Local => GateError::LocalKey,
        ResolveError::Store(error) => GateError::Store(error),
        other => GateError::UnknownKey(other),
    }
}

fn public_key(account: &RemoteAccount) -> Result<PublicKey, GateError> {
    PublicKey::from_pem(&account.account.public_key_pem).map_err(|_| GateError::BadStoredKey)
}
