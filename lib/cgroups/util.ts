import * as fs from 'node:fs';
import { CgroupError, type FrozenProbe } from './types';

export function sleepMs(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

// While `undoable` runs, writeValue first notes what each file held, so that
// a failure can put back the limits written before it (update: runc does the
// same). Single-value files only: a throttle list or the devices list reads
// back in another form than it is written.
let journal: { file: string; value: string }[] | undefined;

/**
 * Runs fn; if it throws, the cgroup files it wrote get their values back (in
 * reverse order, so each step is a state that was valid before), and
 * onUndoError hears of any that could not be. Then it throws fn's error.
 */
export function undoable<T>(fn: () => T, onUndoError: (msg: string) => void): T {
  const notes: { file: string; value: string }[] = [];
  journal = notes;
  try {
    return fn();
  } catch (e) {
    journal = undefined;
    for (const n of notes.reverse()) {
      try {
        fs.writeFileSync(n.file, n.value);
      } catch (e2) {
        onUndoError(`put back ${n.value} in ${n.file}: ${(e2 as Error).message}`);
      }
    }
    throw e;
  } finally {
    journal = undefined;
  }
}

export function writeValue(dir: string, file: string, value: string | number): void {
  if (journal) {
    try {
      const old = fs.readFileSync(`${dir}/${file}`, 'utf8').trim();
      if (old && !old.includes('\n')) journal.push({ file: `${dir}/${file}`, value: old });
    } catch { /* unreadable: the write below says why */ }
  }
  try {
    fs.writeFileSync(`${dir}/${file}`, String(value));
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    throw new CgroupError(`write ${value} to ${dir}/${file}: ${err.code === 'ENOENT' ? 'no such file (controller or feature missing on this host)' : err.message}`);
  }
}

export function readValue(dir: string, file: string): string {
  return fs.readFileSync(`${dir}/${file}`, 'utf8').trim();
}

export function readPids(file: string): number[] {
  try {
    return fs.readFileSync(file, 'utf8').split('\n').filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

export function killPids(pids: number[], signal: number): void {
  for (const pid of pids) {
    try {
      process.kill(pid, signal);
    } catch { /* already gone */ }
  }
}

/** rmdir, retrying while the kernel still counts exiting tasks. */
export function rmdirRetry(dir: string, onBusy: () => void): void {
  for (let i = 0; ; i++) {
    try {
      fs.rmdirSync(dir);
      return;
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') return;
      if (code !== 'EBUSY' || i >= 200) throw new CgroupError(`remove cgroup ${dir}: ${code === 'EBUSY' ? 'processes from outside the container are still in it' : (e as Error).message}`);
      onBusy();
      sleepMs(Math.min(1 + i, 20));
    }
  }
}

/** The parents of `leaf` up to and including `top` (dirs create() made), nearest first. */
export function parentsUpTo(leaf: string, top: string | undefined): string[] {
  const out: string[] = [];
  if (!top || !leaf.startsWith(top + '/')) return out;
  for (let d = leaf.slice(0, leaf.lastIndexOf('/')); d.length >= top.length; d = d.slice(0, d.lastIndexOf('/'))) out.push(d);
  return out;
}

/** Removes those parents while they are empty. */
export function rmdirParents(parents: string[]): void {
  for (const d of parents) {
    try {
      fs.rmdirSync(d);
    } catch {
      return; // not empty (another container), or already gone
    }
  }
}

export function probeFrozen(p: FrozenProbe | undefined): boolean {
  if (!p) return false;
  let v: string;
  try {
    v = fs.readFileSync(p.file, 'utf8').trim();
  } catch {
    return false;
  }
  return p.frozenIf === 'eq' ? v === p.value : v !== p.value;
}
