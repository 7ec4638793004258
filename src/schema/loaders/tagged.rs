//! The cache tag of each kind of row the loaders return.

use crate::{
    cache::{Table, Tag},
    entities::{categories, orders, products, reviews},
    services::read::users::UserRecord,
};

/// The tags of a list read from `M`'s table: the list's own, which any write
/// that can add, remove or reorder members touches, and each member's row.
pub fn list_tags<'a, M: Tagged + 'a>(
    rows: impl IntoIterator<Item = &'a M>,
) -> impl Iterator<Item = Tag> {
    std::iter::once(Tag::List(M::TABLE)).chain(rows.into_iter().map(Tagged::tag))
}

/// A row that public responses may show, and so a response-cache tag.
pub trait Tagged {
    /// Its table.
    const TABLE: Table;

    /// Its primary key.
    fn id(&self) -> i64;

    /// Its row tag.
    fn tag(&self) -> Tag {
        Tag::Row(Self::TABLE, self.id())
    }
}

macro_rules! tagged {
    ($($model:ty => $table:ident),* $(,)?) => {$(
        impl Tagged for $model {
            const TABLE: Table = Table::$table;

            fn id(&self) -> i64 {
                self.id
            }
        }
    )*};
}

tagged! {
    categories::Model => Category,
    products::Model => Product,
    reviews::Model => Review,
    orders::Model => Order,
    UserRecord => User,
}
