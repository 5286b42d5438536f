#!/usr/bin/env python3
"""Interactive latency under load for bench/wan_bench.sh: N ssh sessions (each a pty running `cat`) echo a line
every 250 ms while one more ssh connection moves bulk data; prints echo p50/p99 and the PSS of the given process
tree idle and with all connections open, as one JSON line. The measuring client, not a data path."""
import argparse
import json
import os
import random
import selectors
import subprocess
import time

ECHO_INTERVAL_S = 0.25


def tree_pss_kib(root_pids):
    children = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                fields = open(f"/proc/{entry}/stat").read().rsplit(")", 1)[1].split()
                children.setdefault(int(fields[1]), []).append(int(entry))
            except OSError:
                pass
    total, stack = 0, list(root_pids)
    while stack:
        pid = stack.pop()
        stack.extend(children.get(pid, []))
        try:
            for line in open(f"/proc/{pid}/smaps_rollup"):
                if line.startswith("Pss:"):
                    total += int(line.split()[1])
        except OSError:
            pass
    return total


class Session:
    def __init__(self, ssh, index):
        self.index = index
        self.process = subprocess.Popen(ssh + ["-tt", "stty -echo; exec cat"], stdin=subprocess.PIPE,
                                        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, bufsize=0)
        os.set_blocking(self.process.stdout.fileno(), False)
        self.pending = {}  # sequence number -> send time
        self.buffer = b""
        self.ready = False
        self.next_send = 0.0

    def send(self, sequence):
        self.pending[sequence] = time.monotonic()
        self.process.stdin.write(f"{sequence}\n".encode())

    def on_readable(self, latencies, measuring):
        try:
            data = self.process.stdout.read(65536)
        except BlockingIOError:
            return
        if not data:
            return
        self.buffer += data
        *lines, self.buffer = self.buffer.split(b"\n")
        for line in lines:
            text = line.strip(b"\r").decode(errors="replace")
            if text.isdigit() and int(text) in self.pending:
                sent = self.pending.pop(int(text))
                if int(text) == 0:
                    self.ready = True
                elif measuring:
                    latencies.append((time.monotonic() - sent) * 1000)


def pump(selector, latencies, measuring, timeout):
    for key, _ in selector.select(timeout):
        key.data.on_readable(latencies, measuring)


def open_sessions(ssh, count, selector, deadline):
    sessions = []
    for wave in range(0, count, 10):  # ten handshakes at a time: the two cores are shared
        batch = [Session(ssh, i) for i in range(wave, min(count, wave + 10))]
        for session in batch:
            selector.register(session.process.stdout, selectors.EVENT_READ, session)
            session.send(0)
        sessions += batch
        while not all(s.ready for s in batch):
            if time.monotonic() > deadline:
                raise SystemExit(f"only {sum(s.ready for s in sessions)} of {count} sessions answered in time")
            for session in batch:
                if not session.ready and session.process.poll() is None and time.monotonic() - session.pending.get(0, 0) > 1:
                    session.send(0)  # the first line can reach the pty before `stty -echo`; ask again
            pump(selector, [], False, 0.1)
    return sessions


def close_sessions(sessions):
    """Ctrl-D ends `cat` on the pty (closing our pipe alone does not); whatever is still there after 10 s is killed."""
    for session in sessions:
        try:
            session.process.stdin.write(b"\x04")
            session.process.stdin.close()
        except OSError:
            pass
    deadline = time.monotonic() + 10
    for session in sessions:
        try:
            session.process.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            session.process.kill()
            session.process.wait()


def start_bulk(ssh, direction, seconds):
    if direction == "down":
        command = ssh + [f"timeout {seconds} cat /dev/zero"]
        shell = " ".join(map(quote, command)) + " | wc -c"
    else:
        shell = f"timeout {seconds} cat /dev/zero | " + " ".join(map(quote, ssh + ["wc -c"]))
    return subprocess.Popen(["bash", "-c", shell], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)


def quote(word):
    return "'" + word.replace("'", "'\\''") + "'"


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))] if ordered else float("nan")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--sessions", type=int, default=99)
    parser.add_argument("--seconds", type=int, default=15)
    parser.add_argument("--bulk", choices=["up", "down"], default="down")
    parser.add_argument("--pss-pids", default="", help="comma-separated roots of the process tree to measure")
    parser.add_argument("ssh", nargs="+", help="ssh command line up to and including user@host")
    args = parser.parse_args()
    roots = [int(p) for p in args.pss_pids.split(",") if p]
    pss_idle = tree_pss_kib(roots)
    selector = selectors.DefaultSelector()
    sessions = open_sessions(args.ssh, args.sessions, selector, time.monotonic() + 30 + args.sessions)
    bulk = start_bulk(args.ssh, args.bulk, args.seconds)
    latencies, sequence, pss_open = [], 1, None
    start = time.monotonic()
    for session in sessions:
        session.next_send = start + random.uniform(0, ECHO_INTERVAL_S)
    while (now := time.monotonic()) < start + args.seconds:
        if pss_open is None and now > start + args.seconds / 2:
            pss_open = tree_pss_kib(roots)
        for session in sessions:
            if now >= session.next_send:
                session.send(sequence)
                sequence += 1
                session.next_send += ECHO_INTERVAL_S
        pump(selector, latencies, True, 0.005)
    unanswered = sum(len(s.pending) for s in sessions)
    try:
        bulk_bytes = bulk.communicate(timeout=30)[0].strip()
    except subprocess.TimeoutExpired:
        bulk.kill()
        bulk_bytes = "0"
    close_sessions(sessions)
    print(json.dumps({
        "echo_p50_ms": round(percentile(latencies, 0.5), 2), "echo_p99_ms": round(percentile(latencies, 0.99), 2),
        "echoes": len(latencies), "unanswered": unanswered, "sessions": len(sessions),
        "bulk_mbit": round(int(bulk_bytes or 0) * 8 / 1e6 / args.seconds, 1),
        "pss_idle_kib": pss_idle, "pss_open_kib": pss_open or 0}))


if __name__ == "__main__":
    main()
