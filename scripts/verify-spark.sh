#!/usr/bin/env bash
# Verifies `segmint sql --dialect spark` on Spark: runs the SQL differential test
# (tests/sql_engines.rs: every fixture of tests/eval/ and tests/sql/ plus the
# sample project) with pyspark in local mode, and compares each query's rows with
# `segmint eval`. Needs Java 17 and the package registry (pip). Not part of
# .ci/run: installing pyspark (~490 MB) and the run (~1.5 min on 2 cores) take minutes.
#
#   bash scripts/verify-spark.sh
#
# SEGMINT_SPARK_VENV names the virtualenv (default target/ci-venv, shared with .ci/run).
set -euo pipefail
cd "$(dirname "$0")/.."

PYSPARK_VERSION="4.3.0"
venv="${SEGMINT_SPARK_VENV:-$PWD/target/ci-venv}"
if ! command -v java >/dev/null; then
  echo "verify-spark: java not found (Spark needs Java 17)" >&2
  exit 2
fi
if ! "$venv/bin/python" -c "import pyspark, sys; sys.exit(pyspark.__version__ != '$PYSPARK_VERSION')" 2>/dev/null; then
  echo "== installing pyspark $PYSPARK_VERSION into $venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check "pyspark==$PYSPARK_VERSION"
fi
echo "== $(java -version 2>&1 | head -n 1); pyspark $("$venv/bin/python" -c 'import pyspark; print(pyspark.__version__)')"
SEGMINT_PYTHON="$venv/bin/python" SEGMINT_SPARK=1 CI=true \
  cargo test --test sql_engines spark_agrees_with_eval -- --nocapture
