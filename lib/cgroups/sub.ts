// exec --cgroup: run a process in an existing sub-cgroup of its container's
// cgroup, as runc. "PATH" alone: the same sub-path in every hierarchy (the
// only form on v2); "CTRL[,CTRL]:PATH" (repeatable): per v1 controller.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CgroupError } from './types';

/** --cgroup arguments -> { controller | "" : sub-path } */
export function parseSubCgroups(args: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const arg of args) {
    const parts = arg.split(':');
    if (parts.length > 2) throw new CgroupError(`invalid --cgroup argument: ${arg}`);
    const sub = parts[parts.length - 1];
    // Never leave the container's cgroup (runc refuses paths outside it too).
    if (!sub || sub.split('/').includes('..')) throw new CgroupError(`--cgroup ${arg}: must be a path inside the container's cgroup (no "..")`);
    if (parts.length === 1) {
      if (args.length !== 1) throw new CgroupError(`invalid --cgroup argument: ${arg} (missing <controller>: prefix)`);
      out[''] = sub;
    } else {
      for (const ctrl of parts[0].split(',')) out[ctrl] = sub;
    }
  }
  return out;
}

/** The container's cgroup dirs (hierarchy key -> dir) moved into the sub-cgroups asked for. */
export function subCgroupDirs(dirs: Record<string, string>, sub: Record<string, string>): Record<string, string> {
  const out = { ...dirs };
  const pick = (key: string, rel: string) => {
    const d = path.join(dirs[key], rel);
    if (!fs.existsSync(d)) throw new CgroupError(`--cgroup: ${d} does not exist (create the sub-cgroup first)`);
    out[key] = d;
  };
  if (sub[''] !== undefined) {
    for (const key of Object.keys(dirs)) pick(key, sub['']);
    return out;
  }
  for (const [ctrl, rel] of Object.entries(sub)) {
    const key = Object.keys(dirs).find((k) => k.split(',').includes(ctrl));
    if (!key) throw new CgroupError(`--cgroup: unknown controller "${ctrl}" (this container's: ${Object.keys(dirs).join(' ') || 'none'})`);
    pick(key, rel);
  }
  return out;
}
