#!/usr/bin/env python3
"""Runs the scan benchmark's cases against loaded keyspaces and writes the results.

Called by bench/run (which builds, starts the node, fetches the peers and loads the data).
Standard library only. Every figure is measured from outside the process: wall time on a
monotonic clock, user+sys CPU and peak RSS from the kernel's accounting of the reaped child
(wait4), and the Cassandra node's own CPU from /proc/<pid>/stat before and after the run.
"""
import json
import os
import platform
import re
import shutil
import socket
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
WORK = os.path.join(ROOT, "bench", "work")
TOOL = os.environ.get("BENCH_TOOL") or os.path.join(ROOT, "target", "release", "gdpr_forget_me")
JAVA_HOME = os.environ.get("JAVA_HOME", "/usr/lib/jvm/java-17-openjdk-amd64")
SUBJECT_EMAIL = "bench.subject@pizza.com"
SUBJECT_PHONE = "+15550100999"
TICK = os.sysconf("SC_CLK_TCK")


def env_int(name, default):
    return int(os.environ.get(name, default))


def cassandra_pid(port):
    """The pid of the CassandraDaemon listening on `port` (several nodes may run)."""
    out = subprocess.run(["ps", "-eo", "pid=,args="], capture_output=True, text=True).stdout
    candidates = []
    for line in out.splitlines():
        pid, _, args = line.strip().partition(" ")
        if "CassandraDaemon" in args:
            candidates.append((int(pid), args))
    # Match the node listening on the port through /proc/<pid>/fd -> socket inodes.
    inode = None
    with open("/proc/net/tcp") as f:
        for line in f.readlines()[1:]:
            parts = line.split()
            local, state = parts[1], parts[3]
            if state == "0A" and int(local.split(":")[1], 16) == port:
                inode = parts[9]
    for pid, _ in candidates:
        try:
            for fd in os.listdir(f"/proc/{pid}/fd"):
                if os.readlink(f"/proc/{pid}/fd/{fd}") == f"socket:[{inode}]":
                    return pid
        except OSError:
            continue
    return candidates[0][0] if candidates else None


def proc_cpu(pid):
    if pid is None:
        return 0.0
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK


def heap_of(pid):
    if pid is None:
        return None
    with open(f"/proc/{pid}/cmdline") as f:
        args = f.read().split("\0")
    xmx = [a[4:] for a in args if a.startswith("-Xmx")]
    return xmx[-1] if xmx else None


def run_once(argv, out_path, cass_pid, env=None):
    """One measured run: returns wall, cpu (user+sys), peak RSS in MiB, exit code, node CPU."""
    with open("/proc/loadavg") as f:
        load1 = float(f.read().split()[0])
    node_before = proc_cpu(cass_pid)
    with open(out_path, "wb") as out:
        t0 = time.monotonic()
        proc = subprocess.Popen(argv, stdout=out, stderr=subprocess.PIPE, env=env)
        stderr = b""
        stderr_head = b""
        # Drain stderr as it comes (DSBulk prints progress there).
        for chunk in iter(lambda: proc.stderr.read(65536), b""):
            if len(stderr_head) < 4096:
                stderr_head += chunk[: 4096 - len(stderr_head)]
            stderr = (stderr + chunk)[-65536:]
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.monotonic() - t0
    node = proc_cpu(cass_pid) - node_before
    return {
        "wall_s": wall,
        "cpu_s": usage.ru_utime + usage.ru_stime,
        "peak_rss_mib": usage.ru_maxrss / 1024.0,
        "exit": os.waitstatus_to_exitcode(status),
        "node_cpu_s": node,
        "loadavg_1m_at_start": load1,
        "stderr_tail": (stderr_head + b"\n...\n" + stderr).decode("utf-8", "replace"),
    }


# Phone numbers of absent people, by region, none in the generated data's ranges (which are
# US 555-01xx in real area codes and UK 020 7946 0xxx): a mix of regions and spellings, since
# national numbers of many regions are where many identifiers cost most.
PHONE_FORMS = [
    lambda k: f"+1 555 011 {k % 10000:04d}",              # US, another fictional exchange
    lambda k: f"+44 20 7946 1{k % 1000:03d}",             # UK, Ofcom's drama range, 1xxx
    lambda k: f"+49 30 {90000000 + k % 10000000:08d}",    # DE, Berlin
    lambda k: f"+353 87 {1000000 + k % 9000000:07d}",     # IE, mobile
    lambda k: f"+33 6 {10000000 + k % 90000000:08d}",     # FR, mobile
]


def ids_file(path, n):
    """n distinct identifiers, half e-mail addresses and half phone numbers of five regions,
    the planted subject's two among them; none of the others occurs in the generated data."""
    lines = [SUBJECT_EMAIL, SUBJECT_PHONE]
    i = 0
    while len(lines) < n:
        if i % 2 == 0:
            lines.append(f"absent{i}.person@nowhere.example.net")
        else:
            k = i // 2
            lines.append(PHONE_FORMS[k % len(PHONE_FORMS)](k // len(PHONE_FORMS)))
        i += 1
    assert len(set(lines)) == n, "identifiers must be distinct"
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")
    return path


def requests_file(path, n):
    """n requests of a batch, one a line: the planted subject's (an export), then n - 1 absent
    people's, each with an e-mail address and a phone number of the five regions (searches)."""
    lines = [json.dumps({"id": "BENCH-0000", "identifiers": [SUBJECT_EMAIL, SUBJECT_PHONE],
                         "action": "export"})]
    for i in range(1, n):
        lines.append(json.dumps({
            "id": f"BENCH-{i:04d}",
            "identifiers": [f"absent.request{i}@nowhere.example.net",
                            PHONE_FORMS[i % len(PHONE_FORMS)](100000 + i)],
            "action": "search"}))
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")
    return path


BATCH_OUT = os.path.join(WORK, "out", "batch")


BATCH_DONE = os.path.join(WORK, "out", "batch-done")


def batch_reset():
    """A batch never overwrites an earlier answer: each run gets a fresh --out, audit log,
    key and ledger.

    The previous run's answers are moved aside, not deleted: deleting its 2,000 files and
    folders right before the next run made ext4's inode allocator step over each recently
    freed inode while the batch created its own (about 0.3 s of the kernel's CPU in the
    measured process, found with perf), a cost of the benchmark's own clean-up that no
    real batch pays. They are deleted after the last case, see batch_clean_up."""
    if os.path.exists(BATCH_OUT):
        os.makedirs(BATCH_DONE, exist_ok=True)
        os.rename(BATCH_OUT, os.path.join(BATCH_DONE, str(time.monotonic_ns())))
    os.makedirs(BATCH_OUT)


def batch_clean_up():
    """Deletes the answers of every batch run, once nothing is measured any more."""
    shutil.rmtree(BATCH_DONE, ignore_errors=True)


def check_batch(n):
    """The batch's own check: a folder per request, and the planted subject's summary."""
    answers = os.path.join(BATCH_OUT, "answers")
    folders = [d for d in os.listdir(answers) if os.path.isdir(os.path.join(answers, d))]
    with open(os.path.join(answers, "BENCH-0000", "summary.json")) as f:
        summary = json.load(f)
    search = summary["search"]
    check = {"rows": search["rows"], "matched_settings": search["settings"],
             "complete": search["complete"], "folders": len(folders)}
    if len(folders) != n:
        check["error"] = f"{len(folders)} request folders, not {n}"
    return check


def tool_argv(ks, port, extra):
    return [TOOL, "--cass_keyspace", ks, "--cass_hostname", "127.0.0.1", "--cass_port",
            str(port), "--format", "json", "--no-progress"] + extra


def check_tool(out_path):
    with open(out_path) as f:
        report = json.load(f)
    settings = {(m.get("user_id"), m.get("group"), m.get("setting_key"))
                for m in report.get("matches", [])}
    totals = report.get("totals", {})
    return {"rows": report["scanned"]["rows"], "matched_settings": len(settings),
            "total_settings": totals.get("settings"), "truncated": report.get("truncated"),
            "complete": report["complete"]}


def check_dsbulk(stderr):
    """Rows DSBulk read, from the summary in its operation directory's operation.log."""
    m = re.search(r"Operation directory: (\S+)", stderr)
    if not m:
        return {"error": stderr[-300:]}
    try:
        with open(os.path.join(m.group(1), "operation.log")) as f:
            log = f.read()
    except OSError as e:
        return {"error": str(e)}
    found = re.findall(r"Records: total: ([\d,]+), successful: ([\d,]+), failed: ([\d,]+)", log)
    if not found:
        return {"error": log[-300:]}
    total, ok, failed = (int(x.replace(",", "")) for x in found[-1])
    return {"rows": ok, "failed": failed, "operation": os.path.basename(m.group(1))}


def check_disk(out_path, cpu_s):
    """disk-check's own check: the planted subject found in the keyspace's SSTables, every
    file read to its end with its checksums right (exit 1 is the verdict "holds")."""
    with open(out_path) as f:
        report = json.load(f)
    node = report["nodes"][0]
    check = {"verdict": report["verdict"], "files": node["files_read"],
             "files_holding": node["files_holding"], "unreadable": node["files_unreadable"],
             "bytes_searched": node["bytes_searched"],
             "mb_per_cpu_s": node["bytes_searched"] / 1e6 / cpu_s if cpu_s > 0 else None}
    if report["verdict"] != "holds" or node["files_holding"] == 0:
        check["error"] = f"the planted subject was not found on disk (verdict {report['verdict']})"
    elif node["files_unreadable"]:
        check["error"] = f"{node['files_unreadable']} file(s) could not be read"
    return check


def check_python(out_path):
    with open(out_path) as f:
        return json.loads(f.read().strip().splitlines()[-1])


def cases_for(ks, port, ids_path, ids10k_path, dsbulk_lib, requests_path=None):
    one = ["--search", SUBJECT_EMAIL]
    cases = [
        ("tool_1_id", "(1) gdpr_forget_me, 1 identifier", tool_argv(ks, port, one), "tool"),
        ("tool_1000_ids", "(2) gdpr_forget_me, 1,000 identifiers",
         tool_argv(ks, port, ["--search-file", ids_path]), "tool"),
        # Batches of requests search for many people at once.
        ("tool_10000_ids", "(7) gdpr_forget_me, 10,000 identifiers",
         tool_argv(ks, port, ["--search-file", ids10k_path]), "tool"),
        # A batch of requests: one scan for all, a folder of answers per request.
        ("tool_1000_requests", "(8) gdpr_forget_me --requests, 1,000 requests (2,000 identifiers)",
         tool_argv(ks, port, ["--requests", requests_path or "",
                              "--out", os.path.join(BATCH_OUT, "answers"),
                              "--audit-log", os.path.join(BATCH_OUT, "audit.jsonl"),
                              "--audit-key", os.path.join(BATCH_OUT, "audit.key")]), "batch"),
        ("scan_only", "(3) gdpr_forget_me --scan-only (floor)",
         tool_argv(ks, port, one + ["--scan-only"]), "tool"),
        # A search far too broad for one person: nearly every generated setting holds an
        # address at an example.* domain. The tool must count it, list a bounded part, and
        # keep its memory flat whatever the table size.
        ("tool_broad_text", "(6) gdpr_forget_me --match text --search example (too broad)",
         tool_argv(ks, port, ["--match", "text", "--search", "example"]), "tool"),
    ]
    peers = os.environ.get("BENCH_SKIP_PEERS") != "1"
    if dsbulk_lib and peers:
        cases.append(("dsbulk_unload", "(4) DSBulk unload (all rows, CSV to /dev/null)", [
            os.path.join(JAVA_HOME, "bin", "java"), "-Xmx1G", "-cp", os.path.join(dsbulk_lib, "*"),
            "com.datastax.oss.dsbulk.runner.DataStaxBulkLoader", "unload", "-k", ks,
            "-t", "settings", "-h", "127.0.0.1", "-port", str(port), "-url", "-",
            "-header", "false", "--log.directory", os.path.join(WORK, "dsbulk", "logs")],
            "dsbulk"))
    # The physical check over the keyspace's files on the node (one thread: MB/s per core of
    # decompressed bytes). Only where the node's data folder is at hand (a node of this
    # checkout); its commit log and hints are left out (empty folders): they hold every
    # keyspace's writes, not this keyspace's SSTables.
    data_dir = os.environ.get("BENCH_DATA_DIR")
    if data_dir and os.path.isdir(os.path.join(data_dir, ks)):
        empty = os.path.join(WORK, "out", "empty")
        os.makedirs(empty, exist_ok=True)
        cases.append(("disk_check", "(9) gdpr_forget_me disk-check, an address and a phone number, 1 thread", [
            TOOL, "disk-check", "--data-dir", data_dir, "--cass_keyspace", ks,
            "--commitlog-dir", empty, "--hints-dir", empty, "--search", SUBJECT_EMAIL,
            # A real request gives both: with a phone number, every stored value's digits
            # are read, the check's costlier case.
            "--search", SUBJECT_PHONE, "--threads", "1", "--format", "json"], "disk"))
    py = os.path.join(WORK, "venv", "bin", "python")
    if os.path.exists(py) and peers:
        cases.append(("original_python", "(5) original approach: Python driver, 1 thread", [
            py, os.path.join(ROOT, "bench", "peers", "original_scan.py"), "127.0.0.1", str(port),
            ks, SUBJECT_EMAIL], "python"))
    return cases


def summarize(runs):
    walls = [r["wall_s"] for r in runs]
    return {
        "wall_min_s": min(walls),
        "wall_median_s": statistics.median(walls),
        "cpu_median_s": statistics.median(r["cpu_s"] for r in runs),
        "peak_rss_max_mib": max(r["peak_rss_mib"] for r in runs),
        "node_cpu_median_s": statistics.median(r["node_cpu_s"] for r in runs),
    }


def measure_size(label, ks, rows_expected, planted, port, cass_pid, reps, dsbulk_lib, only):
    os.makedirs(os.path.join(WORK, "out"), exist_ok=True)
    ids_path = ids_file(os.path.join(WORK, "ids-1000.txt"), 1000)
    ids10k_path = ids_file(os.path.join(WORK, "ids-10000.txt"), 10000)
    requests_path = requests_file(os.path.join(WORK, "requests-1000.jsonl"), 1000)
    cases = cases_for(ks, port, ids_path, ids10k_path, dsbulk_lib, requests_path)
    if only:
        cases = [c for c in cases if c[0] in only]
    print(f"\n== {label}: keyspace {ks}, {rows_expected} settings, {reps} run(s) per case", flush=True)
    # Warm-up: one untimed full scan brings the SSTables into the page cache.
    warm = run_once(tool_argv(ks, port, ["--search", SUBJECT_EMAIL, "--scan-only"]),
                    os.path.join(WORK, "out", "warmup.json"), cass_pid)
    print(f"   warm-up scan: {warm['wall_s']:.1f} s", flush=True)
    results = {c[0]: {"title": c[1], "argv": c[2], "runs": [], "checks": []} for c in cases}
    for rep in range(reps if cases else 0):
        # Round-robin, so a drift of the machine's speed spreads over every case.
        # Each rep starts one case later, so that no case always runs right after the same
        # one (a fixed order showed the node slower for the second case, rep after rep).
        shift = rep % len(cases)
        for key, title, argv, kind in cases[shift:] + cases[:shift]:
            # DSBulk's CSV (the whole table) is thrown away: only its summary is read.
            out_path = (os.devnull if kind == "dsbulk"
                        else os.path.join(WORK, "out", f"{ks}-{key}.out"))
            if kind == "batch":
                batch_reset()
            r = run_once(argv, out_path, cass_pid)
            if kind == "batch":
                try:
                    check = (check_batch(1000) if r["exit"] == 0
                             else {"error": r["stderr_tail"][-300:]})
                except (OSError, ValueError, KeyError) as e:
                    check = {"error": f"no answers to check: {e}"}
            elif kind == "tool":
                check = (check_tool(out_path) if r["exit"] == 0
                         else {"error": r["stderr_tail"][-300:]})
            elif kind == "dsbulk":
                check = check_dsbulk(r["stderr_tail"])
            elif kind == "disk":
                # Exit 1 is its verdict "holds" (the planted subject is on disk); 2 is an error.
                try:
                    check = (check_disk(out_path, r["cpu_s"]) if r["exit"] in (0, 1)
                             else {"error": r["stderr_tail"][-300:]})
                except (OSError, ValueError, KeyError) as e:
                    check = {"error": f"no report to check: {e}"}
                if "error" not in check:
                    r["exit"] = 0
            else:
                check = (check_python(out_path) if r["exit"] == 0
                         else {"error": r["stderr_tail"][-300:]})
            del r["stderr_tail"]
            results[key]["runs"].append(r)
            results[key]["checks"].append(check)
            print(f"   {key:16s} run {rep + 1}: {r['wall_s']:7.2f} s wall, {r['cpu_s']:6.2f} s CPU, "
                  f"{r['peak_rss_mib']:6.1f} MiB, node {r['node_cpu_s']:6.1f} s CPU, exit {r['exit']} "
                  f"{json.dumps(check)}", flush=True)
    if only and "disk_check" in only and "disk_check" not in results:
        # Asked for, but the node's files are not at hand: a failure, not a silent skip.
        results["disk_check"] = {
            "title": "(9) gdpr_forget_me disk-check, an address and a phone number, 1 thread", "argv": [],
            "runs": [], "checks": [], "passed": False,
            "failure": f"no keyspace folder {ks} under BENCH_DATA_DIR "
                       f"({os.environ.get('BENCH_DATA_DIR') or 'not set'}): the disk check reads "
                       "the node's files; run bench/run on its own node or set BENCH_DATA_DIR"}
    for key, res in results.items():
        if not res["runs"]:
            continue
        res.update(summarize(res["runs"]))
        rows = [c.get("rows") for c in res["checks"]]
        res["rows"] = rows[-1]
        res["rows_ok"] = (all(r == rows_expected for r in rows)
                          and not any(c.get("failed") for c in res["checks"]))
        if key == "disk_check":
            # Files, not rows: its figures are bytes searched per CPU second.
            res["rows_ok"] = True
            last = res["checks"][-1]
            res["bytes_searched"] = last.get("bytes_searched")
            res["files"] = last.get("files")
            mbs = [c.get("mb_per_cpu_s") for c in res["checks"] if c.get("mb_per_cpu_s")]
            res["mb_per_cpu_s_median"] = statistics.median(mbs) if mbs else None
        if key in ("tool_1_id", "tool_1000_ids", "tool_10000_ids", "tool_1000_requests",
                   "original_python"):
            m = [c.get("matched_settings") for c in res["checks"]]
            res["matched_settings"] = m[-1]
            res["matches_ok"] = all(x == planted for x in m)
        if key == "tool_broad_text":
            # Its own check: nearly every setting counted, the listing cut, nothing more.
            t = [c.get("total_settings") or 0 for c in res["checks"]]
            res["matched_settings"] = t[-1]
            res["matches_ok"] = all(x >= 0.9 * rows_expected and c.get("truncated")
                                    for x, c in zip(t, res["checks"]))
        if key.startswith("tool") or key == "scan_only":
            # (a batch's check reads its summary's "complete")
            res["complete"] = all(c.get("complete") for c in res["checks"])
        res["rows_per_s"] = rows_expected / res["wall_median_s"]
        # A case passed only if every run exited 0 and passed its own check. Nothing is
        # computed from a case that did not: no ratio, no goal.
        res["passed"] = (all(r["exit"] == 0 for r in res["runs"])
                         and not any("error" in c for c in res["checks"])
                         and res["rows_ok"] and res.get("matches_ok", True)
                         and res.get("complete", True))
        if not res["passed"]:
            errors = [c["error"] for c in res["checks"] if "error" in c]
            res["failure"] = (errors[-1] if errors else
                              f"exit codes {[r['exit'] for r in res['runs']]}, rows {rows}")
    return results


def table(sizes):
    lines = []
    head = ("| size | case | rows | wall s min / median | rows/s | CPU s | peak RSS MiB "
            "| node CPU s (util.) | check |")
    lines.append(head)
    lines.append("|" + "---|" * 9)
    ncpu = os.cpu_count()
    for label, res in sizes.items():
        for key, r in res["cases"].items():
            if not r.get("passed", True):
                lines.append(f"| {label} | {r['title']} | - | - | - | - | - | - | **FAILED** "
                             f"(no figure counts) |")
                continue
            check = "rows ok" if r["rows_ok"] else f"ROWS {r['rows']}"
            if key == "disk_check":
                check = (f"{r['files']} files, {r['bytes_searched'] / 1e6:,.0f} MB decompressed, "
                         f"{r['mb_per_cpu_s_median']:,.0f} MB/s per core, subject found")
            if "matches_ok" in r:
                check += (f", {r['matched_settings']} settings matched"
                          + ("" if r["matches_ok"] else " (WRONG)"))
            util = r["node_cpu_median_s"] / r["wall_median_s"] / ncpu * 100
            disk = key == "disk_check"
            rows = "-" if disk or r["rows"] is None else format(r["rows"], ",")
            rows_per_s = "-" if disk else f"{r['rows_per_s']:,.0f}"
            lines.append(
                f"| {label} | {r['title']} | {rows}"
                f" | {r['wall_min_s']:.2f} / "
                f"{r['wall_median_s']:.2f} | {rows_per_s} | {r['cpu_median_s']:.2f} | "
                f"{r['peak_rss_max_mib']:.1f} | {r['node_cpu_median_s']:.1f} ({util:.0f}% of "
                f"{ncpu} cores) | {check} |")
    return "\n".join(lines)


def ratios(sizes):
    out = {}
    for label, res in sizes.items():
        c = res["cases"]
        # Only cases that passed their checks count.
        w = {k: v["wall_median_s"] for k, v in c.items() if v.get("passed", True)}
        r = {}
        if "tool_1_id" in w and "dsbulk_unload" in w:
            r["speed_1_vs_dsbulk"] = w["dsbulk_unload"] / w["tool_1_id"]
        if "tool_1_id" in w and "original_python" in w:
            r["speed_1_vs_original"] = w["original_python"] / w["tool_1_id"]
        if "tool_1_id" in w and "scan_only" in w:
            r["overhead_1_vs_scan_only_pct"] = (w["tool_1_id"] / w["scan_only"] - 1) * 100
        if "tool_1_id" in w and "tool_1000_ids" in w:
            r["overhead_1000_vs_1_pct"] = (w["tool_1000_ids"] / w["tool_1_id"] - 1) * 100
        if "tool_1_id" in w and "tool_10000_ids" in w:
            r["overhead_10000_vs_1_pct"] = (w["tool_10000_ids"] / w["tool_1_id"] - 1) * 100
        if "tool_1_id" in w and "tool_1000_requests" in w:
            r["overhead_requests_vs_1_pct"] = (w["tool_1000_requests"] / w["tool_1_id"] - 1) * 100
        out[label] = r
    labels = list(sizes)
    if len(labels) >= 2:
        a, b = labels[0], labels[-1]
        scale = {}
        for key in sizes[a]["cases"]:
            if (key in sizes[b]["cases"] and sizes[a]["cases"][key].get("passed", True)
                    and sizes[b]["cases"][key].get("passed", True)):
                ca, cb = sizes[a]["cases"][key], sizes[b]["cases"][key]
                scale[key] = {
                    "rows_per_s": [ca["rows_per_s"], cb["rows_per_s"]],
                    "peak_rss_mib": [ca["peak_rss_max_mib"], cb["peak_rss_max_mib"]],
                }
        out[f"{a}->{b}"] = scale
    return out


def goals(sizes, rat):
    big = list(sizes)[-1]
    c = sizes[big]["cases"]
    r = rat[big]
    g = []

    def add(name, ok, figure):
        g.append({"goal": name, "met": bool(ok), "figure": figure})

    def failed(name, keys):
        bad = [k for k in keys if k in c and not c[k].get("passed", True)]
        if bad:
            add(name, False, "not measured: " + ", ".join(bad) + " FAILED its check")
        return bool(bad)

    failed("(1) at least as fast as DSBulk", ["tool_1_id", "dsbulk_unload"])
    failed("(1) >= 10x the original approach", ["tool_1_id", "original_python"])
    failed("(1) within 10% of --scan-only", ["tool_1_id", "scan_only"])
    failed("(2) within 10% of (1)", ["tool_1_id", "tool_1000_ids"])
    failed("(7) 10,000 identifiers within 10% of (1)", ["tool_1_id", "tool_10000_ids"])
    failed("(8) a batch of 1,000 requests within 10% of (1)", ["tool_1_id", "tool_1000_requests"])

    if "speed_1_vs_dsbulk" in r:
        add("(1) at least as fast as DSBulk", r["speed_1_vs_dsbulk"] >= 1.0,
            f"{r['speed_1_vs_dsbulk']:.2f}x DSBulk's speed at {big}")
    if "speed_1_vs_original" in r:
        add("(1) >= 10x the original approach", r["speed_1_vs_original"] >= 10.0,
            f"{r['speed_1_vs_original']:.1f}x at {big}")
    if "overhead_1_vs_scan_only_pct" in r:
        add("(1) within 10% of --scan-only", r["overhead_1_vs_scan_only_pct"] <= 10.0,
            f"{r['overhead_1_vs_scan_only_pct']:+.1f}% at {big}")
    if "overhead_1000_vs_1_pct" in r:
        add("(2) within 10% of (1)", r["overhead_1000_vs_1_pct"] <= 10.0,
            f"{r['overhead_1000_vs_1_pct']:+.1f}% at {big}")
    if "overhead_10000_vs_1_pct" in r:
        add("(7) 10,000 identifiers within 10% of (1)", r["overhead_10000_vs_1_pct"] <= 10.0,
            f"{r['overhead_10000_vs_1_pct']:+.1f}% at {big}")
    if "overhead_requests_vs_1_pct" in r:
        add("(8) a batch of 1,000 requests within 10% of (1)",
            r["overhead_requests_vs_1_pct"] <= 10.0,
            f"{r['overhead_requests_vs_1_pct']:+.1f}% at {big}")
    tool_keys = [k for k in ("tool_1_id", "tool_1000_ids", "scan_only")
                 if k in c and c[k].get("passed", True)]
    if tool_keys:
        peak = max(c[k]["peak_rss_max_mib"] for k in tool_keys)
        flat = True
        fig = f"max {peak:.1f} MiB at {big}"
        labels = list(sizes)
        if len(labels) >= 2:
            small = sizes[labels[0]]["cases"]
            p0 = max((small[k]["peak_rss_max_mib"] for k in tool_keys
                      if k in small and small[k].get("passed", True)), default=peak)
            flat = peak <= p0 * 1.15 + 2
            fig += f", {p0:.1f} MiB at {labels[0]}"
        add("peak RSS < 64 MiB and flat with size", peak < 64 and flat, fig)
    if "tool_broad_text" in c and not failed("(6) too broad a search: memory flat with size",
                                             ["tool_broad_text"]):
        peak = c["tool_broad_text"]["peak_rss_max_mib"]
        fig = f"{peak:.1f} MiB at {big}"
        flat = True
        labels = list(sizes)
        small = sizes[labels[0]]["cases"].get("tool_broad_text") if len(labels) >= 2 else None
        if small and small.get("passed", True):
            p0 = small["peak_rss_max_mib"]
            flat = peak <= p0 * 1.15 + 2
            fig += f", {p0:.1f} MiB at {labels[0]}"
        add("(6) too broad a search: memory flat with size (< 128 MiB)", peak < 128 and flat, fig)
    return g


def machine(cass_pid, port):
    def cmd(argv):
        try:
            return subprocess.run(argv, capture_output=True, text=True, timeout=60).stdout.strip()
        except Exception as e:  # noqa: BLE001 - a fact we could not read is reported as such
            return f"unknown ({e})"

    with open("/proc/meminfo") as f:
        mem_kib = int(f.readline().split()[1])
    cpu_model = ""
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                cpu_model = line.split(":", 1)[1].strip()
                break
    return {
        "host": socket.gethostname(),
        "nproc": os.cpu_count(),
        "cpu_model": cpu_model,
        "memory_gib": round(mem_kib / 1024 / 1024, 1),
        "kernel": platform.release(),
        "cassandra_pid": cass_pid,
        "cassandra_heap": heap_of(cass_pid),
        "cassandra_version": os.environ.get("CASSANDRA_VERSION", "5.0.8"),
        "cassandra_port": port,
        "tool_version": cmd([TOOL, "--version"]),
        "tool_commit": os.environ.get("BENCH_TOOL_REV", ""),
        "loadavg_at_start": open("/proc/loadavg").read().split()[:3],
        "rustc": cmd(["rustc", "--version"]),
        "java": cmd([os.path.join(JAVA_HOME, "bin", "java"), "-version"]) or
        subprocess.run([os.path.join(JAVA_HOME, "bin", "java"), "-version"],
                       capture_output=True, text=True).stderr.splitlines()[0],
        "dsbulk": os.environ.get("DSBULK_VERSION", ""),
        "python": cmd([os.path.join(WORK, "venv", "bin", "python"), "--version"]),
        "python_cassandra_driver": cmd([os.path.join(WORK, "venv", "bin", "python"), "-c",
                                        "import cassandra; print(cassandra.__version__)"]),
    }


def render(path):
    """Prints the table, ratios and goals of an existing results file."""
    with open(path) as f:
        data = json.load(f)
    print(table(data["sizes"]))
    for label, r in data["ratios"].items():
        print(f"  {label}: " + json.dumps(r, default=lambda x: round(x, 2)))
    for g in data["goals"]:
        print(f"  [{'met' if g['met'] else 'NOT met'}] {g['goal']}: {g['figure']}")


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "--render":
        render(sys.argv[2])
        return
    port = env_int("BENCH_PORT", 9042)
    reps = env_int("BENCH_REPS", 3)
    planted = env_int("BENCH_PLANTED", 100)
    sizes_spec = os.environ.get("BENCH_SIZES", "100k:100000 1m:1000000").split()
    only = set(os.environ.get("BENCH_CASES", "").split()) or None
    dsbulk_lib = os.path.join(WORK, "dsbulk", "lib")
    if not os.path.isdir(dsbulk_lib):
        dsbulk_lib = None
    cass_pid = cassandra_pid(port)
    facts = machine(cass_pid, port)
    print(f"node pid {cass_pid}, heap {facts['cassandra_heap']}, {facts['nproc']} cores", flush=True)
    sizes = {}
    for spec in sizes_spec:
        label, n = spec.split(":")
        ks = f"bench_{label}"
        res = measure_size(label, ks, int(n), planted, port, cass_pid, reps, dsbulk_lib, only)
        sizes[label] = {"keyspace": ks, "settings": int(n), "cases": res}
    batch_clean_up()
    rat = ratios(sizes)
    gl = goals(sizes, rat)
    print("\n" + table(sizes))
    print("\nratios (wall-clock medians):")
    for label, r in rat.items():
        print(f"  {label}: " + json.dumps(r, default=lambda x: round(x, 2)))
    print("\ngoals:")
    for g in gl:
        print(f"  [{'met' if g['met'] else 'NOT met'}] {g['goal']}: {g['figure']}")
    os.makedirs(os.path.join(ROOT, "bench", "results"), exist_ok=True)
    stamp = time.strftime("%Y-%m-%d")
    path = os.environ.get("BENCH_RESULTS") or os.path.join(
        ROOT, "bench", "results", f"{stamp}-{socket.gethostname()}.json")
    with open(path, "w") as f:
        json.dump({"date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "machine": facts,
                   "reps": reps, "planted": planted, "sizes": sizes, "ratios": rat,
                   "goals": gl, "table_markdown": table(sizes)}, f, indent=2)
    print(f"\nresults written to {os.path.relpath(path, ROOT)}")
    failures = [(label, key, r) for label, s in sizes.items() for key, r in s["cases"].items()
                if not r["passed"]]
    for label, key, r in failures:
        print(f"\nFAILED: {key} at {label}: {r['failure'][-400:]}")
    if failures:
        print(f"\nBENCHMARK FAILED: {len(failures)} case(s) failed their own check; no goal is "
              "met from them, and this run's figures for them are not figures")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
