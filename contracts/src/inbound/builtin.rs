//! The built-in transforms: Shopify, BigCommerce, Typeform and Calendly webhooks to catalog
//! events.
//!
//! Each reads only the fields it needs, borrowed where it can, and skips the rest of the body
//! without building it. Provider ids are read as integers or strings, never through a float
//! (Shopify's exceed 2^53); times are normalised to UTC; `eventId` is derived from the provider's
//! object identity, so a redelivery (or the same order arriving as `orders/create` and then
//! `orders/paid`) yields the same event id.

use std::borrow::Cow;
use std::fmt;

use serde::de::{self, Deserializer, Visitor};
use serde::Deserialize;
use serde_json::{json, Map, Value};

use super::headers::Headers;
use super::transform::{derive_event_id, utc_from_unix, utc_time, Candidate, InboundError};
use super::Source;
use crate::schema::EventName;

/// Source and topic pairs with a built-in transform, and the event each produces.
pub const BUILT_IN_TOPICS: &[(Source, &str, &str)] = &[
    (Source::Shopify, "orders/create", "order.completed.v1"),
    (Source::Shopify, "orders/paid", "order.completed.v1"),
    (Source::Shopify, "customers/create", "customer.created.v1"),
    (Source::Shopify, "fulfillments/create", "fulfillment.created.v1"),
    (Source::BigCommerce, "store/order/created", "order.completed.v1"),
    (Source::BigCommerce, "store/customer/created", "customer.created.v1"),
    (Source::Typeform, "form_response", "form.submitted.v1"),
    (Source::Calendly, "invitee.created", "booking.scheduled.v1"),
    (Source::Calendly, "invitee.canceled", "booking.canceled.v1"),
];

/// Runs the built-in transform of a source and topic over a raw body.
pub(crate) fn transform(
    source: Source,
    topic: &str,
    body: &[u8],
    headers: &(impl Headers + ?Sized),
) -> Result<Candidate, InboundError> {
    let Some(&(_, _, event)) = BUILT_IN_TOPICS.iter().find(|(s, t, _)| *s == source && *t == topic) else {
        let supported: Vec<&str> = BUILT_IN_TOPICS.iter().filter(|(s, ..)| *s == source).map(|(_, t, _)| *t).collect();
        let hint = if supported.is_empty() {
            " (this source has no built-in transforms; declare one)".to_owned()
        } else {
            format!(" (supported: {})", supported.join(", "))
        };
        return Err(InboundError::UnsupportedTopic {
            source_name: source.as_str().to_owned(),
            topic: crate::text::clip(topic, crate::text::TOKEN_CHARS),
            hint,
        });
    };
    let mut candidate = Candidate::new(EventName::parse(event).map_err(|e| InboundError::Malformed(e.to_string()))?);
    match (source, topic) {
        (Source::Shopify, "orders/create" | "orders/paid") => shopify_order(body, &mut candidate)?,
        (Source::Shopify, "customers/create") => shopify_customer(body, &mut candidate)?,
        (Source::Shopify, _) => shopify_fulfillment(body, &mut candidate)?,
        (Source::BigCommerce, _) => bigcommerce(topic, body, &mut candidate)?,
        (Source::Typeform, _) => typeform(body, &mut candidate)?,
        _ => calendly(topic, body, &mut candidate)?,
    }
    let delivery_header = match source {
        Source::Shopify => Some("X-Shopify-Webhook-Id"),
        _ => None,
    };
    if let Some(id) = delivery_header.and_then(|h| headers.header(h)) {
        candidate.set_delivery_id(crate::text::clip(id, crate::text::NAME_CHARS));
    }
    Ok(candidate)
}

fn parse<'a, T: Deserialize<'a>>(body: &'a [u8], what: &str) -> Result<T, InboundError> {
    serde_json::from_slice(body).map_err(|e| InboundError::malformed(format!("not a {what} body"), e))
}

/// A scalar read as text: a string, or a number spelled exactly as sent (integers never pass
/// through a float).
#[derive(Debug, Clone, PartialEq, Eq)]
struct Text<'a>(Cow<'a, str>);

impl<'de: 'a, 'a> Deserialize<'de> for Text<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Text<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a string or a number")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(Text(Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(Text(Cow::Owned(v.to_owned())))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
                Ok(Text(Cow::Owned(v.to_string())))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
                Ok(Text(Cow::Owned(v.to_string())))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
                // A whole number from 2^53 up arrives as a float only when it does not fit 64 bits
                // (`123456789012345678901234567890`) or is written with an exponent; either way its
                // digits are rounded, and a rounded id would name another object.
                if crate::format::is_rounded_whole(v) {
                    return Err(E::invalid_value(de::Unexpected::Float(v), &"an id that fits 64 bits, or a string"));
                }
                Ok(Text(Cow::Owned(v.to_string())))
            }
        }
        d.deserialize_any(V)
    }
}

impl Text<'_> {
    fn as_str(&self) -> &str {
        &self.0
    }
}

fn text<'a>(t: &'a Option<Text<'_>>) -> Option<&'a str> {
    t.as_ref().map(Text::as_str).filter(|s| !s.trim().is_empty())
}

/// The first of several optional texts that is present and not blank.
fn first_text<'a>(options: &[&'a Option<Text<'_>>]) -> Option<&'a str> {
    options.iter().find_map(|t| text(t))
}

/// A provider time, normalised to UTC; noted as the source of `occurredAt`.
fn set_time(candidate: &mut Candidate, field: &str, options: &[(&str, &Option<Text<'_>>)]) {
    for (name, value) in options {
        if let Some(raw) = text(value) {
            match utc_time(raw) {
                Some(utc) => candidate.set(field, Value::String(utc)),
                None => candidate.set(field, Value::String(raw.to_owned())),
            };
            candidate.note_source(field, format!("from `{name}`"));
            return;
        }
    }
    let names: Vec<&str> = options.iter().map(|(n, _)| *n).collect();
    candidate.note_source(field, format!("none of {} was present", names.join(", ")));
}

fn set_event_id(candidate: &mut Candidate, identity: &str) {
    candidate.set("eventId", Value::String(derive_event_id(identity).to_string()));
    candidate.note_source("eventId", format!("derived from `{identity}`"));
}

/// The exact numeric id at the end of a Shopify GraphQL id (`gid://shopify/Order/820982911946154508`),
/// which survives receivers that rounded the numeric `id` through a float.
fn gid_tail(gid: Option<&str>) -> Option<&str> {
    let tail = gid?.rsplit('/').next()?;
    (!tail.is_empty() && tail.bytes().all(|b| b.is_ascii_digit())).then_some(tail)
}

#[derive(Deserialize)]
struct NameValue<'a> {
    #[serde(borrow)]
    name: Option<Text<'a>>,
    #[serde(borrow)]
    value: Option<Text<'a>>,
}

#[derive(Deserialize)]
struct ShopifyCustomerRef<'a> {
    #[serde(borrow)]
    id: Option<Text<'a>>,
    #[serde(borrow, default)]
    email: Option<Text<'a>>,
    #[serde(borrow, default)]
    phone: Option<Text<'a>>,
}

#[derive(Deserialize)]
struct ShopifyLineItem<'a> {
    #[serde(borrow)]
    title: Option<Text<'a>>,
    quantity: Option<i64>,
    #[serde(borrow, default)]
    sku: Option<Text<'a>>,
    #[serde(borrow, default)]
    price: Option<Text<'a>>,
    #[serde(borrow, default)]
    product_id: Option<Text<'a>>,
    #[serde(borrow, default)]
    variant_id: Option<Text<'a>>,
}

impl ShopifyLineItem<'_> {
    fn to_json(&self, with_ids: bool) -> Value {
        let mut item = Map::new();
        item.insert("title".into(), json!(text(&self.title).unwrap_or_default()));
        item.insert("quantity".into(), json!(self.quantity.unwrap_or(0)));
        for (key, value) in [("sku", &self.sku), ("price", &self.price)] {
            if let Some(v) = text(value) {
                item.insert(key.into(), json!(v));
            }
        }
        if with_ids {
            for (key, value) in [("productId", &self.product_id), ("variantId", &self.variant_id)] {
                if let Some(v) = text(value) {
                    item.insert(key.into(), json!(v));
                }
            }
        }
        Value::Object(item)
    }
}

#[derive(Deserialize)]
struct ShopifyOrder<'a> {
    #[serde(borrow)]
    id: Option<Text<'a>>,
    #[serde(borrow, default)]
    admin_graphql_api_id: Option<Text<'a>>,
    #[serde(borrow, default)]
    created_at: Option<Text<'a>>,
    #[serde(borrow, default)]
    processed_at: Option<Text<'a>>,
    #[serde(borrow, default)]
    email: Option<Text<'a>>,
    #[serde(borrow, default)]
    contact_email: Option<Text<'a>>,
    #[serde(borrow, default)]
    name: Option<Text<'a>>,
    #[serde(borrow, default)]
    phone: Option<Text<'a>>,
    #[serde(borrow, default)]
    currency: Option<Text<'a>>,
    #[serde(borrow, default)]
    total_price: Option<Text<'a>>,
    #[serde(borrow, default)]
    financial_status: Option<Text<'a>>,
    #[serde(borrow, default)]
    tags: Option<Text<'a>>,
    #[serde(borrow, default)]
    customer: Option<ShopifyCustomerRef<'a>>,
    #[serde(borrow, default)]
    line_items: Option<Vec<ShopifyLineItem<'a>>>,
    #[serde(borrow, default)]
    note_attributes: Option<Vec<NameValue<'a>>>,
}

fn split_tags(tags: Option<&str>) -> Option<Value> {
    let tags: Vec<Value> =
        tags?.split(',').map(str::trim).filter(|t| !t.is_empty()).map(|t| Value::String(t.to_owned())).collect();
    (!tags.is_empty()).then_some(Value::Array(tags))
}

fn shopify_order(body: &[u8], candidate: &mut Candidate) -> Result<(), InboundError> {
    let order: ShopifyOrder = parse(body, "Shopify order")?;
    let id = gid_tail(text(&order.admin_graphql_api_id)).or(text(&order.id));
    let Some(id) = id else { return Err(InboundError::Malformed("a Shopify order without `id`".into())) };
    set_event_id(candidate, &format!("shopify:order:{id}"));
    set_time(candidate, "occurredAt", &[("$.created_at", &order.created_at), ("$.processed_at", &order.processed_at)]);
    candidate.set("platform", json!("shopify"));
    candidate.set("orderId", json!(id));
    candidate.set_text("orderNumber", text(&order.name));
    let customer = order.customer.as_ref();
    let no_text = None;
    let customer_email = customer.map_or(&no_text, |c| &c.email);
    candidate.set_text("email", first_text(&[&order.email, &order.contact_email, customer_email]));
    candidate.set_text("phone", first_text(&[&order.phone, customer.map_or(&no_text, |c| &c.phone)]));
    candidate.set_text("customerId", customer.and_then(|c| text(&c.id)));
    candidate.set_text("currency", text(&order.currency));
    candidate.set_text("totalPrice", text(&order.total_price));
    candidate.set_text("financialStatus", text(&order.financial_status));
    if let Some(items) = &order.line_items {
        candidate.set("lineItems", Value::Array(items.iter().map(|i| i.to_json(true)).collect()));
    }
    if let Some(tags) = split_tags(text(&order.tags)) {
        candidate.set("tags", tags);
    }
    if let Some(attributes) = &order.note_attributes {
        let mut map = Map::new();
        for attribute in attributes {
            if let (Some(name), Some(value)) = (text(&attribute.name), text(&attribute.value)) {
                map.insert(name.to_owned(), json!(value));
                // A brand id the shop put on the order wins over the configured one.
                if name == "brand_id" && crate::format::is_uuid(value) {
                    candidate.set("brandId", json!(value));
                    candidate.note_source("brandId", "from the `brand_id` note attribute");
                }
            }
        }
        if !map.is_empty() {
            candidate.set("attributes", Value::Object(map));
        }
    }
    Ok(())
}

#[derive(Deserialize)]
struct ShopifyCustomer<'a> {
    #[serde(borrow)]
    id: Option<Text<'a>>,
    #[serde(borrow, default)]
    admin_graphql_api_id: Option<Text<'a>>,
    #[serde(borrow, default)]
    created_at: Option<Text<'a>>,
    #[serde(borrow, default)]
    updated_at: Option<Text<'a>>,
    #[serde(borrow, default)]
    email: Option<Text<'a>>,
    #[serde(borrow, default)]
    first_name: Option<Text<'a>>,
    #[serde(borrow, default)]
    last_name: Option<Text<'a>>,
    #[serde(borrow, default)]
    phone: Option<Text<'a>>,
    #[serde(borrow, default)]
    tags: Option<Text<'a>>,
    #[serde(default)]
    accepts_marketing: Option<bool>,
    #[serde(default)]
    email_marketing_consent: Option<MarketingConsent>,
}

#[derive(Deserialize)]
struct MarketingConsent {
    state: Option<String>,
}

fn shopify_customer(body: &[u8], candidate: &mut Candidate) -> Result<(), InboundError> {
    let customer: ShopifyCustomer = parse(body, "Shopify customer")?;
    let id = gid_tail(text(&customer.admin_graphql_api_id)).or(text(&customer.id));
    let Some(id) = id else { return Err(InboundError::Malformed("a Shopify customer without `id`".into())) };
    set_event_id(candidate, &format!("shopify:customer:{id}"));
    set_time(
        candidate,
        "occurredAt",
        &[("$.created_at", &customer.created_at), ("$.updated_at", &customer.updated_at)],
    );
    candidate.set("platform", json!("shopify"));
    candidate.set("customerId", json!(id));
    candidate.set_text("email", text(&customer.email));
    candidate.set_text("firstName", text(&customer.first_name));
    candidate.set_text("lastName", text(&customer.last_name));
    candidate.set_text("phone", text(&customer.phone));
    let consent = customer.email_marketing_consent.as_ref().and_then(|c| c.state.as_deref()).map(|s| s == "subscribed");
    if let Some(accepts) = customer.accepts_marketing.or(consent) {
        candidate.set("acceptsMarketing", json!(accepts));
    }
    if let Some(tags) = split_tags(text(&customer.tags)) {
        candidate.set("tags", tags);
    }
    Ok(())
}

#[derive(Deserialize)]
struct ShopifyFulfillment<'a> {
    #[serde(borrow)]
    id: Option<Text<'a>>,
    #[serde(borrow, default)]
    admin_graphql_api_id: Option<Text<'a>>,
    #[serde(borrow, default)]
    order_id: Option<Text<'a>>,
    #[serde(borrow, default)]
    status: Option<Text<'a>>,
    #[serde(borrow, default)]
    created_at: Option<Text<'a>>,
    #[serde(borrow, default)]
    updated_at: Option<Text<'a>>,
    #[serde(borrow, default)]
    email: Option<Text<'a>>,
    #[serde(borrow, default)]
    tracking_company: Option<Text<'a>>,
    #[serde(borrow, default)]
    tracking_number: Option<Text<'a>>,
    #[serde(borrow, default)]
    tracking_numbers: Option<Vec<Text<'a>>>,
    #[serde(borrow, default)]
    tracking_url: Option<Text<'a>>,
    #[serde(borrow, default)]
    tracking_urls: Option<Vec<Text<'a>>>,
    #[serde(borrow, default)]
    line_items: Option<Vec<ShopifyLineItem<'a>>>,
}

fn text_list(list: &Option<Vec<Text<'_>>>, single: &Option<Text<'_>>) -> Option<Value> {
    let mut out: Vec<Value> = list.iter().flatten().map(|t| json!(t.as_str())).collect();
    if out.is_empty() {
        out.extend(text(single).map(|t| json!(t)));
    }
    (!out.is_empty()).then_some(Value::Array(out))
}

fn shopify_fulfillment(body: &[u8], candidate: &mut Candidate) -> Result<(), InboundError> {
    let f: ShopifyFulfillment = parse(body, "Shopify fulfillment")?;
    let id = gid_tail(text(&f.admin_graphql_api_id)).or(text(&f.id));
    let Some(id) = id else { return Err(InboundError::Malformed("a Shopify fulfillment without `id`".into())) };
    set_event_id(candidate, &format!("shopify:fulfillment:{id}"));
    set_time(candidate, "occurredAt", &[("$.created_at", &f.created_at), ("$.updated_at", &f.updated_at)]);
    candidate.set("platform", json!("shopify"));
    candidate.set("fulfillmentId", json!(id));
    candidate.set_text("orderId", text(&f.order_id));
    candidate.set_text("status", text(&f.status));
    candidate.set_text("email", text(&f.email));
    candidate.set_text("trackingCompany", text(&f.tracking_company));
    if let Some(numbers) = text_list(&f.tracking_numbers, &f.tracking_number) {
        candidate.set("trackingNumbers", numbers);
    }
    if let Some(urls) = text_list(&f.tracking_urls, &f.tracking_url) {
        candidate.set("trackingUrls", urls);
    }
    if let Some(items) = &f.line_items {
        candidate.set("lineItems", Value::Array(items.iter().map(|i| i.to_json(false)).collect()));
    }
    Ok(())
}

#[derive(Deserialize)]
struct BigCommerceCallback<'a> {
    #[serde(borrow, default)]
    scope: Option<Text<'a>>,
    #[serde(borrow, default)]
    store_id: Option<Text<'a>>,
    #[serde(borrow, default)]
    producer: Option<Text<'a>>,
    #[serde(borrow, default)]
    hash: Option<Text<'a>>,
    #[serde(default)]
    created_at: Option<i64>,
    #[serde(borrow)]
    data: Option<BigCommerceData<'a>>,
}

#[derive(Deserialize)]
struct BigCommerceData<'a> {
    #[serde(borrow)]
    id: Option<Text<'a>>,
}

fn bigcommerce(topic: &str, body: &[u8], candidate: &mut Candidate) -> Result<(), InboundError> {
    let callback: BigCommerceCallback = parse(body, "BigCommerce callback")?;
    if let Some(scope) = text(&callback.scope)
        && scope != topic
    {
        return Err(InboundError::Malformed(format!(
            "the body's scope {:?} is not the topic {topic:?}",
            crate::text::clip(scope, crate::text::TOKEN_CHARS)
        )));
    }
    let Some(id) = callback.data.as_ref().and_then(|d| text(&d.id)) else {
        return Err(InboundError::Malformed("a BigCommerce callback without `data.id`".into()));
    };
    let store = text(&callback.store_id).or(text(&callback.producer)).unwrap_or("store");
    let (kind, field) = if topic == "store/order/created" { ("order", "orderId") } else { ("customer", "customerId") };
    set_event_id(candidate, &format!("bigcommerce:{store}:{kind}:{id}"));
    match callback.created_at.and_then(utc_from_unix) {
        Some(t) => {
            candidate.set("occurredAt", json!(t));
            candidate.note_source("occurredAt", "from `$.created_at` (Unix seconds)");
        }
        None => candidate.note_source("occurredAt", "`$.created_at` matched nothing"),
    }
    candidate.set("platform", json!("bigcommerce"));
    candidate.set(field, json!(id));
    candidate.note_source("email", "BigCommerce callbacks carry no email: look it up and set it on the candidate");
    if let Some(hash) = text(&callback.hash) {
        // BigCommerce repeats the same hash when a hook fires twice for one event.
        candidate.set_delivery_id(crate::text::clip(hash, crate::text::TOKEN_CHARS));
    }
    Ok(())
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

fn typeform(body: &[u8], candidate: &mut Candidate) -> Result<(), InboundError> {
    let delivery: TypeformDelivery = parse(body, "Typeform webhook")?;
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
    set_event_id(candidate, &format!("typeform:response:{token}"));
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
    #[serde(default)]
    rescheduled: Option<bool>,
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

fn calendly(topic: &str, body: &[u8], candidate: &mut Candidate) -> Result<(), InboundError> {
    let value: Value = parse(body, "Calendly webhook")?;
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
    set_event_id(candidate, &format!("calendly:{topic}:{uri}"));
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
    candidate.set("rescheduled", json!(invitee.rescheduled.unwrap_or(false)));
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
