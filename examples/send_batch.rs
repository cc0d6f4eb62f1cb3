//! A host service sending a batch concurrently through one shared client, against an in-process
//! sandbox that injects 500s, dropped connections and 429s: every event is accepted exactly once.
//!
//! ```sh
//! cargo run --example send_batch            # 200 events
//! cargo run --example send_batch -- 1000
//! ```

use std::time::{Duration, Instant};

use loop_contracts::api_key::Tier;
use loop_contracts::client::{Client, RetryPolicy};
use loop_contracts::sandbox::{FaultConfig, Sandbox};
use serde_json::json;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let count: u64 = std::env::args().nth(1).and_then(|n| n.parse().ok()).unwrap_or(200);
    let faults = FaultConfig::seeded(7)
        .with_error_rate(0.2)
        .with_drop_rate(0.05)
        .with_rate_limit_rate(0.05)
        .with_drop_after_processing(true);
    let sandbox = Sandbox::builder().default_tier(Tier::PREMIUM).faults(faults).start().await?;
    // A short schedule so the example finishes quickly; the default is 1 s, 5 s, 30 s, 2 min, 10 min.
    let policy = RetryPolicy::default().with_delays([10, 50, 100, 200, 400, 800].map(Duration::from_millis));
    let client = Client::builder()
        .key("lk_test_send_batch_example_key_001".parse()?)
        .base_url(sandbox.url())
        .tier(Tier::PREMIUM)
        .retry_policy(policy.with_rate_limit_waits(100, Duration::from_millis(100)))
        .build()?;

    let started = Instant::now();
    let sends: Vec<_> = (0..count)
        .map(|i| {
            let client = client.clone();
            tokio::spawn(async move {
                let payload = json!({
                    "eventId": format!("550e8400-e29b-41d4-a716-{i:012x}"),
                    "occurredAt": "2026-05-19T12:00:00Z",
                    "brandId": "6f1c2a9e-1b7d-4c1e-9a55-2f1a3b4c5d6e",
                    "email": format!("lead{i}@example.com"),
                    "source": "inbound_lead",
                    "attribution": {},
                });
                client.send_json("lead.captured.v1", &payload).await
            })
        })
        .collect();
    let (mut accepted, mut retried, mut failed) = (0, 0, 0);
    for send in sends {
        match send.await? {
            Ok(a) => {
                accepted += 1;
                retried += u32::from(a.attempts > 1);
            }
            Err(e) => {
                failed += 1;
                eprintln!("{e}");
            }
        }
    }
    println!(
        "{count} events in {:?}: {accepted} accepted ({retried} after retries), {failed} failed; the sandbox holds {}",
        started.elapsed(),
        sandbox.accepted().len()
    );
    sandbox.shutdown().await;
    Ok(())
}
