//! PostgreSQL for the tests: one server per test process, a fresh database per test.
//!
//! [`server`](crate::postgres::server) is the server the `LOOP_TEST_POSTGRES_URL` variable names
//! (CI's cluster, or one of the developer's own), or else a private throwaway cluster that this
//! test process starts from the installed PostgreSQL binaries: `cargo test` on a fresh clone needs
//! nothing started by hand. [`Server::fresh_database`](crate::postgres::Server::fresh_database)
//! gives each test a database of its own, so that tests running at the same time never see each
//! other's rows.
//!
//! # The private cluster dies with the test process
//!
//! Rust runs no destructor of a `static` at exit, and nothing at all on SIGKILL, so the cluster's
//! end cannot hang on the test process running code. Instead the cluster runs under a small `sh`
//! watchdog whose standard input is a pipe: the test process holds the pipe's only write end for
//! its whole life and never writes to it. However the process ends (return from `main`, panic,
//! SIGKILL), the kernel closes that end, the watchdog's `read` sees end of file, and it stops the
//! postmaster (SIGQUIT, PostgreSQL's immediate shutdown) and removes the data directory. The
//! watchdog has a process group of its own, so a Ctrl-C meant for the tests does not kill it
//! before it has cleaned up. `tests/repo/postgres.rs` SIGKILLs a test process that holds a cluster
//! and checks that the postmaster and its directory are gone.

use std::io::{BufRead, BufReader};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{ChildStdin, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use url::Url;

/// The variable naming a server to use instead of a private cluster, as a URL such as
/// `postgres://user:password@127.0.0.1:5432/postgres`. The user must be allowed to create
/// databases; the URL's database is where they are created from.
pub const URL_VARIABLE: &str = "LOOP_TEST_POSTGRES_URL";

/// How long a private cluster may take to start (initdb, then the postmaster accepting
/// connections) before the tests give up on it.
const START_TIMEOUT: Duration = Duration::from_secs(120);

/// Ports tried for a private cluster: a free port found by binding port 0 can be taken by another
/// process before the postmaster binds it.
const PORT_ATTEMPTS: usize = 3;

/// A PostgreSQL server the tests may create databases on.
#[derive(Debug)]
pub struct Server {
    /// Where new databases are created from: the given URL, or the private cluster's `postgres`.
    admin: Url,
    /// The `psql` that talks to it.
    psql: PathBuf,
    /// The private cluster, when this process started one.
    private: Option<Private>,
}

/// A private cluster's facts, and the pipe end that keeps it alive.
#[derive(Debug)]
struct Private {
    directory: PathBuf,
    postmaster: u32,
    /// The write end of the watchdog's standard input: never written, only held; its closing at
    /// the end of the process is what stops the cluster.
    _lifeline: ChildStdin,
}

/// The tests' PostgreSQL server, started on first use and shared by every test of the process.
///
/// Panics, with how to get PostgreSQL, when `LOOP_TEST_POSTGRES_URL` is unset and PostgreSQL is
/// not installed, or when the server cannot be reached or started: a test that needs a database
/// fails rather than passing without one. The first failure is kept, so every later test reports
/// it at once rather than trying again.
pub fn server() -> &'static Server {
    static SERVER: OnceLock<Result<Server, String>> = OnceLock::new();
    match SERVER.get_or_init(provision) {
        Ok(server) => server,
        Err(message) => panic!("no PostgreSQL for the tests: {message}"),
    }
}

impl Server {
    /// Creates a new database with a name no other test uses (`loop_test_<pid>_<count>_<random>`)
    /// and returns its URL.
    pub fn fresh_database(&self) -> String {
        static COUNT: AtomicU64 = AtomicU64::new(0);
        let count = COUNT.fetch_add(1, Ordering::Relaxed);
        // The process id and count keep this process's names apart; the random part keeps apart
        // those of processes with the same id, on other machines or in other containers sharing
        // a server.
        let random = uuid::Uuid::new_v4().simple().to_string();
        let name = format!("loop_test_{}_{count}_{}", std::process::id(), &random[..8]);
        self.psql(self.admin.as_str(), &format!("CREATE DATABASE \"{name}\""));
        let mut url = self.admin.clone();
        url.set_path(&name);
        url.into()
    }

    /// Runs `sql` with `psql` on the database `database_url` names and returns what it printed
    /// (unaligned, tuples only: `select 1` gives `1\n`). Panics when psql fails.
    pub fn psql(&self, database_url: &str, sql: &str) -> String {
        run_psql(&self.psql, database_url, sql).unwrap_or_else(|e| panic!("{e}"))
    }

    /// The URL of the database new ones are created from, password included: messages show
    /// [`Server::redacted_url`] instead.
    pub fn url(&self) -> &str {
        self.admin.as_str()
    }

    /// [`Server::url`] with any password replaced by `***`, for messages.
    pub fn redacted_url(&self) -> String {
        redacted(&self.admin)
    }

    /// The private cluster's directory (data, socket and logs), when this process started one;
    /// `None` for a server named by `LOOP_TEST_POSTGRES_URL`.
    pub fn data_directory(&self) -> Option<&Path> {
        self.private.as_ref().map(|p| p.directory.as_path())
    }

    /// The private cluster's postmaster process id, when this process started one.
    pub fn postmaster_pid(&self) -> Option<u32> {
        self.private.as_ref().map(|p| p.postmaster)
    }
}

/// The server of `LOOP_TEST_POSTGRES_URL`, or else a private cluster.
fn provision() -> Result<Server, String> {
    let bindir = bindir();
    // The version's own psql where there is one; else the one on PATH (Debian's wrapper, say).
    let psql = bindir.as_ref().map(|b| b.join("psql")).filter(|p| p.is_file()).unwrap_or_else(|| "psql".into());
    match std::env::var(URL_VARIABLE) {
        Ok(given) if !given.trim().is_empty() => external(given.trim(), psql),
        _ => match bindir {
            Some(bindir) => private(&bindir, psql),
            None => Err(format!(
                "PostgreSQL is not installed (no initdb in `pg_config --bindir` or \
                 /usr/lib/postgresql/*/bin). Install the server (Debian and Ubuntu: `apt-get install \
                 postgresql`; macOS: `brew install postgresql`) so that each test process starts a private \
                 throwaway cluster, or set {URL_VARIABLE} to the URL of a server where the user may create \
                 databases, e.g. postgres://user:password@127.0.0.1:5432/postgres"
            )),
        },
    }
}

/// The server a URL names, checked by connecting once, so that a wrong URL is one clear failure.
fn external(given: &str, psql: PathBuf) -> Result<Server, String> {
    let admin = Url::parse(given).map_err(|e| format!("{URL_VARIABLE} is not a URL ({e})"))?;
    if !matches!(admin.scheme(), "postgres" | "postgresql") {
        return Err(format!("{URL_VARIABLE} must be a postgres:// URL, not {}", redacted(&admin)));
    }
    run_psql(&psql, admin.as_str(), "select 1").map_err(|e| format!("{URL_VARIABLE}: {e}"))?;
    Ok(Server { admin, psql, private: None })
}

/// The directory of the newest installed PostgreSQL's server binaries: `pg_config --bindir` when
/// it holds `initdb` (pg_config comes with the client library, whose version can differ from the
/// server's), else the highest version under Debian's and Ubuntu's `/usr/lib/postgresql/`.
fn bindir() -> Option<PathBuf> {
    if let Ok(out) = Command::new("pg_config").arg("--bindir").stderr(Stdio::null()).output()
        && out.status.success()
    {
        let dir = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
        if dir.join("initdb").is_file() {
            return Some(dir);
        }
    }
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .flatten()
        .filter_map(|entry| {
            let version = entry.file_name().to_str()?.parse().ok()?;
            let bin = entry.path().join("bin");
            bin.join("initdb").is_file().then_some((version, bin))
        })
        .collect();
    versions.sort();
    versions.pop().map(|(_, bin)| bin)
}

/// The watchdog: creates the cluster, starts the postmaster, says `ready <pid>` once it accepts
/// connections, then waits for end of file on its standard input and tears everything down. Any
/// failure is said on standard output, with the end of the logs, before it exits. Arguments: the
/// directory to create, the binaries' directory, the port.
const WATCHDOG: &str = r#"
dir=$1 bin=$2 port=$3
# The test process stops reading standard output once the cluster is ready: writing to it then
# must not kill the watchdog before it has cleaned up.
trap '' PIPE
fail() {
    echo "$1"
    tail -n 20 "$dir"/*.log 2>/dev/null
    rm -rf "$dir"
    exit 1
}
# Not `fail`: a directory that is there already is not ours to remove.
mkdir -m 700 "$dir" || { echo "cannot create $dir"; exit 1; }
"$bin/initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 --locale=C --no-sync --no-instructions \
    </dev/null >"$dir/initdb.log" 2>&1 || fail "initdb failed"
# Throwaway data: no flushing to disk. Connections enough for several relays at once.
"$bin/postgres" -D "$dir/data" -p "$port" -k "$dir" -c listen_addresses=127.0.0.1 \
    -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200 \
    </dev/null >"$dir/postgres.log" 2>&1 &
pid=$!
tries=0
# The socket in our own directory, not the TCP port: another server on the port would answer too.
until "$bin/pg_isready" -q -t 2 -h "$dir" -p "$port" -U postgres -d postgres; do
    kill -0 "$pid" 2>/dev/null || { wait "$pid"; fail "postgres exited"; }
    tries=$((tries + 1))
    if [ "$tries" -ge 300 ]; then
        kill -QUIT "$pid"; wait "$pid"
        fail "postgres did not accept connections within 30 s"
    fi
    sleep 0.1
done
echo "ready $pid"
exec >/dev/null 2>&1
while read -r _; do :; done
kill -QUIT "$pid"
wait "$pid"
rm -rf "$dir"
"#;

/// Starts a private cluster on a free port of 127.0.0.1.
fn private(bindir: &Path, psql: PathBuf) -> Result<Server, String> {
    let mut failure = String::new();
    for _ in 0..PORT_ATTEMPTS {
        let port = free_port()?;
        match start(bindir, port) {
            Ok(private) => {
                let admin = Url::parse(&format!("postgres://postgres@127.0.0.1:{port}/postgres")).unwrap();
                return Ok(Server { admin, psql, private: Some(private) });
            }
            Err(e) if e.contains("already in use") => failure = e,
            Err(e) => return Err(e),
        }
    }
    Err(failure)
}

/// A port nobody listened on a moment ago.
fn free_port() -> Result<u16, String> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").map_err(|e| format!("no free port: {e}"))?;
    Ok(listener.local_addr().map_err(|e| format!("no free port: {e}"))?.port())
}

/// Runs the watchdog and waits for its `ready`.
fn start(bindir: &Path, port: u16) -> Result<Private, String> {
    let random = uuid::Uuid::new_v4().simple().to_string();
    let directory = std::env::temp_dir().join(format!("loop-test-pg-{}-{}", std::process::id(), &random[..8]));
    let mut argv = as_server_owner()?;
    argv.extend(["sh", "-c", WATCHDOG, "watchdog"]);
    let mut command = Command::new(argv[0]);
    command
        .args(&argv[1..])
        .arg(&directory)
        .arg(bindir)
        .arg(port.to_string())
        // The server's user may not be allowed into the test's working directory.
        .current_dir("/")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        // Out of the terminal's foreground group: Ctrl-C stops the tests, and the watchdog then
        // cleans up on end of file instead of dying with them.
        .process_group(0);
    let mut child = command.spawn().map_err(|e| format!("cannot run the watchdog ({command:?}): {e}"))?;
    let lifeline = child.stdin.take().expect("piped");
    let stdout = child.stdout.take().expect("piped");
    // Read on a thread, so that the wait is bounded even if initdb hangs.
    let (lines, said) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            let ready = line.starts_with("ready ");
            if lines.send(line).is_err() || ready {
                break;
            }
        }
    });
    let deadline = Instant::now() + START_TIMEOUT;
    let mut output = Vec::new();
    loop {
        match said.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
            Ok(line) => match line.strip_prefix("ready ") {
                Some(pid) => {
                    let postmaster = pid.trim().parse().map_err(|_| format!("the watchdog said {line:?}"))?;
                    return Ok(Private { directory, postmaster, _lifeline: lifeline });
                }
                None => output.push(line),
            },
            // The watchdog exited without `ready`: it said why.
            Err(mpsc::RecvTimeoutError::Disconnected) => {
                let _ = child.wait();
                return Err(format!(
                    "the private cluster in {} did not start:\n{}",
                    directory.display(),
                    output.join("\n")
                ));
            }
            // Dropping the lifeline on return lets the watchdog clean up once it reaches `read`.
            Err(mpsc::RecvTimeoutError::Timeout) => {
                return Err(format!(
                    "the private cluster in {} did not start within {} s:\n{}",
                    directory.display(),
                    START_TIMEOUT.as_secs(),
                    output.join("\n")
                ));
            }
        }
    }
}

/// The start of a command line that runs the rest as the `postgres` user when this process is root
/// (initdb and the postmaster refuse to run as root); empty otherwise.
fn as_server_owner() -> Result<Vec<&'static str>, String> {
    if !is_root() {
        return Ok(Vec::new());
    }
    let exists = Command::new("id").args(["-u", "postgres"]).stdout(Stdio::null()).stderr(Stdio::null()).status();
    if !exists.is_ok_and(|s| s.success()) {
        return Err("the tests run as root, and PostgreSQL refuses to: a `postgres` user must exist to run the \
                    private cluster as (the Debian and Ubuntu packages create it)"
            .into());
    }
    // setpriv replaces itself with the command: no session, no extra process between the test
    // process and the watchdog. runuser is the fallback of systems without it.
    Ok(if on_path("setpriv") {
        vec!["setpriv", "--reuid=postgres", "--regid=postgres", "--init-groups", "--"]
    } else {
        vec!["runuser", "-u", "postgres", "--"]
    })
}

/// Whether this process runs as root (effective user id 0), from `/proc/self/status`; false where
/// there is none.
fn is_root() -> bool {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    // `Uid:` lists the real, effective, saved and file system ids.
    status.lines().find_map(|l| l.strip_prefix("Uid:")).and_then(|ids| ids.split_whitespace().nth(1)) == Some("0")
}

/// Whether `program` is a file in a directory of `PATH`.
fn on_path(program: &str) -> bool {
    std::env::var_os("PATH").is_some_and(|path| std::env::split_paths(&path).any(|dir| dir.join(program).is_file()))
}

/// Runs one statement with `psql`, bounded by a connect timeout; the error names the server without
/// its password and carries psql's message.
fn run_psql(psql: &Path, database_url: &str, sql: &str) -> Result<String, String> {
    let shown = Url::parse(database_url).map(|u| redacted(&u)).unwrap_or_else(|_| "(not a URL)".into());
    let out = Command::new(psql)
        .args(["-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-d", database_url, "-c", sql])
        .env("PGCONNECT_TIMEOUT", "10")
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("cannot run {}: {e}", psql.display()))?;
    if !out.status.success() {
        return Err(format!("psql on {shown} failed for {sql:?}: {}", String::from_utf8_lossy(&out.stderr).trim()));
    }
    String::from_utf8(out.stdout).map_err(|e| format!("psql printed non-UTF-8: {e}"))
}

/// A URL with its password, if any, replaced by `***`.
fn redacted(url: &Url) -> String {
    let mut shown = url.clone();
    if shown.password().is_some() {
        let _ = shown.set_password(Some("***"));
    }
    shown.into()
}
