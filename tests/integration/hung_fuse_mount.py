#!/usr/bin/env python3
"""A FUSE mount whose server never answers (a hung mount, like a dead NFS server): opens /dev/fuse, mounts
it at argv[1] with mount(2) and then never reads a request, so statvfs() there blocks. Runs until killed;
killing it aborts the connection. No libfuse needed: the kernel's mount options are the whole protocol."""
import ctypes
import os
import signal
import sys

target = sys.argv[1]
fd = os.open("/dev/fuse", os.O_RDWR)
libc = ctypes.CDLL(None, use_errno=True)
options = f"fd={fd},rootmode=40000,user_id=0,group_id=0,allow_other".encode()
if libc.mount(b"bcn-hung", target.encode(), b"fuse.bcn-hung", 0, options) != 0:
    error = ctypes.get_errno()
    sys.exit(f"mount {target}: {os.strerror(error)}")
print("mounted", flush=True)
signal.pause()
