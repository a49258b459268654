// The native front's exec plans. `exec` starts an interpreter for what is
// mostly one clone and a handful of syscalls, so the front (addon/front/exec.cc)
// runs an exec itself when TypeScript has already decided its plan:
//
// - `exec ID COMMAND...` without flags that change the process: the plan in
//   <state dir>/cmd-plan, worked out by lib/runtime/exec.ts planExec() for
//   the container's own process, exactly as the CLI's exec works it out, with
//   the command left as a hole. The first `exec ID COMMAND...` (the CLI's)
//   writes it: create does not, as most containers never see one (engines
//   exec with --process) and planning it cost every create ~1.5 ms;
// - `exec --process FILE ID`, as engines call it (a health check is the same
//   file every time): the plan the CLI made for those very bytes, kept in
//   <state dir>/exec-<hash> after that exec succeeded.
// Anything else, or anything that changed (the container's passwd when HOME
// came from it), goes to the CLI, which decides and reports in its own words.
//
// Format (addon/front/exec.cc reads it): "key value" lines; `key N` lines of
// string keys are followed by N bytes and "\n" (any byte may be in them).
//
//   ocirun-exec-plan 1
//   ns NSTYPE PATH            a namespace to join (/proc/<init>/ns/X), in order
//   born DIR                  the cgroup v2 dir the first child is cloned into
//                             (clone3 CLONE_INTO_CGROUP); if the kernel did, no
//                             procs file is written
//   procs FILE                a cgroup.procs file the first child's pid goes to
//   seccomp FLAGS             load <state dir>/seccomp.bpf with these flags
//   home-from FILE DEV INO SIZE MTIME_S MTIME_NS | home-from FILE none
//                             HOME came from FILE: the plan holds while it stat()s so
//   terminal                  the process wants a terminal (--console-socket)
//   arg N / env N / path N / cwd N / apparmor-file N / apparmor-value N
//   uid U, gid G, group G, set-groups 0|1, umask M (-1: leave), nnp 0|1
//   caps BOUNDING EFFECTIVE PERMITTED INHERITABLE AMBIENT LAST (decimal masks)
//   rlimit RESOURCE SOFT HARD, oom N, ioprio N (-1: leave), personality N (-1)
//   sched POLICY PRIORITY NICE FLAGS RUNTIME DEADLINE PERIOD, cpu N (after the cgroup join), cpu-initial N
//   (before it), cpu-reset (none given: every CPU after the join), console-size ROWS COLS
//   end
//
// <state dir>/exec-<hash> (hash: exec.cc input_hash, FNV-1a of the bytes) is
// `input N` + the process file's bytes, then the plan, args included.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { SpawnPlan } from '../plan/types';
import type { Store } from './store';

export interface ExecRecipeInput {
  plan: SpawnPlan;
  namespaces: { path: string; nstype: number }[];
  /** cgroup.procs files (undefined: the cgroup is not plain files: no plan) */
  procsFiles: string[] | undefined;
  /** the cgroup dir the first child may be born in (CgroupManager.birthDir) */
  birthDir?: string;
  /** <state dir>/seccomp.bpf is the container's compiled filter */
  seccomp: boolean;
  homeFrom?: string;
  /** the args belong to the plan (an --process entry); else the command line's */
  withArgs: boolean;
}

/** At most this many --process plans are kept per container. */
const MAX_ENTRIES = 16;

function homeLine(file: string): string {
  let st: fs.BigIntStats;
  try {
    st = fs.statSync(file, { bigint: true });
  } catch {
    return `home-from ${file} none`;
  }
  return `home-from ${file} ${st.dev} ${st.ino} ${st.size} ${st.mtimeMs / 1000n} ${st.mtimeNs % 1000000000n}`;
}

/** The plan as text; undefined when the front can't run it as decided (the CLI will). */
export function execRecipe(x: ExecRecipeInput, seccompInSpec: boolean): string | undefined {
  const p = x.plan;
  if (x.procsFiles === undefined) return undefined;
  // (a memory policy: the CLI's to run, the front has no set_mempolicy)
  if (p.dumpableUntilGo || p.wasmMode || p.exePath || p.stdinFd !== -1 || p.hooksPause || p.memPolicy) return undefined;
  if (seccompInSpec && !x.seccomp) return undefined;
  const lines: string[] = ['ocirun-exec-plan 1'];
  const str = (key: string, v: string) => lines.push(`${key} ${Buffer.byteLength(v)}\n${v}`);
  for (const n of x.namespaces) lines.push(`ns ${n.nstype} ${n.path}`);
  if (x.birthDir) lines.push(`born ${x.birthDir}`);
  for (const f of x.procsFiles) lines.push(`procs ${f}`);
  if (seccompInSpec) lines.push(`seccomp ${p.seccompFlags}`);
  if (x.homeFrom) lines.push(homeLine(x.homeFrom));
  if (x.withArgs) p.args.forEach((a) => str('arg', a));
  p.env.forEach((e) => str('env', e));
  p.pathDirs.forEach((d) => str('path', d));
  str('cwd', p.cwd);
  lines.push(`uid ${p.uid}`, `gid ${p.gid}`, ...p.groups.map((g) => `group ${g}`), `set-groups ${p.setGroups ? 1 : 0}`);
  lines.push(`umask ${p.umask}`, `nnp ${p.noNewPrivileges ? 1 : 0}`);
  if (!p.setCaps) return undefined;
  lines.push(`caps ${p.capBounding} ${p.capEffective} ${p.capPermitted} ${p.capInheritable} ${p.capAmbient} ${p.capLast}`);
  for (const r of p.rlimits) lines.push(`rlimit ${r.resource} ${r.soft} ${r.hard}`);
  if (p.oomScoreAdj !== undefined) lines.push(`oom ${p.oomScoreAdj}`);
  lines.push(`ioprio ${p.ioPrio}`, `personality ${p.personality ?? -1}`);
  if (p.scheduler) {
    const s = p.scheduler as { policy: number; priority: number; nice: number; flags: string; runtime: string; deadline: string; period: string };
    lines.push(`sched ${s.policy} ${s.priority} ${s.nice} ${s.flags} ${s.runtime} ${s.deadline} ${s.period}`);
  }
  for (const c of p.cpuAffinity) lines.push(`cpu ${c}`);
  for (const c of p.cpuAffinityInitial) lines.push(`cpu-initial ${c}`);
  if (p.cpuAffinityReset) lines.push('cpu-reset');
  if (p.apparmorFile) {
    str('apparmor-file', p.apparmorFile);
    str('apparmor-value', p.apparmorValue ?? '');
  }
  lines.push(`console-size ${p.consoleRows} ${p.consoleCols}`);
  if (p.consoleFd >= 0) lines.push('terminal');
  // (a path with a newline would end its line early: no plan)
  if (x.namespaces.some((n) => n.path.includes('\n')) || x.procsFiles.some((f) => f.includes('\n')) || x.birthDir?.includes('\n') || x.homeFrom?.includes('\n')) return undefined;
  return [...lines, 'end', ''].join('\n');
}

/** The file of the `exec ID COMMAND...` plan in the state dir (never an exec-<hash> name). */
export const CMD_PLAN_FILE = 'cmd-plan';

/** Keeps the plan of `exec ID COMMAND...` (atomically) unless it is there; best effort. */
export function writeCmdPlan(store: Store, id: string, plan: () => string | undefined): void {
  try {
    const d = store.dir(id);
    if (fs.existsSync(path.join(d, CMD_PLAN_FILE))) return;
    const recipe = plan();
    if (!recipe) return;
    const tmp = path.join(d, `.${CMD_PLAN_FILE}.${process.pid}`);
    fs.writeFileSync(tmp, recipe, { mode: 0o600 });
    fs.renameSync(tmp, path.join(d, CMD_PLAN_FILE));
  } catch { /* the next exec goes to the CLI again */ }
}

/** FNV-1a (32 bits) of the bytes, as 8 hex digits: exec.cc input_hash(). */
export function inputHash(b: Buffer): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < b.length; i++) h = Math.imul(h ^ b[i], 0x01000193) >>> 0;
  return h.toString(16).padStart(8, '0');
}

/** Keeps the plan of an exec --process FILE under the file's bytes (atomically); best effort. */
export function writeExecEntry(store: Store, id: string, input: Buffer, recipe: string | undefined): void {
  if (!recipe) return;
  try {
    const d = store.dir(id);
    const name = `exec-${inputHash(input)}`;
    const have = fs.readdirSync(d).filter((f) => f.startsWith('exec-'));
    if (!have.includes(name) && have.length >= MAX_ENTRIES) return;
    const tmp = path.join(d, `.${name}.${process.pid}`);
    fs.writeFileSync(tmp, Buffer.concat([Buffer.from(`input ${input.length}\n`), input, Buffer.from('\n'), Buffer.from(recipe)]), { mode: 0o600 });
    fs.renameSync(tmp, path.join(d, name));
  } catch { /* the next exec goes to the CLI again */ }
}
