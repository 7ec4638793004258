//! Display names, URL slugs and SKUs: trimmed text with a length bound, and
//! for slugs and SKUs a fixed alphabet of dash-separated words.

use super::{DomainError, rules};

/// Longest display name of an account.
pub const DISPLAY_NAME_MAX: usize = 100;
/// Longest category name (the `categories.name` column).
pub const CATEGORY_NAME_MAX: usize = 100;
/// Longest product name (the `products.name` column).
pub const PRODUCT_NAME_MAX: usize = 200;
/// Longest category slug (the `categories.slug` column).
pub const CATEGORY_SLUG_MAX: usize = 120;
/// Longest product slug (the `products.slug` column).
pub const PRODUCT_SLUG_MAX: usize = 220;
/// Longest SKU (the `products.sku` column).
pub const SKU_MAX: usize = 64;

/// A name shown to people: trimmed, 1 to `MAX` characters. Field `name`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Name<const MAX: usize>(String);

/// The name an account shows.
pub type DisplayName = Name<DISPLAY_NAME_MAX>;
/// A category's name.
pub type CategoryName = Name<CATEGORY_NAME_MAX>;
/// A product's name.
pub type ProductName = Name<PRODUCT_NAME_MAX>;

impl<const MAX: usize> Name<MAX> {
    /// Trims `raw` and checks its length.
    pub fn parse(raw: &str) -> Result<Self, DomainError> {
        rules::text("name", raw, 1, MAX).map(Self)
    }

    /// The trimmed name.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The trimmed name, owned.
    pub fn into_string(self) -> String {
        self.0
    }
}

/// A URL slug: trimmed, 1 to `MAX` characters matching
/// `^[a-z0-9]+(-[a-z0-9]+)*$`. Field `slug`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Slug<const MAX: usize>(String);

/// A category's slug.
pub type CategorySlug = Slug<CATEGORY_SLUG_MAX>;
/// A product's slug.
pub type ProductSlug = Slug<PRODUCT_SLUG_MAX>;

impl<const MAX: usize> Slug<MAX> {
    /// Trims `raw` and checks it.
    pub fn parse(raw: &str) -> Result<Self, DomainError> {
        let slug = rules::text("slug", raw, 1, MAX)?;
        if !rules::dashed_runs(&slug, |b| b.is_ascii_lowercase() || b.is_ascii_digit()) {
            return Err(DomainError::new(
                "slug",
                format!(
                    "\"{slug}\" is not a slug: use lower-case letters and digits separated by single dashes"
                ),
            ));
        }
        Ok(Self(slug))
    }

    /// The slug of a name that came without one: transliterated to ASCII,
    /// lower-cased, dash-separated and cut to `MAX` characters. A name that
    /// yields nothing (only punctuation) is an error on `slug`: the caller
    /// has to pass one.
    pub fn derive_from(name: &str) -> Result<Self, DomainError> {
        let mut derived = ::slug::slugify(name);
        // `slugify` answers ASCII only, so bytes are characters here.
        derived.truncate(MAX);
        let derived = derived.trim_end_matches('-');
        if derived.is_empty() {
            return Err(DomainError::new(
                "slug",
                "no slug can be derived from the name; pass one",
            ));
        }
        Ok(Self(derived.to_owned()))
    }

    /// `given` parsed, or when absent the slug derived from `name`.
    pub fn given_or_derived(given: Option<&str>, name: &str) -> Result<Self, DomainError> {
        match given {
            Some(given) => Self::parse(given),
            None => Self::derive_from(name),
        }
    }

    /// The slug.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The slug, owned.
    pub fn into_string(self) -> String {
        self.0
    }
}

/// A stock-keeping unit: trimmed, 1 to 64 characters matching
/// `^[A-Z0-9]+(-[A-Z0-9]+)*$`. Field `sku`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Sku(String);

impl Sku {
    /// Trims `raw` and checks it.
    pub fn parse(raw: &str) -> Result<Self, DomainError> {
        let sku = rules::text("sku", raw, 1, SKU_MAX)?;
        if !rules::dashed_runs(&sku, |b| b.is_ascii_uppercase() || b.is_ascii_digit()) {
            return Err(DomainError::new(
                "sku",
                format!(
                    "\"{sku}\" is not a SKU: use upper-case letters and digits separated by single dashes"
                ),
            ));
        }
        Ok(Self(sku))
    }

    /// The SKU.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The SKU, owned.
    pub fn into_string(self) -> String {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field<T: std::fmt::Debug>(result: Result<T, DomainError>) -> String {
        match result {
            Ok(value) => panic!("accepted {value:?}"),
            Err(err) => err.field().to_owned(),
        }
    }

    #[test]
    fn names_are_trimmed() {
        assert_eq!(
            CategoryName::parse("  Desk lamps \n").map(Name::into_string),
            Ok("Desk lamps".to_owned())
        );
    }

    #[test]
    fn names_need_a_character_after_trimming() {
        for blank in ["", " ", "\t\n "] {
            assert_eq!(field(ProductName::parse(blank)), "name", "{blank:?}");
        }
        assert!(DisplayName::parse("A").is_ok());
    }

    #[test]
    fn name_lengths_are_counted_in_characters_up_to_each_maximum() {
        assert!(CategoryName::parse(&"é".repeat(CATEGORY_NAME_MAX)).is_ok());
        assert!(CategoryName::parse(&"é".repeat(CATEGORY_NAME_MAX + 1)).is_err());
        assert!(ProductName::parse(&"x".repeat(PRODUCT_NAME_MAX)).is_ok());
        assert!(ProductName::parse(&"x".repeat(PRODUCT_NAME_MAX + 1)).is_err());
        assert!(DisplayName::parse(&"ß".repeat(DISPLAY_NAME_MAX)).is_ok());
        assert!(DisplayName::parse(&"ß".repeat(DISPLAY_NAME_MAX + 1)).is_err());
        let padded = format!("  {}  ", "x".repeat(CATEGORY_NAME_MAX));
        assert!(
            CategoryName::parse(&padded).is_ok(),
            "spaces around do not count"
        );
    }

    #[test]
    fn slugs_are_lowercase_words_and_digits_joined_by_single_dashes() {
        assert_eq!(
            ProductSlug::parse(" desk-lamp-2 ").map(Slug::into_string),
            Ok("desk-lamp-2".to_owned())
        );
        assert!(CategorySlug::parse("2024").is_ok());
        for bad in [
            "",
            "  ",
            "Desk",
            "Desk-Lamp",
            "desk--lamp",
            "-desk",
            "desk-",
            "-",
            "desk lamp",
            "desk_lamp",
            "déjà",
            "desk\u{2011}lamp",
        ] {
            assert_eq!(field(CategorySlug::parse(bad)), "slug", "{bad:?}");
        }
    }

    #[test]
    fn slugs_are_bounded_by_their_column() {
        assert!(CategorySlug::parse(&"a".repeat(CATEGORY_SLUG_MAX)).is_ok());
        assert!(CategorySlug::parse(&"a".repeat(CATEGORY_SLUG_MAX + 1)).is_err());
        assert!(ProductSlug::parse(&"a".repeat(PRODUCT_SLUG_MAX)).is_ok());
        assert!(ProductSlug::parse(&"a".repeat(PRODUCT_SLUG_MAX + 1)).is_err());
    }

    #[test]
    fn a_missing_slug_is_derived_from_the_name() {
        let derived = |name: &str| CategorySlug::derive_from(name).map(Slug::into_string);
        assert_eq!(
            derived("Café Crème  Lamp!"),
            Ok("cafe-creme-lamp".to_owned())
        );
        assert_eq!(derived("  Desk Lamp  "), Ok("desk-lamp".to_owned()));
        assert_eq!(derived("Ænima"), Ok("aenima".to_owned()));
        assert_eq!(field(CategorySlug::derive_from("!!!")), "slug");
        assert_eq!(field(ProductSlug::derive_from("--")), "slug");
    }

    #[test]
    fn a_derived_slug_is_cut_to_the_column_without_a_trailing_dash() {
        // 59 "Æ" become 118 letters, "a" the 119th, and the dash before
        // "lamp" would be the 120th.
        let name = format!("{}a lamp", "Æ".repeat(59));
        assert_eq!(
            CategorySlug::derive_from(&name).map(Slug::into_string),
            Ok(format!("{}a", "ae".repeat(59)))
        );
        let long = "word ".repeat(100);
        let slug = ProductSlug::derive_from(&long).map(Slug::into_string);
        assert!(
            slug.as_ref()
                .is_ok_and(|s| s.len() <= PRODUCT_SLUG_MAX && !s.ends_with('-'))
        );
    }

    #[test]
    fn a_given_slug_wins_over_the_name() {
        assert_eq!(
            CategorySlug::given_or_derived(Some("given"), "Desk Lamp").map(Slug::into_string),
            Ok("given".to_owned())
        );
        assert_eq!(
            CategorySlug::given_or_derived(None, "Desk Lamp").map(Slug::into_string),
            Ok("desk-lamp".to_owned())
        );
        assert!(CategorySlug::given_or_derived(Some("Bad Slug"), "Desk Lamp").is_err());
    }

    #[test]
    fn skus_are_uppercase_words_and_digits_joined_by_single_dashes() {
        assert_eq!(
            Sku::parse(" LAMP-01 ").map(Sku::into_string),
            Ok("LAMP-01".to_owned())
        );
        assert!(Sku::parse("42").is_ok());
        for bad in [
            "", "lamp-01", "LAMP_01", "LAMP--01", "-LAMP", "LAMP-", "LAMP 01", "ÄPFEL",
        ] {
            assert_eq!(field(Sku::parse(bad)), "sku", "{bad:?}");
        }
        assert!(Sku::parse(&"A".repeat(SKU_MAX)).is_ok());
        assert!(Sku::parse(&"A".repeat(SKU_MAX + 1)).is_err());
    }
}
