//! `loop-contracts sandbox` (feature `sandbox`): the local platform, configured from the command
//! line and the environment, served until Ctrl-C.

use std::io::{self, Write};
use std::path::PathBuf;

use clap::Args;

use crate::exit::{usage, EXIT_OK};
use crate::input::{brand_id, read_declaration};
use crate::signal::stop_signal;

/// The long help of `sandbox --faults`: each key of `FaultConfig`'s JSON with its meaning, which
/// was otherwise only in the library's rustdoc. The sandbox suite checks that it names every key.
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

#[derive(Debug, Args)]
pub(crate) struct SandboxArgs {
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

/// Splits a list of `SOURCE=SECRET` pairs at each comma that starts another pair (`,shopify=`, ...).
/// A comma anywhere else belongs to the secret: vendors such as Typeform let users choose theirs.
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
pub(crate) fn sandbox(args: SandboxArgs, stdout: &mut dyn Write) -> io::Result<u8> {
    use loop_contracts::delivery::WebhookSecret;
    use loop_contracts::inbound::{Intake, SigningSecret, Source, TransformContext};
    use loop_contracts::sandbox::{DeliveryConfig, FaultConfig, Sandbox};

    let brand_id = brand_id(args.brand_id.as_deref())?;
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
        let declaration = read_declaration(path)?;
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

#[cfg(test)]
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
