// ps: the processes of a container: their host pids (its cgroup's, or without
// one the init's process tree), and the host's ps(1) output limited to them.
import { spawnSync } from 'node:child_process';
import type { Store } from '../state/store';
import { openCgroup } from '../cgroups';
import { load } from './container';
import { processTree } from '../rootless/procs';
import { RuntimeError } from '../util/errors';

export function containerPids(store: Store, id: string): number[] {
  const { record } = load(store, id);
  return record.cgroup ? openCgroup(record.cgroup).pids() : record.pid ? processTree(record.pid) : [];
}

/** ps(1) run with psArgs (default -ef): its header and the rows of these pids, as lines. */
export function psTable(pids: number[], psArgs: string[]): string[] {
  const r = spawnSync('ps', psArgs.length ? psArgs : ['-ef'], { encoding: 'utf8' });
  if (r.status !== 0) throw new RuntimeError(`ps: ${r.stderr.trim() || 'failed'}`);
  const lines = r.stdout.split('\n');
  const header = lines[0];
  const col = header.trim().split(/\s+/).indexOf('PID');
  if (col < 0) throw new RuntimeError('ps: the output has no PID column');
  const set = new Set(pids);
  return [header, ...lines.slice(1).filter((l) => l && set.has(Number(l.trim().split(/\s+/)[col])))];
}
