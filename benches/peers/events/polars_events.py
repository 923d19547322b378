"""The six event segments of segments/orders.seg as a Polars lazy query, written
by hand, on the streaming engine with all cores.

    python events/polars_events.py count --customers C.parquet --orders O.parquet
        prints `name count` lines, in segment order
    python events/polars_events.py materialise --customers C --orders O --output OUT.parquet
        writes the membership table (zstd Parquet) with sink_parquet

Semantics matched to language.md ("Events", "Dates", "Missing values"):
* an event is placed by the UTC calendar date of placed_at. Rather than
  computing that date per row (.dt.date() converts every value), every date
  test is an exact instant comparison with a midnight UTC (a zoned column is
  first relabelled UTC, which does not touch the values; a naive one is UTC):
    date(t) <= as_of      <=> t <  (as_of + 1 day) 00:00 UTC
    date(t) >= as_of - N  <=> t >= (as_of - N days) 00:00 UTC
    date(t) <  as_of - N  <=> t <  (as_of - N days) 00:00 UTC
* left out: a missing placed_at (null < x is null, which filter drops); a time
  after the as-of date (the cut applies to every aggregate); a key matching no
  customer (the left join from the customers' keys; string equality is exact);
* `within last N days` <=> as_of - N <= date <= as_of (the upper bound is the
  as-of cut);
* sum of none is 0 (Polars' sum of no / only null values is 0), avg of none is
  missing (mean skips nulls, null without values), a customer without orders
  has count 0 (fill_null after the join);
* first/last are the earliest/latest instant (min/max of placed_at);
* two-valued logic: a criterion on a missing value is false (crit).
"""

import argparse
import datetime as dt

import polars as pl

AS_OF = dt.date(2026, 6, 30)
SEGMENTS = ["repeat_90d", "big_spenders_365d", "app_buyers_30d", "lapsed_180d",
            "new_buyers_30d", "high_aov_loyal"]


def crit(expr):
    """A criterion under two-valued logic: null counts as false."""
    return expr.fill_null(False)


def membership(customers, orders):
    """The lazy membership table: key and one Boolean per segment."""
    lf = pl.scan_parquet(orders)
    zoned = getattr(lf.collect_schema()["placed_at"], "time_zone", None) is not None
    t = pl.col("placed_at")
    if zoned:
        t = t.dt.convert_time_zone("UTC")

    def since(days):
        """Midnight UTC starting the day `days` days before the as-of date."""
        day = AS_OF - dt.timedelta(days=days)
        return pl.lit(dt.datetime(day.year, day.month, day.day,
                                  tzinfo=dt.timezone.utc if zoned else None))

    visible = lf.select(pl.col("customer_id"), t.alias("t"), pl.col("amount"), pl.col("channel")) \
        .filter(pl.col("t") < since(-1))
    t, amount = pl.col("t"), pl.col("amount")
    per_customer = visible.group_by("customer_id").agg(
        (t >= since(90)).sum().alias("n_90d"),
        pl.when(t >= since(365)).then(amount).sum().alias("amount_365d"),
        ((pl.col("channel") == "app") & (t >= since(30))).any().alias("app_30d"),
        t.max().alias("last_at"),
        t.min().alias("first_at"),
        amount.mean().alias("avg_amount"),
        pl.len().alias("n"),
    )
    c = pl.col
    return (
        pl.scan_parquet(customers).select("customer_id")
        .join(per_customer, on="customer_id", how="left")
        .select(
            c("customer_id"),
            (c("n_90d").fill_null(0) >= 2).alias("repeat_90d"),
            (c("amount_365d").fill_null(0) > 1000).alias("big_spenders_365d"),
            crit(c("app_30d")).alias("app_buyers_30d"),
            crit(c("last_at") < since(180)).alias("lapsed_180d"),
            crit(c("first_at") >= since(30)).alias("new_buyers_30d"),
            (crit(c("avg_amount") >= 100) & (c("n").fill_null(0) >= 3)).alias("high_aov_loyal"),
        )
    )


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("task", choices=["count", "materialise"])
    ap.add_argument("--customers", required=True)
    ap.add_argument("--orders", required=True)
    ap.add_argument("--output")
    a = ap.parse_args()
    lf = membership(a.customers, a.orders)
    if a.task == "count":
        row = lf.select(pl.col(s).sum() for s in SEGMENTS).collect(engine="streaming").row(0)
        for name, n in zip(SEGMENTS, row):
            print(f"{name} {n}")
    else:
        if not a.output:
            ap.error("materialise needs --output")
        lf.sink_parquet(a.output, compression="zstd", row_group_size=1_048_576)


if __name__ == "__main__":
    main()
