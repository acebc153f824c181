//! `palette config check`: every key with its effective value and where it
//! came from, secrets redacted (a URL keeps everything but its password and
//! query).

use std::fmt::Write as _;

use super::keys::KEYS;
use super::Config;

/// One line per key in table order, `name = value  # source: help`, then
/// what the values add up to.
pub(super) fn render(config: &Config) -> String {
    let lines: Vec<(String, String)> = KEYS
        .iter()
        .map(|entry| {
            let setting = format!("{} = {}", entry.name(), entry.shown(config));
            let note = format!("{}: {}", config.sources.of(entry.name()), entry.help());
            (setting, note)
        })
        .collect();
    let width = lines
        .iter()
        .map(|(setting, _)| setting.chars().count())
        .max()
        .unwrap_or(0)
        .min(56);
    let mut out = String::new();
    for (setting, note) in &lines {
        let _ = writeln!(out, "{setting:<width$}  # {note}");
    }
    let database = match &config.database_url {
        Some(_) => "from database_url".to_owned(),
        None => format!("sqlite ({})", config.data_dir.join("palette.db").display()),
    };
    let login = match &config.oidc {
        Some(_) => "oidc",
        None => "none (dev login with --dev-login or --demo, loopback only)",
    };
    let authorizer = match &config.openfga {
        Some(_) => "openfga",
        None => "embedded",
    };
    let _ = writeln!(out, "# database: {database}");
    let _ = writeln!(out, "# login: {login}");
    let _ = writeln!(out, "# authorizer: {authorizer}");
    out
}

/// `postgres://user:secret@host/db` → `postgres://user:***@host/db`.
pub(super) fn redact_url(url: &str) -> String {
    let Some(scheme_end) = url.find("://").map(|i| i + 3) else {
        return "***".to_owned();
    };
    let rest = &url[scheme_end..];
    let authority_end = rest.find('/').unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(authority_end);
    // Query parameters may carry a password too.
    let tail = match tail.split_once('?') {
        Some((path, _)) => format!("{path}?***"),
        None => tail.to_owned(),
    };
    match authority.rsplit_once('@') {
        Some((userinfo, host)) => {
            let user = userinfo.split(':').next().unwrap_or_default();
            format!("{}{user}:***@{host}{tail}", &url[..scheme_end])
        }
        None => format!("{}{authority}{tail}", &url[..scheme_end]),
    }
}

#[cfg(test)]
mod tests {
    use super::redact_url;

    #[test]
    fn urls_lose_their_password_and_query() {
        assert_eq!(
            redact_url("postgres://palette:hunter2@db:5432/palette?password=x"),
            "postgres://palette:***@db:5432/palette?***"
        );
        assert_eq!(redact_url("postgres://db/palette"), "postgres://db/palette");
        assert_eq!(redact_url("sqlite:palette.db"), "***");
    }
}
