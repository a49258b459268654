// exec without --detach: as subreaper (the process is forked by a child that
// exits, so it comes back to us), with a terminal and no console socket the
// pty held here and connected to our stdio; then wait for the process,
// forward signals to it, and return its status (128+N when killed by signal N).
import * as fs from 'node:fs';
import type { Store } from '../state/store';
import { addon } from '../addon';
import { exec, type ExecOptions } from './exec';
import type { TtyProxy } from './tty';
import { waitForeground } from './foreground';

export async function execForeground(store: Store, id: string, o: Omit<ExecOptions, 'consoleFd'>): Promise<number> {
  const ad = addon();
  ad.setSubreaper();
  const pair = o.process.terminal && !o.consoleSocket ? ad.socketPair() : undefined;
  let proxy: TtyProxy | undefined;
  let pid: number;
  try {
    pid = exec(store, id, { ...o, consoleFd: pair?.[1] }).pid;
    if (pair) {
      const { proxyTty } = require('./tty') as typeof import('./tty');
      proxy = proxyTty(ad.recvFd(pair[0]));
    }
  } finally {
    pair?.forEach((fd) => fs.closeSync(fd));
  }
  return waitForeground(pid, proxy);
}
