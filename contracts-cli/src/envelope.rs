//! Which event a document is: the `EVENT` argument, or the envelope `transform` prints
//! (`{"event": "<name>", "payload": {...}}`), so that commands chain without `jq .payload`.

use std::io;
use std::path::PathBuf;

use loop_contracts::schema::EventName;
use loop_contracts::JsonDocument;
use serde_json::Value;

use crate::exit::usage;

/// Splits a command's optional `EVENT` from its inputs: the first argument is the event name when
/// it has an event name's form (`<domain>.<action>.v<N>`), and otherwise the first input, whose
/// envelope then names the event. `-` is always an input.
///
/// The form decides, not the file system: `validate lead.captured.v1` means the event whether or
/// not a file of that name exists, and a misspelt name is not silently read as a file (see
/// [`not_an_event_hint`]).
pub(crate) fn split_event(first: Option<String>, inputs: &mut Vec<PathBuf>) -> Option<String> {
    match first {
        Some(text) if text != "-" && EventName::parse(&text).is_ok() => Some(text),
        Some(text) => {
            inputs.insert(0, PathBuf::from(text));
            None
        }
        None => None,
    }
}

/// When an input that stood where the event name goes cannot be opened, the reason it was not
/// taken as an event name: `validate lead.captured` would otherwise only say "No such file".
pub(crate) fn not_an_event_hint(error: io::Error, input: &std::path::Path) -> io::Error {
    match EventName::parse(&input.to_string_lossy()) {
        Err(not_a_name) if error.kind() == io::ErrorKind::NotFound => {
            io::Error::new(error.kind(), format!("{error}; nor is it an event name: {}", not_a_name.reason()))
        }
        _ => error,
    }
}

/// A document's event and payload: an envelope's, or the plain payload's with the event named
/// elsewhere. (`send` and `outbox enqueue` read documents as `Value`s; `validate` as the platform reads them, through
/// [`open_document`].)
#[cfg(any(feature = "client", feature = "outbox-sqlite", feature = "outbox-postgres"))]
pub(crate) struct Document {
    /// The envelope's event, `None` for a plain payload.
    pub(crate) event: Option<String>,
    /// The payload.
    pub(crate) payload: Value,
}

/// Reads `value` as an envelope when it is one: a JSON object with exactly the keys `event` (a
/// string) and `payload` (an object), which no event payload is (every one has an `eventId`).
/// Anything else is a plain payload, returned as it is.
///
/// The test is two length and type checks, so that `validate EVENT --jsonl` pays next to
/// nothing for it on plain payloads.
#[cfg(any(feature = "client", feature = "outbox-sqlite", feature = "outbox-postgres"))]
pub(crate) fn open(value: Value) -> Document {
    if envelope_event(&value).is_none() {
        return Document { event: None, payload: value };
    }
    let Value::Object(mut map) = value else { unreachable!("an envelope is an object") };
    let (Some(Value::String(event)), Some(payload)) = (map.remove("event"), map.remove("payload")) else {
        unreachable!("both keys were just checked");
    };
    Document { event: Some(event), payload }
}

/// [`open`] for a document read as the platform reads it: the payload keeps the infinities (number
/// literals beyond a double) it holds, so that it is validated as the platform validates it.
pub(crate) fn open_document(mut document: JsonDocument) -> (Option<String>, JsonDocument) {
    // An infinity is neither a string nor an object, and `null` (how the forwarded view shows one)
    // is neither either: the view answers the envelope test as the document would.
    let Some(event) = envelope_event(&document.forwarded()).map(str::to_owned) else { return (None, document) };
    match document.take("payload") {
        Some(payload) => (Some(event), payload),
        None => unreachable!("the envelope test found the payload"),
    }
}

/// The event an envelope names; `None` for anything that is not an envelope.
fn envelope_event(value: &Value) -> Option<&str> {
    match value {
        Value::Object(map) if map.len() == 2 && map.get("payload").is_some_and(Value::is_object) => {
            map.get("event").and_then(Value::as_str)
        }
        _ => None,
    }
}

/// The event a document is validated or sent as: the given one (the `EVENT` argument or a
/// `--schema-doc`'s), which an envelope must agree with, or the envelope's. `place` names the
/// document in messages (`payload.json`, `standard input line 3`).
///
/// Errors are usage errors: the command was told two different events, or none.
pub(crate) fn event_of<'a>(
    given: Option<&'a str>,
    enveloped: Option<&'a str>,
    payload: &Value,
    place: impl FnOnce() -> String,
) -> io::Result<&'a str> {
    match (given, enveloped) {
        (Some(given), Some(enveloped)) if given != enveloped => Err(usage(format!(
            "{}: the envelope's event is {enveloped}, not {given} (leave EVENT out to take the envelope's)",
            place()
        ))),
        (Some(given), _) => Ok(given),
        (None, Some(enveloped)) => Ok(enveloped),
        (None, None) => Err(usage(format!("{}: {}", place(), no_event(payload)))),
    }
}

/// Why a plain document has no event, with what to do about it.
fn no_event(payload: &Value) -> String {
    // A failed `transform` upstream prints its error response, which then arrives here.
    if let (Some(false), Some(message)) =
        (payload.get("ok").and_then(Value::as_bool), payload.pointer("/error/message").and_then(Value::as_str))
    {
        return format!("the input is an error response, not an event: {message}");
    }
    "no event name: give EVENT, or an envelope {\"event\": \"<name>\", \"payload\": {...}} as `transform` prints"
        .to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const PLAIN: [&str; 6] = [
        r#"{"event": "lead.captured.v1", "payload": {}, "eventId": "x"}"#,
        r#"{"event": "lead.captured.v1", "payload": "{}"}"#,
        r#"{"event": 1, "payload": {}}"#,
        r#"{"event": "lead.captured.v1"}"#,
        r#"[{"event": "lead.captured.v1", "payload": {}}]"#,
        r#"{"ok": true, "event": "lead.captured.v1"}"#,
    ];

    #[cfg(feature = "client")]
    #[test]
    fn only_exactly_event_and_payload_make_an_envelope() {
        let envelope = open(json!({"event": "lead.captured.v1", "payload": {"email": "a@example.com"}}));
        assert_eq!(envelope.event.as_deref(), Some("lead.captured.v1"));
        assert_eq!(envelope.payload, json!({"email": "a@example.com"}));
        for plain in PLAIN {
            let plain: Value = serde_json::from_str(plain).unwrap();
            let document = open(plain.clone());
            assert_eq!((document.event, document.payload), (None, plain));
        }
    }

    #[test]
    fn a_document_opens_as_a_value_does_and_keeps_its_infinities() {
        let text = r#"{"event": "lead.captured.v1", "payload": {"n": 1e999, "m": [-1e999]}}"#;
        let (event, payload) = open_document(JsonDocument::from_str(text).unwrap());
        assert_eq!(event.as_deref(), Some("lead.captured.v1"));
        assert!(payload.has_infinities());
        assert_eq!(payload.into_forwarded(), json!({"n": null, "m": [null]}));
        for plain in PLAIN.iter().map(|p| p.to_string()).chain([r#"{"event": 1e999, "payload": {}}"#.to_owned()]) {
            let document = JsonDocument::from_str(&plain).unwrap();
            let forwarded = document.forwarded().into_owned();
            let (event, payload) = open_document(document);
            assert_eq!((event, payload.into_forwarded()), (None, forwarded), "{plain}");
        }
    }

    #[test]
    fn the_first_argument_is_the_event_only_in_an_event_names_form() {
        let mut inputs = vec![PathBuf::from("b.json")];
        assert_eq!(split_event(Some("lead.captured.v1".into()), &mut inputs).as_deref(), Some("lead.captured.v1"));
        assert_eq!(inputs, [PathBuf::from("b.json")]);
        for input in ["a.json", "-", "lead.captured", "./lead.captured.v1"] {
            let mut inputs = vec![PathBuf::from("b.json")];
            assert_eq!(split_event(Some(input.into()), &mut inputs), None);
            assert_eq!(inputs, [PathBuf::from(input), PathBuf::from("b.json")]);
        }
    }
}
