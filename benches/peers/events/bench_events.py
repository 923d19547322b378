"""The event benchmark's driver: runs segmint, DuckDB and Polars as separate
processes on the same customers + orders files, checks that they agree, and
times them. Process handling, peak RSS and the machine description come from
harness/bench.py.

    python events/bench_events.py check --customers C --orders O [--hand-made]
        [--engines segmint,duckdb,polars] [--segmint BIN]
        count + materialise once per engine; compares the counts AND the member
        keys of every segment with the brute-force reference
        (event_reference.py); --hand-made also checks the reference against the
        expected outcome of each hand-made case of tiny_orders.py. Exit 1 on any
        difference.
    python events/bench_events.py run --data C.parquet:O.parquet [--data ...]
        [--runs 5] [--engines ...] [--segmint BIN]
        [--segmint-sizes C:O,...] [--segmint-runs K] [--results F] [--note TEXT]
        per size and engine one warm-up run, then --runs timed runs (count
        task); the warm-up counts must agree across engines. segmint runs only
        at --segmint-sizes (default: all) and --segmint-runs times (default
        --runs; 0 = just the one checked run, reported as such). Writes a
        markdown table; exit 1 if any engine disagrees or fails.
"""

import argparse
import pathlib
import re
import statistics
import sys
import tempfile
import types

import pyarrow.parquet as pq

HERE = pathlib.Path(__file__).resolve().parent
PEERS = HERE.parent
ROOT = PEERS.parent.parent
sys.path.insert(0, str(PEERS / "harness"))
import bench  # noqa: E402  (harness/bench.py: Run, versions, data_facts, python_startup)

sys.path.insert(0, str(HERE))
import event_reference  # noqa: E402
from tiny_orders import CASES  # noqa: E402

SEGMENTS = event_reference.SEGMENTS
AS_OF = "2026-06-30"
ENGINES = ["segmint", "duckdb", "polars"]


def command(engine, task, customers, orders, output, segmint_bin):
    if engine == "segmint":
        argv = [segmint_bin, "eval", str(HERE / "segments"), "--data", customers,
                "--events", f"orders={orders}", "--as-of", AS_OF]
    else:
        argv = [sys.executable, str(HERE / f"{engine}_events.py"), task,
                "--customers", customers, "--orders", orders]
    return argv + (["--output", output] if task == "materialise" else [])


def parse_counts(text):
    """{segment: count} from lines that name a segment and then a number
    (`name 12`, `name: 12`, `| name | 12 | 3.4% |`, `name  1,234  5.6%`)."""
    found = {}
    for line in text.splitlines():
        tokens = [t for t in re.split(r"[\s|:=]+", line.strip()) if t]
        for i, t in enumerate(tokens):
            if t in SEGMENTS:
                for u in tokens[i + 1:]:
                    digits = u.replace(",", "").replace("_", "")
                    if digits.isdigit():
                        found[t] = int(digits)
                        break
                break
    return found


def read_members(path):
    """{segment: set of member keys} of a materialised membership table."""
    t = pq.read_table(path)
    names = t.column_names
    if names != ["customer_id"] + SEGMENTS:
        return names
    keys = t.column("customer_id").to_pylist()
    out = {}
    for s in SEGMENTS:
        col = t.column(s).to_pylist()
        if any(v is None for v in col):
            return f"NULL memberships in {s}"
        out[s] = {k for k, v in zip(keys, col) if v}
    return out


def rows_of(path):
    return pq.ParquetFile(path).metadata.num_rows


# ---------------------------------------------------------------- check

def check(args):
    c, o = args.customers, args.orders
    expected = event_reference.members(c, o)
    problems = []
    if args.hand_made:
        keys = pq.read_table(c, columns=["customer_id"]).column(0).to_pylist()
        for i, (segment, member, _) in enumerate(CASES):
            if (keys[i] in expected[segment]) != member:
                problems.append(f"reference: hand-made case {i} ({keys[i]}) should "
                                f"{'' if member else 'not '}be in {segment}")
    counts = {"reference": {s: len(m) for s, m in expected.items()}}
    out_dir = pathlib.Path(tempfile.mkdtemp(prefix="segmint-events-"))
    notes = []
    for engine in args.engines:
        r = bench.Run(command(engine, "count", c, o, None, args.segmint))
        if r.code != 0:
            problems.append(f"{engine} count failed:\n{r.fail_text()}")
            continue
        counts[engine] = parse_counts(r.stdout)
        if engine == "segmint":
            notes += re.findall(r"(\d+) events? left out", r.stderr)
        out = str(out_dir / f"{engine}.parquet")
        r = bench.Run(command(engine, "materialise", c, o, out, args.segmint))
        if r.code != 0:
            problems.append(f"{engine} materialise failed:\n{r.fail_text()}")
            continue
        got = read_members(out)
        if not isinstance(got, dict):
            problems.append(f"{engine} materialised a wrong table: {got}")
            continue
        for s in SEGMENTS:
            if got[s] != expected[s]:
                extra, missing = sorted(got[s] - expected[s]), sorted(expected[s] - got[s])
                problems.append(f"{engine} members of {s}: {len(extra)} too many {extra[:5]}, "
                                f"{len(missing)} missing {missing[:5]}")
    for s in SEGMENTS:
        values = {e: n.get(s) for e, n in counts.items()}
        if len(set(values.values())) != 1:
            problems.append(f"count of {s}: " + ", ".join(f"{e}={v}" for e, v in values.items()))
    width = max(map(len, SEGMENTS))
    print(f"{'segment':<{width}} " + " ".join(f"{e:>10}" for e in counts))
    for s in SEGMENTS:
        print(f"{s:<{width}} " + " ".join(f"{str(n.get(s, '-')):>10}" for n in counts.values()))
    print(f"events left out (missing time, or a key matching no customer): "
          f"{event_reference.left_out(c, o)} by the reference"
          + "".join(f", {n} by segmint's warning" for n in notes))
    return bench.report_problems(problems)


# ---------------------------------------------------------------- run

def label_of(customers, orders):
    return f"{rows_of(customers)}:{rows_of(orders)}"


def run(args):
    sizes = []
    for item in args.data:
        customers, _, orders = item.partition(":")
        sizes.append((label_of(customers, orders), customers, orders))
    load = pathlib.Path("/proc/loadavg").read_text().split()[0]
    segmint_sizes = set(args.segmint_sizes.split(",")) if args.segmint_sizes else None
    rows, problems, agreed = [], [], {}
    for label, customers, orders in sizes:
        results = {}
        for engine in args.engines:
            runs = args.runs
            if engine == "segmint":
                if segmint_sizes is not None and label not in segmint_sizes:
                    continue
                runs = args.runs if args.segmint_runs is None else args.segmint_runs
            print(f"[{label}] {engine} ...", file=sys.stderr, flush=True)
            argv = command(engine, "count", customers, orders, None, args.segmint)
            warm = bench.Run(argv)
            if warm.code != 0:
                problems.append(f"{engine} on {label} failed:\n{warm.fail_text()}")
                continue
            results[engine] = parse_counts(warm.stdout)
            timed = [bench.Run(argv) for _ in range(runs)] or [warm]
            failed = [r for r in timed if r.code != 0]
            if failed:
                problems.append(f"{engine} on {label} failed:\n{failed[0].fail_text()}")
                continue
            wall = statistics.median(r.wall for r in timed)
            rss = max(r.rss_mib for r in timed)
            rows.append((label, engine, runs, wall, rss, [r.wall for r in timed]))
            print(f"    {'median' if runs else 'single run'} {wall:.3f} s, peak {rss:.0f} MiB",
                  file=sys.stderr, flush=True)
        for s in SEGMENTS:
            values = {e: n.get(s) for e, n in results.items()}
            if len(set(values.values())) != 1 or None in values.values():
                problems.append(f"{label}: {s}: " + ", ".join(f"{e}={v}" for e, v in values.items()))
        agreed[label] = (results, sorted(results))
    startup = bench.python_startup(types.SimpleNamespace(engines=args.engines, runs=args.runs)) \
        if args.runs else {}
    text = render(rows, sizes, args, load, problems, agreed, startup)
    print(text)
    if args.results:
        pathlib.Path(args.results).write_text(text)
    return bench.report_problems(problems)


def render(rows, sizes, args, load, problems, agreed, startup):
    lines = ["# Event benchmark: segmint vs DuckDB vs Polars", "",
             ("Generated by `bash benches/peers/run_events.sh` (see README.md, \"Event benchmark\"): "
              "the six segments of `events/segments/orders.seg` (one per kind of event aggregate) "
              f"over a customers file and an orders file, as of {AS_OF}. Each engine prints the "
              "member count of every segment. Median whole-process wall time of the timed runs "
              "after one warm-up; peak RSS is the largest of those runs. ratio = engine / DuckDB."),
             ""]
    if args.note:
        lines += [args.note, ""]
    facts = bench.versions(args.segmint, load)
    if "segmint" not in {r[1] for r in rows}:
        facts = [f for f in facts if not f.startswith("- segmint:")]
    lines += facts + [""]
    for label, customers, orders in sizes:
        lines += [bench.data_facts("customers", customers), bench.data_facts("orders", orders)]
    lines += ["", "| customers | orders | engine | runs | median wall s | peak RSS MiB "
              "| wall / DuckDB | RSS / DuckDB |", "|---:|---:|---|---:|---:|---:|---:|---:|"]
    base = {r[0]: r for r in rows if r[1] == "duckdb"}
    for label, engine, runs, wall, rss, _ in rows:
        b = base.get(label)
        ratio = rss_ratio = "–"
        if b and engine != "duckdb":
            ratio, rss_ratio = f"{wall / b[3]:.2f}", f"{rss / b[4]:.2f}"
        n_c, n_o = (int(x) for x in label.split(":"))
        shown = str(runs) if runs else "1 (no warm-up)"
        lines.append(f"| {n_c:,} | {n_o:,} | {engine} | {shown} | {wall:.3f} | {rss:.0f} "
                     f"| {ratio} | {rss_ratio} |")
    if startup:
        lines += ["", "Fixed cost included in each peer's numbers above: a Python process that only "
                  "imports the peer takes " + ", ".join(
                      f"{e} {w:.3f} s / {m:.0f} MiB" for e, (w, m) in startup.items()) + "."]
    lines += ["", "All runs (s): " + "; ".join(
        f"{r[0]} {r[1]}: {' '.join(f'{w:.3f}' for w in r[5])}" for r in rows), ""]
    lines += ["Member counts (the warm-up run of each engine):", "",
              "| segment | " + " | ".join(label for label, _, _ in sizes) + " |",
              "|---|" + "---:|" * len(sizes)]
    for s in SEGMENTS:
        cells = []
        for label, _, _ in sizes:
            results, engines = agreed.get(label, ({}, []))
            values = {results[e].get(s) for e in engines}
            cells.append(f"{values.pop():,}" if len(values) == 1 and None not in values
                         else " / ".join(f"{e} {results[e].get(s)}" for e in engines))
        lines.append(f"| `{s}` | " + " | ".join(cells) + " |")
    lines.append("")
    if problems:
        lines += ["## DISAGREEMENTS / FAILURES", ""] + [f"- {p}" for p in problems]
    else:
        lines.append(f"Agreement: the engines gave the same count for all {len(SEGMENTS)} "
                     "segments at each size (" + "; ".join(
                         f"{label}: {', '.join(engines)}" for label, (_, engines) in agreed.items())
                     + ").")
    return "\n".join(lines) + "\n"


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    for name in ("check", "run"):
        p = sub.add_parser(name)
        p.add_argument("--engines", default=",".join(ENGINES),
                       type=lambda s: [e for e in s.split(",") if e])
        p.add_argument("--segmint", default=str(ROOT / "target" / "release" / "segmint"))
    ch = sub.choices["check"]
    ch.add_argument("--customers", required=True)
    ch.add_argument("--orders", required=True)
    ch.add_argument("--hand-made", action="store_true")
    r = sub.choices["run"]
    r.add_argument("--data", action="append", required=True, metavar="CUSTOMERS:ORDERS")
    r.add_argument("--runs", type=int, default=5)
    r.add_argument("--segmint-sizes", metavar="C:O,...")
    r.add_argument("--segmint-runs", type=int)
    r.add_argument("--results")
    r.add_argument("--note")
    args = ap.parse_args()
    return check(args) if args.cmd == "check" else run(args)


if __name__ == "__main__":
    sys.exit(main())
