//! Idempotency over real HTTP: replay, conflict, per-key scope, the eventId default, concurrent
//! duplicates processed once, rejected requests leaving no trace, and the bounded window.

use std::time::Duration;

use loop_contracts::sandbox::FaultConfig;
use serde_json::{json, Value};
use suite::sandbox::*;

async fn post_with_key(
    client: &reqwest::Client,
    url: &str,
    key: &str,
    idempotency_key: Option<&str>,
    body: &Value,
) -> reqwest::Response {
    let mut request = client.post(format!("{url}/api/events")).bearer_auth(key).json(body);
    if let Some(idempotency_key) = idempotency_key {
        request = request.header("Idempotency-Key", idempotency_key);
    }
    request.send().await.unwrap()
}

#[tokio::test]
async fn a_repeat_with_the_same_payload_replays_the_first_response_without_processing_again() {
    let sandbox = start(builder()).await;
    let client = client();
    let url = sandbox.url();
    let first = post_with_key(&client, &url, KEY, Some("order-1001"), &lead_request(1)).await;
    assert!(first.headers().get("idempotent-replayed").is_none());
    let first_body = first.text().await.unwrap();

    // Same event, other key order and spacing, an unknown key (stripped by validation).
    let mut payload = lead(1);
    payload["utm_campaign_ignored"] = json!("x");
    let text = format!(r#"{{ "payload": {payload},   "event": "lead.captured.v1" }}"#);
    for _ in 0..3 {
        let again = client
            .post(format!("{url}/api/events"))
            .bearer_auth(KEY)
            .header("Idempotency-Key", "order-1001")
            .header("content-type", "application/json")
            .body(text.clone())
            .send()
            .await
            .unwrap();
        assert_eq!(again.status(), 200);
        assert_eq!(again.headers()["idempotent-replayed"], "true");
        rate_headers(&again);
        assert_eq!(again.text().await.unwrap(), first_body, "the first response, byte for byte");
    }
    assert_eq!(sandbox.accepted().len(), 1, "processed once");
}

#[tokio::test]
async fn a_repeat_with_another_payload_is_409_idempotency_conflict() {
    let sandbox = start(builder()).await;
    let client = client();
    let url = sandbox.url();
    assert_eq!(post_with_key(&client, &url, KEY, Some("k-1"), &lead_request(1)).await.status(), 200);
    let mut changed = lead(1);
    changed["email"] = json!("someone-else@example.com");
    let response =
        post_with_key(&client, &url, KEY, Some("k-1"), &json!({"event": "lead.captured.v1", "payload": changed})).await;
    rate_headers(&response);
    let (status, headers, body) = parts(response).await;
    assert_eq!(status, 409);
    assert!(headers.get("idempotent-replayed").is_none());
    assert_eq!(body["ok"], false);
    assert_eq!(body["error"]["code"], "IDEMPOTENCY_CONFLICT");
    let message = body["error"]["message"].as_str().unwrap();
    assert_eq!(message, "the Idempotency-Key \"k-1\" was already used with a different payload");
    assert_eq!(sandbox.accepted().len(), 1);

    // Without the header the eventId is the key, and the message says so.
    assert_eq!(post_with_key(&client, &url, KEY, None, &lead_request(2)).await.status(), 200);
    let mut changed = lead(2);
    changed["email"] = json!("someone-else@example.com");
    let body = json!({"event": "lead.captured.v1", "payload": changed});
    let (status, _, body) = parts(post_with_key(&client, &url, KEY, None, &body).await).await;
    assert_eq!(status, 409);
    let message = body["error"]["message"].as_str().unwrap();
    assert!(message.starts_with("the eventId (no Idempotency-Key was sent) \"550e8400-"), "{message}");
}

#[tokio::test]
async fn without_the_header_the_payload_event_id_is_the_key_and_keys_are_scoped_per_api_key() {
    let sandbox = start(builder()).await;
    let client = client();
    let url = sandbox.url();
    assert_eq!(post_with_key(&client, &url, KEY, None, &lead_request(7)).await.status(), 200);
    let again = post_with_key(&client, &url, KEY, None, &lead_request(7)).await;
    assert_eq!(again.headers()["idempotent-replayed"], "true");
    // The header naming the eventId is the same key.
    let again = post_with_key(&client, &url, KEY, Some(&event_id(7)), &lead_request(7)).await;
    assert_eq!(again.headers()["idempotent-replayed"], "true");
    // Another API key has its own keys.
    let other = post_with_key(&client, &url, OTHER_KEY, None, &lead_request(7)).await;
    assert_eq!(other.status(), 200);
    assert!(other.headers().get("idempotent-replayed").is_none());
    // Another eventId under the first key: a new event.
    assert!(post_with_key(&client, &url, KEY, None, &lead_request(8))
        .await
        .headers()
        .get("idempotent-replayed")
        .is_none());
    let ids: Vec<String> = sandbox.accepted().into_iter().map(|e| e.event_id).collect();
    assert_eq!(ids, [event_id(7), event_id(7), event_id(8)]);
}

#[tokio::test]
async fn a_rejected_request_leaves_its_key_free_for_the_corrected_payload() {
    let sandbox = start(builder()).await;
    let client = client();
    let url = sandbox.url();
    let mut broken = lead(3);
    broken["email"] = json!("nope");
    let body = json!({"event": "lead.captured.v1", "payload": broken});
    assert_eq!(post_with_key(&client, &url, KEY, None, &body).await.status(), 422);
    let fixed = post_with_key(&client, &url, KEY, None, &lead_request(3)).await;
    assert_eq!(fixed.status(), 200);
    assert!(fixed.headers().get("idempotent-replayed").is_none());
    // Injected 500s are not kept either: the retry is processed.
    sandbox.set_faults(FaultConfig::seeded(1).with_error_rate(1.0)).unwrap();
    assert_eq!(post_with_key(&client, &url, KEY, None, &lead_request(4)).await.status(), 500);
    sandbox.set_faults(FaultConfig::default()).unwrap();
    let retry = post_with_key(&client, &url, KEY, None, &lead_request(4)).await;
    assert_eq!(retry.status(), 200);
    assert!(retry.headers().get("idempotent-replayed").is_none());
    assert_eq!(sandbox.accepted().len(), 2);
}

#[tokio::test]
async fn concurrent_duplicates_are_processed_once_and_all_get_the_first_result() {
    // Processing takes 300 ms, so all 16 requests overlap the first.
    let faults = FaultConfig::seeded(0).with_processing(Duration::from_millis(300));
    let sandbox = start(builder().faults(faults)).await;
    let client = client();
    let url = sandbox.url();
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..16 {
        let (client, url) = (client.clone(), url.clone());
        tasks.spawn(async move {
            let response = post_with_key(&client, &url, KEY, Some("same-key"), &lead_request(9)).await;
            let replayed = response.headers().get("idempotent-replayed").is_some();
            (response.status().as_u16(), replayed, response.text().await.unwrap())
        });
    }
    let results = tasks.join_all().await;
    assert!(results.iter().all(|(status, _, _)| *status == 200), "{results:?}");
    assert_eq!(results.iter().filter(|(_, replayed, _)| !replayed).count(), 1, "one processed, the rest replayed");
    assert!(results.iter().all(|(_, _, body)| body == &results[0].2), "one result for all");
    assert_eq!(sandbox.accepted().len(), 1);

    // A concurrent request with the same key and another payload is refused at once.
    sandbox.set_faults(FaultConfig::seeded(0).with_processing(Duration::from_millis(1500))).unwrap();
    let first = tokio::spawn({
        let (client, url) = (client.clone(), url.clone());
        async move { post_with_key(&client, &url, KEY, Some("other-key"), &lead_request(10)).await.status() }
    });
    tokio::time::sleep(Duration::from_millis(100)).await;
    let started = std::time::Instant::now();
    let clash = post_with_key(&client, &url, KEY, Some("other-key"), &lead_request(11)).await;
    let (status, _, body) = parts(clash).await;
    assert_eq!((status, body["error"]["code"].as_str()), (409, Some("IDEMPOTENCY_CONFLICT")), "{body}");
    // It did not wait for the first's 1.5 s of processing.
    assert!(started.elapsed() < Duration::from_millis(1000), "{:?}", started.elapsed());
    assert_eq!(first.await.unwrap(), 200);
}

#[tokio::test]
async fn a_duplicate_that_outwaits_the_first_gets_409_in_progress() {
    let faults = FaultConfig::seeded(0).with_processing(Duration::from_millis(600));
    let sandbox = start(builder().faults(faults).idempotency_wait(Duration::from_millis(100))).await;
    let client = client();
    let url = sandbox.url();
    let first = tokio::spawn({
        let (client, url) = (client.clone(), url.clone());
        async move { post_with_key(&client, &url, KEY, None, &lead_request(1)).await.status() }
    });
    tokio::time::sleep(Duration::from_millis(100)).await;
    let (status, _, body) = parts(post_with_key(&client, &url, KEY, None, &lead_request(1)).await).await;
    assert_eq!((status, body["error"]["code"].as_str()), (409, Some("IDEMPOTENCY_IN_PROGRESS")), "{body}");
    assert_eq!(first.await.unwrap(), 200);
    assert_eq!(sandbox.accepted().len(), 1);
}

#[tokio::test]
async fn the_window_is_bounded_in_time_and_in_keys() {
    let sandbox = start(builder().idempotency_window(Duration::from_millis(300), 5)).await;
    let client = client();
    let url = sandbox.url();
    for i in 0..10 {
        assert_eq!(post_with_key(&client, &url, KEY, None, &lead_request(i)).await.status(), 200);
    }
    // The 5 newest are kept; the oldest were forgotten, so a repeat is processed again.
    let kept = post_with_key(&client, &url, KEY, None, &lead_request(9)).await;
    assert_eq!(kept.headers()["idempotent-replayed"], "true");
    let forgotten = post_with_key(&client, &url, KEY, None, &lead_request(0)).await;
    assert!(forgotten.headers().get("idempotent-replayed").is_none());
    tokio::time::sleep(Duration::from_millis(350)).await;
    let expired = post_with_key(&client, &url, KEY, None, &lead_request(9)).await;
    assert!(expired.headers().get("idempotent-replayed").is_none());
    let status: Value =
        client.get(format!("{url}/__sandbox")).bearer_auth(KEY).send().await.unwrap().json().await.unwrap();
    assert!(status["idempotencyKeys"].as_u64().unwrap() <= 5, "{status}");
}

#[tokio::test]
async fn an_idempotency_key_with_a_space_or_tab_is_refused_as_its_message_says() {
    let sandbox = start(builder()).await;
    let client = client();
    let url = sandbox.url();
    for bad in ["order 1001", "order\t1001"] {
        let response = post_with_key(&client, &url, KEY, Some(bad), &lead_request(1)).await;
        assert_eq!(response.status(), 400, "{bad:?}");
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["error"]["code"], "MALFORMED_REQUEST");
        assert!(body["error"]["message"].as_str().unwrap().contains("visible ASCII"), "{body}");
    }
    // Surrounding whitespace is the header's own (HTTP trims it), not the key's.
    let response = post_with_key(&client, &url, KEY, Some("order-1001"), &lead_request(1)).await;
    assert_eq!(response.status(), 200);
    assert_eq!(sandbox.accepted().len(), 1);
}
