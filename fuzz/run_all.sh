#!/usr/bin/env bash
# Runs every fuzz target in turn, one libFuzzer process at a time, for SECONDS (default 600) each.
# Seeds the corpora first if fuzz/corpus/ does not exist; logs go to fuzz/logs/<target>.log.
#
#   fuzz/run_all.sh [SECONDS] [TARGET...]
set -uo pipefail
cd "$(dirname "$0")"
seconds=${1:-600}
shift || true
# Target and the largest input libFuzzer may generate for it (bytes).
targets=(validate_payload:16384 declaration_transform:16384 jsonpath_compile:2048 discovery_document:16384
         api_key:512 inbound_signature:16384 delivery_signature:8192)
[ -d corpus ] || python3 seed_corpus.py
mkdir -p logs
status=0
for entry in "${targets[@]}"; do
  target=${entry%%:*}
  max_len=${entry##*:}
  if [ $# -gt 0 ] && [[ ! " $* " == *" $target "* ]]; then continue; fi
  echo "== $target ($seconds s)"
  cargo +nightly fuzz run "$target" -- -max_total_time="$seconds" -jobs=1 -workers=1 -rss_limit_mb=2048 \
    -max_len="$max_len" -timeout=10 -print_final_stats=1 || status=1
  [ -f fuzz-0.log ] && mv fuzz-0.log "logs/$target.log"
  grep -E "^#[0-9]+\s+DONE|^stat::|^Done|panicked|ERROR" "logs/$target.log" || true
done
exit $status
