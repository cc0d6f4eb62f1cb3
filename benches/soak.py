#!/usr/bin/env python3
"""Soak: N events through the client into a sandbox process injecting faults, with the sender
killed (SIGKILL) midway and restarted on its outbox journal. Checks that every event is accepted
exactly once, that every retry wait is on the schedule, and samples the memory of both processes.

Usage: python3 benches/soak.py [--events 100000] [--kill-at 0.5] [--concurrency 256]
Prints a JSON report on the last line.
"""
import argparse
import hashlib
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
import uuid

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
NAMESPACE = uuid.UUID("6f1c2a9e-1b7d-4c1e-9a55-2f1a3b4c5d6e")
SCHEDULE_MS = {1000, 5000, 30000, 120000, 600000}
FAULTS = {"seed": 2026, "errorRate": 0.2, "dropRate": 0.05, "rateLimitRate": 0.05, "dropAfterProcessing": True}


def rss_kib(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# The operator routes (/__sandbox/*) take a key the sandbox accepts, as the API does.
OPERATOR_KEY = "lk_test_soak_operator_key_0000000001"


def get(url, timeout=30):
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {OPERATOR_KEY}"})
    with urllib.request.urlopen(request, timeout=timeout) as r:
        return json.loads(r.read())


class Poller(threading.Thread):
    """Follows GET /__sandbox/events with long polls, keeping every eventId seen."""

    def __init__(self, base):
        super().__init__(daemon=True)
        self.base, self.after, self.ids, self.dropped, self.stop = base, 0, [], 0, False

    def run(self):
        while not self.stop:
            try:
                page = get(f"{self.base}/__sandbox/events?after={self.after}&limit=2000&wait=500")
            except OSError:
                time.sleep(0.2)
                continue
            self.ids.extend(e["eventId"] for e in page["events"])
            self.dropped += page.get("dropped", 0)
            self.after = page["next"]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--events", type=int, default=100_000)
    ap.add_argument("--kill-at", type=float, default=0.5)
    ap.add_argument("--concurrency", type=int, default=256)
    ap.add_argument("--time-scale", type=int, default=100)
    ap.add_argument("--no-faults", action="store_true", help="memory run: no faults, no kill")
    args = ap.parse_args()

    subprocess.run(["cargo", "build", "--release", "-q", "-p", "loop-contracts-cli"],
                   cwd=ROOT, check=True)
    subprocess.run(["cargo", "build", "--release", "-q", "--example", "soak_sender"], cwd=ROOT, check=True)
    target = os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target"))
    cli = os.path.join(target, "release", "loop-contracts")
    sender_bin = os.path.join(target, "release", "examples", "soak_sender")

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    faults = {} if args.no_faults else FAULTS
    sandbox = subprocess.Popen([cli, "sandbox", "--addr", f"127.0.0.1:{port}", "--tier", "premium",
                                "--faults", json.dumps(faults)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(100):
        try:
            get(f"{base}/__sandbox", timeout=1)
            break
        except OSError:
            time.sleep(0.1)
    poller = Poller(base)
    poller.start()

    journal = tempfile.NamedTemporaryFile(prefix="soak-", suffix=".journal", delete=False).name
    os.unlink(journal)
    samples = []  # (seconds, accepted so far, sandbox RSS KiB, sender RSS KiB)
    started = time.time()

    def run_sender(kill_after):
        cmd = [sender_bin, "--base-url", base, "--events", str(args.events), "--journal", journal,
               "--concurrency", str(args.concurrency), "--time-scale", str(args.time_scale)]
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
        last, killed, summary, first, waits = 0, False, None, None, {}
        for line in proc.stdout:
            line = line.strip()
            if line.startswith("start "):
                first = line
            elif line.startswith("progress "):
                progress = json.loads(line[len("progress "):])
                last, waits = progress["accepted"], progress["waitsMs"]
                samples.append((round(time.time() - started, 1), len(poller.ids), rss_kib(sandbox.pid), rss_kib(proc.pid)))
                if kill_after is not None and len(poller.ids) >= kill_after:
                    proc.send_signal(signal.SIGKILL)
                    killed = True
                    break
            elif line.startswith("{"):
                summary = json.loads(line)
                waits = summary["waitsMs"]
        proc.wait()
        return {"start": first, "killed": killed, "acceptedBeforeKill": last if killed else None,
                "summary": summary, "waitsMs": waits, "exit": proc.returncode}

    if args.no_faults:
        first = {"waitsMs": {}, "skipped": True}
    else:
        first = run_sender(int(args.events * args.kill_at))
    second = run_sender(None)
    # Let the poller catch up with the last acceptances.
    deadline = time.time() + 30
    while len(poller.ids) < args.events and time.time() < deadline:
        time.sleep(0.2)
    time.sleep(1.0)
    poller.stop = True
    counters = get(f"{base}/__sandbox")
    sandbox_rss_end = rss_kib(sandbox.pid)
    sandbox.send_signal(signal.SIGTERM)
    sandbox.wait(timeout=30)
    os.unlink(journal)

    expected = set()
    for i in range(args.events):
        # uuid5 over the 8 big-endian bytes of i, as the sender derives it.
        h = bytearray(hashlib.sha1(NAMESPACE.bytes + i.to_bytes(8, "big")).digest()[:16])
        h[6] = (h[6] & 0x0F) | 0x50
        h[8] = (h[8] & 0x3F) | 0x80
        expected.add(str(uuid.UUID(bytes=bytes(h))))
    seen = poller.ids
    unique = set(seen)
    # Retry waits on the schedule; 429 waits are the server's Retry-After (whole seconds).
    off_schedule = {}
    for run in (first, second):
        for ms, n in run["waitsMs"].items():
            if int(ms) not in SCHEDULE_MS and int(ms) % 1000 != 0:
                off_schedule[ms] = off_schedule.get(ms, 0) + n
    report = {
        "events": args.events,
        "faults": faults,
        "accepted": len(seen),
        "unique": len(unique),
        "lost": len(expected - unique),
        "duplicated": len(seen) - len(unique),
        "unexpected": len(unique - expected),
        "pollerDropped": poller.dropped,
        "firstRun": first,
        "secondRun": second,
        "offScheduleWaitsMs": off_schedule,
        "sandboxCounters": counters,
        "seconds": round(time.time() - started, 1),
        "samples": samples,
        "sandboxRssEndKiB": sandbox_rss_end,
    }
    print(json.dumps(report))
    ok = report["lost"] == 0 and report["duplicated"] == 0 and report["unexpected"] == 0 and second["exit"] == 0
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
