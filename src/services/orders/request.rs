//! A `placeOrder` input checked against the ordering rules: lines for one
//! product merged, quantities bounded, and a fingerprint that tells a replay
//! of the same order from a different order under the same idempotency key.

use std::collections::BTreeMap;

use sha2::{Digest, Sha256};

use crate::{
    error::{AppError, AppResult},
    schema::validate,
};

/// Most lines one order may have, as sent (before merging).
/// Most lines one order may have; also what `Order.items` costs per selected field.
pub const MAX_LINES: usize = 100;
/// Largest quantity of one product in one order.
const MAX_QUANTITY: i32 = 1000;
/// Longest idempotency key, in characters.
const MAX_KEY_CHARS: usize = 255;

/// The input field of line `index`, e.g. `input.items.2.quantity`.
pub fn line_field(index: usize, name: &str) -> String {
    format!("input.items.{index}.{name}")
}

/// One line as the client sent it, its product ID already decoded.
#[derive(Clone, Copy, Debug)]
pub struct RequestedLine {
    /// `products.id`.
    pub product_id: i64,
    /// Units wanted.
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

/// A checked `placeOrder` input: one line per product, in product id order
/// (the order stock rows are locked in), and the idempotency key if any.
#[derive(Clone, Debug)]
pub struct OrderRequest {
    lines: Vec<Line>,
    key: Option<String>,
    fingerprint: String,
}

impl OrderRequest {
    /// Applies the rules: 1 to 100 lines, each quantity 1 to 1000 (also once
    /// merged per product), a key of 1 to 255 characters. Errors are
    /// `BAD_USER_INPUT` naming the field, e.g. `input.items.2.quantity`.
    pub fn new(requested: &[RequestedLine], key: Option<String>) -> AppResult<Self> {
        if requested.is_empty() || requested.len() > MAX_LINES {
            return Err(AppError::bad_input(
                "input.items",
                format!(
                    "an order has 1 to {MAX_LINES} lines, got {}",
                    requested.len()
                ),
            ));
        }
        let mut merged: BTreeMap<i64, Line> = BTreeMap::new();
        for (index, line) in requested.iter().enumerate() {
            let field = line_field(index, "quantity");
            validate::in_range(&field, line.quantity, 1, MAX_QUANTITY)?;
            let entry = merged.entry(line.product_id).or_insert(Line {
                product_id: line.product_id,
                quantity: 0,
                index,
            });
            entry.quantity += line.quantity;
            if entry.quantity > MAX_QUANTITY {
                return Err(AppError::bad_input(
                    field,
                    format!(
                        "the lines for this product add up to {}; at most {MAX_QUANTITY} units of one product per order",
                        entry.quantity
                    ),
                ));
            }
        }
        if let Some(key) = &key
            && !(1..=MAX_KEY_CHARS).contains(&key.chars().count())
        {
            return Err(AppError::bad_input(
                "idempotencyKey",
                format!("an idempotency key has 1 to {MAX_KEY_CHARS} characters"),
            ));
        }
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
        self.key.as_deref()
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

    fn merged(request: &OrderRequest) -> Vec<(i64, i32, usize)> {
        request
            .lines()
            .iter()
            .map(|l| (l.product_id, l.quantity, l.index))
            .collect()
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
}
