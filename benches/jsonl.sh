#!/usr/bin/env bash
# Throughput of `loop-contracts validate <EVENT> --jsonl`: lines per second over a generated file
# of valid and invalid lead.captured.v1 payloads. Usage: benches/jsonl.sh [LINES]
set -euo pipefail
cd "$(dirname "$0")/.."
lines=${1:-500000}
cargo build --release -q -p loop-contracts-cli
bin=target/release/loop-contracts
input=$(mktemp)
trap 'rm -f "$input"' EXIT
python3 - "$lines" > "$input" <<'PY'
import json, sys, uuid
n = int(sys.argv[1])
for i in range(n):
    p = {"eventId": str(uuid.UUID(int=i * 7919 + 1)), "occurredAt": "2026-05-19T12:00:00Z",
         "brandId": "6f1c2a9e-1b7d-4c1e-9a55-2f1a3b4c5d6e", "email": f"user{i}@example.com",
         "source": "inbound_lead", "attribution": {"utm_source": "newsletter"}, "personId": None}
    if i % 10 == 9:
        p["email"] = "not-an-email"
    print(json.dumps(p, separators=(",", ":")))
PY
for run in 1 2 3 4 5; do
  start=$(date +%s.%N)
  "$bin" validate lead.captured.v1 --jsonl "$input" > /dev/null || true
  end=$(date +%s.%N)
  python3 -c "import sys; s=float(sys.argv[2])-float(sys.argv[1]); print(f'run $run: {int(sys.argv[3])/s:,.0f} lines/s ({s:.3f} s for {int(sys.argv[3]):,} lines)')" "$start" "$end" "$lines"
done
