// exec: run a process inside a running container. The child joins every
// namespace of the container's init (user first), enters its cgroup, and then
// applies the process' settings exactly as for an init (lib/plan/build.ts).
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Process } from '../config/types';
import { Store, writePidFile } from '../state/store';
import { openCgroup } from '../cgroups';
import { noSetgroupsIfDenied } from '../rootless/setgroups';
import { checkRootlessProcess, rootlessOom } from '../rootless/limits';
import { isRootless } from '../rootless/detect';
import { planProcess } from '../plan/build';
import { joinPlan, isChroot } from './join';
import { capBounding, capLast, homeIn } from '../plan/host';
import { addon, SYNC } from '../addon';
import { load, notExist } from './container';
import { spawnContainer, childError, sendToSeccompAgent } from './spawn';
import { planSeccomp } from '../plan/seccomp';
import { RuntimeError } from '../util/errors';
import { wasmMode } from '../wasm/select';
import { testPoint } from '../util/testpoint';
import { logWarn } from '../util/log';

export interface ExecOptions {
  process: Process;
  pidFile?: string;
  consoleSocket?: string;
  consoleFd?: number;
  preserveFds?: number;
  /** exec into a paused container: the process stays frozen until resume (runc's --ignore-paused) */
  ignorePaused?: boolean;
  /** --cgroup arguments: existing sub-cgroups of the container's to run in */
  cgroups?: string[];
}

export interface Execed {
  pid: number;
}

export function exec(store: Store, id: string, o: ExecOptions): Execed {
  // No lock held while the process runs: exec only reads the container.
  let lock = store.lock(id);
  if (lock === undefined) throw notExist(id);
  const unlock = () => {
    if (lock !== undefined) fs.closeSync(lock);
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
    if (isRootless()) checkRootlessProcess(o.process);
    const proc = planProcess(o.process, capLast(), logWarn, 'process', (uid) => homeIn(record.rootfs, uid), capBounding());
    const plan = joinPlan(record.pid, proc, { consoleFd, preserveFds: o.preserveFds, chroot: isChroot(spec) }, fds);
    noSetgroupsIfDenied(plan, false, record.pid);
    const oomScoreAdj = isRootless() ? rootlessOom(plan) : undefined;
    if (oomScoreAdj !== undefined) plan.dumpableUntilGo = true;
    const wasm = wasmMode(record.annotations ?? spec.annotations);
    // (lib/wasm only loads for wasm containers: it is not on the hot path)
    if (wasm) (require('../wasm/host') as typeof import('../wasm/host')).attachWasm(plan, wasm, fds);
    // The filter create compiled from the same config (store.ts writeSeccomp).
    const seccomp = spec.linux?.seccomp ? store.readSeccomp(id) ?? a.compileSeccomp(spec.linux.seccomp) : undefined;
    const sc = planSeccomp(spec.linux?.seccomp);
    plan.seccompFlags = sc.flags;
    let loc = record.cgroup;
    if (o.cgroups?.length) {
      if (!loc) throw new RuntimeError('--cgroup: the container has no cgroup');
      const { parseSubCgroups, subCgroupDirs } = require('../cgroups/sub') as typeof import('../cgroups/sub');
      loc = { ...loc, dirs: subCgroupDirs(loc.dirs, parseSubCgroups(o.cgroups)) };
    }
    const cg = loc ? openCgroup(loc) : undefined;
    const spawned = spawnContainer(plan, {
      oomScoreAdj,
      joinCgroup: (pid) => {
        testPoint('exec:clone');
        cg?.addProcess(pid);
        // --ignore-paused: the child is frozen now, until someone resumes
        // the container, and resume needs the lock. (A delete meanwhile
        // kills the child with the cgroup: exec then fails, no leftovers.)
        if (status === 'paused') unlock();
      },
      seccomp,
      onSeccompFd: (fd, pid) => sendToSeccompAgent(sc.listenerPath!, fd, pid, {
        ociVersion: record.ociVersion, id, status: status, pid: record.pid, bundle: record.bundle, annotations: record.annotations,
      }, spec.linux?.seccomp?.listenerMetadata),
    });
    fds.push(spawned.syncFd);
    // READY came just before execve: EOF now means it succeeded.
    const m = a.syncRecv(spawned.syncFd, 60_000);
    if (m && m.type === SYNC.ERROR) throw childError(m.msg === 'exec' ? { ...m, msg: `exec: "${o.process.args?.[0] ?? ''}"` } : m);
    if (o.pidFile) writePidFile(o.pidFile, spawned.pid);
    return { pid: spawned.pid };
  } finally {
    fds.forEach((fd) => {
      try {
        fs.closeSync(fd);
      } catch { /* closed */ }
    });
    unlock();
  }
}
