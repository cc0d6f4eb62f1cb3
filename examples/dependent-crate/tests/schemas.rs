//! `schemas/` holds exactly the documents of this crate's events: this test fails, naming each
//! missing, changed or extra file, when it does not; `LOOP_CONTRACTS_BLESS=1 cargo test -p
//! help-desk-events` rewrites them instead.

// An integration test is a crate of its own, which links the library only if it names it; the
// registrations of the events come with the library.
use help_desk_events as _;

#[test]
fn schemas_are_current() {
    loop_contracts::build::check_or_update("schemas");
}
