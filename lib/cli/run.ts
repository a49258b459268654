// run: create + start, then (unless --detach) wait for the container's
// process, forward signals to it, delete the container and exit with its
// status (128+N when killed by signal N). With terminal: true and no
// --console-socket, run holds the pty itself and connects it to its stdio.
import * as fs from 'node:fs';
import type { Store } from '../state/store';
import { validateId } from '../state/store';
import { create } from '../runtime/create';
import { start } from '../runtime/start';
import { del } from '../runtime/delete';
import { addon } from '../addon';
import { RuntimeError } from '../util/errors';
import type { TtyProxy } from '../runtime/tty';
import { waitForeground } from '../runtime/foreground';

interface RunArgs {
  id: string; bundle: string; pidFile?: string; consoleSocket?: string; detach: boolean;
  noPivot: boolean; preserveFds: number; keep: boolean; systemdCgroup?: boolean;
}

export default async function (a: RunArgs, s: Store): Promise<number> {
  const id = validateId(a.id);
  const ad = addon();
  // The init is forked by an intermediate child that exits: as subreaper we
  // inherit it and can wait for it.
  if (!a.detach) ad.setSubreaper();
  const pair = !a.detach && !a.consoleSocket ? ad.socketPair() : undefined;
  let proxy: TtyProxy | undefined;
  let pid: number;
  try {
    const { record, spec } = create(s, {
      id, bundle: a.bundle, pidFile: a.pidFile, consoleSocket: a.consoleSocket, consoleFd: pair?.[1],
      noPivot: a.noPivot, preserveFds: a.preserveFds, systemdCgroup: a.systemdCgroup,
    });
    pid = record.pid;
    if (pair && spec.process?.terminal) {
      const { proxyTty } = require('../runtime/tty') as typeof import('../runtime/tty');
      proxy = proxyTty(ad.recvFd(pair[0]));
    }
  } catch (e) {
    if (a.detach && /no --console-socket/.test((e as Error).message)) {
      throw new RuntimeError('cannot allocate a tty if ocirun will detach without setting --console-socket');
    }
    throw e;
  } finally {
    pair?.forEach((fd) => fs.closeSync(fd));
  }
  try {
    start(s, id);
  } catch (e) {
    proxy?.stop();
    del(s, id, true);
    throw e;
  }
  if (a.detach) return 0;
  const status = await waitForeground(pid, proxy);
  if (!a.keep) del(s, id, true);
  return status;
}
