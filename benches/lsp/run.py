#!/usr/bin/env python3
"""Speed and memory of `segmint lsp`, driven over stdio like an editor.

  python3 benches/lsp/run.py [--bin target/release/segmint] [--rows 1000000]
                             [--edits 200] [--long 10000]

1. diagnostics: a project of 1,000 segments in 100 files (the peer benchmark's
   library: ten segments and the tiers block per file, names suffixed); one file is
   edited `--edits` times, alternating a valid and an invalid edit; the time from
   sending `didChange` to receiving that version's `publishDiagnostics`.
2. live sizes: the peer benchmark's library (19 segments, a tiers block) over the
   `segmint sample` table of `--rows` customers; after a burst of edits, the time
   from the last `didChange` to code lenses with the new numbers (the 250 ms
   debounce included).
3. memory: `--long` edits in the 1,000-segment project (half of them invalid);
   the server's resident memory (VmRSS) every tenth of the way.
"""
import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import queue
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LIBRARY = ROOT / "benches/peers/segments/library.seg"
SCHEMA = ROOT / "benches/peers/segments/schema.seg"


class Server:
    def __init__(self, binary, cwd, refresh=False):
        self.proc = subprocess.Popen([binary, "lsp"], cwd=cwd, stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        self.messages = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()
        self.next_id = 0
        caps = {"workspace": {"codeLens": {"refreshSupport": refresh}}}
        self.request("initialize", {"processId": None, "rootUri": None, "capabilities": caps})
        self.notify("initialized", {})

    def _read(self):
        out = self.proc.stdout
        while True:
            length = None
            while True:
                line = out.readline()
                if not line:
                    return
                line = line.strip()
                if not line:
                    break
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":")[1])
            self.messages.put((time.perf_counter(), json.loads(out.read(length))))

    def send(self, message):
        body = json.dumps(message).encode()
        self.proc.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        self.proc.stdin.flush()

    def notify(self, method, params):
        self.send({"jsonrpc": "2.0", "method": method, "params": params})

    def request(self, method, params):
        self.next_id += 1
        rid = self.next_id
        self.send({"jsonrpc": "2.0", "id": rid, "method": method, "params": params})
        return self.wait(lambda m: m.get("id") == rid and "method" not in m)[1].get("result")

    def wait(self, wanted, timeout=60):
        deadline = time.perf_counter() + timeout
        while True:
            at, message = self.messages.get(timeout=max(0.01, deadline - time.perf_counter()))
            if wanted(message):
                return at, message

    def rss_kib(self):
        for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
        return 0

    def stop(self):
        self.request("shutdown", None)
        self.notify("exit", None)
        self.proc.wait(timeout=10)


def definitions(text):
    """The library's blocks, each with its leading doc comment."""
    blocks, current = [], []
    for line in text.splitlines(keepends=True):
        if line.startswith("//") and not line.startswith("///") and not blocks and not current:
            continue
        current.append(line)
        if line.startswith("}"):
            blocks.append("".join(current))
            current = []
    return blocks


def rename(block, names, suffix):
    """Suffixes every defined name outside string literals."""
    pattern = re.compile(r"\b(" + "|".join(map(re.escape, names)) + r")\b")
    parts = re.split(r'("(?:[^"\\]|\\.)*")', block)
    return "".join(p if p.startswith('"') else pattern.sub(lambda m: m.group(1) + suffix, p)
                   for p in parts)


def big_project(folder):
    """1,000 segments in 100 files: the tiers block and nine segments per file."""
    (folder / "segments").mkdir(parents=True)
    (folder / "segmint.toml").write_text('segments = ["segments"]\nas_of = "2026-06-30"\n')
    (folder / "segments/schema.seg").write_text(SCHEMA.read_text())
    blocks = definitions(LIBRARY.read_text())
    tiers = [b for b in blocks if "\ntiers " in "\n" + b]
    segments = [b for b in blocks if "\nsegment " in "\n" + b and "value_tier" not in b][:9]
    names = [re.search(r"^(?:segment|tiers) (\w+)", b, re.M).group(1) for b in tiers + segments]
    for f in range(100):
        text = "".join(rename(b, names, f"_{f:03}") for b in tiers + segments)
        # A tenth segment per file, referring to the file's first one (cross-references).
        text += f"segment extra_{f:03} {{\n  where {names[1]}_{f:03} and orders_count >= 2\n}}\n"
        (folder / f"segments/lib{f:03}.seg").write_text(text)
    return folder / "segments/lib050.seg"


def percentile(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def diagnostics_latency(binary, edits):
    with tempfile.TemporaryDirectory() as tmp:
        path = big_project(Path(tmp))
        uri = path.as_uri()
        text = path.read_text()
        server = Server(binary, tmp)
        server.notify("textDocument/didOpen", {"textDocument": {
            "uri": uri, "languageId": "segmint", "version": 0, "text": text}})
        server.wait(lambda m: m.get("method") == "textDocument/publishDiagnostics"
                    and m["params"]["uri"] == uri)
        times = []
        for version in range(1, edits + 1):
            edited = text.replace("orders_count >= 2", "orders_cnt >= 2" if version % 2 else
                                  f"orders_count >= {version}")
            sent = time.perf_counter()
            server.notify("textDocument/didChange", {
                "textDocument": {"uri": uri, "version": version},
                "contentChanges": [{"text": edited}]})
            at, message = server.wait(lambda m: m.get("method") == "textDocument/publishDiagnostics"
                                      and m["params"]["uri"] == uri
                                      and m["params"].get("version") == version)
            expected_errors = version % 2 == 1
            assert bool(message["params"]["diagnostics"]) == expected_errors, message
            times.append((at - sent) * 1000)
        server.stop()
        return times


def lens_latency(binary, rows, rounds):
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        (folder / "segments").mkdir()
        data = folder / "customers.parquet"
        subprocess.run([binary, "sample", "--rows", str(rows), "--output", str(data)],
                       check=True, stdout=subprocess.DEVNULL)
        (folder / "segmint.toml").write_text(
            'segments = ["segments"]\ndata = "customers.parquet"\nas_of = "2026-06-30"\n')
        (folder / "segments/schema.seg").write_text(SCHEMA.read_text())
        path = folder / "segments/library.seg"
        text = LIBRARY.read_text()
        path.write_text(text)
        uri = path.as_uri()
        server = Server(binary, tmp, refresh=True)
        server.notify("textDocument/didOpen", {"textDocument": {
            "uri": uri, "languageId": "segmint", "version": 0, "text": text}})
        settled(server, uri)
        times = []
        version = 0
        for n in range(rounds):
            # A burst of five keystrokes 50 ms apart, then the edit settles.
            for k in range(5):
                version += 1
                edited = text.replace("orders_count >= 2", f"orders_count >= {2 + (n + k) % 4}")
                sent = time.perf_counter()
                server.notify("textDocument/didChange", {
                    "textDocument": {"uri": uri, "version": version},
                    "contentChanges": [{"text": edited}]})
                time.sleep(0.05)
            at = settled(server, uri)
            times.append((at - sent) * 1000)
        server.stop()
        return times


def settled(server, uri):
    """The time lenses stopped saying `updating`."""
    while True:
        at, _ = server.wait(lambda m: m.get("method") == "workspace/codeLens/refresh", timeout=120)
        lenses = server.request("textDocument/codeLens", {"textDocument": {"uri": uri}})
        if lenses and "updating" not in json.dumps(lenses):
            return at


def memory(binary, edits):
    with tempfile.TemporaryDirectory() as tmp:
        path = big_project(Path(tmp))
        uri = path.as_uri()
        text = path.read_text()
        server = Server(binary, tmp)
        server.notify("textDocument/didOpen", {"textDocument": {
            "uri": uri, "languageId": "segmint", "version": 0, "text": text}})
        server.wait(lambda m: m.get("method") == "textDocument/publishDiagnostics"
                    and m["params"]["uri"] == uri)
        samples = [(0, server.rss_kib())]
        for version in range(1, edits + 1):
            edited = text.replace("orders_count >= 2", "orders_cnt >= 2" if version % 2 else
                                  f"orders_count >= {version}")
            server.notify("textDocument/didChange", {
                "textDocument": {"uri": uri, "version": version},
                "contentChanges": [{"text": edited}]})
            server.wait(lambda m: m.get("method") == "textDocument/publishDiagnostics"
                        and m["params"].get("version") == version)
            if version % max(1, edits // 10) == 0:
                samples.append((version, server.rss_kib()))
        server.stop()
        return samples


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--bin", default=str(ROOT / "target/release/segmint"))
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--edits", type=int, default=200)
    parser.add_argument("--lens-rounds", type=int, default=10)
    parser.add_argument("--long", type=int, default=10_000)
    args = parser.parse_args()
    args.bin = str(Path(args.bin).resolve())
    times = diagnostics_latency(args.bin, args.edits)
    print(f"diagnostics after didChange, 1,000 segments in 100 files, {len(times)} edits: "
          f"median {statistics.median(times):.1f} ms, p95 {percentile(times, 95):.1f} ms, "
          f"max {max(times):.1f} ms")
    times = lens_latency(args.bin, args.rows, args.lens_rounds)
    print(f"live sizes on {args.rows:,} rows, after a burst of edits settles, {len(times)} rounds: "
          f"median {statistics.median(times):.0f} ms, max {max(times):.0f} ms")
    samples = memory(args.bin, args.long)
    shown = ", ".join(f"{v}: {kib / 1024:.1f}" for v, kib in samples)
    print(f"memory (VmRSS MiB) over {args.long:,} edits: {shown}")


if __name__ == "__main__":
    sys.exit(main())
