// What a rootless caller cannot give its container (no CAP_SYS_RESOURCE in
// the initial user namespace): an rlimit's hard value above its own, and an
// oom_score_adj below its own. Refused here with the config path, instead of
// an EPERM/EACCES from the init.
import * as fs from 'node:fs';
import type { Process } from '../config/types';
import { RLIMIT } from '../plan/rlimits';
import type { SpawnPlan } from '../plan/types';
import { RuntimeError } from '../util/errors';

/** /proc/self/limits rows in RLIMIT_* order: the hard values ("unlimited" = 2^64-1). */
function ownHardLimits(): bigint[] {
  const rows = fs.readFileSync('/proc/self/limits', 'utf8').split('\n').slice(1).filter(Boolean);
  return rows.map((row) => {
    const v = row.slice(46, 67).trim();
    return v === 'unlimited' ? (1n << 64n) - 1n : BigInt(v);
  });
}

/** Moves the plan's oom_score_adj to the parent's side (spawn.ts oomScoreAdj): returns it. */
export function rootlessOom(plan: SpawnPlan): number | undefined {
  const v = plan.oomScoreAdj;
  plan.oomScoreAdj = undefined;
  return v;
}

export function checkRootlessProcess(p: Process | undefined, where = 'process'): void {
  if (!p) return;
  if (p.rlimits?.length) {
    const own = ownHardLimits();
    p.rlimits.forEach((r, i) => {
      const n = RLIMIT[r.type];
      if (n === undefined || own[n] === undefined) return;
      const hard = BigInt(Math.min(Math.trunc(r.hard), Number.MAX_SAFE_INTEGER * 2 ** 11));
      if (hard > own[n]) {
        throw new RuntimeError(`${where}.rlimits[${i}]: ${r.type} hard limit ${r.hard} is above your own (${own[n]}): a rootless container cannot raise it`);
      }
    });
  }
  if (p.oomScoreAdj !== undefined) {
    const cur = Number(fs.readFileSync('/proc/self/oom_score_adj', 'utf8').trim());
    if (p.oomScoreAdj < cur) {
      throw new RuntimeError(`${where}.oomScoreAdj: ${p.oomScoreAdj} is below your own (${cur}): a rootless container can only raise it`);
    }
  }
}
