//! A shop that keeps its events across crashes: each order and its `order.completed.v1` event
//! commit in one SQLite transaction, a relay sends what is committed, and a relay that dies
//! mid-send loses nothing and sends nothing twice.
//!
//! Run: `cargo run --example outbox` (no setup: the platform is an in-process sandbox).

use std::sync::Arc;
use std::time::Duration;

use loop_contracts::client::Client;
use loop_contracts::outbox::{sqlx, OutboxStore, Relay, SqliteOutbox, ValidatedEvent};
use loop_contracts::sandbox::{FaultConfig, Sandbox};
use serde_json::{json, Value};

const ORDERS: u64 = 20;

fn order_event(number: u64) -> Value {
    json!({
        "eventId": format!("7d3f6a52-8b1e-4c2a-9f0d-{number:012x}"),
        "occurredAt": "2026-05-19T12:00:00Z",
        "brandId": "6f1c2a9e-1b7d-4c1e-9a55-2f1a3b4c5d6e",
        "email": format!("buyer{number}@example.com"),
        "platform": "custom",
        "orderId": format!("order-{number}"),
        "currency": "EUR",
        "totalPrice": format!("{number}.00"),
        "lineItems": [{"title": "Mug", "quantity": 1, "sku": "MUG-1", "price": format!("{number}.00")}],
    })
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    // The platform answers slowly, so that the first relay dies with sends in flight.
    let slow = FaultConfig::seeded(1).with_latency(Duration::from_millis(100), Duration::ZERO);
    let sandbox = Sandbox::builder().faults(slow).start().await?;
    let client =
        || Client::builder().key("lk_test_4f9c2a7e1b3d5f60a8c4e2d1".parse().unwrap()).base_url(sandbox.url()).build();

    let dir = std::env::temp_dir().join(format!("loop-outbox-example-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir)?;
    let outbox = Arc::new(SqliteOutbox::open(dir.join("shop.db")).await?);
    sqlx::query("CREATE TABLE orders (number INTEGER PRIMARY KEY, total TEXT)").execute(outbox.pool()).await?;

    // 1. Each order and its event commit together.
    for number in 1..=ORDERS {
        let event = ValidatedEvent::from_json("order.completed.v1", &order_event(number))?;
        let mut tx = outbox.pool().begin().await?;
        sqlx::query("INSERT INTO orders VALUES (?, ?)")
            .bind(number as i64)
            .bind(format!("{number}.00"))
            .execute(&mut *tx)
            .await?;
        outbox.enqueue_in(&mut tx, &event).await?;
        tx.commit().await?;
    }
    // 2. An order whose transaction rolls back leaves no event behind.
    let mut tx = outbox.pool().begin().await?;
    let event = ValidatedEvent::from_json("order.completed.v1", &order_event(ORDERS + 1))?;
    outbox.enqueue_in(&mut tx, &event).await?;
    tx.rollback().await?;
    // 3. An invalid event is refused before it is stored.
    let mut invalid = order_event(ORDERS + 2);
    invalid["lineItems"][0]["quantity"] = json!(1.5);
    let refused = ValidatedEvent::from_json("order.completed.v1", &invalid).unwrap_err();
    println!("refused at enqueue: {}", refused.issues()[0].summary());
    println!("stored: {}", serde_json::to_string(&outbox.counts().await?)?);

    // 4. A relay dies mid-drain: its claims stay in flight until their lease lapses.
    let relay = Relay::new(outbox.clone(), client()?).lease(Duration::from_secs(1)).concurrency(4);
    let running = tokio::spawn(async move { relay.run_until_empty().await });
    while sandbox.accepted_count() < 5 {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    running.abort();
    let _ = running.await;
    println!(
        "the first relay died after {} acceptances: {}",
        sandbox.accepted_count(),
        serde_json::to_string(&outbox.counts().await?)?
    );

    // 5. Another relay takes over: what the dead one had claimed is sent again under the same
    //    Idempotency-Key, so the platform answers a replay where it had already accepted.
    let report = Relay::new(outbox.clone(), client()?).idle_poll(Duration::from_millis(50)).run_until_empty().await?;
    println!("the second relay: {}", serde_json::to_string(&report)?);
    println!("stored: {}", serde_json::to_string(&outbox.counts().await?)?);

    let mut ids: Vec<String> = sandbox.accepted().into_iter().map(|accepted| accepted.event_id).collect();
    ids.sort();
    ids.dedup();
    assert_eq!((ids.len() as u64, sandbox.accepted_count()), (ORDERS, ORDERS));
    println!("the platform accepted {ORDERS} orders, each once");

    outbox.pool().close().await;
    std::fs::remove_dir_all(dir)?;
    Ok(())
}
