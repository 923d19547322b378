# Sourced by .ci/run: the engines of the SQL differential tests (tests/sql_engines.rs).
# - DuckDB: the `duckdb` Python package in a virtualenv under target/ (reused when present),
#   with `sqlglot` (BigQuery and Snowflake queries translated to DuckDB);
# - PostgreSQL: Debian's `postgresql` package, a throwaway cluster on a free loopback
#   port, stopped and deleted when the calling script exits.
# Exports SEGMINT_PYTHON and SEGMINT_PG for the tests.

DUCKDB_VERSION="2.0.1"
SQLGLOT_VERSION="30.31.0"   # translates the BigQuery and Snowflake queries to DuckDB
venv="${SEGMINT_CI_VENV:-$PWD/target/ci-venv}"
if ! "$venv/bin/python" -c "import duckdb, sqlglot, sys; sys.exit(duckdb.__version__ != '$DUCKDB_VERSION' or sqlglot.__version__ != '$SQLGLOT_VERSION')" 2>/dev/null; then
  echo "== installing duckdb $DUCKDB_VERSION and sqlglot $SQLGLOT_VERSION into $venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check \
    "duckdb==$DUCKDB_VERSION" "sqlglot==$SQLGLOT_VERSION"
fi
export SEGMINT_PYTHON="$venv/bin/python"

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
if ! ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1; then
  echo "== installing postgresql"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends postgresql >/dev/null
fi
pg_bin="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)"
pg_data="$(mktemp -d /tmp/segmint-pg.XXXXXX)"
pg_port="$("$SEGMINT_PYTHON" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
# initdb refuses to run as root: the cluster then belongs to the postgres user.
if [ "$(id -u)" = 0 ]; then
  chown postgres "$pg_data"
  pg() { runuser -u postgres -- "$@"; }
else
  pg() { "$@"; }
fi
stop_postgres() {
  pg "$pg_bin/pg_ctl" -D "$pg_data" -m fast -w stop >/dev/null 2>&1 || true
  rm -rf "$pg_data"
}
trap stop_postgres EXIT
echo "== starting postgresql ($pg_bin) on 127.0.0.1:$pg_port"
pg "$pg_bin/initdb" -D "$pg_data" -U postgres -A trust -E UTF8 --locale=C >/dev/null
pg "$pg_bin/pg_ctl" -D "$pg_data" -l "$pg_data/log" -w \
  -o "-p $pg_port -k $pg_data -c listen_addresses=127.0.0.1 -c fsync=off" start >/dev/null
export SEGMINT_PG="host=127.0.0.1 port=$pg_port user=postgres dbname=postgres"
