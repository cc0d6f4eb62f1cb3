//! The client's overhead: `Client::send_json` against a plain `reqwest` POST of the same bytes to
//! the same in-process sandbox, one send in flight and 64 in flight, in the same run.
//!
//! What each side does per send (the payload, a `Value` with a new eventId, is built before the
//! timer starts, for both):
//!
//! - **client**: `client.send_json("lead.captured.v1", &payload)` with the client-side rate limiter
//!   off: the depth guard, local validation (a copy only when there is an unknown key to strip;
//!   these payloads have none), the eventId's parse, the body `{"event", "payload"}` serialised,
//!   its SHA-256 (the conflict fingerprint), the in-process lookups (accepted cache, flights), the
//!   POST with `Authorization: Bearer`, `Idempotency-Key` and `content-type`, the rate-limit headers
//!   read, the response body read (kept unparsed until looked at), and the acceptance stored in the
//!   bounded accepted cache.
//! - **plain**: the body `{"event", "payload"}` serialised from the same `Value` (a borrowed serde
//!   struct), the POST with the same three headers (the `Authorization` value formatted once), the
//!   status checked and the response body read (not parsed).
//!
//! Both use the same reqwest configuration as the client (30 s timeout, 10 s connect timeout, no
//! proxy, the client's user agent) on the same tokio runtime (2 worker threads); the sandbox runs
//! on a runtime of its own (2 worker threads), with one API key at a tier far above what the run
//! reaches, so its limiter is consulted and never refuses. No tracing subscriber is installed.
//!
//! Bounded stores: the sandbox keeps 100,000 idempotency keys and 10,000 accepted events, the
//! client 10,000 accepted eventIds. Before measuring, 110,000 events (12,000 of them through the
//! client) fill all three, so that every measured send, of either side, finds them full and
//! evicts the oldest entry: neither side measures a store filling up.
//!
//! Run: `cargo bench --bench client` (criterion, then interleaved rounds and a summary);
//! `cargo bench --bench client -- interleaved` skips criterion (no benchmark id contains the
//! word) and prints the interleaved summary alone, with a `compare-json:` line that
//! `benches/compare.sh` reads. `CLIENT_BENCH_ROUNDS` sets the number of rounds (default 41).
//! `CLIENT_BENCH_PROFILE=client` (or `plain`) runs one side alone, `CLIENT_BENCH_SENDS` sends (default
//! 20,000) with 64 in flight, for a profiler, and prints each runtime's context switches and CPU ticks.
//! Figures in `benches/README.md`.

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use criterion::{BenchmarkGroup, Criterion, SamplingMode, Throughput};
use loop_contracts::api_key::{ApiKey, Tier};
use loop_contracts::client::Client;
use loop_contracts::sandbox::{Sandbox, SandboxHandle};
use reqwest::header::{AUTHORIZATION, CONTENT_TYPE};
use serde::Serialize;
use serde_json::{json, Value};
use tokio::runtime::Runtime;

const EVENT: &str = "lead.captured.v1";
const KEY: &str = "lk_test_client_overhead_bench_0001";
const IN_FLIGHT: usize = 64;
/// Events sent before measuring: more than the sandbox's 100,000 idempotency keys.
const PREFILL: u64 = 110_000;
/// Of those, sent through the client: more than its 10,000 accepted eventIds.
const PREFILL_CLIENT: u64 = 12_000;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Side {
    Client,
    Plain,
}

/// What a plain integration serialises: the request body, borrowing the payload.
#[derive(Serialize)]
struct Body<'a> {
    event: &'a str,
    payload: &'a Value,
}

/// Both senders, cheap to clone into tasks.
#[derive(Clone)]
struct Senders {
    client: Client,
    http: reqwest::Client,
    url: Arc<str>,
    authorization: Arc<str>,
}

impl Senders {
    async fn send(&self, side: Side, payload: &Value) {
        match side {
            Side::Client => {
                let accepted = self.client.send_json(EVENT, payload).await.expect("the client's send is accepted");
                assert!(!accepted.cached && accepted.attempts == 1);
            }
            Side::Plain => {
                let event_id = payload["eventId"].as_str().expect("an eventId");
                let body = serde_json::to_vec(&Body { event: EVENT, payload }).expect("serialisable");
                let response = self
                    .http
                    .post(&*self.url)
                    .header(AUTHORIZATION, &*self.authorization)
                    .header("Idempotency-Key", event_id)
                    .header(CONTENT_TYPE, "application/json")
                    .body(body)
                    .send()
                    .await
                    .expect("the plain POST is answered");
                let status = response.status();
                let bytes = response.bytes().await.expect("the response body");
                assert!(status.is_success(), "plain POST answered {status}: {}", String::from_utf8_lossy(&bytes));
            }
        }
    }
}

struct Bench {
    client_rt: Runtime,
    senders: Senders,
    next_id: AtomicU64,
    sent: AtomicU64,
    sandbox: SandboxHandle,
    // Declared last: dropped after the handle, so the server's tasks stop on a live runtime.
    _server_rt: Runtime,
}

fn runtime(name: &str) -> Runtime {
    let builder = &mut tokio::runtime::Builder::new_multi_thread();
    builder.worker_threads(2).thread_name(name).enable_all().build().expect("runtime")
}

impl Bench {
    fn start() -> Bench {
        let server_rt = runtime("sandbox-rt");
        let key: ApiKey = KEY.parse().expect("a well-formed key");
        let far_above = Tier::new(10_000_000, 10_000_000).expect("non-zero");
        let sandbox = server_rt
            .block_on(Sandbox::builder().accept_key(key.clone()).tier_for(key.clone(), far_above).start())
            .expect("the sandbox starts");
        let client_rt = runtime("sender-rt");
        // Both built on the client's runtime, where they run.
        let senders = client_rt.block_on(async {
            let client = Client::builder()
                .key(key.clone())
                .base_url(sandbox.url())
                .client_rate_limit(false)
                .build()
                .expect("the client builds");
            let http = reqwest::Client::builder()
                .timeout(Duration::from_secs(30))
                .connect_timeout(Duration::from_secs(10))
                .user_agent(concat!("loop-contracts/", env!("CARGO_PKG_VERSION")))
                .no_proxy()
                .build()
                .expect("reqwest builds");
            Senders {
                client,
                http,
                url: format!("{}/api/events", sandbox.url()).into(),
                authorization: format!("Bearer {}", key.expose_secret()).into(),
            }
        });
        Bench {
            client_rt,
            senders,
            next_id: AtomicU64::new(0),
            sent: AtomicU64::new(0),
            sandbox,
            _server_rt: server_rt,
        }
    }

    /// `count` payloads, each with an eventId never used before in this run.
    fn payloads(&self, count: u64) -> Vec<Value> {
        let first = self.next_id.fetch_add(count, Ordering::Relaxed);
        (first..first + count).map(payload).collect()
    }

    /// Sends the payloads one at a time; the time from the first send to the last answer.
    fn sequential(&self, side: Side, payloads: Vec<Value>) -> Duration {
        let senders = &self.senders;
        let n = payloads.len() as u64;
        let elapsed = self.client_rt.block_on(async {
            let started = Instant::now();
            for payload in &payloads {
                senders.send(side, payload).await;
            }
            started.elapsed()
        });
        self.sent.fetch_add(n, Ordering::Relaxed);
        drop(payloads);
        elapsed
    }

    /// Sends the payloads with up to 64 in flight (64 tasks, each sending one at a time); the time
    /// from the first send to the last answer.
    fn in_flight(&self, side: Side, payloads: Vec<Value>) -> Duration {
        let n = payloads.len();
        let payloads = Arc::new(payloads);
        let next = Arc::new(AtomicUsize::new(0));
        let elapsed = self.client_rt.block_on(async {
            let started = Instant::now();
            let mut tasks = tokio::task::JoinSet::new();
            for _ in 0..IN_FLIGHT.min(n) {
                let (senders, payloads, next) = (self.senders.clone(), Arc::clone(&payloads), Arc::clone(&next));
                tasks.spawn(async move {
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        let Some(payload) = payloads.get(i) else { break };
                        senders.send(side, payload).await;
                    }
                });
            }
            while let Some(done) = tasks.join_next().await {
                done.expect("a sending task");
            }
            started.elapsed()
        });
        self.sent.fetch_add(n as u64, Ordering::Relaxed);
        elapsed
    }

    /// Fills the sandbox's idempotency store and events log and the client's accepted cache.
    fn prefill(&self) {
        let started = Instant::now();
        self.in_flight(Side::Client, self.payloads(PREFILL_CLIENT));
        self.in_flight(Side::Plain, self.payloads(PREFILL - PREFILL_CLIENT));
        println!(
            "prefill: {PREFILL} events ({PREFILL_CLIENT} through the client) in {:.1} s: the sandbox's \
             idempotency keys and events log and the client's accepted cache are full",
            started.elapsed().as_secs_f64()
        );
    }

    /// Every event sent was accepted by the sandbox, each once.
    fn check(&self) {
        let sent = self.sent.load(Ordering::Relaxed);
        assert_eq!(self.sandbox.accepted_count(), sent, "the sandbox accepted every event sent, each once");
        println!("checked: {sent} events sent, {} accepted by the sandbox", self.sandbox.accepted_count());
    }
}

/// The i-th payload: a valid `lead.captured.v1` with its own eventId.
fn payload(i: u64) -> Value {
    json!({
        "eventId": format!("3c4d5e6f-7a8b-4c9d-8e0f-{i:012x}"),
        "occurredAt": "2026-05-19T12:00:00.000Z",
        "brandId": "6f1c2a9e-1b7d-4c1e-9a55-2f1a3b4c5d6e",
        "email": "lead@example.com",
        "source": "vsl_form",
        "attribution": {"utm_source": "newsletter", "utm_campaign": "spring"},
        "personId": null,
    })
}

fn both(group: &mut BenchmarkGroup<'_, criterion::measurement::WallTime>, bench: &Bench, concurrent: bool) {
    for (name, side) in [("loop_contracts_client", Side::Client), ("plain_reqwest", Side::Plain)] {
        group.bench_function(name, |b| {
            b.iter_custom(|iters| {
                let payloads = bench.payloads(iters);
                if concurrent {
                    bench.in_flight(side, payloads)
                } else {
                    bench.sequential(side, payloads)
                }
            })
        });
    }
}

fn criterion_groups(c: &mut Criterion, bench: &Bench) {
    let mut group = c.benchmark_group("client_sequential");
    group.throughput(Throughput::Elements(1));
    both(&mut group, bench, false);
    group.finish();

    // Flat sampling: every sample sends the same number of events, so each keeps 64 in flight.
    let mut group = c.benchmark_group("client_64_in_flight");
    group.throughput(Throughput::Elements(1)).sampling_mode(SamplingMode::Flat).sample_size(30);
    both(&mut group, bench, true);
    group.finish();
}

/// Criterion runs one function after the other, so a change of load on a shared machine between
/// them skews their ratio. Here the two sides alternate round by round (the order flipped every
/// round), and the ratio is the median of the per-round ratios.
fn interleaved(bench: &Bench, rounds: usize) {
    const SEQUENTIAL: u64 = 400;
    const CONCURRENT: u64 = 4_000;
    // Per mode: [client, plain] µs per send of each round, per-round ratios, CPU seconds, sends.
    let mut seq = ([vec![], vec![]], vec![]);
    let mut con = ([vec![], vec![]], vec![]);
    let mut cpu = [0.0f64; 2];
    let mut cpu_sends = [0u64; 2];
    let load_before = suite::load_average();
    let started = Instant::now();
    // One unmeasured round first (connections, caches).
    bench.sequential(Side::Client, bench.payloads(SEQUENTIAL));
    bench.sequential(Side::Plain, bench.payloads(SEQUENTIAL));
    for round in 0..rounds {
        let order = if round % 2 == 0 { [Side::Client, Side::Plain] } else { [Side::Plain, Side::Client] };
        let mut s = [0.0; 2];
        let mut c = [0.0; 2];
        for side in order {
            let i = side as usize;
            let payloads = bench.payloads(SEQUENTIAL);
            s[i] = bench.sequential(side, payloads).as_secs_f64() * 1e6 / SEQUENTIAL as f64;
        }
        for side in order {
            let i = side as usize;
            let payloads = bench.payloads(CONCURRENT);
            let before = suite::cpu_seconds();
            c[i] = bench.in_flight(side, payloads).as_secs_f64() * 1e6 / CONCURRENT as f64;
            cpu[i] += suite::cpu_seconds() - before;
            cpu_sends[i] += CONCURRENT;
        }
        for i in 0..2 {
            seq.0[i].push(s[i]);
            con.0[i].push(c[i]);
        }
        seq.1.push(s[0] / s[1]);
        con.1.push(c[0] / c[1]);
    }
    let seq_client = suite::median(&mut seq.0[0]);
    let seq_plain = suite::median(&mut seq.0[1]);
    let seq_ratio = suite::median(&mut seq.1);
    let con_client = suite::median(&mut con.0[0]);
    let con_plain = suite::median(&mut con.0[1]);
    let con_ratio = suite::median(&mut con.1);
    let cpu_client = cpu[0] * 1e6 / cpu_sends[0] as f64;
    let cpu_plain = cpu[1] * 1e6 / cpu_sends[1] as f64;
    let load_after = suite::load_average();
    println!(
        "interleaved, {rounds} rounds ({SEQUENTIAL} sequential and {CONCURRENT} concurrent sends per side and round, \
         {:.0} s, load average {load_before} before, {load_after} after):",
        started.elapsed().as_secs_f64()
    );
    println!(
        "  sequential:   client {seq_client:.1} µs, plain {seq_plain:.1} µs per send; client/plain {seq_ratio:.3} \
         (median of per-round ratios)"
    );
    println!(
        "  64 in flight: client {con_client:.1} µs, plain {con_plain:.1} µs per send \
         ({:.0} and {:.0} sends/s); client/plain {con_ratio:.3}",
        1e6 / con_client,
        1e6 / con_plain
    );
    println!(
        "  64 in flight, process CPU per send (sandbox + client + kernel, summed over the rounds): \
         client {cpu_client:.1} µs, plain {cpu_plain:.1} µs; client/plain {:.3}",
        cpu_client / cpu_plain
    );
    println!(
        "compare-json: {}",
        json!({
            "rounds": rounds,
            "load_before": load_before,
            "load_after": load_after,
            "sequential": {"client_us": seq_client, "plain_us": seq_plain, "ratio": seq_ratio},
            "in_flight": {"client_us": con_client, "plain_us": con_plain, "ratio": con_ratio},
            "cpu_per_send": {"client_us": cpu_client, "plain_us": cpu_plain, "ratio": cpu_client / cpu_plain},
        })
    );
}

/// One side alone, 64 in flight, nothing else (for `perf record` or `valgrind --tool=callgrind`),
/// then the scheduling figures of each runtime's threads: the context switches show when one side
/// leaves the other's workers idle, parking and waking on every request.
fn profile(bench: &Bench, side: &str) {
    let side = match side {
        "client" => Side::Client,
        "plain" => Side::Plain,
        other => panic!("CLIENT_BENCH_PROFILE is client or plain, not {other}"),
    };
    let sends = std::env::var("CLIENT_BENCH_SENDS").ok().and_then(|n| n.parse().ok()).unwrap_or(20_000);
    bench.sequential(side, bench.payloads(IN_FLIGHT as u64));
    let one_at_a_time = std::env::var_os("CLIENT_BENCH_SEQUENTIAL").is_some();
    let elapsed = if one_at_a_time {
        bench.sequential(side, bench.payloads(sends))
    } else {
        bench.in_flight(side, bench.payloads(sends))
    };
    let mode = if one_at_a_time { "one at a time" } else { "64 in flight" };
    println!("{side:?}: {sends} sends, {mode}, {:.1} µs per send", elapsed.as_secs_f64() * 1e6 / sends as f64);
    // Per thread name: voluntary and involuntary context switches, user and system clock ticks.
    let mut by_name = std::collections::BTreeMap::<String, [u64; 4]>::new();
    for task in std::fs::read_dir("/proc/self/task").into_iter().flatten().flatten() {
        let status = std::fs::read_to_string(task.path().join("status")).unwrap_or_default();
        let status_field =
            |key: &str| status.lines().find_map(|l| l.strip_prefix(key)).map_or(0, |v| v.trim().parse().unwrap_or(0));
        let (user, system) = suite::cpu_ticks(task.path().join("stat"));
        let name = status.lines().find_map(|l| l.strip_prefix("Name:")).unwrap_or("").trim().to_owned();
        let totals = by_name.entry(name).or_default();
        totals[0] += status_field("voluntary_ctxt_switches:");
        totals[1] += status_field("nonvoluntary_ctxt_switches:");
        totals[2] += user;
        totals[3] += system;
    }
    for (name, [voluntary, involuntary, user, system]) in by_name {
        println!("  {name}: {voluntary} voluntary and {involuntary} involuntary switches, {user} user and {system} system ticks");
    }
    bench.check();
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let has = |flag: &str| args.iter().any(|a| a == flag);
    // As criterion decides: `cargo bench` passes --bench; `cargo test --benches` does not.
    let measuring = has("--bench") && !has("--test") && !has("--list") && !has("--profile-time");
    let bench = Bench::start();
    if let Ok(side) = std::env::var("CLIENT_BENCH_PROFILE") {
        profile(&bench, &side);
        return;
    }
    if measuring {
        bench.prefill();
    }
    let mut criterion = Criterion::default().configure_from_args();
    criterion_groups(&mut criterion, &bench);
    criterion.final_summary();
    if measuring {
        let rounds = std::env::var("CLIENT_BENCH_ROUNDS").ok().and_then(|r| r.parse().ok()).unwrap_or(41);
        interleaved(&bench, rounds);
    }
    bench.check();
}
