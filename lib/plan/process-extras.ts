// ioPriority, scheduler, personality, execCPUAffinity and AppArmor ->
// the numbers the child hands to the kernel.
import * as fs from 'node:fs';
import type { Linux, Process } from '../config/types';
import { PlanError } from './errors';

const IOPRIO_CLASS: Record<string, number> = { IOPRIO_CLASS_RT: 1, IOPRIO_CLASS_BE: 2, IOPRIO_CLASS_IDLE: 3 };

const SCHED_POLICY: Record<string, number> = {
  SCHED_OTHER: 0, SCHED_FIFO: 1, SCHED_RR: 2, SCHED_BATCH: 3, SCHED_ISO: 4, SCHED_IDLE: 5, SCHED_DEADLINE: 6,
};
const SCHED_FLAG: Record<string, number> = {
  SCHED_FLAG_RESET_ON_FORK: 0x01, SCHED_FLAG_RECLAIM: 0x02, SCHED_FLAG_DL_OVERRUN: 0x04,
  SCHED_FLAG_KEEP_POLICY: 0x08, SCHED_FLAG_KEEP_PARAMS: 0x10, SCHED_FLAG_UTIL_CLAMP_MIN: 0x20,
  SCHED_FLAG_UTIL_CLAMP_MAX: 0x40,
};

const PERSONALITY_DOMAIN: Record<string, number> = { LINUX: 0x0000, LINUX32: 0x0008 };

/** "0-3,7" -> [0,1,2,3,7] */
export function parseCpuList(list: string, where: string): number[] {
  const out: number[] = [];
  for (const part of list.split(',').map((x) => x.trim()).filter(Boolean)) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part);
    if (!m) throw new PlanError(where, `invalid CPU list "${list}"`);
    const a = Number(m[1]), b = m[2] !== undefined ? Number(m[2]) : a;
    if (b < a || b > 1023) throw new PlanError(where, `invalid CPU range "${part}"`);
    for (let i = a; i <= b; i++) out.push(i);
  }
  return out;
}

function apparmorEnabled(): boolean {
  try {
    return fs.readFileSync('/sys/module/apparmor/parameters/enabled', 'utf8').trim() === 'Y';
  } catch {
    return false;
  }
}

export function planProcessExtras(p: Process, where: string) {
  let ioPrio = -1;
  if (p.ioPriority) {
    const cls = IOPRIO_CLASS[p.ioPriority.class];
    if (cls === undefined) throw new PlanError(`${where}.ioPriority.class`, `unknown class "${p.ioPriority.class}"`);
    const prio = p.ioPriority.priority ?? 0;
    if (prio < 0 || prio > 7) throw new PlanError(`${where}.ioPriority.priority`, 'must be between 0 and 7');
    ioPrio = (cls << 13) | prio;
  }
  let scheduler: object | undefined;
  if (p.scheduler) {
    const s = p.scheduler;
    const policy = SCHED_POLICY[s.policy];
    if (policy === undefined) throw new PlanError(`${where}.scheduler.policy`, `unknown policy "${s.policy}"`);
    let flags = 0;
    for (const f of s.flags ?? []) {
      if (SCHED_FLAG[f] === undefined) throw new PlanError(`${where}.scheduler.flags`, `unknown flag "${f}"`);
      flags |= SCHED_FLAG[f];
    }
    if (s.nice !== undefined && (s.nice < -20 || s.nice > 19)) throw new PlanError(`${where}.scheduler.nice`, 'must be between -20 and 19');
    scheduler = {
      policy, flags: String(flags), nice: s.nice ?? 0, priority: s.priority ?? 0,
      runtime: String(s.runtime ?? 0), deadline: String(s.deadline ?? 0), period: String(s.period ?? 0),
    };
  }
  // execCPUAffinity (config.md; an exec'd process': the init ignores it,
  // build.ts): initial from the clone until the cgroup join, then final; an
  // empty or missing final keeps what the process has; neither: every CPU
  // after the join (as runc; the init always gets that).
  const aff = p.execCPUAffinity;
  const initial = aff?.initial ? parseCpuList(aff.initial, `${where}.execCPUAffinity.initial`) : [];
  const final = aff?.final ? parseCpuList(aff.final, `${where}.execCPUAffinity.final`) : [];
  const apparmor = p.apparmorProfile && apparmorEnabled()
    ? { apparmorFile: fs.existsSync('/proc/self/attr/apparmor/exec') ? '/proc/self/attr/apparmor/exec' : '/proc/self/attr/exec', apparmorValue: `exec ${p.apparmorProfile}` }
    : {};
  return {
    ioPrio,
    scheduler,
    cpuAffinity: final,
    cpuAffinityInitial: initial,
    cpuAffinityReset: !initial.length && !final.length,
    ...apparmor,
  };
}

export function planPersonality(l: Linux | undefined): number {
  if (!l?.personality) return -1;
  const d = PERSONALITY_DOMAIN[l.personality.domain];
  if (d === undefined) throw new PlanError('linux.personality.domain', `unknown domain "${l.personality.domain}"`);
  if (l.personality.flags?.length) throw new PlanError('linux.personality.flags', 'no flags are supported');
  return d;
}
