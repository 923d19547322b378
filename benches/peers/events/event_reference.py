"""The referee for the event benchmark: evaluates the six segments of
segments/orders.seg row by row, in plain Python, from the words of
/work/shared/spec/language.md ("Events" and "Dates"). Slow; for small files.

    python events/event_reference.py CUSTOMERS.parquet ORDERS.parquet

prints `name count` lines. `members(customers, orders)` gives the member keys.

Amounts are added as exact fractions, so the referee has no rounding of its own
(the test data keeps float sums exact anyway: amounts are multiples of 0.25).
"""

import datetime as dt
import sys
from fractions import Fraction

import pyarrow.parquet as pq

AS_OF = dt.date(2026, 6, 30)
SEGMENTS = ["repeat_90d", "big_spenders_365d", "app_buyers_30d", "lapsed_180d",
            "new_buyers_30d", "high_aov_loyal"]


def utc_date(t):
    """The UTC calendar date of a timestamp (a naive one is UTC)."""
    return (t.astimezone(dt.timezone.utc) if t.tzinfo else t).date()


def within_last(d, days):
    return AS_OF - dt.timedelta(days=days) <= d <= AS_OF


def history(customers, orders):
    """customer key -> the customer's visible events as (time, date, amount, channel).
    Left out: a missing time, a key matching no customer (exact, case-sensitive),
    a time whose UTC date is after the as-of date (history is as-of)."""
    keys = pq.read_table(customers, columns=["customer_id"]).column(0).to_pylist()
    events = {k: [] for k in keys}
    for r in pq.read_table(orders).to_pylist():
        t, key = r["placed_at"], r["customer_id"]
        if t is None or key not in events:
            continue
        d = utc_date(t)
        if d > AS_OF:
            continue
        events[key].append((t, d, r["amount"], r["channel"]))
    return events


def left_out(customers, orders):
    """Events left out (missing time, or a key matching no customer): the
    number segmint's warning reports. Future events are not left out, only
    invisible."""
    keys = set(pq.read_table(customers, columns=["customer_id"]).column(0).to_pylist())
    t = pq.read_table(orders, columns=["customer_id", "placed_at"])
    return sum(1 for k, p in zip(t.column(0).to_pylist(), t.column(1).to_pylist())
               if p is None or k not in keys)


def rules(ev):
    """segment -> member? for one customer's visible events."""
    def count(where=lambda e: True):
        return sum(1 for e in ev if where(e))

    def amounts(where=lambda e: True):
        return [Fraction(e[2]) for e in ev if where(e) and e[2] is not None]

    def in_window(days):
        return lambda e: within_last(e[1], days)

    total_365 = sum(amounts(in_window(365)), Fraction(0))  # sum of none is 0
    present = amounts()
    avg = sum(present, Fraction(0)) / len(present) if present else None  # missing when none
    # first/last are times (instants); compared with a relative date by UTC date.
    last = max((e[0] for e in ev), default=None)
    first = min((e[0] for e in ev), default=None)
    return {
        "repeat_90d": count(in_window(90)) >= 2,
        "big_spenders_365d": total_365 > 1000,
        "app_buyers_30d": count(lambda e: e[3] == "app" and within_last(e[1], 30)) > 0,
        # A criterion on a missing value is false.
        "lapsed_180d": last is not None and utc_date(last) < AS_OF - dt.timedelta(days=180),
        "new_buyers_30d": first is not None and within_last(utc_date(first), 30),
        "high_aov_loyal": (avg is not None and avg >= 100) and count() >= 3,
    }


def members(customers, orders):
    """segment -> set of member keys."""
    out = {s: set() for s in SEGMENTS}
    for key, ev in history(customers, orders).items():
        for s, member in rules(ev).items():
            if member:
                out[s].add(key)
    return out


def counts(customers, orders):
    return {s: len(m) for s, m in members(customers, orders).items()}


if __name__ == "__main__":
    for name, n in counts(sys.argv[1], sys.argv[2]).items():
        print(f"{name} {n}")
