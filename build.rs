//! Writes the schema documents of the example help-desk events into `OUT_DIR/schemas`, the way a
//! dependent crate's build script uses `loop_contracts::build`.

#[allow(dead_code)]
mod events {
    include!("examples/shared/support_events.rs");
}

use loop_contracts::Event;

fn main() {
    println!("cargo::rerun-if-changed=examples/shared/support_events.rs");
    let out = std::path::PathBuf::from(std::env::var("OUT_DIR").expect("cargo sets OUT_DIR")).join("schemas");
    let schemas = [events::TicketOpened::schema(), events::TicketClosed::schema()];
    if let Err(e) = loop_contracts::build::write_documents(&out, schemas) {
        panic!("writing schema documents to {}: {e}", out.display());
    }
}
