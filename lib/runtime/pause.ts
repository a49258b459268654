// pause / resume: freeze and thaw the container's cgroup.
import { Store } from '../state/store';
import { openCgroup } from '../cgroups';
import { load, notExist } from './container';
import { RuntimeError } from '../util/errors';

export function setPaused(store: Store, id: string, paused: boolean): void {
  const lock = store.lock(id);
  if (lock === undefined) throw notExist(id);
  try {
    const { record, status } = load(store, id);
    if (!record.cgroup) throw new RuntimeError('container has no cgroup to freeze');
    const cg = openCgroup(record.cgroup);
    if (paused) {
      if (status !== 'running' && status !== 'created') throw new RuntimeError('container not running');
      cg.freeze();
    } else {
      if (status !== 'paused') throw new RuntimeError('container not paused');
      cg.thaw();
    }
  } finally {
    store.unlock(lock);
  }
}
