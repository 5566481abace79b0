#!/usr/bin/env bash
# Load-and-run benchmark: the reference detection over a generated dump.
# Usage: bench/run.sh [ROWS] [PROFILE]   (defaults: 1000000 rows, release)
# Prints wall seconds and peak resident memory; docs/benchmarks.md records them.
set -euo pipefail
cd "$(dirname "$0")/.."
rows=${1:-1000000}
profile=${2:-release}
# The name changes with the generator, so an old dump is never reused.
dump=${TMPDIR:-/tmp}/calypso-bench-2k-$rows.jsonl
[ -s "$dump" ] || python3 bench/gen_signins.py "$rows" 7 "$dump"
if [ "$profile" = release ]; then cargo build --release -q -p calypso-cli; else cargo build -q -p calypso-cli; fi
bin=${CARGO_TARGET_DIR:-target}/$([ "$profile" = release ] && echo release || echo debug)/calypso
ls -l "$dump" | awk '{ printf "dump: %s rows, %.0f MB\n", '"$rows"', $5 / 1e6 }'
/usr/bin/time -f "wall: %e s, peak RSS: %M KB" \
  "$bin" run queries/mfa-fatigue.kql --table AADSignInLogs="$dump" --now 2026-12-03T12:00:00Z -f jsonl \
  | wc -l | awk '{ print "alerts: " $1 }'
