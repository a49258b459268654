// Lazy entry to lib/runtime/hooks.ts: the hooks module (and what it pulls
// in: the planner, child_process) is loaded only for a phase that has hooks.
import type { Hook, Hooks, State } from '../config/types';

type Phase = keyof Hooks;

/** With `warn`, a failing hook is a warning and the others still run. */
export function hostHooks(hooks: Hooks | undefined, phase: Phase, state: State, warn?: (msg: string) => void): void {
  const list: Hook[] | undefined = hooks?.[phase];
  if (!list?.length) return;
  (require('./hooks') as typeof import('./hooks')).runHostHooks(phase, list, state, warn);
}

/**
 * A failing poststart hook: runtime-spec up to 1.2 says log a warning and go
 * on as if it had succeeded; 1.3 says generate an error and stop the
 * container. We follow the version the bundle was written for (its ociVersion).
 */
export function poststartFailsStart(ociVersion: string | undefined): boolean {
  const m = /^(\d+)\.(\d+)\./.exec(ociVersion ?? '');
  return !m || Number(m[1]) > 1 || (Number(m[1]) === 1 && Number(m[2]) >= 3);
}

/** `chroot`: the container is a chroot (join.ts isChroot) whose root the hook must enter (startContainer). */
export function containerHooks(hooks: Hooks | undefined, phase: Phase, state: State, initPid: number, chroot = false): void {
  const list: Hook[] | undefined = hooks?.[phase];
  if (!list?.length) return;
  (require('./hooks') as typeof import('./hooks')).runContainerHooks(phase, list, state, initPid, chroot);
}
