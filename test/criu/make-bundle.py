#!/usr/bin/env python3
# Writes a checkpoint test bundle: the busybox rootfs (a bind of the shared
# one), a counter as its process, hostname, env, a tmpfs at /tmp, a bind
# mount at /data, a memory limit, a cgroup namespace, a seccomp filter.
#   make-bundle.py SRC_BUNDLE DST_BUNDLE DATA_DIR CGROUPS_PATH [--no-bind] [--terminal]
# (--terminal: terminal: true, and the counter also prints n=N on it)
import json, sys, os
src, dst, data, cgpath = sys.argv[1:5]
nobind = '--no-bind' in sys.argv
terminal = '--terminal' in sys.argv
c = json.load(open(os.path.join(src, 'config.json')))
c['root'] = {'path': os.path.realpath(os.path.join(src, c['root']['path'])), 'readonly': c['root'].get('readonly', False)}
c['hostname'] = 'criu-ctr'
c['process']['terminal'] = terminal
c['process']['env'] = c['process']['env'] + ['CRIU_TEST_ENV=kept']
# The counter: its count and a random "memory" value live only in the
# shell's memory; it writes them to /tmp (a tmpfs) each round.
c['process']['args'] = ['sh', '-c',
  'M=$(cat /proc/sys/kernel/random/uuid); i=0; '
  'while true; do i=$((i+1)); echo $i > /tmp/count; echo $M > /tmp/mem; echo $$ > /tmp/pid; '
  + ('echo n=$i; ' if terminal else '') + 'sleep 0.2; done']
mounts = [m for m in c['mounts'] if m['destination'] not in ('/tmp', '/data')]
mounts.append({'destination': '/tmp', 'type': 'tmpfs', 'source': 'tmpfs', 'options': ['nosuid', 'nodev', 'size=8m']})
if not nobind:
  mounts.append({'destination': '/data', 'type': 'bind', 'source': data, 'options': ['rbind', 'rw']})
if not any(m['destination'] == '/sys/fs/cgroup' for m in mounts):
  mounts.append({'destination': '/sys/fs/cgroup', 'type': 'cgroup', 'source': 'cgroup', 'options': ['nosuid', 'noexec', 'nodev', 'relatime', 'ro']})
c['mounts'] = mounts
lx = c['linux']
if not any(n['type'] == 'cgroup' for n in lx['namespaces']):
  lx['namespaces'].append({'type': 'cgroup'})
lx['cgroupsPath'] = cgpath
lx['resources'] = {'memory': {'limit': 67108864}}
lx['seccomp'] = {'defaultAction': 'SCMP_ACT_ALLOW', 'architectures': ['SCMP_ARCH_X86_64'],
                 'syscalls': [{'names': ['swapon'], 'action': 'SCMP_ACT_ERRNO'}]}
os.makedirs(dst, exist_ok=True)
json.dump(c, open(os.path.join(dst, 'config.json'), 'w'), indent=1)
