//! Units on hand and the admin's changes to them.

use super::{DomainError, rules};

/// Most units a product can hold; also bounds one adjustment.
pub const STOCK_MAX: i32 = 1_000_000;
/// Longest reason given for a stock adjustment (the column's length).
pub const REASON_MAX: usize = 255;

/// A product's initial units on hand: 0 to 1,000,000. Field `stock`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Stock(i32);

impl Stock {
    /// Checks a count of units.
    pub fn new(units: i32) -> Result<Self, DomainError> {
        rules::in_range("stock", units, 0, STOCK_MAX).map(Self)
    }

    /// The units.
    pub fn get(self) -> i32 {
        self.0
    }
}

/// Units an admin adds (positive) or removes (negative) at once: never
/// zero, at most 1,000,000 either way. Field `delta`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct StockDelta(i32);

impl StockDelta {
    /// Checks a change of units.
    pub fn new(delta: i32) -> Result<Self, DomainError> {
        if delta == 0 {
            return Err(DomainError::new("delta", "must not be zero"));
        }
        rules::in_range("delta", delta, -STOCK_MAX, STOCK_MAX).map(Self)
    }

    /// The change, never zero.
    pub fn get(self) -> i32 {
        self.0
    }
}

/// Why stock changed, for the record: trimmed, at most 255 characters.
/// Field `reason`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct StockReason(String);

impl StockReason {
    /// Trims `raw`; blank text is no reason (`None`).
    pub fn parse(raw: &str) -> Result<Option<Self>, DomainError> {
        Ok(rules::optional_text("reason", raw, REASON_MAX)?.map(Self))
    }

    /// The reason, owned.
    pub fn into_string(self) -> String {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stock_runs_from_zero_to_one_million() {
        assert_eq!(Stock::new(0).map(Stock::get), Ok(0));
        assert_eq!(Stock::new(STOCK_MAX).map(Stock::get), Ok(STOCK_MAX));
        for bad in [-1, STOCK_MAX + 1, i32::MIN, i32::MAX] {
            assert_eq!(
                Stock::new(bad).map_err(|e| e.field().to_owned()),
                Err("stock".to_owned())
            );
        }
    }

    #[test]
    fn a_delta_is_non_zero_and_within_one_million_either_way() {
        for good in [1, -1, STOCK_MAX, -STOCK_MAX] {
            assert_eq!(StockDelta::new(good).map(StockDelta::get), Ok(good));
        }
        for bad in [0, STOCK_MAX + 1, -STOCK_MAX - 1, i32::MIN, i32::MAX] {
            let err = StockDelta::new(bad).expect_err("refused");
            assert_eq!(err.field(), "delta", "{bad}");
        }
        assert_eq!(
            StockDelta::new(0).map_err(|e| e.message().to_owned()),
            Err("must not be zero".to_owned())
        );
    }

    #[test]
    fn a_blank_reason_is_no_reason_and_a_long_one_is_refused() {
        assert_eq!(StockReason::parse("   "), Ok(None));
        assert_eq!(
            StockReason::parse(" recount ").map(|r| r.map(StockReason::into_string)),
            Ok(Some("recount".to_owned()))
        );
        assert!(StockReason::parse(&"é".repeat(REASON_MAX)).is_ok());
        let err = StockReason::parse(&"é".repeat(REASON_MAX + 1)).expect_err("too long");
        assert_eq!(err.field(), "reason");
    }
}
