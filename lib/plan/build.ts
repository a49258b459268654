// config -> SpawnPlan. Pure: host facts come in through `host`, fds opened by
// the caller come in through `fds`; nothing here touches the system.
import * as path from 'node:path';
import type { Process, Spec } from '../config/types';
import type { SpawnPlan } from './types';
import { planNamespaces, type NamespacePlan } from './namespaces';
import { planMounts, type MountHost } from './mounts';
import { capMasks } from './capabilities';
import { planRlimits } from './rlimits';
import { planSysctls } from './sysctl';
import { planMemoryPolicy } from './memory-policy';
import { PlanError } from './errors';
import { planPersonality, planProcessExtras } from './process-extras';

export const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

export interface PlanHost extends MountHost {
  capLast: number;
  /** The runtime's bounding set: capabilities outside it are warnings, not capset failures. */
  capBounding?: bigint;
  homeOf?: (uid: number) => string | undefined;
  /** The mount point holding the rootfs, when it must be made private for pivot_root. */
  rootfsParent: string;
  /** The runtime itself runs in a user namespace (rootless podman): no mknod, sysfs as a new netns allows. */
  inUserNs?: boolean;
}

export interface PlanFds {
  startFd: number;        // -1: exec right after setup
  consoleFd: number;      // -1: no terminal
  joins: number[];        // fds of linux.namespaces[].path, in NamespacePlan.joins order
}

export interface PlanOptions {
  noPivot?: boolean;
  preserveFds?: number;
  warn: (msg: string) => void;
}

/** The process part of the plan, shared by create and exec. `homeOf` looks
 * the user's home up in the container's /etc/passwd (HOME when env has none, as runc). */
export function planProcess(p: Process, capLast: number, warn: (m: string) => void, where = 'process',
  homeOf: ((uid: number) => string | undefined) | null = () => undefined, capBounding?: bigint) {
  if (!p.args || p.args.length === 0) throw new PlanError(`${where}.args`, 'must be a non-empty array');
  if (!p.cwd || !path.posix.isAbsolute(p.cwd)) throw new PlanError(`${where}.cwd`, 'must be an absolute path');
  // (uid_t)-1 would mean "leave unchanged" (root) to the kernel: as runc, only 0 .. 2^31-1.
  for (const [k, v] of [['uid', p.user.uid], ['gid', p.user.gid], ...(p.user.additionalGids ?? []).map((g, i) => [`additionalGids[${i}]`, g])] as [string, number][]) {
    if (!Number.isInteger(v) || v < 0 || v > 2147483647) throw new PlanError(`${where}.user.${k}`, 'must be between 0 and 2147483647');
  }
  let env = p.env ?? [];
  // HOME from the container's passwd when the env has none (as runc); not for hooks (homeOf null).
  if (homeOf && !env.some((e) => e.startsWith('HOME='))) env = [...env, `HOME=${homeOf(p.user.uid) ?? '/'}`];
  const pathVar = env.find((e) => e.startsWith('PATH='));
  // No capabilities object means no capabilities at all (as runc).
  const caps = capMasks(p.capabilities ?? {}, capLast, warn, capBounding);
  if (p.oomScoreAdj !== undefined && (p.oomScoreAdj < -1000 || p.oomScoreAdj > 1000)) {
    throw new PlanError(`${where}.oomScoreAdj`, 'must be between -1000 and 1000');
  }
  return {
    ...planProcessExtras(p, where),
    args: p.args,
    env,
    pathDirs: (pathVar ? pathVar.slice(5) : DEFAULT_PATH).split(':'),
    cwd: p.cwd,
    uid: p.user.uid,
    gid: p.user.gid,
    groups: p.user.additionalGids ?? [],
    setGroups: true,
    // Unset: 0022, as runc and crun (config.md's lowercase "should" would
    // keep the caller's; a root umask of 077 would make every file private).
    umask: p.user.umask ?? 0o022,
    noNewPrivileges: !!p.noNewPrivileges,
    setCaps: true,
    capBounding: caps.bounding.toString(),
    capEffective: caps.effective.toString(),
    capPermitted: caps.permitted.toString(),
    capInheritable: caps.inheritable.toString(),
    capAmbient: caps.ambient.toString(),
    capLast,
    rlimits: planRlimits(p.rlimits),
    oomScoreAdj: p.oomScoreAdj,
    consoleRows: p.consoleSize?.height ?? 0,
    consoleCols: p.consoleSize?.width ?? 0,
  };
}

export function timeOffsets(spec: Spec): string {
  const offs = spec.linux?.timeOffsets ?? {};
  return Object.entries(offs)
    .map(([clock, o]) => {
      if (clock !== 'monotonic' && clock !== 'boottime') throw new PlanError(`linux.timeOffsets.${clock}`, 'only monotonic and boottime can be offset');
      return `${clock} ${o.secs ?? 0} ${o.nanosecs ?? 0}\n`;
    })
    .join('');
}

export function buildPlan(
  spec: Spec, bundle: string, rootfs: string, host: PlanHost, fds: PlanFds, opts: PlanOptions,
  ns: NamespacePlan = planNamespaces(spec.linux?.namespaces),
): SpawnPlan {
  // config.md: process is optional. Without one the container is created
  // (namespaces, rootfs, hooks) and `start` fails, as runtime.md says it
  // must: the init gets a placeholder it never runs (noProcess).
  const process = spec.process ?? { args: ['/'], cwd: '/', user: { uid: 0, gid: 0 } };
  if ((spec.linux?.uidMappings?.length || spec.linux?.gidMappings?.length) && !ns.isNew('user')) {
    throw new PlanError('linux.uidMappings', 'id mappings need a new user namespace in linux.namespaces');
  }
  if (ns.isNew('user') && !(spec.linux?.uidMappings?.length && spec.linux?.gidMappings?.length)) {
    throw new PlanError('linux.uidMappings', 'a new user namespace needs uidMappings and gidMappings');
  }
  if (process.terminal && fds.consoleFd < 0) {
    throw new PlanError('process.terminal', 'is true but no --console-socket was given');
  }
  // Features this host/runtime can't provide: a clear error, never a silent ignore.
  if (spec.linux?.intelRdt) throw new PlanError('linux.intelRdt', 'Intel RDT (resctrl) is not supported by ocirun on this host');
  // The rootfs and mounts are set up whatever the mount namespace: a new one
  // (pivot_root), or, as config-linux.md says a namespace not listed is
  // inherited, the runtime's own, or one joined by path (chroot; mounts
  // there are undone at delete, lib/runtime/host-mounts.ts).
  const setupRootfs = true;
  const userMaps = ns.isNew('user') && spec.linux?.uidMappings && spec.linux.gidMappings
    ? { uid: spec.linux.uidMappings, gid: spec.linux.gidMappings } : undefined;
  const m = planMounts(spec, bundle, host, { cgroupns: ns.has('cgroup'), userns: ns.has('user') || !!host.inUserNs, netns: ns.isNew('network'), userMaps });
  // config.md: execCPUAffinity "is not applicable to the container's init
  // process" (runc ignores it there too): the init gets every CPU of its cpuset.
  const proc = { ...planProcess(process, host.capLast, opts.warn, 'process', host.homeOf, host.capBounding), cpuAffinity: [], cpuAffinityInitial: [], cpuAffinityReset: true };
  if (spec.hostname && !ns.has('uts')) throw new PlanError('hostname', 'needs a uts namespace to be set');
  if (spec.domainname && !ns.has('uts')) throw new PlanError('domainname', 'needs a uts namespace to be set');

  return {
    cloneFlags: ns.cloneFlags,
    unshareFlags: ns.unshareFlags,
    forkNeeded: ns.forkNeeded,
    userNsNew: ns.isNew('user'),
    timeNsNew: ns.isNew('time'),
    timeNsOffsets: ns.isNew('time') ? timeOffsets(spec) : '',
    joins: ns.joins.map((j, i) => ({ fd: fds.joins[i], nstype: j.nstype })),
    setupRootfs,
    rootfsSharedNs: !ns.isNew('mount'),
    rootfs,
    rootfsParent: host.rootfsParent,
    rootPropagation: m.rootPropagation,
    finalPropagation: m.finalPropagation,
    rootReadonly: !!spec.root?.readonly,
    noPivot: !!opts.noPivot,
    mounts: m.mounts,
    lateMounts: m.lateMounts,
    devices: m.devices,
    symlinks: m.symlinks,
    // An empty one is not set (runc, crun): the new uts namespace keeps the runtime's.
    hostname: ns.has('uts') && spec.hostname ? spec.hostname : undefined,
    domainname: ns.has('uts') && spec.domainname ? spec.domainname : undefined,
    consoleFd: process.terminal ? fds.consoleFd : -1,
    noProcess: !spec.process,
    preserveFds: opts.preserveFds ?? 0,
    sysctls: planSysctls(spec.linux?.sysctl, ns),
    personality: planPersonality(spec.linux),
    memPolicy: planMemoryPolicy(spec.linux),
    seccompFlags: 0,
    hooksPause: !!(spec.hooks?.prestart?.length || spec.hooks?.createRuntime?.length || spec.hooks?.createContainer?.length),
    stdinFd: -1,
    startFd: fds.startFd,
    isExec: false,
    ...proc,
  };
}
