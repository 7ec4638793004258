//! How much of a list a client asks for, and the text it searches for.

use super::{DomainError, rules};

/// Page size when neither `first` nor `last` is given.
pub const DEFAULT_PAGE_SIZE: u64 = 20;
/// Largest page accepted.
pub const MAX_PAGE_SIZE: u64 = 100;
/// Most products a best-seller list holds.
pub const TOP_PRODUCTS_MAX: i32 = 100;
/// Longest accepted search text.
pub const SEARCH_MAX: usize = 100;

/// Rows in one page of a list: 0 to 100. Lists page forward (`first` rows
/// after a cursor) or backward (`last` rows before one); each constructor
/// names its field.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct PageSize(u64);

impl PageSize {
    /// Rows after the cursor. Field `first`.
    pub fn first(rows: i32) -> Result<Self, DomainError> {
        Self::checked("first", rows)
    }

    /// Rows before the cursor. Field `last`.
    pub fn last(rows: i32) -> Result<Self, DomainError> {
        Self::checked("last", rows)
    }

    fn checked(field: &str, rows: i32) -> Result<Self, DomainError> {
        u64::try_from(rows)
            .ok()
            .filter(|rows| *rows <= MAX_PAGE_SIZE)
            .map(Self)
            .ok_or_else(|| {
                DomainError::new(
                    field,
                    format!("`{field}` must be between 0 and {MAX_PAGE_SIZE}, got {rows}"),
                )
            })
    }

    /// The number of rows.
    pub fn get(self) -> u64 {
        self.0
    }
}

impl Default for PageSize {
    /// 20 rows.
    fn default() -> Self {
        Self(DEFAULT_PAGE_SIZE)
    }
}

/// How many best sellers to list: 1 to 100. Field `limit`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct TopProductsLimit(u64);

impl TopProductsLimit {
    /// Checks a number of products.
    pub fn new(products: i32) -> Result<Self, DomainError> {
        let products = rules::in_range("limit", products, 1, TOP_PRODUCTS_MAX)?;
        Ok(Self(products.unsigned_abs().into()))
    }

    /// The number of products.
    pub fn get(self) -> u64 {
        self.0
    }
}

/// Text to find in names and SKUs: trimmed, lower-cased (matching is
/// case-insensitive), at most 100 characters. Field `search`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct SearchText(String);

impl SearchText {
    /// Normalizes `raw`; blank text searches for nothing (`None`).
    pub fn parse(raw: &str) -> Result<Option<Self>, DomainError> {
        let text = raw.trim().to_lowercase();
        if text.is_empty() {
            return Ok(None);
        }
        if text.chars().count() > SEARCH_MAX {
            return Err(DomainError::new(
                "search",
                format!("search text is longer than {SEARCH_MAX} characters"),
            ));
        }
        Ok(Some(Self(text)))
    }

    /// The lower-cased text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_hold_zero_to_a_hundred_rows() {
        assert_eq!(PageSize::first(0).map(PageSize::get), Ok(0));
        assert_eq!(PageSize::last(100).map(PageSize::get), Ok(100));
        assert_eq!(PageSize::default().get(), 20);
        let err = PageSize::first(101).expect_err("too many");
        assert_eq!(
            (err.field(), err.message()),
            ("first", "`first` must be between 0 and 100, got 101")
        );
        assert_eq!(
            PageSize::last(-1).map_err(|e| e.field().to_owned()),
            Err("last".to_owned())
        );
        assert!(PageSize::first(i32::MIN).is_err());
    }

    #[test]
    fn best_seller_lists_hold_one_to_a_hundred_products() {
        assert_eq!(TopProductsLimit::new(1).map(TopProductsLimit::get), Ok(1));
        assert_eq!(
            TopProductsLimit::new(100).map(TopProductsLimit::get),
            Ok(100)
        );
        for bad in [0, -1, 101] {
            assert_eq!(
                TopProductsLimit::new(bad).map_err(|e| e.field().to_owned()),
                Err("limit".to_owned())
            );
        }
    }

    #[test]
    fn search_text_is_trimmed_and_lower_cased_and_blank_is_no_search() {
        assert_eq!(SearchText::parse("   "), Ok(None));
        assert_eq!(
            SearchText::parse("  Desk LAMP ").map(|t| t.map(|t| t.as_str().to_owned())),
            Ok(Some("desk lamp".to_owned()))
        );
    }

    #[test]
    fn search_text_has_at_most_a_hundred_characters() {
        assert!(SearchText::parse(&"ä".repeat(SEARCH_MAX)).is_ok());
        let padded = format!("  {}  ", "a".repeat(SEARCH_MAX));
        assert!(SearchText::parse(&padded).is_ok());
        let err = SearchText::parse(&"ä".repeat(SEARCH_MAX + 1)).expect_err("too long");
        assert_eq!(err.field(), "search");
    }
}
