//! Free text people give (a reason, a comment, a purpose): how long it may
//! be and whether it may be blank, stated once for the parsers and the
//! OpenAPI document.

use crate::ValidationError;

/// Text that is not only whitespace: it holds a character outside
/// Unicode's `White_Space`, the set `str::trim` removes. The OpenAPI
/// document states required text with this pattern.
pub const NOT_BLANK: &str =
    "[^\\t\\n\\u000B\\f\\r \\u0085\\u00A0\\u1680\\u2000-\\u200A\\u2028\\u2029\\u202F\\u205F\\u3000]";

/// Text without whitespace at either end (and not empty), as the REST API
/// takes every query parameter: [`NOT_BLANK`] first and last.
pub fn trimmed_pattern() -> String {
    format!("^{NOT_BLANK}([\\s\\S]*{NOT_BLANK})?$")
}

/// Whether `text` is empty or has whitespace at either end.
pub fn is_padded(text: &str) -> bool {
    text.is_empty() || text.trim().len() != text.len()
}

/// Required text: at most `max` characters as sent, not blank; trimmed.
pub fn required(
    field: &str,
    text: &str,
    max: usize,
    blank: &str,
) -> Result<String, ValidationError> {
    let trimmed = optional(field, text, max)?;
    if trimmed.is_empty() {
        return Err(ValidationError::new(field, blank));
    }
    Ok(trimmed)
}

/// Optional text: at most `max` characters as sent; trimmed.
pub fn optional(field: &str, text: &str, max: usize) -> Result<String, ValidationError> {
    if text.chars().count() > max {
        return Err(ValidationError::new(
            field,
            format!("is too long (at most {max} characters)"),
        ));
    }
    Ok(text.trim().to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_blank_pattern_is_exactly_what_trim_removes() {
        let pattern = regex::Regex::new(NOT_BLANK).unwrap_or_else(|e| panic!("{e}"));
        for c in (0..=0x3100_u32).filter_map(char::from_u32) {
            let text = c.to_string();
            assert_eq!(
                pattern.is_match(&text),
                !text.trim().is_empty(),
                "U+{:04X}",
                c as u32
            );
        }
    }

    #[test]
    fn the_trimmed_pattern_refuses_exactly_the_padded_text() {
        let pattern = regex::Regex::new(&trimmed_pattern()).unwrap_or_else(|e| panic!("{e}"));
        for text in [
            "",
            " ",
            "a",
            " a",
            "a ",
            "a b",
            "a\nb",
            "\u{85}a",
            "a\u{3000}",
            "é",
        ] {
            assert_eq!(pattern.is_match(text), !is_padded(text), "{text:?}");
        }
    }

    #[test]
    fn lengths_count_characters_as_sent() {
        assert!(required("reason", " x ", 3, "say why").is_ok());
        assert!(required("reason", " x  ", 3, "say why").is_err());
        assert_eq!(
            required("reason", "  ", 3, "say why")
                .err()
                .map(|e| e.message),
            Some("say why".to_owned())
        );
        assert_eq!(optional("purpose", "é", 1), Ok("é".to_owned()));
    }
}
