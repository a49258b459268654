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
import { joinPlan } from './join';
import { capLast, homeIn } from '../plan/host';
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
}

export interface Execed {
  pid: number;
}

export function exec(store: Store, id: string, o: ExecOptions): Execed {
  // No lock held while the process runs: exec only reads the container.
  const lock = store.lock(id);
  if (lock === undefined) throw notExist(id);
  const fds: number[] = [];
  try {
    const { record, status } = load(store, id);
    if (status === 'paused') throw new RuntimeError('cannot exec in a paused container (resume it first)');
    if (status !== 'running' && status !== 'created') throw new RuntimeError(`cannot exec in a container that is ${status}`);
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
    const proc = planProcess(o.process, capLast(), logWarn, 'process', (uid) => homeIn(record.rootfs, uid));
    const plan = joinPlan(record.pid, proc, { consoleFd, preserveFds: o.preserveFds }, fds);
    noSetgroupsIfDenied(plan, false, record.pid);
    const oomScoreAdj = isRootless() ? rootlessOom(plan) : undefined;
    if (oomScoreAdj !== undefined) plan.dumpableUntilGo = true;
    const wasm = wasmMode(record.annotations ?? spec.annotations);
    // (lib/wasm only loads for wasm containers: it is not on the hot path)
    if (wasm) (require('../wasm/host') as typeof import('../wasm/host')).attachWasm(plan, wasm, fds);
    const seccomp = spec.linux?.seccomp ? a.compileSeccomp(spec.linux.seccomp) : undefined;
    const sc = planSeccomp(spec.linux?.seccomp);
    plan.seccompFlags = sc.flags;
    const cg = record.cgroup ? openCgroup(record.cgroup) : undefined;
    const spawned = spawnContainer(plan, {
      oomScoreAdj,
      joinCgroup: (pid) => {
        testPoint('exec:clone');
        cg?.addProcess(pid);
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
    fs.closeSync(lock);
  }
}
