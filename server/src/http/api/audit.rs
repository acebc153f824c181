//! `GET /api/v1/audit`: who did what, newest first. Auditors and admins see
//! everything; others see the events on environments they may view.

use axum::extract::{Extension, State};
use engine::store::audit::{AuditFilter, AuditRecord};
use engine::{Actor, Engine};
use serde::Deserialize;

use super::extract::{limit, ApiQuery, Page};
use super::ApiError;

#[derive(Debug, Default, Deserialize)]
pub struct AuditQuery {
    /// A principal such as `user:alice`.
    actor: Option<String>,
    /// An environment name: its events (object `environment:<name>`).
    environment: Option<String>,
    /// An action, or a prefix such as `environment.`.
    action: Option<String>,
    /// Unix milliseconds, or a UTC date (`2026-01-31`) or time
    /// (`2026-01-31T12:00:00Z`).
    since: Option<String>,
    limit: Option<i64>,
    /// The `next` of the previous page.
    before: Option<i64>,
}

/// `GET /audit?actor=&environment=&action=&since=`.
pub async fn list(
    State(engine): State<Engine>,
    Extension(actor): Extension<Actor>,
    ApiQuery(query): ApiQuery<AuditQuery>,
) -> Result<Page<AuditRecord, i64>, ApiError> {
    let invalid = |field: &str, message: String| {
        engine::Error::invalid(domain::ValidationError::new(field, message))
    };
    let object = match query.environment.as_deref().filter(|e| !e.is_empty()) {
        None => None,
        Some(name) => Some(format!(
            "environment:{}",
            domain::EnvironmentName::parse(name).map_err(|e| invalid("environment", e.message))?
        )),
    };
    let since = match query.since.as_deref().filter(|s| !s.is_empty()) {
        None => None,
        Some(text) => Some(parse_time(text).ok_or_else(|| {
            invalid(
                "since",
                "give Unix milliseconds, a date (2026-01-31) or a UTC time (2026-01-31T12:00:00Z)"
                    .into(),
            )
        })?),
    };
    let limit = limit(query.limit);
    let filter = AuditFilter {
        actor: query.actor.filter(|a| !a.is_empty()),
        object,
        action: query.action.filter(|a| !a.is_empty()),
        since,
        before: query.before,
        limit,
    };
    let events = engine.list_audit(&actor, filter).await?;
    Ok(Page::new(events, limit, |event| event.id))
}

/// Unix milliseconds, `YYYY-MM-DD` or `YYYY-MM-DDTHH:MM:SS[.fff]Z`, as Unix ms.
fn parse_time(text: &str) -> Option<i64> {
    if let Ok(ms) = text.parse::<i64>() {
        return Some(ms);
    }
    let (date, time) = match text.split_once(['T', ' ']) {
        Some((date, time)) => (
            date,
            Some(
                time.strip_suffix('Z')
                    .or_else(|| time.strip_suffix("+00:00"))?,
            ),
        ),
        None => (text, None),
    };
    let mut parts = date.splitn(3, '-').map(str::parse::<i64>);
    let (year, month, day) = (
        parts.next()?.ok()?,
        parts.next()?.ok()?,
        parts.next()?.ok()?,
    );
    let month = time::Month::try_from(u8::try_from(month).ok()?).ok()?;
    let date =
        time::Date::from_calendar_date(i32::try_from(year).ok()?, month, u8::try_from(day).ok()?)
            .ok()?;
    let (mut hms, mut millis) = ([0_u8; 3], 0_i64);
    if let Some(time) = time {
        let (clock, fraction) = time.split_once('.').unwrap_or((time, ""));
        let fields: Vec<&str> = clock.split(':').collect();
        if fields.len() != 3 {
            return None;
        }
        for (slot, field) in hms.iter_mut().zip(fields) {
            *slot = field.parse().ok()?;
        }
        if !fraction.is_empty() {
            let digits: String = fraction.chars().chain("000".chars()).take(3).collect();
            millis = digits.parse().ok()?;
        }
    }
    let time = time::Time::from_hms(hms[0], hms[1], hms[2]).ok()?;
    let seconds = time::PrimitiveDateTime::new(date, time)
        .assume_utc()
        .unix_timestamp();
    Some(seconds * 1000 + millis)
}

#[cfg(test)]
mod tests {
    use super::parse_time;

    #[test]
    fn since_takes_milliseconds_dates_and_utc_times() {
        assert_eq!(parse_time("1700000000000"), Some(1_700_000_000_000));
        assert_eq!(parse_time("1970-01-02"), Some(86_400_000));
        assert_eq!(parse_time("1970-01-01T00:00:01.5Z"), Some(1_500));
        assert_eq!(parse_time("2026-02-30"), None);
        assert_eq!(parse_time("yesterday"), None);
        assert_eq!(parse_time("1970-01-01T00:00:01+02:00"), None);
    }
}
