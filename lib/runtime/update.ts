// update: change the resources of a running container, from a LinuxResources
// JSON file (stdin for "-") or from runc's flags.
import * as fs from 'node:fs';
import type { Resources } from '../config/types';
import type { Store } from '../state/store';
import { openCgroup } from '../cgroups';
import type { CgroupManager } from '../cgroups/types';
import { undoable } from '../cgroups/util';
import { load, notExist } from './container';
import { logWarn } from '../util/log';
import { validateResources } from '../config/validate';
import { RuntimeError } from '../util/errors';

/** "100m", "1g", "512k", "1024" -> bytes; "-1" stays -1. */
export function parseBytes(v: string | number, flag: string): number {
  const m = /^(-1|\d+(?:\.\d+)?)\s*([kmgt]?)i?b?$/i.exec(String(v).trim());
  if (!m) throw new RuntimeError(`--${flag}: invalid size "${v}"`);
  const mult = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 }[m[2].toLowerCase() as '' | 'k' | 'm' | 'g' | 't'];
  return m[1] === '-1' ? -1 : Math.floor(Number(m[1]) * mult);
}

/**
 * What to change: runc's flags as given (sizes such as "100m" are read here,
 * after the container was found running: runc's order of errors), or with
 * `resourcesFile` a LinuxResources JSON file, "-" for stdin (the flags are
 * ignored then).
 */
export interface UpdateOptions {
  resourcesFile?: string;
  memory?: string; memorySwap?: string; memoryReservation?: string; kernelMemory?: string; kernelMemoryTcp?: string;
  cpuShares?: number; cpuQuota?: number; cpuPeriod?: number; cpuRtPeriod?: number; cpuRtRuntime?: number;
  cpusetCpus?: string; cpusetMems?: string; pidsLimit?: number; blkioWeight?: number;
  /** Intel RDT: not supported (any value is an error) */
  l3CacheSchema?: string; memBwSchema?: string;
}

function resourcesFile(file: string): Resources {
  const text = file === '-' ? fs.readFileSync(0, 'utf8') : fs.readFileSync(file, 'utf8');
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new RuntimeError(`--resources: invalid JSON: ${(e as Error).message}`);
  }
  return validateResources(doc);
}

function resourcesOfFlags(o: UpdateOptions): Resources {
  const r: Resources = {};
  const mem: NonNullable<Resources['memory']> = {};
  if (o.memory !== undefined) mem.limit = parseBytes(o.memory, 'memory');
  if (o.memorySwap !== undefined) mem.swap = parseBytes(o.memorySwap, 'memory-swap');
  if (o.memoryReservation !== undefined) mem.reservation = parseBytes(o.memoryReservation, 'memory-reservation');
  if (o.kernelMemory !== undefined) mem.kernel = parseBytes(o.kernelMemory, 'kernel-memory');
  if (o.kernelMemoryTcp !== undefined) mem.kernelTCP = parseBytes(o.kernelMemoryTcp, 'kernel-memory-tcp');
  if (Object.keys(mem).length) r.memory = mem;
  const cpu: NonNullable<Resources['cpu']> = {};
  if (o.cpuShares !== undefined) cpu.shares = o.cpuShares;
  if (o.cpuQuota !== undefined) cpu.quota = o.cpuQuota;
  if (o.cpuPeriod !== undefined) cpu.period = o.cpuPeriod;
  if (o.cpuRtPeriod !== undefined) cpu.realtimePeriod = o.cpuRtPeriod;
  if (o.cpuRtRuntime !== undefined) cpu.realtimeRuntime = o.cpuRtRuntime;
  if (o.cpusetCpus !== undefined) cpu.cpus = o.cpusetCpus;
  if (o.cpusetMems !== undefined) cpu.mems = o.cpusetMems;
  if (Object.keys(cpu).length) r.cpu = cpu;
  if (o.pidsLimit !== undefined) r.pids = { limit: o.pidsLimit };
  if (o.blkioWeight !== undefined) r.blockIO = { weight: o.blkioWeight };
  return r;
}

/**
 * `before` with what `change` sets put over it (as runc merges an update into
 * the container's config): objects field by field, anything else replaced.
 */
function mergeResources<T>(before: T, change: T): T {
  if (!isObject(before) || !isObject(change)) return change === undefined ? before : change;
  const out: { [k: string]: unknown } = { ...before };
  for (const [k, v] of Object.entries(change)) if (v !== undefined) out[k] = mergeResources(out[k], v);
  return out as T;
}
const isObject = (v: unknown): v is { [k: string]: unknown } => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * config-linux.md memory.checkBeforeUpdate: a new memory (or memory+swap)
 * limit that is not above what the container uses now is refused, before
 * anything is written (as runc; the kernel would reclaim, or OOM-kill on v2,
 * to make it fit). The flag is the container's, or this update's.
 */
function checkMemoryUsage(cg: CgroupManager, change: Resources['memory']): void {
  const asked = [['limit', change?.limit, 'memory'], ['swap', change?.swap, 'memsw']] as const;
  if (!asked.some(([, v]) => v !== undefined && v > 0)) return;
  const usage = cg.memoryUsage();
  for (const [field, v, what] of asked) {
    if (v === undefined || v <= 0 || v > usage[what]) continue;
    throw new RuntimeError(`linux.resources.memory.${field}: ${v} is not above the container's current ${what === 'memory' ? 'memory' : 'memory+swap'} usage (${usage[what]}): refused (checkBeforeUpdate)`);
  }
}

export function update(store: Store, id: string, o: UpdateOptions): void {
  const { record, status } = load(store, id);
  if (status === 'stopped') throw new RuntimeError('container not running');
  if (o.l3CacheSchema || o.memBwSchema) {
    throw new RuntimeError(`--${o.l3CacheSchema ? 'l3-cache-schema' : 'mem-bw-schema'}: not supported: ocirun does not manage Intel RDT`);
  }
  const r = o.resourcesFile ? resourcesFile(o.resourcesFile) : resourcesOfFlags(o);
  if (!record.cgroup) throw new RuntimeError('container has no cgroup');
  const lock = store.lock(id);
  if (lock === undefined) throw notExist(id);
  try {
    const spec = store.readSpec(id);
    const before = spec.linux?.resources ?? {};
    // Nothing half-done: if a write fails, the limits written before it go
    // back to what they were (as runc puts its previous config back).
    const cg = openCgroup(record.cgroup!);
    const merged = mergeResources(before, r);
    if (merged.memory?.checkBeforeUpdate) checkMemoryUsage(cg, r.memory);
    // The spec's swap is memory+swap: a new memory limit or a new swap is
    // written with the other as the container has it (as runc writes them
    // from its merged config), so that cgroup v2's swap alone stays right.
    // But a memory limit of -1 without a swap lifts both (as runc).
    const m = r.memory;
    const lift = m?.limit === -1 && m.swap === undefined;
    if (m && !lift && (m.limit !== undefined || m.swap !== undefined)) {
      r.memory = { ...m, limit: m.limit ?? merged.memory?.limit, swap: m.swap ?? merged.memory?.swap };
    }
    undoable(() => cg.apply(r), (msg) => logWarn(`update failed; ${msg}`));
    // The kept config says what the container has now: the next failed
    // update goes back to this.
    (spec.linux ??= {}).resources = mergeResources(before, lift ? { ...r, memory: { ...r.memory, swap: -1 } } : r);
    store.writeSpec(id, spec);
  } finally {
    store.unlock(lock);
  }
}
