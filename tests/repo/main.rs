//! Checks of the repository as a whole rather than of one crate's behaviour.

// The declared `rust-version` of each published crate is honest.
mod msrv;
// `cargo run --example demo` runs the whole path on a fresh checkout.
mod demo;
// Both library crates forbid `unsafe`.
mod forbid_unsafe;
// The floor plan: rooms import one way, no file over 800 lines, a tidy crate root.
mod architecture;
// Tests get PostgreSQL with nothing started by hand, and a private cluster ends with its process.
mod postgres;
// Numbers are read correctly rounded in the builds users make, not only in the suite's.
mod number_reading;
