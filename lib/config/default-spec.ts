// The example configuration that `ocirun spec` writes: the same document as
// `runc spec` (runc 1.1.5, libcontainer/specconv/example.go), key order
// included, with our own ociVersion and hostname, and two changes that newer
// runc made too:
//  - no process.capabilities.ambient: runc 1.1 listed the three capabilities
//    as ambient without listing them as inheritable, which the kernel refuses
//    (PR_CAP_AMBIENT_RAISE needs permitted+inheritable); runc silently ignored
//    the error, so its containers never had them (runc PR #4367 removed them);
//  - a cgroup namespace when the host runs the cgroup v2 unified hierarchy.

import * as fs from 'fs';
import type { Spec } from './types';

const CGROUP2_SUPER_MAGIC = 0x63677270;

/** True when /sys/fs/cgroup is a cgroup2 mount (pure v2, not hybrid). */
export function isCgroup2UnifiedMode(): boolean {
  try {
    return Number(fs.statfsSync('/sys/fs/cgroup').type) === CGROUP2_SUPER_MAGIC;
  } catch {
    return false;
  }
}

const DEFAULT_CAPS = ['CAP_AUDIT_WRITE', 'CAP_KILL', 'CAP_NET_BIND_SERVICE'];

export interface DefaultSpecOptions {
  /** Add a cgroup namespace; defaults to isCgroup2UnifiedMode(). */
  cgroupNamespace?: boolean;
}

export function defaultSpec(opts: DefaultSpecOptions = {}): Spec {
  const cgroupns = opts.cgroupNamespace ?? isCgroup2UnifiedMode();
  const spec: Spec = {
    ociVersion: '1.2.0',
    process: {
      terminal: true,
      user: { uid: 0, gid: 0 },
      args: ['sh'],
      env: [
        'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
        'TERM=xterm',
      ],
      cwd: '/',
      capabilities: {
        bounding: [...DEFAULT_CAPS],
        effective: [...DEFAULT_CAPS],
        permitted: [...DEFAULT_CAPS],
      },
      rlimits: [{ type: 'RLIMIT_NOFILE', hard: 1024, soft: 1024 }],
      noNewPrivileges: true,
    },
    root: { path: 'rootfs', readonly: true },
    hostname: 'ocirun',
    mounts: [
      { destination: '/proc', type: 'proc', source: 'proc' },
      {
        destination: '/dev',
        type: 'tmpfs',
        source: 'tmpfs',
        options: ['nosuid', 'strictatime', 'mode=755', 'size=65536k'],
      },
      {
        destination: '/dev/pts',
        type: 'devpts',
        source: 'devpts',
        options: ['nosuid', 'noexec', 'newinstance', 'ptmxmode=0666', 'mode=0620', 'gid=5'],
      },
      {
        destination: '/dev/shm',
        type: 'tmpfs',
        source: 'shm',
        options: ['nosuid', 'noexec', 'nodev', 'mode=1777', 'size=65536k'],
      },
      {
        destination: '/dev/mqueue',
        type: 'mqueue',
        source: 'mqueue',
        options: ['nosuid', 'noexec', 'nodev'],
      },
      {
        destination: '/sys',
        type: 'sysfs',
        source: 'sysfs',
        options: ['nosuid', 'noexec', 'nodev', 'ro'],
      },
      {
        destination: '/sys/fs/cgroup',
        type: 'cgroup',
        source: 'cgroup',
        options: ['nosuid', 'noexec', 'nodev', 'relatime', 'ro'],
      },
    ],
    linux: {
      resources: {
        devices: [{ allow: false, access: 'rwm' }],
      },
      namespaces: [
        { type: 'pid' },
        { type: 'network' },
        { type: 'ipc' },
        { type: 'uts' },
        { type: 'mount' },
        ...(cgroupns ? [{ type: 'cgroup' as const }] : []),
      ],
      maskedPaths: [
        '/proc/acpi',
        '/proc/asound',
        '/proc/kcore',
        '/proc/keys',
        '/proc/latency_stats',
        '/proc/timer_list',
        '/proc/timer_stats',
        '/proc/sched_debug',
        '/sys/firmware',
        '/proc/scsi',
      ],
      readonlyPaths: [
        '/proc/bus',
        '/proc/fs',
        '/proc/irq',
        '/proc/sys',
        '/proc/sysrq-trigger',
      ],
    },
  };
  return spec;
}
