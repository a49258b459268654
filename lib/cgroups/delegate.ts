// config-linux.md "cgroup ownership": on cgroup v2, a container with a user
// namespace, a cgroup namespace of its own and /sys/fs/cgroup mounted
// read-write gets its cgroup delegated: the dir and the files the kernel
// lists in /sys/kernel/cgroup/delegate are chowned to the host uid of the
// container's root (as crun, and runc's systemd driver), so that its root can
// make sub-cgroups and move its processes. Never on v1 (delegation there is
// not safe), never otherwise.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Spec } from '../config/types';

/** The fallback the spec gives for kernels without /sys/kernel/cgroup/delegate. */
const DEFAULT_FILES = ['cgroup.procs', 'cgroup.subtree_control', 'cgroup.threads'];

/** The host uid to hand the cgroup to, or undefined when the spec says not to. */
export function cgroupOwner(spec: Spec): number | undefined {
  const ns = spec.linux?.namespaces ?? [];
  const newNs = (t: string) => ns.some((n) => n.type === t && !n.path);
  if (!newNs('user') || !newNs('cgroup')) return undefined;
  const rw = (spec.mounts ?? []).some((m) => m.source === 'cgroup' && path.posix.normalize(m.destination) === '/sys/fs/cgroup'
    && !(m.options ?? []).includes('ro'));
  if (!rw) return undefined;
  const root = spec.linux?.uidMappings?.find((m) => m.containerID <= 0 && m.containerID + m.size > 0);
  return root ? root.hostID - root.containerID : undefined;
}

/** Chowns the v2 cgroup dir and its delegatable files (those there) to uid. */
export function delegateCgroup(dir: string, uid: number): void {
  let files = DEFAULT_FILES;
  try {
    files = fs.readFileSync('/sys/kernel/cgroup/delegate', 'utf8').split('\n').filter(Boolean);
  } catch { /* older kernel: the spec's list */ }
  fs.chownSync(dir, uid, -1);
  for (const f of files) {
    try {
      fs.chownSync(path.join(dir, f), uid, -1);
    } catch (e) {
      // "Runtimes MUST NOT fail" when a listed file is not there.
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
  }
}
