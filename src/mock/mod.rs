//! The mock target: `mock "api" { route "GET" "/api/users" status=200 body="[]" latency="20ms" }`
//! and `backendctl mock FILE`. A scenario can be tried before its service exists, and the load
//! tests use it as their target. Served by axum on hyper, with fixed or log-normal latency,
//! injected error statuses, connection resets and periodic stalls.

pub(crate) mod route_behavior;
pub(crate) mod server;
