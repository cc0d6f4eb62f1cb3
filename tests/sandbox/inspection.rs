//! Inspection over real HTTP and in process: accepted events in order and once each, polling with
//! `after`, long polls, bounded retention, reset, and graceful shutdown.

use std::time::{Duration, Instant};

use loop_contracts::sandbox::{AcceptedEvent, FaultConfig};
use serde_json::Value;
use suite::sandbox::*;

async fn list(client: &reqwest::Client, url: &str, query: &str) -> Value {
    let response = client.get(format!("{url}/__sandbox/events{query}")).bearer_auth(KEY).send().await.unwrap();
    assert_eq!(response.status(), 200);
    response.json().await.unwrap()
}

fn sequences(page: &Value) -> Vec<u64> {
    page["events"].as_array().unwrap().iter().map(|e| e["sequence"].as_u64().unwrap()).collect()
}

#[tokio::test]
async fn accepted_events_are_listed_in_order_once_each_and_polled_with_after() {
    let sandbox = start(builder()).await;
    let client = client();
    let url = sandbox.url();
    for i in [1, 2, 2, 3, 1, 4, 5] {
        assert_eq!(post_event(&client, &sandbox, KEY, &lead_request(i)).await.status(), 200);
    }
    let page = list(&client, &url, "").await;
    assert_eq!(sequences(&page), [1, 2, 3, 4, 5], "replays are not listed again");
    assert_eq!((page["next"].as_u64(), page["latest"].as_u64(), page["dropped"].as_u64()), (Some(5), Some(5), Some(0)));
    let ids: Vec<&str> = page["events"].as_array().unwrap().iter().map(|e| e["eventId"].as_str().unwrap()).collect();
    assert_eq!(ids, [event_id(1), event_id(2), event_id(3), event_id(4), event_id(5)]);
    // Each listed event parses back into the in-process type, and matches what the handle says.
    let listed: Vec<AcceptedEvent> = serde_json::from_value(page["events"].clone()).unwrap();
    assert_eq!(listed, sandbox.accepted());
    assert!(!page.to_string().contains("sandbox_suite_key"), "the key never appears");

    assert_eq!(sequences(&list(&client, &url, "?after=3").await), [4, 5]);
    let page = list(&client, &url, "?after=1&limit=2").await;
    assert_eq!((sequences(&page), page["next"].as_u64()), (vec![2, 3], Some(3)));
    let page = list(&client, &url, "?after=5").await;
    assert_eq!((sequences(&page), page["next"].as_u64()), (vec![], Some(5)));

    let response = client.get(format!("{url}/__sandbox/events?after=x")).bearer_auth(KEY).send().await.unwrap();
    assert_eq!(response.status(), 400);

    // The in-process view.
    assert_eq!(sandbox.accepted_count(), 5);
    assert_eq!(sandbox.accepted_after(3).iter().map(|e| e.sequence).collect::<Vec<_>>(), [4, 5]);
}

#[tokio::test]
async fn a_long_poll_returns_as_soon_as_an_event_is_accepted() {
    let sandbox = start(builder()).await;
    let client = client();
    let url = sandbox.url();
    // The clock starts before the spawn: a poll task that is scheduled late must not shorten it.
    let started = Instant::now();
    let poll = tokio::spawn({
        let (client, url) = (client.clone(), url.clone());
        async move { (list(&client, &url, "?after=0&wait=10000").await, started.elapsed()) }
    });
    tokio::time::sleep(Duration::from_millis(150)).await;
    assert_eq!(post_event(&client, &sandbox, KEY, &lead_request(1)).await.status(), 200);
    let (page, took) = poll.await.unwrap();
    assert_eq!(sequences(&page), [1]);
    assert!(took >= Duration::from_millis(150) && took < Duration::from_secs(5), "{took:?}");

    // Nothing new: it returns empty when the wait is over.
    let started = Instant::now();
    let page = list(&client, &url, "?after=1&wait=200").await;
    assert!(sequences(&page).is_empty());
    assert!(started.elapsed() >= Duration::from_millis(200));

    // The handle's wait.
    let waiter = tokio::spawn({
        let (client, url) = (client.clone(), url.clone());
        async move {
            tokio::time::sleep(Duration::from_millis(100)).await;
            client.post(format!("{url}/api/events")).bearer_auth(KEY).json(&lead_request(2)).send().await.unwrap()
        }
    });
    let events = sandbox.wait_for_accepted(1, Duration::from_secs(10)).await;
    assert_eq!(events.iter().map(|e| e.sequence).collect::<Vec<_>>(), [2]);
    waiter.await.unwrap();
}

#[tokio::test]
async fn retention_is_bounded_and_a_late_poller_is_told_what_it_missed() {
    let sandbox = start(builder().retain_events(3)).await;
    let client = client();
    for i in 0..8 {
        post_event(&client, &sandbox, KEY, &lead_request(i)).await;
    }
    let page = list(&client, &sandbox.url(), "?after=2").await;
    assert_eq!(sequences(&page), [6, 7, 8]);
    assert_eq!(page["dropped"], 3);
    assert_eq!(sandbox.accepted().len(), 3);
    assert_eq!(sandbox.accepted_count(), 8);
}

#[tokio::test]
async fn reset_forgets_events_and_keys_but_sequences_go_on() {
    let sandbox = start(builder()).await;
    let client = client();
    let url = sandbox.url();
    post_event(&client, &sandbox, KEY, &lead_request(1)).await;
    post_event(&client, &sandbox, KEY, &lead_request(2)).await;
    let response = reset(&client, &sandbox).await;
    assert_eq!(response.status(), 200);
    assert!(sandbox.accepted().is_empty());
    let again = post_event(&client, &sandbox, KEY, &lead_request(1)).await;
    assert!(again.headers().get("idempotent-replayed").is_none(), "the key was forgotten");
    let (_, _, body) = parts(again).await;
    assert_eq!(body["sequence"], 3);
    let status: Value =
        client.get(format!("{url}/__sandbox")).bearer_auth(KEY).send().await.unwrap().json().await.unwrap();
    assert_eq!((status["acceptedEvents"].as_u64(), status["keptEvents"].as_u64()), (Some(3), Some(1)));
    sandbox.reset();
    assert!(sandbox.accepted().is_empty());
}

#[tokio::test]
async fn shutdown_lets_requests_in_flight_finish_then_stops_listening() {
    let faults = FaultConfig::seeded(0).with_processing(Duration::from_millis(300));
    let sandbox = start(builder().faults(faults)).await;
    let client = client();
    let url = sandbox.url();
    let in_flight = tokio::spawn({
        let (client, url) = (client.clone(), url.clone());
        async move { client.post(format!("{url}/api/events")).bearer_auth(KEY).json(&lead_request(1)).send().await }
    });
    let long_poll = tokio::spawn({
        let (client, url) = (client.clone(), url.clone());
        async move { client.get(format!("{url}/__sandbox/events?after=99&wait=30000")).bearer_auth(KEY).send().await }
    });
    tokio::time::sleep(Duration::from_millis(100)).await;
    let started = Instant::now();
    sandbox.shutdown().await;
    assert!(started.elapsed() < Duration::from_secs(3), "the long poll did not hold the shutdown");
    assert_eq!(in_flight.await.unwrap().expect("finished").status(), 200);
    assert_eq!(long_poll.await.unwrap().expect("answered").status(), 200);
    let refused =
        reqwest::Client::builder().no_proxy().build().unwrap().get(format!("{url}/api/events/schema")).send().await;
    assert!(refused.is_err(), "no longer listening");
}

#[tokio::test]
async fn a_web_page_cannot_reach_the_operator_routes() {
    let sandbox = start(builder()).await;
    let client = client();
    let url = sandbox.url();
    assert_eq!(post_event(&client, &sandbox, KEY, &lead_request(1)).await.status(), 200);

    // No key: what a page's fetch or form sends. Refused on every operator route, reads included.
    for path in ["/__sandbox", "/__sandbox/events", "/__sandbox/faults", "/__sandbox/deliveries"] {
        let response = client.get(format!("{url}{path}")).send().await.unwrap();
        assert_eq!(response.status(), 401, "{path}");
        assert!(!response.text().await.unwrap().contains("lead1@"), "{path}");
    }
    let form = |path: &str| {
        client.post(format!("{url}{path}")).header("content-type", "text/plain").body(r#"{"errorRate": 1}"#).send()
    };
    assert_eq!(form("/__sandbox/faults").await.unwrap().status(), 401);
    assert_eq!(form("/__sandbox/reset").await.unwrap().status(), 401);

    // With a key but not JSON (a form or text/plain body is what a page may send freely).
    let response = client
        .post(format!("{url}/__sandbox/faults"))
        .bearer_auth(KEY)
        .header("content-type", "text/plain")
        .body(r#"{"errorRate": 1}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 415);
    assert!(!sandbox.faults().is_active(), "nothing changed");

    // A name that is not the sandbox's (a rebound DNS name), on operator and platform routes alike.
    for path in ["/__sandbox/events", "/api/events/schema/lead.captured.v1"] {
        let response = client
            .get(format!("{url}{path}"))
            .bearer_auth(KEY)
            .header("host", "attacker.example.com")
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 421, "{path}");
    }
    for host in
        [sandbox.local_addr().to_string(), "localhost".into(), format!("localhost:{}", sandbox.local_addr().port())]
    {
        let response =
            client.get(format!("{url}/__sandbox/events")).bearer_auth(KEY).header("host", host.as_str()).send().await;
        assert_eq!(response.unwrap().status(), 200, "{host}");
    }
    assert_eq!(sandbox.accepted().len(), 1, "the event is still there: no reset went through");
    sandbox.shutdown().await;
}
