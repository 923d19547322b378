"""Runs the benchmark library on DuckDB: one process = one task.

    python queries/duckdb_run.py count --data F.parquet
        prints `name count` lines (segments in library order, then
        `value_tier.<tier> count` for each tier value)
    python queries/duckdb_run.py materialise --data F.parquet --output OUT.parquet
        writes the membership table (zstd Parquet) with COPY ... TO

DuckDB uses all cores by default (threads = number of CPUs).
"""

import argparse
import pathlib

import duckdb

HERE = pathlib.Path(__file__).resolve().parent
SEGMENTS = ["recent_buyers", "lapsed", "churned", "champions", "one_order", "few_orders",
            "many_orders", "young_women", "rejected_on_price", "mobile_paid_search",
            "big_cities", "launch_countries", "engaged", "vip", "gmail", "no_email",
            "big_baskets", "quick_converters", "app_not_newsletter"]
TIERS = ["platinum", "gold", "silver"]


def sql_literal(text):
    return "'" + text.replace("'", "''") + "'"


def connect(data):
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    con.execute(f"CREATE VIEW customers AS SELECT * FROM read_parquet({sql_literal(data)})")
    return con


def queries():
    """The named queries of duckdb.sql, split at its `-- @query NAME` lines."""
    named, name = {}, None
    for line in (HERE / "duckdb.sql").read_text().splitlines():
        if line.startswith("-- @query "):
            name = line.split()[-1]
            named[name] = []
        elif name:
            named[name].append(line)
    return {k: "\n".join(v) for k, v in named.items()}


def membership(con):
    """The membership query and its parameters (the population pass runs here)."""
    q = queries()
    threshold = con.execute(q["ltv_top20"]).fetchone()[0]
    return q["membership"], {"ltv_top20": threshold}


def count(con):
    sql, params = membership(con)
    # count(*) FILTER, not count_if: count_if over zero rows is NULL.
    cols = [f"count(*) FILTER (WHERE {s}) AS {s}" for s in SEGMENTS]
    cols += [f"count(*) FILTER (WHERE value_tier = '{t}') AS \"value_tier.{t}\"" for t in TIERS]
    row = con.execute(f"SELECT {', '.join(cols)} FROM ({sql})", params).fetchone()
    names = SEGMENTS + [f"value_tier.{t}" for t in TIERS]
    for name, n in zip(names, row):
        print(f"{name} {n}")


def materialise(con, output, compression="zstd"):
    sql, params = membership(con)
    codec = {"none": "uncompressed", "lz4": "lz4_raw"}.get(compression, compression)
    con.execute(
        f"COPY ({sql}) TO {sql_literal(output)} "
        f"(FORMAT parquet, COMPRESSION {codec}, ROW_GROUP_SIZE 1048576)",
        params,
    )


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("task", choices=["count", "materialise"])
    ap.add_argument("--data", required=True)
    ap.add_argument("--output")
    ap.add_argument("--compression", default="zstd", choices=["zstd", "snappy", "lz4", "none"])
    a = ap.parse_args()
    con = connect(a.data)
    if a.task == "count":
        count(con)
    else:
        if not a.output:
            ap.error("materialise needs --output")
        materialise(con, a.output, a.compression)


if __name__ == "__main__":
    main()
