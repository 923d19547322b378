"""Writes a small orders table full of edge cases for the six event segments,
for the customers of CUSTOMERS (any file with a string `customer_id`, e.g. one
from harness/tiny_data.py).

    python events/tiny_orders.py CUSTOMERS.parquet OUT.parquet [--seed S]
                                 [--tz ZONE | --naive] [--empty]

The first customers get hand-made histories, one edge each (listed in CASES
with the segment they test and whether the customer must be a member); the rest
get random orders whose times are mostly on both sides of every window edge
(to the microsecond), on the as-of date, one day after and later. Missing
amounts, missing times, and keys that match no customer (upper-cased, with a
space, unknown, empty) are mixed in. Amounts are multiples of 0.25, so float
sums are exact in any order.

`--tz` tags placed_at with another zone (the instants stay the same: a UTC
date and a Tokyo date differ for 15 hours of each day); `--naive` writes naive
timestamps (read as UTC); `--empty` writes no rows.
"""

import argparse
import datetime as dt
import random

import pyarrow as pa
import pyarrow.parquet as pq

UTC = dt.timezone.utc
AS_OF = dt.datetime(2026, 6, 30, tzinfo=UTC)
US = dt.timedelta(microseconds=1)


def day(k):
    """Midnight (UTC) starting the day k days before the as-of date (k < 0: after)."""
    return AS_OF - dt.timedelta(days=k)


def eod(k):
    """The last microsecond of that day."""
    return day(k) + dt.timedelta(days=1) - US


NONE = None  # a missing time or amount

# (segment, member?, [(placed_at, amount, channel), ...]) per hand-made customer.
CASES = [
    ("repeat_90d", True, [(day(90), 10, "web"), (eod(0), 10, "web")]),
    ("repeat_90d", False, [(eod(91), 10, "web"), (day(0), 10, "web")]),
    ("repeat_90d", False, [(day(5), 10, "web"), (day(-1), 10, "web")]),      # one is in the future
    ("repeat_90d", False, [(day(5), 10, "web"), (NONE, 10, "web")]),         # one has no time
    ("repeat_90d", True, [(day(10), 10, "app"), (day(10), 10, "app")]),      # same instant twice
    ("big_spenders_365d", False, [(day(365), 400, "web"), (day(0), 600, "web")]),  # exactly 1000
    ("big_spenders_365d", True, [(day(365), 400, "web"), (day(100), 600.25, "web")]),
    ("big_spenders_365d", False, [(eod(366), 2000, "web"), (day(1), 500, "web")]),
    ("big_spenders_365d", False, [(day(-1), 1500, "web"), (day(3), 10, "web")]),
    ("big_spenders_365d", True, [(day(4), NONE, "web"), (day(5), 1000.25, "store")]),
    ("big_spenders_365d", False, [(day(4), NONE, "web"), (day(5), NONE, "web")]),
    ("app_buyers_30d", True, [(day(30), 5, "app")]),
    ("app_buyers_30d", False, [(eod(31), 5, "app")]),
    ("app_buyers_30d", False, [(day(-1), 5, "app"), (day(1), 5, "web")]),
    ("app_buyers_30d", False, [(day(0), 5, "store")]),
    ("app_buyers_30d", True, [(eod(0), 5, "app")]),
    ("app_buyers_30d", False, [(NONE, 5, "app"), (day(3), 5, "web")]),
    ("lapsed_180d", True, [(eod(181), 5, "web")]),
    ("lapsed_180d", False, [(day(180), 5, "web")]),
    ("lapsed_180d", True, [(day(400), 5, "web"), (day(-2), 5, "web")]),     # the later one is future
    ("lapsed_180d", True, [(day(400), 5, "web"), (NONE, 5, "web")]),
    ("lapsed_180d", False, [(day(300), 5, "web"), (day(100), 5, "web")]),
    ("new_buyers_30d", True, [(day(30), 5, "web")]),
    ("new_buyers_30d", False, [(eod(31), 5, "web"), (day(2), 5, "web")]),
    ("new_buyers_30d", False, [(day(-1), 5, "web")]),                        # only a future order
    ("new_buyers_30d", True, [(NONE, 5, "web"), (day(20), 5, "web")]),
    ("new_buyers_30d", True, [(eod(0), 5, "web"), (day(-30), 5, "web")]),
    ("high_aov_loyal", True, [(day(1), 100, "web"), (day(2), 100, "web"), (day(3), 100, "web")]),
    ("high_aov_loyal", True, [(day(1), 150, "web"), (day(2), 150, "web"), (day(3), NONE, "web")]),
    ("high_aov_loyal", False, [(day(1), NONE, "web"), (day(2), NONE, "web"), (day(3), NONE, "web")]),
    ("high_aov_loyal", False, [(day(1), 99.75, "web"), (day(2), 100, "web"), (day(3), 100, "web")]),
    ("high_aov_loyal", True, [(day(1), 99.75, "web"), (day(2), 100.25, "web"), (day(3), 100, "web")]),
    ("high_aov_loyal", False, [(day(1), 300, "web"), (day(2), 300, "web"), (day(-1), 300, "web")]),
    ("high_aov_loyal", False, [(day(1), 300, "web"), (day(2), 300, "web"), (NONE, 300, "web")]),
    ("high_aov_loyal", False, [(day(1), 100, "web"), (day(2), 100, "web"), (day(3), 100, "web"),
                               (day(700), 0.25, "web")]),
]

# Would put a customer in every segment, if the key matched (it never does).
ALL_SEGMENTS = [(day(0), 600, "app"), (day(1), 600, "app"), (day(2), 600, "app")]


def edge_times():
    out = []
    for k in (-40, -2, -1, 0, 1, 29, 30, 31, 89, 90, 91, 179, 180, 181, 364, 365, 366, 367):
        out += [day(k), day(k) - US, day(k) + dt.timedelta(hours=12), eod(k)]
    return out


def rows(keys, seed):
    rng = random.Random(seed)
    out = []
    for i, (_, _, events) in enumerate(CASES):
        out += [(keys[i], t, a, c) for t, a, c in events]
    # Keys that match nobody: another case, a space, unknown, empty.
    for bad in (keys[0].upper(), keys[1].swapcase(), keys[2] + " ", " " + keys[3], "nobody", ""):
        if bad not in set(keys):
            out += [(bad, t, a, c) for t, a, c in ALL_SEGMENTS]
    edges = edge_times()
    for key in keys[len(CASES):]:
        for _ in range(rng.choice([0, 0, 0, 1, 1, 2, 3, 4, 6, 9])):
            if rng.random() < 0.6:
                t = rng.choice(edges)
            else:
                t = AS_OF - dt.timedelta(seconds=rng.randrange(-60 * 86400, 1000 * 86400),
                                         microseconds=rng.randrange(1_000_000))
            t = None if rng.random() < 0.02 else t
            amount = None if rng.random() < 0.1 else rng.choice(
                [100.0, 99.75, 100.25, 0.25, 1000.0, rng.randrange(1, 2400) / 4])
            k = key if rng.random() > 0.03 else rng.choice([key.upper(), key + " ", "x" + key])
            out.append((k, t, amount, rng.choice(["web", "app", "store"])))
    # An export in rough time order (missing times wherever they fall).
    rng.shuffle(out)
    out.sort(key=lambda r: r[1] or AS_OF)
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("customers")
    ap.add_argument("out")
    ap.add_argument("--seed", type=int, default=11)
    ap.add_argument("--tz", default="UTC")
    ap.add_argument("--naive", action="store_true")
    ap.add_argument("--empty", action="store_true")
    a = ap.parse_args()
    keys = pq.read_table(a.customers, columns=["customer_id"]).column(0).to_pylist()
    if len(keys) < len(CASES) + 4:
        ap.error(f"need at least {len(CASES) + 4} customers")
    data = [] if a.empty else rows(keys, a.seed)
    tz = None if a.naive else a.tz
    times = [None if t is None else (t.replace(tzinfo=None) if tz is None else t) for _, t, _, _ in data]
    table = pa.table({
        "customer_id": pa.array([r[0] for r in data], pa.string()),
        "placed_at": pa.array(times, pa.timestamp("us", tz=tz)),
        "amount": pa.array([None if r[2] is None else float(r[2]) for r in data], pa.float64()),
        "channel": pa.array([r[3] for r in data], pa.string()),
    })
    pq.write_table(table, a.out, compression="zstd", row_group_size=4096)


if __name__ == "__main__":
    main()
