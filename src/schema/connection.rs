//! Relay cursor connections over the read path's keyset pages, and what a
//! connection field costs.

use async_graphql::{
    Context, Lookahead, ObjectType,
    connection::{Connection, CursorType, Edge},
};

use super::types::Row;

pub use crate::services::read::keyset::{Cursor, PageArgs};
use crate::{
    domain::listing::{DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE},
    services::read::keyset::{Keyset, KeysetOrder, Page},
};

/// `keyset` for the connection being resolved: the row past the page,
/// which only tells `pageInfo` whether more rows exist, is fetched only when
/// the selection reads `pageInfo`.
pub fn as_selected<O: KeysetOrder>(ctx: &Context<'_>, keyset: Keyset<O>) -> Keyset<O> {
    selected_beneath(&ctx.look_ahead(), keyset)
}

/// `keyset` for a connection whose selection is `connection`, as
/// [`as_selected`] gives it to the connection's own resolver.
pub fn selected_beneath<O: KeysetOrder>(
    connection: &Lookahead<'_>,
    keyset: Keyset<O>,
) -> Keyset<O> {
    keyset.peeking(connection.field("pageInfo").exists())
}

/// The cost multiplier of a connection field: the most rows it can return.
/// Out-of-range sizes are rejected later; here they cost the maximum.
pub fn page_cost(first: Option<i32>, last: Option<i32>) -> usize {
    let size = match first.or(last) {
        Some(size) => usize::try_from(size.clamp(0, MAX_PAGE_SIZE as i32)).unwrap_or(0),
        None => DEFAULT_PAGE_SIZE as usize,
    };
    size.max(1)
}

impl CursorType for Cursor {
    type Error = String;

    fn decode_cursor(text: &str) -> Result<Self, Self::Error> {
        Cursor::decode(text)
    }

    fn encode_cursor(&self) -> String {
        self.encode()
    }
}

/// A connection of row types: the connection and each node resolve their
/// fields in one future ([`Row`]), and in selection order.
pub type RowConnection<N, F> = Row<Connection<Cursor, Row<N>, F>>;

/// Turns a page of rows into a GraphQL connection.
pub trait IntoConnection<M> {
    /// The connection of this page, with `fields` (e.g. `totalCount`) beside
    /// `edges`, `nodes` and `pageInfo`.
    fn into_connection<N, F>(self, fields: F, to_node: impl FnMut(M) -> N) -> RowConnection<N, F>
    where
        N: ObjectType,
        F: ObjectType;
}

impl<M> IntoConnection<M> for Page<M> {
    fn into_connection<N, F>(
        self,
        fields: F,
        mut to_node: impl FnMut(M) -> N,
    ) -> RowConnection<N, F>
    where
        N: ObjectType,
        F: ObjectType,
    {
        let mut connection =
            Connection::with_additional_fields(self.has_previous(), self.has_next(), fields);
        connection.edges.extend(
            self.into_rows()
                .into_iter()
                .map(|(cursor, row)| Edge::new(cursor, Row(to_node(row)))),
        );
        Row(connection)
    }
}
