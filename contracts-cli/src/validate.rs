//! `loop-contracts validate`: payloads or envelopes checked as the platform would, one result line
//! per file (per line with `--jsonl`).

use std::io::{self, BufWriter, Read, Write};
use std::path::{Path, PathBuf};

use clap::Args;
use serde::Serialize;
use serde_json::Value;

use loop_contracts::catalog;
use loop_contracts::ErrorCode;
use loop_contracts::EventSchema;
use loop_contracts::JsonDocument;
use loop_contracts::Ordered;
use loop_contracts::ValidationError;

use crate::envelope;
use crate::exit::{usage, EXIT_OK, EXIT_REJECTED};
use crate::input::{for_each_line, open_input, place};
use crate::schema::read_schema_doc;

#[derive(Debug, Args)]
pub(crate) struct ValidateArgs {
    /// The event name, e.g. lead.captured.v1. Optional when the inputs are envelopes
    /// (`{"event": "<name>", "payload": {...}}`, what `transform` prints) or with --schema-doc; an
    /// argument not of the form `<domain>.<action>.v<N>` is taken as the first FILE.
    #[arg(value_name = "EVENT")]
    event: Option<String>,
    /// The inputs, validated in order with one result line each (one per line with --jsonl); `-`
    /// or nothing reads standard input. Each is a payload or an envelope.
    #[arg(value_name = "FILE")]
    files: Vec<PathBuf>,
    /// Read one payload (or envelope) per line and print one result line each.
    #[arg(long)]
    jsonl: bool,
    /// Validate against this discovery document instead of the built-in catalog (EVENT, if
    /// given, must be the event it defines).
    #[arg(long, value_name = "FILE")]
    schema_doc: Option<PathBuf>,
}

/// An accepted document's result line; `data` comes out in the schema's field order, as the
/// platform's (Zod's) output does.
#[derive(Serialize)]
struct Accepted<'a> {
    ok: bool,
    event: &'a str,
    data: Ordered<'a>,
}

/// What `validate` checks documents against: one event fixed by the command line (its schema, or
/// `UNKNOWN_EVENT` for a name outside the catalog), or, without one, each envelope's own event.
enum Against {
    /// The `EVENT` argument's or the `--schema-doc`'s event.
    Fixed { event: String, schema: Result<EventSchema, ValidationError> },
    /// Each document's envelope names its event, looked up in the catalog.
    Envelopes,
}

impl Against {
    /// The event's name and schema for this document (a usage error when the two disagree or
    /// neither names one).
    fn schema_for<'a>(
        &'a self,
        enveloped: Option<&'a str>,
        payload: &Value,
        place: impl FnOnce() -> String,
    ) -> io::Result<(&'a str, Result<&'a EventSchema, ValidationError>)> {
        Ok(match self {
            Against::Fixed { event, schema } => {
                let event = envelope::event_of(Some(event), enveloped, payload, place)?;
                (event, schema.as_ref().map_err(Clone::clone))
            }
            Against::Envelopes => {
                let event = envelope::event_of(None, enveloped, payload, place)?;
                (event, catalog().get(event).ok_or_else(|| ValidationError::unknown_event(event)))
            }
        })
    }
}

/// The `MALFORMED_REQUEST` error of a document that is not JSON. `line` is the document's line
/// number in `--jsonl` input (of `validate` and `send`), where serde's own position (always line 1)
/// would mislead; a blank line is a line, and gets this error too, so results stay aligned with
/// the input.
pub(crate) fn malformed_json(error: &serde_json::Error, bytes: &[u8], line: Option<u64>) -> ValidationError {
    ValidationError::malformed(match line {
        None => format!("malformed JSON: {error}"),
        Some(n) if bytes.iter().all(u8::is_ascii_whitespace) => format!("malformed JSON: input line {n} is empty"),
        Some(n) => {
            let text = error.to_string();
            let reason = text.rsplit_once(" at line ").map_or(text.as_str(), |(reason, _)| reason);
            format!("malformed JSON at input line {n}, column {}: {reason}", error.column())
        }
    })
}

/// Whether a document may be an envelope, which only an object whose first key is `event` or
/// `payload` can be (an envelope has exactly those two keys). A first key with an escape in it
/// counts as a maybe: the test reads bytes, not JSON.
fn may_be_envelope(bytes: &[u8]) -> bool {
    let mut rest = bytes.trim_ascii_start();
    let Some(after) = rest.strip_prefix(b"{") else { return false };
    rest = after.trim_ascii_start();
    let Some(after) = rest.strip_prefix(b"\"") else { return true };
    match after.iter().position(|&b| b == b'"' || b == b'\\') {
        Some(end) if after[end] == b'"' => matches!(&after[..end], b"event" | b"payload"),
        _ => true,
    }
}

/// Checks documents and writes their result lines, keeping the buffers of the fast path between
/// documents.
struct Validator<'a> {
    against: &'a Against,
    /// For a fixed event, what each accepted document's line starts with: `{"ok":true,"event":E,"data":`.
    accepted_prefix: Vec<u8>,
    /// The result line being written.
    line: Vec<u8>,
}

impl<'a> Validator<'a> {
    fn new(against: &'a Against) -> Self {
        let mut accepted_prefix = Vec::new();
        if let Against::Fixed { event, schema: Ok(_) } = against {
            accepted_prefix.extend_from_slice(br#"{"ok":true,"event":"#);
            // Serializing a string into a `Vec` cannot fail.
            let _ = serde_json::to_writer(&mut accepted_prefix, event);
            accepted_prefix.extend_from_slice(br#","data":"#);
        }
        Validator { against, accepted_prefix, line: Vec::new() }
    }

    /// Validates one document and writes its result line; `true` when it was accepted. `line` is
    /// the document's line number in `--jsonl` input, where serde's own position (always line 1)
    /// would mislead. A document that names no event, or another than the command line's, is a
    /// usage error (after the lines before it were written).
    ///
    /// A plain payload of a fixed event takes the parse-driven path (no `Value` is built, the
    /// output is written as the bytes are read); envelopes, and text that is not JSON (whose
    /// message names the input line), take [`validate_one`].
    fn validate(&mut self, bytes: &[u8], input: &Path, line: Option<u64>, out: &mut impl Write) -> io::Result<bool> {
        let Against::Fixed { schema: Ok(schema), .. } = self.against else {
            return validate_one(self.against, bytes, input, line, out);
        };
        if may_be_envelope(bytes) {
            return validate_one(self.against, bytes, input, line, out);
        }
        self.line.clear();
        self.line.extend_from_slice(&self.accepted_prefix);
        match schema.validate_slice_into(bytes, &mut self.line) {
            Ok(()) => {
                self.line.extend_from_slice(b"}\n");
                out.write_all(&self.line)?;
                Ok(true)
            }
            Err(e) if e.code() == ErrorCode::MalformedRequest => validate_one(self.against, bytes, input, line, out),
            Err(e) => refused(&e, out),
        }
    }
}

/// Writes a refused document's result line, the platform's error response; `false`.
fn refused(error: &ValidationError, out: &mut impl Write) -> io::Result<bool> {
    serde_json::to_writer(&mut *out, &loop_contracts::ErrorResponse::from(error))?;
    out.write_all(b"\n")?;
    Ok(false)
}

/// Validates one document through a `JsonDocument` and writes its result line (see
/// [`Validator::validate`]).
fn validate_one(
    against: &Against,
    bytes: &[u8],
    input: &Path,
    line: Option<u64>,
    out: &mut impl Write,
) -> io::Result<bool> {
    let document = match JsonDocument::from_slice(bytes) {
        Ok(document) => document,
        Err(e) => return refused(&malformed_json(&e, bytes, line), out),
    };
    let (enveloped, payload) = envelope::open_document(document);
    let (event, schema) = against.schema_for(enveloped.as_deref(), &payload.forwarded(), || place(input, line))?;
    // What the platform keeps and forwards: unknown keys stripped, an accepted infinity (a number
    // literal beyond a double, which `JSON.parse` reads as one) written as `null`.
    match schema.and_then(|schema| Ok((schema, schema.validate_document(payload)?))) {
        Ok((schema, data)) => {
            serde_json::to_writer(&mut *out, &Accepted { ok: true, event, data: schema.ordered(&data) })?;
            out.write_all(b"\n")?;
            Ok(true)
        }
        Err(e) => refused(&e, out),
    }
}

pub(crate) fn validate(args: ValidateArgs, stdin: &mut dyn Read, stdout: &mut dyn Write) -> io::Result<u8> {
    let mut inputs = args.files;
    let event = envelope::split_event(args.event, &mut inputs);
    // The first input may be a mistyped event name; if it cannot be opened, say so.
    let demoted = event.is_none() && !inputs.is_empty();
    if inputs.is_empty() {
        inputs.push(PathBuf::from("-"));
    }
    if inputs.iter().filter(|p| p.as_path() == Path::new("-")).count() > 1 {
        return Err(usage("standard input (`-`) can be read only once"));
    }
    let against = match (&args.schema_doc, event) {
        (Some(path), event) => {
            let schema = read_schema_doc(path, event.as_deref())?;
            Against::Fixed { event: schema.name().as_str().to_owned(), schema: Ok(schema) }
        }
        (None, Some(event)) => {
            let schema = catalog().get(&event).cloned().ok_or_else(|| ValidationError::unknown_event(&event));
            Against::Fixed { event, schema }
        }
        (None, None) => Against::Envelopes,
    };
    let mut out = BufWriter::with_capacity(1 << 16, stdout);
    let mut validator = Validator::new(&against);
    let mut all_ok = true;
    for (index, path) in inputs.iter().enumerate() {
        let input = match open_input(Some(path), stdin) {
            Ok(input) => input,
            Err(e) if index == 0 && demoted => return Err(envelope::not_an_event_hint(e, path)),
            Err(e) => return Err(e),
        };
        if args.jsonl {
            for_each_line(input, |number, bytes| {
                all_ok &= validator.validate(bytes, path, Some(number), &mut out)?;
                Ok(())
            })?;
        } else {
            let mut bytes = Vec::new();
            let mut input = input;
            input.read_to_end(&mut bytes)?;
            // An empty standard input with no event named anywhere is a command that was not
            // finished (`loop-contracts validate` alone), not a malformed payload.
            if matches!(against, Against::Envelopes) && bytes.iter().all(u8::is_ascii_whitespace) {
                return Err(usage(format!(
                    "{}: empty, and no EVENT was given (`validate EVENT [FILE|-]...`)",
                    place(path, None)
                )));
            }
            all_ok &= validator.validate(&bytes, path, None, &mut out)?;
        }
    }
    out.flush()?;
    Ok(if all_ok { EXIT_OK } else { EXIT_REJECTED })
}

#[cfg(test)]
mod tests {
    use super::may_be_envelope;

    #[test]
    fn only_an_object_whose_first_key_is_event_or_payload_may_be_an_envelope() {
        for maybe in [
            r#"{"event": "lead.captured.v1", "payload": {}}"#,
            r#" {  "payload": {}, "event": "x"}"#,
            r#"{"\u0065vent": "x", "payload": {}}"#,
            r#"{"pay\"load": 1}"#,
            "{}",
            "{",
            r#"{"event"#,
        ] {
            assert!(may_be_envelope(maybe.as_bytes()), "{maybe}");
        }
        for plain in [r#"{"eventId": "x"}"#, r#"{"events": 1}"#, r#"[{"event": "x"}]"#, "", "null"] {
            assert!(!may_be_envelope(plain.as_bytes()), "{plain}");
        }
    }
}
