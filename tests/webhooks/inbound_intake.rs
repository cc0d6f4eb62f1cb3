//! Hostile inbound webhooks (docs/hostile-input.md): signatures first, then the body, each with the
//! exact error it gets; and secrets per source, as the security review (docs/security-review.md)
//! claims.

use std::time::{Duration, UNIX_EPOCH};

use loop_contracts::inbound::{
    InboundError, Intake, Route, SignatureError, SignatureScheme, SigningSecret, Source, TransformContext,
};
use suite::sandbox::*;

use suite::hostile::*;

use suite::secrets::*;

struct InboundCase {
    input: &'static str,
    route: Route<'static>,
    /// The headers (signature included) and the body.
    request: fn() -> Request,
    /// `Ok(event name)` or (status, code, message).
    expect: Result<&'static str, (u16, &'static str, &'static str)>,
}

const SHOPIFY: Route<'static> = Route::BuiltIn { source: Source::Shopify, topic: Some("orders/create") };
const TYPEFORM: Route<'static> = Route::BuiltIn { source: Source::Typeform, topic: Some("form_response") };
const CALENDLY: Route<'static> = Route::BuiltIn { source: Source::Calendly, topic: Some("invitee.created") };

fn shopify_signed(body: Vec<u8>) -> Request {
    signed_request(SignatureScheme::Shopify, SHOPIFY_SECRET, body, |value| value)
}

/// The Shopify fixture, signed, with its signature header value passed through `edit`.
fn shopify_signed_edited(edit: impl FnOnce(String) -> String) -> Request {
    signed_request(SignatureScheme::Shopify, SHOPIFY_SECRET, fixture("shopify/orders-create.json"), edit)
}

/// A body signed now with `secret`, its signature header value passed through `edit`.
fn signed_request(
    scheme: SignatureScheme,
    secret: &str,
    body: Vec<u8>,
    edit: impl FnOnce(String) -> String,
) -> Request {
    let (name, value) = signed(scheme, secret, &body, 0);
    (vec![pair(name, edit(value))], body)
}

const INBOUND: &[InboundCase] = &[
    InboundCase {
        input: "forged Shopify signature, body not even JSON",
        route: SHOPIFY,
        request: || (vec![pair("X-Shopify-Hmac-Sha256", format!("{}=", "A".repeat(43)))], b"{not json".to_vec()),
        expect: Err((401, "UNAUTHORIZED", "signature does not match the body")),
    },
    InboundCase {
        input: "Shopify signature of another secret",
        route: SHOPIFY,
        request: || {
            signed_request(SignatureScheme::Shopify, "shpss_someone_else", fixture("shopify/orders-create.json"), |v| v)
        },
        expect: Err((401, "UNAUTHORIZED", "signature does not match the body")),
    },
    InboundCase {
        input: "missing Shopify signature",
        route: SHOPIFY,
        request: || (vec![pair("X-Shopify-Topic", "orders/create")], fixture("shopify/orders-create.json")),
        expect: Err((401, "UNAUTHORIZED", "missing signature header `X-Shopify-Hmac-Sha256`")),
    },
    InboundCase {
        input: "truncated Shopify signature (30 bytes)",
        route: SHOPIFY,
        request: || shopify_signed_edited(|v| v[..40].to_owned()),
        expect: Err((
            401,
            "UNAUTHORIZED",
            "malformed signature header `X-Shopify-Hmac-Sha256`: not a 32-byte HMAC-SHA256",
        )),
    },
    InboundCase {
        input: "truncated Shopify signature (cut mid-quantum)",
        route: SHOPIFY,
        request: || shopify_signed_edited(|v| v[..43].to_owned()),
        expect: Err((
            401,
            "UNAUTHORIZED",
            "malformed signature header `X-Shopify-Hmac-Sha256`: not standard base64 with padding",
        )),
    },
    InboundCase {
        input: "a 2 KiB Shopify signature header",
        route: SHOPIFY,
        request: || (vec![pair("X-Shopify-Hmac-Sha256", "A".repeat(2048))], fixture("shopify/orders-create.json")),
        expect: Err((
            401,
            "UNAUTHORIZED",
            "malformed signature header `X-Shopify-Hmac-Sha256`: longer than 1024 bytes",
        )),
    },
    InboundCase {
        input: "Typeform signature without its `sha256=` prefix",
        route: TYPEFORM,
        request: || {
            let body = fixture("typeform/form-response.json");
            signed_request(SignatureScheme::Typeform, TYPEFORM_SECRET, body, |v| v["sha256=".len()..].to_owned())
        },
        expect: Err((
            401,
            "UNAUTHORIZED",
            "malformed signature header `Typeform-Signature`: does not start with `sha256=`",
        )),
    },
    InboundCase {
        input: "Typeform body altered after signing",
        route: TYPEFORM,
        request: || {
            let body = fixture("typeform/form-response.json");
            let (name, value) = signed(SignatureScheme::Typeform, TYPEFORM_SECRET, &body, 0);
            (vec![pair(name, value)], [&body[..], &b" "[..]].concat())
        },
        expect: Err((401, "UNAUTHORIZED", "signature does not match the body")),
    },
    InboundCase {
        input: "Calendly signature without `t=`",
        route: CALENDLY,
        request: || {
            let body = fixture("calendly/invitee-created.json");
            signed_request(SignatureScheme::calendly(), CALENDLY_SECRET, body, |v| {
                v.split_once(',').unwrap().1.to_owned()
            })
        },
        expect: Err((
            401,
            "UNAUTHORIZED",
            "malformed signature header `Calendly-Webhook-Signature`: no `t=` timestamp",
        )),
    },
    InboundCase {
        input: "forged Calendly signature with a stale timestamp",
        route: CALENDLY,
        request: || {
            let body = fixture("calendly/invitee-created.json");
            (vec![pair("Calendly-Webhook-Signature", format!("t=1606153879,v1={}", "ab".repeat(32)))], body)
        },
        expect: Err((401, "UNAUTHORIZED", "signature does not match the body")),
    },
    InboundCase {
        input: "Shopify, signed, body not JSON",
        route: SHOPIFY,
        request: || shopify_signed(b"{not json".to_vec()),
        expect: Err((400, "MALFORMED_REQUEST", "not a Shopify order body: key must be a string at line 1 column 2")),
    },
    InboundCase {
        input: "Shopify, signed, invalid UTF-8",
        route: SHOPIFY,
        request: || shopify_signed(b"{\"email\": \"\xff\"}".to_vec()),
        expect: Err((
            400,
            "MALFORMED_REQUEST",
            "not a Shopify order body: invalid unicode code point at line 1 column 12",
        )),
    },
    InboundCase {
        input: "Shopify, signed, 10,000-deep value where the email goes",
        route: SHOPIFY,
        request: || shopify_signed(shopify_order_with(&format!(r#""email": {}"#, nested(10_000)))),
        expect: Err((
            400,
            "MALFORMED_REQUEST",
            "not a Shopify order body: invalid type: sequence, expected a string or a number at line 1 column 11",
        )),
    },
    InboundCase {
        input: "Shopify, signed, 10,000-deep value under a key the transform skips",
        route: SHOPIFY,
        request: || shopify_signed(shopify_order_with(&format!(r#""x": {}"#, nested(10_000)))),
        expect: Ok("order.completed.v1"),
    },
    InboundCase {
        input: "Shopify, signed, an id beyond 64 bits (would be rounded)",
        route: SHOPIFY,
        request: || shopify_signed(shopify_order_with(r#""id": 123456789012345678901234567890"#)),
        expect: Err((
            400,
            "MALFORMED_REQUEST",
            "not a Shopify order body: invalid value: floating point `1.2345678901234568e+29`, expected an id that \
             fits 64 bits, or a string at line 1 column 37",
        )),
    },
    InboundCase {
        input: "Shopify, signed, a number beyond a double",
        route: SHOPIFY,
        request: || shopify_signed(shopify_order_with(r#""id": 1e400"#)),
        expect: Err((400, "MALFORMED_REQUEST", "not a Shopify order body: number out of range at line 1 column 12")),
    },
    InboundCase {
        input: "Shopify, signed, a duplicate key the transform reads",
        route: SHOPIFY,
        request: || shopify_signed(shopify_order_with(r#""email": "not-an-email""#)),
        expect: Err((
            400,
            "MALFORMED_REQUEST",
            "not a Shopify order body: duplicate field `email` at line 78 column 9",
        )),
    },
    InboundCase {
        input: "Calendly, signed, 10,000-deep nesting",
        route: CALENDLY,
        request: || {
            let body = fixture("calendly/invitee-created.json");
            let body = [format!(r#"{{"x": {}, "#, nested(10_000)).as_bytes(), &body[1..]].concat();
            signed_request(SignatureScheme::calendly(), CALENDLY_SECRET, body, |v| v)
        },
        expect: Err((
            400,
            "MALFORMED_REQUEST",
            "not a Calendly webhook body: recursion limit exceeded at line 1 column 133",
        )),
    },
    InboundCase {
        input: "declared route, 10,000-deep nesting",
        route: Route::Path("/hooks/lead"),
        request: || (Vec::new(), format!(r#"{{"x": {}}}"#, nested(10_000)).into_bytes()),
        expect: Err((
            400,
            "MALFORMED_REQUEST",
            "the webhook body is not JSON: recursion limit exceeded at line 1 column 133",
        )),
    },
    InboundCase {
        input: "undeclared route",
        route: Route::Path("/hooks/nothing"),
        request: || (Vec::new(), b"{}".to_vec()),
        expect: Err((404, "UNKNOWN_EVENT", "no webhook is declared at \"/hooks/nothing\"")),
    },
];

#[test]
fn inbound_webhooks_get_the_exact_error_of_the_table() {
    let intake = inbound_intake();
    for case in INBOUND {
        let (headers, body) = (case.request)();
        match (intake.receive(case.route, &headers, &body), case.expect) {
            (Ok(event), Ok(name)) => assert_eq!(event.event.as_str(), name, "{}", case.input),
            (Err(err), Err((status, code, message))) => {
                let response = err.to_validation_error();
                assert_eq!(
                    (err.http_status(), response.code().as_str(), response.message()),
                    (status, code, message),
                    "{}",
                    case.input
                );
            }
            (got, _) => panic!("{}: {got:?}", case.input),
        }
    }
}

#[test]
fn a_bad_signature_stops_the_webhook_before_the_transform() {
    // A body every transform would refuse (not JSON) with a forged signature: the answer is about
    // the signature, so nothing was parsed; the same through the candidate step.
    let intake = inbound_intake();
    let forged = [("X-Shopify-Hmac-Sha256", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=")];
    for body in [b"{not json".to_vec(), nested(10_000).into_bytes(), b"\xff".to_vec()] {
        let err = intake.candidate(SHOPIFY, &forged, &body).unwrap_err();
        assert_eq!(err, InboundError::Signature(SignatureError::Mismatch));
    }
    // Calendly: a signature that matches but is stale is refused after the comparison and before
    // the body is read.
    let body = b"{not json";
    let (name, value) = signed(SignatureScheme::calendly(), CALENDLY_SECRET, body, 3600);
    let err = intake.receive(CALENDLY, &[(name, value.as_str())], body).unwrap_err();
    assert!(
        matches!(err, InboundError::Signature(SignatureError::Stale { age_secs: 3600..=3601, tolerance_secs: 180 })),
        "{err:?}"
    );
    let signed_at = UNIX_EPOCH + Duration::from_secs(1_606_153_879);
    let value = SignatureScheme::calendly().sign(&SigningSecret::from_text(CALENDLY_SECRET), body, signed_at).1;
    let headers = [("Calendly-Webhook-Signature", value.as_str())];
    let secret = SigningSecret::from_text(CALENDLY_SECRET);
    let at = |secs: u64| signed_at + Duration::from_secs(secs);
    assert_eq!(
        SignatureScheme::calendly().verify_at(&secret, &headers, body, at(181)),
        Err(SignatureError::Stale { age_secs: 181, tolerance_secs: 180 })
    );
    assert_eq!(
        SignatureScheme::calendly().verify_at(&secret, &headers, body, signed_at - Duration::from_secs(181)),
        Err(SignatureError::FromTheFuture { ahead_secs: 181, tolerance_secs: 180 })
    );
}

#[test]
fn a_route_for_a_signing_source_without_its_secret_is_refused() {
    // Secrets are per source: a source that signs is refused until it has one (or is explicitly
    // accepted unsigned), rather than silently let through.
    let intake =
        Intake::new(TransformContext::default()).with_secret(Source::Shopify, SigningSecret::from_text(SECRET));
    let body = std::fs::read(suite::fixture("webhooks/typeform/form-response.json")).unwrap();
    let route = Route::BuiltIn { source: Source::Typeform, topic: None };
    let err = intake.receive(route, &[("content-type", "application/json")], &body).unwrap_err();
    assert_eq!(err.http_status(), 401);
    // The request is not to blame: the message names the missing configuration.
    assert_eq!(
        err.to_string(),
        "webhook signature rejected: no signing secret is configured for `typeform`, so its signature cannot be checked"
    );
}

#[test]
fn a_secret_for_a_source_that_does_not_sign_refuses_rather_than_checks_nothing() {
    // BigCommerce does not sign its callbacks: a secret given for it could verify nothing, and
    // accepting its webhooks as if verified would hide that.
    let body = std::fs::read(suite::fixture("webhooks/bigcommerce/customer-created.json")).unwrap();
    let route = || Route::BuiltIn { source: Source::BigCommerce, topic: None };
    let open = Intake::new(TransformContext::for_brand(BRAND.parse().unwrap()));
    assert!(open.receive(route(), &[("content-type", "application/json")], &body).is_ok());
    let intake = open.with_secret(Source::BigCommerce, SigningSecret::from_text(SECRET));
    let err = intake.receive(route(), &[("content-type", "application/json")], &body).unwrap_err();
    assert_eq!(err.http_status(), 401);
    assert_eq!(
        err.to_string(),
        "webhook signature rejected: a signing secret is configured for `bigcommerce`, which does not sign its webhooks"
    );
    // The command-line sandbox refuses such a secret when it starts.
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let args = ["loop-contracts", "sandbox", "--secret", "bigcommerce=x", "--addr", "127.0.0.1:0"];
    assert_eq!(loop_contracts_cli::run(args, &mut std::io::empty(), &mut out, &mut err), 2);
    let err = String::from_utf8(err).unwrap();
    assert!(err.contains("--secret: a signing secret is configured for `bigcommerce`, which does not sign"), "{err}");
}
