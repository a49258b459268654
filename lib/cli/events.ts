// events: container statistics and OOM notices as JSON lines, runc's format
// (the operation: lib/runtime/events.ts). --stats prints one stats event and
// exits; otherwise stats every --interval and oom events as they happen,
// until the container stops.
import * as fs from 'node:fs';
import type { Store } from '../state/store';
import { events } from '../runtime/events';

export default function (a: { id: string; stats: boolean; interval: string }, s: Store): Promise<void> {
  return events(s, a.id, { stats: a.stats, interval: a.interval }, (e) => fs.writeSync(1, JSON.stringify(e) + '\n'));
}
