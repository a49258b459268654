// --pidfd-socket (runc 1.2's flag of create, run and exec): a unix socket
// that receives a pidfd of the container's process, sent by that process
// itself while it is set up (addon/child/init.cc, after the console, as runc),
// with the text "standard" (the init) or "setns" (an exec'd process).
import * as path from 'node:path';
import { addon } from '../addon';
import { RuntimeError } from '../util/errors';

/** The connected socket (the caller closes it once the process is set up); -1 without the flag. */
export function connectPidfdSocket(socketPath: string | undefined): number {
  if (!socketPath) return -1;
  try {
    return addon().connectUnix(path.resolve(socketPath));
  } catch (e) {
    throw new RuntimeError(`--pidfd-socket: ${(e as Error).message}`);
  }
}
