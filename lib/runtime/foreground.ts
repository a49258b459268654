// What `run` and `exec` do when they don't detach: wait for the container's
// process (we are a subreaper, so the forked init comes back to us), forward
// the signals we get to it, drain its terminal, return its status.
import * as fs from 'node:fs';
import { addon } from '../addon';
import type { TtyProxy } from './tty';

/**
 * The pty of a foreground run, exec or restore without --console-socket:
 * with `own`, `make` (the create, exec or restore) gets the far end of a
 * socket pair as its console fd, where the container's init sends the pty
 * master it made; if the process has a terminal (`terminal(made)`), that
 * master is then proxied to our stdio. The pair is closed either way.
 */
export async function withOwnPty<T>(own: boolean, make: (consoleFd: number | undefined) => T | Promise<T>, terminal: (made: T) => boolean): Promise<{ made: T; proxy?: TtyProxy }> {
  const ad = addon();
  const pair = own ? ad.socketPair() : undefined;
  try {
    const made = await make(pair?.[1]);
    let proxy: TtyProxy | undefined;
    if (pair && terminal(made)) {
      const { proxyTty } = require('./tty') as typeof import('./tty');
      proxy = proxyTty(ad.recvFd(pair[0]));
    }
    return { made, proxy };
  } finally {
    pair?.forEach((fd) => fs.closeSync(fd));
  }
}

const FORWARD: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2'];

export async function waitForeground(pid: number, proxy?: TtyProxy): Promise<number> {
  const handlers = FORWARD.map((sig) => {
    const h = () => {
      try {
        process.kill(pid, sig);
      } catch { /* exited */ }
    };
    process.on(sig, h);
    return [sig, h] as const;
  });
  const status = await new Promise<number>((resolve, reject) =>
    addon().waitPid(pid, (err, st) => (err ? reject(err) : resolve(st))));
  for (const [sig, h] of handlers) process.off(sig, h);
  if (proxy) {
    // Let the last output through, but don't hang on a pty someone else holds.
    await Promise.race([proxy.done, new Promise((r) => setTimeout(r, 500))]);
    proxy.stop();
  }
  return status;
}
