//! Per-client limits on the endpoints that guess-and-check attacks target (signing in,
//! token requests, app registration). Counted in memory with fixed windows; each process
//! counts for itself, which bounds attempts per process, not per cluster.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::error::ApiError;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Bucket {
    /// Password checks: OAuth sign-in form, password grant, first-admin setup.
    SignIn,
    /// Every request to `/oauth/token` and `/oauth/revoke`.
    Token,
    /// `POST /api/v1/apps`.
    AppRegistration,
}

#[derive(Clone, Debug)]
pub struct RateLimits {
    pub window: Duration,
    pub sign_in: u32,
    pub token: u32,
    pub app_registration: u32,
}

impl Default for RateLimits {
    fn default() -> RateLimits {
        RateLimits {
            window: Duration::from_secs(300),
            sign_in: 10,
            token: 60,
            app_registration: 30,
        }
    }
}

impl RateLimits {
    fn allowance(&self, bucket: Bucket) -> u32 {
        match bucket {
            Bucket::SignIn => self.sign_in,
            Bucket::Token => self.token,
            Bucket::AppRegistration => self.app_registration,
        }
    }
}

pub struct RateLimiter {
    limits: RateLimits,
    windows: Mutex<HashMap<(Bucket, IpAddr), Window>>,
}

struct Window {
    started: Instant,
    count: u32,
}

/// Above this many tracked clients, expired windows are swept on the next check.
const SWEEP_THRESHOLD: usize = 10_000;

impl RateLimiter {
    pub fn new(limits: RateLimits) -> RateLimiter {
        RateLimiter {
            limits,
            windows: Mutex::new(HashMap::new()),
        }
    }

    /// Counts one attempt by `client`; refuses it with 429 and `Retry-After` when the
    /// client has used up its allowance for the current window.
    pub fn check(&self, bucket: Bucket, client: IpAddr) -> Result<(), ApiError> {
        let now = Instant::now();
        let window_length = self.limits.window;
        let mut windows = self.windows.lock().unwrap_or_else(|e| e.into_inner());
        if windows.len() > SWEEP_THRESHOLD {
            windows.retain(|_, w| now.duration_since(w.started) < window_length);
        }
        let window = windows.entry((bucket, client)).or_insert(Window {
            started: now,
            count: 0,
        });
        if now.duration_since(window.started) >= window_length {
            *window = Window {
                started: now,
                count: 0,
            };
        }
        if window.count >= self.limits.allowance(bucket) {
            let remaining = window_length.saturating_sub(now.duration_since(window.started));
            return Err(ApiError::TooManyRequests {
                retry_after_secs: remaining.as_secs() + 1,
            });
        }
        window.count += 1;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_after_the_allowance_and_counts_clients_apart() {
        let limiter = RateLimiter::new(RateLimits {
            sign_in: 2,
            ..RateLimits::default()
        });
        let a: IpAddr = "192.0.2.1".parse().unwrap();
        let b: IpAddr = "192.0.2.2".parse().unwrap();
        assert!(limiter.check(Bucket::SignIn, a).is_ok());
        assert!(limiter.check(Bucket::SignIn, a).is_ok());
        match limiter.check(Bucket::SignIn, a) {
            Err(ApiError::TooManyRequests { retry_after_secs }) => {
                assert!((1..=301).contains(&retry_after_secs))
            }
            other => panic!("expected 429, got {other:?}"),
        }
        assert!(limiter.check(Bucket::SignIn, b).is_ok());
        assert!(limiter.check(Bucket::Token, a).is_ok());
    }

    #[test]
    fn a_new_window_restores_the_allowance() {
        let limiter = RateLimiter::new(RateLimits {
            window: Duration::from_millis(20),
            sign_in: 1,
            ..RateLimits::default()
        });
        let a: IpAddr = "192.0.2.1".parse().unwrap();
        assert!(limiter.check(Bucket::SignIn, a).is_ok());
        assert!(limiter.check(Bucket::SignIn, a).is_err());
        std::thread::sleep(Duration::from_millis(30));
        assert!(limiter.check(Bucket::SignIn, a).is_ok());
    }
}
