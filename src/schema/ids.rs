//! Opaque, type-tagged global IDs (`node(id:)` resolves any of them).

use async_graphql::ID;
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};

use crate::error::{AppError, AppResult};

/// The kinds of object a global ID can name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NodeKind {
    /// A `Product`.
    Product,
    /// A `Category`.
    Category,
    /// A `Review`.
    Review,
    /// A `User`.
    User,
    /// An `Order`.
    Order,
    /// An `OrderItem`.
    OrderItem,
}

impl NodeKind {
    const ALL: [NodeKind; 6] = [
        Self::Product,
        Self::Category,
        Self::Review,
        Self::User,
        Self::Order,
        Self::OrderItem,
    ];

    fn tag(self) -> &'static str {
        match self {
            Self::Product => "Product",
            Self::Category => "Category",
            Self::Review => "Review",
            Self::User => "User",
            Self::Order => "Order",
            Self::OrderItem => "OrderItem",
        }
    }
}

/// The global ID of the row `id` of `kind`.
pub fn encode(kind: NodeKind, id: i64) -> ID {
    ID(URL_SAFE_NO_PAD.encode(format!("{}:{id}", kind.tag())))
}

/// Decodes any global ID; `field` names the argument for the error.
pub fn decode(id: &str, field: &str) -> AppResult<(NodeKind, i64)> {
    let malformed = || AppError::bad_input(field, format!("\"{id}\" is not a valid ID"));
    let bytes = URL_SAFE_NO_PAD.decode(id).map_err(|_| malformed())?;
    let text = String::from_utf8(bytes).map_err(|_| malformed())?;
    let (tag, number) = text.split_once(':').ok_or_else(malformed)?;
    let kind = NodeKind::ALL
        .into_iter()
        .find(|kind| kind.tag() == tag)
        .ok_or_else(malformed)?;
    let row_id: i64 = number.parse().map_err(|_| malformed())?;
    if row_id <= 0 || number.starts_with('+') || number.starts_with('0') {
        return Err(malformed());
    }
    Ok((kind, row_id))
}

/// Decodes a global ID that must name a `expected`.
pub fn decode_as(id: &str, expected: NodeKind, field: &str) -> AppResult<i64> {
    match decode(id, field)? {
        (kind, row_id) if kind == expected => Ok(row_id),
        (kind, _) => Err(AppError::bad_input(
            field,
            format!(
                "expected the ID of a {}, got the ID of a {}",
                expected.tag(),
                kind.tag()
            ),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_and_reject_the_wrong_kind() {
        let id = encode(NodeKind::Product, 42);
        assert_eq!(decode(&id, "id").ok(), Some((NodeKind::Product, 42)));
        assert!(decode_as(&id, NodeKind::Category, "id").is_err());
        for bad in [
            "",
            "!!",
            "UHJvZHVjdA",
            &URL_SAFE_NO_PAD.encode("Product:-1"),
            &URL_SAFE_NO_PAD.encode("Nope:1"),
            &URL_SAFE_NO_PAD.encode("Product:01"),
        ] {
            assert!(decode(bad, "id").is_err(), "{bad}");
        }
    }
}
