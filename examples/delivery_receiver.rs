//! An endpoint that receives delivery webhooks with no web framework: a `std::net::TcpListener`,
//! a minimal HTTP/1.1 reader, and `loop_contracts::delivery` to verify, parse and deduplicate.
//!
//! To run on its own, the example also plays the platform: a second thread signs deliveries and
//! sends them (a first delivery, its redelivery, a forgery, a replay of a stale capture), and the
//! endpoint exits after answering them.
//!
//! Run: `cargo run --example delivery_receiver`

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use loop_contracts::delivery::{
    Deduplicator, Delivery, DeliveryEvent, Envelope, Receiver, Signer, Verifier, WebhookHeaders, WebhookSecret,
};
use loop_contracts::Event;

/// The secret shown when the endpoint was registered (in production, read it from the environment
/// or a secret store).
const SECRET: &str = "whsec_EfPXD6lFYY4L/75LTzOrfpx+0TJJq5mCk/1qNJe/LK4=";
/// Headers larger than this are refused (431), bodies larger than this too (413).
const MAX_HEAD: usize = 16 * 1024;
const MAX_BODY: usize = 1024 * 1024;

type BoxError = Box<dyn std::error::Error + Send + Sync>;
/// A request's headers, as `(name, value)` pairs in arrival order, and its body.
type Request = (Vec<(String, String)>, Vec<u8>);

fn main() -> Result<(), BoxError> {
    let listener = TcpListener::bind("127.0.0.1:0")?;
    let addr = listener.local_addr()?;
    println!("receiving delivery webhooks on http://{addr}/webhooks/loop");

    // The endpoint: one receiver and one deduplicator for the process.
    let receiver = Receiver::new(Verifier::new(WebhookSecret::parse(SECRET)?));
    let seen = Deduplicator::new(100_000);
    std::thread::spawn(move || serve(&listener, &receiver, &seen));

    // The process ends when the platform has had its answers (or failed), taking the server with it.
    play_the_platform(addr)?;
    println!("done");
    Ok(())
}

/// Answers requests one at a time, forever.
fn serve(listener: &TcpListener, receiver: &Receiver, seen: &Deduplicator) {
    for stream in listener.incoming() {
        let Ok(mut stream) = stream else { continue };
        let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
        let (status, body) = match read_request(&mut stream) {
            Ok((headers, body)) => handle(receiver, seen, &headers, &body),
            Err(status) => (status, String::new()),
        };
        let _ = write!(
            stream,
            "HTTP/1.1 {status} {}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            reason(status),
            body.len()
        );
    }
}

/// Verify, parse, deduplicate, act: the status to answer with, and a body.
fn handle(receiver: &Receiver, seen: &Deduplicator, headers: &[(String, String)], body: &[u8]) -> (u16, String) {
    let delivery = match receiver.receive(headers, body) {
        Ok(delivery) => delivery,
        Err(err) => {
            println!("  endpoint: refused ({}): {err}", err.http_status());
            return (err.http_status(), err.to_response().to_string());
        }
    };
    let claim = match seen.claim(&delivery.webhook_id) {
        Ok(claim) => claim,
        Err(duplicate) => {
            println!("  endpoint: {} {duplicate}, not processed again", delivery.webhook_id);
            return (duplicate.http_status(), String::new());
        }
    };
    act_on(&delivery);
    claim.done();
    (204, String::new())
}

fn act_on(delivery: &Delivery) {
    let what = match &delivery.event {
        DeliveryEvent::MessageBounced(bounce) => format!("suppress {} ({})", bounce.recipient, bounce.bounce_type),
        DeliveryEvent::MessageClicked(click) => format!("{} clicked {}", click.recipient, click.link),
        other => format!("{} to {}", other.name(), other.recipient()),
    };
    println!("  endpoint: {} [{}] {what}", delivery.webhook_id, delivery.event.name());
}

/// Reads one request: its headers and its body (by `Content-Length`), or the status to refuse it with.
fn read_request(stream: &mut TcpStream) -> Result<Request, u16> {
    let mut reader = BufReader::new(stream);
    let mut head_len = 0;
    let mut line = String::new();
    let mut read_line = |line: &mut String| -> Result<(), u16> {
        line.clear();
        let n = reader.by_ref().take((MAX_HEAD - head_len + 1) as u64).read_line(line).map_err(|_| 400u16)?;
        head_len += n;
        if head_len > MAX_HEAD {
            return Err(431);
        }
        if n == 0 {
            return Err(400);
        }
        Ok(())
    };
    read_line(&mut line)?;
    if !line.starts_with("POST ") {
        return Err(405);
    }
    let mut headers = Vec::new();
    loop {
        read_line(&mut line)?;
        let text = line.trim_end_matches(['\r', '\n']);
        if text.is_empty() {
            break;
        }
        let (name, value) = text.split_once(':').ok_or(400u16)?;
        headers.push((name.trim().to_owned(), value.trim().to_owned()));
    }
    let length = headers
        .iter()
        .find(|(name, _)| name.eq_ignore_ascii_case("content-length"))
        .and_then(|(_, value)| value.parse::<usize>().ok())
        .ok_or(411u16)?;
    if length > MAX_BODY {
        return Err(413);
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body).map_err(|_| 400u16)?;
    Ok((headers, body))
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        204 => "No Content",
        400 => "Bad Request",
        401 => "Unauthorized",
        405 => "Method Not Allowed",
        409 => "Conflict",
        411 => "Length Required",
        413 => "Content Too Large",
        422 => "Unprocessable Content",
        431 => "Request Header Fields Too Large",
        _ => "",
    }
}

// ---------------------------------------------------------------------------------------------
// The platform's side: sign and send.

fn play_the_platform(addr: SocketAddr) -> Result<(), BoxError> {
    let signer = Signer::new(WebhookSecret::parse(SECRET)?);
    let now = SystemTime::now().duration_since(UNIX_EPOCH)?.as_secs();
    let bounce = loop_contracts::catalog::MessageBounced::from_json_slice(
        br#"{"eventId": "3f0c8b1e-5a2d-4c6f-9e1b-7d2a4c6e8f01", "occurredAt": "2026-05-19T12:00:00Z",
             "brandId": "6f1c2a9e-1b7d-4c1e-9a55-2f1a3b4c5d6e", "messageId": "9b2f6c1e-3d4a-4f5b-8c7d-0e1f2a3b4c5d",
             "channel": "email", "recipient": "ana@example.com", "bounceType": "hard", "reason": "mailbox unavailable"}"#,
    )?;
    let click = loop_contracts::catalog::MessageClicked::from_json_slice(
        br#"{"eventId": "550e8400-e29b-41d4-a716-446655440000", "occurredAt": "2026-05-19T12:01:00Z",
             "brandId": "6f1c2a9e-1b7d-4c1e-9a55-2f1a3b4c5d6e", "messageId": "0d9c8b7a-6f5e-4d3c-8b2a-190817263544",
             "channel": "sms", "recipient": "+15555550100", "link": "https://example.com/sale"}"#,
    )?;
    let bounce = Envelope::new(bounce);

    let first = signer.sign_envelope(&bounce, now);
    let retry = signer.sign_envelope(&bounce, now + 5); // same webhook-id, signed anew
    let clicked = signer.sign_envelope(&Envelope::new(click), now);
    let stale = signer.sign_envelope(&bounce, now - 3600);
    let forged = Signer::new(WebhookSecret::from_bytes([7; 32])?).sign_envelope(&bounce, now);

    for (label, signed, expected) in [
        ("a bounce", &first, 204),
        ("its redelivery", &retry, 200),
        ("a click", &clicked, 204),
        ("a forgery", &forged, 401),
        ("a stale replay", &stale, 401),
    ] {
        println!("platform: sending {label} ({})", signed.headers.id());
        let status = post(addr, &signed.headers, &signed.body)?;
        println!("platform: got {status}");
        if status != expected {
            return Err(format!("{label}: expected {expected}, got {status}").into());
        }
    }
    Ok(())
}

/// POSTs one request and returns the response's status.
fn post(addr: SocketAddr, headers: &WebhookHeaders, body: &[u8]) -> Result<u16, BoxError> {
    let mut stream = TcpStream::connect(addr)?;
    stream.set_read_timeout(Some(Duration::from_secs(5)))?;
    let mut request = format!(
        "POST /webhooks/loop HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (name, value) in headers.iter() {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    request.push_str("\r\n");
    stream.write_all(request.as_bytes())?;
    stream.write_all(body)?;
    let mut response = String::new();
    stream.read_to_string(&mut response)?;
    let status = response.split(' ').nth(1).and_then(|s| s.parse().ok()).ok_or("no status line")?;
    Ok(status)
}
