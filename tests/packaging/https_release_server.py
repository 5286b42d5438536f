#!/usr/bin/env python3
"""Serves a release directory over HTTPS on 127.0.0.1 (test CA) for install_agent_test.sh, until killed.
Usage: https_release_server.py DIRECTORY CERT KEY PORT_FILE"""
import functools
import http.server
import ssl
import sys

directory, cert, key, port_file = sys.argv[1:5]
handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=directory)
server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
context.load_cert_chain(cert, key)
server.socket = context.wrap_socket(server.socket, server_side=True)
with open(port_file, "w") as out:
    out.write(str(server.server_address[1]))
server.serve_forever()
