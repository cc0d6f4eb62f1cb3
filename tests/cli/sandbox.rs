//! `loop-contracts sandbox` driven in process: it prints where it listens, serves the platform API,
//! and stops on Ctrl-C (SIGINT); bad options are usage errors that never echo a key.

use std::time::{Duration, Instant};

use suite::sandbox::*;

fn run(args: &[&str]) -> (u8, String, String) {
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let code = loop_contracts_cli::run(args.iter().copied(), &mut std::io::empty(), &mut out, &mut err);
    (code, String::from_utf8_lossy(&out).into_owned(), String::from_utf8_lossy(&err).into_owned())
}

#[cfg(unix)]
#[tokio::test]
// The lock is held on purpose across the whole test, awaits included (see below).
#[allow(clippy::await_holding_lock)]
async fn the_command_line_sandbox_serves_until_interrupted() {
    // The SIGINT below goes to the whole test process: every in-process sandbox listening for it
    // would stop. Tests that signal the process, or change its environment, hold this lock, so
    // they run one at a time; the runtime of this test runs nothing else that takes it.
    let _process = suite::process::exclusive();
    let out = Captured::default();
    let server = std::thread::spawn({
        let mut out = out.clone();
        move || {
            let mut err = Vec::new();
            let args = ["loop-contracts", "sandbox", "--addr", "127.0.0.1:0", "--tier", "5/10", "--brand-id", BRAND];
            let code = loop_contracts_cli::run(args, &mut std::io::empty(), &mut out, &mut err);
            (code, String::from_utf8_lossy(&err).into_owned())
        }
    });
    let started = Instant::now();
    let url = loop {
        let text = out.text();
        if let Some(url) = text.lines().next().and_then(|l| l.strip_prefix("loop-contracts sandbox listening on ")) {
            break url.to_owned();
        }
        assert!(started.elapsed() < Duration::from_secs(20), "no address printed: {text}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    assert!(url.starts_with("http://127.0.0.1:"), "{url}");

    let client = client();
    let response =
        client.post(format!("{url}/api/events")).bearer_auth(KEY).json(&lead_request(1)).send().await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(rate_headers(&response).0, 5, "the --tier option");
    let events: serde_json::Value =
        client.get(format!("{url}/__sandbox/events")).bearer_auth(KEY).send().await.unwrap().json().await.unwrap();
    assert_eq!(events["events"][0]["eventId"], event_id(1));

    // Ctrl-C: the sandbox stops gracefully and the command exits 0.
    let killed = std::process::Command::new("kill").args(["-INT", &std::process::id().to_string()]).status().unwrap();
    assert!(killed.success());
    let (code, err) = tokio::task::spawn_blocking(move || server.join().unwrap()).await.unwrap();
    assert_eq!(code, 0, "{err}");
    assert!(out.text().ends_with("loop-contracts sandbox stopped\n"), "{}", out.text());
}

#[test]
fn bad_options_are_usage_errors_that_never_echo_a_key() {
    let secret = "do_not_print_me_0123456789";
    for args in [
        vec!["loop-contracts", "sandbox", "--key", &format!("lk_live_{secret}"), "--addr", "127.0.0.1:0"],
        vec!["loop-contracts", "sandbox", "--key", &format!("lk_test_{secret}!")],
        vec!["loop-contracts", "sandbox", "--key", secret],
    ] {
        let (code, out, err) = run(&args);
        assert_eq!(code, 2, "{args:?}: {out} {err}");
        assert!(!out.contains(secret) && !err.contains(secret), "{err}");
    }
    let (code, _, err) =
        run(&["loop-contracts", "sandbox", "--faults", r#"{"errorRate": 2}"#, "--addr", "127.0.0.1:0"]);
    assert_eq!(code, 2);
    assert!(err.contains("errorRate must be between 0 and 1"), "{err}");
    let (code, _, err) = run(&["loop-contracts", "sandbox", "--tier", "fast"]);
    assert_eq!(code, 2);
    assert!(err.contains("standard"), "{err}");
    let (code, _, err) = run(&["loop-contracts", "sandbox", "--secret", "shopify"]);
    assert_eq!(code, 2);
    assert!(err.contains("SOURCE=SECRET"), "{err}");
    let (code, out, _) = run(&["loop-contracts", "sandbox", "--help"]);
    assert_eq!(code, 0);
    assert!(out.contains("--addr") && out.contains("127.0.0.1:8787"), "{out}");
}

#[test]
fn sandbox_help_explains_every_fault_key() {
    let (code, help, _) = run(&["loop-contracts", "sandbox", "--help"]);
    assert_eq!(code, 0);
    // Every key FaultConfig's JSON has, taken from the type itself, so a new one cannot go unlisted.
    let keys = serde_json::to_value(loop_contracts::sandbox::FaultConfig::default()).unwrap();
    let keys: Vec<&String> = keys.as_object().unwrap().keys().collect();
    assert_eq!(keys.len(), 8, "{keys:?}");
    for key in keys {
        let line = help
            .lines()
            .find(|l| l.trim_start().starts_with(&format!("{key} ")))
            .unwrap_or_else(|| panic!("{key}:\n{help}"));
        assert!(line.trim_start().len() > key.len() + 10, "{key} has its meaning beside it: {line}");
    }
    assert!(help.contains("500 INTERNAL_ERROR") && help.contains("429 RATE_LIMITED"), "{help}");
    // `-h` stays short: the keys are in `--help` only.
    let (_, short, _) = run(&["loop-contracts", "sandbox", "-h"]);
    assert!(short.contains("--faults") && !short.contains("dropAfterProcessing"), "{short}");
}

/// The binary with `RUST_LOG` set writes the sandbox's request trace to stderr: the method, path,
/// key prefix and status of each request, never the key or the payload.
#[tokio::test]
async fn rust_log_traces_the_sandbox_requests_without_the_key() {
    use std::io::{BufRead, BufReader, Read};
    use std::process::{Command, Stdio};

    let binary = suite::build::built("bin", "loop-contracts");
    let mut child = Command::new(binary)
        .args(["sandbox", "--addr", "127.0.0.1:0"])
        .env("RUST_LOG", "loop_contracts=info")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    // The reader is kept open to the end: the command writes more lines after the first, and a
    // closed pipe would stop it.
    let (url, _stdout) = tokio::task::spawn_blocking(move || {
        let mut line = String::new();
        stdout.read_line(&mut line).unwrap();
        (line.trim_end().strip_prefix("loop-contracts sandbox listening on ").map(str::to_owned), stdout)
    })
    .await
    .unwrap();
    let url = url.expect("the address is printed first");

    let client = client();
    let response =
        client.post(format!("{url}/api/events")).bearer_auth(KEY).json(&lead_request(1)).send().await.unwrap();
    assert_eq!(response.status(), 200);
    child.kill().unwrap();
    child.wait().unwrap();
    let mut stderr = String::new();
    child.stderr.take().unwrap().read_to_string(&mut stderr).unwrap();

    let request = r#"loop_contracts.sandbox{method=POST path="/api/events" key="lk_test_"}"#;
    assert!(stderr.lines().any(|l| l.contains(request) && l.contains("status=200")), "{stderr}");
    assert!(!stderr.contains(KEY) && !stderr.contains(&KEY[8..]), "{stderr}");
    assert!(!stderr.contains("@example.com"), "{stderr}");
}
