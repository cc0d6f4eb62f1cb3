//! `loop-contracts schema`: an event's discovery document or JSON Schema, the catalog's list, the
//! export of every document, and the reading of a `--schema-doc` (which `validate` shares).

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use clap::Args;
use loop_contracts::EventSchema;
use loop_contracts::ValidationError;
use loop_contracts::{build, catalog};

use crate::exit::{usage, EXIT_OK, EXIT_REJECTED};

#[derive(Debug, Args)]
pub(crate) struct SchemaArgs {
    /// The event name (with --schema-doc, optional: it must then be the event the document defines).
    #[arg(required_unless_present_any = ["list", "export", "schema_doc"], conflicts_with_all = ["list", "export"])]
    event: Option<String>,
    /// Print the JSON Schema (2020-12) instead of the discovery document.
    #[arg(long, conflicts_with_all = ["list", "export"])]
    json_schema: bool,
    /// List the catalog's event names.
    #[arg(long, conflicts_with = "export")]
    list: bool,
    /// Write every event's `.fields.json` and `.schema.json` into DIR.
    #[arg(long, value_name = "DIR")]
    export: Option<PathBuf>,
    /// Print the event this discovery document defines instead of a built-in one: checked as
    /// `validate --schema-doc` reads it, and printed as the platform serves documents (or as its
    /// JSON Schema with --json-schema).
    #[arg(long, value_name = "FILE", conflicts_with_all = ["list", "export"])]
    schema_doc: Option<PathBuf>,
}

/// Reads a `--schema-doc` discovery document; `event`, when given, must be the one it defines.
pub(crate) fn read_schema_doc(path: &Path, event: Option<&str>) -> io::Result<EventSchema> {
    let text = fs::read(path).map_err(|e| io::Error::new(e.kind(), format!("{}: {e}", path.display())))?;
    let schema = EventSchema::from_discovery_slice(&text)
        .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, format!("{}: {e}", path.display())))?;
    match event {
        // Not `UNKNOWN_EVENT`: the catalog was never asked, the two arguments disagree.
        Some(event) if event != schema.name().as_str() => {
            Err(usage(format!("{}: the document defines {}, not {event}", path.display(), schema.name().as_str())))
        }
        _ => Ok(schema),
    }
}

pub(crate) fn schema(args: SchemaArgs, stdout: &mut dyn Write) -> io::Result<u8> {
    if args.list {
        for name in catalog().names() {
            writeln!(stdout, "{name}")?;
        }
        return Ok(EXIT_OK);
    }
    if let Some(dir) = &args.export {
        for path in build::write_documents(dir, catalog().iter())? {
            writeln!(stdout, "{}", path.display())?;
        }
        return Ok(EXIT_OK);
    }
    let from_doc;
    let schema = match &args.schema_doc {
        Some(path) => {
            from_doc = read_schema_doc(path, args.event.as_deref())?;
            &from_doc
        }
        None => {
            let event = args.event.unwrap_or_default();
            let Some(schema) = catalog().get(&event) else {
                let err = ValidationError::unknown_event(&event);
                serde_json::to_writer(&mut *stdout, &loop_contracts::ErrorResponse::from(&err))?;
                writeln!(stdout)?;
                return Ok(EXIT_REJECTED);
            };
            schema
        }
    };
    let text = if args.json_schema { schema.to_json_schema_string() } else { schema.to_discovery_json() };
    stdout.write_all(text.as_bytes())?;
    Ok(EXIT_OK)
}
