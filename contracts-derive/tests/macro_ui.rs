//! Compile-fail tests of the `event!` macro: one kind of mistake per file in `tests/ui/`, each with the
//! exact error it gives (`TRYBUILD=overwrite cargo test -p loop-contracts-derive --test macro_ui`
//! refreshes the `.stderr`).
//!
//! They live in the macro's package so that trybuild's scratch crate depends only on what this
//! package's tests need (the runtime crate and serde_json): in the root package it also checked
//! every benchmark and test dependency first, 100 s of a clean test run instead of 13 s.

#[test]
fn every_mistake_is_a_compile_error_at_its_token() {
    let cases = trybuild::TestCases::new();
    cases.compile_fail("tests/ui/*.rs");
}
