//! One integration-test binary: each test spawns the real application on a
//! random port with its own database and talks to it over HTTP.

mod accounts;
mod bearer;
mod catalog;
mod catalog_admin;
mod concurrency;
mod connections;
mod event_fixtures;
mod fanout;
mod field_errors;
mod graphiql;
mod headers;
mod helpers;
mod housekeeping;
mod http;
mod idor;
mod input_coercion;
mod layering;
mod lifecycle;
mod migrate_cli;
mod n_plus_one;
mod order_fixtures;
mod orders;
mod outbox;
mod paging;
mod place_order;
mod protection;
mod proxies;
mod rate_limits;
mod refresh;
mod reviews;
mod schema_sdl;
mod subscription_resume;
mod subscriptions;
mod tokens;
mod user_cli;
