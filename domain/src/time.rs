//! Times on the wire are Unix milliseconds (UTC). This is the one parser of
//! times people type (a filter's `since`, a date input) and the one
//! formatter, shared by the server and the browser so hydration agrees.
//! No date library: the civil-calendar arithmetic is Howard Hinnant's.

use crate::ValidationError;

const DAY_MS: i64 = 86_400_000;

/// Days since 1970-01-01 of a civil (proleptic Gregorian) date.
pub fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let yoe = year - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The civil date of a day count since 1970-01-01.
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// `YYYY-MM-DD` as the day count since 1970-01-01; `None` unless it is a
/// real date between 1970 and 9999.
fn parse_date(text: &str) -> Option<i64> {
    let mut parts = text.splitn(3, '-');
    let (year, month, day) = (parts.next()?, parts.next()?, parts.next()?);
    if year.len() != 4 || month.len() != 2 || day.len() != 2 {
        return None;
    }
    if !year
        .bytes()
        .chain(month.bytes())
        .chain(day.bytes())
        .all(|b| b.is_ascii_digit())
    {
        return None;
    }
    let (year, month, day): (i64, i64, i64) =
        (year.parse().ok()?, month.parse().ok()?, day.parse().ok()?);
    let valid = (1970..=9999).contains(&year)
        && (1..=12).contains(&month)
        && (1..=days_in_month(year, month)).contains(&day);
    valid.then(|| days_from_civil(year, month, day))
}

/// `HH:MM:SS[.fff]` as milliseconds into the day.
fn parse_clock(text: &str) -> Option<i64> {
    let (clock, fraction) = match text.split_once('.') {
        Some((_, "")) => return None,
        Some(parts) => parts,
        None => (text, ""),
    };
    let fields: Vec<&str> = clock.split(':').collect();
    let [h, m, s] = fields.as_slice() else {
        return None;
    };
    let two = |t: &str| {
        (t.len() == 2 && t.bytes().all(|b| b.is_ascii_digit()))
            .then(|| t.parse::<i64>().ok())
            .flatten()
    };
    let (h, m, s) = (two(h)?, two(m)?, two(s)?);
    if h > 23 || m > 59 || s > 59 {
        return None;
    }
    let millis = if fraction.is_empty() {
        0
    } else {
        if !fraction.chars().all(|c| c.is_ascii_digit()) {
            return None;
        }
        let digits: String = fraction.chars().chain("000".chars()).take(3).collect();
        digits.parse().ok()?
    };
    Some(((h * 60 + m) * 60 + s) * 1000 + millis)
}

/// Most digits of a time in Unix milliseconds.
pub const MAX_MS_DIGITS: usize = 18;

/// What [`parse_time`] takes, exactly: up to 18 digits, or a real date
/// from 1970 to 9999 with an optional UTC time.
pub const TIME_PATTERN: &str = concat!(
    "^([0-9]{1,18}|",
    // Years 1970 to 9999, and the leap years among them.
    "(((19[7-9][0-9]|[2-9][0-9]{3})-",
    "((0[1-9]|1[0-2])-(0[1-9]|1[0-9]|2[0-8])|(0[13-9]|1[0-2])-(29|30)|(0[13578]|1[02])-31))|",
    "((19(7[26]|8[048]|9[26])|[2-9][0-9](0[48]|[2468][048]|[13579][26])|([2468][048]|[3579][26])00)-02-29))",
    "([T ]([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\\.[0-9]+)?(Z|\\+00:00))?)$"
);

/// A time as people type it: Unix milliseconds, a UTC date (`2026-01-31`,
/// its start) or a UTC time (`2026-01-31T12:00:00Z`, also with `.fff` or
/// `+00:00`). The error names `field`.
pub fn parse_time(field: &str, text: &str) -> Result<i64, ValidationError> {
    let text = text.trim();
    let refused = || {
        ValidationError::new(
            field,
            "give Unix milliseconds, a date (2026-01-31) or a UTC time (2026-01-31T12:00:00Z)",
        )
    };
    if !text.is_empty() && text.chars().all(|c| c.is_ascii_digit()) {
        if text.len() > MAX_MS_DIGITS {
            return Err(refused());
        }
        return text.parse::<i64>().map_err(|_| refused());
    }
    let (date, clock) = match text.split_once(['T', ' ']) {
        Some((date, time)) => {
            let time = time
                .strip_suffix('Z')
                .or_else(|| time.strip_suffix("+00:00"))
                .ok_or_else(refused)?;
            (date, parse_clock(time).ok_or_else(refused)?)
        }
        None => (text, 0),
    };
    let days = parse_date(date).ok_or_else(refused)?;
    Ok(days * DAY_MS + clock)
}

/// Unix milliseconds as `2026-05-01 12:03:04 UTC`.
pub fn format_ms(ms: i64) -> String {
    format!("{} {} UTC", format_date(ms), format_clock(ms))
}

/// The UTC time of day of Unix milliseconds, to the second: `12:03:04`.
fn format_clock(ms: i64) -> String {
    let secs = ms.rem_euclid(DAY_MS) / 1000;
    format!("{:02}:{:02}:{:02}", secs / 3600, secs / 60 % 60, secs % 60)
}

/// Unix milliseconds as `2026-05-01 12:03 UTC` (to the minute).
pub fn format_minute(ms: i64) -> String {
    let (y, m, d) = civil_from_days(ms.div_euclid(DAY_MS));
    let mins = ms.rem_euclid(DAY_MS) / 60_000;
    format!("{y:04}-{m:02}-{d:02} {:02}:{:02} UTC", mins / 60, mins % 60)
}

/// Unix milliseconds as the `YYYY-MM-DD` of that UTC day (a date input's value).
pub fn format_date(ms: i64) -> String {
    let (y, m, d) = civil_from_days(ms.div_euclid(DAY_MS));
    format!("{y:04}-{m:02}-{d:02}")
}

/// Unix milliseconds as RFC 3339 in UTC, to the second
/// (`2026-05-01T12:03:04Z`): a `<time datetime>`.
pub fn format_rfc3339(ms: i64) -> String {
    format!("{}T{}Z", format_date(ms), format_clock(ms))
}

/// How long before `now` the moment `at` was, as a dashboard says it:
/// `just now`, `42 s ago`, `3 min ago`, `5 h ago`, `3 days ago`; a month
/// back or more, its date (`on 2026-05-01`). A moment ahead of `now` (two
/// clocks that disagree) is `just now`.
pub fn format_ago(at: i64, now: i64) -> String {
    let secs = (now - at).max(0) / 1000;
    match secs {
        0..10 => "just now".to_owned(),
        10..60 => format!("{secs} s ago"),
        60..3_600 => format!("{} min ago", secs / 60),
        3_600..86_400 => format!("{} h ago", secs / 3_600),
        86_400..172_800 => "1 day ago".to_owned(),
        172_800..2_592_000 => format!("{} days ago", secs / 86_400),
        _ => format!("on {}", format_date(at)),
    }
}

/// Milliseconds since the Unix epoch, now. Server-side only:
/// `std::time::SystemTime` has no clock on `wasm32-unknown-unknown`.
#[cfg(not(target_arch = "wasm32"))]
pub fn now_ms() -> i64 {
    let since = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    i64::try_from(since.as_millis()).unwrap_or(i64::MAX)
}

/// Seconds since the Unix epoch, now (server-side only).
#[cfg(not(target_arch = "wasm32"))]
pub fn now_secs() -> i64 {
    now_ms() / 1000
}

/// How long something took, as `1m 05s` or `3.2s`.
pub fn format_duration(ms: i64) -> String {
    let ms = ms.max(0);
    if ms < 60_000 {
        format!("{}.{}s", ms / 1000, ms % 1000 / 100)
    } else {
        format!("{}m {:02}s", ms / 60_000, ms % 60_000 / 1000)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Option<i64> {
        parse_time("since", text).ok()
    }

    #[test]
    fn a_moment_reads_as_how_long_ago_it_was_and_as_rfc_3339() {
        let now = parse_time("now", "2026-12-02T12:00:00Z").unwrap_or_else(|e| panic!("{e:?}"));
        let ago = |ms: i64| format_ago(now - ms, now);
        assert_eq!(ago(-5_000), "just now");
        assert_eq!(ago(9_999), "just now");
        assert_eq!(ago(10_000), "10 s ago");
        assert_eq!(ago(59_999), "59 s ago");
        assert_eq!(ago(60_000), "1 min ago");
        assert_eq!(ago(3_599_999), "59 min ago");
        assert_eq!(ago(3_600_000), "1 h ago");
        assert_eq!(ago(86_399_999), "23 h ago");
        assert_eq!(ago(86_400_000), "1 day ago");
        assert_eq!(ago(172_800_000), "2 days ago");
        assert_eq!(ago(2_591_999_999), "29 days ago");
        assert_eq!(ago(2_592_000_000), "on 2026-11-02");
        assert_eq!(format_rfc3339(now + 1_999), "2026-12-02T12:00:01Z");
        assert_eq!(parse(&format_rfc3339(now)), Some(now));
    }

    #[test]
    fn the_documented_pattern_takes_exactly_what_the_parser_takes() {
        let pattern = regex::Regex::new(TIME_PATTERN).unwrap_or_else(|e| panic!("{e}"));
        let mut samples: Vec<String> = vec![
            "0".into(),
            "123456789012345678".into(),
            "1234567890123456789".into(),
            "1970-+1-01".into(),
            "+970-01-01".into(),
        ];
        for year in [
            1969, 1970, 1972, 1999, 2000, 2023, 2024, 2100, 2400, 3200, 9999,
        ] {
            for month in 0..=13 {
                for day in 0..=32 {
                    samples.push(format!("{year:04}-{month:02}-{day:02}"));
                }
            }
        }
        for clock in [
            "T00:00:00Z",
            " 23:59:59+00:00",
            "T24:00:00Z",
            "T12:60:00Z",
            "T12:00:60Z",
            "T12:00:00.5Z",
            "T12:00:00.Z",
            "T12:00:00.123456Z",
            "T12:00:00+01:00",
            "T12:00:00",
            "T+1:00:00Z",
            "T1:00:00Z",
        ] {
            samples.push(format!("2024-02-29{clock}"));
        }
        for sample in samples {
            assert_eq!(
                pattern.is_match(&sample),
                parse_time("since", &sample).is_ok(),
                "{sample:?}"
            );
        }
    }

    #[test]
    fn times_are_milliseconds_dates_or_utc_times() {
        assert_eq!(parse("1700000000000"), Some(1_700_000_000_000));
        assert_eq!(parse("1970-01-02"), Some(86_400_000));
        assert_eq!(parse("1970-01-01T00:00:01.5Z"), Some(1_500));
        assert_eq!(parse("1970-01-01 00:01:00+00:00"), Some(60_000));
        assert_eq!(parse(" 2024-02-29 "), parse("2024-02-29T00:00:00Z"));
    }

    #[test]
    fn impossible_or_ambiguous_times_are_refused_with_the_field() {
        for bad in [
            "",
            "2026-02-30",
            "2023-02-29",
            "2026-13-01",
            "26-01-01",
            "yesterday",
            "1970-01-01T00:00:01+02:00",
            "1970-01-01T24:00:00Z",
            "1970-01-01T00:00:00.x1Z",
            "99999999999999999999",
        ] {
            let err = parse_time("since", bad).err();
            assert_eq!(err.map(|e| e.field), Some("since".to_owned()), "{bad:?}");
        }
    }

    #[test]
    fn formatting_round_trips_through_parsing() {
        let ms = parse("2026-02-28T01:02:03Z").unwrap_or_default();
        assert_eq!(format_ms(ms), "2026-02-28 01:02:03 UTC");
        assert_eq!(format_date(ms), "2026-02-28");
        assert_eq!(format_minute(ms), "2026-02-28 01:02 UTC");
        assert_eq!(format_minute(951_782_400_000), "2000-02-29 00:00 UTC");
        assert_eq!(parse(&format_date(ms)), parse("2026-02-28"));
    }

    #[test]
    fn durations_read_naturally() {
        assert_eq!(format_duration(3_250), "3.2s");
        assert_eq!(format_duration(65_000), "1m 05s");
        assert_eq!(format_duration(-5), "0.0s");
    }
}
