//! Lists come in pages: newest (or first) items, and the cursor of the
//! next page. The same shape in the REST API and the server functions.

use serde::{Deserialize, Serialize};

use crate::ValidationError;

/// One page of a list: pass `next` back as `before` for the following one;
/// `null` when this is the last page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Page<T, C> {
    pub items: Vec<T>,
    /// The cursor of the next page; null on the last.
    #[cfg_attr(feature = "openapi", schema(nullable))]
    pub next: Option<C>,
}

impl<T, C> Page<T, C> {
    /// A page cut from up to `limit + 1` items read in order: when there
    /// are more than `limit`, the extra one is dropped and the last kept
    /// item names the next page. A page is therefore full whenever more
    /// items exist, and its `next` never leads to an empty page.
    pub fn from_overfetch(mut items: Vec<T>, limit: Limit, cursor: impl Fn(&T) -> C) -> Self {
        let limit = limit.get_usize();
        let more = items.len() > limit;
        items.truncate(limit);
        let next = if more { items.last().map(cursor) } else { None };
        Self { items, next }
    }

    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Page<U, C> {
        Page {
            items: self.items.into_iter().map(f).collect(),
            next: self.next,
        }
    }
}

/// A whole number as a URL gives it: ASCII digits only (no sign, no
/// spaces), within `i64`. The OpenAPI document's `integer` means this.
pub fn whole_number(text: &str) -> Option<i64> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

/// A yes or no as a URL gives it: `true` or `false`, as the OpenAPI
/// document's `boolean` means in a query.
pub fn flag(field: &str, text: &str) -> Result<bool, ValidationError> {
    match text {
        "true" => Ok(true),
        "false" => Ok(false),
        _ => Err(ValidationError::new(field, "must be true or false")),
    }
}

/// How many items a page holds: 1 to [`Limit::MAX`], [`Limit::DEFAULT`]
/// when not given.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "i64", into = "i64")]
pub struct Limit(i64);

impl Limit {
    pub const MIN: i64 = 1;
}

impl Limit {
    pub const DEFAULT: i64 = 50;
    pub const MAX: i64 = 200;

    /// `None` or empty is the default; anything outside 1 to `MAX` is refused.
    pub fn parse(text: Option<&str>) -> Result<Self, ValidationError> {
        match text.map(str::trim).filter(|t| !t.is_empty()) {
            None => Ok(Self(Self::DEFAULT)),
            Some(text) => Self::new(whole_number(text).ok_or_else(Self::refusal)?),
        }
    }

    pub fn new(n: i64) -> Result<Self, ValidationError> {
        if (Self::MIN..=Self::MAX).contains(&n) {
            Ok(Self(n))
        } else {
            Err(Self::refusal())
        }
    }

    /// For callers inside the server that choose their own page size.
    pub fn clamped(n: i64) -> Self {
        Self(n.clamp(1, Self::MAX))
    }

    fn refusal() -> ValidationError {
        ValidationError::new(
            "limit",
            format!("must be a whole number from 1 to {}", Self::MAX),
        )
    }

    pub fn get(self) -> i64 {
        self.0
    }

    pub fn get_usize(self) -> usize {
        usize::try_from(self.0).unwrap_or(usize::MAX)
    }

    /// What a store reads to know whether another page exists.
    pub fn overfetch(self) -> i64 {
        self.0 + 1
    }
}

impl Default for Limit {
    fn default() -> Self {
        Self(Self::DEFAULT)
    }
}

impl TryFrom<i64> for Limit {
    type Error = ValidationError;
    fn try_from(value: i64) -> Result<Self, Self::Error> {
        Self::new(value)
    }
}

impl From<Limit> for i64 {
    fn from(value: Limit) -> Self {
        value.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limit(n: i64) -> Limit {
        Limit::new(n).unwrap_or_default()
    }

    #[test]
    fn a_page_is_full_and_has_a_next_only_when_more_items_exist() {
        let page = Page::from_overfetch(vec![9, 8, 7], limit(2), |n| *n);
        assert_eq!((page.items, page.next), (vec![9, 8], Some(8)));
        let last = Page::from_overfetch(vec![9, 8], limit(2), |n| *n);
        assert_eq!((last.items, last.next), (vec![9, 8], None));
    }

    #[test]
    fn limits_outside_the_range_are_refused_by_name() {
        assert_eq!(Limit::parse(None).map(Limit::get), Ok(50));
        assert_eq!(Limit::parse(Some("200")).map(Limit::get), Ok(200));
        for bad in ["0", "-1", "201", "ten", "1e3", "+5"] {
            let err = Limit::parse(Some(bad)).err();
            assert_eq!(err.map(|e| e.field), Some("limit".to_owned()), "{bad}");
        }
        assert_eq!(Limit::clamped(10_000).get(), 200);
    }
}
