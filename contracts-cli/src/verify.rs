//! `loop-contracts verify`: checks a delivery webhook the way an integrator's endpoint does, with
//! the library's [`Receiver`].

use std::io::{self, Read, Write};
use std::path::PathBuf;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use clap::Args;
use loop_contracts::delivery::{Delivery, DeliveryError, DeliveryEvent, Receiver, Verifier, WebhookSecret};
use loop_contracts::format::format_datetime;
use loop_contracts::ValidationError;
use serde::Serialize;

use crate::exit::{usage, EXIT_OK, EXIT_REJECTED};
use crate::input::{open_input, parse_headers};

/// The environment variable holding the endpoint's signing secret. It is read from there only:
/// arguments show in the process list and shell history.
pub(crate) const SECRET_VARIABLE: &str = "LOOP_DELIVERY_SECRET";

#[derive(Debug, Args)]
pub(crate) struct VerifyArgs {
    /// The request body exactly as received (`-` or nothing for standard input): a re-serialised
    /// or re-encoded body, or one with a newline added, does not verify.
    #[arg(value_name = "FILE")]
    file: Option<PathBuf>,
    /// A request header, `Name: value` (repeatable): webhook-id, webhook-timestamp and
    /// webhook-signature.
    #[arg(long = "header", value_name = "NAME: VALUE")]
    headers: Vec<String>,
    /// How far the signed webhook-timestamp may be from the current time, either way.
    #[arg(long, value_name = "SECONDS", default_value_t = Verifier::DEFAULT_TOLERANCE.as_secs())]
    tolerance: u64,
    /// Check as if the current time were this, in Unix seconds (to check a webhook that was
    /// received earlier, give the time it arrived).
    #[arg(long, value_name = "UNIX_SECONDS")]
    now: Option<u64>,
}

/// A verified delivery, as one JSON line: the `validate` line's `ok`, `event` and `data`, with
/// the webhook's id and signed time and the envelope's event time.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Verified<'a> {
    ok: bool,
    event: &'static str,
    webhook_id: &'a str,
    webhook_timestamp: String,
    timestamp: String,
    data: &'a DeliveryEvent,
}

/// Verifies one delivery webhook; prints its typed event (exit 0) or the refusal (exit 1).
pub(crate) fn verify(
    args: VerifyArgs,
    stdin: &mut dyn Read,
    stdout: &mut dyn Write,
    stderr: &mut dyn Write,
) -> io::Result<u8> {
    let secret = secret()?;
    let headers = parse_headers(&args.headers)?;
    let now = match args.now {
        // `SystemTime + Duration` panics past the platform's range; a usage error instead.
        Some(secs) => UNIX_EPOCH
            .checked_add(Duration::from_secs(secs))
            .ok_or_else(|| usage(format!("--now {secs} is beyond this system's clock")))?,
        None => SystemTime::now(),
    };
    let mut body = Vec::new();
    open_input(args.file.as_deref(), stdin)?.read_to_end(&mut body)?;
    let receiver = Receiver::new(Verifier::new(secret).with_tolerance(Duration::from_secs(args.tolerance)));
    match receiver.receive_at(&headers, &body, now) {
        Ok(delivery) => {
            let Delivery { webhook_id, timestamp, event_timestamp, event, .. } = &delivery;
            let line = Verified {
                ok: true,
                event: event.name(),
                webhook_id: webhook_id.as_str(),
                webhook_timestamp: format_datetime(timestamp),
                timestamp: format_datetime(event_timestamp),
                data: event,
            };
            serde_json::to_writer(&mut *stdout, &line)?;
            stdout.write_all(b"\n")?;
            Ok(EXIT_OK)
        }
        Err(refusal) => {
            // `DeliveryError::to_response` as a `Value` would sort the keys; this is the same body
            // in the order every other command prints (`ok` first).
            let error = match &refusal {
                DeliveryError::InvalidPayload { error, .. } => error.clone(),
                other => ValidationError::with_code(other.error_code(), other.to_string(), Vec::new()),
            };
            writeln!(stdout, "{}", error.to_response_json())?;
            // The signature matched (it is checked first), so the webhook is genuine, only not
            // fresh: most likely one saved earlier and checked now.
            if let DeliveryError::TimestampTooOld { .. } | DeliveryError::TimestampTooNew { .. } = refusal {
                writeln!(
                    stderr,
                    "loop-contracts: the signature is valid; to check a webhook received at another time, \
                     give --now UNIX_SECONDS (when it arrived) or a wider --tolerance SECONDS"
                )?;
            }
            Ok(EXIT_REJECTED)
        }
    }
}

/// The signing secret, from the environment. Errors never include it.
fn secret() -> io::Result<WebhookSecret> {
    let text = match std::env::var(SECRET_VARIABLE) {
        Ok(text) if !text.trim().is_empty() => text,
        Ok(_) | Err(std::env::VarError::NotPresent) => {
            return Err(usage(format!(
                "set {SECRET_VARIABLE} to the endpoint's signing secret (whsec_...); verify reads it from the \
                 environment only, never from arguments, which show in the process list and shell history"
            )))
        }
        Err(std::env::VarError::NotUnicode(_)) => {
            return Err(usage(format!("{SECRET_VARIABLE}: not UTF-8, so not a whsec_ secret")))
        }
    };
    WebhookSecret::parse(&text).map_err(|e| usage(format!("{SECRET_VARIABLE}: {e}")))
}
