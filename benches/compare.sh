#!/usr/bin/env bash
# One comparison run: validation (this crate, the jsonschema crate, Zod 3, ajv), the Shopify
# transforms (this crate, serde_json, JSON.parse + jsonpath-plus + Zod) and the client (against a
# plain reqwest POST), on the same corpus, in one go; prints one markdown table per group.
#
#   benches/compare.sh [RUNS]     (default 3: Rust and Node harness runs, alternating)
#
# COMPARE_ROUNDS (default 200) sets the rounds of each harness run, CLIENT_BENCH_ROUNDS (default
# 41) those of the client benchmark. Raw results are kept in target/compare/<UTC time>/; the
# tables are also written to report.md there. Needs cargo and Node 20 or later; installs the npm
# packages of tests/oracle and benches/compare (from their lockfiles) when they are missing.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-3}

command -v node > /dev/null || { echo "compare.sh: Node 20 or later is needed" >&2; exit 1; }
[ -d tests/oracle/node_modules/zod ] || (cd tests/oracle && npm ci --no-audit --no-fund --loglevel=error)
[ -d benches/compare/node_modules/jsonpath-plus ] || (cd benches/compare && npm ci --no-audit --no-fund --loglevel=error)

echo "== building the benchmarks" >&2
# Built once, then run directly: a source change during the run does not rebuild half of it.
cargo bench -q --no-run --bench compare --bench client
executables=$(cargo bench -q --no-run --message-format=json --bench compare --bench client |
  sed -n 's/.*"executable":"\([^"]*\)".*/\1/p')
compare_bin=$(grep '/compare-[^/]*$' <<< "$executables")
client_bin=$(grep '/client-[^/]*$' <<< "$executables")
[ -x "$compare_bin" ] && [ -x "$client_bin" ] || { echo "compare.sh: benchmark binaries not found" >&2; exit 1; }

out="target/compare/$(date -u +%Y%m%dT%H%M%SZ)"
mkdir -p "$out"
load() { cut -d' ' -f1-3 /proc/loadavg; }
start=$(date -u +%H:%M)
load_before=$(load)

for run in $(seq 1 "$runs"); do
  echo "== run $run of $runs: Rust (loop-contracts, jsonschema)" >&2
  "$compare_bin" --bench > "$out/rust-$run.jsonl"
  echo "== run $run of $runs: Node (Zod, ajv, jsonpath-plus)" >&2
  node benches/compare/node.mjs > "$out/node-$run.jsonl"
done

echo "== client against plain reqwest (interleaved rounds)" >&2
"$client_bin" --bench interleaved | tee "$out/client.txt" >&2
sed -n 's/^compare-json: //p' "$out/client.txt" > "$out/client.json"

model=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)
cat > "$out/machine.json" << EOF
{"date": "$(date -u +%Y-%m-%d)", "start": "$start", "end": "$(date -u +%H:%M)",
 "cpus": $(nproc), "model": "${model//\"/}", "rustc": "$(rustc --version | cut -d' ' -f1-2)",
 "load_before": "$load_before", "load_after": "$(load)"}
EOF

node benches/compare/report.mjs "$out" | tee "$out/report.md"
echo "(raw results in $out)" >&2
