// restore: as runc, --detach leaves the restored container running;
// otherwise we wait for it (it is our child: CRIU restores it as its
// sibling), forward signals, delete it and exit with its status. A
// terminal without --console-socket is proxied to our stdio, as run does.
import type { Store } from '../state/store';
import { validateId } from '../state/store';
import { restore } from '../runtime/restore';
import { del } from '../runtime/delete';
import { waitForeground, withOwnPty } from '../runtime/foreground';

interface RestoreArgs {
  id: string; bundle: string; imagePath?: string; workPath?: string; consoleSocket?: string; pidFile?: string;
  noPivot: boolean; detach: boolean; tcpEstablished: boolean; extUnixSk: boolean; shellJob: boolean; fileLocks: boolean;
  manageCgroupsMode: string; emptyNs: string[]; autoDedup: boolean; lsmProfile?: string; lsmMountContext?: string; lazyPages: boolean;
}

export default async function (a: RestoreArgs, s: Store): Promise<number> {
  const id = validateId(a.id);
  const { made: { record }, proxy } = await withOwnPty(!a.detach && !a.consoleSocket, (consoleFd) => restore(s, {
    id, bundle: a.bundle || '.', imagePath: a.imagePath || 'checkpoint', workPath: a.workPath || undefined,
    consoleSocket: a.consoleSocket, consoleFd, pidFile: a.pidFile, noPivot: a.noPivot,
    tcpEstablished: a.tcpEstablished, extUnixSk: a.extUnixSk, shellJob: a.shellJob, fileLocks: a.fileLocks,
    manageCgroupsMode: a.manageCgroupsMode, emptyNs: a.emptyNs.map(String), autoDedup: a.autoDedup, lsmProfile: a.lsmProfile,
    lsmMountContext: a.lsmMountContext || undefined, lazyPages: a.lazyPages,
  }), () => !!s.readSpec(id).process?.terminal);
  const pid = record.pid;
  if (a.detach) return 0;
  const status = await waitForeground(pid, proxy);
  del(s, id, true);
  return status;
}
