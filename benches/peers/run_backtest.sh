#!/usr/bin/env bash
# Backtest benchmark: `segmint backtest` of the event benchmark's six segments at 12
# monthly as-of dates against one `segmint eval` of the same segments, on the event
# benchmark's 1M customers / 10M orders (made by run_events.sh). Not run in CI.
#
#   bash benches/peers/run_backtest.sh [--runs 5] [--segmint BIN]
#
# Prints the median wall time and peak RSS of each (GNU time), and their ratios.
set -euo pipefail
PEERS="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$PEERS/../.." && pwd)"
RUNS=5
SEGMINT="$ROOT/target/release/segmint"
while [ $# -gt 0 ]; do
  case "$1" in
    --runs) RUNS="$2"; shift 2 ;;
    --segmint) SEGMINT="$(realpath "$2")"; shift 2 ;;
    -h|--help) sed -n '2,8p' "$0"; exit 0 ;;
    *) echo "run_backtest.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done
C="$PEERS/data/customers_1000000.parquet"
O="$PEERS/data/orders_1000000_10000000.parquet"
if [ ! -f "$C" ] || [ ! -f "$O" ]; then
  echo "run_backtest.sh: run benches/peers/run_events.sh --sizes 1000000:10000000 first (it makes the data)" >&2
  exit 2
fi
S="$PEERS/events/segments"
EVAL=("$SEGMINT" eval "$S" --data "$C" --events "orders=$O" --as-of 2026-06-30)
BACKTEST=("$SEGMINT" backtest "$S" --data "$C" --events "orders=$O"
  --from 2025-07-31 --to 2026-06-30 --every month --format csv)

measure() {  # prints "wall_seconds peak_kib" for each run, sorted by wall time
  for _ in $(seq "$RUNS"); do
    /usr/bin/time -f "%e %M" "$@" >/dev/null 2>/tmp/segmint_bench_time.$$ || true
    tail -1 /tmp/segmint_bench_time.$$
  done | sort -n
  rm -f /tmp/segmint_bench_time.$$
}
# (portable: mawk has no asort)
median() { awk '{ print $'"$1"' }' | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }

"${BACKTEST[@]}" >/dev/null 2>&1 || true   # warm-up (page cache)
E="$(measure "${EVAL[@]}")"
B="$(measure "${BACKTEST[@]}")"
EW="$(echo "$E" | median 1)"; EM="$(echo "$E" | median 2)"
BW="$(echo "$B" | median 1)"; BM="$(echo "$B" | median 2)"
echo "one eval:                 ${EW} s, $((EM / 1024)) MiB peak (median of $RUNS)"
echo "backtest at 12 dates:     ${BW} s, $((BM / 1024)) MiB peak"
awk -v bw="$BW" -v ew="$EW" -v bm="$BM" -v em="$EM" \
  'BEGIN { printf "backtest / eval:          %.2f× wall, %.2f× peak memory\n", bw / ew, bm / em }'
