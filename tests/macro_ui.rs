//! Compile-fail tests of the `event!` macro: one kind of mistake per file in `tests/ui/`, each with the
//! exact error it gives (`TRYBUILD=overwrite cargo test --test macro_ui` refreshes the `.stderr`).

#[test]
fn every_mistake_is_a_compile_error_at_its_token() {
    let cases = trybuild::TestCases::new();
    cases.compile_fail("tests/ui/*.rs");
}
