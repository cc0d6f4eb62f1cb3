//! `loop-contracts outbox enqueue|relay|status`, each run in a process of its own (this test
//! binary again, running only `child_runs_the_command_line`), on real SQLite files and PostgreSQL
//! databases, relaying over loopback HTTP to a sandbox: output lines, exit codes, relays killed
//! with SIGKILL mid-drain and the ones that finish their work.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use loop_contracts::sandbox::{FaultConfig, SandboxHandle};
use serde_json::{json, Value};
use suite::sandbox::{builder, event_id, lead, KEY};

/// The child's arguments (a JSON array, the program name left out); set only in a child.
const CHILD_ARGS: &str = "LOOP_CONTRACTS_TEST_CLI_ARGS";
/// The file the child writes its standard output to (libtest writes to the real one too).
const CHILD_STDOUT: &str = "LOOP_CONTRACTS_TEST_CLI_STDOUT";
/// How long any wait of these tests lasts at most.
const PATIENCE: Duration = Duration::from_secs(60);

#[test]
#[ignore = "the command line in a process of its own: started by the other tests of this file"]
fn child_runs_the_command_line() {
    let Some(args) = std::env::var_os(CHILD_ARGS) else { return };
    let args: Vec<String> = serde_json::from_str(&args.to_string_lossy()).unwrap();
    let mut out = std::fs::File::create(std::env::var_os(CHILD_STDOUT).unwrap()).unwrap();
    let argv = std::iter::once("loop-contracts".to_owned()).chain(args);
    let code = loop_contracts_cli::run(argv, &mut std::io::stdin().lock(), &mut out, &mut std::io::stderr());
    out.flush().unwrap();
    // Exits here, with the command's status, before libtest reports the test.
    std::process::exit(i32::from(code));
}

/// A `loop-contracts` process.
struct Cli {
    child: Child,
    stdout: PathBuf,
}

/// What a finished process printed.
struct Finished {
    status: ExitStatus,
    stdout: String,
    stderr: String,
}

impl Finished {
    fn code(&self) -> Option<i32> {
        self.status.code()
    }

    /// The stdout lines as JSON.
    fn lines(&self) -> Vec<Value> {
        self.stdout.lines().map(|line| serde_json::from_str(line).unwrap()).collect()
    }
}

/// Starts `loop-contracts ARGS` with `env` added, its stdin fed `stdin`.
fn start(dir: &Path, args: &[&str], env: &[(&str, String)], stdin: &str) -> Cli {
    let stdout = dir.join(format!("stdout-{}", uuid::Uuid::new_v4()));
    let mut command = Command::new(std::env::current_exe().unwrap());
    command
        .args(["--exact", "outbox::child_runs_the_command_line", "--ignored", "--nocapture", "--quiet"])
        .env(CHILD_ARGS, serde_json::to_string(args).unwrap())
        .env(CHILD_STDOUT, &stdout)
        .env_remove("LOOP_API_KEY")
        .env_remove("LOOP_BASE_URL")
        .envs(env.iter().map(|(k, v)| (k, v)))
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    let mut child = command.spawn().unwrap();
    let mut input = child.stdin.take().unwrap();
    // A command may exit before it reads its input (a usage error): the closed pipe is not a failure.
    match input.write_all(stdin.as_bytes()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {}
        written => written.unwrap(),
    }
    drop(input);
    Cli { child, stdout }
}

impl Cli {
    /// Waits for the process (at most [`PATIENCE`]) and reads what it printed.
    fn finish(mut self) -> Finished {
        let deadline = Instant::now() + PATIENCE;
        let status = loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                break status;
            }
            if Instant::now() > deadline {
                let _ = self.child.kill();
                panic!("loop-contracts did not exit within {PATIENCE:?}");
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        let mut stderr = String::new();
        std::io::Read::read_to_string(&mut self.child.stderr.take().unwrap(), &mut stderr).unwrap();
        let stdout = std::fs::read_to_string(&self.stdout).unwrap_or_default();
        Finished { status, stdout, stderr }
    }

    /// SIGTERM, as a service manager stops it.
    fn terminate(&self) {
        let sent = Command::new("kill").args(["-TERM", &self.child.id().to_string()]).status().unwrap();
        assert!(sent.success());
    }
}

fn run(dir: &Path, args: &[&str], env: &[(&str, String)], stdin: &str) -> Finished {
    start(dir, args, env, stdin).finish()
}

/// The environment of a relay talking to `sandbox`.
fn relay_env(sandbox: &SandboxHandle) -> Vec<(&'static str, String)> {
    vec![("LOOP_API_KEY", KEY.to_owned()), ("LOOP_BASE_URL", sandbox.url())]
}

/// `{"event": "lead.captured.v1", "payload": lead(i)}` as one line.
fn envelope(payload: &Value) -> String {
    json!({"event": "lead.captured.v1", "payload": payload}).to_string()
}

fn envelopes(events: impl IntoIterator<Item = u64>) -> String {
    events.into_iter().map(|i| envelope(&lead(i)) + "\n").collect()
}

fn status(dir: &Path, db: &str) -> Value {
    let out = run(dir, &["outbox", "status", "--db", db], &[], "");
    assert_eq!(out.code(), Some(0), "{}", out.stderr);
    serde_json::from_str(out.stdout.trim_end()).unwrap()
}

fn counts(pending: u64, in_flight: u64, sent: u64, failed: u64) -> Value {
    json!({"pending": pending, "inFlight": in_flight, "sent": sent, "failed": failed})
}

/// How many times the sandbox accepted each eventId.
fn acceptances(sandbox: &SandboxHandle) -> BTreeMap<String, usize> {
    let mut seen = BTreeMap::new();
    for accepted in sandbox.accepted() {
        *seen.entry(accepted.event_id).or_default() += 1;
    }
    seen
}

/// Asserts that the sandbox accepted the events `1..=n`, each once, and nothing else.
fn accepted_once(sandbox: &SandboxHandle, n: u64) {
    let expected: BTreeMap<String, usize> = (1..=n).map(|i| (event_id(i), 1)).collect();
    assert_eq!(acceptances(sandbox), expected);
}

fn temp_dir() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("loop-cli-outbox-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn sqlite_url(dir: &Path) -> String {
    format!("sqlite:{}", dir.join("outbox.db").display())
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap()
}

/// Waits until `done` holds, at most [`PATIENCE`].
fn wait_until(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + PATIENCE;
    while !done() {
        assert!(Instant::now() < deadline, "waited {PATIENCE:?} for {what}");
        std::thread::sleep(Duration::from_millis(10));
    }
}

#[test]
fn enqueue_answers_every_line_and_stores_only_the_valid_ones() {
    let dir = temp_dir();
    let db = sqlite_url(&dir);
    let mut invalid = lead(2);
    invalid["email"] = json!("nope");
    let mut conflicting = lead(1);
    conflicting["email"] = json!("someone.else@example.com");
    let input = [
        envelope(&lead(1)),
        envelope(&invalid),
        envelope(&lead(1)),
        envelope(&conflicting),
        "not json".to_owned(),
        String::new(),
        lead(4).to_string(),
        json!({"event": "nope.nope.v1", "payload": lead(5)}).to_string(),
        envelope(&lead(3)),
    ]
    .join("\n")
        + "\n";
    let out = run(&dir, &["outbox", "enqueue", "--db", &db, "-"], &[], &input);
    assert_eq!((out.code(), out.stderr.as_str()), (Some(1), ""), "{}", out.stdout);
    let stored = |i: u64, stored: bool| json!({"ok": true, "event": "lead.captured.v1", "eventId": event_id(i), "stored": stored});
    let invalid_response = json!({"ok": false, "error": {"code": "VALIDATION_ERROR",
        "message": "payload.email must be a valid email address",
        "issues": [{"path": "email", "message": "Invalid email", "code": "invalid_string"}]}});
    let expected = [
        stored(1, true),
        invalid_response,
        stored(1, false),
        json!({"ok": false, "error": {"code": "IDEMPOTENCY_CONFLICT",
            "message": format!("eventId {} is already in the outbox with a different event or payload", event_id(1)),
            "issues": []}}),
        json!({"ok": false, "error": {"code": "MALFORMED_REQUEST",
            "message": "malformed JSON at input line 5, column 2: expected ident", "issues": []}}),
        json!({"ok": false, "error": {"code": "MALFORMED_REQUEST",
            "message": "malformed JSON: input line 6 is empty", "issues": []}}),
        json!({"ok": false, "error": {"code": "MALFORMED_REQUEST",
            "message": "input line 7 is not an envelope {\"event\": \"<name>\", \"payload\": {...}} as `transform` prints",
            "issues": []}}),
        json!({"ok": false, "error": {"code": "UNKNOWN_EVENT",
            "message": "event \"nope.nope.v1\" is not in the catalog", "issues": []}}),
        stored(3, true),
    ];
    assert_eq!(out.lines(), expected, "{}", out.stdout);
    // Compact lines, keys in the order of the platform's answers.
    assert_eq!(
        out.stdout.lines().next().unwrap(),
        format!(r#"{{"ok":true,"event":"lead.captured.v1","eventId":"{}","stored":true}}"#, event_id(1))
    );
    // Two events stored; the invalid one and the conflicting one not.
    assert_eq!(status(&dir, &db), counts(2, 0, 0, 0));
    let runtime = runtime();
    let entries = runtime.block_on(async {
        use loop_contracts::outbox::{OutboxStore, SqliteOutbox};
        let store = SqliteOutbox::connect(&db).await.unwrap();
        let mut entries = Vec::new();
        for i in 1..=3 {
            entries.push(store.entry(event_id(i).parse().unwrap()).await.unwrap().map(|e| e.payload["email"].clone()));
        }
        entries
    });
    assert_eq!(entries, [Some(json!("lead1@example.com")), None, Some(json!("lead3@example.com"))]);

    // All valid, from a file: exit 0.
    let file = dir.join("events.jsonl");
    std::fs::write(&file, envelopes([3, 6])).unwrap();
    let out = run(&dir, &["outbox", "enqueue", "--db", &db, file.to_str().unwrap()], &[], "");
    assert_eq!(out.code(), Some(0), "{}{}", out.stdout, out.stderr);
    assert_eq!(out.lines().iter().map(|l| l["stored"].clone()).collect::<Vec<_>>(), [json!(false), json!(true)]);
    assert_eq!(status(&dir, &db), counts(3, 0, 0, 0));
    std::fs::remove_dir_all(dir).unwrap();
}

/// Enqueues events `1..=n`, drains them with one `relay --until-empty`, and checks the sandbox
/// and the counts.
fn relay_drains(db: &str) {
    let dir = temp_dir();
    let runtime = runtime();
    let sandbox = runtime.block_on(builder().start()).unwrap();
    let out = run(&dir, &["outbox", "enqueue", "--db", db], &[], &envelopes(1..=12));
    assert_eq!(out.code(), Some(0), "{}{}", out.stdout, out.stderr);
    let out = run(&dir, &["outbox", "relay", "--db", db, "--until-empty"], &relay_env(&sandbox), "");
    assert_eq!((out.code(), out.stderr.as_str()), (Some(0), ""), "{}", out.stdout);
    assert_eq!(
        out.lines(),
        [json!({"sent": 12, "replayed": 0, "failed": 0, "retried": 0, "released": 0, "lost": 0, "pruned": 0})]
    );
    accepted_once(&sandbox, 12);
    assert_eq!(status(&dir, db), counts(0, 0, 12, 0));

    // Without --until-empty it runs until SIGTERM, then reports and exits 0.
    let out = run(&dir, &["outbox", "enqueue", "--db", db], &[], &envelopes([13]));
    assert_eq!(out.code(), Some(0), "{}", out.stderr);
    let relay = start(&dir, &["outbox", "relay", "--db", db], &relay_env(&sandbox), "");
    wait_until("the 13th event", || sandbox.accepted_count() == 13);
    // Accepted is not yet settled: the count is read until the entry is sent.
    wait_until("the 13th event settled", || status(&dir, db)["sent"] == 13);
    relay.terminate();
    let out = relay.finish();
    assert_eq!((out.code(), out.stderr.as_str()), (Some(0), ""), "{}", out.stdout);
    assert_eq!(out.lines()[0]["sent"], 1);
    accepted_once(&sandbox, 13);
    runtime.block_on(sandbox.shutdown());
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn relay_until_empty_sends_each_event_once_from_sqlite() {
    let dir = temp_dir();
    relay_drains(&sqlite_url(&dir));
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn relay_until_empty_sends_each_event_once_from_postgres() {
    relay_drains(&suite::postgres::server().fresh_database());
}

#[test]
fn a_relay_that_had_an_entry_refused_for_good_exits_1() {
    let dir = temp_dir();
    let db = sqlite_url(&dir);
    let runtime = runtime();
    let sandbox = runtime.block_on(builder().start()).unwrap();
    // The platform already has event 2's eventId with another payload: its send is a 409.
    let mut other = lead(2);
    other["email"] = json!("first.sender@example.com");
    let client = suite::client::client_builder(&sandbox).build().unwrap();
    runtime.block_on(client.send_json("lead.captured.v1", &other)).unwrap();
    let out = run(&dir, &["outbox", "enqueue", "--db", &db], &[], &envelopes(1..=3));
    assert_eq!(out.code(), Some(0), "{}", out.stderr);
    let out = run(&dir, &["outbox", "relay", "--db", &db, "--until-empty"], &relay_env(&sandbox), "");
    assert_eq!((out.code(), out.stderr.as_str()), (Some(1), ""), "{}", out.stdout);
    assert_eq!((out.lines()[0]["sent"].clone(), out.lines()[0]["failed"].clone()), (json!(2), json!(1)));
    assert_eq!(status(&dir, &db), counts(0, 0, 2, 1));
    accepted_once(&sandbox, 3);
    runtime.block_on(sandbox.shutdown());
    std::fs::remove_dir_all(dir).unwrap();
}

/// A sandbox whose every request takes 100 to 200 ms: a drain of 60 events by 4 concurrent
/// sends lasts about two seconds, long enough to kill a relay in the middle of it.
fn slow_sandbox(runtime: &tokio::runtime::Runtime) -> SandboxHandle {
    let ms = Duration::from_millis;
    runtime.block_on(builder().faults(FaultConfig::seeded(1).with_latency(ms(100), ms(100))).start()).unwrap()
}

/// Where a relay is killed: after a random number of acceptances, 1 to 30 of the 60 (printed, so
/// that a failure names it), so that runs kill at different points of the drain.
fn random_kill_point() -> u64 {
    let at = 1 + (uuid::Uuid::new_v4().as_u128() % 30) as u64;
    eprintln!("killing the relay after {at} acceptances");
    at
}

/// The report line of a relay that exited 0.
fn report(out: &Finished) -> Value {
    assert_eq!((out.code(), out.stderr.as_str()), (Some(0), ""), "{}", out.stdout);
    out.lines().pop().unwrap()
}

#[test]
fn a_relay_killed_mid_drain_costs_replays_never_a_second_event_sqlite() {
    let dir = temp_dir();
    let db = sqlite_url(&dir);
    let runtime = runtime();
    let sandbox = slow_sandbox(&runtime);
    let out = run(&dir, &["outbox", "enqueue", "--db", &db], &[], &envelopes(1..=60));
    assert_eq!(out.code(), Some(0), "{}", out.stderr);

    let mut doomed = start(&dir, &["outbox", "relay", "--db", &db, "--lease", "2"], &relay_env(&sandbox), "");
    let kill_at = random_kill_point();
    wait_until("the first acceptances", || sandbox.accepted_count() >= kill_at);
    doomed.child.kill().unwrap(); // SIGKILL: no shutdown, claims left in flight
    let killed = doomed.finish();
    let before = sandbox.accepted_count();
    assert!(killed.code().is_none() && before < 60, "killed after {before} acceptances");
    let left = status(&dir, &db);

    let out = run(&dir, &["outbox", "relay", "--db", &db, "--until-empty", "--lease", "2"], &relay_env(&sandbox), "");
    let report = report(&out);
    accepted_once(&sandbox, 60);
    assert_eq!(status(&dir, &db), counts(0, 0, 60, 0));
    // Every entry the killed relay had not settled was sent by the second; those the platform had
    // accepted already came back as replays.
    let unsettled = left["pending"].as_u64().unwrap() + left["inFlight"].as_u64().unwrap();
    assert_eq!(report["sent"].as_u64().unwrap(), unsettled, "{report} after {left}");
    // Only an entry the killed relay had in flight can have been accepted already.
    assert!(report["replayed"].as_u64().unwrap() <= left["inFlight"].as_u64().unwrap(), "{report} after {left}");
    eprintln!("SIGKILL (SQLite): killed after {before} acceptances, {left} left; the second relay: {report}");
    runtime.block_on(sandbox.shutdown());
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn three_relays_on_postgres_one_killed_mid_drain_send_each_event_once() {
    let dir = temp_dir();
    let db = suite::postgres::server().fresh_database();
    let runtime = runtime();
    let sandbox = slow_sandbox(&runtime);
    let out = run(&dir, &["outbox", "enqueue", "--db", &db], &[], &envelopes(1..=60));
    assert_eq!(out.code(), Some(0), "{}", out.stderr);

    let env = relay_env(&sandbox);
    let drain = ["outbox", "relay", "--db", &db, "--until-empty", "--lease", "2", "--concurrency", "2"];
    let survivors = [start(&dir, &drain, &env, ""), start(&dir, &drain, &env, "")];
    let mut doomed = start(&dir, &["outbox", "relay", "--db", &db, "--lease", "2", "--concurrency", "2"], &env, "");
    let kill_at = random_kill_point();
    wait_until("the first acceptances", || sandbox.accepted_count() >= kill_at);
    doomed.child.kill().unwrap();
    let killed = doomed.finish();
    assert!(killed.code().is_none());
    let at_kill = sandbox.accepted_count();
    assert!(at_kill < 60, "killed after {at_kill} acceptances");

    let reports: Vec<Value> = survivors.into_iter().map(|relay| report(&relay.finish())).collect();
    accepted_once(&sandbox, 60);
    assert_eq!(status(&dir, &db), counts(0, 0, 60, 0));
    eprintln!(
        "SIGKILL (PostgreSQL, 3 relays): killed after {at_kill} acceptances; survivors: {}",
        Value::from(reports)
    );
    runtime.block_on(sandbox.shutdown());
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn status_of_a_new_database_and_clear_errors_for_bad_ones() {
    let dir = temp_dir();
    assert_eq!(status(&dir, &sqlite_url(&dir)), counts(0, 0, 0, 0));
    assert_eq!(status(&dir, &suite::postgres::server().fresh_database()), counts(0, 0, 0, 0));

    let password = "hunter2-Secret";
    let refused = |args: &[&str], says: &str| {
        let out = run(&dir, args, &[("LOOP_API_KEY", KEY.to_owned())], &envelopes([1]));
        assert_eq!((out.code(), out.stdout.as_str()), (Some(2), ""), "{args:?}: {}", out.stderr);
        assert!(out.stderr.starts_with("loop-contracts: ") && out.stderr.contains(says), "{args:?}: {}", out.stderr);
        assert!(!out.stderr.contains(password) && !out.stderr.contains("panicked"), "{}", out.stderr);
    };
    let mysql = format!("mysql://u:{password}@h/db");
    for command in ["status", "enqueue", "relay"] {
        refused(
            &["outbox", command, "--db", &mysql],
            "--db: unsupported outbox database URL (scheme \"mysql\"): expected sqlite:PATH or postgres://…",
        );
    }
    refused(&["outbox", "status", "--db", "/tmp/outbox.db"], "--db: not a URL");
    // Nothing listens on port 1: the driver's error, the password nowhere in it.
    refused(&["outbox", "status", "--db", &format!("postgres://u:{password}@127.0.0.1:1/db")], "outbox:");

    let corrupt = dir.join("corrupt.db");
    std::fs::write(&corrupt, "this is not a SQLite database, only text where one should be. ".repeat(100)).unwrap();
    let corrupt = format!("sqlite:{}", corrupt.display());
    for command in ["status", "enqueue", "relay"] {
        refused(&["outbox", command, "--db", &corrupt], "outbox: the outbox database failed while");
    }
    std::fs::remove_dir_all(dir).unwrap();
}
