// Starts, in the background, the wait that the container's cgroup join would
// otherwise do on create's critical path.
//
// Moving a process into a cgroup (a write to cgroup.procs, v1 or v2) takes
// the kernel's global cgroup_threadgroup_rwsem for writing. The first writer
// after a quiet spell waits for an RCU grace period (percpu_down_write ->
// rcu_sync_enter -> synchronize_rcu): 6-15 ms on this host, idle time, not
// CPU. Writers that follow within about one more grace period go straight
// through. Measured here (bench/interleave.sh, --debug marks): the init's
// join took 12-14 ms in a `run` that came after a quiet spell and 0.5 ms in a
// `create` that followed another runtime's join.
//
// So create() writes "0" (the writing process itself) to the cgroup.procs of
// the cgroup this process is already in: the kernel takes the lock and moves
// nothing. It runs on bun's thread pool while this thread reads the config
// and builds the plan; by the time the init joins its cgroup, the grace
// period has passed or is under way. Every error is ignored (no permission,
// no such file): it is only ever a head start.
//
// The write holds cgroup_mutex while it waits, so making the container's
// cgroup dirs (mkdir) waits for it too: the head start is the time from here
// to create's first cgroup mkdir.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ownCgroupLocation, UNIFIED_KEY } from './index';
import { mountPointOf } from '../plan/host';

/**
 * Our own cgroup.procs on one hierarchy (v2's, or the hybrid host's unified
 * one, else the first v1 one). Only where the cgroupfs mount shows its
 * hierarchy from the top (or from our cgroup namespace's top): under a bind
 * mount of some sub-cgroup (a container without a cgroup namespace), the
 * path /proc/self/cgroup names is not where we are, and a write there would
 * move us.
 */
function ownProcsFile(): string | undefined {
  const loc = ownCgroupLocation();
  // Pure v2 (cgroupfs driver; systemd's never warms): the init is born in its
  // cgroup (clone3 CLONE_INTO_CGROUP, addon/clone-into.h), so create takes
  // the lock only for reading, and a warm-up would only make the mkdirs and
  // the clone wait behind its grace period.
  if (loc.version === 2) return undefined;
  const dir = loc.dirs[UNIFIED_KEY] ?? Object.values(loc.dirs)[0];
  if (!dir) return undefined;
  const mount = mountPointOf(dir);
  if (!mount || !/^cgroup2?$/.test(mount.fstype) || mount.root !== '/') return undefined;
  return path.join(dir, 'cgroup.procs');
}

export function warmCgroupAttach(): void {
  let file: string | undefined;
  try {
    file = ownProcsFile();
  } catch {
    return;
  }
  if (!file) return;
  // One job on the thread pool (a callback would only run once this thread
  // is idle, after create). "r+": O_RDWR without O_CREAT, so no file is made
  // where no cgroup is (close-on-exec, as every fd here).
  fs.writeFile(file, '0', { flag: 'r+' }, () => {});
}
