//! Long free text: product descriptions and review bodies.

use super::{DomainError, rules};

/// Longest product description: a page of text, not a document store.
pub const DESCRIPTION_MAX: usize = 10_000;
/// Longest review text.
pub const REVIEW_BODY_MAX: usize = 5_000;

/// A product's description: trimmed, at most 10,000 characters, possibly
/// empty. Field `description`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct Description(String);

impl Description {
    /// Trims `raw` and checks its length.
    pub fn parse(raw: &str) -> Result<Self, DomainError> {
        rules::text("description", raw, 0, DESCRIPTION_MAX).map(Self)
    }

    /// The text, owned.
    pub fn into_string(self) -> String {
        self.0
    }
}

/// A review's text: trimmed, at most 5,000 characters, possibly empty.
/// Field `body`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct ReviewBody(String);

impl ReviewBody {
    /// Trims `raw` and checks its length.
    pub fn parse(raw: &str) -> Result<Self, DomainError> {
        rules::text("body", raw, 0, REVIEW_BODY_MAX).map(Self)
    }

    /// The text, owned.
    pub fn into_string(self) -> String {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn descriptions_are_trimmed_and_may_be_empty() {
        assert_eq!(
            Description::parse("  ").map(Description::into_string),
            Ok(String::new())
        );
        assert_eq!(
            Description::parse(" Bright. ").map(Description::into_string),
            Ok("Bright.".to_owned())
        );
    }

    #[test]
    fn descriptions_have_at_most_ten_thousand_characters() {
        assert!(Description::parse(&"é".repeat(DESCRIPTION_MAX)).is_ok());
        let err = Description::parse(&"é".repeat(DESCRIPTION_MAX + 1)).expect_err("too long");
        assert_eq!(err.field(), "description");
        assert_eq!(err.message(), "must have at most 10000 characters");
    }

    #[test]
    fn review_bodies_have_at_most_five_thousand_characters() {
        assert_eq!(
            ReviewBody::parse("").map(ReviewBody::into_string),
            Ok(String::new())
        );
        assert!(ReviewBody::parse(&"ü".repeat(REVIEW_BODY_MAX)).is_ok());
        let err = ReviewBody::parse(&"ü".repeat(REVIEW_BODY_MAX + 1)).expect_err("too long");
        assert_eq!(err.field(), "body");
    }
}
