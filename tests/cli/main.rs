//! The command-line tool driven in process: `send` against a sandbox, `loop-contracts sandbox`
//! itself, what `transform` prints, and `validate` on the parity corpus; `outbox` in processes of
//! their own (this binary again), on real databases. Its other commands are tested as a child
//! process, in
//! `contracts-cli/tests/cli.rs`.

// `loop-contracts send`: payloads, envelopes from `transform`, refusals, retries.
mod send;
// `loop-contracts send --jsonl`: the real binary, its journal killed and resumed.
mod send_jsonl;
// `loop-contracts sandbox`: serving until Ctrl-C, usage errors, its help.
mod sandbox;
// `loop-contracts transform` never prints a signing secret.
mod transform;
// `loop-contracts validate --jsonl` gives Zod's verdict on the whole parity corpus.
mod validate;
// `loop-contracts outbox enqueue|relay|status`: real processes, databases, SIGKILL mid-drain.
mod outbox;
