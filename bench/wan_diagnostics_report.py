#!/usr/bin/env python3
"""Per-second table for bench/wan_diagnostics.sh: iperf3 interval throughput, the operator's `ss -tin` view of
the data connection, and lwIP's state from the tcp_output probe (each series aligned on its own first second)."""
import json
import re
import sys
from collections import defaultdict


def iperf_seconds(path):
    return [i["sum"]["bits_per_second"] / 1e6 for i in json.load(open(path))["intervals"]]


def ss_seconds(path):
    samples, current = [], None
    for line in open(path):
        if line.startswith("sample"):
            current = {}
            samples.append(current)
        elif current is not None and "bytes_" in line:
            fields = dict(re.findall(r"(\w+):([0-9.]+)", line))
            moved = int(fields.get("bytes_acked", 0)) + int(fields.get("bytes_received", 0))
            if moved >= current.get("moved", -1):
                current.clear()
                current.update(fields, moved=moved)
                for key, pattern in (("wscale", r"wscale:(\d+,\d+)"), ("rwnd_limited", r"rwnd_limited:\S+\(([0-9.]+)%\)"),
                                     ("cc", r"^\s*(\w+) wscale")):
                    found = re.search(pattern, line)
                    current[key] = found.group(1) if found else "-"
    return samples


def probe_seconds(path):
    seconds = defaultdict(lambda: {"cwnd": 0, "ssthresh": None, "snd_wnd": 0, "rcv_wnd": 0, "rexmit": 0, "rto": 0})
    start = None
    try:
        lines = open(path).read().splitlines()
    except OSError:
        return []
    for line in lines:
        match = re.match(r"\s*([0-9.]+):\s+(\S+):\s", line)
        if not match:
            continue
        time = float(match.group(1))
        start = time if start is None else start
        bucket = seconds[int(time - start)]
        event = match.group(2)
        if event.endswith(":out"):
            values = {k: int(v, 0) for k, v in re.findall(r"(\w+)=(0x[0-9a-f]+|\d+)", line)}
            bucket["cwnd"] = max(bucket["cwnd"], values.get("cwnd", 0))
            bucket["ssthresh"] = values.get("ssthresh", bucket["ssthresh"])
            bucket["snd_wnd"] = max(bucket["snd_wnd"], values.get("snd_wnd", 0))
            bucket["rcv_wnd"] = max(bucket["rcv_wnd"], values.get("rcv_wnd", 0))
        elif event.endswith(":tcp_rexmit"):
            bucket["rexmit"] += 1
        elif event.endswith(":tcp_rexmit_rto_commit"):
            bucket["rto"] += 1
    return [seconds[i] for i in range(max(seconds) + 1)] if seconds else []


def main(iperf_path, ss_path, probes_path, drops_before, drops_after):
    rates, ss, probes = iperf_seconds(iperf_path), ss_seconds(ss_path), probe_seconds(probes_path)
    print("sec | Mbit/s | operator ss: cwnd seg / snd_wnd KiB / rcv_space KiB / rtt ms / rwnd-limited % | "
          "lwIP: cwnd KiB (max) / ssthresh KiB / peer window KiB / rcv_wnd KiB / fast rexmit / RTO")
    for i in range(max(len(rates), len(ss), len(probes))):
        rate = f"{rates[i]:7.1f}" if i < len(rates) else "      -"
        s = ss[i] if i < len(ss) else {}
        kernel = (f"{s.get('cwnd', '-'):>5} / {int(s.get('snd_wnd', 0)) // 1024:6} / {int(s.get('rcv_space', 0)) // 1024:6} / "
                  f"{s.get('rtt', '-')} / {s.get('rwnd_limited', '-')}")
        p = probes[i] if i < len(probes) else None
        lwip = (f"{p['cwnd'] // 1024:6} / {(p['ssthresh'] or 0) // 1024:6} / {p['snd_wnd'] // 1024:6} / "
                f"{p['rcv_wnd'] // 1024:6} / {p['rexmit']:3} / {p['rto']:2}") if p else "-"
        print(f"{i:3} | {rate} | {kernel} | {lwip}")
    scales = sorted({x.get("wscale", "-") for x in ss if x} - {"-"})
    print(f"operator ss: wscale (first: the shift the agent side announced, which scales its window; second: the operator's) {', '.join(scales) or '-'}, "
          f"congestion control {', '.join(sorted({x.get('cc', '-') for x in ss if x})) or '-'}")
    before, after = [list(map(int, x.split())) for x in (drops_before, drops_after)]
    print("UDP receive-buffer drops (UdpRcvbufErrors) operator/relay/agent: "
          + "/".join(str(b - a) for a, b in zip(before, after)))
    if probes:
        print(f"lwIP fast retransmits {sum(p['rexmit'] for p in probes)}, retransmission timeouts {sum(p['rto'] for p in probes)}")


if __name__ == "__main__":
    main(*sys.argv[1:6])
