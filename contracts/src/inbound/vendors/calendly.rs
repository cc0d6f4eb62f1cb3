//! Calendly: bookings made and canceled (`invitee.created`, `invitee.canceled`).

use std::borrow::Cow;

use serde::de::IgnoredAny;
use serde::Deserialize;
use serde_json::{json, Map, Value};

use super::super::candidate::Candidate;
use super::super::convert::utc_time;
use super::super::error::InboundError;
use super::super::headers::Headers;
use super::super::signature::SignatureScheme;
use super::fields::{notification_id, set_event_id, set_time, Text};
use super::vendor::Vendor;

/// Calendly, as the inbound layer knows it (`Source::vendor` registers it). Its signature carries a
/// timestamp, checked with the default tolerance.
pub(crate) const CALENDLY: Vendor = Vendor {
    name: "calendly",
    signature: Some(SignatureScheme::calendly()),
    topics: &[("invitee.created", "booking.scheduled.v1"), ("invitee.canceled", "booking.canceled.v1")],
    delivery_header: None,
    transform,
};

/// Without a topic from the route, the body's `event` names it. The body is read as a JSON value
/// first: it comes in two shapes (below).
fn transform(topic: Option<&str>, body: &[u8], _headers: &dyn Headers) -> Result<Candidate, InboundError> {
    CALENDLY.transform_with_topic(
        topic,
        body,
        "Calendly webhook",
        "event",
        |v: &Value| v.get("event").and_then(Value::as_str),
        |value, topic, candidate| calendly(topic, value, candidate),
    )
}

#[derive(Deserialize)]
struct CalendlyDelivery {
    #[serde(default)]
    event: Option<String>,
    #[serde(default)]
    created_at: Option<String>,
    #[serde(default)]
    payload: Option<CalendlyInvitee>,
}

#[derive(Deserialize)]
struct CalendlyInvitee {
    uri: Option<String>,
    email: Option<String>,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    first_name: Option<String>,
    #[serde(default)]
    last_name: Option<String>,
    #[serde(default)]
    status: Option<String>,
    /// The scheduled event's URI (a string) in the 2020-era shape.
    #[serde(default)]
    event: Option<Value>,
    #[serde(default)]
    scheduled_event: Option<CalendlyScheduledEvent>,
    #[serde(default)]
    timezone: Option<String>,
    /// Set on the invitee a reschedule replaced (its `invitee.canceled`), not on the new one.
    #[serde(default)]
    rescheduled: Option<bool>,
    /// The invitee this one replaces (a URI); non-null on the booking a reschedule made.
    #[serde(default)]
    old_invitee: Option<IgnoredAny>,
    /// The invitee that replaced this one (a URI); non-null on the booking a reschedule canceled.
    #[serde(default)]
    new_invitee: Option<IgnoredAny>,
    #[serde(default)]
    tracking: Option<Map<String, Value>>,
    #[serde(default)]
    questions_and_answers: Option<Vec<CalendlyAnswer>>,
    #[serde(default)]
    cancellation: Option<CalendlyCancellation>,
    #[serde(default)]
    created_at: Option<String>,
    #[serde(default)]
    updated_at: Option<String>,
}

#[derive(Deserialize)]
struct CalendlyScheduledEvent {
    uri: Option<String>,
    name: Option<String>,
    start_time: Option<String>,
    end_time: Option<String>,
}

#[derive(Deserialize)]
struct CalendlyAnswer {
    question: Option<String>,
    answer: Option<String>,
    position: Option<i64>,
}

#[derive(Deserialize)]
struct CalendlyCancellation {
    canceled_by: Option<String>,
    canceler_type: Option<String>,
    reason: Option<String>,
}

fn owned(t: &Option<String>) -> Option<Text<'static>> {
    t.clone().map(|s| Text(Cow::Owned(s)))
}

fn calendly(topic: &str, value: Value, candidate: &mut Candidate) -> Result<(), InboundError> {
    // Deliveries wrap the invitee in an envelope; the documented invitee object also comes alone.
    let (delivery, invitee): (CalendlyDelivery, CalendlyInvitee) = if value.get("payload").is_some() {
        let delivery: CalendlyDelivery =
            serde_json::from_value(value).map_err(|e| InboundError::malformed("not a Calendly webhook body", e))?;
        let Some(invitee) = delivery.payload else {
            return Err(InboundError::Malformed("a Calendly webhook whose `payload` is null".into()));
        };
        (CalendlyDelivery { event: delivery.event, created_at: delivery.created_at, payload: None }, invitee)
    } else {
        let invitee =
            serde_json::from_value(value).map_err(|e| InboundError::malformed("not a Calendly invitee", e))?;
        (CalendlyDelivery { event: None, created_at: None, payload: None }, invitee)
    };
    if let Some(event) = delivery.event.as_deref().filter(|e| *e != topic) {
        return Err(InboundError::Malformed(format!(
            "the body's event {:?} is not the topic {topic:?}",
            crate::text::clip(event, crate::text::TOKEN_CHARS)
        )));
    }
    let Some(uri) = invitee.uri.as_deref().filter(|u| !u.is_empty()) else {
        return Err(InboundError::Malformed("a Calendly invitee without `uri`".into()));
    };
    let canceled = topic == "invitee.canceled";
    // Each delivery is its own event: the envelope's `created_at` (the same on Calendly's retries)
    // with the topic and the invitee, else the topic and the invitee alone.
    match notification_id(delivery.created_at.as_deref()) {
        Some(created_at) => set_event_id(candidate, &format!("calendly:{topic}:{uri}:{created_at}")),
        None => set_event_id(candidate, &format!("calendly:{topic}:{uri}")),
    }
    let (created, updated, envelope) =
        (owned(&invitee.created_at), owned(&invitee.updated_at), owned(&delivery.created_at));
    if canceled {
        set_time(candidate, "occurredAt", &[("$.payload.updated_at", &updated), ("$.created_at", &envelope)]);
    } else {
        set_time(candidate, "occurredAt", &[("$.payload.created_at", &created), ("$.created_at", &envelope)]);
    }
    candidate.set("provider", json!("calendly"));
    candidate.set("bookingId", json!(uri));
    candidate.set_text("email", invitee.email.as_deref());
    candidate.set_text("name", invitee.name.as_deref());
    let scheduled = invitee.scheduled_event.as_ref();
    let event_uri = scheduled.and_then(|s| s.uri.as_deref()).or(invitee.event.as_ref().and_then(Value::as_str));
    candidate.set_text("scheduledEventId", event_uri);
    // A reschedule cancels the old invitee (`rescheduled: true`, `new_invitee` set) and creates a
    // new one whose own `rescheduled` is false but whose `old_invitee` names the one it replaces.
    // Skipped, not built: only whether a URI is there (not `null`) matters.
    let rescheduled = if canceled {
        invitee.rescheduled.unwrap_or(false) || invitee.new_invitee.is_some()
    } else {
        invitee.old_invitee.is_some()
    };
    candidate.set("rescheduled", json!(rescheduled));
    if canceled {
        let cancellation = invitee.cancellation.as_ref();
        candidate.set_text("canceledBy", cancellation.and_then(|c| c.canceled_by.as_deref()));
        candidate.set_text("cancelerType", cancellation.and_then(|c| c.canceler_type.as_deref()));
        candidate.set_text("reason", cancellation.and_then(|c| c.reason.as_deref()));
        return Ok(());
    }
    if invitee.status.as_deref() == Some("canceled") {
        return Err(InboundError::Malformed("an `invitee.created` body whose invitee is canceled".into()));
    }
    candidate.set_text("firstName", invitee.first_name.as_deref());
    candidate.set_text("lastName", invitee.last_name.as_deref());
    candidate.set_text("eventName", scheduled.and_then(|s| s.name.as_deref()));
    for (field, time) in [
        ("startTime", scheduled.and_then(|s| s.start_time.as_deref())),
        ("endTime", scheduled.and_then(|s| s.end_time.as_deref())),
    ] {
        if let Some(t) = time {
            candidate.set(field, json!(utc_time(t).unwrap_or_else(|| t.to_owned())));
        }
    }
    candidate.set_text("timezone", invitee.timezone.as_deref());
    if let Some(tracking) = invitee.tracking {
        candidate.set("tracking", Value::Object(tracking));
    }
    if let Some(answers) = invitee.questions_and_answers.filter(|a| !a.is_empty()) {
        let answers = answers
            .into_iter()
            .map(|a| {
                let mut out = Map::new();
                out.insert("question".into(), json!(a.question.unwrap_or_default()));
                out.insert("answer".into(), json!(a.answer.unwrap_or_default()));
                if let Some(p) = a.position {
                    out.insert("position".into(), json!(p));
                }
                Value::Object(out)
            })
            .collect();
        candidate.set("questionsAndAnswers", Value::Array(answers));
    }
    Ok(())
}
