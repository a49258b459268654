#!/usr/bin/env python3
# A seccomp agent for linux.seccomp.listenerPath (SCMP_ACT_NOTIFY): listens on
# a unix socket, receives the container's state and the notify fd
# (SCM_RIGHTS), then answers every notified system call with ERRNO. Node's
# `net` can't receive fds, hence this helper.
#
#   python3 seccomp-agent.py SOCKET_PATH ERRNO [TIMEOUT]
#
# Prints "listening" once ready, then, when the container closed the fd (it
# exited) or TIMEOUT seconds passed, one JSON line:
#   {"state": <the message sent with the fd>, "calls": [syscall numbers], "error": ...}
import ctypes
import fcntl
import json
import os
import select
import socket
import struct
import sys
import time

path, answer = sys.argv[1], int(sys.argv[2])
timeout = float(sys.argv[3]) if len(sys.argv) > 3 else 30.0

# <linux/seccomp.h>: struct seccomp_notif is 80 bytes (id, pid, flags, struct
# seccomp_data {nr, arch, instruction_pointer, args[6]}), struct
# seccomp_notif_resp 24 (id, val, error, flags); _IOWR('!', 0 / 1, ...).
NOTIF_RECV = 0xC0502100
NOTIF_SEND = 0xC0182101

srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
srv.bind(path)
srv.listen(1)
print('listening', flush=True)
srv.settimeout(timeout)
result = {'state': None, 'calls': [], 'error': None}
try:
    conn, _ = srv.accept()
    msg, fds, _flags, _addr = socket.recv_fds(conn, 65536, 4)
    result['state'] = json.loads(msg.decode())
    if not fds:
        raise RuntimeError('no fd received')
    nfd = fds[0]
    end = time.time() + timeout
    while time.time() < end:
        r, _, x = select.select([nfd], [], [nfd], 0.5)
        if not r and not x:
            continue
        req = bytearray(80)
        try:
            fcntl.ioctl(nfd, NOTIF_RECV, req, True)
        except OSError:
            break  # ENOENT/EBADF-like: the filter has no users left (the container exited)
        nid, _pid, _fl, nr = struct.unpack_from('=QIIi', req)
        result['calls'].append(nr)
        resp = bytearray(struct.pack('=QqiI', nid, 0, -answer, 0))
        try:
            fcntl.ioctl(nfd, NOTIF_SEND, resp, True)
        except OSError:
            pass  # the caller was killed meanwhile
except Exception as e:  # noqa: BLE001 - reported to the test
    result['error'] = repr(e)
print(json.dumps(result), flush=True)
