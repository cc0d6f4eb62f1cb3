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
//! `LOOP_API_KEY` and `LOOP_BASE_URL` (`send`); `LOOP_DELIVERY_SECRET` (`verify`, read from there
//! only, and `sandbox --delivery-secret`); `LOOP_WEBHOOK_SECRET` (`transform --secret`);
//! `LOOP_SANDBOX_KEYS` and `LOOP_SANDBOX_SECRETS` (`sandbox --key`, `--secret`). `RUST_LOG` turns
//! on the binary's tracing output on stderr (the client's sends and attempts, never a key or a
//! payload); the subscriber is installed by the binary, not by [`run`], so an in-process caller
//! keeps its own. No command prints a key or a secret.
//!
//! # Features
//!
//! `sandbox` (the `sandbox` command) and `client` (the `send` command), both default. A build
//! without one leaves its command out of `--help`; the name is still recognised, as a hidden
//! command, and using it in any way is a usage error that says which feature brings it
//! (``this build has no `sandbox` command: install with `--features sandbox` ``).

use std::fs;
use std::io::{self, BufRead, BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};

use clap::{Args, Parser, Subcommand};
use serde::Serialize;
use serde_json::Value;

use loop_contracts::EventSchema;
use loop_contracts::ValidationError;
use loop_contracts::{build, catalog};

mod envelope;
mod verify;

/// Exit status: success.
pub const EXIT_OK: u8 = 0;
/// Exit status: a payload was rejected.
pub const EXIT_REJECTED: u8 = 1;
/// Exit status: usage or I/O error.
pub const EXIT_USAGE: u8 = 2;

/// The parsed command line; [`run`] parses and runs it.
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
    command: Command,
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
    let last = can.pop().unwrap_or_default();
    format!("Event contracts of the Loop comms platform: {} and {last}.", can.join(", "))
}

#[derive(Debug, Subcommand)]
enum Command {
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
    /// retried on the platform's schedule. The key comes from `LOOP_API_KEY`, the base URL from
    /// `LOOP_BASE_URL` (default the platform's).
    #[cfg(feature = "client")]
    Send(SendArgs),
    #[cfg(not(feature = "client"))]
    #[command(hide = true, about = "Not in this build: install with `--features client`", long_about = None)]
    Send(LeftOut),
}

/// The arguments of a command this build leaves out, taken whole (options and `--help` included),
/// so that any use of the command gets the same answer: which feature to install it with.
#[cfg(not(all(feature = "sandbox", feature = "client")))]
#[derive(Debug, Args)]
#[command(disable_help_flag = true)]
struct LeftOut {
    #[arg(num_args = 0.., trailing_var_arg = true, allow_hyphen_values = true, hide = true)]
    args: Vec<std::ffi::OsString>,
}

/// The usage error of a command whose feature this build was compiled without.
#[cfg(not(all(feature = "sandbox", feature = "client")))]
fn left_out(command: &str, feature: &str) -> io::Error {
    usage(format!(
        "this build has no `{command}` command: install with `--features {feature}` \
         (`cargo install loop-contracts-cli --features {feature}`)"
    ))
}

#[cfg(feature = "client")]
#[derive(Debug, Args)]
struct SendArgs {
    /// The event name, e.g. lead.captured.v1. Optional when the input is an envelope
    /// (`{"event": "<name>", "payload": {...}}`, what `transform` prints); an argument not of the
    /// form `<domain>.<action>.v<N>` is taken as the FILE.
    #[arg(value_name = "EVENT")]
    event: Option<String>,
    /// The payload or envelope file (`-` or nothing for standard input).
    #[arg(value_name = "FILE")]
    file: Option<PathBuf>,
}

/// The long help of `sandbox --faults`: each key of `FaultConfig`'s JSON with its meaning, which
/// was otherwise only in the library's rustdoc. The sandbox suite checks that it names every key.
#[cfg(feature = "sandbox")]
const FAULTS_HELP: &str = "\
The fault configuration, as the JSON of `POST /__sandbox/faults`, e.g. '{\"seed\":7,\"errorRate\":0.1}'.
Every key is optional and defaults to zero or off; unknown keys are refused.

Each request to a platform route (/api/... and the webhook routes; not /__sandbox/...) that passes
authentication and the real rate limit draws one fault and one latency from a generator seeded
with `seed`: the n-th such request always gets the n-th decision, so a sequential client sees the
same faults on every run. Setting faults (here or with POST /__sandbox/faults) restarts the sequence.

  seed                 the random number generator's seed (an unsigned integer)
  errorRate            share of requests answered 500 INTERNAL_ERROR, not processed (0 to 1)
  dropRate             share of requests whose connection is closed without a response (0 to 1)
  rateLimitRate        share of requests answered 429 RATE_LIMITED with Retry-After: 1 although
                       under the limit (0 to 1); errorRate + dropRate + rateLimitRate is at most 1
  latencyMs            milliseconds added to every drawn request before it is answered or dropped
  latencyJitterMs      up to this many more milliseconds, uniformly drawn
  processingMs         simulated processing time of an accepted POST /api/events or webhook, spent
                       while its idempotency key is held (so concurrent duplicates overlap); not random
  dropAfterProcessing  true: dropped connections are dropped after the request is processed (the
                       event is accepted and its response kept for an idempotent replay, never sent)

The three durations are at most 60000 ms.";

#[cfg(feature = "sandbox")]
#[derive(Debug, Args)]
struct SandboxArgs {
    /// The address to listen on (port 0 picks a free port; the address is printed).
    #[arg(long, default_value = "127.0.0.1:8787")]
    addr: std::net::SocketAddr,
    /// The rate-limit tier of every key: standard, premium, or `<per second>/<burst>`.
    #[arg(long, default_value = "standard")]
    tier: loop_contracts::api_key::Tier,
    /// Accept only this key (repeatable; the environment variable takes a comma-separated list); by
    /// default any well-formed lk_test_ or lk_dev_ key.
    #[arg(long = "key", value_name = "KEY", env = "LOOP_SANDBOX_KEYS", value_delimiter = ',', hide_env_values = true)]
    keys: Vec<String>,
    /// The brand of the webhook intake (the `brandId` of webhook events).
    #[arg(long, value_name = "UUID")]
    brand_id: Option<String>,
    /// A source's signing secret, `SOURCE=SECRET` (repeatable; the environment variable takes a
    /// comma-separated list); sources without one are accepted unsigned. Prefer the environment
    /// variable: arguments show in the process list and shell history.
    #[arg(long = "secret", value_name = "SOURCE=SECRET", env = "LOOP_SANDBOX_SECRETS", hide_env_values = true)]
    secrets: Vec<String>,
    /// A declaration (the `events.declare` input) to serve at its webhookPath (repeatable).
    #[arg(long = "declaration", value_name = "FILE")]
    declarations: Vec<PathBuf>,
    /// The fault configuration, as the JSON of `POST /__sandbox/faults`, e.g. '{"seed":7,"errorRate":0.1}'
    /// (`--help` lists the keys).
    #[arg(long, value_name = "JSON", long_help = FAULTS_HELP)]
    faults: Option<String>,
    /// Deliver signed delivery webhooks for accepted events to this http:// endpoint (needs
    /// --delivery-secret; an endpoint can also be registered later with POST /__sandbox/deliveries).
    #[arg(long, value_name = "URL")]
    deliver_to: Option<String>,
    /// The secret delivery webhooks are signed with, `whsec_...` (the one the endpoint verifies with).
    /// Prefer the environment variable: arguments show in the process list and shell history.
    #[arg(long, value_name = "SECRET", env = "LOOP_DELIVERY_SECRET", hide_env_values = true)]
    delivery_secret: Option<String>,
    /// Let POST /__sandbox/deliveries register endpoints on hosts other than loopback ones (each is
    /// still signed with the secret sent with it, never with --delivery-secret).
    #[arg(long)]
    allow_remote_endpoints: bool,
}

#[derive(Debug, Args)]
struct TransformArgs {
    /// `<SOURCE> <TOPIC> [FILE|-]`, or with --declaration only `[FILE|-]`.
    #[arg(value_name = "ARGS", num_args = 0..=3)]
    args: Vec<String>,
    /// A declaration (the `events.declare` input, or the whole tool call) to apply.
    #[arg(long, value_name = "FILE")]
    declaration: Option<PathBuf>,
    /// The integration's brand, used as `brandId` unless the payload carries one.
    #[arg(long, value_name = "UUID")]
    brand_id: Option<String>,
    /// The source's signing secret: when given, the signature header is verified first. Prefer the
    /// environment variable: arguments show in the process list and shell history.
    #[arg(long, value_name = "SECRET", env = "LOOP_WEBHOOK_SECRET", hide_env_values = true)]
    secret: Option<String>,
    /// A request header, `Name: value` (repeatable): the signature, X-Shopify-Topic, ...
    #[arg(long = "header", value_name = "NAME: VALUE")]
    headers: Vec<String>,
}

#[derive(Debug, Args)]
struct ValidateArgs {
    /// The event name, e.g. lead.captured.v1. Optional when the inputs are envelopes
    /// (`{"event": "<name>", "payload": {...}}`, what `transform` prints) or with --schema-doc; an
    /// argument not of the form `<domain>.<action>.v<N>` is taken as the first FILE.
    #[arg(value_name = "EVENT")]
    event: Option<String>,
    /// The inputs, validated in order with one result line each (one per line with --jsonl); `-`
    /// or nothing reads standard input. Each is a payload or an envelope.
    #[arg(value_name = "FILE")]
    files: Vec<PathBuf>,
    /// Read one payload (or envelope) per line and print one result line each.
    #[arg(long)]
    jsonl: bool,
    /// Validate against this discovery document instead of the built-in catalog (EVENT, if
    /// given, must be the event it defines).
    #[arg(long, value_name = "FILE")]
    schema_doc: Option<PathBuf>,
}

#[derive(Debug, Args)]
struct SchemaArgs {
    /// The event name (with --schema-doc, optional: it must then be the event the document defines).
    #[arg(required_unless_present_any = ["list", "export", "schema_doc"], conflicts_with_all = ["list", "export"])]
    event: Option<String>,
    /// Print the JSON Schema (2020-12) instead of the discovery document.
    #[arg(long, conflicts_with_all = ["list", "export"])]
    json_schema: bool,
    /// List the catalog's event names.
    #[arg(long, conflicts_with = "export")]
    list: bool,
    /// Write every event's `.fields.json` and `.schema.json` into DIR.
    #[arg(long, value_name = "DIR")]
    export: Option<PathBuf>,
    /// Print the event this discovery document defines instead of a built-in one: checked as
    /// `validate --schema-doc` reads it, and printed as the platform serves documents (or as its
    /// JSON Schema with --json-schema).
    #[arg(long, value_name = "FILE", conflicts_with_all = ["list", "export"])]
    schema_doc: Option<PathBuf>,
}

#[derive(Serialize)]
struct Accepted<'a> {
    ok: bool,
    event: &'a str,
    data: &'a Value,
}

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
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            let _ = writeln!(stderr, "loop-contracts: {e}");
            EXIT_USAGE
        }
    }
}

fn open_input<'a>(file: Option<&Path>, stdin: &'a mut dyn Read) -> io::Result<Box<dyn Read + 'a>> {
    match file {
        None => Ok(Box::new(stdin)),
        Some(p) if p == Path::new("-") => Ok(Box::new(stdin)),
        Some(p) => {
            let named = |e: io::Error| io::Error::new(e.kind(), format!("{}: {e}", p.display()));
            let file = fs::File::open(p).map_err(named)?;
            // Opening a directory succeeds; reading it would fail without naming it.
            if file.metadata().map_err(named)?.is_dir() {
                return Err(io::Error::other(format!("{}: is a directory, not a file", p.display())));
            }
            Ok(Box::new(file))
        }
    }
}

/// Reads a `--schema-doc` discovery document; `event`, when given, must be the one it defines.
fn read_schema_doc(path: &Path, event: Option<&str>) -> io::Result<EventSchema> {
    let text = fs::read(path).map_err(|e| io::Error::new(e.kind(), format!("{}: {e}", path.display())))?;
    let schema = EventSchema::from_discovery_slice(&text)
        .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, format!("{}: {e}", path.display())))?;
    match event {
        // Not `UNKNOWN_EVENT`: the catalog was never asked, the two arguments disagree.
        Some(event) if event != schema.name().as_str() => {
            Err(usage(format!("{}: the document defines {}, not {event}", path.display(), schema.name().as_str())))
        }
        _ => Ok(schema),
    }
}

/// What `validate` checks documents against: one event fixed by the command line (its schema, or
/// `UNKNOWN_EVENT` for a name outside the catalog), or, without one, each envelope's own event.
enum Against {
    /// The `EVENT` argument's or the `--schema-doc`'s event.
    Fixed { event: String, schema: Result<EventSchema, ValidationError> },
    /// Each document's envelope names its event, looked up in the catalog.
    Envelopes,
}

impl Against {
    /// The event's name and schema for this document (a usage error when the two disagree or
    /// neither names one).
    fn schema_for<'a>(
        &'a self,
        enveloped: Option<&'a str>,
        payload: &Value,
        place: impl FnOnce() -> String,
    ) -> io::Result<(&'a str, Result<&'a EventSchema, ValidationError>)> {
        Ok(match self {
            Against::Fixed { event, schema } => {
                let event = envelope::event_of(Some(event), enveloped, payload, place)?;
                (event, schema.as_ref().map_err(Clone::clone))
            }
            Against::Envelopes => {
                let event = envelope::event_of(None, enveloped, payload, place)?;
                (event, catalog().get(event).ok_or_else(|| ValidationError::unknown_event(event)))
            }
        })
    }
}

/// Where a document came from, for messages: `payload.json`, `standard input line 3`.
fn place(input: &Path, line: Option<u64>) -> String {
    let name = if input == Path::new("-") { "standard input".into() } else { input.display().to_string() };
    match line {
        Some(n) => format!("{name} line {n}"),
        None => name,
    }
}

/// Validates one document and writes its result line; `true` when it was accepted. `line` is
/// the document's line number in `--jsonl` input, where serde's own position (always line 1)
/// would mislead. A document that names no event, or another than the command line's, is a
/// usage error (after the lines before it were written).
fn validate_one(
    against: &Against,
    bytes: &[u8],
    input: &Path,
    line: Option<u64>,
    out: &mut impl Write,
) -> io::Result<bool> {
    let value = match serde_json::from_slice::<Value>(bytes) {
        Ok(value) => value,
        Err(e) => {
            let error = ValidationError::malformed(match line {
                None => format!("malformed JSON: {e}"),
                Some(n) if bytes.iter().all(u8::is_ascii_whitespace) => {
                    format!("malformed JSON: input line {n} is empty")
                }
                Some(n) => {
                    let text = e.to_string();
                    let reason = text.rsplit_once(" at line ").map_or(text.as_str(), |(reason, _)| reason);
                    format!("malformed JSON at input line {n}, column {}: {reason}", e.column())
                }
            });
            serde_json::to_writer(&mut *out, &loop_contracts::ErrorResponse::from(&error))?;
            out.write_all(b"\n")?;
            return Ok(false);
        }
    };
    let envelope::Document { event: enveloped, payload } = envelope::open(value);
    let (event, schema) = against.schema_for(enveloped.as_deref(), &payload, || place(input, line))?;
    match schema.and_then(|schema| schema.validate_owned(payload)) {
        Ok(data) => {
            serde_json::to_writer(&mut *out, &Accepted { ok: true, event, data: &data })?;
            out.write_all(b"\n")?;
            Ok(true)
        }
        Err(e) => {
            serde_json::to_writer(&mut *out, &loop_contracts::ErrorResponse::from(&e))?;
            out.write_all(b"\n")?;
            Ok(false)
        }
    }
}

fn validate(args: ValidateArgs, stdin: &mut dyn Read, stdout: &mut dyn Write) -> io::Result<u8> {
    let mut inputs = args.files;
    let event = envelope::split_event(args.event, &mut inputs);
    // The first input may be a mistyped event name; if it cannot be opened, say so.
    let demoted = event.is_none() && !inputs.is_empty();
    if inputs.is_empty() {
        inputs.push(PathBuf::from("-"));
    }
    if inputs.iter().filter(|p| p.as_path() == Path::new("-")).count() > 1 {
        return Err(usage("standard input (`-`) can be read only once"));
    }
    let against = match (&args.schema_doc, event) {
        (Some(path), event) => {
            let schema = read_schema_doc(path, event.as_deref())?;
            Against::Fixed { event: schema.name().as_str().to_owned(), schema: Ok(schema) }
        }
        (None, Some(event)) => {
            let schema = catalog().get(&event).cloned().ok_or_else(|| ValidationError::unknown_event(&event));
            Against::Fixed { event, schema }
        }
        (None, None) => Against::Envelopes,
    };
    let mut out = BufWriter::with_capacity(1 << 16, stdout);
    let mut all_ok = true;
    for (index, path) in inputs.iter().enumerate() {
        let input = match open_input(Some(path), stdin) {
            Ok(input) => input,
            Err(e) if index == 0 && demoted => return Err(envelope::not_an_event_hint(e, path)),
            Err(e) => return Err(e),
        };
        if args.jsonl {
            let mut reader = BufReader::with_capacity(1 << 16, input);
            let mut line = Vec::with_capacity(4096);
            let mut number = 0u64;
            loop {
                number += 1;
                line.clear();
                if reader.read_until(b'\n', &mut line)? == 0 {
                    break;
                }
                let mut bytes = line.as_slice();
                bytes = bytes.strip_suffix(b"\n").unwrap_or(bytes);
                bytes = bytes.strip_suffix(b"\r").unwrap_or(bytes);
                all_ok &= validate_one(&against, bytes, path, Some(number), &mut out)?;
            }
        } else {
            let mut bytes = Vec::new();
            let mut input = input;
            input.read_to_end(&mut bytes)?;
            // An empty standard input with no event named anywhere is a command that was not
            // finished (`loop-contracts validate` alone), not a malformed payload.
            if matches!(against, Against::Envelopes) && bytes.iter().all(u8::is_ascii_whitespace) {
                return Err(usage(format!(
                    "{}: empty, and no EVENT was given (`validate EVENT [FILE|-]...`)",
                    place(path, None)
                )));
            }
            all_ok &= validate_one(&against, &bytes, path, None, &mut out)?;
        }
    }
    out.flush()?;
    Ok(if all_ok { EXIT_OK } else { EXIT_REJECTED })
}

fn schema(args: SchemaArgs, stdout: &mut dyn Write) -> io::Result<u8> {
    if args.list {
        for name in catalog().names() {
            writeln!(stdout, "{name}")?;
        }
        return Ok(EXIT_OK);
    }
    if let Some(dir) = &args.export {
        for path in build::write_documents(dir, catalog().iter())? {
            writeln!(stdout, "{}", path.display())?;
        }
        return Ok(EXIT_OK);
    }
    let from_doc;
    let schema = match &args.schema_doc {
        Some(path) => {
            from_doc = read_schema_doc(path, args.event.as_deref())?;
            &from_doc
        }
        None => {
            let event = args.event.unwrap_or_default();
            let Some(schema) = catalog().get(&event) else {
                let err = ValidationError::unknown_event(&event);
                serde_json::to_writer(&mut *stdout, &loop_contracts::ErrorResponse::from(&err))?;
                writeln!(stdout)?;
                return Ok(EXIT_REJECTED);
            };
            schema
        }
    };
    let text = if args.json_schema { schema.to_json_schema_string() } else { schema.to_discovery_json() };
    stdout.write_all(text.as_bytes())?;
    Ok(EXIT_OK)
}

#[derive(Serialize)]
struct TransformOutput<'a> {
    event: &'a str,
    payload: &'a Value,
}

fn usage(message: impl Into<String>) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, message.into())
}

/// The `--header "Name: value"` options of `transform` and `verify`.
fn parse_headers(options: &[String]) -> io::Result<Vec<(String, String)>> {
    options
        .iter()
        .map(|h| {
            h.split_once(':')
                .map(|(n, v)| (n.trim().to_owned(), v.trim().to_owned()))
                .ok_or_else(|| usage(format!("--header {h:?} is not `Name: value`")))
        })
        .collect()
}

fn transform(
    args: TransformArgs,
    stdin: &mut dyn Read,
    stdout: &mut dyn Write,
    stderr: &mut dyn Write,
) -> io::Result<u8> {
    use loop_contracts::inbound::{Declaration, Intake, Route, SigningSecret, Source, TransformContext};

    let brand_id = match &args.brand_id {
        Some(text) => Some(
            loop_contracts::format::parse_uuid(text)
                .ok_or_else(|| usage(format!("--brand-id {text:?} is not a UUID")))?,
        ),
        None => None,
    };
    let headers = parse_headers(&args.headers)?;
    let mut intake = Intake::new(TransformContext { brand_id });
    let (route_source, topic, file) = match &args.declaration {
        Some(path) => {
            if args.args.len() > 1 {
                return Err(usage("with --declaration, give at most one input FILE"));
            }
            let text =
                fs::read_to_string(path).map_err(|e| io::Error::new(e.kind(), format!("{}: {e}", path.display())))?;
            let declaration = Declaration::parse(&text).map_err(|e| usage(format!("{}: {e}", path.display())))?;
            let source = declaration.source();
            let webhook_path = declaration.webhook_path().to_owned();
            intake.declare(declaration).map_err(|e| usage(e.to_string()))?;
            (source, Err(webhook_path), args.args.first())
        }
        None => {
            let [source, topic, rest @ ..] = args.args.as_slice() else {
                return Err(usage(
                    "expected `transform <SOURCE> <TOPIC> [FILE|-]` or `transform --declaration FILE [FILE|-]`",
                ));
            };
            let source: Source =
                source.parse().map_err(|e: loop_contracts::inbound::UnknownSource| usage(e.to_string()))?;
            (source, Ok(topic.clone()), rest.first())
        }
    };
    intake = match &args.secret {
        Some(secret) => intake.with_secret(route_source, SigningSecret::from_text(secret)),
        // Signature checks are skipped here unless a secret is given (docs/platform.md §6).
        None => intake.accept_unsigned(route_source),
    };
    let mut body = Vec::new();
    open_input(file.map(Path::new), stdin)?.read_to_end(&mut body)?;
    let route = match &topic {
        Ok(topic) => Route::BuiltIn { source: route_source, topic: Some(topic) },
        Err(path) => Route::Path(path),
    };
    let mut out = BufWriter::new(stdout);
    let code = match intake.receive(route, &headers, &body) {
        Ok(event) => {
            serde_json::to_writer(&mut out, &TransformOutput { event: event.event.as_str(), payload: &event.payload })?;
            EXIT_OK
        }
        Err(e) => {
            let error = e.to_validation_error();
            serde_json::to_writer(&mut out, &loop_contracts::ErrorResponse::from(&error))?;
            // The issue is the platform's ("Required"); where it comes from is this command's.
            if brand_id.is_none() && error.issues().iter().any(|i| i.path == "brandId" && i.message == "Required") {
                writeln!(
                    stderr,
                    "loop-contracts: the webhook carries no brandId; give the integration's with --brand-id UUID"
                )?;
            }
            EXIT_REJECTED
        }
    };
    out.write_all(b"\n")?;
    out.flush()?;
    Ok(code)
}

/// The client's waits, slept as usual and told to the command's stderr.
#[cfg(feature = "client")]
struct Announced(tokio::sync::mpsc::UnboundedSender<std::time::Duration>);

#[cfg(feature = "client")]
impl loop_contracts::client::Sleeper for Announced {
    fn sleep(&self, delay: std::time::Duration) -> std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send>> {
        let _ = self.0.send(delay);
        loop_contracts::client::TokioSleeper.sleep(delay)
    }
}

/// Sends one event; prints the platform's acceptance (exit 0) or the error response (exit 1).
#[cfg(feature = "client")]
fn send(args: SendArgs, stdin: &mut dyn Read, stdout: &mut dyn Write, stderr: &mut dyn Write) -> io::Result<u8> {
    use loop_contracts::client::{Client, SendError};
    use loop_contracts::ErrorCode;

    let key: loop_contracts::ApiKey = std::env::var("LOOP_API_KEY")
        .map_err(|_| usage("set LOOP_API_KEY to an lk_live_, lk_test_ or lk_dev_ key"))?
        .parse()
        .map_err(|e| usage(format!("LOOP_API_KEY: {e}")))?;
    // Every wait (a retry on the schedule, a 429's reset) is announced: the schedule's last steps
    // are minutes long, and a silent command looks hung.
    let (waits, mut announced) = tokio::sync::mpsc::unbounded_channel();
    let mut builder = Client::builder().key(key).sleeper(Announced(waits));
    if let Ok(url) = std::env::var("LOOP_BASE_URL") {
        builder = builder.base_url(url);
    }
    let client = builder.build().map_err(|e| usage(e.to_string()))?;
    // Two arguments are EVENT and FILE as before; a lone one is whichever its form says.
    let (event, input, demoted) = match (args.event, args.file) {
        (event, Some(file)) => (event, file, false),
        (first, None) => {
            let mut inputs = Vec::new();
            let event = envelope::split_event(first, &mut inputs);
            let demoted = !inputs.is_empty();
            (event, inputs.pop().unwrap_or_else(|| PathBuf::from("-")), demoted)
        }
    };
    let mut text = Vec::new();
    match open_input(Some(&input), stdin) {
        Ok(mut reader) => reader.read_to_end(&mut text)?,
        Err(e) if demoted => return Err(envelope::not_an_event_hint(e, &input)),
        Err(e) => return Err(e),
    };
    let value: Value = match serde_json::from_slice(&text) {
        Ok(value) => value,
        Err(e) => {
            writeln!(stdout, "{}", ValidationError::malformed(format!("malformed JSON: {e}")).to_response_json())?;
            return Ok(EXIT_REJECTED);
        }
    };
    let envelope::Document { event: enveloped, payload } = envelope::open(value);
    let event = envelope::event_of(event.as_deref(), enveloped.as_deref(), &payload, || place(&input, None))?;
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    let result = runtime.block_on(async {
        let send = client.send_json(event, &payload);
        tokio::pin!(send);
        loop {
            tokio::select! {
                result = &mut send => break Ok::<_, io::Error>(result),
                Some(delay) = announced.recv() => writeln!(
                    stderr,
                    "loop-contracts: waiting {:.1} s before the next attempt (the last failed or was rate limited; \
                     Ctrl-C stops, and the same eventId can be sent again safely)",
                    delay.as_secs_f64()
                )?,
            }
        }
    })?;
    match result {
        Ok(accepted) => {
            writeln!(stdout, "{}", accepted.body)?;
            Ok(EXIT_OK)
        }
        Err(SendError::Invalid(error) | SendError::Rejected { error, .. }) => {
            writeln!(stdout, "{}", error.to_response_json())?;
            Ok(EXIT_REJECTED)
        }
        // The platform's 409: a refusal like the others, so its error line goes to stdout too. The
        // client keeps only the eventId of it; the code and the reason are the platform's.
        Err(conflict @ SendError::Conflict { .. }) => {
            let error = ValidationError::with_code(ErrorCode::IdempotencyConflict, conflict.to_string(), Vec::new());
            writeln!(stdout, "{}", error.to_response_json())?;
            Ok(EXIT_REJECTED)
        }
        Err(other) => {
            writeln!(stderr, "loop-contracts: {other}")?;
            Ok(EXIT_REJECTED)
        }
    }
}

/// Splits a list of `SOURCE=SECRET` pairs at each comma that starts another pair (`,shopify=`, ...).
/// A comma anywhere else belongs to the secret: vendors such as Typeform let users choose theirs.
#[cfg(feature = "sandbox")]
fn secret_pairs(list: &str) -> impl Iterator<Item = &str> {
    use loop_contracts::inbound::Source;
    let starts_pair =
        |rest: &str| Source::ALL.iter().any(|s| rest.strip_prefix(s.as_str()).is_some_and(|r| r.starts_with('=')));
    let mut rest = Some(list);
    std::iter::from_fn(move || {
        let text = rest?;
        let end = text.match_indices(',').map(|(i, _)| i).find(|&i| starts_pair(&text[i + 1..]));
        match end {
            Some(i) => {
                rest = Some(&text[i + 1..]);
                Some(&text[..i])
            }
            None => {
                rest = None;
                Some(text)
            }
        }
    })
}

/// Starts the sandbox, prints where it listens, and serves until Ctrl-C (or SIGTERM).
#[cfg(feature = "sandbox")]
fn sandbox(args: SandboxArgs, stdout: &mut dyn Write) -> io::Result<u8> {
    use loop_contracts::delivery::WebhookSecret;
    use loop_contracts::inbound::{Declaration, Intake, SigningSecret, Source, TransformContext};
    use loop_contracts::sandbox::{DeliveryConfig, FaultConfig, Sandbox};

    let brand_id = match &args.brand_id {
        Some(text) => Some(
            loop_contracts::format::parse_uuid(text)
                .ok_or_else(|| usage(format!("--brand-id {text:?} is not a UUID")))?,
        ),
        None => None,
    };
    let mut intake = Intake::new(TransformContext { brand_id });
    let mut signed = Vec::new();
    for pair in args.secrets.iter().flat_map(|list| secret_pairs(list)) {
        let (source, secret) =
            pair.split_once('=').ok_or_else(|| usage("--secret must be `SOURCE=SECRET`, e.g. shopify=shpss_..."))?;
        let source: Source =
            source.parse().map_err(|e: loop_contracts::inbound::UnknownSource| usage(e.to_string()))?;
        // Refused here, at start, with the message the intake would give each webhook.
        if source.signature_scheme().is_none() {
            let refusal = loop_contracts::inbound::SignatureError::SourceDoesNotSign { source_name: source.as_str() };
            return Err(usage(format!("--secret: {refusal}")));
        }
        intake = intake.with_secret(source, SigningSecret::from_text(secret));
        signed.push(source);
    }
    for source in Source::ALL {
        if !signed.contains(&source) {
            intake = intake.accept_unsigned(source);
        }
    }
    for path in &args.declarations {
        let text =
            fs::read_to_string(path).map_err(|e| io::Error::new(e.kind(), format!("{}: {e}", path.display())))?;
        let declaration = Declaration::parse(&text).map_err(|e| usage(format!("{}: {e}", path.display())))?;
        intake.declare(declaration).map_err(|e| usage(format!("{}: {e}", path.display())))?;
    }
    let mut builder = Sandbox::builder().addr(args.addr).default_tier(args.tier).intake(intake);
    for key in &args.keys {
        // The error never echoes the key.
        let key = key.parse().map_err(|e: loop_contracts::api_key::ApiKeyError| usage(format!("--key: {e}")))?;
        builder = builder.accept_key(key);
    }
    if let Some(json) = &args.faults {
        let faults: FaultConfig = FaultConfig::from_json(json).map_err(|e| usage(format!("--faults: {e}")))?;
        builder = builder.faults(faults);
    }
    if let Some(secret) = &args.delivery_secret {
        // The error never echoes the secret.
        let secret = WebhookSecret::parse(secret).map_err(|e| usage(format!("--delivery-secret: {e}")))?;
        let mut deliveries = DeliveryConfig::new(secret).allow_remote_endpoints(args.allow_remote_endpoints);
        if let Some(url) = &args.deliver_to {
            deliveries = deliveries.endpoint(url.as_str());
        }
        builder = builder.deliveries(deliveries);
    } else if args.deliver_to.is_some() {
        return Err(usage("--deliver-to needs --delivery-secret whsec_... (the secret the endpoint verifies with)"));
    } else if args.allow_remote_endpoints {
        builder = builder.deliveries(DeliveryConfig::default().allow_remote_endpoints(true));
    }
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    runtime.block_on(async {
        let stop = stop_signal()?;
        let handle = builder.start().await.map_err(|e| usage(e.to_string()))?;
        writeln!(stdout, "loop-contracts sandbox listening on {}", handle.url())?;
        writeln!(stdout, "  POST {}/api/events  (Authorization: Bearer lk_test_... or lk_dev_...)", handle.url())?;
        writeln!(stdout, "  GET  {}/__sandbox/events  (what was accepted; with the Bearer key)", handle.url())?;
        if let Some(endpoint) = handle.delivery_stats().endpoint {
            writeln!(stdout, "  delivery webhooks to {endpoint}  (GET {}/__sandbox/deliveries)", handle.url())?;
        }
        stdout.flush()?;
        stop.await;
        handle.shutdown().await;
        writeln!(stdout, "loop-contracts sandbox stopped")?;
        Ok(EXIT_OK)
    })
}

/// A future that resolves on Ctrl-C (and on SIGTERM on Unix), registered before it is returned
/// so that a signal arriving right after start-up is not lost.
#[cfg(feature = "sandbox")]
fn stop_signal() -> io::Result<impl std::future::Future<Output = ()>> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        let mut interrupt = signal(SignalKind::interrupt())?;
        let mut terminate = signal(SignalKind::terminate())?;
        Ok(async move {
            tokio::select! {
                _ = interrupt.recv() => {}
                _ = terminate.recv() => {}
            }
        })
    }
    #[cfg(not(unix))]
    {
        Ok(async {
            let _ = tokio::signal::ctrl_c().await;
        })
    }
}

#[cfg(all(test, feature = "sandbox"))]
mod tests {
    use super::secret_pairs;

    #[test]
    fn secret_lists_split_only_where_a_pair_starts() {
        let pairs: Vec<&str> = secret_pairs("shopify=a,b,typeform=c=d,,calendly=e").collect();
        assert_eq!(pairs, ["shopify=a,b", "typeform=c=d,", "calendly=e"]);
        assert_eq!(secret_pairs("shopify=x").collect::<Vec<_>>(), ["shopify=x"]);
        // Not a source name, so part of the secret; the pair check reports the first one.
        assert_eq!(secret_pairs("nope=1,shopifyx=2").collect::<Vec<_>>(), ["nope=1,shopifyx=2"]);
        assert_eq!(secret_pairs("").collect::<Vec<_>>(), [""]);
    }
}
