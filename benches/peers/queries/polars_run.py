"""The benchmark library (../segments/library.seg) as Polars lazy queries,
written by hand, on the streaming engine with all cores. (Named polars_run.py:
a script called polars.py would shadow the polars package on import.)

    python queries/polars_run.py count --data F.parquet
        prints `name count` lines (segments in library order, then
        `value_tier.<tier> count` for each tier value)
    python queries/polars_run.py materialise --data F.parquet --output OUT.parquet
        writes the membership table (zstd Parquet) with sink_parquet

Semantics matched to language.md:
* two-valued logic: every criterion ends in .fill_null(False), so a criterion on
  a null is false and &, |, ~ never see a null;
* as-of 2026-06-30; a timestamp is compared with a relative date by its UTC
  calendar date (.dt.date(): naive timestamps are UTC, a tz-aware column is
  converted to UTC first); `within last 30 days` <=> as_of - 30 <= date <= as_of,
  `before 180 days ago` <=> date < as_of - 180 (calendar days, in Python);
* `lifetime_value in top 20%` <=> count(v > x) / n < 20/100 over the n present
  values. Sorted descending, the members are exactly the values >= the m-th
  largest, m = ceil(20 n / 100) = (20 n + 99) // 100 in integers; a first
  streaming pass finds that value (as segmint makes a first pass for population
  statistics) and the main query compares with it. The one-query form
  (rank("min", descending=True) - 1) * 100 < 20 * n is exact too, but a rank
  over the whole column takes the query off the streaming engine (2.5x slower,
  3x the memory at 10M rows). rank("average")/n, quantile("nearest"/"lower")
  do NOT match on ties, and quantile("higher"/"linear") and rank("max")/n only
  for some P (harness/percentile_check.py);
* tiers: when/then chain, the first tier that holds wins.
"""

import argparse
import datetime as dt

import polars as pl

AS_OF = dt.date(2026, 6, 30)
TIERS = ["platinum", "gold", "silver"]


def crit(expr):
    """A criterion under two-valued logic: null counts as false."""
    return expr.fill_null(False)


def utc_date(name, schema):
    """The UTC calendar date of a timestamp column (a naive one means UTC)."""
    col = pl.col(name)
    if getattr(schema[name], "time_zone", None) is not None:
        col = col.dt.convert_time_zone("UTC")
    return col.dt.date()


def within_last(name, days, schema):
    since = AS_OF - dt.timedelta(days=days)
    return crit(utc_date(name, schema).is_between(since, AS_OF, closed="both"))


def before_days_ago(name, days, schema):
    return crit(utc_date(name, schema) < AS_OF - dt.timedelta(days=days))


def top_percent_threshold(lf, name, pct):
    """The m-th largest present value, m = ceil(pct * n / 100): x is in the top
    pct% exactly when x >= it. None when no value is present."""
    v = pl.col(name)
    # count() counts present values only; Int64 so count * pct cannot overflow u32.
    m = (v.count().cast(pl.Int64) * pct + 99) // 100
    # m is 0 only when no value is present: then the list is empty and get -> null.
    nth = v.drop_nulls().sort(descending=True).get(m - 1, null_on_oob=True)
    return lf.select(nth).collect(engine="streaming").item()


def in_top_percent(name, threshold):
    return crit(pl.col(name) >= threshold) if threshold is not None else pl.lit(False)


def value_tier():
    ltv = pl.col("lifetime_value")
    return (
        pl.when(crit(ltv >= 2500)).then(pl.lit("platinum"))
        .when(crit(ltv >= 500)).then(pl.lit("gold"))
        .otherwise(pl.lit("silver"))
    )


def segments(schema, ltv_top20):
    """(name, expression) in library order, for a file with this schema and
    the top-20% threshold of lifetime_value."""
    c = pl.col
    tier = c("value_tier")
    return [
        ("recent_buyers", within_last("last_order_at", 30, schema)),
        ("lapsed", before_days_ago("last_order_at", 180, schema) & crit(c("orders_count") >= 2)),
        ("churned", before_days_ago("last_order_at", 365, schema)),
        ("champions", within_last("last_order_at", 30, schema) & crit(c("orders_count") >= 4)
         & in_top_percent("lifetime_value", ltv_top20)),
        ("one_order", crit(c("orders_count") == 1)),
        ("few_orders", crit(c("orders_count").is_between(2, 4, closed="both"))),
        ("many_orders", crit(c("orders_count") >= 5)),
        ("young_women", crit(c("gender") == "female")
         & crit(c("age").is_between(18, 34, closed="both"))),
        ("rejected_on_price", crit(c("status") == "rejected")
         & crit(c("rejection_reason") == "too_expensive")),
        ("mobile_paid_search", crit(c("lead_source") == "paid_search") & crit(c("device") == "mobile")),
        ("big_cities", crit(c("city").is_in(["New York", "London", "Berlin", "Paris", "Madrid", "Rome",
                                             "Amsterdam", "Toronto", "São Paulo", "Tokyo"]))),
        ("launch_countries", crit(c("country").is_in(["GB", "DE", "FR", "ES", "IT", "NL", "SE", "PL",
                                                       "IE", "AT", "CH", "DK", "NO", "CA", "AU"]))),
        ("engaged", crit(c("email_opens_90d") >= 5) & crit(c("page_clicks_30d") >= 10)),
        ("vip", crit(c("tags").list.contains("vip"))),
        ("gmail", crit(c("email").str.ends_with("@gmail.com"))),
        ("no_email", c("email").is_null()),
        ("big_baskets", crit(c("avg_order_value") >= 100) & crit(tier.is_in(["gold", "platinum"]))),
        ("quick_converters", crit(c("sessions_to_purchase") <= 3)),
        ("app_not_newsletter", crit(c("app_installed")) & ~crit(c("newsletter_opt_in"))),
    ]


def membership(data):
    """The lazy membership table: key, one Boolean per segment, the tier string."""
    lf = pl.scan_parquet(data)
    schema = lf.collect_schema()
    ltv_top20 = top_percent_threshold(lf, "lifetime_value", 20)
    lf = lf.with_columns(value_tier().alias("value_tier"))
    return lf.select(
        pl.col("customer_id"),
        *[expr.alias(name) for name, expr in segments(schema, ltv_top20)],
        pl.col("value_tier"),
    )


def count(data):
    lf = membership(data)
    names = [name for name in lf.collect_schema().names() if name not in ("customer_id", "value_tier")]
    aggs = [pl.col(n).sum().alias(n) for n in names]
    aggs += [(pl.col("value_tier") == t).sum().alias(f"value_tier.{t}") for t in TIERS]
    row = lf.select(aggs).collect(engine="streaming").row(0, named=True)
    for name, n in row.items():
        print(f"{name} {n}")


def materialise(data, output, compression="zstd"):
    membership(data).sink_parquet(output, compression=compression, row_group_size=1_048_576)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("task", choices=["count", "materialise"])
    ap.add_argument("--data", required=True)
    ap.add_argument("--output")
    ap.add_argument("--compression", default="zstd", choices=["zstd", "snappy", "lz4", "none"])
    a = ap.parse_args()
    if a.task == "count":
        count(a.data)
    else:
        if not a.output:
            ap.error("materialise needs --output")
        materialise(a.data, a.output, "uncompressed" if a.compression == "none" else a.compression)


if __name__ == "__main__":
    main()
