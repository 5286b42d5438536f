#!/usr/bin/env python3
"""Summary table of bench/wan_bench.sh: one row per scenario, tool and direction, the sides side by side with
b/a and b/cubic, then what shows the relay was not the limit (its CPU, drops in its namespace, its queue)."""
import re
import sys

SIDES = ["a", "cubic", "b"]


def main(results_path, relay_log_path):
    rows, order, extras = {}, [], []
    for line in open(results_path):
        scenario, tool, direction, side, value, unit, extra = line.rstrip("\n").split("\t")
        key = (scenario, tool, direction, unit)
        if key not in rows:
            rows[key] = {}
            order.append(key)
        rows[key][side] = value
        extras.append(extra)
    print("| scenario | tool | dir | unit | (a) wg-go+BBR | (c) wg-go+CUBIC | (b) nefia-agent | b/a | b/c |")
    print("|---|---|---|---|---|---|---|---|---|")
    for key in order:
        values = rows[key]

        def ratio(base):
            try:
                return f"{float(values['b']) / float(values[base]):.2f}"
            except (KeyError, ValueError, ZeroDivisionError):
                return "-"
        cells = [values.get(side, "-") for side in SIDES]
        print(f"| {' | '.join(key)} | {' | '.join(cells)} | {ratio('a')} | {ratio('cubic')} |")
    cpu = [int(m) for e in extras for m in re.findall(r"relay_cpu=(\d+)%", e)]
    relay_drops = sum(int(m) for e in extras for m in re.findall(r"udp_drops\(op/relay/agent\)=-?\d+/(-?\d+)/", e))
    loads = [float(m) for e in extras for m in re.findall(r"load=([0-9.]+)", e)]
    overflow = sum(int(m) for m in re.findall(r"overflow (\d+)", open(relay_log_path).read()))
    errors = sum(int(m) for m in re.findall(r"send_errors (\d+)", open(relay_log_path).read()))
    queue = max([int(m) for m in re.findall(r"max_queue (\d+)", open(relay_log_path).read())] or [0])
    if cpu:
        print(f"relay: CPU max {max(cpu)}% of one core (median {sorted(cpu)[len(cpu) // 2]}%), UDP receive-buffer drops "
              f"in its namespace {relay_drops}, queue overflows {overflow}, send errors {errors}, deepest queue {queue}")
    if loads:
        print(f"load average (1 min) during the runs: {min(loads):.2f}-{max(loads):.2f}")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
