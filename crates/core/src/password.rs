//! Passwords: length rules and Argon2id hashing. Hashing is deliberately slow (tens of
//! milliseconds); async callers run it on a blocking thread.

use argon2::password_hash::{PasswordHash as PhcString, SaltString, rand_core::OsRng};
use argon2::{Argon2, PasswordHasher, PasswordVerifier};

pub const MIN_LENGTH: usize = 8;
/// Bounds the work an attacker can make us do per sign-in attempt.
pub const MAX_LENGTH: usize = 256;

/// A plaintext password that satisfies the length rules.
pub struct Password(String);

impl std::fmt::Debug for Password {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Password(..)")
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum PasswordError {
    #[error("must be at least {MIN_LENGTH} characters")]
    TooShort,
    #[error("must be at most {MAX_LENGTH} characters")]
    TooLong,
}

impl Password {
    pub fn parse(input: &str) -> Result<Password, PasswordError> {
        let length = input.chars().count();
        if length < MIN_LENGTH {
            Err(PasswordError::TooShort)
        } else if length > MAX_LENGTH {
            Err(PasswordError::TooLong)
        } else {
            Ok(Password(input.to_owned()))
        }
    }

    /// An Argon2id hash in PHC string form, with a fresh random salt.
    pub fn hash(&self) -> PasswordHash {
        let salt = SaltString::generate(&mut OsRng);
        let phc = Argon2::default()
            .hash_password(self.0.as_bytes(), &salt)
            .expect("Argon2 with default parameters accepts any password and salt");
        PasswordHash(phc.to_string())
    }
}

/// A stored password hash (PHC string).
#[derive(Clone, PartialEq, Eq)]
pub struct PasswordHash(String);

impl std::fmt::Debug for PasswordHash {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PasswordHash(..)")
    }
}

impl PasswordHash {
    pub fn from_stored(phc: String) -> PasswordHash {
        PasswordHash(phc)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether `candidate` is the password this hash was made from. Over-long candidates
    /// are refused before any hashing work.
    pub fn verify(&self, candidate: &str) -> bool {
        if candidate.chars().count() > MAX_LENGTH {
            return false;
        }
        match PhcString::new(&self.0) {
            Ok(parsed) => Argon2::default()
                .verify_password(candidate.as_bytes(), &parsed)
                .is_ok(),
            Err(_) => false,
        }
    }
}

/// Spends the same effort as checking a real password, so that "no such user" and "wrong
/// password" take the same time.
pub fn verify_against_nothing(candidate: &str) {
    static DUMMY: std::sync::OnceLock<PasswordHash> = std::sync::OnceLock::new();
    let dummy = DUMMY.get_or_init(|| {
        Password::parse("hamlet-timing-equaliser")
            .expect("long enough")
            .hash()
    });
    let _ = dummy.verify(candidate);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_with_argon2id_and_verifies() {
        let hash = Password::parse("correct horse battery").unwrap().hash();
        assert!(hash.as_str().starts_with("$argon2id$"));
        assert!(hash.verify("correct horse battery"));
        assert!(!hash.verify("correct horse battery!"));
        assert!(!PasswordHash::from_stored("garbage".into()).verify("x"));
    }

    #[test]
    fn enforces_length() {
        assert_eq!(
            Password::parse("short").unwrap_err(),
            PasswordError::TooShort
        );
        assert_eq!(
            Password::parse(&"x".repeat(MAX_LENGTH + 1)).unwrap_err(),
            PasswordError::TooLong
        );
    }
}
