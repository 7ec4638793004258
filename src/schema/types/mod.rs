//! GraphQL object types, each a thin wrapper over an entity row whose
//! relations resolve through the request's loaders.

mod category;
mod node;
mod product;
mod review;
mod totals;
mod user;

pub use category::Category;
pub use node::Node;
pub use product::{Product, RatingSummary};
pub use review::Review;
pub use totals::{
    CategoryConnection, CategoryTotal, ProductConnection, ProductTotal, ReviewConnection,
    ReviewTotal,
};
pub use user::{User, UserConnection, UserRecord, UserTotal};
