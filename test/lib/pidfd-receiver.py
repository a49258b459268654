#!/usr/bin/env python3
# The receiving end of `create/run/exec --pidfd-socket`: listens on a unix
# socket, takes COUNT connections, each bringing one pidfd (SCM_RIGHTS) and a
# text, and prints per connection one JSON line: {"text", "pid" (the host pid
# the pidfd refers to, from /proc/self/fdinfo), "signalled"}. With SIGNAL (a
# number), sends it through the pidfd (pidfd_send_signal) DELAY seconds after
# the pidfd came (the process may still be setting up then), before printing.
# Node's `net` can't receive fds, hence this helper.
#
#   python3 pidfd-receiver.py SOCKET_PATH COUNT [SIGNAL] [TIMEOUT] [DELAY]
import array
import json
import os
import signal
import socket
import sys
import time

path, count = sys.argv[1], int(sys.argv[2])
sig = int(sys.argv[3]) if len(sys.argv) > 3 and sys.argv[3] else 0
timeout = float(sys.argv[4]) if len(sys.argv) > 4 else 30.0
delay = float(sys.argv[5]) if len(sys.argv) > 5 else 0.0

srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
srv.bind(path)
srv.listen(4)
srv.settimeout(timeout)
print('listening', flush=True)
for _ in range(count):
    out = {'text': None, 'pid': None, 'signalled': False, 'error': None}
    try:
        conn, _ = srv.accept()
        fds = array.array('i')
        msg, anc, _, _ = conn.recvmsg(256, socket.CMSG_SPACE(4 * fds.itemsize))
        out['text'] = msg.decode()
        for level, kind, data in anc:
            if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
                fds.frombytes(data[:len(data) - (len(data) % fds.itemsize)])
        if len(fds) != 1:
            raise RuntimeError(f'{len(fds)} fds came')
        with open(f'/proc/self/fdinfo/{fds[0]}') as f:
            for line in f:
                if line.startswith('Pid:'):
                    out['pid'] = int(line.split()[1])
        if sig:
            time.sleep(delay)
            signal.pidfd_send_signal(fds[0], sig)
            out['signalled'] = True
        os.close(fds[0])
        conn.close()
    except Exception as e:  # noqa: BLE001 - reported to the test
        out['error'] = str(e)
    print(json.dumps(out), flush=True)
