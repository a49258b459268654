// start: release a created container's init; it execs the user's program.
import * as fs from 'node:fs';
import { Store } from '../state/store';
import { addon, type SyncMessage } from '../addon';
import type { Spec } from '../config/types';
import { load, notExist } from './container';
import { childError } from './spawn';
import { isChroot } from './join';
import { containerHooks, hostHooks, poststartFailsStart } from './run-hooks';
import { logWarn } from '../util/log';
import { RuntimeError } from '../util/errors';
import { testPoint } from '../util/testpoint';
import { tracer } from '../util/debug';

const trace = tracer('start');

/** What start says when the init could not exec its program. */
export function releaseError(spec: Spec | undefined, err: SyncMessage): RuntimeError {
  // The trampoline only knows it failed to exec: name the program.
  return childError(err.msg === 'exec' ? { ...err, msg: `exec: "${spec?.process?.args?.[0] ?? ''}"` } : err);
}

function stopInit(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch { /* already gone */ }
}

export function start(store: Store, id: string): void {
  const lock = store.lock(id);
  if (lock === undefined) throw notExist(id);
  try {
    const { record, status } = load(store, id);
    if (status === 'stopped') throw new RuntimeError('cannot start a container that has stopped');
    // runc's words: engines and scripts match them.
    if (status === 'running') throw new RuntimeError('cannot start an already running container');
    if (status !== 'created') throw new RuntimeError(`cannot start a container in the ${status} state`);
    const spec = store.readSpec(id);
    const state = { ociVersion: record.ociVersion, id, status: 'created' as const, pid: record.pid, bundle: record.bundle, annotations: record.annotations };
    // startContainer hooks: in the container, before the user's program. A
    // failure fails start and stops the container (runtime.md).
    try {
      containerHooks(spec.hooks, 'startContainer', state, record.pid, isChroot(spec));
    } catch (e) {
      stopInit(record.pid);
      throw e;
    }
    const sock = store.startSocket(id);
    const a = addon();
    const fd = a.connectUnix(sock);
    try {
      testPoint('start:release');
      trace('releasing init');
      const err = a.release(fd);
      trace('init exec\'d the program');
      // The init has exec'd (or failed): nobody listens on the socket any more.
      fs.rmSync(sock, { force: true });
      if (err) throw releaseError(spec, err);
    } finally {
      fs.closeSync(fd);
    }
    // poststart: the program has started. A failure fails start and stops
    // the container (runtime-spec 1.3), or is a warning (up to 1.2).
    const running = { ...state, status: 'running' as const };
    if (!poststartFailsStart(spec?.ociVersion ?? record.ociVersion)) {
      hostHooks(spec.hooks, 'poststart', running, logWarn);
    } else {
      try {
        hostHooks(spec.hooks, 'poststart', running);
      } catch (e) {
        stopInit(record.pid);
        throw e;
      }
    }
  } finally {
    store.unlock(lock);
  }
}
