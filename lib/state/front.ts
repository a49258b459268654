// The native front's recipe. bin/ocirun is a small C program (addon/front)
// that answers `state`, `start`, `kill` and `delete` of an ordinary container
// itself, in about a millisecond, and hands every other call to the CLI. What it
// may do, and how, is decided here, once, when `create` has finished: this
// file, <state dir>/front, holds the facts it needs, worked out by the same
// code the CLI's commands run (status.ts, state-text.ts, the cgroup drivers).
// A container without this file, or a call the recipe does not cover, goes to
// the CLI. Written after state.json says "created" and never changed: if it is
// there, it describes a created container.
//
// Format (addon/front/recipe.c reads it): one "key value" line each, values
// to the end of the line; a value holding a newline is never written (then
// there is no recipe at all).
//
//   ocirun-front 1
//   pid N                   the init's host pid
//   starttime N             its /proc/N/stat starttime: a reused pid is not it
//   created-comm NAME       its /proc/N/comm until it execs (status "created")
//   paused-if eq|ne V FILE  frozen when FILE's trimmed content equals / differs from V
//   text N                  then N bytes and "\n": literal output of `state`
//   pid-or-0                `state` output: the init's pid, 0 once stopped
//   status                  `state` output: the status, as a JSON string
//   start                   `start` is the release alone (no startContainer/poststart hooks)
//   delete                  `delete` is: SIGKILL to the init if it is alive (its
//                           own pid namespace: that ends the rest) and wait for
//                           it, then the rmdirs below and the state dir (no
//                           poststop hooks); a paused container stays with the CLI
//   rmdir DIR               a cgroup dir to remove (gone already is fine)
//   rmdir-parent DIR        an empty parent of the last rmdir's DIR; the first
//                           that won't go ends that chain
//   end
//
// (Recipes of earlier builds may also hold `exec-plan N` + N bytes: the plan
// of `exec ID COMMAND...`, which now lives in <state dir>/cmd-plan, written by
// the first such exec: front-exec.ts. The front still reads both.)
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Spec } from '../config/types';
import type { Record, Store } from './store';
import { INIT_COMM } from './status';
import { PID, STATUS, stateFields, stateParts } from './state-text';
import { openCgroup } from '../cgroups';

export const FRONT_FILE = 'front';

export function frontRecipe(r: Record, spec: Spec): string | undefined {
  const lines: string[] = ['ocirun-front 1', `pid ${r.pid}`, `starttime ${r.startTime}`, `created-comm ${INIT_COMM}`];
  const cg = r.cgroup ? openCgroup(r.cgroup) : undefined;
  const probe = cg?.frozenProbe();
  if (probe) lines.push(`paused-if ${probe.frozenIf} ${probe.value} ${probe.file}`);
  const text: string[] = [];
  for (const p of stateParts(stateFields(r))) {
    if (p === PID) text.push('pid-or-0');
    else if (p === STATUS) text.push('status');
    else text.push(`text ${Buffer.byteLength(p)}\n${p}`);
  }
  const hooks = spec.hooks ?? {};
  const none = (h: unknown[] | undefined) => !h || h.length === 0;
  if (none(hooks.startContainer) && none(hooks.poststart)) lines.push('start');
  // Without a pid namespace of its own, what the init left in the cgroup is
  // killed by delete (cgroups destroy(true)): that stays with the CLI. So
  // does a systemd unit's (it is stopped over D-Bus), and rootfs mounts made
  // in the host's mount namespace or a joined one (host-mounts.ts).
  if (none(hooks.poststop) && r.ownPidNs && r.pid && !r.cgroup?.systemd && !r.hostRootfs) {
    lines.push('delete');
    for (const { dir, parents } of cg?.removal() ?? []) {
      lines.push(`rmdir ${dir}`, ...parents.map((d) => `rmdir-parent ${d}`));
    }
  }
  if (lines.some((l) => l.includes('\n'))) return undefined;
  return [...lines, ...text, 'end', ''].join('\n');
}

/** Writes the recipe of a created container (atomically); without one, the CLI answers every call. */
export function writeFront(store: Store, r: Record, spec: Spec): void {
  const recipe = frontRecipe(r, spec);
  if (!recipe) return;
  const d = store.dir(r.id);
  const tmp = path.join(d, `.${FRONT_FILE}.${process.pid}`);
  fs.writeFileSync(tmp, recipe, { mode: 0o600 });
  fs.renameSync(tmp, path.join(d, FRONT_FILE));
}
