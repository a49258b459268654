// linux.seccomp -> load flags, and whether a notify listener is needed.
import type { Seccomp } from '../config/types';
import { PlanError } from './errors';

const FLAGS: Record<string, number> = {
  SECCOMP_FILTER_FLAG_TSYNC: 1, SECCOMP_FILTER_FLAG_LOG: 2, SECCOMP_FILTER_FLAG_SPEC_ALLOW: 4,
  SECCOMP_FILTER_FLAG_TSYNC_ESRCH: 16, SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV: 32,
};
const FLAG_NEW_LISTENER = 8;

export interface SeccompPlan {
  flags: number;
  /** The notify fd goes to this agent socket (listenerPath). */
  listenerPath?: string;
}

export function planSeccomp(s: Seccomp | undefined): SeccompPlan {
  if (!s) return { flags: 0 };
  let flags = 0;
  for (const f of s.flags ?? []) {
    if (FLAGS[f] === undefined) throw new PlanError('linux.seccomp.flags', `unknown flag "${f}"`);
    flags |= FLAGS[f];
  }
  const notify = s.defaultAction === 'SCMP_ACT_NOTIFY' || (s.syscalls ?? []).some((r) => r.action === 'SCMP_ACT_NOTIFY');
  if (notify && !s.listenerPath) throw new PlanError('linux.seccomp.listenerPath', 'is required when an action is SCMP_ACT_NOTIFY');
  if (notify) flags |= FLAG_NEW_LISTENER;
  return { flags, listenerPath: notify ? s.listenerPath : undefined };
}
