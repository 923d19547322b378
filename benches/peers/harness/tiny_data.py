"""Writes a small customer table that is hard to get right: nulls in every
nullable column, heavy ties in `lifetime_value`, timestamps on both sides of
every window edge (including the last microsecond of a day and the future),
empty lists, and e-mails that only almost end with "@gmail.com".

    python harness/tiny_data.py OUT.parquet [--rows N] [--seed S] [--tz ZONE] [--plain]

Same schema and Arrow types as `segmint sample` writes (dictionary-encoded
enums and low-cardinality strings, microsecond timestamps in UTC), so the file
can be fed to segmint, DuckDB, Polars and the reference alike. `--plain` writes
plain strings and naive timestamps instead; `--tz` tags the timestamp columns
with another zone (the instants stay the same).
"""

import argparse
import datetime as dt
import random

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

GENDERS = ["female", "male", "nonbinary", "unknown"]
STATUSES = ["in_works", "rejected", "poor", "one_time", "occasional", "regular"]
REASONS = ["too_expensive", "competitor", "no_need", "timing", "other"]
SOURCES = ["organic", "paid_search", "social", "referral", "email", "partner"]
DEVICES = ["desktop", "mobile", "tablet"]
OSES = ["ios", "android", "windows", "macos", "linux", "other"]
CITIES = ["New York", "London", "Berlin", "Paris", "Madrid", "Rome", "Amsterdam",
          "Toronto", "São Paulo", "Tokyo", "Sao Paulo", "Leeds", "Lyon", "london", "New York ", ""]
COUNTRIES = ["GB", "DE", "FR", "ES", "IT", "NL", "SE", "PL", "IE", "AT", "CH", "DK",
             "NO", "CA", "AU", "US", "BR", "gb", "JP"]
TAGS = ["vip", "VIP", "vips", "wholesale", "beta", "staff"]
DOMAINS = ["@gmail.com", "@gmail.co", "@GMAIL.com", "@gmail.com.au", "@yahoo.com",
           "gmail.com", "@example.org"]
DICTIONARY = ["first_name", "country", "city", "gender", "status", "rejection_reason",
              "lead_source", "device", "os"]
AS_OF = dt.datetime(2026, 6, 30)
US = dt.timedelta(microseconds=1)


def edge_times():
    """Instants right at the edges of the benchmark's windows."""
    out = []
    for days in (0, 30, 31, 179, 180, 181, 364, 365, 366):
        day = AS_OF - dt.timedelta(days=days)
        out += [day, day - US, day + dt.timedelta(hours=12), day + dt.timedelta(days=1) - US]
    out += [AS_OF + dt.timedelta(days=1), AS_OF + dt.timedelta(days=40)]  # the future
    return out


def maybe(rng, p_null, value):
    return None if rng.random() < p_null else value


def ts(rng, edges):
    if rng.random() < 0.3:
        return rng.choice(edges)
    return AS_OF - dt.timedelta(seconds=rng.randrange(0, 900 * 86400))


def row(rng, i, edges):
    orders = rng.choice([0, 0, 1, 1, 2, 3, 4, 4, 5, 6, 12])
    ltv = rng.choice([0.0, 0.0, 10.0, 250.0, 499.99, 500.0, 500.0, 2499.5, 2500.0, 2500.0, 12000.0])
    if rng.random() < 0.2:
        ltv = round(rng.uniform(0, 20000), 2)
    status = rng.choice(STATUSES)
    return {
        "customer_id": f"c{i:06d}",
        "email": maybe(rng, 0.15, f"user{i}{rng.choice(DOMAINS)}"),
        "first_name": maybe(rng, 0.1, f"Name{i % 97}"),
        "country": rng.choice(COUNTRIES),
        "city": maybe(rng, 0.2, rng.choice(CITIES)),
        "age": maybe(rng, 0.2, rng.choice([17, 18, 19, 25, 34, 35, 50, 70])),
        "gender": rng.choice(GENDERS),
        "signup_date": (AS_OF - dt.timedelta(days=rng.randrange(0, 2000))).date(),
        "status": status,
        "rejection_reason": maybe(rng, 0.5, rng.choice(REASONS)) if status == "rejected"
        else maybe(rng, 0.9, rng.choice(REASONS)),
        "lead_source": rng.choice(SOURCES),
        "device": rng.choice(DEVICES),
        "os": maybe(rng, 0.2, rng.choice(OSES)),
        "app_installed": rng.random() < 0.4,
        "orders_count": orders,
        "first_order_at": maybe(rng, 0.25, ts(rng, edges)),
        "last_order_at": maybe(rng, 0.25, ts(rng, edges)),
        "lifetime_value": ltv,
        "avg_order_value": maybe(rng, 0.3, rng.choice([0.0, 99.99, 100.0, 100.01, 400.0])),
        "email_opens_90d": rng.choice([0, 4, 5, 6, 30]),
        "page_clicks_30d": rng.choice([0, 9, 10, 11, 80]),
        "sessions_to_purchase": maybe(rng, 0.3, rng.choice([0, 1, 3, 4, 9])),
        "tags": rng.sample(TAGS, rng.choice([0, 0, 1, 2, 3])),
        "interests": rng.sample(["shoes", "bags", "tech"], rng.choice([0, 1, 2])),
        "newsletter_opt_in": rng.random() < 0.5,
        "last_seen_at": maybe(rng, 0.1, ts(rng, edges)),
    }


def schema(tz):
    t = pa.timestamp("us", tz=tz)
    return pa.schema([
        pa.field("customer_id", pa.string(), nullable=False),
        ("email", pa.string()), ("first_name", pa.string()),
        pa.field("country", pa.string(), nullable=False),
        ("city", pa.string()), ("age", pa.int64()),
        pa.field("gender", pa.string(), nullable=False),
        pa.field("signup_date", pa.date32(), nullable=False),
        pa.field("status", pa.string(), nullable=False),
        ("rejection_reason", pa.string()),
        pa.field("lead_source", pa.string(), nullable=False),
        pa.field("device", pa.string(), nullable=False),
        ("os", pa.string()),
        pa.field("app_installed", pa.bool_(), nullable=False),
        pa.field("orders_count", pa.int64(), nullable=False),
        ("first_order_at", t), ("last_order_at", t),
        pa.field("lifetime_value", pa.float64(), nullable=False),
        ("avg_order_value", pa.float64()),
        pa.field("email_opens_90d", pa.int64(), nullable=False),
        pa.field("page_clicks_30d", pa.int64(), nullable=False),
        ("sessions_to_purchase", pa.int64()),
        pa.field("tags", pa.list_(pa.string()), nullable=False),
        pa.field("interests", pa.list_(pa.string()), nullable=False),
        pa.field("newsletter_opt_in", pa.bool_(), nullable=False),
        ("last_seen_at", t),
    ])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--rows", type=int, default=20_000)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--row-group-size", type=int, default=4096)
    ap.add_argument("--tz", default="UTC", help="time zone of the timestamp columns")
    ap.add_argument("--plain", action="store_true", help="plain strings, naive timestamps")
    a = ap.parse_args()
    if a.plain:
        a.tz = None
    rng = random.Random(a.seed)
    edges = edge_times()
    sch = schema(a.tz)
    out_schema = sch if a.plain else pa.schema([
        f.with_type(pa.dictionary(pa.int32(), pa.string())) if f.name in DICTIONARY else f for f in sch])
    with pq.ParquetWriter(a.out, out_schema, compression="zstd") as writer:
        for start in range(0, a.rows, a.row_group_size):
            rows = [row(rng, i, edges) for i in range(start, min(start + a.row_group_size, a.rows))]
            if a.tz:
                for r in rows:
                    for k in ("first_order_at", "last_order_at", "last_seen_at"):
                        if r[k] is not None:
                            r[k] = r[k].replace(tzinfo=dt.timezone.utc)
            table = pa.Table.from_pylist(rows, schema=sch)
            if not a.plain:
                for name in DICTIONARY:
                    i = table.schema.get_field_index(name)
                    table = table.set_column(i, out_schema.field(name), pc.dictionary_encode(table[name]))
            writer.write_table(table, row_group_size=a.row_group_size)


if __name__ == "__main__":
    main()
