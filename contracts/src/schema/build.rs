//! Writing the schema documents of events to a directory: `schemas/` of this repository, or
//! `OUT_DIR` from a dependent crate's `build.rs`.
//!
//! Each event gets `<event>.fields.json` (the discovery document) and `<event>.schema.json`
//! (JSON Schema 2020-12). Files whose content is unchanged are not rewritten, so a build script
//! calling this does not trigger rebuilds.
//!
//! ```no_run
//! // build.rs of a crate that defines its own events in src/events.rs
//! // (with `loop-contracts` in both [dependencies] and [build-dependencies]):
//! mod events {
//!     // include!("src/events.rs");
//! }
//! fn main() {
//!     let out = std::env::var("OUT_DIR").unwrap();
//!     let schemas = [/* <events::MyEvent as loop_contracts::Event>::schema(), */];
//!     loop_contracts::build::write_documents(&out, schemas).unwrap();
//!     println!("cargo::rerun-if-changed=src/events.rs");
//! }
//! ```

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use super::descriptor::EventSchema;

/// The documents of one event: `(file name, contents)` pairs.
///
/// ```
/// let schema = loop_contracts::catalog().get("lead.captured.v1").unwrap();
/// let [(fields, discovery), (json_schema, _)] = loop_contracts::build::documents(schema);
/// assert_eq!(fields, "lead.captured.v1.fields.json");
/// assert_eq!(json_schema, "lead.captured.v1.schema.json");
/// assert_eq!(discovery, schema.to_discovery_json());
/// ```
pub fn documents(schema: &EventSchema) -> [(String, String); 2] {
    let name = schema.name().as_str();
    [
        (format!("{name}.fields.json"), schema.to_discovery_json()),
        (format!("{name}.schema.json"), schema.to_json_schema_string()),
    ]
}

/// Writes the documents of every schema into `dir` (created if missing) and returns the paths
/// written or already up to date.
///
/// ```
/// use loop_contracts::build::{stale_documents, write_documents};
///
/// let dir = std::env::temp_dir().join(format!("loop-contracts-doc-write-{}", std::process::id()));
/// let schema = loop_contracts::catalog().get("lead.captured.v1").unwrap();
/// let paths = write_documents(&dir, [schema])?;
/// assert_eq!(paths, [dir.join("lead.captured.v1.fields.json"), dir.join("lead.captured.v1.schema.json")]);
/// assert!(stale_documents(&dir, [schema]).is_empty());
/// # std::fs::remove_dir_all(&dir)?;
/// # Ok::<(), std::io::Error>(())
/// ```
pub fn write_documents<'a>(
    dir: impl AsRef<Path>,
    schemas: impl IntoIterator<Item = &'a EventSchema>,
) -> io::Result<Vec<PathBuf>> {
    let dir = dir.as_ref();
    let named = |path: &Path, e: io::Error| io::Error::new(e.kind(), format!("{}: {e}", path.display()));
    fs::create_dir_all(dir).map_err(|e| named(dir, e))?;
    let mut paths = Vec::new();
    for schema in schemas {
        for (file, contents) in documents(schema) {
            let path = dir.join(file);
            if fs::read_to_string(&path).ok().as_deref() != Some(contents.as_str()) {
                fs::write(&path, contents).map_err(|e| named(&path, e))?;
            }
            paths.push(path);
        }
    }
    Ok(paths)
}

/// Compares the documents in `dir` with the ones the schemas produce; returns the file names
/// that are missing or differ (empty: up to date).
///
/// ```
/// use loop_contracts::build::{stale_documents, write_documents};
///
/// let dir = std::env::temp_dir().join(format!("loop-contracts-doc-stale-{}", std::process::id()));
/// let schema = loop_contracts::catalog().get("lead.captured.v1").unwrap();
/// write_documents(&dir, [schema])?;
/// std::fs::write(dir.join("lead.captured.v1.schema.json"), "{}")?;
/// assert_eq!(stale_documents(&dir, [schema]), ["lead.captured.v1.schema.json"]);
/// # std::fs::remove_dir_all(&dir)?;
/// # Ok::<(), std::io::Error>(())
/// ```
pub fn stale_documents<'a>(dir: impl AsRef<Path>, schemas: impl IntoIterator<Item = &'a EventSchema>) -> Vec<String> {
    let dir = dir.as_ref();
    schemas
        .into_iter()
        .flat_map(documents)
        .filter(|(file, contents)| fs::read_to_string(dir.join(file)).ok().as_deref() != Some(contents.as_str()))
        .map(|(file, _)| file)
        .collect()
}
