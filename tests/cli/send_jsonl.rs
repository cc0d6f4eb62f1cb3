//! `loop-contracts send --jsonl` as a user runs it: the real binary in a process of its own, over
//! real HTTP to an in-process sandbox, its journal a real SQLite file; one run is killed with
//! SIGKILL and started again.

use std::collections::HashSet;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use loop_contracts::api_key::Tier;
use loop_contracts::outbox::{OutboxStore, SqliteOutbox};
use loop_contracts::sandbox::{FaultConfig, SandboxHandle};
use serde_json::{json, Value};
use suite::sandbox::*;

/// The binary (`suite::build::built`): this package depends on the command-line crate's library
/// only, and cargo names only a package's own binaries to its tests.
fn binary() -> &'static Path {
    static BUILT: OnceLock<PathBuf> = OnceLock::new();
    BUILT.get_or_init(|| suite::build::built("bin", "loop-contracts"))
}

/// `loop-contracts send --jsonl ARGS...` against `sandbox`, the input on standard input, with
/// the client's debug tracing on stderr (one `attempt answered … status=N` line per request).
fn spawn(sandbox: &SandboxHandle, args: &[&str], input: &str) -> Child {
    let mut child = Command::new(binary())
        .args(["send", "--jsonl"])
        .args(args)
        .env("LOOP_API_KEY", KEY)
        .env("LOOP_BASE_URL", sandbox.url())
        .env("RUST_LOG", "loop_contracts=debug")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let input = input.to_owned();
    // Written from a thread of its own: the child may fill its stdout pipe before reading it all.
    std::thread::spawn(move || {
        let _ = stdin.write_all(input.as_bytes());
    });
    child
}

async fn run(sandbox: &SandboxHandle, args: &[&str], input: &str) -> Output {
    let child = spawn(sandbox, args, input);
    tokio::task::spawn_blocking(move || child.wait_with_output().unwrap()).await.unwrap()
}

fn lines(output: &Output) -> Vec<Value> {
    String::from_utf8(output.stdout.clone()).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect()
}

fn stderr(output: &Output) -> String {
    String::from_utf8(output.stderr.clone()).unwrap()
}

/// The requests the client made, by status, from its tracing.
fn requests(stderr: &str, status: u16) -> usize {
    stderr.lines().filter(|l| l.contains("attempt answered") && l.ends_with(&format!(" status={status}"))).count()
}

/// The summary line: `sent N, replayed R, failed F in T s (X events/s)`, as (N, R, F).
fn summary(stderr: &str) -> (u64, u64, u64) {
    let line = stderr.lines().rfind(|l| l.starts_with("loop-contracts: sent ")).unwrap_or_else(|| panic!("{stderr}"));
    let numbers: Vec<u64> =
        line.split(|c: char| !c.is_ascii_digit() && c != '.').filter_map(|word| word.parse().ok()).take(3).collect();
    assert!(line.contains(" events/s)"), "{line}");
    (numbers[0], numbers[1], numbers[2])
}

/// The acceptance body the sandbox sent for an event it accepted.
fn acceptance_of(sandbox: &SandboxHandle, event_id: &str) -> Value {
    let accepted = sandbox.accepted().into_iter().find(|e| e.event_id == event_id).expect("accepted");
    json!({
        "ok": true, "event": accepted.event, "eventId": accepted.event_id,
        "receivedAt": accepted.received_at, "sequence": accepted.sequence,
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_line_gets_its_result_in_input_order() {
    let sandbox = start(builder()).await;
    let envelope = |i| json!({"event": "lead.captured.v1", "payload": lead(i)}).to_string();
    let mut invalid = lead(3);
    invalid["email"] = json!("nope");
    let mut conflicting = lead(1);
    conflicting["email"] = json!("someone.else@example.com");
    let input = [
        lead(1).to_string(),
        envelope(2),
        "{not json".to_owned(),
        String::new(),
        invalid.to_string(),
        lead(1).to_string(),
        conflicting.to_string(),
        format!("{}\r", envelope(4)),
    ]
    .join("\n")
        + "\n";
    let output = run(&sandbox, &["lead.captured.v1", "-"], &input).await;
    let err = stderr(&output);
    assert_eq!(output.status.code(), Some(1), "a line failed: {err}");
    let refusal = |code: &str, message: String, issues: Value| json!({"ok": false, "error": {"code": code, "message": message, "issues": issues}});
    let expected = [
        acceptance_of(&sandbox, &event_id(1)),
        acceptance_of(&sandbox, &event_id(2)),
        refusal(
            "MALFORMED_REQUEST",
            "malformed JSON at input line 3, column 2: key must be a string".into(),
            json!([]),
        ),
        refusal("MALFORMED_REQUEST", "malformed JSON: input line 4 is empty".into(), json!([])),
        refusal(
            "VALIDATION_ERROR",
            "payload.email must be a valid email address".into(),
            json!([{"path": "email", "message": "Invalid email", "code": "invalid_string"}]),
        ),
        acceptance_of(&sandbox, &event_id(1)),
        refusal(
            "IDEMPOTENCY_CONFLICT",
            format!("eventId {} was already sent with a different payload", event_id(1)),
            json!([]),
        ),
        acceptance_of(&sandbox, &event_id(4)),
    ];
    assert_eq!(lines(&output), expected, "{err}");
    assert_eq!(sandbox.accepted().len(), 3);
    assert_eq!(summary(&err), (3, 1, 4), "{err}");
    assert_eq!(requests(&err, 200), 3, "the repeated eventId is not sent again: {err}");

    // Without EVENT every line is an envelope: one that is not stops the run, after the lines
    // before it were sent and written (exit 2), as `validate --jsonl` stops.
    let input = format!("{}\n{}\n{}\n", envelope(5), lead(6), envelope(7));
    let output = run(&sandbox, &["-"], &input).await;
    let err = stderr(&output);
    assert_eq!(output.status.code(), Some(2), "{err}");
    assert_eq!(lines(&output), [acceptance_of(&sandbox, &event_id(5))]);
    assert!(err.contains("standard input line 2: no event name"), "{err}");
    assert_eq!(summary(&err), (1, 0, 0), "the summary is written all the same: {err}");
    assert_eq!(sandbox.accepted().len(), 4, "line 3 was not sent");

    // The platform's refusal is a result line too; all lines accepted is exit 0.
    let output = run(&sandbox, &[], &format!("{}\n{}\n", envelope(8), envelope(9))).await;
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(lines(&output), [acceptance_of(&sandbox, &event_id(8)), acceptance_of(&sandbox, &event_id(9))]);
    let strict = start(builder().accept_key(key(OTHER_KEY))).await;
    let output = run(&strict, &[], &format!("{}\n", envelope(10))).await;
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(lines(&output)[0]["error"]["code"], "UNAUTHORIZED");
    assert!(strict.accepted().is_empty());
    strict.shutdown().await;
    sandbox.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_low_tier_is_kept_to_without_a_storm_of_429s() {
    let tier = Tier::new(20, 10).unwrap();
    let sandbox = start(builder().default_tier(tier)).await;
    let input: String = (1..=60).map(|i| format!("{}\n", lead(i))).collect();
    let started = Instant::now();
    let output = run(&sandbox, &["lead.captured.v1", "--tier", "20/10", "--concurrency", "16"], &input).await;
    let err = stderr(&output);
    assert_eq!(output.status.code(), Some(0), "{err}");
    assert!(lines(&output).iter().all(|line| line["ok"] == true));
    assert_eq!(sandbox.accepted().len(), 60);
    // 60 requests at 20 per second after a burst of 10: over two seconds, and (nearly) no 429.
    assert!(started.elapsed() >= Duration::from_millis(2_000), "{:?}", started.elapsed());
    assert_eq!(requests(&err, 200), 60, "{err}");
    assert!(requests(&err, 429) <= 2, "{} 429s: {err}", requests(&err, 429));
    sandbox.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_journaled_run_started_again_sends_only_what_is_missing() {
    const LINES: u64 = 300;
    // Every answer comes 30 to 50 ms after the event was accepted: a SIGKILL finds sends accepted
    // but not yet recorded in the journal.
    let faults = FaultConfig::seeded(1).with_latency(Duration::from_millis(30), Duration::from_millis(20));
    let sandbox = start(builder().faults(faults)).await;
    let dir = std::env::temp_dir().join(format!("loop-contracts-send-jsonl-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    let journal = dir.join("journal.db");
    let journal_arg = journal.to_str().unwrap();
    let input: String = (1..=LINES).map(|i| format!("{}\n", lead(i))).collect();
    let args = ["lead.captured.v1", "--journal", journal_arg, "--concurrency", "8"];

    let mut first = spawn(&sandbox, &args, &input);
    let deadline = Instant::now() + Duration::from_secs(60);
    while sandbox.accepted_count() < LINES / 3 {
        assert!(Instant::now() < deadline, "the first run accepted {} in 60 s", sandbox.accepted_count());
        assert!(first.try_wait().unwrap().is_none(), "the first run ended before it was killed");
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    first.kill().unwrap(); // SIGKILL
    let status = tokio::task::spawn_blocking(move || first.wait().unwrap()).await.unwrap();
    assert_eq!(status.code(), None, "killed by a signal");
    // Requests that reached the sandbox before the kill are still being answered: wait until the
    // count stands still.
    let mut before = sandbox.accepted_count();
    let settled = Instant::now() + Duration::from_secs(10);
    loop {
        tokio::time::sleep(Duration::from_millis(200)).await;
        let now = sandbox.accepted_count();
        if now == before || Instant::now() > settled {
            break;
        }
        before = now;
    }
    let accepted_before = sandbox.accepted_count();
    assert!(accepted_before < LINES, "killed before the end");
    let recorded = SqliteOutbox::open(&journal).await.unwrap().counts().await.unwrap();
    assert!(recorded.sent < accepted_before, "some sends were accepted but not recorded: {recorded:?}");

    let second = run(&sandbox, &args, &input).await;
    let err = stderr(&second);
    assert_eq!(second.status.code(), Some(0), "{err}");
    let results = lines(&second);
    assert_eq!(results.len(), LINES as usize, "{err}");
    for (i, result) in (1..=LINES).zip(&results) {
        assert_eq!((&result["ok"], &result["eventId"]), (&json!(true), &json!(event_id(i))), "line {i}");
    }
    // Each event accepted once: the resends of those the killed run got accepted were replays.
    let accepted = sandbox.accepted();
    assert_eq!(accepted.len(), LINES as usize);
    assert_eq!(accepted.iter().map(|e| &e.event_id).collect::<HashSet<_>>().len(), LINES as usize);
    let from_journal = results.iter().filter(|r| r["fromJournal"] == true).count() as u64;
    let replays = results.iter().filter(|r| r["idempotentReplayed"] == true && r["fromJournal"].is_null()).count();
    assert_eq!(from_journal, recorded.sent, "what the journal held was answered from it");
    assert_eq!(replays as u64, accepted_before - recorded.sent, "the accepted, unrecorded ones were replayed");
    // The second run sent only what the journal did not hold as accepted, each once.
    assert_eq!(requests(&err, 200) as u64, LINES - recorded.sent, "{err}");
    assert_eq!(summary(&err), (LINES - accepted_before, accepted_before, 0), "{err}");
    let counts = SqliteOutbox::open(&journal).await.unwrap().counts().await.unwrap();
    assert_eq!((counts.sent, counts.pending, counts.in_flight, counts.failed), (LINES, 0, 0, 0));

    // A third run sends nothing: every line is answered from the journal.
    let third = run(&sandbox, &args, &input).await;
    let err = stderr(&third);
    assert_eq!(third.status.code(), Some(0), "{err}");
    assert_eq!(lines(&third).iter().filter(|r| r["fromJournal"] == true).count(), LINES as usize);
    assert_eq!(requests(&err, 200), 0, "{err}");
    assert_eq!(sandbox.accepted().len(), LINES as usize);
    std::fs::remove_dir_all(&dir).unwrap();
    sandbox.shutdown().await;
}
