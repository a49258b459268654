// The flat, serialisable spawn plan handed to the addon (addon/plan.h mirrors
// it). Everything the child needs is decided here, in TypeScript, so the C++
// side only executes.

import type { MemoryPolicyPlan } from './memory-policy';

export const enum MountKind { Fs = 0, Bind = 1, Mask = 2, Readonly = 3 }
export const enum TargetKind { None = 0, Dir = 1, File = 2 }

export interface MountOp {
  kind: MountKind;
  targetKind: TargetKind;
  source: string;
  target: string; // absolute, inside the rootfs
  fstype: string;
  data: string;
  flags: number;
  propagation: number;
  recursive: boolean;
  remount: boolean;
  /** tmpfs: starts with a copy of the directory it covers (the tmpcopyup option). */
  copyup?: boolean;
  /** MOUNT_ATTR_* to set / clear recursively after the mount (mount_setattr AT_RECURSIVE); 0: none. */
  recSet?: number;
  recClr?: number;
  /** Idmapped bind: the mount's id maps (uid_map/gid_map text); the caller turns them into a user ns fd. */
  idmap?: { uidMap: string; gidMap: string };
  idmapTreeFd?: number;
}

export interface DeviceOp {
  path: string;
  mode: number; // S_IF* | permissions
  major: number;
  minor: number;
  uid: number;
  gid: number;
  bind: boolean;
  /** From linux.devices: an existing file there that is not this device is an error. */
  configured?: boolean;
}

export interface SymlinkOp { target: string; path: string }

export interface NsJoin { fd: number; nstype: number }

export interface RlimitOp { resource: number; soft: string; hard: string }

export interface SpawnPlan {
  cloneFlags: number;
  unshareFlags: number;
  forkNeeded: boolean;
  userNsNew: boolean;
  /** A rootless parent (or newuidmap) writes the maps: the child stays dumpable until GO. */
  dumpableUntilGo?: boolean;
  /** Tests only (lib/util/testpoint.ts, phase child:cloned): the child stops itself (SIGSTOP) before anything. */
  testStop?: boolean;
  timeNsNew: boolean;
  timeNsOffsets: string;
  joins: NsJoin[];
  /**
   * A cgroup v2 dir fd: clone the first child into it (clone3
   * CLONE_INTO_CGROUP); the addon says whether the kernel did. -1/absent: none.
   */
  cgroupFd?: number;
  /** exec into a container that is a chroot (no mount namespace of its own): its root, /proc/<init>/root; -1/absent: none. */
  rootFd?: number;

  setupRootfs: boolean;
  /** The mount namespace is not the container's own (none configured, or joined by path): chroot, leave "/" alone. */
  rootfsSharedNs: boolean;
  rootfs: string;
  rootfsParent: string;
  rootPropagation: number;
  finalPropagation: number;
  rootReadonly: boolean;
  noPivot: boolean;
  mounts: MountOp[];
  lateMounts: MountOp[];
  devices: DeviceOp[];
  symlinks: SymlinkOp[];
  cwd: string;

  hostname?: string;
  domainname?: string;

  consoleFd: number;
  /** connected --pidfd-socket, -1: none (the process sends its own pidfd) */
  pidfdSocketFd?: number;
  /** config.json has no process: the init waits for start, then fails it. */
  noProcess?: boolean;
  consoleRows: number;
  consoleCols: number;

  args: string[];
  env: string[];
  pathDirs: string[];
  uid: number;
  gid: number;
  groups: number[];
  setGroups: boolean;
  umask: number;
  noNewPrivileges: boolean;
  setCaps: boolean;
  capBounding: string;
  capEffective: string;
  capPermitted: string;
  capInheritable: string;
  capAmbient: string;
  capLast: number;
  rlimits: RlimitOp[];
  oomScoreAdj?: number;
  preserveFds: number;
  sysctls: [string, string][];
  ioPrio: number;
  scheduler?: object;
  personality?: number;
  /** set_mempolicy(2) arguments (linux.memoryPolicy); unset: leave the inherited policy */
  memPolicy?: MemoryPolicyPlan;
  /** CPUs after the cgroup join (execCPUAffinity.final) */
  cpuAffinity: number[];
  /** CPUs from the clone to the join (execCPUAffinity.initial): set by the parent around the clone */
  cpuAffinityInitial: number[];
  /** no affinity given: every CPU after the join, not the caller's */
  cpuAffinityReset: boolean;
  apparmorFile?: string;
  apparmorValue?: string;
  seccompFlags: number;

  hooksPause: boolean;
  /** linux.sysctl written in the hooks pause (after beforeHooks moved netDevices), not before the mounts. */
  sysctlsAtHooks?: boolean;
  /** The sealed memfd holding the exec trampoline (addon/trampoline.c). */
  trampolineFd?: number;
  stdinFd: number;
  exePath?: string;
  startFd: number;
  isExec: boolean;

  /** WebAssembly (lib/wasm): 1 = the program must be a wasm module, 2 = only if it is one. */
  wasmMode?: number;
  /** node's argv for a wasm program; the init puts the module's path at wasmModuleSlot. */
  wasmArgv?: string[];
  wasmModuleSlot?: number;
  /** What the init execs for wasm: ld.so (or a static node), a read-only detached mount (addon hostExecFd). */
  wasmHostFd?: number;
  /** fds that must survive that exec (node and its libraries, loaded through /proc/self/fd/N). */
  wasmKeepFds?: number[];
  /** One of them, checked before ready: /proc must be mounted for ld.so to find it. -1: none. */
  wasmProcFd?: number;
}

/** Linux constants the planner uses (values from <linux/mount.h>, <sched.h>). */
export const MS = {
  RDONLY: 1, NOSUID: 2, NODEV: 4, NOEXEC: 8, SYNCHRONOUS: 16, REMOUNT: 32, MANDLOCK: 64,
  DIRSYNC: 128, NOSYMFOLLOW: 256, NOATIME: 1024, NODIRATIME: 2048, BIND: 4096, MOVE: 8192,
  REC: 16384, UNBINDABLE: 1 << 17, PRIVATE: 1 << 18, SLAVE: 1 << 19, SHARED: 1 << 20,
  RELATIME: 1 << 21, STRICTATIME: 1 << 24, LAZYTIME: 1 << 25, SILENT: 1 << 15, I_VERSION: 1 << 23,
} as const;

/** mount_setattr(2) attributes (<linux/mount.h>). */
export const MOUNT_ATTR = {
  RDONLY: 0x1, NOSUID: 0x2, NODEV: 0x4, NOEXEC: 0x8, ATIME_MASK: 0x70, RELATIME: 0, NOATIME: 0x10,
  STRICTATIME: 0x20, NODIRATIME: 0x80, NOSYMFOLLOW: 0x200000,
} as const;

export const CLONE = {
  NEWTIME: 0x80, NEWNS: 0x20000, NEWCGROUP: 0x02000000, NEWUTS: 0x04000000,
  NEWIPC: 0x08000000, NEWUSER: 0x10000000, NEWPID: 0x20000000, NEWNET: 0x40000000,
} as const;
