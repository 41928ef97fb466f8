//! Each account's RSA-2048 key pair, used to sign and verify federation requests.
//! Generated with aws-lc-rs (the `rsa` crate is forbidden: RUSTSEC-2023-0071).

use aws_lc_rs::encoding::{AsDer, Pkcs8V1Der, PublicKeyX509Der};
use aws_lc_rs::rsa::{KeyPair, KeySize};
use aws_lc_rs::signature::KeyPair as _;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;

pub struct AccountKeys {
    /// PKCS#8, PEM armoured (`BEGIN PRIVATE KEY`).
    pub private_key_pem: String,
    /// SubjectPublicKeyInfo, PEM armoured (`BEGIN PUBLIC KEY`), as ActivityPub's
    /// `publicKeyPem` carries it.
    pub public_key_pem: String,
}

impl std::fmt::Debug for AccountKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AccountKeys")
            .field("public_key_pem", &self.public_key_pem)
            .finish_non_exhaustive()
    }
}

impl AccountKeys {
    /// A fresh key pair. Takes tens to hundreds of milliseconds: async callers run it on
    /// a blocking thread.
    pub fn generate() -> AccountKeys {
        let pair = KeyPair::generate(KeySize::Rsa2048).expect("RSA-2048 key generation");
        let private: Pkcs8V1Der = pair.as_der().expect("PKCS#8 encoding of a fresh key");
        let public: PublicKeyX509Der = pair
            .public_key()
            .as_der()
            .expect("SPKI encoding of a fresh key");
        AccountKeys {
            private_key_pem: pem("PRIVATE KEY", private.as_ref()),
            public_key_pem: pem("PUBLIC KEY", public.as_ref()),
        }
    }
}

fn pem(label: &str, der: &[u8]) -> String {
    let body = STANDARD.encode(der);
    let mut out = format!("-----BEGIN {label}-----\n");
    for line in body.as_bytes().chunks(64) {
        out.push_str(std::str::from_utf8(line).expect("base64 is ASCII"));
        out.push('\n');
    }
    out.push_str(&format!("-----END {label}-----\n"));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generates_pem_encoded_rsa_2048_keys() {
        let keys = AccountKeys::generate();
        assert!(
            keys.private_key_pem
                .starts_with("-----BEGIN PRIVATE KEY-----\n")
        );
        assert!(
            keys.public_key_pem
                .starts_with("-----BEGIN PUBLIC KEY-----\n")
        );
        let body: String = keys
            .public_key_pem
            .lines()
            .filter(|l| !l.starts_with("-----"))
            .collect();
        let der = STANDARD.decode(body).unwrap();
        // A 2048-bit RSA SubjectPublicKeyInfo is 294 bytes.
        assert_eq!(der.len(), 294);
        let parsed = KeyPair::from_pkcs8(
            &STANDARD
                .decode(
                    keys.private_key_pem
                        .lines()
                        .filter(|l| !l.starts_with("-----"))
                        .collect::<String>(),
                )
                .unwrap(),
        )
        .unwrap();
        assert_eq!(parsed.public_modulus_len(), 256);
    }
}
