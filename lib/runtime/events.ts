// events: container statistics and OOM notices, in runc's shape
// ({type: "stats"|"oom", id, data?}). With `stats`, one stats event; otherwise
// stats every interval and oom events as they happen, until the container
// stops.
import type { Store } from '../state/store';
import type { Stats } from '../cgroups/stats';
import { openCgroup } from '../cgroups';
import { load } from './container';
import { status } from '../state/status';
import { RuntimeError } from '../util/errors';

export interface ContainerEvent {
  type: 'stats' | 'oom';
  id: string;
  /** stats events: the statistics as runc prints them (without our oomKills) */
  data?: Omit<Stats, 'oomKills'>;
}

/** "5s", "500ms", "1m", "2" (seconds) -> ms */
export function parseInterval(v: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(v.trim());
  if (!m) throw new RuntimeError(`--interval: invalid duration "${v}"`);
  const n = Number(m[1]);
  const ms = m[2] === 'ms' ? n : m[2] === 'm' ? n * 60_000 : n * 1000;
  if (ms <= 0) throw new RuntimeError('--interval: must be positive');
  return ms;
}

/** `interval` as given ("5s"): read only when it is used, as runc. */
export async function events(store: Store, id: string, o: { stats: boolean; interval: string }, emit: (e: ContainerEvent) => void): Promise<void> {
  const { record, status: st } = load(store, id);
  if (st === 'stopped') throw new RuntimeError('container not running');
  if (!record.cgroup) throw new RuntimeError('container has no cgroup');
  const cg = openCgroup(record.cgroup);
  const stats = (s: Stats): ContainerEvent => {
    const { oomKills: _, ...data } = s;
    return { type: 'stats', id, data };
  };
  if (o.stats) {
    emit(stats(cg.stats()));
    return;
  }
  const interval = parseInterval(o.interval);
  let ooms = cg.stats().oomKills;
  let next = Date.now();
  // OOM kills are checked often; stats at the interval.
  for (;;) {
    const alive = status(record) !== 'stopped';
    const now = cg.exists() ? cg.stats() : undefined;
    if (now && now.oomKills > ooms) {
      ooms = now.oomKills;
      emit({ type: 'oom', id });
    }
    if (!alive) return;
    if (now && Date.now() >= next) {
      emit(stats(now));
      next = Date.now() + interval;
    }
    await new Promise((r) => setTimeout(r, Math.min(100, interval)));
  }
}
