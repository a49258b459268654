// run: create + start, then (unless detached) wait for the container's
// process, forward signals to it, delete the container and return its status
// (128+N when killed by signal N). With terminal: true and no console socket,
// run holds the pty itself and connects it to its stdio.
import type { Store } from '../state/store';
import { create } from './create';
import { start } from './start';
import { del } from './delete';
import { addon } from '../addon';
import { RuntimeError } from '../util/errors';
import type { TtyProxy } from './tty';
import { SignalForwarder, waitForeground, withOwnPty } from './foreground';
import { tracer } from '../util/debug';

const trace = tracer('run');

export interface RunOptions {
  id: string; bundle: string; pidFile?: string; consoleSocket?: string; pidfdSocket?: string; detach: boolean;
  noPivot?: boolean; preserveFds?: number; systemdCgroup?: boolean;
  /** --keep: leave the stopped container (no delete). */
  keep?: boolean;
}

export async function run(s: Store, o: RunOptions): Promise<number> {
  const ad = addon();
  // The init is forked by an intermediate child that exits: as subreaper we
  // inherit it and can wait for it.
  if (!o.detach) ad.setSubreaper();
  // Signals from now on go to the container's process once it runs.
  const fwd = o.detach ? undefined : new SignalForwarder();
  let proxy: TtyProxy | undefined;
  let pid: number;
  try {
    const own = await withOwnPty(!o.detach && !o.consoleSocket, (consoleFd) => create(s, {
      id: o.id, bundle: o.bundle, pidFile: o.pidFile, consoleSocket: o.consoleSocket, consoleFd, pidfdSocket: o.pidfdSocket,
      noPivot: o.noPivot, preserveFds: o.preserveFds, systemdCgroup: o.systemdCgroup,
    }), (made) => !!made.spec.process?.terminal);
    pid = own.made.record.pid;
    proxy = own.proxy;
  } catch (e) {
    fwd?.stop();
    if (o.detach && /no --console-socket/.test((e as Error).message)) {
      throw new RuntimeError('cannot allocate a tty if ocirun will detach without setting --console-socket');
    }
    throw e;
  }
  try {
    start(s, o.id);
  } catch (e) {
    fwd?.stop();
    proxy?.stop();
    del(s, o.id, true);
    throw e;
  }
  if (!fwd) return 0;
  const status = await waitForeground(pid, proxy, fwd);
  trace('program exited (%d)', status);
  if (!o.keep) del(s, o.id, true);
  trace('deleted');
  return status;
}
