#!/usr/bin/env python3
# Console socket for `create/run --console-socket`: listens on a unix socket,
# receives the pty master (SCM_RIGHTS), optionally writes INPUT to it, and
# copies everything the container writes to the terminal until the slave side
# is closed (EIO) or TIMEOUT seconds pass. Node's `net` can't receive fds,
# hence this helper.
#
#   python3 console-receiver.py SOCKET_PATH [INPUT] [TIMEOUT]
#
# Prints "listening" once ready, then one JSON line:
#   {"name": <payload sent with the fd>, "output": <everything read>, "error": ...}
import json
import os
import select
import socket
import sys
import time

path = sys.argv[1]
data = sys.argv[2].encode() if len(sys.argv) > 2 else b''
timeout = float(sys.argv[3]) if len(sys.argv) > 3 else 20.0

srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
srv.bind(path)
srv.listen(1)
print('listening', flush=True)
srv.settimeout(timeout)
result = {'name': None, 'output': '', 'error': None}
try:
    conn, _ = srv.accept()
    msg, fds, _flags, _addr = socket.recv_fds(conn, 4096, 4)
    result['name'] = msg.decode(errors='replace')
    if not fds:
        raise RuntimeError('no fd received')
    master = fds[0]
    if data:
        os.write(master, data)
    out = b''
    end = time.time() + timeout
    while time.time() < end:
        r, _, _ = select.select([master], [], [], 0.2)
        if not r:
            continue
        try:
            chunk = os.read(master, 4096)
        except OSError:  # EIO: every slave fd is closed, the container is gone
            break
        if not chunk:
            break
        out += chunk
    result['output'] = out.decode(errors='replace')
except Exception as e:  # reported to the test, which asserts on it
    result['error'] = repr(e)
print(json.dumps(result), flush=True)
