//! The `loop-contracts` command-line tool; see `loop-contracts --help`.

use std::io;
use std::process::ExitCode;

fn main() -> ExitCode {
    let code = loop_contracts_cli::run(
        std::env::args_os(),
        &mut io::stdin().lock(),
        &mut io::stdout().lock(),
        &mut io::stderr(),
    );
    ExitCode::from(code)
}
