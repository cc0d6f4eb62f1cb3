#!/usr/bin/env bash
# Throughput of `loop-contracts send --jsonl` against the in-process client sending the same
# lead.captured.v1 events to the same in-process sandbox (benches/send_jsonl.rs), in interleaved
# rounds. Usage: benches/send_jsonl.sh [LINES] [ROUNDS]
set -euo pipefail
cd "$(dirname "$0")/.."
target=${CARGO_TARGET_DIR:-target}
cargo build --release -q -p loop-contracts-cli
LOOP_CONTRACTS_BIN="$(realpath "$target/release/loop-contracts")" \
SEND_JSONL_LINES=${1:-20000} SEND_JSONL_ROUNDS=${2:-5} \
    cargo bench -q --bench send_jsonl
