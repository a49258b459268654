// Lazy entry to lib/runtime/hooks.ts: the hooks module (and what it pulls
// in: the planner, child_process) is loaded only for a phase that has hooks.
import type { Hook, Hooks, State } from '../config/types';

type Phase = keyof Hooks;

export function hostHooks(hooks: Hooks | undefined, phase: Phase, state: State): void {
  const list: Hook[] | undefined = hooks?.[phase];
  if (!list?.length) return;
  (require('./hooks') as typeof import('./hooks')).runHostHooks(phase, list, state);
}

export function containerHooks(hooks: Hooks | undefined, phase: Phase, state: State, initPid: number): void {
  const list: Hook[] | undefined = hooks?.[phase];
  if (!list?.length) return;
  (require('./hooks') as typeof import('./hooks')).runContainerHooks(phase, list, state, initPid);
}
