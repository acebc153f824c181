//! Parsers of keys' values, from the environment's text or the file's
//! strings. Each returns the message without the key: the loader adds the
//! key as it was given (`PALETTE_LISTEN: …` or `listen: …`).

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use secrecy::SecretString;

use super::value::DatabaseUrl;
use super::LogFormat;
use crate::forwarded::TrustedProxies;

pub(super) fn addr(text: &str) -> Result<SocketAddr, String> {
    text.parse()
        .map_err(|_| format!("{text:?} is not an address such as 127.0.0.1:3000"))
}

pub(super) fn some_addr(text: &str) -> Result<Option<SocketAddr>, String> {
    addr(text).map(Some)
}

pub(super) fn path(text: &str) -> Result<PathBuf, String> {
    Ok(PathBuf::from(text))
}

pub(super) fn some_path(text: &str) -> Result<Option<PathBuf>, String> {
    path(text).map(Some)
}

pub(super) fn text(text: &str) -> Result<String, String> {
    Ok(text.to_owned())
}

pub(super) fn some_text(text: &str) -> Result<Option<String>, String> {
    Ok(Some(text.to_owned()))
}

pub(super) fn some_secret(text: &str) -> Result<Option<SecretString>, String> {
    Ok(Some(SecretString::from(text.to_owned())))
}

/// An absolute http(s) URL without query or fragment.
pub(super) fn some_url(text: &str) -> Result<Option<String>, String> {
    domain::environment::validate_issuer(text)
        .map(|_| Some(text.to_owned()))
        .map_err(|_| format!("{text:?} is not an absolute http(s) URL without query or fragment"))
}

pub(super) fn database_url(text: &str) -> Result<Option<DatabaseUrl>, String> {
    engine::Backend::from_url(text)
        .map(|_| Some(DatabaseUrl(SecretString::from(text.to_owned()))))
        .map_err(|_| "must be a postgres:// (or sqlite:) URL".to_owned())
}

pub(super) fn log_format(text: &str) -> Result<LogFormat, String> {
    match text {
        "text" => Ok(LogFormat::Text),
        "json" => Ok(LogFormat::Json),
        other => Err(format!("{other:?} is not one of: text, json")),
    }
}

pub(super) fn count(text: &str) -> Result<usize, String> {
    text.parse()
        .map_err(|_| format!("{text:?} is not a number"))
}

pub(super) fn seconds(text: &str) -> Result<u64, String> {
    text.parse()
        .map_err(|_| format!("{text:?} is not a number of seconds"))
}

pub(super) fn positive_seconds(text: &str) -> Result<u64, String> {
    match seconds(text)? {
        0 => Err("must be positive".to_owned()),
        secs => Ok(secs),
    }
}

/// How long an introspection answer is kept: 0 to 300 seconds.
pub(super) fn cache_seconds(text: &str) -> Result<u64, String> {
    match seconds(text)? {
        secs if secs > 300 => Err("must be at most 300 seconds".to_owned()),
        secs => Ok(secs),
    }
}

/// A job lease: heartbeats run at a third of it, so at least 3 seconds.
pub(super) fn lease_seconds(text: &str) -> Result<u64, String> {
    match seconds(text)? {
        secs if secs < 3 => Err("must be at least 3 seconds".to_owned()),
        secs => Ok(secs),
    }
}

pub(super) fn millis(text: &str) -> Result<u64, String> {
    text.parse()
        .map_err(|_| format!("{text:?} is not a number of milliseconds"))
}

pub(super) fn flag(text: &str) -> Result<bool, String> {
    match text.to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" | "on" => Ok(true),
        "0" | "false" | "no" | "off" => Ok(false),
        _ => Err(format!("{text:?} is not true or false")),
    }
}

/// `300`, `300s`, `5m`, `1h`; `0` is off.
pub(super) fn interval(text: &str) -> Result<Duration, String> {
    engine::oidc::parse_interval(text)
}

/// A comma-separated list (the environment's form of a TOML array).
pub(super) fn list(text: &str) -> Result<Vec<String>, String> {
    Ok(text
        .split(',')
        .map(str::trim)
        .filter(|item| !item.is_empty())
        .map(str::to_owned)
        .collect())
}

/// A path prefix: `/` and segments of `[A-Za-z0-9._~-]` (not `.` or
/// `..`), no trailing slash; at most 100 characters.
pub(super) fn path_prefix(text: &str) -> Result<Option<String>, String> {
    let refuse = |why: &str| {
        Err(format!(
            "{text:?} is not a path prefix such as /palette: {why}"
        ))
    };
    let Some(rest) = text.strip_prefix('/') else {
        return refuse("it must start with /");
    };
    if text.len() > 100 {
        return refuse("at most 100 characters");
    }
    if rest.is_empty() || text.ends_with('/') {
        return refuse("no trailing slash (leave it unset for the root)");
    }
    for segment in rest.split('/') {
        let plain = segment
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '~' | '-'));
        if segment.is_empty() || !plain || segment == "." || segment == ".." {
            return refuse("segments of letters, digits and . _ ~ - only");
        }
    }
    Ok(Some(text.to_owned()))
}

/// Comma-separated CIDRs or addresses of trusted proxies.
pub(super) fn trusted_proxies(text: &str) -> Result<TrustedProxies, String> {
    TrustedProxies::parse(&list(text)?)
}

/// Variable names and prefixes (`OS_*`) passed to layer processes.
pub(super) fn layer_env(text: &str) -> Result<Vec<String>, String> {
    let entries = list(text)?;
    engine::runner::EnvAllowList::parse(&entries)?;
    Ok(entries)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn flags_take_the_usual_spellings_and_refuse_others() {
        for yes in ["1", "true", "YES", "on"] {
            assert_eq!(flag(yes), Ok(true), "{yes}");
        }
        for no in ["0", "false", "No", "off"] {
            assert_eq!(flag(no), Ok(false), "{no}");
        }
        assert_eq!(flag("maybe").unwrap_err(), "\"maybe\" is not true or false");
    }

    #[test]
    fn lists_are_comma_separated_and_trimmed() {
        assert_eq!(
            list(" user:a, ,group:b ").unwrap(),
            ["user:a".to_owned(), "group:b".to_owned()]
        );
    }

    #[test]
    fn lifetimes_and_leases_have_lower_bounds() {
        assert!(positive_seconds("0").is_err());
        assert_eq!(positive_seconds("1"), Ok(1));
        assert_eq!(
            lease_seconds("2").unwrap_err(),
            "must be at least 3 seconds"
        );
        assert_eq!(lease_seconds("3"), Ok(3));
        assert!(seconds("-1").is_err());
    }

    #[test]
    fn path_prefixes_are_plain_absolute_paths_without_a_trailing_slash() {
        assert_eq!(path_prefix("/palette"), Ok(Some("/palette".to_owned())));
        assert_eq!(
            path_prefix("/tools/palette-1.x"),
            Ok(Some("/tools/palette-1.x".to_owned()))
        );
        for (bad, why) in [
            ("palette", "it must start with /"),
            ("/", "no trailing slash"),
            ("/palette/", "no trailing slash"),
            ("/a//b", "segments of"),
            ("/a/../b", "segments of"),
            ("/pal ette", "segments of"),
            ("/pal%20ette", "segments of"),
            ("/p\"><script>", "segments of"),
        ] {
            let err = path_prefix(bad).unwrap_err();
            assert!(err.contains(why), "{bad:?}: {err}");
        }
        assert!(path_prefix(&format!("/{}", "a".repeat(100))).is_err());
    }

    #[test]
    fn urls_are_absolute_http_without_query() {
        assert!(some_url("https://id.example.com/realms/x").is_ok());
        for bad in ["id.example.com", "ftp://x", "https://x/?a=b", ""] {
            assert!(some_url(bad).is_err(), "{bad:?} accepted");
        }
        assert!(database_url("mysql://x").is_err());
        assert!(database_url("postgres://u:p@db/palette").is_ok());
    }
}
