//! The committed documents in `schemas/` are exactly what the catalog produces, and
//! `lead.captured.v1` is the platform's published discovery document; the registry of events and
//! the check of a directory of documents that a dependent crate's test runs.

use loop_contracts::{build, catalog, Event};
use serde_json::json;

#[test]
fn committed_schema_documents_are_up_to_date() {
    // Fails naming each missing, changed and extra file; LOOP_CONTRACTS_BLESS=1 rewrites them
    // (`cargo test --test engine schema_documents`), as does `cargo run -p loop-contracts-cli --
    // schema --export schemas` (which leaves the documents of removed events in place).
    build::check_or_update_documents(suite::workspace_root().join("schemas"), catalog().iter());
}

loop_contracts::event! {
    /// Exported from the registry by the tests below.
    #[event("registry.probe.v1")]
    pub struct RegistryProbe {
        /// A label.
        label: string(min = 1),
        /// How many.
        count?: integer,
    }

    /// Its sibling, to have two documents to compare.
    #[event("registry.sibling.v1")]
    pub struct RegistrySibling {
        /// Which probe.
        probe: string,
    }
}

/// The registered events this file defines.
fn probes() -> Vec<&'static loop_contracts::EventSchema> {
    build::registered().into_iter().filter(|r| r.module_path() == module_path!()).map(|r| r.schema()).collect()
}

#[test]
fn the_registry_holds_every_event_the_binary_links() {
    let here: Vec<_> = build::registered().into_iter().filter(|r| r.module_path() == module_path!()).collect();
    let names: Vec<_> = here.iter().map(|r| r.schema().name().as_str()).collect();
    assert_eq!(names, ["registry.probe.v1", "registry.sibling.v1"]);
    assert_eq!(here[0].crate_name(), "engine");
    assert!(std::ptr::eq(here[0].schema(), <RegistryProbe as Event>::schema()));

    // The built-in events register themselves too, from the library.
    let mut builtin: Vec<_> = build::registered()
        .into_iter()
        .filter(|r| r.crate_name() == "loop_contracts")
        .map(|r| r.schema().name().as_str())
        .collect();
    let mut catalog_names: Vec<_> = catalog().iter().map(|s| s.name().as_str()).collect();
    builtin.sort_unstable();
    catalog_names.sort_unstable();
    assert_eq!(builtin, catalog_names);
    // ... but are not exported by a dependent's check: those of this binary's other test modules are.
    let dir = scratch("exported");
    build::update_registered(&dir).unwrap();
    assert!(dir.join("registry.probe.v1.schema.json").exists());
    assert!(!dir.join("lead.captured.v1.schema.json").exists());
    build::check_registered(&dir).unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
}

/// An empty directory of this process's own under the system's temporary directory.
fn scratch(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("loop-contracts-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

#[test]
fn the_check_fails_on_stale_documents_naming_each_file() {
    let dir = scratch("stale");
    build::update_documents(&dir, probes()).unwrap();
    build::check_documents(&dir, probes()).unwrap();

    // A field's constraint changed in the committed text, a document deleted, one left behind by a
    // renamed event, and a file that is no document.
    let path = dir.join("registry.probe.v1.schema.json");
    let committed = std::fs::read_to_string(&path).unwrap();
    let altered = committed.replacen("\"minLength\": 1", "\"minLength\": 2", 1);
    assert_ne!(altered, committed);
    std::fs::write(&path, &altered).unwrap();
    std::fs::remove_file(dir.join("registry.sibling.v1.fields.json")).unwrap();
    std::fs::write(dir.join("registry.renamed.v1.fields.json"), "{}").unwrap();
    std::fs::write(dir.join("README.md"), "not a document").unwrap();

    let stale = build::check_documents(&dir, probes()).unwrap_err();
    assert_eq!(stale.missing(), ["registry.sibling.v1.fields.json"]);
    assert_eq!(stale.changed().collect::<Vec<_>>(), ["registry.probe.v1.schema.json"]);
    assert_eq!(stale.extra(), ["registry.renamed.v1.fields.json"]);
    let line = committed.lines().position(|l| l.contains("\"minLength\": 1")).unwrap() + 1;
    let report = stale.to_string();
    for expected in [
        "holds stale schema documents (1 missing, 1 changed, 1 extra):".to_owned(),
        "  missing  registry.sibling.v1.fields.json".to_owned(),
        format!("  changed  registry.probe.v1.schema.json, line {line}:"),
        format!("- {}", altered.lines().nth(line - 1).unwrap()),
        format!("+ {}", committed.lines().nth(line - 1).unwrap()),
        "  extra    registry.renamed.v1.fields.json (no event produces it)".to_owned(),
    ] {
        assert!(report.contains(&expected), "{expected:?} not in:\n{report}");
    }

    // The test helper panics with that report, unless this run was asked to rewrite.
    if std::env::var_os(build::BLESS_VAR).is_none() {
        let panic = std::panic::catch_unwind(|| build::check_or_update_documents(&dir, probes())).unwrap_err();
        let message = panic.downcast_ref::<String>().unwrap();
        assert!(message.starts_with(&report), "{message}");
        assert!(message.contains("LOOP_CONTRACTS_BLESS=1 cargo test"), "{message}");
    }

    // Updating restores the documents, deletes the stray one and keeps the other file.
    build::update_documents(&dir, probes()).unwrap();
    build::check_documents(&dir, probes()).unwrap();
    assert_eq!(std::fs::read_to_string(&path).unwrap(), committed);
    assert!(!dir.join("registry.renamed.v1.fields.json").exists());
    assert!(dir.join("README.md").exists());
    build::check_or_update_documents(&dir, probes());
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn lead_captured_discovery_document_is_the_published_one() {
    let published = json!({
        "name": "lead.captured.v1",
        "fields": {
            "eventId": { "type": "uuid", "required": true },
            "occurredAt": { "type": "datetime", "required": true },
            "brandId": { "type": "uuid", "required": true },
            "email": { "type": "email", "required": true },
            "source": { "type": "enum", "values": ["vsl_form", "quiz_completion", "inbound_lead", "other"], "required": true },
            "attribution": { "type": "object", "required": true },
            "personId": { "type": "uuid", "required": false }
        }
    });
    let schema = catalog().get("lead.captured.v1").unwrap();
    assert_eq!(schema.to_discovery_value(), published);
    let committed =
        std::fs::read_to_string(suite::workspace_root().join("schemas/lead.captured.v1.fields.json")).unwrap();
    let committed: serde_json::Value = serde_json::from_str(&committed).unwrap();
    assert_eq!(committed, published);
}

#[test]
fn discovery_documents_keep_definition_order_and_parse_back_to_the_same_schema() {
    for schema in catalog().iter() {
        let text = schema.to_discovery_json();
        let names: Vec<&str> = schema.fields().iter().map(|f| f.name.as_str()).collect();
        // Each top-level field appears after the previous one (searching on from there).
        let mut from = text.find("\"fields\"").unwrap();
        for name in &names {
            let at = text[from..].find(&format!("\"{name}\":"));
            assert!(at.is_some(), "{}: field {name} out of order", schema.name());
            from += at.unwrap();
        }
        assert_eq!(&names[..3], ["eventId", "occurredAt", "brandId"], "{}: envelope first", schema.name());
        let parsed = loop_contracts::EventSchema::from_discovery_str(&text).unwrap();
        // Descriptions are not part of the discovery document; everything else round-trips.
        assert_eq!(parsed.to_discovery_json(), text);
        assert_eq!(parsed.fields().len(), schema.fields().len());
    }
}
