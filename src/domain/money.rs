//! Prices: exact integer cents, never floats.

use super::DomainError;

/// Highest price in cents: 1,000,000.00.
pub const PRICE_MAX_CENTS: i64 = 100_000_000;

/// `cents` written as an amount with two decimals, e.g. `19.99`.
fn amount(cents: i64) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    let magnitude = cents.unsigned_abs();
    format!("{sign}{}.{:02}", magnitude / 100, magnitude % 100)
}

/// A product's unit price: 0.00 to 1,000,000.00, in cents. Field `price`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Price(i64);

impl Price {
    /// Checks an amount in cents.
    pub fn from_cents(cents: i64) -> Result<Self, DomainError> {
        if !(0..=PRICE_MAX_CENTS).contains(&cents) {
            return Err(DomainError::new(
                "price",
                format!(
                    "must be between 0.00 and {}, got {}",
                    amount(PRICE_MAX_CENTS),
                    amount(cents)
                ),
            ));
        }
        Ok(Self(cents))
    }

    /// The price in cents.
    pub fn cents(self) -> i64 {
        self.0
    }
}

/// The prices a product list is narrowed to: either end may be open, both
/// are inclusive, neither is negative and the range is not reversed.
/// Fields `minPrice` and `maxPrice`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct PriceRange {
    min_cents: Option<i64>,
    max_cents: Option<i64>,
}

impl PriceRange {
    /// Checks the bounds, in cents.
    pub fn new(min_cents: Option<i64>, max_cents: Option<i64>) -> Result<Self, DomainError> {
        for (field, bound) in [("minPrice", min_cents), ("maxPrice", max_cents)] {
            if bound.is_some_and(|cents| cents < 0) {
                return Err(DomainError::new(field, "price must not be negative"));
            }
        }
        if let (Some(min), Some(max)) = (min_cents, max_cents)
            && min > max
        {
            return Err(DomainError::new(
                "maxPrice",
                "maxPrice must not be below minPrice",
            ));
        }
        Ok(Self {
            min_cents,
            max_cents,
        })
    }

    /// The lowest price, in cents.
    pub fn min_cents(&self) -> Option<i64> {
        self.min_cents
    }

    /// The highest price, in cents.
    pub fn max_cents(&self) -> Option<i64> {
        self.max_cents
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prices_run_from_zero_to_one_million() {
        assert_eq!(Price::from_cents(0).map(Price::cents), Ok(0));
        assert_eq!(
            Price::from_cents(PRICE_MAX_CENTS).map(Price::cents),
            Ok(PRICE_MAX_CENTS)
        );
        for bad in [-1, PRICE_MAX_CENTS + 1, i64::MIN, i64::MAX] {
            let err = Price::from_cents(bad).expect_err("out of range");
            assert_eq!(err.field(), "price");
        }
    }

    #[test]
    fn a_refused_price_is_shown_as_an_amount() {
        let err = Price::from_cents(-105).expect_err("negative");
        assert_eq!(
            err.message(),
            "must be between 0.00 and 1000000.00, got -1.05"
        );
        let err = Price::from_cents(100_000_001).expect_err("too high");
        assert!(
            err.message().ends_with("got 1000000.01"),
            "{}",
            err.message()
        );
    }

    #[test]
    fn price_ranges_may_be_open_or_a_single_price() {
        assert_eq!(PriceRange::new(None, None), Ok(PriceRange::default()));
        let range = PriceRange::new(Some(500), Some(500)).expect("one price");
        assert_eq!(
            (range.min_cents(), range.max_cents()),
            (Some(500), Some(500))
        );
        assert!(PriceRange::new(Some(0), None).is_ok());
        assert!(PriceRange::new(None, Some(i64::MAX)).is_ok());
    }

    #[test]
    fn price_ranges_are_neither_negative_nor_reversed() {
        let field = |min, max| PriceRange::new(min, max).map_err(|e| e.field().to_owned());
        assert_eq!(field(Some(-1), None), Err("minPrice".to_owned()));
        assert_eq!(field(None, Some(-1)), Err("maxPrice".to_owned()));
        assert_eq!(field(Some(501), Some(500)), Err("maxPrice".to_owned()));
    }
}
