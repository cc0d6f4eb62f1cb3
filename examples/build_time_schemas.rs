//! A crate's own events, with their schema documents written at build time.
//!
//! The workspace's `build.rs` includes `examples/shared/support_events.rs` and calls
//! `loop_contracts::build::write_documents` into `OUT_DIR/schemas`; this example includes the same
//! definitions, reads the documents the build wrote, and validates a payload with the typed struct.
//!
//! Run: `cargo run --example build_time_schemas`

use loop_contracts::Event;

include!("shared/support_events.rs");

const OPENED_FIELDS: &str = include_str!(concat!(env!("OUT_DIR"), "/schemas/ticket.opened.v1.fields.json"));
const OPENED_SCHEMA: &str = include_str!(concat!(env!("OUT_DIR"), "/schemas/ticket.opened.v1.schema.json"));

fn main() {
    println!("Discovery document written by build.rs:\n{OPENED_FIELDS}");
    println!("JSON Schema written by build.rs:\n{OPENED_SCHEMA}");
    assert_eq!(OPENED_FIELDS, TicketOpened::schema().to_discovery_json(), "build-time and run-time documents agree");

    let ticket = TicketOpened::from_json_slice(
        br#"{"eventId": "0b7e8f52-4f0e-4d8e-9d43-6f3f1c1d2a10", "occurredAt": "2026-11-27T09:30:00Z",
            "brandId": "6f1c2a9e-1b7d-4c1e-9a55-2f1a3b4c5d6e", "email": "ana@example.com",
            "priority": "urgent", "subject": "Refund for order #1042"}"#,
    )
    .expect("a valid ticket");
    println!("Decoded: {} {:?} {:?}", TicketOpened::NAME, ticket.priority, ticket.subject);

    let rejected = TicketClosed::from_json_slice(br#"{"ticketId": "", "rating": 4.5}"#).unwrap_err();
    println!(
        "Rejected as the platform would:\n{}",
        serde_json::to_string_pretty(&loop_contracts::ErrorResponse::from(&rejected)).unwrap()
    );
}
