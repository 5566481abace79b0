#!/usr/bin/env bash
# Calypso against DuckDB on the reference detection, same files, same run.
# Usage: bench/vs-duckdb.sh [ROWS] [RUNS] [FORMATS]
#   (defaults: 1000000 rows, 3 runs, "jsonl parquet")
# Installs DuckDB (pinned) from PyPI into a virtualenv, generates the dump as
# JSON lines and Parquet, builds Calypso (release), runs both alternately on
# each format, checks their alerts are equal and prints wall time, CPU time,
# peak memory and the ratios. docs/benchmarks.md records the figures.
set -euo pipefail
cd "$(dirname "$0")/.."
rows=${1:-1000000}
runs=${2:-3}
formats=${3:-jsonl parquet}
work=${TMPDIR:-/tmp}
duckdb_version=2.0.1
venv=$work/calypso-bench-venv
if ! "$venv/bin/python" -c "import duckdb; assert duckdb.__version__ == '$duckdb_version'" 2>/dev/null; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q "duckdb==$duckdb_version"
fi
dump=$work/calypso-bench-2k-$rows.jsonl
[ -s "$dump" ] || python3 bench/gen_signins.py "$rows" 7 "$dump"
cargo build --release -q -p calypso-cli
bin=${CARGO_TARGET_DIR:-target}/release/calypso
parquet=-
if [[ " $formats " == *" parquet "* ]]; then
  # `calypso convert` holds the whole table in memory: about 10 GB a
  # million rows of this dump, so 10M rows is out of reach on 24 GiB.
  parquet=$work/calypso-bench-2k-$rows.parquet
  [ -s "$parquet" ] || "$bin" convert "$dump" --table AADSignInLogs -o "$parquet"
fi
jsonl=-
[[ " $formats " == *" jsonl "* ]] && jsonl=$dump
python3 bench/vs_duckdb.py "$bin" "$venv/bin/python" "$jsonl" "$parquet" "$runs"
