// update: change the resources of a running container (runc's flags, or a
// LinuxResources JSON file / stdin with --resources).
import * as fs from 'node:fs';
import type { Resources } from '../config/types';
import type { Store } from '../state/store';
import { openCgroup } from '../cgroups';
import { load } from '../runtime/container';
import { validateResources } from '../config/validate';
import { RuntimeError } from '../util/errors';

/** "100m", "1g", "512k", "1024" -> bytes; "-1" stays -1. */
export function parseBytes(v: string | number, flag: string): number {
  const m = /^(-1|\d+(?:\.\d+)?)\s*([kmgt]?)i?b?$/i.exec(String(v).trim());
  if (!m) throw new RuntimeError(`--${flag}: invalid size "${v}"`);
  const mult = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 }[m[2].toLowerCase() as '' | 'k' | 'm' | 'g' | 't'];
  return m[1] === '-1' ? -1 : Math.floor(Number(m[1]) * mult);
}

interface UpdateArgs {
  id: string; resources?: string; memory?: string; memorySwap?: string; memoryReservation?: string;
  kernelMemory?: string; kernelMemoryTcp?: string; cpuShare?: number; cpuShares?: number; l3CacheSchema?: string; memBwSchema?: string; cpuQuota?: number; cpuPeriod?: number; cpuRtPeriod?: number;
  cpuRtRuntime?: number; cpusetCpus?: string; cpusetMems?: string; pidsLimit?: number; blkioWeight?: number;
}

export default function (a: UpdateArgs, s: Store): void {
  const { record, status } = load(s, a.id);
  if (status === 'stopped') throw new RuntimeError('container not running');
  if (a.l3CacheSchema || a.memBwSchema) {
    throw new RuntimeError(`--${a.l3CacheSchema ? 'l3-cache-schema' : 'mem-bw-schema'}: not supported: ocirun does not manage Intel RDT`);
  }
  let r: Resources;
  if (a.resources) {
    const text = a.resources === '-' ? fs.readFileSync(0, 'utf8') : fs.readFileSync(a.resources, 'utf8');
    let doc: unknown;
    try {
      doc = JSON.parse(text);
    } catch (e) {
      throw new RuntimeError(`--resources: invalid JSON: ${(e as Error).message}`);
    }
    r = validateResources(doc);
  } else {
    r = {};
    const mem: NonNullable<Resources['memory']> = {};
    if (a.memory !== undefined) mem.limit = parseBytes(a.memory, 'memory');
    if (a.memorySwap !== undefined) mem.swap = parseBytes(a.memorySwap, 'memory-swap');
    if (a.memoryReservation !== undefined) mem.reservation = parseBytes(a.memoryReservation, 'memory-reservation');
    if (a.kernelMemory !== undefined) mem.kernel = parseBytes(a.kernelMemory, 'kernel-memory');
    if (a.kernelMemoryTcp !== undefined) mem.kernelTCP = parseBytes(a.kernelMemoryTcp, 'kernel-memory-tcp');
    if (Object.keys(mem).length) r.memory = mem;
    const cpu: NonNullable<Resources['cpu']> = {};
    const shares = a.cpuShare ?? a.cpuShares;  // runc spells it --cpu-share
    if (shares !== undefined) cpu.shares = shares;
    if (a.cpuQuota !== undefined) cpu.quota = a.cpuQuota;
    if (a.cpuPeriod !== undefined) cpu.period = a.cpuPeriod;
    if (a.cpuRtPeriod !== undefined) cpu.realtimePeriod = a.cpuRtPeriod;
    if (a.cpuRtRuntime !== undefined) cpu.realtimeRuntime = a.cpuRtRuntime;
    if (a.cpusetCpus !== undefined) cpu.cpus = a.cpusetCpus;
    if (a.cpusetMems !== undefined) cpu.mems = a.cpusetMems;
    if (Object.keys(cpu).length) r.cpu = cpu;
    if (a.pidsLimit !== undefined) r.pids = { limit: a.pidsLimit };
    if (a.blkioWeight !== undefined) r.blockIO = { weight: a.blkioWeight };
  }
  if (!record.cgroup) throw new RuntimeError('container has no cgroup');
  openCgroup(record.cgroup).apply(r);
}
