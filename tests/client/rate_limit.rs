//! Client-side rate limiting: a burst through a client on the sandbox's own tier meets no 429.

use loop_contracts::api_key::Tier;
use loop_contracts::sandbox::Sandbox;
use suite::client::*;

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
