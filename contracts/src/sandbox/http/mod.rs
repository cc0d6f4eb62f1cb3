//! The sandbox's HTTP layer: the platform API, the webhook routes and the sandbox's own
//! `/__sandbox/` routes, the layers in front of them, and the connection loop that serves them.
//! It drives the sandbox's state and its delivery engine; neither of them knows it.

mod access;
mod api;
mod auth;
mod body;
mod errors;
mod operator;
mod platform;
mod query;
mod response;
mod router;
mod schemas;
mod server;
mod webhooks;

pub(crate) use router::router;
pub(crate) use schemas::listing;
pub(crate) use server::serve;
