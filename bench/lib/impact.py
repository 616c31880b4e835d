#!/usr/bin/env python3
"""What a scan costs live traffic: GWS-like single-partition reads during a scan.

Usage: bench/work/venv/bin/python bench/lib/impact.py KEYSPACE   (bench/run calls it)

An agent's desktop reads its settings one group at a time: one partition of the settings
table (`SELECT setting_key, value FROM settings WHERE owner_id = ? AND group_name = ?`, the
read behind GWS's GET of an agent's settings group). This issues that read for random agents
at a fixed, modest rate (open loop: each read is due at its own time, and its latency counts
from that time, so a stalled node is not hidden by reads that were never sent), and records
p50, p95 and p99 latency in three phases of equal length:

  (a) idle       nothing else runs
  (b) free scan  gdpr_forget_me searches the keyspace at full speed, again and again
  (c) throttled  the same search with --max-rows-per-second at IMPACT_FRACTION (25%) of the
                 speed measured in (b)

Results: a table of latencies and their ratios to (a), written to
bench/results/<date>-<host>-impact.json. A phase with a failed read or a failed or incomplete
scan fails the benchmark (exit 1): no figure is shown from it.

Environment: BENCH_PORT (9042), BENCH_TOOL (target/release/gdpr_forget_me), IMPACT_RATE
(reads/s, 50), IMPACT_SECONDS (per phase, 30), IMPACT_FRACTION (0.25), BENCH_RESULTS_IMPACT.
"""
import json
import os
import random
import socket
import subprocess
import sys
import threading
import time

from cassandra import ConsistencyLevel
from cassandra.cluster import Cluster
from cassandra.policies import WhiteListRoundRobinPolicy

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
WORK = os.path.join(ROOT, "bench", "work")
TOOL = os.environ.get("BENCH_TOOL") or os.path.join(ROOT, "target", "release", "gdpr_forget_me")
SUBJECT_EMAIL = "bench.subject@pizza.com"


def percentile(sorted_values, p):
    if not sorted_values:
        return float("nan")
    k = (len(sorted_values) - 1) * p / 100.0
    lo, hi = int(k), min(int(k) + 1, len(sorted_values) - 1)
    return sorted_values[lo] + (sorted_values[hi] - sorted_values[lo]) * (k - lo)


class Reader:
    """Open-loop reads at `rate` per second for `seconds`; latencies in ms from due time."""

    def __init__(self, session, statement, partitions, rate, seconds):
        self.session, self.statement, self.partitions = session, statement, partitions
        self.rate, self.seconds = rate, seconds
        self.latencies, self.errors = [], []
        self.lock = threading.Lock()
        self.pending = 0
        self.done = threading.Event()

    def _finish(self, due, ok, err=None):
        took = (time.perf_counter() - due) * 1000.0
        with self.lock:
            if ok:
                self.latencies.append(took)
            else:
                self.errors.append(str(err)[:200])
            self.pending -= 1
            if self.pending == 0 and self.done.is_set():
                self.all_back.set()

    def run(self):
        self.all_back = threading.Event()
        start = time.perf_counter()
        n = int(self.rate * self.seconds)
        for i in range(n):
            due = start + i / self.rate
            delay = due - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            owner, group = random.choice(self.partitions)
            with self.lock:
                self.pending += 1
            fut = self.session.execute_async(self.statement, (owner, group))
            fut.add_callbacks(lambda _rows, due=due: self._finish(due, True),
                              lambda err, due=due: self._finish(due, False, err))
        with self.lock:
            self.done.set()
            if self.pending == 0:
                self.all_back.set()
        self.all_back.wait(timeout=60)
        return self


class ScanLoop:
    """Runs the tool's search over and over until stopped; records each run's speed."""

    def __init__(self, port, keyspace, extra):
        self.argv = [TOOL, "--cass_keyspace", keyspace, "--cass_hostname", "127.0.0.1",
                     "--cass_port", str(port), "--format", "json", "--no-progress",
                     "--search", SUBJECT_EMAIL] + extra
        self.stop = threading.Event()
        self.runs, self.failures = [], []
        self.thread = threading.Thread(target=self._loop, daemon=True)
        self.proc = None

    def _loop(self):
        while not self.stop.is_set():
            t0 = time.monotonic()
            self.proc = subprocess.Popen(self.argv, stdout=subprocess.PIPE,
                                         stderr=subprocess.PIPE)
            out, err = self.proc.communicate()
            wall = time.monotonic() - t0
            if self.stop.is_set() and self.proc.returncode != 0:
                break  # cut short on purpose at the end of the phase
            try:
                report = json.loads(out)
                ok = self.proc.returncode == 0 and report.get("complete") is True
            except ValueError:
                report, ok = {}, False
            if not ok:
                self.failures.append(f"exit {self.proc.returncode}: {err.decode()[-300:]}")
                break
            self.runs.append({"wall_s": wall, "rows": report["scanned"]["rows"]})

    def start(self):
        self.thread.start()
        return self

    def finish(self):
        self.stop.set()
        # A scan still running is cut short, unless none has finished yet: its speed is
        # needed (the throttled phase is set from the free one), so it is let finish.
        if self.runs and self.proc and self.proc.poll() is None:
            self.proc.terminate()
        self.thread.join()

    def rows_per_s(self):
        rows = sum(r["rows"] for r in self.runs)
        wall = sum(r["wall_s"] for r in self.runs)
        return rows / wall if wall else None


def phase(name, session, stmt, partitions, rate, seconds, scan=None):
    print(f"   phase {name}: {rate} reads/s for {seconds} s"
          + (f", scan {' '.join(scan.argv[-2:]) if '--max-rows-per-second' in scan.argv else 'free'}"
             if scan else ""), flush=True)
    if scan:
        scan.start()
        time.sleep(1.0)  # let the scan get going before reads are counted
    reader = Reader(session, stmt, partitions, rate, seconds).run()
    if scan:
        scan.finish()
    lat = sorted(reader.latencies)
    res = {
        "phase": name, "reads": len(lat), "errors": len(reader.errors),
        "error_samples": reader.errors[:3],
        "p50_ms": percentile(lat, 50), "p95_ms": percentile(lat, 95),
        "p99_ms": percentile(lat, 99), "max_ms": lat[-1] if lat else None,
    }
    if scan:
        res["scan_runs"] = len(scan.runs)
        res["scan_rows_per_s"] = scan.rows_per_s()
        res["scan_failures"] = scan.failures
    res["passed"] = (res["errors"] == 0 and res["reads"] == int(rate * seconds)
                     and (scan is None or (not scan.failures and bool(scan.runs))))
    print(f"     p50 {res['p50_ms']:.2f} ms, p95 {res['p95_ms']:.2f} ms, p99 {res['p99_ms']:.2f} ms, "
          f"{res['reads']} reads, {res['errors']} errors"
          + (f", scan {res['scan_runs']} run(s) at {res['scan_rows_per_s'] or 0:,.0f} rows/s"
             if scan else "") + ("" if res["passed"] else "  FAILED"), flush=True)
    return res


def table(phases):
    base = phases[0]
    lines = ["| phase | scan rows/s | p50 ms | p95 ms | p99 ms | p50 / (a) | p95 / (a) | p99 / (a) |",
             "|---|---|---|---|---|---|---|---|"]
    for p in phases:
        speed = p.get("scan_rows_per_s")
        speed = "-" if speed is None else f"{speed:,.0f}"
        lines.append(
            f"| {p['title']} | {speed} | {p['p50_ms']:.2f} | {p['p95_ms']:.2f} | {p['p99_ms']:.2f} | "
            f"{p['p50_ms'] / base['p50_ms']:.2f} | {p['p95_ms'] / base['p95_ms']:.2f} | "
            f"{p['p99_ms'] / base['p99_ms']:.2f} |")
    return "\n".join(lines)


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: impact.py KEYSPACE")
    ks = sys.argv[1]
    port = int(os.environ.get("BENCH_PORT", 9042))
    rate = int(os.environ.get("IMPACT_RATE", 50))
    seconds = int(os.environ.get("IMPACT_SECONDS", 30))
    fraction = float(os.environ.get("IMPACT_FRACTION", 0.25))
    random.seed(11)
    cluster = Cluster(["127.0.0.1"], port=port, protocol_version=4,
                      load_balancing_policy=WhiteListRoundRobinPolicy(["127.0.0.1"]))
    session = cluster.connect()
    partitions = [(r.owner_id, r.group_name) for r in
                  session.execute(f"SELECT owner_id, group_name FROM {ks}.settings_groups LIMIT 5000")]
    if not partitions:
        sys.exit(f"impact: {ks}.settings_groups is empty (load it with bench/run first)")
    stmt = session.prepare(f"SELECT setting_key, value FROM {ks}.settings "
                           "WHERE owner_id = ? AND group_name = ?")
    stmt.consistency_level = ConsistencyLevel.LOCAL_ONE
    # Warm the connection pool and the partitions' pages.
    Reader(session, stmt, partitions, rate, 3).run()

    print(f"\n== impact on {ks}: {len(partitions)} partitions, {rate} reads/s, {seconds} s per phase",
          flush=True)
    results = []
    a = phase("a", session, stmt, partitions, rate, seconds)
    a["title"] = "(a) idle"
    results.append(a)
    b = phase("b", session, stmt, partitions, rate, seconds, ScanLoop(port, ks, []))
    b["title"] = "(b) unthrottled scan"
    results.append(b)
    free = b.get("scan_rows_per_s")
    if not b["passed"] or not free:
        print("impact: FAILED: the unthrottled phase failed; no throttled phase without its speed")
        write(ks, port, rate, seconds, fraction, results, None)
        sys.exit(1)
    cap = max(1, int(free * fraction))
    c = phase("c", session, stmt, partitions, rate, seconds,
              ScanLoop(port, ks, ["--max-rows-per-second", str(cap)]))
    c["title"] = f"(c) scan capped at {cap:,} rows/s ({fraction:.0%} of (b))"
    c["cap_rows_per_s"] = cap
    results.append(c)
    cluster.shutdown()
    ok = all(p["passed"] for p in results)
    write(ks, port, rate, seconds, fraction, results, table(results) if ok else None)
    if not ok:
        print("\nIMPACT BENCHMARK FAILED: a phase had failed reads or a failed scan (see above); "
              "its figures are not figures")
        sys.exit(1)
    print("\n" + table(results))


def write(ks, port, rate, seconds, fraction, results, md):
    stamp = time.strftime("%Y-%m-%d")
    path = os.environ.get("BENCH_RESULTS_IMPACT") or os.path.join(
        ROOT, "bench", "results", f"{stamp}-{socket.gethostname()}-impact.json")
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        json.dump({"date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "keyspace": ks,
                   "port": port, "read_rate_per_s": rate, "seconds_per_phase": seconds,
                   "throttle_fraction": fraction, "loadavg": open("/proc/loadavg").read().split()[:3],
                   "nproc": os.cpu_count(), "phases": results, "table_markdown": md}, f, indent=2)
    print(f"impact results written to {os.path.relpath(path, ROOT)}")


if __name__ == "__main__":
    main()
