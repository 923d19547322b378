"""Writes a realistic, deterministic orders table for the customers that
`segmint sample --rows N --seed 42` generates (keys C0000001 ... C{N:07}).

    python events/orders.py OUT.parquet --customers N --orders M [--seed 42]
                            [--row-group-size 1000000]

What it looks like (as of 2026-06-30):
* exactly M rows: customer_id (string), placed_at (timestamp[us, UTC], nullable),
  amount (float64, nullable), channel (string: web / app / store);
* skewed orders per customer: per-customer propensities are Gamma(0.25), the M
  orders are split among customers by a multinomial draw on them, so about 40%
  of customers have no order, 10% one, and a long tail has hundreds;
* each customer buys between an acquisition date (more customers recently) and
  a churn date (exponential lifetime, longer for heavy buyers), between
  2023-07-01 and 2026-07-21 (three weeks after the as-of date), so ~4% of
  orders are after the as-of date (invisible to the segments);
* amounts: a per-customer basket size times a per-order factor, both
  log-normal, in multiples of 0.25 (so that any summation order gives the same
  float sum: see README); 1% missing;
* channel: a per-customer favourite (70% of that customer's orders), else
  web 50% / app 35% / store 15%;
* 0.5% of rows have a key matching no customer (numbers beyond N, or a
  lower-case `c`); 0.02% have a missing placed_at;
* rows are in placed_at order (an export by time), not grouped by customer.

Memory stays bounded whatever M is: orders are generated customer block by
customer block and spilled, by time bucket, to raw files next to OUT; then each
bucket is read back, sorted by time and written as zstd Parquet in row groups of
exactly --row-group-size rows (the last one smaller). ~1 GB peak at M = 100M.
The same arguments always give the same file.
"""

import argparse
import os
import pathlib
import shutil
import sys
import time

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

DAY_US = 86_400 * 1_000_000
EPOCH_DAY = np.datetime64("1970-01-01", "D")
START = int((np.datetime64("2023-07-01", "D") - EPOCH_DAY).astype(np.int64)) * DAY_US
END = int((np.datetime64("2026-07-21", "D") - EPOCH_DAY).astype(np.int64)) * DAY_US
CHANNELS = ["web", "app", "store"]
CHANNEL_P = np.array([0.50, 0.35, 0.15])
UNMATCHED = 0.005          # share of rows whose key matches no customer
MISSING_AMOUNT = 0.01
MISSING_TIME = 0.0002
CUSTOMER_BLOCK = 1 << 18   # customers generated together (fixed: part of the output's identity)

# One spilled order: customer number, key prefix byte, time (us), amount in
# quarters (-1 = missing), channel index, missing-time flag. 19 bytes.
SPILL = np.dtype([("num", "<u4"), ("pre", "u1"), ("t", "<i8"), ("q", "<i4"),
                  ("ch", "i1"), ("tnull", "?")])


def log(msg):
    print(f"[orders {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def customers(n, m_matched, rng):
    """Per-customer arrays: order count, activity window [lo, hi) in us,
    log basket size, favourite channel."""
    propensity = rng.gamma(0.25, 1.0, n)
    counts = rng.multinomial(m_matched, propensity / propensity.sum())
    del propensity
    # Acquisition: density growing (as t^0.5) from a year before the window.
    first = START - 365 * DAY_US
    acquired = first + (END - first) * rng.random(n) ** (1 / 1.5)
    lifetime = rng.exponential(540.0, n) * (1.0 + np.log1p(counts) / 2.0) * DAY_US
    lo = np.maximum(acquired, START)
    hi = np.minimum(acquired + lifetime, END)
    # At least a day, and about a week per order: a heavy buyer is not
    # squeezed into a few days at either end of the window.
    span = np.minimum((1 + 7 * counts) * DAY_US, END - START).astype(np.float64)
    hi = np.minimum(np.maximum(hi, lo + span), END)
    lo = np.maximum(np.minimum(lo, hi - span), START)
    basket = rng.normal(np.log(60.0), 0.55, n)
    favourite = rng.choice(3, size=n, p=CHANNEL_P).astype(np.int8)
    return counts, lo.astype(np.int64), hi.astype(np.int64), basket, favourite


def bucket_of_day(counts, lo, hi, target):
    """Time buckets of about `target` expected orders each, as a day -> bucket
    lookup (the expected daily volume from each customer's window)."""
    days = int((END - START) // DAY_US) + 2
    lo_d, hi_d = lo // DAY_US - START // DAY_US, hi // DAY_US - START // DAY_US
    rate = counts / (hi_d - lo_d + 1)
    diff = np.bincount(lo_d, rate, days + 1) - np.bincount(hi_d + 1, rate, days + 1)
    per_day = np.cumsum(diff)[:days]
    before = np.concatenate([[0.0], np.cumsum(per_day)[:-1]])
    return (before // max(target, 1)).astype(np.int64)


def block_orders(b, seed, counts, lo, hi, basket, favourite, n, unmatched):
    """The spilled rows of customer block b (matched orders plus this block's
    share of unmatched keys), unsorted."""
    rng = np.random.default_rng([seed, 1, b])
    first = b * CUSTOMER_BLOCK
    c = counts[first:first + CUSTOMER_BLOCK]
    idx = np.repeat(np.arange(first, first + len(c), dtype=np.int64), c)
    k = len(idx)
    out = np.empty(k + unmatched, dtype=SPILL)
    out["num"][:k] = idx + 1
    out["pre"][:k] = ord("C")
    out["t"][:k] = lo[idx] + (rng.random(k) * (hi[idx] - lo[idx])).astype(np.int64)
    amount = np.exp(basket[idx] + rng.normal(0.0, 0.45, k))
    out["q"][:k] = np.maximum(np.rint(amount * 4), 1).astype(np.int32)
    fav = rng.random(k) < 0.7
    out["ch"][:k] = np.where(fav, favourite[idx], rng.choice(3, size=k, p=CHANNEL_P))
    if unmatched:
        u = slice(k, k + unmatched)
        # Keys of customers missing from the export (numbers beyond N), or the
        # right number with a lower-case prefix (keys match case-sensitively).
        beyond = rng.random(unmatched) < 0.6
        out["num"][u] = np.where(beyond, n + 1 + rng.integers(0, n // 10 + 1, unmatched),
                                 rng.integers(1, n + 1, unmatched))
        out["pre"][u] = np.where(beyond, ord("C"), ord("c"))
        out["t"][u] = out["t"][rng.integers(0, k, unmatched)] if k else \
            START + rng.integers(0, END - START, unmatched)
        out["q"][u] = np.maximum(np.rint(np.exp(rng.normal(np.log(60.0), 0.7, unmatched)) * 4), 1)
        out["ch"][u] = rng.choice(3, size=unmatched, p=CHANNEL_P)
    total = k + unmatched
    out["q"][rng.random(total) < MISSING_AMOUNT] = -1
    out["tnull"] = rng.random(total) < MISSING_TIME
    return out


def key_strings(prefix, numbers):
    """prefix byte + number with at least 7 digits (`C0000042`), vectorised."""
    n = len(numbers)
    numbers = numbers.astype(np.int64)
    nd = 7 + (numbers >= 10**7) + (numbers >= 10**8) + (numbers >= 10**9)
    width = (1 + nd).astype(np.int64)
    mat = np.zeros((n, 11), dtype=np.uint8)
    mat[:, 0] = prefix
    rows = np.arange(n)
    rest = numbers.copy()
    for k in range(10):
        digit = (rest % 10).astype(np.uint8) + ord("0")
        rest //= 10
        m = k < nd
        mat[rows[m], (nd - k)[m]] = digit[m]
    data = mat[np.arange(11)[None, :] < width[:, None]]
    offsets = np.zeros(n + 1, dtype=np.int32)
    np.cumsum(width, out=offsets[1:])
    return pa.StringArray.from_buffers(n, pa.py_buffer(offsets), pa.py_buffer(data))


SCHEMA = pa.schema([
    pa.field("customer_id", pa.string(), nullable=False),
    pa.field("placed_at", pa.timestamp("us", tz="UTC")),
    pa.field("amount", pa.float64()),
    pa.field("channel", pa.string(), nullable=False),
])


def to_table(rows):
    ts = pa.array(rows["t"], type=pa.int64(), mask=rows["tnull"]).cast(pa.timestamp("us", tz="UTC"))
    q = rows["q"]
    amount = pa.array(q / 4.0, type=pa.float64(), mask=q < 0)
    channel = pc.take(pa.array(CHANNELS), pa.array(rows["ch"]))
    return pa.Table.from_arrays([key_strings(rows["pre"], rows["num"]), ts, amount, channel],
                                schema=SCHEMA)


def generate(out, n, m, seed, rg):
    if n < 1 or m < 0:
        raise SystemExit("orders.py: need --customers >= 1 and --orders >= 0")
    rng = np.random.default_rng(seed)
    m_unmatched = int(round(m * UNMATCHED))
    counts, lo, hi, basket, favourite = customers(n, m - m_unmatched, rng)
    day_bucket = bucket_of_day(counts, lo, hi, rg)
    n_buckets = int(day_bucket[-1]) + 1
    log(f"{n:,} customers, {m:,} orders ({m_unmatched:,} unmatched keys), "
        f"{(counts == 0).mean():.0%} without orders, max {counts.max():,} per customer; "
        f"{n_buckets} time buckets")

    spill = pathlib.Path(str(out) + ".spill")
    shutil.rmtree(spill, ignore_errors=True)
    spill.mkdir(parents=True)
    files = [open(spill / f"{i:05d}.bin", "wb") for i in range(n_buckets)]
    blocks = (n + CUSTOMER_BLOCK - 1) // CUSTOMER_BLOCK
    block_orders_total = np.add.reduceat(counts, np.arange(0, n, CUSTOMER_BLOCK))
    # This block's share of the unmatched rows, rounded so the shares add up exactly.
    cum = np.concatenate([[0], np.cumsum(block_orders_total)])
    shares = np.diff(np.rint(cum / max(cum[-1], 1) * m_unmatched).astype(np.int64)) \
        if cum[-1] else np.bincount([0], minlength=blocks) * m_unmatched
    try:
        for b in range(blocks):
            rows = block_orders(b, seed, counts, lo, hi, basket, favourite, n, int(shares[b]))
            bucket = day_bucket[np.clip((rows["t"] - START) // DAY_US, 0, len(day_bucket) - 1)]
            order = np.argsort(bucket, kind="stable")
            rows, bucket = rows[order], bucket[order]
            edges = np.searchsorted(bucket, np.arange(n_buckets + 1))
            for i in range(n_buckets):
                if edges[i + 1] > edges[i]:
                    rows[edges[i]:edges[i + 1]].tofile(files[i])
            if b % 8 == 7 or b == blocks - 1:
                log(f"generated customer block {b + 1}/{blocks}")
        for f in files:
            f.close()
        del counts, lo, hi, basket, favourite

        tmp = pathlib.Path(str(out) + ".tmp")
        written, pending = 0, []
        with pq.ParquetWriter(tmp, SCHEMA, compression="zstd") as writer:
            def flush(rows):
                nonlocal written
                writer.write_table(to_table(rows), row_group_size=len(rows))
                written += len(rows)

            for i in range(n_buckets):
                path = spill / f"{i:05d}.bin"
                rows = np.fromfile(path, dtype=SPILL)
                path.unlink()
                rows = rows[np.argsort(rows["t"], kind="stable")]
                pending.append(rows)
                have = sum(len(p) for p in pending)
                if have >= rg:
                    rows = np.concatenate(pending)
                    full = len(rows) // rg * rg
                    for s in range(0, full, rg):
                        flush(rows[s:s + rg])
                    pending = [rows[full:]]
                if i % 10 == 9:
                    log(f"wrote {written:,} rows")
            rows = np.concatenate(pending) if pending else np.empty(0, dtype=SPILL)
            if len(rows) or written == 0:
                flush(rows)
        if written != m:
            raise SystemExit(f"orders.py: wrote {written} rows, expected {m}")
        os.replace(tmp, out)
    finally:
        for f in files:
            f.close()
        shutil.rmtree(spill, ignore_errors=True)
    log(f"wrote {out}: {m:,} rows, {os.path.getsize(out) / 1e6:.0f} MB")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("output")
    ap.add_argument("--customers", type=int, required=True)
    ap.add_argument("--orders", type=int, required=True)
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--row-group-size", type=int, default=1_000_000)
    a = ap.parse_args()
    generate(a.output, a.customers, a.orders, a.seed, a.row_group_size)


if __name__ == "__main__":
    main()
