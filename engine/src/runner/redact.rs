//! Removes known secret values from log lines.

/// Replaces each known secret (6 characters or longer) with `[redacted]`.
#[derive(Debug, Clone, Default)]
pub struct Redactor {
    secrets: Vec<String>,
}

pub const MASK: &str = "[redacted]";

impl Redactor {
    pub fn new(secrets: &[String]) -> Self {
        let mut secrets: Vec<String> = secrets
            .iter()
            .filter(|s| s.chars().count() >= 6)
            .cloned()
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
}
