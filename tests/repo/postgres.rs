//! Tests get PostgreSQL with nothing started by hand (`suite::postgres`): a private cluster when
//! `LOOP_TEST_POSTGRES_URL` is unset, the server it names otherwise, a fresh database per call,
//! and a private cluster that ends with its test process, even one killed with SIGKILL.
//!
//! Each mode is tried in a test process of its own (this binary, run again on one of the ignored
//! `child_` tests below), since the server is chosen once per process from its environment.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use suite::postgres::{self, URL_VARIABLE};

/// Set in the test processes this file starts: the `child_` tests do nothing without it, so that
/// `cargo test -- --ignored` passes them by.
const CHILD: &str = "LOOP_TEST_POSTGRES_CHILD";

/// What a `child_` test says to its parent starts with this.
const SAYS: &str = "postgres-child:";

/// How long a child may take to say what it has to (initdb and start included).
const CHILD_TIMEOUT: Duration = Duration::from_secs(180);

/// How long a private cluster may take to be gone once its process has ended.
const TEARDOWN_TIMEOUT: Duration = Duration::from_secs(30);

/// Two fresh databases, each answering `select 1` and naming itself, and no two alike.
fn check_two_fresh_databases() -> [String; 2] {
    let server = postgres::server();
    let urls = [server.fresh_database(), server.fresh_database()];
    assert_ne!(urls[0], urls[1]);
    urls.clone().map(|url| {
        assert_eq!(server.psql(&url, "select 1"), "1\n");
        let name = server.psql(&url, "select current_database()").trim().to_owned();
        assert!(url.ends_with(&format!("/{name}")), "{url} is connected to {name}");
        name
    })
}

#[test]
fn fresh_databases_are_distinct_and_answer() {
    check_two_fresh_databases();
}

#[test]
fn without_a_url_a_private_cluster_serves_and_dies_with_its_process() {
    let mut child = child("child_holds_a_private_cluster", None);
    let said = hear(&mut child, &["mode", "names", "directory", "postmaster"]);
    assert_eq!(said[0], "private");
    assert_eq!(said[1].split(' ').count(), 2, "two database names: {}", said[1]);
    let (directory, postmaster) = (PathBuf::from(&said[2]), said[3].parse::<u32>().unwrap());
    assert!(directory.join("data/PG_VERSION").is_file(), "{} holds no cluster", directory.display());
    assert!(is_postgres(postmaster), "postmaster {postmaster} is not running");
    // SIGKILL: the child runs no code at all on its way out.
    child.kill().unwrap();
    child.wait().unwrap();
    assert_torn_down(&directory, postmaster);
}

#[test]
fn a_private_cluster_ends_when_its_process_exits() {
    let mut child = child("child_uses_a_private_cluster_and_exits", None);
    let said = hear(&mut child, &["directory", "postmaster"]);
    let status = child.wait().unwrap();
    assert!(status.success(), "{status}");
    assert_torn_down(Path::new(&said[0]), said[1].parse().unwrap());
}

#[test]
fn with_a_url_the_named_server_serves() {
    // This process's own server, whichever it is, stands for the one a developer would name.
    let server = postgres::server();
    let mut child = child("child_uses_the_named_server", Some(server.url()));
    let said = hear(&mut child, &["mode", "names"]);
    assert!(child.wait().unwrap().success());
    assert_eq!(said[0], "url");
    for name in said[1].split(' ') {
        let found = server.psql(server.url(), &format!("select count(*) from pg_database where datname = '{name}'"));
        assert_eq!(found.trim(), "1", "{name} is not on {}", server.redacted_url());
    }
}

#[test]
#[ignore = "run by without_a_url_a_private_cluster_serves_and_dies_with_its_process"]
fn child_holds_a_private_cluster() {
    if std::env::var_os(CHILD).is_none() {
        return;
    }
    let server = postgres::server();
    say("mode", if server.data_directory().is_some() { "private" } else { "url" });
    say("names", &check_two_fresh_databases().join(" "));
    say_private(server);
    // Held until the parent kills this process; bounded, should it not.
    std::thread::sleep(CHILD_TIMEOUT);
}

#[test]
#[ignore = "run by a_private_cluster_ends_when_its_process_exits"]
fn child_uses_a_private_cluster_and_exits() {
    if std::env::var_os(CHILD).is_none() {
        return;
    }
    let server = postgres::server();
    check_two_fresh_databases();
    say_private(server);
}

#[test]
#[ignore = "run by with_a_url_the_named_server_serves"]
fn child_uses_the_named_server() {
    if std::env::var_os(CHILD).is_none() {
        return;
    }
    let server = postgres::server();
    say("mode", if server.data_directory().is_some() { "private" } else { "url" });
    say("names", &check_two_fresh_databases().join(" "));
}

fn say(key: &str, value: &str) {
    println!("{SAYS} {key}={value}");
}

fn say_private(server: &postgres::Server) {
    say("directory", &server.data_directory().expect("a private cluster").display().to_string());
    say("postmaster", &server.postmaster_pid().unwrap().to_string());
}

/// This test binary again, running only the ignored test `name`, with `LOOP_TEST_POSTGRES_URL` set
/// to `url` or unset.
fn child(name: &str, url: Option<&str>) -> Child {
    let mut command = Command::new(std::env::current_exe().unwrap());
    command
        .args(["--exact", &format!("postgres::{name}"), "--ignored", "--nocapture", "--test-threads=1"])
        .env(CHILD, "1")
        .stdout(Stdio::piped());
    match url {
        Some(url) => command.env(URL_VARIABLE, url),
        None => command.env_remove(URL_VARIABLE),
    };
    command.spawn().unwrap()
}

/// The values the child says for `keys`, in that order; panics when it has not said them all within
/// [`CHILD_TIMEOUT`] or has ended first.
fn hear(child: &mut Child, keys: &[&str]) -> Vec<String> {
    let stdout = child.stdout.take().unwrap();
    let (lines, said) = mpsc::channel();
    std::thread::spawn(move || {
        // Read to the end even once nobody listens: a child whose output pipe closed would fail.
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let _ = lines.send(line);
        }
    });
    let deadline = Instant::now() + CHILD_TIMEOUT;
    let mut values: Vec<Option<String>> = vec![None; keys.len()];
    let mut heard = Vec::new();
    while values.iter().any(Option::is_none) {
        let Ok(line) = said.recv_timeout(deadline.saturating_duration_since(Instant::now())) else {
            let _ = child.kill();
            panic!("the child did not say {keys:?}; it printed:\n{}", heard.join("\n"));
        };
        // Anywhere in the line: libtest prints the test's name before its output, without a newline.
        if let Some((key, value)) = line.split_once(SAYS).and_then(|(_, rest)| rest.trim().split_once('='))
            && let Some(i) = keys.iter().position(|k| *k == key)
        {
            values[i] = Some(value.to_owned());
        }
        heard.push(line);
    }
    values.into_iter().map(Option::unwrap).collect()
}

/// Whether process `pid` is a running postgres (not a zombie, not another program that has since
/// been given the id).
fn is_postgres(pid: u32) -> bool {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // `pid (comm) state ...`
    let state = stat.rsplit_once(')').and_then(|(_, rest)| rest.split_whitespace().next());
    stat.contains("(postgres)") && !matches!(state, Some("Z" | "X") | None)
}

/// Waits until the cluster's postmaster is gone and its directory removed; panics after
/// [`TEARDOWN_TIMEOUT`].
fn assert_torn_down(directory: &Path, postmaster: u32) {
    let deadline = Instant::now() + TEARDOWN_TIMEOUT;
    while is_postgres(postmaster) || directory.exists() {
        assert!(
            Instant::now() < deadline,
            "{} s after its process ended, the private cluster is still there (postmaster {postmaster} running: {}, \
             {} present: {})",
            TEARDOWN_TIMEOUT.as_secs(),
            is_postgres(postmaster),
            directory.display(),
            directory.exists()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}
