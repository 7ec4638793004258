//! Storefront: a batched GraphQL commerce backend over SeaORM.

pub mod auth;
pub mod cache;
pub mod cli;
pub mod config;
pub mod db;
pub mod domain;
pub mod entities;
pub mod error;
pub mod events;
pub mod http;
pub mod metrics;
pub mod pubsub;
pub mod ratelimit;
pub mod redis_target;
pub mod schema;
pub mod seed;
pub mod services;
pub mod startup;
pub mod state;
pub mod sync;
pub mod telemetry;
