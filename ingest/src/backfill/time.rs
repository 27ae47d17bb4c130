//! The backfill's time window: `--since`/`--until` (and the Lambda's `since`/`until`), as a
//! duration ago or an RFC 3339 time, clamped to CloudTrail's 90 days.

use chrono::{DateTime, Duration, Utc};
use zonetrail_model::{Timestamp, to_micros};

/// CloudTrail's event history keeps the last 90 days.
pub const HISTORY_DAYS: i64 = 90;

/// `90d`, `36h` or `30m` (that long before `now`), or an RFC 3339 time
/// (`2026-09-01T00:00:00Z`). Anything else is an error that names the value and the forms
/// accepted.
pub fn parse_time_arg(s: &str, now: Timestamp) -> Result<Timestamp, String> {
    let raw = s.trim();
    let bad = || {
        format!(
            "{s:?} is not a time: expected a duration ago such as 90d, 36h or 30m, or an RFC 3339 time such as 2026-09-01T00:00:00Z"
        )
    };
    if raw.is_empty() {
        return Err(bad());
    }
    if let Ok(at) = DateTime::parse_from_rfc3339(raw) {
        return Ok(to_micros(at.with_timezone(&Utc)));
    }
    let (digits, unit) = raw.split_at(raw.len() - raw.chars().last().map_or(0, char::len_utf8));
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    let n: i64 = digits.parse().map_err(|_| bad())?;
    let ago = match unit {
        "d" => Duration::try_days(n),
        "h" => Duration::try_hours(n),
        "m" => Duration::try_minutes(n),
        _ => None,
    }
    .ok_or_else(bad)?;
    now.checked_sub_signed(ago).map(to_micros).ok_or_else(bad)
}

/// What to backfill: the window [`since`, `until`] of every account in scope.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BackfillRequest {
    pub since: Timestamp,
    pub until: Timestamp,
}

impl BackfillRequest {
    /// The window from already parsed times: `until` defaults to `now`; a `since` older than
    /// CloudTrail's 90 days is clamped to `now` − 90 days, with the warning returned for the
    /// caller to show. `since` after `until` (once clamped), or an `until` in the future, is
    /// an error.
    pub fn new(
        since: Timestamp,
        until: Option<Timestamp>,
        now: Timestamp,
    ) -> Result<(Self, Option<String>), String> {
        let now = to_micros(now);
        let until = to_micros(until.unwrap_or(now));
        if until > now {
            return Err(format!("until {} is in the future (now is {now})", rfc3339(until)));
        }
        let oldest = now - Duration::days(HISTORY_DAYS);
        let mut warning = None;
        let mut since = to_micros(since);
        if since < oldest {
            if until < oldest {
                return Err(format!(
                    "until {} is older than CloudTrail's {HISTORY_DAYS} days of event history (since {}): there is nothing to read",
                    rfc3339(until),
                    rfc3339(oldest)
                ));
            }
            warning = Some(format!(
                "since {} is older than CloudTrail's {HISTORY_DAYS} days of event history; reading from {} instead",
                rfc3339(since),
                rfc3339(oldest)
            ));
            since = oldest;
        }
        if since > until {
            return Err(format!("since {} is after until {}", rfc3339(since), rfc3339(until)));
        }
        Ok((Self { since, until }, warning))
    }

    /// [`parse_time_arg`] on both, then [`BackfillRequest::new`].
    pub fn parse(
        since: &str,
        until: Option<&str>,
        now: Timestamp,
    ) -> Result<(Self, Option<String>), String> {
        let since = parse_time_arg(since, now).map_err(|e| format!("since: {e}"))?;
        let until =
            until.map(|u| parse_time_arg(u, now).map_err(|e| format!("until: {e}"))).transpose()?;
        Self::new(since, until, now)
    }
}

pub(super) fn rfc3339(t: Timestamp) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn now() -> Timestamp {
        Utc.with_ymd_and_hms(2026, 12, 3, 8, 0, 0).unwrap()
    }

    #[test]
    fn durations_ago_and_rfc3339_times_are_read() {
        assert_eq!(parse_time_arg("90d", now()), Ok(now() - Duration::days(90)));
        assert_eq!(parse_time_arg(" 36h", now()), Ok(now() - Duration::hours(36)));
        assert_eq!(parse_time_arg("30m", now()), Ok(now() - Duration::minutes(30)));
        assert_eq!(
            parse_time_arg("2026-11-01T12:00:00+01:00", now()),
            Ok(Utc.with_ymd_and_hms(2026, 11, 1, 11, 0, 0).unwrap())
        );
    }

    #[test]
    fn anything_else_is_a_clear_error() {
        for bad in [
            "",
            "90",
            "d",
            "90 days",
            "-5d",
            "5w",
            "1.5h",
            "2026-11-01",
            "yesterday",
            "9999999999999999d",
            "5é",
        ] {
            let err = parse_time_arg(bad, now()).unwrap_err();
            assert!(err.contains("90d") && err.contains("RFC 3339"), "{bad:?}: {err}");
        }
    }

    #[test]
    fn since_older_than_90_days_is_clamped_with_a_warning() {
        let (r, warning) = BackfillRequest::parse("120d", None, now()).unwrap();
        assert_eq!(r, BackfillRequest { since: now() - Duration::days(90), until: now() });
        assert!(warning.unwrap().contains("90 days"));
        let (r, warning) = BackfillRequest::parse("90d", Some("1d"), now()).unwrap();
        assert_eq!(r.until, now() - Duration::days(1));
        assert_eq!(warning, None);
    }

    #[test]
    fn a_window_backwards_or_in_the_future_is_refused() {
        assert!(BackfillRequest::parse("1d", Some("2d"), now()).unwrap_err().contains("after"));
        assert!(
            BackfillRequest::parse("1d", Some("2026-12-04T00:00:00Z"), now())
                .unwrap_err()
                .contains("future")
        );
        assert!(BackfillRequest::parse("200d", Some("100d"), now()).unwrap_err().contains("90"));
        assert!(BackfillRequest::parse("nope", None, now()).unwrap_err().starts_with("since:"));
        assert!(BackfillRequest::parse("1d", Some("x"), now()).unwrap_err().starts_with("until:"));
    }
}
