//! The `loop-contracts` command-line tool; see `loop-contracts --help`.

use std::io;
use std::process::ExitCode;

fn main() -> ExitCode {
    install_logging();
    let code = loop_contracts_cli::run(
        std::env::args_os(),
        &mut io::stdin().lock(),
        &mut io::stdout().lock(),
        &mut io::stderr(),
    );
    ExitCode::from(code)
}

/// Writes the library's tracing events (the client's send and attempt spans, retries, rate-limit
/// changes) to stderr when `RUST_LOG` asks for them, e.g. `RUST_LOG=loop_contracts=debug` or
/// `RUST_LOG=trace`. Without it nothing is installed, so the output is exactly what it always was.
///
/// It is done here, not in `run`: a process has one global subscriber, and a program or test that
/// drives `run` in-process keeps its own.
fn install_logging() {
    use tracing_subscriber::EnvFilter;

    let Some(directives) = std::env::var_os("RUST_LOG") else { return };
    let directives = directives.to_string_lossy();
    if directives.trim().is_empty() {
        return;
    }
    // A directive that does not parse is skipped with a warning on stderr; the others apply.
    let filter = EnvFilter::builder().parse_lossy(&*directives);
    // Plain text: stderr is often a file or a CI log, where colour codes are noise.
    let _ = tracing_subscriber::fmt().with_env_filter(filter).with_writer(io::stderr).with_ansi(false).try_init();
}
