//! The command-line tool's network commands driven in process: `send` against a sandbox, and
//! `loop-contracts sandbox` itself.

// `loop-contracts send`: payloads, envelopes from `transform`, refusals, retries.
mod send;
// `loop-contracts sandbox`: serving until Ctrl-C, usage errors, its help.
mod sandbox;
// `loop-contracts transform` never prints a signing secret.
mod transform;
