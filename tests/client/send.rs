//! Sending through the client over real HTTP: local validation first, the request's shape, the
//! acceptance with its rate-limit figures, final refusals, and build-time safety.

use loop_contracts::catalog::LeadCaptured;
use loop_contracts::client::{BuildError, Client, SendError};
use loop_contracts::{ErrorCode, Event};
use serde_json::json;
use suite::client::*;

#[tokio::test]
async fn a_valid_event_is_accepted_with_its_rate_limit_figures() {
    let sandbox = start(builder()).await;
    let client = client_builder(&sandbox).build().unwrap();
    let lead = LeadCaptured::from_json_value(&lead(1)).unwrap();
    let accepted = client.send(&lead).await.unwrap();
    assert_eq!(accepted.event, "lead.captured.v1");
    assert_eq!(accepted.event_id.to_string(), event_id(1));
    assert_eq!(accepted.attempts, 1);
    assert!(!accepted.replayed && !accepted.cached);
    assert_eq!(accepted.body["ok"], true);
    let rate = accepted.rate_limit.expect("X-RateLimit-* headers");
    assert_eq!(rate.limit, u64::from(UNLIMITED.per_second()));
    assert!(rate.reset >= unix_now().saturating_sub(1));
    let events = sandbox.accepted();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].event_id, event_id(1));
    assert_eq!(events[0].payload["email"], "lead1@example.com");
}

#[tokio::test]
async fn send_json_accepts_a_name_and_payload() {
    let sandbox = start(builder()).await;
    let client = client_builder(&sandbox).build().unwrap();
    let accepted = client.send_json("lead.captured.v1", &lead(2)).await.unwrap();
    assert_eq!(accepted.event_id.to_string(), event_id(2));
    assert_eq!(sandbox.accepted().len(), 1);
}

#[tokio::test]
async fn an_invalid_event_never_leaves_the_process() {
    let sandbox = start(builder()).await;
    let client = client_builder(&sandbox).build().unwrap();
    let mut payload = lead(3);
    payload["email"] = json!("not-an-email");
    let err = client.send_json("lead.captured.v1", &payload).await.unwrap_err();
    let SendError::Invalid(error) = &err else { panic!("{err:?}") };
    assert_eq!(error, &loop_contracts::validate_event("lead.captured.v1", &payload).unwrap_err());
    assert_eq!(error.issues()[0].path, "email");
    assert!(err.attempts().is_empty());
    let err = client.send_json("nope.nope.v1", &lead(3)).await.unwrap_err();
    assert_eq!(err.validation_error().unwrap().code(), ErrorCode::UnknownEvent);
    assert!(sandbox.accepted().is_empty());
}

#[tokio::test]
async fn a_refused_key_is_final_and_not_retried() {
    let sandbox = start(builder().accept_key(key(OTHER_KEY))).await;
    let recorder = Recorder::default();
    let client = client_builder(&sandbox).sleeper(recorder.clone()).build().unwrap();
    let err = client.send_json("lead.captured.v1", &lead(4)).await.unwrap_err();
    let SendError::Rejected { status, error, attempts } = &err else { panic!("{err:?}") };
    assert_eq!(*status, 401);
    assert_eq!(error.code(), ErrorCode::Unauthorized);
    assert_eq!(attempts.len(), 1);
    assert!(recorder.delays().is_empty());
    assert!(!format!("{err} {err:?}").contains(&KEY[8..]), "no key in errors");
}

#[tokio::test]
async fn a_platform_422_is_parsed_into_the_same_issues() {
    // A catalog where lead.captured.v1 is unknown to the platform: the client validates locally
    // (built-in catalog) and the platform answers 422 UNKNOWN_EVENT, parsed.
    let sandbox = start(builder().catalog(loop_contracts::Catalog::new())).await;
    let recorder = Recorder::default();
    let client = client_builder(&sandbox).sleeper(recorder.clone()).build().unwrap();
    let err = client.send_json("lead.captured.v1", &lead(5)).await.unwrap_err();
    let SendError::Rejected { status: 422, error, attempts } = &err else { panic!("{err:?}") };
    assert_eq!(error, &loop_contracts::ValidationError::unknown_event("lead.captured.v1"));
    assert_eq!(attempts.len(), 1);
    assert!(recorder.delays().is_empty());
}

#[test]
fn plain_http_to_a_remote_host_is_refused_before_connecting() {
    let build = |url: &str| Client::builder().key(key(KEY)).base_url(url).build();
    for url in ["http://comms.loop.health", "http://10.0.0.1:8787", "http://localhost.example.com"] {
        assert!(matches!(build(url), Err(BuildError::InsecureBaseUrl { .. })), "{url}");
    }
    for url in ["https://comms.loop.health", "http://127.0.0.1:1", "http://localhost:8787/", "http://[::1]:80"] {
        assert!(build(url).is_ok(), "{url}");
    }
    assert!(matches!(build("ftp://x"), Err(BuildError::InvalidBaseUrl { .. })));
    assert!(matches!(build("not a url"), Err(BuildError::InvalidBaseUrl { .. })));
    assert_eq!(Client::builder().build().unwrap_err(), BuildError::MissingKey);
    let err = build("http://comms.loop.health").unwrap_err().to_string();
    assert!(!err.contains(&KEY[8..]));
}

#[test]
fn debug_never_shows_the_key() {
    let client = Client::builder().key(key(KEY)).build().unwrap();
    let shown = format!("{client:?} {:?}", Client::builder().key(key(KEY)));
    assert!(!shown.contains(&KEY[8..]), "{shown}");
    assert!(shown.contains("https://comms.loop.health"));
    fn shareable<T: Clone + Send + Sync + 'static>(_: &T) {}
    shareable(&client);
}

#[tokio::test]
async fn schema_discovery_validates_events_outside_the_built_in_catalog() {
    loop_contracts::event! {
        /// A ticket.
        #[event("ticket.opened.v1")]
        pub struct TicketOpened { subject: string(min = 1) }
    }
    let catalog = loop_contracts::catalog().clone().with_event::<TicketOpened>();
    let sandbox = start(builder().catalog(catalog)).await;
    let client = client_builder(&sandbox).build().unwrap();
    let schema = client.schema("ticket.opened.v1").await.unwrap();
    assert_eq!(schema.name().as_str(), "ticket.opened.v1");
    let mut ticket = json!({
        "eventId": event_id(6), "occurredAt": "2026-05-19T12:00:00Z", "brandId": BRAND, "subject": "",
    });
    let err = client.send_json("ticket.opened.v1", &ticket).await.unwrap_err();
    assert!(matches!(err, SendError::Invalid(_)), "{err:?}");
    ticket["subject"] = json!("Where is my order?");
    client.send_json("ticket.opened.v1", &ticket).await.unwrap();
    assert_eq!(sandbox.accepted().len(), 1);
    let err = client.schema("unknown.event.v1").await.unwrap_err();
    assert_eq!(err.validation_error().unwrap().code(), ErrorCode::UnknownEvent);
    let _ = TicketOpened::NAME;
}

/// The platform answers an unknown name with `404 UNKNOWN_EVENT`: the event is not known. A 404
/// with another code is no answer about the event (`NOT_FOUND`: no such route, as from a wrong
/// base URL) and is a discovery failure; a 404 without a code goes by its status.
#[tokio::test]
async fn schema_reads_tell_an_unknown_event_from_a_missing_route_by_the_code() {
    let body = |code: &str| format!(r#"{{"ok":false,"error":{{"code":"{code}","message":"m","issues":[]}}}}"#);
    let (url, server) = crate::stub::serve(vec![
        crate::stub::answer("404 Not Found", &[], &body("UNKNOWN_EVENT")),
        crate::stub::answer("404 Not Found", &[], &body("NOT_FOUND")),
        crate::stub::answer("404 Not Found", &[], "not json"),
    ])
    .await;
    let client = Client::builder().key(key(KEY)).base_url(url).client_rate_limit(false).build().unwrap();
    let err = client.schema("ticket.opened.v1").await.unwrap_err();
    assert_eq!(err.validation_error().map(|e| e.code()), Some(ErrorCode::UnknownEvent), "{err:?}");
    let err = client.schema("ticket.opened.v1").await.unwrap_err();
    assert!(matches!(&err, SendError::Discovery { reason, .. } if reason == "HTTP 404 NOT_FOUND"), "{err:?}");
    let err = client.schema("ticket.opened.v1").await.unwrap_err();
    assert_eq!(err.validation_error().map(|e| e.code()), Some(ErrorCode::UnknownEvent), "{err:?}");
    let heads = server.await.unwrap();
    assert!(heads.iter().all(|h| h.starts_with("get /api/events/schema/ticket.opened.v1 ")), "{heads:?}");
}

/// What the client writes on the wire, read by a bare TCP server: a send carries the key as a
/// bearer token, `Idempotency-Key` = the eventId and `{"event", "payload"}`; a schema read carries
/// the key and no `Idempotency-Key`.
#[tokio::test]
async fn the_requests_on_the_wire() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let discovery = loop_contracts::catalog().get("lead.captured.v1").unwrap().to_discovery_json();
    let server = tokio::spawn(async move {
        let mut requests = Vec::new();
        for _ in 0..2 {
            let (mut socket, _) = listener.accept().await.unwrap();
            let mut seen = Vec::new();
            let mut buf = [0u8; 4096];
            // Headers, then the body by its Content-Length.
            let (head, length) = loop {
                let n = socket.read(&mut buf).await.unwrap();
                seen.extend_from_slice(&buf[..n]);
                if let Some(end) = seen.windows(4).position(|w| w == b"\r\n\r\n") {
                    let head = String::from_utf8(seen[..end].to_vec()).unwrap().to_ascii_lowercase();
                    let length = head
                        .lines()
                        .find_map(|l| l.strip_prefix("content-length: "))
                        .map_or(0, |n| n.trim().parse::<usize>().unwrap());
                    seen.drain(..end + 4);
                    break (head, length);
                }
            };
            while seen.len() < length {
                let n = socket.read(&mut buf).await.unwrap();
                seen.extend_from_slice(&buf[..n]);
            }
            let body = if head.starts_with("get ") { discovery.clone() } else { r#"{"ok":true}"#.to_owned() };
            let response = format!(
                "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                body.len()
            );
            socket.write_all(response.as_bytes()).await.unwrap();
            requests.push((head, String::from_utf8(seen).unwrap()));
        }
        requests
    });
    let client = Client::builder().key(key(KEY)).base_url(url).client_rate_limit(false).build().unwrap();
    client.schema("lead.captured.v1").await.unwrap();
    let accepted = client.send_json("lead.captured.v1", &lead(21)).await.unwrap();
    assert_eq!(accepted.body["ok"], true);
    let requests = server.await.unwrap();

    let (read, _) = &requests[0];
    assert!(read.starts_with("get /api/events/schema/lead.captured.v1 "), "{read}");
    assert!(read.contains(&format!("authorization: bearer {}", KEY.to_ascii_lowercase())), "{read}");
    assert!(!read.contains("idempotency-key"), "a read carries no Idempotency-Key: {read}");

    let (send, body) = &requests[1];
    assert!(send.starts_with("post /api/events "), "{send}");
    assert!(send.contains(&format!("authorization: bearer {}", KEY.to_ascii_lowercase())), "{send}");
    assert!(send.contains(&format!("idempotency-key: {}", event_id(21))), "{send}");
    assert!(send.contains("content-type: application/json"), "{send}");
    let body: serde_json::Value = serde_json::from_str(body).unwrap();
    assert_eq!(body, json!({"event": "lead.captured.v1", "payload": lead(21)}));
}

/// The payload on the wire lists its keys in the schema's field order, as the platform's (Zod's)
/// output does, at every depth: the same bytes from a typed event and from a JSON payload of a
/// built-in event, and from a JSON payload checked against a schema read from the platform.
#[tokio::test]
async fn the_body_on_the_wire_lists_the_payload_in_the_schemas_order() {
    use loop_contracts::catalog::OrderCompleted;
    loop_contracts::event! {
        /// A ticket, declared out of alphabetical order.
        #[event("ticket.opened.v1")]
        pub struct TicketOpened {
            subject: string,
            customer: object TicketCustomer { name: string, email?: email },
            assignee?: string,
        }
    }
    let ok = || crate::stub::answer("200 OK", &[], r#"{"ok":true}"#);
    let discovery = TicketOpened::schema().to_discovery_json();
    let (url, server) =
        crate::stub::serve_recording(vec![ok(), ok(), crate::stub::answer("200 OK", &[], &discovery), ok()]).await;
    // One client per send: the same event twice through one client is a cached acceptance.
    let client = || Client::builder().key(key(KEY)).base_url(url.clone()).client_rate_limit(false).build().unwrap();
    let order = json!({
        "totalPrice": "9.90", "lineItems": [{"quantity": 2, "price": "4.95", "title": "Tea"}],
        "email": "ana@example.com", "orderId": "1001", "platform": "shopify", "brandId": BRAND,
        "occurredAt": "2026-05-19T12:00:00Z", "eventId": event_id(31), "attributes": {"b": 1, "a": 2},
    });
    client().send(&OrderCompleted::from_json_value(&order).unwrap()).await.unwrap();
    client().send_json("order.completed.v1", &order).await.unwrap();
    let ticket = json!({
        "customer": {"email": "ana@example.com", "name": "Ana"}, "subject": "Refund", "assignee": "bo",
        "brandId": BRAND, "occurredAt": "2026-05-19T12:00:00Z", "eventId": event_id(32), "zzz": "stripped",
    });
    client().send_json("ticket.opened.v1", &ticket).await.unwrap();
    let requests = server.await.unwrap();
    assert!(requests[2].head.starts_with("get /api/events/schema/ticket.opened.v1 "), "{}", requests[2].head);

    let body = |i: usize| String::from_utf8(requests[i].body.clone()).unwrap();
    let order = format!(
        r#"{{"event":"order.completed.v1","payload":{{"eventId":"{}","occurredAt":"2026-05-19T12:00:00Z","brandId":"{BRAND}","email":"ana@example.com","platform":"shopify","orderId":"1001","totalPrice":"9.90","lineItems":[{{"title":"Tea","quantity":2,"price":"4.95"}}],"attributes":{{"a":2,"b":1}}}}}}"#,
        event_id(31)
    );
    assert_eq!(body(0), order, "the typed event");
    assert_eq!(body(1), order, "the JSON payload");
    let ticket = format!(
        r#"{{"event":"ticket.opened.v1","payload":{{"eventId":"{}","occurredAt":"2026-05-19T12:00:00Z","brandId":"{BRAND}","subject":"Refund","customer":{{"name":"Ana","email":"ana@example.com"}},"assignee":"bo"}}}}"#,
        event_id(32)
    );
    assert_eq!(body(3), ticket, "the JSON payload of a discovered event");
}
