//! Load driver for the sandbox: 64 concurrent keep-alive connections send valid, distinct
//! `lead.captured.v1` events (validation, idempotency and rate limiting all on) to a sandbox in
//! the same process, sharing the machine's cores with it. Reports events/s, latency percentiles
//! and the process's resident memory as the run goes on (from `/proc/self/statm`).
//!
//! `cargo bench --bench sandbox_load` runs 200,000 events after a 20,000-event warm-up;
//! `SANDBOX_LOAD_EVENTS=1000000` makes it the long run, `SANDBOX_LOAD_CONNECTIONS` and
//! `SANDBOX_LOAD_THREADS` change the concurrency and the runtime's worker threads.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper::Request;
use hyper_util::rt::TokioIo;
use loop_contracts::api_key::{ApiKey, Tier};
use loop_contracts::sandbox::{Sandbox, SandboxHandle};
use tokio::net::TcpStream;

fn env_or(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().and_then(|v| v.replace('_', "").parse().ok()).unwrap_or(default)
}

/// Resident set size in MiB, from `/proc/self/statm` (pages × 4 KiB); 0 where there is none.
fn rss_mib() -> f64 {
    let statm = std::fs::read_to_string("/proc/self/statm").unwrap_or_default();
    let pages: f64 = statm.split_whitespace().nth(1).and_then(|p| p.parse().ok()).unwrap_or(0.0);
    pages * 4096.0 / (1024.0 * 1024.0)
}

fn key_for(connection: u64) -> String {
    format!("lk_test_load_driver_connection_{connection:04}")
}

/// The body of the i-th event: a distinct eventId, otherwise the same valid payload.
fn body(i: u64) -> (String, Bytes) {
    let event_id = format!("0b6c3c1e-8d1a-4f7e-9a2b-{i:012x}");
    let body = format!(
        r#"{{"event":"lead.captured.v1","payload":{{"eventId":"{event_id}","occurredAt":"2026-05-19T12:00:00.000Z","brandId":"6f1c2a9e-1b7d-4c1e-9a55-2f1a3b4c5d6e","email":"lead{i}@example.com","source":"vsl_form","attribution":{{"utm_source":"newsletter","utm_campaign":"spring"}},"personId":null}}}}"#
    );
    (event_id, Bytes::from(body))
}

/// Latencies in 10 µs buckets up to 200 ms (a fixed 160 KiB, so the driver's own memory stays
/// flat however long the run), and the largest seen.
struct Histogram {
    buckets: Vec<u64>,
    max_us: u64,
}

impl Histogram {
    const BUCKET_US: u64 = 10;
    const BUCKETS: usize = 20_000;

    fn new() -> Self {
        Histogram { buckets: vec![0; Self::BUCKETS], max_us: 0 }
    }

    fn record(&mut self, us: u64) {
        let bucket = usize::try_from(us / Self::BUCKET_US).unwrap_or(usize::MAX).min(Self::BUCKETS - 1);
        self.buckets[bucket] += 1;
        self.max_us = self.max_us.max(us);
    }

    fn merge(&mut self, other: &Histogram) {
        for (a, b) in self.buckets.iter_mut().zip(&other.buckets) {
            *a += b;
        }
        self.max_us = self.max_us.max(other.max_us);
    }

    /// The p-th percentile in milliseconds (the upper edge of its bucket).
    fn percentile_ms(&self, p: f64) -> f64 {
        let total: u64 = self.buckets.iter().sum();
        let target = ((p / 100.0) * total as f64).ceil().max(1.0) as u64;
        let mut seen = 0;
        for (i, count) in self.buckets.iter().enumerate() {
            seen += count;
            if seen >= target {
                return ((i as u64 + 1) * Self::BUCKET_US).min(self.max_us) as f64 / 1000.0;
            }
        }
        self.max_us as f64 / 1000.0
    }
}

struct Tally {
    latencies: Histogram,
    ok: u64,
    other: Vec<u16>,
}

impl Tally {
    fn new() -> Self {
        Tally { latencies: Histogram::new(), ok: 0, other: Vec::new() }
    }
}

/// One connection: sends events `next.fetch_add(1)` until `end`, one at a time.
async fn connection(sandbox: std::net::SocketAddr, n: u64, next: Arc<AtomicU64>, end: u64) -> Tally {
    let stream = TcpStream::connect(sandbox).await.expect("connect");
    stream.set_nodelay(true).expect("nodelay");
    let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream)).await.expect("handshake");
    tokio::spawn(conn);
    let authorization = format!("Bearer {}", key_for(n));
    let host = sandbox.to_string();
    let mut tally = Tally::new();
    loop {
        let i = next.fetch_add(1, Ordering::Relaxed);
        if i >= end {
            break;
        }
        let (event_id, body) = body(i);
        let request = Request::post("/api/events")
            .header("host", &host)
            .header("authorization", &authorization)
            .header("content-type", "application/json")
            .header("idempotency-key", event_id)
            .body(Full::new(body))
            .expect("request");
        sender.ready().await.expect("ready");
        let started = Instant::now();
        let response = sender.send_request(request).await.expect("response");
        let status = response.status().as_u16();
        let _ = response.into_body().collect().await.expect("body");
        tally.latencies.record(u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX));
        if status == 200 {
            tally.ok += 1;
        } else {
            tally.other.push(status);
        }
    }
    tally
}

async fn run(
    sandbox: &SandboxHandle,
    connections: u64,
    from: u64,
    count: u64,
    rss_every: u64,
) -> (Tally, Duration, Vec<(u64, f64)>) {
    let next = Arc::new(AtomicU64::new(from));
    let end = from + count;
    let started = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for n in 0..connections {
        tasks.spawn(connection(sandbox.local_addr(), n, Arc::clone(&next), end));
    }
    // Sample memory while the run goes on.
    let sampler = tokio::spawn({
        let next = Arc::clone(&next);
        async move {
            let mut samples = vec![(0, rss_mib())];
            let mut mark = rss_every;
            loop {
                let done = next.load(Ordering::Relaxed).saturating_sub(from);
                if done >= count {
                    break;
                }
                if done >= mark {
                    samples.push((done, rss_mib()));
                    mark += rss_every;
                }
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            samples
        }
    });
    let mut total = Tally::new();
    while let Some(tally) = tasks.join_next().await {
        let tally = tally.expect("connection task");
        total.latencies.merge(&tally.latencies);
        total.ok += tally.ok;
        total.other.extend(tally.other);
    }
    let elapsed = started.elapsed();
    let mut samples = sampler.await.expect("sampler");
    samples.push((count, rss_mib()));
    (total, elapsed, samples)
}

fn main() {
    let events = env_or("SANDBOX_LOAD_EVENTS", 200_000);
    let connections = env_or("SANDBOX_LOAD_CONNECTIONS", 64);
    let threads = env_or("SANDBOX_LOAD_THREADS", std::thread::available_parallelism().map_or(2, |n| n.get() as u64));
    let warmup = 20_000.min(events);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(threads as usize)
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        // Each connection is its own integration with its own key. The limiter is consulted on
        // every request, at a tier no connection can reach (Premium's 1,000/s per key would cap
        // 64 connections at 64,000 events/s, which a faster machine could hit).
        let tier = Tier::new(1_000_000, 1_000_000).expect("non-zero");
        let mut builder = Sandbox::builder();
        for n in 0..connections {
            let key: ApiKey = key_for(n).parse().expect("a well-formed key");
            builder = builder.tier_for(key, tier);
        }
        let sandbox = builder.start().await.expect("sandbox");
        println!(
            "sandbox load: {connections} connections, {events} events of lead.captured.v1 (+{warmup} warm-up), \
             validation + idempotency + rate limit on, {threads} runtime threads shared by server and driver \
             (load average before: {})",
            suite::load_average()
        );
        let (warm, _, _) = run(&sandbox, connections, 0, warmup, u64::MAX).await;
        assert_eq!(warm.ok, warmup, "warm-up statuses: {:?}", &warm.other[..warm.other.len().min(10)]);
        let rss_every = (events / 10).max(1);
        let cpu_before = suite::cpu_seconds();
        let (tally, elapsed, samples) = run(&sandbox, connections, warmup, events, rss_every).await;
        let cpu = suite::cpu_seconds() - cpu_before;
        let rate = events as f64 / elapsed.as_secs_f64();
        let l = &tally.latencies;
        println!("  throughput: {rate:.0} events/s ({events} in {:.2} s)", elapsed.as_secs_f64());
        println!(
            "  CPU: {cpu:.1} core-seconds for server and driver together ({:.2} cores busy on average), \
             {:.0} events per core-second",
            cpu / elapsed.as_secs_f64(),
            events as f64 / cpu.max(0.01)
        );
        println!(
            "  latency: p50 {:.2} ms, p90 {:.2} ms, p99 {:.2} ms, p99.9 {:.2} ms, max {:.2} ms",
            l.percentile_ms(50.0),
            l.percentile_ms(90.0),
            l.percentile_ms(99.0),
            l.percentile_ms(99.9),
            l.max_us as f64 / 1000.0
        );
        let rss: Vec<String> = samples.iter().map(|(done, mib)| format!("{}k: {mib:.1}", done / 1000)).collect();
        println!("  RSS MiB by events sent: {}", rss.join(", "));
        println!(
            "  statuses: {} × 200, {} other{}; accepted by the sandbox: {}",
            tally.ok,
            tally.other.len(),
            if tally.other.is_empty() {
                String::new()
            } else {
                format!(" (first: {:?})", &tally.other[..tally.other.len().min(5)])
            },
            sandbox.accepted_count()
        );
        assert!(tally.other.is_empty(), "every event is accepted");
        assert_eq!(sandbox.accepted_count(), warmup + events, "each once");
        sandbox.shutdown().await;
    });
}
