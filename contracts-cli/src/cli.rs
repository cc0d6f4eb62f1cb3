//! The command line as clap parses it: [`Cli`], its commands, and the stand-ins for the commands a
//! build leaves out.

#[cfg(not(all(
    feature = "sandbox",
    feature = "client",
    any(feature = "outbox-sqlite", feature = "outbox-postgres")
)))]
use std::io;

#[cfg(not(all(
    feature = "sandbox",
    feature = "client",
    any(feature = "outbox-sqlite", feature = "outbox-postgres")
)))]
use clap::Args;
use clap::{Parser, Subcommand};

#[cfg(not(all(
    feature = "sandbox",
    feature = "client",
    any(feature = "outbox-sqlite", feature = "outbox-postgres")
)))]
use crate::exit::usage;
#[cfg(any(feature = "outbox-sqlite", feature = "outbox-postgres"))]
use crate::outbox::OutboxArgs;
#[cfg(feature = "sandbox")]
use crate::sandbox::SandboxArgs;
use crate::schema::SchemaArgs;
#[cfg(feature = "client")]
use crate::send::SendArgs;
use crate::transform::TransformArgs;
use crate::validate::ValidateArgs;
use crate::verify;

/// The parsed command line; [`run`](crate::run) parses and runs it.
///
/// ```
/// use clap::Parser;
/// use loop_contracts_cli::Cli;
///
/// assert!(Cli::try_parse_from(["loop-contracts", "schema", "--list"]).is_ok());
/// let err = Cli::try_parse_from(["loop-contracts", "schema"]).unwrap_err();
/// assert_eq!(err.kind(), clap::error::ErrorKind::MissingRequiredArgument);
/// ```
#[derive(Debug, Parser)]
// The help text is set here: clap would otherwise show this rustdoc, example and all.
#[command(
    name = "loop-contracts",
    version,
    about = about(),
    long_about = None
)]
pub struct Cli {
    #[command(subcommand)]
    pub(crate) command: Command,
}

/// The one-line description of `--help`, naming only what this build can do.
fn about() -> String {
    let mut can =
        vec!["validate payloads", "print and export schemas", "transform vendor webhooks", "verify delivery webhooks"];
    if cfg!(feature = "sandbox") {
        can.push("run the local sandbox");
    }
    if cfg!(feature = "client") {
        can.push("send events");
    }
    if cfg!(any(feature = "outbox-sqlite", feature = "outbox-postgres")) {
        can.push("keep events in a durable outbox");
    }
    let last = can.pop().unwrap_or_default();
    format!("Event contracts of the Loop comms platform: {} and {last}.", can.join(", "))
}

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Validate payloads or envelopes as the platform would: one result line per file (per line
    /// with --jsonl).
    Validate(ValidateArgs),
    /// Print an event's discovery document or JSON Schema, list the catalog, or export all documents.
    Schema(SchemaArgs),
    /// Turn a vendor webhook body into an event: `transform <SOURCE> <TOPIC> [FILE|-]` with a
    /// built-in transform, or `transform --declaration FILE [FILE|-]` with a declared one.
    Transform(TransformArgs),
    /// Verify a delivery webhook (its webhook-id, webhook-timestamp and webhook-signature headers
    /// and raw body) with the signing secret in `LOOP_DELIVERY_SECRET`, and print its typed event.
    Verify(verify::VerifyArgs),
    /// Run the local sandbox: the platform API, webhook routes, inspection and fault injection
    /// (stops on Ctrl-C).
    #[cfg(feature = "sandbox")]
    Sandbox(SandboxArgs),
    // A build without the feature keeps the name, hidden from --help, so that the command says
    // what to install instead of clap's "unrecognized subcommand".
    #[cfg(not(feature = "sandbox"))]
    #[command(hide = true, about = "Not in this build: install with `--features sandbox`", long_about = None)]
    Sandbox(LeftOut),
    /// Send one event through the client: validated locally, posted with its Idempotency-Key,
    /// retried on the platform's schedule (one per input line with --jsonl, several at once, and
    /// resumable after any stop with --journal). The key comes from `LOOP_API_KEY`, the base URL
    /// from `LOOP_BASE_URL` (default the platform's).
    #[cfg(feature = "client")]
    Send(SendArgs),
    #[cfg(not(feature = "client"))]
    #[command(hide = true, about = "Not in this build: install with `--features client`", long_about = None)]
    Send(LeftOut),
    /// Keep events in a durable outbox (`sqlite:PATH` or `postgres://…`) until the platform has
    /// them: `enqueue` validates and stores them, `relay` sends them (any number of relays at
    /// once), `status` counts them.
    #[cfg(any(feature = "outbox-sqlite", feature = "outbox-postgres"))]
    Outbox(OutboxArgs),
    #[cfg(not(any(feature = "outbox-sqlite", feature = "outbox-postgres")))]
    #[command(
        hide = true,
        about = "Not in this build: install with `--features outbox-sqlite` or `--features outbox-postgres`",
        long_about = None
    )]
    Outbox(LeftOut),
}

/// The arguments of a command this build leaves out, taken whole (options and `--help` included),
/// so that any use of the command gets the same answer: which feature to install it with.
#[cfg(not(all(feature = "sandbox", feature = "client", any(feature = "outbox-sqlite", feature = "outbox-postgres"))))]
#[derive(Debug, Args)]
#[command(disable_help_flag = true)]
pub(crate) struct LeftOut {
    #[arg(num_args = 0.., trailing_var_arg = true, allow_hyphen_values = true, hide = true)]
    args: Vec<std::ffi::OsString>,
}

/// The usage error of a command whose feature this build was compiled without.
#[cfg(not(all(feature = "sandbox", feature = "client", any(feature = "outbox-sqlite", feature = "outbox-postgres"))))]
pub(crate) fn left_out(command: &str, feature: &str) -> io::Error {
    usage(format!(
        "this build has no `{command}` command: install with `--features {feature}` \
         (`cargo install loop-contracts-cli --features {feature}`)"
    ))
}
