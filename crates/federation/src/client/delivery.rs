//! What happened to a delivery, in the terms the delivery queue needs.

use std::time::Duration;

use time::OffsetDateTime;
use time::format_description::well_known::Rfc2822;

/// The result of POSTing an activity to an inbox.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DeliveryOutcome {
    /// The inbox accepted it (2xx).
    Delivered {
        /// The status code.
        status: u16,
    },
    /// The inbox (or its actor) is gone for good (410): stop delivering there.
    Gone,
    /// The inbox refused it and will keep refusing it (4xx other than 408, 410, 429):
    /// do not retry.
    PermanentFailure {
        /// The status code.
        status: u16,
    },
    /// Try again later (5xx, 408, 429, a redirect, network errors, timeouts).
    Retryable {
        /// Why.
        reason: RetryReason,
        /// The server's `Retry-After`, when it sent a usable one. Not clamped: the queue
        /// should bound it.
        retry_after: Option<Duration>,
    },
}

impl DeliveryOutcome {
    /// True for [`DeliveryOutcome::Retryable`].
    pub fn is_retryable(&self) -> bool {
        matches!(self, Self::Retryable { .. })
    }
}

/// Why a delivery should be retried.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RetryReason {
    /// The server answered with this status.
    Status(u16),
    /// No complete answer within the client's timeouts.
    Timeout,
    /// Connection, TLS or protocol failure (the message is for logs).
    Network(String),
}

/// Classifies an inbox's answer. `retry_after` is the parsed `Retry-After` header, used
/// only when the outcome is retryable.
pub(crate) fn classify(status: u16, retry_after: Option<Duration>) -> DeliveryOutcome {
    match status {
        200..=299 => DeliveryOutcome::Delivered { status },
        410 => DeliveryOutcome::Gone,
        408 | 429 => DeliveryOutcome::Retryable {
            reason: RetryReason::Status(status),
            retry_after,
        },
        400..=499 => DeliveryOutcome::PermanentFailure { status },
        // 5xx, and also 1xx/3xx oddities (redirects are not followed for POST): like
        // Mastodon, anything not clearly accepted or clearly refused is retried.
        _ => DeliveryOutcome::Retryable {
            reason: RetryReason::Status(status),
            retry_after,
        },
    }
}

/// Parses a `Retry-After` value: delay-seconds or an HTTP date (relative to `now`; a
/// date in the past means "now", i.e. zero). Anything else is ignored.
pub fn parse_retry_after(value: &str, now: OffsetDateTime) -> Option<Duration> {
    let value = value.trim();
    if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) {
        return value.parse::<u64>().ok().map(Duration::from_secs);
    }
    let date = OffsetDateTime::parse(value, &Rfc2822).ok()?;
    let wait = date - now;
    Some(Duration::try_from(wait).unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn statuses_are_classified() {
        let cases: &[(u16, &str)] = &[
            (200, "delivered"),
            (201, "delivered"),
            (202, "delivered"),
            (204, "delivered"),
            (410, "gone"),
            (400, "permanent"),
            (401, "permanent"),
            (403, "permanent"),
            (404, "permanent"),
            (405, "permanent"),
            (413, "permanent"),
            (422, "permanent"),
            (408, "retry"),
            (429, "retry"),
            (500, "retry"),
            (502, "retry"),
            (503, "retry"),
            (504, "retry"),
            (301, "retry"),
            (302, "retry"),
            (308, "retry"),
        ];
        for &(status, expected) in cases {
            let got = match classify(status, None) {
                DeliveryOutcome::Delivered { status: s } if s == status => "delivered",
                DeliveryOutcome::Gone => "gone",
                DeliveryOutcome::PermanentFailure { status: s } if s == status => "permanent",
                DeliveryOutcome::Retryable {
                    reason: RetryReason::Status(s),
                    ..
                } if s == status => "retry",
                other => panic!("{status}: {other:?}"),
            };
            assert_eq!(got, expected, "{status}");
        }
    }

    #[test]
    fn retry_after_is_passed_on_for_retryable_only() {
        let wait = Some(Duration::from_secs(30));
        assert_eq!(
            classify(429, wait),
            DeliveryOutcome::Retryable {
                reason: RetryReason::Status(429),
                retry_after: wait
            }
        );
        assert!(classify(503, wait).is_retryable());
        assert_eq!(
            classify(202, wait),
            DeliveryOutcome::Delivered { status: 202 }
        );
    }

    #[test]
    fn retry_after_values() {
        let now = datetime!(2025-01-01 12:00:00 UTC);
        assert_eq!(
            parse_retry_after("120", now),
            Some(Duration::from_secs(120))
        );
        assert_eq!(parse_retry_after(" 0 ", now), Some(Duration::ZERO));
        assert_eq!(
            parse_retry_after("Wed, 01 Jan 2025 12:01:30 GMT", now),
            Some(Duration::from_secs(90))
        );
        assert_eq!(
            parse_retry_after("Wed, 01 Jan 2025 11:00:00 GMT", now),
            Some(Duration::ZERO)
        );
        assert_eq!(parse_retry_after("-5", now), None);
        assert_eq!(parse_retry_after("soon", now), None);
        assert_eq!(parse_retry_after("", now), None);
        assert_eq!(parse_retry_after("1.5", now), None);
    }
}
