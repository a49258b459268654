// restore: as runc, --detach leaves the restored container running;
// otherwise we wait for it (it is our child: CRIU restores it as its
// sibling), forward signals, delete it and exit with its status. A
// terminal without --console-socket is proxied to our stdio, as run does.
import * as fs from 'node:fs';
import type { Store } from '../state/store';
import { validateId } from '../state/store';
import { restore } from '../runtime/restore';
import { del } from '../runtime/delete';
import { waitForeground } from '../runtime/foreground';
import { addon } from '../addon';
import type { TtyProxy } from '../runtime/tty';

interface RestoreArgs {
  id: string; bundle: string; imagePath?: string; workPath?: string; consoleSocket?: string; pidFile?: string;
  noPivot: boolean; detach: boolean; tcpEstablished: boolean; extUnixSk: boolean; shellJob: boolean; fileLocks: boolean;
  manageCgroupsMode: string; emptyNs: string[]; autoDedup: boolean; lsmProfile?: string;
}

export default async function (a: RestoreArgs, s: Store): Promise<number> {
  const id = validateId(a.id);
  const pair = !a.detach && !a.consoleSocket ? addon().socketPair() : undefined;
  let pid: number;
  let proxy: TtyProxy | undefined;
  try {
    const { record } = await restore(s, {
      id, bundle: a.bundle || '.', imagePath: a.imagePath || 'checkpoint', workPath: a.workPath || undefined,
      consoleSocket: a.consoleSocket, consoleFd: pair?.[1], pidFile: a.pidFile, noPivot: a.noPivot,
      tcpEstablished: a.tcpEstablished, extUnixSk: a.extUnixSk, shellJob: a.shellJob, fileLocks: a.fileLocks,
      manageCgroupsMode: a.manageCgroupsMode, emptyNs: a.emptyNs.map(String), autoDedup: a.autoDedup, lsmProfile: a.lsmProfile,
    });
    pid = record.pid;
    if (pair && s.readSpec(id).process?.terminal) {
      const { proxyTty } = require('../runtime/tty') as typeof import('../runtime/tty');
      proxy = proxyTty(addon().recvFd(pair[0]));
    }
  } finally {
    pair?.forEach((fd) => fs.closeSync(fd));
  }
  if (a.detach) return 0;
  const status = await waitForeground(pid, proxy);
  del(s, id, true);
  return status;
}
