//! Client-side rate limiting: a burst through a client on the sandbox's own tier meets no 429; a
//! 429 whose `Retry-After` is an HTTP-date is waited out until that date.

use std::time::{Duration, SystemTime};

use loop_contracts::api_key::Tier;
use loop_contracts::client::Client;
use loop_contracts::sandbox::Sandbox;
use suite::client::*;

use crate::stub::{answer, serve};

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_burst_stays_under_the_tier_and_meets_no_429() {
    let tier = Tier::new(50, 20).unwrap();
    let sandbox = start(Sandbox::builder().default_tier(tier)).await;
    let recorder = Recorder::default();
    let client = client_builder(&sandbox).tier(tier).sleeper(recorder.clone()).build().unwrap();
    let started = std::time::Instant::now();
    let sends: Vec<_> = (0..80)
        .map(|i| {
            let client = client.clone();
            tokio::spawn(async move { client.send_json("lead.captured.v1", &lead(i)).await })
        })
        .collect();
    for send in sends {
        let accepted = send.await.unwrap().unwrap();
        assert_eq!(accepted.attempts, 1, "no 429, no retry");
    }
    assert!(recorder.delays().is_empty(), "no waits for a 429: {:?}", recorder.delays());
    // 10 at once (the rest of the burst is the reserve), then 50 per second: the other 70 take over a second.
    assert!(started.elapsed().as_millis() >= 1_000, "{:?}", started.elapsed());
    assert_eq!(sandbox.accepted().len(), 80);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn without_the_client_limiter_the_same_burst_meets_429s_and_waits_them_out() {
    // Real waits here (the sandbox's bucket refills in real time): about a second.
    let tier = Tier::new(50, 20).unwrap();
    let sandbox = start(Sandbox::builder().default_tier(tier)).await;
    let client = client_builder(&sandbox).client_rate_limit(false).build().unwrap();
    let sends: Vec<_> = (0..40)
        .map(|i| {
            let client = client.clone();
            tokio::spawn(async move { client.send_json("lead.captured.v1", &lead(i)).await })
        })
        .collect();
    let mut waited = 0;
    for send in sends {
        let accepted = send.await.unwrap().unwrap();
        if accepted.attempts > 1 {
            waited += 1;
        }
    }
    assert!(waited > 0, "the sandbox's limit was met and waited out");
    assert_eq!(sandbox.accepted().len(), 40);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_client_follows_a_server_limit_lower_than_its_tier() {
    // The client believes it is Standard (100/s); the sandbox grants this key 20/s, burst 20.
    let sandbox = start(Sandbox::builder().tier_for(key(KEY), Tier::new(20, 20).unwrap())).await;
    let recorder = Recorder::default();
    let client = client_builder(&sandbox).tier(Tier::STANDARD).sleeper(recorder.clone()).build().unwrap();
    // The first response announces the server's rate.
    let first = client.send_json("lead.captured.v1", &lead(0)).await.unwrap();
    assert_eq!(first.rate_limit.map(|r| r.limit), Some(20));
    let started = std::time::Instant::now();
    let sends: Vec<_> = (1..=40)
        .map(|i| {
            let client = client.clone();
            tokio::spawn(async move { client.send_json("lead.captured.v1", &lead(i)).await })
        })
        .collect();
    for send in sends {
        assert_eq!(send.await.unwrap().unwrap().attempts, 1, "no 429 once the server's rate is known");
    }
    assert!(recorder.delays().is_empty(), "no waits for a 429: {:?}", recorder.delays());
    // 16 at once (a reserve of 4), then 20 per second: the other 24 take over a second.
    assert!(started.elapsed().as_millis() >= 1_000, "{:?}", started.elapsed());
    assert_eq!(sandbox.accepted().len(), 41);
}

/// `t` as an IMF-fixdate (`Fri, 31 Dec 1999 23:59:59 GMT`), truncated to the second.
fn http_date(t: SystemTime) -> String {
    chrono::DateTime::<chrono::Utc>::from(t).format("%a, %d %b %Y %H:%M:%S GMT").to_string()
}

#[tokio::test]
async fn a_retry_after_date_is_waited_until_and_capped_like_seconds() {
    // Three 429s whose Retry-After is a date: 30 s ahead, an hour ago, a day ahead; then success.
    let now = SystemTime::now();
    let limited = |date: String| {
        let body = r#"{"ok":false,"error":{"code":"RATE_LIMITED","message":"slow down","issues":[]}}"#;
        answer("429 Too Many Requests", &[("retry-after", &date)], body)
    };
    let (url, server) = serve(vec![
        limited(http_date(now + secs(30))),
        limited(http_date(now - secs(3_600))),
        limited(http_date(now + secs(86_400))),
        answer("202 Accepted", &[], r#"{"ok":true}"#),
    ])
    .await;
    let recorder = Recorder::default();
    let client = Client::builder()
        .key(key(KEY))
        .base_url(url)
        .client_rate_limit(false)
        .sleeper(recorder.clone())
        .build()
        .unwrap();
    let accepted = client.send_json("lead.captured.v1", &lead(31)).await.unwrap();
    assert_eq!(accepted.attempts, 4);
    let delays = recorder.delays();
    assert_eq!(delays.len(), 3, "{delays:?}");
    // The date less the client's clock: under 30 s by the truncated fraction and the time taken.
    assert!(delays[0] > secs(25) && delays[0] <= secs(30), "{delays:?}");
    // A date past waits nothing, as `Retry-After: 0`; a day ahead is capped at 10 min.
    assert_eq!(delays[1..], [Duration::ZERO, secs(600)]);
    let heads = server.await.unwrap();
    let key_header = format!("idempotency-key: {}", event_id(31));
    assert!(heads.iter().all(|h| h.starts_with("post /api/events ") && h.contains(&key_header)), "{heads:?}");
}
