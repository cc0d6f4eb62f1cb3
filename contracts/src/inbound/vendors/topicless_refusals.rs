//! The topic-less intake (`Route::BuiltIn` without a topic, as the sandbox routes built-in
//! vendors) refuses malformed bodies exactly as it did before the vendors parsed a body once:
//! same status, variant and message. `BASE` is what the intake answered before, pasted verbatim
//! (`"ok EVENT"` for a candidate, else `"STATUS Variant: Display"`); `STILL_DIFFERENT` lists the
//! bodies it now accepts, refused before only because the topic detection read other vendors'
//! keys (or a repeated `event`) as text.

use crate::inbound::{InboundError, Intake, Route, Source, TransformContext};

/// The routes of each row of [`BASE`], in order: the Shopify one names its topic in the header.
const ROUTES: [(Source, &[(&str, &str)]); 5] = [
    (Source::BigCommerce, &[]),
    (Source::Typeform, &[]),
    (Source::Calendly, &[]),
    (Source::Shopify, &[("X-Shopify-Topic", "orders/create")]),
    (Source::Custom, &[]),
];

fn nest(n: usize, inner: &str) -> String {
    format!("{}{}{}", "[".repeat(n), inner, "]".repeat(n))
}

fn bodies() -> Vec<(&'static str, Vec<u8>)> {
    let s = |x: &str| x.as_bytes().to_vec();
    vec![
        ("not JSON", s("not json")),
        ("empty", s("")),
        ("whitespace", s("  \n")),
        ("truncated", s(r#"{"scope": "store/order/created""#)),
        ("trailing", s(r#"{"scope": "store/order/created", "data": {"id": 1}} x"#)),
        ("invalid UTF-8", b"{\"scope\": \"\xff\"}".to_vec()),
        ("null", s("null")),
        ("number", s("5")),
        ("[]", s("[]")),
        ("array of a body", s(r#"[{"scope": "store/order/created", "data": {"id": 1}}]"#)),
        ("\"x\"", s(r#""x""#)),
        ("{}", s("{}")),
        ("scope 5", s(r#"{"scope": 5}"#)),
        ("scope 5 with data", s(r#"{"scope": 5, "data": {"id": 1}}"#)),
        ("scope list", s(r#"{"scope": ["store/order/created"]}"#)),
        ("scope null", s(r#"{"scope": null, "data": {"id": 1}}"#)),
        ("event_type 5", s(r#"{"event_type": 5}"#)),
        ("event_type object", s(r#"{"event_type": {"a": 1}}"#)),
        ("event 5", s(r#"{"event": 5}"#)),
        ("event null", s(r#"{"event": null}"#)),
        ("unsupported scope, data 5", s(r#"{"scope": "store/cart/created", "data": 5}"#)),
        (
            "unsupported scope, created_at text",
            s(r#"{"scope": "store/cart/created", "created_at": "soon", "data": {"id": 1}}"#),
        ),
        ("unsupported event_type, form_response 5", s(r#"{"event_type": "form_partial", "form_response": 5}"#)),
        ("unsupported event, payload 5", s(r#"{"event": "routing_form_submission.created", "payload": 5}"#)),
        ("unsupported long scope", format!(r#"{{"scope": "{}", "data": 5}}"#, "a".repeat(300)).into_bytes()),
        ("supported scope, data 5", s(r#"{"scope": "store/order/created", "data": 5}"#)),
        (
            "supported scope, created_at text",
            s(r#"{"scope": "store/order/created", "created_at": "soon", "data": {"id": 1}}"#),
        ),
        ("supported scope, no data", s(r#"{"scope": "store/order/created"}"#)),
        ("supported event_type, form_response 5", s(r#"{"event_type": "form_response", "form_response": 5}"#)),
        ("supported event_type, no form_response", s(r#"{"event_type": "form_response"}"#)),
        ("supported event, payload 5", s(r#"{"event": "invitee.created", "payload": 5}"#)),
        ("supported event, uri 5", s(r#"{"event": "invitee.created", "uri": 5}"#)),
        (
            "stray event_type, valid callback",
            s(r#"{"scope": "store/order/created", "event_type": 5, "data": {"id": 1}}"#),
        ),
        ("stray event_type, no data", s(r#"{"scope": "store/order/created", "event_type": 5}"#)),
        (
            "stray scope, valid form response",
            s(r#"{"event_type": "form_response", "scope": 5, "form_response": {"form_id": "f", "token": "t"}}"#),
        ),
        (
            "stray scope, valid invitee",
            s(r#"{"event": "invitee.created", "scope": 5, "payload": {"uri": "u", "email": "a@b.co"}}"#),
        ),
        (
            "duplicate scope",
            s(r#"{"scope": "store/order/created", "scope": "store/order/created", "data": {"id": 1}}"#),
        ),
        ("duplicate data", s(r#"{"scope": "store/order/created", "data": {"id": 1}, "data": {"id": 2}}"#)),
        (
            "duplicate event, valid invitee",
            s(
                r#"{"event": "invitee.canceled", "event": "invitee.created", "payload": {"uri": "u", "email": "a@b.co"}}"#,
            ),
        ),
        (
            "duplicate event_type",
            s(
                r#"{"event_type": "form_response", "event_type": "form_response", "form_response": {"form_id": "f", "token": "t"}}"#,
            ),
        ),
        ("escaped scope", s(r#"{"scope": "store\/order\/created", "data": {"id": 1}}"#)),
        (
            "typeform body",
            s(r#"{"event_id": "e", "event_type": "form_response", "form_response": {"form_id": "f", "token": "t"}}"#),
        ),
        (
            "calendly body",
            s(
                r#"{"event": "invitee.created", "created_at": "2026-01-01T00:00:00Z", "payload": {"uri": "u", "email": "a@b.co"}}"#,
            ),
        ),
        ("calendly invitee alone", s(r#"{"uri": "u", "email": "a@b.co"}"#)),
        (
            "bigcommerce body",
            s(r#"{"scope": "store/order/created", "store_id": "1", "data": {"id": 1}, "created_at": 1561479335}"#),
        ),
        ("depth 200", nest(200, "").into_bytes()),
        ("depth 200 in an object", format!(r#"{{"x": {}}}"#, nest(200, "")).into_bytes()),
        (
            "depth 200 after a supported scope",
            format!(r#"{{"scope": "store/order/created", "x": {}}}"#, nest(200, "")).into_bytes(),
        ),
        (
            "depth 200 after a supported event",
            format!(r#"{{"event": "invitee.created", "x": {}}}"#, nest(200, "")).into_bytes(),
        ),
        (
            "depth 200 after a supported event_type",
            format!(r#"{{"event_type": "form_response", "x": {}}}"#, nest(200, "")).into_bytes(),
        ),
        ("1e999", s("1e999")),
        ("1e999 in an object", s(r#"{"x": 1e999}"#)),
        ("1e999 as data.id", s(r#"{"scope": "store/order/created", "data": {"id": 1e999}}"#)),
        ("1e999 after a supported event", s(r#"{"event": "invitee.created", "x": 1e999}"#)),
        ("1e999 after a supported event_type", s(r#"{"event_type": "form_response", "x": 1e999}"#)),
    ]
}

fn outcome(source: Source, headers: &[(&str, &str)], body: &[u8]) -> String {
    let intake = Intake::new(TransformContext::default()).accept_unsigned(source);
    match intake.candidate(Route::BuiltIn { source, topic: None }, headers, body) {
        Ok(c) => format!("ok {}", c.event().as_str()),
        Err(e) => {
            let variant = match &e {
                InboundError::Malformed(_) => "Malformed",
                InboundError::UnsupportedTopic { .. } => "UnsupportedTopic",
                _ => "other",
            };
            format!("{} {variant}: {e}", e.http_status())
        }
    }
}

/// Bodies accepted now and refused before, by label and route (an index into [`ROUTES`]).
const STILL_DIFFERENT: &[(&str, usize, &str)] = &[
    ("stray event_type, valid callback", 0, "ok order.completed.v1"),
    ("stray scope, valid form response", 1, "ok form.submitted.v1"),
    ("stray scope, valid invitee", 2, "ok booking.scheduled.v1"),
    ("duplicate event, valid invitee", 2, "ok booking.scheduled.v1"),
];

#[test]
fn malformed_bodies_are_refused_as_before() {
    let bodies = bodies();
    assert_eq!(bodies.len(), BASE.len());
    let mut differences = Vec::new();
    for ((label, body), (base_label, base)) in bodies.iter().zip(BASE) {
        assert_eq!(label, base_label);
        for (i, (source, headers)) in ROUTES.into_iter().enumerate() {
            let now = outcome(source, headers, body);
            let expected = match STILL_DIFFERENT.iter().find(|(l, r, _)| l == label && *r == i) {
                Some((.., accepted)) => {
                    assert_ne!(base[i], *accepted, "{label} ({source}) is no longer a difference");
                    accepted
                }
                None => base[i],
            };
            if now != expected {
                differences.push(format!("{label} ({source}):\n  before: {expected}\n  now:    {now}"));
            }
        }
    }
    assert!(differences.is_empty(), "{}", differences.join("\n"));
}

/// What the intake answered before, per body, for each of [`ROUTES`].
#[rustfmt::skip]
const BASE: &[(&str, [&str; 5])] = &[
    ("not JSON", [
        "400 Malformed: malformed webhook body: the webhook body: expected ident at line 1 column 2",
        "400 Malformed: malformed webhook body: the webhook body: expected ident at line 1 column 2",
        "400 Malformed: malformed webhook body: the webhook body: expected ident at line 1 column 2",
        "400 Malformed: malformed webhook body: not a Shopify order body: expected ident at line 1 column 2",
        "400 Malformed: malformed webhook body: custom webhooks are routed by their webhookPath",
    ]),
    ("empty", [
        "400 Malformed: malformed webhook body: the webhook body: EOF while parsing a value at line 1 column 0",
        "400 Malformed: malformed webhook body: the webhook body: EOF while parsing a value at line 1 column 0",
        "400 Malformed: malformed webhook body: the webhook body: EOF while parsing a value at line 1 column 0",
        "400 Malformed: malformed webhook body: not a Shopify order body: EOF while parsing a value at line 1 column 0",
        "400 Malformed: malformed webhook body: custom webhooks are routed by their webhookPath",
    ]),
    ("whitespace", [
        "400 Malformed: malformed webhook body: the webhook body: EOF while parsing a value at line 2 column 0",
        "400 Malformed: malformed webhook body: the webhook body: EOF while parsing a value at line 2 column 0",
        "400 Malformed: malformed webhook body: the webhook body: EOF while parsing a value at line 2 column 0",
        "400 Malformed: malformed webhook body: not a Shopify order body: EOF while parsing a value at line 2 column 0",
        "400 Malformed: malformed webhook body: custom webhooks are routed by their webhookPath",
    ]),
    ("truncated", [
        "400 Malformed: malformed webhook body: the webhook body: EOF while parsing an object at line 1 column 31",
        "400 Malformed: malformed webhook body: the webhook body: EOF while parsing an object at line 1 column 31",
        "400 Malformed: malformed webhook body: the webhook body: EOF while parsing an object at line 1 column 31",
        "400 Malformed: malformed webhook body: not a Shopify order body: EOF while parsing an object at line 1 column 31",
        "400 Malformed: malformed webhook body: custom webhooks are routed by their webhookPath",
    ]),
    ("trailing", [
        "400 Malformed: malformed webhook body: the webhook body: trailing characters at line 1 column 53",
        "400 Malformed: malformed webhook body: the webhook body: trailing characters at line 1 column 53",
        "400 Malformed: malformed webhook body: the webhook body: trailing characters at line 1 column 53",
        "400 Malformed: malformed webhook body: not a Shopify order body: trailing characters at line 1 column 53",
        "400 Malformed: malformed webhook body: custom webhooks are routed by their webhookPath",
    ]),
    ("invalid UTF-8", [
        "400 Malformed: malformed webhook body: the webhook body: invalid unicode code point at line 1 column 12",
        "400 Malformed: malformed webhook body: the webhook body: invalid unicode code point at line 1 column 12",
        "400 Malformed: malformed webhook body: the webhook body: invalid unicode code point at line 1 column 12",
        "400 Malformed: malformed webhook body: a Shopify order without `id`",
        "400 Malformed: malformed webhook body: custom webhooks are routed by their webhookPath",
    ]),
    ("null", [
        "400 Malformed: malformed webhook body: the webhook body: invalid type: null, expected struct Probe at line 1 column 4",
        "400 Malformed: malformed webhook body: the webhook body: invalid type: null, expected struct Probe at line 1 column 4",
        "400 Malformed: malformed webhook body: the webhook body: invalid type: null, expected struct Probe at line 1 column 4",
        "400 Malformed: malformed webhook body: not a Shopify order body: invalid type: null, expected struct ShopifyOrder at line 1 column 4",
        "400 Malformed: malformed webhook body: custom webhooks are routed by their webhookPath",
    ]),
    ("number", [
        "400 Malformed: malformed webhook body: the webhook body: invalid type: integer `5`, expected struct Probe at line 1 column 1",
        "400 Malformed: malformed webhook body: the webhook body: invalid type: integer `5`, expected struct Probe at line 1 column 1",
        "400 Malformed: malformed webhook body: the webhook body: invalid type: integer `5`, expected struct Probe at line 1 column 1",
        "400 Malformed: malformed webhook body: not a Shopify order body: invalid type: integer `5`, expected struct ShopifyOrder at line 1 column 1",
        "400 Malformed: malformed webhook body: custom webhooks are routed by their webhookPath",
    ]),
    ("[]", [
        "400 Malformed: malformed webhook body: the webhook body: invalid length 0, expected struct Probe with 3 elements at line 1 column 2",
        "400 Malformed: malformed webhook body: the webhook body: invalid length 0, expected struct Probe with 3 elements at line 1 column 2",
        "400 Malformed: malformed webhook body: the webhook body: invalid length 0, expected struct Probe with 3 elements at line 1 column 2",
        "400 Malformed: malformed webhook body: not a Shopify order body: invalid length 0, expected struct ShopifyOrder with 16 elements at line 1 column 2",
        "400 Malformed: malformed webhook body: custom webhooks are routed by their webhookPath",
    ]),
    ("array of a body", [
        "400 Malformed: malformed webhook body: the webhook body: invalid type: map, expected a string at line 1 column 1",
        "400 Malformed: malformed webhook body: the webhook body: invalid type: map, expected a string at line 1 column 1",
        "400 Malformed: malformed webhook body: the webhook body: invalid type: map, expected a string at line 1 column 1",
        "400 Malformed: malformed webhook body: not a Shopify order body: invalid type: map, expected a string or a number at line 1 column 2",
        "400 Malformed: malformed webhook body: custom webhooks are routed by their webhookPath",
    ]),
    ("\"x\"", [
        "400 Malformed: malformed webhook body: the webhook body: invalid type: string \"x\", expected struct Probe at line 1 column 3",
        "400 Malformed: malformed webhook body: the webhook body: invalid type: string \"x\", expected struct Probe at line 1 column 3",
        "400 Malformed: malformed webhook body: the webhook body: invalid type: string \"x\", expected struct Probe at line 1 column 3",
        "400 Malformed: malformed webhook body: not a Shopify order body: invalid type: string \"x\", expected struct ShopifyOrder at line 1 column 3",
        "400 Malformed: malformed webhook body: custom webhooks are routed by their webhookPath",
    ]),
    ("{}", [
        "400 Malformed: malformed webhook body: no topic given and the body has no `scope`",
        "400 Malformed: malformed webhook body: no topic given and the body has no `event_type`",
        "400 Malformed: malformed webhook body: no topic given and the body has no `event`",
        "400 Malformed: malformed webhook body: a Shopify order without `id`",
        "400 Malformed: malformed webhook body: custom webhooks are routed by their webhookPath",
    ]),
    ("scope 5", [
        "400 Malformed: malformed webhook body: the webhook body: invalid type: integer `5`, expected a string at line 1 column 11",
        "400 Malformed: malformed webhook body: the webhook body: invalid type: integer `5`, expected a string at line 1 column 11",
        "400 Malformed: malformed webhook body: the webhook body: invalid type: integer `5`, expected a string at line 1 column 11",
        "400 Malformed: malformed webhook body: a Shopify order without `id`",
        "400 Malformed: malformed webhook body: custom webhooks are routed by their webhookPath",
    ]),
    ("scope 5 with data", [
        "400 Malformed: malformed webhook body: the webhook body: invalid type: integer `5`, expected a string at line 1 column 11",
        "400 Malformed: malformed webhook body: the webhook body: invalid type: integer `5`, expected a string at line 1 column 11",
        "400 Malformed: malformed webhook body: the webhook body: invalid type: integer `5`, expected a string at line 1 column 11",
        "400 Malformed: malformed webhook body: a Shopify order without `id`",
        "400 Malformed: malformed webhook body: custom webhooks are routed by their webhookPath",
    ]),
    ("scope list", [
        "400 Malformed: malformed webhook body: the webhook body: invalid type: sequence, expected a string at line 1 column 10",
        "400 Malformed: malformed webhook body: the webhook body: invalid type: sequence, expected a string at line 1 column 10",
        "400 Malformed: malformed webhook body: the webhook body: invalid type: sequence, expected a string at line 1 column 10",
        "400 Malformed: malformed webhook body: a Shopify order without `id`",
        "400 Malformed: malformed webhook body: custom webhooks are routed by their webhookPath",
    ]),
    ("scope null", [
        "400 Malformed: malformed webhook body: no topic given and the body has no `scope`",
        "400 Malformed: malformed webhook body: no topic given and the body has no `event_type`",
        "400 Malformed: malformed webhook body: no topic given and the body has no `event`",
        "400 Malformed: malformed webhook body: a Shopify order without `id`",
        "400 Malformed: malformed webhook body: custom webhooks are routed by their webhookPath",
    ]),
    ("event_type 5", [
        "400 Malformed: malformed webhook body: the webhook body: invalid type: integer `5`, expected a string at line 1 column 16",
        "400 Malformed: malformed webhook body: the webhook body: invalid type: integer `5`, expected a string at line 1 column 16",
        "400 Malformed: malformed webhook body: the webhook body: invalid type: integer `5`, expected a string at line 1 column 16",
        "400 Malformed: malformed webhook body: a Shopify order without `id`",
        "400 Malformed: malformed webhook body: custom webhooks are routed by their webhookPath",
    ]),
    ("event_type object", [
        "400 Malformed: malformed webhook body: the webhook body: invalid type: map, expected a string at line 1 column 15",
        "400 Malformed: malformed webhook body: the webhook body: invalid type: map, expected a string at line 1 column 15",
        "400 Malformed: malformed webhook body: the webhook body: invalid type: map, expected a string at line 1 column 15",
        "400 Malformed: malformed webhook body: a Shopify order without `id`",
        "400 Malformed: malformed webhook body: custom webhooks are routed by their webhookPath",
    ]),
    ("event 5", [
        "400 Malformed: malformed webhook body: no topic given and the body has no `scope`",
        "400 Malformed: malformed webhook body: no topic given and the body has no `event_type`",
        "400 Malformed: malformed webhook body: no topic given and the body has no `event`",
        "400 Malformed: malformed webhook body: a Shopify order without `id`",
        "400 Malformed: malformed webhook body: custom webhooks are routed by their webhookPath",
    ]),
    ("event null", [
        "400 Malformed: malformed webhook body: no topic given and the body has no `scope`",
        "400 Malformed: malformed webhook body: no topic given and the body has no `event_type`",
        "400 Malformed: malformed webhook body: no topic given and the body has no `event`",
        "400 Malformed: malformed webhook body: a Shopify order without `id`",
        "400 Malformed: malformed webhook body: custom webhooks are routed by their webhookPath",
    ]),
    ("unsupported scope, data 5", [
        "422 UnsupportedTopic: unsupported topic \"store/cart/created\" for source `bigcommerce` (supported: store/order/created, store/customer/created)",
        "400 Malformed: malformed webhook body: no topic given and the body has no `event_type`",
        "400 Malformed: malformed webhook body: no topic given and the body has no `event`",
        "400 Malformed: malformed webhook body: a Shopify order without `id`",
        "400 Malformed: malformed webhook body: custom webhooks are routed by their webhookPath",
    ]),
    ("unsupported scope, created_at text", [
        "422 UnsupportedTopic: unsupported topic \"store/cart/created\" for source `bigcommerce` (supported: store/order/created, store/customer/created)",
        "400 Malformed: malformed webhook body: no topic given and the body has no `event_type`",
        "400 Malformed: malformed webhook body: no topic given and the body has no `event`",
        "400 Malformed: malformed webhook body: a Shopify order without `id`",
        "400 Malformed: malformed webhook body: custom webhooks are routed by their webhookPath",
    ]),
    ("unsupported event_type, form_response 5", [
        "400 Malformed: malformed webhook body: no topic given and the body has no `scope`",
        "422 UnsupportedTopic: unsupported topic \"form_partial\" for source `typeform` (supported: form_response)",
        "400 Malformed: malformed webhook body: no topic given and the body has no `event`",
        "400 Malformed: malformed webhook body: a Shopify order without `id`",
        "400 Malformed: malformed webhook body: custom webhooks are routed by their webhookPath",
    ]),
    ("unsupported event, payload 5", [
        "400 Malformed: malformed webhook body: no topic given and the body has no `scope`",
        "400 Malformed: malformed webhook body: no topic given and the body has no `event_type`",
        "422 UnsupportedTopic: unsupported topic \"routing_form_submission.created\" for source `calendly` (supported: invitee.created, invitee.canceled)",
        "400 Malformed: malformed webhook body: a Shopify order without `id`",
        "400 Malformed: malformed webhook body: custom webhooks are routed by their webhookPath",
    ]),
    ("unsupported long scope", [
        "422 UnsupportedTopic: unsupported topic \"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\" for source `bigcommerce` (supported: store/order/created, store/customer/created)",
        "400 Malformed: malformed webhook body: no topic given and the body has no `event_type`",
        "400 Malformed: malformed webhook body: no topic given and the body has no `event`",
        "400 Malformed: malformed webhook body: a Shopify order without `id`",
        "400 Malformed: malformed webhook body: custom webhooks are routed by their webhookPath",
    ]),
    ("supported scope, data 5", [
        "400 Malformed: malformed webhook body: not a BigCommerce callback body: invalid type: integer `5`, expected struct BigCommerceData at line 1 column 42",
        "400 Malformed: malformed webhook body: no topic given and the body has no `event_type`",
        "400 Malformed: malformed webhook body: no topic given and the body has no `event`",
        "400 Malformed: malformed webhook body: a Shopify order without `id`",
        "400 Malformed: malformed webhook body: custom webhooks are routed by their webhookPath",
    ]),
    ("supported scope, created_at text", [
        "400 Malformed: malformed webhook body: not a BigCommerce callback body: invalid type: string \"soon\", expected i64 at line 1 column 53",
        "400 Malformed: malformed webhook body: no topic given and the body has no `event_type`",
        "400 Malformed: malformed webhook body: no topic given and the body has no `event`",
        "400 Malformed: malformed webhook body: a Shopify order without `id`",
        "400 Malformed: malformed webhook body: custom webhooks are routed by their webhookPath",
    ]),
    ("supported scope, no data", [
        "400 Malformed: malformed webhook body: a BigCommerce callback without `data.id`",
        "400 Malformed: malformed webhook body: no topic given and the body has no `event_type`",
        "400 Malformed: malformed webhook body: no topic given and the body has no `event`",
        "400 Malformed: malformed webhook body: a Shopify order without `id`",
        "400 Malformed: malformed webhook body: custom webhooks are routed by their webhookPath",
    ]),
    ("supported event_type, form_response 5", [
        "400 Malformed: malformed webhook body: no topic given and the body has no `scope`",
        "400 Malformed: malformed webhook body: not a Typeform webhook body: invalid type: integer `5`, expected struct TypeformResponse at line 1 column 50",
        "400 Malformed: malformed webhook body: no topic given and the body has no `event`",
        "400 Malformed: malformed webhook body: a Shopify order without `id`",
        "400 Malformed: malformed webhook body: custom webhooks are routed by their webhookPath",
    ]),
    ("supported event_type, no form_response", [
        "400 Malformed: malformed webhook body: no topic given and the body has no `scope`",
        "400 Malformed: malformed webhook body: a Typeform webhook without `form_response`",
        "400 Malformed: malformed webhook body: no topic given and the body has no `event`",
        "400 Malformed: malformed webhook body: a Shopify order without `id`",
        "400 Malformed: malformed webhook body: custom webhooks are routed by their webhookPath",
    ]),
    ("supported event, payload 5", [
        "400 Malformed: malformed webhook body: no topic given and the body has no `scope`",
        "400 Malformed: malformed webhook body: no topic given and the body has no `event_type`",
        "400 Malformed: malformed webhook body: not a Calendly webhook body: invalid type: integer `5`, expected struct CalendlyInvitee",
        "400 Malformed: malformed webhook body: a Shopify order without `id`",
        "400 Malformed: malformed webhook body: custom webhooks are routed by their webhookPath",
    ]),
    ("supported event, uri 5", [
        "400 Malformed: malformed webhook body: no topic given and the body has no `scope`",
        "400 Malformed: malformed webhook body: no topic given and the body has no `event_type`",
        "400 Malformed: malformed webhook body: not a Calendly invitee: invalid type: integer `5`, expected a string",
        "400 Malformed: malformed webhook body: a Shopify order without `id`",
        "400 Malformed: malformed webhook body: custom webhooks are routed by their webhookPath",
    ]),
    ("stray event_type, valid callback", [
        "400 Malformed: malformed webhook body: the webhook body: invalid type: integer `5`, expected a string at line 1 column 48",
        "400 Malformed: malformed webhook body: the webhook body: invalid type: integer `5`, expected a string at line 1 column 48",
        "400 Malformed: malformed webhook body: the webhook body: invalid type: integer `5`, expected a string at line 1 column 48",
        "400 Malformed: malformed webhook body: a Shopify order without `id`",
        "400 Malformed: malformed webhook body: custom webhooks are routed by their webhookPath",
    ]),
    ("stray event_type, no data", [
        "400 Malformed: malformed webhook body: the webhook body: invalid type: integer `5`, expected a string at line 1 column 48",
        "400 Malformed: malformed webhook body: the webhook body: invalid type: integer `5`, expected a string at line 1 column 48",
        "400 Malformed: malformed webhook body: the webhook body: invalid type: integer `5`, expected a string at line 1 column 48",
        "400 Malformed: malformed webhook body: a Shopify order without `id`",
        "400 Malformed: malformed webhook body: custom webhooks are routed by their webhookPath",
    ]),
    ("stray scope, valid form response", [
        "400 Malformed: malformed webhook body: the webhook body: invalid type: integer `5`, expected a string at line 1 column 42",
        "400 Malformed: malformed webhook body: the webhook body: invalid type: integer `5`, expected a string at line 1 column 42",
        "400 Malformed: malformed webhook body: the webhook body: invalid type: integer `5`, expected a string at line 1 column 42",
        "400 Malformed: malformed webhook body: a Shopify order without `id`",
        "400 Malformed: malformed webhook body: custom webhooks are routed by their webhookPath",
    ]),
    ("stray scope, valid invitee", [
        "400 Malformed: malformed webhook body: the webhook body: invalid type: integer `5`, expected a string at line 1 column 39",
        "400 Malformed: malformed webhook body: the webhook body: invalid type: integer `5`, expected a string at line 1 column 39",
        "400 Malformed: malformed webhook body: the webhook body: invalid type: integer `5`, expected a string at line 1 column 39",
        "400 Malformed: malformed webhook body: a Shopify order without `id`",
        "400 Malformed: malformed webhook body: custom webhooks are routed by their webhookPath",
    ]),
    ("duplicate scope", [
        "400 Malformed: malformed webhook body: the webhook body: duplicate field `scope` at line 1 column 40",
        "400 Malformed: malformed webhook body: the webhook body: duplicate field `scope` at line 1 column 40",
        "400 Malformed: malformed webhook body: the webhook body: duplicate field `scope` at line 1 column 40",
        "400 Malformed: malformed webhook body: a Shopify order without `id`",
        "400 Malformed: malformed webhook body: custom webhooks are routed by their webhookPath",
    ]),
    ("duplicate data", [
        "400 Malformed: malformed webhook body: not a BigCommerce callback body: duplicate field `data` at line 1 column 58",
        "400 Malformed: malformed webhook body: no topic given and the body has no `event_type`",
        "400 Malformed: malformed webhook body: no topic given and the body has no `event`",
        "400 Malformed: malformed webhook body: a Shopify order without `id`",
        "400 Malformed: malformed webhook body: custom webhooks are routed by their webhookPath",
    ]),
    ("duplicate event, valid invitee", [
        "400 Malformed: malformed webhook body: the webhook body: duplicate field `event` at line 1 column 37",
        "400 Malformed: malformed webhook body: the webhook body: duplicate field `event` at line 1 column 37",
        "400 Malformed: malformed webhook body: the webhook body: duplicate field `event` at line 1 column 37",
        "400 Malformed: malformed webhook body: a Shopify order without `id`",
        "400 Malformed: malformed webhook body: custom webhooks are routed by their webhookPath",
    ]),
    ("duplicate event_type", [
        "400 Malformed: malformed webhook body: the webhook body: duplicate field `event_type` at line 1 column 44",
        "400 Malformed: malformed webhook body: the webhook body: duplicate field `event_type` at line 1 column 44",
        "400 Malformed: malformed webhook body: the webhook body: duplicate field `event_type` at line 1 column 44",
        "400 Malformed: malformed webhook body: a Shopify order without `id`",
        "400 Malformed: malformed webhook body: custom webhooks are routed by their webhookPath",
    ]),
    ("escaped scope", [
        "ok order.completed.v1",
        "400 Malformed: malformed webhook body: no topic given and the body has no `event_type`",
        "400 Malformed: malformed webhook body: no topic given and the body has no `event`",
        "400 Malformed: malformed webhook body: a Shopify order without `id`",
        "400 Malformed: malformed webhook body: custom webhooks are routed by their webhookPath",
    ]),
    ("typeform body", [
        "400 Malformed: malformed webhook body: no topic given and the body has no `scope`",
        "ok form.submitted.v1",
        "400 Malformed: malformed webhook body: no topic given and the body has no `event`",
        "400 Malformed: malformed webhook body: a Shopify order without `id`",
        "400 Malformed: malformed webhook body: custom webhooks are routed by their webhookPath",
    ]),
    ("calendly body", [
        "400 Malformed: malformed webhook body: no topic given and the body has no `scope`",
        "400 Malformed: malformed webhook body: no topic given and the body has no `event_type`",
        "ok booking.scheduled.v1",
        "400 Malformed: malformed webhook body: a Shopify order without `id`",
        "400 Malformed: malformed webhook body: custom webhooks are routed by their webhookPath",
    ]),
    ("calendly invitee alone", [
        "400 Malformed: malformed webhook body: no topic given and the body has no `scope`",
        "400 Malformed: malformed webhook body: no topic given and the body has no `event_type`",
        "400 Malformed: malformed webhook body: no topic given and the body has no `event`",
        "400 Malformed: malformed webhook body: a Shopify order without `id`",
        "400 Malformed: malformed webhook body: custom webhooks are routed by their webhookPath",
    ]),
    ("bigcommerce body", [
        "ok order.completed.v1",
        "400 Malformed: malformed webhook body: no topic given and the body has no `event_type`",
        "400 Malformed: malformed webhook body: no topic given and the body has no `event`",
        "400 Malformed: malformed webhook body: a Shopify order without `id`",
        "400 Malformed: malformed webhook body: custom webhooks are routed by their webhookPath",
    ]),
    ("depth 200", [
        "400 Malformed: malformed webhook body: the webhook body: invalid type: sequence, expected a string at line 1 column 1",
        "400 Malformed: malformed webhook body: the webhook body: invalid type: sequence, expected a string at line 1 column 1",
        "400 Malformed: malformed webhook body: the webhook body: invalid type: sequence, expected a string at line 1 column 1",
        "400 Malformed: malformed webhook body: not a Shopify order body: invalid type: sequence, expected a string or a number at line 1 column 2",
        "400 Malformed: malformed webhook body: custom webhooks are routed by their webhookPath",
    ]),
    ("depth 200 in an object", [
        "400 Malformed: malformed webhook body: no topic given and the body has no `scope`",
        "400 Malformed: malformed webhook body: no topic given and the body has no `event_type`",
        "400 Malformed: malformed webhook body: no topic given and the body has no `event`",
        "400 Malformed: malformed webhook body: a Shopify order without `id`",
        "400 Malformed: malformed webhook body: custom webhooks are routed by their webhookPath",
    ]),
    ("depth 200 after a supported scope", [
        "400 Malformed: malformed webhook body: a BigCommerce callback without `data.id`",
        "400 Malformed: malformed webhook body: no topic given and the body has no `event_type`",
        "400 Malformed: malformed webhook body: no topic given and the body has no `event`",
        "400 Malformed: malformed webhook body: a Shopify order without `id`",
        "400 Malformed: malformed webhook body: custom webhooks are routed by their webhookPath",
    ]),
    ("depth 200 after a supported event", [
        "400 Malformed: malformed webhook body: no topic given and the body has no `scope`",
        "400 Malformed: malformed webhook body: no topic given and the body has no `event_type`",
        "400 Malformed: malformed webhook body: not a Calendly webhook body: recursion limit exceeded at line 1 column 161",
        "400 Malformed: malformed webhook body: a Shopify order without `id`",
        "400 Malformed: malformed webhook body: custom webhooks are routed by their webhookPath",
    ]),
    ("depth 200 after a supported event_type", [
        "400 Malformed: malformed webhook body: no topic given and the body has no `scope`",
        "400 Malformed: malformed webhook body: a Typeform webhook without `form_response`",
        "400 Malformed: malformed webhook body: no topic given and the body has no `event`",
        "400 Malformed: malformed webhook body: a Shopify order without `id`",
        "400 Malformed: malformed webhook body: custom webhooks are routed by their webhookPath",
    ]),
    ("1e999", [
        "400 Malformed: malformed webhook body: the webhook body: number out of range at line 1 column 5",
        "400 Malformed: malformed webhook body: the webhook body: number out of range at line 1 column 5",
        "400 Malformed: malformed webhook body: the webhook body: number out of range at line 1 column 5",
        "400 Malformed: malformed webhook body: not a Shopify order body: number out of range at line 1 column 5",
        "400 Malformed: malformed webhook body: custom webhooks are routed by their webhookPath",
    ]),
    ("1e999 in an object", [
        "400 Malformed: malformed webhook body: no topic given and the body has no `scope`",
        "400 Malformed: malformed webhook body: no topic given and the body has no `event_type`",
        "400 Malformed: malformed webhook body: no topic given and the body has no `event`",
        "400 Malformed: malformed webhook body: a Shopify order without `id`",
        "400 Malformed: malformed webhook body: custom webhooks are routed by their webhookPath",
    ]),
    ("1e999 as data.id", [
        "400 Malformed: malformed webhook body: not a BigCommerce callback body: number out of range at line 1 column 53",
        "400 Malformed: malformed webhook body: no topic given and the body has no `event_type`",
        "400 Malformed: malformed webhook body: no topic given and the body has no `event`",
        "400 Malformed: malformed webhook body: a Shopify order without `id`",
        "400 Malformed: malformed webhook body: custom webhooks are routed by their webhookPath",
    ]),
    ("1e999 after a supported event", [
        "400 Malformed: malformed webhook body: no topic given and the body has no `scope`",
        "400 Malformed: malformed webhook body: no topic given and the body has no `event_type`",
        "400 Malformed: malformed webhook body: not a Calendly webhook body: number out of range at line 1 column 39",
        "400 Malformed: malformed webhook body: a Shopify order without `id`",
        "400 Malformed: malformed webhook body: custom webhooks are routed by their webhookPath",
    ]),
    ("1e999 after a supported event_type", [
        "400 Malformed: malformed webhook body: no topic given and the body has no `scope`",
        "400 Malformed: malformed webhook body: a Typeform webhook without `form_response`",
        "400 Malformed: malformed webhook body: no topic given and the body has no `event`",
        "400 Malformed: malformed webhook body: a Shopify order without `id`",
        "400 Malformed: malformed webhook body: custom webhooks are routed by their webhookPath",
    ]),
];
