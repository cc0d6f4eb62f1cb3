#!/usr/bin/env bash
# Throughput of `loop-contracts validate lead.captured.v1 --jsonl` against its floor: the same file
# read line by line, each line parsed for its syntax alone and written back (benches/jsonl_floor.rs).
# The input: LINES compact lead.captured.v1 payloads (default 1,000,000), one in five invalid (an
# email that is not one). The two programs take turns, RUNS times each (default 5); prints each
# run, the medians, their ratio and the command's peak memory.
#
#   benches/jsonl.sh [LINES] [RUNS]
set -euo pipefail
cd "$(dirname "$0")/.."
lines=${1:-1000000}
runs=${2:-5}

echo "== building" >&2
cargo build --release -q -p loop-contracts-cli
cli=$(cargo build --release -q -p loop-contracts-cli --message-format=json |
  sed -n 's/.*"executable":"\([^"]*loop-contracts\)".*/\1/p' | tail -1)
cargo bench -q --no-run --bench jsonl_floor
floor=$(cargo bench -q --no-run --bench jsonl_floor --message-format=json |
  sed -n 's/.*"executable":"\([^"]*\)".*/\1/p' | grep '/jsonl_floor-[^/]*$')
[ -x "$cli" ] && [ -x "$floor" ] || { echo "jsonl.sh: binaries not found" >&2; exit 1; }

input=$(mktemp)
output=$(mktemp)
trap 'rm -f "$input" "$output"' EXIT
python3 - "$lines" > "$input" <<'PY'
import json, sys, uuid
n = int(sys.argv[1])
for i in range(n):
    p = {"eventId": str(uuid.UUID(int=i * 7919 + 1)), "occurredAt": "2026-05-19T12:00:00Z",
         "brandId": "6f1c2a9e-1b7d-4c1e-9a55-2f1a3b4c5d6e", "email": f"user{i}@example.com",
         "source": "inbound_lead", "attribution": {"utm_source": "newsletter"}, "personId": None}
    if i % 5 == 4:
        p["email"] = "not-an-email"
    print(json.dumps(p, separators=(",", ":")))
PY
echo "input: $lines lines, $(wc -c < "$input") bytes; load average $(cut -d' ' -f1-3 /proc/loadavg)" >&2

seconds() { python3 -c "import sys; print(float(sys.argv[2]) - float(sys.argv[1]))" "$1" "$2"; }
floor_times=()
cli_times=()
for run in $(seq 1 "$runs"); do
  start=$(date +%s.%N)
  "$floor" "$input" > "$output"
  floor_times+=("$(seconds "$start" "$(date +%s.%N)")")
  start=$(date +%s.%N)
  "$cli" validate lead.captured.v1 --jsonl "$input" > "$output" || [ $? -eq 1 ]
  cli_times+=("$(seconds "$start" "$(date +%s.%N)")")
  echo "run $run: floor ${floor_times[-1]} s, validate --jsonl ${cli_times[-1]} s" >&2
done
accepted=$(grep -c '^{"ok":true' "$output" || true)
peak_kib=$( (/usr/bin/time -f %M "$cli" validate lead.captured.v1 --jsonl "$input" > /dev/null || true) 2>&1 | tail -1)

python3 - "$lines" "$accepted" "$peak_kib" "${floor_times[*]}" "${cli_times[*]}" <<'PY'
import statistics, sys
lines, accepted, peak = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
floor = statistics.median(map(float, sys.argv[4].split()))
cli = statistics.median(map(float, sys.argv[5].split()))
print(f"lines: {lines:,} ({accepted:,} accepted)")
print(f"floor (syntax-only parse, line written back): {floor:.3f} s, {lines / floor:,.0f} lines/s")
print(f"validate --jsonl: {cli:.3f} s, {lines / cli:,.0f} lines/s; {cli / floor:.2f}x the floor")
print(f"validate --jsonl peak memory (max RSS): {peak / 1024:.1f} MiB")
PY
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
