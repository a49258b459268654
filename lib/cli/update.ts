// update: the flags of `ocirun update` (the operation: lib/runtime/update.ts).
import type { Store } from '../state/store';
import { update } from '../runtime/update';

interface UpdateArgs {
  id: string; resources?: string; memory?: string; memorySwap?: string; memoryReservation?: string;
  kernelMemory?: string; kernelMemoryTcp?: string; cpuShare?: number; cpuShares?: number; l3CacheSchema?: string; memBwSchema?: string; cpuQuota?: number; cpuPeriod?: number; cpuRtPeriod?: number;
  cpuRtRuntime?: number; cpusetCpus?: string; cpusetMems?: string; pidsLimit?: number; blkioWeight?: number;
}

export default function (a: UpdateArgs, s: Store): void {
  update(s, a.id, {
    resourcesFile: a.resources, memory: a.memory, memorySwap: a.memorySwap, memoryReservation: a.memoryReservation,
    kernelMemory: a.kernelMemory, kernelMemoryTcp: a.kernelMemoryTcp,
    cpuShares: a.cpuShare ?? a.cpuShares,  // runc spells it --cpu-share
    cpuQuota: a.cpuQuota, cpuPeriod: a.cpuPeriod, cpuRtPeriod: a.cpuRtPeriod, cpuRtRuntime: a.cpuRtRuntime,
    cpusetCpus: a.cpusetCpus, cpusetMems: a.cpusetMems, pidsLimit: a.pidsLimit, blkioWeight: a.blkioWeight,
    l3CacheSchema: a.l3CacheSchema, memBwSchema: a.memBwSchema,
  });
}
