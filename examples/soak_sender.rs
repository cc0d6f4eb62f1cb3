//! A host service that sends many events through the client with a durable outbox: an
//! append-only journal file, so that a crash (even `kill -9`) between attempts loses nothing.
//! `benches/soak.py` runs it against a sandbox process injecting faults and kills it midway.
//!
//! ```sh
//! cargo run --release --example soak_sender -- --base-url http://127.0.0.1:8787 \
//!     --events 100000 --journal /tmp/soak.journal [--concurrency 256] [--time-scale 100]
//! ```
//!
//! Event *i* is a `lead.captured.v1` whose eventId is derived from *i*, so a restarted sender
//! knows which events exist. On start it replays the journal: events marked done are skipped,
//! pending ones are sent first, concurrently (what [`Client::resend_pending`] does one by one;
//! the same eventId, so the platform replays what it already accepted), the rest are sent fresh. An event whose retries run out stays
//! pending in the journal and is sent again until it is accepted.
//!
//! Retry waits go through a [`Sleeper`] that records each wait the client asks for and sleeps
//! that wait divided by `--time-scale`, so the platform's schedule (1 s … 10 min) is kept exactly
//! while a run of 100,000 events takes minutes. Waits for 429s also hold the client in real time.
//! The last line on standard output is a JSON summary.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashSet};
use std::fs::{File, OpenOptions};
use std::future::Future;
use std::io::{BufRead, BufReader, Write};
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use loop_contracts::api_key::Tier;
use loop_contracts::client::{Client, InMemoryOutbox, Outbox, OutboxEntry, SendError, Sleeper};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use uuid::Uuid;

type Error = Box<dyn std::error::Error + Send + Sync>;

const EVENT: &str = "lead.captured.v1";
const NAMESPACE: Uuid = Uuid::from_u128(0x6f1c2a9e_1b7d_4c1e_9a55_2f1a3b4c5d6e);

struct Options {
    base_url: String,
    key: String,
    events: u64,
    journal: PathBuf,
    concurrency: usize,
    time_scale: u32,
}

fn options() -> Result<Options, Error> {
    let mut options = Options {
        base_url: "http://127.0.0.1:8787".into(),
        key: std::env::var("LOOP_API_KEY").unwrap_or_else(|_| "lk_test_soak_sender_key_0000000001".into()),
        events: 100_000,
        journal: "soak.journal".into(),
        concurrency: 256,
        time_scale: 100,
    };
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let value = args.next().ok_or_else(|| format!("{flag} needs a value"))?;
        match flag.as_str() {
            "--base-url" => options.base_url = value,
            "--events" => options.events = value.parse()?,
            "--journal" => options.journal = value.into(),
            "--concurrency" => options.concurrency = value.parse()?,
            "--time-scale" => options.time_scale = value.parse()?,
            other => return Err(format!("unknown option {other}").into()),
        }
    }
    Ok(options)
}

fn event_id(i: u64) -> Uuid {
    Uuid::new_v5(&NAMESPACE, &i.to_be_bytes())
}

fn payload(i: u64) -> Value {
    json!({
        "eventId": event_id(i).to_string(),
        "occurredAt": "2026-11-27T09:00:00Z",
        "brandId": "6f1c2a9e-1b7d-4c1e-9a55-2f1a3b4c5d6e",
        "email": format!("soak{i}@example.com"),
        "source": "inbound_lead",
        "attribution": {"utm_source": "soak"},
    })
}

/// An outbox in an append-only file: one JSON line per pending entry or completion. Each line
/// goes to the file in one `write` call (no user-space buffer to lose when the process is
/// killed); a torn last line is ignored on reading. It survives a process crash, not a power
/// loss (no fsync per line): a host's database table does both.
struct Journal {
    /// Held while a line is written and the memory updated, so the two agree.
    file: Mutex<File>,
    memory: InMemoryOutbox,
}

/// A journal line: a pending entry, or a completion.
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Line<'a> {
    event_id: Uuid,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    done: bool,
    #[serde(borrow, default, skip_serializing_if = "Option::is_none")]
    event: Option<Cow<'a, str>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    payload: Option<Cow<'a, Value>>,
}

impl Journal {
    /// Opens (or creates) the journal; returns it with the eventIds already done.
    fn open(path: &PathBuf) -> Result<(Journal, HashSet<Uuid>), Error> {
        let memory = InMemoryOutbox::default();
        let mut done = HashSet::new();
        if let Ok(file) = File::open(path) {
            for text in BufReader::new(file).lines() {
                let text = text?;
                let Ok(line) = serde_json::from_str::<Line<'_>>(&text) else { continue };
                if line.done {
                    memory.mark_done(line.event_id);
                    done.insert(line.event_id);
                } else if let (Some(event), Some(payload)) = (line.event, line.payload) {
                    let entry = OutboxEntry {
                        event: event.into_owned(),
                        event_id: line.event_id,
                        payload: payload.into_owned(),
                    };
                    memory.record_pending(&entry)?;
                }
            }
        }
        let file = OpenOptions::new().create(true).append(true).open(path)?;
        Ok((Journal { file: Mutex::new(file), memory }, done))
    }

    /// Writes one line in one `write` call.
    fn append(file: &mut File, line: &Line<'_>) -> std::io::Result<()> {
        let mut text = serde_json::to_vec(line)?;
        text.push(b'\n');
        file.write_all(&text)
    }
}

impl Outbox for Journal {
    fn record_pending(&self, entry: &OutboxEntry) -> Result<(), String> {
        let mut file = self.file.lock().unwrap_or_else(|e| e.into_inner());
        if self.memory.is_pending(entry.event_id) {
            return Ok(()); // a resend of an entry already recorded
        }
        let line = Line {
            event_id: entry.event_id,
            done: false,
            event: Some(Cow::Borrowed(&entry.event)),
            payload: Some(Cow::Borrowed(&entry.payload)),
        };
        Journal::append(&mut file, &line).map_err(|e| format!("journal: {e}"))?;
        self.memory.record_pending(entry)
    }

    fn mark_done(&self, event_id: Uuid) {
        let mut file = self.file.lock().unwrap_or_else(|e| e.into_inner());
        // A lost completion line only means a harmless resend (replayed by the platform).
        let _ = Journal::append(&mut file, &Line { event_id, done: true, event: None, payload: None });
        self.memory.mark_done(event_id);
    }

    fn pending(&self) -> Vec<OutboxEntry> {
        self.memory.pending()
    }
}

/// Records every wait the client asks for; sleeps it divided by the time scale.
#[derive(Clone)]
struct ScaledSleeper {
    scale: u32,
    waits: Arc<Mutex<BTreeMap<u64, u64>>>,
}

impl Sleeper for ScaledSleeper {
    fn sleep(&self, delay: Duration) -> Pin<Box<dyn Future<Output = ()> + Send>> {
        *self.waits.lock().unwrap_or_else(|e| e.into_inner()).entry(delay.as_millis() as u64).or_default() += 1;
        Box::pin(tokio::time::sleep(delay / self.scale.max(1)))
    }
}

fn waits_json(waits: &BTreeMap<u64, u64>) -> Value {
    Value::Object(waits.iter().map(|(ms, n)| (ms.to_string(), json!(n))).collect())
}

#[derive(Default)]
struct Tally {
    accepted: AtomicU64,
    replayed: AtomicU64,
    attempts: AtomicU64,
    exhausted: AtomicU64,
}

#[tokio::main]
async fn main() -> Result<(), Error> {
    let options = options()?;
    let started = Instant::now();
    let (journal, done) = Journal::open(&options.journal)?;
    let done_before = done.len();
    let journal = Arc::new(journal);
    let sleeper = ScaledSleeper { scale: options.time_scale, waits: Arc::default() };
    let client = Client::builder()
        .key(options.key.parse()?)
        .base_url(&options.base_url)
        .tier(Tier::PREMIUM)
        .timeout(Duration::from_secs(10))
        .sleeper(sleeper.clone())
        .outbox(journal.clone())
        .build()?;
    let tally = Arc::new(Tally::default());
    let progress = {
        let (tally, waits) = (tally.clone(), sleeper.waits.clone());
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(Duration::from_secs(1)).await;
                let waits = waits.lock().unwrap_or_else(|e| e.into_inner()).clone();
                println!(
                    "progress {}",
                    json!({"accepted": tally.accepted.load(Ordering::Relaxed), "waitsMs": waits_json(&waits)})
                );
            }
        })
    };

    // Pending from an earlier run first: the same eventIds, replayed by the platform if it
    // accepted them before the crash.
    let resumed = journal.pending();
    let resumed_ids: HashSet<Uuid> = resumed.iter().map(|e| e.event_id).collect();
    let resumed_count = resumed.len();
    // Payloads are made as they are sent, so the sender's memory is the client's, not a list.
    let fresh: Vec<u64> = (0..options.events)
        .filter(|&i| {
            let id = event_id(i);
            !done.contains(&id) && !resumed_ids.contains(&id)
        })
        .collect();
    println!(
        "start events={} done_before={} resumed_pending={resumed_count} to_send={}",
        options.events,
        done.len(),
        resumed_count + fresh.len()
    );
    drop(done);
    let first_round: Box<dyn Iterator<Item = Value> + Send> =
        Box::new(resumed.into_iter().map(|e| e.payload).chain(fresh.into_iter().map(payload)));

    // Sends with bounded concurrency; exhausted events go round again (they stay pending).
    let mut round = Some(first_round);
    while let Some(this_round) = round.take() {
        let queue = Arc::new(Mutex::new(this_round));
        let again = Arc::new(Mutex::new(Vec::new()));
        let workers: Vec<_> = (0..options.concurrency)
            .map(|_| {
                let (client, queue, again, tally) = (client.clone(), queue.clone(), again.clone(), tally.clone());
                tokio::spawn(async move {
                    loop {
                        let Some(payload) = queue.lock().unwrap_or_else(|e| e.into_inner()).next() else { break };
                        match client.send_json(EVENT, &payload).await {
                            Ok(accepted) => {
                                tally.accepted.fetch_add(1, Ordering::Relaxed);
                                tally.attempts.fetch_add(u64::from(accepted.attempts), Ordering::Relaxed);
                                if accepted.replayed {
                                    tally.replayed.fetch_add(1, Ordering::Relaxed);
                                }
                            }
                            Err(SendError::Exhausted { attempts }) => {
                                tally.exhausted.fetch_add(1, Ordering::Relaxed);
                                tally.attempts.fetch_add(attempts.len() as u64, Ordering::Relaxed);
                                again.lock().unwrap_or_else(|e| e.into_inner()).push(payload);
                            }
                            Err(other) => {
                                eprintln!("event {} failed for good: {other}", payload["eventId"]);
                                std::process::exit(2);
                            }
                        }
                    }
                })
            })
            .collect();
        for worker in workers {
            worker.await?;
        }
        let again = std::mem::take(&mut *again.lock().unwrap_or_else(|e| e.into_inner()));
        if !again.is_empty() {
            round = Some(Box::new(again.into_iter()));
        }
    }
    progress.abort();

    let waits = sleeper.waits.lock().unwrap_or_else(|e| e.into_inner()).clone();
    let summary = json!({
        "events": options.events,
        "doneBefore": done_before,
        "resumedPending": resumed_count,
        "accepted": tally.accepted.load(Ordering::Relaxed),
        "replayed": tally.replayed.load(Ordering::Relaxed),
        "attempts": tally.attempts.load(Ordering::Relaxed),
        "exhausted": tally.exhausted.load(Ordering::Relaxed),
        "pendingLeft": journal.pending().len(),
        "waitsMs": waits_json(&waits),
        "seconds": started.elapsed().as_secs_f64(),
    });
    println!("{summary}");
    Ok(())
}
