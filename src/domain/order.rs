//! What a customer orders: lines of products and quantities, merged per
//! product, and the idempotency key that makes a retry safe.

use std::collections::BTreeMap;

use sha2::{Digest, Sha256};

use super::{DomainError, rules};

/// Most lines one order may have, as sent (before merging); also what
/// `Order.items` costs per selected field.
pub const MAX_LINES: usize = 100;
/// Largest quantity of one product in one order.
pub const QUANTITY_MAX: i32 = 1000;
/// Longest idempotency key, in characters.
pub const IDEMPOTENCY_KEY_MAX: usize = 255;

/// The field of line `index`, e.g. `items.2.quantity`.
pub fn line_field(index: usize, name: &str) -> String {
    format!("items.{index}.{name}")
}

/// Units of one product in one order: 1 to 1,000. Field `quantity`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Quantity(i32);

impl Quantity {
    /// Checks a number of units.
    pub fn new(units: i32) -> Result<Self, DomainError> {
        rules::in_range("quantity", units, 1, QUANTITY_MAX).map(Self)
    }

    /// The units.
    pub fn get(self) -> i32 {
        self.0
    }
}

/// A client's key for one order: 1 to 255 characters, kept exactly as
/// sent. Field `idempotencyKey`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct IdempotencyKey(String);

impl IdempotencyKey {
    /// The field a key arrives in, beside the order's lines.
    pub const FIELD: &str = "idempotencyKey";

    /// Checks the length of `raw`.
    pub fn parse(raw: String) -> Result<Self, DomainError> {
        if !(1..=IDEMPOTENCY_KEY_MAX).contains(&raw.chars().count()) {
            return Err(DomainError::new(
                Self::FIELD,
                format!("an idempotency key has 1 to {IDEMPOTENCY_KEY_MAX} characters"),
            ));
        }
        Ok(Self(raw))
    }

    /// The key.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// One line as the client sent it, its product already identified.
#[derive(Clone, Copy, Debug)]
pub struct RequestedLine {
    /// `products.id`.
    pub product_id: i64,
    /// Units wanted, not yet checked.
    pub quantity: i32,
}

/// One product of a checked order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Line {
    /// `products.id`.
    pub product_id: i64,
    /// Units wanted, summed over the lines that name the product.
    pub quantity: i32,
    /// The first line that names the product, for error fields.
    pub index: usize,
}

/// A checked order: one line per product, in product id order (the order
/// stock rows are locked in), the idempotency key if any, and a fingerprint
/// that tells a replay of the same order from a different order under the
/// same key.
#[derive(Clone, Debug)]
pub struct OrderRequest {
    lines: Vec<Line>,
    key: Option<IdempotencyKey>,
    fingerprint: String,
}

impl OrderRequest {
    /// Applies the rules: 1 to 100 lines, each quantity 1 to 1,000, also
    /// once merged per product, then the key's. Errors name `items`, the
    /// line's field (e.g. `items.2.quantity`) or `idempotencyKey`.
    pub fn new(requested: &[RequestedLine], key: Option<String>) -> Result<Self, DomainError> {
        if requested.is_empty() || requested.len() > MAX_LINES {
            return Err(DomainError::new(
                "items",
                format!(
                    "an order has 1 to {MAX_LINES} lines, got {}",
                    requested.len()
                ),
            ));
        }
        let mut merged: BTreeMap<i64, Line> = BTreeMap::new();
        for (index, line) in requested.iter().enumerate() {
            let quantity = Quantity::new(line.quantity)
                .map_err(|err| err.within(&format!("items.{index}")))?;
            let entry = merged.entry(line.product_id).or_insert(Line {
                product_id: line.product_id,
                quantity: 0,
                index,
            });
            entry.quantity += quantity.get();
            if entry.quantity > QUANTITY_MAX {
                return Err(DomainError::new(
                    line_field(index, "quantity"),
                    format!(
                        "the lines for this product add up to {}; at most {QUANTITY_MAX} units of one product per order",
                        entry.quantity
                    ),
                ));
            }
        }
        let key = key.map(IdempotencyKey::parse).transpose()?;
        let lines: Vec<Line> = merged.into_values().collect();
        Ok(Self {
            fingerprint: fingerprint(&lines),
            lines,
            key,
        })
    }

    /// One line per product, by ascending product id.
    pub fn lines(&self) -> &[Line] {
        &self.lines
    }

    /// The client's idempotency key.
    pub fn key(&self) -> Option<&str> {
        self.key.as_ref().map(IdempotencyKey::as_str)
    }

    /// Hex SHA-256 of the merged lines.
    pub fn fingerprint(&self) -> &str {
        &self.fingerprint
    }
}

/// The same products and quantities give the same fingerprint, however the
/// client split or ordered its lines.
fn fingerprint(lines: &[Line]) -> String {
    let mut hasher = Sha256::new();
    hasher.update(b"storefront-order-v1");
    for line in lines {
        hasher.update(format!("\n{}x{}", line.product_id, line.quantity).as_bytes());
    }
    hex::encode(hasher.finalize())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(product_id: i64, quantity: i32) -> RequestedLine {
        RequestedLine {
            product_id,
            quantity,
        }
    }

    fn refused(lines: &[RequestedLine]) -> String {
        OrderRequest::new(lines, None)
            .expect_err("refused")
            .field()
            .to_owned()
    }

    fn merged(request: &OrderRequest) -> Vec<(i64, i32, usize)> {
        request
            .lines()
            .iter()
            .map(|l| (l.product_id, l.quantity, l.index))
            .collect()
    }

    #[test]
    fn quantities_run_from_one_to_a_thousand() {
        assert_eq!(Quantity::new(1).map(Quantity::get), Ok(1));
        assert_eq!(
            Quantity::new(QUANTITY_MAX).map(Quantity::get),
            Ok(QUANTITY_MAX)
        );
        for bad in [0, -1, QUANTITY_MAX + 1, i32::MIN, i32::MAX] {
            assert_eq!(
                Quantity::new(bad).map_err(|e| e.field().to_owned()),
                Err("quantity".to_owned())
            );
        }
    }

    #[test]
    fn an_order_has_one_to_a_hundred_lines() {
        assert_eq!(refused(&[]), "items");
        let most: Vec<RequestedLine> = (1..=100).map(|id| line(id, 1)).collect();
        assert!(OrderRequest::new(&most, None).is_ok());
        let over: Vec<RequestedLine> = (1..=101).map(|id| line(id, 1)).collect();
        assert_eq!(refused(&over), "items");
    }

    #[test]
    fn a_bad_quantity_is_named_by_its_line() {
        assert_eq!(
            refused(&[line(1, 1), line(2, 1), line(3, 0)]),
            "items.2.quantity"
        );
        assert_eq!(refused(&[line(1, 1001)]), "items.0.quantity");
        assert_eq!(refused(&[line(1, -5)]), "items.0.quantity");
    }

    #[test]
    fn merged_lines_of_one_product_are_bounded_too() {
        assert!(OrderRequest::new(&[line(7, 500), line(7, 500)], None).is_ok());
        assert_eq!(
            refused(&[line(7, 500), line(8, 1), line(7, 501)]),
            "items.2.quantity"
        );
    }

    #[test]
    fn lines_for_one_product_merge_and_sort_by_product() {
        let split = OrderRequest::new(&[line(9, 2), line(3, 1), line(9, 5)], None);
        let whole = OrderRequest::new(&[line(3, 1), line(9, 7)], None);
        let (Ok(split), Ok(whole)) = (split, whole) else {
            panic!("valid requests were rejected");
        };
        assert_eq!(merged(&split), [(3, 1, 1), (9, 7, 0)]);
        assert_eq!(split.fingerprint(), whole.fingerprint());
        assert_eq!(split.fingerprint().len(), 64);
    }

    #[test]
    fn different_quantities_give_different_fingerprints() {
        let one = OrderRequest::new(&[line(3, 1)], None).map(|r| r.fingerprint().to_owned());
        let two = OrderRequest::new(&[line(3, 2)], None).map(|r| r.fingerprint().to_owned());
        assert!(one.is_ok() && two.is_ok());
        assert_ne!(one.ok(), two.ok());
    }

    #[test]
    fn idempotency_keys_have_1_to_255_characters_as_sent() {
        assert!(IdempotencyKey::parse("k".to_owned()).is_ok());
        assert!(IdempotencyKey::parse("ключ".repeat(63)).is_ok());
        assert_eq!(
            IdempotencyKey::parse(" spaced ".to_owned()).map(|k| k.as_str().to_owned()),
            Ok(" spaced ".to_owned())
        );
        for bad in [String::new(), "k".repeat(IDEMPOTENCY_KEY_MAX + 1)] {
            let err = IdempotencyKey::parse(bad).expect_err("refused");
            assert_eq!(err.field(), "idempotencyKey");
        }
        let request = OrderRequest::new(&[line(1, 1)], Some("abc".to_owned()));
        assert_eq!(
            request.ok().and_then(|r| r.key().map(str::to_owned)),
            Some("abc".to_owned())
        );
        let bad_key = OrderRequest::new(&[line(1, 1)], Some(String::new()));
        assert_eq!(
            bad_key.err().map(|e| e.field().to_owned()),
            Some("idempotencyKey".to_owned())
        );
    }
}
