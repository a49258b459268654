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

/**
 * The signals a foreground run or exec passes on, caught from its start (as
 * runc): one that comes while the container is still being made or started
 * is kept and sent once the process exists (forwardTo), instead of killing
 * us half-way and leaving the container behind.
 */
export class SignalForwarder {
  private pid = 0;
  private readonly queued: NodeJS.Signals[] = [];
  private readonly handlers = FORWARD.map((sig) => {
    const h = () => this.send(sig);
    process.on(sig, h);
    return [sig, h] as const;
  });

  private send(sig: NodeJS.Signals): void {
    if (!this.pid) {
      this.queued.push(sig);
      return;
    }
    try {
      process.kill(this.pid, sig);
    } catch { /* exited */ }
  }

  forwardTo(pid: number): void {
    this.pid = pid;
    for (const sig of this.queued.splice(0)) this.send(sig);
  }

  stop(): void {
    for (const [sig, h] of this.handlers) process.off(sig, h);
  }
}

export async function waitForeground(pid: number, proxy?: TtyProxy, fwd = new SignalForwarder()): Promise<number> {
  fwd.forwardTo(pid);
  let status: number;
  try {
    status = await new Promise<number>((resolve, reject) =>
      addon().waitPid(pid, (err, st) => (err ? reject(err) : resolve(st))));
  } finally {
    fwd.stop();
  }
  if (proxy) {
    // Let the last output through, but don't hang on a pty someone else holds.
    await Promise.race([proxy.done, new Promise((r) => setTimeout(r, 500))]);
    proxy.stop();
  }
  return status;
}
