#!/usr/bin/env bash
# Compliance table and timings of the JSONPath engines, in release mode; the output is markdown
# for benches/README.md. Usage: benches/jsonpath-compare/run.sh
#
# Two builds, both under benches/jsonpath-compare/target/: `serde-baseline` (serde_json alone, so
# without `preserve_order`, as in the main workspace) and `jsonpath-compare` (where jsonpath_lib
# turns `preserve_order` on for the whole build). Their parse times of the Shopify fixture are
# measured alternately, seven times each, so that both see the same machine load; the medians go
# to the report.
set -euo pipefail
cd "$(dirname "$0")"
cargo build --release -q --manifest-path serde-baseline/Cargo.toml --target-dir target/baseline
cargo build --release -q
baseline=() preserve=()
for _ in 1 2 3 4 5 6 7; do
    baseline+=("$(target/baseline/release/serde-baseline)")
    preserve+=("$(target/release/jsonpath-compare --parse-only)")
done
median() { printf '%s\n' "$@" | sort -n | sed -n 4p; }
echo "date: $(date -u '+%Y-%m-%d %H:%M UTC'); machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'); load average before the run: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "serde_json parse, ns, 7 alternating runs: without preserve_order ${baseline[*]}; with ${preserve[*]}"
echo
target/release/jsonpath-compare --parse-ns "$(median "${preserve[@]}")" --baseline-parse-ns "$(median "${baseline[@]}")"
