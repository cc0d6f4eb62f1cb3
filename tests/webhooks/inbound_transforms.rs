//! The built-in transforms on every real vendor payload in `tests/fixtures/webhooks/`, the
//! integration guide's example declaration on the real Shopify order, declared transforms, enrichment and the intake.

use loop_contracts::inbound::{
    derive_event_id, Declaration, DeclarationError, InboundError, Intake, Route, SignatureScheme, SigningSecret,
    Source, TransformContext,
};
use loop_contracts::validate_event;
use serde_json::{json, Value};
use uuid::Uuid;

const BRAND: &str = "6f1c2a9e-1b7d-4c1e-9a55-2f1a3b4c5d6e";

fn brand() -> TransformContext {
    TransformContext::for_brand(BRAND.parse().unwrap())
}

/// A fixture's raw bytes; captures stored as `{headers, body, topic}` give their body (re-serialised).
fn body(path: &str) -> Vec<u8> {
    let bytes = std::fs::read(suite::fixture(&format!("webhooks/{path}"))).unwrap();
    let value: Value = serde_json::from_slice(&bytes).unwrap();
    match (value.get("headers"), value.get("body")) {
        (Some(_), Some(body)) => serde_json::to_vec(body).unwrap(),
        _ => bytes,
    }
}

const SUPPORTED: &[(&str, Source, &str, &str)] = &[
    ("shopify/orders-create.json", Source::Shopify, "orders/create", "order.completed.v1"),
    ("shopify/orders-create.json", Source::Shopify, "orders/paid", "order.completed.v1"),
    ("shopify/orders-create.test-notification.json", Source::Shopify, "orders/create", "order.completed.v1"),
    ("shopify/orders-create.rest-order-resource.json", Source::Shopify, "orders/create", "order.completed.v1"),
    ("shopify/customers-create.json", Source::Shopify, "customers/create", "customer.created.v1"),
    (
        "shopify/customers-create.hookdeck-capture-2024-10.json",
        Source::Shopify,
        "customers/create",
        "customer.created.v1",
    ),
    ("shopify/fulfillments-create.json", Source::Shopify, "fulfillments/create", "fulfillment.created.v1"),
    ("bigcommerce/order-created.json", Source::BigCommerce, "store/order/created", "order.completed.v1"),
    ("bigcommerce/customer-created.json", Source::BigCommerce, "store/customer/created", "customer.created.v1"),
    ("typeform/form-response.json", Source::Typeform, "form_response", "form.submitted.v1"),
    ("typeform/form-response.actionsflow-2020.json", Source::Typeform, "form_response", "form.submitted.v1"),
    ("calendly/invitee-created.json", Source::Calendly, "invitee.created", "booking.scheduled.v1"),
    ("calendly/invitee-created.hull-2020.json", Source::Calendly, "invitee.created", "booking.scheduled.v1"),
    ("calendly/invitee-payload-object.docs-example.json", Source::Calendly, "invitee.created", "booking.scheduled.v1"),
    ("calendly/invitee-canceled.json", Source::Calendly, "invitee.canceled", "booking.canceled.v1"),
    ("calendly/invitee-canceled.hull-2020.json", Source::Calendly, "invitee.canceled", "booking.canceled.v1"),
];

#[test]
fn every_fixture_of_a_supported_topic_becomes_a_valid_event() {
    for &(file, source, topic, event) in SUPPORTED {
        let result = match (source, topic) {
            // BigCommerce sends no email, which order.completed.v1 requires: the host enriches.
            (Source::BigCommerce, "store/order/created") => {
                let mut candidate = Intake::new(brand())
                    .candidate(Route::BuiltIn { source, topic: Some(topic) }, &[] as &[(&str, &str)], &body(file))
                    .unwrap();
                candidate.set("email", json!("buyer@example.com"));
                candidate.validate()
            }
            _ => source.transform(topic, &body(file), &brand()),
        };
        let transformed = result.unwrap_or_else(|e| panic!("{file} ({topic}): {e}\n{:#?}", e.to_validation_error()));
        assert_eq!(transformed.event.as_str(), event, "{file}");
        assert!(validate_event(event, &transformed.payload).is_ok(), "{file}");
        assert_eq!(transformed.payload["brandId"], BRAND, "{file}: brandId from configuration");
        let occurred = transformed.payload["occurredAt"].as_str().unwrap();
        assert!(occurred.ends_with('Z'), "{file}: {occurred} is UTC");
    }
}

#[test]
fn unsupported_topics_are_refused_clearly() {
    for (file, source, topic) in [
        ("bigcommerce/order-status-updated.json", Source::BigCommerce, "store/order/statusUpdated"),
        (
            "bigcommerce/order-status-updated.https-overview-example.json",
            Source::BigCommerce,
            "store/order/statusUpdated",
        ),
        ("bigcommerce/order-updated.graphql-overview-example.json", Source::BigCommerce, "store/order/updated"),
        ("bigcommerce/product-created.hookdeck-capture.json", Source::BigCommerce, "store/product/created"),
        ("typeform/form-response.json", Source::Typeform, "form_response_partial"),
        ("shopify/orders-create.json", Source::Shopify, "orders/cancelled"),
    ] {
        let err = source.transform(topic, &body(file), &brand()).unwrap_err();
        assert!(matches!(err, InboundError::UnsupportedTopic { .. }), "{file}: {err}");
        assert!(err.to_string().contains("unsupported topic"), "{err}");
        assert_eq!(err.http_status(), 422);
    }
    // Through the intake, the topic is read from the body.
    let intake = Intake::new(brand());
    let err = intake
        .receive(
            Route::BuiltIn { source: Source::BigCommerce, topic: None },
            &[] as &[(&str, &str)],
            &body("bigcommerce/order-updated.graphql-overview-example.json"),
        )
        .unwrap_err();
    assert!(matches!(err, InboundError::UnsupportedTopic { .. }), "{err}");
}

#[test]
fn provider_ids_above_2_pow_53_are_exact() {
    let order = Source::Shopify.transform("orders/create", &body("shopify/orders-create.json"), &brand()).unwrap();
    assert_eq!(order.payload["orderId"], "820982911946154508");
    assert_eq!(order.payload["customerId"], "115310627314723954");
    assert_eq!(order.payload["lineItems"][0]["productId"], "788032119674292922");
    // The capture whose body went through a float: the exact id survives in admin_graphql_api_id.
    let customer = Source::Shopify
        .transform("customers/create", &body("shopify/customers-create.hookdeck-capture-2024-10.json"), &brand())
        .unwrap();
    assert_eq!(customer.payload["customerId"], "706405506930370084");
}

/// A body as a JavaScript receiver re-serialises it: every whole number from 2^53 up goes through a
/// double and is written back in its shortest form (820982911946154508 becomes 820982911946154500).
fn through_doubles(value: &mut Value) {
    match value {
        Value::Number(n) => {
            if let Some(exact) = n.as_u64().filter(|&u| u >= 1 << 53) {
                *n = format!("{}", exact as f64).parse::<u64>().unwrap().into();
            }
        }
        Value::Array(items) => items.iter_mut().for_each(through_doubles),
        Value::Object(map) => map.values_mut().for_each(through_doubles),
        _ => {}
    }
}

fn shopify(topic: &str, body: &Value) -> Result<Value, InboundError> {
    Source::Shopify.transform(topic, &serde_json::to_vec(body).unwrap(), &brand()).map(|event| event.payload)
}

#[test]
fn shopify_ids_rounded_by_a_receiver_are_restored_from_their_graphql_ids() {
    let mut order: Value = serde_json::from_slice(&body("shopify/orders-create.json")).unwrap();
    through_doubles(&mut order);
    assert_eq!(order["id"], json!(820982911946154500_u64));
    assert_eq!(order["customer"]["id"], json!(115310627314723950_u64));
    let event = shopify("orders/create", &order).unwrap();
    assert_eq!(event["orderId"], "820982911946154508");
    assert_eq!(event["customerId"], "115310627314723954");
    // Line items' product and variant ids have no GraphQL id beside them: nothing to restore from.

    // The nested customer alone, as in the issue; and a customer with only its GraphQL id.
    let mut order: Value = serde_json::from_slice(&body("shopify/orders-create.json")).unwrap();
    order["customer"]["id"] = json!(115310627314723950_u64);
    assert_eq!(shopify("orders/create", &order).unwrap()["customerId"], "115310627314723954");
    order["customer"].as_object_mut().unwrap().remove("id");
    assert_eq!(shopify("orders/create", &order).unwrap()["customerId"], "115310627314723954");

    let mut customer: Value = serde_json::from_slice(&body("shopify/customers-create.json")).unwrap();
    through_doubles(&mut customer);
    assert_eq!(customer["id"], json!(706405506930370000_u64));
    assert_eq!(shopify("customers/create", &customer).unwrap()["customerId"], "706405506930370084");

    let mut fulfillment: Value = serde_json::from_slice(&body("shopify/fulfillments-create.json")).unwrap();
    fulfillment["id"] = json!(255858046312345678_u64);
    fulfillment["admin_graphql_api_id"] = json!("gid://shopify/Fulfillment/255858046312345678");
    through_doubles(&mut fulfillment);
    assert_eq!(fulfillment["id"], json!(255858046312345660_u64));
    assert_eq!(shopify("fulfillments/create", &fulfillment).unwrap()["fulfillmentId"], "255858046312345678");
}

#[test]
fn exact_shopify_ids_pass_through_and_the_graphql_id_wins_a_disagreement() {
    // Exact ids, with GraphQL ids that agree (the samples) or without any (the REST resource).
    let order = shopify("orders/create", &serde_json::from_slice(&body("shopify/orders-create.json")).unwrap());
    let order = order.unwrap();
    assert_eq!((&order["orderId"], &order["customerId"]), (&json!("820982911946154508"), &json!("115310627314723954")));
    let rest = shopify(
        "orders/create",
        &serde_json::from_slice(&body("shopify/orders-create.rest-order-resource.json")).unwrap(),
    )
    .unwrap();
    assert_eq!((&rest["orderId"], &rest["customerId"]), (&json!("450789469"), &json!("207119551")));
    assert_eq!(
        (&rest["lineItems"][0]["productId"], &rest["lineItems"][0]["variantId"]),
        (&json!("632910392"), &json!("39072856"))
    );
    let fulfillment =
        shopify("fulfillments/create", &serde_json::from_slice(&body("shopify/fulfillments-create.json")).unwrap())
            .unwrap();
    assert_eq!(
        (&fulfillment["fulfillmentId"], &fulfillment["orderId"]),
        (&json!("123456"), &json!("820982911946154508"))
    );

    // Whatever `id` says, the GraphQL id beside it is exact and names the object: it wins, for the
    // order, its customer, a customer and a fulfillment alike.
    let taken = |topic: &str, file: &str, at: &[&str], id: Value, field: &str, exact: &str| {
        let mut value: Value = serde_json::from_slice(&body(file)).unwrap();
        let target = at.iter().fold(&mut value, |v, key| &mut v[*key]);
        target["id"] = id.clone();
        let payload = shopify(topic, &value).unwrap_or_else(|e| panic!("{file} {at:?} {id}: {e}"));
        assert_eq!(payload[field], exact, "{file} {at:?} {id}");
    };
    let order = ("orders/create", "shopify/orders-create.json");
    taken(order.0, order.1, &[], json!(820982911946154700_u64), "orderId", "820982911946154508");
    taken(order.0, order.1, &[], json!(450789469), "orderId", "820982911946154508");
    taken(order.0, order.1, &[], json!("820982911946154500-1"), "orderId", "820982911946154508");
    taken(order.0, order.1, &["customer"], json!(207119551), "customerId", "115310627314723954");
    let customer = ("customers/create", "shopify/customers-create.json");
    taken(customer.0, customer.1, &[], json!(706405506930371000_u64), "customerId", "706405506930370084");
    let fulfillment = ("fulfillments/create", "shopify/fulfillments-create.json");
    taken(fulfillment.0, fulfillment.1, &[], json!(123457), "fulfillmentId", "123456");
}

#[test]
fn event_ids_are_deterministic_and_times_are_utc() {
    let bytes = body("shopify/orders-create.json");
    let first = Source::Shopify.transform("orders/create", &bytes, &brand()).unwrap();
    let again = Source::Shopify.transform("orders/create", &bytes, &brand()).unwrap();
    let paid = Source::Shopify.transform("orders/paid", &bytes, &brand()).unwrap();
    assert_eq!(first.event_id, again.event_id, "a redelivery has the same event id");
    assert_ne!(first.event_id, paid.event_id, "each notification is its own event");
    assert_eq!(first.payload["eventId"], first.event_id.to_string());
    assert_eq!(first.payload["occurredAt"], "2022-01-01T00:00:00Z");
    let other = Source::Shopify
        .transform("orders/create", &body("shopify/orders-create.rest-order-resource.json"), &brand())
        .unwrap();
    assert_ne!(first.event_id, other.event_id);

    let booking =
        Source::Calendly.transform("invitee.created", &body("calendly/invitee-created.json"), &brand()).unwrap();
    assert_eq!(booking.payload["occurredAt"], "2020-11-23T17:51:18.327602Z");
    let bc = Source::BigCommerce
        .transform("store/customer/created", &body("bigcommerce/customer-created.json"), &brand())
        .unwrap();
    assert_eq!(bc.payload["occurredAt"], "2019-06-25T16:52:51Z");
}

/// The `eventId` a built-in transform derives for one notification (a topic, a body and headers).
fn event_id(source: Source, topic: &str, body: &[u8], headers: &[(&str, &str)]) -> String {
    let candidate = source.candidate(topic, body, headers).unwrap();
    candidate.payload()["eventId"].as_str().unwrap().to_owned()
}

/// The `eventId` derived from an identity.
fn derived(identity: &str) -> String {
    derive_event_id(identity).to_string()
}

/// A fixture's body without one top-level field.
fn without(body: &[u8], field: &str) -> Vec<u8> {
    let mut value: Value = serde_json::from_slice(body).unwrap();
    value.as_object_mut().unwrap().remove(field).unwrap();
    serde_json::to_vec(&value).unwrap()
}

#[test]
fn each_notification_is_its_own_event_and_a_redelivery_the_same_one() {
    let order = body("shopify/orders-create.json");
    let shopify = |topic, headers: &[(&str, &str)]| event_id(Source::Shopify, topic, &order, headers);
    let notification = |id| [("X-Shopify-Event-Id", id), ("X-Shopify-Webhook-Id", "b54557e4-bdd9-4b37-8a5f")];
    let created = notification("98880550-7158-44d4-b7cd-2c97c8a091b5");

    // A redelivery (the same body and headers) is the same event.
    assert_eq!(shopify("orders/create", &created), shopify("orders/create", &created));
    // orders/create and orders/paid of one order are two events, with or without the headers.
    assert_ne!(shopify("orders/create", &created), shopify("orders/paid", &created));
    assert_ne!(shopify("orders/create", &[]), shopify("orders/paid", &[]));
    // Two notifications (two X-Shopify-Event-Id values) are two events.
    assert_ne!(shopify("orders/create", &notification("1")), shopify("orders/create", &notification("2")));
    // Without headers the id is still deterministic, from the topic, the order and its updated_at.
    assert_eq!(shopify("orders/create", &[]), shopify("orders/create", &[]));
    assert_eq!(
        shopify("orders/create", &[]),
        derived("shopify:orders/create:order:820982911946154508:2021-12-31T19:00:00-05:00")
    );
    // X-Shopify-Event-Id wins over X-Shopify-Webhook-Id, which serves alone.
    assert_eq!(shopify("orders/paid", &notification("7")), derived("shopify:orders/paid:event:7"));
    let webhook = [("X-Shopify-Webhook-Id", "b54557e4")];
    assert_eq!(shopify("orders/paid", &webhook), derived("shopify:orders/paid:webhook:b54557e4"));
    // A header that is empty, too long or not visible ASCII is ignored, never a panic.
    let long = "9".repeat(201);
    for bad in ["", "a b", "caf\u{e9}", "tab\there", long.as_str()] {
        let headers = [("X-Shopify-Event-Id", bad), ("X-Shopify-Webhook-Id", bad)];
        assert_eq!(shopify("orders/create", &headers), shopify("orders/create", &[]), "{bad:?}");
    }
    let longest = "9".repeat(200);
    let headers = [("X-Shopify-Event-Id", longest.as_str())];
    assert_eq!(shopify("orders/create", &headers), derived(&format!("shopify:orders/create:event:{longest}")));
    let customer = body("shopify/customers-create.json");
    assert_ne!(
        event_id(Source::Shopify, "customers/create", &customer, &notification("7")),
        shopify("orders/create", &notification("7")),
        "the topic is part of the identity"
    );

    // The other vendors: the notification's own id, from the body.
    let typeform = body("typeform/form-response.json");
    assert_eq!(event_id(Source::Typeform, "form_response", &typeform, &[]), derived("typeform:event:LtWXD3crgy"));
    let bigcommerce = body("bigcommerce/order-created.json");
    assert_eq!(
        event_id(Source::BigCommerce, "store/order/created", &bigcommerce, &[]),
        derived("bigcommerce:1025646:store/order/created:hash:dd70c0976e06b67aaf671e73f49dcb79230ebf9d")
    );
    let calendly = body("calendly/invitee-created.json");
    let value: Value = serde_json::from_slice(&calendly).unwrap();
    let invitee = value["payload"]["uri"].as_str().unwrap();
    assert_eq!(
        event_id(Source::Calendly, "invitee.created", &calendly, &[]),
        derived(&format!("calendly:invitee.created:{invitee}:2020-11-23T17:51:19.000000Z"))
    );

    // Without those ids, each falls back: Typeform to the response, BigCommerce to the object and
    // the callback's time, Calendly to the topic and the invitee.
    let response: Value = serde_json::from_slice(&typeform).unwrap();
    let token = response["form_response"]["token"].as_str().unwrap();
    assert_eq!(
        event_id(Source::Typeform, "form_response", &without(&typeform, "event_id"), &[]),
        derived(&format!("typeform:response:{token}"))
    );
    assert_eq!(
        event_id(Source::BigCommerce, "store/order/created", &without(&bigcommerce, "hash"), &[]),
        derived("bigcommerce:1025646:store/order/created:order:250:1561479335")
    );
    assert_eq!(
        event_id(Source::Calendly, "invitee.created", &without(&calendly, "created_at"), &[]),
        derived(&format!("calendly:invitee.created:{invitee}"))
    );
}

#[test]
fn email_is_found_where_each_vendor_puts_it() {
    let email = |file, source: Source, topic| {
        source.transform(topic, &body(file), &brand()).unwrap().payload.get("email").cloned()
    };
    assert_eq!(email("shopify/orders-create.json", Source::Shopify, "orders/create"), Some(json!("jon@example.com")));
    assert_eq!(
        email("typeform/form-response.json", Source::Typeform, "form_response"),
        Some(json!("laura@example.com"))
    );
    assert_eq!(email("typeform/form-response.actionsflow-2020.json", Source::Typeform, "form_response"), None);
    assert_eq!(
        email("calendly/invitee-canceled.json", Source::Calendly, "invitee.canceled"),
        Some(json!("test@test.com"))
    );
    assert_eq!(email("bigcommerce/customer-created.json", Source::BigCommerce, "store/customer/created"), None);
}

#[test]
fn numbers_are_carried_as_the_vendor_wrote_them() {
    // Typeform's `calculated.score` is the integer 9: it stays `9`, not `9.0`.
    let event = Source::Typeform.transform("form_response", &body("typeform/form-response.json"), &brand()).unwrap();
    assert_eq!(serde_json::to_string(&event.payload["score"]).unwrap(), "9");
}

#[test]
fn without_a_configured_brand_the_issue_says_so() {
    let err = Source::Shopify
        .transform("orders/create", &body("shopify/orders-create.json"), &TransformContext::default())
        .unwrap_err();
    let InboundError::Invalid(err) = err else { panic!("{err}") };
    assert_eq!(err.issues()[0].path, "brandId");
    assert_eq!(err.issues()[0].message, "Required");
}

#[test]
fn bigcommerce_orders_need_the_host_to_supply_the_email() {
    let bytes = body("bigcommerce/order-created.json");
    let intake = Intake::new(brand());
    let route = Route::BuiltIn { source: Source::BigCommerce, topic: Some("store/order/created") };
    // As it comes: refused, and the issue says what is missing and why.
    let err = intake.receive(route, &[] as &[(&str, &str)], &bytes).unwrap_err();
    let InboundError::Invalid(err) = err else { panic!("{err}") };
    assert_eq!(err.issues().len(), 1);
    assert_eq!(err.issues()[0].path, "email");
    assert_eq!(err.issues()[0].message, "Required");
    assert!(err.issues()[0].source.as_deref().unwrap().contains("BigCommerce callbacks carry no email"));
    // Enriched: the host looked the order up (any way it likes, async included) before validating.
    let mut candidate = intake.candidate(route, &[] as &[(&str, &str)], &bytes).unwrap();
    assert_eq!(candidate.payload()["orderId"], "250");
    assert_eq!(candidate.delivery_id(), Some("dd70c0976e06b67aaf671e73f49dcb79230ebf9d"));
    candidate.set("email", json!("buyer@example.com")).set("totalPrice", json!("19.99"));
    let enriched = candidate.validate().unwrap();
    assert_eq!(enriched.payload["email"], "buyer@example.com");
    assert_eq!(enriched.payload["occurredAt"], "2019-06-25T16:15:35Z");
    assert_eq!(enriched.delivery_id.as_deref(), Some("dd70c0976e06b67aaf671e73f49dcb79230ebf9d"));
    // A wrong enrichment is caught like any other invalid payload.
    let mut candidate = intake.candidate(route, &[] as &[(&str, &str)], &bytes).unwrap();
    candidate.set("email", json!("not an email"));
    assert!(matches!(candidate.validate(), Err(InboundError::Invalid(_))));
    // Customers carry no email either, but customer.created.v1 does not require one.
    let customer = intake
        .receive(
            Route::BuiltIn { source: Source::BigCommerce, topic: None },
            &[] as &[(&str, &str)],
            &body("bigcommerce/customer-created.json"),
        )
        .unwrap();
    assert_eq!(customer.payload["customerId"], "32");
}

const SEED_DECLARATION: &str = r#"{
  "tool": "events.declare",
  "input": {
    "name": "order.completed.v1",
    "source": "shopify",
    "webhookPath": "/webhooks/shopify/order-completed",
    "transform": {
      "eventId": "$.id",
      "occurredAt": "$.created_at",
      "brandId": "$.note_attributes.brand_id",
      "email": "$.email"
    }
  }
}"#;

#[test]
fn the_seed_declaration_compiles_and_names_each_path_that_failed_on_the_real_order() {
    let declaration = Declaration::parse(SEED_DECLARATION).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(declaration.webhook_path(), "/webhooks/shopify/order-completed");
    assert_eq!(declaration.source(), Source::Shopify);
    let err = declaration.apply(&body("shopify/orders-create.json"), &TransformContext::default()).unwrap_err();
    let InboundError::Invalid(err) = err else { panic!("{err}") };
    let issues: Vec<(&str, &str, &str)> =
        err.issues().iter().map(|i| (i.path.as_str(), i.message.as_ref(), i.source.as_deref().unwrap_or(""))).collect();
    assert_eq!(
        issues,
        [
            ("eventId", "Expected string, received number", "from `$.id` (a number)"),
            ("occurredAt", "Invalid datetime", "from `$.created_at` (a string)"),
            ("brandId", "Required", "`$.note_attributes.brand_id` matched nothing"),
        ]
    );
    let rendered = serde_json::to_value(loop_contracts::ErrorResponse::from(&err)).unwrap();
    assert_eq!(rendered["error"]["issues"][2]["source"], "`$.note_attributes.brand_id` matched nothing");
}

#[test]
fn declarations_are_checked_when_declared() {
    let decl = |transform: &str| {
        Declaration::parse(&format!(
            r#"{{"name": "lead.captured.v1", "source": "custom", "webhookPath": "/hooks/lead", "transform": {transform}}}"#
        ))
    };
    let ok = r#"{"occurredAt": "$.at", "email": "$.email", "source": {"const": "other"}, "attribution": {"path": "$.utm", "default": {}}}"#;
    assert!(decl(ok).is_ok());
    assert!(matches!(
        decl(r#"{"occurredAt": "$.at[", "email": "$.e", "source": "$.s", "attribution": "$.a"}"#),
        Err(DeclarationError::BadPath { .. })
    ));
    assert!(
        matches!(decl(r#"{"occurredAt": "$.at", "source": "$.s", "attribution": "$.a"}"#), Err(DeclarationError::MissingRequired { field, .. }) if field == "email")
    );
    assert!(
        matches!(decl(r#"{"occurredAt": "$.at", "email": "$.e", "source": "$.s", "attribution": "$.a", "phone": "$.p"}"#), Err(DeclarationError::UnknownField { field, .. }) if field == "phone")
    );
    let unknown_event =
        Declaration::parse(r#"{"name": "lead.captured.v9", "source": "custom", "webhookPath": "/x", "transform": {}}"#);
    assert!(matches!(unknown_event, Err(DeclarationError::UnknownEvent(_))));
    let bad_source =
        Declaration::parse(r#"{"name": "lead.captured.v1", "source": "wix", "webhookPath": "/x", "transform": {}}"#);
    assert!(matches!(bad_source, Err(DeclarationError::UnknownSource(_))));
    let hostile = format!(
        r#"{{"occurredAt": "$.at", "email": "{}", "source": "$.s", "attribution": "$.a"}}"#,
        "$".to_owned() + &"[?@".repeat(200)
    );
    assert!(matches!(decl(&hostile), Err(DeclarationError::BadPath { .. })));
}

#[test]
fn a_declaration_with_coercions_turns_the_real_shopify_order_into_a_valid_event() {
    let declaration = Declaration::parse(
        r#"{"name": "order.completed.v1", "source": "shopify", "webhookPath": "/webhooks/shopify/orders",
            "transform": {
              "eventId": {"path": "$.admin_graphql_api_id", "coerce": "uuid"},
              "occurredAt": {"path": "$.created_at", "coerce": "datetime"},
              "brandId": "$.note_attributes[?@.name=='brand_id'].value",
              "platform": {"const": "shopify"},
              "orderId": {"path": "$.id", "coerce": "string"},
              "email": {"first": ["$.email", "$.contact_email", "$.customer.email"]},
              "currency": "$.currency",
              "tags": {"path": "$.line_items[*].sku"}
            }}"#,
    )
    .unwrap();
    let event = declaration.apply(&body("shopify/orders-create.json"), &brand()).unwrap();
    assert_eq!(event.payload["orderId"], "820982911946154508");
    assert_eq!(event.payload["occurredAt"], "2022-01-01T00:00:00Z");
    assert_eq!(event.payload["brandId"], BRAND, "no brand_id attribute: the configured brand");
    assert!(event.payload["tags"].is_array());
    let again = declaration.apply(&body("shopify/orders-create.json"), &brand()).unwrap();
    assert_eq!(event.event_id, again.event_id);

    // A brand_id note attribute in the payload wins over the configuration.
    let mut order: Value = serde_json::from_slice(&body("shopify/orders-create.json")).unwrap();
    let carried = Uuid::from_u128(7).to_string();
    order["note_attributes"] = json!([{"name": "colour", "value": "green"}, {"name": "brand_id", "value": carried}]);
    let event = declaration.apply(&serde_json::to_vec(&order).unwrap(), &brand()).unwrap();
    assert_eq!(event.payload["brandId"], carried);

    // An id beyond 64 bits arrives as a rounded float: it is not turned into another order's id
    // (text or UUID), and validation says which field is wrong, as for the built-in transform.
    let text = String::from_utf8(body("shopify/orders-create.json")).unwrap();
    let huge = text.replacen(r#""id": 820982911946154508"#, r#""id": 123456789012345678901234567890"#, 1);
    assert_ne!(huge, text);
    let err = declaration.apply(huge.as_bytes(), &brand()).unwrap_err();
    let rendered = serde_json::to_value(err.to_validation_error().to_response()).unwrap();
    let paths: Vec<&str> =
        rendered["error"]["issues"].as_array().unwrap().iter().map(|i| i["path"].as_str().unwrap()).collect();
    assert_eq!(paths, ["orderId"], "{rendered}");
}

#[test]
fn a_booking_that_replaces_another_is_rescheduled() {
    let calendly = |topic: &str, body: &Value| {
        Source::Calendly.transform(topic, &serde_json::to_vec(body).unwrap(), &brand()).unwrap().payload["rescheduled"]
            .clone()
    };
    let fixture = |file: &str| -> Value { serde_json::from_slice(&body(file)).unwrap() };
    // Calendly marks the new booking of a reschedule with `old_invitee`; its `rescheduled` stays false.
    let mut created = fixture("calendly/invitee-created.json");
    assert_eq!(calendly("invitee.created", &created), json!(false));
    created["payload"]["old_invitee"] =
        json!("https://api.calendly.com/scheduled_events/GBGBDCAADAEDCRZ2/invitees/OLDINVITEE");
    assert_eq!(calendly("invitee.created", &created), json!(true));
    let mut alone = fixture("calendly/invitee-payload-object.docs-example.json");
    assert_eq!(calendly("invitee.created", &alone), json!(false));
    alone["old_invitee"] = json!("https://api.calendly.com/scheduled_events/AAAAAAAAAAAAAAAA/invitees/OLDINVITEE");
    assert_eq!(calendly("invitee.created", &alone), json!(true));
    // The invitee a reschedule replaced is canceled with `rescheduled: true` and `new_invitee`.
    let mut canceled = fixture("calendly/invitee-canceled.json");
    assert_eq!(calendly("invitee.canceled", &canceled), json!(false));
    canceled["payload"]["rescheduled"] = json!(true);
    canceled["payload"]["new_invitee"] =
        json!("https://api.calendly.com/scheduled_events/AAAAAAAAAAAaA/invitees/NEWINVITEE");
    assert_eq!(calendly("invitee.canceled", &canceled), json!(true));
    for (topic, body) in [("invitee.created", &created), ("invitee.canceled", &canceled)] {
        let event = Source::Calendly.transform(topic, &serde_json::to_vec(body).unwrap(), &brand()).unwrap();
        assert!(validate_event(event.event.as_str(), &event.payload).is_ok(), "{topic}");
    }
}

#[test]
fn the_intake_verifies_before_it_parses() {
    let secret = SigningSecret::from_text("shpss_intake_test");
    let mut intake = Intake::new(brand()).with_secret(Source::Shopify, secret.clone());
    intake.declare(Declaration::parse(SEED_DECLARATION).unwrap()).unwrap();
    let bytes = body("shopify/orders-create.json");
    let (name, signature) = SignatureScheme::Shopify.sign(&secret, &bytes, std::time::SystemTime::now());
    let headers = [
        (name, signature.as_str()),
        ("x-shopify-topic", "orders/create"),
        ("X-Shopify-Webhook-Id", "b54557e4-bdd9-4b37-8a5f-bf7d70bcd043"),
    ];
    let route = Route::BuiltIn { source: Source::Shopify, topic: None };
    let event = intake.receive(route, &headers, &bytes).unwrap();
    assert_eq!(event.delivery_id.as_deref(), Some("b54557e4-bdd9-4b37-8a5f-bf7d70bcd043"));

    // Forged: not even parsed (a body that is not JSON still gets 401, not 400).
    let forged = [(name, signature.as_str()), ("x-shopify-topic", "orders/create")];
    let err = intake.receive(route, &forged, b"{not json").unwrap_err();
    assert_eq!(err.http_status(), 401);
    // Unsigned: refused until a secret is configured or unsigned deliveries are allowed.
    let err = Intake::new(brand()).receive(route, &[("x-shopify-topic", "orders/create")], &bytes).unwrap_err();
    assert_eq!(err.http_status(), 401);
    let ok = Intake::new(brand()).accept_unsigned(Source::Shopify).receive(
        route,
        &[("x-shopify-topic", "orders/create")],
        &bytes,
    );
    assert!(ok.is_ok());
    // Signed but malformed: 400. Declared route: 422 with the issues. Unknown route: 404.
    let (name, signature) = SignatureScheme::Shopify.sign(&secret, b"[1,2", std::time::SystemTime::now());
    assert_eq!(
        intake
            .receive(route, &[(name, signature.as_str()), ("x-shopify-topic", "orders/create")], b"[1,2")
            .unwrap_err()
            .http_status(),
        400
    );
    let (name, signature) = SignatureScheme::Shopify.sign(&secret, &bytes, std::time::SystemTime::now());
    let err = intake
        .receive(Route::Path("/webhooks/shopify/order-completed"), &[(name, signature.as_str())], &bytes)
        .unwrap_err();
    assert_eq!(err.http_status(), 422);
    assert_eq!(err.to_validation_error().code(), loop_contracts::ErrorCode::ValidationError);
    assert_eq!(
        intake.receive(Route::Path("/nope"), &[(name, signature.as_str())], &bytes).unwrap_err().http_status(),
        404
    );
}

#[test]
fn hostile_bodies_get_typed_errors() {
    let deep = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
    for (source, topic) in [
        (Source::Shopify, "orders/create"),
        (Source::BigCommerce, "store/order/created"),
        (Source::Typeform, "form_response"),
        (Source::Calendly, "invitee.created"),
    ] {
        for bad in [&b"not json"[..], b"", b"null", b"[]", b"{\"id\": {\"x\": 1}}", deep.as_bytes(), &[0xff, 0xfe]] {
            let err = source.transform(topic, bad, &brand()).unwrap_err();
            assert!(matches!(err, InboundError::Malformed(_) | InboundError::Invalid(_)), "{source} {topic}: {err}");
        }
    }
    let declaration = Declaration::parse(SEED_DECLARATION).unwrap();
    assert!(matches!(declaration.apply(deep.as_bytes(), &brand()), Err(InboundError::Malformed(_))));
}
