// What create and restore share as they make a container: the bundle and its
// rootfs resolved, the state record from "creating" to "created", and the
// rollback of the init and its cgroup when a later step fails.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Spec } from '../config/types';
import type { CgroupLocation } from '../cgroups';
import type { CgroupManager } from '../cgroups/types';
import { Store, writePidFile, type HostRootfs, type Record } from '../state/store';
import { procStat } from '../state/status';
import { RuntimeError } from '../util/errors';
import { logWarn } from '../util/log';
import { testPoint } from '../util/testpoint';

/** What create and restore are both told (runc's flags of the same names). */
export interface NewContainerOptions {
  id: string;
  bundle: string;
  pidFile?: string;
  consoleSocket?: string;
  /** An already connected console socket (run's or restore's own terminal proxy), instead of consoleSocket. */
  consoleFd?: number;
  /** --pidfd-socket: receives a pidfd of the init (lib/runtime/pidfd-socket.ts) */
  pidfdSocket?: string;
  noPivot?: boolean;
}

/** The bundle dir, resolved (symlinks too). */
export function resolveBundle(bundle: string): string {
  try {
    return fs.realpathSync(path.resolve(bundle));
  } catch {
    throw new RuntimeError(`bundle "${bundle}" does not exist`);
  }
}

/** The rootfs of the config, resolved. */
export function resolveRootfs(spec: Spec, bundle: string): string {
  if (!spec.root?.path) throw new RuntimeError('root.path: is required');
  const p = path.resolve(bundle, spec.root.path);
  let real: string;
  try {
    real = fs.realpathSync(p);
  } catch {
    throw new RuntimeError(`root.path: rootfs "${p}" does not exist`);
  }
  const st = fs.statSync(real);
  if (!st.isDirectory()) throw new RuntimeError(`root.path: rootfs "${p}" is not a directory`);
  // The host's own "/" (by path, symlink or bind mount): setting it up would
  // make the container's devices, mount points and symlinks in the host's
  // /dev and / (they are the same files in any mount namespace).
  const host = fs.statSync('/');
  if (st.dev === host.dev && st.ino === host.ino) throw new RuntimeError(`root.path: rootfs "${p}" is the host's "/"`);
  return real;
}

/**
 * runc's list OWNER: the name /etc/passwd gives the user who made it, else
 * "#UID" (as runc). Not os.userInfo(): bun's says "unknown" when $USER is
 * unset, as it is for engines and services.
 */
function ownerName(): string {
  const uid = process.geteuid!();
  try {
    for (const line of fs.readFileSync('/etc/passwd', 'utf8').split('\n')) {
      const f = line.split(':');
      if (f.length > 2 && f[2] === String(uid) && f[0]) return f[0];
    }
  } catch { /* no /etc/passwd */ }
  return `#${uid}`;
}

export interface NewRecord {
  id: string;
  spec: Spec;
  bundle: string;
  rootfs: string;
  cgroup: CgroupLocation;
  ownPidNs: boolean;
  hostRootfs?: HostRootfs;
}

/** The record of a container being made: phase "creating", this process its creator (until markCreated). */
export function creatingRecord(n: NewRecord): Record {
  return {
    id: n.id,
    ociVersion: n.spec.ociVersion,
    bundle: n.bundle,
    rootfs: n.rootfs,
    created: new Date().toISOString(),
    owner: ownerName(),
    annotations: n.spec.annotations,
    pid: 0,
    startTime: '',
    phase: 'creating',
    cgroup: n.cgroup,
    ownPidNs: n.ownPidNs,
    hostRootfs: n.hostRootfs,
    creator: { pid: process.pid, startTime: procStat(process.pid)?.startTime ?? '' },
  };
}

/**
 * The init is there: its pid (and the --pid-file), then phase "created",
 * written. stopAt: the test stop point between the two (lib/util/testpoint.ts).
 */
export function markCreated(store: Store, record: Record, pid: number, pidFile: string | undefined, stopAt?: string): void {
  record.pid = pid;
  record.startTime = procStat(pid)?.startTime ?? '';
  if (pidFile) writePidFile(pidFile, pid);
  if (stopAt) testPoint(stopAt);
  record.phase = 'created';
  delete record.creator;
  store.write(record);
}

/** Rollback: SIGKILL to the init (pid 0: none yet), then the cgroup destroyed (a failure there is a warning). */
export function killAndDestroy(pid: number, cg: CgroupManager | undefined, killAll: boolean): void {
  if (pid) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch { /* gone */ }
  }
  try {
    cg?.destroy(killAll);
  } catch (e) {
    logWarn(`rollback: ${(e as Error).message}`);
  }
}
