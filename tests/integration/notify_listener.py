#!/usr/bin/env python3
"""A NOTIFY_SOCKET stand-in for systemd: binds a datagram socket and appends every message, with a
monotonic timestamp, to a file until killed. Usage: notify_listener.py SOCKET_PATH OUTPUT_FILE"""
import socket
import sys
import time

sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
sock.bind(sys.argv[1])
with open(sys.argv[2], "a", buffering=1) as out:
    while True:
        data = sock.recv(4096).decode(errors="replace").replace("\n", " ")
        out.write("%.3f %s\n" % (time.monotonic(), data))
