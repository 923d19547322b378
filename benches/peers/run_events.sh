#!/usr/bin/env bash
# Event benchmark: segmint vs DuckDB vs Polars on six event-aggregate segments
# (events/segments/orders.seg) over a customers file and an orders file.
# Not run in CI. From a fresh clone:
#
#   bash benches/peers/run_events.sh [--sizes 1000000:10000000,10000000:100000000] [--runs 5]
#                                    [--engines segmint,duckdb,polars] [--segmint BIN]
#                                    [--segmint-sizes C:O,...] [--segmint-runs K]
#                                    [--note TEXT] [--regen] [--no-build]
#
#   --sizes          customers:orders pairs to generate and time
#                    (default 1000000:10000000,10000000:100000000)
#   --runs           timed runs per engine and size, after one warm-up (default 5)
#   --engines        which engines to run (default all three)
#   --segmint BIN    the segmint binary to time (default target/release/segmint; implies
#                    --no-build)
#   --segmint-sizes  run segmint only at these sizes (default: all of --sizes)
#   --segmint-runs   timed runs for segmint (default --runs; 0 = one checked run only)
#   --note TEXT      a paragraph for the top of results_events.md (e.g. which binary)
#   --regen          regenerate data files that already exist
#   --no-build       use the segmint binary as it is (no cargo build)
#
# segmint is also needed without --engines segmint: `segmint sample` makes the
# customers files. Writes benches/peers/results_events.md; exits 1 if any engine
# disagrees with another or with the brute-force reference.
set -euo pipefail

PEERS="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$PEERS/../.." && pwd)"
SIZES="1000000:10000000,10000000:100000000"
RUNS=5
ENGINES="segmint,duckdb,polars"
SEGMINT="$ROOT/target/release/segmint"
SEGMINT_SIZES=""
SEGMINT_RUNS=""
NOTE=""
REGEN=0
BUILD=1
while [ $# -gt 0 ]; do
  case "$1" in
    --sizes) SIZES="$2"; shift 2 ;;
    --runs) RUNS="$2"; shift 2 ;;
    --engines) ENGINES="$2"; shift 2 ;;
    --segmint) SEGMINT="$(realpath "$2")"; BUILD=0; shift 2 ;;
    --segmint-sizes) SEGMINT_SIZES="$2"; shift 2 ;;
    --segmint-runs) SEGMINT_RUNS="$2"; shift 2 ;;
    --note) NOTE="$2"; shift 2 ;;
    --regen) REGEN=1; shift ;;
    --no-build) BUILD=0; shift ;;
    -h|--help) sed -n '2,25p' "$0"; exit 0 ;;
    *) echo "run_events.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done

cd "$ROOT"
if [ "$BUILD" = 1 ]; then
  echo "== cargo build --release"
  cargo build --release
fi

echo "== Python environment ($PEERS/.venv)"
if [ ! -x "$PEERS/.venv/bin/python" ]; then
  python3 -m venv "$PEERS/.venv"
fi
PY="$PEERS/.venv/bin/python"
"$PY" -m pip install --quiet --disable-pip-version-check -r "$PEERS/requirements.txt"

echo "== data"
mkdir -p "$PEERS/data"
customers_file() {  # the same files as run.sh: segmint sample --seed 42, zstd, ~1M-row groups
  local N="$1" F="$PEERS/data/customers_$1.parquet"
  if [ "$REGEN" = 1 ] || [ ! -f "$F" ]; then
    rm -f "$F" "$F.raw.parquet"
    echo "segmint sample --rows $N --seed 42 -> $F" >&2
    "$SEGMINT" sample --rows "$N" --output "$F.raw.parquet" --seed 42 >&2
    "$PY" "$PEERS/harness/normalise_parquet.py" "$F.raw.parquet" "$F" --rows 1000000 >&2
  fi
  echo "$F"
}
DATA_ARGS=()
IFS=',' read -r -a SIZE_LIST <<< "$SIZES"
for SIZE in "${SIZE_LIST[@]}"; do
  N="${SIZE%%:*}"; M="${SIZE#*:}"
  C="$(customers_file "$N")"
  O="$PEERS/data/orders_${N}_${M}.parquet"
  if [ "$REGEN" = 1 ] || [ ! -f "$O" ]; then
    rm -f "$O"
    echo "generating $M orders for $N customers -> $O"
    "$PY" "$PEERS/events/orders.py" "$O" --customers "$N" --orders "$M" --seed 42
  fi
  DATA_ARGS+=(--data "$C:$O")
done

echo "== agreement with the brute-force reference on small files full of edge cases"
# events on every window edge (to the microsecond), on the as-of date and after
# it, missing amounts and times, keys matching no customer; placed_at in UTC,
# tagged Asia/Tokyo, naive; and no orders at all.
TC="$PEERS/data/events_tricky_customers.parquet"
if [ "$REGEN" = 1 ] || [ ! -f "$TC" ]; then
  "$PY" "$PEERS/harness/tiny_data.py" "$TC" --rows 3000 --seed 7
fi
for VARIANT in "utc:" "tokyo:--tz Asia/Tokyo" "naive:--naive" "empty:--empty"; do
  NAME="${VARIANT%%:*}"
  F="$PEERS/data/events_tricky_orders_$NAME.parquet"
  if [ "$REGEN" = 1 ] || [ ! -f "$F" ]; then
    # shellcheck disable=SC2086  # the options are words on purpose
    "$PY" "$PEERS/events/tiny_orders.py" "$TC" "$F" ${VARIANT#*:}
  fi
  HAND_MADE=(--hand-made)
  [ "$NAME" = empty ] && HAND_MADE=()
  echo "-- $NAME"
  "$PY" "$PEERS/events/bench_events.py" check --customers "$TC" --orders "$F" \
    "${HAND_MADE[@]}" --engines "$ENGINES" --segmint "$SEGMINT"
done

echo "== benchmark (runs: $RUNS)"
EXTRA=()
[ -n "$SEGMINT_SIZES" ] && EXTRA+=(--segmint-sizes "$SEGMINT_SIZES")
[ -n "$SEGMINT_RUNS" ] && EXTRA+=(--segmint-runs "$SEGMINT_RUNS")
[ -n "$NOTE" ] && EXTRA+=(--note "$NOTE")
"$PY" "$PEERS/events/bench_events.py" run "${DATA_ARGS[@]}" --runs "$RUNS" \
  --engines "$ENGINES" --segmint "$SEGMINT" "${EXTRA[@]}" --results "$PEERS/results_events.md"
