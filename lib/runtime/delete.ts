// delete: remove a stopped (or, with --force, any) container: its processes,
// cgroup and state. Mounts live in the container's mount namespace and go
// with its last process; without one of its own, they are undone here
// (host-mounts.ts).
import { Store, StateAccessError, LockTimeoutError } from '../state/store';
import { openCgroup } from '../cgroups';
import { initAlive } from '../state/status';
import { sleepMs } from '../cgroups/util';
import { load, notExist } from './container';
import { RuntimeError } from '../util/errors';
import { testPoint } from '../util/testpoint';
import { logWarn } from '../util/log';
import { undoHostMounts } from './host-mounts';
import { hostHooks } from './run-hooks';
import type { Hooks } from '../config/types';

export function del(store: Store, id: string, force: boolean): void {
  let lock: number | undefined;
  try {
    lock = store.lock(id);
  } catch (e) {
    // --force goes on only when the state itself is broken (RuntimeError):
    // any other failure (e.g. the addon can't load, or another call holds
    // the lock past its time limit) must not pretend success.
    if (!force || !(e instanceof RuntimeError) || e instanceof StateAccessError || e instanceof LockTimeoutError) throw e;
  }
  if (lock === undefined) {
    // containerd runs `delete --force` after `delete`: a missing id is fine
    // then. Whatever broken thing is at the id's path goes too.
    if (force) {
      if (store.present(id)) store.remove(id);
      return;
    }
    throw notExist(id);
  }
  try {
    let loaded;
    try {
      loaded = load(store, id);
    } catch (e) {
      if (!force) throw e;
      // Unreadable state: --force still cleans what can be found.
      store.remove(id);
      return;
    }
    const { record, status } = loaded;
    if ((status === 'running' || status === 'paused') && !force) {
      throw new RuntimeError(`cannot delete container ${id} that is not stopped: ${status}`);
    }
    const cg = record.cgroup ? openCgroup(record.cgroup) : undefined;
    let hooks: Hooks | undefined;
    try {
      hooks = store.readSpec(id).hooks;
    } catch { /* no config copy (create died early): no hooks */ }
    if (record.pid && initAlive(record)) {
      try {
        process.kill(record.pid, 'SIGKILL');
      } catch { /* gone */ }
      if (status === 'paused') cg?.thaw();
      for (let i = 0; i < 1000 && initAlive(record); i++) sleepMs(1);
    }
    testPoint('delete:killed');
    try {
      // With its own pid namespace, the init's death ended the container's
      // processes; anything else in the cgroup came from outside (as runc).
      cg?.destroy(!record.ownPidNs || !record.pid);
    } catch (e) {
      logWarn((e as Error).message);
      if (!force) throw e;
    }
    testPoint('delete:cgroup');
    undoHostMounts(record.hostRootfs);
    store.remove(id);
    // poststop: after the container is gone; a failing hook is only a
    // warning, and the ones after it still run.
    hostHooks(hooks, 'poststop', { ociVersion: record.ociVersion, id, status: 'stopped', pid: 0, bundle: record.bundle, annotations: record.annotations }, logWarn);
  } finally {
    store.unlock(lock);
  }
}
