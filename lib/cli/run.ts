// run: create + start, then (unless --detach) wait for the container's
// process, forward signals to it, delete the container and exit with its
// status (128+N when killed by signal N).
import type { Store } from '../state/store';
import { validateId } from '../state/store';
import { create } from '../runtime/create';
import { start } from '../runtime/start';
import { del } from '../runtime/delete';
import { addon } from '../addon';

const FORWARD: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2', 'SIGWINCH'];

interface RunArgs {
  id: string; bundle: string; pidFile?: string; consoleSocket?: string; detach: boolean;
  noPivot: boolean; preserveFds: number; keep: boolean;
}

export default async function (a: RunArgs, s: Store): Promise<number> {
  const id = validateId(a.id);
  // The init is forked by an intermediate child that exits: as subreaper we
  // inherit it and can wait for it.
  if (!a.detach) addon().setSubreaper();
  const { record } = create(s, {
    id, bundle: a.bundle, pidFile: a.pidFile, consoleSocket: a.consoleSocket,
    noPivot: a.noPivot, preserveFds: a.preserveFds,
  });
  try {
    start(s, id);
  } catch (e) {
    del(s, id, true);
    throw e;
  }
  if (a.detach) return 0;

  const pid = record.pid;
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
  if (!a.keep) del(s, id, true);
  return status;
}
