//! When to try a failed delivery again, and when to stop: pure functions, so that the
//! schedule can be tested without waiting a week.
//!
//! After the n-th failed attempt the delay is `base · 2^(n−1)`, at most `cap`, with "equal
//! jitter": a uniformly random point in `[delay/2, delay]`, so that deliveries that failed
//! together (a server restarting) do not all come back together, yet never sooner than half
//! the nominal delay. A `Retry-After` from the server is honoured (bounded by
//! `max_retry_after`). Attempts are never scheduled past the horizon (`created_at +
//! horizon`): the last one happens at the horizon at the latest, and a failure at or after
//! the horizon gives up. So retries go on for the whole horizon, and no longer.
//!
//! With the defaults (1 minute, doubling, capped at 6 hours, 7 days) the nominal delays are
//! 1, 2, 4, 8, 16, 32, 64, 128 and 256 minutes, then 6 hours: 37 attempts over the week
//! when every wait is the longest, 65 when every wait is the shortest (half).

use std::time::Duration;

use hamlet_core::Timestamp;
use hamlet_store::DomainHealth;

/// The retry schedule.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Backoff {
    /// The delay after the first failure.
    pub base: Duration,
    /// The longest delay between two attempts (before `Retry-After`).
    pub cap: Duration,
    /// How long after its creation a delivery is retried.
    pub horizon: Duration,
    /// The longest `Retry-After` honoured.
    pub max_retry_after: Duration,
}

pub const DEFAULT_BACKOFF_BASE: Duration = Duration::from_secs(60);
pub const DEFAULT_BACKOFF_CAP: Duration = Duration::from_secs(6 * 60 * 60);
pub const DEFAULT_RETRY_HORIZON: Duration = Duration::from_secs(7 * 24 * 60 * 60);
pub const DEFAULT_MAX_RETRY_AFTER: Duration = Duration::from_secs(24 * 60 * 60);

impl Default for Backoff {
    fn default() -> Self {
        Backoff {
            base: DEFAULT_BACKOFF_BASE,
            cap: DEFAULT_BACKOFF_CAP,
            horizon: DEFAULT_RETRY_HORIZON,
            max_retry_after: DEFAULT_MAX_RETRY_AFTER,
        }
    }
}

/// What to do after a failed attempt.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Retry {
    /// Try again at this time.
    At(Timestamp),
    /// The horizon has passed: drop the delivery.
    GiveUp,
}

impl Backoff {
    /// The nominal delay after the `failures`-th failed attempt (1 for the first).
    pub fn delay(&self, failures: u32) -> Duration {
        let doublings = failures.saturating_sub(1).min(63);
        let nominal = self
            .base
            .as_millis()
            .saturating_mul(1u128 << doublings)
            .min(self.cap.as_millis());
        Duration::from_millis(u64::try_from(nominal).unwrap_or(u64::MAX))
    }

    /// The delay with jitter: uniform in `[delay/2, delay]`, drawn from `random` (a
    /// uniformly random number; 0 gives the shortest wait, `u64::MAX` the longest).
    pub fn jittered(&self, failures: u32, random: u64) -> Duration {
        let nominal = u64::try_from(self.delay(failures).as_millis()).unwrap_or(u64::MAX);
        let floor = nominal / 2;
        let span = nominal - floor;
        // `random` scaled to [0, span]: 0 gives the floor, u64::MAX the whole delay.
        let offset = u128::from(span) * u128::from(random) / u128::from(u64::MAX);
        Duration::from_millis(floor + u64::try_from(offset).unwrap_or(span))
    }

    /// The decision after the `failures`-th failed attempt (counting this one), made at
    /// `now`, of a delivery created at `created_at`.
    pub fn next_attempt(
        &self,
        created_at: Timestamp,
        now: Timestamp,
        failures: u32,
        retry_after: Option<Duration>,
        random: u64,
    ) -> Retry {
        let horizon = created_at.plus(self.horizon);
        if now >= horizon {
            return Retry::GiveUp;
        }
        let mut wait = self.jittered(failures, random);
        if let Some(asked) = retry_after {
            wait = wait.max(asked.min(self.max_retry_after));
        }
        Retry::At(now.plus(wait).min(horizon))
    }
}

/// Whether a failure just recorded should pause the domain: it is not paused yet and has
/// been failing, with no success in between, for at least `pause_after`.
pub fn should_pause(health: &DomainHealth, now: Timestamp, pause_after: Duration) -> bool {
    let Some(since) = health.first_failure_at else {
        return false;
    };
    let failing_for = now.as_millis().saturating_sub(since.as_millis());
    health.paused_until.is_none()
        && u128::from(failing_for.max(0).unsigned_abs()) >= pause_after.as_millis()
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINUTE: u64 = 60;
    const HOUR: u64 = 60 * MINUTE;
    const DAY: u64 = 24 * HOUR;

    fn secs(s: u64) -> Duration {
        Duration::from_secs(s)
    }

    /// A small deterministic generator (xorshift) for the simulations.
    struct Xorshift(u64);

    impl Xorshift {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }
    }

    #[test]
    fn delays_double_up_to_the_cap() {
        let backoff = Backoff::default();
        let expected = [
            MINUTE,
            2 * MINUTE,
            4 * MINUTE,
            8 * MINUTE,
            16 * MINUTE,
            32 * MINUTE,
            64 * MINUTE,
            128 * MINUTE,
            256 * MINUTE,
            6 * HOUR,
            6 * HOUR,
        ];
        for (i, want) in expected.iter().enumerate() {
            let failures = u32::try_from(i + 1).unwrap();
            assert_eq!(
                backoff.delay(failures),
                secs(*want),
                "after {failures} failures"
            );
        }
        assert_eq!(backoff.delay(0), secs(MINUTE));
        assert_eq!(backoff.delay(64), secs(6 * HOUR));
        assert_eq!(backoff.delay(u32::MAX), secs(6 * HOUR));
        let huge = Backoff {
            base: Duration::MAX,
            cap: Duration::MAX,
            ..Backoff::default()
        };
        assert!(huge.delay(u32::MAX) >= secs(u64::MAX / 1000));
    }

    #[test]
    fn jitter_stays_between_half_and_the_whole_delay() {
        let backoff = Backoff::default();
        let mut rng = Xorshift(0x9e37_79b9_7f4a_7c15);
        for failures in 1..=20 {
            let nominal = backoff.delay(failures);
            let mut seen_low = false;
            let mut seen_high = false;
            for random in [0, 1, u64::MAX, u64::MAX - 1]
                .into_iter()
                .chain((0..2000).map(|_| rng.next()))
            {
                let wait = backoff.jittered(failures, random);
                assert!(wait >= nominal / 2, "{wait:?} < half of {nominal:?}");
                assert!(wait <= nominal, "{wait:?} > {nominal:?}");
                seen_low |= wait < nominal * 2 / 3;
                seen_high |= wait > nominal * 5 / 6;
            }
            assert!(seen_low && seen_high, "the jitter spreads ({failures})");
        }
        assert_eq!(backoff.jittered(1, 0), secs(30));
        let zero = Backoff {
            base: Duration::ZERO,
            ..Backoff::default()
        };
        assert_eq!(zero.jittered(3, u64::MAX), Duration::ZERO);
    }

    /// Walks the schedule until it gives up; returns the attempt times (seconds after
    /// creation, the first attempt at 0).
    fn simulate(backoff: &Backoff, mut random: impl FnMut() -> u64) -> Vec<u64> {
        let created = Timestamp::from_millis(1_700_000_000_000);
        let mut now = created;
        let mut attempts = vec![0];
        for failures in 1.. {
            match backoff.next_attempt(created, now, failures, None, random()) {
                Retry::GiveUp => break,
                Retry::At(next) => {
                    assert!(next > now, "time moves forward");
                    now = next;
                    attempts.push(
                        u64::try_from((now.as_millis() - created.as_millis()) / 1000).unwrap(),
                    );
                }
            }
            assert!(failures < 1000, "the schedule ends");
        }
        attempts
    }

    #[test]
    fn retries_go_on_for_seven_days_then_stop() {
        let backoff = Backoff::default();
        let mut rng = Xorshift(42);
        for (name, attempts) in [
            ("shortest waits", simulate(&backoff, || 0)),
            ("longest waits", simulate(&backoff, || u64::MAX)),
            ("random waits", simulate(&backoff, || rng.next())),
        ] {
            let last = *attempts.last().unwrap();
            assert_eq!(last, 7 * DAY, "{name}: the last attempt is at the horizon");
            let gaps: Vec<u64> = attempts.windows(2).map(|w| w[1] - w[0]).collect();
            assert!(
                gaps.iter().all(|&gap| gap <= 6 * HOUR),
                "{name}: no gap beyond the cap"
            );
            assert!(
                (25..=70).contains(&attempts.len()),
                "{name}: {} attempts",
                attempts.len()
            );
        }
        // The nominal schedule: 9 doublings (511 minutes), then every 6 hours.
        let nominal = simulate(&backoff, || u64::MAX);
        assert_eq!(&nominal[..4], &[0, 60, 180, 420]);
        assert_eq!(nominal.len(), 37);
        assert_eq!(simulate(&backoff, || 0).len(), 65);
    }

    #[test]
    fn gives_up_only_at_the_horizon() {
        let backoff = Backoff::default();
        let created = Timestamp::from_millis(1_700_000_000_000);
        let just_before = Timestamp::from_millis(created.plus(secs(7 * DAY)).as_millis() - 1);
        assert_eq!(
            backoff.next_attempt(created, just_before, 40, None, 7),
            Retry::At(created.plus(secs(7 * DAY))),
            "the last wait is cut to the horizon"
        );
        assert_eq!(
            backoff.next_attempt(created, created.plus(secs(7 * DAY)), 41, None, 7),
            Retry::GiveUp
        );
        assert_eq!(
            backoff.next_attempt(created, created.plus(secs(30 * DAY)), 1, None, 7),
            Retry::GiveUp
        );
    }

    #[test]
    fn retry_after_is_honoured_within_bounds() {
        let backoff = Backoff::default();
        let created = Timestamp::from_millis(1_700_000_000_000);
        let now = created.plus(secs(10));
        assert_eq!(
            backoff.next_attempt(created, now, 1, Some(secs(HOUR)), 0),
            Retry::At(now.plus(secs(HOUR)))
        );
        // A shorter Retry-After does not shorten the backoff.
        assert_eq!(
            backoff.next_attempt(created, now, 1, Some(secs(1)), 0),
            Retry::At(now.plus(secs(30)))
        );
        // An absurd one is bounded.
        assert_eq!(
            backoff.next_attempt(created, now, 1, Some(secs(365 * DAY)), 0),
            Retry::At(now.plus(secs(DAY)))
        );
        let late = created.plus(secs(7 * DAY - HOUR));
        assert_eq!(
            backoff.next_attempt(created, late, 30, Some(secs(DAY)), 0),
            Retry::At(created.plus(secs(7 * DAY)))
        );
    }

    #[test]
    fn domains_pause_after_failing_continuously_for_long() {
        let now = Timestamp::from_millis(1_700_000_000_000);
        let pause_after = secs(2 * DAY);
        let health = |since: Option<u64>, paused: bool| DomainHealth {
            domain: "a.example".into(),
            consecutive_failures: 5,
            first_failure_at: since.map(|s| {
                Timestamp::from_millis(now.as_millis() - 1000 * i64::try_from(s).unwrap())
            }),
            last_failure_at: Some(now),
            last_success_at: None,
            paused_until: paused.then_some(now),
        };
        assert!(!should_pause(&health(None, false), now, pause_after));
        assert!(!should_pause(&health(Some(DAY), false), now, pause_after));
        assert!(should_pause(
            &health(Some(2 * DAY), false),
            now,
            pause_after
        ));
        assert!(should_pause(
            &health(Some(5 * DAY), false),
            now,
            pause_after
        ));
        assert!(
            !should_pause(&health(Some(5 * DAY), true), now, pause_after),
            "already paused"
        );
        assert!(!should_pause(
            &health(Some(0), false),
            now.plus(secs(0)),
            pause_after
        ));
        let future = Timestamp::from_millis(now.as_millis() + 5000);
        let mut odd = health(None, false);
        odd.first_failure_at = Some(future);
        assert!(
            !should_pause(&odd, now, Duration::from_secs(1)),
            "clock went back"
        );
    }
}
