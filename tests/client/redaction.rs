//! What the security review (docs/security-review.md) claims, pinned: no secret shows in `Debug`,
//! `Display`, an error or a sandbox response, nor in what the client reports.

use std::time::{Duration, SystemTime};

use loop_contracts::api_key::ApiKey;
use loop_contracts::client::{Client, SendError};
use loop_contracts::delivery::{Receiver, SecretError, Signer, Verifier, WebhookId, WebhookSecret};
use loop_contracts::inbound::{Intake, SignatureScheme, SigningSecret, Source, TransformContext};
use loop_contracts::outbox::{InMemoryStore, Relay};
use loop_contracts::sandbox::{DeliveryConfig, Sandbox};
use suite::sandbox::*;

use suite::secrets::*;

fn webhook_secret() -> WebhookSecret {
    WebhookSecret::from_bytes(SECRET.as_bytes().to_vec()).unwrap()
}

#[test]
fn no_type_that_holds_a_secret_shows_it() {
    for scope in ["lk_live_", "lk_test_", "lk_dev_"] {
        let key = ApiKey::parse(&format!("{scope}{SECRET}")).unwrap();
        assert_hidden("ApiKey", &format!("{key} {key:?} {key:#?} {:?}", Some(&key)));
        let client = Client::builder().key(key.clone()).build().unwrap();
        assert_hidden("Client", &format!("{client:?} {client:#?}"));
        assert_hidden("ClientBuilder", &format!("{:?}", Client::builder().key(key.clone())));
        let relay = Relay::new(std::sync::Arc::new(InMemoryStore::default()), client);
        assert_hidden("Relay", &format!("{relay:?} {relay:#?}"));
    }
    let signing = SigningSecret::from_text(SECRET);
    assert_hidden("SigningSecret", &format!("{signing:?} {signing:#?}"));
    let intake = Intake::new(TransformContext::default())
        .with_secret(Source::Shopify, signing.clone())
        .with_secret(Source::Calendly, SigningSecret::new(SECRET.as_bytes()));
    assert_hidden("Intake", &format!("{intake:?} {intake:#?}"));

    let whsec = WebhookSecret::parse(&format!("whsec_{}", forms()[1])).unwrap();
    assert_hidden("WebhookSecret", &format!("{whsec:?} {whsec:#?}"));
    let verifier = Verifier::new(whsec.clone()).with_secret(webhook_secret());
    assert_hidden("Verifier", &format!("{verifier:?}"));
    assert_hidden("Receiver", &format!("{:?}", Receiver::new(verifier)));
    assert_hidden("Signer", &format!("{:?}", Signer::new(whsec.clone())));
    let deliveries = DeliveryConfig::new(whsec).endpoint("http://127.0.0.1:9/hooks");
    assert_hidden("DeliveryConfig", &format!("{deliveries:?} {deliveries:#?}"));

    let sandbox = Sandbox::builder()
        .accept_key(ApiKey::parse(&format!("lk_test_{SECRET}")).unwrap())
        .intake(intake)
        .deliveries(deliveries);
    assert_hidden("SandboxBuilder", &format!("{sandbox:?}"));
}

#[test]
fn errors_never_carry_a_secret_or_a_signature() {
    // Near-miss keys: the error names the fault, never the text.
    for text in [
        format!("lk_live_{SECRET}!"),
        format!("lk_prod_{SECRET}"),
        format!("Bearer lk_test_{SECRET}"),
        format!("lk_test_{SECRET}{}", "x".repeat(200)),
    ] {
        let err = ApiKey::parse(&text).unwrap_err();
        assert_hidden("ApiKeyError", &format!("{err} {err:?}"));
    }
    // Near-miss webhook secrets.
    for text in [format!("whsec_{SECRET}!"), format!("whsk_{SECRET}"), format!("whsec_{}", "QUFB".repeat(40))] {
        let err: SecretError = WebhookSecret::parse(&text).unwrap_err();
        assert_hidden("SecretError", &format!("{err} {err:?}"));
    }
    // Inbound signatures that fail: neither the secret nor the signature sent shows.
    let secret = SigningSecret::from_text(SECRET);
    for scheme in [SignatureScheme::Shopify, SignatureScheme::Typeform, SignatureScheme::calendly()] {
        let (name, value) = scheme.sign(&secret, b"{}", SystemTime::now());
        for (headers, body) in [
            (vec![(name, value.clone())], &b"{ }"[..]),
            (vec![(name, value[..value.len() - 2].to_owned())], &b"{}"[..]),
            (vec![(name, format!("{value}{SECRET}"))], &b"{}"[..]),
        ] {
            let err = scheme.verify(&secret, &headers, body).unwrap_err();
            let shown = format!("{err} {err:?}");
            assert_hidden("SignatureError", &shown);
            assert!(!shown.contains(&value[value.len() - 20..]), "{shown}");
        }
    }
    // Delivery webhooks signed with another secret, or altered.
    let signer = Signer::new(WebhookSecret::from_bytes([7u8; 32]).unwrap());
    let headers = signer.sign(&WebhookId::new("msg_1").unwrap(), 1_779_192_000, b"{}");
    let receiver = Receiver::new(Verifier::new(webhook_secret()));
    let at = std::time::UNIX_EPOCH + Duration::from_secs(1_779_192_000);
    let err = receiver.receive_at(&headers, b"{}", at).unwrap_err();
    let shown = format!("{err} {err:?} {}", err.to_response());
    assert_hidden("DeliveryError", &shown);
    assert!(!shown.contains(&headers.signature()[3..]), "{shown}");
}

#[tokio::test]
async fn the_sandbox_and_the_client_never_echo_a_key() {
    let allowed = ApiKey::parse(&format!("lk_test_{SECRET}")).unwrap();
    let sandbox = start(builder().accept_key(allowed.clone())).await;
    let http = client();

    // Accepted: the events list and the status page show the key's fingerprint only.
    let response = post_event(&http, &sandbox, allowed.expose_secret(), &lead_request(1)).await;
    assert_eq!(response.status(), 200);
    assert_hidden("accepted events", &format!("{:?}", sandbox.accepted()));
    for path in ["/__sandbox", "/__sandbox/events"] {
        let request = http.get(format!("{}{path}", sandbox.url())).bearer_auth(allowed.expose_secret());
        let text = request.send().await.unwrap().text().await.unwrap();
        assert_hidden(path, &text);
    }
    // Refused keys of every kind: the answer never holds them.
    for key in [
        format!("lk_test_{SECRET}x"),
        format!("lk_live_{SECRET}"),
        format!("lk_test_{SECRET}!"),
        format!("lk_prod_{SECRET}"),
    ] {
        let response = post_event(&http, &sandbox, &key, &lead_request(2)).await;
        assert_eq!(response.status(), 401);
        let headers = format!("{:?}", response.headers());
        assert_hidden("401 headers", &headers);
        assert_hidden("401 body", &response.text().await.unwrap());
    }
    // The client's error for a refused key.
    for scope in ["lk_live_", "lk_dev_"] {
        let key = ApiKey::parse(&format!("{scope}{SECRET}")).unwrap();
        let client = Client::builder().key(key).base_url(sandbox.url()).build().unwrap();
        let err = client.send_json("lead.captured.v1", &lead(3)).await.unwrap_err();
        assert!(matches!(err, SendError::Rejected { status: 401, .. }), "{err:?}");
        assert_hidden("SendError", &format!("{err} {err:?}"));
    }
    sandbox.shutdown().await;
}
