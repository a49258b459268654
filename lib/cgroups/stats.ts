// Container statistics in runc's `events` shape (types.Stats in runc's
// events.go), filled by each cgroup driver.
import * as fs from 'node:fs';

export interface Stats {
  cpu: {
    usage: { total: number; percpu?: number[]; kernel: number; user: number };
    throttling: { periods: number; throttledPeriods: number; throttledTime: number };
  };
  memory: {
    cache: number;
    usage: MemoryEntry;
    swap: MemoryEntry;
    kernel?: MemoryEntry;
    raw: Record<string, number>;
  };
  pids: { current: number; limit: number };
  blkio: { ioServiceBytesRecursive: BlkioEntry[]; ioServicedRecursive: BlkioEntry[] };
  /** Times the kernel's OOM killer struck in this cgroup. Not printed by runc; used for oom events. */
  oomKills: number;
}

export interface MemoryEntry { limit: number; usage: number; max: number; failcnt: number }
export interface BlkioEntry { major: number; minor: number; op: string; value: number }

export function num(file: string): number {
  try {
    const t = fs.readFileSync(file, 'utf8').trim();
    return t === 'max' ? 0 : Number(t) || 0;
  } catch {
    return 0;
  }
}

/** "key value" lines -> record */
export function keyValues(file: string): Record<string, number> {
  const out: Record<string, number> = {};
  try {
    for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
      const [k, v] = line.trim().split(/\s+/);
      if (k && v !== undefined && !Number.isNaN(Number(v))) out[k] = Number(v);
    }
  } catch { /* controller missing */ }
  return out;
}

/** blkio.throttle.* / io.stat lines -> entries */
export function blkioEntries(file: string): BlkioEntry[] {
  const out: BlkioEntry[] = [];
  try {
    for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
      const f = line.trim().split(/\s+/);
      const dev = /^(\d+):(\d+)$/.exec(f[0] ?? '');
      if (!dev) continue;
      if (f.length === 3) out.push({ major: +dev[1], minor: +dev[2], op: f[1], value: +f[2] });
      else for (const kv of f.slice(1)) {
        const [k, v] = kv.split('=');
        if (v !== undefined) out.push({ major: +dev[1], minor: +dev[2], op: k, value: +v });
      }
    }
  } catch { /* controller missing */ }
  return out;
}
