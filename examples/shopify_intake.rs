//! A service that serves its own Shopify webhook route with axum: `VendorEvent` verifies the
//! signature over the raw body, transforms the order into `order.completed.v1` and validates it;
//! the handler commits it to an outbox and answers Shopify at once; a relay in the background
//! sends it to the platform (here an in-process sandbox).
//!
//! To run on its own, the example also plays Shopify: it sends a signed order, its redelivery and
//! a forgery, then waits for the platform to accept the order.
//!
//! Run: `cargo run --example shopify_intake`

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use loop_contracts::client::Client;
use loop_contracts::inbound::{Intake, SignatureScheme, SigningSecret, Source, TransformContext};
use loop_contracts::outbox::{Relay, SqliteOutbox};
use loop_contracts::sandbox::Sandbox;

#[path = "shared/shopify_intake.rs"]
mod service;

/// The app's client secret, which Shopify signs with (in production, read it from the environment).
const SHOPIFY_SECRET: &str = "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";
const BRAND: &str = "6f1c2a9e-1b7d-4c1e-9a55-2f1a3b4c5d6e";

type BoxError = Box<dyn std::error::Error + Send + Sync>;

#[tokio::main]
async fn main() -> Result<(), BoxError> {
    // The platform, and a relay that drains the outbox into it.
    let sandbox = Sandbox::builder().start().await?;
    let client = Client::builder().key("lk_test_4f9c2a7e1b3d5f60a8c4e2d1".parse()?).base_url(sandbox.url()).build()?;
    let dir = std::env::temp_dir().join(format!("loop-shopify-intake-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir)?;
    let outbox = Arc::new(SqliteOutbox::open(dir.join("intake.db")).await?);
    let relay = Relay::new(outbox.clone(), client).idle_poll(Duration::from_millis(50));
    tokio::spawn(async move { relay.run_until(std::future::pending()).await });

    // The intake route.
    let intake = Intake::new(TransformContext::for_brand(BRAND.parse()?))
        .with_secret(Source::Shopify, SigningSecret::from_text(SHOPIFY_SECRET));
    let app = service::router(service::Service { intake: Arc::new(intake), outbox });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("http://{}/webhooks/shopify", listener.local_addr()?);
    println!("receiving Shopify webhooks on {url}");
    tokio::spawn(async move { axum::serve(listener, app).await });

    play_shopify(&url).await?;
    while sandbox.accepted_count() < 1 {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let accepted = &sandbox.accepted()[0];
    println!("the platform accepted {} {}", accepted.event, accepted.event_id);
    std::fs::remove_dir_all(dir)?;
    Ok(())
}

/// Shopify's side: an order, its redelivery and a forgery, each with the answer it should get.
async fn play_shopify(url: &str) -> Result<(), BoxError> {
    let order = br#"{"id": 820982911946154508, "created_at": "2021-12-31T19:00:00-05:00", "email": "jon@example.com",
        "currency": "USD", "total_price": "199.65", "line_items": [{"title": "IPod Nano - 8GB", "quantity": 1, "price": "199.00"}]}"#;
    let secret = SigningSecret::from_text(SHOPIFY_SECRET);
    let (header, signature) = SignatureScheme::Shopify.sign(&secret, order, SystemTime::now());
    let forged = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";
    // Straight to loopback, whatever proxy the environment names.
    let http = reqwest::Client::builder().no_proxy().build()?;
    for (label, signature, expected) in
        [("an order", signature.as_str(), 200), ("its redelivery", signature.as_str(), 200), ("a forgery", forged, 401)]
    {
        let response = http
            .post(url)
            .header(header, signature)
            .header("X-Shopify-Topic", "orders/create")
            .body(order.to_vec())
            .send()
            .await?;
        let status = response.status().as_u16();
        println!("shopify: {label}: {status} {}", response.text().await?);
        if status != expected {
            return Err(format!("{label}: expected {expected}, got {status}").into());
        }
    }
    Ok(())
}
