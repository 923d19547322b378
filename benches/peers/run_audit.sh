#!/usr/bin/env bash
# Input-side benchmarks of issue 15, on the peer benchmark's 10M-row table
# (benches/peers/data/customers_10000000.parquet, made by run.sh):
#
#   bash benches/peers/run_audit.sh [--runs 5] [--rows 10000000]
#
# 1. `segmint audit` against `segmint eval` counting the same table (whole
#    process, wall seconds and peak RSS from /usr/bin/time; median of --runs).
# 2. Materialise with snappy: segmint (--compression snappy) and Polars writing
#    the same membership table with snappy, through harness/bench.py
#    (BENCH_COMPRESSION=snappy); results in results_snappy.md.
set -euo pipefail
PEERS="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$PEERS/../.." && pwd)"
RUNS=5
ROWS=10000000
while [ $# -gt 0 ]; do
  case "$1" in
    --runs) RUNS="$2"; shift 2 ;;
    --rows) ROWS="$2"; shift 2 ;;
    *) echo "run_audit.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done
SEGMINT="$ROOT/target/release/segmint"
PY="$PEERS/.venv/bin/python"
DATA="$PEERS/data/customers_$ROWS.parquet"
if [ ! -f "$DATA" ]; then
  mkdir -p "$PEERS/data"
  "$SEGMINT" sample --rows "$ROWS" --output "$DATA.raw.parquet" --seed 42
  "$PY" "$PEERS/harness/normalise_parquet.py" "$DATA.raw.parquet" "$DATA" --rows 1000000
fi

# Median wall seconds and peak RSS (MiB) of RUNS runs of a command, after a warm-up.
time_runs() {
  "$@" > /dev/null 2>&1 || true
  for _ in $(seq "$RUNS"); do
    /usr/bin/time -f "%e %M" "$@" 2>&1 >/dev/null | tail -1
  done | sort -n | awk '{ w[NR] = $1; m = ($2 > m ? $2 : m) }
    END { printf "%.3f s / %d MiB (runs: %d)\n", w[int((NR + 1) / 2)], m / 1024, NR }'
}

echo "== $ROWS rows: eval counting vs audit"
echo -n "eval  : "; time_runs "$SEGMINT" eval "$PEERS/segments" --data "$DATA" --as-of 2026-06-30
echo -n "audit : "; time_runs "$SEGMINT" audit "$PEERS/segments" --data "$DATA" --as-of 2026-06-30

echo "== materialise with snappy: segmint vs Polars"
BENCH_COMPRESSION=snappy "$PY" "$PEERS/harness/bench.py" run --data "$ROWS=$DATA" --runs "$RUNS" \
  --engines segmint,polars --segmint "$SEGMINT" --results "$PEERS/results_snappy.md"
