"""The peer benchmark's driver: runs segmint, DuckDB and Polars as separate
processes on the same file, checks that they agree, and times them.

    python harness/bench.py check FILE [--engines ...]
        count + materialise once per engine on FILE, plus the brute-force
        reference (harness/reference.py); fails loudly on any difference.
    python harness/bench.py run --data N=FILE [--data N=FILE ...] [--runs 5]
        [--engines segmint,duckdb,polars] [--results results.md]
        one warm-up run per engine, task and size (its counts and output are
        checked for agreement), then --runs timed runs; prints and writes a
        markdown table. Exit 1 if any engine disagrees or fails.

Timing: whole-process wall time (perf_counter around fork..wait) and peak RSS of
that process (ru_maxrss from os.wait4), so nothing but the engine is measured and
no external `time` binary is needed.
"""

import argparse
import datetime as dt
import os
import pathlib
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import time

import duckdb

HERE = pathlib.Path(__file__).resolve().parent
PEERS = HERE.parent
ROOT = PEERS.parent.parent
sys.path.insert(0, str(HERE))
from reference import SEGMENTS, TIERS, counts as reference_counts  # noqa: E402

AS_OF = "2026-06-30"
OUTPUTS = SEGMENTS + [f"value_tier.{t}" for t in TIERS]
ENGINES = ["segmint", "duckdb", "polars"]
TIER_BLOCKS = {"value_tier"}


# ---------------------------------------------------------------- commands

# The Parquet compression of materialised tables, the same for every engine
# (BENCH_COMPRESSION=snappy bench.py run …; default zstd).
COMPRESSION = os.environ.get("BENCH_COMPRESSION", "zstd")


def command(engine, task, data, output, segmint_bin):
    """The argv that runs one engine on one task."""
    py = sys.executable
    written = ["--output", output, "--compression", COMPRESSION] if task == "materialise" else []
    if engine == "segmint":
        argv = [segmint_bin, "eval", str(PEERS / "segments"), "--data", data, "--as-of", AS_OF]
        return argv + written
    script = str(PEERS / "queries" / f"{engine}_run.py")
    return [py, script, task, "--data", data] + written


class Run:
    """One finished process: wall seconds, peak RSS in MiB, exit code, output."""

    def __init__(self, argv):
        self.argv = argv
        with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
            start = time.perf_counter()
            try:
                proc = subprocess.Popen(argv, stdout=out, stderr=err, stdin=subprocess.DEVNULL)
            except OSError as e:  # e.g. segmint not built
                self.wall, self.code, self.rss_mib, self.stdout, self.stderr = 0.0, 127, 0.0, "", str(e)
                return
            _, status, usage = os.wait4(proc.pid, 0)
            self.wall = time.perf_counter() - start
            proc.returncode = os.waitstatus_to_exitcode(status)
            self.code = proc.returncode
            self.rss_mib = usage.ru_maxrss / 1024  # Linux: KiB
            out.seek(0)
            err.seek(0)
            self.stdout = out.read().decode(errors="replace")
            self.stderr = err.read().decode(errors="replace")

    def fail_text(self):
        return (f"`{' '.join(self.argv)}` exited {self.code}\n"
                f"stdout:\n{self.stdout[-2000:]}\nstderr:\n{self.stderr[-2000:]}")


# ---------------------------------------------------------------- agreement

def parse_counts(text):
    """`name count` lines -> {name: count}, tolerant of segmint's layout.

    Accepts `name 12`, `name: 12`, `name  12  3.4%`, `| name | 12 | ... |`,
    and for tiers `value_tier.gold 12`, `value_tier = gold 12`,
    `value_tier gold 12`, `value_tier/gold: 12`, or a `value_tier ...` header
    line followed by `gold 12` lines (segmint's table). Lines without a known
    output name are ignored (headers, totals).
    """
    found, section = {}, None
    for line in text.splitlines():
        tokens = [t.strip(",") for t in re.split(
            r"(?:[\s|:=/]|(?<!\d),|,(?!\d))+|(?<=[a-z_])\.(?=[a-z])", line.strip()) if t]
        numbers = [i for i, t in enumerate(tokens) if t.replace("_", "").replace(",", "").isdigit()]
        if not numbers:
            section = tokens[0] if tokens and tokens[0] in TIER_BLOCKS else None
            continue
        i = numbers[0]
        name = ".".join(tokens[:i])
        if name not in OUTPUTS and section:
            name = f"{section}.{name}"
        if i > 0 and name in OUTPUTS:
            found[name] = int(tokens[i].replace("_", "").replace(",", ""))
    return found


def summarise_output(path):
    """Per output of a materialised table: members and an order-independent
    checksum of their keys (so two engines agree on WHO, not only how many)."""
    con = duckdb.connect()
    src = f"read_parquet('{path}')"
    names = [r[0] for r in con.execute(f"DESCRIBE SELECT * FROM {src}").fetchall()]
    expected = ["customer_id"] + SEGMENTS + ["value_tier"]
    summary = {"__columns__": names, "__rows__": con.execute(f"SELECT count(*) FROM {src}").fetchone()[0]}
    if names != expected:
        return summary
    aggs = []
    for s in SEGMENTS:
        aggs += [f"count(*) FILTER (WHERE {s})", f"sum(hash(customer_id)) FILTER (WHERE {s})"]
    for t in TIERS:
        aggs += [f"count(*) FILTER (WHERE value_tier = '{t}')",
                 f"sum(hash(customer_id)) FILTER (WHERE value_tier = '{t}')"]
    aggs.append("count(*) FILTER (WHERE " + " OR ".join(f"{s} IS NULL" for s in SEGMENTS) + ")")
    row = con.execute(f"SELECT {', '.join(aggs)} FROM {src}").fetchone()
    for k, name in enumerate(OUTPUTS):
        summary[name] = (row[2 * k], int(row[2 * k + 1] or 0))
    summary["__null_memberships__"] = row[-1]
    return summary


def compare_counts(label, by_engine):
    """Problems (strings) where engines' counts differ or are missing."""
    problems = []
    for name in OUTPUTS:
        values = {e: c.get(name) for e, c in by_engine.items()}
        if len(set(values.values())) != 1 or None in values.values():
            problems.append(f"{label}: {name}: " + ", ".join(f"{e}={v}" for e, v in values.items()))
    return problems


def compare_outputs(label, summaries, counts):
    problems = []
    for e, s in summaries.items():
        expected = ["customer_id"] + SEGMENTS + ["value_tier"]
        if s["__columns__"] != expected:
            problems.append(f"{label}: {e} wrote columns {s['__columns__']}, expected {expected}")
        elif s["__null_memberships__"]:
            problems.append(f"{label}: {e} wrote {s['__null_memberships__']} rows with a NULL membership")
    good = {e: s for e, s in summaries.items() if s["__columns__"][1:-1] == SEGMENTS}
    for name in OUTPUTS:
        values = {e: s[name] for e, s in good.items()}
        if len(set(values.values())) > 1:
            problems.append(f"{label}: members of {name} differ: "
                            + ", ".join(f"{e}={v[0]} (keysum {v[1]})" for e, v in values.items()))
        for e, v in values.items():
            if counts and name in counts and v[0] != counts[name]:
                problems.append(f"{label}: {e} materialised {v[0]} members of {name}, counted {counts[name]}")
    return problems


# ---------------------------------------------------------------- check

def check(args):
    data = args.file
    out_dir = pathlib.Path(tempfile.mkdtemp(prefix="segmint-peers-"))
    by_engine = {"reference": reference_counts(data)}
    summaries, problems = {}, []
    for engine in args.engines:
        r = Run(command(engine, "count", data, None, args.segmint))
        if r.code != 0:
            problems.append(f"check: {engine} count failed:\n{r.fail_text()}")
            continue
        by_engine[engine] = parse_counts(r.stdout)
        out = str(out_dir / f"{engine}.parquet")
        r = Run(command(engine, "materialise", data, out, args.segmint))
        if r.code != 0:
            problems.append(f"check: {engine} materialise failed:\n{r.fail_text()}")
            continue
        summaries[engine] = summarise_output(out)
    problems += compare_counts("check count", by_engine)
    problems += compare_outputs("check materialise", summaries, by_engine["reference"])
    width = max(len(n) for n in OUTPUTS)
    print(f"{'output':<{width}} " + " ".join(f"{e:>10}" for e in by_engine))
    for name in OUTPUTS:
        print(f"{name:<{width}} " + " ".join(f"{str(c.get(name, '-')):>10}" for c in by_engine.values()))
    return report_problems(problems)


def report_problems(problems):
    if not problems:
        print("\nall engines agree")
        return 0
    print("\n" + "!" * 72 + "\nDISAGREEMENT / FAILURE\n" + "!" * 72, file=sys.stderr)
    for p in problems:
        print(" - " + p, file=sys.stderr)
    return 1


# ---------------------------------------------------------------- run

def bench_one(engine, task, data, runs, out_dir, segmint_bin):
    """Warm-up (checked) then timed runs; returns (runs, counts|summary, problems)."""
    size = pathlib.Path(data).stem
    out = str(out_dir / f"{size}.{engine}.parquet") if task == "materialise" else None

    def once():
        if out and os.path.exists(out):
            os.remove(out)
        return Run(command(engine, task, data, out, segmint_bin))

    warm = once()
    if warm.code != 0:
        return [], None, [f"{engine} {task} on {data} failed:\n{warm.fail_text()}"]
    result = parse_counts(warm.stdout) if task == "count" else summarise_output(out)
    timed = []
    for _ in range(runs):
        r = once()
        if r.code != 0:
            return timed, result, [f"{engine} {task} on {data} failed:\n{r.fail_text()}"]
        timed.append(r)
    return timed, result, []


def git(*argv):
    return subprocess.run(["git", "-C", str(ROOT), *argv], capture_output=True, text=True,
                          check=False).stdout.strip()


def proc_field(path, key, pick):
    """A field of a /proc file such as /proc/cpuinfo, or None."""
    text = pathlib.Path(path).read_text()
    return next((pick(line) for line in text.splitlines() if line.startswith(key)), None)


def versions(segmint_bin, load):
    import polars
    import pyarrow
    rev, dirty = git("rev-parse", "--short", "HEAD"), git("status", "--porcelain")
    built = (dt.datetime.fromtimestamp(os.path.getmtime(segmint_bin), dt.timezone.utc)
             .strftime("%Y-%m-%d %H:%M UTC") if os.path.exists(segmint_bin) else "-")
    cpu = proc_field("/proc/cpuinfo", "model name", lambda s: s.split(":", 1)[1].strip())
    mem_kib = proc_field("/proc/meminfo", "MemTotal", lambda s: int(s.split()[1])) or 0
    return [
        f"- date: {dt.datetime.now(dt.timezone.utc):%Y-%m-%d %H:%M} UTC",
        f"- machine: {cpu or platform.processor()}, {os.cpu_count()} cores, {mem_kib / 1024 / 1024:.0f} GiB",
        (f"- segmint: `{os.path.relpath(segmint_bin, ROOT)}` (release), built {built}; "
         f"work tree at {rev}{' + uncommitted changes' if dirty else ''}"),
        (f"- load average (1 min) when the run started: {load} "
         "(other work on the machine makes the numbers noisy)"),
        (f"- duckdb {duckdb.__version__}, polars {polars.__version__}, pyarrow {pyarrow.__version__}, "
         f"python {platform.python_version()}"),
    ]


def data_facts(size, path):
    import pyarrow.parquet as pq
    md = pq.ParquetFile(path).metadata
    codecs = {md.row_group(i).column(j).compression
              for i in range(md.num_row_groups) for j in range(md.num_columns)}
    mb = os.path.getsize(path) / 1e6
    return (f"- {size}: `{os.path.relpath(path, ROOT)}`, {md.num_rows} rows, {md.num_row_groups} "
            f"row groups, {'/'.join(sorted(codecs))}, {mb:.0f} MB")


def run(args):
    sizes = []
    for item in args.data:
        label, _, path = item.partition("=")
        sizes.append((label, path))
    args.load = pathlib.Path("/proc/loadavg").read_text().split()[0]
    out_dir = pathlib.Path(args.out_dir)
    rows, problems = [], []
    startup = python_startup(args) if args.runs else {}
    for label, path in sizes:
        for task in ("count", "materialise"):
            results = {}
            for engine in args.engines:
                print(f"[{label} {task}] {engine} ...", file=sys.stderr, flush=True)
                timed, result, errs = bench_one(engine, task, path, args.runs, out_dir, args.segmint)
                problems += errs
                if result is not None:
                    results[engine] = result
                if timed:
                    wall = statistics.median(r.wall for r in timed)
                    rss = max(r.rss_mib for r in timed)
                    rows.append((label, task, engine, wall, rss, [r.wall for r in timed]))
                    print(f"    median {wall:.3f} s, peak {rss:.0f} MiB", file=sys.stderr)
            if task == "count":
                problems += compare_counts(f"{label} count", results)
                counted = next(iter(results.values()), None)
            else:
                problems += compare_outputs(f"{label} materialise", results, counted)
    text = render(rows, sizes, args, problems, startup)
    print(text)
    if args.results:
        pathlib.Path(args.results).write_text(text)
    return report_problems(problems)


def python_startup(args):
    """Median wall time and peak RSS of a Python process that only imports each
    peer: the fixed cost inside every peer measurement (segmint has none)."""
    out = {}
    for engine in args.engines:
        if engine == "segmint":
            continue
        argv = [sys.executable, "-c", f"import {engine}"]
        Run(argv)
        runs = [Run(argv) for _ in range(max(args.runs, 1))]
        out[engine] = (statistics.median(r.wall for r in runs), max(r.rss_mib for r in runs))
    return out


def render(rows, sizes, args, problems, startup):
    lines = ["# Peer benchmark: segmint vs DuckDB vs Polars", "",
             ("Generated by `bash benches/peers/run.sh` (see README.md). "
              f"Median whole-process wall time of {args.runs} runs after one warm-up; "
              "peak RSS is the largest of those runs. ratio = segmint / peer "
              "(below 1: segmint is faster or smaller)."), ""]
    lines += versions(args.segmint, args.load) + [""]
    lines += [data_facts(label, path) for label, path in sizes] + [""]
    lines += ["| rows | task | engine | median wall s | peak RSS MiB | wall segmint/peer | RSS segmint/peer |",
              "|---:|---|---|---:|---:|---:|---:|"]
    base = {(r[0], r[1]): r for r in rows if r[2] == "segmint"}
    for label, task, engine, wall, rss, _ in rows:
        s = base.get((label, task))
        ratio = rss_ratio = "–"
        if s and engine != "segmint":
            ratio, rss_ratio = f"{s[3] / wall:.2f}", f"{s[4] / rss:.2f}"
        lines.append(f"| {int(label):,} | {task} | {engine} | {wall:.3f} | {rss:.0f} | {ratio} | {rss_ratio} |")
    if startup:
        lines += ["", "Fixed cost included in each peer's numbers above: a Python process that only "
                  "imports the peer takes " + ", ".join(
                      f"{e} {w:.3f} s / {m:.0f} MiB" for e, (w, m) in startup.items()) + "."]
    lines += ["", "All runs (s): " + "; ".join(
        f"{r[0]} {r[1]} {r[2]}: {' '.join(f'{w:.3f}' for w in r[5])}" for r in rows), ""]
    if problems:
        lines += ["## DISAGREEMENTS / FAILURES", ""] + [f"- {p}" for p in problems]
    else:
        lines += [(f"Agreement: every engine gave the same member count for all {len(OUTPUTS)} "
                   "outputs, and the same members (key checksum) in its materialised table.")]
    return "\n".join(lines) + "\n"


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    for name in ("check", "run"):
        p = sub.add_parser(name)
        p.add_argument("--engines", default=",".join(ENGINES),
                       type=lambda s: [e for e in s.split(",") if e])
        p.add_argument("--segmint", default=str(ROOT / "target" / "release" / "segmint"))
    sub.choices["check"].add_argument("file")
    r = sub.choices["run"]
    r.add_argument("--data", action="append", required=True, metavar="ROWS=FILE")
    r.add_argument("--runs", type=int, default=5)
    r.add_argument("--results")
    r.add_argument("--out-dir", default=str(PEERS / "out"))
    args = ap.parse_args()
    if args.cmd == "run":
        os.makedirs(args.out_dir, exist_ok=True)
    return check(args) if args.cmd == "check" else run(args)


if __name__ == "__main__":
    sys.exit(main())
