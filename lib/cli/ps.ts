// ps: the processes of a container. json = array of host pids (containerd
// reads stdout+stderr together: nothing on stderr on success); table = the
// host's ps output (args default -ef) limited to the container's pids.
import * as fs from 'node:fs';
import { spawnSync } from 'node:child_process';
import type { Store } from '../state/store';
import { openCgroup } from '../cgroups';
import { load } from '../runtime/container';
import { processTree } from '../rootless/procs';
import { RuntimeError } from '../util/errors';

export default function (a: { id: string; format: string; _: (string | number)[] }, s: Store): void {
  const { record } = load(s, a.id);
  const pids = record.cgroup ? openCgroup(record.cgroup).pids() : record.pid ? processTree(record.pid) : [];
  if (a.format === 'json') {
    fs.writeSync(1, JSON.stringify(pids) + '\n');
    return;
  }
  const psArgs = a._.slice(1).map(String);
  const r = spawnSync('ps', psArgs.length ? psArgs : ['-ef'], { encoding: 'utf8' });
  if (r.status !== 0) throw new RuntimeError(`ps: ${r.stderr.trim() || 'failed'}`);
  const lines = r.stdout.split('\n');
  const header = lines[0];
  const col = header.trim().split(/\s+/).indexOf('PID');
  if (col < 0) throw new RuntimeError('ps: the output has no PID column');
  const set = new Set(pids);
  const rows = lines.slice(1).filter((l) => l && set.has(Number(l.trim().split(/\s+/)[col])));
  fs.writeSync(1, [header, ...rows].join('\n') + '\n');
}
