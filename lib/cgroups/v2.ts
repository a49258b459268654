// cgroup v2 (unified): one directory; v1-shaped spec values translated as
// runc/crun do (cpu.shares -> cpu.weight, swap = memory+swap -> memory.swap.max).
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Resources, ThrottleDevice } from '../config/types';
import { CgroupError, type CgroupManager, type FrozenProbe } from './types';
import { killPids, parentsUpTo, probeFrozen, readPids, readValue, rmdirParents, rmdirRetry, sleepMs, writeValue } from './util';
import { DEFAULT_DEVICE_RULES } from './devices';
import { blkioEntries, keyValues, num, type Stats } from './stats';
import { rdmaLines } from './devices';

/** cpu.shares [2, 262144] -> cpu.weight [1, 10000] (the formula runc and crun share). */
export function sharesToWeight(shares: number): number {
  if (shares === 0) return 0;
  return Math.floor(1 + ((shares - 2) * 9999) / 262142);
}

/** blkio weight [10, 1000] -> io.weight [1, 10000]. */
export function blkioToIoWeight(w: number): number {
  return Math.floor(1 + ((w - 10) * 9999) / 990);
}

const max = (v: number) => (v < 0 ? 'max' : String(v));

/**
 * The spec's memory.swap (memory+swap) as memory.swap.max (swap alone), as
 * runc converts it: unlimited memory with no swap given is unlimited swap
 * too; 0 is unset; a swap limit needs a memory limit at or below it.
 * undefined: nothing to write.
 */
export function swapMaxV2(limit: number | undefined, swap: number | undefined): string | undefined {
  const mem = limit ?? 0, sw = swap ?? 0;
  if (sw === -1 || (mem === -1 && sw === 0)) return 'max';
  if (sw === 0) return undefined;
  if (mem <= 0) throw new CgroupError('linux.resources.memory.swap: a memory+swap limit needs a memory limit');
  if (sw < mem) throw new CgroupError(`linux.resources.memory.swap: ${sw} is below the memory limit ${mem} (it is memory+swap)`);
  return String(sw - mem);
}

export class CgroupV2 implements CgroupManager {
  readonly version = 2 as const;

  constructor(private readonly dir: string, private owned?: string) {}

  create(resources?: Resources): Record<string, string> {
    let first: string | undefined;
    // Enable the controllers we may need in every ancestor's subtree_control.
    const root = '/sys/fs/cgroup';
    const rel = path.relative(root, this.dir).split('/');
    let cur = root;
    for (const part of rel) {
      const avail = readValue(cur, 'cgroup.controllers').split(' ').filter(Boolean);
      const enabled = new Set(readValue(cur, 'cgroup.subtree_control').split(' ').filter(Boolean));
      const missing = avail.filter((c) => !enabled.has(c));
      if (missing.length) {
        try {
          writeValue(cur, 'cgroup.subtree_control', missing.map((c) => '+' + c).join(' '));
        } catch { /* e.g. a domain with processes: leave as is */ }
      }
      cur = path.join(cur, part);
      if (!fs.existsSync(cur)) {
        fs.mkdirSync(cur);
        first ??= cur;
      }
    }
    this.owned ??= first;
    if (resources) this.apply(resources);
    return first ? { '': first } : {};
  }

  apply(r: Resources): void {
    const set = (file: string, v: string | number | undefined) => {
      if (v !== undefined) writeValue(this.dir, file, v);
    };
    const m = r.memory;
    if (m) {
      const swap = swapMaxV2(m.limit, m.swap);
      if (swap !== undefined) {
        try {
          set('memory.swap.max', swap);
        } catch (e) {
          // No swap accounting on this host (no memory.swap.max): no swap
          // limit to lift or to set to none, so only other values fail (as runc).
          if (!((swap === 'max' || swap === '0') && !fs.existsSync(`${this.dir}/memory.swap.max`))) throw e;
        }
      }
      if (m.limit !== undefined) set('memory.max', max(m.limit));
      if (m.reservation !== undefined) set('memory.low', max(m.reservation));
      if (m.disableOOMKiller) throw new Error('linux.resources.memory.disableOOMKiller: not supported on cgroup v2');
    }
    const c = r.cpu;
    if (c) {
      if (c.shares) set('cpu.weight', sharesToWeight(c.shares));
      if (c.quota || c.period) {
        const period = c.period || 100000;
        set('cpu.max', `${c.quota && c.quota > 0 ? c.quota : 'max'} ${period}`);
      }
      if (c.burst !== undefined) set('cpu.max.burst', c.burst);
      if (c.idle !== undefined) set('cpu.idle', c.idle);
      if (c.cpus) set('cpuset.cpus', c.cpus);
      if (c.mems) set('cpuset.mems', c.mems);
    }
    if (r.pids?.limit !== undefined) set('pids.max', r.pids.limit > 0 ? r.pids.limit : 'max');
    const b = r.blockIO;
    if (b) {
      // As runc's fs2: weights scaled to io.weight, throttles as io.max keys
      // (a rate of 0 removes the throttle, as 0 does in v1's files: "max").
      // leafWeight has no v2 counterpart (runc ignores it too).
      if (b.weight !== undefined) set('io.weight', `default ${blkioToIoWeight(b.weight)}`);
      for (const w of b.weightDevice ?? []) {
        if (w.weight !== undefined) set('io.weight', `${w.major}:${w.minor} ${blkioToIoWeight(w.weight)}`);
      }
      const thr: [keyof NonNullable<Resources['blockIO']>, string][] = [
        ['throttleReadBpsDevice', 'rbps'], ['throttleWriteBpsDevice', 'wbps'],
        ['throttleReadIOPSDevice', 'riops'], ['throttleWriteIOPSDevice', 'wiops'],
      ];
      for (const [k, key] of thr) {
        for (const t of (b[k] as ThrottleDevice[] | undefined) ?? []) {
          set('io.max', `${t.major}:${t.minor} ${key}=${t.rate > 0 ? t.rate : 'max'}`);
        }
      }
    }
    for (const h of r.hugepageLimits ?? []) set(`hugetlb.${h.pageSize}.max`, h.limit);
    for (const line of rdmaLines(r.rdma)) set('rdma.max', line);
    if (r.devices) {
      // The same default allow list as on v1 (the container's standard nodes, ptys, tun).
      const { deviceFilter } = require('./devices-bpf') as typeof import('./devices-bpf');
      const { addon } = require('../addon') as typeof import('../addon');
      addon().attachDeviceFilter(this.dir, deviceFilter([...r.devices, ...DEFAULT_DEVICE_RULES]));
    }
    for (const [k, v] of Object.entries(r.unified ?? {})) {
      if (k.includes('/')) throw new Error(`linux.resources.unified: invalid key "${k}"`);
      set(k, v);
    }
  }

  addProcess(pid: number): void {
    writeValue(this.dir, 'cgroup.procs', pid);
  }

  birthDir(): string {
    return this.dir;
  }

  procsFiles(): string[] {
    return [`${this.dir}/cgroup.procs`];
  }

  pids(): number[] {
    return readPids(`${this.dir}/cgroup.procs`);
  }

  freeze(): void {
    writeValue(this.dir, 'cgroup.freeze', 1);
    for (let i = 0; i < 1000 && !/frozen 1/.test(readValue(this.dir, 'cgroup.events')); i++) sleepMs(1);
  }

  thaw(): void {
    if (this.exists()) writeValue(this.dir, 'cgroup.freeze', 0);
  }

  isFrozen(): boolean {
    return probeFrozen(this.frozenProbe());
  }

  frozenProbe(): FrozenProbe {
    return { file: `${this.dir}/cgroup.freeze`, frozenIf: 'eq', value: '1' };
  }

  removal(): { dir: string; parents: string[] }[] {
    return [{ dir: this.dir, parents: parentsUpTo(this.dir, this.owned) }];
  }

  exists(): boolean {
    return fs.existsSync(this.dir);
  }

  killAll(signal: number): void {
    if (!this.exists()) return;
    if (signal === 9 && fs.existsSync(`${this.dir}/cgroup.kill`)) {
      writeValue(this.dir, 'cgroup.kill', 1);
      return;
    }
    killPids(this.pids(), signal);
  }

  memoryUsage(): { memory: number; memsw: number } {
    const memory = num(`${this.dir}/memory.current`);
    return { memory, memsw: memory + num(`${this.dir}/memory.swap.current`) };
  }

  stats(): Stats {
    const f = (file: string) => `${this.dir}/${file}`;
    const cpu = keyValues(f('cpu.stat'));
    const raw = keyValues(f('memory.stat'));
    const io = blkioEntries(f('io.stat'));
    return {
      cpu: {
        usage: { total: (cpu.usage_usec ?? 0) * 1000, kernel: (cpu.system_usec ?? 0) * 1000, user: (cpu.user_usec ?? 0) * 1000 },
        throttling: { periods: cpu.nr_periods ?? 0, throttledPeriods: cpu.nr_throttled ?? 0, throttledTime: (cpu.throttled_usec ?? 0) * 1000 },
      },
      memory: {
        cache: raw.file ?? 0,
        usage: { limit: num(f('memory.max')), usage: num(f('memory.current')), max: num(f('memory.peak')), failcnt: keyValues(f('memory.events')).max ?? 0 },
        swap: { limit: num(f('memory.swap.max')), usage: num(f('memory.swap.current')), max: 0, failcnt: 0 },
        raw,
      },
      pids: { current: num(f('pids.current')), limit: num(f('pids.max')) },
      blkio: {
        ioServiceBytesRecursive: io.filter((e) => e.op === 'rbytes' || e.op === 'wbytes').map((e) => ({ ...e, op: e.op === 'rbytes' ? 'Read' : 'Write' })),
        ioServicedRecursive: io.filter((e) => e.op === 'rios' || e.op === 'wios').map((e) => ({ ...e, op: e.op === 'rios' ? 'Read' : 'Write' })),
      },
      oomKills: keyValues(f('memory.events')).oom_kill ?? 0,
    };
  }

  destroy(killAll = true): void {
    if (this.exists() && killAll) {
      this.killAll(9);
      for (let i = 0; i < 500 && this.pids().length; i++) sleepMs(2);
    }
    for (const { dir, parents } of this.removal()) {
      rmdirRetry(dir, () => killAll && this.killAll(9));
      rmdirParents(parents);
    }
  }
}
