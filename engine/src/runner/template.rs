//! Workspace path templates: relative paths with `{env}` and `{tier}`.

use std::path::{Component, Path, PathBuf};

const PLACEHOLDERS: &[&str] = &["env", "tier"];

/// Checks a template; the reason when it is refused.
pub fn validate(template: &str) -> Result<(), String> {
    if template.trim().is_empty() {
        return Err("is empty".into());
    }
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        let after = &rest[open + 1..];
        let close = after.find('}').ok_or("has an unclosed {")?;
        let name = &after[..close];
        if !PLACEHOLDERS.contains(&name) {
            return Err(format!(
                "unknown placeholder {{{name}}} (use {{env}} or {{tier}})"
            ));
        }
        rest = &after[close + 1..];
    }
    if rest.contains('}') {
        return Err("has a stray }".into());
    }
    let path = Path::new(template);
    if path.is_absolute() {
        return Err("must be relative to the infrastructure directory".into());
    }
    if path.components().any(|c| matches!(c, Component::ParentDir)) {
        return Err("must not contain ..".into());
    }
    Ok(())
}

/// The workspace path for one environment, under `infra_dir`.
pub fn render(infra_dir: &Path, template: &str, env: &str, tier: &str) -> PathBuf {
    infra_dir.join(template.replace("{env}", env).replace("{tier}", tier))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_render_env_and_tier() {
        let p = render(
            Path::new("/infra"),
            "environments/juju/{tier}/{env}-iam",
            "teal",
            "staging",
        );
        assert_eq!(
            p,
            PathBuf::from("/infra/environments/juju/staging/teal-iam")
        );
        assert!(validate("environments/{env}").is_ok());
        assert!(validate("x/{env").is_err());
    }
}
