//! Declared transforms: the platform's `events.declare` input, compiled once and checked at
//! declaration time.
//!
//! ```json
//! {"name": "order.completed.v1", "source": "shopify", "webhookPath": "/webhooks/shopify/order-completed",
//!  "transform": {"eventId": "$.id", "occurredAt": "$.created_at", "email": "$.email"}}
//! ```
//!
//! Each field maps to one of:
//! - a JSONPath (RFC 9535): the first value it matches, as is (the platform's meaning,
//!   `docs/platform.md` §3.2). When the field is an array and the path can match several nodes,
//!   all matches form the array;
//! - `{"path": "$.a", "coerce": "datetime"}`: the same, converted (see [`Coercion`]);
//! - `{"first": ["$.email", "$.customer.email"]}`: the first path that matches a non-null value;
//! - `{"const": "shopify"}`: a constant;
//! - any of these with `"default": <value>`, used when nothing matched.
//!
//! Filters select from arrays of name/value pairs:
//! `{"path": "$.note_attributes[?@.name=='brand_id'].value"}`.
//!
//! `eventId` may be left unmapped: it is then derived from the event name and the raw body, so a
//! redelivery of the same body gets the same id. `brandId` may be left unmapped (or match
//! nothing): the integration's configured brand fills it.

use std::collections::HashSet;
use std::fmt;

use serde::de::{MapAccess, Visitor};
use serde::{Deserialize, Deserializer};
use serde_json::Value;
use sha2::{Digest, Sha256};

use super::candidate::{Candidate, InboundEvent, TransformContext};
use super::convert::{derive_event_id, utc_from_unix, utc_time};
use super::error::InboundError;
use super::source::Source;
use crate::catalog::Catalog;
use crate::jsonpath::{EvaluationError, JsonPath, JsonPathError};
use crate::schema::{EventName, FieldType};

/// How a declared value is converted before validation.
///
/// ```
/// use loop_contracts::inbound::{Coercion, Declaration};
///
/// let declaration = Declaration::parse(r#"{"name": "lead.captured.v1", "source": "custom",
///     "webhookPath": "/webhooks/crm/lead", "transform": {"email": "$.email", "source": {"const": "other"},
///     "attribution": {"const": {}}, "occurredAt": {"path": "$.created", "coerce": "datetime"}}}"#)?;
/// assert_eq!(declaration.mappings().last().unwrap().1.coerce, Some(Coercion::Datetime));
/// let candidate = declaration.candidate(br#"{"email": "ana@example.com", "created": 1764233400}"#)?;
/// assert_eq!(candidate.payload()["occurredAt"], "2025-11-27T08:50:00Z"); // Unix seconds to UTC
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub enum Coercion {
    /// Numbers and booleans to their text (integers exactly, never through a float).
    String,
    /// A time with any offset to UTC ending in `Z`; a number as Unix seconds.
    Datetime,
    /// A UUID stays as it is; any other string or number becomes a name-based UUID derived from
    /// it, the same for the same value.
    Uuid,
    /// A numeric string to a number; an integral float to an integer.
    Integer,
    /// A numeric string to a number.
    Number,
    /// `"true"`/`"false"` to booleans.
    Boolean,
}

/// Where a declared field's value comes from.
///
/// ```
/// use loop_contracts::inbound::{Declaration, ValueSource};
///
/// let declaration = Declaration::parse(r#"{"name": "lead.captured.v1", "source": "custom",
///     "webhookPath": "/webhooks/crm/lead", "transform": {"occurredAt": "$.created",
///     "email": {"first": ["$.email", "$.contact.email"]}, "source": {"const": "other"}, "attribution": "$.utm"}}"#)?;
/// let sources: Vec<&ValueSource> = declaration.mappings().map(|(_, m)| &m.from).collect();
/// assert!(matches!(sources[0], ValueSource::Path(p) if p.as_str() == "$.created"));
/// assert!(matches!(sources[1], ValueSource::First(paths) if paths.len() == 2));
/// assert_eq!(sources[2], &ValueSource::Const(serde_json::json!("other")));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub enum ValueSource {
    /// A JSONPath.
    Path(JsonPath),
    /// The first of several paths that matches a non-null value.
    First(Vec<JsonPath>),
    /// A constant.
    Const(Value),
}

/// One field's mapping.
///
/// ```
/// use loop_contracts::inbound::Coercion;
/// use serde_json::json;
/// # use loop_contracts::inbound::{Declaration, Source};
/// # let declaration = Declaration::parse(r#"{"name": "lead.captured.v1", "source": "custom",
/// #     "webhookPath": "/webhooks/crm/lead", "transform": {
/// #     "occurredAt": {"path": "$.created", "coerce": "datetime"}, "email": "$.contact.email",
/// #     "source": {"const": "inbound_lead"}, "attribution": {"path": "$.utm", "default": {}}}}"#)?;
///
/// let (field, mapping) = declaration.mappings().find(|(f, _)| *f == "attribution").unwrap();
/// assert_eq!((field, mapping.coerce, mapping.default.clone()), ("attribution", None, Some(json!({}))));
/// let (_, occurred_at) = declaration.mappings().next().unwrap();
/// assert_eq!(occurred_at.coerce, Some(Coercion::Datetime));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Mapping {
    /// Where the value comes from.
    pub from: ValueSource,
    /// The conversion applied to it.
    pub coerce: Option<Coercion>,
    /// The value used when nothing matched.
    pub default: Option<Value>,
}

/// A compiled, checked declaration.
///
/// ```
/// use loop_contracts::inbound::{Declaration, TransformContext};
///
/// let declaration = Declaration::parse(r#"{"name": "lead.captured.v1", "source": "custom",
///     "webhookPath": "/webhooks/crm/lead", "transform": {"email": "$.contact.email",
///     "occurredAt": {"path": "$.created", "coerce": "datetime"},
///     "source": {"const": "inbound_lead"}, "attribution": {"path": "$.utm", "default": {}}}}"#)?;
/// # let brand = "6f1c2a9e-1b7d-4c1e-9a55-2f1a3b4c5d6e".parse()?;
/// let body = br#"{"created": "2026-05-19T14:00:00+02:00", "contact": {"email": "ana@example.com"}}"#;
/// let event = declaration.apply(body, &TransformContext::for_brand(brand))?;
/// assert_eq!(event.payload["occurredAt"], "2026-05-19T12:00:00Z");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Declaration {
    name: EventName,
    source: Source,
    webhook_path: String,
    mappings: Vec<(String, Mapping, bool)>,
}

/// Why a declaration was refused, found when it is declared rather than at the first webhook.
///
/// ```
/// use loop_contracts::inbound::{Declaration, DeclarationError};
///
/// let no_email = r#"{"name": "lead.captured.v1", "source": "custom", "webhookPath": "/webhooks/crm/lead",
///     "transform": {"occurredAt": "$.created", "source": {"const": "other"}, "attribution": "$.utm"}}"#;
/// let err = Declaration::parse(no_email).unwrap_err();
/// assert!(matches!(&err, DeclarationError::MissingRequired { field, .. } if field == "email"));
/// assert_eq!(err.to_string(), "required field `email` of lead.captured.v1 has no mapping");
/// ```
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum DeclarationError {
    /// The text is not a declaration.
    #[error("malformed declaration: {0}")]
    Malformed(String),
    /// The event is not in the catalog.
    #[error("unknown event {0:?}: declarations map webhooks to catalog events")]
    UnknownEvent(String),
    /// The source is not one of shopify, bigcommerce, typeform, calendly, custom.
    #[error("unknown source {0:?} (expected shopify, bigcommerce, typeform, calendly or custom)")]
    UnknownSource(String),
    /// `webhookPath` is not an absolute path.
    #[error("webhookPath {0:?} must start with `/` and contain no spaces, `?` or `#`")]
    BadWebhookPath(String),
    /// A JSONPath does not parse.
    #[error("field `{field}`: {error}")]
    BadPath {
        /// The field.
        field: String,
        /// What is wrong with its path.
        error: JsonPathError,
    },
    /// A mapping names a field the event does not have.
    #[error("field `{field}` is not a field of {event} (its fields: {known})")]
    UnknownField {
        /// The field.
        field: String,
        /// The event.
        event: String,
        /// The event's fields.
        known: String,
    },
    /// A required field has no mapping, so no webhook could ever produce a valid event.
    #[error("required field `{field}` of {event} has no mapping")]
    MissingRequired {
        /// The field.
        field: String,
        /// The event.
        event: String,
    },
    /// A field is mapped twice.
    #[error("field `{0}` is mapped twice")]
    DuplicateField(String),
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct RawDeclaration {
    name: String,
    source: String,
    webhook_path: String,
    transform: RawTransform,
}

/// The `transform` object in document order (serde_json's `Value` would sort it).
struct RawTransform(Vec<(String, RawMapping)>);

impl<'de> Deserialize<'de> for RawTransform {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = RawTransform;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an object mapping each field to a JSONPath or a mapping object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RawTransform, A::Error> {
                let mut out = Vec::new();
                while let Some(key) = map.next_key::<String>()? {
                    out.push((key, map.next_value()?));
                }
                Ok(RawTransform(out))
            }
        }
        d.deserialize_map(V)
    }
}

#[derive(Deserialize)]
#[serde(untagged)]
enum RawMapping {
    Path(String),
    Spec(RawSpec),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSpec {
    #[serde(default)]
    path: Option<String>,
    #[serde(default)]
    first: Option<Vec<String>>,
    #[serde(default, rename = "const")]
    constant: Option<Value>,
    #[serde(default)]
    coerce: Option<Coercion>,
    #[serde(default)]
    default: Option<Value>,
}

/// The `{"tool": "events.declare", "input": {...}}` envelope of the platform's tool call.
#[derive(Deserialize)]
struct ToolCall {
    input: Box<serde_json::value::RawValue>,
}

impl Declaration {
    /// Parses and checks a declaration against the built-in catalog. Accepts the declaration
    /// itself or the whole `{"tool": "events.declare", "input": ...}` call.
    ///
    /// ```
    /// use loop_contracts::inbound::{Declaration, DeclarationError};
    ///
    /// let seed = r#"{"name": "order.completed.v1", "source": "shopify",
    ///     "webhookPath": "/webhooks/shopify/order-completed",
    ///     "transform": {"eventId": "$.id", "occurredAt": "$.created_at",
    ///                   "brandId": "$.note_attributes.brand_id", "email": "$.email"}}"#;
    /// let declaration = Declaration::parse(seed).unwrap();
    /// assert_eq!(declaration.webhook_path(), "/webhooks/shopify/order-completed");
    ///
    /// let bad = seed.replace("$.email", "$.email[");
    /// assert!(matches!(Declaration::parse(&bad), Err(DeclarationError::BadPath { .. })));
    /// ```
    pub fn parse(text: &str) -> Result<Declaration, DeclarationError> {
        Declaration::parse_in(text, crate::catalog())
    }

    /// [`parse`](Self::parse) against another catalog (e.g. one holding a host's own events).
    ///
    /// ```
    /// use loop_contracts::{inbound::Declaration, Catalog, EventSchema};
    ///
    /// # let mut catalog = Catalog::new();
    /// # catalog.insert(EventSchema::from_discovery_str(
    /// #     r#"{"name": "ticket.opened.v2", "fields": {"subject": {"type": "string", "required": true}}}"#,
    /// # )?);
    /// // `catalog` holds a host's own `ticket.opened.v2` (a required string `subject`)
    /// let text = r#"{"name": "ticket.opened.v2", "source": "custom", "webhookPath": "/webhooks/helpdesk",
    ///     "transform": {"subject": "$.ticket.title"}}"#;
    /// assert_eq!(Declaration::parse_in(text, &catalog)?.event().as_str(), "ticket.opened.v2");
    /// assert!(Declaration::parse(text).is_err(), "not a built-in event");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn parse_in(text: &str, catalog: &Catalog) -> Result<Declaration, DeclarationError> {
        let malformed = |e: serde_json::Error| DeclarationError::Malformed(e.to_string());
        let raw: RawDeclaration = match crate::strict::from_str::<ToolCall>(text) {
            Ok(call) => crate::strict::from_str(call.input.get()).map_err(malformed)?,
            Err(_) => crate::strict::from_str(text).map_err(malformed)?,
        };
        Declaration::compile(raw, catalog)
    }

    fn compile(raw: RawDeclaration, catalog: &Catalog) -> Result<Declaration, DeclarationError> {
        let shown = |s: &str| crate::text::clip(s, crate::text::TOKEN_CHARS);
        let schema = catalog.get(&raw.name).ok_or_else(|| DeclarationError::UnknownEvent(shown(&raw.name)))?;
        let source: Source = raw.source.parse().map_err(|_| DeclarationError::UnknownSource(shown(&raw.source)))?;
        let path_ok = raw.webhook_path.starts_with('/')
            && raw.webhook_path.len() <= 512
            && !raw.webhook_path.contains(|c: char| c.is_whitespace() || c == '?' || c == '#');
        if !path_ok {
            return Err(DeclarationError::BadWebhookPath(shown(&raw.webhook_path)));
        }
        let mut seen = HashSet::new();
        let mut mappings = Vec::new();
        for (field, raw_mapping) in raw.transform.0 {
            let Some(declared) = schema.fields().iter().find(|f| f.name == field) else {
                let known: Vec<&str> = schema.fields().iter().map(|f| f.name.as_str()).collect();
                return Err(DeclarationError::UnknownField {
                    field: shown(&field),
                    event: raw.name.clone(),
                    known: known.join(", "),
                });
            };
            if !seen.insert(field.clone()) {
                return Err(DeclarationError::DuplicateField(field));
            }
            let compile_path =
                |p: &str| JsonPath::parse(p).map_err(|error| DeclarationError::BadPath { field: field.clone(), error });
            let mapping = match raw_mapping {
                RawMapping::Path(p) => {
                    Mapping { from: ValueSource::Path(compile_path(&p)?), coerce: None, default: None }
                }
                RawMapping::Spec(spec) => {
                    let from = match (spec.path, spec.first, spec.constant) {
                        (Some(p), None, None) => ValueSource::Path(compile_path(&p)?),
                        (None, Some(list), None) if !list.is_empty() => {
                            ValueSource::First(list.iter().map(|p| compile_path(p)).collect::<Result<_, _>>()?)
                        }
                        (None, None, Some(c)) => ValueSource::Const(c),
                        _ => {
                            return Err(DeclarationError::Malformed(format!(
                                "field `{field}`: a mapping object needs exactly one of `path`, `first` (non-empty) or `const`"
                            )))
                        }
                    };
                    Mapping { from, coerce: spec.coerce, default: spec.default }
                }
            };
            let is_array = matches!(declared.ty, FieldType::Array(_));
            mappings.push((field, mapping, is_array));
        }
        for field in schema.fields() {
            let derivable = field.name == "eventId" || field.name == "brandId";
            if field.required && !derivable && !seen.contains(&field.name) {
                return Err(DeclarationError::MissingRequired { field: field.name.clone(), event: raw.name.clone() });
            }
        }
        Ok(Declaration { name: schema.name().clone(), source, webhook_path: raw.webhook_path, mappings })
    }

    /// The event produced.
    ///
    /// ```
    /// # use loop_contracts::inbound::{Declaration, Source};
    /// # let declaration = Declaration::parse(r#"{"name": "lead.captured.v1", "source": "custom",
    /// #     "webhookPath": "/webhooks/crm/lead", "transform": {
    /// #     "occurredAt": {"path": "$.created", "coerce": "datetime"}, "email": "$.contact.email",
    /// #     "source": {"const": "inbound_lead"}, "attribution": {"path": "$.utm", "default": {}}}}"#)?;
    /// assert_eq!(declaration.event().as_str(), "lead.captured.v1");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn event(&self) -> &EventName {
        &self.name
    }

    /// The source (whose signature scheme, if any, protects the route).
    ///
    /// ```
    /// # use loop_contracts::inbound::{Declaration, Source};
    /// # let declaration = Declaration::parse(r#"{"name": "lead.captured.v1", "source": "custom",
    /// #     "webhookPath": "/webhooks/crm/lead", "transform": {
    /// #     "occurredAt": {"path": "$.created", "coerce": "datetime"}, "email": "$.contact.email",
    /// #     "source": {"const": "inbound_lead"}, "attribution": {"path": "$.utm", "default": {}}}}"#)?;
    /// assert_eq!(declaration.source(), Source::Custom);
    /// assert!(declaration.source().signature_scheme().is_none());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn source(&self) -> Source {
        self.source
    }

    /// Where the webhook is received.
    ///
    /// ```
    /// # use loop_contracts::inbound::{Declaration, Source};
    /// # let declaration = Declaration::parse(r#"{"name": "lead.captured.v1", "source": "custom",
    /// #     "webhookPath": "/webhooks/crm/lead", "transform": {
    /// #     "occurredAt": {"path": "$.created", "coerce": "datetime"}, "email": "$.contact.email",
    /// #     "source": {"const": "inbound_lead"}, "attribution": {"path": "$.utm", "default": {}}}}"#)?;
    /// assert_eq!(declaration.webhook_path(), "/webhooks/crm/lead");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn webhook_path(&self) -> &str {
        &self.webhook_path
    }

    /// The field mappings in declaration order.
    ///
    /// ```
    /// # use loop_contracts::inbound::{Declaration, Source};
    /// # let declaration = Declaration::parse(r#"{"name": "lead.captured.v1", "source": "custom",
    /// #     "webhookPath": "/webhooks/crm/lead", "transform": {
    /// #     "occurredAt": {"path": "$.created", "coerce": "datetime"}, "email": "$.contact.email",
    /// #     "source": {"const": "inbound_lead"}, "attribution": {"path": "$.utm", "default": {}}}}"#)?;
    /// let fields: Vec<&str> = declaration.mappings().map(|(field, _)| field).collect();
    /// assert_eq!(fields, ["occurredAt", "email", "source", "attribution"]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn mappings(&self) -> impl Iterator<Item = (&str, &Mapping)> {
        self.mappings.iter().map(|(f, m, _)| (f.as_str(), m))
    }

    /// Applies the declaration to a raw body: the candidate event, not yet validated.
    ///
    /// ```
    /// # use loop_contracts::inbound::{Declaration, Source};
    /// # let declaration = Declaration::parse(r#"{"name": "lead.captured.v1", "source": "custom",
    /// #     "webhookPath": "/webhooks/crm/lead", "transform": {
    /// #     "occurredAt": {"path": "$.created", "coerce": "datetime"}, "email": "$.contact.email",
    /// #     "source": {"const": "inbound_lead"}, "attribution": {"path": "$.utm", "default": {}}}}"#)?;
    /// let body = br#"{"created": 1764233400, "contact": {"email": "ana@example.com"}}"#;
    /// let candidate = declaration.candidate(body)?;
    /// assert_eq!(candidate.payload()["attribution"], serde_json::json!({})); // the default
    /// assert!(candidate.payload()["eventId"].is_string(), "derived from the body");
    /// assert!(declaration.candidate(b"not json").is_err());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn candidate(&self, body: &[u8]) -> Result<Candidate, InboundError> {
        let document: Value =
            serde_json::from_slice(body).map_err(|e| InboundError::malformed("the webhook body is not JSON", e))?;
        let mut candidate = Candidate::new(self.name.clone());
        // Every path's evaluation is bounded by the body's size (`JsonPath::budget_for`).
        let budget = JsonPath::budget_for(body.len());
        for (field, mapping, is_array) in &self.mappings {
            let (value, note) = mapping.resolve(&document, *is_array, budget).map_err(|(path, error)| {
                let EvaluationError::BudgetExceeded { budget } = error;
                InboundError::BudgetExceeded {
                    field: field.clone(),
                    path: path.as_str().to_owned(),
                    budget,
                    body_bytes: body.len(),
                }
            })?;
            let value = match (value, &mapping.default) {
                (Some(v), _) => Some(v),
                (None, Some(default)) => Some(default.clone()),
                (None, None) => None,
            };
            if let Some(v) = value {
                let v = match mapping.coerce {
                    Some(c) => coerce(c, v, &format!("{}:{field}", self.name)),
                    None => v,
                };
                candidate.set(field, v);
            }
            candidate.note_source(field, note);
        }
        if !self.mappings.iter().any(|(f, ..)| f == "eventId") {
            let digest = Sha256::digest(body);
            let identity = format!("{}:{}:{}", self.source, self.name, hex::encode(digest));
            candidate.set("eventId", Value::String(derive_event_id(&identity).to_string()));
            candidate.note_source("eventId", "derived from the event name and the body");
        }
        Ok(candidate)
    }

    /// Applies the declaration and validates: the event, or every issue (each naming the path
    /// that matched nothing or the wrong type).
    ///
    /// ```
    /// use loop_contracts::inbound::TransformContext;
    /// # use loop_contracts::inbound::{Declaration, Source};
    /// # let declaration = Declaration::parse(r#"{"name": "lead.captured.v1", "source": "custom",
    /// #     "webhookPath": "/webhooks/crm/lead", "transform": {
    /// #     "occurredAt": {"path": "$.created", "coerce": "datetime"}, "email": "$.contact.email",
    /// #     "source": {"const": "inbound_lead"}, "attribution": {"path": "$.utm", "default": {}}}}"#)?;
    /// let context = TransformContext::default(); // no configured brand
    /// let body = br#"{"created": 1764233400, "contact": {"email": "ana@example.com"}, "brand": null}"#;
    /// let err = declaration.apply(body, &context).unwrap_err().to_validation_error();
    /// assert_eq!(err.issues()[0].path, "brandId");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn apply(&self, body: &[u8], context: &TransformContext) -> Result<InboundEvent, InboundError> {
        let mut candidate = self.candidate(body)?;
        candidate.apply_context(context);
        candidate.validate()
    }
}

impl Mapping {
    /// The value and a note on where it came from, or the path that ran out of budget.
    fn resolve(
        &self,
        document: &Value,
        is_array: bool,
        budget: u64,
    ) -> Result<(Option<Value>, String), (&JsonPath, EvaluationError)> {
        match &self.from {
            ValueSource::Const(c) => Ok((Some(c.clone()), "a constant".to_owned())),
            ValueSource::Path(path) => select(path, document, is_array, budget).map_err(|e| (path, e)),
            ValueSource::First(paths) => {
                for path in paths {
                    let (value, note) = select(path, document, is_array, budget).map_err(|e| (path, e))?;
                    if value.as_ref().is_some_and(|v| !v.is_null()) {
                        return Ok((value, note));
                    }
                }
                let tried: Vec<&str> = paths.iter().map(JsonPath::as_str).collect();
                Ok((None, format!("none of `{}` matched a value", tried.join("`, `"))))
            }
        }
    }
}

fn select(
    path: &JsonPath,
    document: &Value,
    is_array: bool,
    budget: u64,
) -> Result<(Option<Value>, String), EvaluationError> {
    if is_array && !path.is_singular() {
        let nodes = path.try_query(document, budget)?;
        let note = format!("from `{path}` ({} match(es))", nodes.len());
        return Ok((Some(Value::Array(nodes.into_iter().cloned().collect())), note));
    }
    let found = path.try_first(document, budget)?;
    Ok((found.cloned(), describe_match(path.as_str(), found)))
}

/// Applies a coercion; a value it cannot convert is left as it is, for validation to report. A
/// number whose digits JSON parsing rounded is not made into an id (text or UUID): it would name
/// another object.
fn coerce(coercion: Coercion, value: Value, namespace: &str) -> Value {
    use crate::schema::format::{is_rounded_number, is_rounded_whole};
    match (coercion, &value) {
        (Coercion::String | Coercion::Uuid, Value::Number(n)) if is_rounded_number(n) => value,
        (Coercion::String, Value::Number(n)) => Value::String(n.to_string()),
        (Coercion::String, Value::Bool(b)) => Value::String(b.to_string()),
        (Coercion::Datetime, Value::String(s)) => utc_time(s).map_or(value, Value::String),
        (Coercion::Datetime, Value::Number(n)) => n.as_i64().and_then(utc_from_unix).map_or(value, Value::String),
        (Coercion::Uuid, Value::String(s)) if crate::schema::format::is_uuid(s) => value,
        (Coercion::Uuid, Value::String(s)) if !s.is_empty() => {
            Value::String(derive_event_id(&format!("{namespace}:{s}")).to_string())
        }
        (Coercion::Uuid, Value::Number(n)) => Value::String(derive_event_id(&format!("{namespace}:{n}")).to_string()),
        (Coercion::Integer, Value::String(s)) => s.trim().parse::<i64>().map_or(value, Value::from),
        (Coercion::Integer, Value::Number(n)) if !n.is_i64() && !n.is_u64() => match n.as_f64() {
            Some(f) if f.fract() == 0.0 && !is_rounded_whole(f) => Value::from(f as i64),
            _ => value,
        },
        (Coercion::Number, Value::String(s)) => {
            s.trim().parse::<f64>().ok().and_then(serde_json::Number::from_f64).map_or(value, Value::Number)
        }
        (Coercion::Boolean, Value::String(s)) => match s.trim() {
            "true" => Value::Bool(true),
            "false" => Value::Bool(false),
            _ => value,
        },
        _ => value,
    }
}

/// An issue-friendly description of what a JSONPath matched.
#[cfg(feature = "jsonpath")]
pub(crate) fn describe_match(path: &str, found: Option<&Value>) -> String {
    match found {
        None => format!("`{path}` matched nothing"),
        Some(v) => {
            let kind = match v {
                Value::Null => "null",
                Value::Bool(_) => "a boolean",
                Value::Number(_) => "a number",
                Value::String(_) => "a string",
                Value::Array(_) => "an array",
                Value::Object(_) => "an object",
            };
            format!("from `{path}` ({kind})")
        }
    }
}
