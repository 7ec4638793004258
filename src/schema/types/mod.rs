//! GraphQL object types, each a thin wrapper over an entity row whose
//! relations resolve through the request's loaders.
//!
//! The row types resolve their fields one after another. They come in
//! lists, whose items resolve concurrently, so each relation still loads in
//! one batch for all items of a list; what serial saves is async-graphql's
//! concurrent set per object (a task, a waker and a queue node per field),
//! which was 11 % of the catalog page's instructions. Sibling relations of
//! one object load one after another: a round trip more per extra relation,
//! never a statement more. Every field that returns a row type returns it as
//! [`Row`], which resolves the fields in one future instead of one boxed
//! future each (9 % of the catalog page's instructions); so does a `Node`,
//! as the row type it holds.

mod category;
mod dashboard;
mod event;
mod node;
mod order;
mod product;
mod review;
mod row;
mod sales;
mod totals;
mod user;

pub use category::Category;
pub use dashboard::{DashboardSnapshot, MinuteCount};
pub use event::{OrderEvent, OrderEventType, StockEvent};
pub use node::Node;
pub use order::{Order, OrderConnection, OrderItem, OrderTotal, listed_lines};
pub use product::{ListedRelations, Product, RatingSummary};
pub use review::Review;
pub use row::Row;
pub use sales::{SalesSummary, TopProduct};
pub use totals::{
    CategoryConnection, CategoryTotal, ProductConnection, ProductTotal, ReviewConnection,
    ReviewTotal,
};
pub use user::{User, UserConnection, UserTotal};
