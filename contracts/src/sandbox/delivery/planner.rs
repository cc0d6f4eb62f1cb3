//! The delivery planner: which delivery events an accepted event produces, and when a failed
//! attempt is retried. Pure functions, no I/O.

use std::time::Duration;

use serde_json::{json, Value};
use uuid::Uuid;

use crate::delivery::DeliveryEvent;
use crate::sandbox::events::AcceptedEvent;

/// The `provider` the sandbox's delivery events name.
const PROVIDER: &str = "loop-sandbox";

/// How long to wait before the next attempt after `attempts` attempts, the last of which
/// `succeeded` or not: `None` to stop (it succeeded, or the schedule is spent).
pub(crate) fn retry_delay(schedule: &[Duration], attempts: usize, succeeded: bool) -> Option<Duration> {
    if succeeded || attempts == 0 {
        return None;
    }
    schedule.get(attempts - 1).copied()
}

/// The delivery events the platform reports for an accepted event (see the module documentation).
pub(crate) fn plan(event: &AcceptedEvent) -> Vec<DeliveryEvent> {
    if DeliveryEvent::NAMES.contains(&event.event.as_str()) {
        return DeliveryEvent::from_json_value(&event.event, &event.payload).into_iter().collect();
    }
    let text = |key: &str| event.payload.get(key).and_then(Value::as_str).filter(|s| !s.is_empty());
    let Some((channel, recipient)) =
        text("email").map(|email| ("email", email)).or_else(|| text("phone").map(|phone| ("sms", phone)))
    else {
        return Vec::new();
    };
    let identity = if event.event_id.is_empty() {
        format!("{}:#{}", event.event, event.sequence)
    } else {
        format!("{}:{}", event.event, event.event_id)
    };
    let derive = |part: &str| {
        Uuid::new_v5(&Uuid::NAMESPACE_URL, format!("urn:loop-contracts:sandbox:{identity}:{part}").as_bytes())
    };
    let brand_id = text("brandId").and_then(crate::schema::format::parse_uuid).unwrap_or_else(Uuid::nil);
    let person_id = text("personId").and_then(crate::schema::format::parse_uuid);
    let message = |name: &str| {
        let mut payload = json!({
            "eventId": derive(name).to_string(),
            "occurredAt": event.received_at,
            "brandId": brand_id.to_string(),
            "messageId": derive("message").to_string(),
            "channel": channel,
            "recipient": recipient,
            "provider": PROVIDER,
        });
        if let Some(person_id) = person_id {
            payload["personId"] = Value::from(person_id.to_string());
        }
        DeliveryEvent::from_json_value(name, &payload).ok()
    };
    ["message.sent.v1", "message.delivered.v1"].into_iter().filter_map(message).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::delivery::WebhookId;
    use crate::sandbox::{Via, DEFAULT_RETRY_SCHEDULE};

    fn accepted(event: &str, payload: Value) -> AcceptedEvent {
        AcceptedEvent {
            sequence: 7,
            event: event.into(),
            event_id: payload["eventId"].as_str().unwrap_or_default().into(),
            received_at: "2026-05-19T12:00:00.120Z".into(),
            via: Via::Api { key: "lk_test_[REDACTED 00000000]".into() },
            payload,
        }
    }

    fn lead() -> Value {
        json!({
            "eventId": "550e8400-e29b-41d4-a716-446655440000", "occurredAt": "2026-05-19T12:00:00Z",
            "brandId": "6f1c2a9e-1b7d-4c1e-9a55-2f1a3b4c5d6e", "email": "ana@example.com",
            "source": "inbound_lead", "attribution": {}, "personId": "9b2f6c1e-3d4a-4f5b-8c7d-0e1f2a3b4c5d",
        })
    }

    #[test]
    fn retries_follow_the_schedule_then_stop() {
        let schedule = DEFAULT_RETRY_SCHEDULE;
        let delays: Vec<Option<Duration>> = (1..=6).map(|n| retry_delay(&schedule, n, false)).collect();
        let expected: Vec<Option<Duration>> = schedule.iter().copied().map(Some).chain([None]).collect();
        assert_eq!(delays, expected, "six attempts: the first and five retries");
        assert_eq!(retry_delay(&schedule, 1, true), None);
        assert_eq!(retry_delay(&schedule, 0, false), None);
        assert_eq!(retry_delay(&[], 1, false), None, "an empty schedule makes one attempt");
    }

    #[test]
    fn an_event_with_an_address_is_sent_then_delivered_with_stable_valid_events() {
        let planned = plan(&accepted("lead.captured.v1", lead()));
        let names: Vec<&str> = planned.iter().map(DeliveryEvent::name).collect();
        assert_eq!(names, ["message.sent.v1", "message.delivered.v1"]);
        for delivery in &planned {
            crate::catalog().validate(delivery.name(), &delivery.to_payload()).unwrap();
            assert_eq!(delivery.recipient(), "ana@example.com");
            assert_eq!(delivery.channel(), "email");
            assert_eq!(delivery.brand_id().to_string(), "6f1c2a9e-1b7d-4c1e-9a55-2f1a3b4c5d6e");
            assert_eq!(delivery.person_id().unwrap().to_string(), "9b2f6c1e-3d4a-4f5b-8c7d-0e1f2a3b4c5d");
            assert_eq!(crate::schema::format::format_datetime(&delivery.occurred_at()), "2026-05-19T12:00:00.120Z");
        }
        assert_eq!(planned[0].message_id(), planned[1].message_id());
        assert_ne!(planned[0].event_id(), planned[1].event_id());
        let expected = Uuid::new_v5(
            &Uuid::NAMESPACE_URL,
            b"urn:loop-contracts:sandbox:lead.captured.v1:550e8400-e29b-41d4-a716-446655440000:message.sent.v1",
        );
        assert_eq!(planned[0].event_id(), expected);
        assert_eq!(plan(&accepted("lead.captured.v1", lead())), planned, "the same event, the same deliveries");

        let mut other = lead();
        other["eventId"] = json!("550e8400-e29b-41d4-a716-446655440001");
        let again = plan(&accepted("lead.captured.v1", other));
        assert_ne!(again[0].event_id(), planned[0].event_id());
        assert_ne!(again[0].message_id(), planned[0].message_id());
    }

    #[test]
    fn a_phone_is_an_sms_and_no_address_is_no_message() {
        let payload = json!({"eventId": "550e8400-e29b-41d4-a716-446655440000", "phone": "+15555550100"});
        let planned = plan(&accepted("customer.created.v1", payload));
        assert_eq!(planned.len(), 2);
        assert_eq!((planned[0].channel(), planned[0].recipient()), ("sms", "+15555550100"));
        assert_eq!(planned[0].brand_id(), Uuid::nil(), "a catalog without brandId still gets valid events");
        assert!(plan(&accepted("customer.created.v1", json!({"eventId": "x", "email": ""}))).is_empty());
    }

    #[test]
    fn a_delivery_event_is_delivered_as_it_is() {
        let bounce = json!({
            "eventId": "550e8400-e29b-41d4-a716-446655440000", "occurredAt": "2026-05-19T12:00:00Z",
            "brandId": "6f1c2a9e-1b7d-4c1e-9a55-2f1a3b4c5d6e", "messageId": "9b2f6c1e-3d4a-4f5b-8c7d-0e1f2a3b4c5d",
            "channel": "email", "recipient": "ana@example.com", "bounceType": "hard",
        });
        let planned = plan(&accepted("message.bounced.v1", bounce.clone()));
        assert_eq!(planned.len(), 1);
        assert_eq!(planned[0].to_payload(), bounce);
        assert_eq!(WebhookId::for_event(planned[0].event_id()).as_str(), "msg_550e8400e29b41d4a716446655440000");
    }
}
