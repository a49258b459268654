// setgroups(2) is refused in a user namespace whose /proc/<pid>/setgroups
// says "deny" (ours when we map a rootless caller's own gid; inherited by every
// namespace below one that denies it). There the container keeps the groups it
// has, as runc does; asking for additionalGids is then an error, not ignored.
import type { SpawnPlan } from '../plan/types';
import * as fs from 'node:fs';
import { RuntimeError } from '../util/errors';

function denied(pid: number | 'self'): boolean {
  try {
    return fs.readFileSync(`/proc/${pid}/setgroups`, 'utf8').trim() === 'deny';
  } catch {
    return false;
  }
}

/** denyingNow: we are about to deny it in the container's new user namespace. joinPid: exec into that process' namespace. */
export function noSetgroupsIfDenied(plan: SpawnPlan, denyingNow: boolean, joinPid?: number): void {
  const off = denyingNow || denied(joinPid ?? 'self');
  if (!off) return;
  if (plan.groups.length) {
    throw new RuntimeError('process.user.additionalGids: setgroups is denied in this user namespace (a rootless map of only your own gid); map more gids (newgidmap, /etc/subgid) or drop them');
  }
  plan.setGroups = false;
}
