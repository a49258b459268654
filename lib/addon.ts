// Typed access to the C++ addon (build/Release/ocirun.node).
import * as path from 'node:path';
import { repoDir } from './paths';

export interface SyncMessage { type: number; value: number; errno: number; msg: string; fd?: number }

export const SYNC = { GO: 1, PID: 2, READY: 3, ERROR: 4, HOOKS: 5, HOOKS_DONE: 6, SECCOMP: 7, SYSCTLS: 8, SYSCTLS_DONE: 9 } as const;

export interface Addon {
  spawn(plan: object, seccomp?: Buffer): { pid: number; syncFd: number; bornInCgroup: boolean };
  syncSend(fd: number, type: number): void;
  syncRecv(fd: number, timeoutMs?: number): SyncMessage | null;
  listenUnix(path: string): number;
  connectUnix(path: string): number;
  release(fd: number): SyncMessage | null;
  /** An exclusive flock on path (a dir): waits up to timeoutMs for another holder, then ETIMEDOUT (nonblock: EWOULDBLOCK at once). */
  lock(path: string, nonblock?: boolean, timeoutMs?: number): number;
  /** Releases the flock (for every fd sharing it: a forked child's too) and closes fd. */
  unlock(fd: number): void;
  waitPid(pid: number, cb: (err: Error | null, status: number) => void): void;
  waitPidSync(pid: number, nohang?: boolean): number;
  setSubreaper(): void;
  /** A unix socket pair, both ends close-on-exec: SOCK_STREAM, or SOCK_SEQPACKET (CRIU's RPC). */
  socketPair(type?: 'stream' | 'seqpacket'): [number, number];
  recvFd(sock: number): number;
  setWinsize(fd: number, rows: number, cols: number): void;
  /** Turns output processing (OPOST) off on a terminal, as cfmakeraw. */
  rawOutput(fd: number): void;
  sendFd(sock: number, text: string, fd: number): void;
  trampolineFd(path: string): number;
  /** A read-only, nosuid, detached mount of the file at path, as an O_PATH fd (to execveat). */
  hostExecFd(path: string): number;
  usernsFd(uidMap: string, gidMap: string): number;
  /** A detached copy of source's mount (recursive: its tree) idmapped with that user namespace. */
  idmapTree(source: string, recursive: boolean, usernsFd: number): number;
  /** Returns how many old programs were replaced. */
  attachDeviceFilter(cgroupDir: string, insns: Buffer): number;
  compileSeccomp(profile: object): Buffer;
  /** CLOCK_MONOTONIC now, in ns (the init's phase marks use it). */
  monotonicNs(): bigint;
  seccompKnown(name: string): boolean;
  /** systemd's D-Bus API (addon/systemd.cc): props are [name, D-Bus signature, value]; returns the job's result. */
  sdStartUnit(busAddress: string, unit: string, timeoutMs: number, props: SdProp[]): string;
  sdSetProperties(busAddress: string, unit: string, timeoutMs: number, props: SdProp[]): void;
  /** "done", "gone" (no such unit), "timeout", or another job result. */
  sdStopUnit(busAddress: string, unit: string, timeoutMs: number): string;
  /** A string property of systemd's Manager object ("ControlGroup", "Version"). */
  sdManagerProperty(busAddress: string, name: string, timeoutMs: number): string;
  /** CRIU's RPC (addon/criu.cc) over a socketPair('seqpacket'): packets, an fd riding along. */
  seqpacketSend(fd: number, data: Uint8Array): void;
  /** null on timeout; data empty at EOF; fd -1 unless one came with the packet. */
  seqpacketRecv(fd: number, timeoutMs: number): { data: Buffer; fd: number } | null;
  bindMount(src: string, dst: string): void;
  /** rtnetlink (addon/netdev.cc): a NETLINK_ROUTE socket in the network namespace nsFd refers to (-1: ours). */
  netlinkOpen(nsFd: number): number;
  netlinkLinks(sock: number): { index: number; name: string; flags: number }[];
  netlinkAddrs(sock: number, ifindex: number): NetAddr[];
  /** Moves the device into the namespace nsFd refers to, named name there (one RTM_SETLINK). */
  netlinkMoveLink(sock: number, ifindex: number, nsFd: number, name: string): void;
  netlinkAddAddr(sock: number, ifindex: number, addr: NetAddr): void;
  netlinkSetUp(sock: number, ifindex: number): void;
  detachMount(path: string): void;
}

/** An address as rtnetlink has it (struct ifaddrmsg and its IFA_* attributes). */
export interface NetAddr {
  family: number; prefixlen: number; flags: number; scope: number;
  local?: Buffer; address?: Buffer; broadcast?: Buffer; label?: string; proto?: number; metric?: number;
}

/** One unit property for systemd: [name, D-Bus signature (b s t u i x as au ay a(ss)), value]; "t" takes a number (-1 = infinity) or a decimal string. */
export type SdProp = [string, string, unknown];

let cached: Addon | undefined;

/** The exec trampoline's sealed memfd (made once per process). */
export function trampolineFd(): number {
  return addon().trampolineFd(path.join(repoDir(), 'build', 'Release', 'ocirun-exec'));
}

/** The addon's file (build/Release/ocirun.node). */
export function addonPath(): string {
  return path.join(repoDir(), 'build', 'Release', 'ocirun.node');
}

export function addon(): Addon {
  if (cached) return cached;
  // process.dlopen, not require: bun's require of a path first lists every
  // directory above the cwd and the file (its resolver's cache), ~0.5 ms per
  // call from a crowded cwd such as /tmp; dlopen only loads the library.
  const m = { exports: {} as Addon };
  process.dlopen(m, addonPath());
  return (cached = m.exports);
}
