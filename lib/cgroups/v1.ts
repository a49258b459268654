// cgroup v1 (cgroupfs): one directory per mounted hierarchy.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Resources } from '../config/types';
import { CgroupError, type CgroupManager, type FrozenProbe } from './types';
import { killPids, parentsUpTo, probeFrozen, readPids, readValue, rmdirParents, rmdirRetry, sleepMs, writeValue } from './util';
import { DEFAULT_DEVICE_RULES, rdmaLines, v1DeviceLine } from './devices';
import { blkioEntries, keyValues, num, type MemoryEntry, type Stats } from './stats';

export class CgroupV1 implements CgroupManager {
  readonly version = 1 as const;

  constructor(private readonly dirs: Record<string, string>, private readonly owned: Record<string, string> = {}) {}

  private hasFile(controller: string, file: string): boolean {
    const d = this.dir(controller);
    return !!d && fs.existsSync(`${d}/${file}`);
  }

  private dir(controller: string): string | undefined {
    for (const [key, d] of Object.entries(this.dirs)) if (key.split(',').includes(controller)) return d;
    return undefined;
  }

  create(resources?: Resources): Record<string, string> {
    const made: Record<string, string> = {};
    for (const [key, d] of Object.entries(this.dirs)) {
      const first = key.split(',').includes('cpuset') ? this.mkdirCpuset(d) : fs.mkdirSync(d, { recursive: true });
      if (first) made[key] = first;
    }
    Object.assign(this.owned, made);
    if (resources) this.apply(resources);
    return made;
  }

  // A new cpuset cgroup starts with no cpus and mems, and no task can join
  // it: fill each new level from its parent. Returns the highest dir made.
  // Creates run in parallel (50 containers of one engine under one parent):
  // a level another create made may still be empty, so every level on the
  // way is filled if it is, and a level made meanwhile is fine.
  private mkdirCpuset(d: string): string | undefined {
    let first: string | undefined;
    let made = mkdirOnce(d);
    if (made === undefined) {
      first = this.mkdirCpuset(path.dirname(d));
      made = mkdirOnce(d) ?? false;
    }
    this.fillCpuset(d);
    return first ?? (made ? d : undefined);
  }

  private fillCpuset(d: string): void {
    const parent = path.dirname(d);
    for (const f of ['cpuset.cpus', 'cpuset.mems']) {
      if (readValue(d, f) || parent === d) continue;
      if (!readValue(parent, f)) this.fillCpuset(parent);
      writeValue(d, f, readValue(parent, f));
    }
  }

  apply(r: Resources): void {
    const set = (controller: string, file: string, v: string | number | undefined) => {
      if (v === undefined) return;
      const d = this.dir(controller);
      if (!d) throw new Error(`linux.resources: the ${controller} cgroup controller is not mounted on this host`);
      writeValue(d, file, v);
    };
    const m = r.memory;
    if (m) {
      // memory.limit must stay <= memory.memsw.limit: order the writes so each is valid.
      // An unlimited memory limit without a swap value lifts memsw too (as runc).
      const memsw = m.limit === -1 && m.swap === undefined && this.hasFile('memory', 'memory.memsw.limit_in_bytes') ? -1 : m.swap;
      const cur = this.dir('memory') ? Number(readValue(this.dir('memory')!, 'memory.limit_in_bytes')) : 0;
      if (memsw !== undefined && m.limit !== undefined && (memsw === -1 || memsw > cur)) {
        set('memory', 'memory.memsw.limit_in_bytes', memsw);
        set('memory', 'memory.limit_in_bytes', m.limit);
      } else {
        set('memory', 'memory.limit_in_bytes', m.limit);
        set('memory', 'memory.memsw.limit_in_bytes', memsw);
      }
      set('memory', 'memory.soft_limit_in_bytes', m.reservation);
      if (m.swappiness !== undefined && m.swappiness >= 0) set('memory', 'memory.swappiness', m.swappiness);
      if (m.disableOOMKiller) set('memory', 'memory.oom_control', 1);
      if (m.kernel !== undefined) set('memory', 'memory.kmem.limit_in_bytes', m.kernel);
      if (m.kernelTCP !== undefined) set('memory', 'memory.kmem.tcp.limit_in_bytes', m.kernelTCP);
    }
    const c = r.cpu;
    if (c) {
      if (c.shares) set('cpu', 'cpu.shares', c.shares);
      if (c.period) set('cpu', 'cpu.cfs_period_us', c.period);
      if (c.quota) set('cpu', 'cpu.cfs_quota_us', c.quota);
      if (c.burst !== undefined) set('cpu', 'cpu.cfs_burst_us', c.burst);
      if (c.realtimePeriod) set('cpu', 'cpu.rt_period_us', c.realtimePeriod);
      if (c.realtimeRuntime) set('cpu', 'cpu.rt_runtime_us', c.realtimeRuntime);
      if (c.idle !== undefined) set('cpu', 'cpu.idle', c.idle);
      if (c.cpus) set('cpuset', 'cpuset.cpus', c.cpus);
      if (c.mems) set('cpuset', 'cpuset.mems', c.mems);
    }
    if (r.pids?.limit !== undefined) set('pids', 'pids.max', r.pids.limit > 0 ? r.pids.limit : 'max');
    const b = r.blockIO;
    if (b) {
      if (b.weight !== undefined) set('blkio', 'blkio.weight', b.weight);
      if (b.leafWeight !== undefined) set('blkio', 'blkio.leaf_weight', b.leafWeight);
      for (const w of b.weightDevice ?? []) {
        if (w.weight !== undefined) set('blkio', 'blkio.weight_device', `${w.major}:${w.minor} ${w.weight}`);
        if (w.leafWeight !== undefined) set('blkio', 'blkio.leaf_weight_device', `${w.major}:${w.minor} ${w.leafWeight}`);
      }
      const thr: [keyof NonNullable<Resources['blockIO']>, string][] = [
        ['throttleReadBpsDevice', 'blkio.throttle.read_bps_device'],
        ['throttleWriteBpsDevice', 'blkio.throttle.write_bps_device'],
        ['throttleReadIOPSDevice', 'blkio.throttle.read_iops_device'],
        ['throttleWriteIOPSDevice', 'blkio.throttle.write_iops_device'],
      ];
      for (const [k, file] of thr) {
        for (const t of (b[k] as { major: number; minor: number; rate: number }[] | undefined) ?? []) {
          set('blkio', file, `${t.major}:${t.minor} ${t.rate}`);
        }
      }
    }
    for (const h of r.hugepageLimits ?? []) set('hugetlb', `hugetlb.${h.pageSize}.limit_in_bytes`, h.limit);
    for (const line of rdmaLines(r.rdma)) set('rdma', 'rdma.max', line);
    if (r.network?.classID !== undefined) set('net_cls', 'net_cls.classid', r.network.classID);
    for (const p of r.network?.priorities ?? []) set('net_prio', 'net_prio.ifpriomap', `${p.name} ${p.priority}`);
    if (r.devices && this.dir('devices')) this.applyDevices(r.devices);
    if (r.unified && Object.keys(r.unified).length) {
      throw new Error('linux.resources.unified: needs cgroup v2; this host uses cgroup v1');
    }
  }

  // The config's rules, then the default allow list (also on update, as v2 does).
  private applyDevices(rules: NonNullable<Resources['devices']>): void {
    const d = this.dir('devices')!;
    for (const rule of [...rules, ...DEFAULT_DEVICE_RULES]) {
      writeValue(d, rule.allow ? 'devices.allow' : 'devices.deny', v1DeviceLine(rule));
    }
  }

  /**
   * The dirs a process joins, the freezer's last: in a paused container the
   * process is frozen from that write on, so it is last to happen to it.
   * (Moving a frozen task between hierarchies does not block. The
   * exec --ignore-paused hang once blamed on it was the lock's fd that the
   * frozen child had inherited: Store.unlock.)
   */
  private joinOrder(): string[] {
    const all = Object.entries(this.dirs);
    const isFreezer = ([k]: [string, string]) => k.split(',').includes('freezer');
    return [...all.filter((e) => !isFreezer(e)), ...all.filter(isFreezer)].map(([, d]) => d);
  }

  addProcess(pid: number): void {
    for (const d of this.joinOrder()) writeValue(d, 'cgroup.procs', pid);
  }

  /** CLONE_INTO_CGROUP is cgroup v2's alone (and a hybrid host's v1 dirs need the write anyway). */
  birthDir(): undefined {
    return undefined;
  }

  procsFiles(): string[] {
    return this.joinOrder().map((d) => `${d}/cgroup.procs`);
  }

  private procsDir(): string {
    return this.dir('pids') ?? this.dir('freezer') ?? this.dir('memory') ?? Object.values(this.dirs)[0];
  }

  pids(): number[] {
    return readPids(`${this.procsDir()}/cgroup.procs`);
  }

  freeze(): void {
    const d = this.dir('freezer');
    if (!d) throw new Error('the freezer cgroup controller is not mounted on this host');
    writeValue(d, 'freezer.state', 'FROZEN');
    // FREEZING until every task is frozen; a task stuck in the kernel (D
    // state) can keep it there: give up after ~2 s, thawed again.
    for (let i = 0; readValue(d, 'freezer.state') !== 'FROZEN'; i++) {
      if (i >= 1000) {
        writeValue(d, 'freezer.state', 'THAWED');
        throw new CgroupError(`timed out waiting for ${d} to freeze (freezer.state stayed FREEZING)`);
      }
      sleepMs(1);
      writeValue(d, 'freezer.state', 'FROZEN');
    }
  }

  thaw(): void {
    const d = this.dir('freezer');
    if (d && fs.existsSync(d)) writeValue(d, 'freezer.state', 'THAWED');
  }

  isFrozen(): boolean {
    return probeFrozen(this.frozenProbe());
  }

  // FREEZING counts as paused too.
  frozenProbe(): FrozenProbe | undefined {
    const d = this.dir('freezer');
    return d ? { file: `${d}/freezer.state`, frozenIf: 'ne', value: 'THAWED' } : undefined;
  }

  removal(): { dir: string; parents: string[] }[] {
    return Object.entries(this.dirs).map(([key, dir]) => ({ dir, parents: parentsUpTo(dir, this.owned[key]) }));
  }

  exists(): boolean {
    return fs.existsSync(this.procsDir());
  }

  killAll(signal: number): void {
    if (!this.exists()) return;
    let canFreeze = signal === 9 && !!this.dir('freezer');
    if (canFreeze) {
      try {
        this.freeze();
      } catch {
        canFreeze = false;  // kill without the freeze (freeze() thawed again)
      }
    }
    try {
      killPids(this.pids(), signal);
    } finally {
      if (canFreeze) this.thaw();
    }
  }

  memoryUsage(): { memory: number; memsw: number } {
    const d = this.dir('memory') ?? '/nonexistent';
    const memory = num(`${d}/memory.usage_in_bytes`);
    return { memory, memsw: num(`${d}/memory.memsw.usage_in_bytes`) || memory };
  }

  stats(): Stats {
    const f = (controller: string, file: string) => `${this.dir(controller) ?? '/nonexistent'}/${file}`;
    const cpuStat = keyValues(f('cpu', 'cpu.stat'));
    const acct = keyValues(f('cpuacct', 'cpuacct.stat'));
    const tick = 1e9 / 100; // USER_HZ ticks -> ns
    let percpu: number[] | undefined;
    try {
      percpu = fs.readFileSync(f('cpuacct', 'cpuacct.usage_percpu'), 'utf8').trim().split(/\s+/).map(Number);
    } catch { /* missing */ }
    const mem = (prefix: string): MemoryEntry => ({
      limit: num(f('memory', `${prefix}.limit_in_bytes`)), usage: num(f('memory', `${prefix}.usage_in_bytes`)),
      max: num(f('memory', `${prefix}.max_usage_in_bytes`)), failcnt: num(f('memory', `${prefix}.failcnt`)),
    });
    const raw = keyValues(f('memory', 'memory.stat'));
    return {
      cpu: {
        usage: { total: num(f('cpuacct', 'cpuacct.usage')), percpu, kernel: (acct.system ?? 0) * tick, user: (acct.user ?? 0) * tick },
        throttling: { periods: cpuStat.nr_periods ?? 0, throttledPeriods: cpuStat.nr_throttled ?? 0, throttledTime: cpuStat.throttled_time ?? 0 },
      },
      memory: { cache: raw.cache ?? 0, usage: mem('memory'), swap: mem('memory.memsw'), kernel: mem('memory.kmem'), raw },
      pids: { current: num(f('pids', 'pids.current')), limit: num(f('pids', 'pids.max')) },
      blkio: {
        ioServiceBytesRecursive: blkioEntries(f('blkio', 'blkio.throttle.io_service_bytes_recursive')),
        ioServicedRecursive: blkioEntries(f('blkio', 'blkio.throttle.io_serviced_recursive')),
      },
      oomKills: keyValues(f('memory', 'memory.oom_control')).oom_kill ?? 0,
    };
  }

  destroy(killAll = true): void {
    if (this.exists() && killAll) {
      this.killAll(9);
      for (let i = 0; i < 500 && this.pids().length; i++) {
        sleepMs(2);
        if (i % 50 === 49) this.killAll(9);
      }
    }
    for (const { dir, parents } of this.removal()) {
      rmdirRetry(dir, () => killAll && killPids(readPids(`${dir}/cgroup.procs`), 9));
      rmdirParents(parents);
    }
  }
}

/** mkdir: true if made, false if it was there already, undefined if its parent is missing. */
function mkdirOnce(d: string): boolean | undefined {
  try {
    fs.mkdirSync(d);
    return true;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return false;
    if (code === 'ENOENT') return undefined;
    throw e;
  }
}
