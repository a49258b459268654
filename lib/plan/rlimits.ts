// process.rlimits -> setrlimit resources (<sys/resource.h> numbering).
import type { Rlimit } from '../config/types';
import type { RlimitOp } from './types';
import { PlanError } from './errors';

export const RLIMIT: Record<string, number> = {
  RLIMIT_CPU: 0, RLIMIT_FSIZE: 1, RLIMIT_DATA: 2, RLIMIT_STACK: 3, RLIMIT_CORE: 4,
  RLIMIT_RSS: 5, RLIMIT_NPROC: 6, RLIMIT_NOFILE: 7, RLIMIT_MEMLOCK: 8, RLIMIT_AS: 9,
  RLIMIT_LOCKS: 10, RLIMIT_SIGPENDING: 11, RLIMIT_MSGQUEUE: 12, RLIMIT_NICE: 13,
  RLIMIT_RTPRIO: 14, RLIMIT_RTTIME: 15,
};

const U64_MAX = (1n << 64n) - 1n;
// JSON numbers above 2^53 arrive rounded (18446744073709551615 -> 2^64): clamp.
const u64 = (n: number): bigint => {
  const b = BigInt(Math.trunc(n));
  return b > U64_MAX ? U64_MAX : b;
};

export function planRlimits(rlimits: Rlimit[] = [], path = 'process.rlimits'): RlimitOp[] {
  const seen = new Set<string>();
  return rlimits.map((r, i) => {
    const resource = RLIMIT[r.type];
    if (resource === undefined) throw new PlanError(`${path}[${i}].type`, `unknown rlimit "${r.type}"`);
    if (seen.has(r.type)) throw new PlanError(`${path}[${i}].type`, `duplicate rlimit "${r.type}"`);
    seen.add(r.type);
    const soft = u64(r.soft), hard = u64(r.hard);
    if (soft > hard) {
      throw new PlanError(`${path}[${i}]`, `soft limit ${soft} is greater than hard limit ${hard}`);
    }
    return { resource, soft: soft.toString(), hard: hard.toString() };
  });
}
