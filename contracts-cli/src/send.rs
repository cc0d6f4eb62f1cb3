//! `loop-contracts send` (feature `client`): one event sent through the library's client, its
//! waits told on stderr; with `--jsonl`, one event per input line ([`jsonl`]).

mod jsonl;

use std::io::{self, Read, Write};
use std::path::PathBuf;

use clap::Args;
use serde_json::Value;

use loop_contracts::ValidationError;

use crate::envelope;
use crate::exit::{usage, EXIT_OK, EXIT_REJECTED};
use crate::input::{open_input, place};

#[derive(Debug, Args)]
pub(crate) struct SendArgs {
    /// The event name, e.g. lead.captured.v1. Optional when the input is an envelope
    /// (`{"event": "<name>", "payload": {...}}`, what `transform` prints); an argument not of the
    /// form `<domain>.<action>.v<N>` is taken as the FILE.
    #[arg(value_name = "EVENT")]
    event: Option<String>,
    /// The payload or envelope file (`-` or nothing for standard input).
    #[arg(value_name = "FILE")]
    file: Option<PathBuf>,
    /// The key's rate-limit tier, which the client keeps to (it also follows a lower limit the
    /// platform announces): standard, premium, or `<per second>/<burst>`.
    #[arg(long, default_value = "standard")]
    tier: loop_contracts::api_key::Tier,
    /// Send one payload (or envelope) per input line, several at once, and print one result line
    /// per input line, in input order.
    #[arg(long)]
    jsonl: bool,
    /// With --jsonl: record every line's send in this SQLite file, so that the same input run
    /// again with it sends only what was not accepted yet (and answers the rest from it).
    #[arg(long, value_name = "PATH", requires = "jsonl")]
    journal: Option<PathBuf>,
    /// With --jsonl: how many sends run at once (within the key's tier, which the client keeps to).
    #[arg(long, value_name = "N", default_value_t = 8, requires = "jsonl", value_parser = clap::value_parser!(u16).range(1..=1024))]
    concurrency: u16,
}

/// The client's waits, slept as usual and told to the command's stderr.
struct Announced(tokio::sync::mpsc::UnboundedSender<std::time::Duration>);

impl loop_contracts::client::Sleeper for Announced {
    fn sleep(&self, delay: std::time::Duration) -> std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send>> {
        let _ = self.0.send(delay);
        loop_contracts::client::TokioSleeper.sleep(delay)
    }
}

/// The client of `send` and `outbox relay`: the key from `LOOP_API_KEY` (a usage error when it is
/// missing or malformed, never echoing it), the base URL from `LOOP_BASE_URL` (default the
/// platform's).
pub(crate) fn client_from_env() -> io::Result<loop_contracts::client::ClientBuilder> {
    let key: loop_contracts::ApiKey = std::env::var("LOOP_API_KEY")
        .map_err(|_| usage("set LOOP_API_KEY to an lk_live_, lk_test_ or lk_dev_ key"))?
        .parse()
        .map_err(|e| usage(format!("LOOP_API_KEY: {e}")))?;
    let mut builder = loop_contracts::client::Client::builder().key(key);
    if let Ok(url) = std::env::var("LOOP_BASE_URL") {
        builder = builder.base_url(url);
    }
    Ok(builder)
}

/// Sends one event (every line's with `--jsonl`); prints the platform's acceptance (exit 0) or the
/// error response (exit 1).
pub(crate) fn send(
    args: SendArgs,
    stdin: &mut dyn Read,
    stdout: &mut dyn Write,
    stderr: &mut dyn Write,
) -> io::Result<u8> {
    use loop_contracts::client::SendError;
    use loop_contracts::ErrorCode;

    let builder = client_from_env()?.tier(args.tier);
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
    if args.jsonl {
        let client = builder.build().map_err(|e| usage(e.to_string()))?;
        let options =
            jsonl::Options { event, input, demoted, journal: args.journal, concurrency: args.concurrency.into() };
        return jsonl::send_jsonl(client, options, stdin, stdout, stderr);
    }
    // Every wait (a retry on the schedule, a 429's reset) is announced: the schedule's last steps
    // are minutes long, and a silent command looks hung.
    let (waits, mut announced) = tokio::sync::mpsc::unbounded_channel();
    let client = builder.sleeper(Announced(waits)).build().map_err(|e| usage(e.to_string()))?;
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
