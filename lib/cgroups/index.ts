// Picks the cgroup driver for this host and resolves a config's cgroupsPath.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { CgroupManager } from './types';
import { CgroupError } from './types';
import { mountinfo } from '../plan/host';
import type { SystemdLocation } from './systemd';

/** Key of the cgroup2 hierarchy in a hybrid host's CgroupLocation. */
export const UNIFIED_KEY = 'unified';

export type CgroupMode = 'v1' | 'hybrid' | 'v2';

export interface Hierarchy {
  mountPoint: string;
  /** superblock options naming the controllers: "cpu", "cpu,cpuacct", "name=systemd" */
  options: string;
  controllers: string[];
}

const OPTION_WORDS = new Set(['rw', 'ro', 'nosuid', 'nodev', 'noexec', 'relatime', 'clone_children', 'xattr', 'nsdelegate', 'memory_recursiveprot', 'noprefix']);

export function v1Hierarchies(): Hierarchy[] {
  const seen = new Set<string>();
  const out: Hierarchy[] = [];
  for (const m of mountinfo()) {
    if (m.fstype !== 'cgroup') continue;
    const words = m.superOptions.split(',').filter((w) => !OPTION_WORDS.has(w) && !w.startsWith('release_agent='));
    const key = words.join(',');
    if (seen.has(key)) continue; // the same hierarchy mounted twice
    seen.add(key);
    out.push({ mountPoint: m.mountPoint, options: key, controllers: words });
  }
  return out;
}

/** The unified hierarchy's mount point when the host is pure cgroup v2. */
export function unifiedMount(): string {
  const v2 = mountinfo().find((m) => m.fstype === 'cgroup2' && m.mountPoint === '/sys/fs/cgroup');
  return v2 ? v2.mountPoint : '';
}

export function cgroupMode(): CgroupMode {
  if (unifiedMount()) return 'v2';
  return mountinfo().some((m) => m.fstype === 'cgroup2') ? 'hybrid' : 'v1';
}

/** Our own cgroup per hierarchy: { "memory": "/a/b", "": "/" (v2) }. */
function ownCgroups(): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of fs.readFileSync('/proc/self/cgroup', 'utf8').split('\n')) {
    const m = /^\d+:([^:]*):(.*)$/.exec(line);
    if (m) for (const c of m[1].split(',')) out.set(c, m[2]);
  }
  return out;
}

/** Where a container's cgroup lives: one dir per hierarchy (v1) or one dir (v2). Stored in the state. */
export interface CgroupLocation {
  version: 1 | 2;
  /** hierarchy key ("memory", "cpu,cpuacct", "name=systemd"; "" for v2) -> absolute dir */
  dirs: Record<string, string>;
  /** hierarchy key -> the highest dir create() made (parents of the leaf included): delete removes up to it. */
  owned?: Record<string, string>;
  /** The systemd driver's unit (--systemd-cgroup); dirs[''] is then its cgroup. */
  systemd?: SystemdLocation;
}

/**
 * cgroupsPath as runc reads it: absolute as is; relative under the runtime's
 * own cgroup (per hierarchy on v1); absent -> "<id>" relative, which is
 * what runc does. With the systemd driver: "slice:prefix:name" (systemd-path.ts).
 */
export function locateCgroup(cgroupsPath: string | undefined, id: string, systemd = false, annotations?: Record<string, string>): CgroupLocation {
  if (systemd) return locateSystemd(cgroupsPath, id, annotations);
  const p = cgroupsPath || id;
  if (/^[^/:]*:[^:]*:[^:]*$/.test(p)) {
    throw new CgroupError(`linux.cgroupsPath: "${p}" is a systemd "slice:prefix:name" path: it needs --systemd-cgroup`);
  }
  if (p.split('/').includes('..')) throw new CgroupError('linux.cgroupsPath: must not contain ".."');
  if (p.length > 1024) throw new CgroupError('linux.cgroupsPath: longer than 1024 characters');
  const own = path.isAbsolute(p) ? undefined : ownCgroups();
  const under = (key: string) => path.posix.join(own ? own.get(key) ?? '/' : '/', p);
  const v2 = unifiedMount();
  if (v2) return { version: 2, dirs: { '': path.join(v2, under('')) } };
  const dirs: Record<string, string> = {};
  for (const h of v1Hierarchies()) dirs[h.options] = path.join(h.mountPoint, under(h.controllers[0]));
  // Hybrid hosts: join the unified hierarchy too (runc does; it carries no
  // resources here, but tools read /proc/<pid>/cgroup's "0::" line).
  const unified = mountinfo().find((m) => m.fstype === 'cgroup2');
  if (unified) dirs[UNIFIED_KEY] = path.join(unified.mountPoint, under(''));
  return { version: 1, dirs };
}

function locateSystemd(cgroupsPath: string | undefined, id: string, annotations?: Record<string, string>): CgroupLocation {
  const { systemdUnit } = require('./systemd-path') as typeof import('./systemd-path');
  const { annotationProps } = require('./systemd-props') as typeof import('./systemd-props');
  const { systemBus, userBus, managerCgroup } = require('./systemd') as typeof import('./systemd');
  const { isRootless } = require('../rootless/detect') as typeof import('../rootless/detect');
  // A rootless caller talks to its own systemd (runc's rule): on the user
  // bus, default slice user.slice, all under that manager's own cgroup.
  const rootless = isRootless();
  const u = systemdUnit(cgroupsPath, id, rootless ? 'user.slice' : 'system.slice');
  const v2 = unifiedMount();
  if (!v2) {
    throw new CgroupError(`--systemd-cgroup: this host is cgroup ${cgroupMode()}; ocirun's systemd cgroup driver needs cgroup v2 (the unified hierarchy at /sys/fs/cgroup)`);
  }
  const bus = rootless ? userBus() : systemBus();
  const cgroup = rootless ? path.posix.join(managerCgroup(bus), u.cgroup) : u.cgroup;
  const extra = annotationProps(annotations);
  return { version: 2, dirs: { '': path.join(v2, cgroup) }, systemd: { unit: u.unit, slice: u.slice, bus, name: u.name, ...(extra.length ? { extra } : {}) } };
}

/** Where this process itself is: a rootless container without a cgroup of its own lives there. */
export function ownCgroupLocation(): CgroupLocation {
  return locateCgroup('.', 'self');
}

export function openCgroup(loc: CgroupLocation): CgroupManager {
  if (loc.systemd) {
    const { CgroupSystemd } = require('./systemd') as typeof import('./systemd');
    return new CgroupSystemd(loc.dirs[''], loc.systemd);
  }
  if (loc.version === 2) {
    const { CgroupV2 } = require('./v2') as typeof import('./v2');
    return new CgroupV2(loc.dirs[''], loc.owned?.['']);
  }
  const { CgroupV1 } = require('./v1') as typeof import('./v1');
  return new CgroupV1(loc.dirs, loc.owned);
}
