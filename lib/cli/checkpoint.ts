import type { Store } from '../state/store';
import { checkpoint } from '../runtime/checkpoint';

interface CheckpointArgs {
  id: string; imagePath?: string; workPath?: string; parentPath?: string; leaveRunning: boolean; tcpEstablished: boolean;
  tcpSkipInFlight: boolean; linkRemap: boolean; extUnixSk: boolean; shellJob: boolean; fileLocks: boolean; preDump: boolean;
  manageCgroupsMode: string; emptyNs: string[]; autoDedup: boolean; pageServer?: string; lazyPages: boolean; statusFd: number;
}

export default async function (a: CheckpointArgs, s: Store): Promise<void> {
  await checkpoint(s, {
    id: a.id, imagePath: a.imagePath || 'checkpoint', workPath: a.workPath || undefined, parentPath: a.parentPath,
    leaveRunning: a.leaveRunning, preDump: a.preDump, tcpEstablished: a.tcpEstablished, tcpSkipInFlight: a.tcpSkipInFlight,
    linkRemap: a.linkRemap, extUnixSk: a.extUnixSk, shellJob: a.shellJob, fileLocks: a.fileLocks,
    manageCgroupsMode: a.manageCgroupsMode, emptyNs: a.emptyNs.map(String), autoDedup: a.autoDedup,
    pageServer: a.pageServer || undefined, lazyPages: a.lazyPages, statusFd: a.statusFd,
  });
}
