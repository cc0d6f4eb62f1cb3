//! Rate limits over real HTTP: the Standard tier's burst of 200, the sustained rate of a small
//! tier, Retry-After, and callers counted apart.

use std::time::{Duration, Instant};

use loop_contracts::api_key::Tier;
use loop_contracts::sandbox::Sandbox;
use suite::sandbox::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_standard_tier_allows_a_burst_of_200_then_answers_429() {
    let sandbox = start(Sandbox::builder()).await;
    let client = client();
    let started = Instant::now();
    let mut accepted = 0u32;
    let mut remaining_seen = Vec::new();
    let mut refusals = Vec::new();
    // Waves of concurrent requests until one is refused: the bucket refills at 100/s, so on a
    // loaded machine one-at-a-time requests might never outrun it.
    let mut sent = 0u64;
    while refusals.is_empty() {
        assert!(sent < 5_000, "no 429 after {sent} requests in {:.3} s", started.elapsed().as_secs_f64());
        let mut wave = tokio::task::JoinSet::new();
        for i in sent..sent + 50 {
            let (client, url) = (client.clone(), sandbox.url());
            wave.spawn(async move {
                let request = client.post(format!("{url}/api/events")).bearer_auth(KEY).json(&lead_request(i));
                request.send().await.expect("a response")
            });
        }
        sent += 50;
        while let Some(response) = wave.join_next().await {
            let response = response.unwrap();
            let (limit, remaining, reset) = rate_headers(&response);
            assert_eq!(limit, 100);
            match response.status().as_u16() {
                200 => {
                    accepted += 1;
                    remaining_seen.push(remaining);
                }
                429 => {
                    assert_eq!(remaining, 0);
                    let now = unix_now();
                    assert!(reset > now && reset <= now + 3, "reset {reset}, now {now}: the bucket refills in ~2 s");
                    refusals.push(response);
                }
                other => panic!("unexpected {other}"),
            }
        }
    }
    let elapsed = started.elapsed().as_secs_f64();
    // 200 at once, plus what refilled (100/s) while the requests were being sent.
    let refilled = (elapsed * 100.0).ceil() as u32;
    assert!(accepted >= 200 && accepted <= 200 + refilled + 1, "{accepted} accepted in {elapsed:.3} s");
    assert_eq!(remaining_seen.iter().max(), Some(&199), "the first acceptance leaves 199");
    assert_eq!(sandbox.accepted().len() as u32, accepted, "refused requests are not processed");

    let refusal = refusals.swap_remove(0);
    assert_eq!(refusal.headers()["retry-after"], "1");
    assert!(refusal.headers().get("x-sandbox-fault").is_none(), "a real refusal");
    let (_, _, body) = parts(refusal).await;
    assert_eq!(body["ok"], false);
    assert_eq!(body["error"]["code"], "RATE_LIMITED");
    assert!(body["error"]["message"].as_str().unwrap().contains("100 requests/s, burst 200"), "{body}");
}

#[tokio::test]
async fn the_rate_holds_at_the_tier_after_the_burst() {
    let tier = Tier::new(20, 10).unwrap();
    let sandbox = start(Sandbox::builder().default_tier(tier)).await;
    let client = client();
    let started = Instant::now();
    let mut accepted = 0u32;
    let mut i = 0;
    while started.elapsed() < Duration::from_secs(2) {
        let response = post_event(&client, &sandbox, KEY, &lead_request(i)).await;
        i += 1;
        match response.status().as_u16() {
            200 => accepted += 1,
            429 => {}
            other => panic!("unexpected {other}"),
        }
        tokio::time::sleep(Duration::from_millis(4)).await;
    }
    let expected = 10.0 + 20.0 * started.elapsed().as_secs_f64();
    assert!((f64::from(accepted) - expected).abs() <= 3.0, "{accepted} accepted, expected about {expected:.1}");
}

#[tokio::test]
async fn waiting_retry_after_is_enough() {
    let sandbox = start(Sandbox::builder().default_tier(Tier::new(1, 1).unwrap())).await;
    let client = client();
    assert_eq!(post_event(&client, &sandbox, KEY, &lead_request(1)).await.status(), 200);
    let refused = post_event(&client, &sandbox, KEY, &lead_request(2)).await;
    assert_eq!(refused.status(), 429);
    let wait: u64 = refused.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert_eq!(wait, 1);
    tokio::time::sleep(Duration::from_secs(wait)).await;
    assert_eq!(post_event(&client, &sandbox, KEY, &lead_request(2)).await.status(), 200);
}

#[tokio::test]
async fn each_key_and_each_anonymous_address_has_its_own_bucket() {
    let tier = Tier::new(1, 2).unwrap();
    let sandbox = start(Sandbox::builder().default_tier(tier).anonymous_tier(tier)).await;
    let client = client();
    let mut a = Vec::new();
    for i in 0..3 {
        a.push(post_event(&client, &sandbox, KEY, &lead_request(i)).await.status().as_u16());
    }
    assert_eq!(a, [200, 200, 429]);
    assert_eq!(post_event(&client, &sandbox, OTHER_KEY, &lead_request(9)).await.status(), 200);

    // Requests without a valid key count against the address: 401, 401, then 429.
    let mut anonymous = Vec::new();
    for _ in 0..3 {
        let response = client
            .post(format!("{}/api/events", sandbox.url()))
            .bearer_auth("lk_test_not-a-configured-or-valid-key!")
            .json(&lead_request(5))
            .send()
            .await
            .unwrap();
        rate_headers(&response);
        anonymous.push(response.status().as_u16());
    }
    assert_eq!(anonymous, [401, 401, 429]);
    // The address's bucket is spent, the keys' are their own.
    let schema = client.get(format!("{}/api/events/schema", sandbox.url())).send().await.unwrap();
    assert_eq!(schema.status(), 429);
    let schema = client.get(format!("{}/api/events/schema", sandbox.url())).bearer_auth(OTHER_KEY).send().await;
    assert_eq!(schema.unwrap().status(), 200);
}

#[tokio::test]
async fn the_sandbox_own_routes_are_not_limited() {
    let tier = Tier::new(1, 1).unwrap();
    let sandbox = start(Sandbox::builder().default_tier(tier).anonymous_tier(tier)).await;
    let client = client();
    for _ in 0..20 {
        let response = client.get(format!("{}/__sandbox/events", sandbox.url())).bearer_auth(KEY).send().await.unwrap();
        assert_eq!(response.status(), 200);
        assert!(response.headers().get("x-ratelimit-limit").is_none());
    }
}
