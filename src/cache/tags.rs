//! What a cached response depends on. Resolvers and loaders record a tag for
//! every row and list an operation reads; a write names the tags it changes,
//! and every cached response carrying one of them stops being served.

use std::{
    fmt,
    sync::{Arc, Mutex},
};

use crate::sync::lock;

/// A table whose rows public responses show.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Table {
    /// `categories`.
    Category,
    /// `products`.
    Product,
    /// `orders` (never in a public response, but tagged like the rest).
    Order,
    /// `reviews`.
    Review,
    /// `users` (their public fields).
    User,
}

impl Table {
    const ALL: [Self; 5] = [
        Self::Category,
        Self::Product,
        Self::Order,
        Self::Review,
        Self::User,
    ];

    /// Its name in tags and metric labels (`Product`).
    pub fn name(self) -> &'static str {
        match self {
            Self::Category => "Category",
            Self::Product => "Product",
            Self::Order => "Order",
            Self::Review => "Review",
            Self::User => "User",
        }
    }
}

/// One thing a response read: a row, the membership and order of a table's
/// lists, or a product's rating figures.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Tag {
    /// One row, by primary key (`Product:42`).
    Row(Table, i64),
    /// Any list, page, count or lookup miss over a table (`Product:list`):
    /// a write that can add, remove or reorder its rows touches it.
    List(Table),
    /// A product's rating summary (`Rating:42`).
    Rating(i64),
}

impl fmt::Display for Tag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Row(table, id) => write!(f, "{}:{id}", table.name()),
            Self::List(table) => write!(f, "{}:list", table.name()),
            Self::Rating(product) => write!(f, "Rating:{product}"),
        }
    }
}

/// Text that is not a tag.
#[derive(Debug, PartialEq, Eq)]
pub struct NotATag;

impl std::str::FromStr for Tag {
    type Err = NotATag;

    /// Reads a tag back from its [`Display`](fmt::Display) form.
    fn from_str(text: &str) -> Result<Self, NotATag> {
        let (kind, rest) = text.split_once(':').ok_or(NotATag)?;
        if kind == "Rating" {
            return rest.parse().map(Self::Rating).map_err(|_| NotATag);
        }
        let table = Table::ALL
            .into_iter()
            .find(|table| table.name() == kind)
            .ok_or(NotATag)?;
        match rest {
            "list" => Ok(Self::List(table)),
            id => id
                .parse()
                .map(|id| Self::Row(table, id))
                .map_err(|_| NotATag),
        }
    }
}

/// What a change of a product's stock from `before` to `after` units
/// touches: the product, and its lists when it went in or out of stock
/// (the `inStock` filter).
pub fn stock_tags(product: i64, before: i32, after: i32) -> impl Iterator<Item = Tag> {
    let row = Tag::Row(Table::Product, product);
    let lists = ((before > 0) != (after > 0)).then_some(Tag::List(Table::Product));
    std::iter::once(row).chain(lists)
}

/// Tags collected while one operation runs: those it read (shared by its
/// resolvers and its loaders' batches), or those its transaction wrote.
#[derive(Clone, Debug, Default)]
pub struct TagSet(Arc<Mutex<Vec<Tag>>>);

impl TagSet {
    /// Records `tags`.
    pub fn add(&self, tags: impl IntoIterator<Item = Tag>) {
        lock(&self.0).extend(tags);
    }

    /// Every tag recorded so far, each once.
    pub fn distinct(&self) -> Vec<Tag> {
        let mut tags = lock(&self.0).clone();
        tags.sort_unstable();
        tags.dedup();
        tags
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_read_as_the_envelop_model_names_them() {
        assert_eq!(Tag::Row(Table::Product, 42).to_string(), "Product:42");
        assert_eq!(Tag::List(Table::Category).to_string(), "Category:list");
        assert_eq!(Tag::Rating(7).to_string(), "Rating:7");
    }

    #[test]
    fn each_tag_is_reported_once() {
        let read = TagSet::default();
        read.add([Tag::Rating(1), Tag::List(Table::Review)]);
        read.clone().add([Tag::Rating(1)]);
        assert_eq!(
            read.distinct(),
            vec![Tag::List(Table::Review), Tag::Rating(1)]
        );
    }
}
