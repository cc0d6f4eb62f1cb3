//! Shopify: orders (`orders/create`, `orders/paid`), customers and fulfillments.

use serde::Deserialize;
use serde_json::{json, Map, Value};

use super::super::candidate::Candidate;
use super::super::error::InboundError;
use super::super::headers::Headers;
use super::super::signature::SignatureScheme;
use super::fields::{first_text, notification_id, parse, set_event_id, set_time, text, Text};
use super::vendor::Vendor;

/// Shopify, as the inbound layer knows it (`Source::vendor` registers it).
pub(crate) const SHOPIFY: Vendor = Vendor {
    name: "shopify",
    signature: Some(SignatureScheme::Shopify),
    topics: &[
        ("orders/create", "order.completed.v1"),
        ("orders/paid", "order.completed.v1"),
        ("customers/create", "customer.created.v1"),
        ("fulfillments/create", "fulfillment.created.v1"),
    ],
    delivery_header: Some("X-Shopify-Webhook-Id"),
    transform,
};

/// Without a topic from the route, the `X-Shopify-Topic` header names it; each topic has a body
/// of its own.
fn transform(topic: Option<&str>, body: &[u8], headers: &dyn Headers) -> Result<Candidate, InboundError> {
    let topic = match topic {
        Some(topic) => topic,
        None => headers
            .header("X-Shopify-Topic")
            .ok_or_else(|| InboundError::Malformed("no topic given and no X-Shopify-Topic header".into()))?,
    };
    let mut candidate = SHOPIFY.start(topic)?;
    let identity = Identity { topic, notification: notification(headers) };
    match topic {
        "orders/create" | "orders/paid" => shopify_order(body, &identity, &mut candidate)?,
        "customers/create" => shopify_customer(body, &identity, &mut candidate)?,
        _ => shopify_fulfillment(body, &identity, &mut candidate)?,
    }
    Ok(candidate)
}

/// The notification's own id: `X-Shopify-Event-Id`, else `X-Shopify-Webhook-Id` (Shopify sends
/// both unchanged on its retries of one notification), each ignored unless it is a short run of
/// visible ASCII.
fn notification(headers: &dyn Headers) -> Option<(&'static str, &str)> {
    notification_id(headers.header("X-Shopify-Event-Id"))
        .map(|id| ("event", id))
        .or_else(|| notification_id(headers.header("X-Shopify-Webhook-Id")).map(|id| ("webhook", id)))
}

/// What an `eventId` is derived from: each notification is its own event, so the identity is the
/// topic with the notification's id (`shopify:<topic>:event:<id>`, `shopify:<topic>:webhook:<id>`)
/// or, without either header, the topic with the object and the time it was last updated
/// (`shopify:<topic>:order:<id>:<updated_at>`): a redelivery of one body keeps its id, and
/// `orders/create` and `orders/paid` of one order never share one.
struct Identity<'a> {
    topic: &'a str,
    notification: Option<(&'static str, &'a str)>,
}

impl Identity<'_> {
    fn set(&self, candidate: &mut Candidate, kind: &str, id: &str, updated_at: &Option<Text<'_>>) {
        let topic = self.topic;
        let identity = match (self.notification, notification_id(text(updated_at))) {
            (Some((source, notification)), _) => format!("shopify:{topic}:{source}:{notification}"),
            (None, Some(updated_at)) => format!("shopify:{topic}:{kind}:{id}:{updated_at}"),
            (None, None) => format!("shopify:{topic}:{kind}:{id}"),
        };
        set_event_id(candidate, &identity);
    }
}

/// The numeric id at the end of a Shopify GraphQL id (`gid://shopify/Order/820982911946154508`).
fn gid_tail(gid: Option<&str>) -> Option<&str> {
    let tail = gid?.rsplit('/').next()?;
    (!tail.is_empty() && tail.bytes().all(|b| b.is_ascii_digit())).then_some(tail)
}

/// The exact id of a Shopify object, for every id the transforms map: the tail of its GraphQL id
/// (`admin_graphql_api_id`) when it has one, else its numeric `id`. The GraphQL id is a string, so
/// it stays exact whatever a receiver did to numbers: a JavaScript receiver turns
/// 820982911946154508 into 820982911946154500, and only the GraphQL id still names the object.
/// Without a GraphQL id (line items' `product_id` and `variant_id`, a fulfillment's `order_id`),
/// `id` is taken as sent.
fn exact_id<'a>(id: &'a Option<Text<'_>>, gid: &'a Option<Text<'_>>) -> Option<&'a str> {
    gid_tail(text(gid)).or(text(id))
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
    admin_graphql_api_id: Option<Text<'a>>,
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
            // Line items carry no GraphQL ids beside `product_id` and `variant_id`.
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
    updated_at: Option<Text<'a>>,
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

fn shopify_order(body: &[u8], identity: &Identity<'_>, candidate: &mut Candidate) -> Result<(), InboundError> {
    let order: ShopifyOrder = parse(body, "Shopify order")?;
    let Some(id) = exact_id(&order.id, &order.admin_graphql_api_id) else {
        return Err(InboundError::Malformed("a Shopify order without `id`".into()));
    };
    identity.set(candidate, "order", id, &order.updated_at);
    set_time(candidate, "occurredAt", &[("$.created_at", &order.created_at), ("$.processed_at", &order.processed_at)]);
    candidate.set("platform", json!("shopify"));
    candidate.set("orderId", json!(id));
    candidate.set_text("orderNumber", text(&order.name));
    let customer = order.customer.as_ref();
    let no_text = None;
    let customer_email = customer.map_or(&no_text, |c| &c.email);
    candidate.set_text("email", first_text(&[&order.email, &order.contact_email, customer_email]));
    candidate.set_text("phone", first_text(&[&order.phone, customer.map_or(&no_text, |c| &c.phone)]));
    if let Some(customer) = customer {
        candidate.set_text("customerId", exact_id(&customer.id, &customer.admin_graphql_api_id));
    }
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
                if name == "brand_id" && crate::schema::format::is_uuid(value) {
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

fn shopify_customer(body: &[u8], identity: &Identity<'_>, candidate: &mut Candidate) -> Result<(), InboundError> {
    let customer: ShopifyCustomer = parse(body, "Shopify customer")?;
    let Some(id) = exact_id(&customer.id, &customer.admin_graphql_api_id) else {
        return Err(InboundError::Malformed("a Shopify customer without `id`".into()));
    };
    identity.set(candidate, "customer", id, &customer.updated_at);
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

fn shopify_fulfillment(body: &[u8], identity: &Identity<'_>, candidate: &mut Candidate) -> Result<(), InboundError> {
    let f: ShopifyFulfillment = parse(body, "Shopify fulfillment")?;
    let Some(id) = exact_id(&f.id, &f.admin_graphql_api_id) else {
        return Err(InboundError::Malformed("a Shopify fulfillment without `id`".into()));
    };
    identity.set(candidate, "fulfillment", id, &f.updated_at);
    set_time(candidate, "occurredAt", &[("$.created_at", &f.created_at), ("$.updated_at", &f.updated_at)]);
    candidate.set("platform", json!("shopify"));
    candidate.set("fulfillmentId", json!(id));
    candidate.set_text("orderId", exact_id(&f.order_id, &None));
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
