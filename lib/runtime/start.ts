// start: release a created container's init; it execs the user's program.
import * as fs from 'node:fs';
import { Store } from '../state/store';
import { addon } from '../addon';
import { load, notExist } from './container';
import { childError } from './spawn';
import { RuntimeError } from '../util/errors';

export function start(store: Store, id: string): void {
  const lock = store.lock(id);
  if (lock === undefined) throw notExist(id);
  try {
    const { status } = load(store, id);
    if (status === 'stopped') throw new RuntimeError('cannot start a container that has stopped');
    if (status !== 'created') throw new RuntimeError(`cannot start a container that is ${status}, only a created one`);
    const sock = store.startSocket(id);
    const a = addon();
    const fd = a.connectUnix(sock);
    try {
      // From here on the container counts as running (no socket, no "created").
      fs.unlinkSync(sock);
      const err = a.release(fd);
      if (err) throw childError(err);
    } finally {
      fs.closeSync(fd);
    }
  } finally {
    fs.closeSync(lock);
  }
}
