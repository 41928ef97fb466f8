//! Time-ordered 64-bit identifiers, like Mastodon's: the upper bits are milliseconds since
//! the Unix epoch and the lower 16 bits a per-process sequence. Ordering by id is ordering
//! by creation time, so timelines page with `max_id`/`since_id` as index range scans.

use std::fmt;
use std::str::FromStr;
use std::sync::atomic::{AtomicU16, Ordering};

use crate::Timestamp;

#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
pub struct Id(i64);

static SEQUENCE: AtomicU16 = AtomicU16::new(0);
static SEEDED: std::sync::Once = std::sync::Once::new();

impl Id {
    /// A new id for something created at `at`.
    pub fn generate(at: Timestamp) -> Id {
        SEEDED.call_once(|| {
            // A random starting point makes collisions between processes sharing one
            // database (several instances behind a proxy) unlikely; the database's
            // primary key turns the rare collision into an error rather than corruption.
            let mut seed = [0u8; 2];
            crate::secret::fill_random(&mut seed);
            SEQUENCE.store(u16::from_le_bytes(seed), Ordering::Relaxed);
        });
        let sequence = SEQUENCE.fetch_add(1, Ordering::Relaxed);
        Id((at.as_millis() << 16) | i64::from(sequence))
    }

    pub const fn from_i64(raw: i64) -> Id {
        Id(raw)
    }

    pub const fn as_i64(self) -> i64 {
        self.0
    }
}

impl fmt::Display for Id {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("not a valid id")]
pub struct InvalidId;

impl FromStr for Id {
    type Err = InvalidId;

    /// Ids arrive as decimal strings from clients; anything else is not an id.
    fn from_str(s: &str) -> Result<Id, InvalidId> {
        if s.is_empty() || s.len() > 19 || !s.bytes().all(|b| b.is_ascii_digit()) {
            return Err(InvalidId);
        }
        s.parse::<i64>().map(Id).map_err(|_| InvalidId)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_ordered_by_time_and_unique() {
        let earlier = Id::generate(Timestamp::from_millis(1_700_000_000_000));
        let later = Id::generate(Timestamp::from_millis(1_700_000_000_001));
        assert!(earlier < later);
        let same_ms: Vec<Id> = (0..1000)
            .map(|_| Id::generate(Timestamp::from_millis(1_700_000_000_002)))
            .collect();
        let unique: std::collections::HashSet<_> = same_ms.iter().collect();
        assert_eq!(unique.len(), same_ms.len());
    }

    #[test]
    fn parses_only_decimal_strings() {
        assert_eq!("123".parse::<Id>(), Ok(Id(123)));
        for bad in ["", "-1", "1e3", "12a", " 1", "99999999999999999999"] {
            assert_eq!(bad.parse::<Id>(), Err(InvalidId), "{bad:?}");
        }
    }
}
