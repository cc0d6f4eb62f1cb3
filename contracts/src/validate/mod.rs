//! The validation engine: an [`EventSchema`]'s plan walks a `serde_json::Value`, or drives the
//! parse of JSON text (`stream.rs`), with the same judge and the same issues.
//!
//! It reproduces Zod 3's `safeParse` of the equivalent schema (`docs/platform.md` §2.1): every issue is
//! collected, in the order Zod reports them (fields in definition order, depth first), with Zod's
//! codes and messages; unknown keys are stripped from the output. Valid input never pays for
//! issue paths: a path is only rendered when an issue is recorded. The output is written in Zod's
//! key order through [`EventSchema::ordered`] (`order.rs`).

#[cfg(feature = "axum")]
pub(crate) mod axum;
pub(crate) mod document;
pub(crate) mod issue;
pub(crate) mod judge;
mod order;
mod output;
mod overflow;
pub(crate) mod stream;
mod validated;
pub(crate) mod walk;

use std::borrow::Cow;

use serde_json::Value;

use crate::schema::EventSchema;
pub use document::JsonDocument;
pub use issue::{ErrorBody, ErrorCode, ErrorResponse, Issue, IssueCode, ValidationError};
pub use order::Ordered;
use output::{copy_object, strip_object};
pub use validated::Validated;
use walk::{Walk, ROOT};

impl EventSchema {
    /// Validates a payload; on success returns the validated payload with unknown keys stripped.
    ///
    /// ```
    /// use loop_contracts::catalog;
    /// use serde_json::json;
    ///
    /// let schema = catalog().get("lead.captured.v1").unwrap();
    /// let data = schema.validate(&json!({
    ///     "eventId": "550e8400-e29b-41d4-a716-446655440000",
    ///     "occurredAt": "2026-05-19T12:00:00Z",
    ///     "brandId": "6f1c2a9e-1b7d-4c1e-9a55-2f1a3b4c5d6e",
    ///     "email": "user@example.com",
    ///     "source": "inbound_lead",
    ///     "attribution": {"utm_source": "newsletter"},
    ///     "personId": null,
    ///     "unknown": "stripped",
    /// })).unwrap();
    /// assert!(data.get("unknown").is_none());
    /// ```
    pub fn validate(&self, payload: &Value) -> Result<Value, ValidationError> {
        self.check(payload)?;
        Ok(copy_object(self.fields(), payload))
    }

    /// Validates a payload given as JSON bytes, as the platform does with a request body: read as
    /// `JSON.parse` reads it (see [`JsonDocument`]: a number beyond a double is an infinity), then
    /// validated. Returns what the platform keeps and forwards, with unknown keys stripped and
    /// each accepted infinity written as `null` (as `JSON.stringify` writes it); bytes that are
    /// not JSON are `MALFORMED_REQUEST`.
    ///
    /// ```
    /// use loop_contracts::{catalog, ErrorCode};
    ///
    /// let schema = catalog().get("form.submitted.v1").unwrap();
    /// let data = schema.validate_slice(br#"{
    ///     "eventId": "550e8400-e29b-41d4-a716-446655440000", "occurredAt": "2026-05-19T12:00:00Z",
    ///     "brandId": "6f1c2a9e-1b7d-4c1e-9a55-2f1a3b4c5d6e", "provider": "typeform",
    ///     "formId": "f1", "responseId": "r1", "answers": [], "score": 1e999
    /// }"#)?;
    /// assert!(data["score"].is_null()); // Infinity, as JSON.stringify writes it
    ///
    /// let err = schema.validate_slice(b"{\"eventId\": ").unwrap_err();
    /// assert_eq!(err.code(), ErrorCode::MalformedRequest);
    /// # Ok::<(), loop_contracts::ValidationError>(())
    /// ```
    pub fn validate_slice(&self, bytes: &[u8]) -> Result<Value, ValidationError> {
        let document =
            JsonDocument::from_slice(bytes).map_err(|e| ValidationError::malformed(format!("malformed JSON: {e}")))?;
        self.validate_document(document)
    }

    /// [`validate_slice`](Self::validate_slice) for text.
    ///
    /// ```
    /// let schema = loop_contracts::catalog().get("order.completed.v1").unwrap();
    /// let err = schema.validate_str(r#"{"lineItems": [{"quantity": 1e999}]}"#).unwrap_err();
    /// let issue = err.issues().iter().find(|i| i.path == "lineItems.0.quantity").unwrap();
    /// assert_eq!(issue.message, "Expected integer, received float");
    /// ```
    pub fn validate_str(&self, text: &str) -> Result<Value, ValidationError> {
        self.validate_slice(text.as_bytes())
    }

    /// Validates a parsed [`JsonDocument`]: the verdict and issues Zod gives the text it was read
    /// from, and on success what the platform forwards (see [`validate_slice`](Self::validate_slice)).
    ///
    /// ```
    /// use loop_contracts::JsonDocument;
    ///
    /// let schema = loop_contracts::catalog().get("lead.captured.v1").unwrap();
    /// let doc = JsonDocument::from_str(r#"{"email": -1e999}"#).unwrap();
    /// let err = schema.validate_document(doc).unwrap_err();
    /// assert_eq!(err.issues()[3].message, "Expected string, received number");
    /// ```
    pub fn validate_document(&self, document: JsonDocument) -> Result<Value, ValidationError> {
        // Each infinity holds a stand-in that every check answers as it answers ±Infinity (a
        // number, not an integer), so the engine needs no knowledge of them; only the output
        // must show them as the platform forwards them.
        let JsonDocument { value, infinities } = document;
        let mut data = self.validate_owned(value)?;
        if let Some(marks) = infinities {
            marks.null_out(&mut data);
        }
        Ok(data)
    }

    /// The verdict on JSON bytes, read as the platform reads them: `Ok(())` when the payload is
    /// valid, every issue in Zod's order otherwise, and `MALFORMED_REQUEST` for bytes that are not
    /// JSON. The fastest way from bytes to a verdict: the schema checks each value as it is parsed,
    /// skips unknown keys without keeping them and builds no `Value` (see
    /// [`validate_slice_into`](Self::validate_slice_into) for the output too).
    ///
    /// ```
    /// let schema = loop_contracts::catalog().get("lead.captured.v1").unwrap();
    /// let err = schema.check_slice(br#"{"source": "billboard", "email": "nope", "email": "ana@example.com"}"#).unwrap_err();
    /// let paths: Vec<&str> = err.issues().iter().map(|i| i.path.as_str()).collect();
    /// // Zod's order (the definition's), and the last of a repeated key, as `JSON.parse` keeps.
    /// assert_eq!(paths, ["eventId", "occurredAt", "brandId", "source", "attribution"]);
    /// ```
    pub fn check_slice(&self, bytes: &[u8]) -> Result<(), ValidationError> {
        // Text serde_json refuses (not JSON, or a number beyond a double) takes the document path,
        // which gives the platform's reading of it.
        std::str::from_utf8(bytes)
            .ok()
            .and_then(|text| self.check_streamed(text))
            .unwrap_or_else(|| self.validate_slice(bytes).map(drop))
    }

    /// The parse-driven verdict, or `None` when the pass cannot give it: serde_json refuses the
    /// text, or the schema declares a name twice.
    pub(crate) fn check_streamed(&self, text: &str) -> Option<Result<(), ValidationError>> {
        self.read_streamed(text, None).map(verdict)
    }

    /// The parse-driven pass: every issue (none when valid), the output appended to `out` when
    /// one is given; `None` when serde_json refuses the text or the schema declares a name twice
    /// (see `stream.rs`), and then what `out` holds past its old end is unspecified.
    fn read_streamed(&self, text: &str, out: Option<&mut Vec<u8>>) -> Option<Vec<Issue>> {
        if !self.plan.names_unique {
            return None;
        }
        stream::read(&self.plan, text, out).ok()
    }

    /// Validates JSON bytes and, when the payload is valid, appends the platform's output to
    /// `out` as compact JSON text: unknown keys stripped, keys in Zod's order, each accepted
    /// infinity as `null`; the same bytes as serializing [`validate_slice`](Self::validate_slice)'s
    /// result through [`ordered`](Self::ordered), without building a `Value`. On `Err`, `out` is
    /// left as it was.
    ///
    /// ```
    /// let schema = loop_contracts::catalog().get("customer.created.v1").unwrap();
    /// let mut out = Vec::new();
    /// schema.validate_slice_into(br#"{
    ///     "customerId": "42", "platform": "shopify", "tracking": {"pixel": true},
    ///     "eventId": "550e8400-e29b-41d4-a716-446655440000", "occurredAt": "2026-05-19T12:00:00Z",
    ///     "brandId": "6f1c2a9e-1b7d-4c1e-9a55-2f1a3b4c5d6e"
    /// }"#, &mut out)?;
    /// assert_eq!(out, br#"{"eventId":"550e8400-e29b-41d4-a716-446655440000","occurredAt":"2026-05-19T12:00:00Z","brandId":"6f1c2a9e-1b7d-4c1e-9a55-2f1a3b4c5d6e","platform":"shopify","customerId":"42"}"#);
    /// # Ok::<(), loop_contracts::ValidationError>(())
    /// ```
    pub fn validate_slice_into(&self, bytes: &[u8], out: &mut Vec<u8>) -> Result<(), ValidationError> {
        let start = out.len();
        let streamed = std::str::from_utf8(bytes).ok().and_then(|text| self.read_streamed(text, Some(&mut *out)));
        if let Some(issues) = streamed {
            let verdict = verdict(issues);
            if verdict.is_err() {
                out.truncate(start);
            }
            return verdict;
        }
        out.truncate(start);
        let data = self.validate_slice(bytes)?;
        // Writing a `Value` into a `Vec` cannot fail.
        let _ = serde_json::to_writer(&mut *out, &self.ordered(&data));
        Ok(())
    }

    /// Like [`validate`](Self::validate), but strips unknown keys in place instead of copying.
    ///
    /// ```
    /// use serde_json::json;
    ///
    /// let schema = loop_contracts::catalog().get("lead.captured.v1").unwrap();
    /// let payload = json!({
    ///     "eventId": "550e8400-e29b-41d4-a716-446655440000", "occurredAt": "2026-05-19T12:00:00Z",
    ///     "brandId": "6f1c2a9e-1b7d-4c1e-9a55-2f1a3b4c5d6e", "email": "user@example.com",
    ///     "source": "other", "attribution": {}, "unknown": "stripped",
    /// });
    /// let data = schema.validate_owned(payload).unwrap();
    /// assert!(data.get("unknown").is_none());
    /// assert_eq!(data["email"], "user@example.com");
    /// ```
    pub fn validate_owned(&self, mut payload: Value) -> Result<Value, ValidationError> {
        self.check(&payload)?;
        if !self.is_stripped(&payload) {
            strip_object(self.fields(), &mut payload);
        }
        Ok(payload)
    }

    /// Like [`validate`](Self::validate), but copies only when the output differs from the input
    /// (an unknown key to strip): most payloads come back borrowed, at no cost beyond the check.
    ///
    /// ```
    /// use std::borrow::Cow;
    /// use serde_json::json;
    ///
    /// let schema = loop_contracts::catalog().get("lead.captured.v1").unwrap();
    /// let mut payload = json!({
    ///     "eventId": "550e8400-e29b-41d4-a716-446655440000", "occurredAt": "2026-05-19T12:00:00Z",
    ///     "brandId": "6f1c2a9e-1b7d-4c1e-9a55-2f1a3b4c5d6e", "email": "user@example.com",
    ///     "source": "other", "attribution": {},
    /// });
    /// assert!(matches!(schema.validate_cow(&payload), Ok(Cow::Borrowed(_))));
    /// payload["unknown"] = json!("stripped");
    /// let data = schema.validate_cow(&payload).unwrap();
    /// assert!(matches!(data, Cow::Owned(_)) && data.get("unknown").is_none());
    /// ```
    pub fn validate_cow<'a>(&self, payload: &'a Value) -> Result<Cow<'a, Value>, ValidationError> {
        self.check(payload)?;
        Ok(if self.is_stripped(payload) {
            Cow::Borrowed(payload)
        } else {
            Cow::Owned(copy_object(self.fields(), payload))
        })
    }

    /// Whether stripping a valid payload would leave it as it is.
    pub(super) fn is_stripped(&self, payload: &Value) -> bool {
        matches!(payload, Value::Object(map) if self.plan.is_stripped(map))
    }

    /// The verdict alone: `Ok(())` when the payload is valid, every issue otherwise.
    ///
    /// ```
    /// use serde_json::json;
    ///
    /// let schema = loop_contracts::catalog().get("lead.captured.v1").unwrap();
    /// let err = schema.check(&json!({"email": "not-an-email"})).unwrap_err();
    /// let paths: Vec<&str> = err.issues().iter().map(|i| i.path.as_str()).collect();
    /// assert_eq!(paths, ["eventId", "occurredAt", "brandId", "email", "source", "attribution"]);
    /// ```
    pub fn check(&self, payload: &Value) -> Result<(), ValidationError> {
        verdict(self.issues(payload))
    }

    /// The verdict alone, as fast as it can be had: no issues are collected.
    ///
    /// ```
    /// use serde_json::json;
    ///
    /// let schema = loop_contracts::catalog().get("lead.captured.v1").unwrap();
    /// assert!(!schema.is_valid(&json!({"email": "user@example.com"})));
    /// assert!(!schema.is_valid(&json!([]))); // a payload is an object
    /// ```
    pub fn is_valid(&self, payload: &Value) -> bool {
        matches!(payload, Value::Object(map) if self.plan.is_valid(map))
    }

    /// Every issue of a payload, in Zod's order; empty when it is valid.
    ///
    /// ```
    /// use loop_contracts::IssueCode;
    /// use serde_json::json;
    ///
    /// let schema = loop_contracts::catalog().get("lead.captured.v1").unwrap();
    /// let issues = schema.issues(&json!({"email": "not-an-email"}));
    /// assert_eq!((issues[3].path.as_str(), issues[3].code), ("email", IssueCode::InvalidString));
    /// assert_eq!(issues[3].message, "Invalid email");
    /// ```
    pub fn issues(&self, payload: &Value) -> Vec<Issue> {
        // The bookkeeping-free verdict first: most payloads are valid, and an invalid one usually
        // fails it within a field or two.
        if self.is_valid(payload) {
            return Vec::new();
        }
        let mut walk = Walk::default();
        walk.object(&ROOT, &self.plan, payload);
        walk.issues
    }
}

/// `Ok(())` for no issues, the error that lists them otherwise.
fn verdict(issues: Vec<Issue>) -> Result<(), ValidationError> {
    if issues.is_empty() {
        Ok(())
    } else {
        Err(ValidationError::from_issues(issues))
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use crate::schema::{EventName, EventSchema, Field, FieldType};

    /// What Zod 3 reports for `Infinity` (and `-Infinity`) at a field of each type, measured with
    /// `zod@3.25.76`: `None` when it accepts it. The match is exhaustive on purpose: a new type, or
    /// a bound on `number`/`integer` (which an infinity would exceed where the stand-in does not),
    /// stops this test from compiling until the stand-in's equivalence is reconsidered.
    fn zod_on_infinity(ty: &FieldType) -> Option<&'static str> {
        match ty {
            FieldType::String { .. } | FieldType::Uuid | FieldType::Datetime | FieldType::Email | FieldType::Url => {
                Some("Expected string, received number")
            }
            FieldType::Enum(_) => Some("Expected 'a' | 'b', received number"),
            FieldType::Integer => Some("Expected integer, received float"),
            FieldType::Number => None,
            FieldType::Boolean => Some("Expected boolean, received number"),
            FieldType::Record | FieldType::Object(_) => Some("Expected object, received number"),
            FieldType::Array(_) => Some("Expected array, received number"),
        }
    }

    #[test]
    fn the_stand_in_of_an_infinity_gets_zod_s_verdict_at_every_field_type() {
        let types = [
            FieldType::String { min_length: Some(1), max_length: Some(3) },
            FieldType::Uuid,
            FieldType::Datetime,
            FieldType::Email,
            FieldType::Url,
            FieldType::Enum(vec!["a".into(), "b".into()]),
            FieldType::Integer,
            FieldType::Number,
            FieldType::Boolean,
            FieldType::Record,
            FieldType::Object(vec![Field::required("x", FieldType::Number)]),
            FieldType::Array(Box::new(FieldType::Number)),
        ];
        for ty in types {
            for required in [true, false] {
                let field = if required { Field::required("f", ty.clone()) } else { Field::optional("f", ty.clone()) };
                let schema = EventSchema::new(EventName::parse("t.infinity.v1").unwrap(), vec![field]);
                for literal in ["1e999", "-1e999", "123e400"] {
                    let result = schema.validate_str(&format!(r#"{{"f": {literal}}}"#));
                    match (zod_on_infinity(&ty), result) {
                        (None, Ok(data)) => assert_eq!(data, json!({"f": null}), "{ty:?} {literal}"),
                        (Some(message), Err(err)) => {
                            let issues: Vec<_> =
                                err.issues().iter().map(|i| (i.path.as_str(), i.code.as_str(), &*i.message)).collect();
                            assert_eq!(issues, [("f", "invalid_type", message)], "{ty:?} {literal}");
                        }
                        (want, got) => panic!("{ty:?} {literal}: Zod {want:?}, ours {got:?}"),
                    }
                }
            }
        }
    }
}
