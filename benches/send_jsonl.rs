//! Throughput of `loop-contracts send --jsonl` against the in-process client sending the same
//! events, to the same in-process sandbox, in interleaved rounds.
//!
//! - **command**: the release binary (`LOOP_CONTRACTS_BIN`, which `benches/send_jsonl.sh` builds
//!   and sets) in a process of its own, `send lead.captured.v1 --jsonl FILE --tier
//!   1000000/1000000` with its default `--concurrency 8` and no journal, stdout to `/dev/null`:
//!   process start, reading and parsing every line, local validation, the POSTs, the result lines
//!   in input order, the summary.
//! - **in-process**: one `Client` (the same tier) on a tokio runtime of 2 worker threads, every
//!   line of the same file parsed into a `Value` and sent with `send_json`, 8 at a time; the
//!   answers are dropped.
//!
//! The sandbox runs on a runtime of its own (2 worker threads) at a tier far above what either
//! side reaches, and is reset before every round so that each side's sends are first sends. No
//! tracing subscriber is installed.
//!
//! Run: `benches/send_jsonl.sh [LINES] [ROUNDS]` (default 20,000 lines, 5 rounds of each side).
//! Figures in `benches/README.md`.

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use loop_contracts::api_key::Tier;
use loop_contracts::client::Client;
use loop_contracts::sandbox::Sandbox;
use serde_json::Value;
use suite::sandbox::{lead, KEY};
use tokio::sync::Semaphore;

const CONCURRENCY: usize = 8;

fn main() {
    let lines: u64 = std::env::var("SEND_JSONL_LINES").ok().and_then(|n| n.parse().ok()).unwrap_or(20_000);
    let rounds: usize = std::env::var("SEND_JSONL_ROUNDS").ok().and_then(|n| n.parse().ok()).unwrap_or(5);
    let Some(binary) = std::env::var_os("LOOP_CONTRACTS_BIN").map(PathBuf::from) else {
        eprintln!("set LOOP_CONTRACTS_BIN to a release build of loop-contracts (benches/send_jsonl.sh does)");
        return;
    };
    let unlimited = Tier::new(1_000_000, 1_000_000).unwrap();
    let server = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let sandbox = server
        .block_on(Sandbox::builder().default_tier(unlimited).anonymous_tier(unlimited).retain_events(1_000).start())
        .unwrap();
    let url = sandbox.url();

    let dir = std::env::temp_dir().join(format!("loop-send-jsonl-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("leads.jsonl");
    let text: String = (1..=lines).map(|i| format!("{}\n", lead(i))).collect();
    std::fs::write(&file, &text).unwrap();

    let client_runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();

    let (mut command, mut in_process) = (Vec::new(), Vec::new());
    for round in 1..=rounds {
        sandbox.reset();
        let before = sandbox.accepted_count();
        let started = Instant::now();
        let status = Command::new(&binary)
            .args(["send", "lead.captured.v1", "--jsonl"])
            .arg(&file)
            .args(["--tier", "1000000/1000000"])
            .env("LOOP_API_KEY", KEY)
            .env("LOOP_BASE_URL", &url)
            .env_remove("RUST_LOG")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .unwrap();
        let took = started.elapsed();
        assert!(status.success(), "the command failed: {status}");
        assert_eq!(sandbox.accepted_count() - before, lines, "every line accepted");
        command.push(lines as f64 / took.as_secs_f64());

        sandbox.reset();
        let before = sandbox.accepted_count();
        // A new client each round: its accepted cache would otherwise answer from memory.
        let client = Client::builder().key(KEY.parse().unwrap()).base_url(url.clone()).tier(unlimited).build().unwrap();
        let took = client_runtime.block_on(send_all(&client, &text));
        assert_eq!(sandbox.accepted_count() - before, lines, "every event accepted");
        in_process.push(lines as f64 / took.as_secs_f64());
        println!(
            "round {round}: command {:>8.0} events/s, in-process client {:>8.0} events/s",
            command[round - 1],
            in_process[round - 1]
        );
    }
    let (command, in_process) = (suite::median(&mut command), suite::median(&mut in_process));
    println!(
        "{lines} lines, {rounds} rounds, concurrency {CONCURRENCY}: median command {command:.0} events/s, \
         in-process client {in_process:.0} events/s, command / in-process {:.2}",
        command / in_process
    );
    println!("load average: {}", suite::load_average());
    std::fs::remove_dir_all(&dir).unwrap();
    server.block_on(sandbox.shutdown());
}

/// Parses and sends every line, `CONCURRENCY` at a time; the time it took.
async fn send_all(client: &Client, text: &str) -> Duration {
    let started = Instant::now();
    let permits = Arc::new(Semaphore::new(CONCURRENCY));
    let mut tasks = tokio::task::JoinSet::new();
    for line in text.lines() {
        let permit = permits.clone().acquire_owned().await.unwrap();
        let payload: Value = serde_json::from_str(line).unwrap();
        let client = client.clone();
        tasks.spawn(async move {
            let accepted = client.send_json("lead.captured.v1", &payload).await;
            drop(permit);
            accepted.expect("accepted");
        });
    }
    while let Some(done) = tasks.join_next().await {
        done.unwrap();
    }
    started.elapsed()
}
