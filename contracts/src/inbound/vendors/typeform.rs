//! Typeform: form responses (`form_response`).

use std::borrow::Cow;

use serde::Deserialize;
use serde_json::{json, Map, Value};

use super::super::candidate::Candidate;
use super::super::error::InboundError;
use super::super::headers::Headers;
use super::super::signature::SignatureScheme;
use super::fields::{notification_id, set_event_id, set_time, Text};
use super::vendor::Vendor;

/// Typeform, as the inbound layer knows it (`Source::vendor` registers it). Its delivery id
/// (`event_id`) is in the body.
pub(crate) const TYPEFORM: Vendor = Vendor {
    name: "typeform",
    signature: Some(SignatureScheme::Typeform),
    topics: &[("form_response", "form.submitted.v1")],
    delivery_header: None,
    transform,
};

/// Without a topic from the route, the body's `event_type` names it.
fn transform(topic: Option<&str>, body: &[u8], _headers: &dyn Headers) -> Result<Candidate, InboundError> {
    TYPEFORM.transform_with_topic(
        topic,
        body,
        "Typeform webhook",
        "event_type",
        |d: &TypeformDelivery| d.event_type.as_deref(),
        |delivery, _, candidate| typeform(delivery, candidate),
    )
}

#[derive(Deserialize)]
struct TypeformDelivery {
    #[serde(default)]
    event_id: Option<String>,
    #[serde(default)]
    event_type: Option<String>,
    form_response: Option<TypeformResponse>,
}

#[derive(Deserialize)]
struct TypeformResponse {
    form_id: Option<String>,
    token: Option<String>,
    #[serde(default)]
    submitted_at: Option<String>,
    #[serde(default)]
    landed_at: Option<String>,
    #[serde(default)]
    calculated: Option<TypeformCalculated>,
    #[serde(default)]
    hidden: Option<Map<String, Value>>,
    #[serde(default)]
    definition: Option<TypeformDefinition>,
    #[serde(default)]
    answers: Vec<TypeformAnswer>,
}

#[derive(Deserialize)]
struct TypeformCalculated {
    // As sent: an `f64` would turn the integer 9 into `9.0`.
    score: Option<serde_json::Number>,
}

#[derive(Deserialize)]
struct TypeformDefinition {
    title: Option<String>,
}

#[derive(Deserialize)]
struct TypeformAnswer {
    #[serde(rename = "type")]
    kind: Option<String>,
    field: Option<TypeformField>,
    #[serde(flatten)]
    value: Map<String, Value>,
}

#[derive(Deserialize)]
struct TypeformField {
    id: Option<String>,
    #[serde(rename = "type")]
    kind: Option<String>,
    #[serde(rename = "ref")]
    reference: Option<String>,
}

fn typeform_answer(answer: &TypeformAnswer) -> Value {
    let field = answer.field.as_ref();
    let mut out = Map::new();
    out.insert("fieldId".into(), json!(field.and_then(|f| f.id.clone()).unwrap_or_default()));
    out.insert("fieldType".into(), json!(field.and_then(|f| f.kind.clone()).unwrap_or_default()));
    if let Some(r) = field.and_then(|f| f.reference.clone()) {
        out.insert("fieldRef".into(), json!(r));
    }
    let kind = answer.kind.as_deref().unwrap_or_default();
    let value = answer.value.get(kind);
    match (kind, value) {
        ("number", Some(Value::Number(n))) => {
            out.insert("number".into(), Value::Number(n.clone()));
        }
        ("boolean", Some(Value::Bool(b))) => {
            out.insert("boolean".into(), json!(b));
        }
        ("choice", Some(choice)) => {
            let label = choice.get("label").or_else(|| choice.get("other")).and_then(Value::as_str);
            if let Some(label) = label {
                out.insert("text".into(), json!(label));
            }
        }
        ("choices", Some(choices)) => {
            let mut labels: Vec<Value> = choices.get("labels").and_then(Value::as_array).cloned().unwrap_or_default();
            labels.retain(Value::is_string);
            if let Some(other) = choices.get("other").filter(|o| o.is_string()) {
                labels.push(other.clone());
            }
            out.insert("choices".into(), Value::Array(labels));
        }
        (_, Some(Value::String(s))) => {
            out.insert("text".into(), json!(s));
        }
        _ => {}
    }
    Value::Object(out)
}

fn typeform(delivery: TypeformDelivery, candidate: &mut Candidate) -> Result<(), InboundError> {
    if let Some(kind) = delivery.event_type.as_deref().filter(|k| *k != "form_response") {
        return Err(InboundError::UnsupportedTopic {
            source_name: "typeform".into(),
            topic: crate::text::clip(kind, crate::text::TOKEN_CHARS),
            hint: " (supported: form_response)".into(),
        });
    }
    let Some(response) = delivery.form_response else {
        return Err(InboundError::Malformed("a Typeform webhook without `form_response`".into()));
    };
    let Some(token) = response.token.as_deref().filter(|t| !t.is_empty()) else {
        return Err(InboundError::Malformed("a Typeform response without `token`".into()));
    };
    // Each delivery is its own event: its `event_id` (the same on Typeform's retries), else the
    // response.
    match notification_id(delivery.event_id.as_deref()) {
        Some(event_id) => set_event_id(candidate, &format!("typeform:event:{event_id}")),
        None => set_event_id(candidate, &format!("typeform:response:{token}")),
    }
    let submitted = response.submitted_at.clone().map(|t| Text(Cow::Owned(t)));
    let landed = response.landed_at.clone().map(|t| Text(Cow::Owned(t)));
    set_time(
        candidate,
        "occurredAt",
        &[("$.form_response.submitted_at", &submitted), ("$.form_response.landed_at", &landed)],
    );
    candidate.set("provider", json!("typeform"));
    candidate.set_text("formId", response.form_id.as_deref());
    candidate.set("responseId", json!(token));
    candidate.set_text("formTitle", response.definition.as_ref().and_then(|d| d.title.as_deref()));
    let email = response
        .answers
        .iter()
        .find(|a| a.kind.as_deref() == Some("email"))
        .and_then(|a| a.value.get("email"))
        .and_then(Value::as_str);
    candidate.set_text("email", email);
    if email.is_some() {
        candidate.note_source("email", "from the first answer of type `email`");
    }
    candidate.set("answers", Value::Array(response.answers.iter().map(typeform_answer).collect()));
    if let Some(hidden) = response.hidden.filter(|h| !h.is_empty()) {
        candidate.set("hidden", Value::Object(hidden));
    }
    if let Some(score) = response.calculated.and_then(|c| c.score) {
        candidate.set("score", Value::Number(score));
    }
    if let Some(id) = delivery.event_id {
        candidate.set_delivery_id(crate::text::clip(&id, crate::text::TOKEN_CHARS));
    }
    Ok(())
}
