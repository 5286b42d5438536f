#!/usr/bin/env python3
# Hostile clients for hub_concurrency_test.sh: COUNT idle connections from COUNT source addresses (every second
# one completes its TLS handshake first), each reopened when the hub closes it, plus one client that drips a TLS
# record one byte every 0.5 s and reports when the hub cut it off. Bounded: stops after RUNTIME seconds.
# Usage: hub_slow_clients.py HUB_IP PORT COUNT FIRST_SOURCE_HOST DRIPPER_IP STATUS_DIR RUNTIME
import os
import selectors
import socket
import ssl
import sys
import time

hub = (sys.argv[1], int(sys.argv[2]))
count, first_host = int(sys.argv[3]), int(sys.argv[4])
dripper_ip, status_dir, runtime = sys.argv[5], sys.argv[6], float(sys.argv[7])
prefix = hub[0].rsplit(".", 1)[0]

context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
context.check_hostname = False
context.verify_mode = ssl.CERT_NONE
context.minimum_version = ssl.TLSVersion.TLSv1_3


def write_status(name, text):
    with open(f"{status_dir}/{name}.tmp", "w") as f:
        f.write(text)
    os.replace(f"{status_dir}/{name}.tmp", f"{status_dir}/{name}")


def open_idle(index):
    raw = socket.socket()
    raw.bind((f"{prefix}.{first_host + index}", 0))
    raw.settimeout(5)
    raw.connect(hub)
    conn = context.wrap_socket(raw) if index % 2 else raw  # handshake done, then silence
    conn.setblocking(False)
    return conn


def hub_closed(conn):
    try:
        return conn.recv(4096) == b""
    except (ssl.SSLWantReadError, BlockingIOError):
        return False
    except OSError:
        return True


selector = selectors.DefaultSelector()
for index in range(count):
    selector.register(open_idle(index), selectors.EVENT_READ, index)

dripper = socket.socket()
dripper.bind((dripper_ip, 0))
dripper.settimeout(5)
dripper.connect(hub)
dripper.setblocking(False)
dripper_opened = time.monotonic()
dripper.send(b"\x16\x03\x01\x01\x00")  # a TLS record header announcing 256 bytes that never all come
selector.register(dripper, selectors.EVENT_READ, "dripper")
write_status("ready", f"{count}\n")

reopened = 0
next_drip = time.monotonic() + 0.5
end = time.monotonic() + runtime
while time.monotonic() < end:
    for key, _ in selector.select(timeout=0.1):
        conn = key.fileobj
        if not hub_closed(conn):
            continue
        selector.unregister(conn)
        conn.close()
        if key.data == "dripper":
            write_status("dripper_closed", f"{time.monotonic() - dripper_opened:.1f}\n")
            dripper = None
        else:
            selector.register(open_idle(key.data), selectors.EVENT_READ, key.data)
            reopened += 1
            write_status("reopened", f"{reopened}\n")
    if dripper is not None and time.monotonic() >= next_drip:
        try:
            dripper.send(b"\x00")
        except OSError:
            pass
        next_drip += 0.5
