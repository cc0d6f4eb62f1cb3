//! The engine: validation, typed decoding, the emitted schemas and the `event!` macro, checked
//! against the Zod oracle, JSON Schema validators, the committed documents and fuzz findings.

// Parity with Zod 3 on the committed corpus the Node oracle wrote.
mod zod_parity;
// The validated output written in Zod's key order, byte for byte against the corpus.
mod output_order;
// The emitted JSON Schemas give Zod's verdicts through the `jsonschema` crate.
mod json_schema_parity;
// The committed documents in `schemas/` are what the catalog produces; the registry of events
// and the staleness check dependents run.
mod schema_documents;
// The `event!` macro's generated types, strict serde, schema and `validator` impls.
mod macro_events;
// The user's own derives and attributes on `event!` definitions.
mod macro_attributes;
// An `Event` written by hand: the provided decoding reads with its own serde impls, then checks.
mod hand_written_event;
// Property tests: validation and typed decoding never panic and agree.
mod robustness;
// Hostile payloads as bytes and a `Value` nested 10,000 deep, with the exact verdict of each.
mod hostile_payloads;
// Numbers beyond a double: read as JSON.parse reads them, validated as Zod validates them.
mod infinities;
// Inputs the fuzz targets found, kept as regression tests.
mod fuzz_regressions;
// The parse-driven walk gives what the `Value` walk gives, for text in any layout.
mod parse_driven;
