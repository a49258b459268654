// events: container statistics and OOM notices as JSON lines (runc's format:
// {"type":"stats"|"oom","id":ID,"data":{...}}). --stats prints one stats
// event and exits; otherwise stats every --interval and oom events as they
// happen, until the container stops.
import * as fs from 'node:fs';
import type { Store } from '../state/store';
import { openCgroup } from '../cgroups';
import { load } from '../runtime/container';
import { status } from '../state/status';
import { RuntimeError } from '../util/errors';

/** "5s", "500ms", "1m", "2" (seconds) -> ms */
export function parseInterval(v: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(v.trim());
  if (!m) throw new RuntimeError(`--interval: invalid duration "${v}"`);
  const n = Number(m[1]);
  const ms = m[2] === 'ms' ? n : m[2] === 'm' ? n * 60_000 : n * 1000;
  if (ms <= 0) throw new RuntimeError('--interval: must be positive');
  return ms;
}

export default async function (a: { id: string; stats: boolean; interval: string }, s: Store): Promise<void> {
  const { record, status: st } = load(s, a.id);
  if (st === 'stopped') throw new RuntimeError('container not running');
  if (!record.cgroup) throw new RuntimeError('container has no cgroup');
  const cg = openCgroup(record.cgroup);
  const emit = (type: string, data?: object) => {
    const { oomKills: _, ...rest } = (data ?? {}) as { oomKills?: number };
    fs.writeSync(1, JSON.stringify(data ? { type, id: a.id, data: rest } : { type, id: a.id }) + '\n');
  };
  if (a.stats) {
    emit('stats', cg.stats());
    return;
  }
  const interval = parseInterval(a.interval);
  let ooms = cg.stats().oomKills;
  let next = Date.now();
  // OOM kills are checked often; stats at the interval.
  for (;;) {
    const alive = status(record) !== 'stopped';
    const stats = cg.exists() ? cg.stats() : undefined;
    if (stats && stats.oomKills > ooms) {
      ooms = stats.oomKills;
      emit('oom');
    }
    if (!alive) return;
    if (stats && Date.now() >= next) {
      emit('stats', stats);
      next = Date.now() + interval;
    }
    await new Promise((r) => setTimeout(r, Math.min(100, interval)));
  }
}
