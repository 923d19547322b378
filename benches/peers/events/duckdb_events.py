"""Runs the six event segments (duckdb.sql) on DuckDB: one process = one task.

    python events/duckdb_events.py count --customers C.parquet --orders O.parquet
        prints `name count` lines, in segment order
    python events/duckdb_events.py materialise --customers C --orders O --output OUT.parquet
        writes the membership table (zstd Parquet) with COPY ... TO

DuckDB uses all cores by default (threads = number of CPUs).
"""

import argparse
import datetime as dt
import pathlib

import duckdb

HERE = pathlib.Path(__file__).resolve().parent
AS_OF = dt.date(2026, 6, 30)
SEGMENTS = ["repeat_90d", "big_spenders_365d", "app_buyers_30d", "lapsed_180d",
            "new_buyers_30d", "high_aov_loyal"]


def sql_literal(text):
    return "'" + text.replace("'", "''") + "'"


def connect(customers, orders):
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    con.execute("SET enable_progress_bar = false")
    con.execute(f"CREATE VIEW customers AS SELECT * FROM read_parquet({sql_literal(customers)})")
    con.execute(f"CREATE VIEW orders AS SELECT * FROM read_parquet({sql_literal(orders)})")
    return con


def membership(con):
    """The membership query and its parameters: midnights UTC, typed like
    placed_at (TIMESTAMPTZ for a zoned column, naive TIMESTAMP for a naive one)."""
    text = (HERE / "duckdb.sql").read_text()
    kind = con.execute("SELECT column_type FROM (DESCRIBE orders) "
                       "WHERE column_name = 'placed_at'").fetchone()[0]
    tz = dt.timezone.utc if "TIME ZONE" in kind else None

    def midnight(day):
        return dt.datetime(day.year, day.month, day.day, tzinfo=tz)

    params = {"day_after_as_of": midnight(AS_OF + dt.timedelta(days=1))}
    for n in (30, 90, 180, 365):
        params[f"since_{n}d"] = midnight(AS_OF - dt.timedelta(days=n))
    return text.split("-- @query membership\n", 1)[1], params


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("task", choices=["count", "materialise"])
    ap.add_argument("--customers", required=True)
    ap.add_argument("--orders", required=True)
    ap.add_argument("--output")
    a = ap.parse_args()
    con = connect(a.customers, a.orders)
    if a.task == "count":
        # count(*) FILTER, not count_if: count_if over zero rows is NULL.
        cols = ", ".join(f"count(*) FILTER (WHERE {s})" for s in SEGMENTS)
        sql, params = membership(con)
        row = con.execute(f"SELECT {cols} FROM ({sql})", params).fetchone()
        for name, n in zip(SEGMENTS, row):
            print(f"{name} {n}")
    else:
        if not a.output:
            ap.error("materialise needs --output")
        sql, params = membership(con)
        con.execute(f"COPY ({sql}) TO {sql_literal(a.output)} "
                    "(FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE 1048576)", params)


if __name__ == "__main__":
    main()
