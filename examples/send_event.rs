//! Sends one event through the client: validated locally, posted with its Idempotency-Key, and
//! sent again to show the in-process replay.
//!
//! ```sh
//! cargo run --example send_event                 # against an in-process sandbox
//! LOOP_BASE_URL=http://127.0.0.1:8787 LOOP_API_KEY=lk_test_… cargo run --example send_event
//! ```

use loop_contracts::catalog::LeadCaptured;
use loop_contracts::client::{Client, SendError};
use loop_contracts::sandbox::Sandbox;
use loop_contracts::{ApiKey, Event};
use serde_json::json;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    // The platform (or a sandbox) named in the environment, else a sandbox started here.
    let (sandbox, base_url) = match std::env::var("LOOP_BASE_URL") {
        Ok(url) => (None, url),
        Err(_) => {
            let sandbox = Sandbox::builder().start().await?;
            let url = sandbox.url();
            (Some(sandbox), url)
        }
    };
    let key: ApiKey =
        std::env::var("LOOP_API_KEY").unwrap_or_else(|_| "lk_test_send_event_example_key_01".into()).parse()?;
    let client = Client::builder().key(key).base_url(&base_url).build()?;
    println!("client: {client:?}");

    let lead = LeadCaptured::from_json_value(&json!({
        "eventId": uuid::Uuid::new_v5(&uuid::Uuid::NAMESPACE_URL, base_url.as_bytes()).to_string(),
        "occurredAt": "2026-05-19T12:00:00Z",
        "brandId": "6f1c2a9e-1b7d-4c1e-9a55-2f1a3b4c5d6e",
        "email": "user@example.com",
        "source": "quiz_completion",
        "attribution": {"utm_source": "newsletter"},
    }))?;

    let accepted = client.send(&lead).await?;
    println!("accepted {} after {} attempt(s): {}", accepted.event_id, accepted.attempts, accepted.body);
    if let Some(rate) = accepted.rate_limit {
        println!("rate limit: {} of {}/s remaining, full again at {}", rate.remaining, rate.limit, rate.reset);
    }
    let again = client.send(&lead).await?;
    println!("sent again: answered from memory = {}, same body = {}", again.cached, again.body == accepted.body);

    // An invalid event never leaves the process.
    let mut invalid = serde_json::to_value(&lead)?;
    invalid["email"] = json!("not-an-email");
    match client.send_json(LeadCaptured::NAME, &invalid).await {
        Err(SendError::Invalid(error)) => println!("refused locally: {}", error.to_response_json()),
        other => println!("unexpected: {other:?}"),
    }

    if let Some(sandbox) = sandbox {
        println!("the sandbox accepted {} event(s)", sandbox.accepted().len());
        sandbox.shutdown().await;
    }
    Ok(())
}
