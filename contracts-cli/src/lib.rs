//! `loop-contracts`, the command-line tool of the Loop platform's event contracts, as a library
//! function ([`run`]) so that it can be driven in-process as well as from the binary.
//!
//! Install it with `cargo install --locked loop-contracts-cli` (from a clone of the repository,
//! `cargo install --locked --path contracts-cli`); the README has an example of every command. The
//! command forms are also stated in the repository's `docs/platform.md` §6.
//!
//! # Commands
//!
//! | command | what it does |
//! | --- | --- |
//! | `validate [EVENT] [FILE\|-]...` | validates payloads as the platform would: one result line per file, or per line with `--jsonl`; `--schema-doc DOC` validates against a discovery document |
//! | `schema EVENT` | prints an event's discovery document or `--json-schema`; `--schema-doc DOC`, `--list`, `--export DIR` |
//! | `transform SOURCE TOPIC [FILE\|-]` | turns a vendor webhook body into an event (`--declaration DECL` for a declared transform) |
//! | `verify [FILE\|-] --header NAME:VALUE...` | verifies a delivery webhook with the secret in `LOOP_DELIVERY_SECRET` and prints its typed event |
//! | `sandbox` | runs the local platform until Ctrl-C (feature `sandbox`) |
//! | `send [EVENT] [FILE\|-]` | sends one event through the client, with `LOOP_API_KEY` and `LOOP_BASE_URL` (feature `client`) |
//! | `send [EVENT] --jsonl [FILE\|-]` | sends one event per line, several at once, one result line each in input order; `--journal PATH` makes a stopped run resumable (feature `client`) |
//! | `outbox enqueue --db URL [FILE\|-]` | validates and stores JSONL envelopes in a durable outbox (`sqlite:PATH` or `postgres://…`): per line `{"ok":true,"event","eventId","stored"}` (`stored` false: already stored) or the error response (features `outbox-sqlite`, `outbox-postgres`) |
//! | `outbox relay --db URL [--until-empty]` | sends the outbox's entries through the client until SIGINT/SIGTERM or drained, then prints its `RelayReport` (also feature `client`) |
//! | `outbox status --db URL` | prints `{"pending","inFlight","sent","failed"}` |
//!
//! Every result is one compact JSON line on stdout: `{"ok":true,...}`, or the platform's error
//! response `{"ok":false,"error":{"code","message","issues"}}`. Messages (usage errors, hints,
//! `send`'s waits, `RUST_LOG` tracing) go to stderr. `-` or no file reads standard input.
//!
//! # Chaining
//!
//! `transform` prints an envelope, `{"event":"<name>","payload":{...}}`, which `validate` and `send`
//! accept as it is: `loop-contracts transform shopify orders/create order.json --brand-id B |
//! loop-contracts send`. A document is an envelope when it is a JSON object with exactly the keys
//! `event` (a string) and `payload` (an object), which no event payload is; anything else is a
//! payload. The `EVENT` argument is then optional; given, it must be the envelope's event (a usage
//! error otherwise), and a plain payload needs it (or `validate`'s `--schema-doc`). With `--jsonl`,
//! each line may be either. The first argument is taken as `EVENT` when it has an event name's
//! form (`<domain>.<action>.v<N>`), and otherwise as the first file.
//!
//! # Exit codes
//!
//! [`EXIT_OK`] (0): valid, accepted or verified, every input of several. [`EXIT_REJECTED`] (1): an
//! input was rejected, and its error line says why. [`EXIT_USAGE`] (2): a usage or I/O error,
//! described on stderr; with several inputs, the lines of those before it were written.
//!
//! # Environment
//!
//! `LOOP_API_KEY` and `LOOP_BASE_URL` (`send`, `outbox relay`); `LOOP_DELIVERY_SECRET` (`verify`, read from there
//! only, and `sandbox --delivery-secret`); `LOOP_WEBHOOK_SECRET` (`transform --secret`);
//! `LOOP_SANDBOX_KEYS` and `LOOP_SANDBOX_SECRETS` (`sandbox --key`, `--secret`). `RUST_LOG` turns
//! on the binary's tracing output on stderr (the client's sends and attempts, never a key or a
//! payload); the subscriber is installed by the binary, not by [`run`], so an in-process caller
//! keeps its own. No command prints a key or a secret.
//!
//! # Features
//!
//! `sandbox` (the `sandbox` command), `client` (the `send` command), and `outbox-sqlite` and
//! `outbox-postgres` (the `outbox` command on each store; `outbox relay` also needs `client`), all
//! default. A build
//! without one leaves its command out of `--help`; the name is still recognised, as a hidden
//! command, and using it in any way is a usage error that says which feature brings it
//! (``this build has no `sandbox` command: install with `--features sandbox` ``).

mod cli;
mod envelope;
mod exit;
mod input;
#[cfg(any(feature = "outbox-sqlite", feature = "outbox-postgres"))]
mod outbox;
#[cfg(feature = "sandbox")]
mod sandbox;
mod schema;
#[cfg(feature = "client")]
mod send;
#[cfg(any(feature = "sandbox", all(feature = "client", any(feature = "outbox-sqlite", feature = "outbox-postgres"))))]
mod signal;
mod transform;
mod validate;
mod verify;

use std::io::{Read, Write};

use clap::Parser;

#[cfg(not(all(
    feature = "sandbox",
    feature = "client",
    any(feature = "outbox-sqlite", feature = "outbox-postgres")
)))]
use cli::left_out;
pub use cli::Cli;
use cli::Command;
pub use exit::{EXIT_OK, EXIT_REJECTED, EXIT_USAGE};
#[cfg(feature = "sandbox")]
use sandbox::sandbox;
use schema::schema;
#[cfg(feature = "client")]
use send::send;
use transform::transform;
use validate::validate;

/// Runs the tool with these arguments (the first is the program name) and standard streams,
/// returning the exit status.
///
/// ```
/// use loop_contracts_cli::{run, EXIT_OK, EXIT_REJECTED};
///
/// let (mut out, mut err) = (Vec::new(), Vec::new());
/// let status = run(["loop-contracts", "schema", "--list"], &mut std::io::empty(), &mut out, &mut err);
/// assert_eq!(status, EXIT_OK);
/// assert!(String::from_utf8(out).unwrap().lines().any(|name| name == "lead.captured.v1"));
///
/// let mut out = Vec::new();
/// let status = run(["loop-contracts", "validate", "lead.captured.v1"], &mut &b"{}"[..], &mut out, &mut err);
/// assert_eq!(status, EXIT_REJECTED);
/// assert!(String::from_utf8(out).unwrap().contains(r#""code":"VALIDATION_ERROR""#));
/// ```
pub fn run<I, T>(args: I, stdin: &mut dyn Read, stdout: &mut dyn Write, stderr: &mut dyn Write) -> u8
where
    I: IntoIterator<Item = T>,
    T: Into<std::ffi::OsString> + Clone,
{
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(e) => {
            // `--help` and `--version` are answers, not errors.
            if e.use_stderr() {
                let _ = write!(stderr, "{}", e.render());
                return EXIT_USAGE;
            }
            let _ = write!(stdout, "{}", e.render());
            return EXIT_OK;
        }
    };
    let result = match cli.command {
        Command::Validate(args) => validate(args, stdin, stdout),
        Command::Schema(args) => schema(args, stdout),
        Command::Transform(args) => transform(args, stdin, stdout, stderr),
        Command::Verify(args) => verify::verify(args, stdin, stdout, stderr),
        #[cfg(feature = "sandbox")]
        Command::Sandbox(args) => sandbox(args, stdout),
        #[cfg(not(feature = "sandbox"))]
        Command::Sandbox(_) => Err(left_out("sandbox", "sandbox")),
        #[cfg(feature = "client")]
        Command::Send(args) => send(args, stdin, stdout, stderr),
        #[cfg(not(feature = "client"))]
        Command::Send(_) => Err(left_out("send", "client")),
        #[cfg(any(feature = "outbox-sqlite", feature = "outbox-postgres"))]
        Command::Outbox(args) => outbox::outbox(args, stdin, stdout),
        #[cfg(not(any(feature = "outbox-sqlite", feature = "outbox-postgres")))]
        Command::Outbox(_) => Err(left_out("outbox", "outbox-sqlite,outbox-postgres")),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            let _ = writeln!(stderr, "loop-contracts: {e}");
            EXIT_USAGE
        }
    }
}
