// cgroups for a rootless caller (runc's rules, libcontainer/cgroups/fs with
// Rootless): use the cgroup when the user may (a cgroup v2 subtree delegated
// to it, e.g. by systemd's Delegate=yes); without permission run without a
// cgroup of its own when no limits were asked, and refuse with one line when
// they were. Device rules are dropped: they need real root (a BPF program or
// devices.allow), and a user namespace cannot mknod anyway.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Resources } from '../config/types';
import type { CgroupManager } from './types';
import { openCgroup, type CgroupLocation } from './index';
import { RuntimeError } from '../util/errors';

/** The resources a rootless container can have applied: all but device rules. */
export function rootlessResources(r: Resources | undefined): Resources | undefined {
  if (!r) return r;
  const { devices: _devices, ...rest } = r;
  return rest;
}

/** Does the config ask for any limit (not counting device rules)? */
export function asksResources(r: Resources | undefined): boolean {
  if (!r) return false;
  return Object.entries(r).some(([k, v]) => k !== 'devices' && v !== undefined && v !== null
    && !(Array.isArray(v) && v.length === 0) && !(typeof v === 'object' && !Array.isArray(v) && Object.keys(v).length === 0));
}

const PERM = /EACCES|EPERM|EROFS|permission denied|operation not permitted|read-only file system/i;

export function isPermissionError(e: unknown): boolean {
  const err = e as NodeJS.ErrnoException;
  return ['EACCES', 'EPERM', 'EROFS'].includes(err.code ?? '') || PERM.test(err.message ?? '');
}

export function noPermission(dir: string, e: unknown): RuntimeError {
  return new RuntimeError(`rootless container: cannot apply linux.resources: no permission to use cgroup ${dir} (${(e as Error).message}); `
    + 'rootless needs no limits, or a cgroup v2 subtree delegated to the user');
}

/** Dirs of loc that do not exist yet, nearest the leaf first (what a failed create leaves to undo). */
function missingDirs(loc: CgroupLocation): string[] {
  const out: string[] = [];
  for (const leaf of Object.values(loc.dirs)) {
    for (let d = leaf; d !== path.dirname(d) && !fs.existsSync(d); d = path.dirname(d)) out.push(d);
  }
  return out;
}

export interface RootlessCgroup {
  cg?: CgroupManager;
  owned: Record<string, string>;
}

/** Creates the container's cgroup as a rootless caller: cg undefined = run without one. */
export function createRootlessCgroup(loc: CgroupLocation, resources: Resources | undefined): RootlessCgroup {
  const res = rootlessResources(resources);
  const cg = openCgroup(loc);
  const missing = missingDirs(loc);
  try {
    return { cg, owned: cg.create(res) };
  } catch (e) {
    for (const d of missing) {
      try {
        fs.rmdirSync(d);
      } catch { /* never made, or not ours */ }
    }
    if (!isPermissionError(e)) throw e;
    if (asksResources(res)) throw noPermission(Object.values(loc.dirs)[0] ?? '', e);
    return { owned: {} };
  }
}
