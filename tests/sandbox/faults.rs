//! Fault injection over real HTTP: 500s, dropped connections and 429s at the configured rates,
//! added latency, the same sequence for the same seed, and per-run configuration.

use std::time::{Duration, Instant};

use loop_contracts::sandbox::{Fault, FaultConfig, SandboxHandle};
use serde_json::{json, Value};
use suite::sandbox::*;

/// What a client observed: a status, or `None` for a connection closed without a response.
async fn observe(client: &reqwest::Client, sandbox: &SandboxHandle, i: u64) -> Option<u16> {
    let result =
        client.post(format!("{}/api/events", sandbox.url())).bearer_auth(KEY).json(&lead_request(i)).send().await;
    match result {
        Ok(response) => Some(response.status().as_u16()),
        Err(e) => {
            assert!(!e.is_timeout() && !e.is_status(), "a dropped connection, not {e:?}");
            assert!(e.is_request() || e.is_connect(), "a connection error: {e:?}");
            None
        }
    }
}

/// What the plan says a client will observe.
fn expected(fault: Fault) -> Option<u16> {
    match fault {
        Fault::None => Some(200),
        Fault::InternalError => Some(500),
        Fault::RateLimited => Some(429),
        Fault::DropConnection => None,
    }
}

#[tokio::test]
async fn thirty_percent_500s_over_1000_requests() {
    let faults = FaultConfig::seeded(2024).with_error_rate(0.3);
    let sandbox = start(builder().faults(faults)).await;
    let client = client();
    let mut errors = 0;
    for i in 0..1000 {
        let response = post_event(&client, &sandbox, KEY, &lead_request(i)).await;
        match response.status().as_u16() {
            200 => {}
            500 => {
                errors += 1;
                if errors == 1 {
                    rate_headers(&response);
                    assert_eq!(response.headers()["x-sandbox-fault"], "internal-error");
                    let (_, _, body) = parts(response).await;
                    assert_eq!(body["ok"], false);
                    assert_eq!(body["error"]["code"], "INTERNAL_ERROR");
                    assert!(body["error"]["message"].as_str().unwrap().contains("retrying is safe"));
                }
            }
            other => panic!("unexpected {other}"),
        }
    }
    assert!((250..=350).contains(&errors), "{errors} of 1000");
    let planned = faults.plan().take(1000).filter(|(f, _)| *f == Fault::InternalError).count();
    assert_eq!(errors, planned, "sequential requests meet exactly the seeded plan");
    assert_eq!(sandbox.accepted().len(), 1000 - errors, "a 500 is not processed");
}

#[tokio::test]
async fn dropped_connections_are_seen_as_connection_errors() {
    let faults = FaultConfig::seeded(7).with_drop_rate(0.2);
    let sandbox = start(builder().faults(faults)).await;
    let client = client();
    let mut dropped = 0;
    for i in 0..300 {
        match observe(&client, &sandbox, i).await {
            Some(200) => {}
            None => dropped += 1,
            Some(other) => panic!("unexpected {other}"),
        }
    }
    assert!((35..=85).contains(&dropped), "{dropped} of 300");
    let planned = faults.plan().take(300).filter(|(f, _)| *f == Fault::DropConnection).count();
    assert_eq!(dropped, planned);
    assert_eq!(sandbox.accepted().len(), 300 - dropped, "dropped before processing");
}

#[tokio::test]
async fn a_drop_after_processing_is_survived_by_a_retry_with_the_same_key() {
    let faults = FaultConfig::seeded(1).with_drop_rate(1.0).with_drop_after_processing(true);
    let sandbox = start(builder().faults(faults)).await;
    let client = client();
    assert_eq!(observe(&client, &sandbox, 1).await, None, "no response");
    assert_eq!(sandbox.accepted().len(), 1, "but the event was accepted");
    sandbox.set_faults(FaultConfig::default()).unwrap();
    let retry = post_event(&client, &sandbox, KEY, &lead_request(1)).await;
    assert_eq!(retry.status(), 200);
    assert_eq!(retry.headers()["idempotent-replayed"], "true");
    let (_, _, body) = parts(retry).await;
    assert_eq!(body["sequence"], 1);
    assert_eq!(sandbox.accepted().len(), 1, "processed once");
}

#[tokio::test]
async fn injected_429s_look_like_the_real_ones_and_say_they_are_injected() {
    let sandbox = start(builder().faults(FaultConfig::seeded(3).with_rate_limit_rate(1.0))).await;
    let client = client();
    let response = post_event(&client, &sandbox, KEY, &lead_request(1)).await;
    let (limit, remaining, reset) = rate_headers(&response);
    assert_eq!((limit, remaining), (1_000_000, 0));
    assert!(reset >= unix_now() && reset <= unix_now() + 2);
    assert_eq!(response.headers()["retry-after"], "1");
    assert_eq!(response.headers()["x-sandbox-fault"], "rate-limited");
    let (status, _, body) = parts(response).await;
    assert_eq!((status, body["error"]["code"].as_str()), (429, Some("RATE_LIMITED")));
    assert!(sandbox.accepted().is_empty());
}

#[tokio::test]
async fn mixed_faults_at_their_rates_and_the_same_seed_gives_the_same_sequence() {
    let faults = FaultConfig::seeded(99).with_error_rate(0.15).with_drop_rate(0.1).with_rate_limit_rate(0.15);
    let mut runs = Vec::new();
    for _ in 0..2 {
        let sandbox = start(builder().faults(faults)).await;
        let client = client();
        let mut seen = Vec::new();
        for i in 0..400 {
            seen.push(observe(&client, &sandbox, i).await);
        }
        sandbox.shutdown().await;
        runs.push(seen);
    }
    assert_eq!(runs[0], runs[1], "reproducible");
    let planned: Vec<_> = faults.plan().take(400).map(|(f, _)| expected(f)).collect();
    assert_eq!(runs[0], planned);
    let share = |s: Option<u16>| runs[0].iter().filter(|x| **x == s).count() as f64 / 400.0;
    assert!((share(Some(500)) - 0.15).abs() < 0.06, "{}", share(Some(500)));
    assert!((share(None) - 0.10).abs() < 0.05, "{}", share(None));
    assert!((share(Some(429)) - 0.15).abs() < 0.06, "{}", share(Some(429)));
    // Another seed, another sequence.
    let other: Vec<_> = FaultConfig { seed: 100, ..faults }.plan().take(400).map(|(f, _)| expected(f)).collect();
    assert_ne!(runs[0], other);
}

#[tokio::test]
async fn latency_is_added_before_responding() {
    let faults = FaultConfig::seeded(5).with_latency(Duration::from_millis(120), Duration::ZERO);
    let sandbox = start(builder().faults(faults)).await;
    let client = client();
    let started = Instant::now();
    assert_eq!(post_event(&client, &sandbox, KEY, &lead_request(1)).await.status(), 200);
    assert!(started.elapsed() >= Duration::from_millis(120), "{:?}", started.elapsed());

    sandbox
        .set_faults(FaultConfig::seeded(5).with_latency(Duration::from_millis(10), Duration::from_millis(40)))
        .unwrap();
    let mut took = Vec::new();
    for i in 0..10 {
        let started = Instant::now();
        assert_eq!(post_event(&client, &sandbox, KEY, &lead_request(100 + i)).await.status(), 200);
        took.push(started.elapsed());
    }
    assert!(took.iter().all(|t| *t >= Duration::from_millis(10) && *t < Duration::from_millis(500)), "{took:?}");
    assert!(
        took.iter().max().unwrap().saturating_sub(*took.iter().min().unwrap()) > Duration::from_millis(5),
        "{took:?}"
    );
}

#[tokio::test]
async fn faults_are_configured_per_run_through_the_admin_endpoint() {
    let sandbox = start(builder()).await;
    let client = client();
    let url = sandbox.url();
    let set = |body: Value| {
        let client = client.clone();
        let url = url.clone();
        async move { client.post(format!("{url}/__sandbox/faults")).bearer_auth(KEY).json(&body).send().await.unwrap() }
    };
    let response = set(json!({"seed": 11, "errorRate": 1.0})).await;
    let (status, _, body) = parts(response).await;
    assert_eq!(status, 200);
    assert_eq!(body["seed"], 11);
    assert_eq!(body["errorRate"], 1.0);
    assert_eq!(sandbox.faults().error_rate, 1.0);
    assert_eq!(post_event(&client, &sandbox, KEY, &lead_request(1)).await.status(), 500);
    // Faults never hide an authentication error, and the admin routes are not faulted.
    let response = client.post(format!("{url}/api/events")).json(&lead_request(1)).send().await.unwrap();
    assert_eq!(response.status(), 401);
    let current: Value =
        client.get(format!("{url}/__sandbox/faults")).bearer_auth(KEY).send().await.unwrap().json().await.unwrap();
    assert_eq!(current["errorRate"], 1.0);

    for bad in [json!({"errorRate": 1.5}), json!({"errorRate": 0.6, "dropRate": 0.6}), json!({"errorrate": 0.1})] {
        let (status, _, body) = parts(set(bad.clone()).await).await;
        assert_eq!((status, body["error"]["code"].as_str()), (400, Some("MALFORMED_REQUEST")), "{bad}: {body}");
    }
    let (status, _, _) = parts(set(json!({})).await).await;
    assert_eq!(status, 200);
    assert_eq!(post_event(&client, &sandbox, KEY, &lead_request(1)).await.status(), 200);

    // Setting the same configuration again restarts its sequence.
    let faults = FaultConfig::seeded(8).with_error_rate(0.5);
    let mut runs = Vec::new();
    for _ in 0..2 {
        set(serde_json::to_value(faults).unwrap()).await;
        let mut seen = Vec::new();
        for i in 0..40 {
            seen.push(post_event(&client, &sandbox, KEY, &lead_request(1000 + i)).await.status().as_u16());
        }
        runs.push(seen);
    }
    assert_eq!(runs[0].iter().filter(|s| **s == 500).count(), runs[1].iter().filter(|s| **s == 500).count());
    // (The second run replays what the first accepted, so compare where each failed.)
    let failed = |run: &Vec<u16>| run.iter().map(|s| *s == 500).collect::<Vec<_>>();
    assert_eq!(failed(&runs[0]), failed(&runs[1]));

    // A reset turns faults off.
    set(json!({"errorRate": 1.0})).await;
    let response = reset(&client, &sandbox).await;
    assert_eq!(response.status(), 200);
    assert_eq!(sandbox.faults(), FaultConfig::default());
}
