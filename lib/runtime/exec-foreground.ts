// exec without --detach: as subreaper (the process is forked by a child that
// exits, so it comes back to us), with a terminal and no console socket the
// pty held here and connected to our stdio; then wait for the process,
// forward signals to it, and return its status (128+N when killed by signal N).
import type { Store } from '../state/store';
import { addon } from '../addon';
import { exec, type ExecOptions } from './exec';
import { SignalForwarder, waitForeground, withOwnPty } from './foreground';

export async function execForeground(store: Store, id: string, o: Omit<ExecOptions, 'consoleFd'>): Promise<number> {
  const ad = addon();
  ad.setSubreaper();
  // Signals from now on go to the process once it runs.
  const fwd = new SignalForwarder();
  const { made, proxy } = await withOwnPty(!!o.process.terminal && !o.consoleSocket,
    (consoleFd) => exec(store, id, { ...o, consoleFd }), () => true).catch((e) => {
    fwd.stop();
    throw e;
  });
  return waitForeground(made.pid, proxy, fwd);
}
