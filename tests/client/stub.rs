//! A bare HTTP/1.1 server answering with canned responses, for answers the sandbox never gives.

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::task::JoinHandle;

/// A response with `status` (`"429 Too Many Requests"`), extra header lines and a JSON body; the
/// connection closes after it.
pub fn answer(status: &str, headers: &[(&str, &str)], body: &str) -> String {
    let headers: String = headers.iter().map(|(name, value)| format!("{name}: {value}\r\n")).collect();
    format!(
        "HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: {}\r\n{headers}connection: close\r\n\r\n{body}",
        body.len()
    )
}

/// One request as the server read it: the head (lowercased) and the body's bytes.
pub struct Request {
    /// The request line and headers, lowercased, without the blank line.
    pub head: String,
    /// The body, by its `Content-Length`, as sent.
    pub body: Vec<u8>,
}

/// Serves `responses`, one connection each, in order; the handle yields the request heads
/// (lowercased) once all are answered.
pub async fn serve(responses: Vec<String>) -> (String, JoinHandle<Vec<String>>) {
    let (url, server) = serve_recording(responses).await;
    let heads = tokio::spawn(async move { server.await.unwrap().into_iter().map(|r| r.head).collect() });
    (url, heads)
}

/// Serves `responses` like [`serve`]; the handle yields each request whole, body included.
pub async fn serve_recording(responses: Vec<String>) -> (String, JoinHandle<Vec<Request>>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let server = tokio::spawn(async move {
        let mut requests = Vec::new();
        for response in responses {
            let (mut socket, _) = listener.accept().await.unwrap();
            let mut seen = Vec::new();
            let mut buf = [0u8; 4096];
            let (end, length) = loop {
                let n = socket.read(&mut buf).await.unwrap();
                assert!(n > 0, "the connection closed before a whole request");
                seen.extend_from_slice(&buf[..n]);
                if let Some(end) = seen.windows(4).position(|w| w == b"\r\n\r\n") {
                    let head = String::from_utf8_lossy(&seen[..end]).to_ascii_lowercase();
                    let length = head
                        .lines()
                        .find_map(|l| l.strip_prefix("content-length:"))
                        .map_or(0, |n| n.trim().parse::<usize>().unwrap());
                    break (end, length);
                }
            };
            while seen.len() < end + 4 + length {
                let n = socket.read(&mut buf).await.unwrap();
                assert!(n > 0, "the connection closed before a whole body");
                seen.extend_from_slice(&buf[..n]);
            }
            let head = String::from_utf8_lossy(&seen[..end]).to_ascii_lowercase();
            requests.push(Request { head, body: seen[end + 4..end + 4 + length].to_vec() });
            socket.write_all(response.as_bytes()).await.unwrap();
            socket.shutdown().await.unwrap();
        }
        requests
    });
    (url, server)
}
