// kill: signal the init, or with --all every process in the cgroup.
import * as os from 'node:os';
import { Store } from '../state/store';
import { openCgroup } from '../cgroups';
import { load, notExist } from './container';
import { RuntimeError } from '../util/errors';

/** "TERM", "SIGTERM", "15" -> 15; "0" -> 0 (no signal: is the container alive? as runc) */
export function parseSignal(s: string | number | undefined): number {
  if (s === undefined || s === '') return 15;
  const str = String(s).toUpperCase();
  if (/^\d+$/.test(str)) {
    const n = Number(str);
    if (n > 64) throw new RuntimeError(`invalid signal "${s}"`);
    return n;
  }
  const name = str.startsWith('SIG') ? str : `SIG${str}`;
  const n = (os.constants.signals as Record<string, number>)[name];
  if (n === undefined) {
    const rt = /^SIGRTMIN(?:\+(\d+))?$/.exec(name) ?? /^SIGRTMAX(?:-(\d+))?$/.exec(name);
    if (rt) return name.startsWith('SIGRTMIN') ? 34 + Number(rt[1] ?? 0) : 64 - Number(rt[1] ?? 0);
    throw new RuntimeError(`invalid signal "${s}"`);
  }
  return n;
}

export function kill(store: Store, id: string, signal: number, all: boolean): void {
  const lock = store.lock(id);
  if (lock === undefined) throw notExist(id);
  try {
    const { record, status } = load(store, id);
    // --all reaches whatever is left in the cgroup, even after the init died
    // (a container without its own pid namespace keeps its children), as runc.
    if (all && record.cgroup && status !== 'creating') {
      const cg = openCgroup(record.cgroup);
      if (status !== 'stopped' || cg.pids().length) cg.killAll(signal);
      // Nothing left to signal is no error for --all (runc: exit 0).
      return;
    }
    // containerd treats "container not running" as already finished.
    if (status === 'stopped' || status === 'creating') throw new RuntimeError('container not running');
    try {
      process.kill(record.pid, signal);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ESRCH') throw new RuntimeError('container not running');
      throw e;
    }
  } finally {
    store.unlock(lock);
  }
}
