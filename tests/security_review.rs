//! What the security review (docs/security-review.md) claims, pinned: no secret shows in `Debug`,
//! `Display`, an error, a sandbox response or the command-line tool's output; the client follows
//! no redirect; both crates forbid `unsafe`.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use loop_contracts::api_key::ApiKey;
use loop_contracts::client::{Client, SendError};
use loop_contracts::delivery::{Receiver, SecretError, Signer, Verifier, WebhookId, WebhookSecret};
use loop_contracts::inbound::{Intake, Route, SignatureScheme, SigningSecret, Source, TransformContext};
use loop_contracts::sandbox::Sandbox;
use suite::sandbox::*;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// The secret part of every key and secret below: whatever shows must not contain it.
const SECRET: &str = "Zx9Qw8Er7Ty6Ui5Op4As3Df2";

/// `SECRET` as the vendors' and Standard Webhooks' secrets carry it: as text, and as key bytes
/// (which `whsec_` shows in base64).
fn forms() -> Vec<String> {
    let whsec = WebhookSecret::from_bytes(SECRET.as_bytes().to_vec()).unwrap().expose_whsec();
    vec![SECRET.to_owned(), whsec["whsec_".len()..].to_owned(), SECRET[..12].to_owned()]
}

fn assert_hidden(what: &str, shown: &str) {
    for form in forms() {
        assert!(!shown.contains(&form), "{what} shows the secret ({form}): {shown}");
    }
}

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
    assert_hidden("Signer", &format!("{:?}", Signer::new(whsec)));

    let sandbox = Sandbox::builder().accept_key(ApiKey::parse(&format!("lk_test_{SECRET}")).unwrap()).intake(intake);
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

#[test]
fn the_command_line_tool_never_prints_a_signing_secret() {
    let body = std::fs::read(suite::fixture("webhooks/shopify/orders-create.json")).unwrap();
    let input = tempfile_path("security-review-order.json", &body);
    for signature in ["AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=", "not base64", ""] {
        let header = format!("X-Shopify-Hmac-Sha256: {signature}");
        let argv = [
            "loop-contracts",
            "transform",
            "shopify",
            "orders/create",
            input.to_str().unwrap(),
            "--secret",
            SECRET,
            "--header",
            &header,
        ];
        let (mut out, mut err) = (Vec::new(), Vec::new());
        let code = loop_contracts_cli::run(argv, &mut &b""[..], &mut out, &mut err);
        let shown = format!("{} {}", String::from_utf8_lossy(&out), String::from_utf8_lossy(&err));
        assert_eq!(code, loop_contracts_cli::EXIT_REJECTED, "{shown}");
        assert!(shown.contains("UNAUTHORIZED"), "{shown}");
        assert_hidden("transform output", &shown);
    }
}

/// Writes `bytes` to a file under the target directory's temporary folder.
fn tempfile_path(name: &str, bytes: &[u8]) -> std::path::PathBuf {
    let dir = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

/// Reads one HTTP/1.1 request (head and `Content-Length` body) from a connection.
async fn read_request(stream: &mut tokio::net::TcpStream) -> String {
    let mut buffer = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        let n = stream.read(&mut chunk).await.unwrap();
        buffer.extend_from_slice(&chunk[..n]);
        let text = String::from_utf8_lossy(&buffer).into_owned();
        if let Some(end) = text.find("\r\n\r\n") {
            let length = text[..end]
                .lines()
                .find_map(|l| l.to_ascii_lowercase().strip_prefix("content-length:").map(|v| v.trim().to_owned()))
                .and_then(|v| v.parse::<usize>().ok())
                .unwrap_or(0);
            if buffer.len() >= end + 4 + length || n == 0 {
                return text;
            }
        } else if n == 0 {
            return text;
        }
    }
}

#[tokio::test]
async fn the_client_does_not_follow_redirects() {
    // Where a redirect would lead: it must never be reached.
    let elsewhere = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let elsewhere_addr = elsewhere.local_addr().unwrap();
    let reached = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&reached);
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = elsewhere.accept().await {
            counter.fetch_add(1, Ordering::SeqCst);
            read_request(&mut stream).await;
            let ok = "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 11\r\n\r\n{\"ok\":true}";
            let _ = stream.write_all(ok.as_bytes()).await;
        }
    });
    // The "platform": answers every request with a redirect.
    let platform = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let platform_addr = platform.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = platform.accept().await {
            read_request(&mut stream).await;
            let answer = format!(
                "HTTP/1.1 307 Temporary Redirect\r\nlocation: http://{elsewhere_addr}/api/events\r\n\
                 content-length: 0\r\nconnection: close\r\n\r\n"
            );
            let _ = stream.write_all(answer.as_bytes()).await;
        }
    });
    let key = ApiKey::parse(&format!("lk_test_{SECRET}")).unwrap();
    let client = Client::builder().key(key).base_url(format!("http://{platform_addr}")).build().unwrap();
    let err = client.send_json("lead.captured.v1", &lead(1)).await.unwrap_err();
    assert!(matches!(err, SendError::Rejected { status: 307, ref attempts, .. } if attempts.len() == 1), "{err:?}");
    assert_eq!(reached.load(Ordering::SeqCst), 0, "the redirect was not followed");
}

#[test]
fn both_crates_forbid_unsafe_code() {
    for lib in ["contracts/src/lib.rs", "contracts-derive/src/lib.rs"] {
        let text = std::fs::read_to_string(suite::workspace_root().join(lib)).unwrap();
        assert!(text.lines().any(|l| l == "#![forbid(unsafe_code)]"), "{lib}");
    }
}

#[test]
fn a_route_for_a_signing_source_without_its_secret_is_refused() {
    // Secrets are per source: a source that signs is refused until it has one (or is explicitly
    // accepted unsigned), rather than silently let through.
    let intake =
        Intake::new(TransformContext::default()).with_secret(Source::Shopify, SigningSecret::from_text(SECRET));
    let body = std::fs::read(suite::fixture("webhooks/typeform/form-response.json")).unwrap();
    let route = Route::BuiltIn { source: Source::Typeform, topic: None };
    let err = intake.receive(route, &[("content-type", "application/json")], &body).unwrap_err();
    assert_eq!(err.http_status(), 401);
    // The request is not to blame: the message names the missing configuration.
    assert_eq!(
        err.to_string(),
        "webhook signature rejected: no signing secret is configured for `typeform`, so its signature cannot be checked"
    );
}

#[test]
fn a_secret_for_a_source_that_does_not_sign_refuses_rather_than_checks_nothing() {
    // BigCommerce does not sign its callbacks: a secret given for it could verify nothing, and
    // accepting its webhooks as if verified would hide that.
    let body = std::fs::read(suite::fixture("webhooks/bigcommerce/customer-created.json")).unwrap();
    let route = || Route::BuiltIn { source: Source::BigCommerce, topic: None };
    let open = Intake::new(TransformContext::for_brand(BRAND.parse().unwrap()));
    assert!(open.receive(route(), &[("content-type", "application/json")], &body).is_ok());
    let intake = open.with_secret(Source::BigCommerce, SigningSecret::from_text(SECRET));
    let err = intake.receive(route(), &[("content-type", "application/json")], &body).unwrap_err();
    assert_eq!(err.http_status(), 401);
    assert_eq!(
        err.to_string(),
        "webhook signature rejected: a signing secret is configured for `bigcommerce`, which does not sign its webhooks"
    );
    // The command-line sandbox refuses such a secret when it starts.
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let args = ["loop-contracts", "sandbox", "--secret", "bigcommerce=x", "--addr", "127.0.0.1:0"];
    assert_eq!(loop_contracts_cli::run(args, &mut std::io::empty(), &mut out, &mut err), 2);
    let err = String::from_utf8(err).unwrap();
    assert!(err.contains("--secret: a signing secret is configured for `bigcommerce`, which does not sign"), "{err}");
}
