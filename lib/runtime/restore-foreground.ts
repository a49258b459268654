// restore as runc does it: with detach the restored container is left
// running; otherwise we wait for it (it is our child: CRIU restores it as
// its sibling), forward signals, delete it and return its status. A
// terminal without --console-socket is proxied to our stdio, as run does.
import type { Store } from '../state/store';
import { restore, type RestoreOptions } from './restore';
import { del } from './delete';
import { SignalForwarder, waitForeground, withOwnPty } from './foreground';

export async function restoreForeground(s: Store, o: Omit<RestoreOptions, 'consoleFd'>, detach: boolean): Promise<number> {
  // Signals from now on (CRIU takes a while) go to the process once it runs.
  const fwd = detach ? undefined : new SignalForwarder();
  const { made: { record }, proxy } = await withOwnPty(!detach && !o.consoleSocket, (consoleFd) => restore(s, { ...o, consoleFd }),
    () => !!s.readSpec(o.id).process?.terminal).catch((e) => {
    fwd?.stop();
    throw e;
  });
  if (!fwd) return 0;
  const status = await waitForeground(record.pid, proxy, fwd);
  del(s, o.id, true);
  return status;
}
