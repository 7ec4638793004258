//! One integration-test binary: each test spawns the real application on a
//! random port with its own database and talks to it over HTTP.

mod accounts;
mod bearer;
mod catalog;
mod helpers;
mod http;
mod lifecycle;
mod n_plus_one;
mod paging;
mod protection;
mod refresh;
mod schema_sdl;
mod tokens;
mod user_cli;
