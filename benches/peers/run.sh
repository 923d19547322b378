#!/usr/bin/env bash
# Peer benchmark: segmint vs DuckDB vs Polars on the same segments and data.
# Not run in CI. From a fresh clone:
#
#   bash benches/peers/run.sh [--sizes 1000000,10000000] [--runs 5]
#                             [--engines segmint,duckdb,polars] [--synthetic] [--regen] [--no-build]
#
#   --sizes      row counts to generate and time (default 1000000,10000000)
#   --runs       timed runs per engine, task and size, after one warm-up (default 5)
#   --engines    which engines to run (default all three)
#   --synthetic  generate data with harness/tiny_data.py instead of `segmint sample`
#                (for checking the peers before segmint can run); implies no cargo build
#                when segmint is not among --engines
#   --regen      regenerate data files that already exist
#   --no-build   use target/release/segmint as it is (no cargo build)
#
# Writes benches/peers/results.md; exits 1 if any engine disagrees with another.
set -euo pipefail

PEERS="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$PEERS/../.." && pwd)"
SIZES="1000000,10000000"
RUNS=5
ENGINES="segmint,duckdb,polars"
SYNTHETIC=0
REGEN=0
BUILD=1
while [ $# -gt 0 ]; do
  case "$1" in
    --sizes) SIZES="$2"; shift 2 ;;
    --runs) RUNS="$2"; shift 2 ;;
    --engines) ENGINES="$2"; shift 2 ;;
    --synthetic) SYNTHETIC=1; shift ;;
    --regen) REGEN=1; shift ;;
    --no-build) BUILD=0; shift ;;
    -h|--help) sed -n '2,18p' "$0"; exit 0 ;;
    *) echo "run.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done

cd "$ROOT"
SEGMINT="$ROOT/target/release/segmint"
uses_segmint() { [[ ",$ENGINES," == *,segmint,* ]] || [ "$SYNTHETIC" = 0 ]; }

if uses_segmint && [ "$BUILD" = 1 ]; then
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
DATA_ARGS=()
IFS=',' read -r -a SIZE_LIST <<< "$SIZES"
for N in "${SIZE_LIST[@]}"; do
  if [ "$SYNTHETIC" = 1 ]; then
    F="$PEERS/data/synthetic_$N.parquet"
  else
    F="$PEERS/data/customers_$N.parquet"
  fi
  if [ "$REGEN" = 1 ] || [ ! -f "$F" ]; then
    rm -f "$F" "$F.raw.parquet"
    if [ "$SYNTHETIC" = 1 ]; then
      echo "generating $N synthetic rows -> $F"
      "$PY" "$PEERS/harness/tiny_data.py" "$F" --rows "$N" --seed 42 --row-group-size 1000000
    else
      echo "segmint sample --rows $N --seed 42 -> $F"
      "$SEGMINT" sample --rows "$N" --output "$F.raw.parquet" --seed 42
      "$PY" "$PEERS/harness/normalise_parquet.py" "$F.raw.parquet" "$F" --rows 1000000
    fi
  fi
  DATA_ARGS+=(--data "$N=$F")
done

echo "== agreement with the brute-force reference on small files full of edge cases"
# nulls, ties, window edges; as segmint sample types them, with plain strings
# and naive timestamps, with timestamps tagged Asia/Tokyo, and with no rows.
for VARIANT in "tricky:--seed 7" "tricky_plain:--seed 8 --plain" \
               "tricky_tokyo:--seed 9 --tz Asia/Tokyo" "tricky_empty:--rows 0"; do
  NAME="${VARIANT%%:*}"
  F="$PEERS/data/$NAME.parquet"
  if [ "$REGEN" = 1 ] || [ ! -f "$F" ]; then
    # shellcheck disable=SC2086  # the options are words on purpose
    "$PY" "$PEERS/harness/tiny_data.py" "$F" --rows 20000 ${VARIANT#*:}
  fi
  echo "-- $NAME"
  "$PY" "$PEERS/harness/bench.py" check "$F" --engines "$ENGINES" --segmint "$SEGMINT"
done

echo "== benchmark (runs: $RUNS)"
"$PY" "$PEERS/harness/bench.py" run "${DATA_ARGS[@]}" --runs "$RUNS" \
  --engines "$ENGINES" --segmint "$SEGMINT" --results "$PEERS/results.md"
