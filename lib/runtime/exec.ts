// exec: run a process inside a running container. The child joins every
// namespace of the container's init (user first), enters its cgroup, and then
// applies the process' settings exactly as for an init (lib/plan/build.ts).
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Process, Spec } from '../config/types';
import type { SpawnPlan } from '../plan/types';
import { Store, writePidFile, type Record } from '../state/store';
import { execRecipe, writeCmdPlan, writeExecEntry } from '../state/front-exec';
import { openCgroup } from '../cgroups';
import { noSetgroupsIfDenied } from '../rootless/setgroups';
import { checkRootlessProcess, rootlessOom } from '../rootless/limits';
import { isRootless } from '../rootless/detect';
import { planProcess } from '../plan/build';
import { containerNamespaces, isChroot, joiningPlan, openNamespaces, openRoot } from './join';
import { capBounding, capLast, homeIn } from '../plan/host';
import { addon, SYNC } from '../addon';
import { load, notExist } from './container';
import { spawnContainer, childError, openBirthDir, sendToSeccompAgent } from './spawn';
import { planSeccomp } from '../plan/seccomp';
import { planMemoryPolicy } from '../plan/memory-policy';
import { parseJson, readBytes } from '../config/load';
import { validateProcess } from '../config/validate';
import { compileSeccompCached } from '../state/seccomp-cache';
import { RuntimeError } from '../util/errors';
import { wasmMode } from '../wasm/select';
import { testPoint } from '../util/testpoint';
import { logWarn } from '../util/log';
import { connectPidfdSocket } from './pidfd-socket';

export interface ExecOptions {
  process: Process;
  pidFile?: string;
  consoleSocket?: string;
  consoleFd?: number;
  /** --pidfd-socket: receives a pidfd of the process (lib/runtime/pidfd-socket.ts) */
  pidfdSocket?: string;
  preserveFds?: number;
  /** exec into a paused container: the process stays frozen until resume (runc's --ignore-paused) */
  ignorePaused?: boolean;
  /** --cgroup arguments: existing sub-cgroups of the container's to run in */
  cgroups?: string[];
  /** --process: the file's bytes, as read (the native front keeps this exec's plan under them) */
  processFile?: Buffer;
}

export interface Execed {
  pid: number;
}

/** The flags of `exec ID COMMAND...` that change the process (runc's; the rest come from config.json). */
export interface ExecFlags {
  command: string[];
  tty: boolean;
  cwd?: string;
  env?: string[];
  /** UID[:GID] */
  user?: string;
  additionalGids?: number[];
  cap?: string[];
  noNewPrivs?: boolean;
}

/** The process `exec ID COMMAND...` runs: the container's own process settings, overridden by the flags (as runc). */
export function execProcess(spec: Spec, f: ExecFlags): Process {
  if (!f.command.length) throw new RuntimeError('exec: a command or --process is required');
  const base = structuredClone(spec.process) ?? { cwd: '/', user: { uid: 0, gid: 0 } };
  const p: Process = { ...base, args: f.command, terminal: f.tty };
  if (f.cwd) p.cwd = f.cwd;
  if (f.env?.length) p.env = [...(p.env ?? []), ...f.env];
  if (f.user) {
    const m = /^(\d+)(?::(\d+))?$/.exec(f.user);
    if (!m) throw new RuntimeError(`--user: "${f.user}" must be UID[:GID] (numbers)`);
    p.user = { ...p.user, uid: Number(m[1]), gid: m[2] !== undefined ? Number(m[2]) : p.user.gid };
  }
  if (f.additionalGids?.length) p.user = { ...p.user, additionalGids: f.additionalGids };
  if (f.cap?.length) {
    const caps = { ...(p.capabilities ?? {}) };
    for (const set of ['bounding', 'effective', 'permitted'] as const) caps[set] = [...(caps[set] ?? []), ...f.cap];
    p.capabilities = caps;
  }
  if (f.noNewPrivs) p.noNewPrivileges = true;
  return p;
}

/**
 * The process an exec runs: the --process file (its bytes too: the native
 * front keeps this exec's plan under them), or else the container's own
 * process changed by the flags.
 */
export function processToExec(store: Store, id: string, processFile: string | undefined, f: ExecFlags): { process: Process; file?: Buffer } {
  if (processFile) {
    const file = readBytes(processFile, 'exec --process');
    return { process: validateProcess(parseJson(file, processFile, 'exec --process')), file };
  }
  if (!f.command.length) throw new RuntimeError('exec: a command or --process is required');
  if (!store.exists(id)) throw notExist(id);
  return { process: execProcess(store.readSpec(id), f) };
}

/** What an exec runs, decided before anything is opened: exec() runs it; the native front's recipe holds it. */
export interface ExecPlan {
  plan: SpawnPlan;
  /** The namespaces to join (opened by the caller into plan.joins). */
  namespaces: { path: string; nstype: number }[];
  oomScoreAdj?: number;
  wasm: ReturnType<typeof wasmMode>;
  listenerPath?: string;
  /** HOME was looked up in this file (the container's passwd): the plan holds while it is unchanged. */
  homeFrom?: string;
  /** The container is a chroot (join.ts isChroot): the process enters its init's root; the CLI's to run. */
  chroot: boolean;
}

export function planExec(record: Record, spec: Spec, p: Process, o: { consoleFd?: number; preserveFds?: number }, warn = logWarn): ExecPlan {
  if (isRootless()) checkRootlessProcess(p);
  let homeFrom: string | undefined;
  const homeOf = (uid: number) => {
    homeFrom = `${record.rootfs}/etc/passwd`;
    return homeIn(record.rootfs, uid);
  };
  const proc = planProcess(p, capLast(), warn, 'process', homeOf, capBounding());
  const plan = joiningPlan(proc, { consoleFd: o.consoleFd, preserveFds: o.preserveFds });
  noSetgroupsIfDenied(plan, false, record.pid);
  const oomScoreAdj = isRootless() ? rootlessOom(plan) : undefined;
  if (oomScoreAdj !== undefined) plan.dumpableUntilGo = true;
  const sc = planSeccomp(spec.linux?.seccomp);
  plan.seccompFlags = sc.flags;
  // (the container's memory policy holds for its every process, as for its init)
  plan.memPolicy = planMemoryPolicy(spec.linux);
  return {
    plan, namespaces: containerNamespaces(record.pid), oomScoreAdj, wasm: wasmMode(record.annotations ?? spec.annotations),
    listenerPath: sc.listenerPath, homeFrom, chroot: isChroot(spec),
  };
}

export function exec(store: Store, id: string, o: ExecOptions): Execed {
  // No lock held while the process runs: exec only reads the container.
  let lock = store.lock(id);
  if (lock === undefined) throw notExist(id);
  const unlock = () => {
    if (lock !== undefined) store.unlock(lock);
    lock = undefined;
  };
  const fds: number[] = [];
  try {
    const { record, status } = load(store, id);
    if (status === 'paused' && !o.ignorePaused) throw new RuntimeError('cannot exec in a paused container (use --ignore-paused to override)');
    if (status !== 'running' && status !== 'created' && status !== 'paused') throw new RuntimeError(`cannot exec in a ${status} container`);
    const spec = store.readSpec(id);
    const a = addon();

    let consoleFd = -1;
    if (o.process.terminal) {
      if (o.consoleFd !== undefined) consoleFd = o.consoleFd;
      else if (o.consoleSocket) {
        consoleFd = a.connectUnix(path.resolve(o.consoleSocket));
        fds.push(consoleFd);
      } else throw new RuntimeError('process.terminal: is true but no --console-socket was given');
    }
    const x = planExec(record, spec, o.process, { consoleFd, preserveFds: o.preserveFds });
    const plan = x.plan;
    plan.pidfdSocketFd = connectPidfdSocket(o.pidfdSocket);
    fds.push(plan.pidfdSocketFd);
    plan.joins = openNamespaces(x.namespaces, fds);
    if (x.chroot) plan.rootFd = openRoot(record.pid, fds);
    // (lib/wasm only loads for wasm containers: it is not on the hot path)
    if (x.wasm) (require('../wasm/host') as typeof import('../wasm/host')).attachWasm(plan, x.wasm, fds);
    // The filter create compiled from the same config (store.ts writeSeccomp).
    const compiled = spec.linux?.seccomp ? store.readSeccomp(id) : undefined;
    const seccomp = spec.linux?.seccomp ? compiled ?? compileSeccompCached(spec.linux.seccomp) : undefined;
    let loc = record.cgroup;
    if (o.cgroups?.length) {
      if (!loc) throw new RuntimeError('--cgroup: the container has no cgroup');
      const { parseSubCgroups, subCgroupDirs } = require('../cgroups/sub') as typeof import('../cgroups/sub');
      loc = { ...loc, dirs: subCgroupDirs(loc.dirs, parseSubCgroups(o.cgroups)) };
    }
    const cg = loc ? openCgroup(loc) : undefined;
    plan.cgroupFd = openBirthDir(cg);
    fds.push(plan.cgroupFd);
    const spawned = spawnContainer(plan, {
      oomScoreAdj: x.oomScoreAdj,
      joinCgroup: (pid, born) => {
        testPoint('exec:clone');
        if (!born) cg?.addProcess(pid);
        // --ignore-paused: the child is frozen now, until someone resumes
        // the container, and resume needs the lock. (Frozen before it first
        // ran, the child still holds its copy of the lock's fd: unlock
        // releases the lock for it too.) A delete meanwhile kills the child
        // with the cgroup: exec then fails, no leftovers.
        if (status === 'paused') unlock();
      },
      seccomp,
      onSeccompFd: (fd, pid) => sendToSeccompAgent(x.listenerPath!, fd, pid, {
        ociVersion: record.ociVersion, id, status: status, pid: record.pid, bundle: record.bundle, annotations: record.annotations,
      }, spec.linux?.seccomp?.listenerMetadata),
    });
    fds.push(spawned.syncFd);
    // READY came just before execve: EOF now means it succeeded.
    const m = a.syncRecv(spawned.syncFd, 60_000);
    if (m && m.type === SYNC.ERROR) throw childError(m.msg === 'exec' ? { ...m, msg: `exec: "${o.process.args?.[0] ?? ''}"` } : m);
    if (o.pidFile) writePidFile(o.pidFile, spawned.pid);
    // The next `exec ID COMMAND...` is the native front's (whatever this
    // one's flags: the plan is of the container's own process).
    if (!o.processFile) writeCmdPlan(store, id, () => execTemplate(record, spec, compiled !== undefined));
    // The same exec again (a health check) is the native front's from now on.
    if (o.processFile !== undefined && !o.cgroups?.length && !x.wasm && !x.listenerPath && !x.chroot) {
      writeExecEntry(store, id, o.processFile, execRecipe({
        plan, namespaces: x.namespaces, procsFiles: cg ? cg.procsFiles() : [], birthDir: cg?.birthDir(), seccomp: compiled !== undefined, homeFrom: x.homeFrom, withArgs: true,
      }, !!spec.linux?.seccomp));
    }
    return { pid: spawned.pid };
  } finally {
    fds.forEach((fd) => {
      if (fd < 0) return;
      try {
        fs.closeSync(fd);
      } catch { /* closed */ }
    });
    unlock();
  }
}

/**
 * The plan of `exec ID COMMAND...` without flags that change the process, for
 * the native front (<state dir>/cmd-plan, front-exec.ts); undefined if the front must not
 * run it (wasm, a seccomp agent, rootless: the CLI's).
 */
export function execTemplate(record: Record, spec: Spec, compiledSeccomp: boolean): string | undefined {
  if (isRootless()) return undefined;
  let x: ExecPlan;
  try {
    // (warnings were printed by create; the CLI's exec prints them again)
    x = planExec(record, spec, execProcess(spec, { command: ['-'], tty: false }), {}, () => {});
  } catch {
    return undefined;  // the CLI's exec will say why
  }
  // (the front does not enter a chroot'd container's root: the CLI does)
  if (x.wasm || x.listenerPath || x.oomScoreAdj !== undefined || x.chroot) return undefined;
  const cg = record.cgroup ? openCgroup(record.cgroup) : undefined;
  return execRecipe({
    plan: x.plan, namespaces: x.namespaces, procsFiles: cg ? cg.procsFiles() : [], birthDir: cg?.birthDir(), seccomp: compiledSeccomp, homeFrom: x.homeFrom, withArgs: false,
  }, !!spec.linux?.seccomp);
}
