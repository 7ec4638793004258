//! One integration-test binary: each test spawns the real application on a
//! random port with its own database and talks to it over HTTP.

mod bearer;
mod catalog;
mod headers;
mod helpers;
mod http;
mod lifecycle;
mod n_plus_one;
mod paging;
mod protection;
mod rate_limits;
mod schema_sdl;
