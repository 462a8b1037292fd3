#!/usr/bin/env python3
"""Wire-to-wire against scalper-sim: ours in each threading mode, and the null responder.

Runs, in one session and in turn (so that every configuration sees the same machine), ROUNDS
rounds of each configuration below, plain TCP and then TLS, each run FILL cycles of one bot
through scalper-feed-harness. Wire-to-wire is the simulator's own clock (GET /sim/latency:
fill frame written -> next create-order request received); tick-to-order is ours (the fill
frame's decoding starts -> the opposite order's request ready for the kernel). Prints one
table per transport with the medians of the rounds, the default configuration first, and each
configuration's ratio against the fastest null responder of the same run.

Usage: bench/feed/wire_bench.py [--bin DIR] [--rounds N] [--cycles N] [--only plain|tls]
(`./scalper bench wire` builds preset bench and runs this.)
"""
import argparse
import json
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

# (label, harness flags). The default configuration first: what an operator runs.
CONFIGS = [
    ("ours, default flags (threads = auto)", []),
    ("ours, one thread, default flags", ["--threads", "one"]),
    # The default spins ~2 ms after traffic before parking, and this benchmark's fills come
    # faster than that; a fill after a quiet spell finds the thread parked, as this row does.
    ("ours, one thread, parked when each fill comes (--spin-polls 0)",
     ["--threads", "one", "--spin-polls", "0"]),
    ("ours, two threads, default flags", ["--threads", "two"]),
    ("ours, two threads pinned (feed CPU 0 parks, engine CPU 1 spins)",
     ["--threads", "two", "--feed-cpu", "0", "--engine-cpu", "1", "--engine-busy-spin",
      "--spin-polls", "0"]),
    ("ours, one thread pinned to CPU 1, busy-spinning",
     ["--threads", "one", "--engine-cpu", "1", "--busy-spin"]),
    ("null responder, default flags (spins, then parks; unpinned)", ["--null-responder"]),
    ("null responder busy-spinning on CPU 1",
     ["--null-responder", "--engine-cpu", "1", "--busy-spin"]),
    ("null responder on CPU 0, parking at once when idle",
     ["--null-responder", "--engine-cpu", "0", "--spin-polls", "0"]),
]
# --spin-sweep: the one-thread default with other spin bounds (empty polls before parking).
SPIN_SWEEP = [(f"ours, one thread, --spin-polls {n}", ["--threads", "one", "--spin-polls", str(n)])
              for n in (200, 20000, 200000)] + [
    # How a parked thread waits: epoll_wait instead of io_uring_submit_and_wait_timeout.
    ("ours, one thread, parked when each fill comes, epoll",
     ["--threads", "one", "--spin-polls", "0", "--epoll"]),
    ("ours, default flags, epoll", ["--epoll"]),
]
# --durability: the default configuration without and with what scalper-core adds around the
# engine thread (every input journaled before it is stepped, every step published to a
# shared-memory segment, checkpoints): the cost of durability on the measured path.
JOURNAL_DIR = "@journal@"  # replaced with a scratch directory
DURABILITY = [
    ("ours, default flags, no journal and no segment", []),
    ("ours, default flags, journal + checkpoints + shm publishing (--journal)",
     ["--journal", JOURNAL_DIR]),
    ("null responder, default flags (spins, then parks; unpinned)", ["--null-responder"]),
]
NULL_PREFIX = "null responder"
# No rate limit in the way: the benchmark measures reaction, not pacing.
RATE_LIMIT = "100000,6000000"
RUN_TIMEOUT_S = 300


def fail(msg):
    print(f"wire_bench: {msg}", file=sys.stderr)
    sys.exit(1)


def start_sim(binary, tls_dir):
    args = [binary, "--port", "0", "--rate-limit", RATE_LIMIT]
    if tls_dir:
        args += ["--tls", "--cert-dir", tls_dir]
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    line = proc.stdout.readline()  # "scalper-sim: listening on http://127.0.0.1:PORT (...)"
    m = re.search(r"127\.0\.0\.1:(\d+)", line)
    if not m:
        proc.kill()
        fail(f"scalper-sim did not say where it listens: {line!r}")
    return proc, int(m.group(1))


def run_once(harness, port, tls_dir, flags, cycles):
    args = [harness, "--port", str(port), "--cycles", str(cycles), "--rate-limit", RATE_LIMIT]
    if tls_dir:
        args += ["--tls", tls_dir]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    out = subprocess.run(args + flags, capture_output=True, text=True, timeout=RUN_TIMEOUT_S)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu_s = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if out.returncode != 0:
        fail(f"{' '.join(args + flags)} failed ({out.returncode}):\n{out.stderr[-2000:]}")
    m = re.search(r"GET /sim/latency\): (\{.*\})", out.stdout)
    if not m:
        fail(f"no wire-to-wire in the harness's output:\n{out.stdout[-2000:]}")
    pair = json.loads(m.group(1))["pairs"].get("B-ETH_USDT")
    if not pair or pair["count"] < cycles:
        fail(f"too few wire-to-wire samples: {pair}")
    # The client's CPU time per fill it answered (start-up included): what spinning costs.
    row = {"p50": pair["p50"], "p90": pair["p90"], "p99": pair["p99"],
           "cpu_us_per_fill": cpu_s * 1e6 / pair["count"]}
    for stage in range(1, 6):
        m2 = re.search(rf"^  stage {stage}, [^:]+: \d+ samples, p50 ([\d.]+) us", out.stdout, re.M)
        if m2:
            row[f"stage{stage}"] = float(m2.group(1))
    t = re.search(r"^tick-to-order: \d+ samples, p50 ([\d.]+) us, p99 ([\d.]+) us, "
                  r"p99\.9 ([\d.]+) us", out.stdout, re.M)
    if t:
        row.update(t2o_p50=float(t.group(1)), t2o_p99=float(t.group(2)),
                   t2o_p999=float(t.group(3)))
    mode = re.search(r"core: (one thread|a feed thread)", out.stderr)
    if mode:
        row["mode"] = "one" if mode.group(1) == "one thread" else "two"
    return row


def median_of(runs, key):
    vals = [r[key] for r in runs if key in r]
    return statistics.median(vals) if vals else None


def fmt(v, unit=""):
    return "—" if v is None else f"{v:,.1f}{unit}"


def table(title, results, rounds):
    nulls = [lbl for lbl, _ in CONFIGS if lbl.startswith(NULL_PREFIX)]
    floor = {k: min(median_of(results[n], k) for n in nulls) for k in ("p50", "p99")}
    fastest = min(nulls, key=lambda n: median_of(results[n], "p50"))
    print(f"\n{title}: medians of {rounds} rounds, µs; ratios against the fastest null "
          f"responder of this run ({fastest}: p50 {fmt(floor['p50'])}, p99 {fmt(floor['p99'])})")
    print("| configuration | p50 | p90 | p99 | p50 ratio | p99 ratio | tick-to-order p50 | "
          "p99.9 | client CPU per fill |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for label, _ in CONFIGS:
        runs = results[label]
        p50, p90, p99 = (median_of(runs, k) for k in ("p50", "p90", "p99"))
        mode = runs[0].get("mode")
        name = label + (f" → {mode}" if mode and "auto" in label else "")
        print(f"| {name} | {fmt(p50)} | {fmt(p90)} | {fmt(p99)} | {p50 / floor['p50']:.2f}× | "
              f"{p99 / floor['p99']:.2f}× | {fmt(median_of(runs, 't2o_p50'))} | "
              f"{fmt(median_of(runs, 't2o_p999'))} | "
              f"{fmt(median_of(runs, 'cpu_us_per_fill'))} |")
    breakdown(results[CONFIGS[0][0]])


def breakdown(runs):
    """Where the default configuration's wire-to-wire time goes, stage by stage, on the one
    clock the simulator and the harness share (medians of parts, so they need not add up)."""
    stages = [("the simulator wrote the fill frame → our thread begins decoding it (the kernel "
               "delivering it, the thread waking)", "stage1"),
              ("decode (TLS, WebSocket, Engine.IO, JSON), queue hop, engine picks it up",
               "stage2"),
              ("engine step, request written, signed (and encrypted), queued on the socket",
               "stage3"),
              ("the kernel call that submits it (on loopback it runs the receiver's TCP inline)",
               "stage4"),
              ("our submit returned → the simulator has read the request", "stage5")]
    values = [(name, median_of(runs, key)) for name, key in stages]
    if any(v is None for _, v in values):
        return
    print(f"\nwhere the default configuration's p50 of {median_of(runs, 'p50'):.1f} µs goes:")
    print("| stage | p50 µs |")
    print("|---|---:|")
    for name, v in values:
        print(f"| {name} | {v:.1f} |")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--bin", default="build/bench/bin", help="where the binaries are")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--cycles", type=int, default=300, help="fill cycles per run (2 fills each)")
    ap.add_argument("--only", choices=["plain", "tls"])
    ap.add_argument("--spin-sweep", action="store_true",
                    help="also other spin bounds, and epoll instead of io_uring for the wait")
    ap.add_argument("--durability", action="store_true",
                    help="only the default configuration without and with the core's journal, "
                         "checkpoints and shm publishing, and the ratio")
    a = ap.parse_args()
    journal_dir = None
    if a.durability:
        journal_dir = tempfile.mkdtemp(prefix="wire-bench-journal-")
        CONFIGS[:] = [(label, [journal_dir if f == JOURNAL_DIR else f for f in flags])
                      for label, flags in DURABILITY]
    if a.spin_sweep:
        CONFIGS[4:4] = SPIN_SWEEP
    if a.rounds < 1 or a.cycles < 1:
        fail("--rounds and --cycles must be at least 1")
    sim = os.path.join(a.bin, "scalper-sim")
    harness = os.path.join(a.bin, "scalper-feed-harness")
    for b in (sim, harness):
        if not os.access(b, os.X_OK):
            fail(f"{b} is missing: build preset bench first (./scalper bench wire does)")
    print(f"machine: {cpu_name()}, {os.cpu_count()} CPUs; {a.rounds} rounds × "
          f"{len(CONFIGS)} configurations × {a.cycles} cycles")
    for transport in ("plain", "tls"):
        if a.only and a.only != transport:
            continue
        tls_dir = tempfile.mkdtemp(prefix="wire-bench-") if transport == "tls" else None
        proc, port = start_sim(sim, tls_dir)
        try:
            results = {label: [] for label, _ in CONFIGS}
            started = time.monotonic()
            total = a.rounds * len(CONFIGS)
            for r in range(a.rounds):
                for i, (label, flags) in enumerate(CONFIGS):
                    done = r * len(CONFIGS) + i
                    print(f"\r{transport}: run {done + 1}/{total} ({time.monotonic() - started:.0f} s)",
                          end="", file=sys.stderr, flush=True)
                    results[label].append(run_once(harness, port, tls_dir, flags, a.cycles))
            print(file=sys.stderr)
        finally:
            proc.kill()
            proc.wait()
            if tls_dir:
                shutil.rmtree(tls_dir, ignore_errors=True)
        table("plain TCP" if transport == "plain" else "TLS 1.3", results, a.rounds)
        if a.durability:
            off, on = (results[CONFIGS[i][0]] for i in (0, 1))
            for key, name in (("t2o_p50", "tick-to-order p50"), ("t2o_p999", "tick-to-order p99.9"),
                              ("p50", "wire-to-wire p50")):
                print(f"{name}: {fmt(median_of(on, key))} µs with, {fmt(median_of(off, key))} µs "
                      f"without: {median_of(on, key) / median_of(off, key):.2f}×")
    if journal_dir:
        shutil.rmtree(journal_dir, ignore_errors=True)


def cpu_name():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "unknown CPU"


if __name__ == "__main__":
    main()
