// What `run` and `exec` do when they don't detach: wait for the container's
// process (we are a subreaper, so the forked init comes back to us), forward
// the signals we get to it, drain its terminal, return its status.
import { addon } from '../addon';
import type { TtyProxy } from './tty';

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
