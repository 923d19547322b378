"""Brute-force evaluation of the benchmark library, row by row, straight from
the words of the spec (language.md). Slow on purpose: it is the referee for
the hand-written DuckDB and Polars queries on small files.

    python harness/reference.py FILE.parquet     # prints `name count` lines

Rules used (each from language.md):
- a criterion about a missing value is false (two-valued logic); `is missing`
  is the only criterion true on a missing value; `not` negates the result;
- a timestamp compared with a relative date is compared by its UTC calendar date:
  `within last N days` <=> as_of - N <= date(d) <= as_of; `before X` <=> date(d) < X;
- `x in top P%` <=> (number of rows with value > x) / n < P/100, n = present values;
- tiers: the first tier whose condition holds wins.
"""

import bisect
import datetime as dt
import sys

import pyarrow.parquet as pq

AS_OF = dt.date(2026, 6, 30)
BIG_CITIES = {"New York", "London", "Berlin", "Paris", "Madrid", "Rome", "Amsterdam",
              "Toronto", "São Paulo", "Tokyo"}
LAUNCH_COUNTRIES = {"GB", "DE", "FR", "ES", "IT", "NL", "SE", "PL", "IE", "AT", "CH", "DK",
                    "NO", "CA", "AU"}

# Outputs in library order; tiers last, one count per tier value.
SEGMENTS = ["recent_buyers", "lapsed", "churned", "champions", "one_order", "few_orders",
            "many_orders", "young_women", "rejected_on_price", "mobile_paid_search",
            "big_cities", "launch_countries", "engaged", "vip", "gmail", "no_email",
            "big_baskets", "quick_converters", "app_not_newsletter"]
TIERS = ["platinum", "gold", "silver"]


def utc_date(t):
    """The UTC calendar date of an instant (naive means UTC)."""
    if t.tzinfo is not None:
        t = t.astimezone(dt.timezone.utc)
    return t.date()


def crit(value, test):
    """One criterion: false on a missing value, else the test."""
    return value is not None and bool(test(value))


def within_last(t, days):
    return crit(t, lambda v: AS_OF - dt.timedelta(days=days) <= utc_date(v) <= AS_OF)


def before_days_ago(t, days):
    return crit(t, lambda v: utc_date(v) < AS_OF - dt.timedelta(days=days))


def top_percent(values, pct):
    """Member test for `x in top pct%`: count(v > x) / n < pct/100 over the n
    present values, compared in integers (count * 100 < pct * n) so no rounding."""
    present = sorted(v for v in values if v is not None)
    n = len(present)

    def above(x):  # number of present values strictly greater than x
        return n - bisect.bisect_right(present, x)

    return lambda x: crit(x, lambda v: above(v) * 100 < pct * n)


def tier(r):
    ltv = r["lifetime_value"]
    if crit(ltv, lambda v: v >= 2500):
        return "platinum"
    if crit(ltv, lambda v: v >= 500):
        return "gold"
    return "silver"


def evaluate(r, ltv_top20):
    vt = tier(r)
    return {
        "recent_buyers": within_last(r["last_order_at"], 30),
        "lapsed": before_days_ago(r["last_order_at"], 180) and crit(r["orders_count"], lambda v: v >= 2),
        "churned": before_days_ago(r["last_order_at"], 365),
        "champions": within_last(r["last_order_at"], 30)
        and crit(r["orders_count"], lambda v: v >= 4) and ltv_top20(r["lifetime_value"]),
        "one_order": crit(r["orders_count"], lambda v: v == 1),
        "few_orders": crit(r["orders_count"], lambda v: 2 <= v <= 4),
        "many_orders": crit(r["orders_count"], lambda v: v >= 5),
        "young_women": crit(r["gender"], lambda v: v == "female") and crit(r["age"], lambda v: 18 <= v <= 34),
        "rejected_on_price": crit(r["status"], lambda v: v == "rejected")
        and crit(r["rejection_reason"], lambda v: v == "too_expensive"),
        "mobile_paid_search": crit(r["lead_source"], lambda v: v == "paid_search")
        and crit(r["device"], lambda v: v == "mobile"),
        "big_cities": crit(r["city"], lambda v: v in BIG_CITIES),
        "launch_countries": crit(r["country"], lambda v: v in LAUNCH_COUNTRIES),
        "engaged": crit(r["email_opens_90d"], lambda v: v >= 5) and crit(r["page_clicks_30d"], lambda v: v >= 10),
        "vip": crit(r["tags"], lambda v: "vip" in v),
        "gmail": crit(r["email"], lambda v: v.endswith("@gmail.com")),
        "no_email": r["email"] is None,
        "big_baskets": crit(r["avg_order_value"], lambda v: v >= 100) and vt in ("gold", "platinum"),
        "quick_converters": crit(r["sessions_to_purchase"], lambda v: v <= 3),
        "app_not_newsletter": crit(r["app_installed"], bool) and not crit(r["newsletter_opt_in"], bool),
        "value_tier": vt,
    }


def counts(path):
    rows = pq.read_table(path).to_pylist()
    ltv_top20 = top_percent([r["lifetime_value"] for r in rows], 20)
    out = {name: 0 for name in SEGMENTS}
    out.update({f"value_tier.{t}": 0 for t in TIERS})
    for r in rows:
        m = evaluate(r, ltv_top20)
        for name in SEGMENTS:
            out[name] += m[name]
        if m["value_tier"] is not None:
            out[f"value_tier.{m['value_tier']}"] += 1
    return out


def main():
    for name, n in counts(sys.argv[1]).items():
        print(f"{name} {n}")


if __name__ == "__main__":
    main()
