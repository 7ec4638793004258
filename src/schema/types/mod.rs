//! GraphQL object types, each a thin wrapper over an entity row whose
//! relations resolve through the request's loaders.

mod category;
mod dashboard;
mod event;
mod node;
mod order;
mod product;
mod review;
mod sales;
mod totals;
mod user;

pub use category::Category;
pub use dashboard::{DashboardSnapshot, MinuteCount};
pub use event::{OrderEvent, OrderEventType, StockEvent};
pub use node::Node;
pub use order::{Order, OrderConnection, OrderItem, OrderTotal};
pub use product::{Product, RatingSummary};
pub use review::Review;
pub use sales::{SalesSummary, TopProduct};
pub use totals::{
    CategoryConnection, CategoryTotal, ProductConnection, ProductTotal, ReviewConnection,
    ReviewTotal,
};
pub use user::{User, UserConnection, UserTotal};
