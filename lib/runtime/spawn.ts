// Runs the parent side of the clone protocol (addon/plan.h SyncType):
// clone -> id maps, cgroup -> GO -> [PID] -> READY | ERROR.
import * as fs from 'node:fs';
import type { IDMapping } from '../config/types';
import type { SpawnPlan } from '../plan/types';
import { addon, trampolineFd, SYNC, type SyncMessage } from '../addon';
import { RuntimeError, errnoText } from '../util/errors';
import { planIdMaps, writeIdMaps, type IdMapPlan } from '../rootless/idmap';
import { tracer, tracing, monotonicToUptimeMs } from '../util/debug';
import { sleepMs } from '../cgroups/util';
import type { CgroupManager } from '../cgroups/types';
import { testPointIs } from '../util/testpoint';

const trace = tracer('spawn');

export interface SpawnSetup {
  uidMappings?: IDMapping[];
  gidMappings?: IDMapping[];
  /** How to write them (rootless: helpers, setgroups deny); default planIdMaps(). */
  idMaps?: IdMapPlan;
  /**
   * Rootless: oom_score_adj written by us before GO (the child is dumpable
   * then, plan.dumpableUntilGo); once it is not, its /proc files are real
   * root's and it could not write its own. Its forked init inherits it.
   */
  oomScoreAdj?: number;
  /**
   * Put the first child in the container's cgroup (before it does anything);
   * born: it already is, cloned into plan.cgroupFd's cgroup (nothing to write).
   */
  joinCgroup?: (pid: number, born: boolean) => void;
  /** Last before GO: the namespaces the clone made exist (/proc/<pid>/ns/*), nothing runs in them yet. */
  beforeGo?: (pid: number) => void;
  seccomp?: Buffer;
  /** The seccomp notify fd arrived (SCMP_ACT_NOTIFY): hand it to the listener. */
  onSeccompFd?: (fd: number, pid: number) => void;
  /** The child stopped before pivot_root: run the create-time hooks (pid = the init). */
  onHooks?: (pid: number) => void;
  /** In the hooks pause, before the init writes plan.sysctlsAtHooks' sysctls and before onHooks. */
  beforeHooks?: (pid: number) => void;
  /** ms to wait for the child at each step */
  timeoutMs?: number;
}

export interface Spawned {
  /** Host pid of the container process (the init, or the exec'd process). */
  pid: number;
  /** The sync socket: after READY, EOF means execve happened (exec without a start barrier). */
  syncFd: number;
}

export function childError(m: SyncMessage): RuntimeError {
  const text = m.errno ? `${m.msg}: ${errnoText(m.errno)}` : m.msg;
  // Exit code 127/126 hints mirror what engines expect from exec failures.
  return new RuntimeError(text);
}

/** Kills what we cloned (best effort) when something fails midway. */
function killQuiet(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch { /* gone */ }
  // Reap it, but never wait forever: in a frozen v1 cgroup a killed task
  // only dies once thawed (when we exit, init inherits and reaps it).
  try {
    for (let i = 0; i < 100 && addon().waitPidSync(pid, true) === -1; i++) sleepMs(10);
  } catch { /* not our child any more */ }
}

/**
 * Sends the seccomp notify fd to the agent at listenerPath with the
 * container's process state (config-linux.md "seccomp", listenerPath).
 */
export function sendToSeccompAgent(listenerPath: string, fd: number, pid: number, state: object, metadata?: string): void {
  const a = addon();
  const sock = a.connectUnix(listenerPath);
  try {
    const msg = { ociVersion: '1.2.0', fds: ['seccompFd'], pid, metadata: metadata ?? '', state };
    a.sendFd(sock, JSON.stringify(msg), fd);
  } finally {
    fs.closeSync(sock);
  }
}

// The init's own clock readings (addon/child/common.h Mark), as trace lines.
const INIT_PHASES = ['init: cloned', 'init: go received', 'init: namespaces ready', 'init: rootfs ready (mounts, pivot_root)', 'init: process set up (creds, caps, seccomp)'];
function traceInit(times: string | undefined): void {
  if (!times || !tracing()) return;
  const now = addon().monotonicNs();
  times.trim().split(' ').forEach((ns, i) => {
    if (INIT_PHASES[i] && ns !== '0') trace.at(monotonicToUptimeMs(BigInt(ns), now), INIT_PHASES[i]);
  });
}

/**
 * A cgroup's dir, opened for the first child to be born in (clone3
 * CLONE_INTO_CGROUP, addon/clone-into.h): where the driver allows it
 * (cgroupfs on v2: CgroupManager.birthDir), else -1. A kernel or a seccomp
 * profile that refuses clone3 gets the old join (the addon falls back and
 * says so). OCIRUN_TEST_CLONE3=refuse (tests only) opens "/" instead, no
 * cgroup, which the kernel refuses (EBADF): the fallback on a kernel that
 * would have taken the cgroup. The caller closes the fd.
 */
export function openBirthDir(cg: CgroupManager | undefined): number {
  const dir = cg?.birthDir();
  if (!dir) return -1;
  try {
    return fs.openSync(process.env.OCIRUN_TEST_CLONE3 === 'refuse' ? '/' : dir, fs.constants.O_RDONLY | fs.constants.O_DIRECTORY);
  } catch {
    return -1; // then the old join, which says what is wrong
  }
}

export function spawnContainer(plan: SpawnPlan, setup: SpawnSetup): Spawned {
  const a = addon();
  const timeout = setup.timeoutMs ?? 60_000;
  trace('clone');
  const { pid: first, syncFd, bornInCgroup } = a.spawn({ ...plan, trampolineFd: trampolineFd(), testStop: testPointIs('child:cloned') }, setup.seccomp);
  if (plan.cgroupFd !== undefined && plan.cgroupFd >= 0) trace(bornInCgroup ? 'born in its cgroup (clone3)' : 'clone3 into the cgroup refused: joins it');
  let pid = first;
  try {
    if (setup.uidMappings?.length || setup.gidMappings?.length) {
      writeIdMaps(first, setup.idMaps ?? planIdMaps(setup.uidMappings, setup.gidMappings), setup.uidMappings, setup.gidMappings);
    }
    if (setup.oomScoreAdj !== undefined) {
      try {
        fs.writeFileSync(`/proc/${first}/oom_score_adj`, String(setup.oomScoreAdj));
      } catch (e) {
        throw new RuntimeError(`process.oomScoreAdj: write /proc/${first}/oom_score_adj: ${(e as Error).message}`);
      }
    }
    setup.joinCgroup?.(first, bornInCgroup);
    setup.beforeGo?.(first);
    trace('go');
    a.syncSend(syncFd, SYNC.GO);
    for (;;) {
      const m = a.syncRecv(syncFd, timeout);
      if (!m) throw new RuntimeError('container init exited during setup');
      if (m.type === SYNC.PID) {
        pid = m.value;
        // The intermediate child exits right after the fork: reap it.
        a.waitPidSync(first);
        trace('init pid %d', pid);
        continue;
      }
      if (m.type === SYNC.ERROR) throw childError(m);
      if (m.type === SYNC.SECCOMP && m.fd !== undefined) {
        try {
          setup.onSeccompFd?.(m.fd, pid);
        } finally {
          fs.closeSync(m.fd);
        }
        continue;
      }
      if (m.type === SYNC.HOOKS) {
        setup.beforeHooks?.(pid);
        if (plan.sysctlsAtHooks) {
          a.syncSend(syncFd, SYNC.SYSCTLS);
          const r = a.syncRecv(syncFd, timeout);
          if (!r) throw new RuntimeError('container init exited during setup');
          if (r.type === SYNC.ERROR) throw childError(r);
          if (r.type !== SYNC.SYSCTLS_DONE) throw new RuntimeError(`unexpected message ${r.type} from container init`);
        }
        setup.onHooks?.(pid);
        a.syncSend(syncFd, SYNC.HOOKS_DONE);
        continue;
      }
      if (m.type === SYNC.READY) {
        traceInit(m.msg);
        break;
      }
      throw new RuntimeError(`unexpected message ${m.type} from container init`);
    }
    trace('ready');
    return { pid, syncFd };
  } catch (e) {
    fs.closeSync(syncFd);
    if (pid !== first) killQuiet(pid);
    killQuiet(first);
    throw e;
  }
}
