//! Removes known secret values from log lines.

/// Replaces each known secret (6 characters or longer) with `[redacted]`.
#[derive(Debug, Clone, Default)]
pub struct Redactor {
    secrets: Vec<String>,
}

pub const MASK: &str = "[redacted]";

impl Redactor {
    /// Each secret is masked as given, as it appears inside a JSON string
    /// (`\"`, `\\`, `\/` escaped), and, for a URL with a password
    /// (`postgres://palette:pw@db/palette`), the password alone, as written
    /// and percent-decoded.
    pub fn new(secrets: &[String]) -> Self {
        let mut secrets: Vec<String> = secrets
            .iter()
            .flat_map(|s| forms(s))
            .filter(|s| s.chars().count() >= 6)
            .collect();
        // Longest first, so a secret containing another is masked whole.
        secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
        secrets.dedup();
        Self { secrets }
    }

    pub fn redact(&self, line: &str) -> String {
        let mut out = line.to_owned();
        for secret in &self.secrets {
            if out.contains(secret.as_str()) {
                out = out.replace(secret.as_str(), MASK);
            }
        }
        out
    }
}

/// The forms in which `secret` may show up in a log line.
fn forms(secret: &str) -> Vec<String> {
    let mut forms = vec![secret.to_owned()];
    if let Some(password) = url_password(secret) {
        forms.push(percent_decode(password));
        forms.push(password.to_owned());
    }
    for form in forms.clone() {
        let json = serde_json::to_string(&form).unwrap_or_default();
        let json = json.trim_matches('"');
        if json != form {
            forms.push(json.to_owned());
        }
        // JSON may escape `/` too (`\/`).
        if form.contains('/') {
            forms.push(json.replace('/', "\\/"));
        }
    }
    forms
}

/// The password of `scheme://user:password@host…`, if it has one.
fn url_password(url: &str) -> Option<&str> {
    let (_, rest) = url.split_once("://")?;
    let authority = rest.split(['/', '?', '#']).next()?;
    let (userinfo, _) = authority.rsplit_once('@')?;
    let (_, password) = userinfo.split_once(':')?;
    Some(password).filter(|p| !p.is_empty())
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| char::from(b).to_digit(16);
        match (
            bytes[i],
            bytes.get(i + 1).copied().and_then(hex),
            bytes.get(i + 2).copied().and_then(hex),
        ) {
            (b'%', Some(hi), Some(lo)) => {
                out.push(u8::try_from(hi * 16 + lo).unwrap_or(b'?'));
                i += 3;
            }
            (b, _, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_secrets_of_six_or_more_characters_are_masked() {
        let r = Redactor::new(&["hunter2-secret".into(), "abc".into(), "hunter2".into()]);
        assert_eq!(
            r.redact("pw=hunter2-secret x=hunter2 y=abc"),
            "pw=[redacted] x=[redacted] y=abc"
        );
    }

    #[test]
    fn a_urls_password_and_json_escaped_forms_are_masked_too() {
        let r = Redactor::new(&[
            "postgres://palette:s3cr%2Fet-pw@db:5432/palette".into(),
            "quote\"and/slash".into(),
        ]);
        assert_eq!(
            r.redact("connecting with password s3cr/et-pw"),
            "connecting with password [redacted]"
        );
        assert_eq!(r.redact("pw=s3cr%2Fet-pw"), "pw=[redacted]");
        assert_eq!(
            r.redact(r#"{"dsn":"postgres://palette:s3cr%2Fet-pw@db:5432/palette"}"#),
            r#"{"dsn":"[redacted]"}"#
        );
        assert_eq!(
            r.redact(r#"{"value":"quote\"and/slash","b":"quote\"and\/slash"}"#),
            r#"{"value":"[redacted]","b":"[redacted]"}"#
        );
    }
}
