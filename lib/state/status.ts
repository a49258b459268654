// The status of a container, derived from the real process every time:
// runtime.md's creating | created | running | paused | stopped.
import * as fs from 'node:fs';
import type { Status } from '../config/types';
import type { Record } from './store';
import { openCgroup } from '../cgroups';

/** starttime and state letter from /proc/<pid>/stat; undefined if gone. */
export function procStat(pid: number): { state: string; startTime: string } | undefined {
  if (!pid) return undefined;
  let s: string;
  try {
    s = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // comm may hold spaces and parentheses: fields start after the last ')'.
  const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
  return { state: f[0], startTime: f[19] };
}

/** Is the container's init (this very process, not a reuse of its pid) alive? */
export function initAlive(r: Record): boolean {
  const st = procStat(r.pid);
  return !!st && st.startTime === r.startTime && st.state !== 'Z' && st.state !== 'X';
}

export function status(r: Record): Status {
  if (r.phase === 'creating') {
    // Still being created, unless the creating process is gone (killed midway).
    const c = r.creator && procStat(r.creator.pid);
    return c && c.startTime === r.creator!.startTime && c.state !== 'Z' ? 'creating' : 'stopped';
  }
  if (!initAlive(r)) return 'stopped';
  if (r.cgroup && openCgroup(r.cgroup).isFrozen()) return 'paused';
  return waitingForStart(r.pid) ? 'created' : 'running';
}

/** The name the addon gives the init (addon/child/init.cc); execve replaces it. */
export const INIT_COMM = 'ocirun-init';

/** The init has not exec'd yet: it still carries the name the addon gave it. */
export function waitingForStart(pid: number): boolean {
  try {
    return fs.readFileSync(`/proc/${pid}/comm`, 'utf8') === `${INIT_COMM}\n`;
  } catch {
    return false;
  }
}
