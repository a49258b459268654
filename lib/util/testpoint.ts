// Test-only stop points: with OCIRUN_TEST_STOP_AT=<phase> in the
// environment, the runtime stops itself (SIGSTOP) when it reaches that
// phase, so a test can kill -9 it there and check that `delete --force`
// still cleans everything. Costs one env lookup when unset.
import * as fs from 'node:fs';

const at = process.env.OCIRUN_TEST_STOP_AT;

/** The phase is the child's (it stops itself: the addon's plan.testStop). */
export function testPointIs(phase: string): boolean {
  return at === phase;
}

export function testPoint(phase: string): void {
  if (at !== phase) return;
  try {
    fs.writeSync(2, `ocirun: test stop point "${phase}" (pid ${process.pid})\n`);
  } catch { /* stderr closed */ }
  process.kill(process.pid, 'SIGSTOP');
}

/** OCIRUN_TEST_LOCK_TIMEOUT_MS: a short wait for a container's lock (lib/state/store.ts), so a test sees it run out. */
export const testLockTimeoutMs = Number(process.env.OCIRUN_TEST_LOCK_TIMEOUT_MS) || undefined;
