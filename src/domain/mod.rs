//! The domain's own types, parsed rather than validated: each input rule
//! lives once, in the constructor of the type that holds the checked value,
//! and code that holds such a value never checks it again. Nothing here
//! knows GraphQL or HTTP; errors name the domain's fields (`email`,
//! `items.2.quantity`), and callers place them in their own arguments.

pub mod clock;
