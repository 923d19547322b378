"""Runs the generated SQL of every case on a real engine (tests/sql_engines.rs).

usage: engines.py duckdb|postgres|spark|transpiled ROOT

ROOT holds one folder per case with `case.json`:
  {"tables": {"<table name>": "<file>.parquet", ...},
   "as_of": "YYYY-MM-DD",
   "queries": [{"engine": "duckdb", "file": "duckdb.sql", "output": "duckdb.csv",
                "parameter": false}, ...]}
Each query of the engine is run over the Parquet files, loaded under their table
names (dots separate schema and table), and its rows are written to `output` as
CSV (booleans `true`/`false`, a missing value as an empty cell). PostgreSQL is
reached with `psql` and the connection string in SEGMINT_PG; its tables are loaded
with COPY in a fresh schema per case. `transpiled` runs the BigQuery and Snowflake
queries on DuckDB after translating them with sqlglot: a proxy for engines that
cannot be reached here (it checks that the queries parse in those dialects and
that their functions, as sqlglot reads them, give the same rows).
"""

import csv
import io
import json
import os
import subprocess
import sys


def cell(value):
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def write_rows(path, header, rows):
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(header)
        for row in rows:
            w.writerow([cell(v) for v in row])


def quote_ident(name):
    return '"' + name.replace('"', '""') + '"'


def quote_table(name):
    return ".".join(quote_ident(part) for part in name.split("."))


def sql_string(text):
    return "'" + text.replace("'", "''") + "'"


def cases(root):
    for name in sorted(os.listdir(root)):
        folder = os.path.join(root, name)
        manifest = os.path.join(folder, "case.json")
        if os.path.isfile(manifest):
            with open(manifest, encoding="utf-8") as f:
                yield folder, json.load(f)


def schemas_of(table):
    parts = table.split(".")
    return [".".join(parts[:i]) for i in range(1, len(parts))]


# ----- DuckDB -------------------------------------------------------------------

def run_duckdb(root, engines=("duckdb",), translate=None):
    import duckdb

    for folder, case in cases(root):
        con = duckdb.connect()
        for table, file in case["tables"].items():
            for schema in schemas_of(table):
                con.execute(f"CREATE SCHEMA IF NOT EXISTS {quote_table(schema)}")
            path = sql_string(os.path.join(folder, file))
            con.execute(f"CREATE VIEW {quote_table(table)} AS SELECT * FROM read_parquet({path})")
        for q in case["queries"]:
            if q["engine"] not in engines:
                continue
            sql = open(os.path.join(folder, q["file"]), encoding="utf-8").read()
            if translate:
                if q["parameter"]:
                    continue
                sql = translate(sql, q["engine"])
            params = {"as_of": case["as_of"]} if q["parameter"] else None
            result = con.execute(sql, params) if params else con.execute(sql)
            header = [d[0] for d in result.description]
            write_rows(os.path.join(folder, q["output"]), header, result.fetchall())
        con.close()


def run_transpiled(root):
    import sqlglot

    def translate(sql, dialect):
        level = sqlglot.ErrorLevel.RAISE
        return sqlglot.transpile(sql, read=dialect, write="duckdb", unsupported_level=level)[0]

    run_duckdb(root, engines=("bigquery", "snowflake"), translate=translate)


# ----- PostgreSQL ----------------------------------------------------------------

PG_TYPES = {
    "BOOLEAN": "boolean",
    "TINYINT": "bigint",
    "SMALLINT": "bigint",
    "INTEGER": "bigint",
    "BIGINT": "bigint",
    "FLOAT": "double precision",
    "DOUBLE": "double precision",
    "VARCHAR": "text",
    "DATE": "date",
    "TIMESTAMP WITH TIME ZONE": "timestamptz",
    "TIMESTAMP": "timestamp",
    "VARCHAR[]": "text[]",
    "BIGINT[]": "bigint[]",
}


def pg_scalar(value, pg_type):
    if pg_type == "boolean":
        return "true" if value else "false"
    if pg_type == "double precision":
        return repr(float(value))
    if pg_type == "timestamptz":
        return value.isoformat()
    return str(value)


def pg_array_item(value):
    if value is None:
        return "NULL"
    text = str(value)
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def pg_cell(value, pg_type):
    if value is None:
        return None
    if pg_type.endswith("[]"):
        return "{" + ",".join(pg_array_item(v) for v in value) + "}"
    return pg_scalar(value, pg_type)


def copy_block(con, table, file):
    import duckdb  # noqa: F401  (reads the Parquet file for COPY)

    rel = con.execute(f"SELECT * FROM read_parquet({sql_string(file)})")
    columns = [(d[0], PG_TYPES[str(d[1])]) for d in rel.description]
    rows = rel.fetchall()
    ddl = ", ".join(f"{quote_ident(n)} {t}" for n, t in columns)
    out = io.StringIO()
    out.write(f"CREATE TABLE {quote_table(table)} ({ddl});\n")
    out.write(f"COPY {quote_table(table)} FROM STDIN WITH (FORMAT csv);\n")
    for row in rows:
        cells = [pg_cell(v, t) for v, (_, t) in zip(row, columns)]
        # an empty unquoted cell is COPY's NULL; every value is quoted, so "" stays ""
        out.write(",".join("" if c is None else csv_quote(c) for c in cells) + "\n")
    out.write("\\.\n")
    return out.getvalue()


def csv_quote(text):
    return '"' + text.replace('"', '""') + '"'


def run_postgres(root):
    import duckdb

    conninfo = os.environ.get("SEGMINT_PG")
    if not conninfo:
        sys.exit("SEGMINT_PG is not set (a libpq connection string)")
    con = duckdb.connect()
    for folder, case in cases(root):
        setup = io.StringIO()
        setup.write("SET client_min_messages = warning;\n")
        setup.write("DROP SCHEMA IF EXISTS sm_case CASCADE;\nCREATE SCHEMA sm_case;\n")
        setup.write("SET search_path TO sm_case;\n")
        for table in case["tables"]:
            for schema in schemas_of(table):
                setup.write(f"CREATE SCHEMA IF NOT EXISTS {quote_table(schema)};\n")
        for table, file in case["tables"].items():
            setup.write(copy_block(con, table, os.path.join(folder, file)))
        for q in case["queries"]:
            if q["engine"] != "postgres":
                continue
            sql = open(os.path.join(folder, q["file"]), encoding="utf-8").read()
            script = setup.getvalue() + sql.rstrip().rstrip(";") + ";\n"
            for schema in {s for t in case["tables"] for s in schemas_of(t)}:
                script += f"DROP SCHEMA IF EXISTS {quote_table(schema)} CASCADE;\n"
            args = ["psql", "-X", "-q", "--csv", "-v", "ON_ERROR_STOP=1", "-d", conninfo]
            if q["parameter"]:
                args += ["-v", "as_of=" + case["as_of"]]
            done = subprocess.run(args, input=script, capture_output=True, text=True)
            if done.returncode != 0:
                sys.exit(f"{folder}/{q['file']}: psql failed:\n{done.stderr}")
            rows = list(csv.reader(io.StringIO(done.stdout)))
            header, body = rows[0], rows[1:]
            booleans = {"t": "true", "f": "false"}
            with open(os.path.join(folder, q["output"]), "w", newline="", encoding="utf-8") as f:
                w = csv.writer(f, lineterminator="\n")
                w.writerow(header)
                for row in body:
                    w.writerow([row[0]] + [booleans.get(v, v) for v in row[1:]])


# ----- Spark ---------------------------------------------------------------------

def run_spark(root):
    from pyspark.sql import SparkSession

    spark = (
        SparkSession.builder.master("local[2]")
        .appName("segmint-verify")
        .config("spark.sql.session.timeZone", "America/Los_Angeles")
        .config("spark.sql.shuffle.partitions", "2")
        .config("spark.ui.enabled", "false")
        .getOrCreate()
    )
    for folder, case in cases(root):
        views = []
        for table, file in case["tables"].items():
            name = "`" + table.replace("`", "``") + "`"
            spark.read.parquet(os.path.join(folder, file)).createOrReplaceTempView(name)
            views.append(name)
        for q in case["queries"]:
            if q["engine"] != "spark":
                continue
            sql = open(os.path.join(folder, q["file"]), encoding="utf-8").read()
            args = {"as_of": case["as_of"]} if q["parameter"] else None
            frame = spark.sql(sql, args=args) if args else spark.sql(sql)
            rows = [tuple(r) for r in frame.collect()]
            write_rows(os.path.join(folder, q["output"]), frame.columns, rows)
        for name in views:
            spark.catalog.dropTempView(name)
    spark.stop()


if __name__ == "__main__":
    engine, root = sys.argv[1], sys.argv[2]
    engines = {
        "duckdb": run_duckdb,
        "postgres": run_postgres,
        "spark": run_spark,
        "transpiled": run_transpiled,
    }
    engines[engine](root)
