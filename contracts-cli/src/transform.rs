//! `loop-contracts transform`: a vendor webhook body turned into an event envelope, by a built-in
//! transform or a declared one.

use std::io::{self, BufWriter, Read, Write};
use std::path::{Path, PathBuf};

use clap::Args;
use serde::Serialize;
use serde_json::Value;

use crate::exit::{usage, EXIT_OK, EXIT_REJECTED};
use crate::input::{brand_id, open_input, parse_headers, read_declaration};

#[derive(Debug, Args)]
pub(crate) struct TransformArgs {
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

/// The envelope printed for a transformed webhook; the payload comes out in its schema's field
/// order, as the platform's (Zod's) output does.
#[derive(Serialize)]
struct TransformOutput<'a> {
    event: &'a str,
    payload: Payload<'a>,
}

/// The validated payload, in its schema's order when the intake's catalog (the built-in one) has
/// it, which it does for every event the intake accepted.
#[derive(Serialize)]
#[serde(untagged)]
enum Payload<'a> {
    Ordered(loop_contracts::Ordered<'a>),
    AsIs(&'a Value),
}

pub(crate) fn transform(
    args: TransformArgs,
    stdin: &mut dyn Read,
    stdout: &mut dyn Write,
    stderr: &mut dyn Write,
) -> io::Result<u8> {
    use loop_contracts::inbound::{Intake, Route, SigningSecret, Source, TransformContext};

    let brand_id = brand_id(args.brand_id.as_deref())?;
    let headers = parse_headers(&args.headers)?;
    let mut intake = Intake::new(TransformContext { brand_id });
    let (route_source, topic, file) = match &args.declaration {
        Some(path) => {
            if args.args.len() > 1 {
                return Err(usage("with --declaration, give at most one input FILE"));
            }
            let declaration = read_declaration(path)?;
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
            let payload = match loop_contracts::catalog().get(event.event.as_str()) {
                Some(schema) => Payload::Ordered(schema.ordered(&event.payload)),
                None => Payload::AsIs(&event.payload),
            };
            serde_json::to_writer(&mut out, &TransformOutput { event: event.event.as_str(), payload })?;
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
