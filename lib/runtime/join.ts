// A plan for a process that joins an existing container (exec, and the
// hooks that run in the container's namespaces): every namespace of the
// container's init that is not ours, user first, no rootfs setup.
import * as fs from 'node:fs';
import type { NamespaceType, Spec } from '../config/types';
import { NS_FLAG, NS_PROC_NAME } from '../plan/namespaces';
import type { NsJoin, SpawnPlan } from '../plan/types';
import type { planProcess } from '../plan/build';

/** Every namespace of `pid` that is not ours, user first, mount last. */
export function containerNamespaces(pid: number): { path: string; nstype: number }[] {
  const order: NamespaceType[] = ['user', 'ipc', 'uts', 'network', 'pid', 'cgroup', 'time', 'mount'];
  const out: { path: string; nstype: number }[] = [];
  for (const t of order) {
    const p = `/proc/${pid}/ns/${NS_PROC_NAME[t]}`;
    let theirs: string, ours: string;
    try {
      theirs = fs.readlinkSync(p);
      ours = fs.readlinkSync(`/proc/self/ns/${NS_PROC_NAME[t]}`);
    } catch {
      continue; // the kernel lacks this namespace type
    }
    if (theirs !== ours) out.push({ path: p, nstype: NS_FLAG[t] });
  }
  return out;
}

export interface JoinPlanOptions {
  consoleFd?: number;
  preserveFds?: number;
  stdinFd?: number;
  exePath?: string;
  /** The container is a chroot (isChroot): enter the init's root after the namespaces. */
  chroot?: boolean;
}

/**
 * A container without a mount namespace of its own (none listed, or one
 * joined by path) is a chroot in that namespace: joining the namespace alone
 * lands at its "/", not the container's.
 */
export const isChroot = (spec: Spec): boolean => !(spec.linux?.namespaces ?? []).some((n) => n.type === 'mount' && !n.path);

/** Opens the root of `pid` (/proc/<pid>/root: the plan's rootFd; pushed to `fds`). */
export function openRoot(pid: number, fds: number[]): number {
  const fd = fs.openSync(`/proc/${pid}/root`, fs.constants.O_RDONLY | fs.constants.O_DIRECTORY);
  fds.push(fd);
  return fd;
}

/** Opens each namespace (the fds are pushed to `fds`, for the caller to close). */
export function openNamespaces(nss: { path: string; nstype: number }[], fds: number[]): NsJoin[] {
  return nss.map((n) => {
    const fd = fs.openSync(n.path, 'r');
    fds.push(fd);
    return { fd, nstype: n.nstype };
  });
}

/** The plan of a process joining namespaces (`joins`, opened by the caller; none yet: []). */
export function joiningPlan(proc: ReturnType<typeof planProcess>, o: JoinPlanOptions, joins: NsJoin[] = []): SpawnPlan {
  return {
    cloneFlags: 0, unshareFlags: 0, forkNeeded: true, userNsNew: false, timeNsNew: false, timeNsOffsets: '',
    joins, setupRootfs: false, rootfsSharedNs: false, rootfs: '', rootfsParent: '', rootPropagation: 0, finalPropagation: 0,
    rootReadonly: false, noPivot: false, mounts: [], lateMounts: [], devices: [], symlinks: [],
    consoleFd: o.consoleFd ?? -1, preserveFds: o.preserveFds ?? 0, sysctls: [], seccompFlags: 0, startFd: -1,
    isExec: true, hooksPause: false, stdinFd: o.stdinFd ?? -1, exePath: o.exePath,
    ...proc,
  };
}

/**
 * Opens the namespaces of `pid` (the fds are pushed to `fds`, for the caller
 * to close) and returns the plan of a process joining them.
 */
export function joinPlan(pid: number, proc: ReturnType<typeof planProcess>, o: JoinPlanOptions, fds: number[]): SpawnPlan {
  const plan = joiningPlan(proc, o, openNamespaces(containerNamespaces(pid), fds));
  if (o.chroot) plan.rootFd = openRoot(pid, fds);
  return plan;
}
