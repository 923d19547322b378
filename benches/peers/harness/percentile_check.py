"""Which percentile formulations of DuckDB and Polars match the spec's rule

    x in top P%  <=>  (number of present values > x) / n < P/100

on ties? Prints, for each formulation, how many memberships differ from the
rule over a set of tie-heavy columns (with nulls). The queries use the ones
that differ on none; this script is the evidence (see README).

    python harness/percentile_check.py [P ...]     (default: 20 30)
"""

import random
import sys

import duckdb
import polars as pl
import pyarrow as pa

P = 20


def spec(values, p):
    present = [v for v in values if v is not None]
    n = len(present)
    return [v is not None and sum(1 for w in present if w > v) * 100 < p * n for v in values]


def cases():
    rng = random.Random(3)
    yield "1..10", list(range(1, 11))
    yield "ties at the edge", [1, 2, 3, 3, 3, 3, 3, 4, 5, 5]
    yield "all equal", [7.0] * 9
    yield "two values", [1.0] * 79 + [2.0] * 21
    yield "n=5", [1, 2, 3, 4, 5]
    yield "n=7", [1, 2, 3, 4, 5, 6, 7]
    for n in (99, 100, 101, 1000, 1003):
        yield f"n={n} few distinct + nulls", [
            None if rng.random() < 0.1 else float(rng.choice([0, 10, 10, 250, 1000, 1000, 5000]))
            for _ in range(n)
        ]
        yield f"n={n} distinct", [rng.random() for _ in range(n)]


DUCK = {
    "rank: (rank() desc - 1) * 100 < P * n": """
        coalesce((rank() OVER (ORDER BY v DESC NULLS LAST) - 1) * 100
                 < {p} * count(v) OVER (), false)""",
    "threshold: v >= m-th largest, m = ceil(P n / 100)": """
        coalesce(v >= (SELECT min(v) FROM (SELECT v FROM t WHERE v IS NOT NULL ORDER BY v DESC
                 LIMIT (SELECT (count(v) * {p} + 99) // 100 FROM t))), false)""",
    "cume_dist() asc > 1 - P/100": """
        coalesce(CASE WHEN v IS NULL THEN NULL ELSE
                 cume_dist() OVER (PARTITION BY v IS NULL ORDER BY v) END > 1 - {p} / 100, false)""",
    "percent_rank() desc < P/100": """
        coalesce(CASE WHEN v IS NULL THEN NULL ELSE
                 percent_rank() OVER (PARTITION BY v IS NULL ORDER BY v DESC) END < {p} / 100, false)""",
    "percent_rank() asc >= 1 - P/100": """
        coalesce(CASE WHEN v IS NULL THEN NULL ELSE
                 percent_rank() OVER (PARTITION BY v IS NULL ORDER BY v) END >= 1 - {p} / 100, false)""",
    "v >= quantile_disc(v, 1 - P/100)": """
        coalesce(v >= (SELECT quantile_disc(v, 1 - {p} / 100) FROM t), false)""",
    "v >= quantile_cont(v, 1 - P/100)": """
        coalesce(v >= (SELECT quantile_cont(v, 1 - {p} / 100) FROM t), false)""",
    "ntile(100 / P) desc = 1": """
        coalesce(CASE WHEN v IS NULL THEN NULL ELSE
                 ntile(100 // {p}) OVER (PARTITION BY v IS NULL ORDER BY v DESC) END = 1, false)""",
}


def duck(values, sql):
    con = duckdb.connect()
    con.register("t_arrow", pa.table({"i": list(range(len(values))), "v": pa.array(values, pa.float64())}))
    con.execute("CREATE TABLE t AS SELECT * FROM t_arrow")
    rows = con.execute(f"SELECT i, {sql.format(p=P)} FROM t ORDER BY i").fetchall()
    return [bool(m) for _, m in rows]


def _v():
    return pl.col("v")


POLARS = {
    "rank('min', descending) - 1 < P n / 100 (in integers)":
        lambda: ((_v().rank("min", descending=True) - 1) * 100 < P * _v().count()),
    "threshold: v >= sort desc .get(m - 1)":
        lambda: _v() >= _v().drop_nulls().sort(descending=True).get((_v().count() * P + 99) // 100 - 1),
    "rank('max') / n > 1 - P/100 (cume_dist)":
        lambda: _v().rank("max") / _v().count() > 1 - P / 100,
    "rank('average') / n > 1 - P/100":
        lambda: _v().rank("average") / _v().count() > 1 - P / 100,
    "v >= quantile(1 - P/100, 'nearest')": lambda: _v() >= _v().quantile(1 - P / 100, "nearest"),
    "v >= quantile(1 - P/100, 'lower')": lambda: _v() >= _v().quantile(1 - P / 100, "lower"),
    "v >= quantile(1 - P/100, 'higher')": lambda: _v() >= _v().quantile(1 - P / 100, "higher"),
    "v >= quantile(1 - P/100, 'linear')": lambda: _v() >= _v().quantile(1 - P / 100, "linear"),
    "v >= top_k(m).min()": lambda: _v() >= _v().top_k((_v().count() * P + 99) // 100).min(),
}


def polars(values, make):
    df = pl.DataFrame({"v": pl.Series(values, dtype=pl.Float64)})
    return df.lazy().select(make().fill_null(False).alias("m")).collect(engine="streaming")["m"].to_list()


def main():
    global P
    for arg in sys.argv[1:] or ["20", "30"]:
        P = int(arg)
        report()
        print()


def report():
    all_cases = list(cases())
    rows = []
    for engine, forms, run in (("duckdb", DUCK, duck), ("polars", POLARS, polars)):
        for label, form in forms.items():
            wrong, bad_cases = 0, []
            for name, values in all_cases:
                try:
                    got = run(values, form)
                except Exception as e:  # a formulation this version cannot run
                    bad_cases.append(f"{name}: error {type(e).__name__}")
                    continue
                diff = sum(g != w for g, w in zip(got, spec(values, P)))
                if diff:
                    wrong += diff
                    bad_cases.append(name)
            rows.append((engine, label, wrong, bad_cases))
    print(f"top {P}%: rows whose membership differs from the spec, over {len(all_cases)} columns\n")
    print("| engine | formulation | rows wrong | columns where it differs |")
    print("|---|---|---:|---|")
    for engine, label, wrong, bad in rows:
        print(f"| {engine} | `{label}` | {wrong} | {', '.join(bad) or '-'} |")


if __name__ == "__main__":
    main()
