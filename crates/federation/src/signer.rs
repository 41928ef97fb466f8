//! Signing outgoing requests with one of our keys: the adapter between the outbound
//! client's [`RequestSigner`] hook (reqwest requests) and [`sign_request`] (plain
//! `http` requests).

use std::fmt;
use std::time::SystemTime;

use url::Url;

use crate::client::{RequestSigner, SignError};
use crate::signature::{KeyError, PrivateKey, SignatureScheme, sign_request};

/// Signs requests as one actor: a member (`https://host/users/NAME#main-key`) or the
/// instance actor.
pub struct KeySigner {
    /// The `keyId` the signature names: where the public key is published.
    pub key_id: Url,
    pub key: PrivateKey,
    pub scheme: SignatureScheme,
}

impl KeySigner {
    pub fn new(key_id: Url, key: PrivateKey, scheme: SignatureScheme) -> KeySigner {
        KeySigner {
            key_id,
            key,
            scheme,
        }
    }

    /// A signer from a PEM private key as the store keeps it.
    pub fn from_pem(
        key_id: Url,
        private_key_pem: &str,
        scheme: SignatureScheme,
    ) -> Result<KeySigner, KeyError> {
        Ok(KeySigner::new(
            key_id,
            PrivateKey::from_pem(private_key_pem)?,
            scheme,
        ))
    }
}

impl fmt::Debug for KeySigner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KeySigner")
            .field("key_id", &self.key_id.as_str())
            .field("scheme", &self.scheme)
            .finish_non_exhaustive()
    }
}

impl RequestSigner for KeySigner {
    /// Copies the method, URL, headers and body into an `http::Request`, signs that, and
    /// copies the resulting headers (`Host`, `Date`, the digest, the signature) back.
    fn sign(&self, request: &mut reqwest::Request) -> Result<(), SignError> {
        let body = match request.body() {
            None => Vec::new(),
            Some(body) => body
                .as_bytes()
                .ok_or("cannot sign a streaming request body")?
                .to_vec(),
        };
        let mut signed = http::Request::builder()
            .method(request.method().clone())
            .uri(request.url().as_str())
            .body(body)?;
        *signed.headers_mut() = request.headers().clone();
        sign_request(
            &mut signed,
            self.key_id.as_str(),
            &self.key,
            self.scheme,
            SystemTime::now(),
        )?;
        *request.headers_mut() = std::mem::take(signed.headers_mut());
        Ok(())
    }
}
