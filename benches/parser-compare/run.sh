#!/usr/bin/env bash
# serde_json, sonic-rs and simd-json side by side (src/main.rs), in two release builds: the default
# one (what a user's `cargo build --release` makes; sonic-rs then uses SSE2 only, simd-json picks
# AVX2 at run time) and one for this machine's CPU (`-C target-cpu=native`, sonic-rs's AVX2 paths).
# Prints markdown for benches/README.md. Usage: benches/parser-compare/run.sh [ROUNDS]
set -euo pipefail
cd "$(dirname "$0")"
export ROUNDS=${1:-200}
cargo build --release -q --target-dir target/default
RUSTFLAGS="-C target-cpu=native" cargo build --release -q --target-dir target/native
echo "date: $(date -u '+%Y-%m-%d %H:%M UTC'); machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'); $(rustc --version); load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "### Default build"
echo
target/default/release/parser-compare
echo
echo "### Built with \`-C target-cpu=native\`"
echo
target/native/release/parser-compare
echo
echo "### What each parser does with the inputs parity rests on"
echo
target/default/release/parser-compare --semantics
echo
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
