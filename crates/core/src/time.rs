//! Instants as milliseconds since the Unix epoch: the one representation both databases
//! store identically (BIGINT) and that sorts and compares without time-zone surprises.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
pub struct Timestamp(i64);

impl Timestamp {
    pub fn now() -> Timestamp {
        let since_epoch = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or(Duration::ZERO);
        Timestamp(i64::try_from(since_epoch.as_millis()).unwrap_or(i64::MAX))
    }

    pub const fn from_millis(millis: i64) -> Timestamp {
        Timestamp(millis)
    }

    pub const fn as_millis(self) -> i64 {
        self.0
    }

    pub fn as_secs(self) -> i64 {
        self.0.div_euclid(1000)
    }

    pub fn plus(self, duration: Duration) -> Timestamp {
        let millis = i64::try_from(duration.as_millis()).unwrap_or(i64::MAX);
        Timestamp(self.0.saturating_add(millis))
    }

    fn to_datetime(self) -> OffsetDateTime {
        let nanos = i128::from(self.0) * 1_000_000;
        OffsetDateTime::from_unix_timestamp_nanos(nanos).unwrap_or(OffsetDateTime::UNIX_EPOCH)
    }

    /// `2019-12-08T03:48:33.901Z`: the form Mastodon's API uses for date-times.
    pub fn to_api_string(self) -> String {
        let dt = self.to_datetime();
        format!(
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
            dt.year(),
            u8::from(dt.month()),
            dt.day(),
            dt.hour(),
            dt.minute(),
            dt.second(),
            dt.millisecond()
        )
    }

    /// The start of this instant's UTC day, in API form. Mastodon rounds account creation
    /// times down to the day so that they say less about the member.
    pub fn to_api_date_string(self) -> String {
        let day_start = self.0 - self.0.rem_euclid(86_400_000);
        Timestamp(day_start).to_api_string()
    }

    /// `2019-12-08`: the UTC day, as Mastodon's `last_status_at`.
    pub fn to_api_day_string(self) -> String {
        self.to_api_string()[..10].to_owned()
    }

    pub fn parse_rfc3339(value: &str) -> Option<Timestamp> {
        let dt = OffsetDateTime::parse(value, &Rfc3339).ok()?;
        i64::try_from(dt.unix_timestamp_nanos() / 1_000_000)
            .ok()
            .map(Timestamp)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_like_mastodon() {
        let t = Timestamp::from_millis(1_575_776_913_901);
        assert_eq!(t.to_api_string(), "2019-12-08T03:48:33.901Z");
        assert_eq!(t.to_api_date_string(), "2019-12-08T00:00:00.000Z");
        assert_eq!(
            Timestamp::parse_rfc3339("2019-12-08T03:48:33.901Z"),
            Some(t)
        );
    }
}
