// restore: the flags of `ocirun restore` (runc's; the operation:
// lib/runtime/restore-foreground.ts and lib/runtime/restore.ts).
import type { Store } from '../state/store';
import { validateId } from '../state/store';
import { restoreForeground } from '../runtime/restore-foreground';

interface RestoreArgs {
  id: string; bundle: string; imagePath?: string; workPath?: string; consoleSocket?: string; pidFile?: string;
  noPivot: boolean; detach: boolean; tcpEstablished: boolean; extUnixSk: boolean; shellJob: boolean; fileLocks: boolean;
  manageCgroupsMode: string; emptyNs: string[]; autoDedup: boolean; lsmProfile?: string; lsmMountContext?: string; lazyPages: boolean;
}

export default function (a: RestoreArgs, s: Store): Promise<number> {
  return restoreForeground(s, {
    id: validateId(a.id), bundle: a.bundle || '.', imagePath: a.imagePath || 'checkpoint', workPath: a.workPath || undefined,
    consoleSocket: a.consoleSocket, pidFile: a.pidFile, noPivot: a.noPivot,
    tcpEstablished: a.tcpEstablished, extUnixSk: a.extUnixSk, shellJob: a.shellJob, fileLocks: a.fileLocks,
    manageCgroupsMode: a.manageCgroupsMode, emptyNs: a.emptyNs.map(String), autoDedup: a.autoDedup, lsmProfile: a.lsmProfile,
    lsmMountContext: a.lsmMountContext || undefined, lazyPages: a.lazyPages,
  }, a.detach);
}
