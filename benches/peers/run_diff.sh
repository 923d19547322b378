#!/usr/bin/env bash
# Rule-diff benchmark: `segmint diff --base` (base and head evaluated in one scan)
# against one `segmint eval` of the head version and against the naive alternative
# (two evals), on 10M customers from `segmint sample`. Not run in CI.
#
#   bash benches/peers/run_diff.sh [--rows 10000000] [--runs 5] [--segmint BIN]
#
# The base is the peer-benchmark library (benches/peers/segments); the head is a
# copy with a typical pull request's changes (a window 30 → 45 days, a top share
# 20% → 25%, a threshold 5 → 4, a tier boundary 500 → 600). Prints the median wall
# time and peak RSS of each (GNU time), and their ratios.
set -euo pipefail
PEERS="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$PEERS/../.." && pwd)"
RUNS=5
ROWS=10000000
SEGMINT="$ROOT/target/release/segmint"
while [ $# -gt 0 ]; do
  case "$1" in
    --runs) RUNS="$2"; shift 2 ;;
    --rows) ROWS="$2"; shift 2 ;;
    --segmint) SEGMINT="$(realpath "$2")"; shift 2 ;;
    -h|--help) sed -n '2,11p' "$0"; exit 0 ;;
    *) echo "run_diff.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done
mkdir -p "$PEERS/data"
C="$PEERS/data/sample_$ROWS.parquet"
if [ ! -f "$C" ]; then
  "$SEGMINT" sample --rows "$ROWS" --seed 42 --output "$C"
fi
BASE="$PEERS/segments"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
HEAD="$WORK/head"
cp -r "$BASE" "$HEAD"
sed -i -e '0,/within last 30 days/s//within last 45 days/' \
       -e 's/lifetime_value in top 20%/lifetime_value in top 25%/' \
       -e 's/email_opens_90d >= 5/email_opens_90d >= 4/' \
       -e 's/gold: lifetime_value >= 500/gold: lifetime_value >= 600/' "$HEAD/library.seg"
cd "$WORK"   # no segmint.toml here: only the flags below count
EVAL_HEAD=("$SEGMINT" eval "$HEAD" --data "$C" --as-of 2026-06-30)
EVAL_BASE=("$SEGMINT" eval "$BASE" --data "$C" --as-of 2026-06-30)
DIFF=("$SEGMINT" diff "$HEAD" --base "$BASE" --data "$C" --as-of 2026-06-30)

measure() {  # prints "wall_seconds peak_kib" for each run, sorted by wall time
  for _ in $(seq "$RUNS"); do
    /usr/bin/time -f "%e %M" "$@" >/dev/null 2>/tmp/segmint_bench_time.$$ || true
    tail -1 /tmp/segmint_bench_time.$$
  done | sort -n
  rm -f /tmp/segmint_bench_time.$$
}
median() { cut -d' ' -f"$1" | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }

"${DIFF[@]}" | head -12   # warm-up (page cache), and what the diff reports
E="$(measure "${EVAL_HEAD[@]}")"
B="$(measure "${EVAL_BASE[@]}")"
D="$(measure "${DIFF[@]}")"
EW="$(echo "$E" | median 1)"; EM="$(echo "$E" | median 2)"
BW="$(echo "$B" | median 1)"
DW="$(echo "$D" | median 1)"; DM="$(echo "$D" | median 2)"
echo "one eval of head:         ${EW} s, $((EM / 1024)) MiB peak (median of $RUNS)"
echo "one eval of base:         ${BW} s"
echo "diff --base (one scan):   ${DW} s, $((DM / 1024)) MiB peak"
awk -v dw="$DW" -v ew="$EW" -v bw="$BW" -v dm="$DM" -v em="$EM" \
  'BEGIN { printf "diff / eval:              %.2f× wall, %.2f× peak memory (two evals: %.2f× wall)\n", dw / ew, dm / em, (ew + bw) / ew }'
